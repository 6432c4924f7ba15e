/*
 * /proc/fraginfo (fraginfo.ts): the composed figures of a booted kernel and their text format,
 * on states whose numbers are worked out by hand: kmalloc(33) in size-64, a vmalloc area, a
 * request by size, and an exhausted machine.
 */
import { PAGE_SIZE } from "@i386mm/hw-i386";
import { __GFP_NORETRY, __GFP_NOWARN, GFP_KERNEL, MAX_ORDER } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { boot, fraginfo, fraginfoText, fragPercent } from "../src/index.js";

describe("fraginfo", () => {
  it("sums kmalloc(33)'s 31 wasted bytes per class, lists the vmalloc area and the request by size", () => {
    const k = boot({ mem: "64M" });
    const base = fraginfo(k).kmalloc.find((r) => r.cache === "size-64");
    const objs = Array.from({ length: 10 }, () => k.slab.kmalloc(33, GFP_KERNEL)!);
    const v = k.slab.vmalloc(5000)!;
    const addr = k.pa.__get_free_pages(GFP_KERNEL, k.pa.get_order(5000));
    const f = fraginfo(k);
    const row = f.kmalloc.find((r) => r.cache === "size-64")!;
    expect(row.live - (base?.live ?? 0)).toBe(10);
    expect(
      row.live_bytes_alloc -
        row.live_bytes_req -
        ((base?.live_bytes_alloc ?? 0) - (base?.live_bytes_req ?? 0)),
    ).toBe(310);
    expect(f.vmalloc.find((a) => a.addr === v)).toMatchObject({
      requested: 5000,
      guard: PAGE_SIZE,
      rounding: 3192,
      pages: 2,
    });
    expect(f.get_order).toEqual([
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
    const text = fraginfoText(f);
    expect(
      text.startsWith("fraginfo - i386mm 1\n# external fragmentation: free blocks per order, per zone\n"),
    ).toBe(true);
    const lines = text.split("\n");
    const vline = lines.find((l) => l.startsWith(`0x${v.toString(16)}-`))!;
    expect(vline.split(/\s+/)).toEqual([
      `0x${v.toString(16)}-0x${(v + 3 * PAGE_SIZE).toString(16)}`,
      "12288",
      "5000",
      "4096",
      "3192",
      "2",
      "vmalloc",
    ]);
    expect(lines.find((l) => l.startsWith("1 "))!.split(/\s+/)).toEqual([
      "1",
      "1",
      "5000",
      "8192",
      "3192",
      "39.0%",
      "[",
      "1",
      "5000",
      "8192",
      "39.0%]",
    ]);
    for (const o of objs) k.slab.kfree(o);
    k.slab.vfree(v);
    k.pa.free_pages(addr, 1);
  });

  it("prints each zone's block with its orders, indexes and the GFP_KERNEL verdicts", () => {
    const k = boot({ mem: "64M" });
    // take everything GFP_KERNEL can get: every order then fails in every zone
    const gfp = GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
    for (let o = MAX_ORDER - 1; o >= 0; o--) while (k.pa.alloc_pages(gfp, o) !== null);
    const f = fraginfo(k);
    expect(f.gfp_kernel).toEqual([{ node: 0, can_alloc: Array.from({ length: MAX_ORDER }, () => false) }]);
    const text = fraginfoText(f);
    expect(text).toContain("Node 0, GFP_KERNEL order 0-10 now: n n n n n n n n n n n\n");
    const normal = f.external.find((z) => z.zone === "Normal")!;
    // what is left is below pages_min (the reserve GFP_KERNEL may not touch)
    expect(normal.free_pages).toBeLessThanOrEqual(normal.pages_min);
    const block = text
      .split("\n")
      .filter((_, i, all) => i > all.findIndex((x) => x.startsWith("Node 0, zone   Normal")));
    expect(block[0]).toBe(
      `  order      ${Array.from({ length: 11 }, (_, o) => String(o).padStart(7)).join("")}`,
    );
    expect(block[1]).toBe(`  free blocks${normal.nr_free.map((n) => String(n).padStart(7)).join("")}`);
    expect(block[5]).toBe(`  can alloc  ${"      n".repeat(11)}`);
  });

  it("frag percentages are perf kmem's: 100 * (alloc - req) / alloc", () => {
    expect(fragPercent(33, 64)).toBe("48.4%");
    expect(fragPercent(0, 0)).toBe("-");
  });
});
