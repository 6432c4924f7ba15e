/*
 * checkSlabInvariants (mm/slab.c's check_slabp, s_show's accounting checks and the invariants of
 * reference 03 §12 / 04 §7, as plain-language statements). Reads only: never mutates.
 * Per cache: list membership matches inuse; each bufctl chain (in RAM) visits num - inuse
 * distinct indices and ends at BUFCTL_END; free_objects is the sum of free slots; array caches
 * respect their limits; every object is in exactly one place (a slab's free chain, an array
 * cache, or handed to a caller); every slab page has PG_slab and points back to cache and slab.
 * vmalloc: vmlist sorted and disjoint, guard ptes empty, VM_ALLOC pages mapped where they belong.
 */
import { InvariantError, lookupPte, PAGE_OFFSET, PAGE_SHIFT, PAGE_SIZE, pte_pfn } from "@i386mm/hw-i386";
import type { Page } from "@i386mm/page-alloc";
import {
  BUFCTL_END,
  SLAB_COLOUROFF,
  SLAB_FREE,
  SLAB_INUSE,
  SLAB_LIST_NEXT,
  SLAB_LIST_PREV,
  SLAB_S_MEM,
} from "./constants.js";
import { type array_cache, OFF_SLAB } from "./kmem-cache.js";
import type { SlabAllocator } from "./slab-allocator.js";
import { VM_ALLOC } from "./vmalloc.js";

// Where each object of a cache is (0 = nowhere yet): indexed by slab handle * num + index, with
// the places numbered (PLACE_CHAIN, then PLACE_ARRAY + cpu, the shared array last) so the pass
// stays in typed arrays: O(objects), no map of addresses. Scratch kept between calls (all zero
// between them: each cache's marks are cleared after it).
let place = new Uint16Array(0);
let stamp = new Uint32Array(0);
let stampNow = 0;
const PLACE_CHAIN = 1;
const PLACE_ARRAY = 2;

/** Throws InvariantError listing every broken slab/vmalloc invariant; returns when all hold. */
export function checkSlabInvariants(s: SlabAllocator): void {
  const p: string[] = [];
  const t = s.slabs;
  const mm = s.pa.mem_map;
  let totalSlabPages = 0;
  for (const c of s.cache_chain) {
    const l3 = c.lists;
    if (place.length < t.next.length * c.num) place = new Uint16Array(t.next.length * c.num * 2);
    if (stamp.length < c.num) stamp = new Uint32Array(c.num * 2);
    const placeName = (v: number, h: number): string =>
      v === PLACE_CHAIN
        ? `the free chain of slab ${h}`
        : v - PLACE_ARRAY < c.array.length
          ? `cpu ${v - PLACE_ARRAY}'s array`
          : "the shared array";
    const touched: number[] = [];
    /** Object `obj` of slab `h` (index k) is in place `v`. */
    const put = (obj: number, h: number, k: number, v: number) => {
      const at = h * c.num + k;
      const prev = place[at]!;
      if (prev !== 0)
        p.push(
          `${c.name}: object 0x${obj.toString(16)} is both in ${placeName(prev, h)} and in ${placeName(v, h)}`,
        );
      else {
        place[at] = v;
        touched.push(at);
      }
    };
    let freeSum = 0;
    const lists: [number, string][] = [
      [l3.slabs_full, "slabs_full"],
      [l3.slabs_partial, "slabs_partial"],
      [l3.slabs_free, "slabs_free"],
    ];
    const slabHandles: number[] = [];
    for (const [head, lname] of lists) {
      let guard = 0;
      for (let h = t.next[head]; h !== head; h = t.next[h]) {
        if (++guard > 1 << 22) {
          p.push(`${c.name}: ${lname} does not come back to its head`);
          break;
        }
        if (t.prev[t.next[h]] !== h) p.push(`${c.name}: ${lname} links are not symmetric at slab ${h}`);
        slabHandles.push(h);
        const inuse = t.inuse[h];
        if (inuse < 0 || inuse > c.num) p.push(`${c.name}: slab ${h} has inuse ${inuse} outside 0..${c.num}`);
        if (lname === "slabs_full" && inuse !== c.num)
          p.push(`${c.name}: slab ${h} on slabs_full has inuse ${inuse}`);
        if (lname === "slabs_free" && inuse !== 0)
          p.push(`${c.name}: slab ${h} on slabs_free has inuse ${inuse}`);
        if (lname === "slabs_partial" && (inuse === 0 || inuse === c.num))
          p.push(`${c.name}: slab ${h} on slabs_partial has inuse ${inuse}`);
        if (t.cache[h] !== c.id) p.push(`${c.name}: slab ${h} on its list belongs to cache id ${t.cache[h]}`);
        freeSum += c.num - inuse;
        // the RAM descriptor mirrors the columns (what a hexdump of the slab would show)
        const d = t.desc[h] - PAGE_OFFSET;
        const ram = s.machine.ram;
        if (
          ram.read32(d + SLAB_LIST_NEXT) >>> 0 !== t.desc[t.next[h]] ||
          ram.read32(d + SLAB_LIST_PREV) >>> 0 !== t.desc[t.prev[h]] ||
          ram.read32(d + SLAB_COLOUROFF) >>> 0 !== t.colouroff[h] ||
          ram.read32(d + SLAB_S_MEM) >>> 0 !== t.s_mem[h] ||
          ram.read32(d + SLAB_INUSE) !== inuse ||
          ram.read16(d + SLAB_FREE) !== t.free[h]
        )
          p.push(`${c.name}: struct slab of slab ${h} in RAM does not match its descriptor`);
        // bufctl chain
        stampNow++;
        let seen = 0;
        let i = t.free[h];
        while (i !== BUFCTL_END) {
          if (i >= c.num || stamp[i] === stampNow) {
            p.push(`${c.name}: slab ${h} free chain is corrupt (index ${i})`);
            break;
          }
          stamp[i] = stampNow;
          seen++;
          put(t.s_mem[h] + i * c.objsize, h, i, PLACE_CHAIN);
          i = t.bufctl(h, i);
        }
        if (seen !== c.num - inuse)
          p.push(
            `${c.name}: slab ${h} free chain has ${seen} objects, expected num - inuse = ${c.num - inuse}`,
          );
        // pages
        const start = t.s_mem[h] - t.colouroff[h];
        if (start % PAGE_SIZE !== 0) p.push(`${c.name}: slab ${h} does not start on a page boundary`);
        if (!OFF_SLAB(c) && t.desc[h] !== start + t.colouroff[h] - c.slab_size)
          p.push(`${c.name}: on-slab descriptor of slab ${h} is not right before s_mem`);
        const pfn = (start - PAGE_OFFSET) >>> PAGE_SHIFT;
        for (let k = 0; k < 1 << c.gfporder; k++) {
          totalSlabPages++;
          if (!s.pa.PageSlab((pfn + k) as Page))
            p.push(`${c.name}: page ${pfn + k} of slab ${h} lacks PG_slab`);
          if (mm.lru_next[pfn + k] !== c.id || mm.lru_prev[pfn + k] !== h)
            p.push(`${c.name}: page ${pfn + k} of slab ${h} does not point back to its cache and slab`);
        }
        if (t.s_mem[h] + c.num * c.objsize > start + (PAGE_SIZE << c.gfporder))
          p.push(`${c.name}: objects of slab ${h} run past the slab's pages`);
      }
    }
    if (c.addr !== 0) {
      for (const [head, lname] of lists) {
        const d = t.desc[head] - PAGE_OFFSET;
        if (
          s.machine.ram.read32(d + SLAB_LIST_NEXT) >>> 0 !== t.desc[t.next[head]] ||
          s.machine.ram.read32(d + SLAB_LIST_PREV) >>> 0 !== t.desc[t.prev[head]]
        )
          p.push(`${c.name}: list head ${lname} in the RAM descriptor does not match`);
      }
    }
    if (freeSum !== l3.free_objects)
      p.push(`${c.name}: free_objects is ${l3.free_objects} but the slabs hold ${freeSum} free objects`);
    if (c.colour_next >= Math.max(c.colour, 1))
      p.push(`${c.name}: colour_next ${c.colour_next} >= colour ${c.colour}`);
    const arrays: [array_cache | null, number][] = c.array.map((ac, cpu) => [ac, PLACE_ARRAY + cpu]);
    arrays.push([l3.shared, PLACE_ARRAY + c.array.length]);
    for (const [ac, where] of arrays) {
      if (ac === null) continue;
      const name = placeName(where, 0);
      if (ac.avail < 0 || ac.avail > ac.limit)
        p.push(`${c.name}: ${name} has avail ${ac.avail} outside 0..${ac.limit}`);
      for (let k = 0; k < ac.avail; k++) {
        const obj = ac.entry[k];
        const pfn = (obj - PAGE_OFFSET) >>> PAGE_SHIFT;
        const h = mm.lru_prev[pfn]!;
        const off = obj - t.s_mem[h]!;
        if (mm.lru_next[pfn] !== c.id)
          p.push(`${c.name}: ${name} holds 0x${obj.toString(16)} of another cache`);
        else if (off % c.objsize !== 0 || off < 0 || off / c.objsize >= c.num)
          p.push(`${c.name}: ${name} holds 0x${obj.toString(16)}, which is not the start of an object`);
        else put(obj, h, off / c.objsize, where);
      }
    }
    // every object of every slab: exactly one place
    for (const h of slabHandles) {
      for (let k = 0; k < c.num; k++) {
        const obj = t.s_mem[h] + k * c.objsize;
        const live = s.isAllocated(obj + c.dbghead);
        const v = place[h * c.num + k]!;
        if (live && v !== 0)
          p.push(`${c.name}: allocated object 0x${obj.toString(16)} is also in ${placeName(v, h)}`);
        if (!live && v === 0)
          p.push(`${c.name}: object 0x${obj.toString(16)} is neither free, cached nor allocated (leaked)`);
      }
    }
    for (const at of touched) place[at] = 0;
    for (const ac of c.array)
      if (ac !== null && ac.limit !== c.limit)
        p.push(`${c.name}: a per-CPU array limit differs from cachep->limit`);
  }
  if (totalSlabPages !== s.nr_slab)
    p.push(`nr_slab is ${s.nr_slab} but the slabs span ${totalSlabPages} pages`);
  // vmalloc
  const vm = s.vm;
  let prevEnd = 0;
  for (const a of vm.vmlist) {
    if (a.addr < prevEnd)
      p.push(`vmlist: area 0x${a.addr.toString(16)} overlaps the previous one or is out of order`);
    prevEnd = a.addr + a.size;
    // 2.6.11's __get_vm_area neither page-aligns the size nor refuses an empty one (get_vm_area(3, 0)
    // gives a 4099-byte area, vmap of 0 pages a lone guard page, and the next area starts unaligned
    // after them); its `size += PAGE_SIZE` wraps for a size above 4G - 4K (get_vm_area(-1, 0): a
    // 4095-byte area, refused only when the sum is 0). Only the areas vmalloc filled with pages are
    // whole pages, guard included, whatever flags a caller passed. The guard is the first page
    // after the mapped bytes.
    const pages = a.flags & VM_ALLOC ? a.pages : null;
    const filled = pages !== null;
    if (filled && a.size < PAGE_SIZE)
      p.push(`vmlist: area 0x${a.addr.toString(16)} is smaller than its guard page (size ${a.size})`);
    if (filled && (a.addr % PAGE_SIZE || a.size % PAGE_SIZE))
      p.push(`vmlist: vmalloc area 0x${a.addr.toString(16)} is not page aligned (size ${a.size})`);
    const guardAddr = Math.ceil((a.addr + a.size - PAGE_SIZE) / PAGE_SIZE) * PAGE_SIZE;
    const guard = lookupPte(s.machine, s.pa.swapper_pg_dir, guardAddr >>> 0);
    if (guard !== null && guard.pte !== 0)
      p.push(`vmlist: guard page of area 0x${a.addr.toString(16)} is mapped`);
    if (pages !== null) {
      if (a.nr_pages !== a.size / PAGE_SIZE - 1)
        p.push(`vmlist: area 0x${a.addr.toString(16)} has nr_pages ${a.nr_pages} for size ${a.size}`);
      for (let i = 0; i < a.nr_pages; i++) {
        const l = lookupPte(s.machine, s.pa.swapper_pg_dir, (a.addr + i * PAGE_SIZE) >>> 0);
        if (l === null || (l.pte & 1) === 0 || pte_pfn(l.pte) !== (pages[i] as number | null))
          p.push(`vmlist: page ${i} of area 0x${a.addr.toString(16)} is not mapped to pages[${i}]`);
      }
    }
  }
  // The model's kmalloc record (internal-frag.ts) names only objects handed to a caller.
  let kmallocLive = 0;
  for (const [objp] of s.kmalloc_record.liveObjects()) {
    kmallocLive++;
    if (!s.isAllocated(objp)) p.push(`kmalloc_record: live object 0x${objp.toString(16)} is not allocated`);
  }
  if (kmallocLive !== s.kmalloc_record.liveCount)
    p.push(`kmalloc_record: liveCount ${s.kmalloc_record.liveCount} != ${kmallocLive} live objects`);
  if (p.length) throw new InvariantError(p);
}
