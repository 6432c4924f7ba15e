/*
 * The slab allocator's names for GFP flags (include/linux/slab.h: SLAB_KERNEL = GFP_KERNEL, ...).
 * The values come from page-alloc's gfp.ts (include/linux/gfp.h); nothing here holds state.
 * CACHE_GROW_ALLOWED is the mask cache_grow BUG()s outside of (so __GFP_HIGHMEM / __GFP_ZERO
 * reaching a cache that must grow is a SlabError, as in 2.6.11).
 */
import {
  __GFP_DMA,
  __GFP_NO_GROW,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_KERNEL,
  GFP_LEVEL_MASK,
  GFP_NOFS,
  GFP_NOIO,
  GFP_USER,
} from "@i386mm/page-alloc";

/** SLAB_NOFS = GFP_NOFS. */
export const SLAB_NOFS = GFP_NOFS;
/** SLAB_NOIO = GFP_NOIO. */
export const SLAB_NOIO = GFP_NOIO;
/** SLAB_ATOMIC = GFP_ATOMIC. */
export const SLAB_ATOMIC = GFP_ATOMIC;
/** SLAB_USER = GFP_USER. */
export const SLAB_USER = GFP_USER;
/** SLAB_KERNEL = GFP_KERNEL. */
export const SLAB_KERNEL = GFP_KERNEL;
/** SLAB_DMA = GFP_DMA. */
export const SLAB_DMA = GFP_DMA;
/** SLAB_LEVEL_MASK = GFP_LEVEL_MASK. */
export const SLAB_LEVEL_MASK = GFP_LEVEL_MASK;
/** SLAB_NO_GROW = __GFP_NO_GROW. */
export const SLAB_NO_GROW = __GFP_NO_GROW;
/** Bits cache_grow accepts (anything else is a BUG there). */
export const CACHE_GROW_ALLOWED = SLAB_DMA | SLAB_LEVEL_MASK | SLAB_NO_GROW;
/** __GFP_DMA, re-exported for the DMA-twin choice in kmalloc. */
export const SLAB_GFP_DMA = __GFP_DMA;
