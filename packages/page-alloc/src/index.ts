/*
 * @i386mm/page-alloc — the zoned page frame allocator of Linux 2.6.11 (mm/page_alloc.c and the
 * boot that feeds it). The public face: PageAllocator (whose methods are the kernel API, views
 * included), the types a user needs, the GFP and page-flag bits and zone constants the headers
 * define, and checkPageAllocInvariants. What the kernel keeps static in mm/page_alloc.c,
 * mm/bootmem.c and arch/i386/mm/init.c (the boot steps, the buddy and per-CPU list steps, the
 * watermark set-up) is in "@i386mm/page-alloc/internal", for the apps only.
 */
export { BadPageError, type BadPageState } from "./bad-page.js";
export { type BootOptions, type KernelImage, type KernelImageSizes, TYPICAL_2_6_11_IMAGE } from "./boot.js";
export { get_order, type SizedRequestRow, type SizedRequests } from "./get-order.js";
export {
  __GFP_BITS_MASK,
  __GFP_BITS_SHIFT,
  __GFP_COLD,
  __GFP_COMP,
  __GFP_DMA,
  __GFP_FS,
  __GFP_HIGH,
  __GFP_HIGHMEM,
  __GFP_IO,
  __GFP_NO_GROW,
  __GFP_NOFAIL,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_REPEAT,
  __GFP_WAIT,
  __GFP_ZERO,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_HIGHUSER,
  GFP_KERNEL,
  GFP_LEVEL_MASK,
  GFP_NOFS,
  GFP_NOIO,
  GFP_USER,
  GFP_ZONEMASK,
  GFP_ZONETYPES,
  type gfp_t,
} from "./gfp.js";
export type { PageAddressHash } from "./highmem.js";
export { checkPageAllocInvariants } from "./invariants.js";
export { type KernelLayout, type KernelSections, virtual_kernel_memory_layout } from "./layout.js";
export { type MemMap, type Page, SIZEOF_STRUCT_PAGE } from "./mem-map.js";
export {
  DEF_PRIORITY,
  type free_area,
  is_highmem,
  MAX_NR_ZONES,
  MAX_ORDER,
  type per_cpu_pages,
  type per_cpu_pageset,
  type pg_data_t,
  ZONE_DMA,
  ZONE_HIGHMEM,
  ZONE_NORMAL,
  type Zone,
  zone_names,
  type zonelist,
} from "./mmzone.js";
export {
  KSWAPD_EVENT_LOG,
  type KswapdWakeup,
  MAX_RECLAIM_RETRIES,
  type OomKiller,
  PageAllocator,
  type PageAllocatorOptions,
  type PageAllocStats,
  type PageCacheCounters,
  type ReclaimHook,
} from "./page-alloc.js";
export {
  MAX_NODES_SHIFT,
  NODEZONE,
  NODEZONE_MASK,
  NODEZONE_SHIFT,
  PAGE_FLAG_NAMES,
  PG_active,
  PG_arch_1,
  PG_checked,
  PG_compound,
  PG_dirty,
  PG_error,
  PG_highmem,
  PG_KERNEL_BITS_MASK,
  PG_locked,
  PG_lru,
  PG_mappedtodisk,
  PG_nosave,
  PG_nosave_free,
  PG_private,
  PG_reclaim,
  PG_referenced,
  PG_reserved,
  PG_slab,
  PG_swapcache,
  PG_uptodate,
  PG_writeback,
  ZONES_SHIFT,
} from "./page-flags.js";
export {
  external_fragmentation,
  type FreeCounts,
  fixed3,
  type MeminfoSources,
  PAGETYPEINFO_MODEL_TYPE,
  SYSCTL_OVERCOMMIT_RATIO,
  would_alloc,
  type ZoneFragmentation,
  zone_fragmentation,
} from "./proc.js";
export { SWAP_CLUSTER_MAX } from "./watermark.js";
