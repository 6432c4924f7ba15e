import { asVirt, ModelCheckError } from "@i386mm/hw-i386";
import { __GFP_NORETRY, GFP_ATOMIC, GFP_DMA, GFP_KERNEL } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { SlabError } from "../src/errors.js";
import { checkSlabInvariants } from "../src/invariants.js";
import { boot, snapshot } from "./helpers.js";

describe("kmalloc / kfree / ksize / kcalloc", () => {
  it("serves each size from the smallest general cache that fits", () => {
    const { slab } = boot();
    const cases: [number, number][] = [
      [0, 32],
      [1, 32],
      [32, 32],
      [33, 64],
      [64, 64],
      [65, 96],
      [96, 96],
      [97, 128],
      [129, 192],
      [193, 256],
      [257, 512],
      [513, 1024],
      [1025, 2048],
      [2049, 4096],
      [4097, 8192],
      [100000, 131072],
      [131072, 131072],
    ];
    for (const [size, cs] of cases) {
      const p = slab.kmalloc(size, GFP_KERNEL);
      expect(p, `kmalloc(${size})`).not.toBeNull();
      expect(slab.ksize(p), `ksize(kmalloc(${size}))`).toBe(cs);
      const page = (p! - 0xc0000000) >>> 12;
      expect(slab.cacheById[slab.pa.mem_map.lru_next[page]]!.name).toBe(`size-${cs}`);
    }
    expect(slab.ksize(null)).toBe(0);
    checkSlabInvariants(slab);
  });

  it("returns NULL above 131072 bytes, as __kmalloc", () => {
    const { slab } = boot();
    const before = snapshot(slab);
    expect(slab.kmalloc(131073, GFP_KERNEL)).toBeNull();
    expect(slab.kmalloc(1 << 30, GFP_KERNEL)).toBeNull();
    expect(slab.kmalloc(-1, GFP_KERNEL)).toBeNull();
    expect(snapshot(slab)).toBe(before);
  });

  it("uses the (DMA) twin and ZONE_DMA pages for GFP_DMA", () => {
    const { slab } = boot();
    const p = slab.kmalloc(200, GFP_KERNEL | GFP_DMA)!;
    const pfn = (p - 0xc0000000) >>> 12;
    expect(slab.cacheById[slab.pa.mem_map.lru_next[pfn]]!.name).toBe("size-256(DMA)");
    expect(pfn).toBeLessThan(4096); // below 16 MiB
    slab.kfree(p);
  });

  it("kcalloc zeroes and refuses int overflow", () => {
    const { slab, machine } = boot();
    const p = slab.kmalloc(64, GFP_KERNEL)!;
    machine.ram.fill(p - 0xc0000000, 64, 0xee);
    slab.kfree(p);
    const q = slab.kcalloc(16, 4, GFP_KERNEL)!;
    expect(q).toBe(p); // LIFO: the same object
    expect(Array.from(machine.ram.readBytes(q - 0xc0000000, 64)).every((b) => b === 0)).toBe(true);
    expect(slab.kcalloc(0x10000, 0x10000, GFP_KERNEL)).toBeNull();
    slab.kfree(null); // no-op
  });

  it("kfree of a pointer kmalloc never returned: the model's check (2.6.11 checks nothing without CONFIG_DEBUG_SLAB); nothing changes", () => {
    const { slab, pa } = boot();
    const p = slab.kmalloc(100, GFP_KERNEL)!;
    const page = pa.alloc_page(GFP_KERNEL)!;
    const before = snapshot(slab);
    expect(() => slab.kfree(asVirt(0x1234))).toThrow(ModelCheckError); // user address
    expect(() => slab.kfree(asVirt(p + 4))).toThrow(/not the start of an object/);
    // inside the object's first word (which carries its "handed out" bit): refused the same way
    for (const d of [1, 2, 3]) expect(() => slab.kfree(asVirt(p + d))).toThrow(/not the start of an object/);
    expect(() => slab.ksize(asVirt(p + 1))).toThrow(ModelCheckError);
    expect(() => slab.kfree(pa.page_address(page)!)).toThrow(/its page is not a slab page/);
    try {
      slab.kfree(asVirt(p + 8));
    } catch (e) {
      expect(e).toBeInstanceOf(ModelCheckError);
      expect(e).not.toBeInstanceOf(SlabError);
      expect((e as ModelCheckError).call).toBe("kfree");
      expect((e as ModelCheckError).addr).toBe(p + 8);
      expect((e as ModelCheckError).kernelWould).toMatch(/per-CPU array of `size-128'.*misaligned/);
      expect((e as Error).message).toMatch(new RegExp(`^kfree: .* at 0x${(p + 8).toString(16)}$`));
    }
    expect(snapshot(slab)).toBe(before);
    pa.__free_page(page);
    checkSlabInvariants(slab);
  });

  it("with the model's checks off kfree(p + 4) does what 2.6.11 does: the pointer goes on the per-CPU array as it is", () => {
    const { slab, machine } = boot({ cpus: 1 });
    machine.modelChecks = false;
    const p = slab.kmalloc(100, GFP_KERNEL)!;
    slab.kfree(asVirt(p + 4));
    expect(() => checkSlabInvariants(slab)).toThrow(/holds 0x[0-9a-f]+, which is not the start of an object/);
    expect(slab.kmalloc(100, GFP_KERNEL)).toBe(p + 4); // LIFO: the next allocation gets the misaligned pointer
    // Other misuse stays refused: the model cannot hold a double free's state.
    expect(() => slab.kfree(asVirt(0x1234))).toThrow(ModelCheckError);
  });

  it("with CONFIG_DEBUG_SLAB the same frees are 2.6.11's own BUGs (kfree_debugcheck, cache_free_debugcheck)", () => {
    const { slab, pa } = boot({ debug: true });
    const p = slab.kmalloc(100, GFP_KERNEL)!;
    const page = pa.alloc_page(GFP_KERNEL)!;
    const va = pa.page_address(page)!;
    expect(() => slab.kfree(va)).toThrow(SlabError);
    expect(() => slab.kfree(va)).toThrow(`kfree: kfree_debugcheck: bad ptr ${va.toString(16)}h.`);
    expect(() => slab.kfree(asVirt(0x1234))).toThrow(/kfree_debugcheck: out of range ptr 00001234h\./);
    expect(() => slab.kfree(asVirt(p + 4))).toThrow(
      /BUG_ON\(objp != slabp->s_mem \+ objnr\*cachep->objsize\)/,
    );
    pa.__free_page(page);
  });

  it("double free: the model's check in every build (2.6.11 pushes the object twice); nothing changes", () => {
    const { slab } = boot();
    const p = slab.kmalloc(100, GFP_KERNEL)!;
    slab.kfree(p);
    const before = snapshot(slab);
    expect(() => slab.kfree(p)).toThrow(
      new RegExp(`^kfree: double free: object of cache 'size-128' is not allocated at 0x${p.toString(16)}$`),
    );
    expect(() => slab.kfree(p)).toThrow(ModelCheckError);
    expect(snapshot(slab)).toBe(before);
    checkSlabInvariants(slab);
  });

  it("kmem_cache_free into the wrong cache: the model's check; nothing changes", () => {
    const { slab } = boot();
    const a = slab.kmem_cache_create("a", 100, 0, 0, null)!;
    const b = slab.kmem_cache_create("b", 100, 0, 0, null)!;
    const p = slab.kmem_cache_alloc(a, GFP_KERNEL)!;
    const before = snapshot(slab);
    expect(() => slab.kmem_cache_free(b, p)).toThrow(/object of cache `a' freed to cache `b'/);
    expect(() => slab.kmem_cache_free(b, p)).toThrow(ModelCheckError);
    expect(snapshot(slab)).toBe(before);
    slab.kmem_cache_free(a, p);
    checkSlabInvariants(slab);
  });

  it("out of memory returns NULL with __GFP_NORETRY (no OOM killer), never throws", () => {
    const { slab, pa } = boot({ memBytes: 16 << 20, cpus: 1 });
    const got: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const p = slab.kmalloc(131072, GFP_KERNEL | __GFP_NORETRY);
      if (p === null) break;
      got.push(p);
    }
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(1000);
    // GFP_ATOMIC may still dip below pages_min, then fails with NULL too
    let atomic = 0;
    for (let p = slab.kmalloc(131072, GFP_ATOMIC); p !== null; p = slab.kmalloc(131072, GFP_ATOMIC)) {
      got.push(p);
      atomic++;
    }
    expect(atomic).toBeLessThan(100);
    checkSlabInvariants(slab);
    for (const p of got) slab.kfree(asVirt(p));
    checkSlabInvariants(slab);
    expect(pa.nr_free_pages()).toBeGreaterThan(0);
  });

  it("a GFP mask with __GFP_HIGHMEM that must grow the cache is a BUG in cache_grow", () => {
    const { slab } = boot();
    const c = slab.kmem_cache_create("hm", 64, 0, 0, null)!;
    const before = snapshot(slab);
    expect(() => slab.kmem_cache_alloc(c, GFP_KERNEL | 0x02)).toThrow(/^cache_grow: /);
    expect(() => slab.kmem_cache_alloc(c, GFP_KERNEL | GFP_DMA)).toThrow(/kmem_flagcheck/);
    expect(snapshot(slab)).toBe(before);
    expect(slab.kmem_cache_alloc(c, 0x2000 /* SLAB_NO_GROW */)).toBeNull();
  });
});
