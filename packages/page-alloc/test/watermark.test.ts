import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { __GFP_NORETRY, GFP_ATOMIC, GFP_HIGHUSER, GFP_KERNEL, GFP_USER, GFP_ZONEMASK } from "../src/gfp.js";
import { type pg_data_t, ZONE_DMA, ZONE_HIGHMEM, ZONE_NORMAL, type Zone } from "../src/mmzone.js";
import {
  int_sqrt,
  min_free_kbytes_for,
  nr_free_zone_pages,
  SWAP_CLUSTER_MAX,
  setup_per_zone_lowmem_reserve,
  setup_per_zone_pages_min,
  zone_watermark_ok,
} from "../src/watermark.js";
import { bootPA, GiB, MiB } from "./helpers.js";

describe("min_free_kbytes and watermarks", () => {
  it("reproduces the reference's worked example (1 GiB, no holes above 1 MiB, 1 CPU)", () => {
    const pa = bootPA(GiB, { flat: true });
    expect(pa.min_free_kbytes).toBe(3831);
    const rows = pa.zones.map((z) => [
      z.name,
      z.present_pages,
      z.pages_min,
      z.pages_low,
      z.pages_high,
      [...z.lowmem_reserve],
      [z.pageset[0].pcp[0].low, z.pageset[0].pcp[0].high, z.pageset[0].pcp[0].batch],
      [z.pageset[0].pcp[1].low, z.pageset[0].pcp[1].high, z.pageset[0].pcp[1].batch],
    ]);
    expect(rows).toEqual([
      ["DMA", 4096, 17, 21, 25, [0, 880, 1008], [2, 6, 1], [0, 2, 1]],
      ["Normal", 225280, 939, 1173, 1408, [0, 0, 1024], [32, 96, 16], [0, 32, 16]],
      ["HighMem", 32768, 32, 40, 48, [0, 0, 0], [16, 48, 8], [0, 16, 8]],
    ]);
  });

  it("follows the kernel's comment table for min_free_kbytes and its clamps", () => {
    const table: [number, number][] = [
      [16, 512],
      [64, 1024],
      [256, 2048],
      [1024, 4096],
      [4096, 8192],
      [16384, 16384],
    ];
    for (const [mb, k] of table) expect(min_free_kbytes_for(mb * 1024)).toBe(k);
    expect(min_free_kbytes_for(100)).toBe(128);
    expect(min_free_kbytes_for(2 ** 40)).toBe(65536);
    expect(int_sqrt(14680064)).toBe(3831);
    expect(int_sqrt(15)).toBe(3);
  });

  it("zone_watermark_ok: halves for __GFP_HIGH, then quarters for try-harder (939 → 353)", () => {
    const z = {
      free_pages: 354,
      lowmem_reserve: [0, 0, 0],
      free_area: Array(11).fill({ nr_free: 0 }),
    } as unknown as Zone;
    expect(zone_watermark_ok(z, 0, 939, 1, true, true)).toBe(true);
    (z as { free_pages: number }).free_pages = 353;
    expect(zone_watermark_ok(z, 0, 939, 1, true, true)).toBe(false);
    (z as { free_pages: number }).free_pages = 940;
    expect(zone_watermark_ok(z, 0, 939, 1, false, false)).toBe(true);
    (z as { free_pages: number }).free_pages = 939;
    expect(zone_watermark_ok(z, 0, 939, 1, false, false)).toBe(false);
  });

  it("zone_watermark_ok adds lowmem_reserve[classzone] and discounts blocks below the order", () => {
    const area = (n: number[]) => n.map((nr_free) => ({ nr_free }));
    const z = {
      free_pages: 200,
      lowmem_reserve: [0, 100, 150],
      free_area: area([100, 50, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    } as unknown as Zone;
    expect(zone_watermark_ok(z, 0, 60, 1, false, false)).toBe(true); // 200 > 60 + 100
    expect(zone_watermark_ok(z, 0, 60, 2, false, false)).toBe(false); // 200 <= 60 + 150
    // order 2: free = 200-4+1 = 197; minus order-0 pages (100) → 97 > 30; minus order-1 pages (100) → -3 <= 15
    expect(zone_watermark_ok(z, 2, 60, 0, false, false)).toBe(false);
    expect(zone_watermark_ok(z, 1, 60, 0, false, false)).toBe(true);
  });

  it("re-runs the setup functions when the sysctls are written", () => {
    const pa = bootPA(GiB, { flat: true });
    pa.set_min_free_kbytes(8192);
    expect(pa.zones[1].pages_min).toBe(Math.floor((2048 * 225280) / 229376));
    pa.set_lowmem_reserve_ratio([128, 16]);
    expect(pa.zones[0].lowmem_reserve).toEqual([0, 1760, 2016]);
    expect(() => pa.set_lowmem_reserve_ratio([0, 1])).toThrow();
  });

  it("GFP_ATOMIC (__GFP_HIGH, cannot sleep) gets pages below pages_min where GFP_KERNEL fails", () => {
    const pa = bootPA(32 * MiB, { flat: true });
    pa.machine.warnings.length = 0;
    let kernel = 0;
    // __GFP_NORETRY: one reclaim attempt, no OOM killer, then NULL (plain GFP_KERNEL would never fail).
    while (pa.alloc_pages(GFP_KERNEL | __GFP_NORETRY, 0) !== null) kernel++;
    expect(pa.stats.oom).toBe(0);
    expect(pa.machine.warnings.some((w) => w.includes("page allocation failure. order:0, mode:0x10d0"))).toBe(
      true,
    );
    let atomic = 0;
    while (pa.alloc_pages(GFP_ATOMIC, 0) !== null) atomic++;
    expect(kernel).toBeGreaterThan(0);
    expect(atomic).toBeGreaterThan(0);
    const dma = pa.zones[0];
    expect(dma.free_pages).toBeLessThan(dma.pages_min);
  });
});

/** lib/int_sqrt.c's bit-by-bit method (2.6.11), on 32-bit unsigned longs: the reference for int_sqrt. */
function kernel_int_sqrt(x: number): number {
  let op = x;
  let res = 0;
  let one = 2 ** 30;
  while (one > op) one /= 4;
  while (one !== 0) {
    if (op >= res + one) {
      op -= res + one;
      res += 2 * one;
    }
    res = Math.floor(res / 2);
    one = Math.floor(one / 4);
  }
  return res;
}

/** Zones as setup_per_zone_pages_min reads them: index and present pages (1 GiB: DMA and Normal of the worked example). */
function zonesOf(highmemPages: number, dma = 4096, normal = 225280) {
  return [
    [ZONE_DMA, dma],
    [ZONE_NORMAL, normal],
    [ZONE_HIGHMEM, highmemPages],
  ].map(([idx, present_pages]) => ({ idx, present_pages, pages_min: -1, pages_low: -1, pages_high: -1 }));
}

describe("watermark boundaries (the kernel's exact figures)", () => {
  it("int_sqrt agrees with lib/int_sqrt.c on every 32-bit unsigned long (fast-check, seed 20)", () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 32 - 1 }), (x) => int_sqrt(x) === kernel_int_sqrt(x)),
      { seed: 20, numRuns: 2000 },
    );
    for (const x of [0, 1, 2, 3, 4, 2 ** 32 - 1, 65535 * 65535, 65536 * 65536 - 1]) {
      expect(int_sqrt(x)).toBe(kernel_int_sqrt(x));
    }
  });

  it("int_sqrt stays floor(sqrt(x)) where Math.sqrt rounds up to the next integer (x = k^2 - 1 near 2^52)", () => {
    // Math.sqrt((2^26+1)^2 - 1) rounds to 2^26+1 exactly: the floor must step back down
    expect(Math.sqrt(4503599761588224)).toBe(67108865);
    expect(int_sqrt(4503599761588224)).toBe(67108864);
    expect(Math.sqrt(9007199136250224)).toBe(94906265);
    expect(int_sqrt(9007199136250224)).toBe(94906264);
    expect(int_sqrt(67108865 * 67108865)).toBe(67108865);
  });

  it("HighMem pages_min is present/1024 clamped to [SWAP_CLUSTER_MAX, 128]; low and high are 5/4 and 6/4 of it", () => {
    const cases: [number, number][] = [
      [0, SWAP_CLUSTER_MAX], // an empty HighMem zone still gets the floor
      [16384, SWAP_CLUSTER_MAX], // 64 MiB: 16 → 32
      [33 * 1024, 33], // just above the floor: kept
      [65536, 64], // 256 MiB
      [127 * 1024 + 1023, 127], // just below the ceiling: kept
      [131072, 128], // 512 MiB: exactly the ceiling
      [524288, 128], // 2 GiB: 512 → 128
    ];
    for (const [pages, min] of cases) {
      const zones = zonesOf(pages);
      setup_per_zone_pages_min(zones as unknown as Zone[], 3831);
      expect([pages, zones[2].pages_min, zones[2].pages_low, zones[2].pages_high]).toEqual([
        pages,
        min,
        Math.floor((min * 5) / 4),
        Math.floor((min * 6) / 4),
      ]);
      // lowmem zones share min_free_kbytes/4 = 957 pages by present_pages, HighMem playing no part
      expect(zones.slice(0, 2).map((z) => z.pages_min)).toEqual([17, 939]);
    }
  });

  it("lowmem zones with no present pages get watermarks of 0 (the model's guard for the kernel's division)", () => {
    const zones = zonesOf(8192, 0, 0);
    setup_per_zone_pages_min(zones as unknown as Zone[], 1024);
    expect(zones.map((z) => [z.pages_min, z.pages_low, z.pages_high])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [32, 40, 48],
    ]);
  });

  it("nr_free_zone_pages sums present - pages_high over a zonelist, skipping zones at or below pages_high", () => {
    const pa = bootPA(GiB, { flat: true });
    // worked example: DMA 4096 - 25, Normal 225280 - 1408, HighMem 32768 - 48
    expect(nr_free_zone_pages(pa.node_data, GFP_USER & GFP_ZONEMASK)).toBe(4071 + 223872);
    expect(nr_free_zone_pages(pa.node_data, GFP_HIGHUSER & GFP_ZONEMASK)).toBe(4071 + 223872 + 32720);
    // a HighMem zone of 40 pages under a pages_high of 48 adds nothing (it would subtract 8)
    const zone = (present_pages: number, pages_high: number) => ({ present_pages, pages_high });
    const node = { node_zonelists: [{ zones: [zone(40, 48), zone(48, 48), zone(4096, 25)] }] };
    expect(nr_free_zone_pages([node as unknown as pg_data_t], 0)).toBe(4071);
  });

  it("setup_per_zone_lowmem_reserve's default ratio is the kernel's {256, 32}", () => {
    const pa = bootPA(GiB, { flat: true });
    pa.set_lowmem_reserve_ratio([128, 16]);
    expect(pa.zones[0].lowmem_reserve).toEqual([0, 1760, 2016]);
    setup_per_zone_lowmem_reserve(pa.node_data);
    expect(pa.zones.map((z) => [...z.lowmem_reserve])).toEqual([
      [0, 880, 1008],
      [0, 0, 1024],
      [0, 0, 0],
    ]);
  });
});
