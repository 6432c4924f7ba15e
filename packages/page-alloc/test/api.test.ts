import { asPfn, asVirt, KernelBugError } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import * as gfp from "../src/gfp.js";
import {
  __GFP_COMP,
  __GFP_HIGHMEM,
  __GFP_ZERO,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_HIGHUSER,
  GFP_KERNEL,
} from "../src/gfp.js";
import { checkPageAllocInvariants } from "../src/invariants.js";
import type { PageAllocator } from "../src/page-alloc.js";
import { PG_compound, PG_dirty, PG_slab } from "../src/page-flags.js";
import { bootPA, GiB, MiB } from "./helpers.js";

/** Pages on every per-CPU hot and cold list. */
function pcpTotal(pa: PageAllocator): number {
  let n = 0;
  for (const z of pa.zones) for (const set of z.pageset) for (const l of set.pcp) n += l.count;
  return n;
}

describe("GFP flags", () => {
  it("have the 2.6.11 values and composites", () => {
    expect([
      gfp.__GFP_DMA,
      gfp.__GFP_HIGHMEM,
      gfp.__GFP_WAIT,
      gfp.__GFP_HIGH,
      gfp.__GFP_IO,
      gfp.__GFP_FS,
    ]).toEqual([0x01, 0x02, 0x10, 0x20, 0x40, 0x80]);
    expect([gfp.__GFP_COLD, gfp.__GFP_NOWARN, gfp.__GFP_REPEAT, gfp.__GFP_NOFAIL, gfp.__GFP_NORETRY]).toEqual(
      [0x100, 0x200, 0x400, 0x800, 0x1000],
    );
    expect([gfp.__GFP_NO_GROW, gfp.__GFP_COMP, gfp.__GFP_ZERO]).toEqual([0x2000, 0x4000, 0x8000]);
    expect([
      gfp.GFP_ATOMIC,
      gfp.GFP_NOIO,
      gfp.GFP_NOFS,
      gfp.GFP_KERNEL,
      gfp.GFP_USER,
      gfp.GFP_HIGHUSER,
      gfp.GFP_DMA,
    ]).toEqual([0x20, 0x10, 0x50, 0xd0, 0xd0, 0xd2, 0x01]);
    expect(gfp.GFP_LEVEL_MASK).toBe(0x7ff0);
  });
});

describe("the seed's API", () => {
  const pa = bootPA(GiB, { flat: true });

  it("alloc_pages / alloc_page / __free_pages / __free_page", () => {
    const p = pa.alloc_pages(GFP_KERNEL, 2)!;
    expect(pa.page_count(p)).toBe(1);
    expect(pa.page_zone(p).name).toBe("Normal");
    pa.__free_pages(p, 2);
    const q = pa.alloc_page(GFP_KERNEL)!;
    pa.__free_page(q);
    expect(pa.page_count(q)).toBe(0);
    checkPageAllocInvariants(pa);
  });

  it("__get_free_pages / __get_free_page / free_pages / free_page work on lowmem addresses", () => {
    const a = pa.__get_free_pages(GFP_KERNEL, 1);
    expect(a).not.toBe(0);
    expect(a % 8192).toBe(0);
    expect(pa.virt_to_page(a)).toBe((a - 0xc0000000) / 4096);
    expect(pa.page_address(pa.virt_to_page(a))).toBe(a);
    pa.free_pages(a, 1);
    const b = pa.__get_free_page(GFP_KERNEL);
    pa.free_page(b);
    pa.free_pages(0, 3); // NULL is ignored
    checkPageAllocInvariants(pa);
  });

  it("get_zeroed_page and __GFP_ZERO clear the frame in RAM", () => {
    const a = pa.__get_free_page(GFP_KERNEL);
    const ram = pa.machine.ram;
    ram.fill(a - 0xc0000000, 4096, 0xaa);
    pa.free_page(a);
    const z = pa.get_zeroed_page(GFP_KERNEL);
    expect(z).toBe(a); // the hot list hands the same frame back
    expect(ram.readBytes(z - 0xc0000000, 4096).every((x) => x === 0)).toBe(true);
    pa.free_page(z);
    const blk = pa.alloc_pages(GFP_KERNEL, 3)!;
    ram.fill(blk * 4096, 8 * 4096, 0x55);
    pa.__free_pages(blk, 3);
    const blk2 = pa.alloc_pages(GFP_KERNEL | __GFP_ZERO, 3)!;
    expect(blk2).toBe(blk);
    expect(ram.readBytes(blk2 * 4096, 8 * 4096).every((x) => x === 0)).toBe(true);
    pa.__free_pages(blk2, 3);
  });

  it("__get_dma_pages and GFP_DMA come from ZONE_DMA (< 16 MiB)", () => {
    const a = pa.__get_dma_pages(GFP_KERNEL, 0);
    expect(a - 0xc0000000).toBeLessThan(16 * MiB);
    pa.free_pages(a, 0);
    const p = pa.alloc_pages(GFP_DMA, 0)!;
    expect(pa.page_zone(p).name).toBe("DMA");
    pa.__free_pages(p, 0);
  });

  it("GFP_HIGHUSER prefers highmem, whose pages have no address until kmapped", () => {
    const p = pa.alloc_pages(GFP_HIGHUSER, 0)!;
    expect(pa.page_zone(p).name).toBe("HighMem");
    expect(pa.PageHighMem(p)).toBe(true);
    expect(pa.page_address(p)).toBeNull();
    pa.set_page_address(p, asVirt(0xff801000));
    expect(pa.page_address(p)).toBe(0xff801000);
    pa.set_page_address(p, null);
    expect(pa.page_address(p)).toBeNull();
    pa.__free_pages(p, 0);
    expect(() => pa.set_page_address(pa.virt_to_page(0xc0400000), asVirt(0xff802000))).toThrow(
      KernelBugError,
    );
  });

  it("__get_free_pages(GFP_HIGHUSER) returns page_address: 0 for an unmapped highmem page, which leaks (#21 point 4)", () => {
    const free = pa.nr_free_pages();
    const pcp = pcpTotal(pa);
    expect(pa.__get_free_pages(GFP_HIGHUSER, 0)).toBe(0); // no check in 2.6.11: alloc_pages + page_address
    expect(pa.nr_free_pages() + pcpTotal(pa)).toBe(free + pcp - 1); // the page stays allocated
    // only get_zeroed_page has BUG_ON(gfp_mask & __GFP_HIGHMEM)
    expect(() => pa.get_zeroed_page(GFP_KERNEL | __GFP_HIGHMEM)).toThrow(/get_zeroed_page/);
    checkPageAllocInvariants(pa);
  });

  it("free_pages of __va() of a highmem pfn frees that page: virt_addr_valid holds (#21 point 4)", () => {
    const p = pa.alloc_pages(GFP_HIGHUSER, 0)!;
    expect(pa.PageHighMem(p)).toBe(true);
    const va = asVirt((p * 4096 + 0xc0000000) >>> 0); // __va(): 32-bit arithmetic wraps
    expect(pa.virt_addr_valid(va)).toBe(true);
    expect(pa.virt_to_page(va)).toBe(p);
    pa.free_pages(va, 0);
    expect(pa.page_count(p)).toBe(0);
    // __va(max_mapnr) wraps to address 0, which free_pages ignores; the page after it is past mem_map.
    const past = asVirt(0xc0000000 + (pa.max_mapnr + 1) * 4096);
    expect(pa.virt_addr_valid(past)).toBe(false);
    expect(() => pa.free_pages(past, 0)).toThrow(/BUG_ON\(!virt_addr_valid/);
    checkPageAllocInvariants(pa);
  });

  it("returns NULL for order >= MAX_ORDER, negative or non-integer orders (no throw)", () => {
    for (const o of [11, 12, 64, -1, 0.5, Number.NaN]) {
      expect(pa.alloc_pages(GFP_KERNEL, o)).toBeNull();
      expect(pa.__get_free_pages(GFP_KERNEL, o)).toBe(0);
    }
    expect(pa.__get_dma_pages(GFP_KERNEL, 11)).toBe(0);
  });

  it("builds compound pages with __GFP_COMP: tails point at the head, page[1].index = order", () => {
    const p = pa.alloc_pages(GFP_KERNEL | __GFP_COMP, 3)!;
    const m = pa.mem_map;
    for (let i = 0; i < 8; i++) {
      expect(m.flags[p + i] & (1 << PG_compound)).not.toBe(0);
      expect(m.private[p + i]).toBe(p);
    }
    expect(m.index[p + 1]).toBe(3);
    const tail = (p + 5) as typeof p;
    expect(pa.page_count(tail)).toBe(1);
    pa.get_page(tail);
    expect(pa.page_count(p)).toBe(2);
    pa.put_page(tail);
    expect(pa.page_count(p)).toBe(1);
    pa.put_page(tail); // last reference: the whole compound page is freed
    expect(pa.page_count(p)).toBe(0);
    expect(m.flags[p + 5] & (1 << PG_compound)).toBe(0);
    checkPageAllocInvariants(pa);
  });

  it("clears PG_dirty on every page of a freed block, tails included (free_pages_check's ClearPageDirty)", () => {
    const m = pa.mem_map;
    const DIRTY = 1 << PG_dirty;
    for (const dirty of [[], [2], [0, 7]]) {
      const p = pa.alloc_pages(GFP_KERNEL, 3)!;
      for (const i of dirty) m.flags[p + i] |= DIRTY;
      pa.__free_pages(p, 3);
      for (let i = 0; i < 8; i++) expect(m.flags[p + i] & DIRTY, `page ${i} of [${dirty}]`).toBe(0);
    }
    checkPageAllocInvariants(pa);
  });

  it("only drops a reference while others remain (put_page_testzero)", () => {
    const p = pa.alloc_pages(GFP_KERNEL, 0)!;
    pa.get_page(p);
    pa.__free_pages(p, 0);
    expect(pa.page_count(p)).toBe(1);
    pa.__free_pages(p, 0);
    expect(pa.page_count(p)).toBe(0);
    checkPageAllocInvariants(pa);
  });

  it("ignores frees of reserved pages, and answers the page predicates", () => {
    const k = pa.virt_to_page(0xc0100000);
    expect(pa.PageReserved(k)).toBe(true);
    const before = pa.nr_free_pages();
    pa.__free_pages(k, 0);
    expect(pa.nr_free_pages()).toBe(before);
    const p = pa.alloc_page(GFP_KERNEL)!;
    pa.SetPageSlab(p);
    expect(pa.PageSlab(p)).toBe(true);
    pa.ClearPageSlab(p);
    expect(pa.mem_map.flags[p] & (1 << PG_slab)).toBe(0);
    pa.__free_page(p);
    expect(pa.pfn_valid(pa.max_mapnr - 1)).toBe(true);
    expect(pa.pfn_valid(pa.max_mapnr)).toBe(false);
    expect(pa.virt_addr_valid(0xc0000000)).toBe(true);
    expect(pa.virt_addr_valid(0x08048000)).toBe(false);
    expect(pa.pfn_to_page(asPfn(77))).toBe(77);
    expect(pa.page_to_pfn(pa.pfn_to_page(asPfn(77)))).toBe(77);
  });

  it("falls back HIGHMEM -> NORMAL -> DMA through the zonelists", () => {
    const small = bootPA(64 * MiB, { flat: true });
    const seen = new Set<string>();
    let p = small.alloc_pages(GFP_ATOMIC | __GFP_HIGHMEM, 0);
    while (p !== null) {
      seen.add(small.page_zone(p).name);
      p = small.alloc_pages(GFP_ATOMIC | __GFP_HIGHMEM, 0);
    }
    expect([...seen]).toEqual(["Normal", "DMA"]);
    checkPageAllocInvariants(small);
  });
});

describe("NODE_DATA and alloc_pages_node (#21 point 16: node{} reachable)", () => {
  it("NODE_DATA(nid) is node_data[nid] on two nodes (null past the last), contig_page_data for any nid on one", () => {
    const one = bootPA(64 * MiB);
    expect(one.NODE_DATA(0)).toBe(one.pgdat_list);
    expect(one.NODE_DATA(3)).toBe(one.pgdat_list); // #define NODE_DATA(nid) (&contig_page_data)
    const two = bootPA(256 * MiB, { nodes: 2 });
    expect(two.NODE_DATA(1)).toBe(two.node_data[1]);
    expect(two.pgdat_list.pgdat_next).toBe(two.node_data[1]);
    expect(two.NODE_DATA(2)).toBeNull();
    const p = two.alloc_pages_node(1, GFP_KERNEL, 1)!;
    expect(two.page_zone(p).zone_pgdat.node_id).toBe(1);
    two.__free_pages(p, 1);
    expect(two.alloc_pages_node(0, GFP_KERNEL, 11)).toBeNull();
    expect(() => two.alloc_pages_node(5, GFP_KERNEL, 0)).toThrow(/no node 5/);
    checkPageAllocInvariants(two);
  });
});
