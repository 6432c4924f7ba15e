/*
 * The internal half of /proc/fraginfo (internal-frag.ts): kmalloc's bytes asked vs handed out per
 * size class, each cache's slab geometry and byte accounting, each vmalloc area's guard and
 * rounding; every figure worked out by hand from mm/slab.c's and mm/vmalloc.c's rules.
 */
import { PAGE_SIZE } from "@i386mm/hw-i386";
import { GFP_DMA, GFP_KERNEL } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { SLAB_HWCACHE_ALIGN } from "../src/constants.js";
import { cache_fragmentation, kmalloc_fragmentation, vmalloc_fragmentation } from "../src/internal-frag.js";
import { boot } from "./helpers.js";

describe("kmalloc classes: bytes asked vs handed out", () => {
  it("kmalloc(33) takes a size-64 object: 31 bytes wasted, summed per class, gone from the live figures when freed", () => {
    const { slab } = boot();
    const before = kmalloc_fragmentation(slab).find((r) => r.cache === "size-64");
    const p = [slab.kmalloc(33, GFP_KERNEL)!, slab.kmalloc(33, GFP_KERNEL)!, slab.kmalloc(64, GFP_KERNEL)!];
    const row = kmalloc_fragmentation(slab).find((r) => r.cache === "size-64")!;
    const base = before ?? { requests: 0, bytes_req: 0, live: 0, live_bytes_req: 0 };
    expect(row.size).toBe(64);
    expect(row.requests - base.requests).toBe(3);
    expect(row.bytes_req - base.bytes_req).toBe(33 + 33 + 64);
    expect(row.live - base.live).toBe(3);
    expect(
      row.live_bytes_alloc - row.live_bytes_req - ((before?.live_bytes_alloc ?? 0) - base.live_bytes_req),
    ).toBe(31 + 31 + 0);
    slab.kfree(p[0]);
    const after = kmalloc_fragmentation(slab).find((r) => r.cache === "size-64")!;
    expect(after.live - base.live).toBe(2);
    expect(after.requests - base.requests).toBe(3); // since boot: kept
    slab.kfree(p[1]);
    slab.kfree(p[2]);
  });

  it("kmalloc(0) is a size-32 object asking 0 bytes; GFP_DMA goes to the (DMA) twin", () => {
    const { slab } = boot();
    const z = slab.kmalloc(0, GFP_KERNEL)!;
    const d = slab.kmalloc(100, GFP_KERNEL | GFP_DMA)!;
    const rows = kmalloc_fragmentation(slab);
    const dma = rows.find((r) => r.cache === "size-128(DMA)")!;
    expect(dma).toMatchObject({ size: 128, requests: 1, bytes_req: 100, bytes_alloc: 128, live: 1 });
    expect(slab.kmalloc_record.requested(z)).toBe(0);
    // a kmem_cache_free of a kmalloc'ed object leaves the record too
    slab.kmem_cache_free(slab.malloc_sizes[3].cs_dmacachep, d);
    expect(kmalloc_fragmentation(slab).find((r) => r.cache === "size-128(DMA)")!.live).toBe(0);
    slab.kfree(z);
  });
});

describe("slab caches: geometry and where every byte of a slab goes", () => {
  it("a 100-byte cache: 39 objects per page, 104 bytes of descriptor, 92 left over = 2 colours of 32 + 28", () => {
    const { slab } = boot();
    const c = slab.kmem_cache_create("t100", 100, 0, 0, null)!;
    // cache_estimate(0, 100, align 4, on-slab): i*100 + ALIGN(24 + 2i, 4) <= 4096 -> i = 39
    // (3900 + 104 = 4004); left_over = 4096 - 3900 - 104 = 92; slab_size = 104;
    // colour_off = max(32, 4) = 32, colour = 92 / 32 = 2.
    const objs = [0, 1, 2].map(() => slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    const f = cache_fragmentation(slab, c);
    expect(f).toMatchObject({
      name: "t100",
      objsize: 100,
      reallen: 100,
      num: 39,
      gfporder: 0,
      off_slab: false,
      slabs: 1,
      active_slabs: 1,
      objects: 39,
      in_use: 3,
      left_over: 92,
      colour: 2,
      colour_off: 32,
      colour_space: 64,
      padding: 0,
      mgmt: 104,
      slab_bytes: 4096,
      obj_bytes: 300,
      padding_bytes: 0,
      free_obj_bytes: 3600,
      left_over_bytes: 92,
      mgmt_bytes: 104,
    });
    // the refill moved a batch into this CPU's array: taken from the slab, not handed out
    expect(f.cached).toBeGreaterThan(0);
    expect(f.obj_bytes + f.padding_bytes + f.free_obj_bytes + f.left_over_bytes + f.mgmt_bytes).toBe(
      f.slab_bytes,
    );
    for (const o of objs) slab.kmem_cache_free(c, o);
  });

  it("SLAB_HWCACHE_ALIGN on 33 bytes: rounded to 36, aligned to 32 -> 64-byte objects, 28 bytes of padding each", () => {
    const { slab } = boot();
    const c = slab.kmem_cache_create("t33", 33, 0, SLAB_HWCACHE_ALIGN, null)!;
    const o = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    // num: i*64 + ALIGN(24 + 2i, 32) <= 4096 -> i = 61 (3904 + 160 = 4064); left_over 32 = 1 colour
    const f = cache_fragmentation(slab, c);
    expect(f).toMatchObject({ objsize: 64, reallen: 36, padding: 28, num: 61, mgmt: 160, left_over: 32 });
    expect(f).toMatchObject({ colour: 1, colour_space: 32, obj_bytes: 36, padding_bytes: 28 });
    slab.kmem_cache_free(c, o);
  });

  it("a 2000-byte cache keeps its descriptor off the slab: no mgmt bytes inside, 96 left over", () => {
    const { slab } = boot();
    const c = slab.kmem_cache_create("t2000", 2000, 0, 0, null)!;
    const o = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    // size >= 512: off-slab; order 0 holds 2 objects, left_over 96 < 1/8 of 4096: accepted,
    // and 96 is smaller than the descriptor (ALIGN(2*2 + 24, 4) = 28)? no: 96 >= 28 -> on-slab
    // after all, left_over 96 - 28 = 68.
    const f = cache_fragmentation(slab, c);
    expect(f).toMatchObject({ num: 2, gfporder: 0, off_slab: false, mgmt: 28, left_over: 68, colour: 2 });
    expect(f.obj_bytes + f.padding_bytes + f.free_obj_bytes + f.left_over_bytes + f.mgmt_bytes).toBe(
      f.slab_bytes,
    );
    slab.kmem_cache_free(c, o);
  });
});

describe("vmalloc areas: the guard page and the rounding", () => {
  it("vmalloc(5000): 2 pages mapped, a guard page, 3192 bytes of rounding", () => {
    const { slab } = boot();
    const before = vmalloc_fragmentation(slab).length;
    const a = slab.vmalloc(5000)!;
    const row = vmalloc_fragmentation(slab).find((r) => r.addr === a)!;
    expect(row).toEqual({
      addr: a,
      size: 3 * PAGE_SIZE,
      kind: "vmalloc",
      requested: 5000,
      guard: PAGE_SIZE,
      rounding: 2 * PAGE_SIZE - 5000,
      pages: 2,
    });
    slab.vfree(a);
    expect(vmalloc_fragmentation(slab).length).toBe(before);
  });
});
