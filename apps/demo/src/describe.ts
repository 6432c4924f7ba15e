/*
 * describe.ts — how kernel structures print in a scenario: a kmem_cache_t with its geometry,
 * colouring and the three slab lists (mm/slab.c), a struct slab read back from simulated RAM
 * (GET_PAGE_SLAB), a vm_struct (mm/vmalloc.c), a struct zone with its watermarks and a
 * pg_data_t node (include/linux/mmzone.h).
 * Only reads layer state; list lengths are counted by walking the slab lists as
 * /proc/slabinfo's s_show does.
 */

import { PAGE_OFFSET } from "@i386mm/hw-i386";
import type { PageAllocator, pg_data_t, Zone } from "@i386mm/page-alloc";
import type { kmem_cache_t, SlabAllocator, vm_struct } from "@i386mm/slab";
import { SLAB_COLOUROFF, SLAB_FREE, SLAB_INUSE, SLAB_S_MEM } from "@i386mm/slab/internal";
import { hex } from "./values.js";

/** struct slab as the kernel keeps it in memory, read from simulated RAM. */
export interface StructSlab {
  /** Address of the descriptor (on-slab: inside the slab; off-slab: an object of slabp_cache). */
  readonly addr: number;
  readonly colouroff: number;
  readonly s_mem: number;
  readonly inuse: number;
  readonly free: number;
}

/** Lengths of a cache's three slab lists. */
export function slabListLengths(
  s: SlabAllocator,
  c: kmem_cache_t,
): { full: number; partial: number; free: number } {
  return {
    full: s.slabs.list_count(c.lists.slabs_full),
    partial: s.slabs.list_count(c.lists.slabs_partial),
    free: s.slabs.list_count(c.lists.slabs_free),
  };
}

/** GET_PAGE_SLAB(page): page->lru.prev, then the struct slab it points at, read from RAM. */
export function getPageSlab(s: SlabAllocator, pfn: number): StructSlab | null {
  const h = s.pa.mem_map.lru_prev[pfn] ?? 0;
  const desc = h > 0 ? (s.slabs.desc[h] ?? 0) : 0;
  if (desc === 0) return null;
  const ram = s.machine.ram;
  const pa = desc - PAGE_OFFSET;
  return {
    addr: desc,
    colouroff: ram.read32(pa + SLAB_COLOUROFF),
    s_mem: ram.read32(pa + SLAB_S_MEM),
    inuse: ram.read32(pa + SLAB_INUSE),
    free: ram.read16(pa + SLAB_FREE),
  };
}

/** One-line description of a kmem_cache_t. */
export function describeCache(s: SlabAllocator, c: kmem_cache_t, cpu: number): string {
  const l = slabListLengths(s, c);
  const ac = c.array[cpu];
  const sh = c.lists.shared;
  const arr =
    (ac ? `, cpu${cpu} array ${ac.avail}/${ac.limit} (batch ${ac.batchcount})` : "") +
    (sh ? `, shared array ${sh.avail}/${sh.limit}` : "");
  return (
    `(kmem_cache_t *)"${c.name}" objsize ${c.objsize}, ${c.num} per slab of ${2 ** c.gfporder} page(s), ` +
    `colour ${c.colour} x ${c.colour_off} (next ${c.colour_next}), slabs full ${l.full} partial ${l.partial} ` +
    `free ${l.free}, free_objects ${c.lists.free_objects}${arr}`
  );
}

/** One-line description of a struct slab. */
export function describeSlab(sl: StructSlab): string {
  return `(struct slab *)${hex(sl.addr, 8)} colouroff ${sl.colouroff} (${hex(sl.colouroff)}), s_mem ${hex(sl.s_mem, 8)}, inuse ${sl.inuse}, free ${sl.free === 0xffff ? "BUFCTL_END" : sl.free}`;
}

/** One-line description of a vm_struct. */
export function describeVm(v: vm_struct): string {
  return `(struct vm_struct *)${hex(v.desc, 8)} addr ${hex(v.addr, 8)}-${hex(v.addr + v.size, 8)} size ${v.size} (incl. 4096-byte guard page), nr_pages ${v.nr_pages}, flags ${hex(v.flags >>> 0)}`;
}

/** One-line description of a pg_data_t (struct pglist_data): the node, its span and zones. */
export function describeNode(pa: PageAllocator, n: pg_data_t): string {
  const zones = n.node_zones
    .filter((z) => z.present_pages > 0)
    .map((z) => `${z.name} ${z.present_pages}`)
    .join(", ");
  const memMap = pa.node_mem_map_virt[n.node_id] ?? 0;
  return (
    `(pg_data_t *)node ${n.node_id} node_start_pfn ${hex(n.node_start_pfn)} present ${n.node_present_pages} ` +
    `spanned ${n.node_spanned_pages} nr_zones ${n.nr_zones} zones [${zones}] node_mem_map ${hex(memMap, 8)} ` +
    `kswapd_max_order ${n.kswapd_max_order} next ${n.pgdat_next === null ? "NULL" : `node ${n.pgdat_next.node_id}`}`
  );
}

/** One-line description of a struct zone. */
export function describeZone(z: Zone): string {
  return `(struct zone *)"${z.name}" node ${z.zone_pgdat.node_id} start_pfn ${hex(z.zone_start_pfn)} present ${z.present_pages} free ${z.free_pages} min ${z.pages_min} low ${z.pages_low} high ${z.pages_high} lowmem_reserve [${z.lowmem_reserve.join(", ")}]`;
}
