import { oracleSection } from "@i386mm/fixtures";
import { describe, expect, it } from "vitest";
import { GFP_HIGHUSER, GFP_KERNEL } from "../src/gfp.js";
import type { Page } from "../src/mem-map.js";
import { MAX_ORDER } from "../src/mmzone.js";
import type { PageAllocator } from "../src/page-alloc.js";
import { PG_slab } from "../src/page-flags.js";
import { fill_contig_page_info, fragmentation_index, unusable_free_index } from "../src/proc.js";
import { bootPA, GiB, MiB } from "./helpers.js";

/** Numbers replaced by "#", so lines of the same format compare equal. */
const shape = (line: string) => line.replace(/\d+/g, "#");

/** A 1 GiB QEMU-map machine after a fixed mix of allocations (the state the golden files show). */
function workedMachine(): PageAllocator {
  const pa = bootPA(GiB);
  const keep: Page[] = [];
  for (let i = 0; i < 300; i++) {
    const p = pa.alloc_pages(i % 3 === 0 ? GFP_HIGHUSER : GFP_KERNEL, i % 5)!;
    if (i % 4 === 0) pa.__free_pages(p, i % 5);
    else keep.push(p);
  }
  return pa;
}

/** Run `view` with the zones' nr_free replaced by `counts[zoneIndex]` (missing orders 0), then restore. */
function withCounts(pa: PageAllocator, counts: number[][], view: () => string): string {
  const saved = pa.zones.map((z) => z.free_area.map((a) => a.nr_free));
  counts.forEach((c, z) => {
    for (let o = 0; o < MAX_ORDER; o++) pa.zones[z].free_area[o].nr_free = c[o] ?? 0;
  });
  try {
    return view();
  } finally {
    saved.forEach((c, z) => {
      c.forEach((n, o) => {
        pa.zones[z].free_area[o].nr_free = n;
      });
    });
  }
}

describe("/proc/buddyinfo", () => {
  it("prints the oracle's lines byte for byte given the oracle's counts", () => {
    const oracle = oracleSection("686-1024M.log", "buddyinfo");
    const counts = oracle.map((l) => l.trim().split(/\s+/).slice(4).map(Number));
    expect(counts.every((c) => c.length === MAX_ORDER)).toBe(true);
    const pa = bootPA(GiB);
    expect(withCounts(pa, counts, () => pa.buddyinfo())).toBe(`${oracle.join("\n")}\n`);
    // The real counts: one line per populated zone, nr_free per order.
    const lines = pa.buddyinfo().split("\n");
    expect(lines[1]).toBe(
      `Node 0, zone   Normal ${pa.zones[1].free_area.map((a) => String(a.nr_free).padStart(6)).join(" ")} `,
    );
    expect(
      bootPA(128 * MiB)
        .buddyinfo()
        .split("\n").length,
    ).toBe(3); // no HighMem line
  });
});

describe("/proc/pagetypeinfo", () => {
  it("prints the oracle's header and the per-zone free table in 6.1's format (one type: no migrate types)", () => {
    const oracle = oracleSection("686-1024M.log", "pagetypeinfo");
    const pa = bootPA(GiB);
    const ours = pa.pagetypeinfo().split("\n");
    expect(ours.slice(0, 4)).toEqual(oracle.slice(0, 4));
    const movable = oracle.filter((l) => l.includes("type      Movable"));
    const counts = movable.map((l) =>
      l
        .slice(l.indexOf("Movable") + 7)
        .trim()
        .split(/\s+/)
        .map(Number),
    );
    const rows = withCounts(pa, counts, () => pa.pagetypeinfo())
      .split("\n")
      .slice(4, 7);
    expect(rows).toEqual(movable.map((l) => l.replace("type      Movable", "type   i386mm:all")));
    expect(bootPA(GiB, { pae: true }).pagetypeinfo().split("\n")[0]).toBe(
      oracleSection("686-pae-2048M.log", "pagetypeinfo")[0],
    );
  });
});

describe("/proc/zoneinfo", () => {
  it("prints 2.6.13's first zoneinfo fields in the kernel's order", () => {
    const pa = bootPA(GiB, { cpus: 2 });
    const all = pa.zoneinfo().split("\n");
    const normal = all.slice(all.indexOf("Node 0, zone   Normal"));
    const labels = normal.map((l) => l.replace(/\s*[\d(].*$/, ""));
    expect([normal[0], ...labels.slice(1, 26)]).toEqual([
      "Node 0, zone   Normal",
      "  pages free",
      "        min",
      "        low",
      "        high",
      "        active",
      "        inactive",
      "        scanned",
      "        spanned",
      "        present",
      "        protection:",
      "  pagesets",
      "    cpu:",
      "              count:",
      "              low:",
      "              high:",
      "              batch:",
      "    cpu:",
      "              count:",
      "              low:",
      "              high:",
      "              batch:",
      "  all_unreclaimable:",
      "  prev_priority:",
      "  temp_priority:",
      "  start_pfn:",
    ]);
    const z = pa.zones[1];
    expect(normal).toContain(`  pages free     ${z.free_pages}`);
    expect(normal).toContain(`        protection: (0, 0, ${z.lowmem_reserve[2]})`);
    expect(normal).toContain(`  start_pfn:         ${z.zone_start_pfn}`);
  });

  it("shares 6.1's line formats wherever both kernels print the same field", () => {
    const oracle = new Set(oracleSection("686-1024M.log", "zoneinfo").map(shape));
    const ours = bootPA(GiB).zoneinfo().split("\n").filter(Boolean).map(shape);
    const common = [
      "Node #, zone      DMA",
      "  pages free     #",
      "        min      #",
      "        low      #",
      "        high     #",
      "        spanned  #",
      "        present  #",
      "  pagesets",
      "              count: #",
      "              high:  #",
      "              batch: #",
    ];
    for (const line of common) {
      expect(ours).toContain(line);
      expect(oracle.has(line)).toBe(true);
    }
    // protection: 2.6.11 has three zones, 6.1 four (Movable).
    expect(ours).toContain("        protection: (#, #, #)");
    expect(oracle.has("        protection: (#, #, #, #)")).toBe(true);
  });
});

describe("/proc/meminfo", () => {
  it("prints 2.6.11's 23 lines (fs/proc/proc_misc.c meminfo_read_proc: %-14s%8lu kB) with the allocator's totals", () => {
    const pa = bootPA(GiB);
    const lines = pa.meminfo().split("\n").filter(Boolean);
    const kb = (name: string) => Number(lines.find((l) => l.startsWith(`${name}:`))!.slice(14, 22));
    expect(lines.map((l) => l.slice(0, 14).trim())).toEqual([
      "MemTotal:",
      "MemFree:",
      "Buffers:",
      "Cached:",
      "SwapCached:",
      "Active:",
      "Inactive:",
      "HighTotal:",
      "HighFree:",
      "LowTotal:",
      "LowFree:",
      "SwapTotal:",
      "SwapFree:",
      "Dirty:",
      "Writeback:",
      "Mapped:",
      "Slab:",
      "CommitLimit:",
      "Committed_AS:",
      "PageTables:",
      "VmallocTotal:",
      "VmallocUsed:",
      "VmallocChunk:",
    ]);
    for (const l of lines) expect(l).toMatch(/^[A-Za-z_]+: +\d+ kB$/);
    expect(lines[0]).toBe(`MemTotal:     ${String(pa.totalram_pages * 4).padStart(8)} kB`);
    expect(kb("MemFree")).toBe(pa.nr_free_pages() * 4);
    expect(kb("HighFree") + kb("LowFree")).toBe(kb("MemFree"));
    expect(kb("HighTotal") + kb("LowTotal")).toBe(kb("MemTotal"));
    expect(kb("HighTotal")).toBe(pa.zones[2].present_pages * 4);
    expect(kb("Buffers")).toBe(0); // no page cache registered on this allocator
    expect(kb("Cached")).toBe(0);
    // CommitLimit: totalram * sysctl_overcommit_ratio (50) / 100 + no swap.
    expect(kb("CommitLimit")).toBe(Math.floor(pa.totalram_pages / 2) * 4);
    // No vmalloc layer: the whole range is one free chunk.
    const range = (pa.layout.VMALLOC_END - pa.layout.VMALLOC_START) / 1024;
    expect([kb("VmallocTotal"), kb("VmallocUsed"), kb("VmallocChunk")]).toEqual([range, 0, range]);
    // The oracle (6.1) still prints every one of 2.6.11's names.
    const oracle = oracleSection("686-1024M.log", "meminfo").map((l) => l.split(":")[0]);
    for (const l of lines) expect(oracle).toContain(l.split(":")[0]);
  });

  it("counts Slab and Mapped off mem_map (nr_slab: PG_slab pages; nr_mapped: pages with a mapcount)", () => {
    const pa = bootPA(64 * MiB);
    const kb = (name: string) =>
      Number(
        pa
          .meminfo({ committed_pages: 5, nr_page_table_pages: 2 })
          .split("\n")
          .find((l) => l.startsWith(`${name}:`))!
          .slice(14, 22),
      );
    expect([kb("Slab"), kb("Mapped"), kb("Committed_AS"), kb("PageTables")]).toEqual([0, 0, 20, 8]);
    const p = pa.alloc_pages(GFP_KERNEL, 1)!;
    pa.mem_map.flags[p] |= 1 << PG_slab;
    pa.mem_map.flags[p + 1] |= 1 << PG_slab;
    const q = pa.alloc_pages(GFP_KERNEL, 0)!;
    pa.mem_map._mapcount[q] = 0;
    expect([kb("Slab"), kb("Mapped")]).toEqual([8, 4]);
  });
});

describe("fragmentation measures (mm/vmstat.c of 2.6.35+, per zone and order)", () => {
  // A zone holding 4 free order-0 blocks, 2 order-1 and 1 order-3: 16 free pages in 7 blocks.
  const counts = [[0], [4, 2, 0, 1]];

  it("unusable free space index: share of free pages in blocks too small for the order", () => {
    const pa = bootPA(64 * MiB);
    withCounts(pa, counts, () => {
      const z = pa.zones[1];
      expect(fill_contig_page_info(z, 1)).toEqual({
        free_pages: 16,
        free_blocks_total: 7,
        free_blocks_suitable: 6,
      });
      // (16 - suitable << order) * 1000 / 16
      expect([0, 1, 2, 3, 4, 10].map((o) => unusable_free_index(z, o))).toEqual([
        0, 250, 500, 500, 1000, 1000,
      ]);
      return "";
    });
    const zeroFree = withCounts(pa, [[0], []], () => String(unusable_free_index(pa.zones[0], 0)));
    expect(zeroFree).toBe("1000");
  });

  it("extfrag index: -1000 while a block fits, else 1000 - (1000 + free*1000/2^order) / blocks", () => {
    const pa = bootPA(64 * MiB);
    const text = withCounts(pa, counts, () => {
      const z = pa.zones[1];
      expect([0, 3, 4, 5, 10].map((o) => fragmentation_index(z, o))).toEqual([-1000, -1000, 715, 786, 855]);
      return pa.extfrag_index();
    });
    expect(text.split("\n")[1]).toBe(
      "Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000  0.715  0.786  0.822  0.840  0.849  0.853  0.855 ",
    );
    const unusable = withCounts(pa, counts, () => pa.unusable_index());
    expect(unusable.split("\n")[1]).toBe(
      "Node 0, zone   Normal 0.000 0.250 0.500 0.500 1.000 1.000 1.000 1.000 1.000 1.000 1.000 ",
    );
    expect(withCounts(pa, [[0], []], () => String(fragmentation_index(pa.zones[0], 3)))).toBe("0");
  });
});

describe("golden views of a worked 1 GiB machine", () => {
  const pa = workedMachine();
  it.each([
    ["buddyinfo", () => pa.buddyinfo()],
    ["zoneinfo", () => pa.zoneinfo()],
    ["meminfo", () => pa.meminfo()],
    ["pagetypeinfo", () => pa.pagetypeinfo()],
    ["unusable_index", () => pa.unusable_index()],
    ["extfrag_index", () => pa.extfrag_index()],
  ])("%s", async (name, view) => {
    await expect(view()).toMatchFileSnapshot(`golden/${name}-1024M.txt`);
  });
});
