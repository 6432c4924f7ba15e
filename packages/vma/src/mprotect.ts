/*
 * mprotect.ts — mm/mprotect.c (2.6.11): change_protection rewrites the present ptes of a range
 * with the new protection (keeping frame, accessed and dirty bits; a private writable mapping's
 * protection is PAGE_COPY, read-only, so copy-on-write survives), mprotect_fixup splits or
 * merges the VMA around the range, and sys_mprotect walks the VMAs of the range.
 * A private mapping made writable is charged to vm_committed_space once (VM_ACCOUNT) and never
 * uncharged by making it read-only again, as 2.6.11 does.
 */

import {
  _PAGE_PRESENT,
  _PAGE_PROTNONE,
  Errno,
  PAGE_MASK,
  PAGE_SIZE,
  pte_mask_supported,
  pte_modify,
} from "@i386mm/hw-i386";
import {
  calc_vm_prot_bits,
  PROT_EXEC,
  PROT_GROWSDOWN,
  PROT_GROWSUP,
  PROT_READ,
  PROT_SEM,
  PROT_WRITE,
  READ_IMPLIES_EXEC,
  VM_ACCOUNT,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_GROWSUP,
  VM_HUGETLB,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
} from "./constants.js";
import type { vm_area_struct } from "./mm-types.js";
import { security_vm_enough_memory, vm_unacct_memory } from "./mmap.js";
import { entry_get, entry_set, pmd_offset, pte_offset_map } from "./pgtable.js";
import { ulongs } from "./syscall-args.js";
import { flush_tlb_range } from "./tlbflush.js";
import type { VmSystem } from "./vm.js";
import { __vm_stat_account, find_vma_prev, split_vma, vm_get_page_prot, vma_merge } from "./vma.js";

/** change_protection(vma, start, end, newprot): pte_modify every present pte of the range, then flush. */
function change_protection(
  vm: VmSystem,
  vma: vm_area_struct,
  start: number,
  end: number,
  newprot: number,
): void {
  const p = vm.machine.paging;
  const mm = vma.vm_mm;
  for (let addr = start; addr < end; ) {
    let next = (Math.floor(addr / p.PMD_SIZE) + 1) * p.PMD_SIZE;
    if (next > end) next = end;
    const pmdp = pmd_offset(vm, mm, addr);
    const pmd = pmdp < 0 ? 0 : entry_get(vm, pmdp);
    if ((pmd & _PAGE_PRESENT) !== 0) {
      let ptep = pte_offset_map(vm, pmd, addr);
      for (let a = addr; a < next; a += PAGE_SIZE, ptep += p.ENTRY_SIZE) {
        const pte = entry_get(vm, ptep);
        if ((pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) continue;
        // ptep_get_and_clear + set_pte(pte_modify(entry, newprot))
        entry_set(vm, ptep, pte_mask_supported(pte_modify(pte, newprot), vm.machine.nx_enabled));
      }
    }
    addr = next;
  }
  flush_tlb_range(vm, vma, start, end);
}

/**
 * mprotect_fixup(vma, pprev, start, end, newflags): give [start, end) of `vma` the new flags,
 * merging with a neighbour (vma_merge) or splitting the VMA. `pprev.prev` ends as the VMA now
 * covering the range. 0 or -ENOMEM.
 */
function mprotect_fixup(
  vm: VmSystem,
  vma: vm_area_struct,
  pprev: { prev: vm_area_struct | null },
  start: number,
  end: number,
  newflags: number,
): number {
  const mm = vma.vm_mm;
  const oldflags = vma.vm_flags;
  const nrpages = (end - start) / PAGE_SIZE;
  let charged = 0;
  if (newflags === oldflags) {
    pprev.prev = vma;
    return 0;
  }
  // making a private mapping writable increases the commit (and it is never given back here)
  if (newflags & VM_WRITE) {
    if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_HUGETLB))) {
      charged = nrpages;
      if (security_vm_enough_memory(vm, charged) !== 0) return -Errno.ENOMEM;
      newflags |= VM_ACCOUNT;
    }
  }
  const newprot = vm_get_page_prot(newflags);
  // first try to merge with the previous and/or next VMA
  const pgoff = vma.vm_pgoff + (start - vma.vm_start) / PAGE_SIZE;
  const merged = vma_merge(vm, mm, pprev.prev, start, end, newflags, vma.anon_vma, vma.vm_file, pgoff);
  if (merged !== null) {
    pprev.prev = merged;
    vma = merged;
  } else {
    if (start !== vma.vm_start) {
      const error = split_vma(vm, mm, vma, start, true);
      if (error !== 0) {
        vm_unacct_memory(vm, charged);
        return error;
      }
    }
    pprev.prev = vma;
    if (end !== vma.vm_end) {
      const error = split_vma(vm, mm, vma, end, false);
      if (error !== 0) {
        vm_unacct_memory(vm, charged);
        return error;
      }
    }
  }
  vma.vm_flags = newflags;
  vma.vm_page_prot = newprot;
  change_protection(vm, vma, start, end, newprot);
  __vm_stat_account(mm, oldflags, vma.vm_file, -nrpages);
  __vm_stat_account(mm, newflags, vma.vm_file, nrpages);
  return 0;
}

/**
 * sys_mprotect(start, len, prot): 0; -EINVAL (unaligned start, unknown prot bits, both GROWS
 * flags, PROT_GROWSDOWN on a VMA that does not grow down); -ENOMEM (wrap, unmapped start or a
 * hole in the range); -EACCES (a protection the VMA may not take: VM_MAY* missing, hugetlb).
 */
export function sys_mprotect(vm: VmSystem, start: number, len: number, prot: number): number {
  if (!ulongs(start, len, prot)) return -Errno.EINVAL; // the model's check (syscall-args.ts)
  const tsk = vm.current;
  const mm = tsk.mm!;
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
  start >>>= 0;
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return -Errno.EINVAL;
  if (start & ~PAGE_MASK) return -Errno.EINVAL;
  len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  let end = start + len;
  if (end > 0xffffffff || end < start) return -Errno.ENOMEM;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return -Errno.EINVAL;
  if (end === start) return 0;
  // does the application expect PROT_READ to imply PROT_EXEC?
  if (prot & PROT_READ && tsk.personality & READ_IMPLIES_EXEC) prot |= PROT_EXEC;
  const vm_flags = calc_vm_prot_bits(prot);
  const fp = find_vma_prev(mm, start);
  let vma = fp.vma;
  const pprev = { prev: fp.prev };
  if (vma === null) return -Errno.ENOMEM;
  if (grows & PROT_GROWSDOWN) {
    if (vma.vm_start >= end) return -Errno.ENOMEM;
    start = vma.vm_start;
    if (!(vma.vm_flags & VM_GROWSDOWN)) return -Errno.EINVAL;
  } else {
    if (vma.vm_start > start) return -Errno.ENOMEM;
    if (grows & PROT_GROWSUP) {
      end = vma.vm_end;
      if (!(vma.vm_flags & VM_GROWSUP)) return -Errno.EINVAL;
    }
  }
  if (start > vma.vm_start) pprev.prev = vma;
  for (let nstart = start; ; ) {
    // here vma.vm_start <= nstart < vma.vm_end
    if (vma.vm_flags & VM_HUGETLB) return -Errno.EACCES;
    const newflags = vm_flags | (vma.vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC));
    // a requested R/W/X needs the matching VM_MAY* (VM_MAYx = VM_x << 4)
    if (newflags & ~(newflags >> 4) & 0xf) return -Errno.EACCES;
    const tmp = Math.min(vma.vm_end, end);
    const error = mprotect_fixup(vm, vma, pprev, nstart, tmp, newflags);
    if (error !== 0) return error;
    nstart = tmp;
    const prev = pprev.prev!;
    if (nstart < prev.vm_end) nstart = prev.vm_end;
    if (nstart >= end) return 0;
    const next = prev.vm_next;
    if (next === null || next.vm_start !== nstart) return -Errno.ENOMEM;
    vma = next;
  }
}
