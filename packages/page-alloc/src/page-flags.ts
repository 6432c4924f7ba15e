/**
 * Page flag bits (PG_*) and the node/zone number kept in the top bits of page->flags.
 * Models include/linux/page-flags.h and the NODEZONE encoding of include/linux/mm.h (2.6.11).
 * Invariants: bits 0-19 are the kernel's PG_* bits with the kernel's numbers; bits 29-31 hold
 * NODEZONE(nid, zone) = (nid << ZONES_SHIFT) | zone. Bits 20-23 are model bookkeeping (see
 * PG_ALLOC_ORDER_SHIFT): the order a block head was handed out with, so a free with another order
 * is caught. Only page-alloc and its users through the documented setters change these bits.
 */

/*
 *   31  30 29  28 ........ 24  23 ... 20  19 ............................................. 0
 *  +---+------+--------------+-----------+-------------------------------------------------+
 *  |nid| zone |   (unused)   | order + 1 |  PG_* bits (locked, error, ..., nosave_free)    |
 *  +---+------+--------------+-----------+-------------------------------------------------+
 *   NODEZONE_SHIFT = 29        model-only: set on the head of an allocated block
 */

/** Page is locked for I/O. */
export const PG_locked = 0;
/** An I/O error occurred. */
export const PG_error = 1;
/** Recently referenced (LRU aging). */
export const PG_referenced = 2;
/** Contents are valid. */
export const PG_uptodate = 3;
/** Contents must be written back. */
export const PG_dirty = 4;
/** Page is on a zone LRU list. */
export const PG_lru = 5;
/** Page is on the active LRU list. */
export const PG_active = 6;
/** Page belongs to the slab allocator. */
export const PG_slab = 7;
/** Page frame lies in ZONE_HIGHMEM. */
export const PG_highmem = 8;
/** Filesystem private use. */
export const PG_checked = 9;
/** Architecture private use. */
export const PG_arch_1 = 10;
/** Reserved: never handed to the buddy allocator (BIOS, holes, kernel image, mem_map...). */
export const PG_reserved = 11;
/** page->private is in use (a free buddy block head keeps its order there). */
export const PG_private = 12;
/** Page is under writeback. */
export const PG_writeback = 13;
/** Do not save for software suspend. */
export const PG_nosave = 14;
/** Part of a compound page (__GFP_COMP). */
export const PG_compound = 15;
/** Page is in the swap cache. */
export const PG_swapcache = 16;
/** Blocks are allocated on disk. */
export const PG_mappedtodisk = 17;
/** To be reclaimed as soon as writeback ends. */
export const PG_reclaim = 18;
/** Free, for software suspend. */
export const PG_nosave_free = 19;

/** Maximum NUMA nodes as a shift (2 nodes supported). */
export const MAX_NODES_SHIFT = 1;
/** Bits for the zone index in page->flags. */
export const ZONES_SHIFT = 2;
/** First bit of NODEZONE(nid, zone) in page->flags: 32 - 1 - 2 = 29. */
export const NODEZONE_SHIFT = 32 - MAX_NODES_SHIFT - ZONES_SHIFT;
/** The NODEZONE bits of page->flags (0xe0000000). */
export const NODEZONE_MASK = (((1 << (MAX_NODES_SHIFT + ZONES_SHIFT)) - 1) << NODEZONE_SHIFT) >>> 0;
/** NODEZONE(nid, zone): the zone_table index kept in page->flags. */
export function NODEZONE(nid: number, zone: number): number {
  return (nid << ZONES_SHIFT) | zone;
}

/** Model bookkeeping: first bit of (allocation order + 1) on an allocated block's head page. */
export const PG_ALLOC_ORDER_SHIFT = 20;
/** Mask of the allocation-order field. */
export const PG_ALLOC_ORDER_MASK = 0xf << PG_ALLOC_ORDER_SHIFT;
/** The kernel's PG_* bits (0..19): what flags dumps and checks look at. */
export const PG_KERNEL_BITS_MASK = (1 << 20) - 1;

/** Flags bad_page clears when it fixes a descriptor up (mm/page_alloc.c). */
export const BAD_PAGE_CLEAR =
  (1 << PG_private) |
  (1 << PG_locked) |
  (1 << PG_lru) |
  (1 << PG_active) |
  (1 << PG_dirty) |
  (1 << PG_swapcache) |
  (1 << PG_writeback);

/** Flags that make prep_new_page report bad_page (mm/page_alloc.c). */
export const PREP_NEW_PAGE_BAD =
  (1 << PG_private) |
  (1 << PG_locked) |
  (1 << PG_lru) |
  (1 << PG_active) |
  (1 << PG_dirty) |
  (1 << PG_reclaim) |
  (1 << PG_swapcache) |
  (1 << PG_writeback);
/** Flags that prep_new_page clears on a page handed out. */
export const PREP_NEW_PAGE_CLEAR =
  (1 << PG_uptodate) |
  (1 << PG_error) |
  (1 << PG_referenced) |
  (1 << PG_arch_1) |
  (1 << PG_checked) |
  (1 << PG_mappedtodisk);
/** Flags that make free_pages_check report bad_page (mm/page_alloc.c). */
export const FREE_PAGES_CHECK_BAD =
  (1 << PG_lru) |
  (1 << PG_private) |
  (1 << PG_locked) |
  (1 << PG_active) |
  (1 << PG_reclaim) |
  (1 << PG_slab) |
  (1 << PG_swapcache) |
  (1 << PG_writeback);

/** Names of the PG_* bits, by bit number, for flag dumps. */
export const PAGE_FLAG_NAMES: readonly string[] = [
  "locked",
  "error",
  "referenced",
  "uptodate",
  "dirty",
  "lru",
  "active",
  "slab",
  "highmem",
  "checked",
  "arch_1",
  "reserved",
  "private",
  "writeback",
  "nosave",
  "compound",
  "swapcache",
  "mappedtodisk",
  "reclaim",
  "nosave_free",
];
