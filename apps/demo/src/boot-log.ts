/*
 * boot-log.ts — what `i386mm boot` prints: the kernel's boot messages as page-alloc logged them,
 * in 2.6.11's formats by default (print_memory_map's BIOS-e820 lines, HIGHMEM/LOWMEM available,
 * the per-zone pages with their LIFO batch, Built N zonelists, the Memory: line) or, with
 * `--boot-log 6.1`, with 6.1's BIOS-e820 lines and its Zone ranges block where the two kernels
 * differ (the oracle comparisons use that). Lines no kernel of either version prints here are the
 * model's and say so with an "i386mm:" prefix: the "virtual kernel memory layout:" block that
 * 2.6.28 .. 4.x printed in mem_init (arch/x86/mm/init_32.c), rendered by page-alloc's
 * virtual_kernel_memory_layout, announced by one such line, and min_free_kbytes at the end.
 * Invariant: every number comes from the booted model; nothing here is a literal.
 */

import { SIZEOF_STRUCT_PAGE, virtual_kernel_memory_layout } from "@i386mm/page-alloc";
import type { Kernel } from "./kernel.js";

/** The line that introduces the layout block 2.6.11 did not print. */
export const LAYOUT_BLOCK_NOTE =
  "i386mm: the next lines are the layout block 2.6.28 .. 4.x print here (2.6.11 does not):";

/** The boot log: page-alloc's lines, the labelled layout block after `Memory:`, min_free_kbytes. */
export function bootLines(k: Kernel): string[] {
  const out: string[] = [];
  const block = virtual_kernel_memory_layout(k.pa.layout);
  let placed = k.pa.bootLog.includes(block[0]!);
  for (const line of k.pa.bootLog) {
    out.push(line);
    if (!placed && line.startsWith("Memory:")) {
      out.push(LAYOUT_BLOCK_NOTE, ...block);
      placed = true;
    }
  }
  if (!placed) out.push(LAYOUT_BLOCK_NOTE, ...block);
  out.push(
    `i386mm: min_free_kbytes ${k.pa.min_free_kbytes} (init_per_zone_pages_min; no kernel prints it: /proc/sys/vm/min_free_kbytes)`,
  );
  out.push(...numaRemapNote(k));
  const lost = ramAboveCpuLimit(k);
  if (lost > 0)
    out.push(
      `i386mm: ${lost >> 20}MB of the RAM QEMU would relocate above 4GB lies beyond the CPU's 36-bit physical space: the map ends at 64GB (QEMU 7.1+ refuses such a machine: "phys-bits too low")`,
    );
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

/**
 * Bytes of installed RAM QEMU's map (hw-i386 qemuE820) leaves out: from 3.5 GiB on, QEMU puts all
 * but 3 GiB from 4 GiB up, and what would end past the CPU's 36-bit space is not in the map.
 */
function ramAboveCpuLimit(k: Kernel): number {
  const installed = k.opts.memBytes;
  if (k.opts.e820 !== undefined || installed < 0xe0000000) return 0;
  return Math.max(0, 2 ** 32 + (installed - 0xc0000000) - 2 ** 36);
}

/**
 * Rough sizeof(pg_data_t) of a 2.6.11 i386 SMP build (three struct zone with their free_area and
 * per-CPU pagesets, the zonelists) [U: not computed from a real build; it only matters where the
 * mem_map size falls within a few KiB of a large-page boundary].
 */
const PG_DATA_T_ESTIMATE = 8 * 1024;

/**
 * What 2.6.11's i386 NUMA setup_memory (arch/i386/mm/discontig.c, calculate_numa_remap_pages)
 * does that the model does not: it reserves kernel virtual space for every other node's mem_map
 * and pg_data_t, rounded up to large pages, takes that many frames off the node's end ("Shrinking
 * node ..."), and lowers max_low_pfn (so lowmem and VMALLOC_START move) by as much. The model
 * keeps every node's mem_map in node 0's lowmem and 896 MB of lowmem: these lines say so, with
 * the numbers 2.6.11's formula gives.
 */
function numaRemapNote(k: Kernel): string[] {
  const nodes = k.pa.node_data;
  if (nodes.length < 2) return [];
  const large = k.opts.pae ? 2 << 20 : 4 << 20;
  const out: string[] = [];
  let reserve = 0;
  for (let nid = 1; nid < nodes.length; nid++) {
    const n = nodes[nid]!;
    const end = n.node_start_pfn + n.node_spanned_pages;
    const bytes = (end - n.node_start_pfn + 1) * SIZEOF_STRUCT_PAGE + PG_DATA_T_ESTIMATE;
    const pages = Math.ceil(bytes / large) * (large / 4096);
    reserve += pages;
    out.push(
      `i386mm: 2.6.11's NUMA setup_memory would print "Reserving ${pages} pages of KVA for lmem_map of node ${nid}" and "Shrinking node ${nid} from ${end} pages to ${end - pages} pages"`,
    );
  }
  out.push(
    `i386mm: ... and end lowmem ${reserve >> 8}MB lower (max_low_pfn - ${reserve}), moving VMALLOC_START up as much; the model keeps node 1's mem_map in node 0's lowmem and does not (README)`,
  );
  return out;
}
