import { Machine } from "@i386mm/hw-i386";
import { PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "../src/slab-allocator.js";

/** Boot a machine, its page allocator and the slab allocator on top (the real lower layers). */
export function boot(opts: { memBytes?: number; cpus?: number; pae?: boolean; debug?: boolean } = {}) {
  const machine = new Machine({ memBytes: opts.memBytes ?? 64 << 20, cpus: opts.cpus ?? 2, pae: opts.pae });
  const pa = new PageAllocator(machine);
  const slab = new SlabAllocator(pa, { debug: opts.debug });
  return { machine, pa, slab };
}

/** A snapshot of everything a failed call must leave untouched. */
export function snapshot(s: SlabAllocator): string {
  const arrays = s.cache_chain
    .map(
      (c) =>
        `${c.name}:${c.array.map((a) => (a ? `${a.avail}/${a.touched}` : "-")).join(",")}:${c.lists.shared?.avail}:${c.lists.free_objects}`,
    )
    .join(";");
  return `${s.slabinfo()}|${arrays}|${s.vmallocinfo()}|${s.pa.nr_free_pages()}`;
}
