/*
 * super.ts — fs/ext2/super.c of 2.6.11: ext2_fill_super (read and check the superblock and group
 * descriptors, the root inode), ext2_setup_super, ext2_write_super / ext2_sync_super /
 * ext2_commit_super, ext2_put_super, ext2_statfs, ext2_error / ext2_warning, and the group
 * descriptor helpers of balloc.c (ext2_get_group_desc, ext2_count_free_blocks, ext2_bg_has_super).
 * The superblock stays in its buffer (s_sbh) in the block device's page cache: fields are read from
 * and written to that buffer's bytes, as the kernel's s_es pointer does.
 * Beyond 2.6.11's checks (labelled "the model's check" in dmesg wording and comments): a block count
 * past the end of the device, zero inodes per group, a first data block past the block count.
 */
import { Errno } from "@i386mm/hw-i386";
import type { buffer_head } from "../buffer.js";
import { type inode, type kstatfs, MS_RDONLY, S_ISDIR, type super_block } from "../fs.js";
import {
  BLOCK_SIZE,
  EXT2_DFL_MAX_MNT_COUNT,
  EXT2_ERROR_FS,
  EXT2_ERRORS_PANIC,
  EXT2_ERRORS_RO,
  EXT2_FEATURE_INCOMPAT_META_BG,
  EXT2_FEATURE_INCOMPAT_SUPP,
  EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER,
  EXT2_FEATURE_RO_COMPAT_SUPP,
  EXT2_GOOD_OLD_FIRST_INO,
  EXT2_GOOD_OLD_INODE_SIZE,
  EXT2_GOOD_OLD_REV,
  EXT2_MAX_SUPP_REV,
  EXT2_MIN_FRAG_SIZE,
  EXT2_MOUNT_ERRORS_CONT,
  EXT2_MOUNT_ERRORS_RO,
  EXT2_MOUNT_NO_UID32,
  EXT2_NAME_LEN,
  EXT2_NDIR_BLOCKS,
  EXT2_ROOT_INO,
  EXT2_SUPER_MAGIC,
  EXT2_VALID_FS,
  EXT3_FEATURE_COMPAT_HAS_JOURNAL,
  type ext2_sb_info,
  GD,
  SB,
  SIZEOF_EXT2_GROUP_DESC,
} from "./ext2_fs.js";
import type { Ext2Fs } from "./index.js";

/** EXT2_SB(sb). */
export function EXT2_SB(sb: super_block): ext2_sb_info {
  return sb.s_fs_info as ext2_sb_info;
}

/** Read a superblock field (le32 or le16 by width) from s_es. */
export function es32(fs: Ext2Fs, sb: super_block, off: number): number {
  const sbi = EXT2_SB(sb);
  return fs.pc.bh_u32(sbi.s_sbh, sbi.s_es_offset + off);
}
export function es16(fs: Ext2Fs, sb: super_block, off: number): number {
  const sbi = EXT2_SB(sb);
  return fs.pc.bh_u16(sbi.s_sbh, sbi.s_es_offset + off);
}
function set_es32(fs: Ext2Fs, sb: super_block, off: number, v: number): void {
  const sbi = EXT2_SB(sb);
  fs.pc.bh_set_u32(sbi.s_sbh, sbi.s_es_offset + off, v);
}
function set_es16(fs: Ext2Fs, sb: super_block, off: number, v: number): void {
  const sbi = EXT2_SB(sb);
  fs.pc.bh_set_u16(sbi.s_sbh, sbi.s_es_offset + off, v);
}

/**
 * ext2_error(sb, function, message): "EXT2-fs error (device hda): function: message"; on a
 * read-write mount the superblock gets EXT2_ERROR_FS, written at once; errors=remount-ro makes the
 * mount read-only.
 */
export function ext2_error(fs: Ext2Fs, sb: super_block, fn: string, msg: string): void {
  const sbi = sb.s_fs_info as ext2_sb_info | null;
  if (sbi?.s_sbh && !(sb.s_flags & MS_RDONLY)) {
    sbi.s_mount_state |= EXT2_ERROR_FS;
    set_es16(fs, sb, SB.s_state, es16(fs, sb, SB.s_state) | EXT2_ERROR_FS);
    ext2_sync_super(fs, sb);
  }
  fs.pc.machine.printk(`EXT2-fs error (device ${sb.s_id}): ${fn}: ${msg}`);
  if (sbi && sbi.s_mount_opt & EXT2_MOUNT_ERRORS_RO) {
    fs.pc.machine.printk("Remounting filesystem read-only");
    sb.s_flags |= MS_RDONLY;
  }
}

/** ext2_warning(sb, function, message). */
export function ext2_warning(fs: Ext2Fs, sb: super_block, fn: string, msg: string): void {
  fs.pc.machine.printk(`EXT2-fs warning (device ${sb.s_id}): ${fn}: ${msg}`);
}

/** ext2_get_group_desc(sb, group): the descriptor's buffer and offset in it, or null (ext2_error). */
export function ext2_get_group_desc(
  fs: Ext2Fs,
  sb: super_block,
  block_group: number,
): { bh: buffer_head; off: number } | null {
  const sbi = EXT2_SB(sb);
  if (block_group >= sbi.s_groups_count) {
    ext2_error(
      fs,
      sb,
      "ext2_get_group_desc",
      `block_group >= groups_count - block_group = ${block_group}, groups_count = ${sbi.s_groups_count}`,
    );
    return null;
  }
  const group_desc = block_group >>> sbi.s_desc_per_block_bits;
  const offset = block_group & (sbi.s_desc_per_block - 1);
  const bh = sbi.s_group_desc[group_desc];
  if (!bh) {
    ext2_error(
      fs,
      sb,
      "ext2_get_group_desc",
      `Group descriptor not loaded - block_group = ${block_group}, group_desc = ${group_desc}, desc = ${offset}`,
    );
    return null;
  }
  return { bh, off: offset * SIZEOF_EXT2_GROUP_DESC };
}

/** A group descriptor field. */
function gd32(fs: Ext2Fs, sb: super_block, group: number, field: number): number {
  const sbi = EXT2_SB(sb);
  const bh = sbi.s_group_desc[group >>> sbi.s_desc_per_block_bits];
  return fs.pc.bh_u32(bh, (group & (sbi.s_desc_per_block - 1)) * SIZEOF_EXT2_GROUP_DESC + field);
}
function gd16(fs: Ext2Fs, sb: super_block, group: number, field: number): number {
  const sbi = EXT2_SB(sb);
  const bh = sbi.s_group_desc[group >>> sbi.s_desc_per_block_bits];
  return fs.pc.bh_u16(bh, (group & (sbi.s_desc_per_block - 1)) * SIZEOF_EXT2_GROUP_DESC + field);
}

/** ext2_count_free_blocks(sb): the sum of the groups' bg_free_blocks_count. */
export function ext2_count_free_blocks(fs: Ext2Fs, sb: super_block): number {
  let n = 0;
  for (let i = 0; i < EXT2_SB(sb).s_groups_count; i++) n += gd16(fs, sb, i, GD.bg_free_blocks_count);
  return n;
}
/** ext2_count_free_inodes(sb). */
export function ext2_count_free_inodes(fs: Ext2Fs, sb: super_block): number {
  let n = 0;
  for (let i = 0; i < EXT2_SB(sb).s_groups_count; i++) n += gd16(fs, sb, i, GD.bg_free_inodes_count);
  return n;
}

function test_root(a: number, b: number): boolean {
  let num = b;
  while (num < a) num *= b;
  return num === a;
}
/** ext2_group_sparse(group): 0, 1 and the powers of 3, 5 and 7 carry superblock backups. */
function ext2_group_sparse(group: number): boolean {
  if (group <= 1) return true;
  return test_root(group, 3) || test_root(group, 5) || test_root(group, 7);
}
/** ext2_bg_has_super(sb, group). */
export function ext2_bg_has_super(fs: Ext2Fs, sb: super_block, group: number): boolean {
  if (es32(fs, sb, SB.s_feature_ro_compat) & EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER && !ext2_group_sparse(group))
    return false;
  return true;
}

/** ext2_max_size(bits): the largest file the block map reaches, capped below 2^32 sectors. */
export function ext2_max_size(bits: number): number {
  let res = EXT2_NDIR_BLOCKS;
  res += 2 ** (bits - 2);
  res += 2 ** (2 * (bits - 2));
  res += 2 ** (3 * (bits - 2));
  res *= 2 ** bits;
  const cap = 512 * 2 ** 32 - 2 ** bits;
  return Math.min(res, cap);
}

/** descriptor_loc(sb, logic_sb_block, nr): the block of group descriptor block nr (meta_bg aware). */
function descriptor_loc(fs: Ext2Fs, sb: super_block, logic_sb_block: number, nr: number): number {
  const sbi = EXT2_SB(sb);
  const first_data_block = es32(fs, sb, SB.s_first_data_block);
  const first_meta_bg = es32(fs, sb, SB.s_first_meta_bg);
  if (!(es32(fs, sb, SB.s_feature_incompat) & EXT2_FEATURE_INCOMPAT_META_BG) || nr < first_meta_bg)
    return logic_sb_block + nr + 1;
  const bg = sbi.s_desc_per_block * nr;
  const has_super = ext2_bg_has_super(fs, sb, bg) ? 1 : 0;
  return first_data_block + has_super + bg * sbi.s_blocks_per_group;
}

/** ext2_check_descriptors(sb): each group's bitmaps and inode table lie inside the group. */
function ext2_check_descriptors(fs: Ext2Fs, sb: super_block): boolean {
  const sbi = EXT2_SB(sb);
  let block = es32(fs, sb, SB.s_first_data_block);
  for (let i = 0; i < sbi.s_groups_count; i++) {
    const bb = gd32(fs, sb, i, GD.bg_block_bitmap);
    const ib = gd32(fs, sb, i, GD.bg_inode_bitmap);
    const it = gd32(fs, sb, i, GD.bg_inode_table);
    const end = block + sbi.s_blocks_per_group;
    if (bb < block || bb >= end) {
      ext2_error(fs, sb, "ext2_check_descriptors", `Block bitmap for group ${i} not in group (block ${bb})!`);
      return false;
    }
    if (ib < block || ib >= end) {
      ext2_error(fs, sb, "ext2_check_descriptors", `Inode bitmap for group ${i} not in group (block ${ib})!`);
      return false;
    }
    if (it < block || it + sbi.s_itb_per_group >= end) {
      ext2_error(fs, sb, "ext2_check_descriptors", `Inode table for group ${i} not in group (block ${it})!`);
      return false;
    }
    block += sbi.s_blocks_per_group;
  }
  return true;
}

/** parse_options: errors=, nouid32, sb= (read by the caller); anything else fails the mount. */
function parse_options(options: string | null, sbi: ext2_sb_info): boolean {
  let kind = EXT2_MOUNT_ERRORS_CONT;
  if (options) {
    for (const p of options.split(",")) {
      if (!p) continue;
      if (p === "errors=continue") kind = EXT2_MOUNT_ERRORS_CONT;
      else if (p === "errors=remount-ro" || p === "errors=panic") kind = EXT2_MOUNT_ERRORS_RO;
      else if (p === "nouid32") sbi.s_mount_opt |= EXT2_MOUNT_NO_UID32;
      else if (
        /^sb=\d+$/.test(p) ||
        p === "nocheck" ||
        p === "check=none" ||
        p === "noacl" ||
        p === "nouser_xattr"
      )
        continue;
      else return false;
    }
  }
  sbi.s_mount_opt |= kind;
  return true;
}

/** get_sb_block: the "sb=N" option (default 1). */
function get_sb_block(data: string | null): number {
  const m = data ? /(?:^|,)sb=(\d+)/.exec(data) : null;
  return m ? Number(m[1]) : 1;
}

/**
 * ext2_fill_super(sb, data, silent): find the superblock at 1 KiB (the block size is read from it
 * and the superblock re-read with it), check magic, features, inode size, group geometry, read and
 * check every group descriptor block, read the root inode. 0, or -EINVAL with the kernel's message
 * in dmesg (unreadable superblock or descriptors are -EINVAL too, as in 2.6.11).
 */
export function ext2_fill_super(fs: Ext2Fs, sb: super_block, data: string | null, silent: boolean): number {
  const pc = fs.pc;
  const printk = (s: string) => pc.machine.printk(s);
  const sb_block = get_sb_block(data);
  const sbi = {
    s_mount_opt: 0,
    s_group_desc: [],
    s_es_offset: 0,
  } as unknown as ext2_sb_info;
  sb.s_fs_info = sbi;
  const fail = (bh: buffer_head | null): number => {
    pc.brelse(bh);
    for (const g of sbi.s_group_desc) pc.brelse(g);
    sb.s_fs_info = null;
    return -Errno.EINVAL;
  };
  let blocksize = pc.sb_min_blocksize(sb, BLOCK_SIZE);
  if (!blocksize) {
    printk("EXT2-fs: unable to set blocksize");
    return fail(null);
  }
  let logic_sb_block = sb_block;
  let offset = 0;
  if (blocksize !== BLOCK_SIZE) {
    logic_sb_block = Math.floor((sb_block * BLOCK_SIZE) / blocksize);
    offset = (sb_block * BLOCK_SIZE) % blocksize;
  }
  let bh = pc.sb_bread(sb, logic_sb_block);
  if (!bh) {
    printk("EXT2-fs: unable to read superblock");
    return fail(null);
  }
  sbi.s_sbh = bh;
  sbi.s_es_offset = offset;
  sb.s_magic = es16(fs, sb, SB.s_magic);
  const cantfind = (b: buffer_head | null): number => {
    if (!silent) printk(`VFS: Can't find an ext2 filesystem on dev ${sb.s_id}.`);
    return fail(b);
  };
  if (sb.s_magic !== EXT2_SUPER_MAGIC) return cantfind(bh);
  if (es16(fs, sb, SB.s_errors) === EXT2_ERRORS_PANIC || es16(fs, sb, SB.s_errors) === EXT2_ERRORS_RO)
    sbi.s_mount_opt |= EXT2_MOUNT_ERRORS_RO;
  sbi.s_resuid = es16(fs, sb, SB.s_def_resuid);
  sbi.s_resgid = es16(fs, sb, SB.s_def_resgid);
  if (!parse_options(data, sbi)) return fail(bh);
  const rev = es32(fs, sb, SB.s_rev_level);
  const compat = es32(fs, sb, SB.s_feature_compat);
  const incompat = es32(fs, sb, SB.s_feature_incompat);
  const ro_compat = es32(fs, sb, SB.s_feature_ro_compat);
  if (rev === EXT2_GOOD_OLD_REV && (compat || ro_compat || incompat))
    printk("EXT2-fs warning: feature flags set on rev 0 fs, running e2fsck is recommended");
  let features = incompat & ~EXT2_FEATURE_INCOMPAT_SUPP;
  if (features) {
    printk(
      `EXT2-fs: ${sb.s_id}: couldn't mount because of unsupported optional features (${features.toString(16)}).`,
    );
    return fail(bh);
  }
  features = ro_compat & ~EXT2_FEATURE_RO_COMPAT_SUPP;
  if (!(sb.s_flags & MS_RDONLY) && features) {
    printk(
      `EXT2-fs: ${sb.s_id}: couldn't mount RDWR because of unsupported optional features (${features.toString(16)}).`,
    );
    return fail(bh);
  }
  const log = es32(fs, sb, SB.s_log_block_size);
  blocksize = log > 20 ? 0 : BLOCK_SIZE * 2 ** log;
  if (sb.s_blocksize !== blocksize) {
    pc.brelse(bh);
    sbi.s_sbh = null as unknown as buffer_head;
    if (!blocksize || !pc.sb_set_blocksize(sb, blocksize)) {
      printk("EXT2-fs: blocksize too small for device.");
      return fail(null);
    }
    logic_sb_block = Math.floor((sb_block * BLOCK_SIZE) / blocksize);
    offset = (sb_block * BLOCK_SIZE) % blocksize;
    bh = pc.sb_bread(sb, logic_sb_block);
    if (!bh) {
      printk("EXT2-fs: Couldn't read superblock on 2nd try.");
      return fail(null);
    }
    sbi.s_sbh = bh;
    sbi.s_es_offset = offset;
    if (es16(fs, sb, SB.s_magic) !== EXT2_SUPER_MAGIC) {
      printk("EXT2-fs: Magic mismatch, very weird !");
      return fail(bh);
    }
  }
  sb.s_maxbytes = ext2_max_size(sb.s_blocksize_bits);
  if (rev === EXT2_GOOD_OLD_REV) {
    sbi.s_inode_size = EXT2_GOOD_OLD_INODE_SIZE;
    sbi.s_first_ino = EXT2_GOOD_OLD_FIRST_INO;
  } else {
    sbi.s_inode_size = es16(fs, sb, SB.s_inode_size);
    sbi.s_first_ino = es32(fs, sb, SB.s_first_ino);
    const isz = sbi.s_inode_size;
    if (isz < EXT2_GOOD_OLD_INODE_SIZE || isz & (isz - 1) || isz > blocksize) {
      printk(`EXT2-fs: unsupported inode size: ${isz}`);
      return fail(bh);
    }
  }
  const logf = es32(fs, sb, SB.s_log_frag_size);
  sbi.s_frag_size = logf > 20 ? 0 : EXT2_MIN_FRAG_SIZE * 2 ** logf;
  if (sbi.s_frag_size === 0) return cantfind(bh);
  sbi.s_frags_per_block = sb.s_blocksize / sbi.s_frag_size;
  sbi.s_blocks_per_group = es32(fs, sb, SB.s_blocks_per_group);
  sbi.s_frags_per_group = es32(fs, sb, SB.s_frags_per_group);
  sbi.s_inodes_per_group = es32(fs, sb, SB.s_inodes_per_group);
  sbi.s_inodes_per_block = Math.floor(sb.s_blocksize / sbi.s_inode_size);
  if (sbi.s_inodes_per_block === 0) return cantfind(bh);
  sbi.s_itb_per_group = Math.floor(sbi.s_inodes_per_group / sbi.s_inodes_per_block);
  sbi.s_desc_per_block = sb.s_blocksize / SIZEOF_EXT2_GROUP_DESC;
  sbi.s_mount_state = es16(fs, sb, SB.s_state);
  sbi.s_addr_per_block_bits = Math.log2(sb.s_blocksize / 4);
  sbi.s_desc_per_block_bits = Math.log2(sbi.s_desc_per_block);
  if (sb.s_blocksize !== bh.b_size) {
    if (!silent) printk(`VFS: Unsupported blocksize on dev ${sb.s_id}.`);
    return fail(bh);
  }
  if (sb.s_blocksize !== sbi.s_frag_size) {
    printk(`EXT2-fs: fragsize ${sbi.s_frag_size} != blocksize ${sb.s_blocksize} (not supported yet)`);
    return fail(bh);
  }
  if (sbi.s_blocks_per_group > sb.s_blocksize * 8) {
    printk(`EXT2-fs: #blocks per group too big: ${sbi.s_blocks_per_group}`);
    return fail(bh);
  }
  if (sbi.s_frags_per_group > sb.s_blocksize * 8) {
    printk(`EXT2-fs: #fragments per group too big: ${sbi.s_frags_per_group}`);
    return fail(bh);
  }
  if (sbi.s_inodes_per_group > sb.s_blocksize * 8) {
    printk(`EXT2-fs: #inodes per group too big: ${sbi.s_inodes_per_group}`);
    return fail(bh);
  }
  if (sbi.s_blocks_per_group === 0) return cantfind(bh);
  const blocks_count = es32(fs, sb, SB.s_blocks_count);
  const first_data_block = es32(fs, sb, SB.s_first_data_block);
  // The model's checks (later kernels make them too): geometry that does not fit the device.
  const dev_blocks = Math.floor((sb.s_bdev?.bd_inode.i_size ?? 0) / sb.s_blocksize);
  if (blocks_count > dev_blocks) {
    printk(
      `EXT2-fs: bad geometry: block count ${blocks_count} exceeds size of device (${dev_blocks} blocks)`,
    );
    return fail(bh);
  }
  if (first_data_block >= blocks_count || sbi.s_inodes_per_group === 0) {
    printk(
      `EXT2-fs: bad geometry: first data block ${first_data_block}, block count ${blocks_count}, inodes per group ${sbi.s_inodes_per_group}`,
    );
    return fail(bh);
  }
  sbi.s_groups_count = Math.ceil((blocks_count - first_data_block) / sbi.s_blocks_per_group);
  if (es32(fs, sb, SB.s_inodes_count) > sbi.s_groups_count * sbi.s_inodes_per_group) {
    printk(
      `EXT2-fs: bad geometry: inodes count ${es32(fs, sb, SB.s_inodes_count)} exceeds ${sbi.s_groups_count} groups of ${sbi.s_inodes_per_group}`,
    );
    return fail(bh);
  }
  const db_count = Math.ceil(sbi.s_groups_count / sbi.s_desc_per_block);
  for (let i = 0; i < db_count; i++) {
    const block = descriptor_loc(fs, sb, logic_sb_block, i);
    const g = pc.sb_bread(sb, block);
    if (!g) {
      printk("EXT2-fs: unable to read group descriptors");
      return fail(bh);
    }
    sbi.s_group_desc.push(g);
  }
  if (!ext2_check_descriptors(fs, sb)) {
    printk("EXT2-fs: group descriptors corrupted!");
    return fail(bh);
  }
  sbi.s_gdb_count = db_count;
  sb.s_op = fs.ext2_sops;
  const root = pc.iget(sb, EXT2_ROOT_INO);
  if (!root) {
    printk("EXT2-fs: get root inode failed");
    return fail(bh);
  }
  const bad_root = (r: inode): number => {
    printk("EXT2-fs: corrupt root inode, run e2fsck");
    r.i_count = 0;
    pc.invalidate_inodes(sb);
    return fail(bh);
  };
  if (!S_ISDIR(root.i_mode) || !root.i_blocks || !root.i_size) return bad_root(root);
  sb.s_root = pc.d_alloc_root(root);
  if (compat & EXT3_FEATURE_COMPAT_HAS_JOURNAL)
    ext2_warning(fs, sb, "ext2_fill_super", "mounting ext3 filesystem as ext2");
  ext2_setup_super(fs, sb, (sb.s_flags & MS_RDONLY) !== 0);
  return 0;
}

/**
 * ext2_setup_super(sb, read_only): a read-write mount warns about an unchecked or erroneous fs,
 * counts the mount (s_mnt_count) and writes the superblock (which clears EXT2_VALID_FS on disk).
 */
function ext2_setup_super(fs: Ext2Fs, sb: super_block, read_only: boolean): number {
  const sbi = EXT2_SB(sb);
  let res = 0;
  if (es32(fs, sb, SB.s_rev_level) > EXT2_MAX_SUPP_REV) {
    fs.pc.machine.printk("EXT2-fs warning: revision level too high, forcing read-only mode");
    res = MS_RDONLY;
  }
  if (read_only) return res;
  const max_mnt = (es16(fs, sb, SB.s_max_mnt_count) << 16) >> 16;
  if (!(sbi.s_mount_state & EXT2_VALID_FS))
    fs.pc.machine.printk("EXT2-fs warning: mounting unchecked fs, running e2fsck is recommended");
  else if (sbi.s_mount_state & EXT2_ERROR_FS)
    fs.pc.machine.printk("EXT2-fs warning: mounting fs with errors, running e2fsck is recommended");
  else if (max_mnt >= 0 && es16(fs, sb, SB.s_mnt_count) >= (max_mnt & 0xffff))
    fs.pc.machine.printk("EXT2-fs warning: maximal mount count reached, running e2fsck is recommended");
  else if (
    es32(fs, sb, SB.s_checkinterval) &&
    es32(fs, sb, SB.s_lastcheck) + es32(fs, sb, SB.s_checkinterval) <= fs.pc.get_seconds()
  )
    fs.pc.machine.printk("EXT2-fs warning: checktime reached, running e2fsck is recommended");
  if (!es16(fs, sb, SB.s_max_mnt_count)) set_es16(fs, sb, SB.s_max_mnt_count, EXT2_DFL_MAX_MNT_COUNT);
  set_es16(fs, sb, SB.s_mnt_count, es16(fs, sb, SB.s_mnt_count) + 1);
  ext2_write_super(fs, sb);
  return res;
}

/** ext2_commit_super: s_wtime, superblock buffer dirty (written by the next sync). */
function ext2_commit_super(fs: Ext2Fs, sb: super_block): void {
  set_es32(fs, sb, SB.s_wtime, fs.pc.get_seconds());
  fs.pc.mark_buffer_dirty(EXT2_SB(sb).s_sbh);
  sb.s_dirt = false;
}

/** ext2_sync_super: free counts from the group descriptors, s_wtime, written now. */
export function ext2_sync_super(fs: Ext2Fs, sb: super_block): void {
  set_es32(fs, sb, SB.s_free_blocks_count, ext2_count_free_blocks(fs, sb));
  set_es32(fs, sb, SB.s_free_inodes_count, ext2_count_free_inodes(fs, sb));
  set_es32(fs, sb, SB.s_wtime, fs.pc.get_seconds());
  const sbh = EXT2_SB(sb).s_sbh;
  fs.pc.mark_buffer_dirty(sbh);
  fs.pc.sync_dirty_buffer(sbh);
  sb.s_dirt = false;
}

/**
 * ext2_write_super(sb): on a read-write mount, the first call clears EXT2_VALID_FS on disk (the fs
 * is "in use" until a clean umount) and syncs the superblock; later ones just commit it.
 */
export function ext2_write_super(fs: Ext2Fs, sb: super_block): void {
  if (!(sb.s_flags & MS_RDONLY)) {
    const state = es16(fs, sb, SB.s_state);
    if (state & EXT2_VALID_FS) {
      set_es16(fs, sb, SB.s_state, state & ~EXT2_VALID_FS);
      set_es32(fs, sb, SB.s_mtime, fs.pc.get_seconds());
      ext2_sync_super(fs, sb);
    } else ext2_commit_super(fs, sb);
  }
  sb.s_dirt = false;
}

/** ext2_put_super(sb): a read-write mount restores the state it found and syncs the superblock; buffers released. */
export function ext2_put_super(fs: Ext2Fs, sb: super_block): void {
  const sbi = EXT2_SB(sb);
  if (!sbi) return;
  if (!(sb.s_flags & MS_RDONLY)) {
    set_es16(fs, sb, SB.s_state, sbi.s_mount_state);
    ext2_sync_super(fs, sb);
  }
  for (const g of sbi.s_group_desc) fs.pc.brelse(g);
  fs.pc.brelse(sbi.s_sbh);
  sb.s_fs_info = null;
}

/** ext2_statfs(sb): sizes in blocks, free counts, overhead of the metadata subtracted (bsddf). */
export function ext2_statfs(fs: Ext2Fs, sb: super_block): kstatfs {
  const sbi = EXT2_SB(sb);
  let overhead = es32(fs, sb, SB.s_first_data_block);
  for (let i = 0; i < sbi.s_groups_count; i++) {
    if (ext2_bg_has_super(fs, sb, i)) overhead += 1 + sbi.s_gdb_count;
  }
  overhead += sbi.s_groups_count * (2 + sbi.s_itb_per_group);
  const bfree = ext2_count_free_blocks(fs, sb);
  const r = es32(fs, sb, SB.s_r_blocks_count);
  return {
    f_type: EXT2_SUPER_MAGIC,
    f_bsize: sb.s_blocksize,
    f_blocks: es32(fs, sb, SB.s_blocks_count) - overhead,
    f_bfree: bfree,
    f_bavail: bfree < r ? 0 : bfree - r,
    f_files: es32(fs, sb, SB.s_inodes_count),
    f_ffree: ext2_count_free_inodes(fs, sb),
    f_namelen: EXT2_NAME_LEN,
  };
}

/** EXT2_FIRST_INO(sb). */
export function EXT2_FIRST_INO(sb: super_block): number {
  return EXT2_SB(sb).s_first_ino;
}
