/*
 * buffer.ts — buffer heads, fs/buffer.c of 2.6.11, in its order: the buffer_head and its state
 * bits (include/linux/buffer_head.h), I/O completion (end_buffer_read_sync/write_sync,
 * end_buffer_async_read/write), __find_get_block_slow, dirtying (mark_buffer_dirty,
 * __set_page_dirty_buffers), block_invalidatepage, alloc_page_buffers/create_empty_buffers,
 * unmap_underlying_metadata, __block_write_full_page, block_read_full_page,
 * __block_prepare_write/__block_commit_write/generic_commit_write, block_write_full_page, submit_bh,
 * ll_rw_block, sync_dirty_buffer, try_to_free_buffers, the per-CPU bh LRU, __getblk/__bread/brelse.
 * A buffer_head is a 48-byte object of the "buffer_head" slab cache whose fields live in simulated
 * RAM at the kernel's offsets (i386, no CONFIG_LBD):
 *
 *   0 b_state  4 b_this_page  8 b_page (struct page *)  12 b_count  16 b_size  20 b_blocknr
 *  24 b_data (kernel address, or the offset in the page for highmem)  28 b_bdev  32 b_end_io
 *  36 b_private  40 b_assoc_buffers.next  44 b_assoc_buffers.prev
 *
 * b_end_io holds the model's handler number (END_IO_*), not a text address.
 * Invariants: a page with PG_private has page->private = its first buffer, a b_this_page ring of
 * PAGE_SIZE / b_size buffers, each with b_page = that page and b_data at offsets 0, b_size, ...;
 * the page holds one reference for them. A dirty buffer sits on a dirty (or writeback) page.
 */
import {
  Errno,
  ModelCheckError,
  PAGE_OFFSET,
  PAGE_SIZE,
  type Page,
  type PhysicalMemory,
  type VirtAddr,
} from "@i386mm/hw-i386";
import { GFP_NOFS } from "@i386mm/page-alloc";
import type { kmem_cache_t } from "@i386mm/slab";
import { B_END_IO_CALL, PAGE_CACHE_SIZE, PageCacheError, PageCacheWouldSleepError } from "./base.js";
import { Filemap } from "./filemap.js";
import {
  AS_EIO,
  type block_device,
  type inode,
  type sector_t,
  WB_SYNC_NONE,
  type writeback_control,
} from "./fs.js";

/** enum bh_state_bits (include/linux/buffer_head.h). */
export const BH_Uptodate = 0;
export const BH_Dirty = 1;
export const BH_Lock = 2;
export const BH_Req = 3;
export const BH_Mapped = 4;
export const BH_New = 5;
export const BH_Async_Read = 6;
export const BH_Async_Write = 7;
export const BH_Delay = 8;
export const BH_Boundary = 9;
export const BH_Write_EIO = 10;
export const BH_Ordered = 11;
export const BH_Eopnotsupp = 12;
export const BH_PrivateStart = 13;

/** sizeof(struct buffer_head) on i386 without CONFIG_LBD. */
export const SIZEOF_BUFFER_HEAD = 48;
/** MAX_BUF_PER_PAGE: PAGE_CACHE_SIZE / 512. */
export const MAX_BUF_PER_PAGE = PAGE_CACHE_SIZE / 512;
/** BH_LRU_SIZE: per-CPU cache of recently looked-up buffers (fs/buffer.c). */
export const BH_LRU_SIZE = 8;

/** READ / WRITE for submit_bh and ll_rw_block. */
export const READ = 0;
export const WRITE = 1;

/** b_end_io handler numbers the model stores in the b_end_io field. */
export const END_IO_NONE = 0;
export const END_IO_READ_SYNC = 1;
export const END_IO_WRITE_SYNC = 2;
export const END_IO_ASYNC_READ = 3;
export const END_IO_ASYNC_WRITE = 4;

const O_STATE = 0;
const O_THIS_PAGE = 4;
const O_PAGE = 8;
const O_COUNT = 12;
const O_SIZE = 16;
const O_BLOCKNR = 20;
const O_DATA = 24;
const O_BDEV = 28;
const O_END_IO = 32;
const O_PRIVATE = 36;
const O_ASSOC_NEXT = 40;
const O_ASSOC_PREV = 44;

/**
 * get_block_t: map logical block `iblock` of `inode` into bh_result (b_bdev, b_blocknr,
 * BH_Mapped; BH_New when it had to allocate; unmapped = a hole). `create` asks for allocation.
 * Returns 0 or -errno.
 */
export type get_block_t = (inode: inode, iblock: sector_t, bh_result: buffer_head, create: boolean) => number;

/** What a buffer_head's pointer fields are resolved against. */
export interface BufferHeadResolver {
  readonly ram: PhysicalMemory;
  bhByAddr(addr: number): buffer_head | null;
  pageOfDescriptor(addr: number): Page;
  pageDescriptor(page: Page): number;
  bdevByAddr(addr: number): block_device | null;
}

/** struct buffer_head: a view of the 48 bytes at `addr` in simulated RAM. */
export class buffer_head {
  /** Kernel address of the slab object. */
  readonly addr: VirtAddr;
  readonly #p: number;
  readonly #r: BufferHeadResolver;
  constructor(addr: VirtAddr, r: BufferHeadResolver) {
    this.addr = addr;
    this.#p = addr - PAGE_OFFSET;
    this.#r = r;
  }
  /** b_state: BH_* bits. */
  get b_state(): number {
    return this.#r.ram.read32(this.#p + O_STATE);
  }
  set b_state(v: number) {
    this.#r.ram.write32(this.#p + O_STATE, v >>> 0);
  }
  /** b_this_page: next buffer of the page (circular); null before linking. */
  get b_this_page(): buffer_head | null {
    return this.#r.bhByAddr(this.#r.ram.read32(this.#p + O_THIS_PAGE));
  }
  set b_this_page(bh: buffer_head | null) {
    this.#r.ram.write32(this.#p + O_THIS_PAGE, bh ? bh.addr : 0);
  }
  /** b_page: the page holding the data (stored as the struct page address). */
  get b_page(): Page {
    return this.#r.pageOfDescriptor(this.#r.ram.read32(this.#p + O_PAGE));
  }
  set b_page(page: Page) {
    this.#r.ram.write32(this.#p + O_PAGE, this.#r.pageDescriptor(page));
  }
  /** b_count: users of the buffer. */
  get b_count(): number {
    return this.#r.ram.read32(this.#p + O_COUNT) | 0;
  }
  set b_count(v: number) {
    this.#r.ram.write32(this.#p + O_COUNT, v >>> 0);
  }
  /** b_size: block size in bytes. */
  get b_size(): number {
    return this.#r.ram.read32(this.#p + O_SIZE);
  }
  set b_size(v: number) {
    this.#r.ram.write32(this.#p + O_SIZE, v);
  }
  /** b_blocknr: block number on b_bdev, in b_size units (-1 = unmapped: 0xffffffff). */
  get b_blocknr(): sector_t {
    return this.#r.ram.read32(this.#p + O_BLOCKNR);
  }
  set b_blocknr(v: sector_t) {
    this.#r.ram.write32(this.#p + O_BLOCKNR, v >>> 0);
  }
  /** b_data: page_address(b_page) + offset, or just the offset for a highmem page. */
  get b_data(): number {
    return this.#r.ram.read32(this.#p + O_DATA);
  }
  set b_data(v: number) {
    this.#r.ram.write32(this.#p + O_DATA, v >>> 0);
  }
  /** b_bdev. */
  get b_bdev(): block_device | null {
    return this.#r.bdevByAddr(this.#r.ram.read32(this.#p + O_BDEV));
  }
  set b_bdev(b: block_device | null) {
    this.#r.ram.write32(this.#p + O_BDEV, b ? b.addr : 0);
  }
  /** b_end_io: the model's handler number (END_IO_*). */
  get b_end_io(): number {
    return this.#r.ram.read32(this.#p + O_END_IO);
  }
  set b_end_io(v: number) {
    this.#r.ram.write32(this.#p + O_END_IO, v);
  }
  /** b_private. */
  get b_private(): number {
    return this.#r.ram.read32(this.#p + O_PRIVATE);
  }
  set b_private(v: number) {
    this.#r.ram.write32(this.#p + O_PRIVATE, v >>> 0);
  }
  /** Address of b_assoc_buffers (a list_head; empty = points at itself). */
  get b_assoc_buffers(): { next: number; prev: number } {
    return {
      next: this.#r.ram.read32(this.#p + O_ASSOC_NEXT),
      prev: this.#r.ram.read32(this.#p + O_ASSOC_PREV),
    };
  }
  /** init_buffer_head (the slab constructor): all zero, b_assoc_buffers an empty list. */
  init(): void {
    for (let o = 0; o < SIZEOF_BUFFER_HEAD; o += 4) this.#r.ram.write32(this.#p + o, 0);
    const head = (this.addr + O_ASSOC_NEXT) >>> 0;
    this.#r.ram.write32(this.#p + O_ASSOC_NEXT, head);
    this.#r.ram.write32(this.#p + O_ASSOC_PREV, head);
  }
  /** Test a BH_* bit. */
  test(bit: number): boolean {
    return (this.b_state & (1 << bit)) !== 0;
  }
  /** Set a BH_* bit; returns whether it was set before (test_set_buffer_*). */
  set(bit: number): boolean {
    const s = this.b_state;
    this.b_state = s | (1 << bit);
    return (s & (1 << bit)) !== 0;
  }
  /** Clear a BH_* bit; returns whether it was set (test_clear_buffer_*). */
  clear(bit: number): boolean {
    const s = this.b_state;
    this.b_state = s & ~(1 << bit);
    return (s & (1 << bit)) !== 0;
  }
}

/** buffer_uptodate(bh) and friends (BUFFER_FNS of include/linux/buffer_head.h). */
export const buffer_uptodate = (bh: buffer_head): boolean => bh.test(BH_Uptodate);
export const buffer_dirty = (bh: buffer_head): boolean => bh.test(BH_Dirty);
export const buffer_locked = (bh: buffer_head): boolean => bh.test(BH_Lock);
export const buffer_mapped = (bh: buffer_head): boolean => bh.test(BH_Mapped);
export const buffer_new = (bh: buffer_head): boolean => bh.test(BH_New);
export const buffer_req = (bh: buffer_head): boolean => bh.test(BH_Req);
export const buffer_async_read = (bh: buffer_head): boolean => bh.test(BH_Async_Read);
export const buffer_async_write = (bh: buffer_head): boolean => bh.test(BH_Async_Write);
export const buffer_write_io_error = (bh: buffer_head): boolean => bh.test(BH_Write_EIO);
/** map_bh(bh, sb-device, block): the buffer now refers to `block` on `bdev`. */
export function map_bh(bh: buffer_head, bdev: block_device, block: sector_t): void {
  bh.set(BH_Mapped);
  bh.b_bdev = bdev;
  bh.b_blocknr = block;
}
/** bh_offset(bh): the buffer's offset inside its page. */
export function bh_offset(bh: buffer_head): number {
  return bh.b_data & (PAGE_SIZE - 1);
}

/** The buffer-head layer (fs/buffer.c) over the page cache. */
export abstract class BufferCache extends Filemap implements BufferHeadResolver {
  /** bh_cachep: the "buffer_head" slab cache. */
  readonly bh_cachep: kmem_cache_t;
  /** Live buffer heads by address (the b_this_page / page->private pointers resolve here). */
  readonly buffer_heads = new Map<number, buffer_head>();
  /** Per-CPU bh_lrus: up to BH_LRU_SIZE recently looked-up buffers, each holding a b_count reference. */
  readonly bh_lrus: buffer_head[][];
  /** Block devices by their bdev_inode address (b_bdev resolves here). */
  readonly bdevs_by_addr = new Map<number, block_device>();
  /** Buffer-cache statistics: lookups, LRU hits. */
  readonly bh_stats = { lookups: 0, lru_hits: 0 };
  readonly ram: PhysicalMemory;

  constructor(...args: ConstructorParameters<typeof Filemap>) {
    super(...args);
    this.ram = this.machine.ram;
    const c = this.slab.kmem_cache_create("buffer_head", SIZEOF_BUFFER_HEAD, 0, 0, null);
    if (!c)
      throw new PageCacheError(
        "buffer_init",
        undefined,
        "kmem_cache_create(buffer_head) failed (SLAB_PANIC)",
      );
    this.bh_cachep = c;
    this.bh_lrus = this.machine.cpus.map(() => []);
  }

  // ---------------------------------------------------------------- pointer resolution

  bhByAddr(addr: number): buffer_head | null {
    return addr === 0 ? null : (this.buffer_heads.get(addr) ?? null);
  }
  pageDescriptor(page: Page): number {
    return this.pa.page_descriptor_address(page);
  }
  pageOfDescriptor(addr: number): Page {
    const pa = this.pa;
    for (const pgdat of pa.node_data) {
      const base = pa.node_mem_map_virt[pgdat.node_id];
      const off = addr - base;
      if (off >= 0 && off < pgdat.node_spanned_pages * 32) return (pgdat.node_start_pfn + off / 32) as Page;
    }
    throw new PageCacheError("b_page", addr, "not a struct page address");
  }
  bdevByAddr(addr: number): block_device | null {
    return addr === 0 ? null : (this.bdevs_by_addr.get(addr) ?? null);
  }

  /** page_buffers(page): the first buffer of a PG_private page (BUG otherwise). */
  page_buffers(page: Page): buffer_head {
    if (!this.PagePrivate(page))
      throw this.bugPage("page_buffers", page, "page has no buffers (PG_private clear)");
    const bh = this.bhByAddr(this.mem_map.private[page]);
    if (!bh) throw this.bugPage("page_buffers", page, "page->private is not a buffer_head");
    return bh;
  }

  /** The buffers of a page in ring order (views, checks, loops). */
  page_buffer_list(page: Page): buffer_head[] {
    const out: buffer_head[] = [];
    const head = this.page_buffers(page);
    let bh = head;
    do {
      out.push(bh);
      bh = bh.b_this_page as buffer_head;
    } while (bh !== head && out.length <= MAX_BUF_PER_PAGE);
    return out;
  }

  // ---------------------------------------------------------------- reference counts and locks

  /** get_bh. */
  get_bh(bh: buffer_head): void {
    bh.b_count = bh.b_count + 1;
  }
  /** put_bh. */
  put_bh(bh: buffer_head): void {
    bh.b_count = bh.b_count - 1;
  }
  /** lock_buffer: a buffer locked by another path would sleep (PageCacheWouldSleepError). */
  lock_buffer(bh: buffer_head): void {
    if (bh.set(BH_Lock))
      throw new PageCacheWouldSleepError(
        "lock_buffer",
        bh.addr,
        "buffer is locked by another path (__wait_on_buffer would sleep)",
      );
  }
  /** unlock_buffer: clear BH_Lock (BUG when not locked). */
  unlock_buffer(bh: buffer_head): void {
    if (!bh.clear(BH_Lock)) throw new PageCacheError("unlock_buffer", bh.addr, "buffer is not locked");
  }
  /** wait_on_buffer: the I/O has completed here; a lock someone holds would sleep. */
  wait_on_buffer(bh: buffer_head): void {
    if (buffer_locked(bh))
      throw new PageCacheWouldSleepError("wait_on_buffer", bh.addr, "buffer stays locked");
  }

  // ---------------------------------------------------------------- I/O completion

  /** end_buffer_read_sync(bh, uptodate). */
  end_buffer_read_sync(bh: buffer_head, uptodate: boolean): void {
    if (uptodate) bh.set(BH_Uptodate);
    else bh.clear(BH_Uptodate);
    this.unlock_buffer(bh);
    this.put_bh(bh);
  }

  /**
   * end_buffer_write_sync(bh, uptodate): a failed write marks BH_Write_EIO and prints "lost page
   * write". The model's durability rule (issue #20), not 2.6.11's: the buffer keeps BH_Uptodate
   * and is dirtied again, so its bytes are neither dropped nor re-read stale from the disk and
   * the next writeback retries them (2.6.11 cleared BH_Uptodate: the data was lost).
   */
  end_buffer_write_sync(bh: buffer_head, uptodate: boolean): void {
    if (uptodate) bh.set(BH_Uptodate);
    else {
      this.machine.printk(`lost page write due to I/O error on ${bh.b_bdev?.bd_disk.disk_name ?? "?"}`);
      bh.set(BH_Write_EIO);
    }
    this.unlock_buffer(bh);
    if (!uptodate) this.mark_buffer_dirty(bh);
    this.put_bh(bh);
  }

  /**
   * end_buffer_async_read(bh, uptodate): one buffer of a page read done; the last one of the page
   * sets the page uptodate (unless an error) and unlocks it.
   */
  end_buffer_async_read(bh: buffer_head, uptodate: boolean): void {
    const page = bh.b_page;
    if (uptodate) bh.set(BH_Uptodate);
    else {
      bh.clear(BH_Uptodate);
      this.machine.printk(
        `Buffer I/O error on device ${bh.b_bdev?.bd_disk.disk_name ?? "?"}, logical block ${bh.b_blocknr}`,
      );
      this.SetPageError(page);
    }
    bh.clear(BH_Async_Read);
    this.unlock_buffer(bh);
    let page_uptodate = true;
    let tmp = bh;
    do {
      if (!buffer_uptodate(tmp)) page_uptodate = false;
      if (buffer_async_read(tmp)) return; // still busy
      tmp = tmp.b_this_page as buffer_head;
    } while (tmp !== bh);
    if (page_uptodate && !this.PageError(page)) this.SetPageUptodate(page);
    this.unlock_page(page);
  }

  /**
   * end_buffer_async_write(bh, uptodate): the last buffer of the page ends its writeback; errors
   * set AS_EIO (fsync reports -EIO). The model's durability rule (issue #20), not 2.6.11's: a
   * failed buffer keeps BH_Uptodate and is dirtied again (BH_Write_EIO marks it), so the page
   * stays dirty and readable and the next writeback retries it; 2.6.11 cleared BH_Uptodate and
   * set PG_error, leaving a clean page whose bytes the disk never got.
   */
  end_buffer_async_write(bh: buffer_head, uptodate: boolean): void {
    const page = bh.b_page;
    if (uptodate) bh.set(BH_Uptodate);
    else {
      this.machine.printk(`lost page write due to I/O error on ${bh.b_bdev?.bd_disk.disk_name ?? "?"}`);
      const mapping = this.page_mapping(page);
      if (mapping) mapping.flags |= 1 << AS_EIO;
      bh.set(BH_Write_EIO);
    }
    bh.clear(BH_Async_Write);
    this.unlock_buffer(bh);
    if (!uptodate) this.mark_buffer_dirty(bh);
    for (let tmp = bh.b_this_page as buffer_head; tmp !== bh; tmp = tmp.b_this_page as buffer_head)
      if (buffer_async_write(tmp)) return; // still busy
    this.end_page_writeback(page);
  }

  /** Run a buffer's b_end_io. */
  protected [B_END_IO_CALL](bh: buffer_head, uptodate: boolean): void {
    switch (bh.b_end_io) {
      case END_IO_READ_SYNC:
        this.end_buffer_read_sync(bh, uptodate);
        return;
      case END_IO_WRITE_SYNC:
        this.end_buffer_write_sync(bh, uptodate);
        return;
      case END_IO_ASYNC_READ:
        this.end_buffer_async_read(bh, uptodate);
        return;
      case END_IO_ASYNC_WRITE:
        this.end_buffer_async_write(bh, uptodate);
        return;
      default:
        throw new PageCacheError("bio_endio", bh.addr, "buffer has no b_end_io");
    }
  }

  // ---------------------------------------------------------------- lookup in the block device's cache

  /**
   * __find_get_block_slow(bdev, block): the buffer for `block` in the block device's page cache,
   * with a reference, or null (page absent, or without buffers of this block).
   */
  __find_get_block_slow(bdev: block_device, block: sector_t): buffer_head | null {
    const bd_inode = bdev.bd_inode;
    const index = Math.floor(block / 2 ** (12 - bd_inode.i_blkbits));
    const page = this.find_get_page(bd_inode.i_mapping, index);
    if (page === null) return null;
    let ret: buffer_head | null = null;
    if (this.page_has_buffers(page)) {
      const head = this.page_buffers(page);
      let bh = head;
      do {
        if (bh.b_blocknr === block && buffer_mapped(bh)) {
          ret = bh;
          this.get_bh(bh);
          break;
        }
        bh = bh.b_this_page as buffer_head;
      } while (bh !== head);
      if (!ret)
        this.machine.printk(`__find_get_block_slow() failed. block=${block}, b_blocknr=${head.b_blocknr}`);
    }
    this.page_cache_release(page);
    return ret;
  }

  /** lookup_bh_lru: this CPU's LRU hit moves to the front and takes a reference. */
  #lookup_bh_lru(bdev: block_device, block: sector_t, size: number): buffer_head | null {
    const lru = this.bh_lrus[this.machine.current];
    for (let i = 0; i < lru.length; i++) {
      const bh = lru[i];
      if (bh.b_bdev === bdev && bh.b_blocknr === block && bh.b_size === size) {
        if (i) {
          lru.splice(i, 1);
          lru.unshift(bh);
        }
        this.get_bh(bh);
        this.bh_stats.lru_hits++;
        return bh;
      }
    }
    return null;
  }

  /** bh_lru_install: put bh at the front of this CPU's LRU (its reference), evicting the last. */
  #bh_lru_install(bh: buffer_head): void {
    const lru = this.bh_lrus[this.machine.current];
    if (lru[0] === bh) return;
    const i = lru.indexOf(bh);
    if (i >= 0) lru.splice(i, 1);
    else this.get_bh(bh);
    lru.unshift(bh);
    if (lru.length > BH_LRU_SIZE) this.__brelse(lru.pop() as buffer_head);
  }

  /** invalidate_bh_lrus: every CPU drops its LRU references (before a block size change or kill_bdev). */
  invalidate_bh_lrus(): void {
    for (const lru of this.bh_lrus) {
      for (const bh of lru) this.__brelse(bh);
      lru.length = 0;
    }
  }

  /** __find_get_block(bdev, block, size): the cached buffer with a reference, through the per-CPU LRU; or null. */
  __find_get_block(bdev: block_device, block: sector_t, size: number): buffer_head | null {
    let bh = this.#lookup_bh_lru(bdev, block, size);
    if (bh === null) {
      bh = this.__find_get_block_slow(bdev, block);
      if (bh) this.#bh_lru_install(bh);
    }
    // counted once the lookup went through (a NULL bdev oopses above and changes nothing)
    this.bh_stats.lookups++;
    if (bh) this.mark_page_accessed(bh.b_page);
    return bh;
  }

  // ---------------------------------------------------------------- dirtying

  /** mark_buffer_dirty(bh): BH_Dirty and, the first time, the page dirty (__set_page_dirty_nobuffers). */
  mark_buffer_dirty(bh: buffer_head): void {
    if (!buffer_dirty(bh) && !bh.set(BH_Dirty)) this.__set_page_dirty_nobuffers(bh.b_page);
  }

  /** __set_page_dirty_buffers(page): every buffer dirty, then the page (tag, inode I_DIRTY_PAGES). */
  __set_page_dirty_buffers(page: Page): number {
    if (this.page_has_buffers(page)) for (const bh of this.page_buffer_list(page)) bh.set(BH_Dirty);
    return this.__set_page_dirty_nobuffers(page);
  }

  // ---------------------------------------------------------------- invalidation

  /** discard_buffer(bh): forget its mapping and dirt. */
  #discard_buffer(bh: buffer_head): void {
    this.lock_buffer(bh);
    bh.b_state =
      bh.b_state & ~((1 << BH_Dirty) | (1 << BH_Mapped) | (1 << BH_Req) | (1 << BH_New) | (1 << BH_Delay));
    bh.b_bdev = null;
    this.unlock_buffer(bh);
  }

  /** block_invalidatepage(page, offset): discard the buffers at or after offset; offset 0 also drops them. */
  block_invalidatepage(page: Page, offset: number): number {
    if (!this.PageLocked(page)) throw this.bugPage("block_invalidatepage", page, "page not locked");
    if (!this.page_has_buffers(page)) return 1;
    let curr_off = 0;
    for (const bh of this.page_buffer_list(page)) {
      if (offset <= curr_off) this.#discard_buffer(bh);
      curr_off += bh.b_size;
    }
    return offset === 0 ? (this.try_to_release_page(page, 0) ? 1 : 0) : 1;
  }

  // ---------------------------------------------------------------- creating buffers

  /** alloc_buffer_head(gfp): an object of bh_cachep, constructed (init_buffer_head), or null. */
  alloc_buffer_head(gfp_flags: number): buffer_head | null {
    const addr = this.slab.kmem_cache_alloc(this.bh_cachep, gfp_flags);
    if (addr === null) return null;
    const bh = new buffer_head(addr, this);
    bh.init();
    this.buffer_heads.set(addr, bh);
    return bh;
  }

  /** free_buffer_head(bh): BUG while on an associated list. */
  free_buffer_head(bh: buffer_head): void {
    const a = bh.b_assoc_buffers;
    if (a.next !== (bh.addr + O_ASSOC_NEXT) >>> 0)
      throw new PageCacheError("free_buffer_head", bh.addr, "buffer still on an associated-buffers list");
    this.buffer_heads.delete(bh.addr);
    this.slab.kmem_cache_free(this.bh_cachep, bh.addr);
  }

  /** Buffer heads in use (bh_accounting.nr). */
  get nr_buffer_heads(): number {
    return this.buffer_heads.size;
  }

  /** set_bh_page(bh, page, offset): b_page and b_data (an offset for highmem pages). */
  set_bh_page(bh: buffer_head, page: Page, offset: number): void {
    if (offset >= PAGE_SIZE)
      throw new PageCacheError("set_bh_page", bh.addr, `offset ${offset} past the page`);
    bh.b_page = page;
    bh.b_data = this.pa.PageHighMem(page) ? offset : (this.pa.page_address(page) as number) + offset;
  }

  /**
   * alloc_page_buffers(page, size): PAGE_SIZE / size unlinked buffers (b_this_page chains them,
   * the last points to null), b_data at offsets 0, size, ...; null (everything freed) without memory.
   */
  alloc_page_buffers(page: Page, size: number): buffer_head | null {
    // The model's check (2.6.11 has none): its callers pass a block size of 512..PAGE_SIZE, a power
    // of two (sb_set_blocksize's rule). With 0 or less the loop never ends (heads are allocated
    // until memory runs out, and create_empty_buffers retries for ever); a size that does not
    // divide the page leaves a ring that does not make one. Refused before anything is allocated.
    if (!(Number.isInteger(size) && size >= 512 && size <= PAGE_SIZE && PAGE_SIZE % size === 0))
      throw new ModelCheckError(
        "alloc_page_buffers",
        undefined,
        `block size ${String(size)} is not a power of two in 512..${PAGE_SIZE}`,
        size > 0
          ? "make a ring of buffers that does not cover the page"
          : "allocate buffer heads until memory runs out, then retry for ever",
        false,
      );
    let head: buffer_head | null = null;
    let offset = PAGE_SIZE;
    while ((offset -= size) >= 0) {
      const bh = this.alloc_buffer_head(GFP_NOFS);
      if (!bh) {
        while (head) {
          const next: buffer_head | null = head.b_this_page;
          this.free_buffer_head(head);
          head = next;
        }
        return null;
      }
      bh.b_bdev = null;
      bh.b_this_page = head;
      bh.b_blocknr = 0xffffffff;
      head = bh;
      bh.b_state = 0;
      bh.b_count = 0;
      bh.b_size = size;
      this.set_bh_page(bh, page, offset);
      bh.b_end_io = END_IO_NONE;
    }
    return head;
  }

  /** attach_page_buffers(page, head): a page reference, PG_private, page->private = head. */
  attach_page_buffers(page: Page, head: buffer_head): void {
    this.page_cache_get(page);
    this.SetPagePrivate(page);
    this.mem_map.private[page] = head.addr;
  }

  /**
   * create_empty_buffers(page, blocksize, b_state): ring the page's new buffers, OR the state in and
   * copy the page's dirty/uptodate to each, attach. Returns false without memory (the kernel retries
   * forever; the model reports it and its callers return -ENOMEM).
   */
  create_empty_buffers(page: Page, blocksize: number, b_state: number): boolean {
    const head = this.alloc_page_buffers(page, blocksize);
    if (!head) return false;
    let bh = head;
    let tail = head;
    for (let b: buffer_head | null = head; b; b = b.b_this_page) {
      b.b_state = b.b_state | b_state;
      tail = b;
    }
    tail.b_this_page = head;
    const dirty = this.PageDirty(page);
    const uptodate = this.PageUptodate(page);
    if (dirty || uptodate) {
      do {
        if (dirty) bh.set(BH_Dirty);
        if (uptodate) bh.set(BH_Uptodate);
        bh = bh.b_this_page as buffer_head;
      } while (bh !== head);
    }
    this.attach_page_buffers(page, head);
    return true;
  }

  /** __clear_page_buffers(page): PG_private off, page->private = 0, the buffers' page reference dropped. */
  #__clear_page_buffers(page: Page): void {
    this.ClearPagePrivate(page);
    this.mem_map.private[page] = 0;
    this.page_cache_release(page);
  }

  /** unmap_underlying_metadata(bdev, block): a block just allocated to a file is no longer written back from the bdev cache. */
  unmap_underlying_metadata(bdev: block_device, block: sector_t): void {
    const old = this.__find_get_block_slow(bdev, block);
    if (old) {
      old.clear(BH_Dirty);
      this.wait_on_buffer(old);
      old.clear(BH_Req);
      this.__brelse(old);
    }
  }

  // ---------------------------------------------------------------- page I/O through buffers

  /**
   * __block_write_full_page(inode, page, get_block, wbc): map the dirty buffers (get_block with
   * create), mark the dirty ones async-write, set the page under writeback, unlock it, submit.
   * A get_block failure writes what is mapped, drops the rest's dirt and sets PG_error.
   */
  #__block_write_full_page(inode: inode, page: Page, get_block: get_block_t, wbc: writeback_control): number {
    const bbits = inode.i_blkbits;
    const last_block = Math.floor((inode.i_size - 1) / 2 ** bbits);
    if (!this.page_has_buffers(page)) {
      if (!this.create_empty_buffers(page, 2 ** bbits, (1 << BH_Dirty) | (1 << BH_Uptodate))) {
        this.__set_page_dirty_nobuffers(page);
        this.unlock_page(page);
        return -Errno.ENOMEM;
      }
    }
    let block = this.mem_map.index[page] * 2 ** (12 - bbits);
    const bhs = this.page_buffer_list(page);
    let err = 0;
    for (const bh of bhs) {
      if (block > last_block) {
        bh.clear(BH_Dirty);
        bh.set(BH_Uptodate);
      } else if (!buffer_mapped(bh) && buffer_dirty(bh)) {
        err = get_block(inode, block, bh, true);
        if (err) break;
        if (buffer_new(bh)) {
          bh.clear(BH_New);
          this.unmap_underlying_metadata(bh.b_bdev as block_device, bh.b_blocknr);
        }
      }
      block++;
    }
    if (err) {
      // recover: lock and submit the mapped dirty buffers, forget the rest
      for (const bh of bhs) {
        this.get_bh(bh);
        if (buffer_mapped(bh) && buffer_dirty(bh)) {
          this.lock_buffer(bh);
          this.#mark_buffer_async_write(bh);
        } else bh.clear(BH_Dirty);
      }
      this.SetPageError(page);
    } else {
      for (const bh of bhs) {
        this.get_bh(bh);
        if (!buffer_mapped(bh)) continue;
        if (wbc.sync_mode !== WB_SYNC_NONE || !wbc.nonblocking) this.lock_buffer(bh);
        else if (bh.set(BH_Lock)) {
          this.__set_page_dirty_nobuffers(page); // redirty_page_for_writepage
          wbc.pages_skipped++;
          continue;
        }
        if (bh.clear(BH_Dirty)) this.#mark_buffer_async_write(bh);
        else this.unlock_buffer(bh);
      }
    }
    if (this.PageWriteback(page))
      throw this.bugPage("__block_write_full_page", page, "page already under writeback");
    this.set_page_writeback(page);
    this.unlock_page(page);
    let nr_underway = 0;
    for (const bh of bhs) {
      if (buffer_async_write(bh)) {
        if (err) bh.clear(BH_Dirty);
        this.submit_bh(WRITE, bh);
        nr_underway++;
      }
      this.put_bh(bh);
    }
    if (nr_underway === 0) {
      // The page was dirty but its buffers were clean (written by hand): nothing to do.
      if (bhs.every(buffer_uptodate)) this.SetPageUptodate(page);
      this.end_page_writeback(page);
      wbc.pages_skipped++;
    }
    return err;
  }

  /** mark_buffer_async_write: completion through end_buffer_async_write. */
  #mark_buffer_async_write(bh: buffer_head): void {
    bh.b_end_io = END_IO_ASYNC_WRITE;
    bh.set(BH_Async_Write);
  }

  /**
   * block_read_full_page(page, get_block): map each buffer not uptodate (a hole is zeroed through
   * kmap_atomic and uptodate), lock and submit the rest; the last completion sets the page
   * uptodate and unlocks it. PG_mappedtodisk when no hole.
   */
  block_read_full_page(page: Page, get_block: get_block_t): number {
    if (!this.PageLocked(page)) throw this.bugPage("block_read_full_page", page, "page not locked");
    const mapping = this.page_mapping(page);
    if (!mapping) throw this.bugPage("block_read_full_page", page, "page has no mapping");
    const inode = mapping.host;
    const bbits = inode.i_blkbits;
    const blocksize = 2 ** bbits;
    if (!this.page_has_buffers(page) && !this.create_empty_buffers(page, blocksize, 0)) {
      this.SetPageError(page);
      this.unlock_page(page);
      return -Errno.ENOMEM;
    }
    let iblock = this.mem_map.index[page] * 2 ** (12 - bbits);
    const lblock = Math.ceil(inode.i_size / blocksize);
    const arr: buffer_head[] = [];
    let fully_mapped = true;
    let i = 0;
    for (const bh of this.page_buffer_list(page)) {
      if (!buffer_uptodate(bh)) {
        if (!buffer_mapped(bh)) {
          fully_mapped = false;
          if (iblock < lblock && get_block(inode, iblock, bh, false)) this.SetPageError(page);
          if (!buffer_mapped(bh)) {
            this.zero_page_range(page, i * blocksize, blocksize);
            bh.set(BH_Uptodate);
          } else if (!buffer_uptodate(bh)) arr.push(bh);
        } else arr.push(bh);
      }
      i++;
      iblock++;
    }
    if (fully_mapped) this.SetPageMappedToDisk(page);
    if (arr.length === 0) {
      if (!this.PageError(page)) this.SetPageUptodate(page);
      this.unlock_page(page);
      return 0;
    }
    for (const bh of arr) {
      this.lock_buffer(bh);
      bh.b_end_io = END_IO_ASYNC_READ;
      bh.set(BH_Async_Read);
    }
    for (const bh of arr) {
      if (buffer_uptodate(bh)) this.end_buffer_async_read(bh, true);
      else this.submit_bh(READ, bh);
    }
    return 0;
  }

  /**
   * __block_prepare_write(inode, page, from, to, get_block): buffers for the page; those the write
   * touches are mapped (get_block with create) and, when only partly overwritten and not uptodate,
   * read first. New blocks are zeroed outside [from, to). 0 or -errno.
   */
  #__block_prepare_write(inode: inode, page: Page, from: number, to: number, get_block: get_block_t): number {
    if (!this.PageLocked(page) || from > PAGE_CACHE_SIZE || to > PAGE_CACHE_SIZE || from > to)
      throw this.bugPage("__block_prepare_write", page, `bad range [${from}, ${to}) or page not locked`);
    const bbits = inode.i_blkbits;
    const blocksize = 2 ** bbits;
    if (!this.page_has_buffers(page) && !this.create_empty_buffers(page, blocksize, 0)) return -Errno.ENOMEM;
    let block = this.mem_map.index[page] * 2 ** (12 - bbits);
    const wait: buffer_head[] = [];
    const bhs = this.page_buffer_list(page);
    let block_start = 0;
    let err = 0;
    for (const bh of bhs) {
      const block_end = block_start + blocksize;
      if (block_end <= from || block_start >= to) {
        if (this.PageUptodate(page) && !buffer_uptodate(bh)) bh.set(BH_Uptodate);
      } else {
        bh.clear(BH_New);
        let done = false;
        if (!buffer_mapped(bh)) {
          err = get_block(inode, block, bh, true);
          if (err) break;
          if (buffer_new(bh)) {
            bh.clear(BH_New);
            this.unmap_underlying_metadata(bh.b_bdev as block_device, bh.b_blocknr);
            if (this.PageUptodate(page)) bh.set(BH_Uptodate);
            else {
              if (block_end > to) this.zero_page_range(page, to, block_end - to);
              if (block_start < from) this.zero_page_range(page, block_start, from - block_start);
            }
            done = true;
          }
        }
        if (!done) {
          if (this.PageUptodate(page)) {
            if (!buffer_uptodate(bh)) bh.set(BH_Uptodate);
          } else if (!buffer_uptodate(bh) && (block_start < from || block_end > to)) {
            this.ll_rw_block(READ, [bh]);
            wait.push(bh);
          }
        }
      }
      block++;
      block_start = block_end;
    }
    if (err) {
      // Zero out any newly allocated blocks to avoid exposing stale data.
      block_start = 0;
      for (const bh of bhs) {
        const block_end = block_start + blocksize;
        if (block_start >= to) break;
        if (block_end > from && buffer_new(bh)) {
          bh.clear(BH_New);
          this.zero_page_range(page, block_start, bh.b_size);
          bh.set(BH_Uptodate);
          this.mark_buffer_dirty(bh);
        }
        block_start = block_end;
      }
      return err;
    }
    for (const bh of wait) {
      this.wait_on_buffer(bh);
      if (!buffer_uptodate(bh)) return -Errno.EIO;
    }
    return 0;
  }

  /** __block_commit_write(inode, page, from, to): the written buffers uptodate and dirty; the page uptodate when all are. */
  #__block_commit_write(page: Page, from: number, to: number): number {
    let block_start = 0;
    let partial = false;
    for (const bh of this.page_buffer_list(page)) {
      const block_end = block_start + bh.b_size;
      if (block_end <= from || block_start >= to) {
        if (!buffer_uptodate(bh)) partial = true;
      } else {
        bh.set(BH_Uptodate);
        this.mark_buffer_dirty(bh);
      }
      block_start = block_end;
    }
    if (!partial) this.SetPageUptodate(page);
    return 0;
  }

  /** block_prepare_write(page, from, to, get_block): a failure clears PG_uptodate. */
  block_prepare_write(page: Page, from: number, to: number, get_block: get_block_t): number {
    const inode = (this.page_mapping(page) as NonNullable<ReturnType<Filemap["page_mapping"]>>).host;
    const err = this.#__block_prepare_write(inode, page, from, to, get_block);
    if (err) this.ClearPageUptodate(page);
    return err;
  }

  /** block_commit_write(page, from, to). */
  block_commit_write(page: Page, from: number, to: number): number {
    return this.#__block_commit_write(page, from, to);
  }

  /** generic_commit_write(file, page, from, to): commit the buffers; i_size grows to cover the write (inode dirtied). */
  generic_commit_write(page: Page, from: number, to: number): number {
    const mapping = this.page_mapping(page);
    if (!mapping) return -Errno.EINVAL;
    const inode = mapping.host;
    const pos = this.mem_map.index[page] * PAGE_CACHE_SIZE + to;
    this.#__block_commit_write(page, from, to);
    if (pos > inode.i_size) {
      inode.i_size = pos;
      this.mark_inode_dirty(inode);
    }
    return 0;
  }

  /**
   * block_write_full_page(page, get_block, wbc): write a locked dirty page; the part past i_size is
   * zeroed first, a page wholly past it is only invalidated.
   */
  block_write_full_page(page: Page, get_block: get_block_t, wbc: writeback_control): number {
    const mapping = this.page_mapping(page);
    if (!mapping) throw this.bugPage("block_write_full_page", page, "page has no mapping");
    const inode = mapping.host;
    const end_index = Math.floor(inode.i_size / PAGE_CACHE_SIZE);
    const index = this.mem_map.index[page];
    if (index < end_index) return this.#__block_write_full_page(inode, page, get_block, wbc);
    const offset = inode.i_size % PAGE_CACHE_SIZE;
    if (index >= end_index + 1 || !offset) {
      this.do_invalidatepage(page, 0);
      this.unlock_page(page);
      return 0;
    }
    this.zero_page_range(page, offset, PAGE_CACHE_SIZE - offset);
    return this.#__block_write_full_page(inode, page, get_block, wbc);
  }

  // ---------------------------------------------------------------- raw buffer I/O

  /** submit_bh(rw, bh): one request for one locked, mapped buffer; completion calls b_end_io. */
  abstract submit_bh(rw: number, bh: buffer_head): number;

  /**
   * ll_rw_block(rw, bhs): start I/O on each buffer that needs it (READ: not uptodate; WRITE:
   * dirty); a locked buffer is skipped.
   */
  ll_rw_block(rw: number, bhs: buffer_head[]): void {
    for (const bh of bhs) {
      if (bh.set(BH_Lock)) continue;
      this.get_bh(bh);
      if (rw === WRITE) {
        bh.b_end_io = END_IO_WRITE_SYNC;
        if (bh.clear(BH_Dirty)) {
          this.submit_bh(WRITE, bh);
          continue;
        }
      } else {
        bh.b_end_io = END_IO_READ_SYNC;
        if (!buffer_uptodate(bh)) {
          this.submit_bh(rw, bh);
          continue;
        }
      }
      this.unlock_buffer(bh);
      this.put_bh(bh);
    }
  }

  /** sync_dirty_buffer(bh): write it now if dirty; 0 or -EIO. */
  sync_dirty_buffer(bh: buffer_head): number {
    if (bh.b_count < 1) this.machine.warn(`Badness in sync_dirty_buffer: b_count ${bh.b_count} < 1`);
    this.lock_buffer(bh);
    if (bh.clear(BH_Dirty)) {
      this.get_bh(bh);
      bh.b_end_io = END_IO_WRITE_SYNC;
      let ret = this.submit_bh(WRITE, bh);
      this.wait_on_buffer(bh);
      // the failed write left the bytes uptodate and dirty (the model's durability rule): BH_Write_EIO says so
      if (!ret && (!buffer_uptodate(bh) || buffer_write_io_error(bh))) ret = -Errno.EIO;
      return ret;
    }
    this.unlock_buffer(bh);
    return 0;
  }

  // ---------------------------------------------------------------- freeing buffers

  /** buffer_busy: referenced, dirty or locked. */
  #buffer_busy(bh: buffer_head): boolean {
    return bh.b_count !== 0 || (bh.b_state & ((1 << BH_Dirty) | (1 << BH_Lock))) !== 0;
  }

  /**
   * try_to_free_buffers(page): when no buffer of the page is busy, free them all (a clean
   * buffer set on a dirty page also cleans the page); false otherwise or under writeback.
   */
  try_to_free_buffers(page: Page): boolean {
    if (!this.PageLocked(page)) throw this.bugPage("try_to_free_buffers", page, "page not locked");
    if (this.PageWriteback(page)) return false;
    if (!this.page_has_buffers(page)) return true;
    const mapping = this.page_mapping(page);
    const bhs = this.page_buffer_list(page);
    for (const bh of bhs) {
      if (buffer_write_io_error(bh) && mapping) mapping.flags |= 1 << AS_EIO;
      if (this.#buffer_busy(bh)) return false;
    }
    this.#__clear_page_buffers(page);
    if (mapping) this.clear_page_dirty(page);
    for (const bh of bhs) this.free_buffer_head(bh);
    return true;
  }

  // ---------------------------------------------------------------- getblk / bread / brelse

  /** grow_dev_page(bdev, block, index, size): the bdev page at index, locked, with buffers of `size` mapped from `block`. */
  #grow_dev_page(bdev: block_device, block: sector_t, index: number, size: number): Page | null {
    const mapping = bdev.bd_inode.i_mapping;
    const page = this.find_or_create_page(mapping, index, GFP_NOFS);
    if (page === null) return null;
    if (this.page_has_buffers(page)) {
      if (this.page_buffers(page).b_size === size) {
        this.#init_page_buffers(page, bdev, block, size);
        return page;
      }
      if (!this.try_to_free_buffers(page)) {
        this.unlock_page(page);
        this.page_cache_release(page);
        return null;
      }
    }
    const head = this.alloc_page_buffers(page, size);
    if (!head) {
      this.unlock_page(page);
      this.page_cache_release(page);
      return null;
    }
    // link_dev_buffers
    let tail = head;
    for (let b: buffer_head | null = head; b; b = b.b_this_page) tail = b;
    tail.b_this_page = head;
    this.attach_page_buffers(page, head);
    this.#init_page_buffers(page, bdev, block, size);
    return page;
  }

  /** init_page_buffers: each unmapped buffer mapped to consecutive blocks from `block`, uptodate if the page is. */
  #init_page_buffers(page: Page, bdev: block_device, block: sector_t, _size: number): void {
    const uptodate = this.PageUptodate(page);
    for (const bh of this.page_buffer_list(page)) {
      if (!buffer_mapped(bh)) {
        bh.b_end_io = END_IO_NONE;
        bh.b_private = 0;
        bh.b_bdev = bdev;
        bh.b_blocknr = block;
        if (uptodate) bh.set(BH_Uptodate);
        bh.set(BH_Mapped);
      }
      block++;
    }
  }

  /** grow_buffers(bdev, block, size): 1 when the page holding `block` now has buffers, 0 without memory. */
  #grow_buffers(bdev: block_device, block: sector_t, size: number): number {
    let sizebits = 0;
    while (size << sizebits < PAGE_SIZE) sizebits++;
    const index = Math.floor(block / 2 ** sizebits);
    const first = index * 2 ** sizebits;
    const page = this.#grow_dev_page(bdev, first, index, size);
    if (page === null) return 0;
    this.unlock_page(page);
    this.page_cache_release(page);
    return 1;
  }

  /**
   * __getblk(bdev, block, size): the buffer for a block of the device, with a reference, created in
   * the bdev's page cache if absent (not read). Null for a size the device cannot do, or without
   * memory (the kernel would loop in free_more_memory).
   */
  __getblk(bdev: block_device, block: sector_t, size: number): buffer_head | null {
    const bh = this.__find_get_block(bdev, block, size);
    if (bh) return bh;
    const hardsect = bdev.bd_disk.hardsect_size;
    if (size & (hardsect - 1) || size < 512 || size > PAGE_SIZE) {
      this.machine.printk(`getblk(): invalid block size ${size} requested`);
      this.machine.printk(`hardsect size: ${hardsect}`);
      return null;
    }
    for (;;) {
      const found = this.__find_get_block(bdev, block, size);
      if (found) return found;
      if (this.#grow_buffers(bdev, block, size) === 0) return null;
    }
  }

  /**
   * __bread(bdev, block, size): __getblk, then read it if not uptodate. The buffer with a
   * reference, or null on an I/O error (or past the end of the device).
   */
  __bread(bdev: block_device, block: sector_t, size: number): buffer_head | null {
    const bh = this.__getblk(bdev, block, size);
    if (bh === null || buffer_uptodate(bh)) return bh;
    // __bread_slow
    this.lock_buffer(bh);
    if (buffer_uptodate(bh)) {
      this.unlock_buffer(bh);
      return bh;
    }
    this.get_bh(bh);
    bh.b_end_io = END_IO_READ_SYNC;
    this.submit_bh(READ, bh);
    this.wait_on_buffer(bh);
    if (buffer_uptodate(bh)) return bh;
    this.brelse(bh);
    return null;
  }

  /** __brelse(bh): drop a reference; a buffer with none left is a kernel error message, not a crash. */
  __brelse(bh: buffer_head): void {
    if (bh.b_count) {
      this.put_bh(bh);
      return;
    }
    this.machine.printk("VFS: brelse: Trying to free free buffer");
    this.machine.warn(`Badness in __brelse at fs/buffer.c (buffer 0x${bh.addr.toString(16)})`);
  }
  /** brelse(bh): __brelse when bh is not null. */
  brelse(bh: buffer_head | null): void {
    if (bh) this.__brelse(bh);
  }
  /** bforget(bh): drop a buffer whose contents no longer matter (not written back). */
  bforget(bh: buffer_head | null): void {
    if (bh) {
      bh.clear(BH_Dirty);
      this.__brelse(bh);
    }
  }

  /**
   * The bytes of a buffer (memcpy from b_data): a lowmem page is read through the kernel direct
   * map (b_data is its address), a highmem one through kmap_atomic.
   */
  bh_read(bh: buffer_head, offset: number, len: number): Uint8Array {
    const data = bh.b_data;
    if (data >= PAGE_OFFSET) return this.ram.readBytes(data - PAGE_OFFSET + offset, len);
    return this.copy_from_page(bh.b_page, data + offset, len);
  }
  /** Store bytes into a buffer's data (memcpy to b_data; kmap_atomic for a highmem page). */
  bh_write(bh: buffer_head, offset: number, bytes: Uint8Array): void {
    const data = bh.b_data;
    if (data >= PAGE_OFFSET) this.ram.writeBytes(data - PAGE_OFFSET + offset, bytes);
    else this.copy_to_page(bh.b_page, data + offset, bytes);
  }
  /** A little-endian 32-bit field of a lowmem buffer (le32_to_cpu(*(__le32 *)(b_data + offset))). */
  bh_u32(bh: buffer_head, offset: number): number {
    return this.ram.read32(bh.b_data - PAGE_OFFSET + offset);
  }
  /** A little-endian 16-bit field of a lowmem buffer. */
  bh_u16(bh: buffer_head, offset: number): number {
    return this.ram.read16(bh.b_data - PAGE_OFFSET + offset);
  }
  /** Store a little-endian 32-bit field of a lowmem buffer. */
  bh_set_u32(bh: buffer_head, offset: number, v: number): void {
    this.ram.write32(bh.b_data - PAGE_OFFSET + offset, v >>> 0);
  }
  /** Store a little-endian 16-bit field of a lowmem buffer. */
  bh_set_u16(bh: buffer_head, offset: number, v: number): void {
    this.ram.write16(bh.b_data - PAGE_OFFSET + offset, v & 0xffff);
  }
}
