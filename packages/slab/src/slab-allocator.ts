/*
 * The slab allocator of mm/slab.c (2.6.11): kmem_cache_init, kmem_cache_create, cache_grow /
 * kmem_getpages / kmem_freepages / slab_destroy, the per-CPU fast paths (__cache_alloc,
 * __cache_free), cache_alloc_refill, cache_flusharray, free_block, do_tune_cpucache /
 * enable_cpucache, cache_reap, kmem_cache_shrink, kmem_cache_destroy, and the general caches
 * behind kmalloc / kfree / ksize / kcalloc. The geometry arithmetic is in cache-geometry.ts,
 * struct slab in slab-descriptor.ts, vmalloc in vmalloc.ts (wired in here).
 * Objects are lowmem VirtAddrs whose bytes live in simulated RAM; every PG_slab page carries
 * the cache id in mem_map.lru_next and the slab handle in mem_map.lru_prev.
 * Model additions, documented: a shadow bitmap of "handed to a caller" objects so kfree of a
 * foreign pointer, double free and frees into the wrong cache throw SlabError before anything
 * changes (the non-debug kernel would corrupt itself silently). Only this class (through its
 * SlabTable and VmallocState) mutates slab state.
 */
import {
  asVirt,
  Errno,
  in_interrupt,
  type Machine,
  ModelCheckError,
  PAGE_OFFSET,
  PAGE_SHIFT,
  PAGE_SIZE,
  type VirtAddr,
} from "@i386mm/hw-i386";
import {
  __GFP_WAIT,
  GFP_KERNEL,
  type MeminfoSources,
  type Page,
  type PageAllocator,
  PG_slab,
} from "@i386mm/page-alloc";
import { slabGeometry } from "./cache-geometry.js";
import {
  ALIGN,
  BATCHREFILL_LIMIT,
  BOOT_CPUCACHE_ENTRIES,
  BREAK_GFP_ORDER_HI,
  BREAK_GFP_ORDER_LO,
  BUFCTL_END,
  BUFCTL_FREE,
  BYTES_PER_WORD,
  CACHE_LINE_SIZE,
  CFLGS_OFF_SLAB,
  CREATE_MASK,
  CREATE_MASK_DEBUG,
  INT_MAX,
  KMALLOC_MAX_SIZE,
  KMEM_CACHE_LISTS_FREE,
  KMEM_CACHE_LISTS_FULL,
  KMEM_CACHE_LISTS_PARTIAL,
  MALLOC_SIZES,
  MAX_OBJ_ORDER,
  POISON_FREE,
  POISON_INUSE,
  REAPTIMEOUT_LIST3,
  RED_ACTIVE,
  RED_INACTIVE,
  SIZEOF_ARRAY_CACHE,
  SIZEOF_ARRAYCACHE_INIT,
  SIZEOF_KMEM_BUFCTL_T,
  SIZEOF_KMEM_CACHE_T,
  SIZEOF_KMEM_CACHE_T_DEBUG,
  SIZEOF_STRUCT_SLAB,
  SLAB_CACHE_DMA,
  SLAB_CTOR_ATOMIC,
  SLAB_CTOR_CONSTRUCTOR,
  SLAB_CTOR_VERIFY,
  SLAB_DEBUG_INITIAL,
  SLAB_DESTROY_BY_RCU,
  SLAB_HWCACHE_ALIGN,
  SLAB_NO_REAP,
  SLAB_NR_CPUS,
  SLAB_PANIC,
  SLAB_POISON,
  SLAB_RECLAIM_ACCOUNT,
  SLAB_RED_ZONE,
  SLAB_STORE_USER,
} from "./constants.js";
import {
  check_poison_obj,
  type DebugEnv,
  dbg_redzone1,
  dbg_redzone2,
  dbg_userword,
  fmtp,
  poison_obj,
  rd32,
  slab_error,
  wr32,
} from "./debug.js";
import { SlabError } from "./errors.js";
import { CACHE_GROW_ALLOWED, SLAB_DMA, SLAB_KERNEL, SLAB_LEVEL_MASK, SLAB_NO_GROW } from "./gfp.js";
import { KmallocRecord } from "./internal-frag.js";
import {
  array_cache,
  cache_estimate,
  type kmem_cache_ctor,
  kmem_cache_t,
  type kmem_list3,
  OFF_SLAB,
  type slab_flags_t,
} from "./kmem-cache.js";
import { SlabTable } from "./slab-descriptor.js";
import { slabinfo, slabinfo_write } from "./slabinfo.js";
import { VmallocState } from "./vmalloc.js";

/** struct cache_sizes: one malloc_sizes[] entry. */
export interface cache_sizes {
  readonly cs_size: number;
  cs_cachep: kmem_cache_t;
  cs_dmacachep: kmem_cache_t;
}

/** Options of {@link SlabAllocator}. */
export interface SlabAllocatorOptions {
  /** Model CONFIG_DEBUG_SLAB (DEBUG, STATS and FORCED_DEBUG of mm/slab.c). Default false. */
  debug?: boolean;
}

/** g_cpucache_up: no per-CPU arrays yet. */
export const NONE = 0;
/** g_cpucache_up: the first general cache uses the static initarray_generic. */
export const PARTIAL = 1;
/** g_cpucache_up: bootstrap done, new caches get enable_cpucache. */
export const FULL = 2;

const PG_SLAB_BIT = 1 << PG_slab;
// Hot-path copies of imported constants: module-local consts stay plain values under every
// module loader (vitest's SSR transform turns imported bindings into property reads).
const KERNEL_BASE: number = PAGE_OFFSET;
const KMALLOC_MAX: number = KMALLOC_MAX_SIZE;
const GFP_DMA_BIT: number = SLAB_DMA;
const PAGE_SHIFT_: number = PAGE_SHIFT;

function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/** The live bitmap's chunks: 2^LIVE_CHUNK_SHIFT lowmem words (2 MiB, 512 frames) each. */
const LIVE_CHUNK_SHIFT = 19;
const LIVE_CHUNK_WORDS = 1 << LIVE_CHUNK_SHIFT;
/** Index of a word's Uint32 inside its chunk: (w >>> 5) & LIVE_CHUNK_MASK. */
const LIVE_CHUNK_MASK = (LIVE_CHUNK_WORDS >>> 5) - 1;

/**
 * One machine's slab allocator. `new SlabAllocator(pa)` runs kmem_cache_init (cache_cache, then
 * the general caches and their DMA twins, then enable_cpucache for all) and brings the other
 * CPUs' arrays up as cpuup_callback does.
 */
export class SlabAllocator {
  /** The page allocator slabs are carved from. */
  readonly pa: PageAllocator;
  /** The machine (RAM, CPUs, dmesg). */
  readonly machine: Machine;
  /** CONFIG_DEBUG_SLAB. */
  readonly debug: boolean;
  /** struct slab descriptors and list links. */
  readonly slabs: SlabTable;
  /** cache_cache: the cache of kmem_cache_t descriptors ("kmem_cache"). */
  readonly cache_cache: kmem_cache_t;
  /** cache_chain, head first (newest cache first, cache_cache last). */
  readonly cache_chain: kmem_cache_t[] = [];
  /** malloc_sizes[] without the terminator. */
  readonly malloc_sizes: cache_sizes[] = [];
  /** Caches by id (the value in page->lru.next); index 0 is NULL. */
  readonly cacheById: (kmem_cache_t | undefined)[] = [undefined];
  /** g_cpucache_up: NONE, PARTIAL, FULL. */
  g_cpucache_up = NONE;
  /** Max objects per off-slab slab (set from the last on-slab general cache). */
  offslab_limit = 0;
  /** BREAK_GFP_ORDER_HI above 32 MiB of RAM, else LO. */
  readonly slab_break_gfp_order: number;
  /** The model's jiffies (HZ = 1000): advance it to let cache_reap pass next_reap. */
  jiffies = 0;
  /** Pages held by slabs (the nr_slab page state). */
  nr_slab = 0;
  /** Pages held by SLAB_RECLAIM_ACCOUNT caches. */
  slab_reclaim_pages = 0;
  /** cpu_online_map as the slab layer sees it (CPUs come up after kmem_cache_init). */
  readonly cpu_online: boolean[];
  /** vmalloc state (vmlist). */
  readonly vm: VmallocState;
  /** The sizes kmalloc callers asked for (a model record for /proc/fraginfo; internal-frag.ts). */
  readonly kmalloc_record = new KmallocRecord();

  readonly #ram: Machine["ram"];
  readonly #lowmemEnd: number;
  /**
   * The model's "handed to a caller" bit per 4-byte word of lowmem (kfree and kmem_cache_free
   * refuse anything else), in chunks of 2 MiB of lowmem (LIVE_CHUNK_WORDS words, 64 KiB of bits)
   * made when the first object in them is handed out; chunks with none share #liveZero, so the
   * host pays for the bitmap only where slabs are (not 128 bytes per lowmem frame).
   */
  readonly #live: Uint32Array[];
  readonly #liveZero = new Uint32Array(LIVE_CHUNK_WORDS >>> 5);
  /** mem_map columns (fixed for the machine's life): flags, lru.next (cache id), lru.prev (slab). */
  readonly #mmFlags: Uint32Array;
  readonly #lruNext: Int32Array;
  readonly #lruPrev: Int32Array;
  /** kmalloc's size -> cache table by (size + 31) >> 5, normal and DMA (malloc_sizes, flattened). */
  readonly #kmallocCache: kmem_cache_t[] = [];
  readonly #kmallocDmaCache: kmem_cache_t[] = [];
  readonly #sizeIndex: Uint8Array;
  readonly #dbgEnv: DebugEnv;
  #nextCacheId = 1;

  constructor(pa: PageAllocator, opts: SlabAllocatorOptions = {}) {
    pa.attachLayer("slab", this); // one slab allocator per kernel: refuses a second, changing nothing
    this.pa = pa;
    this.machine = pa.machine;
    this.#ram = this.machine.ram;
    this.debug = opts.debug ?? false;
    this.#lowmemEnd = pa.high_memory >>> 0;
    this.slabs = new SlabTable(this.#ram, KERNEL_BASE);
    this.#mmFlags = pa.mem_map.flags;
    this.#lruNext = pa.mem_map.lru_next;
    this.#lruPrev = pa.mem_map.lru_prev;
    this.#live = new Array<Uint32Array>(
      Math.ceil((this.#lowmemEnd - KERNEL_BASE) / 4 / LIVE_CHUNK_WORDS) + 1,
    ).fill(this.#liveZero);
    this.#sizeIndex = new Uint8Array((KMALLOC_MAX_SIZE >>> 5) + 1);
    for (let k = 0, i = 0; k < this.#sizeIndex.length; k++) {
      while (MALLOC_SIZES[i] < k * 32) i++;
      this.#sizeIndex[k] = i;
    }
    this.#dbgEnv = { ram: this.#ram, pageOffset: KERNEL_BASE, printk: (l) => this.machine.printk(l) };
    this.cpu_online = new Array<boolean>(SLAB_NR_CPUS).fill(false);
    this.slab_break_gfp_order =
      pa.num_physpages > (32 << 20) >>> PAGE_SHIFT_ ? BREAK_GFP_ORDER_HI : BREAK_GFP_ORDER_LO;
    this.vm = new VmallocState(this);

    const saved = this.machine.current;
    this.machine.setCurrentCpu(0);
    try {
      this.cpu_online[0] = true;
      this.cache_cache = this.#kmem_cache_init();
      for (let cpu = 1; cpu < this.machine.cpus.length && cpu < SLAB_NR_CPUS; cpu++) {
        this.#cpuup_callback(cpu);
        this.cpu_online[cpu] = true;
      }
    } finally {
      this.machine.setCurrentCpu(saved);
    }
  }

  /* ------------------------------------------------------------------ bootstrap */

  #newLists(addr: number, id: number): kmem_list3 {
    const s = this.slabs;
    const mk = (off: number) => {
      const h = s.alloc(addr === 0 ? 0 : addr + off, id);
      s.initHead(h);
      return h;
    };
    return {
      slabs_partial: mk(KMEM_CACHE_LISTS_PARTIAL),
      slabs_full: mk(KMEM_CACHE_LISTS_FULL),
      slabs_free: mk(KMEM_CACHE_LISTS_FREE),
      free_objects: 0,
      free_touched: 0,
      next_reap: 0,
      shared: null,
    };
  }

  #registerCache(addr: number, name: string): kmem_cache_t {
    const id = this.#nextCacheId++;
    const c = new kmem_cache_t(id, addr, name, SLAB_NR_CPUS, this.#newLists(addr, id));
    this.cacheById[id] = c;
    return c;
  }

  /** kmem_cache_init(): cache_cache, the general caches, then the final per-CPU arrays. */
  #kmem_cache_init(): kmem_cache_t {
    const sizeofCache = this.debug ? SIZEOF_KMEM_CACHE_T_DEBUG : SIZEOF_KMEM_CACHE_T;
    const cc = this.#registerCache(0, "kmem_cache");
    // 1) the static cache_cache
    cc.batchcount = 1;
    cc.limit = BOOT_CPUCACHE_ENTRIES;
    cc.flags = SLAB_NO_REAP;
    cc.reallen = sizeofCache;
    this.cache_chain.unshift(cc);
    cc.colour_off = CACHE_LINE_SIZE;
    cc.array[0] = new array_cache(BOOT_CPUCACHE_ENTRIES, 1, 0); // initarray_cache
    cc.objsize = ALIGN(sizeofCache, CACHE_LINE_SIZE);
    const est = cache_estimate(0, cc.objsize, CACHE_LINE_SIZE, 0, PAGE_SIZE);
    cc.num = est.num;
    if (!cc.num) throw new SlabError("kmem_cache_init", undefined, "cache_cache holds no object");
    cc.colour = Math.floor(est.left_over / cc.colour_off);
    cc.colour_next = 0;
    cc.slab_size = ALIGN(cc.num * SIZEOF_KMEM_BUFCTL_T + SIZEOF_STRUCT_SLAB, CACHE_LINE_SIZE);
    cc.free_limit = 0; // the static initializer leaves it 0 until enable_cpucache
    // `this.cache_cache` must exist before the first kmem_cache_create
    (this as { cache_cache: kmem_cache_t }).cache_cache = cc;

    // 2+3) the kmalloc caches
    for (const size of MALLOC_SIZES) {
      const c = this.kmem_cache_create(`size-${size}`, size, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC, null)!;
      const cs: cache_sizes = { cs_size: size, cs_cachep: c, cs_dmacachep: c };
      this.malloc_sizes.push(cs);
      if (!OFF_SLAB(c)) this.offslab_limit = Math.floor((size - SIZEOF_STRUCT_SLAB) / SIZEOF_KMEM_BUFCTL_T);
      cs.cs_dmacachep = this.kmem_cache_create(
        `size-${size}(DMA)`,
        size,
        0,
        SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_PANIC,
        null,
      )!;
    }
    // 4) replace the bootstrap head arrays of cache_cache and size-32 with kmalloc'ed copies
    for (const c of [cc, this.malloc_sizes[0].cs_cachep]) {
      const ptr = this.kmalloc(SIZEOF_ARRAYCACHE_INIT, GFP_KERNEL);
      if (ptr === null) throw new SlabError("kmem_cache_init", undefined, "out of memory in bootstrap");
      const old = c.array[0]!;
      const nc = new array_cache(old.limit, old.batchcount, ptr);
      nc.avail = old.avail;
      nc.touched = old.touched;
      nc.entry.set(old.entry.subarray(0, old.avail));
      c.array[0] = nc;
    }
    // 5) resize the head arrays to their final sizes
    for (const c of [...this.cache_chain]) this.enable_cpucache(c);
    for (let k = 0; k < this.#sizeIndex.length; k++) {
      const cs = this.malloc_sizes[this.#sizeIndex[k]];
      this.#kmallocCache.push(cs.cs_cachep);
      this.#kmallocDmaCache.push(cs.cs_dmacachep);
    }
    this.g_cpucache_up = FULL;
    return cc;
  }

  /** cpuup_callback(CPU_UP_PREPARE): give every cache an array for `cpu`. */
  #cpuup_callback(cpu: number): void {
    const online = this.num_online_cpus();
    for (const c of this.cache_chain) {
      const nc = this.#alloc_arraycache(cpu, c.limit, c.batchcount);
      if (nc === null) throw new SlabError("cpuup_callback", undefined, `no array for cpu ${cpu}`);
      c.array[cpu] = nc;
      c.free_limit = (1 + online) * c.batchcount + c.num;
    }
  }

  /** num_online_cpus(). */
  num_online_cpus(): number {
    let n = 0;
    for (const o of this.cpu_online) if (o) n++;
    return n;
  }

  /* ------------------------------------------------------------------ cache creation */

  /**
   * kmem_cache_create(name, size, align, flags, ctor, dtor): a new cache, or null when no
   * object fits or the descriptor cannot be allocated. BUGs (SlabError) on bad arguments,
   * illegal flags (SLAB_POISON / SLAB_RED_ZONE without `debug`) or a duplicate name.
   */
  kmem_cache_create(
    name: string,
    size: number,
    align: number,
    flags: slab_flags_t,
    ctor: kmem_cache_ctor | null,
    dtor: kmem_cache_ctor | null = null,
  ): kmem_cache_t | null {
    const call = "kmem_cache_create";
    const cpu = this.machine.cpus[this.machine.current];
    if (
      name == null ||
      in_interrupt(cpu) ||
      size < BYTES_PER_WORD ||
      size > (1 << MAX_OBJ_ORDER) * PAGE_SIZE ||
      (dtor !== null && ctor === null)
    ) {
      // vsprintf prints a NULL %s as "<NULL>" (lib/vsprintf.c).
      this.machine.printk(`kmem_cache_create: Early error in slab ${name ?? "<NULL>"}`);
      throw new SlabError(call, undefined, `early error in slab ${name ?? "<NULL>"} (size ${size})`);
    }
    if (this.debug) {
      if (name.includes(" ")) this.machine.warn(`WARNING: slab cache name "${name}" contains a space`);
      if (flags & SLAB_DEBUG_INITIAL && !ctor) {
        this.machine.printk(`kmem_cache_create: No con, but init state check requested - ${name}`);
        flags &= ~SLAB_DEBUG_INITIAL;
      }
      // FORCED_DEBUG
      if (size < 4096 || fls(size - 1) === fls(size - 1 + 3 * BYTES_PER_WORD))
        flags |= SLAB_RED_ZONE | SLAB_STORE_USER;
      if (!(flags & SLAB_DESTROY_BY_RCU)) flags |= SLAB_POISON;
      if (flags & SLAB_DESTROY_BY_RCU && flags & SLAB_POISON)
        throw new SlabError(call, undefined, `${name}: SLAB_DESTROY_BY_RCU with SLAB_POISON`);
    }
    if (flags & SLAB_DESTROY_BY_RCU && dtor !== null)
      throw new SlabError(call, undefined, `${name}: SLAB_DESTROY_BY_RCU with a destructor`);
    const mask = this.debug ? CREATE_MASK_DEBUG : CREATE_MASK;
    if (flags & ~mask) {
      throw new SlabError(
        call,
        undefined,
        `${name}: flags 0x${(flags >>> 0).toString(16)} outside CREATE_MASK 0x${mask.toString(16)}` +
          (this.debug ? "" : " (SLAB_POISON/SLAB_RED_ZONE need CONFIG_DEBUG_SLAB)"),
      );
    }
    for (const pc of this.cache_chain) {
      if (pc.name === name) {
        this.machine.printk(`kmem_cache_create: duplicate cache ${name}`);
        throw new SlabError(call, undefined, `duplicate cache ${name}`);
      }
    }

    const g = slabGeometry(size, align, flags, this);

    const addr = this.kmem_cache_alloc(this.cache_cache, SLAB_KERNEL);
    if (addr === null) return this.#createFailed(name, flags);
    if (!g.num) {
      this.machine.printk(`kmem_cache_create: couldn't create cache ${name}.`);
      this.kmem_cache_free(this.cache_cache, addr);
      return this.#createFailed(name, flags);
    }
    this.#ram.fill(addr - KERNEL_BASE, this.cache_cache.reallen || this.cache_cache.objsize, 0); // memset
    const cachep = this.#registerCache(addr, name); // INIT_LIST_HEAD x 3, mirrored in the descriptor
    cachep.reallen = g.reallen;
    cachep.dbghead = g.dbghead;
    cachep.gfporder = g.gfporder;
    cachep.num = g.num;
    cachep.colour_off = g.colour_off;
    cachep.colour = g.colour;
    cachep.slab_size = g.slab_size;
    cachep.flags = g.flags;
    cachep.gfpflags = g.flags & SLAB_CACHE_DMA ? SLAB_DMA : 0;
    cachep.objsize = g.objsize;
    if (g.flags & CFLGS_OFF_SLAB) cachep.slabp_cache = this.kmem_find_general_cachep(g.slab_size, 0);
    cachep.ctor = ctor;
    cachep.dtor = dtor;

    const cpu0 = this.machine.current;
    if (this.g_cpucache_up === FULL) {
      this.enable_cpucache(cachep);
    } else {
      if (this.g_cpucache_up === NONE) {
        cachep.array[cpu0] = new array_cache(BOOT_CPUCACHE_ENTRIES, 1, 0); // initarray_generic
        this.g_cpucache_up = PARTIAL;
      } else {
        const p = this.kmalloc(SIZEOF_ARRAYCACHE_INIT, GFP_KERNEL);
        if (p === null) throw new SlabError(call, undefined, "no bootstrap array");
        cachep.array[cpu0] = new array_cache(BOOT_CPUCACHE_ENTRIES, 1, p);
      }
      cachep.batchcount = 1;
      cachep.limit = BOOT_CPUCACHE_ENTRIES;
      cachep.free_limit = (1 + this.num_online_cpus()) * cachep.batchcount + cachep.num;
    }
    cachep.lists.next_reap = this.jiffies + REAPTIMEOUT_LIST3 + (cachep.addr % REAPTIMEOUT_LIST3);
    this.cache_chain.unshift(cachep);
    return cachep;
  }

  #createFailed(name: string, flags: number): null {
    // SLAB_PANIC: panic("kmem_cache_create(): failed to create slab `%s'\n", name): the machine stops.
    if (flags & SLAB_PANIC)
      this.machine.panic("kmem_cache_create", `kmem_cache_create(): failed to create slab \`${name}'`);
    return null;
  }

  #unregisterCache(c: kmem_cache_t): void {
    this.slabs.release(c.lists.slabs_partial);
    this.slabs.release(c.lists.slabs_full);
    this.slabs.release(c.lists.slabs_free);
    this.cacheById[c.id] = undefined;
    c.array.fill(null);
  }

  /** kmem_find_general_cachep(size, gfpflags): the smallest general cache >= size, or null. */
  kmem_find_general_cachep(size: number, gfpflags: number): kmem_cache_t | null {
    for (const cs of this.malloc_sizes) {
      if (size > cs.cs_size) continue;
      return gfpflags & SLAB_DMA ? cs.cs_dmacachep : cs.cs_cachep;
    }
    return null;
  }

  /* ------------------------------------------------------------------ per-CPU arrays */

  /** alloc_arraycache(cpu, entries, batchcount): a kmalloc'ed array_cache, or null. */
  #alloc_arraycache(cpu: number, entries: number, batchcount: number): array_cache | null {
    const memsize = BYTES_PER_WORD * entries + SIZEOF_ARRAY_CACHE;
    let p: VirtAddr | null = null;
    if (cpu !== -1) {
      const c = this.kmem_find_general_cachep(memsize, GFP_KERNEL);
      if (c !== null) p = this.kmem_cache_alloc(c, GFP_KERNEL);
    }
    if (p === null) p = this.kmalloc(memsize, GFP_KERNEL);
    if (p === null) return null;
    return new array_cache(entries, batchcount >>> 0, p);
  }

  #free_arraycache(ac: array_cache | null): void {
    if (ac !== null && ac.addr !== 0) this.kfree(asVirt(ac.addr));
  }

  /** do_tune_cpucache(cachep, limit, batchcount, shared): 0 or -ENOMEM. */
  do_tune_cpucache(cachep: kmem_cache_t, limit: number, batchcount: number, shared: number): number {
    const fresh: (array_cache | null)[] = new Array(SLAB_NR_CPUS).fill(null);
    for (let i = 0; i < SLAB_NR_CPUS; i++) {
      if (!this.cpu_online[i]) continue;
      fresh[i] = this.#alloc_arraycache(i, limit, batchcount);
      if (fresh[i] === null) {
        for (i--; i >= 0; i--) this.#free_arraycache(fresh[i]);
        return -Errno.ENOMEM;
      }
    }
    for (let i = 0; i < SLAB_NR_CPUS; i++) {
      if (!this.cpu_online[i]) continue;
      const old = cachep.array[i];
      cachep.array[i] = fresh[i];
      fresh[i] = old;
    }
    cachep.batchcount = batchcount;
    cachep.limit = limit;
    cachep.free_limit = (1 + this.num_online_cpus()) * cachep.batchcount + cachep.num;
    for (let i = 0; i < SLAB_NR_CPUS; i++) {
      const ccold = fresh[i];
      if (ccold === null) continue;
      this.#free_block(cachep, ccold.entry, 0, ccold.avail);
      ccold.avail = 0;
      this.#free_arraycache(ccold);
    }
    const new_shared = this.#alloc_arraycache(-1, batchcount * shared, 0xbaadf00d);
    if (new_shared !== null) {
      const old = cachep.lists.shared;
      cachep.lists.shared = new_shared;
      if (old !== null) {
        this.#free_block(cachep, old.entry, 0, old.avail);
        old.avail = 0;
      }
      this.#free_arraycache(old);
    }
    return 0;
  }

  /** enable_cpucache(cachep): the default limit/batchcount/shared for the object size. */
  enable_cpucache(cachep: kmem_cache_t): void {
    let limit: number;
    if (cachep.objsize > 131072) limit = 1;
    else if (cachep.objsize > PAGE_SIZE) limit = 8;
    else if (cachep.objsize > 1024) limit = 24;
    else if (cachep.objsize > 256) limit = 54;
    else limit = 120;
    // CONFIG_SMP: the stock 2.6.11 build is SMP
    const shared = cachep.objsize <= PAGE_SIZE ? 8 : 0;
    if (this.debug && limit > 32) limit = 32;
    const err = this.do_tune_cpucache(cachep, limit, (limit + 1) >> 1, shared);
    if (err) this.machine.printk(`enable_cpucache failed for ${cachep.name}, error ${-err}.`);
  }

  /* ------------------------------------------------------------------ growing and destroying */

  /**
   * kmem_getpages(cachep, flags, nodeid): the slab's first page address, or 0. nodeid -1 (the
   * default, what cache_grow passes) takes the current CPU's node through alloc_pages; another
   * nid goes to that node through alloc_pages_node.
   */
  kmem_getpages(cachep: kmem_cache_t, flags: number, nodeid = -1): number {
    flags |= cachep.gfpflags;
    const page =
      nodeid === -1
        ? this.pa.alloc_pages(flags, cachep.gfporder)
        : this.pa.alloc_pages_node(nodeid, flags, cachep.gfporder);
    if (page === null) return 0;
    const addr = this.pa.page_address(page);
    if (!addr)
      throw new SlabError("kmem_getpages", undefined, "slab page has no kernel address", { pfn: page });
    const n = 1 << cachep.gfporder;
    if (cachep.flags & SLAB_RECLAIM_ACCOUNT) this.slab_reclaim_pages += n;
    this.nr_slab += n;
    for (let i = 0; i < n; i++) this.pa.SetPageSlab((page + i) as Page);
    return addr;
  }

  /** kmem_freepages(cachep, addr): clear PG_slab on every page and give them back. */
  kmem_freepages(cachep: kmem_cache_t, addr: number): void {
    const page = this.pa.virt_to_page(asVirt(addr));
    const n = 1 << cachep.gfporder;
    for (let i = 0; i < n; i++) {
      if (!this.pa.PageSlab((page + i) as Page))
        throw new SlabError("kmem_freepages", addr, `page ${page + i} lost PG_slab`);
    }
    for (let i = 0; i < n; i++) this.pa.ClearPageSlab((page + i) as Page);
    this.nr_slab -= n;
    this.pa.__free_pages(page, cachep.gfporder);
    if (cachep.flags & SLAB_RECLAIM_ACCOUNT) this.slab_reclaim_pages -= n;
  }

  /** cache_grow(cachep, flags): add one slab to slabs_free; 1 on success, 0 on failure. */
  #cache_grow(cachep: kmem_cache_t, flags: number): number {
    if (flags & SLAB_NO_GROW) return 0;
    let ctor_flags = SLAB_CTOR_CONSTRUCTOR;
    const local_flags = flags & SLAB_LEVEL_MASK;
    if (!(local_flags & __GFP_WAIT)) ctor_flags |= SLAB_CTOR_ATOMIC;
    let offset = cachep.colour_next;
    cachep.colour_next++;
    if (cachep.colour_next >= cachep.colour) cachep.colour_next = 0;
    offset *= cachep.colour_off;

    const objp = this.kmem_getpages(cachep, flags);
    if (!objp) return 0;
    const s = this.slabs;
    let slabp: number;
    if (OFF_SLAB(cachep)) {
      const d = this.kmem_cache_alloc(cachep.slabp_cache!, local_flags);
      if (d === null) {
        this.kmem_freepages(cachep, objp);
        return 0;
      }
      slabp = s.alloc(d, cachep.id);
      s.colouroff[slabp] = offset;
    } else {
      slabp = s.alloc(objp + offset, cachep.id);
      s.colouroff[slabp] = offset + cachep.slab_size;
    }
    s.inuse[slabp] = 0;
    s.s_mem[slabp] = objp + s.colouroff[slabp];
    // set_slab_attr
    const pfn = (objp - KERNEL_BASE) >>> PAGE_SHIFT_;
    const mm = this.pa.mem_map;
    for (let i = 0, n = 1 << cachep.gfporder; i < n; i++) {
      mm.lru_next[pfn + i] = cachep.id;
      mm.lru_prev[pfn + i] = slabp;
    }
    this.#cache_init_objs(cachep, slabp, ctor_flags);
    s.syncFields(slabp);
    s.list_add_tail(slabp, cachep.lists.slabs_free);
    cachep.grown++;
    cachep.lists.free_objects += cachep.num;
    return 1;
  }

  /** cache_init_objs: construct every object and chain the bufctls 0 -> 1 -> ... -> END. */
  #cache_init_objs(cachep: kmem_cache_t, slabp: number, ctor_flags: number): void {
    const s = this.slabs;
    const base = s.s_mem[slabp];
    const env = this.#dbgEnv;
    for (let i = 0; i < cachep.num; i++) {
      const objp = base + cachep.objsize * i;
      if (this.debug) {
        if (cachep.flags & SLAB_POISON) poison_obj(env, cachep, objp, POISON_FREE);
        if (cachep.flags & SLAB_STORE_USER) wr32(env, dbg_userword(cachep, objp), 0);
        if (cachep.flags & SLAB_RED_ZONE) {
          wr32(env, dbg_redzone1(cachep, objp), RED_INACTIVE);
          wr32(env, dbg_redzone2(cachep, objp), RED_INACTIVE);
        }
        if (cachep.ctor && !(cachep.flags & SLAB_POISON))
          cachep.ctor(asVirt(objp + cachep.dbghead), cachep, ctor_flags);
        if (cachep.flags & SLAB_RED_ZONE) {
          if (rd32(env, dbg_redzone2(cachep, objp)) !== RED_INACTIVE)
            slab_error(env, "cache_init_objs", cachep, "constructor overwrote the end of an object");
          if (rd32(env, dbg_redzone1(cachep, objp)) !== RED_INACTIVE)
            slab_error(env, "cache_init_objs", cachep, "constructor overwrote the start of an object");
        }
      } else if (cachep.ctor) {
        cachep.ctor(asVirt(objp), cachep, ctor_flags);
      }
      s.setBufctl(slabp, i, i + 1);
    }
    s.setBufctl(slabp, cachep.num - 1, BUFCTL_END);
    s.free[slabp] = 0;
  }

  /** slab_destroy(cachep, slabp): run dtors / debug checks, free the pages and the descriptor. */
  #slab_destroy(cachep: kmem_cache_t, slabp: number): void {
    const s = this.slabs;
    const addr = s.s_mem[slabp] - s.colouroff[slabp];
    const env = this.#dbgEnv;
    for (let i = 0; i < cachep.num; i++) {
      const objp = s.s_mem[slabp] + cachep.objsize * i;
      if (this.debug) {
        if (cachep.flags & SLAB_POISON) check_poison_obj(env, cachep, objp, s.s_mem[slabp]);
        if (cachep.flags & SLAB_RED_ZONE) {
          if (rd32(env, dbg_redzone1(cachep, objp)) !== RED_INACTIVE)
            slab_error(env, "slab_destroy", cachep, "start of a freed object was overwritten");
          if (rd32(env, dbg_redzone2(cachep, objp)) !== RED_INACTIVE)
            slab_error(env, "slab_destroy", cachep, "end of a freed object was overwritten");
        }
        if (cachep.dtor && !(cachep.flags & SLAB_POISON))
          cachep.dtor(asVirt(objp + cachep.dbghead), cachep, 0);
      } else if (cachep.dtor) {
        cachep.dtor(asVirt(objp), cachep, 0);
      }
    }
    // SLAB_DESTROY_BY_RCU: the model has no RCU readers, so the grace period is immediate.
    const desc = s.desc[slabp];
    s.release(slabp);
    this.kmem_freepages(cachep, addr);
    if (OFF_SLAB(cachep)) this.kmem_cache_free(cachep.slabp_cache!, asVirt(desc));
  }

  /* ------------------------------------------------------------------ allocation */

  /**
   * kmem_cache_alloc(cachep, flags): an object, or null when the cache cannot grow.
   * Fast path: pop this CPU's array_cache.
   */
  kmem_cache_alloc(cachep: kmem_cache_t, flags: number): VirtAddr | null {
    const ac = cachep.array[this.machine.current];
    if (ac != null && ac.avail !== 0 && !this.debug) {
      ac.touched = 1;
      const objp = ac.entry[--ac.avail];
      const w = (objp - KERNEL_BASE) >>> 2;
      this.#setLive(w);
      return objp as VirtAddr;
    }
    return this.#__cache_alloc_slow(cachep, flags, ac);
  }

  /** __cache_alloc off the fast path: refill (cache_alloc_refill), or the debug checks. */
  #__cache_alloc_slow(cachep: kmem_cache_t, flags: number, ac: array_cache | null): VirtAddr | null {
    if (ac == null) throw this.#deadCache("kmem_cache_alloc", cachep);
    if (this.debug) return this.#debugAlloc(cachep, flags, ac);
    const objp = this.#cache_alloc_refill(cachep, flags);
    if (objp === 0) return null;
    const w = (objp - KERNEL_BASE) >>> 2;
    this.#setLive(w);
    return objp as VirtAddr;
  }

  #deadCache(call: string, cachep: kmem_cache_t): SlabError {
    return new SlabError(call, cachep.addr, `cache \`${cachep.name}' was destroyed or has no array`);
  }

  /** cache_alloc_debugcheck_before + __cache_alloc + cache_alloc_debugcheck_after. */
  #debugAlloc(cachep: kmem_cache_t, flags: number, ac: array_cache): VirtAddr | null {
    this.#kmem_flagcheck("kmem_cache_alloc", cachep, flags);
    let objp: number;
    if (ac.avail !== 0) {
      cachep.allochit++;
      ac.touched = 1;
      objp = ac.entry[--ac.avail];
    } else {
      cachep.allocmiss++;
      objp = this.#cache_alloc_refill(cachep, flags);
      if (objp === 0) return null;
    }
    const env = this.#dbgEnv;
    if (cachep.flags & SLAB_POISON) {
      const h = this.pa.mem_map.lru_prev[(objp - KERNEL_BASE) >>> PAGE_SHIFT_];
      check_poison_obj(env, cachep, objp, this.slabs.s_mem[h]);
      poison_obj(env, cachep, objp, POISON_INUSE);
    }
    if (cachep.flags & SLAB_STORE_USER) wr32(env, dbg_userword(cachep, objp), 0);
    if (cachep.flags & SLAB_RED_ZONE) {
      const r1 = rd32(env, dbg_redzone1(cachep, objp));
      const r2 = rd32(env, dbg_redzone2(cachep, objp));
      if (r1 !== RED_INACTIVE || r2 !== RED_INACTIVE) {
        slab_error(
          env,
          "cache_alloc_debugcheck_after",
          cachep,
          "double free, or memory outside object was overwritten",
        );
        this.machine.printk(
          `${fmtp(objp)}: redzone 1: 0x${r1.toString(16)}, redzone 2: 0x${r2.toString(16)}.`,
        );
      }
      wr32(env, dbg_redzone1(cachep, objp), RED_ACTIVE);
      wr32(env, dbg_redzone2(cachep, objp), RED_ACTIVE);
    }
    const user = objp + cachep.dbghead;
    if (cachep.ctor && cachep.flags & SLAB_POISON) {
      let ctor_flags = SLAB_CTOR_CONSTRUCTOR;
      if (!(flags & __GFP_WAIT)) ctor_flags |= SLAB_CTOR_ATOMIC;
      cachep.ctor(asVirt(user), cachep, ctor_flags);
    }
    const w = (user - KERNEL_BASE) >>> 2;
    this.#setLive(w);
    return user as VirtAddr;
  }

  /** kmem_flagcheck: a DMA request of a non-DMA cache (or the reverse) is a BUG. */
  #kmem_flagcheck(call: string, cachep: kmem_cache_t, flags: number): void {
    if (flags & SLAB_DMA ? !(cachep.gfpflags & SLAB_DMA) : cachep.gfpflags & SLAB_DMA) {
      throw new SlabError(
        call,
        cachep.addr,
        `kmem_flagcheck: GFP_DMA ${flags & SLAB_DMA ? "asked of non-DMA" : "missing for DMA"} cache ${cachep.name}`,
      );
    }
  }

  /** cache_alloc_refill(cachep, flags): refill this CPU's array and pop one object (0 = none). */
  #cache_alloc_refill(cachep: kmem_cache_t, flags: number): number {
    const cpu = this.machine.current;
    const l3 = cachep.lists;
    const s = this.slabs;
    // cache_grow's BUG()s, checked before anything moves (validate first, mutate after)
    if (
      (l3.shared === null || l3.shared.avail === 0) &&
      s.list_empty(l3.slabs_partial) &&
      s.list_empty(l3.slabs_free)
    ) {
      if (flags & ~CACHE_GROW_ALLOWED) {
        throw new SlabError(
          "cache_grow",
          cachep.addr,
          `flags 0x${flags.toString(16)} outside SLAB_DMA|SLAB_LEVEL_MASK|SLAB_NO_GROW for cache ${cachep.name}`,
        );
      }
      if (!(flags & SLAB_NO_GROW)) this.#kmem_flagcheck("cache_grow", cachep, flags);
    }
    for (;;) {
      let ac = cachep.array[cpu]!;
      let batchcount = ac.batchcount;
      if (!ac.touched && batchcount > BATCHREFILL_LIMIT) batchcount = BATCHREFILL_LIMIT;
      const shared = l3.shared;
      if (shared?.avail) {
        if (batchcount > shared.avail) batchcount = shared.avail;
        shared.avail -= batchcount;
        ac.entry.set(shared.entry.subarray(shared.avail, shared.avail + batchcount), 0);
        ac.avail = batchcount;
        shared.touched = 1;
      } else {
        while (batchcount > 0) {
          let slabp = s.next[l3.slabs_partial];
          if (slabp === l3.slabs_partial) {
            l3.free_touched = 1;
            slabp = s.next[l3.slabs_free];
            if (slabp === l3.slabs_free) break;
          }
          const num = cachep.num;
          const objsize = cachep.objsize;
          const base = s.s_mem[slabp];
          let inuse = s.inuse[slabp];
          let free = s.free[slabp];
          while (inuse < num && batchcount-- > 0) {
            ac.entry[ac.avail++] = base + free * objsize;
            inuse++;
            const next = s.bufctl(slabp, free);
            if (this.debug) {
              s.setBufctl(slabp, free, BUFCTL_FREE);
              cachep.num_allocations++;
              cachep.num_active++;
              if (cachep.num_active > cachep.high_mark) cachep.high_mark = cachep.num_active;
            }
            free = next;
          }
          s.inuse[slabp] = inuse;
          s.free[slabp] = free;
          s.syncCounts(slabp);
          s.list_del(slabp);
          if (free === BUFCTL_END) s.list_add(slabp, l3.slabs_full);
          else s.list_add(slabp, l3.slabs_partial);
        }
        l3.free_objects -= ac.avail;
      }
      if (ac.avail === 0) {
        const x = this.#cache_grow(cachep, flags);
        ac = cachep.array[cpu]!;
        if (!x && ac.avail === 0) return 0;
        if (!ac.avail) continue;
      }
      ac.touched = 1;
      return ac.entry[--ac.avail];
    }
  }

  /* ------------------------------------------------------------------ freeing */

  /**
   * Slow path of every free: diagnose a pointer whose "handed out" bit is clear and throw,
   * before any change. Whose check it is depends on the build: with CONFIG_DEBUG_SLAB (`debug`)
   * 2.6.11's kfree_debugcheck and cache_free_debugcheck BUG() on a pointer outside lowmem, on a
   * page that is not a slab page and on a pointer that is not an object's start (SlabError, the
   * kernel's own words); without it 2.6.11 checks none of these, so the model's refusal is a
   * ModelCheckError saying what the kernel would have done. A double free is never a BUG in
   * 2.6.11 (slab_error only warns, with red zoning): always the model's check. The model cannot
   * hold the state these frees would corrupt, so it refuses them with or without model checks.
   */
  #badObject(call: string, objp: number): void {
    const debug = this.debug;
    if (!(objp >= KERNEL_BASE && objp < this.#lowmemEnd)) {
      if (debug) throw new SlabError(call, objp >>> 0, `kfree_debugcheck: out of range ptr ${fmtp(objp)}h.`);
      throw new ModelCheckError(
        call,
        objp >>> 0,
        "not a lowmem address, so no slab object",
        "take virt_to_page() of it, read that struct page's lru.next as the cache pointer and oops on it",
        false,
      );
    }
    const pfn = (objp - KERNEL_BASE) >>> PAGE_SHIFT_;
    if ((this.#mmFlags[pfn] & PG_SLAB_BIT) === 0) {
      if (debug) throw new SlabError(call, objp, `kfree_debugcheck: bad ptr ${fmtp(objp)}h.`);
      throw new ModelCheckError(
        call,
        objp,
        "its page is not a slab page",
        "read the page's lru.next (LIST_POISON1 or a list pointer for a page that is no slab) as the cache pointer and oops on it",
        false,
      );
    }
    const h = this.#lruPrev[pfn];
    const cachep = this.cacheById[this.slabs.cache[h]]!;
    const off = objp - cachep.dbghead - this.slabs.s_mem[h];
    if (off < 0 || off % cachep.objsize !== 0 || off / cachep.objsize >= cachep.num) {
      // 2.6.11 without CONFIG_DEBUG_SLAB: the pointer goes onto the per-CPU array as it is (the
      // caller frees it there); free_block later rounds it down to its object's slot.
      const inObject = off >= 0 && Math.floor(off / cachep.objsize) < cachep.num && call !== "ksize";
      if (!debug && !this.machine.modelChecks && inObject) return;
      if (debug)
        throw new SlabError(
          call,
          objp,
          `BUG_ON(objp != slabp->s_mem + objnr*cachep->objsize) in cache_free_debugcheck (cache \`${cachep.name}')`,
        );
      throw new ModelCheckError(
        call,
        objp,
        `pointer is not the start of an object of cache \`${cachep.name}'`,
        `push it as it is onto the per-CPU array of \`${cachep.name}', so a later allocation returns the misaligned pointer`,
        inObject,
      );
    }
    if (call === "ksize")
      throw new ModelCheckError(
        call,
        objp,
        `object of cache '${cachep.name}' is not allocated`,
        `return ${cachep.objsize} (ksize reads the page's cache and checks nothing)`,
        false,
      );
    throw new ModelCheckError(
      call,
      objp,
      `double free: object of cache '${cachep.name}' is not allocated`,
      debug
        ? `print "slab error in ${call}(): cache \`${cachep.name}': double free, or memory outside object was overwritten" (red zoning) and free it again`
        : `push it onto the per-CPU array a second time, so two later allocations return the same object`,
      false,
    );
  }

  /**
   * kmem_cache_free(cachep, objp): give an object back to its cache (fast path: push on this
   * CPU's array). SlabError for a pointer not handed out, a double free or the wrong cache.
   */
  kmem_cache_free(cachep: kmem_cache_t, objp: VirtAddr): void {
    const w = (objp - KERNEL_BASE) >>> 2;
    // (objp & 3): a pointer inside an object's first word shares its word's "handed out" bit
    if (!(objp >= KERNEL_BASE && objp < this.#lowmemEnd) || objp & 3 || !this.#isLive(w))
      this.#badObject("kmem_cache_free", objp);
    const owner = this.#lruNext[w >>> 10];
    if (owner !== cachep.id) {
      // 2.6.11 checks this only with CONFIG_DEBUG_SLAB, and then warns and frees anyway.
      const real = this.cacheById[owner]!;
      throw new ModelCheckError(
        "kmem_cache_free",
        objp,
        `object of cache \`${real.name}' freed to cache \`${cachep.name}'`,
        this.debug
          ? `print "mismatch in kmem_cache_free: expected cache ..., got ...", WARN_ON(1), and put it in \`${cachep.name}' anyway`
          : `push it onto the per-CPU array of \`${cachep.name}', so a later kmem_cache_alloc of \`${cachep.name}' returns a \`${real.name}' object`,
        false,
      );
    }
    this.#__cache_free(cachep, objp, w);
  }

  /** kfree(objp): free a kmalloc'ed object (null is a no-op); SlabError on misuse. */
  kfree(objp: VirtAddr | null): void {
    if (!objp) return;
    const w = (objp - KERNEL_BASE) >>> 2;
    if (!(objp >= KERNEL_BASE && objp < this.#lowmemEnd) || objp & 3 || !this.#isLive(w))
      this.#badObject("kfree", objp);
    // GET_PAGE_CACHE(virt_to_page(objp)); pfn = w >> 10
    this.#__cache_free(this.cacheById[this.#lruNext[w >>> 10]]!, objp, w);
  }

  /** __cache_free: push onto this CPU's array, flushing a batch first when it is full. */
  #__cache_free(cachep: kmem_cache_t, objp: number, w: number): void {
    const ac = cachep.array[this.machine.current]!;
    this.#clearLive(w);
    if (this.kmalloc_record.liveCount !== 0) this.kmalloc_record.freed(cachep.id, objp);
    if (ac.avail < ac.limit && !this.debug) {
      ac.entry[ac.avail++] = objp;
      return;
    }
    this.#__cache_free_slow(cachep, ac, objp);
  }

  /** __cache_free off the fast path: the debug checks and/or cache_flusharray first. */
  #__cache_free_slow(cachep: kmem_cache_t, ac: array_cache, objp: number): void {
    if (this.debug) {
      objp = this.#cache_free_debugcheck(cachep, objp);
      if (ac.avail < ac.limit) cachep.freehit++;
      else cachep.freemiss++;
    }
    if (ac.avail >= ac.limit) this.#cache_flusharray(cachep, ac);
    ac.entry[ac.avail++] = objp;
  }

  /** cache_free_debugcheck: red zones, poisoning, dtor; returns the slab object address. */
  #cache_free_debugcheck(cachep: kmem_cache_t, objp: number): number {
    const env = this.#dbgEnv;
    objp -= cachep.dbghead;
    if (cachep.flags & SLAB_RED_ZONE) {
      const r1 = rd32(env, dbg_redzone1(cachep, objp));
      const r2 = rd32(env, dbg_redzone2(cachep, objp));
      if (r1 !== RED_ACTIVE || r2 !== RED_ACTIVE) {
        slab_error(
          env,
          "cache_free_debugcheck",
          cachep,
          "double free, or memory outside object was overwritten",
        );
        this.machine.printk(
          `${fmtp(objp)}: redzone 1: 0x${r1.toString(16)}, redzone 2: 0x${r2.toString(16)}.`,
        );
      }
      wr32(env, dbg_redzone1(cachep, objp), RED_INACTIVE);
      wr32(env, dbg_redzone2(cachep, objp), RED_INACTIVE);
    }
    if (cachep.flags & SLAB_STORE_USER) wr32(env, dbg_userword(cachep, objp), 0);
    if (cachep.flags & SLAB_DEBUG_INITIAL && cachep.ctor)
      cachep.ctor(asVirt(objp + cachep.dbghead), cachep, SLAB_CTOR_CONSTRUCTOR | SLAB_CTOR_VERIFY);
    if (cachep.flags & SLAB_POISON && cachep.dtor) cachep.dtor(asVirt(objp + cachep.dbghead), cachep, 0);
    if (cachep.flags & SLAB_POISON) poison_obj(env, cachep, objp, POISON_FREE);
    return objp;
  }

  /** cache_flusharray: move batchcount objects from the bottom of ac to the shared array or slabs. */
  #cache_flusharray(cachep: kmem_cache_t, ac: array_cache): void {
    let batchcount = ac.batchcount;
    const shared = cachep.lists.shared;
    let done = false;
    if (shared !== null) {
      const max = shared.limit - shared.avail;
      if (max) {
        if (batchcount > max) batchcount = max;
        shared.entry.set(ac.entry.subarray(0, batchcount), shared.avail);
        shared.avail += batchcount;
        done = true;
      }
    }
    if (!done) this.#free_block(cachep, ac.entry, 0, batchcount);
    if (this.debug) {
      const free = this.slabs.list_count(cachep.lists.slabs_free);
      if (cachep.max_freeable < free) cachep.max_freeable = free;
    }
    ac.avail -= batchcount;
    ac.entry.copyWithin(0, batchcount, batchcount + ac.avail);
  }

  /** free_block(cachep, objpp[start..start+n)): put objects back on their slabs' free chains. */
  #free_block(cachep: kmem_cache_t, objpp: Uint32Array, start: number, n: number): void {
    const l3 = cachep.lists;
    const s = this.slabs;
    const mm = this.pa.mem_map;
    l3.free_objects += n;
    for (let i = start; i < start + n; i++) {
      const objp = objpp[i];
      const slabp = mm.lru_prev[(objp - KERNEL_BASE) >>> PAGE_SHIFT_];
      s.list_del(slabp);
      const objnr = ((objp - s.s_mem[slabp]) / cachep.objsize) | 0;
      if (this.debug) {
        if (s.bufctl(slabp, objnr) !== BUFCTL_FREE) {
          this.machine.printk(`slab: double free detected in cache '${cachep.name}', objp ${fmtp(objp)}.`);
          throw new SlabError("free_block", objp, `double free detected in cache '${cachep.name}'`);
        }
        cachep.num_active--;
      }
      s.setBufctl(slabp, objnr, s.free[slabp]);
      s.free[slabp] = objnr;
      s.inuse[slabp]--;
      s.syncCounts(slabp);
      if (s.inuse[slabp] === 0) {
        if (l3.free_objects > cachep.free_limit) {
          l3.free_objects -= cachep.num;
          this.#slab_destroy(cachep, slabp);
        } else {
          s.list_add(slabp, l3.slabs_free);
        }
      } else {
        s.list_add_tail(slabp, l3.slabs_partial);
      }
    }
  }

  /* ------------------------------------------------------------------ reaping, shrinking, destroying */

  /** drain_array_locked(cachep, ac, force). */
  #drain_array_locked(cachep: kmem_cache_t, ac: array_cache, force: boolean): void {
    if (ac.touched && !force) {
      ac.touched = 0;
    } else if (ac.avail) {
      let tofree = force ? ac.avail : Math.floor((ac.limit + 4) / 5);
      if (tofree > ac.avail) tofree = (ac.avail + 1) >> 1;
      this.#free_block(cachep, ac.entry, 0, tofree);
      ac.avail -= tofree;
      ac.entry.copyWithin(0, tofree, tofree + ac.avail);
    }
  }

  /**
   * cache_reap() on the current CPU: drain a fifth of each idle per-CPU array; every
   * REAPTIMEOUT_LIST3 jiffies also drain the shared array and free up to
   * (free_limit + 5*num - 1) / (5*num) free slabs of caches without SLAB_NO_REAP.
   */
  cache_reap(): void {
    const s = this.slabs;
    const cpu = this.machine.current;
    for (const searchp of this.cache_chain) {
      if (searchp.flags & SLAB_NO_REAP) continue;
      const ac = searchp.array[cpu];
      if (ac != null) this.#drain_array_locked(searchp, ac, false);
      // time_after(next_reap, jiffies)
      if (((searchp.lists.next_reap - this.jiffies) | 0) > 0) continue;
      searchp.lists.next_reap = this.jiffies + REAPTIMEOUT_LIST3;
      if (searchp.lists.shared !== null) this.#drain_array_locked(searchp, searchp.lists.shared, false);
      if (searchp.lists.free_touched) {
        searchp.lists.free_touched = 0;
        continue;
      }
      let tofree = Math.floor((searchp.free_limit + 5 * searchp.num - 1) / (5 * searchp.num));
      do {
        const slabp = s.next[searchp.lists.slabs_free];
        if (slabp === searchp.lists.slabs_free) break;
        s.list_del(slabp);
        searchp.reaped++;
        searchp.lists.free_objects -= searchp.num;
        this.#slab_destroy(searchp, slabp);
      } while (--tofree > 0);
    }
  }

  /** __cache_shrink: drain every array, destroy every free slab; 1 if full/partial slabs remain. */
  #__cache_shrink(cachep: kmem_cache_t): number {
    const s = this.slabs;
    for (let cpu = 0; cpu < SLAB_NR_CPUS; cpu++) {
      const ac = cachep.array[cpu];
      if (ac == null) continue;
      this.#free_block(cachep, ac.entry, 0, ac.avail);
      ac.avail = 0;
    }
    if (cachep.lists.shared !== null) this.#drain_array_locked(cachep, cachep.lists.shared, true);
    const l3 = cachep.lists;
    for (;;) {
      const slabp = s.prev[l3.slabs_free];
      if (slabp === l3.slabs_free) break;
      s.list_del(slabp);
      l3.free_objects -= cachep.num;
      this.#slab_destroy(cachep, slabp);
    }
    return !s.list_empty(l3.slabs_full) || !s.list_empty(l3.slabs_partial) ? 1 : 0;
  }

  #checkCacheArg(call: string, cachep: kmem_cache_t | null): kmem_cache_t {
    if (cachep === null || cachep === undefined) throw new SlabError(call, undefined, "NULL cache");
    if (in_interrupt(this.machine.cpus[this.machine.current]))
      throw new SlabError(call, cachep.addr, "called in interrupt context");
    if (this.cacheById[cachep.id] !== cachep) throw this.#deadCache(call, cachep);
    return cachep;
  }

  /** kmem_cache_shrink(cachep): release every free slab; 0 when no slab is left at all. */
  kmem_cache_shrink(cachep: kmem_cache_t): number {
    return this.#__cache_shrink(this.#checkCacheArg("kmem_cache_shrink", cachep));
  }

  /**
   * kmem_cache_destroy(cachep): 0 and the cache is gone; 1 (with "Can't free all objects"
   * in dmesg) when objects are still allocated: the cache stays registered and usable.
   */
  kmem_cache_destroy(cachep: kmem_cache_t): number {
    this.#checkCacheArg("kmem_cache_destroy", cachep);
    if (cachep === this.cache_cache)
      throw new SlabError("kmem_cache_destroy", undefined, "cache_cache is never destroyed");
    const i = this.cache_chain.indexOf(cachep);
    this.cache_chain.splice(i, 1);
    if (this.#__cache_shrink(cachep)) {
      slab_error(this.#dbgEnv, "kmem_cache_destroy", cachep, "Can't free all objects");
      this.cache_chain.unshift(cachep);
      return 1;
    }
    for (let cpu = 0; cpu < SLAB_NR_CPUS; cpu++) this.#free_arraycache(cachep.array[cpu]);
    this.#free_arraycache(cachep.lists.shared);
    cachep.lists.shared = null;
    this.#unregisterCache(cachep);
    this.kmem_cache_free(this.cache_cache, asVirt(cachep.addr));
    return 0;
  }

  /* ------------------------------------------------------------------ kmalloc family */

  /**
   * kmalloc(size, flags) (__kmalloc): an object of the smallest general cache >= size (size-32
   * for 0), from the "(DMA)" twin with GFP_DMA; null above 131072 bytes or when out of memory.
   */
  kmalloc(size: number, flags: number): VirtAddr | null {
    if (!(size <= KMALLOC_MAX && size >= 0)) return null;
    const k = (size + 31) >>> 5;
    let cachep: kmem_cache_t;
    if (this.g_cpucache_up !== FULL) {
      const cs = this.malloc_sizes[this.#sizeIndex[k]];
      cachep = flags & GFP_DMA_BIT ? cs.cs_dmacachep : cs.cs_cachep;
    } else cachep = (flags & GFP_DMA_BIT ? this.#kmallocDmaCache : this.#kmallocCache)[k];
    const objp = this.kmem_cache_alloc(cachep, flags);
    if (objp !== null) this.kmalloc_record.allocated(cachep.id, objp, size);
    return objp;
  }

  /** kcalloc(n, size, flags): zeroed kmalloc(n * size); null if n * size overflows an int. */
  kcalloc(n: number, size: number, flags: number): VirtAddr | null {
    if (n !== 0 && size > Math.floor(INT_MAX / n)) return null;
    const p = this.kmalloc(n * size, flags);
    if (p !== null && n * size > 0) this.#ram.fill(p - KERNEL_BASE, n * size, 0);
    return p;
  }

  /** ksize(objp): usable size of a slab object (kmem_cache_size of its cache); 0 for null. */
  ksize(objp: VirtAddr | null): number {
    if (!objp) return 0;
    const w = (objp - KERNEL_BASE) >>> 2;
    if (!(objp >= KERNEL_BASE && objp < this.#lowmemEnd) || objp & 3 || !this.#isLive(w))
      this.#badObject("ksize", objp);
    return this.kmem_cache_size(this.cacheById[this.#lruNext[w >>> 10]]!);
  }

  /** kmem_cache_size(cachep): object size seen by users (reallen with debug). */
  kmem_cache_size(cachep: kmem_cache_t): number {
    return this.debug ? cachep.reallen : cachep.objsize;
  }

  /** True when `objp` is currently handed out by this allocator (model view, no kernel name). */
  /** Is lowmem word `w` (offset from PAGE_OFFSET / 4) the start of an object handed out? */
  #isLive(w: number): boolean {
    return (this.#live[w >>> LIVE_CHUNK_SHIFT][(w >>> 5) & LIVE_CHUNK_MASK] & (1 << (w & 31))) !== 0;
  }
  /** Mark word `w` handed out (making its bitmap chunk on first use). */
  #setLive(w: number): void {
    let chunk = this.#live[w >>> LIVE_CHUNK_SHIFT];
    if (chunk === this.#liveZero) {
      chunk = new Uint32Array(LIVE_CHUNK_WORDS >>> 5);
      this.#live[w >>> LIVE_CHUNK_SHIFT] = chunk;
    }
    chunk[(w >>> 5) & LIVE_CHUNK_MASK] |= 1 << (w & 31);
  }
  /** Mark word `w` no longer handed out (it was: its chunk exists). */
  #clearLive(w: number): void {
    this.#live[w >>> LIVE_CHUNK_SHIFT][(w >>> 5) & LIVE_CHUNK_MASK] &= ~(1 << (w & 31));
  }

  isAllocated(objp: number): boolean {
    if (!(objp >= KERNEL_BASE && objp < this.#lowmemEnd)) return false;
    const w = (objp - KERNEL_BASE) >>> 2;
    return this.#isLive(w);
  }

  /* ------------------------------------------------------------------ views */

  /** /proc/slabinfo (version 2.1; "2.1 (statistics)" with debug). */
  slabinfo(): string {
    return slabinfo(this);
  }

  /** Write to /proc/slabinfo: "name limit batchcount shared"; byte count or -errno. */
  slabinfo_write(buffer: string): number {
    return slabinfo_write(this, buffer);
  }

  /**
   * /proc/meminfo: the page allocator's 23 lines with vmalloc's own figures (VMALLOC_TOTAL and
   * get_vmalloc_info) filled in; `more` adds what a process layer knows (Committed_AS, PageTables).
   */
  meminfo(
    more: Omit<MeminfoSources, "vmalloc_total" | "vmalloc_used" | "vmalloc_largest_chunk"> = {},
  ): string {
    const vmi = this.vm.get_vmalloc_info();
    return this.pa.meminfo({
      ...more,
      vmalloc_total: this.vm.VMALLOC_END - this.vm.VMALLOC_START,
      vmalloc_used: vmi.used,
      vmalloc_largest_chunk: vmi.largest_chunk,
    });
  }

  /** /proc/vmallocinfo (6.1's format; 2.6.11 has no such file). */
  vmallocinfo(): string {
    return this.vm.vmallocinfo();
  }

  /* ------------------------------------------------------------------ vmalloc (mm/vmalloc.c) */

  /** vmalloc(size): virtually contiguous pages (highmem allowed), or null. */
  vmalloc(size: number): VirtAddr | null {
    return this.vm.vmalloc(size);
  }
  /** vmalloc_32(size): like vmalloc with lowmem pages only. */
  vmalloc_32(size: number): VirtAddr | null {
    return this.vm.vmalloc_32(size);
  }
  /** vmalloc_exec(size): like vmalloc, mapped PAGE_KERNEL_EXEC. */
  vmalloc_exec(size: number): VirtAddr | null {
    return this.vm.vmalloc_exec(size);
  }
  /** __vmalloc(size, gfp_mask, prot). */
  __vmalloc(size: number, gfp_mask: number, prot: number): VirtAddr | null {
    return this.vm.__vmalloc(size, gfp_mask, prot);
  }
  /** vfree(addr): unmap, flush every TLB, free the pages; an unknown address is a printk and WARN_ON (nothing freed). */
  vfree(addr: VirtAddr | null): void {
    this.vm.vfree(addr);
  }
  /** vmap(pages, count, flags, prot): map existing pages contiguously, or null. */
  vmap(pages: readonly Page[], count: number, flags: number, prot: number): VirtAddr | null {
    return this.vm.vmap(pages, count, flags, prot);
  }
  /** vmalloc_to_page(addr): the page a vmalloc/vmap/ioremap address maps, or null. */
  vmalloc_to_page(addr: VirtAddr): Page | null {
    return this.vm.vmalloc_to_page(addr);
  }
  /** vunmap(addr): undo vmap (pages are not freed). */
  vunmap(addr: VirtAddr | null): void {
    this.vm.vunmap(addr);
  }
  /** ioremap(phys, size): map device memory or reserved RAM; null for RAM in use. */
  ioremap(phys_addr: number, size: number): VirtAddr | null {
    return this.vm.ioremap(phys_addr, size);
  }
  /** __ioremap(phys, size, flags): ioremap with extra pte flags (e.g. _PAGE_PCD). */
  __ioremap(phys_addr: number, size: number, flags: number): VirtAddr | null {
    return this.vm.__ioremap(phys_addr, size, flags);
  }
  /** iounmap(addr): undo ioremap (direct-map addresses are ignored). */
  iounmap(addr: VirtAddr): void {
    this.vm.iounmap(addr);
  }
  /** get_vm_area(size, flags): reserve [VMALLOC_START, VMALLOC_END) space, or null. */
  get_vm_area(size: number, flags: number) {
    return this.vm.get_vm_area(size, flags);
  }
  /** remove_vm_area(addr): unlink and unmap the area starting at addr, or null. */
  remove_vm_area(addr: number) {
    return this.vm.remove_vm_area(addr);
  }
}
