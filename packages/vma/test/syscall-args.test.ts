/*
 * The model's check of system call arguments (src/syscall-args.ts): values no C caller can pass
 * (NaN, fractions, 2^32 and beyond, negatives where an unsigned long goes, strings, undefined)
 * are refused at the vma entry points before anything changes, with -EINVAL (sys_brk: the old
 * break); a C-valid hint whose PAGE_ALIGN wraps past 4G is tried at 0, as 2.6.11 does.
 */
import { Errno } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import {
  checkVmaInvariants,
  create_task,
  do_brk,
  do_mmap,
  do_munmap,
  get_unmapped_area,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  old_mmap,
  PROT_READ,
  schedule_to,
  sys_brk,
  sys_mmap2,
  sys_mprotect,
  sys_munmap,
  sys_remap_file_pages,
  vma_list,
} from "../src/index.js";
import { is_int, is_ulong } from "../src/syscall-args.js";
import { bootVm } from "./helpers.js";

const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const BAD: readonly unknown[] = [Number.NaN, -1, 1.5, 2 ** 32, "12", undefined, Number.POSITIVE_INFINITY];

describe("system call arguments no C caller can pass", () => {
  it("is_ulong and is_int accept exactly the C values", () => {
    for (const v of [0, 1, 4096, 0xffffffff]) expect(is_ulong(v)).toBe(true);
    for (const v of BAD) expect(is_ulong(v)).toBe(false);
    for (const v of [-1, -(2 ** 31), 0, 0xffffffff]) expect(is_int(v)).toBe(true);
    for (const v of [Number.NaN, 1.5, 2 ** 32, -(2 ** 31) - 1, "3", undefined]) expect(is_int(v)).toBe(false);
  });

  it("are refused with -EINVAL at every mmap entry point (the old break for brk), nothing changed", () => {
    const vm = bootVm({ memBytes: 32 << 20 });
    const t = create_task(vm, "t")!;
    schedule_to(vm, t);
    const mm = t.mm!;
    const a = sys_mmap2(vm, 0, 8192, PROT_READ, ANON, -1, 0);
    expect(a).toBeGreaterThan(0);
    const before = JSON.stringify(vma_list(mm).map((v) => [v.vm_start, v.vm_end, v.vm_flags]));
    const brk = mm.brk;
    const E = -Errno.EINVAL;
    for (const b of BAD) {
      const v = b as number;
      expect(sys_mmap2(vm, 0, v, PROT_READ, ANON, -1, 0)).toBe(E);
      expect(sys_mmap2(vm, v, 4096, PROT_READ, ANON, -1, 0)).toBe(E);
      expect(sys_mmap2(vm, 0, 4096, v, ANON, -1, 0)).toBe(E);
      expect(sys_mmap2(vm, 0, 4096, PROT_READ, v, -1, 0)).toBe(E);
      expect(sys_mmap2(vm, 0, 4096, PROT_READ, ANON, -1, v)).toBe(E);
      if (b !== -1) expect(sys_mmap2(vm, 0, 4096, PROT_READ, ANON, v, 0)).toBe(E); // fd -1 is C's
      expect(do_mmap(vm, null, 0, 4096, PROT_READ, ANON, v)).toBe(E);
      expect(get_unmapped_area(vm, null, 0, v, 0, 0)).toBe(E);
      expect(sys_munmap(vm, a, v)).toBe(E);
      expect(do_munmap(vm, mm, v, 4096)).toBe(E);
      expect(sys_mprotect(vm, a, v, PROT_READ)).toBe(E);
      expect(sys_mprotect(vm, v, 4096, PROT_READ)).toBe(E);
      expect(do_brk(vm, v, 4096)).toBe(E);
      expect(sys_remap_file_pages(vm, a, v, 0, 0, 0)).toBe(E);
      expect(old_mmap(vm, v)).toBe(-Errno.EFAULT);
      expect(sys_brk(vm, v)).toBe(brk);
    }
    expect(JSON.stringify(vma_list(mm).map((v) => [v.vm_start, v.vm_end, v.vm_flags]))).toBe(before);
    expect(mm.brk).toBe(brk);
    checkVmaInvariants(vm);
  });

  it("a hint of 0xffffffff: PAGE_ALIGN wraps to 0 and 2.6.11 maps there when it fits (no endless search)", () => {
    const vm = bootVm({ memBytes: 32 << 20 });
    const t = create_task(vm, "t")!;
    schedule_to(vm, t);
    expect(sys_mmap2(vm, 0xffffffff, 4096, PROT_READ, ANON, -1, 0)).toBe(0);
    expect(sys_mmap2(vm, 0xffffffff, 4096, PROT_READ, ANON, -1, 0)).toBeGreaterThan(0); // 0 is taken: searched
    checkVmaInvariants(vm);
  });
});
