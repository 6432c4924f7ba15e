/*
 * boot-log.ts — what `i386mm boot` prints: the kernel's boot messages as page-alloc logged them
 * (BIOS-e820 map and Zone ranges in 6.1's format, HIGHMEM/LOWMEM available, the per-zone pages
 * with their LIFO batch, Built N zonelists, the Memory: line, min_free_kbytes) plus the
 * "virtual kernel memory layout:" block that 2.6.28 .. 4.x kernels printed in mem_init
 * (arch/x86/mm/init_32.c), computed from pa.layout. 2.6.11 itself did not print that block; the
 * demo adds it right after the Memory: line, where those kernels put it.
 * Invariant: every number comes from the booted model; nothing here is a literal.
 */

import type { Kernel } from "./kernel.js";

/** `0x%08lx`. */
function x8(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/** One region line: name padded to 8, `0x%08lx - 0x%08lx   (%4ld kB|MB)`. */
function region(name: string, start: number, end: number, unit: "kB" | "MB", indent = 4): string {
  const size = unit === "kB" ? Math.trunc((end - start) / 1024) : Math.trunc((end - start) / 2 ** 20);
  return `${" ".repeat(indent)}${name.padEnd(indent === 4 ? 8 : 6)}: ${x8(start)} - ${x8(end)}   (${String(size).padStart(4)} ${unit})`;
}

/** The section addresses the block needs (page-alloc's KernelLayout carries them). */
export interface LayoutNumbers {
  readonly FIXADDR_START: number;
  readonly FIXADDR_TOP: number;
  readonly PKMAP_BASE: number;
  readonly LAST_PKMAP: number;
  readonly VMALLOC_START: number;
  readonly VMALLOC_END: number;
  readonly PAGE_OFFSET: number;
  readonly high_memory: number;
  readonly _text: number;
  readonly _etext: number;
  readonly _edata: number;
  readonly __init_begin: number;
  readonly __init_end: number;
}

/** The "virtual kernel memory layout:" block, in the format of ../shared/oracle/README.md. */
export function virtualLayoutBlock(l: LayoutNumbers): string[] {
  return [
    "virtual kernel memory layout:",
    region("fixmap", l.FIXADDR_START, l.FIXADDR_TOP, "kB"),
    region("pkmap", l.PKMAP_BASE, l.PKMAP_BASE + l.LAST_PKMAP * 4096, "kB"),
    region("vmalloc", l.VMALLOC_START, l.VMALLOC_END, "MB"),
    region("lowmem", l.PAGE_OFFSET, l.high_memory, "MB"),
    region(".init", l.__init_begin, l.__init_end, "kB", 6),
    region(".data", l._etext, l._edata, "kB", 6),
    region(".text", l._text, l._etext, "kB", 6),
  ];
}

/** The boot log: page-alloc's lines with the layout block after `Memory:`. */
export function bootLines(k: Kernel): string[] {
  const out: string[] = [];
  const block = virtualLayoutBlock(k.pa.layout);
  let placed = false;
  for (const line of k.pa.bootLog) {
    out.push(line);
    if (!placed && line.startsWith("Memory:")) {
      out.push(...block);
      placed = true;
    }
  }
  if (!placed) out.push(...block);
  return out;
}

/** The boot's numbers for --json. */
export function bootJson(k: Kernel): Record<string, unknown> {
  const pa = k.pa;
  return {
    dmesg: bootLines(k),
    e820: k.machine.e820.map.map((e) => ({ addr: e.addr, size: e.size, type: e.type })),
    zones: pa.zones.map((z) => ({
      node: pa.zones.indexOf(z) >= 0 ? nodeOf(k, z) : 0,
      name: z.name,
      zone_start_pfn: z.zone_start_pfn,
      spanned_pages: z.spanned_pages,
      present_pages: z.present_pages,
      free_pages: z.free_pages,
      pages_min: z.pages_min,
      pages_low: z.pages_low,
      pages_high: z.pages_high,
    })),
    max_low_pfn: pa.max_low_pfn,
    highstart_pfn: pa.highstart_pfn,
    max_pfn: pa.max_pfn,
    num_physpages: pa.num_physpages,
    totalram_pages: pa.totalram_pages,
    totalhigh_pages: pa.totalhigh_pages,
    reservedpages: pa.reservedpages,
    nr_free_pages: pa.nr_free_pages(),
    min_free_kbytes: pa.min_free_kbytes,
    layout: { ...pa.layout },
  };
}

function nodeOf(k: Kernel, z: object): number {
  const i = k.pa.node_data.findIndex((n) => (n.node_zones as readonly object[]).includes(z));
  return Math.max(i, 0);
}
