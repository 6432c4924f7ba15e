import { InvariantError } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { rmv_page_order, set_page_order } from "../src/buddy.js";
import { __GFP_COMP, GFP_KERNEL } from "../src/gfp.js";
import { checkPageAllocInvariants } from "../src/invariants.js";
import { list_add, list_del, list_entries } from "../src/mem-map.js";
import type { PageAllocator } from "../src/page-alloc.js";
import { PG_reserved } from "../src/page-flags.js";
import { bootPA, MiB } from "./helpers.js";

/** The problems checkPageAllocInvariants reports (it must report at least one). */
function problems(pa: PageAllocator): string[] {
  try {
    checkPageAllocInvariants(pa);
  } catch (e) {
    expect(e).toBeInstanceOf(InvariantError);
    return (e as InvariantError).message.split("\n");
  }
  throw new Error("checkPageAllocInvariants found nothing wrong");
}

describe("checkPageAllocInvariants", () => {
  it("passes after boot and catches a wrong nr_free or free_pages", () => {
    const pa = bootPA(32 * MiB, { flat: true });
    checkPageAllocInvariants(pa);
    pa.zones[1].free_area[10].nr_free++;
    expect(problems(pa).join()).toMatch(/free_area\[10\]\.nr_free is \d+ but the list holds \d+ blocks/);
    pa.zones[1].free_area[10].nr_free--;
    pa.zones[1].free_pages += 3;
    expect(problems(pa).join()).toMatch(/free_pages is \d+ but the lists hold \d+ pages/);
  });

  it("catches two free buddies of one order left unmerged", () => {
    const pa = bootPA(32 * MiB, { flat: true });
    const m = pa.mem_map;
    const z = pa.zones[1];
    const head = m.lru_next[z.free_area[10].free_list];
    // Split an order-10 block by hand into its two order-9 halves, without merging them back.
    list_del(m, head);
    z.free_area[10].nr_free--;
    for (const half of [head, head + 512]) {
      set_page_order(m, half, 9);
      list_add(m, half, z.free_area[9].free_list);
      z.free_area[9].nr_free++;
    }
    expect(problems(pa).join()).toContain(
      `free buddies pfn ${head} and ${head + 512} of order 9 are not merged`,
    );
  });

  it("catches a lost page, a misaligned block, a bad per-CPU count and a broken compound page", () => {
    const pa = bootPA(32 * MiB, { flat: true });
    const m = pa.mem_map;
    const p = pa.alloc_pages(GFP_KERNEL, 0)!;
    m._count[p] = -1; // neither free, on a list, reserved nor referenced
    m.flags[p] &= ~(0xf << 20);
    expect(problems(pa).join()).toContain(
      `pfn ${p} is neither reserved, free, on a per-CPU list nor allocated (lost)`,
    );
    m.flags[p] |= 1 << PG_reserved;
    checkPageAllocInvariants(pa);

    const z = pa.zones[1];
    z.pageset[0].pcp[0].count++;
    expect(problems(pa).join()).toMatch(/cpu 0 hot list: count is \d+ but the list holds \d+ pages/);
    z.pageset[0].pcp[0].count--;

    const c = pa.alloc_pages(GFP_KERNEL | __GFP_COMP, 2)!;
    m.private[c + 3] = c + 1;
    expect(problems(pa).join()).toContain(`compound tail pfn ${c + 3} does not point at its head ${c}`);
    m.private[c + 3] = c;

    const b = Math.min(...list_entries(m, z.free_area[10].free_list));
    list_del(m, b);
    rmv_page_order(m, b);
    list_add(m, b + 1, z.free_area[10].free_list);
    set_page_order(m, b + 1, 10);
    expect(problems(pa).join()).toContain(`free block at pfn ${b + 1} is not aligned to its order 10`);
  });
});
