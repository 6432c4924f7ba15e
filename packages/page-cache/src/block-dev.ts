/*
 * block-dev.ts — disks and block devices: the gendisk a driver registers (add_disk), the request
 * path of drivers/block/ll_rw_blk.c reduced to what a buffer head needs (submit_bh ->
 * generic_make_request's range check -> the disk's transfer, done before submit_bh returns), a
 * page-sized bio for mpage reads, and fs/block_dev.c: bdget/bd_acquire, blkdev_get/blkdev_put,
 * set_blocksize, sync_blockdev, kill_bdev, blkdev_get_block and the block device's own page cache
 * (def_blk_aops, def_blk_fops: /dev/hda opened and written is a write through that cache),
 * open_bdev_excl and get_sb_bdev/kill_block_super for disk file systems, nr_blockdev_pages.
 * A disk is 512-byte sectors over a BlockBackend (a byte array, or a host file from
 * `@i386mm/page-cache/node`). Any access past the end fails with -EIO and changes nothing;
 * reads and writes are counted in sectors (disk_stats, /proc/diskstats).
 * Invariants: a block device's page cache pages are lowmem (GFP_USER / GFP_NOFS); its bd_inode's
 * i_size is the capacity in bytes and i_blkbits matches bd_block_size.
 */
import { Errno, PAGE_SIZE, type Page, type VirtAddr } from "@i386mm/hw-i386";
import { GFP_KERNEL, GFP_USER } from "@i386mm/page-alloc";
import type { kmem_cache_t } from "@i386mm/slab";
import {
  B_END_IO_CALL,
  BlockBackendError,
  FLUSH_DISKS,
  PAGE_CACHE_SIZE,
  PageCacheError,
  SYNC_SB_BLOCKDEV,
} from "./base.js";
import {
  BH_Mapped,
  BH_Req,
  BH_Write_EIO,
  bh_offset,
  type buffer_head,
  buffer_locked,
  buffer_mapped,
  type get_block_t,
  READ,
  WRITE,
} from "./buffer.js";
import { ERR_PTR, type ErrPtr, IS_ERR } from "./err.js";
import {
  type address_space,
  type address_space_operations,
  type BlockBackend,
  type block_device,
  type dev_t,
  FMODE_READ,
  FMODE_WRITE,
  type file,
  type file_operations,
  type file_system_type,
  type gendisk,
  type inode,
  LOOKUP_FOLLOW,
  MKDEV,
  MS_NODEV,
  MS_RDONLY,
  O_LARGEFILE,
  S_IFBLK,
  S_ISBLK,
  type sector_t,
  type super_block,
} from "./fs.js";
import { MAX_LFS_FILESIZE } from "./ramfs.js";
import { Vfs } from "./vfs.js";

/** sizeof(struct bdev_inode) (block_device + its inode) as the model charges the "bdev_cache". */
export const SIZEOF_BDEV_INODE = 480;
/** Offset of vfs_inode inside struct bdev_inode (after struct block_device; model's layout). */
export const OFFSETOF_BDEV_VFS_INODE = 128;
/** IDE0_MAJOR: hda is 3:0, hdb 3:64 (include/linux/major.h). */
export const IDE0_MAJOR = 3;
/** Minors per IDE disk. */
export const IDE_MINORS = 64;

/** Options of add_disk. */
export interface AddDiskOptions {
  major?: number;
  first_minor?: number;
  /** set_disk_ro: refuse writes (the medium may also be read-only on its own). */
  readOnly?: boolean;
  /** Create /dev/<name> (and /dev) in the root file system; default true. */
  mknod?: boolean;
}

/** The model's disk backend over a byte array (the main entry's; it loads in a browser). */
export class ByteArrayBackend implements BlockBackend {
  readonly bytes: Uint8Array;
  readonly size: number;
  readonly readOnly: boolean;
  /** Number of flush() calls (fsync of the medium). */
  flushes = 0;
  constructor(bytes: Uint8Array, readOnly = false) {
    this.bytes = bytes;
    this.size = bytes.length - (bytes.length % 512);
    this.readOnly = readOnly;
  }
  read(pos: number, dst: Uint8Array): void {
    dst.set(this.bytes.subarray(pos, pos + dst.length));
  }
  write(pos: number, src: Uint8Array): void {
    if (this.readOnly) throw new BlockBackendError("read-only medium");
    this.bytes.set(src, pos);
  }
  flush(): void {
    this.flushes++;
  }
}

/** Disks, block devices and the block layer's page cache. */
export abstract class BlockDevices extends Vfs {
  /** The "bdev_cache" slab cache (struct bdev_inode). */
  readonly bdev_cachep: kmem_cache_t;
  /** Registered disks by device number. */
  readonly disks = new Map<dev_t, gendisk>();
  /** all_bdevs: every block_device ever looked up. */
  readonly all_bdevs: block_device[] = [];
  /** The bdev pseudo file system's superblock (blockdev_superblock): the bdev inodes live here. */
  readonly blockdev_superblock: super_block;
  /** def_blk_aops: the block device's page cache through buffer heads. */
  readonly def_blk_aops: address_space_operations;
  /** def_blk_fops: the file operations of /dev/<disk>. */
  readonly def_blk_fops: file_operations;
  /** mpage's on-stack buffer_head (a slab object reserved at boot; see mpage_readpage). */
  readonly scratch_bh: buffer_head;
  #next_ide_minor = 0;

  constructor(...args: ConstructorParameters<typeof Vfs>) {
    super(...args);
    const c = this.slab.kmem_cache_create("bdev_cache", SIZEOF_BDEV_INODE, 0, 0, null);
    if (!c)
      throw new PageCacheError(
        "bdev_cache_init",
        undefined,
        "kmem_cache_create(bdev_cache) failed (SLAB_PANIC)",
      );
    this.bdev_cachep = c;
    const bd_type: file_system_type = {
      name: "bdev",
      fs_flags: 0,
      get_sb: () => ERR_PTR(-Errno.EINVAL),
      kill_sb: () => undefined,
    };
    this.register_filesystem(bd_type);
    this.blockdev_superblock = this.alloc_super({ type: bd_type, flags: 0, id: "bdev" });
    this.blockdev_superblock.s_maxbytes = MAX_LFS_FILESIZE;
    this.blockdev_superblock.s_blocksize = PAGE_CACHE_SIZE;
    this.blockdev_superblock.s_blocksize_bits = 12;
    this.blockdev_superblock.s_magic = 0x62646576;
    const scratch = this.alloc_buffer_head(GFP_KERNEL);
    if (!scratch) throw new PageCacheError("buffer_init", undefined, "no memory for mpage's buffer_head");
    this.scratch_bh = scratch;

    const get_block: get_block_t = (inode, iblock, bh, create) =>
      this.blkdev_get_block(inode, iblock, bh, create);
    this.def_blk_aops = {
      readpage: (_f, page) => this.block_read_full_page(page, get_block),
      writepage: (page, wbc) => this.block_write_full_page(page, get_block, wbc),
      prepare_write: (_f, page, from, to) => this.block_prepare_write(page, from, to, get_block),
      commit_write: (_f, page, from, to) => this.block_commit_write(page, from, to),
    };
    this.def_blk_fops = {
      open: (inode, filp) => this.#blkdev_open(inode, filp),
      release: (inode) => this.#blkdev_close(inode),
      llseek: (f, off, origin) => this.generic_file_llseek(f, off, origin),
      read: (f, buf, count, ppos) => this.generic_file_read(f, buf, count, ppos),
      write: (f, buf, count, ppos) => this.generic_file_write(f, buf, count, ppos),
      fsync: (f) => this.sync_blockdev((f.f_dentry.d_inode as inode).i_bdev),
      mmap: "generic_file_mmap",
    };
  }

  // ---------------------------------------------------------------- disks (drivers/block/genhd.c)

  /**
   * add_disk: register a disk of `backend.size / 512` sectors as `name` (IDE numbering by default:
   * 3:0, 3:64, ...) and, as udev would, make /dev/<name>. The gendisk, or ERR_PTR(-EEXIST) when the
   * name or number is taken, -EINVAL for a medium smaller than one sector.
   */
  add_disk(name: string, backend: BlockBackend, opts: AddDiskOptions = {}): gendisk | ErrPtr {
    const major = opts.major ?? IDE0_MAJOR;
    const first_minor = opts.first_minor ?? (opts.major === undefined ? this.#next_ide_minor : 0);
    const dev = MKDEV(major, first_minor);
    if (this.disks.has(dev) || [...this.disks.values()].some((d) => d.disk_name === name))
      return ERR_PTR(-Errno.EEXIST);
    const capacity = Math.floor(backend.size / 512);
    if (capacity < 1) return ERR_PTR(-Errno.EINVAL);
    const disk: gendisk = {
      major,
      first_minor,
      disk_name: name,
      capacity,
      hardsect_size: 512,
      policy_ro: opts.readOnly ?? false,
      backend,
      dkstats: { ios: [0, 0], sectors: [0, 0] },
    };
    this.disks.set(dev, disk);
    if (opts.major === undefined)
      this.#next_ide_minor = Math.max(this.#next_ide_minor, first_minor + IDE_MINORS);
    if (opts.mknod ?? true) {
      const st = this.stat("/dev");
      if (IS_ERR(st)) this.sys_mkdir("/dev", 0o755);
      this.sys_mknod(`/dev/${name}`, S_IFBLK | 0o660, dev);
    }
    this.machine.printk(` ${name}: unknown partition table`);
    return disk;
  }

  /** get_gendisk(dev). */
  get_gendisk(dev: dev_t): gendisk | null {
    return this.disks.get(dev) ?? null;
  }

  /** bdev_read_only(bdev): the disk's policy or its medium refuses writes. */
  bdev_read_only(bdev: block_device): boolean {
    return bdev.bd_disk.policy_ro || bdev.bd_disk.backend.readOnly;
  }
  /** bdev_hardsect_size(bdev): 512. */
  bdev_hardsect_size(bdev: block_device): number {
    return bdev.bd_disk.hardsect_size;
  }
  /** block_size(bdev): the soft block size. */
  block_size(bdev: block_device): number {
    return bdev.bd_block_size;
  }
  /** bdevname. */
  bdevname(bdev: block_device): string {
    return bdev.bd_disk.disk_name;
  }

  /** /proc/diskstats lines (2.6.11 format: major minor name reads merges sectors ms writes merges sectors ms in_flight io_ms weighted_ms). */
  diskstats(): string {
    let out = "";
    for (const d of this.disks.values()) {
      const s = d.dkstats;
      out += `${String(d.major).padStart(4)} ${String(d.first_minor).padStart(4)} ${d.disk_name} ${s.ios[0]} 0 ${s.sectors[0]} 0 ${s.ios[1]} 0 ${s.sectors[1]} 0 0 0 0\n`;
    }
    return out;
  }

  // ---------------------------------------------------------------- the request path

  /**
   * submit_bh(rw, bh): one request for a locked, mapped buffer: sector = b_blocknr * (b_size / 512).
   * Past the end of the disk: "attempt to access beyond end of device", completion with an error
   * (-EIO for the waiter) and nothing transferred; a write to a read-only disk likewise (the
   * model's check). Otherwise the disk DMAs between the medium and the page, then b_end_io runs.
   */
  submit_bh(rw: number, bh: buffer_head): number {
    if (!buffer_locked(bh) || !buffer_mapped(bh) || !bh.b_end_io)
      throw new PageCacheError("submit_bh", bh.addr, "buffer not locked, not mapped or without b_end_io");
    if (bh.set(BH_Req) && rw === WRITE) bh.clear(BH_Write_EIO);
    const bdev = bh.b_bdev as block_device;
    const size = bh.b_size;
    const ok = this.#disk_transfer(
      bdev,
      rw,
      bh.b_blocknr * (size / 512),
      size / 512,
      bh.b_page,
      bh_offset(bh),
    );
    this[B_END_IO_CALL](bh, ok);
    return 0;
  }

  /**
   * The disk's side of one request (generic_make_request's checks + the driver's transfer):
   * `nr` sectors from `sector` to or from the page at `offset`. False (nothing moved) past the
   * end of the device, for a write to a read-only disk, or when the medium fails.
   */
  #disk_transfer(
    bdev: block_device,
    rw: number,
    sector: sector_t,
    nr: number,
    page: Page,
    offset: number,
  ): boolean {
    const disk = bdev.bd_disk;
    const maxsector = disk.capacity;
    if (maxsector < nr || maxsector - nr < sector) {
      this.machine.printk("attempt to access beyond end of device");
      this.machine.printk(`${disk.disk_name}: rw=${rw}, want=${sector + nr}, limit=${maxsector}`);
      return false;
    }
    if (rw === WRITE && this.bdev_read_only(bdev)) {
      this.machine.printk(`${disk.disk_name}: write to a read-only device refused (sector ${sector})`);
      return false;
    }
    try {
      if (rw === READ) {
        const buf = new Uint8Array(nr * 512);
        disk.backend.read(sector * 512, buf);
        this.dma_to_page(page, offset, buf);
      } else disk.backend.write(sector * 512, this.dma_from_page(page, offset, nr * 512));
    } catch (e) {
      this.machine.printk(
        `end_request: I/O error, dev ${disk.disk_name}, sector ${sector} (${(e as Error).message})`,
      );
      return false;
    }
    disk.dkstats.ios[rw]++;
    disk.dkstats.sectors[rw] += nr;
    return true;
  }

  /**
   * A one-page read bio (mpage_bio_submit's): `len` bytes from `sector` into the page at 0; the
   * completion (mpage_end_io_read) sets the page uptodate or PG_error and unlocks it.
   */
  #mpage_read_bio(bdev: block_device, page: Page, sector: sector_t, len: number): void {
    const ok = this.#disk_transfer(bdev, READ, sector, len / 512, page, 0);
    if (ok) this.SetPageUptodate(page);
    else {
      this.ClearPageUptodate(page);
      this.SetPageError(page);
    }
    this.unlock_page(page);
  }

  /**
   * mpage_readpage(page, get_block) — do_mpage_readpage: when the page's blocks are mapped and
   * contiguous (a trailing hole allowed, zeroed), read them with one bio and attach no buffers;
   * anything else ("confused") falls back to block_read_full_page.
   */
  mpage_readpage(page: Page, get_block: get_block_t): number {
    const done = this.#do_mpage_readpage(page, get_block);
    this.scratch_bh.b_state = 0;
    this.scratch_bh.b_bdev = null;
    if (done) return 0;
    // confused: buffers, a hole before a mapped block, discontiguous blocks or a get_block error
    if (!this.PageUptodate(page)) return this.block_read_full_page(page, get_block);
    this.unlock_page(page);
    return 0;
  }

  /** do_mpage_readpage: true when the page was handled (read by one bio or zeroed), false when "confused". */
  #do_mpage_readpage(page: Page, get_block: get_block_t): boolean {
    const mapping = this.page_mapping(page);
    if (!mapping) throw this.bugPage("mpage_readpage", page, "page has no mapping");
    if (this.page_has_buffers(page)) return false;
    const inode = mapping.host;
    const blkbits = inode.i_blkbits;
    const blocks_per_page = PAGE_CACHE_SIZE >> blkbits;
    const blocksize = 1 << blkbits;
    let block_in_file = this.mem_map.index[page] * blocks_per_page;
    const last_block = Math.ceil(inode.i_size / blocksize);
    const blocks: number[] = [];
    let first_hole = blocks_per_page;
    let bdev: block_device | null = null;
    const bh = this.scratch_bh;
    for (let page_block = 0; page_block < blocks_per_page; page_block++, block_in_file++) {
      bh.b_state = 0;
      if (block_in_file < last_block && get_block(inode, block_in_file, bh, false)) return false;
      if (!buffer_mapped(bh)) {
        if (first_hole === blocks_per_page) first_hole = page_block;
        continue;
      }
      if (first_hole !== blocks_per_page) return false; // hole -> non-hole
      if (page_block && blocks[page_block - 1] !== bh.b_blocknr - 1) return false;
      blocks[page_block] = bh.b_blocknr;
      bdev = bh.b_bdev;
    }
    if (first_hole !== blocks_per_page) {
      this.zero_page_range(page, first_hole << blkbits, PAGE_CACHE_SIZE - (first_hole << blkbits));
      if (first_hole === 0) {
        this.SetPageUptodate(page);
        this.unlock_page(page);
        return true;
      }
    } else this.SetPageMappedToDisk(page);
    this.#mpage_read_bio(bdev as block_device, page, blocks[0] << (blkbits - 9), first_hole << blkbits);
    return true;
  }

  /**
   * generic_block_bmap(mapping, block, get_block): the device block behind a file block (0 for a
   * hole), through an on-stack buffer head (fs/buffer.c; the FIBMAP ioctl's answer).
   */
  generic_block_bmap(mapping: address_space, block: sector_t, get_block: get_block_t): sector_t {
    const tmp = this.scratch_bh;
    tmp.b_state = 0;
    tmp.b_blocknr = 0;
    get_block(mapping.host, block, tmp, false);
    const r = tmp.b_blocknr;
    tmp.b_state = 0;
    tmp.b_bdev = null;
    return r;
  }

  // ---------------------------------------------------------------- fs/block_dev.c

  /** max_block(bdev): blocks of the current size on the device. */
  max_block(bdev: block_device): sector_t {
    const sz = bdev.bd_inode.i_size;
    if (!sz) return 0xffffffff;
    return Math.floor(sz / bdev.bd_block_size);
  }

  /**
   * blkdev_get_block(inode, iblock, bh, create): block n of a device is block n; past the end a
   * read sees a hole (the partial last page) and a write gets -EIO.
   */
  blkdev_get_block(inode: inode, iblock: sector_t, bh: buffer_head, create: boolean): number {
    const bdev = inode.i_bdev as block_device;
    if (iblock >= this.max_block(bdev)) return create ? -Errno.EIO : 0;
    bh.b_bdev = bdev;
    bh.b_blocknr = iblock;
    bh.set(BH_Mapped);
    return 0;
  }

  /**
   * bdget(dev): the block_device of a registered disk (allocated once, with its bdev inode in the
   * bdev superblock whose i_data is the buffer cache), or null (no such disk, no memory).
   */
  bdget(dev: dev_t): block_device | null {
    const found = this.all_bdevs.find((b) => b.bd_dev === dev);
    if (found) return found;
    const disk = this.get_gendisk(dev);
    if (!disk) return null;
    const addr = this.slab.kmem_cache_alloc(this.bdev_cachep, GFP_KERNEL);
    if (addr === null) return null;
    const sb = this.blockdev_superblock;
    const inode = this.inode_init(sb, ((addr + OFFSETOF_BDEV_VFS_INODE) >>> 0) as VirtAddr, dev);
    inode.i_mode = S_IFBLK;
    inode.i_rdev = dev;
    inode.i_data.a_ops = this.def_blk_aops;
    inode.i_data.flags = GFP_USER;
    inode.i_blkbits = 9;
    const bdev: block_device = {
      bd_dev: dev,
      bd_inode: inode,
      bd_openers: 0,
      bd_block_size: 512,
      bd_disk: disk,
      bd_holder: null,
      addr,
    };
    inode.i_bdev = bdev;
    sb.s_inodes.set(dev, inode);
    this.all_bdevs.push(bdev);
    this.bdevs_by_addr.set(addr, bdev);
    return bdev;
  }

  /** bd_acquire(inode): the block device of a block special inode; its i_mapping becomes the device's cache. */
  bd_acquire(inode: inode): block_device | null {
    if (inode.i_bdev) return inode.i_bdev;
    const bdev = this.bdget(inode.i_rdev);
    if (!bdev) return null;
    inode.i_bdev = bdev;
    inode.i_mapping = bdev.bd_inode.i_mapping;
    return bdev;
  }

  /** bd_set_size(bdev, size): i_size and the largest power-of-two block size (<= PAGE_SIZE) dividing it. */
  #bd_set_size(bdev: block_device, size: number): void {
    let bsize = this.bdev_hardsect_size(bdev);
    bdev.bd_inode.i_size = size;
    while (bsize < PAGE_SIZE) {
      if (size & bsize) break;
      bsize <<= 1;
    }
    bdev.bd_block_size = bsize;
    bdev.bd_inode.i_blkbits = Math.log2(bsize);
  }

  /** blkdev_get(bdev, mode): open the device (-ENXIO without its disk; -EACCES writing a read-only disk: the model's check). */
  blkdev_get(bdev: block_device, mode: number): number {
    if (!this.disks.has(bdev.bd_dev)) return -Errno.ENXIO;
    if (mode & FMODE_WRITE && this.bdev_read_only(bdev)) return -Errno.EACCES;
    if (bdev.bd_openers++ === 0) this.#bd_set_size(bdev, bdev.bd_disk.capacity * 512);
    return 0;
  }

  /** blkdev_put(bdev): the last close writes the device's dirty buffers back and empties its cache (kill_bdev). */
  blkdev_put(bdev: block_device): number {
    if (bdev.bd_openers <= 0) throw new PageCacheError("blkdev_put", bdev.addr, "device is not open");
    if (--bdev.bd_openers === 0) {
      this.sync_blockdev(bdev);
      this.kill_bdev(bdev);
    }
    return 0;
  }

  /** blkdev_open(inode, filp): f_op->open of /dev/<disk>. */
  #blkdev_open(inode: inode, filp: file): number {
    filp.f_flags |= O_LARGEFILE;
    if (!this.get_gendisk(inode.i_rdev)) return -Errno.ENXIO;
    const bdev = this.bd_acquire(inode);
    if (!bdev) return -Errno.ENOMEM;
    const err = this.blkdev_get(bdev, filp.f_mode);
    if (err) return err;
    filp.f_mapping = bdev.bd_inode.i_mapping;
    return 0;
  }
  /** blkdev_close: f_op->release. */
  #blkdev_close(inode: inode): number {
    return inode.i_bdev ? this.blkdev_put(inode.i_bdev) : 0;
  }

  /**
   * set_blocksize(bdev, size): 512..PAGE_SIZE, a power of two, not below the hardware sector
   * (-EINVAL otherwise); a change writes back and drops the device's cached buffers first.
   */
  set_blocksize(bdev: block_device, size: number): number {
    if (size > PAGE_SIZE || size < 512 || size & (size - 1)) return -Errno.EINVAL;
    if (size < this.bdev_hardsect_size(bdev)) return -Errno.EINVAL;
    if (bdev.bd_block_size !== size) {
      this.sync_blockdev(bdev);
      bdev.bd_block_size = size;
      bdev.bd_inode.i_blkbits = Math.log2(size);
      this.kill_bdev(bdev);
    }
    return 0;
  }

  /** sb_set_blocksize(sb, size): the size set on the device and the superblock, or 0. */
  sb_set_blocksize(sb: super_block, size: number): number {
    if (!sb.s_bdev || this.set_blocksize(sb.s_bdev, size)) return 0;
    sb.s_blocksize = size;
    sb.s_blocksize_bits = Math.log2(size);
    return size;
  }
  /** sb_min_blocksize(sb, size): at least the hardware sector size. */
  sb_min_blocksize(sb: super_block, size: number): number {
    const min = this.bdev_hardsect_size(sb.s_bdev as block_device);
    return this.sb_set_blocksize(sb, Math.max(size, min));
  }
  /** sb_bread(sb, block): __bread on the superblock's device with its block size. */
  sb_bread(sb: super_block, block: sector_t): buffer_head | null {
    return this.__bread(sb.s_bdev as block_device, block, sb.s_blocksize);
  }
  /** sb_getblk(sb, block). */
  sb_getblk(sb: super_block, block: sector_t): buffer_head | null {
    return this.__getblk(sb.s_bdev as block_device, block, sb.s_blocksize);
  }

  /** sync_blockdev(bdev): write back and wait for the device's dirty pages; 0 or -EIO. */
  sync_blockdev(bdev: block_device | null): number {
    if (!bdev) return 0;
    const mapping = bdev.bd_inode.i_mapping;
    const ret = this.filemap_fdatawrite(mapping);
    const err = this.filemap_fdatawait(mapping);
    return ret || err;
  }

  /** invalidate_bdev(bdev): drop the per-CPU LRU references, evict clean unused pages. */
  invalidate_bdev(bdev: block_device): void {
    this.invalidate_bh_lrus();
    this.invalidate_mapping_pages(bdev.bd_inode.i_mapping, 0, 0xffffffff);
  }

  /** kill_bdev(bdev): invalidate_bdev, then truncate every page of the device's cache. */
  kill_bdev(bdev: block_device): void {
    this.invalidate_bdev(bdev);
    this.truncate_inode_pages(bdev.bd_inode.i_mapping, 0);
  }

  /** nr_blockdev_pages(): pages in every block device's cache (/proc/meminfo "Buffers"). */
  nr_blockdev_pages(): number {
    let n = 0;
    for (const b of this.all_bdevs) n += b.bd_inode.i_mapping.nrpages;
    return n;
  }

  protected [SYNC_SB_BLOCKDEV](sb: super_block): number {
    if (sb === this.blockdev_superblock) return 0;
    return this.sync_blockdev(sb.s_bdev);
  }

  protected [FLUSH_DISKS](): void {
    for (const d of this.disks.values()) {
      try {
        d.backend.flush();
      } catch (e) {
        this.machine.printk(`${d.disk_name}: flush failed (${(e as Error).message})`);
      }
    }
  }

  // ---------------------------------------------------------------- mounting disk file systems

  /** lookup_bdev(path): the block device a /dev node names (-ENOTBLK for anything else, -EACCES on a nodev mount). */
  lookup_bdev(path: string): block_device | ErrPtr {
    const nd = this.path_lookup(path, LOOKUP_FOLLOW);
    if (IS_ERR(nd)) return nd;
    const inode = nd.dentry.d_inode as inode;
    if (!S_ISBLK(inode.i_mode)) return ERR_PTR(-Errno.ENOTBLK);
    if (nd.mnt.mnt_flags & MS_NODEV) return ERR_PTR(-Errno.EACCES);
    if (!this.get_gendisk(inode.i_rdev)) return ERR_PTR(-Errno.ENXIO);
    const bdev = this.bd_acquire(inode);
    return bdev ?? ERR_PTR(-Errno.ENOMEM);
  }

  /** open_bdev_excl(path, flags, holder): open for a file system (-EACCES writing a read-only disk, -EBUSY when held). */
  open_bdev_excl(path: string, flags: number, holder: unknown): block_device | ErrPtr {
    const bdev = this.lookup_bdev(path);
    if (IS_ERR(bdev)) return bdev;
    const mode = flags & MS_RDONLY ? FMODE_READ : FMODE_READ | FMODE_WRITE;
    if (bdev.bd_holder && bdev.bd_holder !== holder) return ERR_PTR(-Errno.EBUSY);
    const error = this.blkdev_get(bdev, mode);
    if (error) return ERR_PTR(error);
    bdev.bd_holder = holder;
    return bdev;
  }

  /** close_bdev_excl(bdev). */
  close_bdev_excl(bdev: block_device): void {
    bdev.bd_holder = null;
    this.blkdev_put(bdev);
  }

  /**
   * get_sb_bdev(fs_type, flags, dev_name, data, fill_super): open the device exclusively, set the
   * superblock's block size to the device's, fill it; a failure closes everything again. A device
   * already mounted is -EBUSY (2.6.11 would share the superblock: the model mounts it once).
   */
  get_sb_bdev(
    fs_type: file_system_type,
    flags: number,
    dev_name: string,
    data: string | null,
    fill_super: (sb: super_block, data: string | null, silent: boolean) => number,
  ): super_block | ErrPtr {
    const existing = this.lookup_bdev(dev_name);
    if (!IS_ERR(existing) && existing.bd_holder) return ERR_PTR(-Errno.EBUSY);
    const bdev = this.open_bdev_excl(dev_name, flags, fs_type);
    if (IS_ERR(bdev)) return bdev;
    const sb = this.alloc_super({ type: fs_type, flags, id: this.bdevname(bdev) });
    sb.s_bdev = bdev;
    sb.s_dev = bdev.bd_dev;
    const old = this.block_size(bdev);
    sb.s_old_blocksize = old;
    this.sb_set_blocksize(sb, old);
    const error = fill_super(sb, data, false);
    if (error) {
      this.generic_shutdown_super(sb);
      this.set_blocksize(bdev, old);
      this.close_bdev_excl(bdev);
      return ERR_PTR(error);
    }
    return sb;
  }

  /** kill_block_super(sb): shut the superblock down, restore the device's block size, close it. */
  kill_block_super(sb: super_block): void {
    const bdev = sb.s_bdev as block_device;
    this.generic_shutdown_super(sb);
    const old = sb.s_old_blocksize;
    this.set_blocksize(bdev, old);
    this.close_bdev_excl(bdev);
  }

  /** Open a disk's device node for raw access (filp_open of /dev/<name>): the file, whose f_mapping is the buffer cache. */
  open_disk(name: string, flags: number): file | ErrPtr {
    return this.filp_open(`/dev/${name}`, flags);
  }
}
