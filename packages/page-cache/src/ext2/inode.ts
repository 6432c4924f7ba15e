/*
 * inode.ts — fs/ext2/inode.c of 2.6.11: the block map (ext2_block_to_path, ext2_get_branch,
 * ext2_get_block: 12 direct blocks, then single, double and triple indirect blocks read through
 * the block device's buffers), ext2_get_inode / ext2_read_inode / ext2_update_inode (the raw
 * inode in its inode-table buffer), the address_space operations (ext2_readpage = mpage_readpage,
 * ext2_writepage = block_write_full_page, ext2_prepare_write = block_prepare_write,
 * generic_commit_write, ext2_bmap) and ext2_setattr's size change.
 * This model allocates no blocks: get_block with `create` on a hole is -ENOSPC (a later issue), so
 * writes only overwrite bytes whose blocks exist. Beyond 2.6.11 (the model's checks, as later
 * kernels' ext2_data_block_valid): a block pointer outside [s_first_data_block, s_blocks_count) or
 * repeating a block already on its own indirect chain (a loop) is an ext2_error and -EIO.
 */
import { Errno, type Page } from "@i386mm/hw-i386";
import { BH_Boundary, type buffer_head, map_bh } from "../buffer.js";
import { ERR_PTR, type ErrPtr, IS_ERR } from "../err.js";
import {
  type address_space,
  type dentry,
  type inode,
  MKDEV,
  S_ISBLK,
  S_ISCHR,
  S_ISDIR,
  S_ISLNK,
  S_ISREG,
  type sector_t,
  type super_block,
  type writeback_control,
} from "../fs.js";
import {
  EXT2_DIND_BLOCK,
  EXT2_IND_BLOCK,
  EXT2_MOUNT_NO_UID32,
  EXT2_N_BLOCKS,
  EXT2_NDIR_BLOCKS,
  EXT2_ROOT_INO,
  EXT2_TIND_BLOCK,
  type ext2_inode_info,
  GD,
  INO,
  SB,
} from "./ext2_fs.js";
import type { Ext2Fs } from "./index.js";
import { EXT2_FIRST_INO, EXT2_SB, es32, ext2_error, ext2_get_group_desc, ext2_warning } from "./super.js";

/** EXT2_I(inode). */
export function EXT2_I(inode: inode): ext2_inode_info {
  return inode.i_private as ext2_inode_info;
}

/**
 * ext2_get_inode(sb, ino): the buffer holding the raw inode and its offset there. ERR_PTR(-EINVAL)
 * for a number below the first non-reserved inode (other than the root) or past s_inodes_count;
 * ERR_PTR(-EIO) when its group descriptor or inode-table block cannot be read.
 */
export function ext2_get_inode(
  fs: Ext2Fs,
  sb: super_block,
  ino: number,
): { bh: buffer_head; off: number } | ErrPtr {
  const sbi = EXT2_SB(sb);
  if ((ino !== EXT2_ROOT_INO && ino < EXT2_FIRST_INO(sb)) || ino > es32(fs, sb, SB.s_inodes_count)) {
    ext2_error(fs, sb, "ext2_get_inode", `bad inode number: ${ino}`);
    return ERR_PTR(-Errno.EINVAL);
  }
  const block_group = Math.floor((ino - 1) / sbi.s_inodes_per_group);
  const gdp = ext2_get_group_desc(fs, sb, block_group);
  if (!gdp) return ERR_PTR(-Errno.EIO);
  const offset = ((ino - 1) % sbi.s_inodes_per_group) * sbi.s_inode_size;
  const block = fs.pc.bh_u32(gdp.bh, gdp.off + GD.bg_inode_table) + Math.floor(offset / sb.s_blocksize);
  const bh = fs.pc.sb_bread(sb, block);
  if (!bh) {
    ext2_error(fs, sb, "ext2_get_inode", `unable to read inode block - inode=${ino}, block=${block}`);
    return ERR_PTR(-Errno.EIO);
  }
  return { bh, off: offset % sb.s_blocksize };
}

/** ext2_inode_is_fast_symlink: the target is stored in i_block itself (no data block). */
export function ext2_inode_is_fast_symlink(inode: inode): boolean {
  const ea_blocks = EXT2_I(inode).i_file_acl ? inode.i_sb.s_blocksize >> 9 : 0;
  return S_ISLNK(inode.i_mode) && inode.i_blocks - ea_blocks === 0;
}

/**
 * ext2_read_inode(inode): fill the inode from its raw copy and pick its operations by type; a
 * bad number, an unreadable block or a deleted inode (no links and no mode, or a dtime) makes it
 * bad (every operation -EIO).
 */
export function ext2_read_inode(fs: Ext2Fs, inode: inode): void {
  const pc = fs.pc;
  const sb = inode.i_sb;
  const ei = EXT2_I(inode);
  const raw = ext2_get_inode(fs, sb, inode.i_ino);
  if (IS_ERR(raw)) {
    pc.make_bad_inode(inode);
    return;
  }
  const { bh, off } = raw;
  const u16 = (o: number) => pc.bh_u16(bh, off + o);
  const u32 = (o: number) => pc.bh_u32(bh, off + o);
  inode.i_mode = u16(INO.i_mode);
  inode.i_uid = u16(INO.i_uid);
  inode.i_gid = u16(INO.i_gid);
  if (!(EXT2_SB(sb).s_mount_opt & EXT2_MOUNT_NO_UID32)) {
    inode.i_uid |= u16(INO.i_uid_high) << 16;
    inode.i_gid |= u16(INO.i_gid_high) << 16;
  }
  inode.i_nlink = u16(INO.i_links_count);
  inode.i_size = u32(INO.i_size);
  inode.i_atime = u32(INO.i_atime);
  inode.i_ctime = u32(INO.i_ctime);
  inode.i_mtime = u32(INO.i_mtime);
  ei.i_dtime = u32(INO.i_dtime);
  if (inode.i_nlink === 0 && (inode.i_mode === 0 || ei.i_dtime)) {
    // this inode is deleted
    pc.brelse(bh);
    pc.make_bad_inode(inode);
    return;
  }
  inode.i_blocks = u32(INO.i_blocks);
  ei.i_flags = u32(INO.i_flags);
  ei.i_faddr = u32(INO.i_faddr);
  ei.i_frag_no = pc.bh_read(bh, off + INO.i_frag, 1)[0];
  ei.i_frag_size = pc.bh_read(bh, off + INO.i_fsize, 1)[0];
  ei.i_file_acl = u32(INO.i_file_acl);
  ei.i_dir_acl = 0;
  if (S_ISREG(inode.i_mode)) inode.i_size += u32(INO.i_dir_acl) * 2 ** 32;
  else ei.i_dir_acl = u32(INO.i_dir_acl);
  ei.i_dtime = 0;
  ei.i_generation = u32(INO.i_generation);
  ei.i_block_group = Math.floor((inode.i_ino - 1) / EXT2_SB(sb).s_inodes_per_group);
  ei.i_dir_start_lookup = 0;
  for (let n = 0; n < EXT2_N_BLOCKS; n++) ei.i_data[n] = u32(INO.i_block + 4 * n);
  if (S_ISREG(inode.i_mode)) {
    inode.i_op = fs.ext2_file_inode_operations;
    inode.i_fop = fs.ext2_file_operations;
    inode.i_mapping.a_ops = fs.ext2_aops;
  } else if (S_ISDIR(inode.i_mode)) {
    inode.i_op = fs.ext2_dir_inode_operations;
    inode.i_fop = fs.ext2_dir_operations;
    inode.i_mapping.a_ops = fs.ext2_aops;
  } else if (S_ISLNK(inode.i_mode)) {
    if (ext2_inode_is_fast_symlink(inode)) inode.i_op = fs.ext2_fast_symlink_inode_operations;
    else {
      inode.i_op = fs.ext2_symlink_inode_operations;
      inode.i_mapping.a_ops = fs.ext2_aops;
    }
  } else {
    inode.i_op = fs.ext2_special_inode_operations;
    const b0 = ei.i_data[0];
    if (b0) pc.init_special_inode(inode, inode.i_mode, MKDEV((b0 >>> 8) & 0xff, b0 & 0xff));
    else {
      const b1 = ei.i_data[1];
      pc.init_special_inode(
        inode,
        inode.i_mode,
        MKDEV((b1 & 0xfff00) >>> 8, (b1 & 0xff) | ((b1 >>> 12) & 0xfff00)),
      );
    }
  }
  pc.brelse(bh);
}

/**
 * ext2_update_inode(inode, do_sync) — ext2_write_inode: store the in-memory fields into the raw
 * inode (the first 128 bytes; extra bytes of larger inodes are left as they are), dirty its buffer,
 * and with do_sync write it now. 0 or -EIO.
 */
export function ext2_update_inode(fs: Ext2Fs, inode: inode, do_sync: boolean): number {
  const pc = fs.pc;
  const sb = inode.i_sb;
  const ei = EXT2_I(inode);
  const raw = ext2_get_inode(fs, sb, inode.i_ino);
  if (IS_ERR(raw)) return -Errno.EIO;
  const { bh, off } = raw;
  const s16 = (o: number, v: number) => pc.bh_set_u16(bh, off + o, v);
  const s32 = (o: number, v: number) => pc.bh_set_u32(bh, off + o, v);
  s16(INO.i_mode, inode.i_mode);
  if (!(EXT2_SB(sb).s_mount_opt & EXT2_MOUNT_NO_UID32)) {
    s16(INO.i_uid, inode.i_uid & 0xffff);
    s16(INO.i_gid, inode.i_gid & 0xffff);
    s16(INO.i_uid_high, ei.i_dtime ? 0 : inode.i_uid >>> 16);
    s16(INO.i_gid_high, ei.i_dtime ? 0 : inode.i_gid >>> 16);
  } else {
    s16(INO.i_uid, inode.i_uid & 0xffff);
    s16(INO.i_gid, inode.i_gid & 0xffff);
    s16(INO.i_uid_high, 0);
    s16(INO.i_gid_high, 0);
  }
  s16(INO.i_links_count, inode.i_nlink);
  s32(INO.i_size, inode.i_size % 2 ** 32);
  s32(INO.i_atime, inode.i_atime);
  s32(INO.i_ctime, inode.i_ctime);
  s32(INO.i_mtime, inode.i_mtime);
  s32(INO.i_blocks, inode.i_blocks);
  s32(INO.i_dtime, ei.i_dtime);
  s32(INO.i_flags, ei.i_flags);
  s32(INO.i_faddr, ei.i_faddr);
  pc.bh_write(bh, off + INO.i_frag, new Uint8Array([ei.i_frag_no, ei.i_frag_size]));
  s32(INO.i_file_acl, ei.i_file_acl);
  if (!S_ISREG(inode.i_mode)) s32(INO.i_dir_acl, ei.i_dir_acl);
  else s32(INO.i_dir_acl, Math.floor(inode.i_size / 2 ** 32));
  s32(INO.i_generation, ei.i_generation);
  if (S_ISCHR(inode.i_mode) || S_ISBLK(inode.i_mode)) {
    const major = inode.i_rdev >>> 8;
    const minor = inode.i_rdev & 0xff;
    s32(INO.i_block, (major << 8) | minor);
    s32(INO.i_block + 4, 0);
  } else for (let n = 0; n < EXT2_N_BLOCKS; n++) s32(INO.i_block + 4 * n, ei.i_data[n]);
  pc.mark_buffer_dirty(bh);
  let err = 0;
  if (do_sync) {
    pc.sync_dirty_buffer(bh);
    if (bh.test(3) && !bh.test(0)) {
      pc.machine.printk(
        `IO error syncing ext2 inode [${sb.s_id}:${inode.i_ino.toString(16).padStart(8, "0")}]`,
      );
      err = -Errno.EIO;
    }
  }
  pc.brelse(bh);
  return err;
}

/**
 * ext2_block_to_path(inode, i_block): the slots to follow: [i] for a direct block, [12, i] single
 * indirect, [13, i, j] double, [14, i, j, k] triple; `boundary` when the block is the last one its
 * indirect block maps. An empty path past the triple-indirect range.
 */
export function ext2_block_to_path(
  fs: Ext2Fs,
  inode: inode,
  i_block: number,
): { offsets: number[]; boundary: boolean } {
  const ptrs_bits = EXT2_SB(inode.i_sb).s_addr_per_block_bits;
  const ptrs = 2 ** ptrs_bits;
  const direct_blocks = EXT2_NDIR_BLOCKS;
  const indirect_blocks = ptrs;
  const double_blocks = 2 ** (ptrs_bits * 2);
  const offsets: number[] = [];
  let final = 0;
  if (i_block < 0) ext2_warning(fs, inode.i_sb, "ext2_block_to_path", "block < 0");
  else if (i_block < direct_blocks) {
    offsets.push(i_block);
    final = direct_blocks;
  } else if ((i_block -= direct_blocks) < indirect_blocks) {
    offsets.push(EXT2_IND_BLOCK, i_block);
    final = ptrs;
  } else if ((i_block -= indirect_blocks) < double_blocks) {
    offsets.push(EXT2_DIND_BLOCK, Math.floor(i_block / ptrs), i_block % ptrs);
    final = ptrs;
  } else if (Math.floor((i_block -= double_blocks) / double_blocks) < ptrs) {
    offsets.push(
      EXT2_TIND_BLOCK,
      Math.floor(i_block / double_blocks),
      Math.floor(i_block / ptrs) % ptrs,
      i_block % ptrs,
    );
    final = ptrs;
  } else ext2_warning(fs, inode.i_sb, "ext2_block_to_path", "block > big");
  return { offsets, boundary: offsets.length > 0 && i_block % ptrs === final - 1 };
}

/**
 * ext2_get_block(inode, iblock, bh_result, create): map a file block. Follows the path through the
 * indirect blocks (sb_bread each); a zero pointer is a hole (bh unmapped, 0). An unreadable
 * indirect block is -EIO. With `create`, a hole would need a block allocated: -ENOSPC here.
 */
export function ext2_get_block(
  fs: Ext2Fs,
  inode: inode,
  iblock: sector_t,
  bh_result: buffer_head,
  create: boolean,
): number {
  const pc = fs.pc;
  const sb = inode.i_sb;
  const { offsets, boundary } = ext2_block_to_path(fs, inode, iblock);
  if (offsets.length === 0) return -Errno.EIO;
  const first = es32(fs, sb, SB.s_first_data_block);
  const count = es32(fs, sb, SB.s_blocks_count);
  const chain: number[] = [];
  let key = EXT2_I(inode).i_data[offsets[0]];
  for (let depth = 1; ; depth++) {
    if (key === 0) {
      if (create) {
        ext2_warning(
          fs,
          sb,
          "ext2_get_block",
          `block ${iblock} of inode ${inode.i_ino} is a hole: allocation is not modelled`,
        );
        return -Errno.ENOSPC;
      }
      return 0;
    }
    if (key < first || key >= count) {
      ext2_error(
        fs,
        sb,
        "ext2_get_block",
        `block ${key} out of range (inode ${inode.i_ino}, block ${iblock}) (the model's check)`,
      );
      return -Errno.EIO;
    }
    if (chain.includes(key)) {
      ext2_error(
        fs,
        sb,
        "ext2_get_block",
        `indirect block loop at block ${key} (inode ${inode.i_ino}, block ${iblock}) (the model's check)`,
      );
      return -Errno.EIO;
    }
    chain.push(key);
    if (depth === offsets.length) break;
    const bh = pc.sb_bread(sb, key);
    if (!bh) return -Errno.EIO;
    key = pc.bh_u32(bh, 4 * offsets[depth]);
    pc.brelse(bh);
  }
  map_bh(bh_result, sb.s_bdev as NonNullable<super_block["s_bdev"]>, key);
  if (boundary) bh_result.set(BH_Boundary);
  return 0;
}

/** The ext2 address_space operations of one PageCache. */
export function ext2AddressSpaceOperations(fs: Ext2Fs) {
  const pc = fs.pc;
  const get_block = (inode: inode, iblock: sector_t, bh: buffer_head, create: boolean) =>
    ext2_get_block(fs, inode, iblock, bh, create);
  return {
    get_block,
    ext2_aops: {
      readpage: (_f: unknown, page: Page) => pc.mpage_readpage(page, get_block),
      writepage: (page: Page, wbc: writeback_control) => pc.block_write_full_page(page, get_block, wbc),
      prepare_write: (_f: unknown, page: Page, from: number, to: number) =>
        pc.block_prepare_write(page, from, to, get_block),
      commit_write: (_f: unknown, page: Page, from: number, to: number) =>
        pc.generic_commit_write(page, from, to),
      bmap: (mapping: address_space, block: sector_t) => pc.generic_block_bmap(mapping, block, get_block),
    },
  };
}

/**
 * ext2_setattr's size change (inode_setattr -> vmtruncate -> ext2_truncate): freeing or adding
 * blocks is not modelled, so any size other than the current one is refused with -ENOSPC/-EROFS.
 */
export function ext2_setsize(fs: Ext2Fs, dentry: dentry, size: number): number {
  const inode = dentry.d_inode as inode;
  if (size === inode.i_size) return 0;
  fs.pc.machine.printk(
    `EXT2-fs (model): ${inode.i_sb.s_id}: size change of inode ${inode.i_ino} refused: block allocation and truncation are not modelled`,
  );
  return size > inode.i_size ? -Errno.ENOSPC : -Errno.EROFS;
}
