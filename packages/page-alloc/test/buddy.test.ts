import { describe, expect, it } from "vitest";
import { __free_pages_bulk, __rmqueue, expand, page_is_buddy } from "../src/buddy.js";
import { GFP_KERNEL } from "../src/gfp.js";
import { checkPageAllocInvariants } from "../src/invariants.js";
import { list_entries, MemMap } from "../src/mem-map.js";
import { MAX_ORDER, pg_data_t, Zone } from "../src/mmzone.js";
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
