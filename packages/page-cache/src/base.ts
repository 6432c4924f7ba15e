/*
 * base.ts — what every part of the page cache stands on: the lower layers, the page-flag
 * operations of include/linux/page-flags.h on page-alloc's mem_map, page_cache_get/release
 * (include/linux/pagemap.h over mm/swap.c's put_page), the mapping registry behind page->mapping,
 * and the two ways bytes move: the CPU copying through kmap_atomic (memcpy to a kernel mapping,
 * as file_read_actor and filemap_copy_from_user do) and a disk's DMA to physical memory.
 * Invariant: mem_map.mapping[pfn] is 0 or the `addr` of a registered address_space (always even:
 * odd values are anon_vma pointers, PAGE_MAPPING_ANON); nr_pagecache counts pages in any page_tree.
 */
import { KernelBugError, type Machine, PAGE_SIZE, type Page, type VirtAddr } from "@i386mm/hw-i386";
import { KM_USER0, type Kmap, readVirt, writeVirt } from "@i386mm/kmap";
import {
  type MemMap,
  type PageAllocator,
  PG_checked,
  PG_dirty,
  PG_error,
  PG_locked,
  PG_mappedtodisk,
  PG_private,
  PG_referenced,
  PG_uptodate,
  PG_writeback,
} from "@i386mm/page-alloc";
import type { SlabAllocator } from "@i386mm/slab";
import type { address_space } from "./fs.js";
import { RadixTreeNodes } from "./radix-tree.js";

/** PAGE_CACHE_SHIFT / PAGE_CACHE_SIZE / PAGE_CACHE_MASK (include/linux/pagemap.h): one page. */
export const PAGE_CACHE_SHIFT = 12;
export const PAGE_CACHE_SIZE = PAGE_SIZE;
export const PAGE_CACHE_MASK = 0xfffff000;

const LOCKED = 1 << PG_locked;
const ERROR = 1 << PG_error;
const REFERENCED = 1 << PG_referenced;
const UPTODATE = 1 << PG_uptodate;
const DIRTY = 1 << PG_dirty;
const CHECKED = 1 << PG_checked;
const PRIVATE = 1 << PG_private;
const WRITEBACK = 1 << PG_writeback;
const MAPPEDTODISK = 1 << PG_mappedtodisk;

/*
 * Keys of the steps one class of the page cache calls on another. The page cache is one kernel
 * subsystem split over a class chain (PageCacheBase <- Filemap <- BufferCache <- Vfs <-
 * BlockDevices <- PageCache), so these cannot be #private; symbol keys keep them out of every
 * walk of the prototype by name (the demo binds a layer's public methods by their names), as
 * #private does for the steps a class keeps to itself. The description is the kernel's name.
 */
export const INIT_MOUNT_TREE: unique symbol = Symbol("init_mount_tree");
export const SYNC_SB_BLOCKDEV: unique symbol = Symbol("sync_sb_blockdev");
export const FLUSH_DISKS: unique symbol = Symbol("flush_disks");
export const B_END_IO_CALL: unique symbol = Symbol("b_end_io_call");

/** BUG() in the page cache or VFS: misuse the kernel would crash on (state unchanged). */
export class PageCacheError extends KernelBugError {}

/**
 * The disk itself failed: a read past the end of a host image file, a write to a read-only
 * medium. The hardware's error (the block layer would see an I/O error), not a kernel bug.
 */
export class BlockBackendError extends Error {
  override name = "BlockBackendError";
}

/**
 * The kernel would sleep here (lock_page on a locked page, wait_on_buffer on a locked buffer) but
 * the simulation runs one path at a time, so nobody could wake it: reported instead, nothing changed.
 */
export class PageCacheWouldSleepError extends PageCacheError {}

/** Options of a PageCache. */
export interface PageCacheOptions {
  /** Seconds since the epoch used for inode and superblock times (get_seconds()); default 0x40000000 (2004). */
  now?: () => number;
}

/** The state shared by every part of the page cache of one kernel. */
export class PageCacheBase {
  readonly pa: PageAllocator;
  readonly slab: SlabAllocator;
  readonly km: Kmap;
  readonly machine: Machine;
  readonly mem_map: MemMap;
  /** radix_tree_node_cachep and the per-CPU preload pools. */
  readonly radix_nodes: RadixTreeNodes;
  /** Every live address_space by its kernel address (what page->mapping holds). */
  readonly mappings = new Map<number, address_space>();
  /** nr_pagecache: pages in any page cache (get_page_cache_size()). */
  nr_pagecache = 0;
  /** get_seconds(). */
  readonly get_seconds: () => number;

  constructor(slab: SlabAllocator, km: Kmap, opts: PageCacheOptions = {}) {
    if (km.pa !== slab.pa)
      throw new PageCacheError("PageCache", undefined, "slab and kmap sit on different page allocators");
    if (slab.pa.page_cache_counters)
      throw new PageCacheError(
        "vfs_caches_init",
        undefined,
        "a page cache is already set up on this page allocator",
      );
    this.pa = slab.pa;
    this.slab = slab;
    this.km = km;
    this.machine = slab.machine;
    this.mem_map = slab.pa.mem_map;
    this.radix_nodes = new RadixTreeNodes(slab);
    const fixed = 0x40000000;
    this.get_seconds = opts.now ?? (() => fixed);
  }

  /** A PageCacheError (or subclass) about `page`: the address is its struct page's, the pfn named in the text. */
  bugPage(
    call: string,
    page: Page,
    detail: string,
    kind: typeof PageCacheError = PageCacheError,
  ): PageCacheError {
    return new kind(
      call,
      this.pa.page_descriptor_address(page),
      `${detail} (page pfn 0x${page.toString(16)})`,
    );
  }

  // ---------------------------------------------------------------- include/linux/page-flags.h

  /** PageLocked. */
  PageLocked(page: Page): boolean {
    return (this.mem_map.flags[page] & LOCKED) !== 0;
  }
  /** SetPageLocked. */
  SetPageLocked(page: Page): void {
    this.mem_map.flags[page] |= LOCKED;
  }
  /** TestSetPageLocked: set PG_locked, return whether it was set before. */
  TestSetPageLocked(page: Page): boolean {
    const f = this.mem_map.flags[page];
    this.mem_map.flags[page] = f | LOCKED;
    return (f & LOCKED) !== 0;
  }
  /** ClearPageLocked. */
  ClearPageLocked(page: Page): void {
    this.mem_map.flags[page] &= ~LOCKED;
  }
  /** PageError. */
  PageError(page: Page): boolean {
    return (this.mem_map.flags[page] & ERROR) !== 0;
  }
  /** SetPageError. */
  SetPageError(page: Page): void {
    this.mem_map.flags[page] |= ERROR;
  }
  /** ClearPageError. */
  ClearPageError(page: Page): void {
    this.mem_map.flags[page] &= ~ERROR;
  }
  /** PageReferenced. */
  PageReferenced(page: Page): boolean {
    return (this.mem_map.flags[page] & REFERENCED) !== 0;
  }
  /** PageUptodate. */
  PageUptodate(page: Page): boolean {
    return (this.mem_map.flags[page] & UPTODATE) !== 0;
  }
  /** SetPageUptodate. */
  SetPageUptodate(page: Page): void {
    this.mem_map.flags[page] |= UPTODATE;
  }
  /** ClearPageUptodate. */
  ClearPageUptodate(page: Page): void {
    this.mem_map.flags[page] &= ~UPTODATE;
  }
  /** PageDirty. */
  PageDirty(page: Page): boolean {
    return (this.mem_map.flags[page] & DIRTY) !== 0;
  }
  /** SetPageDirty. */
  SetPageDirty(page: Page): void {
    this.mem_map.flags[page] |= DIRTY;
  }
  /** TestSetPageDirty: set PG_dirty, return whether it was set before. */
  TestSetPageDirty(page: Page): boolean {
    const f = this.mem_map.flags[page];
    this.mem_map.flags[page] = f | DIRTY;
    return (f & DIRTY) !== 0;
  }
  /** TestClearPageDirty: clear PG_dirty, return whether it was set. */
  TestClearPageDirty(page: Page): boolean {
    const f = this.mem_map.flags[page];
    this.mem_map.flags[page] = f & ~DIRTY;
    return (f & DIRTY) !== 0;
  }
  /** ClearPageDirty. */
  ClearPageDirty(page: Page): void {
    this.mem_map.flags[page] &= ~DIRTY;
  }
  /** PageChecked (ext2: directory page validated). */
  PageChecked(page: Page): boolean {
    return (this.mem_map.flags[page] & CHECKED) !== 0;
  }
  /** SetPageChecked. */
  SetPageChecked(page: Page): void {
    this.mem_map.flags[page] |= CHECKED;
  }
  /** ClearPageChecked. */
  ClearPageChecked(page: Page): void {
    this.mem_map.flags[page] &= ~CHECKED;
  }
  /** PagePrivate: page->private holds the first buffer_head. */
  PagePrivate(page: Page): boolean {
    return (this.mem_map.flags[page] & PRIVATE) !== 0;
  }
  /** SetPagePrivate. */
  SetPagePrivate(page: Page): void {
    this.mem_map.flags[page] |= PRIVATE;
  }
  /** ClearPagePrivate. */
  ClearPagePrivate(page: Page): void {
    this.mem_map.flags[page] &= ~PRIVATE;
  }
  /** PageWriteback. */
  PageWriteback(page: Page): boolean {
    return (this.mem_map.flags[page] & WRITEBACK) !== 0;
  }
  /** TestSetPageWriteback. */
  TestSetPageWriteback(page: Page): boolean {
    const f = this.mem_map.flags[page];
    this.mem_map.flags[page] = f | WRITEBACK;
    return (f & WRITEBACK) !== 0;
  }
  /** TestClearPageWriteback. */
  TestClearPageWriteback(page: Page): boolean {
    const f = this.mem_map.flags[page];
    this.mem_map.flags[page] = f & ~WRITEBACK;
    return (f & WRITEBACK) !== 0;
  }
  /** PageMappedToDisk: every block of the page is mapped (no holes). */
  PageMappedToDisk(page: Page): boolean {
    return (this.mem_map.flags[page] & MAPPEDTODISK) !== 0;
  }
  /** SetPageMappedToDisk. */
  SetPageMappedToDisk(page: Page): void {
    this.mem_map.flags[page] |= MAPPEDTODISK;
  }
  /** ClearPageMappedToDisk. */
  ClearPageMappedToDisk(page: Page): void {
    this.mem_map.flags[page] &= ~MAPPEDTODISK;
  }
  /** page_has_buffers = PagePrivate. */
  page_has_buffers(page: Page): boolean {
    return this.PagePrivate(page);
  }
  /** page_mapped: some PTE maps the page (_mapcount >= 0). */
  page_mapped(page: Page): boolean {
    return this.mem_map._mapcount[page] >= 0;
  }

  // ---------------------------------------------------------------- page->mapping, references

  /** page_mapping(page): the page's address_space, or null (none, or an anonymous page). */
  page_mapping(page: Page): address_space | null {
    const h = this.mem_map.mapping[page];
    if (h === 0 || h & 1) return null;
    return this.mappings.get(h) ?? null;
  }
  /** page->index. */
  page_index(page: Page): number {
    return this.mem_map.index[page];
  }
  /** page_cache_get = get_page. */
  page_cache_get(page: Page): void {
    this.pa.get_page(page);
  }
  /** page_cache_release = put_page (the last reference frees the page). */
  page_cache_release(page: Page): void {
    this.pa.put_page(page);
  }

  // ---------------------------------------------------------------- moving bytes

  /** memcpy into the page at `offset` through kmap_atomic(page, KM_USER0), as filemap_copy_from_user does. */
  copy_to_page(page: Page, offset: number, src: Uint8Array): void {
    if (src.length === 0) return;
    const va = this.km.kmap_atomic(page, KM_USER0);
    try {
      writeVirt(this.machine, (va + offset) as VirtAddr, src);
    } finally {
      this.km.kunmap_atomic(va, KM_USER0);
    }
  }
  /** memcpy out of the page at `offset` through kmap_atomic(page, KM_USER0), as file_read_actor does. */
  copy_from_page(page: Page, offset: number, len: number): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const va = this.km.kmap_atomic(page, KM_USER0);
    try {
      return readVirt(this.machine, (va + offset) as VirtAddr, len);
    } finally {
      this.km.kunmap_atomic(va, KM_USER0);
    }
  }
  /** memset(kaddr + offset, 0, len) through kmap_atomic (clear_highpage, the zeroing of simple_prepare_write). */
  zero_page_range(page: Page, offset: number, len: number): void {
    if (len > 0) this.copy_to_page(page, offset, new Uint8Array(len));
  }
  /** A device's DMA into the frame (no CPU mapping involved): the end of a read request. */
  dma_to_page(page: Page, offset: number, src: Uint8Array): void {
    this.machine.ram.writeBytes(page * PAGE_SIZE + offset, src);
  }
  /** A device's DMA out of the frame: the start of a write request. */
  dma_from_page(page: Page, offset: number, len: number): Uint8Array {
    return this.machine.ram.readBytes(page * PAGE_SIZE + offset, len);
  }
}
