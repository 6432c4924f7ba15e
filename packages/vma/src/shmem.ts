/*
 * shmem.ts — anonymous shared memory: mm/shmem.c's shmem_zero_setup, which backs a
 * MAP_SHARED|MAP_ANONYMOUS mapping with an unlinked tmpfs file "dev/zero" of the mapping's size,
 * shmem_nopage (find or create the page at an index, zero-filled, GFP_HIGHUSER) and
 * shmem_populate (MAP_POPULATE). The file's pages are shared by every VMA that maps it (fork
 * keeps them shared); the last fput frees them (shmem_delete_inode -> truncate).
 * The object's address_space lives in a kmalloc'ed object whose address is page->mapping; there
 * is no tmpfs mount, swap or size limit (vm.overcommit charging is done by do_mmap_pgoff's
 * VM_ACCOUNT as in 2.6.11's shmem_acct_size for the "dev/zero" file).
 */

import { Errno, PAGE_SIZE, type Page, type VirtAddr } from "@i386mm/hw-i386";
import { GFP_KERNEL } from "@i386mm/page-alloc";
import { type ErrPtr, NOPAGE_OOM } from "@i386mm/page-cache";
import { VM_ACCOUNT, VM_FAULT_MINOR } from "./constants.js";
import { install_page } from "./fremap.js";
import { alloc_zeroed_user_highpage } from "./highmem-user.js";
import type { nopage_type, vm_area_struct, vm_operations_struct } from "./mm-types.js";
import { security_vm_enough_memory, vm_unacct_memory } from "./mmap.js";
import type { VmSystem } from "./vm.js";

/** sizeof(struct address_space) on i386 2.6.11 (the kmalloc'ed stand-in for the shmem inode's i_data). */
const SIZEOF_ADDRESS_SPACE = 84;

/** An unlinked tmpfs file backing anonymous shared memory (its struct file, inode and mapping in one). */
export class shmem_file {
  /** FMODE_READ | FMODE_WRITE. */
  readonly f_mode = 3;
  /** tmpfs's anonymous device (shm_mnt's super block), for /proc/PID/maps. */
  readonly dev = { major: 0, minor: 4 };
  /** Inode number, for /proc/PID/maps. */
  readonly ino: number;
  /** What d_path prints for the unlinked "dev/zero" dentry. */
  readonly path = "/dev/zero (deleted)";
  /** inode->i_writecount. */
  i_writecount = 0;
  /** References (the VMAs mapping it). */
  f_count = 1;
  /** The file's address_space as the mm sees it; `addr` is the value in page->mapping. */
  readonly f_mapping: {
    readonly i_mmap: Set<unknown>;
    i_mmap_writable: number;
    truncate_count: number;
    readonly addr: VirtAddr;
  };
  /** The file's pages by index (its page cache). */
  readonly pages = new Map<number, Page>();
  /** Size in bytes (i_size). */
  readonly size: number;
  /** Pages charged to vm_committed_space by shmem_acct_size (VM_ACCOUNT mappings), 0 otherwise. */
  accounted = 0;
  private readonly vm: VmSystem;
  constructor(vm: VmSystem, size: number, ino: number, mapping: VirtAddr) {
    this.vm = vm;
    this.size = size;
    this.ino = ino;
    this.f_mapping = { i_mmap: new Set(), i_mmap_writable: 0, truncate_count: 0, addr: mapping };
  }
  /** shmem_mmap: the VMA faults through shmem_vm_ops. */
  mmap(vma: vm_area_struct): number {
    vma.vm_ops = shmem_vm_ops(this.vm, this);
    return 0;
  }
  /** The last reference is gone: truncate (free every page), unaccount, free the inode. */
  release(): void {
    const pa = this.vm.pa;
    for (const page of this.pages.values()) {
      pa.mem_map.mapping[page] = 0; // remove_from_page_cache
      pa.put_page(page); // the page cache's reference
    }
    this.pages.clear();
    if (this.accounted !== 0) vm_unacct_memory(this.vm, this.accounted); // shmem_unacct_size
    this.accounted = 0;
    this.vm.slab.kfree(this.f_mapping.addr);
  }
}

/** shmem_getpage for a fault: the page at `idx`, created zero-filled if missing, with a reference for the caller. */
function shmem_getpage(
  vm: VmSystem,
  f: shmem_file,
  vma: vm_area_struct,
  idx: number,
  address: number,
): Page | null {
  let page = f.pages.get(idx);
  if (page === undefined) {
    const p = alloc_zeroed_user_highpage(vm, vma, address);
    if (p === null) return null;
    page = p;
    vm.pa.mem_map.mapping[page] = f.f_mapping.addr; // add_to_page_cache: mapping and index
    vm.pa.mem_map.index[page] = idx;
    f.pages.set(idx, page);
  }
  vm.pa.get_page(page);
  return page;
}

/** shmem_vm_ops: nopage and populate over the file's pages. */
function shmem_vm_ops(vm: VmSystem, f: shmem_file): vm_operations_struct {
  return {
    nopage(vma: vm_area_struct, address: number, type: nopage_type): Page | null | ErrPtr {
      const idx = (address - vma.vm_start) / PAGE_SIZE + vma.vm_pgoff;
      if (idx * PAGE_SIZE >= f.size) return null; // NOPAGE_SIGBUS
      const page = shmem_getpage(vm, f, vma, idx, address);
      if (page === null) return NOPAGE_OOM;
      type.ret = VM_FAULT_MINOR;
      return page;
    },
    populate(vma, addr, len, prot, pgoff, _nonblock) {
      for (let a = addr; a < addr + len; a += PAGE_SIZE, pgoff++) {
        const page = shmem_getpage(vm, f, vma, pgoff, a);
        if (page === null) return -Errno.ENOMEM;
        const err = install_page(vm, vma.vm_mm, vma, a, page, prot);
        if (err !== 0) {
          vm.pa.put_page(page);
          return err;
        }
      }
      return 0;
    },
  };
}

/**
 * shmem_zero_setup(vma): back a shared anonymous VMA with a new "dev/zero" file of its size
 * (shmem_file_setup: charged to vm_committed_space when the VMA carries VM_ACCOUNT).
 * 0, or -ENOMEM when the charge is refused or the inode cannot be allocated.
 */
export function shmem_zero_setup(vm: VmSystem, vma: vm_area_struct): number {
  const size = vma.vm_end - vma.vm_start;
  const pages = Math.ceil(size / PAGE_SIZE);
  const acct = (vma.vm_flags & VM_ACCOUNT) !== 0;
  if (acct && security_vm_enough_memory(vm, pages) !== 0) return -Errno.ENOMEM; // shmem_acct_size
  const mapping = vm.slab.kmalloc(SIZEOF_ADDRESS_SPACE, GFP_KERNEL);
  if (mapping === null) {
    if (acct) vm_unacct_memory(vm, pages);
    return -Errno.ENOMEM;
  }
  const f = new shmem_file(vm, size, ++vm.shmem_last_ino, mapping);
  f.accounted = acct ? pages : 0;
  vma.vm_file = f;
  f.mmap(vma);
  return 0;
}
