/*
 * filemap.ts — the page cache proper: mm/filemap.c (add_to_page_cache, find_get_page,
 * find_lock_page, find_or_create_page, read_cache_page, do_generic_mapping_read, generic_file_read,
 * generic_file_buffered_write, filemap_nopage's page-cache half, filemap_fdatawrite/wait),
 * mm/page-writeback.c (set_page_dirty, clear_page_dirty_for_io, test_set_page_writeback,
 * mpage_writepages' walk, write_one_page), mm/truncate.c (truncate_inode_pages,
 * invalidate_mapping_pages) and mark_page_accessed (mm/swap.c), in that order.
 * I/O here completes before readpage/writepage return (the device is synchronous), so a page is
 * locked only inside a call or between a caller's find_lock_page and unlock_page; where the kernel
 * would sleep on a page someone else holds locked, PageCacheWouldSleepError is thrown instead.
 * Invariants: a page in a page_tree has mapping == that tree's address_space, index == its key,
 * one reference for the cache; nrpages == entries; a page tagged DIRTY is PG_dirty (between calls).
 * The model keeps no LRU lists: add_to_page_cache_lru adds no PG_lru (vmscan is not modelled).
 */
import { Errno, type Page } from "@i386mm/hw-i386";
import { __GFP_BITS_MASK, __GFP_COLD, __GFP_HIGHMEM, GFP_KERNEL, PG_referenced } from "@i386mm/page-alloc";
import { PAGE_CACHE_SIZE, PageCacheBase, PageCacheWouldSleepError } from "./base.js";
import { ERR_PTR, type ErrPtr, IS_ERR } from "./err.js";
import {
  AS_EIO,
  AS_ENOSPC,
  type address_space,
  type file,
  I_DIRTY_PAGES,
  I_DIRTY_SYNC,
  type inode,
  type loff_ptr,
  type loff_t,
  MS_NOATIME,
  MS_RDONLY,
  O_APPEND,
  PAGECACHE_TAG_DIRTY,
  PAGECACHE_TAG_WRITEBACK,
  type pgoff_t,
  S_ISBLK,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
  WB_SYNC_ALL,
  WB_SYNC_NONE,
  type writeback_control,
} from "./fs.js";
import {
  radix_tree_delete,
  radix_tree_gang_lookup,
  radix_tree_gang_lookup_tag,
  radix_tree_insert,
  radix_tree_lookup,
  radix_tree_tag_clear,
  radix_tree_tag_set,
} from "./radix-tree.js";

/** read_descriptor_t: where a read's bytes go and how far it got. */
export interface read_descriptor_t {
  /** Bytes copied so far. */
  written: number;
  /** Bytes still wanted. */
  count: number;
  /** The destination buffer and the offset of the next byte in it. */
  arg: { buf: Uint8Array; off: number };
  /** 0, or the negative errno that ended the read. */
  error: number;
}

/** read_actor_t: copy `size` bytes of `page` at `offset` to the descriptor; returns bytes copied. */
export type read_actor_t = (desc: read_descriptor_t, page: Page, offset: number, size: number) => number;

/** filemap_nopage's "no page: SIGBUS" result (NULL in the kernel). */
export const NOPAGE_SIGBUS = null;
/** filemap_nopage's "out of memory" result ((struct page *)-1 in the kernel). */
export const NOPAGE_OOM = ERR_PTR(-1);

/** PAGEVEC_SIZE: pages per gang lookup in writeback and invalidation (include/linux/pagevec.h). */
export const PAGEVEC_SIZE = 14;

/** The page-cache operations of mm/filemap.c and friends; buffer-head parts are supplied by the next layer. */
export abstract class Filemap extends PageCacheBase {
  // ---------------------------------------------------------------- hooks of fs/buffer.c

  /** try_to_free_buffers(page): drop the page's buffers if none is busy or dirty (fs/buffer.c). */
  abstract try_to_free_buffers(page: Page): boolean;
  /** block_invalidatepage(page, offset): forget the buffers at or after offset (fs/buffer.c). */
  abstract block_invalidatepage(page: Page, offset: number): number;
  /** __set_page_dirty_buffers(page): dirty every buffer, then the page (fs/buffer.c). */
  abstract __set_page_dirty_buffers(page: Page): number;

  // ---------------------------------------------------------------- locking (mm/filemap.c)

  /** lock_page: take PG_locked; a page locked by someone else would sleep (PageCacheWouldSleepError). */
  lock_page(page: Page): void {
    if (this.TestSetPageLocked(page))
      throw this.bugPage(
        "lock_page",
        page,
        "page is locked by another path (__lock_page would sleep)",
        PageCacheWouldSleepError,
      );
  }
  /** unlock_page: clear PG_locked and wake waiters; BUG when not locked. */
  unlock_page(page: Page): void {
    if (!this.PageLocked(page)) throw this.bugPage("unlock_page", page, "page is not locked");
    this.ClearPageLocked(page);
  }
  /**
   * lock_page on a page the caller holds references to: when it would sleep, those references
   * (`refs`, the page's own first) are dropped before the error propagates, so nothing leaks.
   */
  #lock_page_holding(page: Page, refs: readonly Page[] = [page]): void {
    try {
      this.lock_page(page);
    } catch (e) {
      for (const p of refs) this.page_cache_release(p);
      throw e;
    }
  }
  /** wait_on_page_locked: the I/O that locked it has completed here, so only a lock someone holds would sleep. */
  wait_on_page_locked(page: Page): void {
    if (this.PageLocked(page))
      throw this.bugPage(
        "wait_on_page_locked",
        page,
        "page stays locked (the holder must unlock_page)",
        PageCacheWouldSleepError,
      );
  }
  /** wait_on_page_writeback: writeback completes inside writepage here, so PG_writeback between calls is a bug. */
  wait_on_page_writeback(page: Page): void {
    if (this.PageWriteback(page))
      throw this.bugPage(
        "wait_on_page_writeback",
        page,
        "page stays under writeback",
        PageCacheWouldSleepError,
      );
  }
  /** end_page_writeback: clear PG_writeback (and its radix tag); BUG when it was not set. */
  end_page_writeback(page: Page): void {
    if (!this.test_clear_page_writeback(page))
      throw this.bugPage("end_page_writeback", page, "page was not under writeback");
  }

  // ---------------------------------------------------------------- mm/swap.c

  /** mark_page_accessed: PG_referenced (no LRU here, so no activation). */
  mark_page_accessed(page: Page): void {
    this.mem_map.flags[page] |= 1 << PG_referenced;
  }

  // ---------------------------------------------------------------- insertion and removal

  /** mapping_gfp_mask(mapping). */
  mapping_gfp_mask(mapping: address_space): number {
    return mapping.flags & __GFP_BITS_MASK;
  }

  /** page_cache_alloc(mapping): a page with the mapping's gfp mask (may be highmem), or null. */
  page_cache_alloc(mapping: address_space): Page | null {
    return this.pa.alloc_pages(this.mapping_gfp_mask(mapping), 0);
  }
  /** page_cache_alloc_cold(mapping): the same, from the cold end of the per-CPU list. */
  page_cache_alloc_cold(mapping: address_space): Page | null {
    return this.pa.alloc_pages(this.mapping_gfp_mask(mapping) | __GFP_COLD, 0);
  }

  /**
   * add_to_page_cache(page, mapping, offset, gfp_mask): insert under the tree lock after preloading
   * radix nodes; on success take the cache's reference, lock the page, set mapping and index,
   * nrpages++ and nr_pagecache++. Returns 0, -EEXIST (index occupied) or -ENOMEM.
   */
  add_to_page_cache(page: Page, mapping: address_space, offset: pgoff_t, gfp_mask: number): number {
    if (this.mem_map.mapping[page] !== 0)
      throw this.bugPage("add_to_page_cache", page, "page already has a mapping (model's check)");
    if (this.pa.page_count(page) < 1)
      throw this.bugPage("add_to_page_cache", page, "page is free (count 0) (model's check)");
    let error = this.radix_nodes.radix_tree_preload(gfp_mask & ~__GFP_HIGHMEM);
    if (error === 0) {
      error = radix_tree_insert(mapping.page_tree, offset, page);
      if (error === 0) {
        this.page_cache_get(page);
        this.SetPageLocked(page);
        this.mem_map.mapping[page] = mapping.addr;
        this.mem_map.index[page] = offset;
        mapping.nrpages++;
        this.nr_pagecache++;
      }
      this.radix_nodes.radix_tree_preload_end();
    }
    return error;
  }

  /** add_to_page_cache_lru: add_to_page_cache (then lru_cache_add, which this model does not keep). */
  add_to_page_cache_lru(page: Page, mapping: address_space, offset: pgoff_t, gfp_mask: number): number {
    return this.add_to_page_cache(page, mapping, offset, gfp_mask);
  }

  /** __remove_from_page_cache(page): out of the tree (tags with it), mapping = NULL, counts down; the caller drops the cache's reference. */
  __remove_from_page_cache(page: Page): void {
    const mapping = this.page_mapping(page);
    if (!mapping) throw this.bugPage("__remove_from_page_cache", page, "page has no mapping");
    radix_tree_delete(mapping.page_tree, this.mem_map.index[page]);
    this.mem_map.mapping[page] = 0;
    mapping.nrpages--;
    this.nr_pagecache--;
  }

  /** remove_from_page_cache(page): the page must be locked (PAGE_BUG otherwise). */
  remove_from_page_cache(page: Page): void {
    if (!this.PageLocked(page))
      throw this.bugPage("remove_from_page_cache", page, "page is not locked (PAGE_BUG)");
    this.__remove_from_page_cache(page);
  }

  // ---------------------------------------------------------------- lookup

  /** find_get_page(mapping, offset): the cached page with a reference taken, or null. Does not lock it. */
  find_get_page(mapping: address_space, offset: pgoff_t): Page | null {
    const page = radix_tree_lookup(mapping.page_tree, offset);
    if (page !== null) this.page_cache_get(page);
    return page;
  }

  /** find_trylock_page(mapping, offset): the page locked without a new reference, or null if absent or already locked. */
  find_trylock_page(mapping: address_space, offset: pgoff_t): Page | null {
    const page = radix_tree_lookup(mapping.page_tree, offset);
    if (page !== null && this.TestSetPageLocked(page)) return null;
    return page;
  }

  /**
   * find_lock_page(mapping, offset): the page locked and referenced, or null. A page another path
   * holds locked would sleep (PageCacheWouldSleepError, reference returned first).
   */
  find_lock_page(mapping: address_space, offset: pgoff_t): Page | null {
    const page = this.find_get_page(mapping, offset);
    if (page === null) return null;
    if (this.TestSetPageLocked(page)) {
      this.page_cache_release(page);
      throw this.bugPage(
        "find_lock_page",
        page,
        "page is locked by another path (lock_page would sleep)",
        PageCacheWouldSleepError,
      );
    }
    return page;
  }

  /**
   * find_or_create_page(mapping, index, gfp_mask): the page locked and referenced, allocated and
   * added when absent; null when no memory.
   */
  find_or_create_page(mapping: address_space, index: pgoff_t, gfp_mask: number): Page | null {
    let cached: Page | null = null;
    for (;;) {
      const page = this.find_lock_page(mapping, index);
      if (page !== null) {
        if (cached !== null) this.page_cache_release(cached);
        return page;
      }
      if (cached === null) {
        cached = this.pa.alloc_pages(gfp_mask, 0);
        if (cached === null) return null;
      }
      const err = this.add_to_page_cache_lru(cached, mapping, index, gfp_mask);
      if (err === 0) return cached;
      if (err !== -Errno.EEXIST) {
        this.page_cache_release(cached);
        return null;
      }
    }
  }

  /** grab_cache_page(mapping, index): find_or_create_page with the mapping's gfp mask. */
  grab_cache_page(mapping: address_space, index: pgoff_t): Page | null {
    return this.find_or_create_page(mapping, index, this.mapping_gfp_mask(mapping));
  }

  /** find_get_pages(mapping, start, nr_pages): up to nr_pages cached pages from start on, each referenced. */
  find_get_pages(mapping: address_space, start: pgoff_t, nr_pages: number): Page[] {
    const pages = radix_tree_gang_lookup(mapping.page_tree, start, nr_pages);
    for (const p of pages) this.page_cache_get(p);
    return pages;
  }

  /** find_get_pages_tag(mapping, index, tag, nr_pages): the same for tagged pages; index.pos moves past the last one. */
  find_get_pages_tag(mapping: address_space, index: loff_ptr, tag: number, nr_pages: number): Page[] {
    const pages = radix_tree_gang_lookup_tag(mapping.page_tree, index.pos, nr_pages, tag);
    for (const p of pages) this.page_cache_get(p);
    if (pages.length) index.pos = this.mem_map.index[pages[pages.length - 1]] + 1;
    return pages;
  }

  // ---------------------------------------------------------------- dirtying (mm/page-writeback.c)

  /** __mark_inode_dirty(inode, flags): OR the I_DIRTY bits in and put the inode on its sb's dirty list. */
  __mark_inode_dirty(inode: inode, flags: number): void {
    inode.i_state |= flags;
    inode.i_sb.s_dirty.add(inode);
  }
  /** mark_inode_dirty(inode): I_DIRTY_SYNC | I_DIRTY_DATASYNC | I_DIRTY_PAGES. */
  mark_inode_dirty(inode: inode): void {
    this.__mark_inode_dirty(inode, 7);
  }

  /** __set_page_dirty_nobuffers(page): PG_dirty and, the first time, the DIRTY tag and the inode's I_DIRTY_PAGES. */
  __set_page_dirty_nobuffers(page: Page): number {
    if (!this.TestSetPageDirty(page)) {
      const mapping = this.page_mapping(page);
      if (mapping) {
        radix_tree_tag_set(mapping.page_tree, this.mem_map.index[page], PAGECACHE_TAG_DIRTY);
        this.__mark_inode_dirty(mapping.host, I_DIRTY_PAGES);
      }
    }
    return 0;
  }

  /** set_page_dirty(page): the mapping's a_ops->set_page_dirty, else __set_page_dirty_buffers; a page without mapping just gets PG_dirty. */
  set_page_dirty(page: Page): number {
    const mapping = this.page_mapping(page);
    if (mapping) {
      const spd = mapping.a_ops.set_page_dirty;
      return spd ? spd(page) : this.__set_page_dirty_buffers(page);
    }
    if (!this.PageDirty(page)) this.SetPageDirty(page);
    return 0;
  }

  /** set_page_dirty_lock: set_page_dirty under the page lock. */
  set_page_dirty_lock(page: Page): number {
    this.lock_page(page);
    const ret = this.set_page_dirty(page);
    this.unlock_page(page);
    return ret;
  }

  /** test_clear_page_dirty(page): clear PG_dirty and the DIRTY tag; true when it was dirty. */
  test_clear_page_dirty(page: Page): boolean {
    if (this.TestClearPageDirty(page)) {
      const mapping = this.page_mapping(page);
      if (mapping) radix_tree_tag_clear(mapping.page_tree, this.mem_map.index[page], PAGECACHE_TAG_DIRTY);
      return true;
    }
    return false;
  }
  /** clear_page_dirty(page). */
  clear_page_dirty(page: Page): void {
    this.test_clear_page_dirty(page);
  }

  /**
   * clear_page_dirty_for_io(page): clear PG_dirty before writepage but leave the DIRTY tag, which
   * test_set_page_writeback drops once the page is under writeback. True when it was dirty.
   */
  clear_page_dirty_for_io(page: Page): boolean {
    return this.TestClearPageDirty(page);
  }

  /** test_set_page_writeback(page): PG_writeback + WRITEBACK tag; drop the DIRTY tag if the page is clean. */
  test_set_page_writeback(page: Page): boolean {
    const mapping = this.page_mapping(page);
    const ret = this.TestSetPageWriteback(page);
    if (mapping) {
      const index = this.mem_map.index[page];
      if (!ret) radix_tree_tag_set(mapping.page_tree, index, PAGECACHE_TAG_WRITEBACK);
      if (!this.PageDirty(page)) radix_tree_tag_clear(mapping.page_tree, index, PAGECACHE_TAG_DIRTY);
    }
    return ret;
  }
  /** set_page_writeback(page): BUG when already under writeback. */
  set_page_writeback(page: Page): void {
    if (this.test_set_page_writeback(page))
      throw this.bugPage("set_page_writeback", page, "page already under writeback");
  }
  /** test_clear_page_writeback(page): clear PG_writeback and its tag; true when it was set. */
  test_clear_page_writeback(page: Page): boolean {
    const ret = this.TestClearPageWriteback(page);
    const mapping = this.page_mapping(page);
    if (ret && mapping)
      radix_tree_tag_clear(mapping.page_tree, this.mem_map.index[page], PAGECACHE_TAG_WRITEBACK);
    return ret;
  }

  // ---------------------------------------------------------------- reading

  /**
   * read_cache_page(mapping, index, filler, data): the page, uptodate, with a reference; the filler
   * (usually a_ops->readpage) reads it when it is not. ERR_PTR(-ENOMEM) or the filler's error.
   */
  read_cache_page<D>(
    mapping: address_space,
    index: pgoff_t,
    filler: (data: D, page: Page) => number,
    data: D,
  ): Page | ErrPtr {
    for (;;) {
      const page = this.#__read_cache_page(mapping, index, filler, data);
      if (IS_ERR(page)) return page;
      this.mark_page_accessed(page);
      if (this.PageUptodate(page)) return page;
      this.#lock_page_holding(page);
      if (this.mem_map.mapping[page] === 0) {
        this.unlock_page(page);
        this.page_cache_release(page);
        continue;
      }
      if (this.PageUptodate(page)) {
        this.unlock_page(page);
        return page;
      }
      const err = filler(data, page);
      if (err < 0) {
        this.page_cache_release(page);
        return ERR_PTR(err);
      }
      return page;
    }
  }

  /** __read_cache_page: find the page or add a new one and run the filler on it. */
  #__read_cache_page<D>(
    mapping: address_space,
    index: pgoff_t,
    filler: (data: D, page: Page) => number,
    data: D,
  ): Page | ErrPtr {
    let cached: Page | null = null;
    for (;;) {
      const page = this.find_get_page(mapping, index);
      if (page !== null) {
        if (cached !== null) this.page_cache_release(cached);
        return page;
      }
      if (cached === null) {
        cached = this.page_cache_alloc_cold(mapping);
        if (cached === null) return ERR_PTR(-Errno.ENOMEM);
      }
      const err = this.add_to_page_cache_lru(cached, mapping, index, GFP_KERNEL);
      if (err === -Errno.EEXIST) continue;
      if (err < 0) {
        this.page_cache_release(cached);
        return ERR_PTR(err);
      }
      const p = cached;
      const ferr = filler(data, p);
      if (ferr < 0) {
        this.page_cache_release(p);
        return ERR_PTR(ferr);
      }
      return p;
    }
  }

  /** page_cache_read(file, offset): add a page at offset and start readpage on it; 0 (also when someone added it first) or -errno. */
  page_cache_read(file: file, offset: pgoff_t): number {
    const mapping = file.f_mapping;
    const page = this.page_cache_alloc_cold(mapping);
    if (page === null) return -Errno.ENOMEM;
    let error = this.add_to_page_cache_lru(page, mapping, offset, GFP_KERNEL);
    if (error === 0) {
      const readpage = mapping.a_ops.readpage;
      error = readpage ? readpage(file, page) : -Errno.EINVAL;
      this.page_cache_release(page);
      return error;
    }
    this.page_cache_release(page);
    return error === -Errno.EEXIST ? 0 : error;
  }

  /** file_read_actor: copy from the page (kmap_atomic) into the descriptor's buffer. */
  readonly file_read_actor: read_actor_t = (desc, page, offset, size) => {
    if (size > desc.count) size = desc.count;
    const bytes = this.copy_from_page(page, offset, size);
    desc.arg.buf.set(bytes, desc.arg.off);
    desc.arg.off += size;
    desc.count -= size;
    desc.written += size;
    return size;
  };

  /**
   * do_generic_mapping_read(mapping, filp, ppos, desc, actor): the read loop of mm/filemap.c, page by
   * page from *ppos: a cached uptodate page is copied out; a missing one is allocated, added and
   * read with a_ops->readpage; a page not uptodate is locked and read. Stops at i_size (reads past
   * the end give 0 bytes). No readahead.
   */
  do_generic_mapping_read(
    mapping: address_space,
    filp: file | null,
    ppos: loff_ptr,
    desc: read_descriptor_t,
    actor: read_actor_t,
  ): void {
    const inode = mapping.host;
    let index = Math.floor(ppos.pos / PAGE_CACHE_SIZE);
    let offset = ppos.pos % PAGE_CACHE_SIZE;
    let cached: Page | null = null;
    let isize = inode.i_size;
    const loop = (): void => {
      if (isize === 0) return;
      let end_index = Math.floor((isize - 1) / PAGE_CACHE_SIZE);
      for (;;) {
        if (index > end_index) return;
        let nr = PAGE_CACHE_SIZE;
        if (index === end_index) {
          nr = ((isize - 1) % PAGE_CACHE_SIZE) + 1;
          if (nr <= offset) return;
        }
        nr -= offset;
        let page: Page | null;
        let fresh = false;
        // find_page / no_cached_page
        for (;;) {
          page = this.find_get_page(mapping, index);
          if (page !== null) break;
          if (cached === null) {
            cached = this.page_cache_alloc_cold(mapping);
            if (cached === null) {
              desc.error = -Errno.ENOMEM;
              return;
            }
          }
          const error = this.add_to_page_cache_lru(cached, mapping, index, GFP_KERNEL);
          if (error === -Errno.EEXIST) continue;
          if (error) {
            desc.error = error;
            return;
          }
          page = cached;
          cached = null;
          fresh = true;
          break;
        }
        if (!this.PageUptodate(page)) {
          // page_not_up_to_date: lock it (a new page is already locked by add_to_page_cache)
          if (!fresh) {
            this.#lock_page_holding(page, cached === null ? [page] : [page, cached]);
            if (this.mem_map.mapping[page] === 0) {
              this.unlock_page(page);
              this.page_cache_release(page);
              continue;
            }
          }
          if (this.PageUptodate(page)) this.unlock_page(page);
          else {
            // readpage:
            const readpage = mapping.a_ops.readpage;
            const error = readpage ? readpage(filp, page) : -Errno.EINVAL;
            if (error === 0 && !this.PageUptodate(page)) {
              this.wait_on_page_locked(page);
              if (!this.PageUptodate(page)) {
                desc.error = -Errno.EIO;
                this.page_cache_release(page);
                return;
              }
            }
            if (error) {
              desc.error = error;
              this.page_cache_release(page);
              return;
            }
            // i_size must be checked after ->readpage
            isize = inode.i_size;
            end_index = Math.floor((isize - 1) / PAGE_CACHE_SIZE);
            if (isize === 0 || index > end_index) {
              this.page_cache_release(page);
              return;
            }
            nr = PAGE_CACHE_SIZE;
            if (index === end_index) {
              nr = ((isize - 1) % PAGE_CACHE_SIZE) + 1;
              if (nr <= offset) {
                this.page_cache_release(page);
                return;
              }
            }
            nr -= offset;
          }
        }
        // page_ok:
        this.mark_page_accessed(page);
        const ret = actor(desc, page, offset, nr);
        offset += ret;
        index += Math.floor(offset / PAGE_CACHE_SIZE);
        offset %= PAGE_CACHE_SIZE;
        this.page_cache_release(page);
        if (ret === nr && desc.count) continue;
        return;
      }
    };
    loop();
    ppos.pos = index * PAGE_CACHE_SIZE + offset;
    if (cached !== null) this.page_cache_release(cached);
    if (filp) this.file_accessed(filp);
  }

  /**
   * generic_file_read(filp, buf, count, ppos): read through the page cache into `buf` (from index 0);
   * bytes read (0 at or past end of file), or -errno when nothing was read.
   */
  generic_file_read(filp: file, buf: Uint8Array, count: number, ppos: loff_ptr): number {
    if (count < 0 || count > buf.length) return -Errno.EFAULT;
    if (count === 0) return 0;
    const desc: read_descriptor_t = { written: 0, count, arg: { buf, off: 0 }, error: 0 };
    this.do_generic_mapping_read(filp.f_mapping, filp, ppos, desc, this.file_read_actor);
    return desc.written > 0 ? desc.written : desc.error;
  }

  /**
   * filemap_nopage's page-cache half (mm/filemap.c): the page at `pgoff` of the file, uptodate and
   * referenced, reading it when absent. The kernel's filemap_nopage(area, address, type) first
   * computes pgoff = (address - vm_start) / PAGE_SIZE + vm_pgoff; the vma layer does that step and
   * calls this. NOPAGE_SIGBUS (null) past i_size or on an I/O error, NOPAGE_OOM without memory;
   * `fault.major` is set when the page had to be read (VM_FAULT_MAJOR).
   */
  filemap_nopage(
    file: file,
    pgoff: pgoff_t,
    fault?: { major: boolean },
  ): Page | typeof NOPAGE_SIGBUS | typeof NOPAGE_OOM {
    const mapping = file.f_mapping;
    const inode = mapping.host;
    for (let tries = 0; ; ) {
      const size = Math.ceil(inode.i_size / PAGE_CACHE_SIZE);
      if (pgoff >= size) return NOPAGE_SIGBUS;
      const page = this.find_get_page(mapping, pgoff);
      if (page === null) {
        if (fault) fault.major = true;
        const error = this.page_cache_read(file, pgoff);
        if (error >= 0) continue;
        if (error === -Errno.ENOMEM) return NOPAGE_OOM;
        return NOPAGE_SIGBUS;
      }
      if (this.PageUptodate(page)) {
        this.mark_page_accessed(page);
        return page;
      }
      // page_not_uptodate: lock and read again (the kernel tries twice)
      if (fault) fault.major = true;
      this.#lock_page_holding(page);
      if (this.mem_map.mapping[page] === 0) {
        this.unlock_page(page);
        this.page_cache_release(page);
        continue;
      }
      if (this.PageUptodate(page)) {
        this.unlock_page(page);
        this.mark_page_accessed(page);
        return page;
      }
      this.ClearPageError(page);
      const readpage = mapping.a_ops.readpage;
      const error = readpage ? readpage(file, page) : -Errno.EINVAL;
      if (!error && this.PageUptodate(page)) {
        this.mark_page_accessed(page);
        return page;
      }
      this.page_cache_release(page);
      if (++tries >= 2) return NOPAGE_SIGBUS;
    }
  }

  // ---------------------------------------------------------------- writing

  /**
   * generic_write_checks: O_APPEND moves pos to i_size; a write at or past s_maxbytes is -EFBIG,
   * one reaching past it is cut short. Returns the allowed count or -errno; `ppos.pos` updated.
   */
  generic_write_checks(file: file, ppos: loff_ptr, count: number): number {
    const inode = file.f_mapping.host;
    if (count < 0) return -Errno.EINVAL;
    if (file.f_flags & O_APPEND) ppos.pos = inode.i_size;
    const pos = ppos.pos;
    if (pos < 0) return -Errno.EINVAL;
    if (S_ISBLK(inode.i_mode)) {
      // A block device cannot grow: writing at or past its end is -ENOSPC.
      const isize = inode.i_size;
      if (pos >= isize) return count > 0 || pos > isize ? -Errno.ENOSPC : 0;
      if (count > isize - pos) count = isize - pos;
      return count;
    }
    const max = inode.i_sb.s_maxbytes;
    if (pos >= max) return count > 0 || pos > max ? -Errno.EFBIG : 0;
    if (count > max - pos) count = max - pos;
    return count;
  }

  /**
   * generic_file_write(file, buf, count, ppos) — generic_file_buffered_write: for each page the
   * range touches, grab it locked, a_ops->prepare_write, copy in through kmap_atomic,
   * a_ops->commit_write (which dirties the page and moves i_size), unlock. Bytes written or -errno.
   */
  generic_file_write(file: file, buf: Uint8Array, count: number, ppos: loff_ptr): number {
    if (count < 0 || count > buf.length) return -Errno.EFAULT;
    const mapping = file.f_mapping;
    const inode = mapping.host;
    const checked = this.generic_write_checks(file, ppos, count);
    if (checked < 0) return checked;
    count = checked;
    if (count === 0) return 0;
    inode.i_mtime = inode.i_ctime = this.get_seconds();
    this.mark_inode_dirty(inode);
    const a_ops = mapping.a_ops;
    let pos = ppos.pos;
    let written = 0;
    let status = 0;
    let bufOff = 0;
    do {
      const index = Math.floor(pos / PAGE_CACHE_SIZE);
      const offset = pos % PAGE_CACHE_SIZE;
      let bytes = PAGE_CACHE_SIZE - offset;
      if (bytes > count) bytes = count;
      const page = this.grab_cache_page(mapping, index);
      if (page === null) {
        status = -Errno.ENOMEM;
        break;
      }
      status = a_ops.prepare_write ? a_ops.prepare_write(file, page, offset, offset + bytes) : -Errno.EINVAL;
      if (status) {
        this.unlock_page(page);
        this.page_cache_release(page);
        break;
      }
      this.copy_to_page(page, offset, buf.subarray(bufOff, bufOff + bytes));
      status = a_ops.commit_write ? a_ops.commit_write(file, page, offset, offset + bytes) : -Errno.EINVAL;
      if (!status) status = bytes;
      if (status >= 0) {
        written += status;
        count -= status;
        pos += status;
        bufOff += status;
      }
      this.unlock_page(page);
      this.mark_page_accessed(page);
      this.page_cache_release(page);
      if (status < 0) break;
    } while (count);
    ppos.pos = pos;
    return written ? written : status;
  }

  /** generic_file_llseek(file, offset, origin): the new f_pos, or -EINVAL outside 0..s_maxbytes. */
  generic_file_llseek(file: file, offset: loff_t, origin: number): loff_t {
    const inode = file.f_mapping.host;
    if (origin === SEEK_END) offset += inode.i_size;
    else if (origin === SEEK_CUR) offset += file.f_pos;
    else if (origin !== SEEK_SET) return -Errno.EINVAL;
    if (offset < 0 || offset > inode.i_sb.s_maxbytes) return -Errno.EINVAL;
    file.f_pos = offset;
    return offset;
  }

  // ---------------------------------------------------------------- writeback

  /**
   * mpage_writepages(mapping, wbc, NULL) — the walk over DIRTY-tagged pages: lock each, skip it if
   * truncated or under writeback, clear_page_dirty_for_io, a_ops->writepage (which unlocks). An
   * error sets AS_EIO / AS_ENOSPC on the mapping. WB_SYNC_NONE resumes at writeback_index.
   */
  mpage_writepages(mapping: address_space, wbc: writeback_control): number {
    const writepage = mapping.a_ops.writepage;
    if (!writepage) return 0;
    let ret = 0;
    let done = false;
    let scanned = wbc.sync_mode !== WB_SYNC_NONE;
    const index: loff_ptr = { pos: scanned ? 0 : mapping.writeback_index };
    for (;;) {
      while (!done) {
        const pages = this.find_get_pages_tag(mapping, index, PAGECACHE_TAG_DIRTY, PAGEVEC_SIZE);
        if (pages.length === 0) break;
        for (const page of pages) {
          if (done) break;
          this.#lock_page_holding(page, pages);
          if (this.page_mapping(page) !== mapping) {
            this.unlock_page(page);
            continue;
          }
          if (wbc.sync_mode !== WB_SYNC_NONE) this.wait_on_page_writeback(page);
          if (this.PageWriteback(page) || !this.clear_page_dirty_for_io(page)) {
            this.unlock_page(page);
            continue;
          }
          ret = writepage(page, wbc);
          if (ret) mapping.flags |= 1 << (ret === -Errno.ENOSPC ? AS_ENOSPC : AS_EIO);
          if (ret || --wbc.nr_to_write <= 0) done = true;
        }
        for (const page of pages) this.page_cache_release(page);
      }
      if (!scanned && !done) {
        scanned = true;
        index.pos = 0;
        continue;
      }
      break;
    }
    mapping.writeback_index = index.pos;
    return ret;
  }

  /** do_writepages(mapping, wbc): a_ops->writepages, else the generic walk. */
  do_writepages(mapping: address_space, wbc: writeback_control): number {
    const wp = mapping.a_ops.writepages;
    return wp ? wp(mapping, wbc) : this.mpage_writepages(mapping, wbc);
  }

  /** __filemap_fdatawrite(mapping, sync_mode): write the dirty pages (none for memory-backed mappings). */
  __filemap_fdatawrite(mapping: address_space, sync_mode: number): number {
    if (mapping.backing_dev_info.memory_backed) return 0;
    const wbc: writeback_control = {
      sync_mode,
      nr_to_write: mapping.nrpages * 2,
      pages_skipped: 0,
      nonblocking: false,
      for_reclaim: false,
    };
    return this.do_writepages(mapping, wbc);
  }
  /** filemap_fdatawrite(mapping): start writeback of every dirty page (WB_SYNC_ALL). */
  filemap_fdatawrite(mapping: address_space): number {
    return this.__filemap_fdatawrite(mapping, WB_SYNC_ALL);
  }
  /** filemap_fdatawait(mapping): wait for writeback (already complete here); report and clear AS_EIO/AS_ENOSPC. */
  filemap_fdatawait(mapping: address_space): number {
    let ret = 0;
    if (mapping.flags & (1 << AS_ENOSPC)) ret = -Errno.ENOSPC;
    if (mapping.flags & (1 << AS_EIO)) ret = -Errno.EIO;
    mapping.flags &= ~((1 << AS_ENOSPC) | (1 << AS_EIO));
    return ret;
  }
  /** filemap_write_and_wait(mapping). */
  filemap_write_and_wait(mapping: address_space): number {
    if (mapping.nrpages === 0) return 0;
    const err = this.filemap_fdatawrite(mapping);
    const err2 = this.filemap_fdatawait(mapping);
    return err || err2;
  }

  /** write_one_page(page, wait): write a locked page if dirty (unlocks it); 0 or -EIO. */
  write_one_page(page: Page, wait: boolean): number {
    const mapping = this.page_mapping(page);
    if (!mapping || !this.PageLocked(page))
      throw this.bugPage("write_one_page", page, "page unlocked or without mapping");
    let ret = 0;
    this.wait_on_page_writeback(page);
    if (this.clear_page_dirty_for_io(page)) {
      this.page_cache_get(page);
      const wbc: writeback_control = {
        sync_mode: WB_SYNC_ALL,
        nr_to_write: 1,
        pages_skipped: 0,
        nonblocking: false,
        for_reclaim: false,
      };
      ret = mapping.a_ops.writepage ? mapping.a_ops.writepage(page, wbc) : -Errno.EINVAL;
      if (ret === 0 && wait && this.PageError(page)) ret = -Errno.EIO;
      this.page_cache_release(page);
    } else this.unlock_page(page);
    return ret;
  }

  // ---------------------------------------------------------------- truncation and invalidation (mm/truncate.c)

  /** do_invalidatepage(page, offset): a_ops->invalidatepage, else block_invalidatepage. */
  do_invalidatepage(page: Page, offset: number): number {
    const mapping = this.page_mapping(page);
    const inv = mapping?.a_ops.invalidatepage;
    return inv ? inv(page, offset) : this.block_invalidatepage(page, offset);
  }

  /** try_to_release_page(page, gfp): drop a page's private data (buffers) unless under writeback. */
  try_to_release_page(page: Page, gfp_mask: number): boolean {
    if (this.PageWriteback(page)) return false;
    const mapping = this.page_mapping(page);
    const rel = mapping?.a_ops.releasepage;
    if (rel) return rel(page, gfp_mask) !== 0;
    return this.try_to_free_buffers(page);
  }

  /** truncate_complete_page(mapping, page): a locked page leaves the cache (buffers invalidated, dirt dropped). */
  truncate_complete_page(mapping: address_space, page: Page): void {
    if (this.page_mapping(page) !== mapping) return;
    if (this.PagePrivate(page)) this.do_invalidatepage(page, 0);
    this.clear_page_dirty(page);
    this.ClearPageUptodate(page);
    this.ClearPageMappedToDisk(page);
    this.remove_from_page_cache(page);
    this.page_cache_release(page);
  }

  /**
   * truncate_inode_pages(mapping, lstart): drop every page wholly at or after lstart (dirty ones
   * too: their data is being discarded) and zero the tail of the partial page at lstart.
   */
  truncate_inode_pages(mapping: address_space, lstart: loff_t): void {
    const start = Math.ceil(lstart / PAGE_CACHE_SIZE);
    const partial = lstart % PAGE_CACHE_SIZE;
    let next = start;
    for (;;) {
      const pages = this.find_get_pages(mapping, next, PAGEVEC_SIZE);
      if (pages.length === 0) break;
      for (const page of pages) {
        next = this.mem_map.index[page] + 1;
        this.#lock_page_holding(page, pages);
        this.wait_on_page_writeback(page);
        this.truncate_complete_page(mapping, page);
        this.unlock_page(page);
      }
      for (const page of pages) this.page_cache_release(page);
    }
    if (partial) {
      const page = this.find_lock_page(mapping, start - 1);
      if (page !== null) {
        this.wait_on_page_writeback(page);
        this.zero_page_range(page, partial, PAGE_CACHE_SIZE - partial);
        if (this.PagePrivate(page)) this.do_invalidatepage(page, partial);
        this.unlock_page(page);
        this.page_cache_release(page);
      }
    }
  }

  /** invalidate_complete_page(mapping, page): a clean, unmapped, unreferenced page leaves the cache; 1 if it did. */
  invalidate_complete_page(mapping: address_space, page: Page): number {
    if (this.page_mapping(page) !== mapping) return 0;
    if (this.PagePrivate(page) && !this.try_to_release_page(page, 0)) return 0;
    if (this.PageDirty(page)) return 0;
    if (this.PagePrivate(page))
      throw this.bugPage("invalidate_complete_page", page, "buffers left after release");
    if (this.pa.page_count(page) !== 2) return 0;
    this.__remove_from_page_cache(page);
    this.ClearPageUptodate(page);
    this.page_cache_release(page);
    return 1;
  }

  /**
   * invalidate_mapping_pages(mapping, start, end): evict the clean, unlocked, unmapped pages in
   * [start, end] (the page-cache half of memory reclaim); returns how many left the cache.
   */
  invalidate_mapping_pages(mapping: address_space, start: pgoff_t, end: pgoff_t): number {
    let ret = 0;
    let next = start;
    while (next <= end) {
      const pages = this.find_get_pages(mapping, next, PAGEVEC_SIZE);
      if (pages.length === 0) break;
      for (const page of pages) {
        const index = this.mem_map.index[page];
        if (index > next) next = index;
        next++;
        if (index > end) continue;
        if (this.TestSetPageLocked(page)) continue;
        if (!(this.PageDirty(page) || this.PageWriteback(page) || this.page_mapped(page)))
          ret += this.invalidate_complete_page(mapping, page);
        this.unlock_page(page);
      }
      for (const page of pages) this.page_cache_release(page);
    }
    return ret;
  }

  /**
   * unmap_mapping_range(mapping, holebegin, holelen, even_cows) — mm/memory.c, the mm's function:
   * bump mapping->truncate_count and zap the ptes of every VMA mapping file pages in
   * [holebegin, holebegin + holelen) (holelen 0: to the end). The process layer (@i386mm/vma)
   * installs its own when it is given this page cache (`VmSystem.attach_page_cache`), so a
   * truncation here unmaps the pages before they leave the cache, as 2.6.11's vmtruncate does.
   * Until then no VMA can map a page-cache page, and this default does the only part this layer
   * can see: the truncate_count bump that do_no_page's race check reads.
   */
  unmap_mapping_range: (
    mapping: address_space,
    holebegin: loff_t,
    holelen: loff_t,
    even_cows: number,
  ) => void = (mapping) => {
    mapping.truncate_count++;
  };

  /**
   * vmtruncate(inode, offset): set i_size; shrinking unmaps the pages past it from every process
   * (unmap_mapping_range, even private copies), drops them from the cache and calls i_op->truncate.
   */
  vmtruncate(inode: inode, offset: loff_t): number {
    if (offset < 0) return -Errno.EINVAL;
    const mapping = inode.i_mapping;
    if (offset > inode.i_sb.s_maxbytes) return -Errno.EFBIG;
    const shrinking = offset < inode.i_size;
    inode.i_size = offset;
    if (shrinking) {
      this.unmap_mapping_range(mapping, offset + PAGE_CACHE_SIZE - 1, 0, 1);
      this.truncate_inode_pages(mapping, offset);
    }
    inode.i_op.truncate?.(inode);
    return 0;
  }

  /** file_accessed(file) — update_atime: a new atime marks the inode dirty (not on MS_RDONLY / MS_NOATIME mounts). */
  file_accessed(file: file): void {
    const inode = file.f_dentry.d_inode;
    if (!inode || inode.i_sb.s_flags & (MS_RDONLY | MS_NOATIME)) return;
    const now = this.get_seconds();
    if (inode.i_atime === now) return;
    inode.i_atime = now;
    this.__mark_inode_dirty(inode, I_DIRTY_SYNC);
  }
}
