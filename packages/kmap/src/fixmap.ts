/*
 * Fix-mapped linear addresses: include/asm-i386/fixmap.h (fix_to_virt, virt_to_fix,
 * __this_fixmap_does_not_exist) and arch/i386/mm/pgtable.c (__set_fixmap, set_pte_pfn).
 * The enum fixed_addresses and the address arithmetic are hw-i386's layout.ts; this file adds
 * the checked conversions and the code that writes fixmap PTEs into swapper_pg_dir in RAM.
 * Invariants: every fixmap index is < __end_of_fixed_addresses; __fix_to_virt and __virt_to_fix
 * are inverse on [FIXADDR_START, FIXADDR_TOP); the page tables for the whole fixmap range were
 * built at boot (pagetable_init), so __set_fixmap never allocates: it only writes one PTE and
 * invalidates that one TLB entry on the current CPU (invlpg).
 */
import * as L from "@i386mm/hw-i386";
import {
  __flush_tlb_one,
  asVirt,
  FIXADDR_START,
  FIXADDR_TOP,
  lookupPte,
  type Machine,
  PAGE_SIZE,
  type PhysAddr,
  pfn_pte,
  smp_processor_id,
  type VirtAddr,
} from "@i386mm/hw-i386";
import { FixmapError } from "./errors.js";

/* The fixmap's address arithmetic, defined in hw-i386's layout.ts, is part of this package's API too. */
export {
  __FIXADDR_BOOT_SIZE,
  __FIXADDR_SIZE,
  __FIXADDR_TOP,
  __fix_to_virt,
  __virt_to_fix,
  FIX_ACPI_PAGES,
  FIXADDR_BOOT_START,
  FIXADDR_START,
  FIXADDR_TOP,
  FIXADDR_USER_END,
  FIXADDR_USER_START,
  MAX_IO_APICS,
  NR_CPUS,
  NR_FIX_BTMAPS,
} from "@i386mm/hw-i386";

/*
 * The top of the 4 GiB linear space, highest address first (default profile, non-PAE numbers):
 *
 *   0xffffffff +---------------------------+
 *              | FIX_HOLE, never mapped    |  0     catches -errno pointers
 *   0xfffff000 +---------------------------+        FIXADDR_TOP = fix_to_virt(FIX_HOLE)
 *              | FIX_VSYSCALL              |  1     slot i is the page that starts at
 *   0xffffe000 +---------------------------+        FIXADDR_TOP - (i << PAGE_SHIFT)
 *              | FIX_APIC_BASE, IO_APIC 0-7|  2-10
 *   0xffff5000 +---------------------------+
 *              | kmap_atomic, 13 x 8 slots |  11-114  FIX_KMAP_BEGIN at 0xffff4000 (top),
 *   0xfff8d000 +---------------------------+          FIX_KMAP_END at 0xfff8d000 (bottom)
 *              | FIX_ACPI_BEGIN..END, MCFG |  115-119
 *   0xfff88000 +---------------------------+
 *              | FIX_BTMAP_*, FIX_WP_TEST  |  120-136 boot time; FIXADDR_START = 0xfff87000
 *   0xfff77000 +---------------------------+          (start of slot 120, __end_of_permanent_...)
 *              (FIXADDR_BOOT_START = 0xfff76000, one page below slot 136: __end_of_fixed_addresses)
 *              | gap down to a PMD border |
 *   0xffc00000 +--------------------------+ PKMAP_BASE + LAST_PKMAP pages
 *              | pkmap: 1024 slots (4 MiB)|  kmap()
 *   0xff800000 +--------------------------+ PKMAP_BASE
 */

/*
 * enum fixed_addresses, 2.6.11 i386 with LOCAL_APIC, IO_APIC (8), HIGHMEM, ACPI_BOOT, PCI_MMCONFIG
 * and NR_CPUS 8. The values are hw-i386's layout.ts (derived there as the header derives them);
 * here they are narrowed to literal types so that fix_to_virt can reject a literal index past the
 * end at compile time. test/fixmap.test.ts checks every literal against hw-i386's number.
 */
/** Unused; keeps index 0 (0xfffff000) unmapped. */
export const FIX_HOLE = L.FIX_HOLE as 0;
/** The vsyscall page (FIXADDR_USER_START, 0xffffe000). */
export const FIX_VSYSCALL = L.FIX_VSYSCALL as 1;
/** Local APIC registers (CONFIG_X86_LOCAL_APIC). */
export const FIX_APIC_BASE = L.FIX_APIC_BASE as 2;
/** First I/O APIC (CONFIG_X86_IO_APIC). */
export const FIX_IO_APIC_BASE_0 = L.FIX_IO_APIC_BASE_0 as 3;
/** Last I/O APIC: FIX_IO_APIC_BASE_0 + MAX_IO_APICS - 1. */
export const FIX_IO_APIC_BASE_END = L.FIX_IO_APIC_BASE_END as 10;
/** First kmap_atomic slot (CONFIG_HIGHMEM). */
export const FIX_KMAP_BEGIN = L.FIX_KMAP_BEGIN as 11;
/** Last kmap_atomic slot: FIX_KMAP_BEGIN + KM_TYPE_NR * NR_CPUS - 1. */
export const FIX_KMAP_END = L.FIX_KMAP_END as 114;
/** First ACPI table page (CONFIG_ACPI_BOOT). */
export const FIX_ACPI_BEGIN = L.FIX_ACPI_BEGIN as 115;
/** Last ACPI table page: FIX_ACPI_BEGIN + FIX_ACPI_PAGES - 1. */
export const FIX_ACPI_END = L.FIX_ACPI_END as 118;
/** PCI Express MMCONFIG window (CONFIG_PCI_MMCONFIG). */
export const FIX_PCIE_MCFG = L.FIX_PCIE_MCFG as 119;
/** End of the slots that stay mapped after boot; FIXADDR_START is computed from it. */
export const __end_of_permanent_fixed_addresses = L.__end_of_permanent_fixed_addresses as 120;
/** Lowest boot-time ioremap slot (= __end_of_permanent_fixed_addresses). */
export const FIX_BTMAP_END = L.FIX_BTMAP_END as 120;
/** Highest boot-time ioremap slot: FIX_BTMAP_END + NR_FIX_BTMAPS - 1. */
export const FIX_BTMAP_BEGIN = L.FIX_BTMAP_BEGIN as 135;
/** The page used by the boot-time WP-bit test. */
export const FIX_WP_TEST = L.FIX_WP_TEST as 136;
/** One past the last fixmap index: fix_to_virt rejects anything at or beyond it. */
export const __end_of_fixed_addresses = L.__end_of_fixed_addresses as 137;

/** enum fixed_addresses as an object (name -> literal value), in the kernel's order. */
export const fixed_addresses = {
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
} as const;

/** Builds the union 0 | 1 | ... | N-1 (N a numeric literal type). */
type IndicesBelow<N extends number, Acc extends number[] = []> = Acc["length"] extends N
  ? Acc[number]
  : IndicesBelow<N, [...Acc, Acc["length"]]>;

/** Every valid `enum fixed_addresses` value: 0 .. __end_of_fixed_addresses - 1. */
export type FixIndex = IndicesBelow<typeof __end_of_fixed_addresses>;

/**
 * The parameter type of {@link fix_to_virt}: a literal index past the enum becomes `never`, so
 * the call does not compile (the model of the kernel's link failure on __this_fixmap_does_not_exist);
 * a plain `number` is let through and checked at run time.
 */
export type CheckedFixIndex<I extends number> = number extends I ? number : I extends FixIndex ? I : never;

/**
 * fix_to_virt(idx): the linear address of fixmap slot `idx`, FIXADDR_TOP - (idx << PAGE_SHIFT).
 * A literal `idx >= __end_of_fixed_addresses` is a compile-time error; a non-literal one throws
 * FixmapError (the kernel's `__this_fixmap_does_not_exist` link error).
 */
export function fix_to_virt<I extends number>(idx: I & CheckedFixIndex<I>): VirtAddr {
  if (!Number.isInteger(idx) || idx < 0 || idx >= __end_of_fixed_addresses) {
    throw new FixmapError(
      "fix_to_virt",
      undefined,
      `__this_fixmap_does_not_exist: index ${idx} is not below __end_of_fixed_addresses (${__end_of_fixed_addresses})`,
    );
  }
  return asVirt(L.__fix_to_virt(idx));
}

/**
 * virt_to_fix(vaddr): the fixmap index of a linear address in [FIXADDR_START, FIXADDR_TOP).
 * BUG (FixmapError) outside that range, as the kernel's BUG_ON.
 */
export function virt_to_fix(vaddr: number): number {
  const v = vaddr >>> 0;
  if (v >= FIXADDR_TOP || v < FIXADDR_START) {
    throw new FixmapError(
      "virt_to_fix",
      v,
      `address outside the fixmap [0x${FIXADDR_START.toString(16)}, 0x${FIXADDR_TOP.toString(16)})`,
    );
  }
  return L.__virt_to_fix(v);
}

/**
 * __set_fixmap(idx, phys, flags) (arch/i386/mm/pgtable.c): point fixmap slot `idx` at physical
 * address `phys` with protection `flags` in the kernel page table `pgd` (swapper_pg_dir), then
 * __flush_tlb_one on the current CPU. `flags` 0 with `phys` 0 clears the entry (clear_fixmap).
 * BUG (FixmapError, nothing written) if idx >= __end_of_fixed_addresses or a pgd/pmd is none.
 */
export function __set_fixmap(
  machine: Machine,
  pgd: PhysAddr,
  idx: number,
  phys: number,
  flags: number,
): void {
  if (!Number.isInteger(idx) || idx < 0 || idx >= __end_of_fixed_addresses) {
    throw new FixmapError("__set_fixmap", undefined, `index ${idx} is not below __end_of_fixed_addresses`);
  }
  const vaddr = asVirt(L.__fix_to_virt(idx));
  /* set_pte_pfn: the walk must find every level present (pagetable_init built them) */
  const where = lookupPte(machine, pgd, vaddr);
  if (where === null || where.large) {
    throw new FixmapError("set_pte_pfn", vaddr, "no page table for the fixmap address (pgd or pmd none)");
  }
  /* <pfn, flags> stored as they are, so that flags 0 clears the entry */
  machine.paging.writeEntry(
    machine.ram,
    where.tablePa,
    where.idx,
    pfn_pte(Math.floor(phys / PAGE_SIZE), flags),
  );
  __flush_tlb_one(machine.cpus[smp_processor_id(machine)], vaddr);
}
