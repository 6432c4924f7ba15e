/*
 * vlayout.ts — the kernel's 1 GiB of linear addresses (0xC0000000 up) as the layout view draws it
 * (arch/i386/mm/init.c, include/asm-i386/pgtable.h, highmem.h, fixmap.h): the direct-mapped
 * lowmem, the 8 MiB gap, the vmalloc area with every vm_struct and its guard page (mm/vmalloc.c
 * vmlist), the two-page gap, the pkmap window with each slot's pkmap_count and page
 * (mm/highmem.c), and the fixmaps with what each slot maps now — read from the entries in
 * swapper_pg_dir, which is what the CPU would use.
 */

import type { Kernel } from "@i386mm/demo";
import {
  __end_of_fixed_addresses,
  __end_of_permanent_fixed_addresses,
  __fix_to_virt,
  FIX_ACPI_BEGIN,
  FIX_ACPI_END,
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
  KM_TYPE_NR,
  pte_pfn,
  pte_present,
  walk,
} from "@i386mm/hw-i386";
import { km_type_names } from "@i386mm/kmap";
import type { vm_struct } from "@i386mm/slab";
import { VM_ALLOC, VM_IOREMAP, VM_MAP } from "@i386mm/slab";

/** A region of the kernel's address space. */
export interface Region {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** "used" regions hold mappings; "gap" regions are deliberately unmapped. */
  readonly kind: "lowmem" | "gap" | "vmalloc" | "pkmap" | "fixmap" | "unused";
}

/** The regions from PAGE_OFFSET to 4 GiB, in address order. */
export function kernelRegions(k: Kernel): Region[] {
  const l = k.pa.layout;
  const pkmapEnd = l.PKMAP_BASE + l.LAST_PKMAP * 4096;
  const fixStart = l.FIXADDR_BOOT_START;
  return [
    { name: "lowmem (direct map)", start: l.PAGE_OFFSET, end: l.high_memory, kind: "lowmem" },
    { name: "VMALLOC_OFFSET gap", start: l.high_memory, end: l.VMALLOC_START, kind: "gap" },
    { name: "vmalloc", start: l.VMALLOC_START, end: l.VMALLOC_END, kind: "vmalloc" },
    { name: "2-page gap", start: l.VMALLOC_END, end: l.PKMAP_BASE, kind: "gap" },
    { name: "pkmap (kmap)", start: l.PKMAP_BASE, end: pkmapEnd, kind: "pkmap" },
    { name: "unused", start: pkmapEnd, end: fixStart, kind: "unused" },
    { name: "fixmap", start: fixStart, end: l.FIXADDR_TOP + 4096, kind: "fixmap" },
  ].filter((r) => r.end > r.start) as Region[];
}

/** A vmalloc-area piece: an area's pages, its guard page, or a hole between areas. */
export interface VmallocPiece {
  readonly kind: "area" | "guard" | "hole";
  readonly start: number;
  readonly end: number;
  readonly area?: vm_struct;
}

/** vmlist as pieces covering VMALLOC_START..VMALLOC_END. */
export function vmallocPieces(k: Kernel): VmallocPiece[] {
  const l = k.pa.layout;
  const out: VmallocPiece[] = [];
  let at = l.VMALLOC_START;
  for (const a of k.slab.vm.vmlist) {
    if (a.addr > at) out.push({ kind: "hole", start: at, end: a.addr });
    out.push({ kind: "area", start: a.addr, end: a.addr + a.size - 4096, area: a });
    out.push({ kind: "guard", start: a.addr + a.size - 4096, end: a.addr + a.size, area: a });
    at = a.addr + a.size;
  }
  if (at < l.VMALLOC_END) out.push({ kind: "hole", start: at, end: l.VMALLOC_END });
  return out;
}

/** What kind of area (get_vm_area's flags). */
export function areaKind(a: vm_struct): string {
  if (a.flags & VM_IOREMAP) return "ioremap";
  if (a.flags & VM_MAP) return "vmap";
  if (a.flags & VM_ALLOC) return "vmalloc";
  return "get_vm_area";
}

/** One pkmap slot. */
export interface PkmapSlot {
  readonly nr: number;
  readonly addr: number;
  /** pkmap_count[nr]: 0 free, 1 unmapped-but-not-flushed, n > 1 mapped with n - 1 users. */
  readonly count: number;
  /** The frame its pte maps, or -1. */
  readonly pfn: number;
}

/** Every pkmap slot with its count and frame. */
export function pkmapSlots(k: Kernel): { slots: PkmapSlot[]; last_pkmap_nr: number } {
  const km = k.km;
  const counts = km.pkmap_count;
  const slots: PkmapSlot[] = [];
  for (let nr = 0; nr < km.LAST_PKMAP; nr++) {
    const addr = km.PKMAP_BASE + nr * 4096;
    slots.push({ nr, addr, count: counts[nr]!, pfn: leafPfn(k, addr) });
  }
  return { slots, last_pkmap_nr: km.last_pkmap_nr };
}

/** One fixmap slot. */
export interface FixSlot {
  readonly idx: number;
  readonly name: string;
  readonly addr: number;
  /** The frame mapped there now (-1: none), and the pte. */
  readonly pfn: number;
  readonly pte: number;
  /** Boot-time only (FIX_BTMAP_*, FIX_WP_TEST): above __end_of_permanent_fixed_addresses. */
  readonly boot: boolean;
}

/** The name of fixmap index `idx` (enum fixed_addresses, KM slots by type and CPU). */
export function fixName(idx: number): string {
  if (idx === FIX_HOLE) return "FIX_HOLE";
  if (idx === FIX_VSYSCALL) return "FIX_VSYSCALL";
  if (idx === FIX_APIC_BASE) return "FIX_APIC_BASE";
  if (idx >= FIX_IO_APIC_BASE_0 && idx <= FIX_IO_APIC_BASE_END)
    return `FIX_IO_APIC_BASE_${idx - FIX_IO_APIC_BASE_0}`;
  if (idx >= FIX_KMAP_BEGIN && idx <= FIX_KMAP_END) {
    const n = idx - FIX_KMAP_BEGIN;
    return `FIX_KMAP_BEGIN+${n} (${km_type_names[n % KM_TYPE_NR]}, CPU ${Math.floor(n / KM_TYPE_NR)})`;
  }
  if (idx >= FIX_ACPI_BEGIN && idx <= FIX_ACPI_END) return `FIX_ACPI_BEGIN+${idx - FIX_ACPI_BEGIN}`;
  if (idx === FIX_PCIE_MCFG) return "FIX_PCIE_MCFG";
  if (idx >= FIX_BTMAP_END && idx <= FIX_BTMAP_BEGIN) return `FIX_BTMAP_END+${idx - FIX_BTMAP_END}`;
  if (idx === FIX_WP_TEST) return "FIX_WP_TEST";
  return `fixmap ${idx}`;
}

/** Every fixmap slot (permanent and boot-time), lowest index (highest address) first. */
export function fixSlots(k: Kernel): FixSlot[] {
  const out: FixSlot[] = [];
  for (let idx = 0; idx < __end_of_fixed_addresses; idx++) {
    const addr = __fix_to_virt(idx);
    const levels = walk(k.machine, k.pa.swapper_pg_dir, addr);
    const leaf = levels[levels.length - 1]!;
    const mapped = leaf.level === "pte" && pte_present(leaf.entry);
    out.push({
      idx,
      name: fixName(idx),
      addr,
      pfn: mapped ? pte_pfn(leaf.entry) : -1,
      pte: leaf.level === "pte" ? leaf.entry : 0,
      boot: idx >= __end_of_permanent_fixed_addresses,
    });
  }
  return out;
}

/** The frame the kernel's tables map at `addr` (4 KiB or large page), or -1. */
export function leafPfn(k: Kernel, addr: number): number {
  const levels = walk(k.machine, k.pa.swapper_pg_dir, addr);
  const leaf = levels[levels.length - 1]!;
  if (!leaf.present) return -1;
  if (leaf.large) {
    const size = k.machine.paging.pae ? 2 << 20 : 4 << 20;
    return pte_pfn(leaf.entry) + Math.floor((addr % size) / 4096);
  }
  return leaf.level === "pte" ? pte_pfn(leaf.entry) : -1;
}
