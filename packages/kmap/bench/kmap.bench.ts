/*
 * Item 6: the cost of the kernel's two mapping paths on a booted 1 GiB, 2-CPU, non-PAE machine
 * (LAST_PKMAP 1024, profile without DEBUG_HIGHMEM). Figures go in the README's table.
 */
import { Machine, type Page } from "@i386mm/hw-i386";
import { GFP_HIGHUSER, GFP_KERNEL, PageAllocator } from "@i386mm/page-alloc";
import { bench, describe } from "vitest";
// The built package, loaded natively (see the root vitest.project.ts): what a user's program runs.
import { KM_USER0, Kmap } from "../dist/index.js";

function setup(): { km: Kmap; pa: PageAllocator; high: (n: number) => Page[] } {
  const machine = new Machine({ memBytes: 1024 * 1024 * 1024, cpus: 2 });
  const pa = new PageAllocator(machine);
  const km = new Kmap(pa);
  const high = (n: number): Page[] => Array.from({ length: n }, () => pa.alloc_pages(GFP_HIGHUSER, 0)!);
  return { km, pa, high };
}

describe("kmap_atomic + kunmap_atomic", () => {
  const { km, pa, high } = setup();
  const [p] = high(1);
  const low = pa.alloc_pages(GFP_KERNEL, 0)!;
  bench("highmem page, KM_USER0 (pte write + invlpg)", () => {
    km.kunmap_atomic(km.kmap_atomic(p, KM_USER0), KM_USER0);
  });
  bench("lowmem page (page_address, preempt count only)", () => {
    km.kunmap_atomic(km.kmap_atomic(low, KM_USER0), KM_USER0);
  });
});

describe("kmap + kunmap", () => {
  {
    const { km, high } = setup();
    const [p] = high(1);
    km.kmap(p);
    km.kunmap(p);
    bench("cached: the page still has its slot (page_address hit, count 1 -> 2 -> 1)", () => {
      km.kmap(p);
      km.kunmap(p);
    });
  }
  {
    const { km, high } = setup();
    const pages = high(2 * km.LAST_PKMAP);
    let i = 0;
    bench("new page each time: search + pte write, one flush_all_zero_pkmaps per 1024 pairs", () => {
      const p = pages[i];
      i = (i + 1) % pages.length;
      km.kmap(p);
      km.kunmap(p);
    });
  }
  {
    const { km, high } = setup();
    const held = high(km.LAST_PKMAP - 1);
    for (const p of held) km.kmap(p);
    const [a, b] = high(2);
    let flip = false;
    bench("with a flush every time: 1023 slots busy, each kmap wraps and flushes", () => {
      const p = flip ? a : b;
      flip = !flip;
      km.kmap(p);
      km.kunmap(p);
    });
  }
});
