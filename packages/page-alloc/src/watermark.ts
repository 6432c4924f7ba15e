/**
 * Watermarks, lowmem reserves and the free-page test every allocation pass applies.
 * Models mm/page_alloc.c of Linux 2.6.11: zone_watermark_ok, setup_per_zone_pages_min,
 * setup_per_zone_lowmem_reserve, init_per_zone_pages_min, nr_free_zone_pages and lib/int_sqrt.c.
 * Invariants: min_free_kbytes = int_sqrt(lowmem_kbytes * 16) clamped to [128, 65536];
 * lowmem zones share min_free_kbytes/4 pages in proportion to present_pages, HighMem gets
 * present/1024 clamped to [32, 128]; low = min*5/4, high = min*6/4 (truncating divisions);
 * lowmem_reserve ratios are {256, 32}. Re-running a setup function is how the sysctls act.
 */
import { GFP_USER, GFP_ZONEMASK } from "./gfp.js";
import { MAX_NR_ZONES, type pg_data_t, ZONE_HIGHMEM, type Zone } from "./mmzone.js";

/** SWAP_CLUSTER_MAX: the smallest HighMem pages_min. */
export const SWAP_CLUSTER_MAX = 32;
/** Default min_free_kbytes before init_per_zone_pages_min runs. */
export const DEFAULT_MIN_FREE_KBYTES = 1024;

/** lib/int_sqrt.c: floor(sqrt(x)) for a non-negative integer. */
export function int_sqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/**
 * zone_watermark_ok: would `z` still hold more than `mark` free pages (adjusted for __GFP_HIGH and
 * try-harder callers, plus lowmem_reserve[classzone_idx]) after an order-`order` allocation, with
 * enough of them in blocks of at least each lower order?
 */
export function zone_watermark_ok(
  z: Zone,
  order: number,
  mark: number,
  classzone_idx: number,
  can_try_harder: boolean,
  gfp_high: boolean,
): boolean {
  let min = mark;
  let free_pages = z.free_pages - (1 << order) + 1;
  // min is a page count (>= 0): the shifts are the kernel's truncating divisions, and keep this
  // function small enough for V8 to inline into every allocation pass
  if (gfp_high) min -= min >> 1;
  if (can_try_harder) min -= min >> 2;
  if (free_pages <= min + z.lowmem_reserve[classzone_idx]) return false;
  for (let o = 0; o < order; o++) {
    free_pages -= z.free_area[o].nr_free << o;
    min >>= 1;
    if (free_pages <= min) return false;
  }
  return true;
}

/** nr_free_zone_pages: sum over every node's zonelist `offset` of (present - pages_high) when positive. */
export function nr_free_zone_pages(pgdats: readonly pg_data_t[], offset: number): number {
  let sum = 0;
  for (const pgdat of pgdats) {
    for (const zone of pgdat.node_zonelists[offset].zones) {
      const size = zone.present_pages;
      const high = zone.pages_high;
      if (size > high) sum += size - high;
    }
  }
  return sum;
}

/** setup_per_zone_pages_min: pages_min/low/high of every zone from min_free_kbytes. */
export function setup_per_zone_pages_min(zones: readonly Zone[], min_free_kbytes: number): void {
  const pages_min = min_free_kbytes >> 2;
  let lowmem_pages = 0;
  for (const zone of zones) if (zone.idx !== ZONE_HIGHMEM) lowmem_pages += zone.present_pages;
  for (const zone of zones) {
    if (zone.idx === ZONE_HIGHMEM) {
      let min_pages = Math.floor(zone.present_pages / 1024);
      if (min_pages < SWAP_CLUSTER_MAX) min_pages = SWAP_CLUSTER_MAX;
      if (min_pages > 128) min_pages = 128;
      zone.pages_min = min_pages;
    } else {
      zone.pages_min = lowmem_pages === 0 ? 0 : Math.floor((pages_min * zone.present_pages) / lowmem_pages);
    }
    zone.pages_low = Math.floor((zone.pages_min * 5) / 4);
    zone.pages_high = Math.floor((zone.pages_min * 6) / 4);
  }
}

/**
 * setup_per_zone_lowmem_reserve: for each zone j and each lower zone idx, lowmem_reserve[j] of
 * idx = (pages of zones idx+1..j) / ratio[idx].
 */
export function setup_per_zone_lowmem_reserve(
  pgdats: readonly pg_data_t[],
  ratio: readonly number[] = [256, 32],
): void {
  for (const pgdat of pgdats) {
    for (let j = 0; j < MAX_NR_ZONES; j++) {
      const zone = pgdat.node_zones[j];
      let present_pages = zone.present_pages;
      zone.lowmem_reserve[j] = 0;
      for (let idx = j - 1; idx >= 0; idx--) {
        const lower_zone = pgdat.node_zones[idx];
        lower_zone.lowmem_reserve[j] = Math.floor(present_pages / ratio[idx]);
        present_pages += lower_zone.present_pages;
      }
    }
  }
}

/** The min_free_kbytes formula of init_per_zone_pages_min: int_sqrt(lowmem_kbytes * 16) in [128, 65536]. */
export function min_free_kbytes_for(lowmem_kbytes: number): number {
  let k = int_sqrt(lowmem_kbytes * 16);
  if (k < 128) k = 128;
  if (k > 65536) k = 65536;
  return k;
}

/**
 * init_per_zone_pages_min (module_init): min_free_kbytes from the lowmem size (the free pages of
 * the GFP_USER zonelists), then every zone's watermarks and lowmem_reserve. Returns min_free_kbytes.
 */
export function init_per_zone_pages_min(
  pgdats: readonly pg_data_t[],
  zones: readonly Zone[],
  ratio: readonly number[],
): number {
  const lowmem_kbytes = nr_free_zone_pages(pgdats, GFP_USER & GFP_ZONEMASK) * 4;
  const min_free_kbytes = min_free_kbytes_for(lowmem_kbytes);
  setup_per_zone_pages_min(zones, min_free_kbytes);
  setup_per_zone_lowmem_reserve(pgdats, ratio);
  return min_free_kbytes;
}
