/**
 * /proc views of the page allocator and the kernel's fragmentation measures, as text.
 * Models mm/page_alloc.c: frag_show (/proc/buddyinfo, 2.6.11), zoneinfo_show (/proc/zoneinfo as
 * first added in 2.6.13, the version with hot/cold lists), fs/proc/proc_misc.c: meminfo_read_proc
 * (2.6.11 line format), and 6.1's mm/vmstat.c: pagetypeinfo_showfree, unusable_show_print
 * (unusable free space index) and extfrag_show_print (__fragmentation_index).
 * Read-only: nothing here changes allocator state. Line formats match the kernel byte for byte;
 * the README lists where a field is absent from the model or the format is 6.1's.
 */
import { __GFP_HIGH, __GFP_WAIT, GFP_KERNEL, GFP_ZONEMASK } from "./gfp.js";
import { MAX_ORDER, type pg_data_t, type Zone } from "./mmzone.js";
import type { PageAllocator } from "./page-alloc.js";
import { zone_watermark_ok } from "./watermark.js";

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** /proc/buddyinfo: "Node %d, zone %8s " + MAX_ORDER x "%6lu " per populated zone. */
export function buddyinfo(nodes: readonly pg_data_t[]): string {
  let out = "";
  for (const pgdat of nodes) {
    for (const zone of pgdat.node_zones) {
      if (!zone.present_pages) continue;
      out += `Node ${pgdat.node_id}, zone ${pad(zone.name, 8)} `;
      for (let o = 0; o < MAX_ORDER; o++) out += `${pad(zone.free_area[o].nr_free, 6)} `;
      out += "\n";
    }
  }
  return out;
}

/** /proc/zoneinfo in its first (2.6.13, hot/cold pcp) format, with this model's fields. */
export function zoneinfo(nodes: readonly pg_data_t[]): string {
  let out = "";
  for (const pgdat of nodes) {
    for (const zone of pgdat.node_zones) {
      if (!zone.present_pages) continue;
      out += `Node ${pgdat.node_id}, zone ${pad(zone.name, 8)}`;
      out +=
        `\n  pages free     ${zone.free_pages}` +
        `\n        min      ${zone.pages_min}` +
        `\n        low      ${zone.pages_low}` +
        `\n        high     ${zone.pages_high}` +
        `\n        active   ${zone.nr_active}` +
        `\n        inactive ${zone.nr_inactive}` +
        `\n        scanned  ${zone.pages_scanned} (a: 0 i: 0)` +
        `\n        spanned  ${zone.spanned_pages}` +
        `\n        present  ${zone.present_pages}`;
      out += `\n        protection: (${zone.lowmem_reserve.join(", ")})`;
      out += "\n  pagesets";
      zone.pageset.forEach((pset, cpu) => {
        if (pset.pcp[0].count === 0 && pset.pcp[1].count === 0) return;
        pset.pcp.forEach((pcp, j) => {
          out +=
            `\n    cpu: ${cpu} pcp: ${j}` +
            `\n              count: ${pcp.count}` +
            `\n              low:   ${pcp.low}` +
            `\n              high:  ${pcp.high}` +
            `\n              batch: ${pcp.batch}`;
        });
      });
      out +=
        `\n  all_unreclaimable: ${zone.all_unreclaimable}` +
        `\n  prev_priority:     ${zone.prev_priority}` +
        `\n  temp_priority:     ${zone.temp_priority}` +
        `\n  start_pfn:         ${zone.zone_start_pfn}`;
      out += "\n";
    }
  }
  return out;
}

/**
 * /proc/meminfo's memory lines in 2.6.11's format ("%-14s%8lu kB"): totals and free, the page
 * cache's Buffers (block-device pages) and Cached (the other page-cache pages; no swap cache), high
 * and low. Buffers and Cached are 0 until a page cache registers its counters.
 */
export function meminfo(pa: PageAllocator): string {
  const K = (pages: number) => pages * 4;
  const line = (name: string, pages: number) => `${`${name}:`.padEnd(14)}${pad(K(pages), 8)} kB\n`;
  const free = pa.nr_free_pages();
  const freehigh = pa.nr_free_highpages();
  const pc = pa.page_cache_counters;
  const bufferram = pc ? pc.nr_blockdev_pages() : 0;
  const cached = pc ? pc.get_page_cache_size() - bufferram : 0;
  return (
    line("MemTotal", pa.totalram_pages) +
    line("MemFree", free) +
    line("Buffers", bufferram) +
    line("Cached", cached) +
    line("HighTotal", pa.totalhigh_pages) +
    line("HighFree", freehigh) +
    line("LowTotal", pa.totalram_pages - pa.totalhigh_pages) +
    line("LowFree", free - freehigh)
  );
}

/**
 * /proc/pagetypeinfo's free-count table (6.1 format). 2.6.11 has no migrate types: each zone has
 * one row, labelled "all"; the block order is what a 6.1 kernel of the same paging mode prints.
 */
export function pagetypeinfo(nodes: readonly pg_data_t[], pae: boolean): string {
  const blockOrder = pae ? 9 : 10;
  let out = `Page block order: ${blockOrder}\nPages per block:  ${1 << blockOrder}\n\n`;
  out += `${"Free pages count per migrate type at order".padEnd(43)} `;
  for (let o = 0; o < MAX_ORDER; o++) out += `${pad(o, 6)} `;
  out += "\n";
  for (const pgdat of nodes) {
    for (const zone of pgdat.node_zones) {
      if (!zone.present_pages) continue;
      out += `Node ${pad(pgdat.node_id, 4)}, zone ${pad(zone.name, 8)}, type ${pad("all", 12)} `;
      for (let o = 0; o < MAX_ORDER; o++) {
        const n = zone.free_area[o].nr_free;
        out += n >= 100000 ? `>${pad(100000, 6)} ` : `${pad(n, 6)} `;
      }
      out += "\n";
    }
  }
  return out;
}

/** fill_contig_page_info: free pages, free blocks, and blocks usable for an order-`order` request. */
export interface ContigPageInfo {
  /** Pages in the buddy lists. */
  readonly free_pages: number;
  /** Free blocks of any order. */
  readonly free_blocks_total: number;
  /** Order-`order` blocks the free blocks of order >= `order` could provide. */
  readonly free_blocks_suitable: number;
}

/**
 * The free-block counts of a zone (free_area[o].nr_free for o = 0..MAX_ORDER-1), or the counts
 * themselves: the fragmentation measures below read nothing else, so a replay can compute them
 * from counts it recorded earlier.
 */
export type FreeCounts = Zone | ArrayLike<number>;

function nrFree(counts: FreeCounts, o: number): number {
  return "free_area" in counts ? counts.free_area[o].nr_free : (counts[o] ?? 0);
}

/** mm/vmstat.c: fill_contig_page_info (of a zone, or of its free-block counts). */
export function fill_contig_page_info(zone: FreeCounts, order: number): ContigPageInfo {
  let free_pages = 0;
  let free_blocks_total = 0;
  let free_blocks_suitable = 0;
  for (let o = 0; o < MAX_ORDER; o++) {
    const blocks = nrFree(zone, o);
    free_blocks_total += blocks;
    free_pages += blocks * 2 ** o;
    if (o >= order) free_blocks_suitable += blocks * 2 ** (o - order);
  }
  return { free_pages, free_blocks_total, free_blocks_suitable };
}

/** unusable_free_index x 1000: the share of free memory in blocks too small for `order` (1000 when none is free). */
export function unusable_free_index(zone: FreeCounts, order: number): number {
  const info = fill_contig_page_info(zone, order);
  if (info.free_pages === 0) return 1000;
  return Math.floor(((info.free_pages - info.free_blocks_suitable * 2 ** order) * 1000) / info.free_pages);
}

/**
 * __fragmentation_index x 1000: 0 = a failure would be for lack of memory, 1000 = for
 * fragmentation; -1000 when an order-`order` block is free (the allocation would succeed).
 */
export function fragmentation_index(zone: FreeCounts, order: number): number {
  const info = fill_contig_page_info(zone, order);
  const requested = 2 ** order;
  if (!info.free_blocks_total) return 0;
  if (info.free_blocks_suitable) return -1000;
  return (
    1000 - Math.floor((1000 + Math.floor((info.free_pages * 1000) / requested)) / info.free_blocks_total)
  );
}

/** An index x 1000 as debugfs prints it: "%d.%03d" with the integer part padded to `width` ("0.250", "-1.000"). */
export function fixed3(index: number, width = 1): string {
  const whole = Math.trunc(index / 1000);
  const frac = Math.abs(index % 1000);
  return `${pad(whole === 0 && index < 0 ? "-0" : whole, width)}.${String(frac).padStart(3, "0")}`;
}

/** debugfs extfrag/unusable_index: "Node %d, zone %8s " + "%d.%03d " per order. */
export function unusable_index(nodes: readonly pg_data_t[]): string {
  let out = "";
  for (const pgdat of nodes) {
    for (const zone of pgdat.node_zones) {
      if (!zone.present_pages) continue;
      out += `Node ${pgdat.node_id}, zone ${pad(zone.name, 8)} `;
      for (let o = 0; o < MAX_ORDER; o++) out += `${fixed3(unusable_free_index(zone, o), 1)} `;
      out += "\n";
    }
  }
  return out;
}

/** debugfs extfrag/extfrag_index: "Node %d, zone %8s " + "%2d.%03d " per order. */
export function extfrag_index(nodes: readonly pg_data_t[]): string {
  let out = "";
  for (const pgdat of nodes) {
    for (const zone of pgdat.node_zones) {
      if (!zone.present_pages) continue;
      out += `Node ${pgdat.node_id}, zone ${pad(zone.name, 8)} `;
      for (let o = 0; o < MAX_ORDER; o++) out += `${fixed3(fragmentation_index(zone, o), 2)} `;
      out += "\n";
    }
  }
  return out;
}

// ---------------------------------------------------------------- /proc/fraginfo's external half

/**
 * One zone's external fragmentation at this moment (the model's /proc/fraginfo; the kernel
 * spreads the same figures over buddyinfo and debugfs extfrag/{unusable,extfrag}_index).
 */
export interface ZoneFragmentation {
  readonly node: number;
  readonly zone: string;
  /** Pages in the buddy lists (zone->free_pages: per-CPU list pages are not free to the buddy). */
  readonly free_pages: number;
  /** Pages on the per-CPU hot and cold lists of every CPU (free, but only for order-0 requests). */
  readonly pcp_pages: number;
  /** Free blocks per order 0..10 (free_area[o].nr_free). */
  readonly nr_free: readonly number[];
  /** Free pages per order 0..10 (nr_free[o] << o). */
  readonly free_pages_by_order: readonly number[];
  /** Order of the largest free block, -1 when the buddy lists are empty. */
  readonly largest_order: number;
  /** Unusable free space index x 1000 per order 0..10 (unusable_free_index). */
  readonly unusable: readonly number[];
  /** Fragmentation index x 1000 per order 0..10 (__fragmentation_index; -1000 = a block is free). */
  readonly extfrag: readonly number[];
  /**
   * Per order 0..10: would an order-N GFP_KERNEL request aimed at this zone be served now, without
   * reclaim? zone_watermark_ok(zone, N, pages_min, own class, no __GFP_HIGH): __alloc_pages' second
   * pass (the first pass asks for pages_low, then kswapd is woken and pages_min is enough).
   */
  readonly can_alloc: readonly boolean[];
  readonly pages_min: number;
}

/** The external fragmentation figures of one populated zone. */
export function zone_fragmentation(zone: Zone): ZoneFragmentation {
  const nr_free: number[] = [];
  const free_pages_by_order: number[] = [];
  const unusable: number[] = [];
  const extfrag: number[] = [];
  const can_alloc: boolean[] = [];
  let largest_order = -1;
  for (let o = 0; o < MAX_ORDER; o++) {
    const n = zone.free_area[o].nr_free;
    nr_free.push(n);
    free_pages_by_order.push(n * 2 ** o);
    if (n > 0) largest_order = o;
  }
  for (let o = 0; o < MAX_ORDER; o++) {
    unusable.push(unusable_free_index(nr_free, o));
    extfrag.push(fragmentation_index(nr_free, o));
    can_alloc.push(zone_watermark_ok(zone, o, zone.pages_min, zone.idx, 0, 0));
  }
  let pcp_pages = 0;
  for (const pset of zone.pageset) pcp_pages += pset.pcp[0].count + pset.pcp[1].count;
  return {
    node: zone.zone_pgdat.node_id,
    zone: zone.name,
    free_pages: zone.free_pages,
    pcp_pages,
    nr_free,
    free_pages_by_order,
    largest_order,
    unusable,
    extfrag,
    can_alloc,
    pages_min: zone.pages_min,
  };
}

/** zone_fragmentation of every populated zone, node by node. */
export function external_fragmentation(nodes: readonly pg_data_t[]): ZoneFragmentation[] {
  const out: ZoneFragmentation[] = [];
  for (const pgdat of nodes)
    for (const zone of pgdat.node_zones) if (zone.present_pages) out.push(zone_fragmentation(zone));
  return out;
}

/**
 * Per order 0..10: would alloc_pages(gfp_mask, N) on node `nid` be served now without reclaim?
 * Walks the node's zonelist for the mask as __alloc_pages' second pass does (pages_min, the first
 * zone's class for lowmem_reserve, __GFP_HIGH and !__GFP_WAIT relaxations). Reads only.
 */
export function would_alloc(pgdat: pg_data_t, gfp_mask: number = GFP_KERNEL): boolean[] {
  const zones = pgdat.node_zonelists[gfp_mask & GFP_ZONEMASK]?.zones ?? [];
  const classzone_idx = zones[0]?.idx ?? 0;
  const can_try_harder = (gfp_mask & __GFP_WAIT) === 0;
  const gfp_high = gfp_mask & __GFP_HIGH;
  const out: boolean[] = [];
  for (let o = 0; o < MAX_ORDER; o++)
    out.push(
      zones.some((z) => zone_watermark_ok(z, o, z.pages_min, classzone_idx, can_try_harder, gfp_high)),
    );
  return out;
}
