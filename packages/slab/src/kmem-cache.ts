/*
 * kmem_cache_t, struct kmem_list3 and struct array_cache (mm/slab.c, 2.6.11), plus
 * cache_estimate(), the objects-per-slab arithmetic of kmem_cache_create.
 * A kmem_cache_t is a plain JS object (there are few caches); its descriptor also occupies an
 * object of cache_cache in simulated RAM (`addr`), and the slab list heads inside that descriptor
 * are mirrored there. An array_cache keeps its counters in JS and its object pointers in a
 * Uint32Array (`entry`, the kernel's ac_entry()); its kmalloc'ed home in RAM is `addr`
 * (0 for the static bootstrap arrays initarray_cache / initarray_generic).
 * Invariants: 0 <= avail <= limit; colour_next < max(colour, 1); lists.free_objects ==
 * sum over slabs of (num - inuse).
 */
import type { VirtAddr } from "@i386mm/hw-i386";
import { ALIGN, CFLGS_OFF_SLAB, SIZEOF_KMEM_BUFCTL_T, SIZEOF_STRUCT_SLAB, SLAB_LIMIT } from "./constants.js";

/**
 * The type of kmem_cache_create's SLAB_* flags: `unsigned long` in 2.6.11, named `slab_flags_t`
 * since 4.15 (the name the book's notes use). A number here.
 */
export type slab_flags_t = number;

/** A constructor/destructor: called with the object's address, its cache and SLAB_CTOR_* flags. */
export type kmem_cache_ctor = (objp: VirtAddr, cachep: kmem_cache_t, flags: number) => void;

/** struct array_cache: a LIFO of object pointers (per CPU, or the cache's shared array). */
export class array_cache {
  /** Objects currently held (entry[0 .. avail-1]); push at avail++, pop at --avail. */
  avail = 0;
  /** Capacity. */
  limit: number;
  /** Objects moved per refill / flush (0xbaadf00d junk for shared arrays, as the kernel). */
  batchcount: number;
  /** Set by every allocation; cleared by cache_reap (drain_array_locked). */
  touched = 0;
  /** ac_entry(ac): object addresses. */
  entry: Uint32Array;
  /** Address of this array_cache in RAM (kmalloc'ed), 0 for the static bootstrap arrays. */
  readonly addr: number;

  constructor(limit: number, batchcount: number, addr: number) {
    this.limit = limit;
    this.batchcount = batchcount;
    this.entry = new Uint32Array(Math.max(limit, 1));
    this.addr = addr;
  }
}

/** struct kmem_list3: the three slab lists (sentinel handles into the SlabTable) and counters. */
export interface kmem_list3 {
  slabs_partial: number;
  slabs_full: number;
  slabs_free: number;
  /** Free objects in all slabs (objects in per-CPU / shared arrays excluded). */
  free_objects: number;
  free_touched: number;
  /** jiffies after which cache_reap may drain the shared array and free slabs. */
  next_reap: number;
  shared: array_cache | null;
}

/** kmem_cache_t (struct kmem_cache_s). Field names are the kernel's. */
export class kmem_cache_t {
  /** Handle stored in page->lru.next of every page of every slab (SET_PAGE_CACHE). */
  readonly id: number;
  /** Address of the descriptor object (from cache_cache); 0 for the static cache_cache. */
  readonly addr: number;
  /** array[NR_CPUS]: per-CPU array caches (null for offline CPUs / destroyed caches). */
  array: (array_cache | null)[];
  batchcount = 0;
  limit = 0;
  lists: kmem_list3;
  /** Bytes per object including alignment and debug words. */
  objsize = 0;
  flags = 0;
  /** Objects per slab. */
  num = 0;
  free_limit = 0;
  gfporder = 0;
  gfpflags = 0;
  /** Number of colours; colour offsets are 0 .. colour-1 times colour_off. */
  colour = 0;
  colour_off = 0;
  colour_next = 0;
  slabp_cache: kmem_cache_t | null = null;
  /** Size of struct slab + bufctl[] (aligned when on-slab). */
  slab_size = 0;
  dflags = 0;
  ctor: kmem_cache_ctor | null = null;
  dtor: kmem_cache_ctor | null = null;
  name: string;
  /* CONFIG_DEBUG_SLAB: offset of the real object inside a slab object, and its real length. */
  dbghead = 0;
  reallen = 0;
  /* STATS (CONFIG_DEBUG_SLAB only). */
  num_active = 0;
  num_allocations = 0;
  high_mark = 0;
  grown = 0;
  reaped = 0;
  errors = 0;
  max_freeable = 0;
  node_allocs = 0;
  allochit = 0;
  allocmiss = 0;
  freehit = 0;
  freemiss = 0;

  constructor(id: number, addr: number, name: string, nrCpus: number, lists: kmem_list3) {
    this.id = id;
    this.addr = addr;
    this.name = name;
    this.array = Array.from({ length: nrCpus }, () => null);
    this.lists = lists;
  }
}

/** OFF_SLAB(cachep). */
export function OFF_SLAB(cachep: kmem_cache_t): boolean {
  return (cachep.flags & CFLGS_OFF_SLAB) !== 0;
}

/**
 * cache_estimate(gfporder, size, align, flags): how many objects fit in 2^gfporder pages and
 * how many bytes are left over. On-slab slabs also hold struct slab and one bufctl per object.
 */
export function cache_estimate(
  gfporder: number,
  size: number,
  align: number,
  flags: number,
  pageSize: number,
): { num: number; left_over: number } {
  const wastage = pageSize * 2 ** gfporder;
  let base = 0;
  let extra = 0;
  if ((flags & CFLGS_OFF_SLAB) === 0) {
    base = SIZEOF_STRUCT_SLAB;
    extra = SIZEOF_KMEM_BUFCTL_T;
  }
  let i = 0;
  while (i * size + ALIGN(base + i * extra, align) <= wastage) i++;
  if (i > 0) i--;
  if (i > SLAB_LIMIT) i = SLAB_LIMIT;
  return { num: i, left_over: wastage - i * size - ALIGN(base + i * extra, align) };
}

/** `struct kmem_cache`: later kernels' name for 2.6.11's kmem_cache_t (struct kmem_cache_s). */
export type kmem_cache = kmem_cache_t;
