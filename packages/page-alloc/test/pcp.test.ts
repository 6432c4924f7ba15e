import { describe, expect, it } from "vitest";
import { __GFP_COLD, GFP_KERNEL } from "../src/gfp.js";
import { checkPageAllocInvariants } from "../src/invariants.js";
import { list_entries } from "../src/mem-map.js";
import { wait_table_size, zone_batchsize } from "../src/mmzone.js";
import { bootPA, MiB } from "./helpers.js";

describe("per-CPU page lists", () => {
  it("sizes hot and cold lists from the zone as free_area_init_core does", () => {
    expect(zone_batchsize(4096)).toBe(1);
    expect(zone_batchsize(61440)).toBe(15);
    expect(zone_batchsize(225280)).toBe(16);
    expect(zone_batchsize(0)).toBe(1);
    // wait_table_size (sized beside the pcp lists in free_area_init_core): one queue per 256 pages, 4..4096
    expect([0, 1024, 1280, 225280, 2 ** 32 - 1, 2 ** 40].map(wait_table_size)).toEqual([
      4, 4, 8, 1024, 4096, 4096,
    ]);
    const pa = bootPA(256 * MiB, { flat: true, cpus: 3 });
    const normal = pa.zones[1];
    expect(normal.pageset.length).toBe(3);
    for (const pset of normal.pageset) {
      expect([pset.pcp[0].low, pset.pcp[0].high, pset.pcp[0].batch]).toEqual([30, 90, 15]);
      expect([pset.pcp[1].low, pset.pcp[1].high, pset.pcp[1].batch]).toEqual([0, 30, 15]);
    }
    // the model's flat index of the same lists (the hot paths use it), checked by the invariants too
    expect(normal.pcp_lists).toEqual(normal.pageset.flatMap((pset) => pset.pcp));
    expect(normal.pcp_lists[2 * 2 + 1]).toBe(normal.pageset[2].pcp[1]);
    normal.pcp_lists[3] = normal.pageset[0].pcp[0];
    expect(() => checkPageAllocInvariants(pa)).toThrow(/cpu 1 cold list: pcp_lists\[3\] is another list/);
    normal.pcp_lists[3] = normal.pageset[1].pcp[1];
    checkPageAllocInvariants(pa);
  });

  it("takes and gives order-0 pages through the current CPU's lists (pcp_lists[cpu * 2 + hot/cold])", () => {
    const pa = bootPA(256 * MiB, { flat: true, cpus: 2 });
    const normal = pa.zones[1];
    const counts = () => normal.pageset.flatMap((pset) => pset.pcp.map((l) => l.count));
    const before = counts();
    pa.machine.setCurrentCpu(1);
    const p = pa.alloc_pages(GFP_KERNEL | __GFP_COLD, 0)!;
    // CPU 1's cold list was refilled (a batch of 15) and gave one; no other list moved
    expect(counts()).toEqual([before[0], before[1], before[2], before[3] + 14]);
    pa.machine.setCurrentCpu(0);
    pa.__free_pages(p, 0);
    expect(counts()).toEqual([before[0] + 1, before[1], before[2], before[3] + 14]);
    expect(list_entries(pa.mem_map, normal.pageset[0].pcp[0].list)[0]).toBe(p);
    checkPageAllocInvariants(pa);
  });

  it("refills `batch` pages at the tail when count <= low and hands out the head; frees go to the head", () => {
    const pa = bootPA(256 * MiB, { flat: true, cpus: 2 });
    pa.machine.setCurrentCpu(1);
    const normal = pa.zones[1];
    const hot = normal.pageset[1].pcp[0];
    expect(hot.count).toBe(0);
    const freeBefore = normal.free_pages;
    const p = pa.alloc_pages(GFP_KERNEL, 0)!;
    // 1 refill of 15 (count 0 <= low 30), one taken: but count 14 <= 30 still, refilled only once per call
    expect(hot.count).toBe(14);
    expect(normal.free_pages).toBe(freeBefore - 15);
    const list = list_entries(pa.mem_map, hot.list);
    expect(list[0]).toBe(p + 1); // the refill came from one split block, in address order
    pa.__free_pages(p, 0);
    expect(list_entries(pa.mem_map, hot.list)[0]).toBe(p); // freed to the head...
    expect(pa.alloc_pages(GFP_KERNEL, 0)).toBe(p); // ...and handed out first again (cache-hot)
    pa.__free_pages(p, 0);
    checkPageAllocInvariants(pa);
  });

  it("spills `batch` pages from the tail when a free finds count >= high", () => {
    const pa = bootPA(256 * MiB, { flat: true });
    const normal = pa.zones[1];
    const hot = normal.pageset[0].pcp[0];
    const held: number[] = [];
    for (let i = 0; i < 200; i++) held.push(pa.alloc_pages(GFP_KERNEL, 0)!);
    // The list is refilled whenever count <= low, so allocating never empties it: drain it instead.
    pa.drain_local_pages();
    expect(hot.count).toBe(0);
    let maxSeen = 0;
    for (const p of held) {
      if (hot.count >= hot.high) {
        const tail = list_entries(pa.mem_map, hot.list).slice(-hot.batch);
        pa.__free_pages(p as never, 0);
        expect(hot.count).toBe(hot.high - hot.batch + 1);
        for (const t of tail) expect(list_entries(pa.mem_map, hot.list)).not.toContain(t);
      } else pa.__free_pages(p as never, 0);
      maxSeen = Math.max(maxSeen, hot.count);
    }
    expect(maxSeen).toBe(hot.high);
    checkPageAllocInvariants(pa);
  });

  it("keeps hot and cold lists apart: __GFP_COLD and free_cold_page use the cold list", () => {
    const pa = bootPA(256 * MiB, { flat: true });
    const pset = pa.zones[1].pageset[0];
    const c = pa.alloc_pages(GFP_KERNEL | __GFP_COLD, 0)!;
    expect(pset.pcp[1].count).toBe(14);
    pa.free_cold_page(c);
    expect(list_entries(pa.mem_map, pset.pcp[1].list)[0]).toBe(c);
    // free_hot_page puts a page taken from the cold list at the head of the hot list
    const h = pa.alloc_pages(GFP_KERNEL | __GFP_COLD, 0)!;
    expect(h).toBe(c);
    const hotBefore = pset.pcp[0].count;
    pa.free_hot_page(h);
    expect(pset.pcp[0].count).toBe(hotBefore + 1);
    expect(list_entries(pa.mem_map, pset.pcp[0].list)[0]).toBe(h);
    expect(() => pa.free_hot_page(h)).toThrow(/free_hot_page/);
    checkPageAllocInvariants(pa);
  });

  it("gives each CPU its own lists, and drain_local_pages empties only the current CPU's", () => {
    const pa = bootPA(256 * MiB, { flat: true, cpus: 2 });
    const normal = pa.zones[1];
    const a = pa.alloc_pages(GFP_KERNEL, 0)!;
    pa.machine.setCurrentCpu(1);
    const b = pa.alloc_pages(GFP_KERNEL, 0)!;
    expect(normal.pageset[1].pcp[0].count).toBe(14);
    pa.__free_pages(a, 0); // freed on CPU 1: joins CPU 1's list
    expect(list_entries(pa.mem_map, normal.pageset[1].pcp[0].list)[0]).toBe(a);
    const cpu0 = normal.pageset[0].pcp[0].count;
    pa.drain_local_pages();
    expect(normal.pageset[1].pcp[0].count).toBe(0);
    expect(normal.pageset[0].pcp[0].count).toBe(cpu0);
    pa.__free_pages(b, 0);
    checkPageAllocInvariants(pa);
  });
});
