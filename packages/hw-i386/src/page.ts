/*
 * page.ts — include/asm-i386/page.h, setup.h, dma.h, processor.h: page size, the 3 GiB/1 GiB
 * split and the linear-map conversions __pa/__va.
 * Invariants: __va(__pa(v)) === v for every lowmem v in [PAGE_OFFSET, PAGE_OFFSET + MAXMEM);
 * all virtual results are unsigned 32-bit. Physical arithmetic is done with * and / (not bit
 * operators) so addresses above 4 GiB stay exact.
 *
 *   0x00000000           TASK_SIZE = PAGE_OFFSET = 0xC0000000          0xFFFFFFFF
 *   | user space (3 GiB) | lowmem direct map (MAXMEM = 896 MiB) | 128 MiB vmalloc/kmap/fixmap |
 */

import type { Pfn, PhysAddr, VirtAddr } from "./types.js";

/** log2 of the page size. */
export const PAGE_SHIFT = 12;
/** 4096 bytes. */
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** ~(PAGE_SIZE-1) as an unsigned 32-bit value; use `(v & PAGE_MASK) >>> 0` for virtual addresses. */
export const PAGE_MASK = 0xfffff000;
/** Start of the kernel's 1 GiB (__PAGE_OFFSET). */
export const PAGE_OFFSET = 0xc0000000;
/** Top of user space (= PAGE_OFFSET on i386). */
export const TASK_SIZE = PAGE_OFFSET;
/** Default base of bottom-up mmap: PAGE_ALIGN(TASK_SIZE / 3). */
export const TASK_UNMAPPED_BASE = 0x40000000;
/** Default __VMALLOC_RESERVE: 128 MiB (boot option "vmalloc=" overrides). */
export const __VMALLOC_RESERVE = 128 << 20;
/** Largest directly mapped physical size: (-PAGE_OFFSET) - __VMALLOC_RESERVE = 896 MiB. */
export const MAXMEM = 2 ** 32 - PAGE_OFFSET - __VMALLOC_RESERVE;
/** PFN_DOWN(MAXMEM) = 0x38000. */
export const MAXMEM_PFN = MAXMEM / PAGE_SIZE;
/** Highest pfn reachable without PAE: 1 << 20 (4 GiB). */
export const MAX_NONPAE_PFN = 1 << 20;
/** End of ISA DMA memory as a kernel virtual address: PAGE_OFFSET + 16 MiB. */
export const MAX_DMA_ADDRESS = PAGE_OFFSET + 0x1000000;

/** Round a size or address up to a page boundary (exact above 4 GiB). */
export function PAGE_ALIGN(x: number): number {
  return Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
}
/** pfn of the first page starting at or after physical address x. */
export function PFN_UP(x: number): Pfn {
  return Math.ceil(x / PAGE_SIZE) as Pfn;
}
/** pfn of the page containing physical address x. */
export function PFN_DOWN(x: number): Pfn {
  return Math.floor(x / PAGE_SIZE) as Pfn;
}
/** Physical address of a pfn. */
export function PFN_PHYS(pfn: number): PhysAddr {
  return (pfn * PAGE_SIZE) as PhysAddr;
}
/** Kernel virtual → physical for the direct map: v - PAGE_OFFSET (wraps like the 32-bit C). */
export function __pa(v: number): PhysAddr {
  return ((v - PAGE_OFFSET) >>> 0) as PhysAddr;
}
/** Physical → kernel virtual for the direct map: p + PAGE_OFFSET (32-bit, valid for lowmem only). */
export function __va(p: number): VirtAddr {
  return ((p + PAGE_OFFSET) >>> 0) as VirtAddr;
}
/** __va(pfn << PAGE_SHIFT). */
export function pfn_to_kaddr(pfn: number): VirtAddr {
  return __va(pfn * PAGE_SIZE);
}
