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
import { PG_dirty, PG_slab, PG_writeback } from "./page-flags.js";
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
 * What /proc/meminfo reads from the layers above the page allocator (get_vmalloc_info and
 * VMALLOC_TOTAL from vmalloc, vm_committed_space and nr_page_table_pages from the process layer).
 * A layer that is not there leaves its field out: no vmalloc area, nothing committed, no user
 * page tables.
 */
export interface MeminfoSources {
  /** VMALLOC_END - VMALLOC_START, bytes (default: the allocator's layout). */
  readonly vmalloc_total?: number;
  /** get_vmalloc_info's used: the size of every vm_struct in the vmalloc range, guard pages included, bytes. */
  readonly vmalloc_used?: number;
  /** get_vmalloc_info's largest_chunk: the largest gap between areas (or before VMALLOC_END), bytes. */
  readonly vmalloc_largest_chunk?: number;
  /** vm_committed_space, pages. */
  readonly committed_pages?: number;
  /** page_state.nr_page_table_pages: user page-table pages, pages. */
  readonly nr_page_table_pages?: number;
}

/** sysctl_overcommit_ratio's default (mm/mmap.c): CommitLimit is this share of RAM plus swap. */
export const SYSCTL_OVERCOMMIT_RATIO = 50;

/**
 * /proc/meminfo as 2.6.11's meminfo_read_proc prints it (fs/proc/proc_misc.c): its 23 lines in
 * its "%-14s%8lu kB" format, each computed. From the page allocator: totals and free (si_meminfo),
 * high and low, the zones' active/inactive counts (get_zone_counts; the model keeps no LRU, so
 * they stay 0), and get_page_state's counters read off mem_map: Dirty (PG_dirty pages of a file
 * mapping: the pages set_page_dirty accounted), Writeback (PG_writeback), Mapped (pages with a
 * mapcount: nr_mapped), Slab (PG_slab pages: nr_slab). Buffers and Cached come from the page
 * cache's counters (no swap cache: SwapCached, SwapTotal and SwapFree are 0, as without a swap
 * device); CommitLimit is totalram * overcommit_ratio / 100 + swap. The vmalloc figures and
 * Committed_AS / PageTables come from `more` (vmalloc with no area: Used 0, Chunk = Total).
 * No hugetlb lines (CONFIG_HUGETLBFS off).
 */
export function meminfo(pa: PageAllocator, more: MeminfoSources = {}): string {
  const K = (pages: number) => pages * 4;
  const line = (name: string, kb: number) => `${`${name}:`.padEnd(14)}${pad(kb, 8)} kB\n`;
  const free = pa.nr_free_pages();
  const freehigh = pa.nr_free_highpages();
  const pc = pa.page_cache_counters;
  const bufferram = pc ? pc.nr_blockdev_pages() : 0;
  const cached = pc ? pc.get_page_cache_size() - bufferram : 0;
  let active = 0;
  let inactive = 0;
  for (const z of pa.zones) {
    active += z.nr_active;
    inactive += z.nr_inactive;
  }
  const ps = page_state_counts(pa);
  const vmTotal = more.vmalloc_total ?? pa.layout.VMALLOC_END - pa.layout.VMALLOC_START;
  const allowed = Math.floor((pa.totalram_pages * SYSCTL_OVERCOMMIT_RATIO) / 100);
  return (
    line("MemTotal", K(pa.totalram_pages)) +
    line("MemFree", K(free)) +
    line("Buffers", K(bufferram)) +
    line("Cached", K(cached)) +
    line("SwapCached", 0) +
    line("Active", K(active)) +
    line("Inactive", K(inactive)) +
    line("HighTotal", K(pa.totalhigh_pages)) +
    line("HighFree", K(freehigh)) +
    line("LowTotal", K(pa.totalram_pages - pa.totalhigh_pages)) +
    line("LowFree", K(free - freehigh)) +
    line("SwapTotal", 0) +
    line("SwapFree", 0) +
    line("Dirty", K(ps.nr_dirty)) +
    line("Writeback", K(ps.nr_writeback)) +
    line("Mapped", K(ps.nr_mapped)) +
    line("Slab", K(ps.nr_slab)) +
    line("CommitLimit", K(allowed)) +
    line("Committed_AS", K(more.committed_pages ?? 0)) +
    line("PageTables", K(more.nr_page_table_pages ?? 0)) +
    line("VmallocTotal", Math.floor(vmTotal / 1024)) +
    line("VmallocUsed", Math.floor((more.vmalloc_used ?? 0) / 1024)) +
    line("VmallocChunk", Math.floor((more.vmalloc_largest_chunk ?? vmTotal) / 1024))
  );
}

/**
 * get_page_state's counters that the model derives from mem_map instead of keeping them in
 * per-CPU page_state: 2.6.11 moves each one exactly where the page's state changes (inc/dec of
 * nr_dirty with PG_dirty on a mapped file page, nr_writeback with PG_writeback, nr_mapped when
 * the mapcount leaves/returns to -1, nr_slab in kmem_getpages/kmem_freepages), so the counts agree.
 */
export function page_state_counts(pa: PageAllocator): {
  nr_dirty: number;
  nr_writeback: number;
  nr_mapped: number;
  nr_slab: number;
} {
  const m = pa.mem_map;
  const DIRTY = 1 << PG_dirty;
  const WB = 1 << PG_writeback;
  const SLAB = 1 << PG_slab;
  let nr_dirty = 0;
  let nr_writeback = 0;
  let nr_mapped = 0;
  let nr_slab = 0;
  const n = m.flags.length;
  for (let p = 0; p < n; p++) {
    const f = m.flags[p]!;
    if (f & DIRTY && m.mapping[p] !== 0 && (m.mapping[p]! & 1) === 0) nr_dirty++;
    if (f & WB) nr_writeback++;
    if (f & SLAB) nr_slab++;
    if (m._mapcount[p]! >= 0) nr_mapped++;
  }
  return { nr_dirty, nr_writeback, nr_mapped, nr_slab };
}

/** The type column of /proc/pagetypeinfo's one row per zone: the model's label, not a 6.1 migrate type. */
export const PAGETYPEINFO_MODEL_TYPE = "i386mm:all";

/**
 * /proc/pagetypeinfo's free-count table (6.1 format; the file appeared in 2.6.24, 2.6.11 has
 * none). 2.6.11 has no migrate types: each zone has one row, whose type is the model's own label
 * PAGETYPEINFO_MODEL_TYPE (every free block, whatever 6.1 would call it); the block order is what
 * a 6.1 kernel of the same paging mode prints.
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
      out += `Node ${pad(pgdat.node_id, 4)}, zone ${pad(zone.name, 8)}, type ${pad(PAGETYPEINFO_MODEL_TYPE, 12)} `;
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
    can_alloc.push(zone_watermark_ok(zone, o, zone.pages_min, zone.idx, false, false));
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
  const gfp_high = (gfp_mask & __GFP_HIGH) !== 0;
  const out: boolean[] = [];
  for (let o = 0; o < MAX_ORDER; o++)
    out.push(
      zones.some((z) => zone_watermark_ok(z, o, z.pages_min, classzone_idx, can_try_harder, gfp_high)),
    );
  return out;
}
