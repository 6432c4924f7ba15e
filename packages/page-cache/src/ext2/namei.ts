/*
 * namei.ts — fs/ext2/namei.c, file.c and symlink.c of 2.6.11: ext2_lookup (a name's inode via
 * ext2_inode_by_name and iget), the file operations (generic_file_read, a write that only
 * overwrites existing bytes, generic_file_mmap, ext2_sync_file) and the symlinks (fast ones keep
 * the target in i_block, slow ones in a data page read with page_follow_link).
 * Creating, linking, renaming and removing names need inode and block allocation, which this model
 * does not have yet: those operations return -ENOSPC (a new name) or -EROFS (removal), never a
 * half-done change. Beyond 2.6.11 (as later kernels' ext2_iget): a name whose inode is bad
 * (number out of range, deleted, unreadable) fails the lookup with -EIO instead of returning a
 * bad inode.
 */
import { Errno } from "@i386mm/hw-i386";
import { buffer_mapped } from "../buffer.js";
import { ERR_PTR, type ErrPtr } from "../err.js";
import type { dentry, file, file_operations, inode, inode_operations, loff_ptr, nameidata } from "../fs.js";
import { page_getlink } from "../libfs.js";
import { ext2_inode_by_name, ext2_readdir } from "./dir.js";
import { EXT2_NAME_LEN } from "./ext2_fs.js";
import type { Ext2Fs } from "./index.js";
import { EXT2_I, ext2_get_block, ext2_setsize } from "./inode.js";

const encoder = new TextEncoder();

/** ext2_lookup(dir, dentry): iget the inode the directory names, or a negative dentry. */
export function ext2_lookup(
  fs: Ext2Fs,
  dir: inode,
  dentry: dentry,
  _nd: nameidata | null,
): dentry | null | ErrPtr {
  const pc = fs.pc;
  const name = encoder.encode(dentry.d_name);
  if (name.length > EXT2_NAME_LEN) return ERR_PTR(-Errno.ENAMETOOLONG);
  const ino = ext2_inode_by_name(fs, dir, name);
  let inode: inode | null = null;
  if (ino) {
    inode = pc.iget(dir.i_sb, ino);
    if (!inode) return ERR_PTR(-Errno.EACCES);
    if (pc.is_bad_inode(inode)) {
      pc.iput(inode);
      return ERR_PTR(-Errno.EIO);
    }
  }
  pc.d_add(dentry, inode);
  return null;
}

/**
 * The model's guard in front of generic_file_write for ext2 (no block allocation): a write must
 * lie within i_size and every block it touches must be mapped; otherwise -ENOSPC (growing the file
 * or filling a hole) before any byte changes. O_APPEND writes grow the file: -ENOSPC.
 */
export function ext2_file_write(
  fs: Ext2Fs,
  file: file,
  buf: Uint8Array,
  count: number,
  ppos: loff_ptr,
): number {
  const pc = fs.pc;
  const inode = file.f_mapping.host;
  if (count === 0) return 0;
  const pos = file.f_flags & 0o2000 ? inode.i_size : ppos.pos;
  if (pos < 0) return -Errno.EINVAL;
  if (pos + count > inode.i_size) {
    pc.machine.printk(
      `EXT2-fs (model): ${inode.i_sb.s_id}: write past the end of inode ${inode.i_ino} refused: block allocation is not modelled`,
    );
    return -Errno.ENOSPC;
  }
  const bits = inode.i_blkbits;
  const bh = fs.probe_bh;
  for (let b = Math.floor(pos / 2 ** bits); b <= Math.floor((pos + count - 1) / 2 ** bits); b++) {
    bh.b_state = 0;
    const err = ext2_get_block(fs, inode, b, bh, false);
    const mapped = buffer_mapped(bh);
    bh.b_state = 0;
    bh.b_bdev = null;
    if (err) return err;
    if (!mapped) {
      pc.machine.printk(
        `EXT2-fs (model): ${inode.i_sb.s_id}: write into a hole of inode ${inode.i_ino} refused: block allocation is not modelled`,
      );
      return -Errno.ENOSPC;
    }
  }
  return pc.generic_file_write(file, buf, count, ppos);
}

/** The ext2 inode and file operations of one PageCache. */
export function ext2Operations(fs: Ext2Fs) {
  const pc = fs.pc;
  const refuseNew = () => -Errno.ENOSPC;
  const refuseRemove = () => -Errno.EROFS;
  const ext2_file_operations: file_operations = {
    llseek: (f, off, origin) => pc.generic_file_llseek(f, off, origin),
    read: (f, buf, count, ppos) => pc.generic_file_read(f, buf, count, ppos),
    write: (f, buf, count, ppos) => ext2_file_write(fs, f, buf, count, ppos),
    mmap: "generic_file_mmap",
    // ext2_sync_file: the data pages are written by vfs_fsync; then the inode (and its buffers) now.
    fsync: (f) => {
      const inode = f.f_mapping.host;
      return pc.__writeback_single_inode(inode, true) || pc.sync_blockdev(inode.i_sb.s_bdev);
    },
  };
  const ext2_file_inode_operations: inode_operations = {
    setsize: (d, size) => ext2_setsize(fs, d, size),
  };
  const ext2_dir_inode_operations: inode_operations = {
    lookup: (dir, d, nd) => ext2_lookup(fs, dir, d, nd),
    create: refuseNew,
    mkdir: refuseNew,
    mknod: refuseNew,
    symlink: refuseNew,
    unlink: refuseRemove,
    rmdir: refuseRemove,
  };
  const ext2_dir_operations: file_operations = {
    llseek: (f, off, origin) => pc.generic_file_llseek(f, off, origin),
    readdir: (f, filldir) => ext2_readdir(fs, f, filldir),
    fsync: (f) => pc.__writeback_single_inode(f.f_mapping.host, true),
  };
  /** Fast symlinks: the target is the bytes of i_block (up to 60), NUL-terminated. */
  const fast_link = (d: dentry): string => {
    const inode = d.d_inode as inode;
    const words = EXT2_I(inode).i_data;
    const bytes = new Uint8Array(60);
    for (let i = 0; i < 60; i++) bytes[i] = (words[i >> 2] >>> (8 * (i & 3))) & 0xff;
    const len = Math.min(inode.i_size, 60);
    const nul = bytes.indexOf(0);
    return new TextDecoder().decode(bytes.subarray(0, nul >= 0 && nul < len ? nul : len));
  };
  const ext2_fast_symlink_inode_operations: inode_operations = {
    readlink: fast_link,
    follow_link: fast_link,
  };
  const ext2_symlink_inode_operations: inode_operations = {
    readlink: (d) => page_getlink(pc, d),
    follow_link: (d) => page_getlink(pc, d),
  };
  const ext2_special_inode_operations: inode_operations = {};
  return {
    ext2_file_operations,
    ext2_file_inode_operations,
    ext2_dir_inode_operations,
    ext2_dir_operations,
    ext2_fast_symlink_inode_operations,
    ext2_symlink_inode_operations,
    ext2_special_inode_operations,
  };
}
