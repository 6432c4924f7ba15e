/* switch_mm, cpu_vm_mask, lazy TLB, TLB shootdowns across CPUs, and vmalloc_fault. */
import { describe, expect, it } from "vitest";
import {
  __KERNEL_CS,
  CLONE_VM,
  checkVmaInvariants,
  create_task,
  do_fork,
  do_mmap_pgoff,
  do_page_fault,
  kernel_access,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
  schedule_idle,
  schedule_to,
  sys_munmap,
  TLBSTATE_LAZY,
  TLBSTATE_OK,
  user_read,
  user_write,
} from "../src/index.js";
import { bootVm } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

describe("switch_mm and cpu_vm_mask", () => {
  for (const pae of [false, true])
    it(`CR3 holds __pa(pgd) of the running process (${pae ? "PAE" : "2-level"})`, () => {
      const vm = bootVm({ pae, cpus: 2 });
      const a = create_task(vm, "a")!;
      const b = create_task(vm, "b")!;
      schedule_to(vm, a);
      const cpu0 = vm.machine.cpus[0]!;
      expect(cpu0.cr3).toBe(vm.pgd_pa(a.mm!));
      expect(a.mm!.cpu_vm_mask).toBe(1);
      schedule_to(vm, b);
      expect(cpu0.cr3).toBe(vm.pgd_pa(b.mm!));
      expect(a.mm!.cpu_vm_mask).toBe(0);
      expect(b.mm!.cpu_vm_mask).toBe(1);
      vm.machine.setCurrentCpu(1);
      schedule_to(vm, a);
      expect(a.mm!.cpu_vm_mask).toBe(2);
      if (pae)
        expect(vm.machine.cpus[1]!.pdpte[0]).toBe(
          vm.machine.paging.readEntry(vm.machine.ram, vm.pgd_pa(a.mm!), 0),
        );
      checkVmaInvariants(vm);
    });
});

describe("TLB shootdowns", () => {
  it("munmap on one CPU flushes the other CPU running a thread of the same mm", () => {
    const vm = bootVm({ cpus: 2 });
    const t = create_task(vm, "t")!;
    schedule_to(vm, t);
    const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
    const th = do_fork(vm, CLONE_VM)!;
    vm.machine.setCurrentCpu(1);
    schedule_to(vm, th);
    user_write(vm, a, [1]); // CPU 1 caches the translation
    expect(vm.machine.cpus[1]!.tlb.entries[a >>> 12]).not.toBe(0);
    vm.machine.setCurrentCpu(0);
    expect(sys_munmap(vm, a, 4096)).toBe(0);
    expect(vm.machine.cpus[1]!.tlb.entries[a >>> 12]).toBe(0);
    checkVmaInvariants(vm);
    vm.machine.setCurrentCpu(1);
    expect(user_read(vm, a, 1)).toBe("SIGSEGV");
  });

  it("copy-on-write on one CPU drops the read-only translation the other CPU cached", () => {
    const vm = bootVm({ cpus: 2 });
    const t = create_task(vm, "t")!;
    schedule_to(vm, t);
    const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
    user_read(vm, a, 1); // zero page, read-only
    const th = do_fork(vm, CLONE_VM)!;
    vm.machine.setCurrentCpu(1);
    schedule_to(vm, th);
    user_read(vm, a, 1);
    vm.machine.setCurrentCpu(0);
    user_write(vm, a, [5]); // do_wp_page on CPU 0: break_cow flushes CPU 1's entry
    checkVmaInvariants(vm);
    vm.machine.setCurrentCpu(1);
    expect((user_read(vm, a, 1) as Uint8Array)[0]).toBe(5);
  });

  it("a lazy CPU answers the flush by leaving the mm (swapper_pg_dir loaded, off cpu_vm_mask)", () => {
    const vm = bootVm({ cpus: 2 });
    const t = create_task(vm, "t")!;
    schedule_to(vm, t);
    const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
    const th = do_fork(vm, CLONE_VM)!;
    vm.machine.setCurrentCpu(1);
    schedule_to(vm, th);
    user_write(vm, a, [1]);
    schedule_idle(vm); // the idle task borrows the mm
    expect(vm.cpu_tlbstate[1]!.state).toBe(TLBSTATE_LAZY);
    expect(t.mm!.cpu_vm_mask).toBe(0b11);
    vm.machine.setCurrentCpu(0);
    sys_munmap(vm, a, 4096);
    expect(t.mm!.cpu_vm_mask).toBe(0b01);
    expect(vm.machine.cpus[1]!.cr3).toBe(vm.pa.swapper_pg_dir);
    // switching back to a thread of that mm reloads CR3 (switch_mm's "same mm" branch)
    vm.machine.setCurrentCpu(1);
    schedule_to(vm, th);
    expect(vm.cpu_tlbstate[1]!.state).toBe(TLBSTATE_OK);
    expect(vm.machine.cpus[1]!.cr3).toBe(vm.pgd_pa(t.mm!));
    checkVmaInvariants(vm);
  });
});

describe("vmalloc_fault", () => {
  it("2-level: a vmalloc area mapped after the pgd was made faults once in kernel mode and is copied from init_mm", () => {
    const vm = bootVm({ memBytes: 64 << 20 });
    const t = create_task(vm, "t")!;
    schedule_to(vm, t);
    const buf = vm.slab.vmalloc(8192)!;
    const p = vm.machine.paging;
    const idx = p.pgd_index(buf);
    const mine = () => p.readEntry(vm.machine.ram, vm.pgd_pa(t.mm!), idx);
    const ref = p.readEntry(vm.machine.ram, vm.pa.swapper_pg_dir, idx);
    expect(ref & 1).toBe(1);
    expect(mine()).toBe(0);
    const phys = kernel_access(vm, buf, true);
    expect(phys).toBeGreaterThan(0);
    expect(mine()).toBe(ref);
    checkVmaInvariants(vm);
  });

  it("PAE: the kernel pmd is shared, a fresh vmalloc area needs no fault; a kernel-space not-present fault outside it oopses", () => {
    const vm = bootVm({ pae: true });
    const t = create_task(vm, "t")!;
    schedule_to(vm, t);
    const buf = vm.slab.vmalloc(8192)!;
    const cpu = vm.machine.cpus[0]!;
    const misses = cpu.tlb.misses;
    kernel_access(vm, buf, true);
    expect(cpu.tlb.misses).toBe(misses + 1); // one walk, no fault
    cpu.cr2 = 0xff7fe000 - 0x1000;
    expect(() => do_page_fault(vm, { esp: 0, eip: 0xc0123456, xcs: __KERNEL_CS, eflags: 0 }, 0)).toThrow(
      /Unable to handle kernel paging request/,
    );
  });
});
