/*
 * mmap-layout.ts — arch/i386/mm/mmap.c (2.6.11): arch_pick_mmap_layout chooses, for a new
 * address space, where mmaps go and which get_unmapped_area searches for them.
 *
 *   classic (legacy)                          flexible (default)
 *   0xC0000000 ┬ stack, grows down            0xC0000000 ┬ stack, grows down
 *              │                                         │ gap = RLIMIT_STACK clamped to [128 MiB, 5/6 TASK_SIZE]
 *              │                              mmap_base  ┼ mmaps, grow down (0xB8000000 for an 8 MiB stack limit)
 *   0x40000000 ┼ mmaps, grow up                          │
 *              │ heap (brk), grows up                    │ heap (brk), grows up
 *   0x08048000 ┴ text, data, bss              0x08048000 ┴ text, data, bss
 *
 * Classic when vm.legacy_va_layout is set, the personality has ADDR_COMPAT_LAYOUT, or
 * RLIMIT_STACK is unlimited. 2.6.11 has no randomization; the opt-in `randomize` of VmSystem
 * subtracts a random offset below 1 MiB from the flexible mmap_base, as 2.6.12's mmap_base() did.
 */

import { PAGE_MASK, PAGE_SIZE, TASK_SIZE, TASK_UNMAPPED_BASE } from "@i386mm/hw-i386";
import { ADDR_COMPAT_LAYOUT, MAX_GAP, MIN_GAP, RLIM_INFINITY, RLIMIT_STACK } from "./constants.js";
import type { mm_struct } from "./mm-types.js";
import {
  arch_get_unmapped_area,
  arch_get_unmapped_area_topdown,
  arch_unmap_area,
  arch_unmap_area_topdown,
} from "./mmap.js";
import type { task_struct } from "./task.js";
import type { VmSystem } from "./vm.js";

/**
 * mmap_base(mm): TASK_SIZE minus the stack gap (RLIMIT_STACK clamped to [MIN_GAP, MAX_GAP], page
 * aligned). `tsk` is the task whose limits count (current, as in the kernel, by default).
 */
export function mmap_base(vm: VmSystem, _mm: mm_struct, tsk: task_struct = vm.current): number {
  let gap = tsk.signal.rlim[RLIMIT_STACK]!.rlim_cur;
  if (gap < MIN_GAP) gap = MIN_GAP;
  else if (gap > MAX_GAP) gap = MAX_GAP;
  const base = TASK_SIZE - ((gap & PAGE_MASK) >>> 0);
  if (vm.randomize === null) return base;
  const random_factor = vm.random32() % (1024 * 1024);
  return Math.ceil((base - random_factor) / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * arch_pick_mmap_layout(mm): set mmap_base and the get_unmapped_area / unmap_area hooks from
 * current's rlimits and personality (`tsk` defaults to current, as in the kernel).
 */
export function arch_pick_mmap_layout(vm: VmSystem, mm: mm_struct, tsk: task_struct = vm.current): void {
  if (
    vm.sysctl_legacy_va_layout !== 0 ||
    tsk.personality & ADDR_COMPAT_LAYOUT ||
    tsk.signal.rlim[RLIMIT_STACK]!.rlim_cur === RLIM_INFINITY
  ) {
    mm.mmap_base = TASK_UNMAPPED_BASE;
    mm.get_unmapped_area = arch_get_unmapped_area;
    mm.unmap_area = arch_unmap_area;
  } else {
    mm.mmap_base = mmap_base(vm, mm, tsk);
    mm.get_unmapped_area = arch_get_unmapped_area_topdown;
    mm.unmap_area = arch_unmap_area_topdown;
  }
}

/** Which layout `mm` uses, by its hook: "legacy" (bottom-up) or "flexible" (top-down). */
export function mmap_layout_name(mm: mm_struct): "legacy" | "flexible" {
  return mm.get_unmapped_area === arch_get_unmapped_area_topdown ? "flexible" : "legacy";
}
