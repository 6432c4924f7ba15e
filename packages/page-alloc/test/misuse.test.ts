import { asVirt, InvariantError, KernelBugError, ModelCheckError } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { BadPageError } from "../src/bad-page.js";
import { __GFP_DMA, __GFP_HIGHMEM, __GFP_ZERO, GFP_ATOMIC, GFP_KERNEL } from "../src/gfp.js";
import { checkPageAllocInvariants } from "../src/invariants.js";
import {
  PG_active,
  PG_locked,
  PG_lru,
  PG_private,
  PG_reclaim,
  PG_slab,
  PG_swapcache,
  PG_writeback,
} from "../src/page-flags.js";
import { bootPA, changedSince, MiB, snapshot } from "./helpers.js";

/** Expect `fn` to throw BadPageError naming `call`, with every structure as before. */
function expectBadPage(pa: ReturnType<typeof bootPA>, call: string, fn: () => void): BadPageError {
  const before = snapshot(pa);
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BadPageError);
  const bp = err as BadPageError;
  expect(bp.call).toBe(call);
  expect(bp.message.startsWith(`${call}: `)).toBe(true);
  expect(changedSince(pa, before)).toBeNull();
  checkPageAllocInvariants(pa);
  return bp;
}

describe("misuse", () => {
  const pa = bootPA(128 * MiB, { flat: true });

  it("freeing a page that is already free", () => {
    const p = pa.alloc_pages(GFP_KERNEL, 0)!;
    pa.__free_pages(p, 0);
    const e = expectBadPage(pa, "__free_pages", () => pa.__free_pages(p, 0));
    expect(e.pfn).toBe(p);
    expect(e.count).toBe(0);
    expect(e.mapcount).toBe(0);
    expect(e.message).toContain(`pfn 0x${p.toString(16)}`);
    const q = pa.alloc_pages(GFP_KERNEL, 3)!;
    pa.__free_pages(q, 3);
    expectBadPage(pa, "__free_pages", () => pa.__free_pages(q, 3));
  });

  it("freeing a tail page of a block", () => {
    const p = pa.alloc_pages(GFP_KERNEL, 2)!;
    expectBadPage(pa, "__free_pages", () => pa.__free_pages((p + 1) as typeof p, 0));
    pa.__free_pages(p, 2);
  });

  it("freeing a block with another order than it was allocated with: the model's check, not 2.6.11's (#21 point 9)", () => {
    const p = pa.alloc_pages(GFP_KERNEL, 2)!;
    const before = snapshot(pa);
    for (const [order, would] of [
      [1, /free the first 2 page\(s\) and leak the other 2/],
      [0, /free the first 1 page\(s\) and leak the other 3/],
      [3, /the free lists are corrupted/],
    ] as const) {
      let err: unknown;
      try {
        pa.__free_pages(p, order);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ModelCheckError);
      expect(err).not.toBeInstanceOf(BadPageError);
      expect((err as ModelCheckError).message).toContain(`allocated with order 2 freed with order ${order}`);
      expect((err as ModelCheckError).kernelWould).toMatch(would);
      expect(changedSince(pa, before)).toBeNull();
    }
    pa.__free_pages(p, 2);
    checkPageAllocInvariants(pa);
  });

  it("with the model's checks off a smaller order frees what it is told and leaks the rest, as 2.6.11 does", () => {
    const m = bootPA(64 * MiB, { flat: true });
    m.machine.modelChecks = false;
    const free0 =
      m.nr_free_pages() +
      m.zones.reduce((n, z) => n + z.pageset[0]!.pcp[0]!.count + z.pageset[0]!.pcp[1]!.count, 0);
    const p = m.alloc_pages(GFP_KERNEL, 2)!;
    m.__free_pages(p, 0); // 2.6.11: free_hot_page(p); pages p+1..p+3 are lost
    const free1 =
      m.nr_free_pages() +
      m.zones.reduce((n, z) => n + z.pageset[0]!.pcp[0]!.count + z.pageset[0]!.pcp[1]!.count, 0);
    expect(free0 - free1).toBe(3);
    expect(() => checkPageAllocInvariants(m)).toThrow(InvariantError); // check finds the 3 lost pages
    // A second wrong free, order 2 of the page the hot list hands back, returns the lost pages:
    // free_pages_check passes on them (count 0, no flags), as in 2.6.11.
    const q = m.alloc_pages(GFP_KERNEL, 0)!;
    expect(q).toBe(p);
    m.__free_pages(q, 2);
    checkPageAllocInvariants(m);
  });
  it("free_pages of an address outside lowmem", () => {
    for (const addr of [0x08048000, 0xf8800000, 0xff800000, pa.high_memory]) {
      const e = expectBadPage(pa, "free_pages", () => pa.free_pages(asVirt(addr), 0));
      expect(e.addr).toBe(addr);
    }
  });

  it("free_pages_check: mapped, with a mapping, PG_slab, PG_lru, PG_locked, PG_private ... set", () => {
    const p = pa.alloc_pages(GFP_KERNEL, 0)!;
    const m = pa.mem_map;
    m._mapcount[p] = 0;
    let e = expectBadPage(pa, "__free_pages", () => pa.__free_pages(p, 0));
    expect(e.mapcount).toBe(1);
    m._mapcount[p] = -1;
    m.mapping[p] = 0x1234;
    e = expectBadPage(pa, "__free_pages", () => pa.__free_pages(p, 0));
    expect(e.mapping).toBe(0x1234);
    m.mapping[p] = 0;
    for (const bit of [
      PG_slab,
      PG_lru,
      PG_locked,
      PG_private,
      PG_active,
      PG_reclaim,
      PG_swapcache,
      PG_writeback,
    ]) {
      m.flags[p] |= 1 << bit;
      e = expectBadPage(pa, "__free_pages", () => pa.__free_pages(p, 0));
      expect(e.flags & (1 << bit)).not.toBe(0);
      m.flags[p] &= ~(1 << bit);
    }
    pa.__free_pages(p, 0);
    // an anonymous mapping (low bit set) is cleared by free_hot_cold_page, not an error
    const q = pa.alloc_pages(GFP_KERNEL, 0)!;
    m.mapping[q] = 0x1001;
    pa.__free_pages(q, 0);
    expect(m.mapping[q]).toBe(0);
    checkPageAllocInvariants(pa);
  });

  it("a bad tail page makes the whole block's free fail", () => {
    const p = pa.alloc_pages(GFP_KERNEL, 2)!;
    pa.mem_map._mapcount[p + 3] = 0;
    const e = expectBadPage(pa, "__free_pages", () => pa.__free_pages(p, 2));
    expect(e.pfn).toBe(p + 3);
    pa.mem_map._mapcount[p + 3] = -1;
    pa.__free_pages(p, 2);
  });

  it("freeing something that is not a page", () => {
    expectBadPage(pa, "__free_pages", () => pa.__free_pages(-1 as never, 0));
    expectBadPage(pa, "__free_pages", () => pa.__free_pages(pa.mem_map.nr_pages as never, 0));
  });

  it("impossible GFP masks are BUGs before anything changes", () => {
    const before = snapshot(pa);
    expect(() => pa.alloc_pages(__GFP_DMA | __GFP_HIGHMEM, 0)).toThrow(KernelBugError);
    expect(() => pa.alloc_pages(GFP_ATOMIC | __GFP_HIGHMEM | __GFP_ZERO, 0)).toThrow(/prep_zero_page/);
    expect(changedSince(pa, before)).toBeNull();
  });

  it("a stale page met on the way out is reported and fixed up, as bad_page does", () => {
    const small = bootPA(32 * MiB, { flat: true });
    const p = small.alloc_pages(GFP_KERNEL, 0)!;
    small.__free_pages(p, 0);
    small.mem_map.flags[p] |= 1 << PG_lru; // use after free
    const q = small.alloc_pages(GFP_KERNEL, 0)!;
    expect(q).toBe(p);
    expect(small.machine.warnings.some((w) => w.startsWith("Bad page state at prep_new_page"))).toBe(true);
    expect(small.mem_map.flags[q] & (1 << PG_lru)).toBe(0);
    small.__free_pages(q, 0);
    checkPageAllocInvariants(small);
  });

  it("keeps working after many rejected calls", () => {
    const blocks = [];
    for (let i = 0; i < 50; i++) blocks.push(pa.alloc_pages(GFP_KERNEL, i % 4));
    expect(blocks.every((b) => b !== null)).toBe(true);
    for (let i = 0; i < 50; i++) pa.__free_pages(blocks[i]!, i % 4);
    checkPageAllocInvariants(pa);
    expect(blocks.every((b) => pa.page_count(b!) === 0)).toBe(true);
  });
});
