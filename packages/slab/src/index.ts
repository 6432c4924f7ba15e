/*
 * @i386mm/slab — the slab allocator, kmalloc/kfree and vmalloc/vfree of Linux 2.6.11 (mm/slab.c,
 * mm/vmalloc.c). The public face: SlabAllocator (whose methods are the kernel API, views
 * included), the types a user needs, the flags include/linux/slab.h and vmalloc.h define, the
 * malloc_sizes table, the errors and checkSlabInvariants. What mm/slab.c keeps static (its
 * constants, struct slab's layout, the debug checks, cache geometry) is in
 * "@i386mm/slab/internal", for the apps only.
 */
export {
  KMALLOC_MAX_SIZE,
  MALLOC_SIZES,
  SLAB_CACHE_DMA,
  SLAB_CTOR_ATOMIC,
  SLAB_CTOR_CONSTRUCTOR,
  SLAB_CTOR_VERIFY,
  SLAB_DEBUG_FREE,
  SLAB_DEBUG_INITIAL,
  SLAB_DESTROY_BY_RCU,
  SLAB_HWCACHE_ALIGN,
  SLAB_MUST_HWCACHE_ALIGN,
  SLAB_NO_REAP,
  SLAB_PANIC,
  SLAB_POISON,
  SLAB_RECLAIM_ACCOUNT,
  SLAB_RED_ZONE,
  SLAB_STORE_USER,
} from "./constants.js";
export { SlabError, VmallocError } from "./errors.js";
export {
  SLAB_ATOMIC,
  SLAB_DMA,
  SLAB_KERNEL,
  SLAB_LEVEL_MASK,
  SLAB_NO_GROW,
  SLAB_NOFS,
  SLAB_NOIO,
  SLAB_USER,
} from "./gfp.js";
export {
  type CacheFragmentationRow,
  cache_fragmentation,
  type KmallocClassRow,
  type KmallocRecord,
  kmalloc_fragmentation,
  slab_fragmentation,
  type VmallocAreaRow,
  vmalloc_fragmentation,
} from "./internal-frag.js";
export { checkSlabInvariants } from "./invariants.js";
export type {
  array_cache,
  kmem_cache,
  kmem_cache_ctor,
  kmem_cache_t,
  kmem_list3,
  slab_flags_t,
} from "./kmem-cache.js";
export { type cache_sizes, SlabAllocator, type SlabAllocatorOptions } from "./slab-allocator.js";
export type { SlabTable } from "./slab-descriptor.js";
export {
  IOREMAP_MAX_ORDER,
  VM_ALLOC,
  VM_IOREMAP,
  VM_MAP,
  type VmallocState,
  type vm_struct,
} from "./vmalloc.js";
