/**
 * checkPageAllocInvariants: every rule the page allocator's structures must obey, checked in full.
 * Models the BUG_ONs and the invariants stated around mm/page_alloc.c (2.6.11): bad_range,
 * page_is_buddy, free_area accounting, the per-CPU lists.
 * Statements checked: every frame is reserved, or free inside exactly one buddy block of the right
 * order and alignment, or on exactly one per-CPU list, or allocated (a referenced page, or a page of
 * an allocated block); nr_free and free_pages agree with the lists; no two free buddies of one
 * order stay unmerged; per-CPU counts match their lists. Read-only: O(frames) per call.
 */
import { InvariantError } from "@i386mm/hw-i386";
import type { MemMap } from "./mem-map.js";
import { MAX_ORDER, type Zone } from "./mmzone.js";
import type { PageAllocator } from "./page-alloc.js";
import {
  NODEZONE_SHIFT,
  PG_ALLOC_ORDER_MASK,
  PG_ALLOC_ORDER_SHIFT,
  PG_compound,
  PG_private,
  PG_reserved,
} from "./page-flags.js";

const FREE = 1;
const PCP = 2;
const ALLOC = 3;
const MAX_PROBLEMS = 50;

function walk(m: MemMap, head: number, limit: number, problems: string[], what: string): number[] {
  const out: number[] = [];
  let prev = head;
  for (let p = m.lru_next[head]; p !== head; p = m.lru_next[p]) {
    if (p < 0 || p >= m.nr_pages) {
      problems.push(`${what}: link to ${p}, which is not a page`);
      return out;
    }
    if (m.lru_prev[p] !== prev) problems.push(`${what}: pfn ${p}'s prev link does not point back`);
    out.push(p);
    prev = p;
    if (out.length > limit) {
      problems.push(`${what}: list longer than the zone (a cycle)`);
      return out;
    }
  }
  if (m.lru_prev[head] !== prev) problems.push(`${what}: list head's prev is not the last entry`);
  return out;
}

function checkZone(pa: PageAllocator, zone: Zone, state: Uint8Array, problems: string[]): void {
  const m = pa.mem_map;
  const base = zone.zone_start_pfn;
  const end = base + zone.spanned_pages;
  const where = `node ${zone.zone_pgdat.node_id} zone ${zone.name}`;
  let free = 0;
  for (let o = 0; o < MAX_ORDER; o++) {
    const area = zone.free_area[o];
    const blocks = walk(m, area.free_list, zone.spanned_pages, problems, `${where} free_area[${o}]`);
    if (blocks.length !== area.nr_free)
      problems.push(
        `${where} free_area[${o}].nr_free is ${area.nr_free} but the list holds ${blocks.length} blocks`,
      );
    for (const pfn of blocks) {
      const f = m.flags[pfn];
      if (pfn < base || pfn + (1 << o) > end)
        problems.push(`${where}: free block at pfn ${pfn} order ${o} is outside the zone`);
      else if ((pfn - base) & ((1 << o) - 1))
        problems.push(`${where}: free block at pfn ${pfn} is not aligned to its order ${o}`);
      if (!(f & (1 << PG_private)) || m.private[pfn] !== o)
        problems.push(
          `${where}: free block head pfn ${pfn} on list ${o} does not carry PG_private with private == ${o}`,
        );
      if (m._count[pfn] !== -1)
        problems.push(`${where}: free block head pfn ${pfn} has count ${m._count[pfn] + 1}`);
      if (f & (1 << PG_reserved)) problems.push(`${where}: free block head pfn ${pfn} is PG_reserved`);
      if (f >>> NODEZONE_SHIFT !== zone.nodezone)
        problems.push(`${where}: free block pfn ${pfn} belongs to another zone`);
      for (let i = 0; i < 1 << o && pfn + i < end; i++) {
        const p = pfn + i;
        if (state[p]) problems.push(`${where}: pfn ${p} is in two free blocks or lists`);
        state[p] = FREE;
        if (i > 0 && m.flags[p] & ((1 << PG_private) | (1 << PG_reserved)))
          problems.push(`${where}: pfn ${p} inside a free block carries PG_private or PG_reserved`);
        if (i > 0 && m._count[p] !== -1)
          problems.push(`${where}: pfn ${p} inside a free block has a reference`);
      }
      free += 1 << o;
      if (o < MAX_ORDER - 1) {
        const buddy = base + ((pfn - base) ^ (1 << o));
        if (buddy >= base && buddy < end && buddy !== pfn) {
          const bf = m.flags[buddy];
          if (
            bf & (1 << PG_private) &&
            m.private[buddy] === o &&
            !(bf & (1 << PG_reserved)) &&
            m._count[buddy] === -1 &&
            bf >>> NODEZONE_SHIFT === zone.nodezone
          )
            problems.push(
              `${where}: free buddies pfn ${Math.min(pfn, buddy)} and ${Math.max(pfn, buddy)} of order ${o} are not merged`,
            );
        }
      }
    }
  }
  if (free !== zone.free_pages)
    problems.push(`${where}: free_pages is ${zone.free_pages} but the lists hold ${free} pages`);
  zone.pageset.forEach((pset, cpu) => {
    pset.pcp.forEach((pcp, t) => {
      const what = `${where} cpu ${cpu} ${t ? "cold" : "hot"} list`;
      const pages = walk(m, pcp.list, zone.spanned_pages, problems, what);
      if (pages.length !== pcp.count)
        problems.push(`${what}: count is ${pcp.count} but the list holds ${pages.length} pages`);
      if (pcp.count > pcp.high) problems.push(`${what}: count ${pcp.count} is above high ${pcp.high}`);
      for (const p of pages) {
        if (p < base || p >= end || m.flags[p] >>> NODEZONE_SHIFT !== zone.nodezone)
          problems.push(`${what}: pfn ${p} does not belong to the zone`);
        if (state[p]) problems.push(`${what}: pfn ${p} is also on another free list`);
        state[p] = PCP;
        if (m._count[p] !== -1) problems.push(`${what}: pfn ${p} has a reference`);
        if (m.flags[p] & ((1 << PG_private) | (1 << PG_reserved)))
          problems.push(`${what}: pfn ${p} carries PG_private or PG_reserved`);
      }
    });
  });
  // Allocated blocks: a head with an order mark and a reference covers its tail pages.
  for (let p = base; p < end; p++) {
    const f = m.flags[p];
    const mark = (f & PG_ALLOC_ORDER_MASK) >>> PG_ALLOC_ORDER_SHIFT;
    if (mark === 0) continue;
    if (state[p])
      problems.push(`${where}: pfn ${p} is free but still marked as an allocated order-${mark - 1} head`);
    if (m._count[p] < 0 && !(f & (1 << PG_compound)))
      problems.push(`${where}: pfn ${p} heads an allocated block but has no reference`);
    for (let i = 0; i < 1 << (mark - 1) && p + i < end; i++) {
      if (state[p + i] === FREE || state[p + i] === PCP)
        problems.push(`${where}: pfn ${p + i} is free but inside the allocated block at ${p}`);
      state[p + i] = ALLOC;
    }
  }
  for (let p = base; p < end; p++) {
    if (state[p]) continue;
    if (m.flags[p] & (1 << PG_reserved)) continue;
    if (m._count[p] >= 0) continue;
    problems.push(`${where}: pfn ${p} is neither reserved, free, on a per-CPU list nor allocated (lost)`);
    if (problems.length > MAX_PROBLEMS) return;
  }
}

/** Throw InvariantError listing every broken page-allocator invariant; return nothing when all hold. */
export function checkPageAllocInvariants(pa: PageAllocator): void {
  const problems: string[] = [];
  const m = pa.mem_map;
  const state = new Uint8Array(m.nr_pages);
  for (const pgdat of pa.node_data) {
    let present = 0;
    for (const zone of pgdat.node_zones) {
      present += zone.present_pages;
      if (zone.present_pages !== zone.spanned_pages)
        problems.push(`zone ${zone.name}: present_pages differs from spanned_pages (i386 passes no holes)`);
      if (pa.zone_table[zone.nodezone] !== zone)
        problems.push(`zone ${zone.name}: zone_table does not point at it`);
      checkZone(pa, zone, state, problems);
      if (problems.length > MAX_PROBLEMS) break;
    }
    if (present !== pgdat.node_present_pages)
      problems.push(
        `node ${pgdat.node_id}: node_present_pages ${pgdat.node_present_pages} != sum of zones ${present}`,
      );
  }
  if (pa.page_address_htable.inUse() > 0) {
    for (const bucket of pa.page_address_htable.buckets) {
      for (const e of bucket) {
        const pfn = pa.page_address_htable.mapPage[e];
        if (!pa.PageHighMem(pfn as never)) problems.push(`page_address_htable holds lowmem pfn ${pfn}`);
      }
    }
  }
  if (problems.length > 0) throw new InvariantError(problems);
}
