/*
 * memory.ts — user page tables and the pages they map: mm/memory.c (2.6.11) in its own order —
 * clear_page_range (free empty pte tables), pte_alloc_map (pgtable.ts), copy_page_range with
 * copy_one_pte (fork), zap_pte_range / unmap_page_range / unmap_vmas / zap_page_range (munmap,
 * exit), follow_page, get_user_pages, maybe_mkwrite, break_cow, do_wp_page (copy-on-write),
 * do_anonymous_page (zero page on reads), do_no_page (file pages through vm_ops->nopage, early
 * COW for private writes), handle_pte_fault, handle_mm_fault, make_pages_present; plus the
 * mmu_gather of include/asm-generic/tlb.h (tlb_gather_mmu, tlb_remove_page, tlb_finish_mmu).
 * Counts: every pte to a non-reserved page holds one page reference (_count) and one _mapcount;
 * mm->rss counts those ptes, mm->anon_rss the anonymous ones; the zero page is never counted.
 * No swap is modelled: a pte that is neither none nor present cannot arise (BUG if met).
 */

import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_FILE,
  _PAGE_PRESENT,
  _PAGE_PROTNONE,
  _PAGE_RW,
  Errno,
  KernelBugError,
  PAGE_MASK,
  PAGE_SIZE,
  type Page,
  pte_pfn,
  pte_phys,
} from "@i386mm/hw-i386";
import { GFP_HIGHUSER, PG_dirty, PG_referenced, PG_reserved } from "@i386mm/page-alloc";
import {
  VM_ACCOUNT,
  VM_FAULT_MAJOR,
  VM_FAULT_MINOR,
  VM_FAULT_OOM,
  VM_FAULT_SIGBUS,
  VM_HUGETLB,
  VM_IO,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
} from "./constants.js";
import { alloc_zeroed_user_highpage, copy_user_highpage } from "./highmem-user.js";
import { type mm_struct, NOPAGE_OOM, type vm_area_struct } from "./mm-types.js";
import { find_extend_vma } from "./mmap.js";
import {
  entry_get,
  entry_set,
  mk_user_pte,
  pmd_offset,
  pte_alloc_map,
  pte_bits,
  pte_offset_map,
} from "./pgtable.js";
import {
  anon_vma_prepare,
  PageAnon,
  page_add_anon_rmap,
  page_add_file_rmap,
  page_dup_rmap,
  page_remove_rmap,
} from "./rmap.js";
import type { task_struct } from "./task.js";
import { flush_tlb_mm, flush_tlb_page } from "./tlbflush.js";
import type { VmSystem } from "./vm.js";
import { find_vma } from "./vma.js";

const RESERVED = 1 << PG_reserved;
const DIRTY = 1 << PG_dirty;
const REFERENCED = 1 << PG_referenced;

/** pte_present as the kernel means it: P, or a PROT_NONE page (present to the kernel, not the CPU). */
function present(pte: number): boolean {
  return (pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0;
}

/**
 * set_page_dirty(page): a page-cache page goes through the page cache (its tag and counters); an
 * anonymous page just gets PG_dirty.
 */
function set_page_dirty(vm: VmSystem, page: Page): void {
  const m = vm.pa.mem_map;
  if (vm.pc !== null && m.mapping[page] !== 0 && !(m.mapping[page]! & 1) && vm.pc.page_mapping(page) !== null)
    vm.pc.set_page_dirty(page);
  else m.flags[page] |= DIRTY;
}

/** The page a pte maps when it is a real, non-reserved page, else -1 (zero page, beyond mem_map). */
function vm_normal_page(vm: VmSystem, pte: number): number {
  const pfn = pte_pfn(pte);
  if (!vm.pa.pfn_valid(pfn)) return -1;
  if (vm.pa.mem_map.flags[pfn]! & RESERVED) return -1;
  return pfn;
}

// ------------------------------------------------------------------ mmu_gather (asm-generic/tlb.h)

/** struct mmu_gather: pages whose ptes are gone, freed after the TLB flush (immediately on one CPU). */
export interface mmu_gather {
  /** The address space being unmapped. */
  mm: mm_struct;
  /** ~0 ("fast mode", one CPU online): pages are freed at once. */
  fast: boolean;
  /** Unmapping the whole address space (exit_mmap). */
  fullmm: boolean;
  /** Pages unmapped from ptes (subtracted from rss at the finish). */
  freed: number;
  /** A pte was cleared: the TLBs must be flushed. */
  need_flush: boolean;
  /** Pages waiting for the flush. */
  pages: Page[];
}

/** tlb_gather_mmu(mm, full_mm_flush). */
export function tlb_gather_mmu(vm: VmSystem, mm: mm_struct, fullmm: boolean): mmu_gather {
  return { mm, fast: vm.machine.cpus.length <= 1, fullmm, freed: 0, need_flush: false, pages: [] };
}

/** tlb_remove_page: the page's last pte (or the pte table itself) is gone; free it after the flush. */
export function tlb_remove_page(vm: VmSystem, tlb: mmu_gather, page: Page): void {
  tlb.need_flush = true;
  if (tlb.fast) {
    vm.pa.put_page(page); // free_page_and_swap_cache
    return;
  }
  tlb.pages.push(page);
}

/** tlb_finish_mmu: rss -= freed, flush the TLBs of every CPU using the mm, then free the pages. */
export function tlb_finish_mmu(vm: VmSystem, tlb: mmu_gather, _start: number, _end: number): void {
  const mm = tlb.mm;
  const freed = Math.min(tlb.freed, mm.rss);
  mm.rss -= freed;
  tlb.freed = 0;
  if (!tlb.need_flush) return;
  tlb.need_flush = false;
  flush_tlb_mm(vm, mm);
  for (const page of tlb.pages) vm.pa.put_page(page); // free_pages_and_swap_cache
  tlb.pages.length = 0;
}

// ------------------------------------------------------------------ freeing page tables

/**
 * clear_page_range(tlb, start, end): free every pte table whose whole pmd range lies in
 * [start, end) (pmd_clear, nr_ptes--, nr_page_table_pages--, pte_free_tlb). PAE pmd tables stay
 * until pgd_free (their pmd_free is a no-op, as in 2.6.11).
 */
export function clear_page_range(vm: VmSystem, tlb: mmu_gather, start: number, end: number): void {
  const p = vm.machine.paging;
  const ram = vm.machine.ram;
  const mm = tlb.mm;
  // only full, aligned pmd ranges are cleared (clear_pmd_range): pmd numbers [first, last)
  const first = Math.ceil(start / p.PMD_SIZE) | 0;
  const last = Math.floor(end / p.PMD_SIZE) | 0;
  const perPgd = p.PTRS_PER_PMD; // pmds per pgd entry (1 when folded)
  for (let i = first; i < last; ) {
    const pgdi = Math.floor(i / perPgd);
    const upto = Math.min(last, (pgdi + 1) * perPgd);
    // the table holding these pmds: the pgd itself when folded, else the pgd entry's pmd table
    let table = vm.pgd_pa(mm);
    let base = 0;
    if (p.pae) {
      const pgd = p.readEntry(ram, table, pgdi);
      if ((pgd & _PAGE_PRESENT) === 0) {
        i = upto;
        continue;
      }
      table = pte_phys(pgd);
      base = pgdi * perPgd;
    }
    // scan the table's words directly (the walker's view of the frame): most pmds are empty
    const words = ram.frameWords(table);
    const wpe = p.ENTRY_SIZE >>> 2;
    let w = ((table & 0xfff) >>> 2) + (i - base) * wpe; // small integers: fast typed-array indexing
    for (; i < upto; i++, w += wpe) {
      if ((words[w]! | (wpe === 2 ? words[w + 1]! : 0)) === 0) continue;
      const entryPa = table + (i - base) * p.ENTRY_SIZE;
      const pmd = entry_get(vm, entryPa);
      entry_set(vm, entryPa, 0); // pmd_clear
      vm.page_state.nr_page_table_pages--;
      mm.nr_ptes--;
      tlb_remove_page(vm, tlb, pte_pfn(pmd) as number as Page); // pte_free_tlb
    }
  }
}

// ------------------------------------------------------------------ fork

/** copy_one_pte: share a parent pte with the child; private writable pages become COW in both. */
function copy_one_pte(
  vm: VmSystem,
  dst_mm: mm_struct,
  dst_ptep: number,
  src_ptep: number,
  vm_flags: number,
): void {
  let pte = entry_get(vm, src_ptep);
  if (!present(pte)) {
    // swap or nonlinear-file entries: copied as they are (none arise without swap)
    entry_set(vm, dst_ptep, pte);
    return;
  }
  const page = vm_normal_page(vm, pte);
  if (page < 0) {
    entry_set(vm, dst_ptep, pte);
    return;
  }
  if ((vm_flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE) {
    pte = pte_bits(pte, 0, _PAGE_RW); // ptep_set_wrprotect(src_pte)
    entry_set(vm, src_ptep, pte);
  }
  if (vm_flags & VM_SHARED) pte = pte_bits(pte, 0, _PAGE_DIRTY); // pte_mkclean
  pte = pte_bits(pte, 0, _PAGE_ACCESSED); // pte_mkold
  vm.pa.get_page(page as Page);
  dst_mm.rss++;
  if (PageAnon(vm, page)) dst_mm.anon_rss++;
  entry_set(vm, dst_ptep, pte);
  page_dup_rmap(vm, page);
}

/**
 * copy_page_range(dst, src, vma): copy the vma's ptes from the parent's tables into the child's
 * (pte tables allocated on the way). 0 or -ENOMEM.
 */
export function copy_page_range(vm: VmSystem, dst: mm_struct, src: mm_struct, vma: vm_area_struct): number {
  const p = vm.machine.paging;
  const end = vma.vm_end;
  for (let addr = vma.vm_start; addr < end; ) {
    let next = (Math.floor(addr / p.PMD_SIZE) + 1) * p.PMD_SIZE;
    if (next > end) next = end;
    const src_pmdp = pmd_offset(vm, src, addr);
    const src_pmd = src_pmdp < 0 ? 0 : entry_get(vm, src_pmdp);
    if ((src_pmd & _PAGE_PRESENT) !== 0) {
      const dst_pmdp = pmd_offset(vm, dst, addr);
      const d0 = pte_alloc_map(vm, dst, dst_pmdp, addr);
      if (d0 < 0) return -Errno.ENOMEM;
      const s0 = pte_offset_map(vm, src_pmd, addr);
      for (let a = addr, s = s0, d = d0; a < next; a += PAGE_SIZE, s += p.ENTRY_SIZE, d += p.ENTRY_SIZE) {
        if (entry_get(vm, s) === 0) continue;
        copy_one_pte(vm, dst, d, s, vma.vm_flags);
      }
    }
    addr = next;
  }
  return 0;
}

// ------------------------------------------------------------------ unmapping

/** zap_pte_range: clear the ptes of [address, end) within one pte table, releasing their pages. */
function zap_pte_range(vm: VmSystem, tlb: mmu_gather, pmd: number, address: number, end: number): void {
  const p = vm.machine.paging;
  const m = vm.pa.mem_map;
  const mm = tlb.mm;
  let ptep = pte_offset_map(vm, pmd, address);
  for (let a = address; a < end; a += PAGE_SIZE, ptep += p.ENTRY_SIZE) {
    const pte = entry_get(vm, ptep);
    if (pte === 0) continue;
    if (present(pte)) {
      const page = vm_normal_page(vm, pte);
      entry_set(vm, ptep, 0); // ptep_get_and_clear
      tlb.need_flush = true; // tlb_remove_tlb_entry
      if (page < 0) continue;
      if (pte & _PAGE_DIRTY) set_page_dirty(vm, page as Page);
      if (PageAnon(vm, page)) mm.anon_rss--;
      else if (pte & _PAGE_ACCESSED) m.flags[page] |= REFERENCED; // mark_page_accessed
      tlb.freed++;
      page_remove_rmap(vm, page);
      tlb_remove_page(vm, tlb, page as Page);
      continue;
    }
    if (!(pte & _PAGE_FILE))
      throw new KernelBugError("zap_pte_range", a, "kernel BUG: swap entry found, but the model has no swap");
    entry_set(vm, ptep, 0);
  }
}

/** unmap_page_range(tlb, vma, address, end): zap every pte table in the range. */
function unmap_page_range(
  vm: VmSystem,
  tlb: mmu_gather,
  vma: vm_area_struct,
  address: number,
  end: number,
): void {
  const p = vm.machine.paging;
  if (address >= end)
    throw new KernelBugError("unmap_page_range", address, "kernel BUG: BUG_ON(address >= end)");
  while (address < end) {
    let next = (Math.floor(address / p.PMD_SIZE) + 1) * p.PMD_SIZE;
    if (next > end) next = end;
    const pmdp = pmd_offset(vm, vma.vm_mm, address);
    if (pmdp >= 0) {
      const pmd = entry_get(vm, pmdp);
      if ((pmd & _PAGE_PRESENT) !== 0) zap_pte_range(vm, tlb, pmd, address, next);
    }
    address = next;
  }
}

/** ZAP_BLOCK_SIZE without CONFIG_PREEMPT: 1024 pages between TLB flushes. */
const ZAP_BLOCK_SIZE = 1024 * PAGE_SIZE;

/**
 * unmap_vmas(tlbp, mm, vma, start_addr, end_addr, nr_accounted): zap every VMA of the list from
 * `vma` that overlaps [start_addr, end_addr), finishing the gather every ZAP_BLOCK_SIZE bytes.
 * Returns the number of VMAs covered; `acct.nr` gains the pages of VM_ACCOUNT VMAs.
 */
export function unmap_vmas(
  vm: VmSystem,
  tlbp: { tlb: mmu_gather },
  mm: mm_struct,
  vma: vm_area_struct | null,
  start_addr: number,
  end_addr: number,
  acct: { nr: number },
): number {
  let zap_bytes = ZAP_BLOCK_SIZE;
  let tlb_start = 0;
  let tlb_start_valid = false;
  let ret = 0;
  for (; vma !== null && vma.vm_start < end_addr; vma = vma.vm_next) {
    let start = Math.max(vma.vm_start, start_addr);
    if (start >= vma.vm_end) continue;
    const end = Math.min(vma.vm_end, end_addr);
    if (end <= vma.vm_start) continue;
    if (vma.vm_flags & VM_ACCOUNT) acct.nr += (end - start) / PAGE_SIZE;
    ret++;
    while (start !== end) {
      if (!tlb_start_valid) {
        tlb_start = start;
        tlb_start_valid = true;
      }
      const block = Math.min(zap_bytes, end - start);
      unmap_page_range(vm, tlbp.tlb, vma, start, start + block);
      start += block;
      zap_bytes -= block;
      if (zap_bytes > 0) continue;
      tlb_finish_mmu(vm, tlbp.tlb, tlb_start, start);
      tlbp.tlb = tlb_gather_mmu(vm, mm, tlbp.tlb.fullmm);
      tlb_start_valid = false;
      zap_bytes = ZAP_BLOCK_SIZE;
    }
  }
  return ret;
}

/** zap_page_range(vma, address, size): remove the user pages of a range of one VMA (the VMA stays). */
export function zap_page_range(vm: VmSystem, vma: vm_area_struct, address: number, size: number): void {
  const mm = vma.vm_mm;
  const end = address + size;
  const tlbp = { tlb: tlb_gather_mmu(vm, mm, false) };
  unmap_vmas(vm, tlbp, mm, vma, address, end, { nr: 0 });
  tlb_finish_mmu(vm, tlbp.tlb, address, end);
}

// ------------------------------------------------------------------ lookup and get_user_pages

/**
 * follow_page(mm, address, write): the page mapped at address if its pte allows the access
 * (write: writable), else null; marks the page dirty for writes and referenced.
 */
export function follow_page(vm: VmSystem, mm: mm_struct, address: number, write: boolean): Page | null {
  const pmdp = pmd_offset(vm, mm, address);
  if (pmdp < 0) return null;
  const pmd = entry_get(vm, pmdp);
  if ((pmd & _PAGE_PRESENT) === 0) return null;
  const pte = entry_get(vm, pte_offset_map(vm, pmd, address));
  if (!present(pte)) return null;
  if (write && (pte & _PAGE_RW) === 0) return null;
  const pfn = pte_pfn(pte);
  if (!vm.pa.pfn_valid(pfn)) return null;
  const m = vm.pa.mem_map;
  if (write && (pte & _PAGE_DIRTY) === 0) m.flags[pfn] |= DIRTY;
  m.flags[pfn] |= REFERENCED;
  return pfn as number as Page;
}

/** untouched_anonymous_page: an anonymous VMA with no pte table for address yet. */
function untouched_anonymous_page(
  vm: VmSystem,
  mm: mm_struct,
  vma: vm_area_struct,
  address: number,
): boolean {
  if (vma.vm_ops?.nopage !== undefined) return false;
  const pmdp = pmd_offset(vm, mm, address);
  return pmdp < 0 || (entry_get(vm, pmdp) & _PAGE_PRESENT) === 0;
}

/**
 * get_user_pages(tsk, mm, start, len, write, force, pages, vmas): fault in `len` pages from
 * `start` (expanding stacks as find_extend_vma does), taking a reference on each page when
 * `pages` is given. Returns the number of pages done, or -EFAULT / -ENOMEM if none.
 */
export function get_user_pages(
  vm: VmSystem,
  tsk: task_struct,
  mm: mm_struct,
  start: number,
  len: number,
  write: boolean,
  force: boolean,
  pages: Page[] | null,
  vmas: vm_area_struct[] | null,
): number {
  let flags = write ? VM_WRITE | VM_MAYWRITE : VM_READ | VM_MAYREAD;
  flags &= force ? VM_MAYREAD | VM_MAYWRITE : VM_READ | VM_WRITE;
  let i = 0;
  do {
    const vma = find_extend_vma(vm, mm, start);
    if (vma === null || vma.vm_flags & VM_IO || (flags & vma.vm_flags) === 0)
      return i !== 0 ? i : -Errno.EFAULT;
    if (vma.vm_flags & VM_HUGETLB) return i !== 0 ? i : -Errno.EFAULT;
    do {
      let lookup_write = write;
      let map: Page | null;
      while ((map = follow_page(vm, mm, start, lookup_write)) === null) {
        if (!lookup_write && untouched_anonymous_page(vm, mm, vma, start)) {
          map = vm.zero_page;
          break;
        }
        const r = handle_mm_fault(vm, mm, vma, start, write);
        if (r === VM_FAULT_MINOR) tsk.min_flt++;
        else if (r === VM_FAULT_MAJOR) tsk.maj_flt++;
        else if (r === VM_FAULT_SIGBUS) return i !== 0 ? i : -Errno.EFAULT;
        else if (r === VM_FAULT_OOM) return i !== 0 ? i : -Errno.ENOMEM;
        else throw new KernelBugError("get_user_pages", start, `kernel BUG: handle_mm_fault returned ${r}`);
        lookup_write = write && !force;
      }
      if (pages !== null && !(vm.pa.mem_map.flags[map]! & RESERVED)) vm.pa.get_page(map);
      if (pages !== null) pages[i] = map;
      if (vmas !== null) vmas[i] = vma;
      i++;
      start += PAGE_SIZE;
      len--;
    } while (len > 0 && start < vma.vm_end);
  } while (len > 0);
  return i;
}

// ------------------------------------------------------------------ faults

/** maybe_mkwrite(pte, vma): writable only if the VMA is (get_user_pages may write-fault read-only VMAs). */
function maybe_mkwrite(pte: number, vma: vm_area_struct): number {
  return vma.vm_flags & VM_WRITE ? pte_bits(pte, _PAGE_RW, 0) : pte;
}

/** break_cow: install the private copy, dirty and (if the VMA allows) writable, and flush its TLB entry. */
function break_cow(vm: VmSystem, vma: vm_area_struct, new_page: Page, address: number, ptep: number): void {
  const entry = maybe_mkwrite(pte_bits(mk_user_pte(vm, new_page, vma.vm_page_prot), _PAGE_DIRTY, 0), vma);
  entry_set(vm, ptep, entry); // ptep_establish
  flush_tlb_page(vm, vma, address);
}

/**
 * can_share_swap_page (mm/swapfile.c) without swap: the faulting process holds the only
 * reference (page_count 1) and the page is not reserved.
 */
function can_share_swap_page(vm: VmSystem, page: number): boolean {
  return vm.pa.page_count(page as Page) === 1 && !(vm.pa.mem_map.flags[page]! & RESERVED);
}

/**
 * do_wp_page: a write to a present, write-protected pte. If this mapping holds the only reference
 * the page is made writable in place; otherwise a copy (a zeroed page for the zero page) replaces it.
 */
function do_wp_page(
  vm: VmSystem,
  mm: mm_struct,
  vma: vm_area_struct,
  address: number,
  ptep: number,
  pte: number,
): number {
  const pfn = pte_pfn(pte);
  if (!vm.pa.pfn_valid(pfn)) {
    vm.machine.printk(`do_wp_page: bogus page at address ${(address >>> 0).toString(16).padStart(8, "0")}`);
    return VM_FAULT_OOM;
  }
  const old_page = pfn as number as Page;
  const m = vm.pa.mem_map;
  if (can_share_swap_page(vm, old_page)) {
    const entry = maybe_mkwrite(pte_bits(pte, _PAGE_ACCESSED | _PAGE_DIRTY, 0), vma);
    entry_set(vm, ptep, entry); // ptep_set_access_flags(..., 1)
    flush_tlb_page(vm, vma, address);
    return VM_FAULT_MINOR;
  }
  const reserved = (m.flags[old_page]! & RESERVED) !== 0;
  if (!reserved) vm.pa.get_page(old_page);
  let new_page: Page | null = null;
  if (anon_vma_prepare(vm, vma) === 0) {
    if (old_page === vm.zero_page) new_page = alloc_zeroed_user_highpage(vm, vma, address);
    else {
      new_page = vm.pa.alloc_pages(GFP_HIGHUSER, 0);
      if (new_page !== null) copy_user_highpage(vm, new_page, old_page, address);
    }
  }
  if (new_page === null) {
    if (!reserved) vm.pa.put_page(old_page);
    return VM_FAULT_OOM;
  }
  // the pte is unchanged (one kernel path at a time)
  if (PageAnon(vm, old_page)) mm.anon_rss--;
  if (reserved) {
    mm.rss++;
    update_mem_hiwater(mm);
  } else page_remove_rmap(vm, old_page);
  break_cow(vm, vma, new_page, address, ptep);
  page_add_anon_rmap(vm, new_page, vma, address);
  // free the old page: the reference taken above and the one the pte held
  if (!reserved) {
    vm.pa.put_page(old_page);
    vm.pa.put_page(old_page);
  }
  return VM_FAULT_MINOR;
}

/** update_mem_hiwater for `mm`. */
export function update_mem_hiwater(mm: mm_struct): void {
  if (mm.hiwater_rss < mm.rss) mm.hiwater_rss = mm.rss;
  if (mm.hiwater_vm < mm.total_vm) mm.hiwater_vm = mm.total_vm;
}

/**
 * do_anonymous_page: first touch of anonymous memory. A read maps the shared zero page
 * write-protected (rss unchanged); a write gets a new zeroed GFP_HIGHUSER page, dirty and
 * writable, with anon rmap (rss++).
 */
function do_anonymous_page(
  vm: VmSystem,
  mm: mm_struct,
  vma: vm_area_struct,
  ptep: number,
  write_access: boolean,
  addr: number,
): number {
  let entry = pte_bits(mk_user_pte(vm, vm.zero_page, vma.vm_page_prot), 0, _PAGE_RW);
  if (write_access) {
    if (anon_vma_prepare(vm, vma) !== 0) return VM_FAULT_OOM;
    const page = alloc_zeroed_user_highpage(vm, vma, addr);
    if (page === null) return VM_FAULT_OOM;
    mm.rss++;
    update_mem_hiwater(mm);
    entry = maybe_mkwrite(pte_bits(mk_user_pte(vm, page, vma.vm_page_prot), _PAGE_DIRTY, 0), vma);
    vm.pa.mem_map.flags[page] |= REFERENCED; // lru_cache_add_active + SetPageReferenced
    page_add_anon_rmap(vm, page, vma, addr);
  }
  entry_set(vm, ptep, entry);
  return VM_FAULT_MINOR;
}

/**
 * do_no_page: first touch of a page of a VMA with a nopage method (a file). The method returns
 * the page with a reference (or SIGBUS / OOM); a write to a private mapping copies it at once
 * (early COW, anonymous from then on). Returns MINOR or what the method reported (MAJOR after I/O).
 */
function do_no_page(
  vm: VmSystem,
  mm: mm_struct,
  vma: vm_area_struct,
  address: number,
  write_access: boolean,
  ptep: number,
): number {
  const nopage = vma.vm_ops?.nopage;
  if (nopage === undefined) return do_anonymous_page(vm, mm, vma, ptep, write_access, address);
  const type = { ret: VM_FAULT_MINOR };
  const got = nopage(vma, (address & PAGE_MASK) >>> 0, type);
  if (got === null) return VM_FAULT_SIGBUS;
  if (got === NOPAGE_OOM) return VM_FAULT_OOM;
  let new_page = got as Page;
  let anon = false;
  if (write_access && !(vma.vm_flags & VM_SHARED)) {
    let page: Page | null = null;
    if (anon_vma_prepare(vm, vma) === 0) page = vm.pa.alloc_pages(GFP_HIGHUSER, 0);
    if (page === null) {
      vm.pa.put_page(new_page);
      return VM_FAULT_OOM;
    }
    copy_user_highpage(vm, page, new_page, address);
    vm.pa.put_page(new_page);
    new_page = page;
    anon = true;
  }
  if (!(vm.pa.mem_map.flags[new_page]! & RESERVED)) mm.rss++;
  update_mem_hiwater(mm);
  let entry = mk_user_pte(vm, new_page, vma.vm_page_prot);
  if (write_access) entry = maybe_mkwrite(pte_bits(entry, _PAGE_DIRTY, 0), vma);
  entry_set(vm, ptep, entry);
  if (anon) {
    vm.pa.mem_map.flags[new_page] |= REFERENCED;
    page_add_anon_rmap(vm, new_page, vma, address);
  } else page_add_file_rmap(vm, new_page);
  return type.ret;
}

/**
 * handle_pte_fault: dispatch on the pte. Not present: none -> do_no_page (nonlinear-file and swap
 * entries cannot arise here). Present: a write to a read-only pte -> do_wp_page; otherwise just
 * the accessed/dirty bits (a write stores the new pte and flushes it).
 */
function handle_pte_fault(
  vm: VmSystem,
  mm: mm_struct,
  vma: vm_area_struct,
  address: number,
  write_access: boolean,
  ptep: number,
): number {
  let entry = entry_get(vm, ptep);
  if (!present(entry)) {
    if (entry === 0) return do_no_page(vm, mm, vma, address, write_access, ptep);
    throw new KernelBugError(
      "handle_pte_fault",
      address,
      entry & _PAGE_FILE
        ? "nonlinear file pte: do_file_page is not modelled"
        : "swap entry: do_swap_page is not modelled (no swap)",
    );
  }
  if (write_access) {
    if ((entry & _PAGE_RW) === 0) return do_wp_page(vm, mm, vma, address, ptep, entry);
    entry = pte_bits(entry, _PAGE_DIRTY, 0);
  }
  entry = pte_bits(entry, _PAGE_ACCESSED, 0);
  if (write_access) {
    entry_set(vm, ptep, entry); // ptep_set_access_flags(..., dirty)
    flush_tlb_page(vm, vma, address);
  }
  return VM_FAULT_MINOR;
}

/**
 * handle_mm_fault(mm, vma, address, write_access): resolve a fault the VMA allows. Counts
 * pgfault, allocates the pte table if needed, dispatches. VM_FAULT_MINOR / MAJOR / SIGBUS / OOM.
 */
export function handle_mm_fault(
  vm: VmSystem,
  mm: mm_struct,
  vma: vm_area_struct,
  address: number,
  write_access: boolean,
): number {
  vm.page_state.pgfault++;
  if (vma.vm_flags & VM_HUGETLB) return VM_FAULT_SIGBUS;
  const pmdp = pmd_offset(vm, mm, address);
  if (pmdp < 0) return VM_FAULT_OOM;
  const ptep = pte_alloc_map(vm, mm, pmdp, address);
  if (ptep < 0) return VM_FAULT_OOM;
  return handle_pte_fault(vm, mm, vma, address, write_access, ptep);
}

/**
 * make_pages_present(addr, end): fault in every page of [addr, end) of the current process's
 * VMA (write faults if the VMA is writable). 0, or -1 when not all could be.
 */
export function make_pages_present(vm: VmSystem, addr: number, end: number): number {
  const tsk = vm.current;
  const mm = tsk.mm!;
  const vma = find_vma(mm, addr);
  if (vma === null) return -1;
  const write = (vma.vm_flags & VM_WRITE) !== 0;
  if (addr >= end) throw new KernelBugError("make_pages_present", addr, "kernel BUG: addr >= end");
  if (end > vma.vm_end) throw new KernelBugError("make_pages_present", end, "kernel BUG: end > vma->vm_end");
  const len = Math.floor((end + PAGE_SIZE - 1) / PAGE_SIZE) - Math.floor(addr / PAGE_SIZE);
  const ret = get_user_pages(vm, tsk, mm, addr, len, write, false, null, null);
  if (ret < 0) return ret;
  return ret === len ? 0 : -1;
}
