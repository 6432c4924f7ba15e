import { asPfn, type E820Entry, Machine } from "@i386mm/hw-i386";
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

/** Everything observable of an allocator at one moment (see `snapshot`). */
export interface Snapshot {
  /** Every mem_map column, byte for byte (they share one ArrayBuffer). */
  readonly columns: Uint8Array;
  /** Every zone and node counter, the per-CPU lists, statistics, kswapd record, hash table, logs. */
  readonly state: string;
}

/**
 * Everything observable of the allocator's state, for "unchanged after a throw" checks: every
 * mem_map column byte for byte, every zone and node counter, the per-CPU lists, the statistics,
 * the kswapd record, the page_address hash table and the message logs' lengths.
 */
export function snapshot(pa: PageAllocator): Snapshot {
  const zones = pa.zones.map((z) => ({
    free: z.free_pages,
    wm: [z.pages_min, z.pages_low, z.pages_high],
    reserve: z.lowmem_reserve,
    nr: z.free_area.map((a) => a.nr_free),
    pcp: z.pageset.map((p) => p.pcp.map((c) => [c.count, c.low, c.high, c.batch])),
    reclaim: [z.all_unreclaimable, z.pages_scanned, z.pgalloc, z.kswapd_wakeups],
  }));
  const nodes = pa.node_data.map((n) => [n.kswapd_max_order, n.kswapd_wakeups, n.node_present_pages]);
  const ht = pa.page_address_htable;
  const state = JSON.stringify({
    zones,
    nodes,
    stats: pa.stats,
    kswapd: pa.kswapd_events.length,
    ht: [Array.from(ht.mapPage), Array.from(ht.mapVirtual), ht.buckets, ht.pool],
    logs: [pa.machine.dmesg.length, pa.machine.warnings.length],
    cpu: pa.machine.current,
    memalloc: pa.pf_memalloc,
    min_free_kbytes: pa.min_free_kbytes,
  });
  return { columns: new Uint8Array(pa.mem_map.buffer).slice(), state };
}

/** What differs between `before` and the allocator's state now, or null when nothing does. */
export function changedSince(pa: PageAllocator, before: Snapshot): string | null {
  const now = snapshot(pa);
  if (now.state !== before.state) return `counters changed: ${before.state} -> ${now.state}`;
  if (!Buffer.from(now.columns).equals(Buffer.from(before.columns))) {
    const i = now.columns.findIndex((b, k) => b !== before.columns[k]);
    return `mem_map changed (first differing byte ${i})`;
  }
  return null;
}

/**
 * Everything observable of a Machine, for "a failed boot changed nothing" checks: every backed
 * frame's bytes, the backed-frame count, each CPU's registers, PDPTEs and TLB entries, the
 * current CPU and the message logs.
 */
export function machineSnapshot(machine: Machine): string {
  const ram = machine.ram;
  const frames: string[] = [];
  for (let pfn = 0; pfn * 4096 < ram.limit; pfn++) {
    if (!ram.isBacked(asPfn(pfn))) continue;
    frames.push(`${pfn}:${Buffer.from(ram.readBytes(pfn * 4096, 4096)).toString("base64")}`);
  }
  const cpus = machine.cpus.map((c) => {
    const tlb: number[][] = [];
    c.tlb.forEach((va, pfn, flags) => {
      tlb.push([va, pfn, flags]);
    });
    return { cr0: c.cr0, cr2: c.cr2, cr3: c.cr3, cr4: c.cr4, efer: c.efer, pdpte: [...c.pdpte], tlb };
  });
  return JSON.stringify({
    framesBacked: ram.framesBacked,
    frames,
    cpus,
    current: machine.current,
    dmesg: machine.dmesg,
    warnings: machine.warnings,
  });
}
