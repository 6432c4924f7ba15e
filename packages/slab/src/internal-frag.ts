/*
 * Internal fragmentation of the slab layer, as the model's /proc/fraginfo prints it: bytes asked
 * vs bytes handed out per kmalloc size class (perf kmem's bytes_req / bytes_alloc / frag), each
 * cache's slab geometry (objects, slabs, per-slab left-over, colour space, alignment padding),
 * and each vmalloc area's guard page and rounding.
 * The kernel keeps no record of the size a kmalloc caller asked for; the model does
 * (KmallocRecord, a model addition like a kmalloc tracepoint): SlabAllocator.kmalloc notes it and
 * __cache_free forgets it. Everything else is read from the caches, the slab lists and vmlist.
 * Read-only apart from KmallocRecord, which only the SlabAllocator updates.
 * Invariant: for every cache, slab_bytes == obj_bytes + padding_bytes + free_obj_bytes +
 * left_over_bytes + mgmt_bytes (every byte of every slab is in exactly one column).
 */
import { PAGE_SIZE } from "@i386mm/hw-i386";
import { type kmem_cache_t, OFF_SLAB } from "./kmem-cache.js";
import type { SlabAllocator } from "./slab-allocator.js";
import { VM_ALLOC, VM_IOREMAP, VM_MAP } from "./vmalloc.js";

/** Counters of one general cache in the kmalloc record. */
interface KmallocCounters {
  requests: number;
  bytes_req: number;
  live: number;
  live_bytes_req: number;
}

/**
 * The sizes kmalloc callers asked for: cumulative per general cache, and per live object (the
 * model's record; 2.6.11 throws the size away once it has chosen the cache).
 */
export class KmallocRecord {
  /**
   * kmalloc'ed objects: address -> bytes asked while live, -1 once freed. Entries are never
   * deleted: V8's Map keeps a deleted entry in its bucket chain until the next rehash, so an
   * address kmalloc'ed and freed over and over would make every lookup walk a long chain.
   */
  readonly #sizes = new Map<number, number>();
  /** Live kmalloc'ed objects. */
  liveCount = 0;
  /** Per cache id. */
  readonly #counters = new Map<number, KmallocCounters>();

  /** kmalloc(size) returned `objp` from cache `cacheId`. */
  allocated(cacheId: number, objp: number, size: number): void {
    let c = this.#counters.get(cacheId);
    if (c === undefined) {
      c = { requests: 0, bytes_req: 0, live: 0, live_bytes_req: 0 };
      this.#counters.set(cacheId, c);
    }
    c.requests++;
    c.bytes_req += size;
    c.live++;
    c.live_bytes_req += size;
    this.#sizes.set(objp, size);
    this.liveCount++;
  }

  /** `objp` of cache `cacheId` was freed (kfree or kmem_cache_free); a non-kmalloc object is ignored. */
  freed(cacheId: number, objp: number): void {
    const size = this.#sizes.get(objp) ?? -1;
    if (size < 0) return;
    this.#sizes.set(objp, -1);
    this.liveCount--;
    const c = this.#counters.get(cacheId)!;
    c.live--;
    c.live_bytes_req -= size;
  }

  /** Bytes asked for the live kmalloc'ed object at `objp`, or -1. */
  requested(objp: number): number {
    return this.#sizes.get(objp) ?? -1;
  }

  /** Every live kmalloc'ed object and its bytes asked. */
  *liveObjects(): IterableIterator<[number, number]> {
    for (const [objp, size] of this.#sizes) if (size >= 0) yield [objp, size];
  }

  /** The counters of cache `cacheId` (zeros when kmalloc never used it). */
  counters(cacheId: number): Readonly<KmallocCounters> {
    return this.#counters.get(cacheId) ?? { requests: 0, bytes_req: 0, live: 0, live_bytes_req: 0 };
  }
}

/** One kmalloc size class: what callers asked for and what they got (perf kmem's columns). */
export interface KmallocClassRow {
  /** "size-64", "size-64(DMA)". */
  readonly cache: string;
  /** The class size (cs_size = the cache's objsize without debug words). */
  readonly size: number;
  /** kmalloc calls served from this class since boot. */
  readonly requests: number;
  readonly bytes_req: number;
  /** requests x size. */
  readonly bytes_alloc: number;
  /** Of those, objects not freed yet. */
  readonly live: number;
  readonly live_bytes_req: number;
  readonly live_bytes_alloc: number;
}

/** Per kmalloc class (normal and DMA twins), the classes kmalloc has served, smallest first. */
export function kmalloc_fragmentation(slab: SlabAllocator): KmallocClassRow[] {
  const out: KmallocClassRow[] = [];
  const row = (c: kmem_cache_t, size: number) => {
    const k = slab.kmalloc_record.counters(c.id);
    if (k.requests === 0) return;
    out.push({
      cache: c.name,
      size,
      requests: k.requests,
      bytes_req: k.bytes_req,
      bytes_alloc: k.requests * size,
      live: k.live,
      live_bytes_req: k.live_bytes_req,
      live_bytes_alloc: k.live * size,
    });
  };
  for (const cs of slab.malloc_sizes) row(cs.cs_cachep, cs.cs_size);
  for (const cs of slab.malloc_sizes) row(cs.cs_dmacachep, cs.cs_size);
  return out;
}

/** One cache's geometry and where its slab bytes go. */
export interface CacheFragmentationRow {
  readonly name: string;
  /** Bytes per object (alignment and debug words included). */
  readonly objsize: number;
  /** The creator's size rounded up to a word (reallen). */
  readonly reallen: number;
  /** Objects per slab, slab order. */
  readonly num: number;
  readonly gfporder: number;
  /** Descriptor kept off the slab (CFLGS_OFF_SLAB). */
  readonly off_slab: boolean;
  readonly slabs: number;
  /** Slabs with at least one object in use (full + partial). */
  readonly active_slabs: number;
  /** num x slabs. */
  readonly objects: number;
  /** Objects handed to callers (slab inuse minus the ones waiting in per-CPU and shared arrays). */
  readonly in_use: number;
  /** Objects waiting in the per-CPU and shared arrays (allocated from the slabs, free to callers). */
  readonly cached: number;
  /** Bytes of one slab holding no object and no descriptor (cache_estimate's left_over). */
  readonly left_over: number;
  /** Colours (colour) and their step (colour_off): left_over's part that shifts objects. */
  readonly colour: number;
  readonly colour_off: number;
  /** colour x colour_off: bytes per slab the colouring can use; the rest of left_over is never used. */
  readonly colour_space: number;
  /** objsize - reallen: alignment padding (and debug words) per object. */
  readonly padding: number;
  /** Per-slab descriptor bytes inside the slab (struct slab + bufctl[], on-slab only). */
  readonly mgmt: number;
  /** Totals over all slabs: slab_bytes = obj_bytes + padding_bytes + free_obj_bytes + left_over_bytes + mgmt_bytes. */
  readonly slab_bytes: number;
  readonly obj_bytes: number;
  readonly padding_bytes: number;
  readonly free_obj_bytes: number;
  readonly left_over_bytes: number;
  readonly mgmt_bytes: number;
}

function listLength(slab: SlabAllocator, head: number): { n: number; inuse: number } {
  const t = slab.slabs;
  let n = 0;
  let inuse = 0;
  for (let h = t.next[head]; h !== head; h = t.next[h]) {
    n++;
    inuse += t.inuse[h];
  }
  return { n, inuse };
}

/** The geometry and byte accounting of one cache. */
export function cache_fragmentation(slab: SlabAllocator, c: kmem_cache_t): CacheFragmentationRow {
  const l3 = c.lists;
  const full = listLength(slab, l3.slabs_full);
  const partial = listLength(slab, l3.slabs_partial);
  const free = listLength(slab, l3.slabs_free);
  const slabs = full.n + partial.n + free.n;
  const inuse = full.inuse + partial.inuse + free.inuse;
  let cached = l3.shared?.avail ?? 0;
  for (const ac of c.array) if (ac) cached += ac.avail;
  const in_use = inuse - cached;
  const mgmt = OFF_SLAB(c) ? 0 : c.slab_size;
  const slabBytes = PAGE_SIZE * 2 ** c.gfporder;
  const left_over = slabBytes - c.num * c.objsize - mgmt;
  const reallen = c.reallen || c.objsize;
  const padding = c.objsize - reallen;
  return {
    name: c.name,
    objsize: c.objsize,
    reallen,
    num: c.num,
    gfporder: c.gfporder,
    off_slab: OFF_SLAB(c),
    slabs,
    active_slabs: full.n + partial.n,
    objects: slabs * c.num,
    in_use,
    cached,
    left_over,
    colour: c.colour,
    colour_off: c.colour_off,
    colour_space: c.colour * c.colour_off,
    padding,
    mgmt,
    slab_bytes: slabs * slabBytes,
    obj_bytes: in_use * reallen,
    padding_bytes: in_use * padding,
    free_obj_bytes: (slabs * c.num - in_use) * c.objsize,
    left_over_bytes: slabs * left_over,
    mgmt_bytes: slabs * mgmt,
  };
}

/** cache_fragmentation of every cache, in cache_chain order (as /proc/slabinfo lists them). */
export function slab_fragmentation(slab: SlabAllocator): CacheFragmentationRow[] {
  return slab.cache_chain.map((c) => cache_fragmentation(slab, c));
}

/** One vmalloc area: what was asked, what the area takes. */
export interface VmallocAreaRow {
  readonly addr: number;
  /** Bytes of address space, guard page included (vm_struct.size). */
  readonly size: number;
  readonly kind: "vmalloc" | "ioremap" | "vmap" | "area";
  /** Bytes the caller asked for (the model's vm_struct.req_size). */
  readonly requested: number;
  /** The unmapped guard page (always PAGE_SIZE). */
  readonly guard: number;
  /** size - guard - requested: the page rounding (and an ioremap's offset into its first page). */
  readonly rounding: number;
  /** Pages allocated for a vmalloc area (nr_pages), 0 for ioremap and vmap. */
  readonly pages: number;
}

/** Every area of vmlist, lowest address first. */
export function vmalloc_fragmentation(slab: SlabAllocator): VmallocAreaRow[] {
  return slab.vm.vmlist.map((v) => {
    const kind =
      v.flags & VM_ALLOC ? "vmalloc" : v.flags & VM_IOREMAP ? "ioremap" : v.flags & VM_MAP ? "vmap" : "area";
    return {
      addr: v.addr,
      size: v.size,
      kind,
      requested: v.req_size,
      guard: PAGE_SIZE,
      rounding: v.size - PAGE_SIZE - v.req_size,
      pages: kind === "vmalloc" ? v.nr_pages : 0,
    };
  });
}
