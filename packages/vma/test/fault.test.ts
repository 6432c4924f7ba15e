/* do_page_fault's decision tree, handle_mm_fault's paths and the page counts at every step. */
import { _PAGE_DIRTY, _PAGE_RW, irq_enter, irq_exit, preempt_disable, preempt_enable } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import {
  checkVmaInvariants,
  copy_to_user,
  create_task,
  do_exit,
  do_fork,
  do_mmap_pgoff,
  follow_pte,
  KernelOopsError,
  kernel_access,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_GROWSDOWN,
  MAP_PRIVATE,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  RLIMIT_STACK,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SIGSEGV,
  schedule_to,
  user_access,
  user_read,
  user_write,
  type VmSystem,
} from "../src/index.js";
import { entry_get } from "../src/pgtable.js";
import { bootVm } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function setup(pae = false, memBytes = 64 << 20) {
  const vm = bootVm({ pae, memBytes });
  const t = create_task(vm, "t")!;
  schedule_to(vm, t);
  return { vm, t };
}

function pteOf(vm: VmSystem, addr: number): number {
  const ptep = follow_pte(vm, vm.current.mm!, addr);
  return ptep < 0 ? 0 : entry_get(vm, ptep);
}
const pfnOf = (pte: number) => Math.floor(pte / 4096) % 2 ** 32;

for (const pae of [false, true])
  describe(`anonymous faults (${pae ? "PAE" : "2-level"})`, () => {
    it("read maps the zero page read-only, rss unchanged; the write then copies to a fresh zeroed page", () => {
      const { vm, t } = setup(pae);
      const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
      const zc = vm.pa.page_count(vm.zero_page);
      expect(user_read(vm, a, 4)).toEqual(new Uint8Array(4));
      let pte = pteOf(vm, a);
      expect(pfnOf(pte)).toBe(vm.zero_page);
      expect(pte & _PAGE_RW).toBe(0);
      expect(t.mm!.rss).toBe(0);
      expect(vm.pa.page_count(vm.zero_page)).toBe(zc); // reserved: never counted
      expect(t.min_flt).toBe(1);
      expect(user_write(vm, a + 8, [5])).toBeNull();
      pte = pteOf(vm, a);
      const page = pfnOf(pte);
      expect(page).not.toBe(vm.zero_page);
      expect(pte & (_PAGE_RW | _PAGE_DIRTY)).toBe(_PAGE_RW | _PAGE_DIRTY);
      expect(t.mm!.rss).toBe(1);
      expect(t.mm!.anon_rss).toBe(1);
      expect(vm.pa.page_count(page as never)).toBe(1);
      expect(vm.pa.page_mapcount(page as never)).toBe(1);
      expect(Array.from(user_read(vm, a, 12) as Uint8Array)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0]);
      expect(t.min_flt).toBe(2);
      expect(vm.page_state.pgfault).toBe(2);
      checkVmaInvariants(vm);
    });

    it("a first write gets exactly one new page, writable and dirty, one minor fault", () => {
      const { vm, t } = setup(pae);
      const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
      expect(user_write(vm, a, [1])).toBeNull();
      // one data page (rss) and the pte table for its 4 MiB (2 MiB under PAE)
      expect(t.mm!.rss).toBe(1);
      expect(t.min_flt).toBe(1);
      expect(t.mm!.nr_ptes).toBe(1);
      checkVmaInvariants(vm);
    });

    it("fork write-protects both; the writer copies; the last holder then reuses in place", () => {
      const { vm, t } = setup(pae);
      const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
      user_write(vm, a, [1]);
      const page = pfnOf(pteOf(vm, a)) as never;
      const c = do_fork(vm, 0)!;
      expect(vm.pa.page_count(page)).toBe(2);
      expect(vm.pa.page_mapcount(page)).toBe(2);
      expect(pteOf(vm, a) & _PAGE_RW).toBe(0); // parent write-protected
      checkVmaInvariants(vm);
      schedule_to(vm, c);
      expect(pteOf(vm, a) & _PAGE_RW).toBe(0);
      expect(user_write(vm, a, [2])).toBeNull(); // child copies
      const copy = pfnOf(pteOf(vm, a)) as never;
      expect(copy).not.toBe(page);
      expect(vm.pa.page_count(page)).toBe(1);
      expect(vm.pa.page_mapcount(page)).toBe(1);
      expect(vm.pa.page_count(copy)).toBe(1);
      checkVmaInvariants(vm);
      schedule_to(vm, t);
      expect(user_write(vm, a, [3])).toBeNull(); // parent: count 1 -> reused, no copy
      expect(pfnOf(pteOf(vm, a))).toBe(page);
      expect(pteOf(vm, a) & _PAGE_RW).toBe(_PAGE_RW);
      expect((user_read(vm, a, 1) as Uint8Array)[0]).toBe(3);
      schedule_to(vm, c);
      expect((user_read(vm, a, 1) as Uint8Array)[0]).toBe(2);
      checkVmaInvariants(vm);
    });

    it("the zero page is COW-copied as a zeroed page and never freed", () => {
      const { vm } = setup(pae);
      const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
      user_read(vm, a, 1);
      const c = do_fork(vm, 0)!;
      schedule_to(vm, c);
      expect(pfnOf(pteOf(vm, a))).toBe(vm.zero_page);
      expect(user_write(vm, a + 100, [9])).toBeNull();
      expect(c.mm!.rss).toBe(1);
      expect(Array.from(user_read(vm, a + 98, 4) as Uint8Array)).toEqual([0, 0, 9, 0]);
      do_exit(vm, 0);
      checkVmaInvariants(vm);
    });
  });

describe("do_page_fault's decision tree", () => {
  it("no VMA: SIGSEGV with SEGV_MAPERR, cr2 and error code recorded", () => {
    const { vm, t } = setup();
    expect(user_access(vm, 0x1234, { write: true })).toBe("SIGSEGV");
    expect(t.pending[0]).toEqual({ si_signo: SIGSEGV, si_errno: 0, si_code: SEGV_MAPERR, si_addr: 0x1234 });
    expect(t.thread).toEqual({ cr2: 0x1234, error_code: 6, trap_no: 14 });
  });

  it("write to a read-only VMA and read of a PROT_NONE VMA: SEGV_ACCERR", () => {
    const { vm, t } = setup();
    const ro = do_mmap_pgoff(vm, null, 0, 4096, PROT_READ, ANON, 0);
    const none = do_mmap_pgoff(vm, null, 0, 4096, PROT_NONE, ANON, 0);
    expect(user_access(vm, ro, { write: true })).toBe("SIGSEGV");
    expect(t.pending.pop()!.si_code).toBe(SEGV_ACCERR);
    expect(user_access(vm, none)).toBe("SIGSEGV");
    expect(t.pending.pop()).toMatchObject({ si_code: SEGV_ACCERR, si_addr: none });
    expect(t.thread.error_code).toBe(4); // user, read, not present
    // a write to the read-only page after a read: present + write + user = 7
    expect(typeof user_access(vm, ro)).toBe("number");
    expect(user_access(vm, ro, { write: true })).toBe("SIGSEGV");
    expect(t.thread.error_code).toBe(7);
  });

  it("user access to kernel space: SIGSEGV, error code gets the protection bit", () => {
    const { vm, t } = setup();
    expect(user_access(vm, 0xc0001000)).toBe("SIGSEGV");
    expect(t.pending[0]!.si_code).toBe(SEGV_MAPERR);
    expect(t.thread.error_code & 1).toBe(1);
  });

  it("the esp - 32 rule below a growsdown VMA: esp - 33 is SIGSEGV, esp - 32 grows the stack", () => {
    const { vm, t } = setup();
    const s = do_mmap_pgoff(vm, null, 0xbf000000 - 4096, 4096, RW, ANON | MAP_GROWSDOWN | MAP_FIXED, 0);
    t.regs.esp = s + 16;
    expect(user_access(vm, t.regs.esp - 33, { write: true })).toBe("SIGSEGV");
    expect(t.pending.pop()!.si_code).toBe(SEGV_MAPERR);
    expect(t.mm!.mmap!.vm_start).toBe(s);
    expect(typeof user_access(vm, t.regs.esp - 32, { write: true })).toBe("number");
    expect(t.mm!.mmap!.vm_start).toBe(s - 4096);
    expect(t.mm!.mmap!.vm_pgoff).toBe((s - 4096) / 4096);
    expect(t.mm!.stack_vm).toBe(2);
    checkVmaInvariants(vm);
  });

  it("stack growth over RLIMIT_STACK: expand_stack refuses, SIGSEGV", () => {
    const { vm, t } = setup();
    t.signal.rlim[RLIMIT_STACK]!.rlim_cur = 8192;
    const s = do_mmap_pgoff(vm, null, 0xbf000000 - 4096, 4096, RW, ANON | MAP_GROWSDOWN | MAP_FIXED, 0);
    t.regs.esp = s - 8192;
    expect(typeof user_access(vm, s - 4096, { write: true })).toBe("number"); // 8 KiB: allowed
    expect(user_access(vm, s - 8192, { write: true })).toBe("SIGSEGV"); // 12 KiB: over the limit
    expect(t.mm!.mmap!.vm_start).toBe(s - 4096);
    checkVmaInvariants(vm);
  });

  it("a fault in atomic context (kmap_atomic held) is a bad area even on a good VMA", () => {
    const { vm, t } = setup();
    const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
    const cpu = vm.machine.cpus[0]!;
    preempt_disable(cpu);
    expect(user_access(vm, a, { write: true })).toBe("SIGSEGV");
    preempt_enable(cpu);
    expect(t.pending[0]!.si_code).toBe(SEGV_MAPERR);
    irq_enter(cpu);
    expect(() => kernel_access(vm, a)).toThrow(KernelOopsError);
    irq_exit(cpu);
  });

  it("copy_to_user: a bad address runs the exception fixup (bytes not copied), a good one faults in", () => {
    const { vm } = setup();
    const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
    expect(copy_to_user(vm, a + 4090, new Uint8Array(12).fill(1))).toBe(6);
    expect(Array.from(user_read(vm, a + 4088, 8) as Uint8Array)).toEqual([0, 0, 1, 1, 1, 1, 1, 1]);
    expect(copy_to_user(vm, 0xbffff000, new Uint8Array(8))).toBe(8);
    expect(copy_to_user(vm, 0xc0000000, new Uint8Array(8))).toBe(8); // access_ok refuses
  });

  it("a kernel-mode fault on a bad user address outside uaccess oopses, in 2.6.11's words", () => {
    const { vm } = setup();
    expect(() => kernel_access(vm, 0x10)).toThrow(
      /Unable to handle kernel NULL pointer dereference at virtual address 00000010/,
    );
    expect(() => kernel_access(vm, 0x40000000)).toThrow(
      /Unable to handle kernel paging request at virtual address 40000000/,
    );
    expect(vm.machine.dmesg.some((l) => l.startsWith("*pde = "))).toBe(true);
  });
});
