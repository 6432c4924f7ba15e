import { describe, expect, it } from "vitest";
import { __GFP_NORETRY, GFP_ATOMIC, GFP_KERNEL } from "../src/gfp.js";
import type { Zone } from "../src/mmzone.js";
import { int_sqrt, min_free_kbytes_for, zone_watermark_ok } from "../src/watermark.js";
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
