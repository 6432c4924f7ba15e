/**
 * The binary buddy system: split on allocation, coalesce on free.
 * Models mm/page_alloc.c of Linux 2.6.11: __rmqueue, expand, rmqueue_bulk, __free_pages_bulk,
 * free_pages_bulk, page_is_buddy, set_page_order / rmv_page_order, bad_range.
 * Invariants: a free block of order o starts at a zone-relative index that is a multiple of 2^o;
 * its head carries PG_private with private == o and count 0; tail pages of a free block carry no
 * PG_private; two free buddies of the same order never both sit on a list (they are merged).
 * Lists are taken and filled at the head (list_add / free_list.next); free_pages_bulk drains
 * from the tail. Callers hold "zone->lock": in the simulation one path runs at a time.
 */
import type { MemMap } from "./mem-map.js";
import * as memMapModule from "./mem-map.js";
import type { Zone } from "./mmzone.js";
import * as mmzoneModule from "./mmzone.js";
import * as pageFlagsModule from "./page-flags.js";

/*
 * The constants and list helpers of the split and merge loops, as this module's own consts: V8
 * folds a module's top-level consts into optimized code, but reads an imported binding through its
 * module cell, with a TDZ check (and, for a function, a check of the callee), at every use
 * (bench/README.md, "Performance work for issue #18").
 */
const { LIST_POISON, list_add_tail, list_del, list_empty } = memMapModule;
const { MAX_ORDER } = mmzoneModule;
const { NODEZONE_SHIFT, PG_private, PG_reserved } = pageFlagsModule;
const PRIVATE = 1 << PG_private;
const RESERVED = 1 << PG_reserved;

/** bad_range: true when `pfn` lies outside `zone` or its descriptor names another zone. */
export function bad_range(m: MemMap, zone: Zone, pfn: number): boolean {
  if (pfn >= zone.zone_start_pfn + zone.spanned_pages) return true;
  if (pfn < zone.zone_start_pfn) return true;
  return m.flags[pfn] >>> NODEZONE_SHIFT !== zone.nodezone;
}

/** set_page_order: mark `pfn` as the head of a free block of `order`. */
export function set_page_order(m: MemMap, pfn: number, order: number): void {
  m.private[pfn] = order;
  m.flags[pfn] |= PRIVATE;
}

/** rmv_page_order: clear the free-block-head mark. */
export function rmv_page_order(m: MemMap, pfn: number): void {
  m.flags[pfn] &= ~PRIVATE;
  m.private[pfn] = 0;
}

/** page_is_buddy: `pfn` heads a free block of exactly `order` (PG_private, private == order, count 0). */
export function page_is_buddy(m: MemMap, pfn: number, order: number): boolean {
  const f = m.flags[pfn];
  return (f & PRIVATE) !== 0 && m.private[pfn] === order && (f & RESERVED) === 0 && m._count[pfn] === -1;
}

/**
 * expand: split a block of order `high` down to `low`, putting each upper half at the head of the
 * next lower free list; returns the lowest-addressed block (the original head).
 * (list_add and set_page_order written out on local columns: this loop and the merge loop of
 * __free_pages_bulk are the buddy system's hot paths.)
 */
export function expand(m: MemMap, zone: Zone, pfn: number, low: number, high: number): number {
  const next = m.lru_next;
  const prev = m.lru_prev;
  const flags = m.flags;
  const priv = m.private;
  const free_area = zone.free_area;
  let size = 1 << high;
  while (high > low) {
    high--;
    size >>= 1;
    const area = free_area[high];
    const buddy = pfn + size;
    // list_add(&buddy->lru, &area->free_list)
    const head = area.free_list;
    const first = next[head];
    next[buddy] = first;
    prev[buddy] = head;
    prev[first] = buddy;
    next[head] = buddy;
    area.nr_free++;
    // set_page_order(buddy, high)
    priv[buddy] = high;
    flags[buddy] |= PRIVATE;
  }
  return pfn;
}

/**
 * __rmqueue: take the first block of the smallest order >= `order` that has one, split it with
 * expand, and return its head pfn; -1 when no order has a free block. free_pages drops by 2^order.
 */
export function __rmqueue(m: MemMap, zone: Zone, order: number): number {
  const next = m.lru_next;
  const prev = m.lru_prev;
  const free_area = zone.free_area;
  for (let current = order; current < MAX_ORDER; current++) {
    const area = free_area[current];
    const head = area.free_list;
    const pfn = next[head];
    if (pfn === head) continue;
    // list_del(&page->lru): pfn is the first entry, so its prev is the head
    const nx = next[pfn];
    next[head] = nx;
    prev[nx] = head;
    next[pfn] = LIST_POISON;
    prev[pfn] = LIST_POISON;
    // rmv_page_order(page)
    m.flags[pfn] &= ~PRIVATE;
    m.private[pfn] = 0;
    area.nr_free--;
    zone.free_pages -= 1 << order;
    return current === order ? pfn : expand(m, zone, pfn, order, current);
  }
  return -1;
}

/**
 * rmqueue_bulk: move up to `count` order-`order` blocks from the buddy lists to the tail of list
 * `list`; returns how many were moved.
 */
export function rmqueue_bulk(m: MemMap, zone: Zone, order: number, count: number, list: number): number {
  let allocated = 0;
  for (let i = 0; i < count; i++) {
    const pfn = __rmqueue(m, zone, order);
    if (pfn < 0) break;
    allocated++;
    list_add_tail(m, pfn, list);
  }
  return allocated;
}

/**
 * __free_pages_bulk: give the order-`order` block at `pfn` back to the buddy system, merging it
 * with its free buddy (index page_idx ^ (1 << order), relative to the zone start) as long as
 * one exists, and put the result at the head of its free list. The caller has checked alignment
 * and range (the kernel's BUG_ONs). (bad_range, page_is_buddy, list_del, rmv_page_order,
 * set_page_order and list_add written out on local columns: the merge loop is a hot path.)
 */
export function __free_pages_bulk(m: MemMap, pfn: number, zone: Zone, order: number): void {
  const base = zone.zone_start_pfn;
  const end = base + zone.spanned_pages;
  const flags = m.flags;
  const priv = m.private;
  const count = m._count;
  const next = m.lru_next;
  const prev = m.lru_prev;
  const free_area = zone.free_area;
  const nodezone = zone.nodezone;
  let page_idx = pfn - base;
  zone.free_pages += 1 << order;
  while (order < MAX_ORDER - 1) {
    const buddy_idx = page_idx ^ (1 << order);
    const buddy = base + buddy_idx;
    // bad_range(zone, buddy)
    if (buddy >= end || buddy < base) break;
    const f = flags[buddy];
    if (f >>> NODEZONE_SHIFT !== nodezone) break;
    // page_is_buddy(buddy, order)
    if ((f & (PRIVATE | RESERVED)) !== PRIVATE || priv[buddy] !== order || count[buddy] !== -1) break;
    // list_del(&buddy->lru)
    const nx = next[buddy];
    const pv = prev[buddy];
    next[pv] = nx;
    prev[nx] = pv;
    next[buddy] = LIST_POISON;
    prev[buddy] = LIST_POISON;
    free_area[order].nr_free--;
    // rmv_page_order(buddy)
    flags[buddy] = f & ~PRIVATE;
    priv[buddy] = 0;
    page_idx &= buddy_idx;
    order++;
  }
  const coalesced = base + page_idx;
  // set_page_order(coalesced, order); list_add(&coalesced->lru, &area->free_list)
  priv[coalesced] = order;
  flags[coalesced] |= PRIVATE;
  const area = free_area[order];
  const head = area.free_list;
  const first = next[head];
  next[coalesced] = first;
  prev[coalesced] = head;
  prev[first] = coalesced;
  next[head] = coalesced;
  area.nr_free++;
}

/**
 * free_pages_bulk: return up to `count` order-`order` blocks from the **tail** of `list` to the
 * buddy system; clears the zone's reclaim-stall markers; returns how many were freed.
 */
export function free_pages_bulk(m: MemMap, zone: Zone, count: number, list: number, order: number): number {
  let ret = 0;
  zone.all_unreclaimable = 0;
  zone.pages_scanned = 0;
  const prev = m.lru_prev;
  while (!list_empty(m, list) && count-- > 0) {
    const pfn = prev[list];
    list_del(m, pfn);
    __free_pages_bulk(m, pfn, zone, order);
    ret++;
  }
  return ret;
}
