/*
 * The boot's steps one at a time (boot.ts): each takes its inputs and returns its outputs,
 * writing only into its BootStage; commitBoot alone changes the Machine, so a boot that throws
 * at any step leaves the Machine exactly as it was.
 */
import { __pa, asPfn, E820_RAM, E820_RESERVED, Machine, PAGE_OFFSET, pte_phys } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import {
  BootStage,
  boot,
  build_all_zonelists,
  commitBoot,
  e820__print_table,
  find_max_low_pfn,
  find_max_pfn,
  layoutKernelImage,
  mem_init,
  pagetable_init,
  setup_memory,
  smp_alloc_memory,
  startup_32,
  TYPICAL_2_6_11_IMAGE,
  zone_sizes_init,
} from "../src/boot.js";
import { PageAllocator } from "../src/page-alloc.js";
import { GiB, MiB, machineSnapshot } from "./helpers.js";

const img = layoutKernelImage(TYPICAL_2_6_11_IMAGE);

describe("boot steps, each alone", () => {
  it("find_max_pfn and find_max_low_pfn: QEMU's 1 GiB map, lowmem at 896 MiB, highmem= moves it", () => {
    const m = new Machine({ memBytes: GiB });
    const { max_pfn, ramRanges } = find_max_pfn(m.e820);
    expect(max_pfn).toBe(0x3ffe0);
    expect(ramRanges).toEqual([
      [0, 0x9f],
      [0x100, 0x3ffe0],
    ]);
    const stage = new BootStage(m);
    expect(find_max_low_pfn(stage, max_pfn, false, undefined)).toEqual({ max_pfn, max_low_pfn: 0x38000 });
    // highmem=64M on a 1 GiB machine: max_pfn drops to 896+64 MiB.
    expect(find_max_low_pfn(stage, max_pfn, false, 64 * MiB)).toEqual({
      max_pfn: 0x38000 + 0x4000,
      max_low_pfn: 0x38000,
    });
    expect(stage.log).toEqual([]);
  });

  it("setup_memory: bootmem over lowmem, the image and page 0 reserved, the machine untouched", () => {
    const m = new Machine({ memBytes: 128 * MiB });
    const before = machineSnapshot(m);
    const stage = new BootStage(m);
    const mem = setup_memory(stage, img, undefined);
    expect(mem.max_low_pfn).toBe(mem.max_pfn);
    expect(mem.highstart_pfn).toBe(mem.max_pfn);
    expect(mem.start_pfn).toBe(Math.ceil(img.init_pg_tables_end / 4096));
    expect(stage.log).toEqual(["0MB HIGHMEM available.", "127MB LOWMEM available."]);
    // The first allocation is the trampoline: frame 2 (0 is the BIOS page, 1 the SMP page).
    expect(smp_alloc_memory(stage, mem.bdata)).toBe(0x2000);
    expect(stage.zeroed).toEqual([[0x2000, 4096]]);
    expect(machineSnapshot(m)).toBe(before);
  });

  it("startup_32 and pagetable_init build swapper_pg_dir in the stage; commitBoot loads it", () => {
    const m = new Machine({ memBytes: 64 * MiB, features: { pse: false } });
    const stage = new BootStage(m);
    e820__print_table(stage, m.e820);
    startup_32(stage, img);
    const mem = setup_memory(stage, img, undefined);
    smp_alloc_memory(stage, mem.bdata);
    const before = machineSnapshot(m);
    pagetable_init(stage, img, mem.max_low_pfn, mem.bdata);
    expect(machineSnapshot(m)).toBe(before);
    // Without PSE the kernel half of the directory points at page tables: head.S's pg0 first,
    // then tables from bootmem.
    const paging = m.paging;
    const pgd = img.swapper_pg_dir;
    const first = paging.readEntry(stage.ram, pgd, paging.pgd_index(PAGE_OFFSET));
    expect(pte_phys(first)).toBe(img.pg0);
    const pt = pte_phys(paging.readEntry(stage.ram, pgd, paging.pgd_index(PAGE_OFFSET + 8 * MiB)));
    expect(stage.frames.has(asPfn(pt / 4096))).toBe(true);
    expect(paging.readEntry(m.ram, pgd, paging.pgd_index(PAGE_OFFSET))).toBe(0);
    // zone_sizes_init, build_all_zonelists and mem_init alone, then the commit.
    const z = zone_sizes_init(stage, mem, 1);
    expect(z.zones.map((zone) => zone.spanned_pages)).toEqual([4096, mem.max_low_pfn - 4096, 0]);
    expect(z.mem_map.flags.length).toBeGreaterThanOrEqual(mem.max_pfn);
    build_all_zonelists(stage, z.node_data);
    expect(z.node_data[0].node_zonelists[0].zones.map((zone) => zone.name)).toEqual(["Normal", "DMA"]);
    const r = mem_init(stage, img, mem, z, true);
    expect(r.totalram_pages + r.reservedpages).toBe(mem.ramRanges.reduce((n, [s, e]) => n + e - s, 0));
    expect(machineSnapshot(m)).toBe(before);
    commitBoot(stage, img);
    expect(m.cpus[0].cr3).toBe(pgd);
    expect(pte_phys(paging.readEntry(m.ram, pgd, paging.pgd_index(PAGE_OFFSET)))).toBe(img.pg0);
    expect(paging.readEntry(m.ram, pgd, 0)).toBe(0); // zap_low_mappings
    expect(m.dmesg).toEqual(stage.log);
  });

  it("boot() gives the allocator everything it is built from; the allocator's state is read-only", () => {
    const m = new Machine({ memBytes: 64 * MiB });
    const b = boot(m, {});
    expect(b.bootLog).toEqual(m.dmesg);
    expect(b.swapper_pg_dir).toBe(__pa(PAGE_OFFSET + img.swapper_pg_dir));
    const pa = new PageAllocator(new Machine({ memBytes: 64 * MiB }));
    expect(pa.bootLog).toEqual(b.bootLog);
    expect([pa.max_pfn, pa.max_low_pfn, pa.totalram_pages, pa.min_free_kbytes]).toEqual([
      b.max_pfn,
      b.max_low_pfn,
      b.totalram_pages,
      b.min_free_kbytes,
    ]);
    // @ts-expect-error the boot's results are readonly
    pa.max_low_pfn = 1;
  });
});

describe("a boot that fails leaves the Machine exactly as before", () => {
  /** A machine with something in RAM, a TLB entry and a dmesg line already. */
  function usedMachine(opts: ConstructorParameters<typeof Machine>[0]): Machine {
    const m = new Machine(opts);
    m.ram.write32(img.swapper_pg_dir + 4, 0xdeadbeef); // where swapper_pg_dir goes
    if (m.ram.exists(0x3000, 4)) m.ram.write32(0x3000, 0x12345678); // a frame bootmem hands out
    m.ram.fill(0x200000, 4096, 0xaa);
    m.cpus[0].tlb.fill(0x400, 0x400, 1);
    m.printk("before the boot");
    return m;
  }
  it.each([
    [
      "the image leaves no lowmem (setup_memory, after startup_32)",
      { memBytes: 64 * MiB },
      { kernelImage: { bss: 60 * MiB } },
      /cannot hold the kernel image/,
    ],
    [
      "the image runs past RAM (startup_32's boot page tables)",
      { memBytes: 64 * MiB },
      { kernelImage: { bss: 61 * MiB } },
      /beyond RAM/,
    ],
    [
      "no RAM below 640 KiB for the trampoline (smp_alloc_memory)",
      {
        memBytes: 16 * MiB,
        e820: [
          { addr: 0, size: 0x1000, type: E820_RESERVED },
          { addr: 0x100000, size: 15 * MiB, type: E820_RAM },
        ],
      },
      {},
      /trampoline above/,
    ],
    [
      "bootmem cannot hold mem_map (zone_sizes_init, after pagetable_init)",
      { memBytes: 128 * MiB, features: { pse: false } },
      { kernelImage: { bss: 126208 * 1024 } },
      /bootmem alloc of 1047584 bytes failed/,
    ],
    ["two nodes on 6 MiB (zone_sizes_init)", { memBytes: 6 * MiB }, { nodes: 2 as const }, /two nodes/],
  ])("%s", (_what, machineOpts, bootOpts, error) => {
    const m = usedMachine(machineOpts);
    const before = machineSnapshot(m);
    expect(() => new PageAllocator(m, bootOpts)).toThrow(error);
    expect(machineSnapshot(m)).toBe(before);
  });
});
