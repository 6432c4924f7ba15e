/* The Kmap object itself: what it accepts, kmap_prot, and machines without high memory. */
import { _PAGE_GLOBAL, _PAGE_NX, _PAGE_PRESENT, _PAGE_RW, Machine, pte_flags } from "@i386mm/hw-i386";
import { PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "@i386mm/slab";
import { describe, expect, it } from "vitest";
import { checkKmapInvariants } from "../src/invariants.js";
import { Kmap } from "../src/kmap.js";
import { KM_USER0 } from "../src/kmap-types.js";
import { highPages, lowPage, MiB } from "./helpers.js";

describe("new Kmap", () => {
  it("accepts the slab allocator as well as the page allocator", () => {
    const machine = new Machine({ memBytes: 1024 * MiB });
    const pa = new PageAllocator(machine);
    const slab = new SlabAllocator(pa);
    const km = new Kmap(slab);
    expect(km.pa).toBe(pa);
    const [p] = highPages(pa, 1);
    expect(km.kmap(p)).toBe(0xff801000);
    checkKmapInvariants(km);
  });

  it("kmap_prot is the run-time PAGE_KERNEL: global with PGE, NX when the CPU has it under PAE", () => {
    const withPge = new Kmap(new PageAllocator(new Machine({ memBytes: 1024 * MiB })));
    expect(withPge.kmap_prot & (_PAGE_PRESENT | _PAGE_RW | _PAGE_GLOBAL)).toBe(
      _PAGE_PRESENT | _PAGE_RW | _PAGE_GLOBAL,
    );
    expect(withPge.kmap_prot >= _PAGE_NX).toBe(false);

    const noPge = new Kmap(
      new PageAllocator(new Machine({ memBytes: 1024 * MiB, features: { pge: false } })),
    );
    expect(noPge.kmap_prot & _PAGE_GLOBAL).toBe(0);

    const nx = new Kmap(
      new PageAllocator(new Machine({ memBytes: 1024 * MiB, pae: true, features: { nx: true } })),
    );
    expect(nx.kmap_prot >= _PAGE_NX).toBe(true);
    const [p] = highPages(nx.pa, 1);
    nx.kmap(p);
    expect(pte_flags(nx.pkmap.pkmap_pte(1))).toBe(pte_flags(nx.kmap_prot));
  });

  it("works on a machine without high memory: kmap and kmap_atomic are page_address", () => {
    const machine = new Machine({ memBytes: 128 * MiB });
    const pa = new PageAllocator(machine);
    const km = new Kmap(pa);
    const low = lowPage(pa);
    expect(km.kmap(low)).toBe(pa.page_address(low));
    const va = km.kmap_atomic(low, KM_USER0);
    expect(va).toBe(pa.page_address(low));
    km.kunmap_atomic(va, KM_USER0);
    km.kunmap(low);
    expect(Array.from(km.pkmap_count).every((c) => c === 0)).toBe(true);
    checkKmapInvariants(km);
  });
});
