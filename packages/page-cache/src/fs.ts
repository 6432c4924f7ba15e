/*
 * fs.ts — the VFS objects and constants of include/linux/fs.h, dcache.h, mount.h, namei.h,
 * stat.h, fcntl.h and writeback.h (2.6.11), as TypeScript shapes with the kernel's field names.
 * Only the fields this model uses are present. Objects are plain JS objects (the kernel's are slab
 * objects: each inode here still takes a real object from its slab cache, whose address is
 * `inode.addr`, and `mapping.addr` is the value page->mapping holds in mem_map).
 * Function pointers (a_ops, i_op, f_op, s_op) are closures over the owning PageCache.
 */
import type { Page, VirtAddr } from "@i386mm/hw-i386";
import type { ErrPtr } from "./err.js";
import type { radix_tree_root } from "./radix-tree.js";

/** A file offset in bytes (loff_t). Exact in a JS number up to 2^53. */
export type loff_t = number;
/** A page index within a file (pgoff_t, unsigned long). */
export type pgoff_t = number;
/** A block number on a device (sector_t: unsigned long without CONFIG_LBD). */
export type sector_t = number;
/** A device number, MKDEV(major, minor) = major << 8 | minor in 2.6.11's 16-bit dev_t use. */
export type dev_t = number;

/** A `loff_t *` the callee advances (the kernel passes &file->f_pos or a local). */
export interface loff_ptr {
  pos: loff_t;
}

// ------------------------------------------------------------------------- stat.h / fcntl.h

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const S_IRWXUGO = 0o777;
export const S_IALLUGO = 0o7777;
export const S_IXUGO = 0o111;
export const S_ISREG = (m: number): boolean => (m & S_IFMT) === S_IFREG;
export const S_ISDIR = (m: number): boolean => (m & S_IFMT) === S_IFDIR;
export const S_ISLNK = (m: number): boolean => (m & S_IFMT) === S_IFLNK;
export const S_ISBLK = (m: number): boolean => (m & S_IFMT) === S_IFBLK;
export const S_ISCHR = (m: number): boolean => (m & S_IFMT) === S_IFCHR;

export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;

/** file->f_mode bits. */
export const FMODE_READ = 1;
export const FMODE_WRITE = 2;
/** permission() masks. */
export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;
/** Superblock / mount flags (include/linux/fs.h). */
export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_NOATIME = 1024;
/** file_system_type->fs_flags: needs a block device. */
export const FS_REQUIRES_DEV = 1;
/** inode->i_state dirty bits. */
export const I_DIRTY_SYNC = 1;
export const I_DIRTY_DATASYNC = 2;
export const I_DIRTY_PAGES = 4;
export const I_DIRTY = I_DIRTY_SYNC | I_DIRTY_DATASYNC | I_DIRTY_PAGES;
/** path_lookup flags (include/linux/namei.h). */
export const LOOKUP_FOLLOW = 1;
export const LOOKUP_DIRECTORY = 2;
export const LOOKUP_PARENT = 16;
export const LOOKUP_OPEN = 0x100;
export const LOOKUP_CREATE = 0x200;
/** Longest path (include/linux/limits.h) and component (NAME_MAX). */
export const PATH_MAX = 4096;
export const NAME_MAX = 255;
/** Symlink limits of link_path_walk: nesting depth and total per lookup (fs/namei.c). */
export const MAX_NESTED_LINKS = 5;
export const MAX_TOTAL_LINKS = 40;
/** Page-cache radix tree tags (include/linux/fs.h). */
export const PAGECACHE_TAG_DIRTY = 0;
export const PAGECACHE_TAG_WRITEBACK = 1;
/** address_space->flags: error bits above the gfp mask (include/linux/pagemap.h). */
export const AS_EIO = 16;
export const AS_ENOSPC = 17;
/** writeback_control sync modes. */
export const WB_SYNC_NONE = 0;
export const WB_SYNC_ALL = 1;
/** llseek origins. */
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

/** MKDEV(major, minor). */
export function MKDEV(major: number, minor: number): dev_t {
  return ((major << 8) | minor) >>> 0;
}
/** MAJOR(dev). */
export function MAJOR(dev: dev_t): number {
  return dev >>> 8;
}
/** MINOR(dev). */
export function MINOR(dev: dev_t): number {
  return dev & 0xff;
}

// ------------------------------------------------------------------------- writeback.h

/** struct writeback_control: what a writeback pass may do. */
export interface writeback_control {
  sync_mode: number;
  nr_to_write: number;
  pages_skipped: number;
  nonblocking: boolean;
  for_reclaim: boolean;
}

/** struct backing_dev_info: ramfs's is memory-backed (never written back, not dirty-accounted). */
export interface backing_dev_info {
  ra_pages: number;
  memory_backed: boolean;
}

// ------------------------------------------------------------------------- address_space

/**
 * struct address_space_operations. Every function returns 0 or a negative errno. `readpage` and
 * `writepage` are entered with the page locked and unlock it (here the I/O completes before they
 * return); prepare_write/commit_write run on a locked page and leave it locked.
 */
export interface address_space_operations {
  readonly writepage?: (page: Page, wbc: writeback_control) => number;
  readonly readpage?: (file: file | null, page: Page) => number;
  readonly sync_page?: (page: Page) => number;
  readonly writepages?: (mapping: address_space, wbc: writeback_control) => number;
  readonly set_page_dirty?: (page: Page) => number;
  readonly prepare_write?: (file: file | null, page: Page, from: number, to: number) => number;
  readonly commit_write?: (file: file | null, page: Page, from: number, to: number) => number;
  readonly bmap?: (mapping: address_space, block: sector_t) => sector_t;
  readonly invalidatepage?: (page: Page, offset: number) => number;
  readonly releasepage?: (page: Page, gfp: number) => number;
}

/**
 * struct address_space: one cached object (a file's data, or a block device's blocks). Pages are
 * found by index in `page_tree`; `nrpages` counts them; `flags` holds the gfp mask for new pages
 * (mapping_gfp_mask) and the AS_EIO/AS_ENOSPC error bits.
 */
export interface address_space {
  /** Owner: the inode (for a block device, its bdev inode). */
  readonly host: inode;
  readonly page_tree: radix_tree_root<Page>;
  nrpages: number;
  a_ops: address_space_operations;
  /** gfp mask (low 16 bits) | 1 << AS_EIO | 1 << AS_ENOSPC. */
  flags: number;
  backing_dev_info: backing_dev_info;
  /** Where a writeback pass resumes (mpage_writepages' cyclic start). */
  writeback_index: pgoff_t;
  /** Count of VM_SHARED writable mappings (maintained by the vma layer). */
  i_mmap_writable: number;
  /** The VMAs mapping this object (a prio tree in 2.6.11; owned and kept by the vma layer). */
  readonly i_mmap: Set<unknown>;
  /** Bumped by truncation so do_no_page can detect a race (the vma layer reads it). */
  truncate_count: number;
  /** Kernel address of this struct (&inode->i_data): the value stored in page->mapping. */
  readonly addr: VirtAddr;
}

// ------------------------------------------------------------------------- inode, dentry, file

/** struct inode_operations (the subset used; absent = not supported, as NULL in the kernel). */
export interface inode_operations {
  readonly lookup?: (dir: inode, dentry: dentry, nd: nameidata | null) => dentry | null | ErrPtr;
  readonly create?: (dir: inode, dentry: dentry, mode: number, nd: nameidata | null) => number;
  readonly mkdir?: (dir: inode, dentry: dentry, mode: number) => number;
  readonly mknod?: (dir: inode, dentry: dentry, mode: number, dev: dev_t) => number;
  readonly symlink?: (dir: inode, dentry: dentry, symname: string) => number;
  readonly unlink?: (dir: inode, dentry: dentry) => number;
  readonly rmdir?: (dir: inode, dentry: dentry) => number;
  /** follow_link: the link body (the path to follow), or an ERR_PTR. */
  readonly follow_link?: (dentry: dentry, nd: nameidata) => string | ErrPtr;
  /** readlink: the link body, as readlink(2) returns it. */
  readonly readlink?: (dentry: dentry) => string | ErrPtr;
  readonly truncate?: (inode: inode) => void;
  /** setattr with a new size (the model's only attribute change): 0 or -errno. */
  readonly setsize?: (dentry: dentry, size: loff_t) => number;
}

/** One directory entry as readdir's filldir callback receives it. */
export interface dirent {
  name: string;
  offset: loff_t;
  ino: number;
  /** DT_* type (d_type): 1 FIFO, 2 CHR, 4 DIR, 6 BLK, 8 REG, 10 LNK, 12 SOCK, 0 unknown. */
  type: number;
}

/** struct file_operations (the subset used). */
export interface file_operations {
  readonly llseek?: (file: file, offset: loff_t, origin: number) => loff_t;
  readonly read?: (file: file, buf: Uint8Array, count: number, ppos: loff_ptr) => number;
  readonly write?: (file: file, buf: Uint8Array, count: number, ppos: loff_ptr) => number;
  /** readdir(file, filldir): calls filldir per entry from f_pos on until it returns false; 0 or -errno. */
  readonly readdir?: (file: file, filldir: (d: dirent) => boolean) => number;
  readonly open?: (inode: inode, file: file) => number;
  readonly release?: (inode: inode, file: file) => number;
  readonly fsync?: (file: file, dentry: dentry, datasync: boolean) => number;
  /**
   * mmap: present when the file can be mapped. Both ext2 and ramfs use generic_file_mmap in
   * 2.6.11; the vma layer implements that (vm_ops = filemap_nopage over this package's
   * filemap_getpage), so here the entry is the marker "generic_file_mmap".
   */
  readonly mmap?: "generic_file_mmap";
}

/** struct inode: one file-system object in memory. */
export interface inode {
  readonly i_ino: number;
  i_mode: number;
  i_nlink: number;
  i_uid: number;
  i_gid: number;
  /** Device number of a block/char special file. */
  i_rdev: dev_t;
  /** Size in bytes (i_size_read / i_size_write). */
  i_size: loff_t;
  /** 512-byte sectors allocated. */
  i_blocks: number;
  /** log2 of the block size (the fs's, or the bdev's for a bdev inode). */
  i_blkbits: number;
  i_atime: number;
  i_mtime: number;
  i_ctime: number;
  /** References (iget/igrab/iput). */
  i_count: number;
  /** > 0: open for writing n times; < 0: write denied n times (deny_write_access: exec, MAP_DENYWRITE). */
  i_writecount: number;
  /** I_DIRTY_* bits. */
  i_state: number;
  readonly i_sb: super_block;
  i_op: inode_operations;
  i_fop: file_operations;
  /** The inode's own page cache. */
  readonly i_data: address_space;
  /** The page cache used for I/O: i_data, or the block device's for a bdev special file once opened. */
  i_mapping: address_space;
  /** The block device behind a block special file (after bd_acquire). */
  i_bdev: block_device | null;
  /** Generation / file-system private part (EXT2_I(inode) and the like). */
  i_private: unknown;
  /** Marked bad (make_bad_inode): every operation fails with -EIO. */
  i_bad: boolean;
  /** Kernel address of the inode's slab object. */
  readonly addr: VirtAddr;
}

/** struct dentry: a name in a directory, with its inode (null: a negative dentry). */
export interface dentry {
  d_name: string;
  d_inode: inode | null;
  /** The parent (the root's parent is itself). */
  d_parent: dentry;
  readonly d_sb: super_block;
  d_count: number;
  /** Number of mounts on this dentry. */
  d_mounted: number;
  /** Child dentries by name (the dcache for this directory). */
  readonly d_subdirs: Map<string, dentry>;
}

/** struct vfsmount: one mounted file system. */
export interface vfsmount {
  mnt_root: dentry;
  mnt_sb: super_block;
  /** Where it is mounted (in mnt_parent); the root mount is mounted on its own root. */
  mnt_mountpoint: dentry;
  mnt_parent: vfsmount;
  mnt_devname: string;
  mnt_flags: number;
  mnt_count: number;
}

/** struct nameidata: the result of a path walk. */
export interface nameidata {
  dentry: dentry;
  mnt: vfsmount;
  flags: number;
  /** Last component (LOOKUP_PARENT walks stop before it). */
  last: string;
  /** Symlink nesting depth (current->link_count) and total followed (total_link_count). */
  depth: number;
  total_link_count: number;
}

/** struct file: an open file. */
export interface file {
  f_dentry: dentry;
  f_vfsmnt: vfsmount;
  f_op: file_operations;
  f_count: number;
  f_flags: number;
  /** FMODE_READ | FMODE_WRITE. */
  f_mode: number;
  f_pos: loff_t;
  /** The page cache reads and writes go through (inode->i_mapping at open). */
  f_mapping: address_space;
  private_data: unknown;
}

// ------------------------------------------------------------------------- super_block, fs types

/** struct super_operations (the subset used). */
export interface super_operations {
  readonly alloc_inode?: (sb: super_block) => inode | null;
  readonly destroy_inode?: (inode: inode) => void;
  readonly read_inode?: (inode: inode) => void;
  readonly write_inode?: (inode: inode, wait: boolean) => number;
  readonly put_super?: (sb: super_block) => void;
  readonly write_super?: (sb: super_block) => void;
  readonly sync_fs?: (sb: super_block, wait: boolean) => number;
  readonly statfs?: (sb: super_block) => kstatfs;
  readonly clear_inode?: (inode: inode) => void;
}

/** struct kstatfs (statfs(2)). */
export interface kstatfs {
  f_type: number;
  f_bsize: number;
  f_blocks: number;
  f_bfree: number;
  f_bavail: number;
  f_files: number;
  f_ffree: number;
  f_namelen: number;
}

/** struct super_block: one mounted file-system instance. */
export interface super_block {
  s_dev: dev_t;
  s_blocksize: number;
  s_blocksize_bits: number;
  /** The device's block size before the mount (restored by kill_block_super). */
  s_old_blocksize: number;
  s_maxbytes: loff_t;
  readonly s_type: file_system_type;
  s_op: super_operations;
  s_flags: number;
  s_magic: number;
  s_root: dentry | null;
  s_bdev: block_device | null;
  /** Device name for messages ("hda", "rootfs"). */
  s_id: string;
  s_fs_info: unknown;
  /** Superblock needs writing (write_super). */
  s_dirt: boolean;
  /** The inode hash of this sb (iget finds inodes here). */
  readonly s_inodes: Map<number, inode>;
  /** Inodes with dirty state or dirty pages (sync walks these). */
  readonly s_dirty: Set<inode>;
}

/** struct file_system_type. */
export interface file_system_type {
  readonly name: string;
  readonly fs_flags: number;
  /** get_sb(fs_type, flags, dev_name, data): the superblock or an ERR_PTR. */
  readonly get_sb: (
    fs_type: file_system_type,
    flags: number,
    dev_name: string,
    data: string | null,
  ) => super_block | ErrPtr;
  readonly kill_sb: (sb: super_block) => void;
}

// ------------------------------------------------------------------------- block devices

/**
 * The storage behind a disk: a byte array (main entry) or a host file (`@i386mm/page-cache/node`).
 * Offsets and lengths are in bytes, multiples of 512; the block layer checks the range first.
 */
export interface BlockBackend {
  /** Size in bytes (a multiple of 512: a trailing partial sector is not addressable). */
  readonly size: number;
  /** The medium refuses writes (a read-only image file). */
  readonly readOnly: boolean;
  /** Copy `dst.length` bytes at byte offset `pos` into `dst`. */
  read(pos: number, dst: Uint8Array): void;
  /** Store `src` at byte offset `pos`. */
  write(pos: number, src: Uint8Array): void;
  /** Make written bytes durable (fsync). */
  flush(): void;
}

/** Per-disk I/O statistics (the fields of /proc/diskstats the model fills). */
export interface disk_stats {
  /** Completed read and write requests (one per submitted buffer head). */
  ios: [number, number];
  /** 512-byte sectors read and written. */
  sectors: [number, number];
}

/** struct gendisk: one disk. */
export interface gendisk {
  major: number;
  first_minor: number;
  readonly disk_name: string;
  /** Size in 512-byte sectors (get_capacity). */
  capacity: sector_t;
  /** Hardware sector size (bdev_hardsect_size), 512. */
  hardsect_size: number;
  /** set_disk_ro: the policy flag (writes refused). */
  policy_ro: boolean;
  readonly backend: BlockBackend;
  readonly dkstats: disk_stats;
}

/** struct block_device: an opened disk; its bd_inode's mapping is the buffer cache. */
export interface block_device {
  bd_dev: dev_t;
  /** The bdev pseudo-inode whose i_data caches the device's blocks (Buffers in /proc/meminfo). */
  readonly bd_inode: inode;
  bd_openers: number;
  /** Soft block size (set_blocksize): 512, 1024, 2048 or 4096. */
  bd_block_size: number;
  readonly bd_disk: gendisk;
  /** Who holds it exclusively (a mounted superblock), or null. */
  bd_holder: unknown;
  /** Kernel address of the bdev_inode slab object. */
  readonly addr: VirtAddr;
}
