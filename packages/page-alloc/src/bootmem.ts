/**
 * The boot-time allocator: a bitmap of lowmem frames (1 = reserved) used before the buddy
 * system exists, and its hand-off of every still-free frame to the buddy allocator.
 * Models mm/bootmem.c of Linux 2.6.11: init_bootmem_core, reserve_bootmem_core,
 * free_bootmem_core, __alloc_bootmem_core (first fit above `goal`, sub-page merging through
 * last_pos/last_offset, last_success hint) and free_all_bootmem_core (order-5 frees of fully free
 * 32-frame words when the node starts suitably aligned, single frames otherwise, then the bitmap).
 * Invariants: every frame starts reserved; only register_bootmem_low_pages frees RAM; the bitmap
 * is host-side (the frames it would occupy in RAM are reserved exactly as the kernel reserves them).
 */
import { KernelBugError, PAGE_SHIFT, PAGE_SIZE } from "@i386mm/hw-i386";

/** BITS_PER_LONG on i386. */
export const BITS_PER_LONG = 32;

/** bootmem_data_t: one node's boot-time bitmap. */
export class bootmem_data_t {
  /** Physical address of the first frame the bitmap describes. */
  node_boot_start = 0;
  /** First frame past the bitmap's range. */
  node_low_pfn = 0;
  /** Physical address where the kernel places the bitmap (mapstart << PAGE_SHIFT). */
  node_bootmem_map_pa = 0;
  /** The bitmap (bit set = frame reserved); null after free_all_bootmem. */
  node_bootmem_map: Uint32Array | null = null;
  /** Last frame used by a sub-page allocation. */
  last_pos = 0;
  /** Bytes used in frame last_pos (0 = none). */
  last_offset = 0;
  /** Physical address of the last successful allocation (search hint). */
  last_success = 0;
  /** Size of the bitmap in bytes (rounded up to a long). */
  mapsize = 0;
}

function testBit(map: Uint32Array, i: number): boolean {
  return (map[i >>> 5] & (1 << (i & 31))) !== 0;
}
function setBit(map: Uint32Array, i: number): boolean {
  const w = i >>> 5;
  const b = 1 << (i & 31);
  const old = (map[w] & b) !== 0;
  map[w] |= b;
  return old;
}
function clearBit(map: Uint32Array, i: number): boolean {
  const w = i >>> 5;
  const b = 1 << (i & 31);
  const old = (map[w] & b) !== 0;
  map[w] &= ~b;
  return old;
}

/** bootmem_bootmap_pages: frames needed for a bitmap of `pages` bits. */
export function bootmem_bootmap_pages(pages: number): number {
  const mapsize = Math.ceil((pages + 7) / 8 / PAGE_SIZE) * PAGE_SIZE;
  return mapsize >> PAGE_SHIFT;
}

/** init_bootmem_core: a bitmap at frame `mapstart` for frames [start, end), everything reserved. Returns its size in bytes. */
export function init_bootmem_core(
  bdata: bootmem_data_t,
  mapstart: number,
  start: number,
  end: number,
): number {
  let mapsize = Math.floor((end - start + 7) / 8);
  mapsize = (mapsize + 3) & ~3;
  bdata.node_bootmem_map_pa = mapstart * PAGE_SIZE;
  bdata.node_boot_start = start * PAGE_SIZE;
  bdata.node_low_pfn = end;
  bdata.node_bootmem_map = new Uint32Array(Math.ceil(mapsize / 4)).fill(0xffffffff);
  bdata.mapsize = mapsize;
  return mapsize;
}

/** reserve_bootmem_core: mark [addr, addr+size) reserved; partially covered frames count as reserved. */
export function reserve_bootmem_core(bdata: bootmem_data_t, addr: number, size: number): void {
  const map = bdata.node_bootmem_map!;
  const sidx = Math.floor((addr - bdata.node_boot_start) / PAGE_SIZE);
  const eidx = Math.floor((addr + size - bdata.node_boot_start + PAGE_SIZE - 1) / PAGE_SIZE);
  const end = Math.floor((addr + size + PAGE_SIZE - 1) / PAGE_SIZE);
  if (
    !size ||
    sidx >= eidx ||
    Math.floor(addr / PAGE_SIZE) >= bdata.node_low_pfn ||
    end > bdata.node_low_pfn
  ) {
    throw new KernelBugError("reserve_bootmem", addr, `range of ${size} bytes outside the bootmem node`);
  }
  for (let i = sidx; i < eidx; i++) setBit(map, i);
}

/** free_bootmem_core: mark the frames fully inside [addr, addr+size) free. */
export function free_bootmem_core(bdata: bootmem_data_t, addr: number, size: number): void {
  const map = bdata.node_bootmem_map!;
  const eidx = Math.floor((addr + size - bdata.node_boot_start) / PAGE_SIZE);
  const end = Math.floor((addr + size) / PAGE_SIZE);
  if (!size || end > bdata.node_low_pfn) {
    throw new KernelBugError("free_bootmem", addr, `range of ${size} bytes outside the bootmem node`);
  }
  if (addr < bdata.last_success) bdata.last_success = addr;
  const start = Math.floor((addr + PAGE_SIZE - 1) / PAGE_SIZE);
  const sidx = start - Math.floor(bdata.node_boot_start / PAGE_SIZE);
  for (let i = sidx; i < eidx; i++) {
    if (!clearBit(map, i)) throw new KernelBugError("free_bootmem", i * PAGE_SIZE, "frame freed twice");
  }
}

/**
 * __alloc_bootmem_core: first fit of `size` bytes aligned to `align`, searching from `goal` (then
 * from the start); consecutive small allocations share a frame. Returns the physical address, or
 * -1 when nothing fits. The caller zeroes the memory (the kernel memsets it).
 */
export function __alloc_bootmem_core(
  bdata: bootmem_data_t,
  size: number,
  align: number,
  goal: number,
): number {
  const map = bdata.node_bootmem_map!;
  if (!size) throw new KernelBugError("__alloc_bootmem_core", undefined, "zero-sized request");
  const eidx = bdata.node_low_pfn - Math.floor(bdata.node_boot_start / PAGE_SIZE);
  let offset = 0;
  if (align && bdata.node_boot_start % align !== 0) offset = align - (bdata.node_boot_start % align);
  offset = Math.floor(offset / PAGE_SIZE);
  let preferred: number;
  if (goal && goal >= bdata.node_boot_start && Math.floor(goal / PAGE_SIZE) < bdata.node_low_pfn) {
    preferred = goal - bdata.node_boot_start;
    if (bdata.last_success >= preferred) preferred = bdata.last_success;
  } else preferred = 0;
  preferred = Math.floor(Math.ceil(preferred / align) * align) / PAGE_SIZE;
  preferred = Math.floor(preferred) + offset;
  let areasize = Math.floor((size + PAGE_SIZE - 1) / PAGE_SIZE);
  const incr = align >= PAGE_SIZE ? align / PAGE_SIZE : 1;
  let start = -1;
  for (;;) {
    for (let i = preferred; i < eidx; i += incr) {
      while (i < eidx && testBit(map, i)) i++;
      i = Math.ceil(i / incr) * incr;
      if (i >= eidx || testBit(map, i)) continue;
      let j = i + 1;
      let ok = true;
      for (; j < i + areasize; ++j) {
        if (j >= eidx || testBit(map, j)) {
          ok = false;
          break;
        }
      }
      if (ok) {
        start = i;
        break;
      }
      i = Math.ceil(j / incr) * incr;
    }
    if (start >= 0) break;
    if (preferred > offset) {
      preferred = offset;
      continue;
    }
    return -1;
  }
  bdata.last_success = start * PAGE_SIZE;
  let ret: number;
  if (align < PAGE_SIZE && bdata.last_offset && bdata.last_pos + 1 === start) {
    const off = Math.ceil(bdata.last_offset / align) * align;
    let remaining_size = PAGE_SIZE - off;
    if (size < remaining_size) {
      areasize = 0;
      bdata.last_offset = off + size;
      ret = bdata.last_pos * PAGE_SIZE + off + bdata.node_boot_start;
    } else {
      remaining_size = size - remaining_size;
      areasize = Math.floor((remaining_size + PAGE_SIZE - 1) / PAGE_SIZE);
      ret = bdata.last_pos * PAGE_SIZE + off + bdata.node_boot_start;
      bdata.last_pos = start + areasize - 1;
      bdata.last_offset = remaining_size;
    }
    bdata.last_offset &= PAGE_SIZE - 1;
  } else {
    bdata.last_pos = start + areasize - 1;
    bdata.last_offset = size & (PAGE_SIZE - 1);
    ret = start * PAGE_SIZE + bdata.node_boot_start;
  }
  for (let i = start; i < start + areasize; i++) {
    if (setBit(map, i))
      throw new KernelBugError("__alloc_bootmem_core", i * PAGE_SIZE, "frame allocated twice");
  }
  return ret;
}

/** What free_all_bootmem_core needs from the page allocator: the two ways it frees frames. */
export interface BootmemHandOff {
  /** Clear PG_reserved on 32 frames from `pfn`, set the head's count to 1 and __free_pages(pfn, 5). */
  freeWord(pfn: number): void;
  /** Clear PG_reserved on `pfn`, set its count to 1 and __free_page(pfn). */
  freeOne(pfn: number): void;
}

/** ffs(): 1-based index of the lowest set bit, 0 for 0. */
function ffs(x: number): number {
  if (x === 0) return 0;
  let n = 1;
  while (x % 2 === 0) {
    x /= 2;
    n++;
  }
  return n;
}

/**
 * free_all_bootmem_core: hand every frame still free in the bitmap to the buddy allocator, then
 * the bitmap's own frames; returns the number of frames handed over.
 */
export function free_all_bootmem_core(bdata: bootmem_data_t, out: BootmemHandOff): number {
  const map = bdata.node_bootmem_map;
  if (!map) throw new KernelBugError("free_all_bootmem", undefined, "bootmem bitmap already released");
  const startPfn = Math.floor(bdata.node_boot_start / PAGE_SIZE);
  const idx = bdata.node_low_pfn - startPfn;
  const gofast = bdata.node_boot_start === 0 || ffs(bdata.node_boot_start) - PAGE_SHIFT > ffs(BITS_PER_LONG);
  let count = 0;
  let i = 0;
  let pfn = startPfn;
  while (i < idx) {
    const v = ~map[i >>> 5] >>> 0;
    if (gofast && v === 0xffffffff) {
      count += BITS_PER_LONG;
      out.freeWord(pfn);
      i += BITS_PER_LONG;
      pfn += BITS_PER_LONG;
    } else if (v) {
      for (let m = 1; m !== 0 && i < idx; m = (m << 1) >>> 0, pfn++, i++) {
        if (v & m) {
          count++;
          out.freeOne(pfn);
        }
      }
    } else {
      i += BITS_PER_LONG;
      pfn += BITS_PER_LONG;
    }
  }
  let total = count;
  // Now the bitmap's own frames.
  const mapPfn = Math.floor(bdata.node_bootmem_map_pa / PAGE_SIZE);
  const mapPages = Math.floor((Math.floor(idx / 8) + PAGE_SIZE - 1) / PAGE_SIZE);
  for (let k = 0; k < mapPages; k++) out.freeOne(mapPfn + k);
  total += mapPages;
  bdata.node_bootmem_map = null;
  return total;
}
