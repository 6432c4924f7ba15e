/*
 * @i386mm/slab/internal — what mm/slab.c and mm/vmalloc.c keep static: their #defines, the layout
 * of struct slab and kmem_cache_t in RAM, cache_estimate and the geometry, the CONFIG_DEBUG_SLAB
 * checks, the /proc/slabinfo printers as free functions. Exported for the apps (demo, web) and
 * white-box tests. Not part of the package's API: names and shapes here change without notice.
 * Users: the main entry, @i386mm/slab.
 */
export { type GeometryContext, type SlabGeometry, slabGeometry } from "./cache-geometry.js";
export {
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
  HZ,
  INT_MAX,
  KMEM_CACHE_LISTS_FREE,
  KMEM_CACHE_LISTS_FULL,
  KMEM_CACHE_LISTS_PARTIAL,
  MAX_GFP_ORDER,
  MAX_OBJ_ORDER,
  POISON_END,
  POISON_FREE,
  POISON_INUSE,
  REAPTIMEOUT_CPUC,
  REAPTIMEOUT_LIST3,
  RED_ACTIVE,
  RED_INACTIVE,
  SIZEOF_ARRAY_CACHE,
  SIZEOF_ARRAYCACHE_INIT,
  SIZEOF_KMEM_BUFCTL_T,
  SIZEOF_KMEM_CACHE_T,
  SIZEOF_KMEM_CACHE_T_DEBUG,
  SIZEOF_STRUCT_SLAB,
  SLAB_COLOUROFF,
  SLAB_FREE,
  SLAB_INUSE,
  SLAB_LIMIT,
  SLAB_LIST_NEXT,
  SLAB_LIST_PREV,
  SLAB_NR_CPUS,
  SLAB_S_MEM,
} from "./constants.js";
export {
  check_poison_obj,
  type DebugEnv,
  dbg_redzone1,
  dbg_redzone2,
  dbg_userword,
  fmtp,
  poison_obj,
  print_objinfo,
  rd32,
  slab_error,
  wr32,
} from "./debug.js";
export { CACHE_GROW_ALLOWED, SLAB_GFP_DMA } from "./gfp.js";
export { cache_estimate, OFF_SLAB } from "./kmem-cache.js";
export { FULL, NONE, PARTIAL } from "./slab-allocator.js";
export { NO_SLAB } from "./slab-descriptor.js";
export { s_show, slabinfo, slabinfo_write } from "./slabinfo.js";
export { SIZEOF_VM_STRUCT } from "./vmalloc.js";
