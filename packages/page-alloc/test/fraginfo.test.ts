/*
 * The external half of /proc/fraginfo (proc.ts: zone_fragmentation, external_fragmentation,
 * would_alloc) and get_order's record (get-order.ts), every figure checked against values worked
 * out by hand on small crafted zones: free blocks of known orders, no free pages, all memory free.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { get_order } from "../src/get-order.js";
import { __GFP_NORETRY, __GFP_NOWARN, GFP_ATOMIC, GFP_KERNEL } from "../src/gfp.js";
import { MAX_ORDER, pg_data_t, ZONE_DMA, ZONE_NORMAL, Zone } from "../src/mmzone.js";
import { fragmentation_index, unusable_free_index, would_alloc, zone_fragmentation } from "../src/proc.js";
import { bootPA, MiB } from "./helpers.js";

/** A zone of `size` pages whose free lists hold `counts[o]` blocks of order o (nothing else set). */
function craftedZone(
  pgdat: pg_data_t,
  idx: number,
  size: number,
  counts: readonly number[],
  pages_min: number,
): Zone {
  let head = 1;
  const z = new Zone(pgdat, idx, idx === ZONE_DMA ? 0 : 4096, size, 1, 1, () => head++);
  counts.forEach((n, o) => {
    z.free_area[o].nr_free = n;
  });
  z.free_pages = counts.reduce((a, n, o) => a + n * 2 ** o, 0);
  z.pages_min = pages_min;
  return z;
}

const orders = (v: number) => Array.from({ length: MAX_ORDER }, () => v);

describe("zone_fragmentation on crafted zones (hand-computed)", () => {
  it("free blocks of known orders: 4 x order 0, 2 x order 1, 1 x order 3 (16 pages, 7 blocks), pages_min 4", () => {
    const z = craftedZone(new pg_data_t(0, 0), ZONE_NORMAL, 4096, [4, 2, 0, 1], 4);
    z.pageset[0].pcp[0].count = 3;
    const f = zone_fragmentation(z);
    expect(f.node).toBe(0);
    expect(f.zone).toBe("Normal");
    expect(f.free_pages).toBe(16);
    expect(f.pcp_pages).toBe(3);
    expect(f.nr_free).toEqual([4, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(f.free_pages_by_order).toEqual([4, 4, 0, 8, 0, 0, 0, 0, 0, 0, 0]);
    expect(f.largest_order).toBe(3);
    // unusable(o) = (free - suitable blocks * 2^o) * 1000 / free:
    //   o=0: 16 suitable -> 0; o=1: 2 + 4 = 6 -> (16-12)/16 = 250; o=2: 2 -> (16-8)/16 = 500;
    //   o=3: 1 -> 500; o>=4: none -> 1000.
    expect(f.unusable).toEqual([0, 250, 500, 500, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    // extfrag(o) = -1000 while a block >= o is free, else 1000 - (1000 + free*1000/2^o) / blocks:
    //   o=4: 1000 - (1000 + 1000)/7 = 1000 - 285 = 715; o=5: 1000 - 1500/7 = 786;
    //   o=6: 1000 - 1250/7 = 822; o=7: 1000 - 1125/7 = 840; o=8: 1000 - 1062/7 = 849;
    //   o=9: 1000 - 1031/7 = 853; o=10: 1000 - 1015/7 = 855.
    expect(f.extfrag).toEqual([-1000, -1000, -1000, -1000, 715, 786, 822, 840, 849, 853, 855]);
    // zone_watermark_ok(z, o, min 4): free - 2^o + 1 must stay above min, then above min/2^k
    // after removing each lower order's pages:
    //   o=0: 16 > 4 yes; o=1: 15 > 4, 15-4 = 11 > 2 yes; o=2: 13 > 4, 9 > 2, 5 > 1 yes;
    //   o=3: 9 > 4, 5 > 2, 1 > 1 no (the order-3 block is free, but taking it leaves too little);
    //   o>=4: 16 - 16 + 1 = 1 <= 4 no.
    expect(f.can_alloc).toEqual([true, true, true, false, false, false, false, false, false, false, false]);
  });

  it("no free pages: unusable 1.000, extfrag 0 (a failure would be for lack of memory), nothing allocatable", () => {
    const f = zone_fragmentation(craftedZone(new pg_data_t(0, 0), ZONE_NORMAL, 4096, [], 32));
    expect(f.free_pages).toBe(0);
    expect(f.nr_free).toEqual(orders(0));
    expect(f.largest_order).toBe(-1);
    expect(f.unusable).toEqual(orders(1000));
    expect(f.extfrag).toEqual(orders(0));
    expect(f.can_alloc).toEqual(orders(0).map(() => false));
  });

  it("all memory free: 4096 pages as 4 order-10 blocks, pages_min 32", () => {
    const f = zone_fragmentation(
      craftedZone(new pg_data_t(0, 0), ZONE_NORMAL, 4096, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4], 32),
    );
    expect(f.free_pages).toBe(4096);
    expect(f.free_pages_by_order).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4096]);
    expect(f.largest_order).toBe(10);
    // every order is served by splitting an order-10 block: nothing unusable, a block always fits
    expect(f.unusable).toEqual(orders(0));
    expect(f.extfrag).toEqual(orders(-1000));
    // o=10: 4096 - 1024 + 1 = 3073 > 32, and no lower-order pages to take away
    expect(f.can_alloc).toEqual(orders(0).map(() => true));
  });
});

describe("would_alloc: the zonelist walk of __alloc_pages' second pass", () => {
  function node(dmaReserveAgainstNormal: number): pg_data_t {
    const pgdat = new pg_data_t(0, 0);
    const dma = craftedZone(pgdat, ZONE_DMA, 4096, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4], 32);
    const normal = craftedZone(pgdat, ZONE_NORMAL, 4096, [4, 2, 0, 1], 4);
    dma.lowmem_reserve[ZONE_NORMAL] = dmaReserveAgainstNormal;
    pgdat.node_zones.push(dma, normal);
    pgdat.node_zonelists.push({ zones: [normal, dma] }, { zones: [dma] }, { zones: [normal, dma] });
    return pgdat;
  }

  it("falls back to DMA unless DMA's lowmem_reserve against Normal requests keeps it back", () => {
    expect(would_alloc(node(0), GFP_KERNEL)).toEqual(orders(0).map(() => true));
    // reserve 4090: DMA would have to keep more than 32 + 4090 of its 4096 pages: never
    const normalOnly = [true, true, true, false, false, false, false, false, false, false, false];
    expect(would_alloc(node(4090), GFP_KERNEL)).toEqual(normalOnly);
  });

  it("GFP_ATOMIC (__GFP_HIGH, cannot sleep) lowers the mark: min 4 -> 2 - 2/4 = 2, so order 3 fits", () => {
    // o=3: 9 > 2, 5 > 1, 1 > 0, 1 > 0 yes; o=4: 1 <= 2 no.
    expect(would_alloc(node(4090), GFP_ATOMIC)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe("the measures on random free lists (fast-check, seeded)", () => {
  it("unusable grows with the order and stays in 0..1000; extfrag is -1000 exactly when a big enough block is free", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: MAX_ORDER, maxLength: MAX_ORDER }), (counts) => {
        let prev = -1;
        for (let o = 0; o < MAX_ORDER; o++) {
          const u = unusable_free_index(counts, o);
          expect(u).toBeGreaterThanOrEqual(Math.max(prev, 0));
          expect(u).toBeLessThanOrEqual(1000);
          prev = u;
          const bigEnough = counts.slice(o).some((n) => n > 0);
          const x = fragmentation_index(counts, o);
          if (bigEnough) expect(x).toBe(-1000);
          else expect(x).toBeGreaterThanOrEqual(0);
        }
      }),
      { seed: 1616, numRuns: 300 },
    );
  });
});

describe("on a real machine", () => {
  it("an exhausted zone reads as 'no free pages'; freeing known blocks gives the hand-computed figures", () => {
    const pa = bootPA(64 * MiB);
    const normal = pa.zones[ZONE_NORMAL];
    const memalloc = pa.pf_memalloc as boolean[]; // white-box: read-only to users
    memalloc[0] = true; // pass 3: no watermarks, so everything can be taken
    const held: { page: number; order: number }[] = [];
    const gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
    for (let o = MAX_ORDER - 1; o >= 0; o--) {
      for (;;) {
        const p = pa.alloc_pages(gfp, o);
        if (p === null) break;
        held.push({ page: p, order: o });
      }
    }
    memalloc[0] = false;
    for (const z of [normal, pa.zones[ZONE_DMA]]) {
      const none = zone_fragmentation(z);
      expect(none.free_pages).toBe(0);
      expect(none.pcp_pages).toBe(0);
      expect(none.unusable).toEqual(orders(1000));
      expect(none.extfrag).toEqual(orders(0));
    }
    expect(would_alloc(pa.node_data[0])).toEqual(orders(0).map(() => false));
    // Free 4 order-0 pages that are not buddies of each other, 2 order-1 blocks likewise, and one
    // order-3 block, all in one zone: nothing can merge, since every buddy stays allocated.
    const inZone = (z: Zone, p: number) => p >= z.zone_start_pfn && p < z.zone_start_pfn + z.spanned_pages;
    const pick = (z: Zone, order: number, n: number) => {
      const out: { page: number; order: number }[] = [];
      const buddies = new Set<number>();
      for (const b of held) {
        if (out.length === n) break;
        if (b.order !== order || !inZone(z, b.page)) continue;
        const pair = (b.page - z.zone_start_pfn) >> (order + 1);
        if (buddies.has(pair)) continue;
        buddies.add(pair);
        out.push(b);
      }
      return out;
    };
    // the zone where the exhaustion left allocated blocks of all three orders
    const zone = [normal, pa.zones[ZONE_DMA]].find(
      (z) => pick(z, 0, 4).length === 4 && pick(z, 1, 2).length === 2 && pick(z, 3, 1).length === 1,
    )!;
    expect(zone).toBeDefined();
    for (const b of [...pick(zone, 0, 4), ...pick(zone, 1, 2), ...pick(zone, 3, 1)])
      pa.__free_pages(b.page as never, b.order);
    pa.drain_local_pages(); // order-0 frees wait on the per-CPU list until drained
    const f = zone_fragmentation(zone);
    expect(f.nr_free).toEqual([4, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(f.unusable).toEqual([0, 250, 500, 500, 1000, 1000, 1000, 1000, 1000, 1000, 1000]);
    expect(f.extfrag).toEqual([-1000, -1000, -1000, -1000, 715, 786, 822, 840, 849, 853, 855]);
    // 16 free pages are below pages_min: no GFP_KERNEL request of any order passes
    expect(zone.pages_min).toBeGreaterThan(16);
    expect(f.can_alloc).toEqual(orders(0).map(() => false));
  });
});

describe("get_order and the record of requests by size", () => {
  it("get_order follows include/asm-i386/page.h, get_order(0) included", () => {
    expect([1, 4096, 4097, 8192, 8193, 65536, 4 << 20].map(get_order)).toEqual([0, 0, 1, 1, 2, 4, 10]);
    expect(get_order(0)).toBe(20); // (0 - 1) >> 11 on an unsigned long: 21 bits
  });

  it("a request by size is recorded with its bytes, and leaves the live figures when freed", () => {
    const pa = bootPA(64 * MiB);
    const addr = pa.__get_free_pages(GFP_KERNEL, pa.get_order(5000));
    expect(addr).not.toBe(0);
    const other = pa.alloc_pages(GFP_KERNEL, 1); // not asked by size: not recorded
    expect(pa.sized_requests.rows()).toEqual([
      {
        order: 1,
        requests: 1,
        bytes_req: 5000,
        bytes_alloc: 8192,
        live_requests: 1,
        live_bytes_req: 5000,
        live_bytes_alloc: 8192,
      },
    ]);
    pa.get_order(100); // a note the next allocation (order 1, not 0) does not match: dropped
    pa.__free_pages(other!, 1);
    const again = pa.alloc_pages(GFP_KERNEL, 1);
    expect(pa.sized_requests.rows()[0].requests).toBe(1);
    pa.free_pages(addr, 1);
    expect(pa.sized_requests.rows()[0]).toMatchObject({ requests: 1, live_requests: 0, live_bytes_req: 0 });
    pa.__free_pages(again!, 1);
  });
});
