/*
 * vma.ts — the VMA set of one mm_struct: the sorted list mm->mmap and the red-black tree
 * mm->mm_rb (keyed by vm_end), kept identical. mm/mmap.c, in its own order: remove_vm_struct,
 * find_vma_prepare, __vma_link_list/_rb/_file, vma_link, __insert_vm_struct, __vma_unlink,
 * vma_adjust, is_mergeable_vma, can_vma_merge_before/after, vma_merge, find_mergeable_anon_vma,
 * __vm_stat_account, find_vma, find_vma_prev, find_vma_intersection, split_vma, insert_vm_struct.
 * Lookups are O(log n) tree walks (mmap_cache first for find_vma). Mutators keep map_count,
 * the file's i_mmap set and i_writecount, and the anon_vma lists in step with the list and tree.
 */

import { Errno, KernelBugError, PAGE_SIZE, protection_map } from "@i386mm/hw-i386";
import { GFP_KERNEL } from "@i386mm/page-alloc";
import {
  VM_DENYWRITE,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_IO,
  VM_READ,
  VM_RESERVED,
  VM_SHARED,
  VM_SPECIAL,
  VM_WRITE,
} from "./constants.js";
import { file_mapping, fput, get_file, i_writecount_add } from "./filemap.js";
import { type anon_vma, type mm_struct, vm_area_struct, type vm_file } from "./mm-types.js";
import { rb_erase, rb_insert_color, type rb_link, rb_link_node } from "./rbtree.js";
import { __anon_vma_merge, anon_vma_link, anon_vma_unlink } from "./rmap.js";
import type { VmSystem } from "./vm.js";

// ------------------------------------------------------------------ descriptors and files

/** kmem_cache_alloc(vm_area_cachep) + memset 0 + vm_mm: a blank VMA of `mm`, or null. */
export function vm_area_alloc(vm: VmSystem, mm: mm_struct): vm_area_struct | null {
  const addr = vm.slab.kmem_cache_alloc(vm.vm_area_cachep, GFP_KERNEL);
  if (addr === null) return null;
  return new vm_area_struct(mm, addr);
}

/** kmem_cache_free(vm_area_cachep, vma). */
export function vm_area_free(vm: VmSystem, vma: vm_area_struct): void {
  vm.slab.kmem_cache_free(vm.vm_area_cachep, vma.addr);
}

/** `*new = *old`: a copy of every field of `old` in a freshly allocated descriptor, or null. */
export function vm_area_dup(
  vm: VmSystem,
  old: vm_area_struct,
  mm: mm_struct = old.vm_mm,
): vm_area_struct | null {
  const v = vm_area_alloc(vm, mm);
  if (v === null) return null;
  v.vm_start = old.vm_start;
  v.vm_end = old.vm_end;
  v.vm_page_prot = old.vm_page_prot;
  v.vm_flags = old.vm_flags;
  v.anon_vma = old.anon_vma;
  v.vm_ops = old.vm_ops;
  v.vm_pgoff = old.vm_pgoff;
  v.vm_file = old.vm_file;
  v.vm_private_data = old.vm_private_data;
  v.vm_truncate_count = old.vm_truncate_count;
  return v;
}

/** __remove_shared_vm_struct: the VMA no longer maps its file (i_mmap, i_writecount, i_mmap_writable). */
function __remove_shared_vm_struct(vma: vm_area_struct, file: vm_file): void {
  const mapping = file_mapping(file);
  if (vma.vm_flags & VM_DENYWRITE) i_writecount_add(file, 1);
  if (vma.vm_flags & VM_SHARED) mapping.i_mmap_writable--;
  mapping.i_mmap.delete(vma);
}

/** remove_vm_struct: unlink from the file and the anon_vma, close, drop the file, free the descriptor. */
export function remove_vm_struct(vm: VmSystem, vma: vm_area_struct): void {
  const file = vma.vm_file;
  if (file !== null) __remove_shared_vm_struct(vma, file);
  vma.vm_ops?.close?.(vma);
  if (file !== null) fput(vm, file);
  anon_vma_unlink(vm, vma);
  vm_area_free(vm, vma);
}

// ------------------------------------------------------------------ lookups

/** find_vma_prepare's answer: the VMA at/after addr, its predecessor and the tree slot for a new node. */
export interface vma_prepare {
  /** First VMA with addr < vm_end, or null. */
  vma: vm_area_struct | null;
  /** The VMA before the slot (the predecessor of a new VMA at addr), or null. */
  prev: vm_area_struct | null;
  /** Where a VMA starting at addr is linked into mm_rb. */
  link: rb_link<vm_area_struct>;
}

/**
 * find_vma_prepare(mm, addr): walk mm_rb for addr. If a VMA contains addr it is returned at once
 * (prev and link are then meaningless, as in the kernel); else the slot where a VMA at addr goes.
 */
export function find_vma_prepare(mm: mm_struct, addr: number): vma_prepare {
  let node = mm.mm_rb.rb_node;
  let parent = null;
  let left = false;
  let prev = null;
  let vma: vm_area_struct | null = null;
  while (node !== null) {
    parent = node;
    const t = node.entry;
    if (t.vm_end > addr) {
      vma = t;
      if (t.vm_start <= addr) return { vma, prev: null, link: { parent, left: true } };
      node = node.rb_left;
      left = true;
    } else {
      prev = node;
      node = node.rb_right;
      left = false;
    }
  }
  return { vma, prev: prev === null ? null : prev.entry, link: { parent, left } };
}

/**
 * find_vma(mm, addr): the first VMA with addr < vm_end (it may start above addr), or null.
 * mmap_cache is tried first; a tree answer is stored there. Hits and misses are counted.
 */
export function find_vma(mm: mm_struct | null, addr: number): vm_area_struct | null {
  if (mm === null) return null;
  let vma = mm.mmap_cache;
  if (vma !== null && vma.vm_end > addr && vma.vm_start <= addr) {
    mm.mmap_cache_hits++;
    return vma;
  }
  mm.mmap_cache_misses++;
  let node = mm.mm_rb.rb_node;
  vma = null;
  while (node !== null) {
    const t = node.entry;
    if (t.vm_end > addr) {
      vma = t;
      if (t.vm_start <= addr) break;
      node = node.rb_left;
    } else node = node.rb_right;
  }
  if (vma !== null) mm.mmap_cache = vma;
  return vma;
}

/**
 * find_vma_prev(mm, addr): what find_vma returns, plus the VMA before it (`prev`, null if none).
 * Does not use or update mmap_cache.
 */
export function find_vma_prev(
  mm: mm_struct | null,
  addr: number,
): { vma: vm_area_struct | null; prev: vm_area_struct | null } {
  let prev: vm_area_struct | null = null;
  if (mm === null) return { vma: null, prev };
  let node = mm.mm_rb.rb_node;
  while (node !== null) {
    const t = node.entry;
    if (addr < t.vm_end) node = node.rb_left;
    else {
      prev = t;
      if (t.vm_next === null || addr < t.vm_next.vm_end) break;
      node = node.rb_right;
    }
  }
  return { vma: prev !== null ? prev.vm_next : mm.mmap, prev };
}

/** find_vma_intersection(mm, start, end): the VMA overlapping [start, end), or null. */
export function find_vma_intersection(
  mm: mm_struct | null,
  start: number,
  end: number,
): vm_area_struct | null {
  const vma = find_vma(mm, start);
  if (vma !== null && end <= vma.vm_start) return null;
  return vma;
}

// ------------------------------------------------------------------ linking

/** __vma_link_list: insert into mm->mmap after prev (or at the head, before the rb parent). */
function __vma_link_list(
  mm: mm_struct,
  vma: vm_area_struct,
  prev: vm_area_struct | null,
  link: rb_link<vm_area_struct>,
): void {
  if (prev !== null) {
    vma.vm_next = prev.vm_next;
    prev.vm_next = vma;
  } else {
    mm.mmap = vma;
    vma.vm_next = link.parent !== null ? link.parent.entry : null;
  }
}

/** __vma_link_rb: link the VMA's node into mm_rb at `link` and rebalance. */
export function __vma_link_rb(mm: mm_struct, vma: vm_area_struct, link: rb_link<vm_area_struct>): void {
  rb_link_node(vma.vm_rb, link, mm.mm_rb);
  rb_insert_color(vma.vm_rb, mm.mm_rb);
}

/** __vma_link_file: the VMA now maps its file (i_writecount for DENYWRITE, i_mmap_writable, i_mmap). */
export function __vma_link_file(vma: vm_area_struct): void {
  const file = vma.vm_file;
  if (file === null) return;
  const mapping = file_mapping(file);
  if (vma.vm_flags & VM_DENYWRITE) i_writecount_add(file, -1);
  if (vma.vm_flags & VM_SHARED) mapping.i_mmap_writable++;
  mapping.i_mmap.add(vma);
}

function __vma_link(
  mm: mm_struct,
  vma: vm_area_struct,
  prev: vm_area_struct | null,
  link: rb_link<vm_area_struct>,
) {
  __vma_link_list(mm, vma, prev, link);
  __vma_link_rb(mm, vma, link);
  anon_vma_link(vma);
}

/** vma_link: list, tree, anon_vma and file; map_count++. */
export function vma_link(
  mm: mm_struct,
  vma: vm_area_struct,
  prev: vm_area_struct | null,
  link: rb_link<vm_area_struct>,
): void {
  if (vma.vm_file !== null) vma.vm_truncate_count = 0;
  __vma_link(mm, vma, prev, link);
  __vma_link_file(vma);
  mm.map_count++;
}

/** __insert_vm_struct: link a VMA that is already in its file's i_mmap (split_vma's insert). */
function __insert_vm_struct(mm: mm_struct, vma: vm_area_struct): void {
  const p = find_vma_prepare(mm, vma.vm_start);
  if (p.vma !== null && p.vma.vm_start < vma.vm_end)
    throw new KernelBugError(
      "__insert_vm_struct",
      vma.vm_start,
      "kernel BUG: the new VMA overlaps an existing one",
    );
  __vma_link(mm, vma, p.prev, p.link);
  mm.map_count++;
}

/** __vma_unlink: off the list (after prev) and the tree; mmap_cache moves to prev. */
function __vma_unlink(mm: mm_struct, vma: vm_area_struct, prev: vm_area_struct): void {
  prev.vm_next = vma.vm_next;
  rb_erase(vma.vm_rb, mm.mm_rb);
  if (mm.mmap_cache === vma) mm.mmap_cache = prev;
}

/**
 * vma_adjust(vma, start, end, pgoff, insert): change a VMA's range in place, keeping the file's
 * i_mmap and the anon_vma lists right: swallow `next` (remove_next, mprotect case 6 twice),
 * move the boundary with `next` (mprotect cases 4 and 5), or link `insert` (split_vma).
 */
export function vma_adjust(
  vm: VmSystem,
  vma: vm_area_struct,
  start: number,
  end: number,
  pgoff: number,
  insert: vm_area_struct | null,
): void {
  const mm = vma.vm_mm;
  let next = vma.vm_next;
  let importer: vm_area_struct | null = null;
  const file = vma.vm_file;
  let av: anon_vma | null = null;
  let adjust_next = 0;
  let remove_next = 0;
  let again = false; // the kernel's "goto again" for the second VMA of mprotect case 6
  for (;;) {
    if (next !== null && insert === null) {
      if (again || end >= next.vm_end) {
        // vma expands over all of next (and maybe the one after: mprotect case 6)
        remove_next = 1 + (end > next.vm_end ? 1 : 0);
        end = next.vm_end;
        av = next.anon_vma;
        importer = vma;
      } else if (end > next.vm_start) {
        // vma expands over part of next: mprotect case 5
        adjust_next = (end - next.vm_start) / PAGE_SIZE;
        av = next.anon_vma;
        importer = vma;
      } else if (end < vma.vm_end) {
        // vma shrinks and next grows down: mprotect case 4
        adjust_next = -((vma.vm_end - end) / PAGE_SIZE);
        av = next.anon_vma;
        importer = next;
      }
    }
    if (file !== null) {
      if (importer !== null && next !== null && vma.vm_truncate_count !== next.vm_truncate_count)
        importer.vm_truncate_count = 0;
      if (insert !== null) {
        insert.vm_truncate_count = vma.vm_truncate_count;
        __vma_link_file(insert);
      }
    }
    if (vma.anon_vma !== null) av = vma.anon_vma;
    if (av !== null && importer !== null && importer.anon_vma === null) {
      // the expanding VMA takes on the shrinking one's anon pages: it needs the anon_vma too
      importer.anon_vma = av;
      anon_vma_link(importer);
    }
    vma.vm_start = start;
    vma.vm_end = end;
    vma.vm_pgoff = pgoff;
    if (adjust_next !== 0) {
      next!.vm_start += adjust_next * PAGE_SIZE;
      next!.vm_pgoff += adjust_next;
    }
    if (remove_next !== 0) {
      __vma_unlink(mm, next!, vma);
      if (file !== null) __remove_shared_vm_struct(next!, file);
      if (next!.anon_vma !== null) __anon_vma_merge(vma, next!);
    } else if (insert !== null) {
      __insert_vm_struct(mm, insert);
    }
    if (remove_next === 0) return;
    if (file !== null) fput(vm, file);
    mm.map_count--;
    vm_area_free(vm, next!);
    if (remove_next !== 2) return;
    // mprotect case 6: the VMA after `next` goes too
    next = vma.vm_next;
    again = true;
    remove_next = 0;
    importer = null;
    av = null;
  }
}

// ------------------------------------------------------------------ merging

/** is_mergeable_vma: same flags, same file, no close method. */
function is_mergeable_vma(vma: vm_area_struct, file: vm_file | null, vm_flags: number): boolean {
  if (vma.vm_flags !== vm_flags) return false;
  if (vma.vm_file !== file) return false;
  if (vma.vm_ops?.close !== undefined) return false;
  return true;
}

/** is_mergeable_anon_vma: either has none, or both the same. */
function is_mergeable_anon_vma(a: anon_vma | null, b: anon_vma | null): boolean {
  return a === null || b === null || a === b;
}

/** can_vma_merge_before: the request may go in front of `vma` (offsets contiguous: vma->vm_pgoff == pgoff). */
export function can_vma_merge_before(
  vma: vm_area_struct,
  vm_flags: number,
  av: anon_vma | null,
  file: vm_file | null,
  vm_pgoff: number,
): boolean {
  return (
    is_mergeable_vma(vma, file, vm_flags) &&
    is_mergeable_anon_vma(av, vma.anon_vma) &&
    vma.vm_pgoff === vm_pgoff
  );
}

/** can_vma_merge_after: the request may go behind `vma` (vma->vm_pgoff + pages == pgoff). */
export function can_vma_merge_after(
  vma: vm_area_struct,
  vm_flags: number,
  av: anon_vma | null,
  file: vm_file | null,
  vm_pgoff: number,
): boolean {
  return (
    is_mergeable_vma(vma, file, vm_flags) &&
    is_mergeable_anon_vma(av, vma.anon_vma) &&
    vma.vm_pgoff + (vma.vm_end - vma.vm_start) / PAGE_SIZE === vm_pgoff
  );
}

/**
 * vma_merge(mm, prev, addr, end, vm_flags, anon_vma, file, pgoff): merge the range
 * [addr, end) with its predecessor, its successor or both, returning the VMA that now covers
 * it, or null. Cases (mm/mmap.c's drawing; AAAA the range, PPPP prev, NNNN next, XXXX the one after):
 *    1: PPPP    NNNN -> PPPPPPPPPPPP   2: PPPP     -> PPPPPPPP   3:     NNNN -> NNNNNNNN
 *   4 (mprotect, AAAA inside P at its end):  PPPPPPNNNNNN -> PPNNNNNNNNNN
 *   5 (AAAA = start of N):                   PPPPPPNNNNNN -> PPPPPPPPPPNN
 *   6/7/8 (AAAA = all of N):  PPPPNNNNXXXX -> PPPPPPPPPPPP (6), PPPPPPPPXXXX (7), PPPPNNNNNNNN (8)
 * VM_SPECIAL VMAs never merge.
 */
export function vma_merge(
  vm: VmSystem,
  mm: mm_struct,
  prev: vm_area_struct | null,
  addr: number,
  end: number,
  vm_flags: number,
  av: anon_vma | null,
  file: vm_file | null,
  pgoff: number,
): vm_area_struct | null {
  const pglen = (end - addr) / PAGE_SIZE;
  if (vm_flags & VM_SPECIAL) return null;
  let next = prev !== null ? prev.vm_next : mm.mmap;
  const area = next;
  if (next !== null && next.vm_end === end) next = next.vm_next; // cases 6, 7, 8
  // can it merge with the predecessor?
  if (prev !== null && prev.vm_end === addr && can_vma_merge_after(prev, vm_flags, av, file, pgoff)) {
    // and with the successor as well?
    if (
      next !== null &&
      end === next.vm_start &&
      can_vma_merge_before(next, vm_flags, av, file, pgoff + pglen) &&
      is_mergeable_anon_vma(prev.anon_vma, next.anon_vma)
    )
      vma_adjust(vm, prev, prev.vm_start, next.vm_end, prev.vm_pgoff, null); // cases 1, 6
    else vma_adjust(vm, prev, prev.vm_start, end, prev.vm_pgoff, null); // cases 2, 5, 7
    return prev;
  }
  // can it merge in front of the successor?
  if (
    next !== null &&
    end === next.vm_start &&
    can_vma_merge_before(next, vm_flags, av, file, pgoff + pglen)
  ) {
    if (prev !== null && addr < prev.vm_end)
      vma_adjust(vm, prev, prev.vm_start, addr, prev.vm_pgoff, null); // case 4
    else vma_adjust(vm, area!, addr, next.vm_end, next.vm_pgoff - pglen, null); // cases 3, 8
    return area;
  }
  return null;
}

/**
 * find_mergeable_anon_vma(vma): a neighbour's anon_vma that a later mprotect could merge with
 * (same flags apart from READ/WRITE/EXEC, same file, contiguous offsets), or null.
 */
export function find_mergeable_anon_vma(vma: vm_area_struct): anon_vma | null {
  const rwx = VM_READ | VM_WRITE | VM_EXEC;
  const near = vma.vm_next;
  if (near !== null) {
    const flags = (vma.vm_flags & ~rwx) | (near.vm_flags & rwx);
    if (
      near.anon_vma !== null &&
      vma.vm_end === near.vm_start &&
      can_vma_merge_before(
        near,
        flags,
        null,
        vma.vm_file,
        vma.vm_pgoff + (vma.vm_end - vma.vm_start) / PAGE_SIZE,
      )
    )
      return near.anon_vma;
  }
  const fp = find_vma_prev(vma.vm_mm, vma.vm_start);
  if (fp.vma !== vma)
    throw new KernelBugError("find_mergeable_anon_vma", vma.vm_start, "kernel BUG: VMA not in its mm");
  const before = fp.prev;
  if (before === null) return null;
  const flags = (vma.vm_flags & ~rwx) | (before.vm_flags & rwx);
  if (
    before.anon_vma !== null &&
    before.vm_end === vma.vm_start &&
    can_vma_merge_after(before, flags, null, vma.vm_file, vma.vm_pgoff)
  )
    return before.anon_vma;
  return null;
}

// ------------------------------------------------------------------ statistics

/** __vm_stat_account: shared_vm / exec_vm (files), stack_vm (growsdown), reserved_vm (RESERVED|IO). */
export function __vm_stat_account(mm: mm_struct, flags: number, file: vm_file | null, pages: number): void {
  if (file !== null) {
    mm.shared_vm += pages;
    if ((flags & (VM_EXEC | VM_WRITE)) === VM_EXEC) mm.exec_vm += pages;
  } else if (flags & VM_GROWSDOWN) mm.stack_vm += pages; // VM_STACK_FLAGS & (VM_GROWSUP|VM_GROWSDOWN) on i386
  if (flags & (VM_RESERVED | VM_IO)) mm.reserved_vm += pages;
}

/** vm_stat_unaccount(vma). */
export function vm_stat_unaccount(vma: vm_area_struct): void {
  __vm_stat_account(vma.vm_mm, vma.vm_flags, vma.vm_file, -(vma.vm_end - vma.vm_start) / PAGE_SIZE);
}

// ------------------------------------------------------------------ split / insert

/**
 * split_vma(mm, vma, addr, new_below): cut the VMA at addr; a new descriptor takes the part
 * below (new_below) or above addr. 0, or -ENOMEM when map_count has reached vm.max_map_count or
 * no descriptor can be allocated (nothing changed then).
 */
export function split_vma(
  vm: VmSystem,
  mm: mm_struct,
  vma: vm_area_struct,
  addr: number,
  new_below: boolean,
): number {
  if (mm.map_count >= vm.sysctl_max_map_count) return -Errno.ENOMEM;
  const n = vm_area_dup(vm, vma, mm);
  if (n === null) return -Errno.ENOMEM;
  if (new_below) n.vm_end = addr;
  else {
    n.vm_start = addr;
    n.vm_pgoff += (addr - vma.vm_start) / PAGE_SIZE;
  }
  if (n.vm_file !== null) get_file(vm, n.vm_file);
  n.vm_ops?.open?.(n);
  if (new_below) vma_adjust(vm, vma, addr, vma.vm_end, vma.vm_pgoff + (addr - n.vm_start) / PAGE_SIZE, n);
  else vma_adjust(vm, vma, vma.vm_start, addr, vma.vm_pgoff, n);
  return 0;
}

/**
 * insert_vm_struct(mm, vma): link a VMA built by the caller (exec's stack). An anonymous VMA
 * gets vm_pgoff = vm_start >> 12. -ENOMEM if it overlaps an existing one.
 */
export function insert_vm_struct(mm: mm_struct, vma: vm_area_struct): number {
  if (vma.vm_file === null) {
    if (vma.anon_vma !== null)
      throw new KernelBugError("insert_vm_struct", vma.vm_start, "kernel BUG: BUG_ON(vma->anon_vma)");
    vma.vm_pgoff = vma.vm_start / PAGE_SIZE;
  }
  const p = find_vma_prepare(mm, vma.vm_start);
  if (p.vma !== null && p.vma.vm_start < vma.vm_end) return -Errno.ENOMEM;
  vma_link(mm, vma, p.prev, p.link);
  return 0;
}

/** protection_map[vm_flags & 0xf]: the vm_page_prot of a VMA with these flags. */
export function vm_get_page_prot(vm_flags: number): number {
  return protection_map[vm_flags & 0xf]!;
}

/** The VMAs of `mm` in address order (a snapshot of the list). */
export function vma_list(mm: mm_struct): vm_area_struct[] {
  const out: vm_area_struct[] = [];
  for (let v = mm.mmap; v !== null; v = v.vm_next) out.push(v);
  return out;
}
