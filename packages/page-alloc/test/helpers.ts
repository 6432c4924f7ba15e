import { type E820Entry, Machine } from "@i386mm/hw-i386";
import { PageAllocator, type PageAllocatorOptions } from "../src/page-alloc.js";

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** A machine of `memBytes` with a flat e820 map (all RAM but the 640K-1M hole), like the reference's worked example. */
export function flatE820(memBytes: number): E820Entry[] {
  return [
    { addr: 0, size: 0x9f000, type: 1 },
    { addr: 0x9f000, size: 0x1000, type: 2 },
    { addr: 0xf0000, size: 0x10000, type: 2 },
    { addr: 0x100000, size: memBytes - 0x100000, type: 1 },
  ];
}

/** Boot a page allocator on a fresh machine. */
export function bootPA(
  memBytes: number,
  opts: PageAllocatorOptions & { pae?: boolean; cpus?: number; pse?: boolean; flat?: boolean } = {},
): PageAllocator {
  const machine = new Machine({
    memBytes,
    pae: opts.pae,
    cpus: opts.cpus,
    features: opts.pse === undefined ? undefined : { pse: opts.pse },
    e820: opts.flat ? flatE820(memBytes) : undefined,
  });
  return new PageAllocator(machine, opts);
}

/** Everything observable of the allocator's state, for "unchanged after a throw" checks. */
export function snapshot(pa: PageAllocator): string {
  const m = pa.mem_map;
  const bytes = new Uint8Array(m.buffer);
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619);
  const zones = pa.zones.map((z) => ({
    free: z.free_pages,
    nr: z.free_area.map((a) => a.nr_free),
    pcp: z.pageset.map((p) => p.pcp.map((c) => c.count)),
    sc: z.pages_scanned,
  }));
  return JSON.stringify({ h, zones, stats: pa.stats, ht: pa.page_address_htable.inUse() });
}
