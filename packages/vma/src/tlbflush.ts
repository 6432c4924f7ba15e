/*
 * tlbflush.ts — loading an address space into a CPU and keeping TLBs coherent with it:
 * include/asm-i386/mmu_context.h (switch_mm, enter_lazy_tlb, activate_mm),
 * include/asm-i386/tlbflush.h (flush_tlb_range = flush_tlb_mm on i386) and
 * arch/i386/kernel/smp.c (flush_tlb_mm, flush_tlb_page, flush_tlb_others with the
 * smp_invalidate_interrupt each target CPU runs, leave_mm), SMP build.
 * mm->cpu_vm_mask has bit n while CPU n may cache translations of the mm; a CPU running a kernel
 * thread on a borrowed mm is in lazy-TLB mode (TLBSTATE_LAZY): the first flush IPI for that mm
 * makes it leave_mm (load swapper_pg_dir, drop its bit) instead of flushing. The IPIs of the
 * kernel are direct calls here (they complete before flush_tlb_others returns, as it waits).
 */

import { __flush_tlb, __flush_tlb_one, KernelBugError, write_cr3 } from "@i386mm/hw-i386";
import type { mm_struct, vm_area_struct } from "./mm-types.js";
import type { task_struct } from "./task.js";
import type { VmSystem } from "./vm.js";

/** cpu_tlbstate.state: the CPU uses its active_mm's page tables for a user task. */
export const TLBSTATE_OK = 1;
/** cpu_tlbstate.state: a kernel thread borrows active_mm; flushes may be answered by leave_mm. */
export const TLBSTATE_LAZY = 2;

/** flush_va value meaning "everything". */
const FLUSH_ALL = -1;

/** load_cr3(pgd) on CPU `cpu`: CR3 = __pa(pgd), which flushes the non-global TLB entries. */
export function load_cr3(vm: VmSystem, cpu: number, mm: mm_struct): void {
  write_cr3(vm.machine.cpus[cpu]!, vm.pgd_pa(mm));
}

/** enter_lazy_tlb(mm, tsk): a kernel thread now runs on `mm`'s page tables without using them. */
export function enter_lazy_tlb(vm: VmSystem, _mm: mm_struct, _tsk: task_struct): void {
  const st = vm.cpu_tlbstate[vm.machine.current]!;
  if (st.state === TLBSTATE_OK) st.state = TLBSTATE_LAZY;
}

/**
 * switch_mm(prev, next, tsk): load `next` on the current CPU. A different mm: drop this CPU from
 * prev's cpu_vm_mask, add it to next's, load CR3. The same mm after lazy mode: if leave_mm took
 * the CPU off the mask meanwhile, CR3 is reloaded.
 */
export function switch_mm(vm: VmSystem, prev: mm_struct, next: mm_struct, _tsk: task_struct | null): void {
  const cpu = vm.machine.current;
  const bit = 1 << cpu;
  const st = vm.cpu_tlbstate[cpu]!;
  if (prev !== next) {
    prev.cpu_vm_mask &= ~bit;
    st.state = TLBSTATE_OK;
    st.active_mm = next;
    next.cpu_vm_mask |= bit;
    load_cr3(vm, cpu, next);
    return;
  }
  st.state = TLBSTATE_OK;
  if (st.active_mm !== next)
    throw new KernelBugError(
      "switch_mm",
      undefined,
      `kernel BUG: cpu_tlbstate(${cpu}).active_mm is not next`,
    );
  if ((next.cpu_vm_mask & bit) === 0) {
    next.cpu_vm_mask |= bit;
    load_cr3(vm, cpu, next);
  }
}

/** activate_mm(prev, next): switch_mm for exec (exec_mmap). */
export function activate_mm(vm: VmSystem, prev: mm_struct, next: mm_struct): void {
  switch_mm(vm, prev, next, null);
}

/** leave_mm(cpu): a lazy CPU stops using its borrowed mm: off the mask, swapper_pg_dir loaded. */
export function leave_mm(vm: VmSystem, cpu: number): void {
  const st = vm.cpu_tlbstate[cpu]!;
  if (st.state === TLBSTATE_OK)
    throw new KernelBugError("leave_mm", undefined, `kernel BUG: CPU ${cpu} is not lazy`);
  st.active_mm.cpu_vm_mask &= ~(1 << cpu);
  write_cr3(vm.machine.cpus[cpu]!, vm.pa.swapper_pg_dir);
}

/** flush_tlb_others + smp_invalidate_interrupt on every CPU of `mask`. */
function flush_tlb_others(vm: VmSystem, mask: number, mm: mm_struct, va: number): void {
  for (let cpu = 0; mask !== 0; cpu++, mask >>>= 1) {
    if ((mask & 1) === 0) continue;
    const st = vm.cpu_tlbstate[cpu]!;
    if (st.active_mm !== mm) continue;
    if (st.state === TLBSTATE_OK) {
      const c = vm.machine.cpus[cpu]!;
      if (va === FLUSH_ALL) __flush_tlb(c);
      else __flush_tlb_one(c, va);
    } else leave_mm(vm, cpu);
  }
}

/** flush_tlb_mm(mm): every CPU that may cache `mm` drops its user translations. */
export function flush_tlb_mm(vm: VmSystem, mm: mm_struct): void {
  const self = vm.machine.current;
  const mask = mm.cpu_vm_mask & ~(1 << self);
  const cur = vm.current;
  if (cur.active_mm === mm) {
    if (cur.mm !== null) __flush_tlb(vm.machine.cpus[self]!);
    else leave_mm(vm, self);
  }
  if (mask !== 0) flush_tlb_others(vm, mask, mm, FLUSH_ALL);
}

/** flush_tlb_page(vma, va): invlpg here and on every other CPU that may cache the mm. */
export function flush_tlb_page(vm: VmSystem, vma: vm_area_struct, va: number): void {
  const mm = vma.vm_mm;
  const self = vm.machine.current;
  const mask = mm.cpu_vm_mask & ~(1 << self);
  const cur = vm.current;
  if (cur.active_mm === mm) {
    if (cur.mm !== null) __flush_tlb_one(vm.machine.cpus[self]!, va);
    else leave_mm(vm, self);
  }
  if (mask !== 0) flush_tlb_others(vm, mask, mm, va >>> 0);
}

/** flush_tlb_range(vma, start, end): i386 has no ranged flush, so flush_tlb_mm. */
export function flush_tlb_range(vm: VmSystem, vma: vm_area_struct, _start: number, _end: number): void {
  flush_tlb_mm(vm, vma.vm_mm);
}
