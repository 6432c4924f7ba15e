/*
 * mm-types.ts — struct mm_struct (include/linux/sched.h), struct vm_area_struct, struct
 * vm_operations_struct (include/linux/mm.h) and struct anon_vma (include/linux/rmap.h), 2.6.11,
 * with the kernel's field names.
 * Each descriptor is also an object of its slab cache ("mm_struct", "vm_area_struct", "anon_vma"):
 * `addr` is that object's kernel address, so the memory they take is real and /proc/slabinfo
 * counts them; the fields themselves are kept in these JS objects (not mirrored into RAM).
 * Invariants (checkVmaInvariants): see invariants.ts. Only the mm functions of this package
 * change these fields; views read them.
 */

import { PAGE_SIZE, type Page, type VirtAddr } from "@i386mm/hw-i386";
import { type ErrPtr, type file, NOPAGE_OOM, NOPAGE_SIGBUS } from "@i386mm/page-cache";
import { RB_ROOT, rb_node, type rb_root } from "./rbtree.js";
import type { shmem_file } from "./shmem.js";

/** NOPAGE_SIGBUS (null) and NOPAGE_OOM (ERR_PTR(-1)): a nopage method's failures (the page cache's values). */
export { NOPAGE_OOM, NOPAGE_SIGBUS };

/** The second result of a nopage method (`int *type`): VM_FAULT_MINOR or VM_FAULT_MAJOR. */
export interface nopage_type {
  /** Set to VM_FAULT_MAJOR when the page had to be read. */
  ret: number;
}

/** struct vm_operations_struct: what a mapping's backing object does on open/close/fault. */
export interface vm_operations_struct {
  /** A new VMA now maps the object (split_vma, fork). */
  open?(vma: vm_area_struct): void;
  /** A VMA stops mapping the object (munmap, exit). VMAs with close are never merged. */
  close?(vma: vm_area_struct): void;
  /** The page for `address` with a reference taken, NOPAGE_SIGBUS (null) or NOPAGE_OOM (-1). */
  nopage?(vma: vm_area_struct, address: number, type: nopage_type): Page | null | ErrPtr;
  /** Prefault [addr, addr + len) from file page `pgoff` (remap_file_pages / MAP_POPULATE). */
  populate?(
    vma: vm_area_struct,
    addr: number,
    len: number,
    prot: number,
    pgoff: number,
    nonblock: boolean,
  ): number;
}

/**
 * The object a VMA maps (vma->vm_file): a page-cache struct file, or the shmem "dev/zero" object
 * behind shared anonymous memory. filemap.ts reaches what the mm needs of either.
 */
export type vm_file = file | shmem_file;

/** struct anon_vma: the VMAs that may map one group of anonymous pages (rmap). */
export class anon_vma {
  /** anon_vma->head: the VMAs linked through anon_vma_node. */
  readonly head = new Set<vm_area_struct>();
  /** Kernel address of this object (slab "anon_vma"); page->mapping holds addr | PAGE_MAPPING_ANON. */
  readonly addr: VirtAddr;
  constructor(addr: VirtAddr) {
    this.addr = addr;
  }
}

/** mm->get_unmapped_area: the layout hook (arch_get_unmapped_area or its top-down twin). */
export type get_unmapped_area_fn = (
  mm: mm_struct,
  file: vm_file | null,
  addr: number,
  len: number,
  pgoff: number,
  flags: number,
) => number;
/** mm->unmap_area: the hook that updates free_area_cache when a VMA goes away. */
export type unmap_area_fn = (vma: vm_area_struct) => void;

/** struct vm_area_struct: one contiguous range [vm_start, vm_end) of a process address space. */
export class vm_area_struct {
  /** The address space this VMA belongs to. */
  vm_mm: mm_struct;
  /** First address (page aligned). */
  vm_start = 0;
  /** First address after the range (page aligned). */
  vm_end = 0;
  /** Next VMA by address, null at the end of mm->mmap. */
  vm_next: vm_area_struct | null = null;
  /** Protection bits for its ptes: protection_map[vm_flags & 0xf]. */
  vm_page_prot = 0;
  /** VM_* flags. */
  vm_flags = 0;
  /** This VMA's node in mm->mm_rb (keyed by vm_end). */
  readonly vm_rb: rb_node<vm_area_struct>;
  /** Its anon_vma once it has (or may have) anonymous pages. */
  anon_vma: anon_vma | null = null;
  /** Backing-object operations (null for anonymous memory). */
  vm_ops: vm_operations_struct | null = null;
  /** Offset in vm_file in pages; for anonymous private memory vm_start >> 12 at creation. */
  vm_pgoff = 0;
  /** The mapped file, or null. */
  vm_file: vm_file | null = null;
  /** Owner data of special mappings. */
  vm_private_data: unknown = null;
  /** unmap_mapping_range bookkeeping (vma->vm_truncate_count). */
  vm_truncate_count = 0;
  /** Kernel address of this descriptor (an object of the vm_area_struct slab cache). */
  addr: VirtAddr;
  constructor(mm: mm_struct, addr: VirtAddr) {
    this.vm_mm = mm;
    this.addr = addr;
    this.vm_rb = new rb_node<vm_area_struct>(this);
  }
}

/** vma_pages: the VMA's length in pages. */
export function vma_pages(vma: vm_area_struct): number {
  return (vma.vm_end - vma.vm_start) / PAGE_SIZE;
}

/** struct mm_struct: one process address space. */
export class mm_struct {
  /** VMA list head, sorted by address. */
  mmap: vm_area_struct | null = null;
  /** Red-black tree of the same VMAs, keyed by vm_end. */
  readonly mm_rb: rb_root<vm_area_struct> = RB_ROOT<vm_area_struct>();
  /** Last find_vma result. */
  mmap_cache: vm_area_struct | null = null;
  /** The layout hook chosen by arch_pick_mmap_layout. */
  get_unmapped_area: get_unmapped_area_fn | null = null;
  /** Its unmap twin. */
  unmap_area: unmap_area_fn | null = null;
  /** Base of the mmap area: TASK_UNMAPPED_BASE (classic) or below the stack gap (flexible). */
  mmap_base = 0;
  /** Where the next get_unmapped_area search starts. */
  free_area_cache = 0;
  /** Kernel address of the page directory (a "pgd" slab object); CR3 holds __pa(pgd). */
  pgd: VirtAddr = 0 as VirtAddr;
  /** Users of the address space (threads). */
  mm_users = 0;
  /** References to the structure (all users together count 1; lazy-TLB borrowers add). */
  mm_count = 0;
  /** Number of VMAs. */
  map_count = 0;
  /** Start/end of the text segment. */
  start_code = 0;
  end_code = 0;
  /** Start/end of the data segment. */
  start_data = 0;
  end_data = 0;
  /** Start of the heap and the current break. */
  start_brk = 0;
  brk = 0;
  /** Initial stack pointer region (set by exec). */
  start_stack = 0;
  /** argv and environment strings. */
  arg_start = 0;
  arg_end = 0;
  env_start = 0;
  env_end = 0;
  /** Resident pages (present ptes to non-reserved pages). */
  rss = 0;
  /** Resident anonymous pages. */
  anon_rss = 0;
  /** Pages of all VMAs. */
  total_vm = 0;
  /** Pages of VM_LOCKED VMAs. */
  locked_vm = 0;
  /** Pages of file mappings. */
  shared_vm = 0;
  /** Pages of executable (not writable) file mappings. */
  exec_vm = 0;
  /** Pages of stack VMAs. */
  stack_vm = 0;
  /** Pages of VM_RESERVED / VM_IO VMAs. */
  reserved_vm = 0;
  /** Flags added to every new VMA (VM_LOCKED after mlockall(MCL_FUTURE)). */
  def_flags = 0;
  /**
   * saved_auxv[AT_VECTOR_SIZE]: the auxiliary vector exec gave the program (create_elf_tables),
   * `type, value` pairs ending with AT_NULL; empty (all zero in the kernel) before any exec.
   * What /proc/PID/auxv reads.
   */
  saved_auxv: number[] = [];
  /** Page tables (pte pages) allocated for user space. */
  nr_ptes = 0;
  /** Bit n set while CPU n may hold TLB entries of this mm (cpumask_t). */
  cpu_vm_mask = 0;
  /** High-water marks of rss and total_vm. */
  hiwater_rss = 0;
  hiwater_vm = 0;
  /** Model statistics: find_vma answered from mmap_cache / from the tree. */
  mmap_cache_hits = 0;
  mmap_cache_misses = 0;
  /** Kernel address of this descriptor (an object of the mm_struct slab cache; 0 for init_mm). */
  addr: VirtAddr;
  constructor(addr: VirtAddr) {
    this.addr = addr;
  }
}
