/**
 * Nodes (pg_data_t) and zones (struct zone) with their buddy free areas and per-CPU page lists.
 * Models include/linux/mmzone.h and the zone set-up of mm/page_alloc.c (free_area_init_core,
 * zone_init_free_lists) in Linux 2.6.11.
 * Invariants: free_pages == sum over orders of nr_free << order (per-CPU pages are not free);
 * a zone spans [zone_start_pfn, zone_start_pfn + spanned_pages) and present_pages ==
 * spanned_pages (i386 passes no hole sizes); every list head is a MemMap slot past the frames.
 * Owned by the PageAllocator: only its buddy, pcp and watermark code change these fields.
 */
import { PAGE_SIZE } from "@i386mm/hw-i386";
import type { Page } from "./mem-map.js";

/*
 *  pg_data_t (node)  node_zones[ZONE_DMA | ZONE_NORMAL | ZONE_HIGHMEM], node_zonelists[0..2]
 *                         |
 *  struct zone       free_pages, pages_min/low/high, lowmem_reserve[3]
 *                    free_area[0..MAX_ORDER-1]          pageset[cpu].pcp[0 hot | 1 cold]
 *                     [0]  nr_free  head -> 1-page blocks      count low high batch  head -> pages
 *                     [1]  nr_free  head -> 2-page blocks
 *                     ...
 *                     [10] nr_free  head -> 1024-page blocks (4 MiB)
 *  Every list head is a slot of mem_map.lru_next/lru_prev past the last frame.
 */

/** Number of buddy orders: blocks of 2^0 .. 2^10 pages (4 KiB .. 4 MiB). */
export const MAX_ORDER = 11;
/** Zone index of ZONE_DMA (frames below 16 MiB). */
export const ZONE_DMA = 0;
/** Zone index of ZONE_NORMAL (16 MiB up to the lowmem limit). */
export const ZONE_NORMAL = 1;
/** Zone index of ZONE_HIGHMEM (above the lowmem limit). */
export const ZONE_HIGHMEM = 2;
/** Number of zone types per node. */
export const MAX_NR_ZONES = 3;
/** zone_names[] of mm/page_alloc.c. */
export const zone_names: readonly string[] = ["DMA", "Normal", "HighMem"];
/** Initial reclaim priority (mm/vmscan.c). */
export const DEF_PRIORITY = 12;
/** Pages per hashed wait queue (wait_table_size). */
export const PAGES_PER_WAITQUEUE = 256;

/** struct per_cpu_pages: one hot or cold list of order-0 pages of one zone on one CPU. */
export class per_cpu_pages {
  /** Number of pages on the list. */
  count = 0;
  /** Refill from the buddy lists when count <= low. */
  low: number;
  /** Spill `batch` pages back when count >= high on a free. */
  high: number;
  /** Pages moved per refill or spill. */
  batch: number;
  /** List head slot in mem_map.lru_next/lru_prev. */
  readonly list: number;
  /** An empty list with the given marks, linked through list-head slot `list`. */
  constructor(low: number, high: number, batch: number, list: number) {
    this.low = low;
    this.high = high;
    this.batch = batch;
    this.list = list;
  }
}

/** struct per_cpu_pageset: pcp[0] is the hot list, pcp[1] the cold list. */
export interface per_cpu_pageset {
  /** [hot list, cold list]. */
  readonly pcp: [per_cpu_pages, per_cpu_pages];
}

/** struct free_area: the free blocks of one order (nr_free counts blocks, not pages). */
export interface free_area {
  /** List head slot in mem_map.lru_next/lru_prev. */
  readonly free_list: number;
  /** Number of free blocks of this order. */
  nr_free: number;
}

/** struct zone. */
export class Zone {
  /** Pages in the buddy free lists (per-CPU list pages not included). */
  free_pages = 0;
  /** Watermark: below it only __GFP_HIGH / atomic / PF_MEMALLOC allocations proceed. */
  pages_min = 0;
  /** Watermark: below it kswapd is woken. */
  pages_low = 0;
  /** Watermark: kswapd reclaims until free pages reach it. */
  pages_high = 0;
  /** Pages kept back from allocations whose preferred zone is the index (setup_per_zone_lowmem_reserve). */
  readonly lowmem_reserve: number[] = [0, 0, 0];
  /** Per-CPU hot/cold page lists, one pageset per simulated CPU. */
  readonly pageset: per_cpu_pageset[];
  /**
   * The same lists, flat (the model's index, not a kernel field): pcp_lists[cpu * 2 + t] is
   * pageset[cpu].pcp[t]. The allocation and free paths reach a list through it in one array
   * load instead of three dependent ones.
   */
  readonly pcp_lists: per_cpu_pages[];
  /** Buddy free lists, orders 0..MAX_ORDER-1. */
  readonly free_area: free_area[];
  /** Reset on every free (free_pages_bulk); reclaim bookkeeping. */
  all_unreclaimable = 0;
  /** Reset on every free (free_pages_bulk); reclaim bookkeeping. */
  pages_scanned = 0;
  /** Pages on the active LRU list (no LRU in this layer: stays 0). */
  nr_active = 0;
  /** Pages on the inactive LRU list (no LRU in this layer: stays 0). */
  nr_inactive = 0;
  /** Reclaim priority scratch value. */
  temp_priority = DEF_PRIORITY;
  /** Reclaim priority of the last scan. */
  prev_priority = DEF_PRIORITY;
  /** Hashed page wait-queue table size (power of two in [4, 4096]). */
  wait_table_size = 0;
  /** log2(wait_table_size). */
  wait_table_bits = 0;
  /** The node this zone belongs to. */
  readonly zone_pgdat: pg_data_t;
  /** First page of the zone (zone_mem_map = pfn_to_page(zone_start_pfn)). */
  zone_mem_map: Page;
  /** First pfn of the zone. */
  zone_start_pfn: number;
  /** Pages spanned, holes included. */
  spanned_pages: number;
  /** Pages present (== spanned on i386, which passes no hole sizes). */
  present_pages: number;
  /** "DMA", "Normal" or "HighMem". */
  readonly name: string;
  /** Index within the node (ZONE_DMA, ZONE_NORMAL, ZONE_HIGHMEM). */
  readonly idx: number;
  /** NODEZONE(nid, idx): index in zone_table and the value in page->flags' top bits. */
  readonly nodezone: number;
  /** Pages handed out from this zone (the pgalloc_* page_state counter, in pages). */
  pgalloc = 0;
  /** wakeup_kswapd calls that found this zone below pages_low. */
  kswapd_wakeups = 0;

  /** Zone `idx` of `pgdat` over [start, start + size), with empty free lists and per-CPU lists of `batch`. */
  constructor(
    pgdat: pg_data_t,
    idx: number,
    start: number,
    size: number,
    batch: number,
    nrCpus: number,
    nextHead: () => number,
  ) {
    this.zone_pgdat = pgdat;
    this.idx = idx;
    this.nodezone = (pgdat.node_id << 2) | idx;
    this.name = zone_names[idx];
    this.zone_start_pfn = start;
    this.zone_mem_map = start as Page;
    this.spanned_pages = size;
    this.present_pages = size;
    this.free_area = [];
    for (let o = 0; o < MAX_ORDER; o++) this.free_area.push({ free_list: nextHead(), nr_free: 0 });
    this.pageset = [];
    this.pcp_lists = [];
    for (let cpu = 0; cpu < nrCpus; cpu++) {
      const hot = new per_cpu_pages(2 * batch, 6 * batch, batch, nextHead());
      const cold = new per_cpu_pages(0, 2 * batch, batch, nextHead());
      this.pageset.push({ pcp: [hot, cold] });
      this.pcp_lists.push(hot, cold);
    }
  }
}

/** struct zonelist: zones to try in order (the kernel's NULL terminator is the array end). */
export interface zonelist {
  /** The zones in fallback order (only zones with present pages). */
  readonly zones: Zone[];
}

/** pg_data_t (struct pglist_data): one memory node. */
export class pg_data_t {
  /** ZONE_DMA, ZONE_NORMAL, ZONE_HIGHMEM of this node (empty zones have present_pages 0). */
  readonly node_zones: Zone[] = [];
  /** Fallback lists indexed by gfp & GFP_ZONEMASK. */
  readonly node_zonelists: zonelist[] = [];
  /** 1 + index of the highest non-empty zone. */
  nr_zones = 0;
  /** First page of the node. */
  node_mem_map: Page;
  /** First pfn of the node. */
  readonly node_start_pfn: number;
  /** Pages present in the node. */
  node_present_pages = 0;
  /** Pages spanned by the node. */
  node_spanned_pages = 0;
  /** Node number. */
  readonly node_id: number;
  /** Next node on pgdat_list (null at the end). */
  pgdat_next: pg_data_t | null = null;
  /** Highest order a woken kswapd should reclaim for. */
  kswapd_max_order = 0;
  /** Times wakeup_kswapd woke this node's kswapd. */
  kswapd_wakeups = 0;

  /** Node `nid` starting at frame `startPfn`, with no zones yet. */
  constructor(nid: number, startPfn: number) {
    this.node_id = nid;
    this.node_start_pfn = startPfn;
    this.node_mem_map = startPfn as Page;
  }
}

/** mm/page_alloc.c: wait_table_size — hashed wait queues, one per 256 pages, clamped to [4, 4096]. */
export function wait_table_size(pages: number): number {
  let size = 1;
  const n = Math.floor(pages / PAGES_PER_WAITQUEUE);
  while (size < n) size *= 2; // not <<=: a JS int32 shift would wrap negative and never end
  size = Math.min(size, 4096);
  return Math.max(size, 4);
}

/** mm/page_alloc.c: the per-CPU batch size chosen in free_area_init_core. */
export function zone_batchsize(presentPages: number): number {
  let batch = Math.floor(presentPages / 1024);
  if (batch * PAGE_SIZE > 256 * 1024) batch = (256 * 1024) / PAGE_SIZE;
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  return batch;
}

/** is_highmem(zone). */
export function is_highmem(zone: Zone): boolean {
  return zone.idx === ZONE_HIGHMEM;
}
