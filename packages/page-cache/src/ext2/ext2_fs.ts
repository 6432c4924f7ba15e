/*
 * ext2_fs.ts — the on-disk format of ext2 (include/linux/ext2_fs.h, 2.6.11): magic, reserved inode
 * numbers, feature bits and what this kernel supports, and the byte offsets of the superblock,
 * group descriptor, inode and directory entry fields (all little-endian).
 *
 *   byte 0        1024            1024 + 1024 (1 KiB blocks: block 1; 4 KiB blocks: inside block 0)
 *   | boot block |  superblock  | group descriptors (block s_first_data_block + 1) | ...
 *   each group: [sb copy + descs (sparse_super: groups 0, 1, powers of 3, 5, 7)] block bitmap,
 *   inode bitmap, inode table (s_inodes_per_group * s_inode_size bytes), data blocks
 *
 *   inode i_block[15]: 12 direct | [12] indirect | [13] double indirect | [14] triple indirect
 */

/** EXT2_SUPER_MAGIC. */
export const EXT2_SUPER_MAGIC = 0xef53;
/** Byte offset of the primary superblock on the device (BLOCK_SIZE * 1). */
export const EXT2_SUPERBLOCK_OFFSET = 1024;
/** BLOCK_SIZE: the unit s_log_block_size counts from. */
export const BLOCK_SIZE = 1024;
export const EXT2_MIN_BLOCK_SIZE = 1024;
export const EXT2_MAX_BLOCK_SIZE = 4096;
export const EXT2_MIN_FRAG_SIZE = 1024;
/** Reserved inode numbers. */
export const EXT2_BAD_INO = 1;
export const EXT2_ROOT_INO = 2;
export const EXT2_GOOD_OLD_FIRST_INO = 11;
export const EXT2_GOOD_OLD_INODE_SIZE = 128;
export const EXT2_GOOD_OLD_REV = 0;
export const EXT2_DYNAMIC_REV = 1;
export const EXT2_MAX_SUPP_REV = EXT2_DYNAMIC_REV;
/** i_block slots. */
export const EXT2_NDIR_BLOCKS = 12;
export const EXT2_IND_BLOCK = 12;
export const EXT2_DIND_BLOCK = 13;
export const EXT2_TIND_BLOCK = 14;
export const EXT2_N_BLOCKS = 15;
/** s_state. */
export const EXT2_VALID_FS = 0x0001;
export const EXT2_ERROR_FS = 0x0002;
/** s_errors. */
export const EXT2_ERRORS_CONTINUE = 1;
export const EXT2_ERRORS_RO = 2;
export const EXT2_ERRORS_PANIC = 3;
export const EXT2_DFL_MAX_MNT_COUNT = 20;
export const EXT2_NAME_LEN = 255;

/** Feature bits. */
export const EXT2_FEATURE_COMPAT_DIR_PREALLOC = 0x0001;
export const EXT2_FEATURE_COMPAT_EXT_ATTR = 0x0008;
export const EXT2_FEATURE_COMPAT_RESIZE_INO = 0x0010;
export const EXT2_FEATURE_COMPAT_DIR_INDEX = 0x0020;
export const EXT3_FEATURE_COMPAT_HAS_JOURNAL = 0x0004;
export const EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER = 0x0001;
export const EXT2_FEATURE_RO_COMPAT_LARGE_FILE = 0x0002;
export const EXT2_FEATURE_RO_COMPAT_BTREE_DIR = 0x0004;
export const EXT2_FEATURE_INCOMPAT_COMPRESSION = 0x0001;
export const EXT2_FEATURE_INCOMPAT_FILETYPE = 0x0002;
export const EXT3_FEATURE_INCOMPAT_RECOVER = 0x0004;
export const EXT3_FEATURE_INCOMPAT_JOURNAL_DEV = 0x0008;
export const EXT2_FEATURE_INCOMPAT_META_BG = 0x0010;
/** What 2.6.11's ext2 can mount (anything else incompat: refused; ro_compat: read-only only). */
export const EXT2_FEATURE_INCOMPAT_SUPP = EXT2_FEATURE_INCOMPAT_FILETYPE | EXT2_FEATURE_INCOMPAT_META_BG;
export const EXT2_FEATURE_RO_COMPAT_SUPP =
  EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT2_FEATURE_RO_COMPAT_LARGE_FILE | EXT2_FEATURE_RO_COMPAT_BTREE_DIR;

/** struct ext2_super_block field offsets. */
export const SB = {
  s_inodes_count: 0,
  s_blocks_count: 4,
  s_r_blocks_count: 8,
  s_free_blocks_count: 12,
  s_free_inodes_count: 16,
  s_first_data_block: 20,
  s_log_block_size: 24,
  s_log_frag_size: 28,
  s_blocks_per_group: 32,
  s_frags_per_group: 36,
  s_inodes_per_group: 40,
  s_mtime: 44,
  s_wtime: 48,
  s_mnt_count: 52,
  s_max_mnt_count: 54,
  s_magic: 56,
  s_state: 58,
  s_errors: 60,
  s_minor_rev_level: 62,
  s_lastcheck: 64,
  s_checkinterval: 68,
  s_creator_os: 72,
  s_rev_level: 76,
  s_def_resuid: 80,
  s_def_resgid: 82,
  s_first_ino: 84,
  s_inode_size: 88,
  s_block_group_nr: 90,
  s_feature_compat: 92,
  s_feature_incompat: 96,
  s_feature_ro_compat: 100,
  s_uuid: 104,
  s_volume_name: 120,
  s_default_mount_opts: 256,
  s_first_meta_bg: 260,
} as const;

/** struct ext2_group_desc (32 bytes). */
export const GD = {
  bg_block_bitmap: 0,
  bg_inode_bitmap: 4,
  bg_inode_table: 8,
  bg_free_blocks_count: 12,
  bg_free_inodes_count: 14,
  bg_used_dirs_count: 16,
} as const;
export const SIZEOF_EXT2_GROUP_DESC = 32;

/** struct ext2_inode (the first 128 bytes; larger inodes keep their extra bytes untouched). */
export const INO = {
  i_mode: 0,
  i_uid: 2,
  i_size: 4,
  i_atime: 8,
  i_ctime: 12,
  i_mtime: 16,
  i_dtime: 20,
  i_gid: 24,
  i_links_count: 26,
  i_blocks: 28,
  i_flags: 32,
  i_block: 40,
  i_generation: 100,
  i_file_acl: 104,
  i_dir_acl: 108,
  i_faddr: 112,
  i_frag: 116,
  i_fsize: 117,
  i_uid_high: 120,
  i_gid_high: 122,
} as const;

/** struct ext2_dir_entry_2: inode, rec_len, name_len, file_type, name. */
export const DE = { inode: 0, rec_len: 4, name_len: 6, file_type: 7, name: 8 } as const;
/** EXT2_DIR_REC_LEN(name_len): 8 bytes of header plus the name, rounded up to 4. */
export function EXT2_DIR_REC_LEN(name_len: number): number {
  return (name_len + 8 + 3) & ~3;
}
/** ext2_filetype_table: EXT2_FT_* -> DT_*. */
export const ext2_filetype_table = [0, 8, 4, 2, 6, 1, 12, 10] as const;
/** EXT2_FT_MAX. */
export const EXT2_FT_MAX = 8;

/** The per-mount ext2 state (struct ext2_sb_info) the model keeps. */
export interface ext2_sb_info {
  s_frag_size: number;
  s_frags_per_block: number;
  s_inodes_per_block: number;
  s_frags_per_group: number;
  s_blocks_per_group: number;
  s_inodes_per_group: number;
  s_itb_per_group: number;
  s_gdb_count: number;
  s_desc_per_block: number;
  s_groups_count: number;
  /** The buffer holding the superblock, and its offset in that buffer (s_es). */
  s_sbh: import("../buffer.js").buffer_head;
  s_es_offset: number;
  /** The buffers of the group descriptor blocks. */
  s_group_desc: import("../buffer.js").buffer_head[];
  s_mount_opt: number;
  s_resuid: number;
  s_resgid: number;
  s_mount_state: number;
  s_addr_per_block_bits: number;
  s_desc_per_block_bits: number;
  s_inode_size: number;
  s_first_ino: number;
}

/** Mount options (s_mount_opt). */
export const EXT2_MOUNT_ERRORS_CONT = 0x0010;
export const EXT2_MOUNT_ERRORS_RO = 0x0020;
export const EXT2_MOUNT_ERRORS_PANIC = 0x0040;
export const EXT2_MOUNT_NO_UID32 = 0x0200;

/** struct ext2_inode_info: the in-memory part of an ext2 inode beyond the VFS inode. */
export interface ext2_inode_info {
  /** i_block[]: the 15 block pointers as read from disk. */
  i_data: Uint32Array;
  i_flags: number;
  i_faddr: number;
  i_frag_no: number;
  i_frag_size: number;
  i_file_acl: number;
  i_dir_acl: number;
  i_dtime: number;
  i_block_group: number;
  i_dir_start_lookup: number;
  i_generation: number;
  /** Address of the ext2_inode_info slab object (the VFS inode sits inside it). */
  addr: number;
}
