import { describe, expect, it } from "vitest";
import {
  __free_pages_bulk,
  __rmqueue,
  bad_range,
  expand,
  page_is_buddy,
  rmqueue_bulk,
  rmv_page_order,
  set_page_order,
} from "../src/buddy.js";
import { GFP_KERNEL } from "../src/gfp.js";
import { checkPageAllocInvariants } from "../src/invariants.js";
import { list_entries, MemMap } from "../src/mem-map.js";
import { MAX_ORDER, pg_data_t, Zone } from "../src/mmzone.js";
import { NODEZONE_SHIFT, PG_lru, PG_private, PG_reserved } from "../src/page-flags.js";
import { bootPA, MiB } from "./helpers.js";

/** A lone zone of `pages` frames starting at pfn `start`, all allocated (count 1). */
export function standaloneZone(pages: number, start = 0) {
  const m = new MemMap(start + pages, MAX_ORDER + 2);
  let h = start + pages;
  const pgdat = new pg_data_t(0, start);
  const zone = new Zone(pgdat, 1, start, pages, 1, 1, () => h++);
  m.flags.fill(zone.nodezone << 29);
  m._count.fill(-1);
  m._mapcount.fill(-1);
  return { m, zone };
}
const nr = (zone: Zone) => zone.free_area.map((a) => a.nr_free);

describe("buddy system", () => {
  it("merges a freed page with its free buddy at page_idx ^ (1 << order), up the orders", () => {
    const { m, zone } = standaloneZone(16);
    __free_pages_bulk(m, 4, zone, 0);
    expect(nr(zone).slice(0, 3)).toEqual([1, 0, 0]);
    __free_pages_bulk(m, 5, zone, 0); // buddy of 5 is 4: merge to order 1 at 4
    expect(nr(zone).slice(0, 3)).toEqual([0, 1, 0]);
    expect(list_entries(m, zone.free_area[1].free_list)).toEqual([4]);
    __free_pages_bulk(m, 6, zone, 1); // buddy of idx 6 (order 1) is 4: merge to order 2 at 4
    expect(nr(zone).slice(0, 3)).toEqual([0, 0, 1]);
    expect(page_is_buddy(m, 4, 2)).toBe(true);
    expect(page_is_buddy(m, 6, 1)).toBe(false);
    expect(zone.free_pages).toBe(4);
  });

  it("computes buddies relative to the zone start, not pfn 0", () => {
    const { m, zone } = standaloneZone(64, 1024 + 32);
    __free_pages_bulk(m, 1024 + 32 + 2, zone, 1);
    __free_pages_bulk(m, 1024 + 32 + 0, zone, 1);
    expect(list_entries(m, zone.free_area[2].free_list)).toEqual([1024 + 32]);
  });

  it("never merges past MAX_ORDER-1 or across the zone end", () => {
    const { m, zone } = standaloneZone(3072);
    for (let p = 0; p < 3072; p += 512) __free_pages_bulk(m, p, zone, 9);
    expect(zone.free_area[10].nr_free).toBe(3);
    expect(zone.free_area[9].nr_free).toBe(0);
    expect(list_entries(m, zone.free_area[10].free_list)).toEqual([2048, 1024, 0]); // list_add: newest first
  });

  it("an order-k request takes the first block of the smallest order that has one", () => {
    const { m, zone } = standaloneZone(2048);
    __free_pages_bulk(m, 0, zone, 10);
    __free_pages_bulk(m, 1024 + 8, zone, 3);
    expect(__rmqueue(m, zone, 3)).toBe(1024 + 8); // no split needed
    expect(nr(zone)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(__rmqueue(m, zone, 10)).toBe(0); // an order-10 request splits nothing
    expect(nr(zone)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("expand splits only what it must: one block per order k..n-1, lowest address handed out", () => {
    const { m, zone } = standaloneZone(1024);
    __free_pages_bulk(m, 0, zone, 10);
    expect(__rmqueue(m, zone, 4)).toBe(0);
    expect(nr(zone)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0]);
    for (let o = 4; o < 10; o++) expect(list_entries(m, zone.free_area[o].free_list)).toEqual([1 << o]);
    expect(zone.free_pages).toBe(1024 - 16);
    // freeing it back restores the single order-10 block
    __free_pages_bulk(m, 0, zone, 4);
    expect(nr(zone)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(zone.free_pages).toBe(1024);
  });

  it("expand puts each upper half at the head of its list", () => {
    const { m, zone } = standaloneZone(16);
    __free_pages_bulk(m, 8, zone, 1);
    expect(expand(m, zone, 0, 0, 3)).toBe(0);
    expect(list_entries(m, zone.free_area[1].free_list)).toEqual([2, 8]);
  });

  it("__rmqueue returns -1 when nothing large enough is free", () => {
    const { m, zone } = standaloneZone(16);
    __free_pages_bulk(m, 0, zone, 2);
    expect(__rmqueue(m, zone, 3)).toBe(-1);
  });

  it("through the allocator: order 10 then freeing leaves the free lists as before", () => {
    const pa = bootPA(64 * MiB, { flat: true });
    const normal = pa.node_data[0].node_zones[1];
    const before = nr(normal);
    const p = pa.alloc_pages(GFP_KERNEL, 10)!;
    expect((p - normal.zone_start_pfn) % 1024).toBe(0);
    expect(nr(normal)[10]).toBe(before[10] - 1);
    pa.__free_pages(p, 10);
    expect(nr(normal)).toEqual(before);
    checkPageAllocInvariants(pa);
  });
});

/** A zone of `pages` frames at pfn `start` inside a mem_map of `total` frames, every frame of this zone's NODEZONE. */
function zoneInLargerMap(start: number, pages: number, total: number) {
  const m = new MemMap(total, MAX_ORDER + 2);
  let h = total;
  const zone = new Zone(new pg_data_t(0, 0), 1, start, pages, 1, 1, () => h++);
  m.flags.fill(zone.nodezone << NODEZONE_SHIFT);
  m._count.fill(-1);
  m._mapcount.fill(-1);
  return { m, zone };
}
/** Make `pfn` look like the head of a free order-`order` block to page_is_buddy. */
function looksFree(m: MemMap, pfn: number, order: number) {
  m.flags[pfn] |= 1 << PG_private;
  m.private[pfn] = order;
  m._count[pfn] = -1;
}
const OTHER_ZONE = 2 << NODEZONE_SHIFT; // node 0, ZONE_HIGHMEM

describe("buddy system edges (bad_range, page_is_buddy, page order marks)", () => {
  it("bad_range: a pfn outside [zone_start_pfn, zone_start_pfn + spanned_pages) or of another zone", () => {
    const { m, zone } = zoneInLargerMap(64, 32, 128);
    expect([63, 64, 95, 96, 127].map((pfn) => bad_range(m, zone, pfn))).toEqual([
      true,
      false,
      false,
      true,
      true,
    ]);
    m.flags[70] = OTHER_ZONE;
    expect(bad_range(m, zone, 70)).toBe(true);
    expect(bad_range(m, zone, 71)).toBe(false);
  });

  it("set_page_order and rmv_page_order change PG_private and private only", () => {
    const { m, zone } = zoneInLargerMap(0, 16, 16);
    const flags = (zone.nodezone << NODEZONE_SHIFT) | (1 << PG_lru);
    m.flags[3] = flags;
    set_page_order(m, 3, 5);
    expect([m.flags[3], m.private[3]]).toEqual([(flags | (1 << PG_private)) >>> 0, 5]);
    rmv_page_order(m, 3);
    expect([m.flags[3], m.private[3]]).toEqual([flags >>> 0, 0]);
  });

  it("page_is_buddy wants all of PG_private, private == order, no PG_reserved and a zero count", () => {
    const { m } = zoneInLargerMap(0, 16, 16);
    looksFree(m, 8, 3);
    expect(page_is_buddy(m, 8, 3)).toBe(true);
    expect(page_is_buddy(m, 8, 2)).toBe(false); // a free block of another order
    m._count[8] = 0; // allocated (page_count 1), e.g. a page with buffers: PG_private, private = a pointer
    expect(page_is_buddy(m, 8, 3)).toBe(false);
    m._count[8] = -1;
    m.flags[8] |= 1 << PG_reserved;
    expect(page_is_buddy(m, 8, 3)).toBe(false);
    m.flags[8] &= ~(1 << PG_reserved);
    m.flags[8] &= ~(1 << PG_private);
    expect(page_is_buddy(m, 8, 3)).toBe(false); // private == order by chance, but no PG_private
  });

  it("__free_pages_bulk never merges across the zone end, even with a free-looking page there", () => {
    // mem_map runs on past the zone with frames of the same NODEZONE: only bad_range's bound stops the merge
    const { m, zone } = zoneInLargerMap(0, 16, 64);
    looksFree(m, 16, 4);
    __free_pages_bulk(m, 0, zone, 4);
    expect(list_entries(m, zone.free_area[4].free_list)).toEqual([0]);
    expect(nr(zone)[5]).toBe(0);
    expect(page_is_buddy(m, 16, 4)).toBe(true); // left alone
    expect(zone.free_pages).toBe(16);
  });

  it("__free_pages_bulk never merges with a frame of another zone inside the span", () => {
    const { m, zone } = zoneInLargerMap(0, 32, 32);
    for (let pfn = 16; pfn < 32; pfn++) m.flags[pfn] = OTHER_ZONE;
    looksFree(m, 16, 4);
    __free_pages_bulk(m, 0, zone, 4);
    expect(list_entries(m, zone.free_area[4].free_list)).toEqual([0]);
    expect(nr(zone)[5]).toBe(0);
  });

  it("__free_pages_bulk: an allocated PG_private page whose private equals the order is no buddy", () => {
    const { m, zone } = standaloneZone(16);
    looksFree(m, 4, 2);
    m._count[4] = 0; // in use: buffer heads' PG_private, page->private happening to read 2
    __free_pages_bulk(m, 0, zone, 2);
    expect(list_entries(m, zone.free_area[2].free_list)).toEqual([0]);
    expect(nr(zone)[3]).toBe(0);
    expect(m._count[4]).toBe(0);
  });

  it("rmqueue_bulk hands out pfn 0 like any other frame", () => {
    const { m, zone } = standaloneZone(4);
    __free_pages_bulk(m, 0, zone, 2);
    const list = zone.pageset[0].pcp[0].list;
    expect(rmqueue_bulk(m, zone, 0, 4, list)).toBe(4);
    expect(list_entries(m, list)).toEqual([0, 1, 2, 3]);
    expect(rmqueue_bulk(m, zone, 0, 1, list)).toBe(0);
    expect(zone.free_pages).toBe(0);
  });
});
