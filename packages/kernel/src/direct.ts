/*
 * direct.ts — DirectPages: the model's record of the pages held by direct callers of the page
 * allocator (a driver, a scenario, the trace replay, the fuzzer: whoever calls alloc_pages and
 * keeps the block), so that the whole-machine check can give every allocated frame an owner.
 * The kernel keeps no such record (CONFIG_PAGE_OWNER, 2.6.24, is the nearest thing); this one is
 * the model's, and cheap: two maps keyed by pfn (held block heads to their order, frames to the
 * references held on them), written on every call that goes through it, O(1) each, and costing
 * nothing per frame of RAM (dense arrays cost 5 host bytes per frame at boot, issue #18's budget).
 * Each method is page-alloc's function of the same name (mm/page_alloc.c, include/linux/gfp.h,
 * include/linux/mm.h): it calls the page allocator, then records what changed. A call the page
 * allocator refuses (a BadPageError, a NULL) records nothing.
 * Invariants: orderOf(pfn) = k exactly for the heads of the order-k blocks a direct caller
 * allocated and still holds (-1 elsewhere); refsOf(pfn) = the references direct callers hold on
 * that frame (1 for a block they allocated, +1 per get_page, -1 per put_page / free); no map keeps
 * a zero entry. Pages taken from `k.pa`
 * itself, outside this record, are owned by nobody the check knows.
 */
import { PAGE_OFFSET, type VirtAddr } from "@i386mm/hw-i386";
import type { Page, PageAllocator } from "@i386mm/page-alloc";

/**
 * The model's argument check of the allocation calls (not 2.6.11's: no C caller can pass such a
 * value): a gfp_mask or an order that is no unsigned int — NaN, a fraction, a negative number,
 * 2^32 or more, a string — gets NULL (0 for the address forms), as an order >= MAX_ORDER does in
 * alloc_pages_node. It is made here, on the record's side, so that the page allocator's own fast
 * path is untouched; `k.pa.alloc_pages` itself takes what it is given.
 */
function uints(gfp_mask: unknown, order: unknown): boolean {
  const u = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  return u(gfp_mask) && u(order);
}

/** The pages direct callers of the page allocator hold (the model's record; see the file comment). */
export class DirectPages {
  /** The page allocator the calls go to. */
  readonly pa: PageAllocator;
  /** Order of each block a direct caller allocated and holds, by head pfn. */
  readonly #order = new Map<number, number>();
  /** References direct callers hold, by pfn (no zero entries). */
  readonly #refs = new Map<number, number>();

  constructor(pa: PageAllocator) {
    this.pa = pa;
  }

  /** Blocks held. */
  get blocks(): number {
    return this.#order.size;
  }

  /** The blocks held, as [head pfn, order] pairs in pfn order. */
  heldBlocks(): [number, number][] {
    return [...this.#order].sort((a, b) => a[0] - b[0]);
  }

  /** The frames direct callers hold references on, as [pfn, references] pairs (any order). */
  heldRefs(): IterableIterator<[number, number]> {
    return this.#refs.entries();
  }

  /** The references direct callers hold on frame `pfn` (0 for none). */
  refsOf(pfn: number): number {
    return this.#refs.get(pfn) ?? 0;
  }

  /** The order of the block headed by `pfn` that a direct caller holds, or -1. */
  orderOf(pfn: number): number {
    return this.#order.get(pfn) ?? -1;
  }

  #took(page: Page | null, order: number): Page | null {
    if (page !== null) {
      this.#order.set(page, order);
      this.#refs.set(page, this.refsOf(page) + 1);
    }
    return page;
  }

  #tookAddr(addr: VirtAddr | 0, order: number): VirtAddr | 0 {
    if (addr !== 0) this.#took(this.pa.virt_to_page(addr), order);
    return addr;
  }

  /** One reference dropped on `page` (its block given back when the page allocator freed it). */
  #dropped(page: Page): void {
    const refs = this.refsOf(page);
    if (refs === 0) return;
    if (refs > 1) this.#refs.set(page, refs - 1);
    else this.#refs.delete(page);
    if (this.#order.has(page) && (refs === 1 || this.pa.page_count(page) === 0)) {
      this.#order.delete(page);
      this.#refs.delete(page);
    }
  }

  /** alloc_pages(gfp_mask, order): a block of 2^order pages, held by the caller. */
  alloc_pages(gfp_mask: number, order: number): Page | null {
    if (!uints(gfp_mask, order)) return null;
    return this.#took(this.pa.alloc_pages(gfp_mask, order), order);
  }
  /** alloc_page(gfp_mask). */
  alloc_page(gfp_mask: number): Page | null {
    if (!uints(gfp_mask, 0)) return null;
    return this.#took(this.pa.alloc_page(gfp_mask), 0);
  }
  /** alloc_pages_node(nid, gfp_mask, order): as alloc_pages, from node nid's zonelist. */
  alloc_pages_node(nid: number, gfp_mask: number, order: number): Page | null {
    if (!uints(gfp_mask, order)) return null;
    return this.#took(this.pa.alloc_pages_node(nid, gfp_mask, order), order);
  }
  /** __get_free_pages(gfp_mask, order): the block's lowmem address, or 0. */
  __get_free_pages(gfp_mask: number, order: number): VirtAddr | 0 {
    if (!uints(gfp_mask, order)) return 0;
    return this.#tookAddr(this.pa.__get_free_pages(gfp_mask, order), order);
  }
  /** __get_free_page(gfp_mask). */
  __get_free_page(gfp_mask: number): VirtAddr | 0 {
    if (!uints(gfp_mask, 0)) return 0;
    return this.#tookAddr(this.pa.__get_free_page(gfp_mask), 0);
  }
  /** get_zeroed_page(gfp_mask). */
  get_zeroed_page(gfp_mask: number): VirtAddr | 0 {
    if (!uints(gfp_mask, 0)) return 0;
    return this.#tookAddr(this.pa.get_zeroed_page(gfp_mask), 0);
  }
  /** __get_dma_pages(gfp_mask, order). */
  __get_dma_pages(gfp_mask: number, order: number): VirtAddr | 0 {
    if (!uints(gfp_mask, order)) return 0;
    return this.#tookAddr(this.pa.__get_dma_pages(gfp_mask, order), order);
  }
  /** __free_pages(page, order): drop the caller's reference (the last one frees the block). */
  __free_pages(page: Page, order: number): void {
    this.pa.__free_pages(page, order);
    this.#dropped(page);
  }
  /** __free_page(page). */
  __free_page(page: Page): void {
    this.pa.__free_page(page);
    this.#dropped(page);
  }
  /** free_pages(addr, order). */
  free_pages(addr: VirtAddr | 0, order: number): void {
    this.pa.free_pages(addr, order);
    if (addr !== 0) this.#dropped(this.#pageOf(addr));
  }
  /** free_page(addr). */
  free_page(addr: VirtAddr | 0): void {
    this.pa.free_page(addr);
    if (addr !== 0) this.#dropped(this.#pageOf(addr));
  }
  /** free_hot_page(page). */
  free_hot_page(page: Page): void {
    this.pa.free_hot_page(page);
    this.#dropped(page);
  }
  /** free_cold_page(page). */
  free_cold_page(page: Page): void {
    this.pa.free_cold_page(page);
    this.#dropped(page);
  }
  /** get_page(page): one more reference, held by the caller. */
  get_page(page: Page): void {
    this.pa.get_page(page);
    this.#refs.set(page, this.refsOf(page) + 1);
  }
  /** put_page(page): the caller drops one reference. */
  put_page(page: Page): void {
    this.pa.put_page(page);
    this.#dropped(page);
  }

  /** The page of a lowmem address the page allocator has just accepted. */
  #pageOf(addr: number): Page {
    return ((addr - PAGE_OFFSET) >>> 12) as Page;
  }
}
