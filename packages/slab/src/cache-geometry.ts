/*
 * The arithmetic half of kmem_cache_create (mm/slab.c, 2.6.11; there is no calculate_slab_order
 * yet, the search is inline there): word rounding, the alignment rules (HWCACHE_ALIGN halving,
 * caller align), the CONFIG_DEBUG_SLAB red-zone/user words, the on/off-slab threshold
 * (PAGE_SIZE/8), the gfporder/num search with slab_break_gfp_order, offslab_limit and the 1/8
 * waste rule, moving an off-slab descriptor on-slab when the left-over fits it, and colouring.
 * Pure: no allocator state; kmem_cache_create applies the result to the new kmem_cache_t.
 */
import { PAGE_SIZE } from "@i386mm/hw-i386";
import {
  ALIGN,
  BYTES_PER_WORD,
  CACHE_LINE_SIZE,
  CFLGS_OFF_SLAB,
  MAX_GFP_ORDER,
  SIZEOF_KMEM_BUFCTL_T,
  SIZEOF_STRUCT_SLAB,
  SLAB_HWCACHE_ALIGN,
  SLAB_RECLAIM_ACCOUNT,
  SLAB_RED_ZONE,
  SLAB_STORE_USER,
} from "./constants.js";
import { cache_estimate } from "./kmem-cache.js";

/** What kmem_cache_create decides about a cache's objects and slabs. */
export interface SlabGeometry {
  /** Final flags (CFLGS_OFF_SLAB added or removed, RED_ZONE/STORE_USER dropped for big align). */
  flags: number;
  /** Bytes per object, debug words and alignment included. */
  objsize: number;
  /** The caller's size rounded to words (kmem_cache_size under debug). */
  reallen: number;
  /** Offset of the caller's object inside a slab object (red zone word). */
  dbghead: number;
  align: number;
  gfporder: number;
  /** Objects per slab; 0 when nothing fits ("couldn't create cache"). */
  num: number;
  slab_size: number;
  colour: number;
  colour_off: number;
}

/** Inputs that come from the allocator rather than from the caller. */
export interface GeometryContext {
  /** CONFIG_DEBUG_SLAB. */
  debug: boolean;
  /** Max objects per off-slab slab. */
  offslab_limit: number;
  /** Order above which slabs only grow when nothing fits. */
  slab_break_gfp_order: number;
}

/** kmem_cache_create's geometry for (size, align, flags) after its argument checks. */
export function slabGeometry(size: number, align: number, flags: number, ctx: GeometryContext): SlabGeometry {
  if (size & (BYTES_PER_WORD - 1)) size = (size + BYTES_PER_WORD - 1) & ~(BYTES_PER_WORD - 1);
  // 1) arch recommendation, 2) (ARCH_SLAB_MINALIGN is 0 on i386), 3) caller's alignment
  let ralign: number;
  if (flags & SLAB_HWCACHE_ALIGN) {
    ralign = CACHE_LINE_SIZE;
    while (size <= ralign / 2) ralign /= 2;
  } else {
    ralign = BYTES_PER_WORD;
  }
  if (ralign < align) {
    ralign = align;
    if (ralign > BYTES_PER_WORD) flags &= ~(SLAB_RED_ZONE | SLAB_STORE_USER);
  }
  align = ralign;
  const reallen = size;
  let dbghead = 0;
  if (ctx.debug) {
    if (flags & SLAB_RED_ZONE) {
      align = BYTES_PER_WORD;
      dbghead += BYTES_PER_WORD;
      size += 2 * BYTES_PER_WORD;
    }
    if (flags & SLAB_STORE_USER) {
      align = BYTES_PER_WORD;
      size += BYTES_PER_WORD;
    }
  }
  if (size >= PAGE_SIZE >> 3) flags |= CFLGS_OFF_SLAB;
  size = ALIGN(size, align);

  let gfporder = 0;
  let num = 0;
  let left_over = 0;
  if (flags & SLAB_RECLAIM_ACCOUNT && size <= PAGE_SIZE) {
    ({ num, left_over } = cache_estimate(0, size, align, flags, PAGE_SIZE));
  } else {
    for (;;) {
      ({ num, left_over } = cache_estimate(gfporder, size, align, flags, PAGE_SIZE));
      if (gfporder >= MAX_GFP_ORDER) break;
      if (num) {
        if (flags & CFLGS_OFF_SLAB && num > ctx.offslab_limit) {
          gfporder--; // this many objects would overflow an off-slab descriptor
          ({ num, left_over } = cache_estimate(gfporder, size, align, flags, PAGE_SIZE));
          break;
        }
        if (gfporder >= ctx.slab_break_gfp_order) break;
        if (left_over * 8 <= PAGE_SIZE << gfporder) break; // acceptable internal fragmentation
      }
      gfporder++;
    }
  }
  let slab_size = ALIGN(num * SIZEOF_KMEM_BUFCTL_T + SIZEOF_STRUCT_SLAB, align);
  if (num && flags & CFLGS_OFF_SLAB && left_over >= slab_size) {
    flags &= ~CFLGS_OFF_SLAB; // on-slab after all, at the expense of colouring
    left_over -= slab_size;
  }
  if (flags & CFLGS_OFF_SLAB) slab_size = num * SIZEOF_KMEM_BUFCTL_T + SIZEOF_STRUCT_SLAB;
  const colour_off = Math.max(CACHE_LINE_SIZE, align);
  return {
    flags: flags >>> 0,
    objsize: size,
    reallen,
    dbghead,
    align,
    gfporder,
    num,
    slab_size,
    colour: Math.floor(left_over / colour_off),
    colour_off,
  };
}
