/*
 * filemap.ts — file-backed mappings over the page cache: the mmap half of mm/filemap.c (2.6.11)
 * — generic_file_mmap (ext2 and ramfs), generic_file_vm_ops with filemap_nopage (the faulting
 * VMA's side: pgoff from the address, then the page cache's filemap_nopage) and filemap_populate
 * (MAP_POPULATE / remap_file_pages on a shared mapping) — and mm/memory.c's
 * unmap_mapping_range and vmtruncate (unmap the ptes of truncated pages before the page cache
 * drops them).
 * A VMA's vm_file is the page cache's struct file (or, for shared anonymous memory, the
 * shmem "dev/zero" object); the helpers here give the mm one way to reach what it needs of
 * either: the address_space's i_mmap / i_mmap_writable / truncate_count, the inode's
 * i_writecount, file references, the noexec mount flag, and what /proc/PID/maps prints.
 */

import { ConfigError, Errno, KernelBugError, PAGE_SIZE, type Page } from "@i386mm/hw-i386";
import {
  type ErrPtr,
  type file,
  IS_ERR,
  MAJOR,
  MINOR,
  MS_NOEXEC,
  NOPAGE_SIGBUS,
  type PageCache,
} from "@i386mm/page-cache";
import { VM_FAULT_MAJOR } from "./constants.js";
import { install_page } from "./fremap.js";
import { zap_page_range } from "./memory.js";
import type { nopage_type, vm_area_struct, vm_file, vm_operations_struct } from "./mm-types.js";
import { shmem_file } from "./shmem.js";
import type { VmSystem } from "./vm.js";

/** What the mm keeps in a mapped object's address_space (mapping->i_mmap & co.). */
export interface mapping_vmas {
  /** The VMAs mapping the object (a prio tree in 2.6.11). */
  readonly i_mmap: Set<unknown>;
  /** VM_SHARED VMAs mapping it. */
  i_mmap_writable: number;
  /** Bumped by truncation (do_no_page's race check). */
  truncate_count: number;
}

/** file->f_mapping as the mm uses it. */
export function file_mapping(f: vm_file): mapping_vmas {
  return f.f_mapping;
}

/** The page cache a VmSystem was given; a file operation on one built without it is a set-up error. */
function pc_of(vm: VmSystem, call: string): PageCache {
  if (vm.pc === null)
    throw new ConfigError(call, "this VmSystem was built without a page cache ({ pagecache })");
  return vm.pc;
}

/** get_file(file): one more reference (a VMA's vm_file, fork, split_vma). */
export function get_file(vm: VmSystem, f: vm_file): void {
  if (f instanceof shmem_file) f.f_count++;
  else pc_of(vm, "get_file").get_file(f);
}

/** fput(file): drop a reference; the last one releases the file (and a shmem object's pages). */
export function fput(vm: VmSystem, f: vm_file): void {
  if (f instanceof shmem_file) {
    if (--f.f_count === 0) f.release();
  } else pc_of(vm, "fput").fput(f);
}

/** atomic_add(n, &inode->i_writecount). */
export function i_writecount_add(f: vm_file, n: number): void {
  if (f instanceof shmem_file) f.i_writecount += n;
  else f.f_dentry.d_inode!.i_writecount += n;
}

/** deny_write_access(file): -ETXTBSY while the file is open for writing, else one more deny count. */
export function deny_write_access(f: vm_file): number {
  const wc = f instanceof shmem_file ? f.i_writecount : f.f_dentry.d_inode!.i_writecount;
  if (wc > 0) return -Errno.ETXTBSY;
  i_writecount_add(f, -1);
  return 0;
}

/** The file's mount has MNT_NOEXEC (MS_NOEXEC). */
export function file_noexec(f: vm_file): boolean {
  return !(f instanceof shmem_file) && (f.f_vfsmnt.mnt_flags & MS_NOEXEC) !== 0;
}

/** IS_APPEND(inode): the model's inodes have no append-only attribute (no chattr): false. */
export function file_append_only(_f: vm_file): boolean {
  return false;
}

/** f_op->mmap as a function for this VMA, or null when the file cannot be mapped (-ENODEV). */
export function file_mmap_method(vm: VmSystem, f: vm_file): ((vma: vm_area_struct) => number) | null {
  if (f instanceof shmem_file) return (vma) => f.mmap(vma);
  if (f.f_op.mmap === "generic_file_mmap") return (vma) => generic_file_mmap(vm, f, vma);
  return null;
}

/** d_path(dentry, vfsmnt): the path from the root, " (deleted)" for an unlinked dentry. */
export function d_path(f: file): string {
  let d = f.f_dentry;
  let mnt = f.f_vfsmnt;
  const parts: string[] = [];
  const deleted = d.d_parent !== d && d.d_parent.d_subdirs.get(d.d_name) !== d;
  for (let guard = 0; guard < 4096; guard++) {
    if (d === mnt.mnt_root) {
      if (mnt.mnt_parent === mnt) break; // the root mount
      d = mnt.mnt_mountpoint;
      mnt = mnt.mnt_parent;
      continue;
    }
    if (d.d_parent === d) break;
    parts.push(d.d_name);
    d = d.d_parent;
  }
  return `/${parts.reverse().join("/")}${deleted ? " (deleted)" : ""}`;
}

/** What show_map prints for the file: its inode's device and number, and its path. */
export function file_maps_info(f: vm_file): {
  dev: { major: number; minor: number };
  ino: number;
  path: string;
} {
  if (f instanceof shmem_file) return { dev: f.dev, ino: f.ino, path: f.path };
  const inode = f.f_dentry.d_inode!;
  return {
    dev: { major: MAJOR(inode.i_sb.s_dev), minor: MINOR(inode.i_sb.s_dev) },
    ino: inode.i_ino,
    path: d_path(f),
  };
}

// ------------------------------------------------------------------ mm/filemap.c

/**
 * filemap_nopage(area, address, type): the page of the VMA's file at `address`, with a reference
 * for the pte; VM_FAULT_MAJOR (and pgmajfault) when it had to be read.
 */
function filemap_nopage(
  vm: VmSystem,
  f: file,
  area: vm_area_struct,
  address: number,
  type: nopage_type,
): Page | null | ErrPtr {
  const pgoff = (address - area.vm_start) / PAGE_SIZE + area.vm_pgoff;
  const fault = { major: false };
  const page = pc_of(vm, "filemap_nopage").filemap_nopage(f, pgoff, fault);
  if (fault.major) {
    type.ret = VM_FAULT_MAJOR;
    vm.page_state.pgmajfault++;
  }
  return page;
}

/**
 * filemap_populate(vma, addr, len, prot, pgoff, nonblock): map the file's pages of the range now
 * (reading them as needed). -EINVAL past the end of the file; 0.
 */
function filemap_populate(
  vm: VmSystem,
  f: file,
  vma: vm_area_struct,
  addr: number,
  len: number,
  prot: number,
  pgoff: number,
): number {
  const pc = pc_of(vm, "filemap_populate");
  const size = Math.ceil(f.f_mapping.host.i_size / PAGE_SIZE);
  if (pgoff + len / PAGE_SIZE > size) return -Errno.EINVAL;
  for (; len > 0; len -= PAGE_SIZE, addr += PAGE_SIZE, pgoff++) {
    const page = pc.filemap_nopage(f, pgoff);
    if (page === NOPAGE_SIGBUS) return -Errno.EINVAL;
    if (IS_ERR(page)) return -Errno.ENOMEM;
    const err = install_page(vm, vma.vm_mm, vma, addr, page, prot);
    if (err !== 0) {
      pc.page_cache_release(page);
      return err;
    }
  }
  return 0;
}

/** generic_file_vm_ops for one file. */
function generic_file_vm_ops(vm: VmSystem, f: file): vm_operations_struct {
  return {
    nopage: (area, address, type) => filemap_nopage(vm, f, area, address, type),
    populate: (vma, addr, len, prot, pgoff) => filemap_populate(vm, f, vma, addr, len, prot, pgoff),
  };
}

/**
 * generic_file_mmap(file, vma): the mmap method of ext2 and ramfs files: -ENOEXEC without a
 * readpage method; else the access time is updated and the VMA faults through the page cache.
 */
export function generic_file_mmap(vm: VmSystem, f: file, vma: vm_area_struct): number {
  if (f.f_mapping.a_ops.readpage === undefined) return -Errno.ENOEXEC;
  pc_of(vm, "generic_file_mmap").file_accessed(f);
  vma.vm_ops = generic_file_vm_ops(vm, f);
  return 0;
}

// ------------------------------------------------------------------ truncation (mm/memory.c)

/**
 * unmap_mapping_range(mapping, holebegin, holelen, even_cows): remove the ptes of every VMA that
 * maps file pages [holebegin, holebegin + holelen) (holelen 0: to the end), private COW copies
 * included (even_cows 1, as truncation asks; the invalidation variant that keeps them, even_cows
 * 0, is not modelled and refused). truncate_count is bumped first. The page cache calls this
 * from its vmtruncate (installed by `VmSystem.attach_page_cache`).
 */
export function unmap_mapping_range(
  vm: VmSystem,
  mapping: mapping_vmas,
  holebegin: number,
  holelen: number,
  even_cows = 1,
): void {
  if (even_cows === 0)
    throw new KernelBugError(
      "unmap_mapping_range",
      holebegin,
      "model: even_cows 0 (invalidation that keeps private copies) is not modelled",
    );
  const hba = Math.floor(holebegin / PAGE_SIZE);
  let hlen = Math.ceil(holelen / PAGE_SIZE);
  if (holelen === 0) hlen = 2 ** 32 - hba;
  const first = hba;
  const last = hba + hlen - 1;
  mapping.truncate_count++;
  for (const v of [...mapping.i_mmap] as vm_area_struct[]) {
    const vba = v.vm_pgoff;
    const vea = vba + (v.vm_end - v.vm_start) / PAGE_SIZE - 1;
    const zba = Math.max(first, vba);
    const zea = Math.min(last, vea);
    if (zba > zea) continue;
    const start = (zba - vba) * PAGE_SIZE + v.vm_start;
    const end = (zea - vba + 1) * PAGE_SIZE + v.vm_start;
    zap_page_range(vm, v, start, end - start);
  }
}

/**
 * vmtruncate(inode, offset) for a file: the page cache's vmtruncate, which (shrinking) calls this
 * layer's unmap_mapping_range first, so every pte beyond the new size (even private copies) goes
 * before the page cache drops the pages. `pc.sys_truncate` takes the same path.
 */
export function vmtruncate(vm: VmSystem, f: file, offset: number): number {
  return pc_of(vm, "vmtruncate").vmtruncate(f.f_mapping.host, offset);
}
