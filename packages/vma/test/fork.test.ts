/* fork (copy_mm/dup_mmap), CLONE_VM, exit (exit_mmap/mmput/mmdrop) and every frame coming back. */
import { describe, expect, it } from "vitest";
import {
  CLONE_VM,
  checkVmaInvariants,
  create_task,
  do_brk,
  do_exit,
  do_fork,
  do_mmap_pgoff,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
  release_task,
  schedule_to,
  sys_mprotect,
  TLBSTATE_LAZY,
  user_read,
  user_write,
} from "../src/index.js";
import { bootVm, settle } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

for (const pae of [false, true])
  describe(`fork and exit (${pae ? "PAE" : "2-level"})`, () => {
    it("buddyinfo after the child exits equals buddyinfo before it was created", () => {
      const vm = bootVm({ pae, memBytes: 256 << 20, cpus: 2 });
      const shell = create_task(vm, "sh")!;
      schedule_to(vm, shell);
      const a = do_mmap_pgoff(vm, null, 0, 64 * 4096, RW, ANON, 0);
      for (let i = 0; i < 64; i += 2) user_write(vm, a + i * 4096, [i]);
      settle(vm);
      const before = vm.pa.buddyinfo();
      const child = do_fork(vm, 0)!;
      schedule_to(vm, child);
      for (let i = 0; i < 64; i++) user_write(vm, a + i * 4096, [100 + i]); // COW and fresh pages
      const b = do_mmap_pgoff(vm, null, 0, 0x500000, RW, ANON, 0); // more pte tables
      for (let p = b; p < b + 0x500000; p += 0x10000) user_write(vm, p, [1]);
      const s = do_mmap_pgoff(vm, null, 0, 8 * 4096, RW, MAP_SHARED | MAP_ANONYMOUS, 0);
      user_write(vm, s, [5]);
      sys_mprotect(vm, b, 0x100000, PROT_READ);
      child.mm!.start_brk = child.mm!.brk = 0x10000000;
      do_brk(vm, 0x10000000, 0x3000);
      checkVmaInvariants(vm);
      do_exit(vm, 0);
      // the CPU went idle still holding the dead mm lazily (2.6.11: freed when it switches mm)
      expect(vm.cpu_tlbstate[0]!.state).toBe(TLBSTATE_LAZY);
      schedule_to(vm, shell);
      release_task(vm, child);
      for (let i = 0; i < 64; i += 2) expect((user_read(vm, a + i * 4096, 1) as Uint8Array)[0]).toBe(i);
      checkVmaInvariants(vm);
      settle(vm);
      expect(vm.pa.buddyinfo()).toBe(before);
    });
  });

describe("address-space lifetimes", () => {
  it("a process exiting on an otherwise idle CPU: its page tables go at exit, its pgd when the CPU next switches mm", () => {
    const vm = bootVm();
    settle(vm);
    const before = vm.pa.buddyinfo();
    const t = create_task(vm, "solo")!;
    schedule_to(vm, t);
    const a = do_mmap_pgoff(vm, null, 0, 16 * 4096, RW, ANON, 0);
    for (let i = 0; i < 16; i++) user_write(vm, a + i * 4096, [1]);
    const mm = t.mm!;
    do_exit(vm, 0);
    release_task(vm, t);
    expect(mm.mm_users).toBe(0);
    expect(mm.mm_count).toBe(1); // the idle task's lazy reference
    expect(mm.rss).toBe(0);
    expect(mm.nr_ptes).toBe(0);
    settle(vm);
    expect(vm.pa.buddyinfo()).not.toBe(before); // the pgd and the mm_struct still live
    const u = create_task(vm, "next")!;
    schedule_to(vm, u); // idle -> u: mmdrop of the lazy mm frees its pgd
    do_exit(vm, 0);
    release_task(vm, u);
    const w = create_task(vm, "w")!;
    schedule_to(vm, w);
    do_exit(vm, 0);
    release_task(vm, w);
    settle(vm);
    // only the last one's pgd and mm_struct remain, as in the kernel
    expect(vm.init_mm.mm_count).toBe(1);
  });

  it("CLONE_VM shares the mm (mm_users 2); the address space dies with its last user", () => {
    const vm = bootVm({ cpus: 2 });
    const t = create_task(vm, "p")!;
    schedule_to(vm, t);
    const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
    const th = do_fork(vm, CLONE_VM)!;
    expect(th.mm).toBe(t.mm);
    expect(t.mm!.mm_users).toBe(2);
    vm.machine.setCurrentCpu(1);
    schedule_to(vm, th);
    user_write(vm, a, [9]);
    expect(t.mm!.cpu_vm_mask).toBe(0b11);
    vm.machine.setCurrentCpu(0);
    expect((user_read(vm, a, 1) as Uint8Array)[0]).toBe(9);
    do_exit(vm, 0);
    expect(th.mm!.mm_users).toBe(1);
    expect(th.mm!.map_count).toBe(1);
    checkVmaInvariants(vm);
  });

  it("shared anonymous memory stays shared across fork; private memory is copied on write", () => {
    const vm = bootVm();
    const t = create_task(vm, "p")!;
    schedule_to(vm, t);
    const s = do_mmap_pgoff(vm, null, 0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS, 0);
    const p = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
    user_write(vm, s, [1]);
    user_write(vm, p, [1]);
    const c = do_fork(vm, 0)!;
    schedule_to(vm, c);
    user_write(vm, s, [2]);
    user_write(vm, p, [2]);
    schedule_to(vm, t);
    expect((user_read(vm, s, 1) as Uint8Array)[0]).toBe(2);
    expect((user_read(vm, p, 1) as Uint8Array)[0]).toBe(1);
    checkVmaInvariants(vm);
  });
});
