/*
 * The JSON forms of the /proc views agree with each other, as the kernel's files do: buddyinfo's
 * blocks add up to zoneinfo's "pages free" (2.6.11 counts only buddy pages there, not per-CPU
 * lists), pagetypeinfo's single "all" type repeats buddyinfo, meminfo's MemFree is their sum.
 */
import { describe, expect, it } from "vitest";
import { Interpreter } from "../src/interpreter.js";
import { bootKernel } from "../src/kernel.js";
import { parseBuddyinfo, parseMeminfo, parsePagetypeinfo, parseZoneinfo, viewJson } from "../src/views.js";

describe("views as JSON", () => {
  for (const opts of [
    { memBytes: 128 * 2 ** 20, cpus: 2 },
    { memBytes: 1 << 30, nodes: 2 as const },
    { memBytes: 2 ** 31, pae: true },
  ]) {
    it(`agree with each other (${JSON.stringify(opts)})`, () => {
      const k = bootKernel(opts);
      // Some traffic first, so the per-CPU lists and the buddy lists both hold pages.
      new Interpreter(k).runScript(`cpu ${(opts.cpus ?? 1) - 1}
for (i = 0; i < 40; i++) p[i] = alloc_pages(GFP_KERNEL, i % 4)
for (i = 0; i < 40; i = i + 2) __free_pages(p[i], i % 4)`);
      const lines = (v: string): readonly string[] => k.view(v)!.lines;
      const buddy = parseBuddyinfo(lines("buddyinfo"));
      const zones = parseZoneinfo(lines("zoneinfo"));
      const types = parsePagetypeinfo(lines("pagetypeinfo"));
      const mem = parseMeminfo(lines("meminfo"));
      expect(buddy.length).toBeGreaterThan(1);
      let totalFree = 0;
      for (const row of buddy) {
        const z = zones.find((x) => x.node === row.node && x.zone === row.zone);
        expect(z, `${row.node}/${row.zone}`).toBeDefined();
        const pages = row.free.reduce((s, n, order) => s + n * 2 ** order, 0);
        expect(z!.fields.free, `${row.node}/${row.zone} free`).toBe(pages);
        expect(z!.fields.min).toBeLessThan(z!.fields.low!);
        expect(z!.fields.low).toBeLessThan(z!.fields.high!);
        expect(z!.protection).toHaveLength(3);
        const t = types.free.find((x) => x.node === row.node && x.zone === row.zone);
        expect(t?.counts).toEqual(row.free);
        totalFree += pages;
      }
      // pageblock_order = HUGETLB_PAGE_ORDER: 4 MiB pages (order 10), 2 MiB under PAE (order 9).
      expect(types.pageblock_order).toBe(opts.pae ? 9 : 10);
      expect(zones.some((z) => z.pagesets.some((p) => p.count! > 0))).toBe(true);
      expect(mem.MemFree).toBe(totalFree * 4);
      expect(viewJson("zoneinfo", lines("zoneinfo"))).toMatchObject({ zones });
    });
  }
});
