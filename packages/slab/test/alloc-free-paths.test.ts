/*
 * The slab allocator's alloc and free paths step by step, as mm/slab.c (2.6.11) takes them:
 * __cache_alloc / cache_alloc_refill / cache_grow's BUG()s, __cache_free / cache_flusharray /
 * free_block, and CONFIG_DEBUG_SLAB's checks and statistics (cache_alloc_debugcheck_after,
 * cache_free_debugcheck, STATS_*). Written to kill the mutants `pnpm mutate slab` left alive
 * (issue #20 point 7); each test states the kernel behaviour it pins down.
 */
import { asVirt, ModelCheckError, type VirtAddr } from "@i386mm/hw-i386";
import { __GFP_HIGHMEM, GFP_ATOMIC, GFP_DMA, GFP_KERNEL } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import {
  POISON_END,
  POISON_INUSE,
  RED_ACTIVE,
  RED_INACTIVE,
  SLAB_CACHE_DMA,
  SLAB_CTOR_ATOMIC,
  SLAB_CTOR_CONSTRUCTOR,
  SLAB_CTOR_VERIFY,
  SLAB_DEBUG_INITIAL,
  SLAB_DESTROY_BY_RCU,
  SLAB_POISON,
  SLAB_RED_ZONE,
  SLAB_STORE_USER,
} from "../src/constants.js";
import { SLAB_NO_GROW } from "../src/gfp.js";
import { checkSlabInvariants } from "../src/invariants.js";
import type { kmem_cache_t } from "../src/kmem-cache.js";
import type { SlabAllocator } from "../src/slab-allocator.js";
import { boot, snapshot } from "./helpers.js";

const PO = 0xc0000000;
const hex8 = (v: number) => (v >>> 0).toString(16).padStart(8, "0");

/** The numbers after `label` in the cache's /proc/slabinfo line. */
function stats(slab: SlabAllocator, name: string, label: "globalstat" | "cpustat"): number[] {
  const line = slab
    .slabinfo()
    .split("\n")
    .find((l) => l.startsWith(`${name} `))!;
  const rest = line.split(` : ${label} `)[1]!;
  return rest.split(" : ")[0]!.trim().split(/\s+/).map(Number);
}

function listCounts(slab: SlabAllocator, c: kmem_cache_t): [number, number, number] {
  const t = slab.slabs;
  return [
    t.list_count(c.lists.slabs_full),
    t.list_count(c.lists.slabs_partial),
    t.list_count(c.lists.slabs_free),
  ];
}

/** One CPU, a cache of 4 objects a slab (1000-byte objects, off-slab), limit 4, batchcount 4, no shared array. */
function fourPerSlab(debug = false) {
  const env = boot({ cpus: 1, debug });
  const c = env.slab.kmem_cache_create("four", 1000, 0, 0, null)!;
  expect(c.num).toBe(4);
  expect(env.slab.slabinfo_write("four 4 4 0")).toBe(10);
  expect([c.limit, c.batchcount, c.lists.shared?.limit ?? 0]).toEqual([4, 4, 0]);
  expect(c.free_limit).toBe((1 + 1) * 4 + 4); // (1 + online CPUs) * batchcount + num
  return { ...env, c };
}

describe("__cache_alloc / cache_alloc_refill", () => {
  it("a destroyed cache: kmem_cache_alloc is refused and names the cache", () => {
    const { slab } = boot();
    const c = slab.kmem_cache_create("gone", 64, 0, 0, null)!;
    expect(slab.kmem_cache_destroy(c)).toBe(0);
    expect(() => slab.kmem_cache_alloc(c, GFP_KERNEL)).toThrow(
      /^kmem_cache_alloc: cache `gone' was destroyed or has no array/,
    );
  });

  it("refill takes what the shared array holds when it holds less than a batch", () => {
    const { slab, machine } = boot({ cpus: 2 });
    const c = slab.kmem_cache_create("t64", 64, 0, 0, null)!;
    const objs: VirtAddr[] = [];
    for (let i = 0; i < 121; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    for (const o of objs) slab.kmem_cache_free(c, o);
    const sh = c.lists.shared!;
    expect(sh.avail).toBe(60);
    machine.setCurrentCpu(1);
    const ac1 = c.array[1]!;
    slab.kmem_cache_alloc(c, GFP_KERNEL); // untouched: BATCHREFILL_LIMIT = 16
    expect([ac1.avail, sh.avail]).toEqual([15, 44]);
    for (let i = 0; i < 15; i++) slab.kmem_cache_alloc(c, GFP_KERNEL);
    slab.kmem_cache_alloc(c, GFP_KERNEL); // touched: batchcount 60, but only 44 there
    expect([ac1.avail, sh.avail]).toEqual([43, 0]);
    checkSlabInvariants(slab);
  });

  it("a refill that ends exactly as a slab fills takes no further slab off the free list", () => {
    const { slab, c } = fourPerSlab();
    const objs: VirtAddr[] = [];
    for (let i = 0; i < 16; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    for (const o of objs) slab.kmem_cache_free(c, o);
    expect(listCounts(slab, c)).toEqual([1, 0, 3]); // the fourth slab's objects sit in the array
    for (let i = 0; i < 4; i++) slab.kmem_cache_alloc(c, GFP_KERNEL); // empties the array
    slab.kmem_cache_alloc(c, GFP_KERNEL); // refill: batchcount 4 = one whole free slab
    expect(c.array[0]!.avail).toBe(3);
    expect(listCounts(slab, c)).toEqual([2, 0, 2]);
    expect(c.lists.free_objects).toBe(8);
    checkSlabInvariants(slab);
  });

  describe("cache_grow's BUG()s are reached only when the cache must grow", () => {
    const BAD = GFP_KERNEL | __GFP_HIGHMEM; // outside SLAB_DMA | SLAB_LEVEL_MASK | SLAB_NO_GROW

    it("a partial slab serves a mask with __GFP_HIGHMEM", () => {
      const { slab } = boot();
      const c = slab.kmem_cache_create("hm", 64, 0, 0, null)!;
      for (let i = 0; i < 16; i++) slab.kmem_cache_alloc(c, GFP_KERNEL); // array empty, slab partial
      expect(listCounts(slab, c)).toEqual([0, 1, 0]);
      expect(slab.kmem_cache_alloc(c, BAD)).not.toBeNull();
      checkSlabInvariants(slab);
    });

    it("a free slab serves it too", () => {
      const { slab, c } = fourPerSlab();
      const objs: VirtAddr[] = [];
      for (let i = 0; i < 8; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
      for (const o of objs) slab.kmem_cache_free(c, o);
      for (let i = 0; i < 4; i++) slab.kmem_cache_alloc(c, GFP_KERNEL);
      expect(listCounts(slab, c)).toEqual([1, 0, 1]);
      expect(c.array[0]!.avail).toBe(0);
      expect(slab.kmem_cache_alloc(c, BAD)).not.toBeNull();
      checkSlabInvariants(slab);
    });

    it("and so does the shared array while every slab is full", () => {
      const { slab, machine } = boot({ cpus: 2 });
      const c = slab.kmem_cache_create("hm", 64, 0, 0, null)!;
      const objs: VirtAddr[] = [];
      for (let i = 0; i < 2 * c.num; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
      for (const o of objs) slab.kmem_cache_free(c, o);
      expect(listCounts(slab, c)).toEqual([2, 0, 0]);
      expect(c.lists.shared!.avail).toBe(60);
      machine.setCurrentCpu(1);
      expect(slab.kmem_cache_alloc(c, BAD)).not.toBeNull();
      expect(c.lists.shared!.avail).toBe(44);
      checkSlabInvariants(slab);
    });

    it("growing: the mask is a BUG, and GFP_DMA of a non-DMA cache is kmem_flagcheck's, both in cache_grow", () => {
      const { slab } = boot();
      const c = slab.kmem_cache_create("hm", 64, 0, 0, null)!;
      const before = snapshot(slab);
      expect(() => slab.kmem_cache_alloc(c, BAD)).toThrow(
        /^cache_grow: flags 0x[0-9a-f]+ outside SLAB_DMA\|SLAB_LEVEL_MASK\|SLAB_NO_GROW for cache hm/,
      );
      expect(() => slab.kmem_cache_alloc(c, GFP_KERNEL | GFP_DMA)).toThrow(
        /^cache_grow: kmem_flagcheck: GFP_DMA asked of non-DMA cache hm/,
      );
      /* SLAB_NO_GROW: cache_grow returns before kmem_flagcheck */
      expect(slab.kmem_cache_alloc(c, SLAB_NO_GROW | GFP_DMA)).toBeNull();
      expect(snapshot(slab)).toBe(before);
    });

    it("without CONFIG_DEBUG_SLAB a GFP_DMA request is not checked while the array has objects", () => {
      const { slab } = boot();
      const c = slab.kmem_cache_create("nodma", 64, 0, 0, null)!;
      slab.kmem_cache_alloc(c, GFP_KERNEL);
      expect(slab.kmem_cache_alloc(c, GFP_KERNEL | GFP_DMA)).not.toBeNull();
    });
  });
});

describe("__cache_free / cache_flusharray / free_block", () => {
  it("kmem_cache_free refuses what it never handed out, naming itself", () => {
    const { slab, pa } = boot();
    const c = slab.kmem_cache_create("kcf", 64, 0, 0, null)!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    slab.kmem_cache_free(c, p);
    const before = snapshot(slab);
    expect(() => slab.kmem_cache_free(c, p)).toThrow(
      new RegExp(
        `^kmem_cache_free: double free: object of cache 'kcf' is not allocated at 0x${p.toString(16)}$`,
      ),
    );
    expect(() => slab.kmem_cache_free(c, asVirt(0x1000))).toThrow(
      /^kmem_cache_free: not a lowmem address, so no slab object/,
    );
    /* the first address past lowmem (high_memory), and the first lowmem address (page 0) */
    expect(() => slab.kmem_cache_free(c, pa.high_memory)).toThrow(/^kmem_cache_free: not a lowmem address/);
    expect(() => slab.kmem_cache_free(c, asVirt(PO))).toThrow(
      /^kmem_cache_free: its page is not a slab page/,
    );
    expect(() => slab.kmem_cache_free(c, asVirt(p + 2))).toThrow(ModelCheckError);
    expect(snapshot(slab)).toBe(before);
    /* a kernel address far past lowmem: a vmalloc'ed area, freed with the slab's calls by mistake */
    const v = slab.vmalloc(4096)!;
    const withV = snapshot(slab);
    expect(() => slab.kmem_cache_free(c, v)).toThrow(/^kmem_cache_free: not a lowmem address/);
    expect(() => slab.kfree(v)).toThrow(/^kfree: not a lowmem address/);
    expect(snapshot(slab)).toBe(withV);
    slab.vfree(v);
    checkSlabInvariants(slab);
  });

  it("a free into the wrong cache names kmem_cache_free; with CONFIG_DEBUG_SLAB the kernel would warn and free", () => {
    for (const debug of [false, true]) {
      const { slab } = boot({ debug });
      const a = slab.kmem_cache_create("a", 100, 0, 0, null)!;
      const b = slab.kmem_cache_create("b", 100, 0, 0, null)!;
      const p = slab.kmem_cache_alloc(a, GFP_KERNEL)!;
      let err: unknown;
      try {
        slab.kmem_cache_free(b, p);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ModelCheckError);
      expect((err as ModelCheckError).call).toBe("kmem_cache_free");
      /* refused even with the model's checks off: the model cannot hold a foreign object on this array */
      expect((err as ModelCheckError).modelled).toBe(false);
      expect((err as ModelCheckError).kernelWould).toMatch(
        debug
          ? /^print "mismatch in kmem_cache_free: expected cache/
          : /^push it onto the per-CPU array of `b'/,
      );
      slab.kmem_cache_free(a, p);
    }
  });

  it("a flush into a nearly full shared array moves only what fits", () => {
    const { slab, machine } = boot({ cpus: 2 });
    const c = slab.kmem_cache_create("t64", 64, 0, 0, null)!;
    const sh = c.lists.shared!;
    expect(sh.limit).toBe(8 * 60);
    const objs: VirtAddr[] = [];
    for (let i = 0; i < 601; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    const ac = c.array[0]!;
    let i = 0;
    while (sh.avail < 480) slab.kmem_cache_free(c, objs[i++]); // flushes of 60
    expect([ac.avail, sh.avail]).toEqual([61, 480]);
    machine.setCurrentCpu(1);
    slab.kmem_cache_alloc(c, GFP_KERNEL); // takes 16 from the shared array
    expect(sh.avail).toBe(464);
    machine.setCurrentCpu(0);
    while (ac.avail < 120) slab.kmem_cache_free(c, objs[i++]);
    const bottom = Array.from(ac.entry.subarray(0, 17));
    slab.kmem_cache_free(c, objs[i]); // cache_flusharray: max = 480 - 464 = 16
    expect(sh.avail).toBe(480);
    expect(ac.avail).toBe(120 - 16 + 1);
    expect(Array.from(sh.entry.subarray(464, 480))).toEqual(bottom.slice(0, 16));
    expect(ac.entry[0]).toBe(bottom[16]);
    checkSlabInvariants(slab);
  });

  it("free_block keeps an emptied slab while free_objects is at most free_limit, destroys it above", () => {
    const { slab, c } = fourPerSlab();
    const objs: VirtAddr[] = [];
    for (let i = 0; i < 20; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    const nr = slab.nr_slab;
    for (const o of objs.slice(0, 16)) slab.kmem_cache_free(c, o);
    /* three flushes of 4: the third leaves free_objects = 12 = free_limit, and the slab stays */
    expect(c.lists.free_objects).toBe(12);
    expect(listCounts(slab, c)).toEqual([2, 0, 3]);
    expect(slab.nr_slab).toBe(nr);
    for (const o of objs.slice(16, 20)) slab.kmem_cache_free(c, o);
    /* the fourth: 16 > 12, the emptied slab goes back to the page allocator */
    expect(c.lists.free_objects).toBe(12);
    expect(listCounts(slab, c)).toEqual([1, 0, 3]);
    expect(slab.nr_slab).toBe(nr - 1);
    checkSlabInvariants(slab);
  });
});

describe("without CONFIG_DEBUG_SLAB", () => {
  it("keeps no statistics (STATS is 0)", () => {
    const { slab, c } = fourPerSlab();
    const objs: VirtAddr[] = [];
    for (let i = 0; i < 24; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    for (const o of objs) slab.kmem_cache_free(c, o);
    for (let i = 0; i < 10; i++) objs[i] = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    for (const o of objs.slice(0, 10)) slab.kmem_cache_free(c, o);
    expect([
      c.allochit,
      c.allocmiss,
      c.freehit,
      c.freemiss,
      c.num_allocations,
      c.num_active,
      c.high_mark,
      c.max_freeable,
    ]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(slab.slabinfo()).not.toMatch(/globalstat/);
    checkSlabInvariants(slab);
  });
});

describe("CONFIG_DEBUG_SLAB: statistics in /proc/slabinfo", () => {
  it("counts hits, misses, objects taken from slabs, the high mark and the most free slabs", () => {
    const { slab, c } = fourPerSlab(true);
    const held: VirtAddr[] = [];
    /* 12 allocations: three refills of 4, each from a new slab (one miss and three hits each) */
    for (let i = 0; i < 12; i++) held.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    expect(c.grown).toBe(3);
    /* 12 frees: the 5th and the 9th find the array full and flush 4 objects, emptying a slab each */
    for (const o of held.splice(0, 12)) slab.kmem_cache_free(c, o);
    expect(listCounts(slab, c)).toEqual([1, 0, 2]);
    /* the array's 4 (allocation hits), then a miss: refill takes a free slab's 4 */
    for (let i = 0; i < 5; i++) held.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    /* a hit, then a miss whose flush leaves one free slab: the most stays 2 */
    slab.kmem_cache_free(c, held[0]);
    slab.kmem_cache_free(c, held[1]);
    expect(listCounts(slab, c)[2]).toBe(1);
    const [listallocs, maxobjs, grown, reaped, error, maxfreeable, freelimit, nodeallocs] = stats(
      slab,
      "four",
      "globalstat",
    );
    /* 16 objects left slabs; at most 12 were out of them at once (8 after the flushes, then 8 again) */
    expect([listallocs, maxobjs, grown, reaped, error, maxfreeable, freelimit, nodeallocs]).toEqual([
      16, 12, 3, 0, 0, 2, 12, 0,
    ]);
    expect(stats(slab, "four", "cpustat")).toEqual([13, 4, 11, 3]);
    expect([c.num_active, c.high_mark]).toEqual([4, 12]); // the last flush returned 4 more
    checkSlabInvariants(slab);
  });
});

describe("CONFIG_DEBUG_SLAB: cache_alloc_debugcheck_after and cache_free_debugcheck", () => {
  const SLAB_ERR = (call: string, name: string) =>
    `slab error in ${call}(): cache \`${name}': double free, or memory outside object was overwritten`;

  it("allocation finds a red zone overwritten while the object was free (either zone), and re-arms both", () => {
    const { slab, machine } = boot({ debug: true, cpus: 1 });
    const c = slab.kmem_cache_create("rz", 100, 0, 0, null)!;
    expect(c.flags & (SLAB_RED_ZONE | SLAB_STORE_USER)).toBe(SLAB_RED_ZONE | SLAB_STORE_USER);
    const ram = machine.ram;
    for (const zone of [1, 2] as const) {
      const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
      slab.kmem_cache_free(c, p);
      const obj = p - c.dbghead;
      const at = zone === 1 ? obj : obj + c.objsize - 8;
      expect(ram.read32(at - PO) >>> 0).toBe(RED_INACTIVE);
      ram.write32(at - PO, 0x12345678);
      const n = machine.dmesg.length;
      expect(slab.kmem_cache_alloc(c, GFP_KERNEL)).toBe(p);
      const r1 = zone === 1 ? 0x12345678 : RED_INACTIVE;
      const r2 = zone === 2 ? 0x12345678 : RED_INACTIVE;
      expect(machine.dmesg.slice(n)).toEqual([
        SLAB_ERR("cache_alloc_debugcheck_after", "rz"),
        `${hex8(obj)}: redzone 1: 0x${r1.toString(16)}, redzone 2: 0x${r2.toString(16)}.`,
      ]);
      expect(ram.read32(obj - PO) >>> 0).toBe(RED_ACTIVE);
      expect(ram.read32(obj + c.objsize - 8 - PO) >>> 0).toBe(RED_ACTIVE);
      slab.kmem_cache_free(c, p);
    }
    /* untouched zones: nothing is printed either way */
    const n = machine.dmesg.length;
    const q = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    slab.kmem_cache_free(c, q);
    expect(machine.dmesg.length).toBe(n);
  });

  it("free finds red zone 1 overwritten while the object was in use", () => {
    const { slab, machine } = boot({ debug: true, cpus: 1 });
    const c = slab.kmem_cache_create("rz", 100, 0, 0, null)!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    const obj = p - c.dbghead;
    machine.ram.write32(obj - PO, 0);
    const n = machine.dmesg.length;
    slab.kmem_cache_free(c, p);
    expect(machine.dmesg.slice(n)).toEqual([
      SLAB_ERR("cache_free_debugcheck", "rz"),
      `${hex8(obj)}: redzone 1: 0x0, redzone 2: 0x${RED_ACTIVE.toString(16)}.`,
    ]);
    expect(machine.ram.read32(obj - PO) >>> 0).toBe(RED_INACTIVE);
  });

  it("alloc and free store the caller in the user word (the model has none: 0)", () => {
    const { slab, machine } = boot({ debug: true, cpus: 1 });
    const c = slab.kmem_cache_create("user", 100, 0, 0, null)!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    const word = p - c.dbghead + c.objsize - 4 - PO;
    machine.ram.write32(word, 0xdeadbeef);
    slab.kmem_cache_free(c, p);
    expect(machine.ram.read32(word)).toBe(0);
    machine.ram.write32(word, 0xdeadbeef);
    expect(slab.kmem_cache_alloc(c, GFP_KERNEL)).toBe(p);
    expect(machine.ram.read32(word)).toBe(0);
  });

  it("a red-zoned cache without a user word: red zone 2 is the object's last word, untouched by the user-word store", () => {
    const { slab, machine } = boot({ debug: true, cpus: 1 });
    /* 8192 bytes: FORCED_DEBUG adds no red zone or user word (fls(8191) != fls(8191 + 12)); ask for the red zone */
    const c = slab.kmem_cache_create("big", 8192, 0, SLAB_RED_ZONE, null)!;
    expect(c.flags & (SLAB_RED_ZONE | SLAB_STORE_USER)).toBe(SLAB_RED_ZONE);
    const n = machine.dmesg.length;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    const rz2 = p - c.dbghead + c.objsize - 4 - PO;
    expect(machine.ram.read32(rz2) >>> 0).toBe(RED_ACTIVE);
    slab.kmem_cache_free(c, p);
    expect(machine.ram.read32(rz2) >>> 0).toBe(RED_INACTIVE);
    expect(slab.kmem_cache_alloc(c, GFP_KERNEL)).toBe(p);
    slab.kmem_cache_free(c, p);
    expect(machine.dmesg.slice(n).filter((l) => l.startsWith("slab error"))).toEqual([]);
  });

  it("a cache without red zones (8192 bytes, nothing asked): allocation checks and writes none, the poison stays whole", () => {
    const { slab, machine } = boot({ debug: true, cpus: 1 });
    const c = slab.kmem_cache_create("plain8k", 8192, 0, 0, null)!;
    expect(c.flags & (SLAB_RED_ZONE | SLAB_POISON)).toBe(SLAB_POISON);
    expect(c.dbghead).toBe(0);
    const n = machine.dmesg.length;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    const bytes = machine.ram.readBytes(p - PO, 8192);
    expect(bytes.subarray(0, 8191).every((b) => b === POISON_INUSE)).toBe(true);
    expect(bytes[8191]).toBe(POISON_END);
    expect(machine.dmesg.length).toBe(n);
  });

  it("a cache without SLAB_POISON (SLAB_DESTROY_BY_RCU) is neither poisoned at free nor checked at allocation", () => {
    const { slab, machine } = boot({ debug: true, cpus: 1 });
    const c = slab.kmem_cache_create("rcu", 100, 0, SLAB_DESTROY_BY_RCU, null)!;
    expect(c.flags & SLAB_POISON).toBe(0);
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    machine.ram.fill(p - PO, 100, 0x33);
    const n = machine.dmesg.length;
    slab.kmem_cache_free(c, p);
    expect(Array.from(machine.ram.readBytes(p - PO, 100)).every((b) => b === 0x33)).toBe(true);
    expect(slab.kmem_cache_alloc(c, GFP_KERNEL)).toBe(p);
    expect(machine.dmesg.length).toBe(n);
  });

  it("a write after free names the neighbours in the slab (Prev obj / Next obj)", () => {
    const { slab, machine } = boot({ debug: true, cpus: 1 });
    const c = slab.kmem_cache_create("uaf", 100, 0, 0, null)!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!; // object 15 of the first refill: not the first, not the last
    slab.kmem_cache_free(c, p);
    machine.ram.write8(p + 3 - PO, 0);
    const n = machine.dmesg.length;
    expect(slab.kmem_cache_alloc(c, GFP_KERNEL)).toBe(p);
    const out = machine.dmesg.slice(n);
    expect(out[0]).toBe(`Slab corruption: start=${hex8(p)}, len=100`);
    expect(out).toContain(`Prev obj: start=${hex8(p - c.objsize)}, len=100`);
    expect(out).toContain(`Next obj: start=${hex8(p + c.objsize)}, len=100`);
  });

  it("a GFP_DMA mismatch is kmem_flagcheck's BUG at every allocation, either way round", () => {
    const { slab } = boot({ debug: true });
    const c = slab.kmem_cache_create("plain", 64, 0, 0, null)!;
    const d = slab.kmem_cache_create("dma", 64, 0, SLAB_CACHE_DMA, null)!;
    slab.kmem_cache_free(c, slab.kmem_cache_alloc(c, GFP_KERNEL)!); // the array has an object
    expect(() => slab.kmem_cache_alloc(c, GFP_KERNEL | GFP_DMA)).toThrow(
      /^kmem_cache_alloc: kmem_flagcheck: GFP_DMA asked of non-DMA cache plain/,
    );
    expect(() => slab.kmem_cache_alloc(d, GFP_KERNEL)).toThrow(
      /^kmem_cache_alloc: kmem_flagcheck: GFP_DMA missing for DMA cache dma/,
    );
    expect(slab.kmem_cache_alloc(d, GFP_KERNEL | GFP_DMA)).not.toBeNull();
  });

  it("an allocation that cannot grow the cache returns NULL", () => {
    const { slab } = boot({ debug: true });
    const c = slab.kmem_cache_create("nogrow", 64, 0, 0, null)!;
    expect(slab.kmem_cache_alloc(c, SLAB_NO_GROW)).toBeNull();
    expect(c.allocmiss).toBe(1);
  });

  it("a poisoned cache's ctor runs at allocation on the object, SLAB_CTOR_ATOMIC without __GFP_WAIT", () => {
    const { slab } = boot({ debug: true });
    const calls: [number, number][] = [];
    const c = slab.kmem_cache_create("ctor", 64, 0, 0, (objp, _c, flags) => {
      calls.push([objp, flags]);
    })!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    const q = slab.kmem_cache_alloc(c, GFP_ATOMIC)!;
    expect(calls).toEqual([
      [p, SLAB_CTOR_CONSTRUCTOR],
      [q, SLAB_CTOR_CONSTRUCTOR | SLAB_CTOR_ATOMIC],
    ]);
  });

  it("free verifies a SLAB_DEBUG_INITIAL object with its ctor and runs a poisoned cache's dtor, on the object", () => {
    const { slab } = boot({ debug: true });
    const log: string[] = [];
    const ctor = (objp: number, _c: kmem_cache_t, flags: number) => log.push(`ctor ${objp} ${flags}`);
    const dtor = (objp: number, _c: kmem_cache_t, flags: number) => log.push(`dtor ${objp} ${flags}`);
    const c = slab.kmem_cache_create("init", 64, 0, SLAB_DEBUG_INITIAL, ctor, dtor)!;
    expect(c.flags & SLAB_POISON).toBe(SLAB_POISON);
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    log.length = 0;
    slab.kmem_cache_free(c, p);
    expect(log).toEqual([`ctor ${p} ${SLAB_CTOR_CONSTRUCTOR | SLAB_CTOR_VERIFY}`, `dtor ${p} 0`]);
    /* no SLAB_DEBUG_INITIAL: no verification at free */
    const plain = slab.kmem_cache_create("plainctor", 64, 0, 0, ctor)!;
    const q = slab.kmem_cache_alloc(plain, GFP_KERNEL)!;
    log.length = 0;
    slab.kmem_cache_free(plain, q);
    expect(log).toEqual([]);
    expect(slab.kmem_cache_alloc(plain, GFP_KERNEL)).toBe(q);
  });
});
