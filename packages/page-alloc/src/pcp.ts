/**
 * Per-CPU page frame caches: a hot and a cold list of order-0 pages per zone and per CPU.
 * Models the order-0 half of buffered_rmqueue and free_hot_cold_page in mm/page_alloc.c (2.6.11).
 * Invariants: count equals the length of the list; the list is refilled with `batch` pages at its
 * tail when count <= low, gives pages from its head, takes freed pages at its head, and spills
 * `batch` pages from its tail to the buddy lists when count >= high before a free. Pages on these
 * lists are not counted in zone.free_pages (they look allocated to the buddy system).
 */
import * as buddyModule from "./buddy.js";
import type { MemMap } from "./mem-map.js";
import * as memMapModule from "./mem-map.js";
import type { per_cpu_pages, Zone } from "./mmzone.js";

/*
 * The buddy and list helpers as this module's own consts: V8 folds those into optimized code, but
 * reads an imported binding through its module cell, with a TDZ check and a check of the callee,
 * at every call (bench/README.md, "Performance work for issue #18").
 */
const { free_pages_bulk, rmqueue_bulk } = buddyModule;
const { list_add, list_del } = memMapModule;

/** Hot list index in per_cpu_pageset.pcp. */
export const PCP_HOT = 0;
/** Cold list index in per_cpu_pageset.pcp. */
export const PCP_COLD = 1;

/**
 * The per-CPU step of buffered_rmqueue for order 0: refill when count <= low, then take the head
 * page. Returns its pfn, or -1 when the list stays empty (the caller then tries __rmqueue).
 */
export function pcp_rmqueue(m: MemMap, zone: Zone, pcp: per_cpu_pages): number {
  if (pcp.count <= pcp.low) pcp.count += rmqueue_bulk(m, zone, 0, pcp.batch, pcp.list);
  if (pcp.count === 0) return -1;
  const pfn = m.lru_next[pcp.list];
  list_del(m, pfn);
  pcp.count--;
  return pfn;
}

/** The list step of free_hot_cold_page: spill a batch when full, then add `pfn` at the head. */
export function pcp_free(m: MemMap, zone: Zone, pcp: per_cpu_pages, pfn: number): void {
  if (pcp.count >= pcp.high) pcp.count -= free_pages_bulk(m, zone, pcp.batch, pcp.list, 0);
  list_add(m, pfn, pcp.list);
  pcp.count++;
}

/** __drain_pages for one CPU: give every page on its hot and cold lists back to the buddy lists. */
export function drain_cpu_pages(m: MemMap, zones: readonly Zone[], cpu: number): void {
  for (const zone of zones) {
    const pset = zone.pageset[cpu];
    if (!pset) continue;
    for (const pcp of pset.pcp) pcp.count -= free_pages_bulk(m, zone, pcp.count, pcp.list, 0);
  }
}
