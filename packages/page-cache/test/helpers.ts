/* Shared set-up for the page-cache tests: a real Machine booted through every lower layer. */
import { Machine } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "@i386mm/slab";
import { PageCache } from "../src/page-cache.js";

export const MiB = 1024 * 1024;

/** Options of {@link boot}. */
export interface BootOpts {
  memBytes?: number;
  pae?: boolean;
  cpus?: number;
}

/** Boot Machine -> PageAllocator -> SlabAllocator -> Kmap (DEBUG_HIGHMEM checks on) -> PageCache. */
export function boot(opts: BootOpts = {}): {
  machine: Machine;
  pa: PageAllocator;
  slab: SlabAllocator;
  km: Kmap;
  pc: PageCache;
} {
  const machine = new Machine({
    memBytes: opts.memBytes ?? 1024 * MiB,
    pae: opts.pae ?? false,
    cpus: opts.cpus ?? 1,
  });
  const pa = new PageAllocator(machine);
  const slab = new SlabAllocator(pa);
  const km = new Kmap(pa, { debug_highmem: true });
  const pc = new PageCache(slab, km);
  return { machine, pa, slab, km, pc };
}

/** Deterministic bytes: a small LCG from `seed`. */
export function bytesOf(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
