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

/* state[] per frame while checking: 0 = not on any list, 1 + o = head of a free order-o block, PCP. */
const PCP = 12; // past 1 + (MAX_ORDER - 1)
const MAX_PROBLEMS = 50;
const PRIVATE = 1 << PG_private;
const RESERVED = 1 << PG_reserved;
const COMPOUND = 1 << PG_compound;
// Local copies: loops below read these per frame (a bundler may turn imports into property reads).
const ALLOC_MASK = PG_ALLOC_ORDER_MASK;
const ALLOC_SHIFT = PG_ALLOC_ORDER_SHIFT;
const NZ_SHIFT = NODEZONE_SHIFT;
const ORDERS = MAX_ORDER;

/**
 * Walk the circular list at `head`, checking its links; calls `visit` for each entry and returns
 * the entry count (stops at a link to a non-page or after `limit` entries: a cycle).
 */
function walk(
  m: MemMap,
  head: number,
  limit: number,
  problems: string[],
  what: string,
  visit: (pfn: number) => void,
): number {
  const next = m.lru_next;
  const prevs = m.lru_prev;
  let n = 0;
  let prev = head;
  for (let p = next[head]; p !== head; p = next[p]) {
    if (p < 0 || p >= m.nr_pages) {
      problems.push(`${what}: link to ${p}, which is not a page`);
      return n;
    }
    if (prevs[p] !== prev) problems.push(`${what}: pfn ${p}'s prev link does not point back`);
    if (++n > limit) {
      problems.push(`${what}: list longer than the zone (a cycle)`);
      return n;
    }
    visit(p);
    prev = p;
  }
  if (prevs[head] !== prev) problems.push(`${what}: list head's prev is not the last entry`);
  return n;
}

function checkZone(pa: PageAllocator, zone: Zone, state: Uint8Array, problems: string[]): void {
  const m = pa.mem_map;
  const flags = m.flags;
  const count = m._count;
  const base = zone.zone_start_pfn;
  const end = base + zone.spanned_pages;
  const nodezone = zone.nodezone;
  const where = `node ${zone.zone_pgdat.node_id} zone ${zone.name}`;
  // 1. The buddy free lists: every entry heads a free block of the list's order.
  let free = 0;
  for (let o = 0; o < ORDERS; o++) {
    const area = zone.free_area[o];
    const what = `${where} free_area[${o}]`;
    const n = walk(m, area.free_list, zone.spanned_pages, problems, what, (pfn) => {
      const f = flags[pfn];
      if (pfn < base || pfn + (1 << o) > end)
        problems.push(`${where}: free block at pfn ${pfn} order ${o} is outside the zone`);
      else if ((pfn - base) & ((1 << o) - 1))
        problems.push(`${where}: free block at pfn ${pfn} is not aligned to its order ${o}`);
      if (!(f & PRIVATE) || m.private[pfn] !== o)
        problems.push(`${what}: block head pfn ${pfn} does not carry PG_private with private == ${o}`);
      if (count[pfn] !== -1)
        problems.push(`${where}: free block head pfn ${pfn} has count ${count[pfn] + 1}`);
      if (f & RESERVED) problems.push(`${where}: free block head pfn ${pfn} is PG_reserved`);
      if (f & ALLOC_MASK) problems.push(`${where}: free block head pfn ${pfn} is marked allocated`);
      if (f >>> NZ_SHIFT !== nodezone)
        problems.push(`${where}: free block pfn ${pfn} belongs to another zone`);
      if (state[pfn]) problems.push(`${where}: pfn ${pfn} is on two free lists`);
      state[pfn] = 1 + o;
      free += 1 << o;
    });
    if (n !== area.nr_free)
      problems.push(`${what}.nr_free is ${area.nr_free} but the list holds ${n} blocks`);
  }
  if (free !== zone.free_pages)
    problems.push(`${where}: free_pages is ${zone.free_pages} but the lists hold ${free} pages`);
  // 2. The per-CPU lists: free order-0 pages that the buddy lists count as allocated.
  if (zone.pcp_lists.length !== zone.pageset.length * 2)
    problems.push(`${where}: pcp_lists holds ${zone.pcp_lists.length} lists for ${zone.pageset.length} CPUs`);
  for (let cpu = 0; cpu < zone.pageset.length; cpu++) {
    for (let t = 0; t < 2; t++) {
      const pcp = zone.pageset[cpu].pcp[t];
      const what = `${where} cpu ${cpu} ${t ? "cold" : "hot"} list`;
      if (zone.pcp_lists[cpu * 2 + t] !== pcp)
        problems.push(`${what}: pcp_lists[${cpu * 2 + t}] is another list`);
      const n = walk(m, pcp.list, zone.spanned_pages, problems, what, (p) => {
        if (p < base || p >= end || flags[p] >>> NZ_SHIFT !== nodezone)
          problems.push(`${what}: pfn ${p} does not belong to the zone`);
        if (state[p]) problems.push(`${what}: pfn ${p} is also on another free list`);
        state[p] = PCP;
        if (count[p] !== -1) problems.push(`${what}: pfn ${p} has a reference`);
        if (flags[p] & (PRIVATE | RESERVED | ALLOC_MASK))
          problems.push(`${what}: pfn ${p} carries PG_private, PG_reserved or an allocation mark`);
      });
      if (n !== pcp.count) problems.push(`${what}: count is ${pcp.count} but the list holds ${n} pages`);
      if (pcp.count > pcp.high) problems.push(`${what}: count ${pcp.count} is above high ${pcp.high}`);
    }
  }
  // 3. One sweep over the zone's frames: each is inside a free block, on a per-CPU list, inside an
  //    allocated block, reserved, or referenced; nothing overlaps and no free buddies stay apart.
  let p = base;
  while (p < end) {
    if (problems.length > MAX_PROBLEMS) return;
    const s = state[p];
    const f = flags[p];
    if (s > 0 && s !== PCP) {
      const o = s - 1;
      const last = Math.min(end, p + (1 << o));
      for (let q = p + 1; q < last; q++) {
        if (state[q]) problems.push(`${where}: pfn ${q} is in two free blocks or lists`);
        if (flags[q] & (PRIVATE | RESERVED | ALLOC_MASK))
          problems.push(
            `${where}: pfn ${q} inside the free block at ${p} carries PG_private, PG_reserved or an allocation mark`,
          );
        if (count[q] !== -1)
          problems.push(`${where}: pfn ${q} inside the free block at ${p} has a reference`);
      }
      if (o < ORDERS - 1) {
        const buddy = base + ((p - base) ^ (1 << o));
        if (buddy >= base && buddy < end && state[buddy] === s)
          problems.push(
            `${where}: free buddies pfn ${Math.min(p, buddy)} and ${Math.max(p, buddy)} of order ${o} are not merged`,
          );
      }
      p = last;
      continue;
    }
    if (s === PCP) {
      p++;
      continue;
    }
    const mark = (f & ALLOC_MASK) >>> ALLOC_SHIFT;
    if (mark > 0) {
      const k = mark - 1;
      if (count[p] < 0)
        problems.push(`${where}: pfn ${p} heads an allocated order-${k} block but has no reference`);
      if ((p - base) & ((1 << k) - 1))
        problems.push(`${where}: allocated block at pfn ${p} is not aligned to its order ${k}`);
      const compound = (f & COMPOUND) !== 0;
      if (compound && (k === 0 || m.private[p] !== p || m.index[p + 1] !== k))
        problems.push(`${where}: compound page at pfn ${p} has a broken head (private or page[1].index)`);
      const last = Math.min(end, p + (1 << k));
      for (let q = p + 1; q < last; q++) {
        if (state[q]) problems.push(`${where}: pfn ${q} is free but inside the allocated block at ${p}`);
        if (flags[q] & ALLOC_MASK)
          problems.push(`${where}: pfn ${q} heads a block inside the allocated block at ${p}`);
        if (compound && (!(flags[q] & COMPOUND) || m.private[q] !== p))
          problems.push(`${where}: compound tail pfn ${q} does not point at its head ${p}`);
      }
      p = last;
      continue;
    }
    if (!(f & RESERVED) && count[p] < 0)
      problems.push(`${where}: pfn ${p} is neither reserved, free, on a per-CPU list nor allocated (lost)`);
    p++;
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
  // The model's record of requests by size (get-order.ts) names only allocated block heads.
  let sized = 0;
  for (const [pfn] of pa.sized_requests.liveBlocks()) {
    sized++;
    if (!(pfn >= 0 && pfn < m.nr_pages) || m._count[pfn] < 0)
      problems.push(`sized_requests: live block at pfn ${pfn} is not allocated`);
  }
  if (sized !== pa.sized_requests.liveCount)
    problems.push(`sized_requests: liveCount ${pa.sized_requests.liveCount} != ${sized} live blocks`);
  if (problems.length > 0) throw new InvariantError(problems);
}
