/*
 * rmap.ts — reverse mapping of mapped pages: mm/rmap.c (anon_vma_init, anon_vma_prepare,
 * __anon_vma_merge, __anon_vma_link, anon_vma_link, anon_vma_unlink, page_add_anon_rmap,
 * page_add_file_rmap, page_remove_rmap) and include/linux/rmap.h (page_dup_rmap).
 * A mapped anonymous page has page->mapping = its anon_vma's kernel address | PAGE_MAPPING_ANON
 * and page->index = its linear page index in the VMA (vm_pgoff + offset); page->_mapcount
 * (stored minus one) counts the ptes mapping the page. The anon_vma lists every VMA that may map
 * its pages (the parent's and children's VMAs after fork share one anon_vma in 2.6.11).
 * Reserved pages (the zero page) are never counted. Only the fault, fork and unmap paths call in.
 */

import { Errno, KernelBugError, PAGE_SIZE, type Page } from "@i386mm/hw-i386";
import { GFP_KERNEL, PG_reserved } from "@i386mm/page-alloc";
import { SLAB_DESTROY_BY_RCU, SLAB_PANIC } from "@i386mm/slab";
import { PAGE_MAPPING_ANON, SIZEOF_ANON_VMA } from "./constants.js";
import { anon_vma, type vm_area_struct } from "./mm-types.js";
import type { VmSystem } from "./vm.js";
import { find_mergeable_anon_vma } from "./vma.js";

const RESERVED = 1 << PG_reserved;

/** anon_vma_init: the "anon_vma" slab cache (the constructor's list init is the JS Set). */
export function anon_vma_init(vm: VmSystem): void {
  vm.anon_vma_cachep = vm.slab.kmem_cache_create(
    "anon_vma",
    SIZEOF_ANON_VMA,
    0,
    SLAB_DESTROY_BY_RCU | SLAB_PANIC,
    () => {},
    null,
  )!;
}

/** anon_vma_alloc: a new, empty anon_vma, or null. */
function anon_vma_alloc(vm: VmSystem): anon_vma | null {
  const addr = vm.slab.kmem_cache_alloc(vm.anon_vma_cachep, GFP_KERNEL);
  if (addr === null) return null;
  const av = new anon_vma(addr);
  vm.anon_vmas.set(addr, av);
  return av;
}

/** anon_vma_free. */
function anon_vma_free(vm: VmSystem, av: anon_vma): void {
  vm.anon_vmas.delete(av.addr);
  vm.slab.kmem_cache_free(vm.anon_vma_cachep, av.addr);
}

/**
 * anon_vma_prepare(vma): make sure the VMA has an anon_vma before its first anonymous page —
 * a neighbour's if find_mergeable_anon_vma finds one (so mprotect can remerge later), else a
 * new one. 0 or -ENOMEM.
 */
export function anon_vma_prepare(vm: VmSystem, vma: vm_area_struct): number {
  if (vma.anon_vma !== null) return 0;
  let av = find_mergeable_anon_vma(vma);
  if (av === null) {
    av = anon_vma_alloc(vm);
    if (av === null) return -Errno.ENOMEM;
  }
  vma.anon_vma = av;
  av.head.add(vma);
  return 0;
}

/** __anon_vma_merge(vma, next): `next` was merged into `vma`; unlink it from the shared anon_vma. */
export function __anon_vma_merge(vma: vm_area_struct, next: vm_area_struct): void {
  if (vma.anon_vma !== next.anon_vma)
    throw new KernelBugError("__anon_vma_merge", next.vm_start, "BUG_ON(vma->anon_vma != next->anon_vma)");
  next.anon_vma!.head.delete(next);
}

/** __anon_vma_link / anon_vma_link(vma): put the VMA on its anon_vma's list (if it has one). */
export function anon_vma_link(vma: vm_area_struct): void {
  if (vma.anon_vma !== null) vma.anon_vma.head.add(vma);
}

/** anon_vma_unlink(vma): take the VMA off its anon_vma's list; free the anon_vma when empty. */
export function anon_vma_unlink(vm: VmSystem, vma: vm_area_struct): void {
  const av = vma.anon_vma;
  if (av === null) return;
  av.head.delete(vma);
  if (av.head.size === 0) anon_vma_free(vm, av);
}

/** PageAnon(page): page->mapping has the PAGE_MAPPING_ANON bit. */
export function PageAnon(vm: VmSystem, page: Page | number): boolean {
  return (vm.pa.mem_map.mapping[page]! & PAGE_MAPPING_ANON) !== 0;
}

/**
 * page_add_anon_rmap(page, vma, address): one more pte maps this anonymous page; the first one
 * sets page->mapping and page->index. anon_rss++, nr_mapped on the first mapping.
 */
export function page_add_anon_rmap(
  vm: VmSystem,
  page: Page | number,
  vma: vm_area_struct,
  address: number,
): void {
  const m = vm.pa.mem_map;
  if (m.flags[page]! & RESERVED)
    throw new KernelBugError("page_add_anon_rmap", page, "kernel BUG: BUG_ON(PageReserved(page))");
  const av = vma.anon_vma;
  if (av === null) throw new KernelBugError("page_add_anon_rmap", address, "kernel BUG: BUG_ON(!anon_vma)");
  vma.vm_mm.anon_rss++;
  if (++m._mapcount[page]! === 0) {
    m.index[page] = (address - vma.vm_start) / PAGE_SIZE + vma.vm_pgoff;
    m.mapping[page] = av.addr + PAGE_MAPPING_ANON;
    vm.page_state.nr_mapped++;
  }
}

/** page_add_file_rmap(page): one more pte maps this page-cache page (reserved pages are not counted). */
export function page_add_file_rmap(vm: VmSystem, page: Page | number): void {
  const m = vm.pa.mem_map;
  if (m.mapping[page]! & PAGE_MAPPING_ANON)
    throw new KernelBugError("page_add_file_rmap", page, "kernel BUG: BUG_ON(PageAnon(page))");
  if (!vm.pa.pfn_valid(page) || m.flags[page]! & RESERVED) return;
  if (++m._mapcount[page]! === 0) vm.page_state.nr_mapped++;
}

/** page_dup_rmap(page): fork copied a pte (copy_one_pte). */
export function page_dup_rmap(vm: VmSystem, page: Page | number): void {
  vm.pa.mem_map._mapcount[page]!++;
}

/**
 * page_remove_rmap(page): one pte less. page->mapping of an anonymous page is left set (as
 * 2.6.11 leaves it for free_hot_cold_page to clear).
 */
export function page_remove_rmap(vm: VmSystem, page: Page | number): void {
  const m = vm.pa.mem_map;
  if (m.flags[page]! & RESERVED)
    throw new KernelBugError("page_remove_rmap", page, "kernel BUG: BUG_ON(PageReserved(page))");
  if (m._mapcount[page]! < 0)
    throw new KernelBugError("page_remove_rmap", page, "kernel BUG: BUG_ON(page_mapcount(page) < 0)");
  if (--m._mapcount[page]! < 0) vm.page_state.nr_mapped--;
}
