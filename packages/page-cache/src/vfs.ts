/*
 * vfs.ts — the virtual file system over the page cache, in the kernel's order: inodes
 * (fs/inode.c: alloc_inode, new_inode, iget, iput, make_bad_inode), dentries (fs/dcache.c:
 * d_alloc, d_instantiate, d_add, d_lookup), file systems and mounts (fs/super.c, fs/namespace.c:
 * register_filesystem, get_sb_nodev, do_kern_mount, sys_mount, sys_umount, lookup_mnt), path walk
 * (fs/namei.c: permission, link_path_walk, path_lookup, open_namei, vfs_create/mkdir/mknod/
 * symlink/unlink), open files (fs/open.c: dentry_open, filp_open, fput, get/deny_write_access,
 * do_truncate), read/write (fs/read_write.c: vfs_read, vfs_write, sys_lseek; kernel_read and
 * open_exec of fs/exec.c) and sync (fs/fs-writeback.c, fs/super.c: sync_inodes, sync_supers, sys_sync).
 * The caller is root (fsuid 0) in one namespace whose root is the rootfs mounted at boot; there
 * are no file descriptor tables: a `file` is the open-file object itself.
 * Invariants: every hashed dentry's parent map holds it under its name; a mount's mountpoint has
 * d_mounted > 0; an inode's i_data is registered under its address until destroy_inode.
 */
import { Errno, PAGE_SIZE, type VirtAddr } from "@i386mm/hw-i386";
import { GFP_ATOMIC, GFP_HIGHUSER, GFP_KERNEL } from "@i386mm/page-alloc";
import type { kmem_cache_t } from "@i386mm/slab";
import { FLUSH_DISKS, INIT_MOUNT_TREE, PageCacheError, SYNC_SB_BLOCKDEV } from "./base.js";
import { BufferCache } from "./buffer.js";
import { ERR_PTR, type ErrPtr, IS_ERR, PTR_ERR } from "./err.js";
import {
  type address_space,
  type address_space_operations,
  type backing_dev_info,
  type dentry,
  type dev_t,
  type dirent,
  FMODE_READ,
  FMODE_WRITE,
  type file,
  type file_operations,
  type file_system_type,
  I_DIRTY_DATASYNC,
  I_DIRTY_PAGES,
  I_DIRTY_SYNC,
  type inode,
  type inode_operations,
  type kstatfs,
  LOOKUP_DIRECTORY,
  LOOKUP_FOLLOW,
  LOOKUP_PARENT,
  type loff_ptr,
  type loff_t,
  MAX_NESTED_LINKS,
  MAX_TOTAL_LINKS,
  MAY_EXEC,
  MAY_READ,
  MAY_WRITE,
  MS_NODEV,
  MS_NOEXEC,
  MS_RDONLY,
  type nameidata,
  O_ACCMODE,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_TRUNC,
  PATH_MAX,
  S_IALLUGO,
  S_IFBLK,
  S_IFCHR,
  S_IFMT,
  S_IFREG,
  S_IRWXUGO,
  S_ISBLK,
  S_ISCHR,
  S_ISDIR,
  S_ISLNK,
  S_ISREG,
  S_IXUGO,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
  type super_block,
  type vfsmount,
  WB_SYNC_ALL,
} from "./fs.js";
import { INIT_RADIX_TREE } from "./radix-tree.js";

/**
 * sizeof(struct inode) of the 2.6.11 i386 SMP profile as the model charges it (the generic
 * "inode_cache"), and where i_data sits inside it. Approximations of the real layout: the
 * addresses are real slab objects, the offsets are the model's.
 */
export const SIZEOF_INODE = 352;
/** Offset of i_data (struct address_space) inside struct inode (model's layout). */
export const OFFSETOF_I_DATA = 148;

/** The default backing device (disks): dirty pages are written back. */
export const default_backing_dev_info: backing_dev_info = { ra_pages: 32, memory_backed: false };

/** empty_aops: an address_space with no operations (fs/inode.c). */
export const empty_aops: address_space_operations = {};
const empty_iops: inode_operations = {};
const empty_fops: file_operations = {};

/** A superblock under construction (sget's fresh object). */
export interface NewSuperBlock {
  type: file_system_type;
  flags: number;
  id: string;
}

/** The VFS of one kernel: namespace, inodes, dentries, files, mounts, sync. */
export abstract class Vfs extends BufferCache {
  /** The generic "inode_cache" (inodes of rootfs and ramfs). */
  readonly inode_cachep: kmem_cache_t;
  /** file_systems: registered types by name. */
  readonly file_systems = new Map<string, file_system_type>();
  /** super_blocks: every live superblock, in creation order. */
  readonly super_blocks: super_block[] = [];
  /** Mounted file systems (vfsmntlist of the one namespace). */
  readonly mounts: vfsmount[] = [];
  /** The namespace root (current->fs->root / rootmnt), set by init_mount_tree. */
  rootmnt: vfsmount | null = null;
  /** last_ino: inode numbers for new_inode (fs/inode.c). */
  last_ino = 0;
  /** Anonymous device numbers handed to superblocks without a block device (set_anon_super). */
  #unnamed_dev = 0;

  constructor(...args: ConstructorParameters<typeof BufferCache>) {
    super(...args);
    const c = this.slab.kmem_cache_create("inode_cache", SIZEOF_INODE, 0, 0, null);
    if (!c)
      throw new PageCacheError("inode_init", undefined, "kmem_cache_create(inode_cache) failed (SLAB_PANIC)");
    this.inode_cachep = c;
  }

  // ================================================================ fs/inode.c

  /**
   * inode_init_once + the part of alloc_inode that fills in defaults: build the inode object whose
   * slab object is at `addr`, with its i_data address_space registered under addr + OFFSETOF_I_DATA
   * (page->mapping values). File systems with their own inode cache call this from alloc_inode.
   */
  inode_init(sb: super_block, addr: VirtAddr, ino: number, offsetofIData = OFFSETOF_I_DATA): inode {
    const now = this.get_seconds();
    const inode = {
      i_ino: ino,
      i_mode: 0,
      i_nlink: 1,
      i_uid: 0,
      i_gid: 0,
      i_rdev: 0,
      i_size: 0,
      i_blocks: 0,
      i_blkbits: sb.s_blocksize_bits,
      i_atime: now,
      i_mtime: now,
      i_ctime: now,
      i_count: 1,
      i_writecount: 0,
      i_state: 0,
      i_sb: sb,
      i_op: empty_iops,
      i_fop: empty_fops,
      i_data: null as unknown as address_space,
      i_mapping: null as unknown as address_space,
      i_bdev: null,
      i_private: null,
      i_bad: false,
      addr,
    } satisfies inode as inode;
    const mapping: address_space = {
      host: inode,
      page_tree: INIT_RADIX_TREE(this.radix_nodes, GFP_ATOMIC),
      nrpages: 0,
      a_ops: empty_aops,
      flags: GFP_HIGHUSER,
      backing_dev_info: default_backing_dev_info,
      writeback_index: 0,
      i_mmap_writable: 0,
      i_mmap: new Set(),
      truncate_count: 0,
      addr: ((addr + offsetofIData) >>> 0) as VirtAddr,
    };
    (inode as { i_data: address_space }).i_data = mapping;
    inode.i_mapping = mapping;
    this.mappings.set(mapping.addr, mapping);
    return inode;
  }

  /** alloc_inode(sb): sb->s_op->alloc_inode, else an object of inode_cache; null without memory. */
  alloc_inode(sb: super_block, ino: number): inode | null {
    if (sb.s_op.alloc_inode) {
      const inode = sb.s_op.alloc_inode(sb);
      if (inode) (inode as { i_ino: number }).i_ino = ino;
      return inode;
    }
    const addr = this.slab.kmem_cache_alloc(this.inode_cachep, GFP_KERNEL);
    if (addr === null) return null;
    return this.inode_init(sb, addr, ino);
  }

  /** destroy_inode(inode): unregister i_data and give the object back (s_op->destroy_inode or inode_cache). */
  destroy_inode(inode: inode): void {
    if (inode.i_data.nrpages !== 0)
      throw new PageCacheError(
        "destroy_inode",
        inode.addr,
        `inode ${inode.i_ino} still has ${inode.i_data.nrpages} cached pages`,
      );
    this.mappings.delete(inode.i_data.addr);
    inode.i_sb.s_inodes.delete(inode.i_ino);
    inode.i_sb.s_dirty.delete(inode);
    if (inode.i_sb.s_op.destroy_inode) inode.i_sb.s_op.destroy_inode(inode);
    else this.slab.kmem_cache_free(this.inode_cachep, inode.addr);
  }

  /** new_inode(sb): a fresh in-memory inode numbered from last_ino (not read from disk), or null. */
  new_inode(sb: super_block): inode | null {
    const inode = this.alloc_inode(sb, ++this.last_ino);
    if (inode) sb.s_inodes.set(inode.i_ino, inode);
    return inode;
  }

  /**
   * iget(sb, ino): the cached inode with another reference, or a new one read by s_op->read_inode
   * (which may make_bad_inode it: every operation on it then fails with -EIO). Null without memory.
   */
  iget(sb: super_block, ino: number): inode | null {
    const cached = sb.s_inodes.get(ino);
    if (cached) {
      cached.i_count++;
      return cached;
    }
    const inode = this.alloc_inode(sb, ino);
    if (!inode) return null;
    sb.s_inodes.set(ino, inode);
    sb.s_op.read_inode?.(inode);
    return inode;
  }

  /** igrab(inode): another reference. */
  igrab(inode: inode): inode {
    inode.i_count++;
    return inode;
  }

  /**
   * iput(inode): drop a reference. The last one keeps a linked inode cached (unused, dropped at
   * umount) and deletes an unlinked one: its pages truncated, the object destroyed.
   */
  iput(inode: inode): void {
    if (inode.i_count <= 0)
      throw new PageCacheError("iput", inode.addr, `inode ${inode.i_ino} has no references`);
    if (--inode.i_count > 0) return;
    if (inode.i_nlink === 0) this.generic_delete_inode(inode);
  }

  /** generic_delete_inode: truncate every page and free the inode. */
  generic_delete_inode(inode: inode): void {
    this.truncate_inode_pages(inode.i_data, 0);
    inode.i_sb.s_op.clear_inode?.(inode);
    this.destroy_inode(inode);
  }

  /** make_bad_inode(inode): every operation on it fails with -EIO (bad_inode_ops). */
  make_bad_inode(inode: inode): void {
    inode.i_bad = true;
    inode.i_mode = S_IFREG;
    inode.i_op = bad_inode_ops;
    inode.i_fop = bad_file_ops;
  }

  /** is_bad_inode(inode). */
  is_bad_inode(inode: inode): boolean {
    return inode.i_bad;
  }

  /** init_special_inode(inode, mode, rdev): device nodes get the device file operations. */
  init_special_inode(inode: inode, mode: number, rdev: dev_t): void {
    inode.i_mode = mode;
    if (S_ISBLK(mode)) {
      inode.i_fop = this.def_blk_fops;
      inode.i_rdev = rdev;
    } else if (S_ISCHR(mode)) {
      inode.i_fop = empty_fops;
      inode.i_rdev = rdev;
    }
  }

  /** def_blk_fops: the file operations of a block special file (fs/block_dev.c). */
  abstract readonly def_blk_fops: file_operations;

  /**
   * invalidate_inodes(sb): at umount, drop every unused inode of sb (pages truncated, objects
   * freed); returns the number still busy.
   */
  invalidate_inodes(sb: super_block): number {
    let busy = 0;
    for (const inode of [...sb.s_inodes.values()]) {
      if (inode.i_count > 0) {
        busy++;
        continue;
      }
      this.truncate_inode_pages(inode.i_data, 0);
      sb.s_op.clear_inode?.(inode);
      this.destroy_inode(inode);
    }
    return busy;
  }

  // ================================================================ fs/dcache.c

  /** d_alloc(parent, name): a new unhashed negative dentry (parent null: a root, its own parent). */
  d_alloc(parent: dentry | null, name: string, sb?: super_block): dentry {
    const d = {
      d_name: name,
      d_inode: null,
      d_parent: null as unknown as dentry,
      d_sb: parent ? parent.d_sb : (sb as super_block),
      d_count: 1,
      d_mounted: 0,
      d_subdirs: new Map<string, dentry>(),
    } satisfies dentry as dentry;
    d.d_parent = parent ?? d;
    return d;
  }
  /** d_instantiate(dentry, inode): attach the inode. */
  d_instantiate(dentry: dentry, inode: inode | null): void {
    dentry.d_inode = inode;
  }
  /** d_rehash(dentry): make it findable under its parent. */
  d_rehash(dentry: dentry): void {
    if (dentry.d_parent !== dentry) dentry.d_parent.d_subdirs.set(dentry.d_name, dentry);
  }
  /** d_add(dentry, inode): d_instantiate + d_rehash. */
  d_add(dentry: dentry, inode: inode | null): void {
    this.d_instantiate(dentry, inode);
    this.d_rehash(dentry);
  }
  /** d_lookup(parent, name): the hashed child, or null. */
  d_lookup(parent: dentry, name: string): dentry | null {
    return parent.d_subdirs.get(name) ?? null;
  }
  /** d_drop(dentry): unhash. */
  d_drop(dentry: dentry): void {
    if (dentry.d_parent.d_subdirs.get(dentry.d_name) === dentry)
      dentry.d_parent.d_subdirs.delete(dentry.d_name);
  }
  /** d_alloc_root(root_inode): the root dentry "/" of a superblock. */
  d_alloc_root(root_inode: inode | null): dentry | null {
    if (!root_inode) return null;
    const d = this.d_alloc(null, "/", root_inode.i_sb);
    this.d_instantiate(d, root_inode);
    return d;
  }
  /** dget(dentry). */
  dget(dentry: dentry): dentry {
    dentry.d_count++;
    return dentry;
  }
  /** dput(dentry): drop a reference (dentries stay cached until umount). */
  dput(dentry: dentry): void {
    if (dentry.d_count > 0) dentry.d_count--;
  }
  /**
   * shrink_dcache_sb(sb): drop the cached dentries of sb below its root, releasing their inodes
   * (umount's first step).
   */
  shrink_dcache_sb(sb: super_block): void {
    const root = sb.s_root;
    if (!root) return;
    const walk = (d: dentry): void => {
      for (const child of [...d.d_subdirs.values()]) {
        walk(child);
        d.d_subdirs.delete(child.d_name);
        if (child.d_inode) {
          const inode = child.d_inode;
          child.d_inode = null;
          if (inode.i_count > 0) this.iput(inode);
        }
      }
    };
    walk(root);
  }

  // ================================================================ fs/super.c, fs/namespace.c

  /** register_filesystem(fs): -EBUSY when the name is taken. */
  register_filesystem(fs: file_system_type): number {
    if (this.file_systems.has(fs.name)) return -Errno.EBUSY;
    this.file_systems.set(fs.name, fs);
    return 0;
  }

  /** get_fs_type(name). */
  get_fs_type(name: string): file_system_type | null {
    return this.file_systems.get(name) ?? null;
  }

  /** alloc_super / sget's new superblock (the caller fills it). */
  alloc_super(n: NewSuperBlock): super_block {
    // sget, which hands 2.6.11's alloc_super its type, first walks type->fs_supers: a pointer that
    // is no file_system_type is an oops there, before any superblock exists.
    const type = (n as Partial<NewSuperBlock> | null | undefined)?.type;
    if (typeof type !== "object" || type === null || typeof type.name !== "string")
      throw new PageCacheError(
        "alloc_super",
        undefined,
        "Unable to handle kernel paging request: the new superblock's file_system_type is no such structure",
      );
    const sb: super_block = {
      s_dev: 0,
      s_blocksize: 1024,
      s_blocksize_bits: 10,
      s_old_blocksize: 0,
      s_maxbytes: 2 ** 31 - 1,
      s_type: n.type,
      s_op: {},
      s_flags: n.flags,
      s_magic: 0,
      s_root: null,
      s_bdev: null,
      s_id: n.id,
      s_fs_info: null,
      s_dirt: false,
      s_inodes: new Map(),
      s_dirty: new Set(),
    };
    this.super_blocks.push(sb);
    return sb;
  }

  /** set_anon_super: an unnamed device number (major 0). */
  set_anon_super(sb: super_block): void {
    sb.s_dev = ++this.#unnamed_dev;
  }

  /**
   * get_sb_nodev(fs_type, flags, data, fill_super): a superblock without a device (ramfs,
   * rootfs); a failed fill_super is torn down and its error returned.
   */
  get_sb_nodev(
    fs_type: file_system_type,
    flags: number,
    data: string | null,
    fill_super: (sb: super_block, data: string | null, silent: boolean) => number,
  ): super_block | ErrPtr {
    const sb = this.alloc_super({ type: fs_type, flags, id: fs_type.name });
    this.set_anon_super(sb);
    const error = fill_super(sb, data, (flags & 0x8000) !== 0);
    if (error) {
      this.generic_shutdown_super(sb);
      return ERR_PTR(error);
    }
    return sb;
  }

  /**
   * generic_shutdown_super(sb): drop the dcache, write everything back, free unused inodes,
   * put_super; busy inodes are reported as 2.6.11 does.
   */
  generic_shutdown_super(sb: super_block): void {
    if (sb.s_root) {
      this.shrink_dcache_sb(sb);
      const root = sb.s_root;
      sb.s_root = null;
      if (root.d_inode && root.d_inode.i_count > 0) this.iput(root.d_inode);
      this.fsync_super(sb);
      sb.s_flags &= ~(1 << 30); // MS_ACTIVE
    }
    const busy = this.invalidate_inodes(sb);
    if (busy)
      this.machine.printk("VFS: Busy inodes after unmount. Self-destruct in 5 seconds.  Have a nice day...");
    sb.s_op.put_super?.(sb);
    const i = this.super_blocks.indexOf(sb);
    if (i >= 0) this.super_blocks.splice(i, 1);
  }

  /** kill_anon_super / kill_litter_super: shut a device-less superblock down. */
  kill_litter_super(sb: super_block): void {
    this.generic_shutdown_super(sb);
  }

  /** do_kern_mount(fstype, flags, name, data): a vfsmount of a new superblock, or an ERR_PTR (-ENODEV: unknown type). */
  do_kern_mount(fstype: string, flags: number, name: string, data: string | null): vfsmount | ErrPtr {
    const type = this.get_fs_type(fstype);
    if (!type) return ERR_PTR(-Errno.ENODEV);
    const sb = type.get_sb(type, flags, name, data);
    if (IS_ERR(sb)) return sb;
    const root = sb.s_root as dentry;
    const mnt: vfsmount = {
      mnt_root: this.dget(root),
      mnt_sb: sb,
      mnt_mountpoint: root,
      mnt_parent: null as unknown as vfsmount,
      mnt_devname: name,
      mnt_flags: 0,
      mnt_count: 1,
    };
    mnt.mnt_parent = mnt;
    return mnt;
  }

  /** lookup_mnt(mnt, dentry): the file system mounted on `dentry` of `mnt` (the last one when stacked), or null. */
  lookup_mnt(mnt: vfsmount, dentry: dentry): vfsmount | null {
    for (let i = this.mounts.length - 1; i >= 0; i--) {
      const m = this.mounts[i];
      if (m.mnt_parent === mnt && m.mnt_mountpoint === dentry && m !== mnt) return m;
    }
    return null;
  }

  /** follow_mount: descend through every mount stacked on (mnt, dentry). */
  follow_mount(p: { mnt: vfsmount; dentry: dentry }): void {
    while (p.dentry.d_mounted) {
      const m = this.lookup_mnt(p.mnt, p.dentry);
      if (!m) break;
      p.mnt = m;
      p.dentry = m.mnt_root;
    }
  }

  /** init_mount_tree: mount rootfs as the namespace root. */
  protected [INIT_MOUNT_TREE](): void {
    const mnt = this.do_kern_mount("rootfs", 0, "rootfs", null);
    if (IS_ERR(mnt))
      throw new PageCacheError("init_mount_tree", undefined, `can't create rootfs (${PTR_ERR(mnt)})`);
    this.mounts.push(mnt);
    this.rootmnt = mnt;
  }

  /**
   * sys_mount(dev_name, dir_name, type, flags, data): mount a new file system of `type` on the
   * directory dir_name. 0 or -errno (-ENOENT, -ENOTDIR, -ENODEV unknown type, the fs's own errors).
   */
  sys_mount(dev_name: string, dir_name: string, type: string, flags = 0, data: string | null = null): number {
    const nd = this.path_lookup(dir_name, LOOKUP_FOLLOW);
    if (IS_ERR(nd)) return PTR_ERR(nd);
    if (!nd.dentry.d_inode || !S_ISDIR(nd.dentry.d_inode.i_mode)) return -Errno.ENOTDIR;
    const mnt = this.do_kern_mount(type, flags, dev_name, data);
    if (IS_ERR(mnt)) return PTR_ERR(mnt);
    // graft_tree / attach_mnt
    mnt.mnt_parent = nd.mnt;
    mnt.mnt_mountpoint = this.dget(nd.dentry);
    nd.dentry.d_mounted++;
    nd.mnt.mnt_count++;
    if (flags & MS_NOEXEC) mnt.mnt_flags |= MS_NOEXEC;
    if (flags & MS_NODEV) mnt.mnt_flags |= MS_NODEV;
    this.mounts.push(mnt);
    return 0;
  }

  /**
   * sys_umount(name): unmount the file system whose root `name` is. -EINVAL when it is not a
   * mount root (or is the namespace root), -EBUSY while files are open on it or mounts sit on it.
   */
  sys_umount(name: string): number {
    const nd = this.path_lookup(name, LOOKUP_FOLLOW);
    if (IS_ERR(nd)) return PTR_ERR(nd);
    const mnt = nd.mnt;
    if (nd.dentry !== mnt.mnt_root || mnt === this.rootmnt) return -Errno.EINVAL;
    if (mnt.mnt_count > 1 || this.mounts.some((m) => m !== mnt && m.mnt_parent === mnt)) return -Errno.EBUSY;
    const sb = mnt.mnt_sb;
    if (this.#sb_has_open_files(sb)) return -Errno.EBUSY;
    // detach_mnt + mntput -> deactivate_super -> kill_sb
    this.mounts.splice(this.mounts.indexOf(mnt), 1);
    mnt.mnt_mountpoint.d_mounted--;
    this.dput(mnt.mnt_mountpoint);
    mnt.mnt_parent.mnt_count--;
    this.dput(mnt.mnt_root);
    sb.s_type.kill_sb(sb);
    return 0;
  }

  /** Open files (the kernel's sb->s_files list) per superblock. */
  readonly open_files = new Set<file>();
  #sb_has_open_files(sb: super_block): boolean {
    for (const f of this.open_files) if (f.f_dentry.d_sb === sb) return true;
    return false;
  }

  // ================================================================ fs/namei.c

  /** IS_RDONLY(inode): on a read-only superblock. */
  IS_RDONLY(inode: inode): boolean {
    return (inode.i_sb.s_flags & MS_RDONLY) !== 0;
  }

  /**
   * permission(inode, mask) for root (generic_permission with CAP_DAC_OVERRIDE): writes to a
   * read-only file system are -EROFS (regular files, directories, symlinks); execute needs some x
   * bit unless it is a directory; everything else is allowed.
   */
  permission(inode: inode, mask: number): number {
    if (inode.i_bad) return -Errno.EIO;
    const mode = inode.i_mode;
    if (mask & MAY_WRITE && this.IS_RDONLY(inode) && (S_ISREG(mode) || S_ISDIR(mode) || S_ISLNK(mode)))
      return -Errno.EROFS;
    if (mask & MAY_EXEC && !S_ISDIR(mode) && !(mode & S_IXUGO)) return -Errno.EACCES;
    return 0;
  }

  /** follow_dotdot: ".." — stays at the namespace root, crosses back out of a mount at its root. */
  #follow_dotdot(nd: { mnt: vfsmount; dentry: dentry }): void {
    for (;;) {
      const root = this.rootmnt as vfsmount;
      if (nd.dentry === root.mnt_root && nd.mnt === root) return;
      if (nd.dentry !== nd.mnt.mnt_root) {
        nd.dentry = nd.dentry.d_parent;
        break;
      }
      if (nd.mnt.mnt_parent === nd.mnt) return;
      nd.dentry = nd.mnt.mnt_mountpoint;
      nd.mnt = nd.mnt.mnt_parent;
    }
    this.follow_mount(nd);
  }

  /** real_lookup: ask the directory's i_op->lookup for a name not in the dcache. */
  #real_lookup(parent: dentry, name: string, nd: nameidata | null): dentry | ErrPtr {
    const dir = parent.d_inode as inode;
    const lookup = dir.i_op.lookup;
    if (!lookup) return ERR_PTR(-Errno.ENOTDIR);
    const d = this.d_alloc(parent, name);
    const result = lookup(dir, d, nd);
    if (IS_ERR(result)) return result;
    if (result) return result;
    if (this.d_lookup(parent, name) !== d) this.d_rehash(d);
    return d;
  }

  /** do_lookup: the dcache first, else real_lookup. */
  #do_lookup(parent: dentry, name: string, nd: nameidata | null): dentry | ErrPtr {
    return this.d_lookup(parent, name) ?? this.#real_lookup(parent, name, nd);
  }

  /** do_follow_link: follow the symlink `dentry` from nd (its directory), limited to 5 nested / 40 total. */
  #do_follow_link(dentry: dentry, nd: nameidata): number {
    if (nd.depth >= MAX_NESTED_LINKS || nd.total_link_count >= MAX_TOTAL_LINKS) return -Errno.ELOOP;
    const inode = dentry.d_inode as inode;
    const follow = inode.i_op.follow_link;
    if (!follow) return -Errno.EINVAL;
    nd.depth++;
    nd.total_link_count++;
    const link = follow(dentry, nd);
    let err: number;
    if (IS_ERR(link)) err = PTR_ERR(link);
    else err = this.#__vfs_follow_link(nd, link);
    nd.depth--;
    return err;
  }

  /** __vfs_follow_link(nd, link): continue the walk along the link body (from the root when absolute). */
  #__vfs_follow_link(nd: nameidata, link: string): number {
    if (link.startsWith("/")) {
      const root = this.rootmnt as vfsmount;
      nd.mnt = root;
      nd.dentry = root.mnt_root;
    }
    return this.link_path_walk(link, nd);
  }

  /**
   * link_path_walk(name, nd): walk `name` from nd, component by component, crossing mounts and
   * following symlinks (always in the middle of a path, at the end with LOOKUP_FOLLOW). Stops
   * before the last component with LOOKUP_PARENT (nd.last). 0 or -ENOENT, -ENOTDIR, -ELOOP,
   * -ENAMETOOLONG, -EACCES, -EIO.
   */
  link_path_walk(name: string, nd: nameidata): number {
    let lookup_flags = nd.flags;
    let i = 0;
    while (name[i] === "/") i++;
    if (i >= name.length) return 0;
    let inode = nd.dentry.d_inode as inode;
    if (nd.depth) lookup_flags = LOOKUP_FOLLOW | (lookup_flags & LOOKUP_DIRECTORY);
    for (;;) {
      const err = this.permission(inode, MAY_EXEC);
      if (err) return err;
      const start = i;
      while (i < name.length && name[i] !== "/") i++;
      const comp = name.slice(start, i);
      const last = i >= name.length;
      let trailing = false;
      if (!last) {
        while (name[i] === "/") i++;
        if (i >= name.length) trailing = true;
      }
      if (last || trailing) {
        if (trailing) lookup_flags |= LOOKUP_FOLLOW | LOOKUP_DIRECTORY;
        // last_component
        if (lookup_flags & LOOKUP_PARENT) {
          nd.last = comp;
          return 0;
        }
        if (comp === "..") {
          this.#follow_dotdot(nd);
          return 0;
        }
        if (comp === ".") return 0;
        const next = this.#do_lookup(nd.dentry, comp, nd);
        if (IS_ERR(next)) return PTR_ERR(next);
        const p = { mnt: nd.mnt, dentry: next };
        this.follow_mount(p);
        let ino = p.dentry.d_inode;
        if (lookup_flags & LOOKUP_FOLLOW && ino?.i_op.follow_link) {
          const e = this.#do_follow_link(p.dentry, nd);
          if (e) return e;
          ino = nd.dentry.d_inode;
        } else {
          nd.mnt = p.mnt;
          nd.dentry = p.dentry;
        }
        if (!ino) return -Errno.ENOENT;
        if (lookup_flags & LOOKUP_DIRECTORY && !ino.i_op.lookup) return -Errno.ENOTDIR;
        return 0;
      }
      if (comp === ".") continue;
      if (comp === "..") {
        this.#follow_dotdot(nd);
        inode = nd.dentry.d_inode as inode;
        continue;
      }
      const next = this.#do_lookup(nd.dentry, comp, nd);
      if (IS_ERR(next)) return PTR_ERR(next);
      const p = { mnt: nd.mnt, dentry: next };
      this.follow_mount(p);
      const ino = p.dentry.d_inode;
      if (!ino) return -Errno.ENOENT;
      if (ino.i_op.follow_link) {
        const e = this.#do_follow_link(p.dentry, nd);
        if (e) return e;
        if (!nd.dentry.d_inode) return -Errno.ENOENT;
        inode = nd.dentry.d_inode;
      } else {
        nd.mnt = p.mnt;
        nd.dentry = p.dentry;
        inode = ino;
      }
      if (!inode.i_op.lookup) return -Errno.ENOTDIR;
    }
  }

  /**
   * path_lookup(name, flags): walk an absolute path (a relative one starts at the root too: the
   * model has no current directory). The nameidata, or ERR_PTR(-ENOENT / -ENOTDIR / -ELOOP /
   * -ENAMETOOLONG / ...).
   */
  path_lookup(name: string, flags: number): nameidata | ErrPtr {
    if (name.length === 0) return ERR_PTR(-Errno.ENOENT);
    if (name.length >= PATH_MAX) return ERR_PTR(-Errno.ENAMETOOLONG);
    const root = this.rootmnt as vfsmount;
    const nd: nameidata = {
      dentry: root.mnt_root,
      mnt: root,
      flags,
      last: "",
      depth: 0,
      total_link_count: 0,
    };
    const err = this.link_path_walk(name, nd);
    return err ? ERR_PTR(err) : nd;
  }

  /** lookup_hash(name, base): the dentry for `name` in directory `base` (possibly negative). */
  lookup_hash(name: string, base: dentry): dentry | ErrPtr {
    const dir = base.d_inode as inode;
    const err = this.permission(dir, MAY_EXEC);
    if (err) return ERR_PTR(err);
    return this.#do_lookup(base, name, null);
  }

  /** may_create(dir, child): the name is free and the directory writable. */
  #may_create(dir: inode, child: dentry): number {
    if (child.d_inode) return -Errno.EEXIST;
    if (dir.i_nlink === 0 && S_ISDIR(dir.i_mode)) return -Errno.ENOENT;
    return this.permission(dir, MAY_WRITE | MAY_EXEC);
  }

  /** vfs_create(dir, dentry, mode, nd): a regular file through dir->i_op->create (-EACCES without one). */
  vfs_create(dir: inode, dentry: dentry, mode: number, nd: nameidata | null): number {
    const error = this.#may_create(dir, dentry);
    if (error) return error;
    if (!dir.i_op.create) return -Errno.EACCES;
    return dir.i_op.create(dir, dentry, (mode & S_IALLUGO) | S_IFREG, nd);
  }
  /** vfs_mkdir(dir, dentry, mode) (-EPERM without i_op->mkdir). */
  vfs_mkdir(dir: inode, dentry: dentry, mode: number): number {
    const error = this.#may_create(dir, dentry);
    if (error) return error;
    if (!dir.i_op.mkdir) return -Errno.EPERM;
    return dir.i_op.mkdir(dir, dentry, mode & (S_IRWXUGO | 0o1000));
  }
  /** vfs_mknod(dir, dentry, mode, dev) (-EPERM without i_op->mknod). */
  vfs_mknod(dir: inode, dentry: dentry, mode: number, dev: dev_t): number {
    const error = this.#may_create(dir, dentry);
    if (error) return error;
    if (!dir.i_op.mknod) return -Errno.EPERM;
    return dir.i_op.mknod(dir, dentry, mode, dev);
  }
  /** vfs_symlink(dir, dentry, oldname) (-EPERM without i_op->symlink). */
  vfs_symlink(dir: inode, dentry: dentry, oldname: string): number {
    const error = this.#may_create(dir, dentry);
    if (error) return error;
    if (!dir.i_op.symlink) return -Errno.EPERM;
    return dir.i_op.symlink(dir, dentry, oldname);
  }
  /** vfs_unlink(dir, dentry): -EISDIR for a directory, -EPERM without i_op->unlink, -EBUSY on a mountpoint. */
  vfs_unlink(dir: inode, dentry: dentry): number {
    if (!dentry.d_inode) return -Errno.ENOENT;
    const error = this.permission(dir, MAY_WRITE | MAY_EXEC);
    if (error) return error;
    if (S_ISDIR(dentry.d_inode.i_mode)) return -Errno.EISDIR;
    if (!dir.i_op.unlink) return -Errno.EPERM;
    if (dentry.d_mounted) return -Errno.EBUSY;
    const err = dir.i_op.unlink(dir, dentry);
    if (!err) {
      this.d_drop(dentry);
      this.#dentry_iput_if_unused(dentry);
    }
    return err;
  }

  /**
   * d_delete's inode release: an unhashed dentry's inode reference is dropped once no open file
   * uses the dentry any more (then an unlinked inode is deleted by iput).
   */
  #dentry_iput_if_unused(dentry: dentry): void {
    const inode = dentry.d_inode;
    if (!inode || this.d_lookup(dentry.d_parent, dentry.d_name) === dentry) return;
    for (const f of this.open_files) if (f.f_dentry === dentry) return;
    dentry.d_inode = null;
    this.iput(inode);
  }

  /** The parent walk of the sys_* calls that create or remove a name: (nd at the parent, the child dentry). */
  #lookup_create(pathname: string, is_dir: boolean): { nd: nameidata; dentry: dentry } | ErrPtr {
    const nd = this.path_lookup(pathname, LOOKUP_PARENT);
    if (IS_ERR(nd)) return nd;
    if (nd.last === "" || nd.last === "." || nd.last === "..") return ERR_PTR(-Errno.EEXIST);
    if (!is_dir && /\/+$/.test(pathname) && pathname !== "/") return ERR_PTR(-Errno.ENOENT);
    const dentry = this.lookup_hash(nd.last, nd.dentry);
    if (IS_ERR(dentry)) return dentry;
    return { nd, dentry };
  }

  /** sys_mkdir(pathname, mode): 0 or -errno. */
  sys_mkdir(pathname: string, mode = 0o755): number {
    const r = this.#lookup_create(pathname, true);
    if (IS_ERR(r)) return PTR_ERR(r);
    return this.vfs_mkdir(r.nd.dentry.d_inode as inode, r.dentry, mode);
  }
  /** sys_mknod(pathname, mode, dev): a device node, FIFO or regular file; -EINVAL for a directory mode. */
  sys_mknod(pathname: string, mode: number, dev: dev_t = 0): number {
    if (S_ISDIR(mode)) return -Errno.EPERM;
    const r = this.#lookup_create(pathname, false);
    if (IS_ERR(r)) return PTR_ERR(r);
    const dir = r.nd.dentry.d_inode as inode;
    switch (mode & S_IFMT) {
      case 0:
      case S_IFREG:
        return this.vfs_create(dir, r.dentry, mode, r.nd);
      case S_IFCHR:
      case S_IFBLK:
      case 0o010000:
      case 0o140000:
        return this.vfs_mknod(dir, r.dentry, mode, dev);
      default:
        return -Errno.EINVAL;
    }
  }
  /** sys_symlink(oldname, newname): 0 or -errno. */
  sys_symlink(oldname: string, newname: string): number {
    const r = this.#lookup_create(newname, false);
    if (IS_ERR(r)) return PTR_ERR(r);
    return this.vfs_symlink(r.nd.dentry.d_inode as inode, r.dentry, oldname);
  }
  /** sys_unlink(pathname): 0 or -errno. */
  sys_unlink(pathname: string): number {
    const nd = this.path_lookup(pathname, LOOKUP_PARENT);
    if (IS_ERR(nd)) return PTR_ERR(nd);
    if (nd.last === "" || nd.last === "." || nd.last === "..") return -Errno.EISDIR;
    const dentry = this.lookup_hash(nd.last, nd.dentry);
    if (IS_ERR(dentry)) return PTR_ERR(dentry);
    return this.vfs_unlink(nd.dentry.d_inode as inode, dentry);
  }
  /** sys_readlink(path): the link body, ERR_PTR(-EINVAL) when not a symlink. */
  sys_readlink(path: string): string | ErrPtr {
    const nd = this.path_lookup(path, 0);
    if (IS_ERR(nd)) return nd;
    const inode = nd.dentry.d_inode as inode;
    const rl = inode.i_op.readlink;
    if (!rl) return ERR_PTR(-Errno.EINVAL);
    return rl(nd.dentry);
  }

  /**
   * open_namei(pathname, flag, mode): the nameidata of the file to open — created (O_CREAT) when
   * missing, -EEXIST with O_EXCL, symlinks followed unless O_NOFOLLOW (-ELOOP), -EISDIR for a
   * directory opened for writing; may_open checks and O_TRUNC. `flag` carries FMODE bits in its
   * low two bits (filp_open's conversion).
   */
  open_namei(pathname: string, flag: number, mode: number): nameidata | ErrPtr {
    let acc_mode = (flag & FMODE_READ ? MAY_READ : 0) | (flag & FMODE_WRITE ? MAY_WRITE : 0);
    if (flag & O_TRUNC) acc_mode |= MAY_WRITE;
    if (!(flag & O_CREAT)) {
      let lf = 0;
      if (!(flag & O_NOFOLLOW)) lf |= LOOKUP_FOLLOW;
      if (flag & O_DIRECTORY) lf |= LOOKUP_DIRECTORY;
      const nd = this.path_lookup(pathname, lf);
      if (IS_ERR(nd)) return nd;
      const err = this.#may_open(nd, acc_mode, flag);
      return err ? ERR_PTR(err) : nd;
    }
    const nd = this.path_lookup(pathname, LOOKUP_PARENT);
    if (IS_ERR(nd)) return nd;
    if (nd.last === "" || nd.last === "." || nd.last === ".." || /\/$/.test(pathname))
      return ERR_PTR(-Errno.EISDIR);
    let dir = nd.dentry;
    let last = nd.last;
    for (let count = 0; ; ) {
      const dentry = this.lookup_hash(last, dir);
      if (IS_ERR(dentry)) return dentry;
      if (!dentry.d_inode) {
        const error = this.vfs_create(dir.d_inode as inode, dentry, mode, nd);
        if (error) return ERR_PTR(error);
        nd.dentry = dentry;
        const err = this.#may_open(nd, 0, flag & ~O_TRUNC);
        return err ? ERR_PTR(err) : nd;
      }
      if (flag & O_EXCL) return ERR_PTR(-Errno.EEXIST);
      const p = { mnt: nd.mnt, dentry };
      this.follow_mount(p);
      const inode = p.dentry.d_inode as inode;
      if (inode.i_op.follow_link) {
        // do_link
        if (flag & O_NOFOLLOW) return ERR_PTR(-Errno.ELOOP);
        if (count++ === 32) return ERR_PTR(-Errno.ELOOP);
        nd.flags |= LOOKUP_PARENT;
        const err = this.#do_follow_link(p.dentry, nd);
        if (err) return ERR_PTR(err);
        nd.flags &= ~LOOKUP_PARENT;
        if (nd.last === "" || nd.last === "." || nd.last === "..") return ERR_PTR(-Errno.EISDIR);
        dir = nd.dentry;
        last = nd.last;
        continue;
      }
      nd.mnt = p.mnt;
      nd.dentry = p.dentry;
      if (S_ISDIR(inode.i_mode)) return ERR_PTR(-Errno.EISDIR);
      const err = this.#may_open(nd, acc_mode, flag);
      return err ? ERR_PTR(err) : nd;
    }
  }

  /** may_open(nd, acc_mode, flag): the checks of fs/namei.c, then O_TRUNC (do_truncate to 0). */
  #may_open(nd: nameidata, acc_mode: number, flag: number): number {
    const dentry = nd.dentry;
    const inode = dentry.d_inode;
    if (!inode) return -Errno.ENOENT;
    if (S_ISLNK(inode.i_mode)) return -Errno.ELOOP;
    if (S_ISDIR(inode.i_mode) && flag & FMODE_WRITE) return -Errno.EISDIR;
    const error = this.permission(inode, acc_mode);
    if (error) return error;
    if (S_ISBLK(inode.i_mode) || S_ISCHR(inode.i_mode)) {
      if (nd.mnt.mnt_flags & MS_NODEV) return -Errno.EACCES;
      flag &= ~O_TRUNC;
    } else if (this.IS_RDONLY(inode) && flag & FMODE_WRITE) return -Errno.EROFS;
    if (flag & O_TRUNC && S_ISREG(inode.i_mode)) {
      const e = this.get_write_access(inode);
      if (e) return e;
      const t = this.do_truncate(dentry, 0);
      this.put_write_access(inode);
      if (t) return t;
    }
    return 0;
  }

  // ================================================================ fs/open.c

  /** get_write_access(inode): -ETXTBSY while writes are denied (an exec'ed or MAP_DENYWRITE file). */
  get_write_access(inode: inode): number {
    if (inode.i_writecount < 0) return -Errno.ETXTBSY;
    inode.i_writecount++;
    return 0;
  }
  /** put_write_access(inode). */
  put_write_access(inode: inode): void {
    inode.i_writecount--;
  }
  /** deny_write_access(file): -ETXTBSY while the file is open for writing; else writes are refused until allow_write_access. */
  deny_write_access(file: file): number {
    const inode = file.f_dentry.d_inode as inode;
    if (inode.i_writecount > 0) return -Errno.ETXTBSY;
    inode.i_writecount--;
    return 0;
  }
  /** allow_write_access(file): undo deny_write_access. */
  allow_write_access(file: file | null): void {
    if (file) (file.f_dentry.d_inode as inode).i_writecount++;
  }

  /** do_truncate(dentry, length): i_op->setsize when the fs has one, else vmtruncate. 0 or -errno. */
  do_truncate(dentry: dentry, length: loff_t): number {
    if (length < 0) return -Errno.EINVAL;
    const inode = dentry.d_inode as inode;
    if (inode.i_op.setsize) return inode.i_op.setsize(dentry, length);
    const err = this.vmtruncate(inode, length);
    if (!err) {
      inode.i_mtime = inode.i_ctime = this.get_seconds();
      this.mark_inode_dirty(inode);
    }
    return err;
  }

  /** sys_truncate(path, length): 0 or -errno (-EISDIR, -EROFS, -ETXTBSY, ...). */
  sys_truncate(path: string, length: loff_t): number {
    const nd = this.path_lookup(path, LOOKUP_FOLLOW);
    if (IS_ERR(nd)) return PTR_ERR(nd);
    const inode = nd.dentry.d_inode as inode;
    if (S_ISDIR(inode.i_mode)) return -Errno.EISDIR;
    if (!S_ISREG(inode.i_mode)) return -Errno.EINVAL;
    let error = this.permission(inode, MAY_WRITE);
    if (error) return error;
    error = this.get_write_access(inode);
    if (error) return error;
    error = this.do_truncate(nd.dentry, length);
    this.put_write_access(inode);
    return error;
  }

  /**
   * dentry_open(dentry, mnt, flags): the file object: f_mode from the access mode, write access
   * taken, f_mapping = inode->i_mapping, f_op = inode->i_fop, then f_op->open.
   */
  dentry_open(dentry: dentry, mnt: vfsmount, flags: number): file | ErrPtr {
    const inode = dentry.d_inode as inode;
    const f: file = {
      f_dentry: this.dget(dentry),
      f_vfsmnt: mnt,
      f_op: inode.i_fop,
      f_count: 1,
      f_flags: flags,
      f_mode: (flags + 1) & O_ACCMODE,
      f_pos: 0,
      f_mapping: inode.i_mapping,
      private_data: null,
    };
    if (f.f_mode & FMODE_WRITE) {
      const error = this.get_write_access(inode);
      if (error) {
        this.dput(dentry);
        return ERR_PTR(error);
      }
    }
    mnt.mnt_count++;
    if (f.f_op.open) {
      const error = f.f_op.open(inode, f);
      if (error) {
        if (f.f_mode & FMODE_WRITE) this.put_write_access(inode);
        mnt.mnt_count--;
        this.dput(dentry);
        return ERR_PTR(error);
      }
    }
    f.f_mapping = f.f_mapping ?? inode.i_mapping;
    f.f_flags &= ~(O_CREAT | O_EXCL | O_TRUNC);
    this.open_files.add(f);
    return f;
  }

  /**
   * filp_open(filename, flags, mode): open (and with O_CREAT create) a file; the file or
   * ERR_PTR(-errno). The model's sys_open: there are no descriptor tables, the file is the handle.
   */
  filp_open(filename: string, flags: number, mode = 0o644): file | ErrPtr {
    let namei_flags = flags;
    if ((namei_flags + 1) & O_ACCMODE) namei_flags++;
    const nd = this.open_namei(filename, namei_flags, mode);
    if (IS_ERR(nd)) return nd;
    return this.dentry_open(nd.dentry, nd.mnt, flags);
  }

  /** fput(file): drop a reference; the last runs f_op->release and gives write access back. */
  fput(file: file): void {
    if (file.f_count <= 0) throw new PageCacheError("fput", undefined, "file has no references");
    if (--file.f_count > 0) return;
    const inode = file.f_dentry.d_inode as inode;
    file.f_op.release?.(inode, file);
    if (file.f_mode & FMODE_WRITE) this.put_write_access(inode);
    this.open_files.delete(file);
    file.f_vfsmnt.mnt_count--;
    this.dput(file.f_dentry);
    this.#dentry_iput_if_unused(file.f_dentry);
  }

  /** get_file(file): another reference (fork, mmap's vm_file). */
  get_file(file: file): file {
    file.f_count++;
    return file;
  }

  // ================================================================ fs/exec.c (the VFS parts)

  /**
   * open_exec(name): open a program for execution: a regular file (-EACCES otherwise), on a mount
   * without MS_NOEXEC, with an x bit; writes then denied (-ETXTBSY while open for writing).
   */
  open_exec(name: string): file | ErrPtr {
    const nd = this.path_lookup(name, LOOKUP_FOLLOW);
    if (IS_ERR(nd)) return nd;
    const inode = nd.dentry.d_inode as inode;
    if (!S_ISREG(inode.i_mode) || nd.mnt.mnt_flags & MS_NOEXEC) return ERR_PTR(-Errno.EACCES);
    const err = this.permission(inode, MAY_EXEC);
    if (err) return ERR_PTR(err);
    const file = this.dentry_open(nd.dentry, nd.mnt, 0);
    if (IS_ERR(file)) return file;
    const e = this.deny_write_access(file);
    if (e) {
      this.fput(file);
      return ERR_PTR(e);
    }
    return file;
  }

  /** kernel_read(file, offset, buf, count): read into a kernel buffer at a file offset; bytes or -errno. */
  kernel_read(file: file, offset: loff_t, buf: Uint8Array, count: number): number {
    return this.vfs_read(file, buf, count, { pos: offset });
  }

  // ================================================================ fs/read_write.c

  /** rw_verify_area: a negative position or one that would overflow loff_t is -EINVAL. */
  #rw_verify_area(pos: loff_t, count: number): number {
    if (pos < 0 || count < 0 || pos + count > Number.MAX_SAFE_INTEGER) return -Errno.EINVAL;
    return 0;
  }

  /** vfs_read(file, buf, count, pos): -EBADF without FMODE_READ, -EINVAL without f_op->read; bytes or -errno. */
  vfs_read(file: file, buf: Uint8Array, count: number, pos: loff_ptr): number {
    if (!(file.f_mode & FMODE_READ)) return -Errno.EBADF;
    if (!file.f_op.read) return -Errno.EINVAL;
    const err = this.#rw_verify_area(pos.pos, count);
    if (err) return err;
    if (count > buf.length) return -Errno.EFAULT;
    return file.f_op.read(file, buf, count, pos);
  }

  /** vfs_write(file, buf, count, pos): -EBADF without FMODE_WRITE, -EINVAL without f_op->write; bytes or -errno. */
  vfs_write(file: file, buf: Uint8Array, count: number, pos: loff_ptr): number {
    if (!(file.f_mode & FMODE_WRITE)) return -Errno.EBADF;
    if (!file.f_op.write) return -Errno.EINVAL;
    const err = this.#rw_verify_area(pos.pos, count);
    if (err) return err;
    if (count > buf.length) return -Errno.EFAULT;
    return file.f_op.write(file, buf, count, pos);
  }

  /** sys_read(file, buf, count): read at f_pos and advance it. */
  sys_read(file: file, buf: Uint8Array, count = buf.length): number {
    const pos = { pos: file.f_pos };
    const ret = this.vfs_read(file, buf, count, pos);
    file.f_pos = pos.pos;
    return ret;
  }
  /** sys_write(file, buf, count): write at f_pos and advance it. */
  sys_write(file: file, buf: Uint8Array, count = buf.length): number {
    const pos = { pos: file.f_pos };
    const ret = this.vfs_write(file, buf, count, pos);
    file.f_pos = pos.pos;
    return ret;
  }
  /** sys_pread64(file, buf, count, pos): read at pos without moving f_pos. */
  sys_pread64(file: file, buf: Uint8Array, count: number, pos: loff_t): number {
    if (pos < 0) return -Errno.EINVAL;
    return this.vfs_read(file, buf, count, { pos });
  }
  /** sys_pwrite64(file, buf, count, pos): write at pos without moving f_pos. */
  sys_pwrite64(file: file, buf: Uint8Array, count: number, pos: loff_t): number {
    if (pos < 0) return -Errno.EINVAL;
    return this.vfs_write(file, buf, count, { pos });
  }
  /** sys_lseek(file, offset, origin): f_op->llseek or default_llseek; the new position or -EINVAL. */
  sys_lseek(file: file, offset: loff_t, origin: number): loff_t {
    if (origin !== SEEK_SET && origin !== SEEK_CUR && origin !== SEEK_END) return -Errno.EINVAL;
    if (file.f_op.llseek) return file.f_op.llseek(file, offset, origin);
    if (origin === SEEK_END) offset += (file.f_dentry.d_inode as inode).i_size;
    else if (origin === SEEK_CUR) offset += file.f_pos;
    if (offset < 0) return -Errno.EINVAL;
    file.f_pos = offset;
    return offset;
  }

  /** vfs_readdir(file, filldir): -ENOTDIR without f_op->readdir. */
  vfs_readdir(file: file, filldir: (d: dirent) => boolean): number {
    if (!file.f_op.readdir) return -Errno.ENOTDIR;
    const inode = file.f_dentry.d_inode as inode;
    if (inode.i_bad) return -Errno.EIO;
    return file.f_op.readdir(file, filldir);
  }

  /** vfs_statfs(sb). */
  vfs_statfs(sb: super_block): kstatfs | ErrPtr {
    const st = sb.s_op.statfs;
    return st ? st(sb) : ERR_PTR(-Errno.ENOSYS);
  }

  // ================================================================ fs/fs-writeback.c, fs/super.c, fs/buffer.c: sync

  /**
   * __writeback_single_inode(inode, sync): write the dirty pages (do_writepages), the inode itself
   * when I_DIRTY_SYNC/DATASYNC (s_op->write_inode), then wait; 0 or the first error.
   */
  __writeback_single_inode(inode: inode, sync: boolean): number {
    const dirty = inode.i_state;
    inode.i_state &= ~(I_DIRTY_SYNC | I_DIRTY_DATASYNC | I_DIRTY_PAGES);
    const mapping = inode.i_mapping;
    let ret = this.__filemap_fdatawrite(mapping, sync ? WB_SYNC_ALL : 0);
    if (dirty & (I_DIRTY_SYNC | I_DIRTY_DATASYNC)) {
      const w = inode.i_sb.s_op.write_inode;
      if (w && !inode.i_bad) {
        const err = w(inode, sync);
        if (!ret) ret = err;
      }
    }
    if (sync) {
      const err = this.filemap_fdatawait(mapping);
      if (!ret) ret = err;
    }
    // Dirtied again meanwhile (write_inode dirtying its buffer does not count: that is the bdev's)
    if (
      inode.i_state & (I_DIRTY_SYNC | I_DIRTY_DATASYNC | I_DIRTY_PAGES) ||
      this.#mapping_tagged_dirty(mapping)
    )
      inode.i_sb.s_dirty.add(inode);
    else inode.i_sb.s_dirty.delete(inode);
    return ret;
  }

  #mapping_tagged_dirty(mapping: address_space): boolean {
    return (
      mapping.page_tree.rnode !== null &&
      (mapping.page_tree.rnode.tags[0] | mapping.page_tree.rnode.tags[1]) !== 0
    );
  }

  /** sync_sb_inodes(sb, sync): write back every dirty inode of sb. */
  sync_sb_inodes(sb: super_block, sync: boolean): number {
    let ret = 0;
    for (const inode of [...sb.s_dirty]) {
      const err = this.__writeback_single_inode(inode, sync);
      if (!ret) ret = err;
    }
    return ret;
  }

  /** fsync_super(sb): inodes, the superblock, the fs's sync_fs, then the block device. */
  fsync_super(sb: super_block): number {
    this.sync_sb_inodes(sb, false);
    if (sb.s_dirt && sb.s_op.write_super) sb.s_op.write_super(sb);
    sb.s_op.sync_fs?.(sb, true);
    this.sync_sb_inodes(sb, true);
    return this[SYNC_SB_BLOCKDEV](sb);
  }

  /** sync_blockdev of the superblock's device (none for ramfs); supplied by the block layer. */
  protected abstract [SYNC_SB_BLOCKDEV](sb: super_block): number;
  /** The final flush of every disk's write cache at the end of sys_sync (fsync of the image files). */
  protected abstract [FLUSH_DISKS](): void;

  /**
   * sys_sync (do_sync): sync_inodes(0), sync_supers, sync_filesystems, sync_inodes(1) with each
   * superblock's block device written back after its inodes; then every disk backend flushed.
   * Memory-backed mappings (ramfs) are skipped. Returns 0 (errors stay on the mappings as AS_EIO).
   */
  sys_sync(): number {
    for (const sb of [...this.super_blocks]) {
      this.sync_sb_inodes(sb, false);
      this[SYNC_SB_BLOCKDEV](sb);
    }
    for (const sb of [...this.super_blocks])
      if (sb.s_dirt && sb.s_op.write_super && !(sb.s_flags & MS_RDONLY)) sb.s_op.write_super(sb);
    for (const sb of [...this.super_blocks]) sb.s_op.sync_fs?.(sb, true);
    for (const sb of [...this.super_blocks]) {
      this.sync_sb_inodes(sb, true);
      this[SYNC_SB_BLOCKDEV](sb);
    }
    this[FLUSH_DISKS]();
    return 0;
  }

  /** vfs_fsync (sys_fsync's body): write back the file's pages and inode; 0 or -errno. */
  vfs_fsync(file: file): number {
    const mapping = file.f_mapping;
    let ret = this.filemap_fdatawrite(mapping);
    const inode = mapping.host;
    if (file.f_op.fsync) {
      const err = file.f_op.fsync(file, file.f_dentry, false);
      if (!ret) ret = err;
    } else if (!file.f_op.write) return -Errno.EINVAL;
    const err = this.filemap_fdatawait(mapping);
    if (!ret) ret = err;
    if (inode.i_state & (I_DIRTY_SYNC | I_DIRTY_DATASYNC)) this.__writeback_single_inode(inode, true);
    return ret;
  }

  // ================================================================ the model's one-call helpers

  /**
   * Put a host file into the model: open(path, O_WRONLY|O_CREAT|O_TRUNC, mode), write every byte,
   * close. Missing parent directories are not created (sys_mkdir them first). 0 or -errno.
   */
  writeFile(path: string, bytes: Uint8Array, mode = 0o644): number {
    const f = this.filp_open(path, 0o1 | O_CREAT | O_TRUNC, mode);
    if (IS_ERR(f)) return PTR_ERR(f);
    try {
      for (let off = 0; off < bytes.length; ) {
        const n = this.sys_write(f, bytes.subarray(off), bytes.length - off);
        if (n <= 0) return n < 0 ? n : -Errno.EIO;
        off += n;
      }
      return 0;
    } finally {
      this.fput(f);
    }
  }

  /** Read a whole file: open(path, O_RDONLY), read to end of file, close. The bytes or ERR_PTR(-errno). */
  readFile(path: string): Uint8Array | ErrPtr {
    const f = this.filp_open(path, 0);
    if (IS_ERR(f)) return f;
    try {
      const inode = f.f_dentry.d_inode as inode;
      if (S_ISDIR(inode.i_mode)) return ERR_PTR(-Errno.EISDIR);
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const buf = new Uint8Array(Math.max(PAGE_SIZE, Math.min(inode.i_size - f.f_pos, 1 << 24)));
        const n = this.sys_read(f, buf);
        if (n < 0) return ERR_PTR(n);
        if (n === 0) break;
        chunks.push(buf.subarray(0, n));
        total += n;
      }
      const out = new Uint8Array(total);
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.length;
      }
      return out;
    } finally {
      this.fput(f);
    }
  }

  /** The names in a directory (readdir to the end), or ERR_PTR(-errno). */
  readdir(path: string): dirent[] | ErrPtr {
    const f = this.filp_open(path, O_DIRECTORY);
    if (IS_ERR(f)) return f;
    const out: dirent[] = [];
    try {
      const err = this.vfs_readdir(f, (d) => {
        out.push(d);
        return true;
      });
      return err < 0 ? ERR_PTR(err) : out;
    } finally {
      this.fput(f);
    }
  }

  /** stat(path): the inode the path names (following symlinks) — read its i_mode, i_size, ... — or ERR_PTR. */
  stat(path: string, follow = true): inode | ErrPtr {
    const nd = this.path_lookup(path, follow ? LOOKUP_FOLLOW : 0);
    if (IS_ERR(nd)) return nd;
    return nd.dentry.d_inode as inode;
  }
}

/** bad_inode_ops / bad_file_ops: every operation -EIO (fs/bad_inode.c). */
const bad_inode_ops: inode_operations = {
  lookup: () => ERR_PTR(-Errno.EIO),
  create: () => -Errno.EIO,
  mkdir: () => -Errno.EIO,
  mknod: () => -Errno.EIO,
  symlink: () => -Errno.EIO,
  unlink: () => -Errno.EIO,
  readlink: () => ERR_PTR(-Errno.EIO),
  follow_link: () => ERR_PTR(-Errno.EIO),
  setsize: () => -Errno.EIO,
};
const bad_file_ops: file_operations = {
  open: () => -Errno.EIO,
  read: () => -Errno.EIO,
  write: () => -Errno.EIO,
  readdir: () => -Errno.EIO,
  llseek: () => -Errno.EIO,
};
