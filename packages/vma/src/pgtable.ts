/*
 * pgtable.ts — per-process page tables in the machine's RAM: arch/i386/mm/pgtable.c (pgd_ctor,
 * pgd_dtor, pmd_ctor, pgd_alloc, pgd_free, pte_alloc_one), arch/i386/mm/init.c
 * (pgtable_cache_init), include/asm-i386/pgalloc.h (pmd_populate) and the pgd/pmd/pte offset
 * helpers of include/asm-i386/pgtable*.h, with CONFIG_HIGHPTE off (pte pages are lowmem).
 *
 *  2-level: pgd object (4 KiB, "pgd" cache) ─ entries 0..767 user (pte tables, _PAGE_TABLE)
 *                                           └ entries 768..1023 copied from swapper_pg_dir by pgd_ctor
 *  PAE:     pgd object (32 B, "pgd" cache)  ─ entries 0..2 = 1 + __pa(pmd), a "pmd" cache object each,
 *                                           │   allocated by pgd_alloc, freed by pgd_free
 *                                           └ entry 3 copied from swapper_pg_dir: the kernel pmd, shared
 *  A user pte table is a whole GFP_KERNEL|__GFP_ZERO page counted in mm->nr_ptes.
 * Entries are read and written only through machine.paging (so PAE entries are 64-bit in RAM).
 * "Pointers" to entries (pmdp, ptep) are physical addresses of the entry.
 */

import {
  __pa,
  __va,
  _PAGE_PRESENT,
  _PAGE_TABLE,
  KernelPanicError,
  PAGE_SIZE,
  type Page,
  type PhysAddr,
  pfn_pte,
  pte_mask_supported,
  pte_phys,
  type VirtAddr,
} from "@i386mm/hw-i386";
import { __GFP_REPEAT, __GFP_ZERO, GFP_KERNEL } from "@i386mm/page-alloc";
import type { kmem_cache_t } from "@i386mm/slab";
import type { mm_struct } from "./mm-types.js";
import type { VmSystem } from "./vm.js";

// ------------------------------------------------------------------ entries in RAM

/** Read the entry at physical address `entryPa` (pgd, pmd or pte; 4 or 8 bytes by paging mode). */
export function entry_get(vm: VmSystem, entryPa: number): number {
  return vm.machine.paging.readEntry(vm.machine.ram, entryPa, 0);
}

/** set_pte / set_pmd / set_pgd: write the entry at `entryPa` (PAE: high word first). */
export function entry_set(vm: VmSystem, entryPa: number, e: number): void {
  vm.machine.paging.writeEntry(vm.machine.ram, entryPa, 0, e);
}

/** mk_pte(page, prot) with pfn_pte's `& __supported_pte_mask` (NX dropped when the CPU cannot use it). */
export function mk_user_pte(vm: VmSystem, page: Page | number, prot: number): number {
  return pte_mask_supported(pfn_pte(page, prot), vm.machine.nx_enabled);
}

/**
 * Set and clear flag bits (within the low 12) of an entry whose NX bit may sit above bit 32
 * (pte_mkwrite, pte_mkdirty, pte_wrprotect, pte_mkclean, pte_mkold, pte_mkyoung), without
 * losing the high part to 32-bit operators.
 */
export function pte_bits(pte: number, set: number, clear: number): number {
  const low = pte % PAGE_SIZE; // the low 12 bits: flags
  return pte - low + ((low | set) & ~clear);
}

/** pgd_offset(mm, address): physical address of the pgd entry. */
export function pgd_offset(vm: VmSystem, mm: mm_struct, address: number): number {
  const p = vm.machine.paging;
  return vm.pgd_pa(mm) + p.pgd_index(address >>> 0) * p.ENTRY_SIZE;
}

/**
 * pmd_offset(pud_offset(pgd_offset(mm, address))): physical address of the pmd-level entry —
 * the pgd entry itself in 2-level mode; in PAE mode the entry in the pmd table the pgd entry
 * points to (user pgd entries are always present, pgd_alloc filled them), or -1 if it is not.
 */
export function pmd_offset(vm: VmSystem, mm: mm_struct, address: number): number {
  const p = vm.machine.paging;
  const pgdp = pgd_offset(vm, mm, address);
  if (!p.pae) return pgdp;
  const pgd = entry_get(vm, pgdp);
  if ((pgd & _PAGE_PRESENT) === 0) return -1;
  return pte_phys(pgd) + p.pmd_index(address >>> 0) * 8;
}

/** pte_offset_map(pmd, address): physical address of the pte, given a present pmd value. */
export function pte_offset_map(vm: VmSystem, pmd: number, address: number): number {
  const p = vm.machine.paging;
  return pte_phys(pmd) + p.pte_index(address >>> 0) * p.ENTRY_SIZE;
}

/** Lookup without allocating: the pte's physical address for `address`, or -1 when no pte table. */
export function follow_pte(vm: VmSystem, mm: mm_struct, address: number): number {
  const pmdp = pmd_offset(vm, mm, address);
  if (pmdp < 0) return -1;
  const pmd = entry_get(vm, pmdp);
  if ((pmd & _PAGE_PRESENT) === 0) return -1;
  return pte_offset_map(vm, pmd, address);
}

// ------------------------------------------------------------------ pte pages

/** pte_alloc_one: a zeroed lowmem page for a user pte table (no __GFP_HIGHMEM: no CONFIG_HIGHPTE). */
export function pte_alloc_one(vm: VmSystem, _mm: mm_struct, _address: number): Page | null {
  return vm.pa.alloc_pages(GFP_KERNEL | __GFP_REPEAT | __GFP_ZERO, 0);
}

/** pte_free: give a pte table page back. */
export function pte_free(vm: VmSystem, page: Page): void {
  vm.pa.__free_page(page);
}

/**
 * pte_alloc_map(mm, pmd, address): the pte's physical address, allocating and linking a pte
 * table (pmd_populate, nr_ptes++, nr_page_table_pages++) when the pmd is empty; -1 when the
 * allocation fails (the caller returns VM_FAULT_OOM / -ENOMEM).
 */
export function pte_alloc_map(vm: VmSystem, mm: mm_struct, pmdp: number, address: number): number {
  let pmd = entry_get(vm, pmdp);
  if ((pmd & _PAGE_PRESENT) === 0) {
    const page = pte_alloc_one(vm, mm, address);
    if (page === null) return -1;
    mm.nr_ptes++;
    vm.page_state.nr_page_table_pages++;
    pmd = page * PAGE_SIZE + _PAGE_TABLE; // pmd_populate
    entry_set(vm, pmdp, pmd);
  }
  return pte_offset_map(vm, pmd, address);
}

// ------------------------------------------------------------------ pgd / pmd caches

/**
 * pgd_ctor (slab constructor of "pgd"): copy the kernel entries from swapper_pg_dir; without
 * PAE also put the pgd on pgd_list and clear the user entries.
 */
function pgd_ctor(vm: VmSystem): (objp: VirtAddr, cachep: kmem_cache_t, flags: number) => void {
  return (objp) => {
    const p = vm.machine.paging;
    const ram = vm.machine.ram;
    const pgd = __pa(objp);
    const swapper = vm.pa.swapper_pg_dir;
    for (let i = p.USER_PTRS_PER_PGD; i < p.PTRS_PER_PGD; i++)
      p.writeEntry(ram, pgd, i, p.readEntry(ram, swapper, i));
    if (p.PTRS_PER_PMD > 1) return;
    vm.pgd_list.add(objp);
    for (let i = 0; i < p.USER_PTRS_PER_PGD; i++) p.writeEntry(ram, pgd, i, 0);
  };
}

/** pgd_dtor (non-PAE only): take the pgd off pgd_list. */
function pgd_dtor(vm: VmSystem): (objp: VirtAddr, cachep: kmem_cache_t, flags: number) => void {
  return (objp) => {
    vm.pgd_list.delete(objp);
  };
}

/** pmd_ctor: a pmd table starts empty. */
function pmd_ctor(vm: VmSystem): (objp: VirtAddr, cachep: kmem_cache_t, flags: number) => void {
  return (objp) => {
    vm.machine.ram.fill(__pa(objp), PAGE_SIZE, 0);
  };
}

/** pgtable_cache_init: the "pmd" (PAE) and "pgd" caches, objects aligned to their size. */
export function pgtable_cache_init(vm: VmSystem): void {
  const p = vm.machine.paging;
  if (p.PTRS_PER_PMD > 1) {
    const size = p.PTRS_PER_PMD * 8;
    vm.pmd_cache = vm.slab.kmem_cache_create("pmd", size, size, 0, pmd_ctor(vm), null);
    if (vm.pmd_cache === null)
      throw new KernelPanicError(
        "pgtable_cache_init",
        undefined,
        "pgtable_cache_init(): cannot create pmd cache",
      );
  }
  const size = p.PTRS_PER_PGD * p.ENTRY_SIZE;
  const c = vm.slab.kmem_cache_create(
    "pgd",
    size,
    size,
    0,
    pgd_ctor(vm),
    p.PTRS_PER_PMD === 1 ? pgd_dtor(vm) : null,
  );
  if (c === null)
    throw new KernelPanicError(
      "pgtable_cache_init",
      undefined,
      "pgtable_cache_init(): Cannot create pgd cache",
    );
  vm.pgd_cache = c;
}

/**
 * pgd_alloc(mm): a page directory from the "pgd" cache; under PAE also one pmd table per user
 * pgd entry (entry = 1 + __pa(pmd)). null when memory runs out (everything taken is given back).
 */
export function pgd_alloc(vm: VmSystem, _mm: mm_struct): VirtAddr | null {
  const pgd = vm.slab.kmem_cache_alloc(vm.pgd_cache, GFP_KERNEL);
  const p = vm.machine.paging;
  if (p.PTRS_PER_PMD === 1 || pgd === null) return pgd;
  const pmds: VirtAddr[] = [];
  for (let i = 0; i < p.USER_PTRS_PER_PGD; i++) {
    const pmd = vm.slab.kmem_cache_alloc(vm.pmd_cache!, GFP_KERNEL);
    if (pmd === null) {
      for (const m of pmds) vm.slab.kmem_cache_free(vm.pmd_cache!, m);
      vm.slab.kmem_cache_free(vm.pgd_cache, pgd);
      return null;
    }
    pmds.push(pmd);
    p.writeEntry(vm.machine.ram, __pa(pgd), i, 1 + __pa(pmd));
  }
  return pgd;
}

/** pgd_free(pgd): PAE: free the user pmd tables; then the pgd object (user entries already cleared). */
export function pgd_free(vm: VmSystem, pgd: VirtAddr): void {
  const p = vm.machine.paging;
  if (p.PTRS_PER_PMD > 1)
    for (let i = 0; i < p.USER_PTRS_PER_PGD; i++) {
      const e = p.readEntry(vm.machine.ram, __pa(pgd), i);
      vm.slab.kmem_cache_free(vm.pmd_cache!, __va(e - 1));
    }
  vm.slab.kmem_cache_free(vm.pgd_cache, pgd);
}

/** The physical address of the pmd table behind PAE user pgd entry `i` of `mm`. */
export function pae_pmd_table(vm: VmSystem, mm: mm_struct, i: number): PhysAddr {
  return pte_phys(vm.machine.paging.readEntry(vm.machine.ram, vm.pgd_pa(mm), i));
}
