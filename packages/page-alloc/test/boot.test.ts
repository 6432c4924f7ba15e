import { oracleBootLines } from "@i386mm/fixtures";
import { _PAGE_GLOBAL, _PAGE_PSE, peek, X86_CR4_PGE, X86_CR4_PSE } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { GFP_HIGHUSER, GFP_KERNEL } from "../src/gfp.js";
import { checkPageAllocInvariants } from "../src/invariants.js";
import { virtual_kernel_memory_layout } from "../src/layout.js";
import { list_entries } from "../src/mem-map.js";
import { ZONE_HIGHMEM } from "../src/mmzone.js";
import { PG_highmem, PG_reserved } from "../src/page-flags.js";
import { bootPA, GiB, MiB } from "./helpers.js";

/** The dmesg lines of an oracle boot log, without the timestamp. */
const oracleLines = oracleBootLines;

describe("boot log", () => {
  it.each([
    ["686-128M.log", 128 * MiB],
    ["686-1024M.log", GiB],
  ])("prints the BIOS-e820 lines of %s byte for byte with bootLog 6.1", (file, mem) => {
    const pa = bootPA(mem, { bootLog: "6.1" });
    const ours = pa.bootLog.filter((l) => l.startsWith("BIOS-"));
    const theirs = oracleLines(file).filter((l) => l.startsWith("BIOS-"));
    expect(ours).toEqual(theirs);
  });

  it("prints 2.6.11's print_memory_map lines by default, and no Zone ranges block (#21 point 10)", () => {
    const log = bootPA(GiB).bootLog;
    const i = log.indexOf("BIOS-provided physical RAM map:");
    expect(log.slice(i, i + 7)).toEqual([
      "BIOS-provided physical RAM map:",
      " BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)",
      " BIOS-e820: 000000000009fc00 - 00000000000a0000 (reserved)",
      " BIOS-e820: 00000000000f0000 - 0000000000100000 (reserved)",
      " BIOS-e820: 0000000000100000 - 000000003ffe0000 (usable)",
      " BIOS-e820: 000000003ffe0000 - 0000000040000000 (reserved)",
      " BIOS-e820: 00000000fffc0000 - 0000000100000000 (reserved)",
    ]);
    expect(log.filter((l) => l.includes("[mem ") || l === "Zone ranges:")).toEqual([]);
    expect(log.filter((l) => l.startsWith("min_free_kbytes"))).toEqual([]);
    expect(() => bootPA(GiB, { bootLog: "5.0" as "6.1" })).toThrow(/boot log format/);
  });

  it("prints the Zone ranges block in 6.1's format with 2.6.11's boundaries with bootLog 6.1", () => {
    const pa = bootPA(GiB, { bootLog: "6.1" });
    const i = pa.bootLog.indexOf("Zone ranges:");
    expect(pa.bootLog.slice(i, i + 4)).toEqual([
      "Zone ranges:",
      "  DMA      [mem 0x0000000000000000-0x0000000000ffffff]",
      "  Normal   [mem 0x0000000001000000-0x0000000037ffffff]",
      "  HighMem  [mem 0x0000000038000000-0x000000003ffdffff]",
    ]);
    // The oracle's format: same columns, 6.1's numbers (DMA from 0x1000, lowmem below 896 MiB).
    const oracle = oracleLines("686-1024M.log");
    const j = oracle.indexOf("Zone ranges:");
    for (const [a, b] of oracle.slice(j + 1, j + 4).map((l, k) => [l, pa.bootLog[i + 1 + k]])) {
      expect(a.replace(/0x[0-9a-f]{16}/g, "X")).toBe(b.replace(/0x[0-9a-f]{16}/g, "X"));
    }
    expect(bootPA(128 * MiB, { bootLog: "6.1" }).bootLog).toContain("  HighMem  empty");
  });

  it("prints 2.6.11's own lines with the model's numbers (1 GiB, QEMU map)", () => {
    const pa = bootPA(GiB);
    const log = pa.bootLog;
    expect(log).toContain("127MB HIGHMEM available.");
    expect(log).toContain("896MB LOWMEM available.");
    expect(log).toContain("On node 0 totalpages: 262112");
    expect(log).toContain("  DMA zone: 4096 pages, LIFO batch:1");
    expect(log).toContain("  Normal zone: 225280 pages, LIFO batch:16");
    expect(log).toContain("  HighMem zone: 32736 pages, LIFO batch:7");
    expect(log).toContain("Built 1 zonelists");
    const mem = log.find((l) => l.startsWith("Memory: "))!;
    expect(mem).toMatch(
      /^Memory: \d+k\/1048448k available \(2064k kernel code, \d+k reserved, 654k data, 176k init, 130944k highmem\)$/,
    );
    expect(pa.min_free_kbytes).toBe(3831);
    // Every boot line is also in the machine's dmesg, in order.
    expect(pa.machine.dmesg.slice(-log.length)).toEqual(log);
  });

  it("warns and clamps to 4 GiB without PAE, keeps the RAM above 4 GiB with PAE", () => {
    const a = bootPA(4 * GiB);
    expect(a.bootLog).toContain("Warning only 4GB will be used.");
    expect(a.max_pfn).toBe(1 << 20);
    const b = bootPA(5 * GiB, { pae: true });
    expect(b.bootLog).not.toContain("Warning only 4GB will be used.");
    expect(b.max_pfn).toBe((5 * GiB - 3 * GiB + 4 * GiB) / 4096);
    checkPageAllocInvariants(b);
    // 8 GiB under a non-PAE kernel boots (#21 point 8): the RAM from 4 GiB up is ignored.
    const c = bootPA(8 * GiB);
    expect(c.bootLog).toContain("Warning only 4GB will be used.");
    expect(c.bootLog).toContain("Use a PAE enabled kernel.");
    expect(c.max_pfn).toBe(1 << 20);
    expect(c.totalram_pages).toBe(a.totalram_pages);
    checkPageAllocInvariants(c);
  });
});

describe("boot state", () => {
  it("sets the 2.6.11 boundaries: max_low_pfn, highstart_pfn, high_memory, num_physpages", () => {
    const pa = bootPA(GiB);
    expect(pa.max_low_pfn).toBe(0x38000);
    expect(pa.highstart_pfn).toBe(0x38000);
    expect(pa.max_pfn).toBe(0x3ffe0);
    expect(pa.num_physpages).toBe(0x3ffe0);
    expect(pa.high_memory).toBe(0xf8000000);
    const small = bootPA(128 * MiB);
    expect(small.high_memory).toBe(0xc0000000 + small.max_low_pfn * 4096);
    expect(small.node_data[0].node_zones[ZONE_HIGHMEM].present_pages).toBe(0);
  });

  it("reserves page 0, the SMP page, the kernel image, the boot page tables, mem_map and the holes", () => {
    const pa = bootPA(GiB);
    const reserved = (pfn: number) => (pa.mem_map.flags[pfn] & (1 << PG_reserved)) !== 0;
    expect(reserved(0)).toBe(true);
    expect(reserved(1)).toBe(true);
    for (let p = 0x9f; p < 0x100; p++) expect(reserved(p)).toBe(true);
    const k = pa.kernel;
    for (let p = 0x100; p < k.init_pg_tables_end / 4096; p++) expect(reserved(p)).toBe(true);
    const mm = (pa.mem_map_virt - 0xc0000000) / 4096;
    const mmPages = Math.ceil(((pa.max_pfn + 1) * 32) / 4096);
    expect(mm).toBe(4096); // alloc_bootmem_node's goal: MAX_DMA_ADDRESS
    for (let p = mm; p < mm + mmPages; p++) expect(reserved(p)).toBe(true);
    // the bootmem bitmap itself went back to the allocator
    expect(reserved(Math.ceil(k.init_pg_tables_end / 4096))).toBe(false);
    // no reserved frame is on a free list, and no reserved frame was ever handed out
    checkPageAllocInvariants(pa);
    for (let i = 0; i < 2000; i++) {
      const p = pa.alloc_pages(GFP_HIGHUSER, 0);
      expect(p).not.toBeNull();
      expect(reserved(p!)).toBe(false);
    }
  });

  it("frees every other RAM frame: free + per-CPU + reserved = RAM", () => {
    const pa = bootPA(GiB);
    let pcp = 0;
    for (const z of pa.zones) pcp += z.pageset[0].pcp[0].count + z.pageset[0].pcp[1].count;
    expect(pa.nr_free_pages() + pcp).toBe(pa.totalram_pages);
    let ramFrames = 0x9f + (0x3ffe0 - 0x100);
    ramFrames -= pa.totalram_pages;
    expect(pa.reservedpages).toBe(ramFrames);
    expect(pa.totalhigh_pages).toBe(0x3ffe0 - 0x38000);
    for (let p = 0x38000; p < 0x3ffe0; p++) expect(pa.mem_map.flags[p] & (1 << PG_highmem)).not.toBe(0);
  });

  it("builds swapper_pg_dir with large pages, global kernel mappings, fixmap and pkmap tables, loaded in every CPU", () => {
    const pa = bootPA(GiB, { cpus: 2 });
    const m = pa.machine;
    for (const cpu of m.cpus) {
      expect(cpu.cr3).toBe(pa.swapper_pg_dir);
      expect(cpu.cr4 & X86_CR4_PSE).toBe(X86_CR4_PSE);
      expect(cpu.cr4 & X86_CR4_PGE).toBe(X86_CR4_PGE);
    }
    const pde = m.paging.readEntry(m.ram, pa.swapper_pg_dir, 768);
    expect(pde & _PAGE_PSE).toBe(_PAGE_PSE);
    expect(pde & _PAGE_GLOBAL).toBe(_PAGE_GLOBAL);
    // the direct map: virtual PAGE_OFFSET + x is physical x up to high_memory
    for (const x of [0, 0x123456, 0x1000000, 0x37fff000]) {
      expect(peek(m, pa.swapper_pg_dir, 0xc0000000 + x).phys).toBe(x);
    }
    expect(peek(m, pa.swapper_pg_dir, 0xf8000000).fault).toBeDefined();
    // user half zapped (zap_low_mappings)
    expect(m.paging.readEntry(m.ram, pa.swapper_pg_dir, 0)).toBe(0);
    // page tables exist for pkmap (0xff800000) and the fixmap (0xffc00000)
    expect(m.paging.readEntry(m.ram, pa.swapper_pg_dir, 1022) & 1).toBe(1);
    expect(m.paging.readEntry(m.ram, pa.swapper_pg_dir, 1023) & 1).toBe(1);
  });

  it("maps lowmem with 4 KiB page tables when the CPU lacks PSE, and under PAE with 2 MiB pages", () => {
    const a = bootPA(64 * MiB, { pse: false });
    const ma = a.machine;
    expect(ma.cpus[0].cr4 & X86_CR4_PSE).toBe(0);
    expect(ma.paging.readEntry(ma.ram, a.swapper_pg_dir, 768) & _PAGE_PSE).toBe(0);
    for (const x of [0, 0x3ff000, 0x2345678]) expect(peek(ma, a.swapper_pg_dir, 0xc0000000 + x).phys).toBe(x);
    checkPageAllocInvariants(a);
    const b = bootPA(GiB, { pae: true });
    const mb = b.machine;
    for (const x of [0, 0x200000, 0x37fff000])
      expect(peek(mb, b.swapper_pg_dir, 0xc0000000 + x).phys).toBe(x);
    checkPageAllocInvariants(b);
  });

  it("exposes the virtual layout the demo prints", () => {
    const pa = bootPA(GiB);
    const l = pa.layout;
    expect(l.PAGE_OFFSET).toBe(0xc0000000);
    expect(l.high_memory).toBe(0xf8000000);
    expect(l.VMALLOC_START).toBe(0xf8800000);
    expect(l.VMALLOC_END).toBe(0xff7fe000);
    expect(l.PKMAP_BASE).toBe(0xff800000);
    expect(l.FIXADDR_START).toBe(0xfff87000);
    expect(l._text).toBe(0xc0100000);
    expect(l._text < l._etext && l._etext < l._edata && l._edata <= l.__init_begin).toBe(true);
    expect(l.__init_begin < l.__init_end && l.__init_end < l._end).toBe(true);
    expect(virtual_kernel_memory_layout(l)).toEqual([
      "virtual kernel memory layout:",
      "    fixmap  : 0xfff87000 - 0xfffff000   ( 480 kB)",
      "    pkmap   : 0xff800000 - 0xffc00000   (4096 kB)",
      "    vmalloc : 0xf8800000 - 0xff7fe000   ( 111 MB)",
      "    lowmem  : 0xc0000000 - 0xf8000000   ( 896 MB)",
      `      .init : 0x${l.__init_begin.toString(16)} - 0x${l.__init_end.toString(16)}   ( 176 kB)`,
      `      .data : 0x${l._etext.toString(16)} - 0x${l._edata.toString(16)}   ( 654 kB)`,
      `      .text : 0x${l._text.toString(16)} - 0x${l._etext.toString(16)}   (2064 kB)`,
    ]);
  });

  it("honours highmem= (carving high memory out of a small machine)", () => {
    const pa = bootPA(128 * MiB, { highmem: 32 * MiB });
    expect(pa.max_low_pfn).toBe((96 * MiB - 128 * 1024) / 4096);
    expect(pa.node_data[0].node_zones[ZONE_HIGHMEM].present_pages).toBe(32 * 256);
    checkPageAllocInvariants(pa);
  });

  it("hand-off fast path equals page-by-page one_highpage_init (free lists, list order, per-CPU lists)", () => {
    for (const [mem, hm] of [
      [160 * MiB, 48 * MiB],
      [100 * MiB, 33 * MiB + 4096 * 37],
    ] as const) {
      const fast = bootPA(mem, { highmem: hm });
      const slow = bootPA(mem, { highmem: hm, bootFastPath: false });
      const m1 = fast.mem_map;
      const m2 = slow.mem_map;
      for (let p = 0; p < m1.nr_pages; p++) {
        if (m1.flags[p] !== m2.flags[p] || m1._count[p] !== m2._count[p] || m1.private[p] !== m2.private[p]) {
          throw new Error(`pfn ${p} differs`);
        }
      }
      fast.zones.forEach((z, i) => {
        const z2 = slow.zones[i];
        expect(z.free_pages).toBe(z2.free_pages);
        for (let o = 0; o < 11; o++) {
          expect(list_entries(m1, z.free_area[o].free_list)).toEqual(
            list_entries(m2, z2.free_area[o].free_list),
          );
        }
        expect(list_entries(m1, z.pageset[0].pcp[0].list)).toEqual(
          list_entries(m2, z2.pageset[0].pcp[0].list),
        );
        expect(z.pageset[0].pcp[0].count).toBe(z2.pageset[0].pcp[0].count);
      });
      expect(fast.bootLog).toEqual(slow.bootLog);
      checkPageAllocInvariants(fast);
    }
  });

  it("boots two nodes: zones per node, zonelists local node first, CPUs spread over the nodes", () => {
    const pa = bootPA(GiB, { nodes: 2, cpus: 2 });
    expect(pa.node_data.length).toBe(2);
    expect(pa.pgdat_list.pgdat_next).toBe(pa.node_data[1]);
    expect(pa.bootLog).toContain("Built 2 zonelists");
    const [n0, n1] = pa.node_data;
    expect(n0.node_start_pfn).toBe(0);
    expect(n1.node_start_pfn).toBe(n0.node_spanned_pages);
    expect(n1.node_zones[0].present_pages).toBe(0);
    expect(n0.node_zones.map((z) => z.present_pages).reduce((a, b) => a + b)).toBe(n0.node_present_pages);
    const names = (nid: number, i: number) =>
      pa.node_data[nid].node_zonelists[i].zones.map((z) => `${z.zone_pgdat.node_id}/${z.name}`);
    expect(names(1, 2)).toEqual(["1/HighMem", "1/Normal", "0/Normal", "0/DMA"]);
    expect(names(0, 0)).toEqual(["0/Normal", "0/DMA", "1/Normal"]);
    checkPageAllocInvariants(pa);
    pa.machine.setCurrentCpu(1);
    const p = pa.alloc_pages(GFP_KERNEL, 0)!;
    expect(pa.page_zone(p).zone_pgdat.node_id).toBe(1);
    pa.__free_pages(p, 0);
    checkPageAllocInvariants(pa);
  });
});
