/* do_mmap_pgoff, do_munmap, sys_brk, sys_mprotect: the kernel's checks, error codes and edge cases. */
import { Errno } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import {
  checkVmaInvariants,
  create_task,
  do_brk,
  do_mmap,
  do_mmap_pgoff,
  do_munmap,
  INIT_RLIMITS,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_LOCKED,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  OVERCOMMIT_NEVER,
  old_mmap,
  PROT_EXEC,
  PROT_GROWSDOWN,
  PROT_GROWSUP,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  READ_IMPLIES_EXEC,
  RLIMIT_AS,
  RLIMIT_DATA,
  RLIMIT_MEMLOCK,
  schedule_to,
  sys_brk,
  sys_mmap2,
  sys_mprotect,
  sys_munmap,
  user_read,
  user_write,
  VM_ACCOUNT,
  VM_EXEC,
  VM_LOCKED,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_READ,
  VM_WRITE,
  vma_list,
} from "../src/index.js";
import { bootVm } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const E = Errno;

function setup(memBytes = 64 << 20) {
  const vm = bootVm({ memBytes });
  const t = create_task(vm, "t")!;
  schedule_to(vm, t);
  return { vm, t, mm: t.mm! };
}
const ranges = (mm: Parameters<typeof vma_list>[0]) => vma_list(mm).map((v) => [v.vm_start, v.vm_end]);

describe("do_mmap_pgoff's checks (reference 06 §14)", () => {
  it("len 0 returns addr unchanged; len > TASK_SIZE after alignment is -EINVAL", () => {
    const { vm, mm } = setup();
    expect(do_mmap_pgoff(vm, null, 0x1234, 0, RW, ANON, 0)).toBe(0x1234);
    expect(mm.map_count).toBe(0);
    expect(do_mmap_pgoff(vm, null, 0, 0xc0000001, RW, ANON, 0)).toBe(-E.EINVAL);
    expect(do_mmap_pgoff(vm, null, 0, 0xfffff001, RW, ANON, 0)).toBe(-E.EINVAL); // wraps to 0
  });

  it("MAP_FIXED: unaligned is -EINVAL, past TASK_SIZE - len is -ENOMEM", () => {
    const { vm } = setup();
    expect(do_mmap_pgoff(vm, null, 0x40000010, 4096, RW, ANON | MAP_FIXED, 0)).toBe(-E.EINVAL);
    expect(do_mmap_pgoff(vm, null, 0xbffff000, 8192, RW, ANON | MAP_FIXED, 0)).toBe(-E.ENOMEM);
    expect(do_mmap_pgoff(vm, null, 0xbfffe000, 8192, RW, ANON | MAP_FIXED, 0)).toBe(0xbfffe000);
  });

  it("a mapping type other than shared/private is -EINVAL; pgoff overflow is -EINVAL", () => {
    const { vm } = setup();
    expect(do_mmap_pgoff(vm, null, 0, 4096, RW, MAP_ANONYMOUS | 3, 0)).toBe(-E.EINVAL);
    expect(do_mmap(vm, null, 0, 8192, RW, ANON, 0xfffff000)).toBe(-E.EINVAL);
    expect(do_mmap(vm, null, 0, 4096, RW, ANON, 0x123)).toBe(-E.EINVAL);
  });

  it("map_count above vm.max_map_count is -ENOMEM; split_vma refuses at the limit", () => {
    const { vm, mm } = setup();
    vm.sysctl_max_map_count = 4;
    for (let i = 0; i < 4; i++)
      do_mmap_pgoff(vm, null, 0x40000000 + i * 0x2000, 4096, i & 1 ? PROT_READ : RW, ANON | MAP_FIXED, 0);
    expect(mm.map_count).toBe(4);
    // mmap refuses only once map_count is *above* the limit (2.6.11's off-by-one)
    expect(do_mmap_pgoff(vm, null, 0x60000000, 0x3000, RW, ANON | MAP_FIXED, 0)).toBe(0x60000000);
    expect(do_mmap_pgoff(vm, null, 0x50000000, 4096, RW, ANON | MAP_FIXED, 0)).toBe(-E.ENOMEM);
    // munmap in the middle of a VMA needs a split: refused at map_count >= max_map_count
    expect(do_munmap(vm, mm, 0x60001000, 0x1000)).toBe(-E.ENOMEM);
    checkVmaInvariants(vm);
  });

  it("no hole left: -ENOMEM (top-down falls back to bottom-up first)", () => {
    const { vm } = setup();
    expect(do_mmap_pgoff(vm, null, 0, 0x80000000, PROT_NONE, ANON | MAP_NORESERVE, 0)).toBe(0x38000000);
    expect(do_mmap_pgoff(vm, null, 0, 0x40000000, PROT_NONE, ANON | MAP_NORESERVE, 0)).toBe(-E.ENOMEM);
  });

  it("RLIMIT_AS counts total_vm", () => {
    const { vm, t } = setup();
    t.signal.rlim[RLIMIT_AS]!.rlim_cur = 0x10000;
    expect(do_mmap_pgoff(vm, null, 0, 0x10000, RW, ANON, 0) > 0).toBe(true);
    expect(do_mmap_pgoff(vm, null, 0, 0x1000, RW, ANON, 0)).toBe(-E.ENOMEM);
  });

  it("MAP_LOCKED: -EPERM without RLIMIT_MEMLOCK, -EAGAIN over it; locked pages are made present", () => {
    const { vm, t, mm } = setup();
    t.signal.rlim[RLIMIT_MEMLOCK]!.rlim_cur = 0;
    expect(do_mmap_pgoff(vm, null, 0, 4096, RW, ANON | MAP_LOCKED, 0)).toBe(-E.EPERM);
    t.signal.rlim[RLIMIT_MEMLOCK]!.rlim_cur = 8192;
    expect(do_mmap_pgoff(vm, null, 0, 3 * 4096, RW, ANON | MAP_LOCKED, 0)).toBe(-E.EAGAIN);
    const a = do_mmap_pgoff(vm, null, 0, 2 * 4096, RW, ANON | MAP_LOCKED, 0);
    expect(mm.locked_vm).toBe(2);
    expect(mm.rss).toBe(2); // make_pages_present wrote-faulted both
    expect(mm.mmap!.vm_flags & VM_LOCKED).toBe(VM_LOCKED);
    expect(t.min_flt).toBe(2);
    expect(a).toBe(0xb7ffe000);
    checkVmaInvariants(vm);
  });

  it("overcommit: a private writable mapping is charged (VM_ACCOUNT); MAP_NORESERVE is not, unless vm.overcommit_memory=2", () => {
    const { vm, mm } = setup();
    const before = vm.vm_committed_space;
    do_mmap_pgoff(vm, null, 0, 4 * 4096, RW, ANON, 0);
    expect(vm.vm_committed_space - before).toBe(4);
    expect(mm.mmap!.vm_flags & VM_ACCOUNT).toBe(VM_ACCOUNT);
    do_mmap_pgoff(vm, null, 0x50000000, 4 * 4096, RW, ANON | MAP_NORESERVE | MAP_FIXED, 0);
    expect(vm.vm_committed_space - before).toBe(4);
    vm.sysctl_overcommit_memory = OVERCOMMIT_NEVER;
    do_mmap_pgoff(vm, null, 0x60000000, 4 * 4096, RW, ANON | MAP_NORESERVE | MAP_FIXED, 0);
    expect(vm.vm_committed_space - before).toBe(8);
    // read-only private mappings are not charged
    do_mmap_pgoff(vm, null, 0x70000000, 4 * 4096, PROT_READ, ANON | MAP_FIXED, 0);
    expect(vm.vm_committed_space - before).toBe(8);
    // the heuristic refuses more than free memory (64 MiB machine)
    vm.sysctl_overcommit_memory = 0;
    expect(do_mmap_pgoff(vm, null, 0, 128 << 20, RW, ANON, 0)).toBe(-E.ENOMEM);
    sys_munmap(vm, 0x60000000, 4 * 4096);
    expect(vm.vm_committed_space - before).toBe(4);
    checkVmaInvariants(vm);
  });

  it("vm_flags: prot bits, VM_MAY*, READ_IMPLIES_EXEC adds EXEC to PROT_READ", () => {
    const { vm, t, mm } = setup();
    do_mmap_pgoff(vm, null, 0, 4096, PROT_READ, ANON, 0);
    expect(mm.mmap!.vm_flags).toBe(VM_READ | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC);
    t.personality = READ_IMPLIES_EXEC;
    do_mmap_pgoff(vm, null, 0x50000000, 4096, RW, ANON | MAP_FIXED, 0);
    const v = vma_list(mm).find((x) => x.vm_start === 0x50000000)!;
    expect(v.vm_flags & (VM_READ | VM_WRITE | VM_EXEC)).toBe(VM_READ | VM_WRITE | VM_EXEC);
  });

  it("MAP_FIXED over existing mappings unmaps them first (their pages are freed)", () => {
    const { vm, mm } = setup();
    const a = do_mmap_pgoff(vm, null, 0x40000000, 4 * 4096, RW, ANON | MAP_FIXED, 0);
    user_write(vm, a + 4096, [7]);
    expect(mm.rss).toBe(1);
    do_mmap_pgoff(vm, null, a + 4096, 4096, PROT_READ, ANON | MAP_FIXED, 0);
    expect(mm.rss).toBe(0);
    expect((user_read(vm, a + 4096, 1) as Uint8Array)[0]).toBe(0);
    expect(ranges(mm)).toEqual([
      [a, a + 4096],
      [a + 4096, a + 8192],
      [a + 8192, a + 0x4000],
    ]);
    checkVmaInvariants(vm);
  });

  it("sys_mmap2 / old_mmap: -EBADF for an unknown fd, MAP_DENYWRITE/EXECUTABLE dropped, old_mmap reads its arguments from user memory", () => {
    const { vm, mm } = setup();
    expect(sys_mmap2(vm, 0, 4096, RW, MAP_PRIVATE, 3, 0)).toBe(-E.EBADF);
    const args = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
    const words = [0, 8192, RW, ANON, 0xffffffff, 0];
    user_write(vm, args, new Uint8Array(new Uint32Array(words).buffer));
    const r = old_mmap(vm, args);
    expect(r).toBe(args - 8192);
    words[5] = 0x800;
    user_write(vm, args, new Uint8Array(new Uint32Array(words).buffer));
    expect(old_mmap(vm, args)).toBe(-E.EINVAL);
    expect(old_mmap(vm, 0x1000)).toBe(-E.EFAULT);
    expect(mm.map_count).toBe(1); // the two anonymous mappings merged
  });

  it("MAP_POPULATE prefaults shared mappings only (2.6.11: via remap_file_pages)", () => {
    const { vm, mm } = setup();
    do_mmap_pgoff(vm, null, 0, 4 * 4096, RW, ANON | MAP_POPULATE, 0);
    expect(mm.rss).toBe(0);
    do_mmap_pgoff(vm, null, 0, 4 * 4096, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, 0);
    expect(mm.rss).toBe(4);
    checkVmaInvariants(vm);
  });
});

describe("do_munmap", () => {
  it("-EINVAL: unaligned start, len 0, beyond TASK_SIZE; unmapping a hole is 0", () => {
    const { vm, mm } = setup();
    expect(do_munmap(vm, mm, 0x1001, 4096)).toBe(-E.EINVAL);
    expect(do_munmap(vm, mm, 0x1000, 0)).toBe(-E.EINVAL);
    expect(do_munmap(vm, mm, 0xc0001000, 4096)).toBe(-E.EINVAL);
    expect(do_munmap(vm, mm, 0xbffff000, 8192)).toBe(-E.EINVAL);
    expect(do_munmap(vm, mm, 0x1000, 4096)).toBe(0);
  });

  it("splits at both ends and frees page tables of a fully freed 4 MiB region", () => {
    const { vm, mm } = setup();
    const a = do_mmap_pgoff(vm, null, 0x40000000, 0x800000, RW, ANON | MAP_FIXED, 0);
    for (let p = a; p < a + 0x800000; p += 0x100000) user_write(vm, p, [1]);
    expect(mm.nr_ptes).toBe(2);
    expect(do_munmap(vm, mm, a + 0x1000, 0x2000)).toBe(0);
    expect(ranges(mm)).toEqual([
      [a, a + 0x1000],
      [a + 0x3000, a + 0x800000],
    ]);
    expect(do_munmap(vm, mm, a + 0x400000, 0x400000)).toBe(0);
    expect(mm.nr_ptes).toBe(1); // the second pte table went back to the buddy allocator
    expect(mm.rss).toBe(4);
    checkVmaInvariants(vm);
  });
});

describe("sys_brk / do_brk", () => {
  function heap() {
    const s = setup();
    const mm = s.mm;
    mm.start_code = 0x08048000;
    mm.end_code = 0x08050000;
    mm.start_data = mm.start_brk = mm.brk = 0x08060000;
    return s;
  }
  it("grows (one VMA, merged), shrinks (frees), refuses below end_code, over RLIMIT_DATA and next to a mapping", () => {
    const { vm, t, mm } = heap();
    expect(sys_brk(vm, 0x08062345)).toBe(0x08062345);
    expect(ranges(mm)).toEqual([[0x08060000, 0x08063000]]);
    expect(sys_brk(vm, 0x08070000)).toBe(0x08070000);
    expect(mm.map_count).toBe(1);
    user_write(vm, 0x0806f000, [1]);
    expect(sys_brk(vm, 0x08061000)).toBe(0x08061000);
    expect(ranges(mm)).toEqual([[0x08060000, 0x08061000]]);
    expect(mm.rss).toBe(0);
    expect(sys_brk(vm, 0x08040000)).toBe(0x08061000); // below end_code
    t.signal.rlim[RLIMIT_DATA]!.rlim_cur = 0x4000;
    expect(sys_brk(vm, 0x08065000)).toBe(0x08061000); // brk - start_data > RLIMIT_DATA
    t.signal.rlim[RLIMIT_DATA] = INIT_RLIMITS()[RLIMIT_DATA]!;
    do_mmap_pgoff(vm, null, 0x08064000, 4096, PROT_READ, ANON | MAP_FIXED, 0);
    expect(sys_brk(vm, 0x08064000)).toBe(0x08061000); // would leave no free page below the mapping
    expect(sys_brk(vm, 0x08063000)).toBe(0x08063000);
    checkVmaInvariants(vm);
  });

  it("do_brk: len 0 returns addr, wrapping is -EINVAL, clears what was there", () => {
    const { vm, mm } = heap();
    expect(do_brk(vm, 0x1000, 0)).toBe(0x1000);
    expect(do_brk(vm, 0xbffff000, 0x2000)).toBe(-E.EINVAL);
    do_mmap_pgoff(vm, null, 0x30000000, 4096, PROT_READ, ANON | MAP_FIXED, 0);
    expect(do_brk(vm, 0x30000000, 0x3000)).toBe(0x30000000);
    expect(ranges(mm)).toEqual([[0x30000000, 0x30003000]]);
    checkVmaInvariants(vm);
  });
});

describe("sys_mprotect", () => {
  it("errors: -EINVAL (unaligned, bad bits, both GROWS flags, GROWSDOWN on a normal VMA), -ENOMEM (unmapped, hole), -EACCES (VM_MAY*)", () => {
    const { vm, mm } = setup();
    const a = do_mmap_pgoff(vm, null, 0x40000000, 0x3000, RW, ANON | MAP_FIXED, 0);
    expect(sys_mprotect(vm, a + 1, 4096, PROT_READ)).toBe(-E.EINVAL);
    expect(sys_mprotect(vm, a, 4096, 0x10)).toBe(-E.EINVAL);
    expect(sys_mprotect(vm, a, 4096, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP)).toBe(-E.EINVAL);
    expect(sys_mprotect(vm, a, 4096, PROT_READ | PROT_GROWSDOWN)).toBe(-E.EINVAL);
    expect(sys_mprotect(vm, 0x10000000, 4096, PROT_READ)).toBe(-E.ENOMEM);
    expect(sys_mprotect(vm, a, 0, PROT_READ)).toBe(0);
    expect(sys_mprotect(vm, a, 0x5000, PROT_READ)).toBe(-E.ENOMEM); // hole after the VMA
    expect(mm.mmap!.vm_flags & VM_WRITE).toBe(0); // changed up to the hole, as 2.6.11
    mm.mmap!.vm_flags &= ~VM_MAYEXEC;
    expect(sys_mprotect(vm, a, 4096, PROT_READ | PROT_EXEC)).toBe(-E.EACCES);
  });

  it("COW survives mprotect; PROT_NONE and back keeps the data", () => {
    const { vm, mm } = setup();
    const a = do_mmap_pgoff(vm, null, 0x40000000, 0x3000, RW, ANON | MAP_FIXED, 0);
    user_write(vm, a + 0x1000, [42]);
    expect(sys_mprotect(vm, a + 0x1000, 0x1000, PROT_NONE)).toBe(0);
    expect(mm.map_count).toBe(3);
    expect(user_read(vm, a + 0x1000, 1)).toBe("SIGSEGV");
    vm.current.pending.length = 0;
    expect(sys_mprotect(vm, a + 0x1000, 0x1000, RW)).toBe(0);
    expect(mm.map_count).toBe(1); // merged back (case 1 of vma_merge)
    expect((user_read(vm, a + 0x1000, 1) as Uint8Array)[0]).toBe(42);
    checkVmaInvariants(vm);
  });
});
