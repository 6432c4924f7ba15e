/*
 * @i386mm/kmap — fixmaps, permanent (kmap) and temporary (kmap_atomic) kernel mappings of high
 * memory (mm/highmem.c, arch/i386/mm/highmem.c, include/asm-i386/fixmap.h, kmap_types.h). The
 * public face: Kmap (whose methods are the kernel API), the fixmap indices and addresses (the
 * arithmetic is hw-i386's, re-exported here with the checked fix_to_virt), enum km_type, access
 * through the MMU (readVirt/writeVirt), the errors and checkKmapInvariants.
 */
export { FixmapError, KmapError, KmapWouldSleepError } from "./errors.js";
export {
  __end_of_fixed_addresses,
  __end_of_permanent_fixed_addresses,
  __FIXADDR_BOOT_SIZE,
  __FIXADDR_SIZE,
  __FIXADDR_TOP,
  __fix_to_virt,
  __virt_to_fix,
  type CheckedFixIndex,
  FIX_ACPI_BEGIN,
  FIX_ACPI_END,
  FIX_ACPI_PAGES,
  FIX_APIC_BASE,
  FIX_BTMAP_BEGIN,
  FIX_BTMAP_END,
  FIX_HOLE,
  FIX_IO_APIC_BASE_0,
  FIX_IO_APIC_BASE_END,
  FIX_KMAP_BEGIN,
  FIX_KMAP_END,
  FIX_PCIE_MCFG,
  FIX_VSYSCALL,
  FIX_WP_TEST,
  FIXADDR_BOOT_START,
  FIXADDR_START,
  FIXADDR_TOP,
  FIXADDR_USER_END,
  FIXADDR_USER_START,
  type FixIndex,
  fix_to_virt,
  fixed_addresses,
  MAX_IO_APICS,
  NR_CPUS,
  NR_FIX_BTMAPS,
  virt_to_fix,
} from "./fixmap.js";
export { checkKmapInvariants } from "./invariants.js";
export { KernelPagingError, readVirt, writeVirt } from "./kaccess.js";
export { Kmap, type KmapOptions } from "./kmap.js";
export type { KmapAtomic } from "./kmap-atomic.js";
export {
  KM_BIO_DST_IRQ,
  KM_BIO_SRC_IRQ,
  KM_BOUNCE_READ,
  KM_IRQ0,
  KM_IRQ1,
  KM_PTE0,
  KM_PTE1,
  KM_SKB_DATA_SOFTIRQ,
  KM_SKB_SUNRPC_DATA,
  KM_SOFTIRQ0,
  KM_SOFTIRQ1,
  KM_TYPE_NR,
  KM_USER0,
  KM_USER1,
  km_type,
  km_type_names,
} from "./kmap-types.js";
export {
  LAST_PKMAP,
  LAST_PKMAP_MASK,
  PKMAP_ADDR,
  PKMAP_BASE,
  PKMAP_NR,
  type Pkmap,
  type PkmapWaiter,
} from "./pkmap.js";
