/* boot(): the layers on one machine, its options, the one-per-kernel layers, the whole-machine check. */
import { ConfigError, E820_RAM, E820_RESERVED, InvariantError } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageCache } from "@i386mm/page-cache";
import { SlabAllocator } from "@i386mm/slab";
import { VmSystem } from "@i386mm/vma";
import { describe, expect, it } from "vitest";
import { boot, checkKernelInvariants, kernelProblems, LAYERS, parseMemSize } from "../src/index.js";

const MiB = 2 ** 20;

describe("boot", () => {
  it("builds every layer on one machine and one page allocator", () => {
    const k = boot({ mem: "64M", cpus: 2 });
    expect(k.layers).toEqual(["hw-i386", "page-alloc", "slab", "kmap", "page-cache", "vma"]);
    expect(k.layers).toBe(LAYERS);
    expect(k.machine.ram.size).toBe(64 * MiB);
    expect(k.machine.cpus).toHaveLength(2);
    expect(k.pa.machine).toBe(k.machine);
    expect(k.slab.pa).toBe(k.pa);
    expect(k.km.pa).toBe(k.pa);
    expect(k.machine.cpus.every((c) => c.cr3 === k.pa.swapper_pg_dir)).toBe(true);
    expect(Object.isFrozen(k)).toBe(true);
    checkKernelInvariants(k);
  });

  it("passes each option to its layer", () => {
    const e820 = [
      { addr: 0, size: 0x9f000, type: E820_RAM },
      { addr: 0xf0000, size: 0x10000, type: E820_RESERVED },
      { addr: 0x100000, size: 31 * MiB, type: E820_RAM },
    ];
    const k = boot({
      mem: 32 * MiB,
      pae: true,
      nodes: 2,
      e820,
      features: { pse: false },
      slab: { debug: true },
      kmap: { debug_highmem: true },
      pageAlloc: { kernelImage: { bss: 1 * MiB } },
    });
    expect(k.machine.pae).toBe(true);
    expect(k.machine.e820.map).toHaveLength(3);
    expect(k.machine.features.pse).toBe(false);
    expect(k.pa.node_data).toHaveLength(2);
    expect(k.pa.kernel._end - k.pa.kernel.__init_end).toBe(1 * MiB);
    expect(k.slab.debug).toBe(true);
    // highmem= reaches the page allocator.
    expect(boot({ mem: "256M", pageAlloc: { highmem: 64 * MiB } }).pa.totalhigh_pages).toBe(16384);
  });

  it("refuses set-ups no PC or build has, with a ConfigError", () => {
    expect(() => boot({ mem: "1.5G" })).toThrow(ConfigError);
    expect(() => boot({ mem: "3M" })).toThrow(RangeError); // the Machine's own check
    expect(() => boot({ mem: "64M", nodes: 3 as 1 })).toThrow(/nodes must be 1 or 2/);
  });
});

describe("one slab allocator and one Kmap per kernel", () => {
  it("refuses a second SlabAllocator or Kmap on the same page allocator, changing nothing", () => {
    const k = boot({ mem: "128M" });
    const free = k.pa.nr_free_pages();
    const caches = k.slab.cache_chain.length;
    expect(() => new SlabAllocator(k.pa)).toThrow(ConfigError);
    expect(() => new SlabAllocator(k.pa)).toThrow(/already has a slab layer/);
    expect(() => new Kmap(k.pa)).toThrow(/already has a kmap layer/);
    expect(() => new Kmap(k.slab)).toThrow(ConfigError);
    expect(k.pa.nr_free_pages()).toBe(free);
    expect(k.slab.cache_chain.length).toBe(caches);
    expect(k.pa.attachedLayer("slab")).toBe(k.slab);
    expect(k.pa.attachedLayer("kmap")).toBe(k.km);
    checkKernelInvariants(k);
  });

  it("refuses a second VmSystem or PageCache on the same page allocator, changing nothing", () => {
    const k = boot({ mem: "128M" });
    const free = k.pa.nr_free_pages();
    const caches = k.slab.cache_chain.length;
    expect(() => new VmSystem(k.slab, k.km)).toThrow(ConfigError);
    expect(() => new VmSystem(k.slab, k.km)).toThrow(/already has a vma layer/);
    expect(() => new PageCache(k.slab, k.km)).toThrow(/a page cache is already set up/);
    expect(k.pa.nr_free_pages()).toBe(free);
    expect(k.slab.cache_chain.length).toBe(caches);
    expect(k.pa.attachedLayer("vma")).toBe(k.vm);
    checkKernelInvariants(k);
  });
});

describe("checkKernelInvariants", () => {
  it("names the layer of each broken invariant", () => {
    const k = boot({ mem: "64M" });
    expect(kernelProblems(k)).toEqual([]);
    k.pa.zones[1]!.free_pages += 1; // a count the buddy lists do not hold
    const problems = kernelProblems(k);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((q) => /^(hw-i386|page-alloc|slab|kmap|page-cache|vma|machine): /.test(q))).toBe(
      true,
    );
    expect(problems.some((q) => q.startsWith("page-alloc: "))).toBe(true);
    expect(() => checkKernelInvariants(k)).toThrow(InvariantError);
  });
});

describe("parseMemSize", () => {
  it.each([
    ["128M", 128 * MiB],
    ["1G", 1024 * MiB],
    ["65536K", 64 * MiB],
    ["2GiB", 2048 * MiB],
    ["512MB", 512 * MiB],
    ["4096", 4096 * MiB],
  ])("%s", (text, bytes) => expect(parseMemSize(text)).toBe(bytes));
  it.each(["", "12X", "1.5G", "-1M", "M"])("refuses '%s'", (text) =>
    expect(() => parseMemSize(text)).toThrow(ConfigError),
  );
});
