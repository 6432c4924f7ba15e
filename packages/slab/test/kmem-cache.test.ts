import { KernelPanicError, Machine } from "@i386mm/hw-i386";
import { GFP_ATOMIC, GFP_KERNEL, PageAllocator } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { slabGeometry } from "../src/cache-geometry.js";
import {
  CFLGS_OFF_SLAB,
  SLAB_CTOR_ATOMIC,
  SLAB_CTOR_CONSTRUCTOR,
  SLAB_HWCACHE_ALIGN,
  SLAB_PANIC,
  SLAB_POISON,
  SLAB_RED_ZONE,
} from "../src/constants.js";
import { SlabError } from "../src/errors.js";
import { checkSlabInvariants } from "../src/invariants.js";
import { cache_estimate, OFF_SLAB } from "../src/kmem-cache.js";
import { SlabAllocator } from "../src/slab-allocator.js";
import { boot, snapshot } from "./helpers.js";

describe("cache_estimate", () => {
  it("matches the derived vectors of reference 03 §10 (4 KiB pages, align 32)", () => {
    expect(cache_estimate(0, 32, 32, 0, 4096)).toEqual({ num: 119, left_over: 0 });
    expect(cache_estimate(0, 64, 32, 0, 4096)).toEqual({ num: 61, left_over: 32 });
    expect(cache_estimate(0, 192, 32, 0, 4096)).toEqual({ num: 20, left_over: 192 });
    expect(cache_estimate(0, 256, 32, 0, 4096)).toEqual({ num: 15, left_over: 192 });
    expect(cache_estimate(0, 512, 32, CFLGS_OFF_SLAB, 4096)).toEqual({ num: 8, left_over: 0 });
    expect(cache_estimate(0, 8192, 32, CFLGS_OFF_SLAB, 4096).num).toBe(0);
  });
});

describe("slabGeometry (kmem_cache_create's arithmetic)", () => {
  const ctx = { debug: false, offslab_limit: 116, slab_break_gfp_order: 1 };
  it("adds red zone and user words under CONFIG_DEBUG_SLAB and drops to word alignment", () => {
    const g = slabGeometry(32, 0, SLAB_HWCACHE_ALIGN | SLAB_RED_ZONE | 0x10000, { ...ctx, debug: true });
    expect([g.objsize, g.reallen, g.dbghead, g.align]).toEqual([44, 32, 4, 4]);
  });
  it("keeps SLAB_RECLAIM_ACCOUNT caches at order 0 and honours a caller alignment", () => {
    expect(slabGeometry(3000, 0, 0x20000, ctx).gfporder).toBe(0);
    expect(slabGeometry(3000, 0, 0, ctx).gfporder).toBe(1); // 1096 bytes wasted at order 0 (> 1/8)
    expect(slabGeometry(40, 128, 0, ctx)).toMatchObject({ objsize: 128, align: 128, colour_off: 128 });
  });
  it("reports num 0 when nothing fits", () => {
    expect(slabGeometry(4096 * 33, 0, 0, ctx).num).toBe(0);
  });
});

describe("kmem_cache_init", () => {
  it("creates cache_cache and the general caches with the kernel's geometry", () => {
    const { slab } = boot();
    const g = (n: string) => slab.cache_chain.find((c) => c.name === n)!;
    const expectGeom = (n: string, num: number, order: number, colour: number, off: boolean) => {
      const c = g(n);
      expect([c.num, c.gfporder, c.colour, OFF_SLAB(c)], n).toEqual([num, order, colour, off]);
    };
    expectGeom("size-32", 119, 0, 0, false);
    expectGeom("size-64", 61, 0, 1, false);
    expectGeom("size-96", 41, 0, 1, false);
    expectGeom("size-128", 31, 0, 1, false);
    expectGeom("size-192", 20, 0, 6, false);
    expectGeom("size-256", 15, 0, 6, false);
    expectGeom("size-512", 8, 0, 0, true);
    expectGeom("size-1024", 4, 0, 0, true);
    expectGeom("size-2048", 2, 0, 0, true);
    expectGeom("size-4096", 1, 0, 0, true);
    for (let o = 1; o <= 5; o++) expectGeom(`size-${4096 << o}`, 1, o, 0, true);
    expect(g("size-512").slabp_cache?.name).toBe("size-64");
    expect(g("size-512").slab_size).toBe(40);
    expect(g("size-1024").slabp_cache?.name).toBe("size-32");
    expect(g("size-1024").slab_size).toBe(32);
    expect(g("size-128(DMA)").gfpflags).toBe(1);
    expect(slab.offslab_limit).toBe(116);
    const cc = slab.cache_cache;
    expect([cc.name, cc.objsize, cc.num, cc.colour]).toEqual(["kmem_cache", 160, 25, 0]);
    // cache_chain: newest first, cache_cache last; the twins right after their cache
    const names = slab.cache_chain.map((c) => c.name);
    expect(names[0]).toBe("size-131072(DMA)");
    expect(names[names.length - 1]).toBe("kmem_cache");
    expect(names.length).toBe(31);
    // enable_cpucache defaults
    expect([g("size-32").limit, g("size-32").batchcount, g("size-32").lists.shared?.limit]).toEqual([
      120, 60, 480,
    ]);
    expect([g("size-512").limit, g("size-512").batchcount]).toEqual([54, 27]);
    expect([g("size-2048").limit, g("size-2048").batchcount]).toEqual([24, 12]);
    expect([g("size-8192").limit, g("size-8192").batchcount, g("size-8192").lists.shared?.limit]).toEqual([
      8, 4, 0,
    ]);
    checkSlabInvariants(slab);
  });

  it("uses order-0 slabs on a machine with at most 32 MiB (slab_break_gfp_order LO)", () => {
    const { slab } = boot({ memBytes: 16 << 20, cpus: 1 });
    expect(slab.slab_break_gfp_order).toBe(0);
    checkSlabInvariants(slab);
  });

  it("brings up every CPU's array after the boot CPU (cpuup_callback)", () => {
    const { slab } = boot({ cpus: 4 });
    const c = slab.cache_chain.find((x) => x.name === "size-64")!;
    expect(c.array.slice(0, 4).every((a) => a !== null && a.limit === 120)).toBe(true);
    expect(c.array[4]).toBeNull();
    // free_limit computed at CPU_UP_PREPARE of the last CPU: (1 + 3 online) * 60 + 61
    expect(c.free_limit).toBe(4 * 60 + 61);
  });
});

describe("kmem_cache_create", () => {
  it("rejects bad arguments with SlabError and changes nothing", () => {
    const { slab } = boot();
    const before = snapshot(slab);
    const ctor = () => {};
    expect(() => slab.kmem_cache_create("tiny", 3, 0, 0, null)).toThrow(SlabError);
    expect(() => slab.kmem_cache_create("huge", 131073, 0, 0, null)).toThrow(SlabError);
    expect(() => slab.kmem_cache_create(null as never, 64, 0, 0, null)).toThrow(SlabError);
    expect(() => slab.kmem_cache_create("dtor", 64, 0, 0, null, ctor)).toThrow(SlabError);
    expect(() => slab.kmem_cache_create("size-64", 64, 0, 0, null)).toThrow(/duplicate cache size-64/);
    expect(() => slab.kmem_cache_create("p", 64, 0, SLAB_POISON, null)).toThrow(/CREATE_MASK/);
    expect(() => slab.kmem_cache_create("r", 64, 0, SLAB_RED_ZONE, null)).toThrow(SlabError);
    expect(snapshot(slab)).toBe(before);
    expect(slab.machine.dmesg).toContain("kmem_cache_create: Early error in slab tiny");
    checkSlabInvariants(slab);
  });

  it("rounds the size to words, aligns, and picks on-slab below PAGE_SIZE/8", () => {
    const { slab } = boot();
    const a = slab.kmem_cache_create("odd", 61, 0, 0, null)!;
    expect([a.objsize, a.num, a.gfporder, OFF_SLAB(a)]).toEqual([64, 61, 0, false]);
    const b = slab.kmem_cache_create("hw", 20, 0, SLAB_HWCACHE_ALIGN, null)!;
    expect(b.objsize).toBe(32); // ralign 32 (20 > 16)
    const c = slab.kmem_cache_create("hw-small", 12, 0, SLAB_HWCACHE_ALIGN, null)!;
    expect(c.objsize).toBe(16); // tiny objects share a line
    const d = slab.kmem_cache_create("big", 1024, 0, 0, null)!;
    expect([OFF_SLAB(d), d.num, d.slab_size, d.slabp_cache?.name]).toEqual([true, 4, 32, "size-32"]);
    const f = slab.kmem_cache_create("on-after-all", 600, 0, 0, null)!;
    expect(OFF_SLAB(f)).toBe(false); // 6 x 600 leaves 496 bytes: the descriptor moves on-slab
    const e = slab.kmem_cache_create("aligned", 40, 128, 0, null)!;
    expect(e.objsize).toBe(128);
    expect(slab.cache_chain[0]).toBe(e);
    checkSlabInvariants(slab);
  });

  it("moves an off-slab descriptor on-slab when the left-over fits it", () => {
    const { slab } = boot();
    const c = slab.kmem_cache_create("fits", 1000, 0, 0, null)!;
    // 4 x 1000 = 4000, left 96 >= ALIGN(4*2+24, 4) = 32: on-slab after all
    expect([c.num, OFF_SLAB(c), c.slab_size, c.colour]).toEqual([4, false, 32, 2]);
  });

  it("runs the ctor on every new object with SLAB_CTOR_CONSTRUCTOR, writing RAM", () => {
    const { slab, machine } = boot();
    const seen: [number, number][] = [];
    const c = slab.kmem_cache_create("ctor-test", 48, 0, 0, (objp, cachep, flags) => {
      expect(cachep.name).toBe("ctor-test");
      seen.push([objp, flags]);
      machine.ram.write32(objp - 0xc0000000, 0xabcd1234);
    })!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    expect(seen.length).toBe(c.num);
    expect(seen.every(([, f]) => f === SLAB_CTOR_CONSTRUCTOR)).toBe(true);
    expect(machine.ram.read32(p - 0xc0000000) >>> 0).toBe(0xabcd1234);
    slab.kmem_cache_alloc(c, 0x20 /* GFP_ATOMIC */);
    // the second allocation came from the array: no new slab, no new ctor call
    expect(seen.length).toBe(c.num);
    expect(SLAB_CTOR_ATOMIC).toBe(2);
  });

  it("creates the largest cache (131072 bytes in an order-5 slab)", () => {
    const { slab } = boot();
    const c = slab.kmem_cache_create("max", 131072, 0, SLAB_PANIC, null)!;
    expect([c.num, c.gfporder]).toEqual([1, 5]);
  });

  it("runs into the OOM killer when its slab pages run out: with nothing to kill, 2.6.11 panics (#21 point 5)", () => {
    const { slab, pa, machine } = boot({ memBytes: 16 << 20, cpus: 1 });
    for (const sz of [131072, 65536, 32768, 16384, 8192, 4096]) while (slab.kmalloc(sz, GFP_ATOMIC) !== null);
    while (pa.alloc_page(GFP_ATOMIC) !== null);
    let n = 0;
    // cache_cache grows with GFP_KERNEL: no __GFP_NORETRY, so out_of_memory, which finds no process.
    expect(() => {
      while (slab.kmem_cache_create(`x${n}`, 64, 0, 0, null) !== null) n++;
    }).toThrow(KernelPanicError);
    expect(n).toBeLessThan(100);
    expect(machine.dmesg.at(-1)).toBe(
      "Kernel panic - not syncing: Out of memory and no killable processes...",
    );
    expect(machine.halted?.kind).toBe("panic");
  });

  it("panics with SLAB_PANIC when the cache cannot be created", () => {
    const { slab, machine } = boot({ debug: true });
    // 128 KiB plus the two red-zone words fits no slab of order <= 5: "couldn't create cache".
    expect(slab.kmem_cache_create("panicky", 131072, 0, SLAB_RED_ZONE, null)).toBeNull();
    expect(machine.dmesg.at(-1)).toBe("kmem_cache_create: couldn't create cache panicky.");
    expect(() => slab.kmem_cache_create("panicky", 131072, 0, SLAB_RED_ZONE | SLAB_PANIC, null)).toThrow(
      KernelPanicError,
    );
    expect(machine.dmesg.at(-1)).toBe(
      "Kernel panic - not syncing: kmem_cache_create(): failed to create slab `panicky'",
    );
    expect(machine.halted).toMatchObject({ kind: "panic", call: "kmem_cache_create" });
    checkSlabInvariants(slab);
  });
});

describe("kmem_getpages(cachep, flags, nodeid) (2.6.11 and the seed take the node)", () => {
  it("allocates the slab's pages from node `nodeid` (-1: the current CPU's), PG_slab set", () => {
    const machine = new Machine({ memBytes: 256 << 20, cpus: 2 });
    const pa = new PageAllocator(machine, { nodes: 2 });
    const slab = new SlabAllocator(pa);
    const c = slab.kmem_cache_create("nodal", 100, 0, 0, null)!;
    for (const nid of [-1, 0, 1]) {
      const addr = slab.kmem_getpages(c, GFP_KERNEL, nid);
      const page = pa.virt_to_page(addr);
      expect(pa.PageSlab(page)).toBe(true);
      expect(pa.page_zone(page).zone_pgdat.node_id).toBe(nid === 1 ? 1 : 0);
      slab.kmem_freepages(c, addr);
    }
    expect(() => slab.kmem_getpages(c, GFP_KERNEL, 2)).toThrow(/alloc_pages_node: no node 2/);
    checkSlabInvariants(slab);
  });
});
