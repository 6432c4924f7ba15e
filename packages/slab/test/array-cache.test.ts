import { GFP_KERNEL } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { SLAB_NO_REAP } from "../src/constants.js";
import { SlabError } from "../src/errors.js";
import { checkSlabInvariants } from "../src/invariants.js";
import { boot, snapshot } from "./helpers.js";

function setup(cpus = 2) {
  const env = boot({ cpus });
  const c = env.slab.kmem_cache_create("t64", 64, 0, 0, null)!; // num 61, colour 1, limit 120/60
  return { ...env, c };
}

describe("per-CPU array caches", () => {
  it("first allocation grows one slab and refills BATCHREFILL_LIMIT objects (array untouched)", () => {
    const { slab, c, machine } = setup();
    expect([c.num, c.limit, c.batchcount]).toEqual([61, 120, 60]);
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    const ac = c.array[machine.current]!;
    expect(ac.avail).toBe(15); // 16 moved, one handed out
    expect(ac.touched).toBe(1);
    expect(c.lists.free_objects).toBe(61 - 16);
    expect(slab.slabs.list_count(c.lists.slabs_partial)).toBe(1);
    // LIFO: the next object is the one on top of the array
    const top = ac.entry[ac.avail - 1];
    expect(slab.kmem_cache_alloc(c, GFP_KERNEL)).toBe(top);
    // objects come from s_mem upward: the first refill took indices 0..15, pop returns 15
    const h = slab.slabs.next[c.lists.slabs_partial];
    expect(p).toBe(slab.slabs.s_mem[h] + 15 * 64);
    checkSlabInvariants(slab);
  });

  it("a touched array refills a whole batchcount; slabs move partial -> full", () => {
    const { slab, c, machine } = setup();
    const got: number[] = [];
    for (let i = 0; i < 16; i++) got.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    const ac = c.array[machine.current]!;
    expect(ac.avail).toBe(0);
    got.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!); // touched: batchcount 60
    // the 45 left in the first slab; having some, the refill does not grow the cache
    expect(ac.avail).toBe(44);
    expect(slab.slabs.list_count(c.lists.slabs_full)).toBe(1);
    expect(slab.slabs.list_count(c.lists.slabs_partial)).toBe(0);
    expect(c.lists.free_objects).toBe(0);
    expect(c.lists.free_touched).toBe(1);
    checkSlabInvariants(slab);
  });

  it("a full array flushes batchcount objects from its bottom into the shared array", () => {
    const { slab, c, machine } = setup();
    const objs: number[] = [];
    for (let i = 0; i < 121; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    const ac = c.array[machine.current]!;
    for (let i = 0; i < 120; i++) slab.kmem_cache_free(c, objs[i] as never);
    expect(ac.avail).toBe(120);
    slab.kmem_cache_free(c, objs[120] as never); // cache_flusharray
    expect(ac.avail).toBe(61);
    expect(c.lists.shared!.avail).toBe(60);
    expect(Array.from(c.lists.shared!.entry.subarray(0, 60))).toEqual(objs.slice(0, 60));
    expect(ac.entry[0]).toBe(objs[60]);
    checkSlabInvariants(slab);
  });

  it("refill takes from the shared array first, without touching free_objects", () => {
    const { slab, c, machine } = setup();
    const objs: number[] = [];
    for (let i = 0; i < 121; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    for (const o of objs) slab.kmem_cache_free(c, o as never);
    const fo = c.lists.free_objects;
    machine.setCurrentCpu(1);
    slab.kmem_cache_alloc(c, GFP_KERNEL);
    expect(c.array[1]!.avail).toBe(15); // 16 from the top of shared
    expect(c.lists.shared!.avail).toBe(44);
    expect(c.lists.shared!.touched).toBe(1);
    expect(c.lists.free_objects).toBe(fo);
    checkSlabInvariants(slab);
  });

  it("free on another CPU goes to that CPU's array (SMP)", () => {
    const { slab, c, machine } = setup();
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    machine.setCurrentCpu(1);
    slab.kmem_cache_free(c, p);
    expect(c.array[1]!.avail).toBe(1);
    expect(c.array[1]!.entry[0]).toBe(p);
    checkSlabInvariants(slab);
  });

  it("slab colouring cycles colour_next over consecutive slabs", () => {
    const { slab } = setup();
    const c = slab.kmem_cache_create("c192", 192, 0, 0x2000 /* HWCACHE_ALIGN */, null)!;
    expect([c.num, c.colour, c.colour_off]).toEqual([20, 6, 32]);
    const offs: number[] = [];
    for (let i = 0; i < 8 * 20; i++) slab.kmem_cache_alloc(c, GFP_KERNEL);
    const t = slab.slabs;
    for (const head of [c.lists.slabs_full, c.lists.slabs_partial])
      for (let h = t.next[head]; h !== head; h = t.next[h]) offs.push((t.s_mem[h] - 0xc0000000) % 4096);
    // s_mem = page + colour*32 + slab_size (ALIGN(20*2+24, 32) = 64)
    expect(new Set(offs)).toEqual(new Set([0, 1, 2, 3, 4, 5].map((k) => k * 32 + 64)));
    checkSlabInvariants(slab);
  });

  it("every slab page carries PG_slab and points back to its cache and slab", () => {
    const { slab, pa, c } = setup();
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    const pfn = (p - 0xc0000000) >>> 12;
    expect(pa.PageSlab(pfn as never)).toBe(true);
    expect(pa.mem_map.lru_next[pfn]).toBe(c.id);
    expect(slab.slabs.cache[pa.mem_map.lru_prev[pfn]]).toBe(c.id);
    const big = slab.kmalloc(20000, GFP_KERNEL)!; // size-32768: order 3
    const bp = (big - 0xc0000000) >>> 12;
    for (let i = 0; i < 8; i++) expect(pa.PageSlab((bp + i) as never)).toBe(true);
  });
});

describe("kmem_cache_shrink / kmem_cache_destroy / cache_reap", () => {
  it("shrink drains the arrays and returns free slabs to the buddy allocator", () => {
    const { slab, pa, c } = setup();
    const objs: number[] = [];
    for (let i = 0; i < 200; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    for (const o of objs.slice(0, 199)) slab.kmem_cache_free(c, o as never);
    const nr0 = slab.nr_slab;
    expect(slab.kmem_cache_shrink(c)).toBe(1); // one object still allocated
    expect(c.array[0]!.avail + c.array[1]!.avail + c.lists.shared!.avail).toBe(0);
    expect(slab.slabs.list_count(c.lists.slabs_free)).toBe(0);
    expect(slab.slabs.list_count(c.lists.slabs_partial)).toBe(1);
    expect(slab.nr_slab).toBe(nr0 - 3); // 4 slabs held 200 objects; the partial one stays
    expect(pa.page_count(pa.virt_to_page(objs[0]))).toBe(0); // its page went back
    slab.kmem_cache_free(c, objs[199] as never);
    expect(slab.kmem_cache_shrink(c)).toBe(0);
    checkSlabInvariants(slab);
  });

  it("destroy with live objects fails as 2.6.11 does and the cache stays usable", () => {
    const { slab, machine, c } = setup();
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    slab.kmem_cache_create("newer", 32, 0, 0, null);
    expect(slab.kmem_cache_destroy(c)).toBe(1);
    expect(machine.dmesg).toContain(
      "slab error in kmem_cache_destroy(): cache `t64': Can't free all objects",
    );
    expect(slab.cache_chain[0]).toBe(c); // re-added at the head
    const q = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    expect(q).not.toBeNull();
    slab.kmem_cache_free(c, p);
    slab.kmem_cache_free(c, q);
    checkSlabInvariants(slab);
    const nr = slab.nr_slab;
    expect(slab.kmem_cache_destroy(c)).toBe(0);
    expect(slab.cache_chain.includes(c)).toBe(false);
    expect(slab.slabinfo()).not.toMatch(/^t64 /m);
    expect(slab.nr_slab).toBeLessThan(nr);
    expect(() => slab.kmem_cache_alloc(c, GFP_KERNEL)).toThrow(SlabError);
    expect(() => slab.kmem_cache_destroy(c)).toThrow(SlabError);
    expect(() => slab.kmem_cache_destroy(slab.cache_cache)).toThrow(SlabError);
    checkSlabInvariants(slab);
  });

  it("cache_reap drains a fifth of an idle array, and frees slabs once next_reap passes", () => {
    const { slab, c, machine } = setup();
    const objs: number[] = [];
    for (let i = 0; i < 400; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    for (const o of objs) slab.kmem_cache_free(c, o as never);
    const ac = c.array[0]!;
    const sh = c.lists.shared!;
    const avail = ac.avail;
    slab.cache_reap(); // touched: only clears touched
    expect(ac.avail).toBe(avail);
    expect(ac.touched).toBe(0);
    const fo = c.lists.free_objects;
    slab.cache_reap(); // idle: frees (limit + 4) / 5 = 24; next_reap not reached
    expect(ac.avail).toBe(avail - 24);
    expect(c.lists.free_objects).toBe(fo + 24);
    const shAvail = sh.avail;
    slab.jiffies += 10_000; // past next_reap: the shared array drains, free_touched is cleared
    expect(c.lists.free_touched).toBe(1);
    slab.cache_reap();
    expect(sh.avail).toBe(shAvail - 96);
    expect(c.lists.free_touched).toBe(0);
    expect(c.reaped).toBe(0);
    slab.jiffies += 10_000;
    const t = slab.slabs;
    const slabsOf = () =>
      t.list_count(c.lists.slabs_full) +
      t.list_count(c.lists.slabs_partial) +
      t.list_count(c.lists.slabs_free);
    const nr = slabsOf();
    slab.cache_reap();
    const tofree = Math.floor((c.free_limit + 5 * c.num - 1) / (5 * c.num));
    expect(c.reaped).toBeGreaterThan(0);
    expect(c.reaped).toBeLessThanOrEqual(tofree);
    expect(slabsOf()).toBeLessThanOrEqual(nr - c.reaped); // free_block may destroy more
    checkSlabInvariants(slab);
    // SLAB_NO_REAP caches are skipped
    const n = slab.kmem_cache_create("noreap", 64, 0, SLAB_NO_REAP, null)!;
    const x = slab.kmem_cache_alloc(n, GFP_KERNEL)!;
    slab.kmem_cache_free(n, x);
    n.array[0]!.touched = 0;
    const before = n.array[0]!.avail;
    slab.cache_reap();
    expect(n.array[0]!.avail).toBe(before);
    expect(machine.current).toBe(0);
  });

  it("free_block destroys an emptied slab once free_objects exceeds free_limit", () => {
    const { slab, c } = setup(1);
    expect(slab.slabinfo_write("t64 120 60 0")).toBe(12); // no shared array
    expect(c.lists.shared!.limit).toBe(0);
    const objs: number[] = [];
    for (let i = 0; i < 61 * 6; i++) objs.push(slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    const nr = slab.nr_slab;
    for (const o of objs) slab.kmem_cache_free(c, o as never);
    // free_limit = (1 + 1) * 60 + 61 = 181 for one CPU: at most ~3 free slabs survive
    expect(c.free_limit).toBe(181);
    expect(c.lists.free_objects).toBeLessThanOrEqual(c.free_limit + c.num);
    expect(slab.nr_slab).toBeLessThan(nr);
    checkSlabInvariants(slab);
  });

  it("misuse of shrink/destroy in interrupt context is a BUG", () => {
    const { slab, c, machine } = setup();
    const before = snapshot(slab);
    machine.cpus[0].preempt_count += 1 << 16; // HARDIRQ_OFFSET
    expect(() => slab.kmem_cache_shrink(c)).toThrow(/interrupt/);
    expect(() => slab.kmem_cache_create("irq", 64, 0, 0, null)).toThrow(SlabError);
    machine.cpus[0].preempt_count -= 1 << 16;
    expect(snapshot(slab)).toBe(before);
  });
});
