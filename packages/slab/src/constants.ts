/*
 * Slab constants and kmem_cache_create flags, as mm/slab.c, include/linux/slab.h,
 * include/linux/kmalloc_sizes.h and include/asm-i386/types.h define them for 2.6.11 i386
 * (4 KiB pages, CONFIG_MMU, no CONFIG_LARGE_ALLOCS, cache_line_size() = 32, NR_CPUS = 8).
 * Pure numbers: no state lives here. Sizes of kernel structures are derived from their
 * fields (sizeof(struct slab), sizeof(kmem_cache_t)) so the arithmetic stays checkable.
 */

/** sizeof(void *) on i386. */
export const BYTES_PER_WORD = 4;
/** cache_line_size() of the 2.6.11 profile (boot_cpu_data.x86_cache_alignment default; L1_CACHE_BYTES 32). */
export const CACHE_LINE_SIZE = 32;

/*
 * One slab (2^gfporder pages) with its descriptor on-slab:
 *
 *   page_address(page)                                             + (PAGE_SIZE << gfporder)
 *   |<- colour * colour_off ->|<------ slab_size ------->|<- num * objsize ->|<- left over ->|
 *   +-------------------------+--------------+-----------+-------+---+-------+---------------+
 *   | colour (unused bytes)   | struct slab  | bufctl[0  | obj 0 |...| obj   | unused        |
 *   | cycles 0..colour-1      | 24 bytes     |  .. num-1]| s_mem |   | num-1 |               |
 *   +-------------------------+--------------+-----------+-------+---+-------+---------------+
 *                             ^ slabp        ^ u16 each, chain of free object indices
 *
 * struct slab (24 bytes):  +0 list.next  +4 list.prev  +8 colouroff  +12 s_mem  +16 inuse
 *                          +20 free (kmem_bufctl_t)  +22 padding
 * Off-slab (objsize >= PAGE_SIZE/8 unless the descriptor fits in the left-over): struct slab +
 * bufctl[] live in an object of cachep->slabp_cache and colouroff = colour offset only.
 */
export const SLAB_LIST_NEXT = 0;
/** struct slab: offset of list.prev. */
export const SLAB_LIST_PREV = 4;
/** struct slab: offset of colouroff. */
export const SLAB_COLOUROFF = 8;
/** struct slab: offset of s_mem. */
export const SLAB_S_MEM = 12;
/** struct slab: offset of inuse. */
export const SLAB_INUSE = 16;
/** struct slab: offset of free (kmem_bufctl_t). */
export const SLAB_FREE = 20;
/** sizeof(struct slab) [list 8 + colouroff 4 + s_mem 4 + inuse 4 + free 2 + pad 2]. */
export const SIZEOF_STRUCT_SLAB = 24;
/** sizeof(kmem_bufctl_t) (unsigned short on i386). */
export const SIZEOF_KMEM_BUFCTL_T = 2;

/** End of a slab's free chain. */
export const BUFCTL_END = 0xffff;
/** Debug marker written into an allocated object's bufctl (CONFIG_DEBUG_SLAB). */
export const BUFCTL_FREE = 0xfffe;
/** Maximum objects per slab. */
export const SLAB_LIMIT = 0xfffd;

/** Objects up to 2^5 pages (128 KiB); slabs up to order 5. */
export const MAX_OBJ_ORDER = 5;
/** Largest slab: order 5. */
export const MAX_GFP_ORDER = 5;
/** slab_break_gfp_order: HI when num_physpages > 32 MiB worth of pages, else LO. */
export const BREAK_GFP_ORDER_HI = 1;
/** slab_break_gfp_order up to 32 MiB of RAM. */
export const BREAK_GFP_ORDER_LO = 0;
/** Objects refilled into an untouched per-CPU array. */
export const BATCHREFILL_LIMIT = 16;
/** HZ of the i386 profile. */
export const HZ = 1000;
/** Period of the per-CPU reap timer (2 s). */
export const REAPTIMEOUT_CPUC = 2 * HZ;
/** Period between slab-list reaps of one cache (4 s). */
export const REAPTIMEOUT_LIST3 = 4 * HZ;
/** Entries of the bootstrap arrays (initarray_cache / initarray_generic). */
export const BOOT_CPUCACHE_ENTRIES = 1;
/** Internal flag in cachep->flags: slab descriptor lives off-slab. */
export const CFLGS_OFF_SLAB = 0x80000000;
/** NR_CPUS of the stock 2.6.11 SMP build. */
export const SLAB_NR_CPUS = 8;

/*
 * kmem_cache_t field offsets that slab descriptors point into (list heads of cachep->lists):
 *   +0 array[NR_CPUS] (32)  +32 batchcount  +36 limit  +40 lists.slabs_partial
 *   +48 lists.slabs_full  +56 lists.slabs_free  +64 free_objects ... +152 end (non-debug)
 */
export const KMEM_CACHE_LISTS_PARTIAL = 40;
/** kmem_cache_t: offset of lists.slabs_full. */
export const KMEM_CACHE_LISTS_FULL = 48;
/** kmem_cache_t: offset of lists.slabs_free. */
export const KMEM_CACHE_LISTS_FREE = 56;
/**
 * sizeof(kmem_cache_t), non-debug: array[8] 32 + batchcount, limit 8 + kmem_list3 40 + objsize,
 * flags, num, free_limit 16 + spinlock 4 + gfporder, gfpflags, colour, colour_off, colour_next,
 * slabp_cache, slab_size, dflags 32 + ctor, dtor 8 + name 4 + next 8 = 152.
 */
export const SIZEOF_KMEM_CACHE_T = 152;
/** With CONFIG_DEBUG_SLAB: + STATS (8 longs + 4 atomic_t = 48) + dbghead, reallen (8) = 208. */
export const SIZEOF_KMEM_CACHE_T_DEBUG = 208;
/** sizeof(struct array_cache): avail, limit, batchcount, touched. Entries follow it. */
export const SIZEOF_ARRAY_CACHE = 16;
/** sizeof(struct arraycache_init) = array_cache + BOOT_CPUCACHE_ENTRIES pointers. */
export const SIZEOF_ARRAYCACHE_INIT = SIZEOF_ARRAY_CACHE + BOOT_CPUCACHE_ENTRIES * BYTES_PER_WORD;

/* kmem_cache_create flags (include/linux/slab.h). */
export const SLAB_DEBUG_FREE = 0x100;
/** Call the ctor with SLAB_CTOR_VERIFY on free (debug). */
export const SLAB_DEBUG_INITIAL = 0x200;
/** Red-zone words around each object (CONFIG_DEBUG_SLAB only). */
export const SLAB_RED_ZONE = 0x400;
/** Poison free objects with 0x6b (CONFIG_DEBUG_SLAB only). */
export const SLAB_POISON = 0x800;
/** cache_reap skips this cache. */
export const SLAB_NO_REAP = 0x1000;
/** Align objects to cache_line_size() (halved for tiny objects). */
export const SLAB_HWCACHE_ALIGN = 0x2000;
/** Slabs come from ZONE_DMA (gfpflags = GFP_DMA). */
export const SLAB_CACHE_DMA = 0x4000;
/** Force cache-line alignment. */
export const SLAB_MUST_HWCACHE_ALIGN = 0x8000;
/** Store the last user of each object (debug). */
export const SLAB_STORE_USER = 0x10000;
/** Count slab pages as reclaimable (order-0 slabs). */
export const SLAB_RECLAIM_ACCOUNT = 0x20000;
/** panic() if kmem_cache_create fails. */
export const SLAB_PANIC = 0x40000;
/** Free slab pages after an RCU grace period. */
export const SLAB_DESTROY_BY_RCU = 0x80000;

/* Constructor flags. */
export const SLAB_CTOR_CONSTRUCTOR = 0x1;
/** ctor flag: the allocation may not sleep. */
export const SLAB_CTOR_ATOMIC = 0x2;
/** ctor flag: verify only (SLAB_DEBUG_INITIAL). */
export const SLAB_CTOR_VERIFY = 0x4;

/** CREATE_MASK without CONFIG_DEBUG_SLAB. */
export const CREATE_MASK =
  SLAB_HWCACHE_ALIGN |
  SLAB_NO_REAP |
  SLAB_CACHE_DMA |
  SLAB_MUST_HWCACHE_ALIGN |
  SLAB_RECLAIM_ACCOUNT |
  SLAB_PANIC |
  SLAB_DESTROY_BY_RCU;
/** CREATE_MASK with CONFIG_DEBUG_SLAB (adds DEBUG_INITIAL, RED_ZONE, POISON, STORE_USER). */
export const CREATE_MASK_DEBUG =
  CREATE_MASK | SLAB_DEBUG_INITIAL | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER;

/* CONFIG_DEBUG_SLAB magic (mm/slab.c). */
export const RED_INACTIVE = 0x5a2cf071;
/** Red-zone word of an allocated object. */
export const RED_ACTIVE = 0x170fc2a5;
/** Poison byte of a newly allocated object. */
export const POISON_INUSE = 0x5a;
/** Poison byte of a free object. */
export const POISON_FREE = 0x6b;
/** Last byte of a poisoned object. */
export const POISON_END = 0xa5;

/** include/linux/kmalloc_sizes.h with 4 KiB pages, L1_CACHE_BYTES 32 (so 96 and 192 exist). */
export const MALLOC_SIZES: readonly number[] = [
  32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072,
];
/** Largest kmalloc size: (1 << MAX_OBJ_ORDER) * PAGE_SIZE. */
export const KMALLOC_MAX_SIZE = MALLOC_SIZES[MALLOC_SIZES.length - 1];

/** INT_MAX, for kcalloc's overflow check. */
export const INT_MAX = 0x7fffffff;

/** ALIGN(x, a) = (x + a - 1) & ~(a - 1) (include/linux/kernel.h), 32-bit unsigned. */
export function ALIGN(x: number, a: number): number {
  return ((x + a - 1) & ~(a - 1)) >>> 0;
}
