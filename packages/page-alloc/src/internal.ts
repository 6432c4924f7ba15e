/*
 * @i386mm/page-alloc/internal — the steps the kernel keeps static (boot steps, bootmem, buddy and
 * per-CPU list steps, list helpers over mem_map, watermark set-up, the /proc views as free
 * functions), exported for the apps (demo, web) that show them one at a time and for white-box
 * tests. Not part of the package's API: names and shapes here change without notice. Users: the main
 * entry, @i386mm/page-alloc.
 */
export { bad_page_lines } from "./bad-page.js";
export {
  type BootedMemory,
  type BootMemory,
  BootStage,
  boot,
  build_all_zonelists,
  checkBootOptions,
  commitBoot,
  e820__print_table,
  find_max_low_pfn,
  find_max_pfn,
  highpagesFast,
  highpagesOneByOne,
  layoutKernelImage,
  type MemInitResult,
  type MemoryLimits,
  mem_init,
  pagetable_init,
  setup_memory,
  smp_alloc_memory,
  startup_32,
  type ZoneSetup,
  zap_low_mappings,
  zone_sizes_init,
} from "./boot.js";
export {
  __alloc_bootmem_core,
  BITS_PER_LONG,
  type BootmemHandOff,
  bootmem_bootmap_pages,
  bootmem_data_t,
  free_all_bootmem_core,
  free_bootmem_core,
  init_bootmem_core,
  reserve_bootmem_core,
} from "./bootmem.js";
export {
  __free_pages_bulk,
  __rmqueue,
  bad_range,
  expand,
  free_pages_bulk,
  page_is_buddy,
  rmqueue_bulk,
  rmv_page_order,
  set_page_order,
} from "./buddy.js";
export { GOLDEN_RATIO_PRIME, hash_ptr, PA_HASH_ORDER } from "./highmem.js";
export { kernelLayout } from "./layout.js";
export {
  INIT_LIST_HEAD,
  LIST_POISON,
  list_add,
  list_add_tail,
  list_del,
  list_empty,
  list_entries,
  list_length,
} from "./mem-map.js";
export { PAGES_PER_WAITQUEUE, wait_table_size, zone_batchsize } from "./mmzone.js";
export {
  BAD_PAGE_CLEAR,
  FREE_PAGES_CHECK_BAD,
  PG_ALLOC_ORDER_MASK,
  PG_ALLOC_ORDER_SHIFT,
  PREP_NEW_PAGE_BAD,
  PREP_NEW_PAGE_CLEAR,
} from "./page-flags.js";
export { drain_cpu_pages, PCP_COLD, PCP_HOT, pcp_free, pcp_rmqueue } from "./pcp.js";
export {
  buddyinfo,
  type ContigPageInfo,
  extfrag_index,
  fill_contig_page_info,
  fragmentation_index,
  meminfo,
  pagetypeinfo,
  unusable_free_index,
  unusable_index,
  zoneinfo,
} from "./proc.js";
export {
  DEFAULT_MIN_FREE_KBYTES,
  init_per_zone_pages_min,
  int_sqrt,
  min_free_kbytes_for,
  nr_free_zone_pages,
  setup_per_zone_lowmem_reserve,
  setup_per_zone_pages_min,
  zone_watermark_ok,
} from "./watermark.js";
export { build_zonelists, build_zonelists_node } from "./zonelist.js";
