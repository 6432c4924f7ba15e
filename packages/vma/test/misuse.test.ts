/*
 * Refused calls change nothing: every -errno return of the checks done before any work, and
 * every thrown KernelBugError, leaves the address spaces, page tables, counters and the buddy
 * allocator exactly as they were (snapshot compared before and after).
 */
import { Errno, KernelBugError } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import {
  create_task,
  do_brk,
  do_exit,
  do_mmap_pgoff,
  do_munmap,
  live_mms,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_LOCKED,
  MAP_PRIVATE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  RLIMIT_MEMLOCK,
  release_task,
  schedule_to,
  split_vma,
  sys_brk,
  sys_mprotect,
  user_write,
  type VmSystem,
  vma_list,
} from "../src/index.js";
import { follow_pte } from "../src/pgtable.js";
import { bootVm } from "./helpers.js";

function snapshot(vm: VmSystem): string {
  const parts: string[] = [vm.pa.buddyinfo(), String(vm.vm_committed_space), String(vm.anon_vmas.size)];
  for (const mm of live_mms(vm)) {
    parts.push(
      JSON.stringify({
        vmas: vma_list(mm).map((v) => [v.vm_start, v.vm_end, v.vm_flags, v.vm_pgoff, v.anon_vma?.addr ?? 0]),
        c: [
          mm.map_count,
          mm.total_vm,
          mm.locked_vm,
          mm.rss,
          mm.anon_rss,
          mm.nr_ptes,
          mm.brk,
          mm.free_area_cache,
        ],
      }),
    );
    for (const v of vma_list(mm))
      for (let a = v.vm_start; a < v.vm_end; a += 4096) {
        const p = follow_pte(vm, mm, a);
        parts.push(p < 0 ? "-" : vm.machine.paging.readEntry(vm.machine.ram, p, 0).toString(16));
      }
  }
  return parts.join("\n");
}

/**
 * The process every refusal is tried on, built afresh inside each test (not while the file is
 * collected: code run outside a test counts as every test's for mutation testing's coverage).
 */
function machine() {
  const vm = bootVm();
  const t = create_task(vm, "t")!;
  schedule_to(vm, t);
  const mm = t.mm!;
  mm.start_code = 0x08048000;
  mm.end_code = 0x08050000;
  mm.start_brk = mm.brk = mm.start_data = 0x08060000;
  const a = do_mmap_pgoff(
    vm,
    null,
    0x40000000,
    0x4000,
    PROT_READ | PROT_WRITE,
    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
    0,
  );
  user_write(vm, a, [1]);
  do_mmap_pgoff(vm, null, 0x40008000, 0x1000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
  return { vm, t, mm, a };
}

describe("refusals change nothing", () => {
  const cases: [string, (m: ReturnType<typeof machine>) => unknown, unknown][] = [
    [
      "mmap: bad type",
      ({ vm }) => do_mmap_pgoff(vm, null, 0, 4096, PROT_READ, MAP_ANONYMOUS, 0),
      -Errno.EINVAL,
    ],
    [
      "mmap: too long",
      ({ vm }) => do_mmap_pgoff(vm, null, 0, 0xd0000000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0),
      -Errno.EINVAL,
    ],
    [
      "mmap: unaligned MAP_FIXED",
      ({ vm }) => do_mmap_pgoff(vm, null, 0x123, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0),
      -Errno.EINVAL,
    ],
    [
      "mmap: MAP_LOCKED without RLIMIT_MEMLOCK",
      ({ vm, t }) => {
        t.signal.rlim[RLIMIT_MEMLOCK]!.rlim_cur = 0;
        const r = do_mmap_pgoff(vm, null, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, 0);
        t.signal.rlim[RLIMIT_MEMLOCK]!.rlim_cur = 32768;
        return r;
      },
      -Errno.EPERM,
    ],
    [
      "mmap: overcommit refused",
      ({ vm }) =>
        do_mmap_pgoff(vm, null, 0, 0x20000000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0),
      -Errno.ENOMEM,
    ],
    ["munmap: unaligned", ({ vm, mm, a }) => do_munmap(vm, mm, a + 1, 4096), -Errno.EINVAL],
    ["mprotect: unknown bits", ({ vm, a }) => sys_mprotect(vm, a, 4096, 0x40), -Errno.EINVAL],
    ["mprotect: not mapped", ({ vm }) => sys_mprotect(vm, 0x30000000, 4096, PROT_READ), -Errno.ENOMEM],
    [
      "mprotect: VM_MAYEXEC missing",
      ({ vm, mm, a }) => {
        const v = mm.mmap!;
        v.vm_flags &= ~0x40;
        const r = sys_mprotect(vm, a, 4096, PROT_READ | PROT_EXEC);
        v.vm_flags |= 0x40;
        return r;
      },
      -Errno.EACCES,
    ],
    ["brk below end_code", ({ vm }) => sys_brk(vm, 0x08040000), 0x08060000],
    ["do_brk wrapping", ({ vm }) => do_brk(vm, 0xbffff000, 0x3000), -Errno.EINVAL],
    [
      "split_vma at max_map_count",
      ({ vm, mm, a }) => {
        vm.sysctl_max_map_count = mm.map_count;
        const r = split_vma(vm, mm, mm.mmap!, a + 4096, false);
        vm.sysctl_max_map_count = 65536;
        return r;
      },
      -Errno.ENOMEM,
    ],
  ];
  for (const [name, call, want] of cases)
    it(name, () => {
      const m = machine();
      const before = snapshot(m.vm);
      expect(call(m)).toBe(want);
      expect(snapshot(m.vm)).toBe(before);
    });

  it("BUGs are thrown before anything changes: scheduling a running task elsewhere, killing the idle task, reaping a live task", () => {
    const vm2 = bootVm({ cpus: 2 });
    const u = create_task(vm2, "u")!;
    schedule_to(vm2, u);
    const before = snapshot(vm2);
    vm2.machine.setCurrentCpu(1);
    expect(() => schedule_to(vm2, u)).toThrow(KernelBugError);
    expect(() => do_exit(vm2, 0)).toThrow(/idle task/);
    expect(() => release_task(vm2, u)).toThrow(/not a zombie/);
    expect(snapshot(vm2)).toBe(before);
  });
});
