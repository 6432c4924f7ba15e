/*
 * ramfs.ts — fs/ramfs/inode.c of 2.6.11 (and rootfs, the ramfs mounted as "/" at boot by
 * init_mount_tree): a file system whose files exist only as pages in the page cache. Writes go
 * through simple_prepare_write/simple_commit_write, which dirty the page; the backing device is
 * memory-backed, so writeback never touches them and they are never evicted (they stay dirty).
 * Symlinks keep their body in page 0 (page_symlink). Creating a file in ramfs is how a host file
 * enters the model with one call (`pc.writeFile(path, bytes)`).
 */
import { Errno } from "@i386mm/hw-i386";
import { PAGE_CACHE_SIZE } from "./base.js";
import type { ErrPtr } from "./err.js";
import {
  type address_space_operations,
  type backing_dev_info,
  type dentry,
  type dev_t,
  type file_operations,
  type file_system_type,
  type inode,
  type inode_operations,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_ISGID,
  type super_block,
} from "./fs.js";
import {
  dcache_readdir,
  page_getlink,
  page_symlink,
  simple_commit_write,
  simple_lookup,
  simple_prepare_write,
  simple_readpage,
  simple_rmdir,
  simple_statfs,
  simple_unlink,
} from "./libfs.js";
import type { Vfs } from "./vfs.js";

/** RAMFS_MAGIC (include/linux/ramfs.h). */
export const RAMFS_MAGIC = 0x858458f6;
/** MAX_LFS_FILESIZE on a 32-bit kernel: (PAGE_CACHE_SIZE << 31) - 1. */
export const MAX_LFS_FILESIZE = PAGE_CACHE_SIZE * 2 ** 31 - 1;

/** ramfs_backing_dev_info: memory-backed, no readahead. */
export const ramfs_backing_dev_info: backing_dev_info = { ra_pages: 0, memory_backed: true };

/** The ramfs operations of one PageCache: its aops, inode operations and file operations. */
export function ramfsOperations(pc: Vfs) {
  const ramfs_aops: address_space_operations = {
    readpage: simple_readpage(pc),
    prepare_write: simple_prepare_write(pc),
    commit_write: simple_commit_write(pc),
    set_page_dirty: (page) => pc.__set_page_dirty_nobuffers(page),
  };
  const ramfs_file_operations: file_operations = {
    read: (f, buf, count, ppos) => pc.generic_file_read(f, buf, count, ppos),
    write: (f, buf, count, ppos) => pc.generic_file_write(f, buf, count, ppos),
    llseek: (f, off, origin) => pc.generic_file_llseek(f, off, origin),
    fsync: () => 0,
    mmap: "generic_file_mmap",
  };
  const ramfs_file_inode_operations: inode_operations = {};
  const page_symlink_inode_operations: inode_operations = {
    readlink: (d) => page_getlink(pc, d),
    follow_link: (d) => page_getlink(pc, d),
  };
  const simple_dir_operations: file_operations = { readdir: dcache_readdir };

  /** ramfs_get_inode(sb, mode, dev): a new inode of the given type, or null without memory. */
  const ramfs_get_inode = (sb: super_block, mode: number, dev: dev_t): inode | null => {
    const inode = pc.new_inode(sb);
    if (!inode) return null;
    inode.i_mode = mode;
    inode.i_blocks = 0;
    inode.i_mapping.a_ops = ramfs_aops;
    inode.i_mapping.backing_dev_info = ramfs_backing_dev_info;
    switch (mode & S_IFMT) {
      case S_IFREG:
        inode.i_op = ramfs_file_inode_operations;
        inode.i_fop = ramfs_file_operations;
        break;
      case S_IFDIR:
        inode.i_op = ramfs_dir_inode_operations;
        inode.i_fop = simple_dir_operations;
        inode.i_nlink++; // directory inodes start off with i_nlink == 2 (for "." entry)
        break;
      case S_IFLNK:
        inode.i_op = page_symlink_inode_operations;
        break;
      default:
        pc.init_special_inode(inode, mode, dev);
    }
    return inode;
  };

  /** ramfs_mknod: instantiate the negative dentry with a new inode and pin it (the extra dget). */
  const ramfs_mknod = (dir: inode, dentry: dentry, mode: number, dev: dev_t): number => {
    const inode = ramfs_get_inode(dir.i_sb, mode, dev);
    if (!inode) return -Errno.ENOSPC;
    if (dir.i_mode & S_ISGID) {
      inode.i_gid = dir.i_gid;
      if ((mode & S_IFMT) === S_IFDIR) inode.i_mode |= S_ISGID;
    }
    pc.d_instantiate(dentry, inode);
    pc.d_rehash(dentry);
    pc.dget(dentry);
    dir.i_mtime = dir.i_ctime = pc.get_seconds();
    return 0;
  };

  const ramfs_dir_inode_operations: inode_operations = {
    create: (dir, dentry, mode) => ramfs_mknod(dir, dentry, mode | S_IFREG, 0),
    lookup: simple_lookup(pc),
    unlink: simple_unlink(pc),
    symlink: (dir, dentry, symname) => {
      const inode = ramfs_get_inode(dir.i_sb, S_IFLNK | 0o777, 0);
      if (!inode) return -Errno.ENOSPC;
      const error = page_symlink(pc, inode, symname);
      if (error) {
        inode.i_nlink = 0;
        pc.iput(inode);
        return error;
      }
      pc.d_instantiate(dentry, inode);
      pc.d_rehash(dentry);
      pc.dget(dentry);
      dir.i_mtime = dir.i_ctime = pc.get_seconds();
      return 0;
    },
    mkdir: (dir, dentry, mode) => {
      const retval = ramfs_mknod(dir, dentry, mode | S_IFDIR, 0);
      if (!retval) dir.i_nlink++;
      return retval;
    },
    rmdir: simple_rmdir(pc),
    mknod: ramfs_mknod,
  };

  /** ramfs_fill_super: page-sized blocks, MAX_LFS_FILESIZE files, a 0755 root directory. */
  const ramfs_fill_super = (sb: super_block): number => {
    sb.s_maxbytes = MAX_LFS_FILESIZE;
    sb.s_blocksize = PAGE_CACHE_SIZE;
    sb.s_blocksize_bits = 12;
    sb.s_magic = RAMFS_MAGIC;
    sb.s_op = { statfs: simple_statfs };
    const inode = ramfs_get_inode(sb, S_IFDIR | 0o755, 0);
    if (!inode) return -Errno.ENOMEM;
    const root = pc.d_alloc_root(inode);
    if (!root) {
      pc.iput(inode);
      return -Errno.ENOMEM;
    }
    sb.s_root = root;
    return 0;
  };

  const get_sb = (
    fs_type: file_system_type,
    flags: number,
    _dev: string,
    data: string | null,
  ): super_block | ErrPtr => pc.get_sb_nodev(fs_type, flags, data, ramfs_fill_super);
  const kill_sb = (sb: super_block): void => pc.kill_litter_super(sb);

  /** ramfs_fs_type. */
  const ramfs_fs_type: file_system_type = { name: "ramfs", fs_flags: 0, get_sb, kill_sb };
  /** rootfs_fs_type: the same file system under the name the boot mount uses. */
  const rootfs_fs_type: file_system_type = { name: "rootfs", fs_flags: 0, get_sb, kill_sb };

  return { ramfs_aops, ramfs_fs_type, rootfs_fs_type, ramfs_get_inode };
}
