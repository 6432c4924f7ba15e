/**
 * mem_map: one page descriptor (struct page) per physical frame, stored struct-of-arrays.
 * Models struct page of include/linux/mm.h and the list_head helpers of include/linux/list.h
 * (2.6.11): a `Page` is the frame number, an index into every column.
 * Invariants: _count and _mapcount are stored minus one as in the kernel (free page: _count -1,
 * unmapped: _mapcount -1); lru_next/lru_prev form circular doubly-linked lists whose heads are
 * extra slots past the last frame (one per buddy free list and per-CPU list), so list_del needs
 * no knowledge of which list a page is on. Only page-alloc links pages on free lists; slab reuses
 * lru_next/lru_prev of PG_slab pages for its handles, as the kernel reuses page->lru.
 */

/*
 *  One ArrayBuffer, 32 bytes per frame (struct page is 32 bytes on i386) + 8 bytes per list head:
 *
 *  flags     | Uint32 x nframes |  PG_* bits, NODEZONE in bits 29-31
 *  _count    | Int32  x nframes |  page_count() - 1
 *  _mapcount | Int32  x nframes |  page_mapcount() - 1
 *  private   | Uint32 x nframes |  buddy order / compound head pfn / owner data
 *  index     | Uint32 x nframes |  offset in mapping / compound order in page[1]
 *  mapping   | Uint32 x nframes |  address_space handle, 0 = NULL
 *  lru_next  | Int32  x (nframes + nheads) |  next pfn or list head slot
 *  lru_prev  | Int32  x (nframes + nheads) |  prev pfn or list head slot
 */

import type { Page } from "@i386mm/hw-i386";

/** A `struct page *`: the pfn of the described frame (hw-i386's branded type, re-exported). */
export type { Page };

/** Size of struct page on i386 without WANT_PAGE_VIRTUAL, in bytes. */
export const SIZEOF_STRUCT_PAGE = 32;

/** The page descriptor array: typed-array columns indexed by pfn. */
export class MemMap {
  /** Number of frames described (max_pfn). */
  readonly nr_pages: number;
  /** Number of list-head slots after the frames. */
  readonly nr_heads: number;
  /** PG_* bits plus NODEZONE in the top bits. */
  readonly flags: Uint32Array;
  /** Reference count minus one (free = -1). */
  readonly _count: Int32Array;
  /** Number of ptes mapping the page, minus one (unmapped = -1). */
  readonly _mapcount: Int32Array;
  /** page->private. */
  readonly private: Uint32Array;
  /** page->index. */
  readonly index: Uint32Array;
  /** page->mapping as a handle (0 = NULL). */
  readonly mapping: Uint32Array;
  /** page->lru.next (pfn or list-head slot). */
  readonly lru_next: Int32Array;
  /** page->lru.prev (pfn or list-head slot). */
  readonly lru_prev: Int32Array;
  /** The one buffer holding every column (host memory accounting). */
  readonly buffer: ArrayBuffer;

  /** Descriptors for `nrPages` frames plus `nrHeads` list-head slots, every list empty, every column 0. */
  constructor(nrPages: number, nrHeads: number) {
    this.nr_pages = nrPages;
    this.nr_heads = nrHeads;
    const n4 = nrPages * 4;
    const l4 = (nrPages + nrHeads) * 4;
    this.buffer = new ArrayBuffer(6 * n4 + 2 * l4);
    let off = 0;
    this.flags = new Uint32Array(this.buffer, off, nrPages);
    off += n4;
    this._count = new Int32Array(this.buffer, off, nrPages);
    off += n4;
    this._mapcount = new Int32Array(this.buffer, off, nrPages);
    off += n4;
    this.private = new Uint32Array(this.buffer, off, nrPages);
    off += n4;
    this.index = new Uint32Array(this.buffer, off, nrPages);
    off += n4;
    this.mapping = new Uint32Array(this.buffer, off, nrPages);
    off += n4;
    this.lru_next = new Int32Array(this.buffer, off, nrPages + nrHeads);
    off += l4;
    this.lru_prev = new Int32Array(this.buffer, off, nrPages + nrHeads);
    for (let h = nrPages; h < nrPages + nrHeads; h++) INIT_LIST_HEAD(this, h);
  }
}

/** include/linux/list.h: INIT_LIST_HEAD — an empty list points at itself. */
export function INIT_LIST_HEAD(m: MemMap, h: number): void {
  m.lru_next[h] = h;
  m.lru_prev[h] = h;
}

/** list_empty: the head points at itself. */
export function list_empty(m: MemMap, h: number): boolean {
  return m.lru_next[h] === h;
}

/** list_add: insert `n` right after `h` (at the head of the list). */
export function list_add(m: MemMap, n: number, h: number): void {
  const next = m.lru_next;
  const prev = m.lru_prev;
  const first = next[h];
  next[n] = first;
  prev[n] = h;
  prev[first] = n;
  next[h] = n;
}

/** list_add_tail: insert `n` right before `h` (at the tail of the list). */
export function list_add_tail(m: MemMap, n: number, h: number): void {
  const next = m.lru_next;
  const prev = m.lru_prev;
  const last = prev[h];
  next[n] = h;
  prev[n] = last;
  next[last] = n;
  prev[h] = n;
}

/**
 * The poison value as this module's own const: V8 folds a module's top-level consts into optimized
 * code, but reads an exported or imported binding through its module cell, with a TDZ check, at
 * every use (list_del runs on every allocation).
 */
const POISON = -1;
/** LIST_POISON: what list_del leaves in an unlinked entry (the kernel writes poison pointers). */
export const LIST_POISON = POISON;

/** list_del: unlink `n` from whatever list holds it and poison its links. */
export function list_del(m: MemMap, n: number): void {
  const next = m.lru_next;
  const prev = m.lru_prev;
  const nx = next[n];
  const pv = prev[n];
  next[pv] = nx;
  prev[nx] = pv;
  next[n] = POISON;
  prev[n] = POISON;
}

/** Count the entries of a list (views and invariant checks only: O(length)). */
export function list_length(m: MemMap, h: number): number {
  let n = 0;
  for (let p = m.lru_next[h]; p !== h; p = m.lru_next[p]) n++;
  return n;
}

/** The entries of a list, head first (views and tests only). */
export function list_entries(m: MemMap, h: number): number[] {
  const out: number[] = [];
  for (let p = m.lru_next[h]; p !== h; p = m.lru_next[p]) out.push(p);
  return out;
}
