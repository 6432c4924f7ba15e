/*
 * page-cache.ts — the page cache of one kernel, assembled: the block layer over the VFS over
 * buffer heads over mm/filemap.c, with ramfs registered and mounted as the root (init_rootfs,
 * init_mount_tree) and ext2 registered (init_ext2_fs). One PageCache per page allocator: it
 * registers its counters for /proc/meminfo's Buffers and Cached, and a second one is refused.
 * Construction follows start_kernel -> vfs_caches_init (inode_cache, radix_tree_node via
 * radix_tree_init, buffer_head via buffer_init, bdev_cache via bdev_cache_init) -> init_rootfs ->
 * init_mount_tree.
 */
import type { Kmap } from "@i386mm/kmap";
import type { SlabAllocator } from "@i386mm/slab";
import type { PageCacheOptions } from "./base.js";
import { INIT_MOUNT_TREE } from "./base.js";
import { BlockDevices } from "./block-dev.js";
import { Ext2Fs } from "./ext2/index.js";
import { ramfsOperations } from "./ramfs.js";

/** address_space, the page cache, buffer heads, block devices, the VFS, ramfs and ext2 of one kernel. */
export class PageCache extends BlockDevices {
  /** The ext2 driver (init_ext2_fs): its inode cache and operations. */
  readonly ext2: Ext2Fs;

  /** vfs_caches_init + init_rootfs + init_mount_tree over a booted slab allocator and kmap. */
  constructor(slab: SlabAllocator, km: Kmap, opts: PageCacheOptions = {}) {
    super(slab, km, opts);
    const ramfs = ramfsOperations(this);
    this.register_filesystem(ramfs.rootfs_fs_type);
    this.register_filesystem(ramfs.ramfs_fs_type);
    this.ext2 = new Ext2Fs(this);
    this.register_filesystem(this.ext2.ext2_fs_type);
    this[INIT_MOUNT_TREE]();
    this.pa.set_page_cache_counters({
      nr_blockdev_pages: () => this.nr_blockdev_pages(),
      get_page_cache_size: () => this.nr_pagecache,
    });
  }
}
