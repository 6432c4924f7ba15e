/**
 * The kernel's virtual memory layout after boot, and the kernel image's place in it.
 * Models the numbers behind arch/i386/mm/init.c's layout (2.6.11: PAGE_OFFSET, high_memory,
 * VMALLOC_START/END, PKMAP_BASE, FIXADDR_START/TOP) and the section symbols of
 * arch/i386/kernel/vmlinux.lds.S (_text, _etext, _edata, __init_begin, __init_end, _end).
 * Invariants: PAGE_OFFSET <= _text < _etext <= _edata <= __init_begin < __init_end <= _end;
 * high_memory + 8 MiB <= VMALLOC_START < VMALLOC_END < PKMAP_BASE < FIXADDR_START < FIXADDR_TOP.
 * Computed once at boot; read-only afterwards.
 */
import {
  FIXADDR_BOOT_START,
  FIXADDR_START,
  FIXADDR_TOP,
  LAST_PKMAP,
  PAGE_OFFSET,
  PAGE_SIZE,
  PKMAP_BASE,
  VMALLOC_END,
  VMALLOC_OFFSET,
  VMALLOC_START,
} from "@i386mm/hw-i386";
import type { KernelImage } from "./boot.js";

/*
 *  0xC0000000      high_memory   +8..16 MiB      VMALLOC_END  PKMAP_BASE          FIXADDR_START  FIXADDR_TOP
 *      |   lowmem (direct map)   |  gap  | vmalloc area  |2 pages| pkmap (LAST_PKMAP) | .. | fixmap |   |
 *      +-------------------------+-------+---------------+-------+--------------------+----+--------+---+
 *      _text (0xC0100000) .. _etext .. _edata .. __init_begin .. __init_end .. _end   (the kernel image)
 */

/** The image's section symbols (vmlinux.lds.S), as KernelImage documents them. */
export type KernelSections = Pick<
  KernelImage,
  "_text" | "_etext" | "_edata" | "__init_begin" | "__init_end" | "_end"
>;

/** Addresses the "virtual kernel memory layout:" block prints: the areas plus the image's sections. */
export interface KernelLayout extends KernelSections {
  /** Start of the kernel's direct map (0xC0000000). */
  readonly PAGE_OFFSET: number;
  /** End of the direct-mapped lowmem. */
  readonly high_memory: number;
  /** Gap between lowmem and vmalloc (8 MiB). */
  readonly VMALLOC_OFFSET: number;
  /** Start of the vmalloc area (high_memory + 8 MiB rounded up to 8 MiB). */
  readonly VMALLOC_START: number;
  /** End of the vmalloc area (PKMAP_BASE - 2 pages). */
  readonly VMALLOC_END: number;
  /** Start of the permanent kmap window. */
  readonly PKMAP_BASE: number;
  /** Number of pkmap slots. */
  readonly LAST_PKMAP: number;
  /** Start of the permanent fixmap. */
  readonly FIXADDR_START: number;
  /** Start of the fixmap including boot-time slots. */
  readonly FIXADDR_BOOT_START: number;
  /** Top of the fixmap (0xFFFFF000). */
  readonly FIXADDR_TOP: number;
}

/** Build the layout from high_memory, the paging mode and the image's section addresses. */
export function kernelLayout(high_memory: number, pae: boolean, image: KernelSections): KernelLayout {
  return Object.freeze({
    PAGE_OFFSET,
    high_memory,
    VMALLOC_OFFSET,
    VMALLOC_START: VMALLOC_START(high_memory),
    VMALLOC_END: VMALLOC_END(pae),
    PKMAP_BASE: PKMAP_BASE(pae),
    LAST_PKMAP: LAST_PKMAP(pae),
    FIXADDR_START,
    FIXADDR_BOOT_START,
    FIXADDR_TOP,
    _text: image._text,
    _etext: image._etext,
    _edata: image._edata,
    __init_begin: image.__init_begin,
    __init_end: image.__init_end,
    _end: image._end,
  });
}

function region(name: string, start: number, end: number, unit: "kB" | "MB"): string {
  const bytes = (end >>> 0) - (start >>> 0);
  const size = unit === "MB" ? Math.floor(bytes / (1024 * 1024)) : Math.floor(bytes / 1024);
  const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
  return `    ${name.padEnd(8)}: ${hex(start)} - ${hex(end)}   (${String(size).padStart(4)} ${unit})`;
}

/**
 * The "virtual kernel memory layout:" block (printed by mem_init of 2.6.28..4.x kernels, not by
 * 2.6.11 nor 6.1) with this model's numbers, in that format.
 */
export function virtual_kernel_memory_layout(l: KernelLayout): string[] {
  return [
    "virtual kernel memory layout:",
    region("fixmap", l.FIXADDR_START, l.FIXADDR_TOP, "kB"),
    region("pkmap", l.PKMAP_BASE, l.PKMAP_BASE + l.LAST_PKMAP * PAGE_SIZE, "kB"),
    region("vmalloc", l.VMALLOC_START, l.VMALLOC_END, "MB"),
    region("lowmem", l.PAGE_OFFSET, l.high_memory, "MB"),
    region("  .init", l.__init_begin, l.__init_end, "kB"),
    region("  .data", l._etext, l._edata, "kB"),
    region("  .text", l._text, l._etext, "kB"),
  ];
}
