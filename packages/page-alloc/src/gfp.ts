/**
 * GFP ("get free pages") flags: how an allocation may behave and which zones it may use.
 * Models include/linux/gfp.h of Linux 2.6.11 with the same values and composites.
 * Invariants: the low two bits (GFP_ZONEMASK) index a node's zonelists; callers never set both
 * __GFP_DMA and __GFP_HIGHMEM (index 3 does not exist, as in the kernel).
 * Pure constants: nothing here holds state.
 */

/*
 *  bit  15    14    13      12      11     10     9      8     7   6   5    4    3  2  1       0
 *     +-----+-----+-------+-------+------+------+------+-----+---+---+----+----+--+--+-------+-----+
 *     |ZERO |COMP |NO_GROW|NORETRY|NOFAIL|REPEAT|NOWARN|COLD |FS |IO |HIGH|WAIT| 0| 0|HIGHMEM| DMA |
 *     +-----+-----+-------+-------+------+------+------+-----+---+---+----+----+--+--+-------+-----+
 *                                                                              zone modifiers ^^^^
 */

/**
 * The type of a GFP mask. 2.6.11 passes `unsigned int gfp_mask`; the `gfp_t` name (used by the
 * book's notes, e.g. `kmalloc(size_t size, gfp_t flags)`) arrived in 2.6.15. A number here.
 */
export type gfp_t = number;

/** Zone modifier: the allocation must come from ZONE_DMA (< 16 MiB). */
export const __GFP_DMA = 0x01;
/** Zone modifier: the allocation may come from ZONE_HIGHMEM. */
export const __GFP_HIGHMEM = 0x02;
/** The caller may sleep, so direct reclaim may run. */
export const __GFP_WAIT = 0x10;
/** The caller is high priority and may use the emergency reserve below pages_min. */
export const __GFP_HIGH = 0x20;
/** The caller may start physical I/O. */
export const __GFP_IO = 0x40;
/** The caller may call into the filesystem layer. */
export const __GFP_FS = 0x80;
/** The caller wants a cache-cold page (the cold per-CPU list). */
export const __GFP_COLD = 0x100;
/** No "page allocation failure" message on failure. */
export const __GFP_NOWARN = 0x200;
/** Retry the allocation (it may still fail). */
export const __GFP_REPEAT = 0x400;
/** Retry forever: the allocation must not fail. */
export const __GFP_NOFAIL = 0x800;
/** Do not retry after a failed reclaim. */
export const __GFP_NORETRY = 0x1000;
/** Slab internal: do not grow the cache. */
export const __GFP_NO_GROW = 0x2000;
/** Build a compound page (head + tails) for order > 0. */
export const __GFP_COMP = 0x4000;
/** Return zeroed page(s). */
export const __GFP_ZERO = 0x8000;

/** Number of GFP bits in use. */
export const __GFP_BITS_SHIFT = 16;
/** Mask of all GFP bits. */
export const __GFP_BITS_MASK = (1 << __GFP_BITS_SHIFT) - 1;
/** The zone-modifier bits: index into pg_data_t.node_zonelists. */
export const GFP_ZONEMASK = 0x03;
/** Number of zonelists per node (no modifier, DMA, HIGHMEM). */
export const GFP_ZONETYPES = 3;
/** The behaviour bits the slab allocator passes through (not ZERO, DMA, HIGHMEM). */
export const GFP_LEVEL_MASK =
  __GFP_WAIT |
  __GFP_HIGH |
  __GFP_IO |
  __GFP_FS |
  __GFP_COLD |
  __GFP_NOWARN |
  __GFP_REPEAT |
  __GFP_NOFAIL |
  __GFP_NORETRY |
  __GFP_NO_GROW |
  __GFP_COMP;

/** Atomic context: never sleeps, may dip into reserves (0x20). */
export const GFP_ATOMIC = __GFP_HIGH;
/** May sleep but starts no I/O (0x10). */
export const GFP_NOIO = __GFP_WAIT;
/** May sleep and do I/O but not call into filesystems (0x50). */
export const GFP_NOFS = __GFP_WAIT | __GFP_IO;
/** Normal kernel allocation (0xd0). */
export const GFP_KERNEL = __GFP_WAIT | __GFP_IO | __GFP_FS;
/** User-space page, lowmem (0xd0: equal to GFP_KERNEL in 2.6.11). */
export const GFP_USER = __GFP_WAIT | __GFP_IO | __GFP_FS;
/** User-space page that may live in high memory (0xd2). */
export const GFP_HIGHUSER = __GFP_WAIT | __GFP_IO | __GFP_FS | __GFP_HIGHMEM;
/** ISA DMA-capable memory (0x01). */
export const GFP_DMA = __GFP_DMA;
