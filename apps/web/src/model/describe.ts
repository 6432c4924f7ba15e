/*
 * describe.ts — the descriptor a hover shows: a frame's struct page (pfn, flags with their PG_
 * names, _count, _mapcount, mapping, index, private) and who owns it, in the kernel's words (the
 * free_area list and block, the slab cache and struct slab, the vm_struct, the inode, the
 * processes and addresses mapping it, the page tables it holds).
 */

import { hex, type Kernel } from "@i386mm/demo";
import { asPage, PAGE_OFFSET } from "@i386mm/hw-i386";
import { PAGE_FLAG_NAMES, PG_KERNEL_BITS_MASK } from "@i386mm/page-alloc";
import { S_ISBLK } from "@i386mm/page-cache";
import { PAGE_MAPPING_ANON } from "@i386mm/vma";
import { type FrameMap, freeBlockOf, zoneOf } from "./frames.js";
import { OWNER_LABEL, Owner } from "./owners.js";
import { slabOfPage } from "./slabs.js";

/** A descriptor: a title and name/value rows. */
export interface Descriptor {
  readonly title: string;
  readonly rows: readonly (readonly [string, string])[];
}

/** PG_ names of the flag bits set (the zone bits at the top left out). */
export function pageFlagNames(flags: number): string[] {
  const out: string[] = [];
  PAGE_FLAG_NAMES.forEach((name, bit) => {
    if (bit < 29 && flags & (1 << bit)) out.push(`PG_${name}`);
  });
  return out;
}

/** The struct page of `pfn` and its owner. */
export function describeFrame(k: Kernel, fm: FrameMap, pfn: number): Descriptor {
  const pa = k.pa;
  const m = pa.mem_map;
  const page = asPage(pfn);
  const o = fm.owner[pfn]!;
  const z = zoneOf(k, pfn);
  // The kernel's flag bits and the zone number at the top; page-alloc keeps its own bookkeeping
  // in bits 2.6.11 leaves unused, which the kernel would not show.
  const flags = (m.flags[pfn]! & (PG_KERNEL_BITS_MASK | 0xe0000000)) >>> 0;
  const virt = pa.page_address(page);
  const rows: [string, string][] = [
    ["struct page", `${hex(pa.mem_map_virt + pfn * 32, 8)} (mem_map[${pfn}])`],
    ["pfn", `${hex(pfn)} (phys ${hex(pfn * 4096, 8)})`],
    ["zone", z ? `${z.name} (node ${z.zone_pgdat.node_id})` : "-"],
    ["flags", `${hex(flags >>> 0, 8)} ${pageFlagNames(flags).join("|") || "-"}`],
    // Stored biased by -1, as 2.6.11's atomic_t _count and _mapcount (include/linux/mm.h).
    ["_count", `${m._count[pfn]!} (page_count ${m._count[pfn]! + 1})`],
    ["_mapcount", `${m._mapcount[pfn]!} (page_mapcount ${m._mapcount[pfn]! + 1})`],
    ["mapping", mappingText(k, pfn)],
    ["index", String(m.index[pfn])],
    ["private", hex(m.private[pfn]!)],
    ["address", virt === null ? "NULL (highmem, not kmapped)" : hex(virt, 8)],
    ["owner", ownerText(k, fm, pfn)],
  ];
  return {
    title: `frame ${hex(pfn)}: ${o === Owner.FREE ? `free, order ${fm.order[pfn]}` : OWNER_LABEL[o]}`,
    rows,
  };
}

function mappingText(k: Kernel, pfn: number): string {
  const h = k.pa.mem_map.mapping[pfn]!;
  if (h === 0) return "NULL";
  if (h & PAGE_MAPPING_ANON)
    return `${hex(h, 8)} (anon_vma ${hex(h - PAGE_MAPPING_ANON, 8)} | PAGE_MAPPING_ANON)`;
  const as = k.pc.page_mapping(asPage(pfn));
  if (!as) return hex(h, 8);
  const host = as.host;
  return `${hex(h, 8)} (address_space of ${S_ISBLK(host.i_mode) ? "block device" : "inode"} ${host.i_ino}, ${as.nrpages} pages)`;
}

/** One line: who owns the frame, in the kernel's structures. */
export function ownerText(k: Kernel, fm: FrameMap, pfn: number): string {
  const o = fm.owner[pfn]!;
  const users = fm.userMaps.get(pfn);
  const mapped = users?.length
    ? `; mapped by ${users
        .slice(0, 4)
        .map((u) => `pid ${u.pid} (${u.comm}) at ${hex(u.va, 8)}`)
        .join(", ")}${users.length > 4 ? ` and ${users.length - 4} more` : ""}`
    : "";
  switch (o) {
    case Owner.FREE: {
      const b = freeBlockOf(k, fm, pfn)!;
      const z = zoneOf(k, pfn);
      return `free block of order ${b.order}: pfn ${hex(b.head)}-${hex(b.head + (1 << b.order) - 1)} on ${z?.name ?? "?"} free_area[${b.order}]`;
    }
    case Owner.PCP:
      return "free, on a per-CPU hot/cold list (zone->pageset[cpu].pcp)";
    case Owner.SLAB: {
      const s = slabOfPage(k, pfn);
      return s
        ? `slab of cache "${s.cache.name}": struct slab ${hex(s.desc, 8)}, ${s.inuse}/${s.cache.num} objects in use`
        : "slab";
    }
    case Owner.VMALLOC: {
      const v = fm.vmalloc.get(pfn)!;
      return `vmalloc area ${hex(v.area.addr, 8)}-${hex(v.area.addr + v.area.size, 8)}, page ${v.index} (mapped at ${hex(v.area.addr + v.index * 4096, 8)})`;
    }
    case Owner.PAGETABLE: {
      const t = fm.pageTables.get(pfn)!;
      return `${t.level} table of ${t.owner}, mapping ${hex(t.start, 8)}-${hex((t.end - 1) >>> 0, 8)}`;
    }
    case Owner.PAGECACHE:
    case Owner.BUFFERS:
    case Owner.USER:
      return `${OWNER_LABEL[o]}${mapped}`;
    case Owner.RESERVED:
      return pfn * 4096 < k.pa.max_low_pfn * 4096 && pfn * 4096 + PAGE_OFFSET < k.pa.high_memory
        ? "PG_reserved (kernel image, bootmem allocations, BIOS areas, mem_map)"
        : "PG_reserved";
    default:
      return `allocated (count ${k.pa.page_count(asPage(pfn))})${mapped}`;
  }
}
