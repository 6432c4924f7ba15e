/*
 * layout.ts — the kernel's virtual layout above PAGE_OFFSET for the 2.6.11 profile
 * (include/asm-i386/fixmap.h, highmem.h, pgtable.h, kmap_types.h, apicdef.h, acpi.h).
 * Config: NR_CPUS 8, X86_LOCAL_APIC, X86_IO_APIC (MAX_IO_APICS 8), HIGHMEM, ACPI_BOOT,
 * PCI_MMCONFIG; no VISWS, F00F, CYCLONE, DEBUG_HIGHMEM. Every constant derives from the one
 * before it, as the headers do. Invariant: PKMAP_BASE + LAST_PKMAP pages <= FIXADDR_START.
 *
 *  PAGE_OFFSET      high_memory  8..16 MiB  VMALLOC_START   VMALLOC_END 2pg PKMAP_BASE      FIXADDR_START  0xFFFFF000
 *  | lowmem direct map |   gap     | vmalloc area ... |  gap  | pkmap (LAST_PKMAP pages) .. | fixmap | hole |
 *                                                                  FIXADDR_BOOT_START: fixmap incl. BTMAP + WP_TEST
 */

import { PAGE_SHIFT, PAGE_SIZE } from "./page.js";
import { PAGING_2LEVEL, PAGING_PAE } from "./paging.js";

/** Simulated CPUs at most (CONFIG_NR_CPUS). */
export const NR_CPUS = 8;
/** enum km_type entries per CPU (include/asm-i386/kmap_types.h, no DEBUG_HIGHMEM). */
export const KM_TYPE_NR = 13;
/** CONFIG_X86_IO_APIC without NUMA. */
export const MAX_IO_APICS = 8;
/** include/asm-i386/acpi.h. */
export const FIX_ACPI_PAGES = 4;
/** Boot-time ioremap slots. */
export const NR_FIX_BTMAPS = 16;

/** 0: unused, keeps 0xFFFFF000 unmapped. */
export const FIX_HOLE = 0;
/** 1: the vsyscall page (0xFFFFE000). */
export const FIX_VSYSCALL = FIX_HOLE + 1;
/** 2: local APIC registers. */
export const FIX_APIC_BASE = FIX_VSYSCALL + 1;
/** 3: first IO-APIC. */
export const FIX_IO_APIC_BASE_0 = FIX_APIC_BASE + 1;
/** 10: last IO-APIC (MAX_IO_APICS 8). */
export const FIX_IO_APIC_BASE_END = FIX_IO_APIC_BASE_0 + MAX_IO_APICS - 1;
/** 11: first kmap_atomic slot (type + KM_TYPE_NR * cpu). */
export const FIX_KMAP_BEGIN = FIX_IO_APIC_BASE_END + 1;
/** 114: last kmap_atomic slot (13 x 8 CPUs). */
export const FIX_KMAP_END = FIX_KMAP_BEGIN + KM_TYPE_NR * NR_CPUS - 1;
/** 115: first ACPI page. */
export const FIX_ACPI_BEGIN = FIX_KMAP_END + 1;
/** 118: last ACPI page. */
export const FIX_ACPI_END = FIX_ACPI_BEGIN + FIX_ACPI_PAGES - 1;
/** 119: PCI Express MMCONFIG. */
export const FIX_PCIE_MCFG = FIX_ACPI_END + 1;
/** 120: end of the permanent fixmap. */
export const __end_of_permanent_fixed_addresses = FIX_PCIE_MCFG + 1;
/** 120: last-but-lowest boot-time ioremap slot (= __end_of_permanent_fixed_addresses). */
export const FIX_BTMAP_END = __end_of_permanent_fixed_addresses;
/** 135: first boot-time ioremap slot (NR_FIX_BTMAPS 16). */
export const FIX_BTMAP_BEGIN = FIX_BTMAP_END + NR_FIX_BTMAPS - 1;
/** 136: used by test_wp_bit. */
export const FIX_WP_TEST = FIX_BTMAP_BEGIN + 1;
/** 137: number of fixmap slots. */
export const __end_of_fixed_addresses = FIX_WP_TEST + 1;

/** enum fixed_addresses as a const object (values above; higher index = lower address). */
export const fixed_addresses = Object.freeze({
  FIX_HOLE,
  FIX_VSYSCALL,
  FIX_APIC_BASE,
  FIX_IO_APIC_BASE_0,
  FIX_IO_APIC_BASE_END,
  FIX_KMAP_BEGIN,
  FIX_KMAP_END,
  FIX_ACPI_BEGIN,
  FIX_ACPI_END,
  FIX_PCIE_MCFG,
  __end_of_permanent_fixed_addresses,
  FIX_BTMAP_END,
  FIX_BTMAP_BEGIN,
  FIX_WP_TEST,
  __end_of_fixed_addresses,
});

/** Top of the fixmap (compile-time constant in 2.6.11). */
export const __FIXADDR_TOP = 0xfffff000;
/** = __FIXADDR_TOP. */
export const FIXADDR_TOP = __FIXADDR_TOP;
/** Permanent fixmap size in bytes. */
export const __FIXADDR_SIZE = __end_of_permanent_fixed_addresses << PAGE_SHIFT;
/** Start of the permanent fixmap: 0xFFF87000 in this profile. */
export const FIXADDR_START = FIXADDR_TOP - __FIXADDR_SIZE;
/** Fixmap size including the boot-time slots. */
export const __FIXADDR_BOOT_SIZE = __end_of_fixed_addresses << PAGE_SHIFT;
/** Start of the whole fixmap incl. BTMAP and WP_TEST: 0xFFF76000 in this profile. */
export const FIXADDR_BOOT_START = FIXADDR_TOP - __FIXADDR_BOOT_SIZE;
/** The vsyscall page. */
export const FIXADDR_USER_START = FIXADDR_TOP - (FIX_VSYSCALL << PAGE_SHIFT);
/** End of the vsyscall page. */
export const FIXADDR_USER_END = FIXADDR_USER_START + PAGE_SIZE;

/** Virtual address of fixmap slot `x` (no range check; kmap's fix_to_virt adds it). */
export function __fix_to_virt(x: number): number {
  return (FIXADDR_TOP - x * PAGE_SIZE) >>> 0;
}
/** Fixmap slot of a virtual address (no range check). */
export function __virt_to_fix(v: number): number {
  return (FIXADDR_TOP - ((v & 0xfffff000) >>> 0)) >>> PAGE_SHIFT;
}

/** Pkmap slots: one page table's worth (1024, or 512 under PAE). */
export function LAST_PKMAP(pae: boolean): number {
  return pae ? 512 : 1024;
}
/** LAST_PKMAP - 1. */
export function LAST_PKMAP_MASK(pae: boolean): number {
  return LAST_PKMAP(pae) - 1;
}
/** (FIXADDR_BOOT_START - PAGE_SIZE*(LAST_PKMAP+1)) & PMD_MASK: 0xFF800000, or 0xFFC00000 under PAE. */
export function PKMAP_BASE(pae: boolean): number {
  const pmdMask = (pae ? PAGING_PAE : PAGING_2LEVEL).PMD_MASK;
  return ((FIXADDR_BOOT_START - PAGE_SIZE * (LAST_PKMAP(pae) + 1)) & pmdMask) >>> 0;
}
/** Virtual address of pkmap slot `nr`. */
export function PKMAP_ADDR(pae: boolean, nr: number): number {
  return PKMAP_BASE(pae) + nr * PAGE_SIZE;
}
/** Pkmap slot of a virtual address. */
export function PKMAP_NR(pae: boolean, v: number): number {
  return (v - PKMAP_BASE(pae)) >>> PAGE_SHIFT;
}

/** Gap between the direct map and vmalloc: 8 MiB. */
export const VMALLOC_OFFSET = 8 * 1024 * 1024;
/** (high_memory + earlyreserve + 2*VMALLOC_OFFSET - 1) & ~(VMALLOC_OFFSET - 1). */
export function VMALLOC_START(high_memory: number, vmalloc_earlyreserve = 0): number {
  const v = high_memory + vmalloc_earlyreserve + 2 * VMALLOC_OFFSET - 1;
  return (v - (v % VMALLOC_OFFSET)) >>> 0;
}
/** PKMAP_BASE - 2 pages (CONFIG_HIGHMEM): 0xFF7FE000, or 0xFFBFE000 under PAE. */
export function VMALLOC_END(pae: boolean): number {
  return PKMAP_BASE(pae) - 2 * PAGE_SIZE;
}
