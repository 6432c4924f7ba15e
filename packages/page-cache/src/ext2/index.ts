/*
 * ext2/index.ts — init_ext2_fs: the ext2 file system of one PageCache: its inode cache
 * ("ext2_inode_cache", each object an ext2_inode_info with the VFS inode inside), its operation
 * tables, and the file_system_type "ext2" (get_sb_bdev with ext2_fill_super; kill_block_super).
 */
import type { VirtAddr } from "@i386mm/hw-i386";
import { GFP_KERNEL } from "@i386mm/page-alloc";
import type { kmem_cache_t } from "@i386mm/slab";
import { PageCacheError } from "../base.js";
import type { BlockDevices } from "../block-dev.js";
import type { buffer_head } from "../buffer.js";
import type { address_space_operations, file_system_type, inode, super_operations } from "../fs.js";
import { FS_REQUIRES_DEV } from "../fs.js";
import { EXT2_N_BLOCKS, type ext2_inode_info } from "./ext2_fs.js";
import { ext2_read_inode, ext2_update_inode, ext2AddressSpaceOperations } from "./inode.js";
import { ext2Operations } from "./namei.js";
import { ext2_fill_super, ext2_put_super, ext2_statfs, ext2_write_super } from "./super.js";

/** sizeof(struct ext2_inode_info) as the model charges it, and where the VFS inode sits in it (model's layout). */
export const SIZEOF_EXT2_INODE_INFO = 488;
export const OFFSETOF_EXT2_VFS_INODE = 136;

/** The ext2 driver state of one PageCache. */
export class Ext2Fs {
  readonly pc: BlockDevices;
  /** ext2_inode_cachep. */
  readonly ext2_inode_cachep: kmem_cache_t;
  /** A buffer head the model uses to probe block maps (like the kernel's on-stack ones). */
  readonly probe_bh: buffer_head;
  readonly ext2_sops: super_operations;
  readonly ext2_aops: address_space_operations;
  readonly ext2_file_operations;
  readonly ext2_file_inode_operations;
  readonly ext2_dir_inode_operations;
  readonly ext2_dir_operations;
  readonly ext2_fast_symlink_inode_operations;
  readonly ext2_symlink_inode_operations;
  readonly ext2_special_inode_operations;
  readonly ext2_fs_type: file_system_type;

  /** init_ext2_fs: the inode cache, the operation tables, the type (register it with register_filesystem). */
  constructor(pc: BlockDevices) {
    this.pc = pc;
    const c = pc.slab.kmem_cache_create("ext2_inode_cache", SIZEOF_EXT2_INODE_INFO, 0, 0x20000, null);
    if (!c) throw new PageCacheError("init_ext2_fs", undefined, "kmem_cache_create(ext2_inode_cache) failed");
    this.ext2_inode_cachep = c;
    const probe = pc.alloc_buffer_head(GFP_KERNEL);
    if (!probe) throw new PageCacheError("init_ext2_fs", undefined, "no memory for a buffer head");
    this.probe_bh = probe;
    this.ext2_aops = ext2AddressSpaceOperations(this).ext2_aops;
    const ops = ext2Operations(this);
    this.ext2_file_operations = ops.ext2_file_operations;
    this.ext2_file_inode_operations = ops.ext2_file_inode_operations;
    this.ext2_dir_inode_operations = ops.ext2_dir_inode_operations;
    this.ext2_dir_operations = ops.ext2_dir_operations;
    this.ext2_fast_symlink_inode_operations = ops.ext2_fast_symlink_inode_operations;
    this.ext2_symlink_inode_operations = ops.ext2_symlink_inode_operations;
    this.ext2_special_inode_operations = ops.ext2_special_inode_operations;
    this.ext2_sops = {
      alloc_inode: (sb) => {
        const addr = pc.slab.kmem_cache_alloc(this.ext2_inode_cachep, GFP_KERNEL);
        if (addr === null) return null;
        const inode = pc.inode_init(sb, ((addr + OFFSETOF_EXT2_VFS_INODE) >>> 0) as VirtAddr, 0);
        const ei: ext2_inode_info = {
          i_data: new Uint32Array(EXT2_N_BLOCKS),
          i_flags: 0,
          i_faddr: 0,
          i_frag_no: 0,
          i_frag_size: 0,
          i_file_acl: 0,
          i_dir_acl: 0,
          i_dtime: 0,
          i_block_group: 0,
          i_dir_start_lookup: 0,
          i_generation: 0,
          addr,
        };
        inode.i_private = ei;
        return inode;
      },
      destroy_inode: (inode: inode) => {
        pc.slab.kmem_cache_free(
          this.ext2_inode_cachep,
          (inode.i_private as ext2_inode_info).addr as VirtAddr,
        );
      },
      read_inode: (inode) => ext2_read_inode(this, inode),
      write_inode: (inode, wait) => ext2_update_inode(this, inode, wait),
      put_super: (sb) => ext2_put_super(this, sb),
      write_super: (sb) => ext2_write_super(this, sb),
      statfs: (sb) => ext2_statfs(this, sb),
    };
    this.ext2_fs_type = {
      name: "ext2",
      fs_flags: FS_REQUIRES_DEV,
      get_sb: (fs_type, flags, dev_name, data) =>
        pc.get_sb_bdev(fs_type, flags, dev_name, data, (sb, d, silent) =>
          ext2_fill_super(this, sb, d, silent),
        ),
      kill_sb: (sb) => pc.kill_block_super(sb),
    };
  }
}
