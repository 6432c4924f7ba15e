/*
 * slabs.ts — the slab allocator as the slab view draws it (mm/slab.c, 2.6.11): every cache on
 * cache_chain with its geometry (objsize, objects per slab, pages per slab, colours) and its three
 * slab lists; a cache's slabs with each object's state read back from simulated RAM — free (on the
 * slab's kmem_bufctl_t chain from slabp->free), cached (free to the cache but held in a per-CPU or
 * shared array_cache, so allocated as far as the slab knows), or in use — and each slab's colour
 * offset and management area (struct slab + bufctl[], on the slab or off it).
 */

import type { Kernel } from "@i386mm/demo";
import { PAGE_OFFSET } from "@i386mm/hw-i386";
import { PG_slab } from "@i386mm/page-alloc";
import type { kmem_cache_t } from "@i386mm/slab";
import { BUFCTL_END, OFF_SLAB, SIZEOF_KMEM_BUFCTL_T, SIZEOF_STRUCT_SLAB } from "@i386mm/slab/internal";

/** One cache's line in the slab view (/proc/slabinfo's numbers plus the geometry). */
export interface CacheSummary {
  readonly cache: kmem_cache_t;
  readonly name: string;
  readonly objsize: number;
  readonly num: number;
  readonly pagesPerSlab: number;
  readonly colour: number;
  readonly colourOff: number;
  readonly colourNext: number;
  readonly offSlab: boolean;
  readonly full: number;
  readonly partial: number;
  readonly free: number;
  /** Objects handed out by the slabs (slabinfo's active_objs, array-cached ones included). */
  readonly active: number;
  readonly total: number;
  /** Objects waiting in the per-CPU and shared arrays. */
  readonly cached: number;
}

/** The state of one object. */
export const ObjState = { FREE: 0, CACHED: 1, USED: 2 } as const;
export type ObjState = (typeof ObjState)[keyof typeof ObjState];

/** One slab of a cache. */
export interface SlabDetail {
  readonly list: "full" | "partial" | "free";
  /** Handle in the SlabTable (page->lru.prev). */
  readonly handle: number;
  /** struct slab's address. */
  readonly desc: number;
  /** First byte of the slab's pages. */
  readonly start: number;
  readonly s_mem: number;
  readonly colouroff: number;
  /** The colour offset alone (colouroff less an on-slab management area). */
  readonly colour: number;
  readonly inuse: number;
  readonly firstPfn: number;
  readonly objects: Uint8Array;
}

function walk(k: Kernel, head: number, fn: (h: number) => void): void {
  const t = k.slab.slabs;
  for (let h = t.next[head]!; h !== head; h = t.next[h]!) fn(h);
}

function listLength(k: Kernel, head: number): number {
  let n = 0;
  walk(k, head, () => n++);
  return n;
}

/** Objects currently held in the cache's per-CPU arrays and its shared array. */
export function arrayCached(c: kmem_cache_t): Set<number> {
  const out = new Set<number>();
  for (const ac of c.array) if (ac) for (let i = 0; i < ac.avail; i++) out.add(ac.entry[i]!);
  const sh = c.lists.shared;
  if (sh) for (let i = 0; i < sh.avail; i++) out.add(sh.entry[i]!);
  return out;
}

/** Every cache on cache_chain, newest first as /proc/slabinfo lists them. */
export function cacheSummaries(k: Kernel): CacheSummary[] {
  const t = k.slab.slabs;
  return k.slab.cache_chain.map((c) => {
    const full = listLength(k, c.lists.slabs_full);
    const free = listLength(k, c.lists.slabs_free);
    let partial = 0;
    let partialInuse = 0;
    walk(k, c.lists.slabs_partial, (h) => {
      partial++;
      partialInuse += t.inuse[h]!;
    });
    return {
      cache: c,
      name: c.name,
      objsize: c.objsize,
      num: c.num,
      pagesPerSlab: 2 ** c.gfporder,
      colour: c.colour,
      colourOff: c.colour_off,
      colourNext: c.colour_next,
      offSlab: OFF_SLAB(c),
      full,
      partial,
      free,
      active: full * c.num + partialInuse,
      total: (full + partial + free) * c.num,
      cached: arrayCached(c).size,
    };
  });
}

/** The slabs of a cache (full, partial, free lists in that order), each with its objects' states. */
export function cacheSlabs(k: Kernel, c: kmem_cache_t, limit = 256): { slabs: SlabDetail[]; more: number } {
  const t = k.slab.slabs;
  const ram = k.machine.ram;
  const cached = arrayCached(c);
  const slabs: SlabDetail[] = [];
  let more = 0;
  const lists = [
    ["full", c.lists.slabs_full],
    ["partial", c.lists.slabs_partial],
    ["free", c.lists.slabs_free],
  ] as const;
  for (const [list, head] of lists) {
    walk(k, head, (h) => {
      if (slabs.length >= limit) {
        more++;
        return;
      }
      const desc = t.desc[h]!;
      const s_mem = t.s_mem[h]!;
      const colouroff = t.colouroff[h]!;
      const objects = new Uint8Array(c.num).fill(ObjState.USED);
      // The free chain: bufctl[] follows struct slab in memory (slab_bufctl).
      const bufctl = desc - PAGE_OFFSET + SIZEOF_STRUCT_SLAB;
      let i = t.free[h]!;
      for (let n = 0; i !== BUFCTL_END && i < c.num && n <= c.num; n++) {
        objects[i] = ObjState.FREE;
        i = SIZEOF_KMEM_BUFCTL_T === 2 ? ram.read16(bufctl + i * 2) : ram.read32(bufctl + i * 4);
      }
      for (let j = 0; j < c.num; j++)
        if (objects[j] === ObjState.USED && cached.has(s_mem + j * c.objsize)) objects[j] = ObjState.CACHED;
      const start = (s_mem - colouroff) >>> 0;
      slabs.push({
        list,
        handle: h,
        desc,
        start,
        s_mem,
        colouroff,
        colour: OFF_SLAB(c) ? colouroff : colouroff - c.slab_size,
        inuse: t.inuse[h]!,
        firstPfn: Math.floor((start - PAGE_OFFSET) / 4096),
        objects,
      });
    });
  }
  return { slabs, more };
}

/** The slab a PG_slab frame belongs to (GET_PAGE_CACHE, GET_PAGE_SLAB), or null. */
export function slabOfPage(
  k: Kernel,
  pfn: number,
): { cache: kmem_cache_t; handle: number; desc: number; inuse: number; s_mem: number } | null {
  const m = k.pa.mem_map;
  if (!(m.flags[pfn]! & (1 << PG_slab))) return null;
  const cache = k.slab.cacheById[m.lru_next[pfn]!];
  const h = m.lru_prev[pfn]!;
  if (!cache || h <= 0) return null;
  const t = k.slab.slabs;
  return { cache, handle: h, desc: t.desc[h]!, inuse: t.inuse[h]!, s_mem: t.s_mem[h]! };
}

/** The object containing kernel address `addr`, if it lies in a slab: cache, slab, index. */
export function objectAt(
  k: Kernel,
  addr: number,
): { cache: kmem_cache_t; handle: number; index: number; objAddr: number } | null {
  if (addr < PAGE_OFFSET || addr >= k.pa.high_memory) return null;
  const s = slabOfPage(k, Math.floor((addr - PAGE_OFFSET) / 4096));
  if (!s) return null;
  const index = Math.floor((addr - s.s_mem) / s.cache.objsize);
  if (index < 0 || index >= s.cache.num) return null;
  return { cache: s.cache, handle: s.handle, index, objAddr: s.s_mem + index * s.cache.objsize };
}
