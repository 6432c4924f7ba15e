/*
 * page-cache.ts — the page cache of one kernel, assembled: the VFS over the block layer over
 * buffer heads over mm/filemap.c, with ramfs registered and mounted as the root (init_rootfs,
 * init_mount_tree) and ext2 registered (init_ext2_fs). One PageCache per page allocator.
 * Construction order follows start_kernel -> vfs_caches_init (inode cache, radix_tree_init via
 * mm_init, buffer_init, bdev_cache_init) -> init_rootfs -> init_mount_tree.
 */
import type { Page } from "@i386mm/hw-i386";
import type { Kmap } from "@i386mm/kmap";
import type { SlabAllocator } from "@i386mm/slab";
import type { PageCacheOptions } from "./base.js";
import type { file_operations, super_block } from "./fs.js";
import { ramfsOperations } from "./ramfs.js";
import { Vfs } from "./vfs.js";

/** address_space, the page cache, buffer heads, block devices, the VFS, ramfs and ext2 of one kernel. */
export class PageCache extends Vfs {
  readonly def_blk_fops: file_operations = {};

  /** vfs_caches_init + init_rootfs + init_mount_tree over a booted slab allocator and kmap. */
  constructor(slab: SlabAllocator, km: Kmap, opts: PageCacheOptions = {}) {
    super(slab, km, opts);
    const ramfs = ramfsOperations(this);
    this.register_filesystem(ramfs.rootfs_fs_type);
    this.register_filesystem(ramfs.ramfs_fs_type);
    this.init_mount_tree();
  }

  // Buffer heads arrive with the block layer.
  try_to_free_buffers(page: Page): boolean {
    return !this.PagePrivate(page);
  }
  block_invalidatepage(_page: Page, _offset: number): number {
    return 1;
  }
  __set_page_dirty_buffers(page: Page): number {
    return this.__set_page_dirty_nobuffers(page);
  }
  protected sync_sb_blockdev(_sb: super_block): number {
    return 0;
  }
  protected flush_disks(): void {}
}
