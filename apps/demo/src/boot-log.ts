/*
 * boot-log.ts — what `i386mm boot` prints: the kernel's boot messages as page-alloc logged them
 * (BIOS-e820 map and Zone ranges in 6.1's format, HIGHMEM/LOWMEM available, the per-zone pages
 * with their LIFO batch, Built N zonelists, the Memory: line, min_free_kbytes) plus the
 * "virtual kernel memory layout:" block that 2.6.28 .. 4.x kernels printed in mem_init
 * (arch/x86/mm/init_32.c), rendered by page-alloc's virtual_kernel_memory_layout from pa.layout.
 * 2.6.11 itself did not print that block; the demo adds it right after the Memory: line, where
 * those kernels put it (unless page-alloc's log already holds it).
 * Invariant: every number comes from the booted model; nothing here is a literal.
 */

import { virtual_kernel_memory_layout } from "@i386mm/page-alloc";
import type { Kernel } from "./kernel.js";

/** The boot log: page-alloc's lines with the layout block after `Memory:`. */
export function bootLines(k: Kernel): string[] {
  const out: string[] = [];
  const block = virtual_kernel_memory_layout(k.pa.layout);
  let placed = k.pa.bootLog.includes(block[0]!);
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
