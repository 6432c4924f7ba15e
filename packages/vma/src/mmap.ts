/*
 * mmap.ts — creating and destroying mappings: mm/mmap.c (2.6.11) in its order —
 * __vm_enough_memory (overcommit), sys_brk, do_mmap_pgoff, arch_get_unmapped_area (bottom-up)
 * and arch_unmap_area, arch_get_unmapped_area_topdown and arch_unmap_area_topdown,
 * get_unmapped_area, acct_stack_growth, expand_stack and find_extend_vma (i386: stacks grow
 * down), free_pgtables, unmap_vma(_list), unmap_region, detach_vmas_to_be_unmapped, do_munmap,
 * sys_munmap, do_brk, exit_mmap. The VMA list/tree operations are in vma.ts.
 * Error returns follow the kernel: an address-returning call returns the address or a negative
 * errno (the kernel's "low bits set" values); int calls return 0 or -errno. Every refusal happens
 * before anything changes, except where the kernel itself leaves partial work (do_munmap's
 * splits before a failing second split, as 2.6.11).
 */

import { Errno, PAGE_MASK, PAGE_SIZE, TASK_SIZE, TASK_UNMAPPED_BASE } from "@i386mm/hw-i386";
import {
  calc_vm_flag_bits,
  calc_vm_prot_bits,
  FIRST_USER_PGD_NR,
  MAP_FIXED,
  MAP_LOCKED,
  MAP_NONBLOCK,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_TYPE,
  MM_VM_SIZE,
  OVERCOMMIT_ALWAYS,
  OVERCOMMIT_GUESS,
  OVERCOMMIT_NEVER,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  READ_IMPLIES_EXEC,
  RLIM_INFINITY,
  RLIMIT_AS,
  RLIMIT_DATA,
  RLIMIT_MEMLOCK,
  RLIMIT_STACK,
  VM_ACCOUNT,
  VM_DENYWRITE,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_GROWSUP,
  VM_LOCKED,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
} from "./constants.js";
import {
  deny_write_access,
  file_append_only,
  file_mmap_method,
  file_noexec,
  fput,
  get_file,
  i_writecount_add,
} from "./filemap.js";
import { sys_remap_file_pages } from "./fremap.js";
import {
  clear_page_range,
  make_pages_present,
  tlb_finish_mmu,
  tlb_gather_mmu,
  unmap_vmas,
  update_mem_hiwater,
  zap_page_range,
} from "./memory.js";
import type { mm_struct, vm_area_struct, vm_file } from "./mm-types.js";
import { rb_erase } from "./rbtree.js";
import { anon_vma_prepare } from "./rmap.js";
import { shmem_zero_setup } from "./shmem.js";
import { is_ulong, ulongs } from "./syscall-args.js";
import { CAP_IPC_LOCK, CAP_SYS_ADMIN, capable, type task_struct } from "./task.js";
import type { VmSystem } from "./vm.js";
import {
  __vm_stat_account,
  find_vma,
  find_vma_intersection,
  find_vma_prepare,
  find_vma_prev,
  remove_vm_struct,
  split_vma,
  vm_area_alloc,
  vm_area_free,
  vm_get_page_prot,
  vm_stat_unaccount,
  vma_link,
  vma_merge,
} from "./vma.js";

/** VM_DATA_DEFAULT_FLAGS (include/asm-i386/page.h) for the current personality. */
export function VM_DATA_DEFAULT_FLAGS(tsk: task_struct): number {
  return (
    VM_READ |
    VM_WRITE |
    (tsk.personality & READ_IMPLIES_EXEC ? VM_EXEC : 0) |
    VM_MAYREAD |
    VM_MAYWRITE |
    VM_MAYEXEC
  );
}

/** An address-or-error result is an error when its low bits are set (IS_ERR_VALUE for mmap). */
export function IS_ERR_ADDR(addr: number): boolean {
  return (addr & ~PAGE_MASK) !== 0;
}

// ------------------------------------------------------------------ overcommit

/** vm_acct_memory(pages). */
export function vm_acct_memory(vm: VmSystem, pages: number): void {
  vm.vm_committed_space += pages;
}

/** vm_unacct_memory(pages). */
export function vm_unacct_memory(vm: VmSystem, pages: number): void {
  vm.vm_committed_space -= pages;
}

/**
 * __vm_enough_memory(pages, cap_sys_admin): charge `pages` to vm_committed_space if the
 * overcommit policy allows it. 0 (charged) or -ENOMEM (not charged). No swap in the model.
 */
export function __vm_enough_memory(vm: VmSystem, pages: number, cap_sys_admin: boolean): number {
  vm_acct_memory(vm, pages);
  if (vm.sysctl_overcommit_memory === OVERCOMMIT_ALWAYS) return 0;
  if (vm.sysctl_overcommit_memory === OVERCOMMIT_GUESS) {
    let free = vm.pc !== null ? vm.pc.nr_pagecache : 0; // get_page_cache_size()
    free += 0; // nr_swap_pages
    free += vm.slab.slab_reclaim_pages;
    if (!cap_sys_admin) free -= Math.floor(free / 32);
    if (free > pages) return 0;
    let n = vm.pa.nr_free_pages();
    if (!cap_sys_admin) n -= Math.floor(n / 32);
    free += n;
    if (free > pages) return 0;
    vm_unacct_memory(vm, pages);
    return -Errno.ENOMEM;
  }
  let allowed = Math.floor((vm.pa.totalram_pages * vm.sysctl_overcommit_ratio) / 100);
  if (!cap_sys_admin) allowed -= Math.floor(allowed / 32);
  allowed += 0; // total_swap_pages
  const mm = vm.current.mm;
  if (mm !== null) allowed -= Math.floor(mm.total_vm / 32);
  if (vm.vm_committed_space < allowed) return 0;
  vm_unacct_memory(vm, pages);
  return -Errno.ENOMEM;
}

/** security_vm_enough_memory (cap_vm_enough_memory): __vm_enough_memory for current. */
export function security_vm_enough_memory(vm: VmSystem, pages: number): number {
  return __vm_enough_memory(vm, pages, capable(vm.current, CAP_SYS_ADMIN));
}

// ------------------------------------------------------------------ brk

/**
 * sys_brk(brk): move the break. Returns the new break, or the old one when the request is
 * refused (below end_code, over RLIMIT_DATA, colliding with a mapping, do_brk failing).
 */
export function sys_brk(vm: VmSystem, brk: number): number {
  const tsk = vm.current;
  const mm = tsk.mm!;
  if (!is_ulong(brk)) return mm.brk; // the model's check: refused as sys_brk refuses, the old break
  brk >>>= 0;
  if (brk < mm.end_code) return mm.brk;
  const newbrk = Math.ceil(brk / PAGE_SIZE) * PAGE_SIZE;
  const oldbrk = Math.ceil(mm.brk / PAGE_SIZE) * PAGE_SIZE;
  if (oldbrk === newbrk) {
    mm.brk = brk;
    return mm.brk;
  }
  if (brk <= mm.brk) {
    // always allow shrinking
    if (do_munmap(vm, mm, newbrk, oldbrk - newbrk) === 0) mm.brk = brk;
    return mm.brk;
  }
  const rlim = tsk.signal.rlim[RLIMIT_DATA]!.rlim_cur;
  if (rlim < RLIM_INFINITY && brk - mm.start_data > rlim) return mm.brk;
  // keep one free page above the heap
  if (find_vma_intersection(mm, oldbrk, newbrk + PAGE_SIZE) !== null) return mm.brk;
  if (do_brk(vm, oldbrk, newbrk - oldbrk) !== oldbrk) return mm.brk;
  mm.brk = brk;
  return mm.brk;
}

// ------------------------------------------------------------------ mmap

/**
 * do_mmap_pgoff(file, addr, len, prot, flags, pgoff): create a mapping in the current process.
 * Returns its address or -errno: -EINVAL (bad length/type/offset, GROWSDOWN file), -ENOMEM (too
 * many VMAs, no room, RLIMIT_AS, overcommit), -EACCES (file modes), -EPERM (noexec, mlock),
 * -EAGAIN (RLIMIT_MEMLOCK), -ENODEV (file without mmap), -ETXTBSY (deny-write).
 * len 0 returns addr unchanged (as 2.6.11 does).
 */
export function do_mmap_pgoff(
  vm: VmSystem,
  file: vm_file | null,
  addr: number,
  len: number,
  prot: number,
  flags: number,
  pgoff: number,
): number {
  if (!ulongs(addr, len, prot, flags, pgoff)) return -Errno.EINVAL; // the model's check (syscall-args.ts)
  const tsk = vm.current;
  const mm = tsk.mm!;
  let accountable = true;
  let charged = 0;
  addr >>>= 0;
  const mmap_method = file !== null ? file_mmap_method(vm, file) : null;
  if (file !== null) {
    if (mmap_method === null) return -Errno.ENODEV;
    if (prot & PROT_EXEC && file_noexec(file)) return -Errno.EPERM;
  }
  // does the application expect PROT_READ to imply PROT_EXEC?
  if (prot & PROT_READ && tsk.personality & READ_IMPLIES_EXEC)
    if (!(file !== null && file_noexec(file))) prot |= PROT_EXEC;
  if (len === 0) return addr;
  len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (len === 0 || len > TASK_SIZE) return -Errno.EINVAL;
  // offset overflow?
  if (pgoff + len / PAGE_SIZE > 0xffffffff) return -Errno.EINVAL;
  if (mm.map_count > vm.sysctl_max_map_count) return -Errno.ENOMEM;
  addr = get_unmapped_area(vm, file, addr, len, pgoff, flags);
  if (IS_ERR_ADDR(addr)) return addr;
  let vm_flags =
    calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) | mm.def_flags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (flags & MAP_LOCKED) {
    if (!can_do_mlock(tsk)) return -Errno.EPERM;
    vm_flags |= VM_LOCKED;
  }
  if (vm_flags & VM_LOCKED) {
    const locked = mm.locked_vm * PAGE_SIZE + len;
    if (locked > tsk.signal.rlim[RLIMIT_MEMLOCK]!.rlim_cur && !capable(tsk, CAP_IPC_LOCK))
      return -Errno.EAGAIN;
  }
  if (file !== null) {
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
        if (prot & PROT_WRITE && !(file.f_mode & 2)) return -Errno.EACCES;
        if (file_append_only(file) && file.f_mode & 2) return -Errno.EACCES;
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        if (!(file.f_mode & 2)) vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
        if (!(file.f_mode & 1)) return -Errno.EACCES; // falls through to MAP_PRIVATE's check
        break;
      case MAP_PRIVATE:
        if (!(file.f_mode & 1)) return -Errno.EACCES;
        break;
      default:
        return -Errno.EINVAL;
    }
  } else {
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        break;
      case MAP_PRIVATE:
        pgoff = addr / PAGE_SIZE; // for anon_vma: pgoff follows the address
        break;
      default:
        return -Errno.EINVAL;
    }
  }
  // clear old maps
  let p = find_vma_prepare(mm, addr);
  while (p.vma !== null && p.vma.vm_start < addr + len) {
    if (do_munmap(vm, mm, addr, len) !== 0) return -Errno.ENOMEM;
    p = find_vma_prepare(mm, addr);
  }
  // against the address-space limit
  if (mm.total_vm * PAGE_SIZE + len > tsk.signal.rlim[RLIMIT_AS]!.rlim_cur) return -Errno.ENOMEM;
  if (accountable && (!(flags & MAP_NORESERVE) || vm.sysctl_overcommit_memory === OVERCOMMIT_NEVER)) {
    if (vm_flags & VM_SHARED) vm_flags |= VM_ACCOUNT;
    else if (vm_flags & VM_WRITE) {
      // private writable: check memory availability
      charged = len / PAGE_SIZE;
      if (security_vm_enough_memory(vm, charged) !== 0) return -Errno.ENOMEM;
      vm_flags |= VM_ACCOUNT;
    }
  }
  accountable = false;
  // can we just expand an old private anonymous mapping?
  if (
    file === null &&
    !(vm_flags & VM_SHARED) &&
    vma_merge(vm, mm, p.prev, addr, addr + len, vm_flags, null, null, pgoff) !== null
  ) {
    return mmap_out(vm, mm, tsk, null, addr, len, vm_flags, flags, pgoff);
  }
  const vma = vm_area_alloc(vm, mm);
  if (vma === null) {
    if (charged !== 0) vm_unacct_memory(vm, charged);
    return -Errno.ENOMEM;
  }
  vma.vm_start = addr;
  vma.vm_end = addr + len;
  vma.vm_flags = vm_flags;
  vma.vm_page_prot = vm_get_page_prot(vm_flags);
  vma.vm_pgoff = pgoff;
  let correct_wcount = false;
  if (file !== null) {
    let error = 0;
    if (vm_flags & (VM_GROWSDOWN | VM_GROWSUP)) error = -Errno.EINVAL;
    else if (vm_flags & VM_DENYWRITE) {
      error = deny_write_access(file);
      if (error === 0) correct_wcount = true;
    }
    if (error !== 0) {
      vm_area_free(vm, vma);
      if (charged !== 0) vm_unacct_memory(vm, charged);
      return error;
    }
    vma.vm_file = file;
    get_file(vm, file);
    error = mmap_method!(vma);
    if (error !== 0) {
      if (correct_wcount) i_writecount_add(file, 1);
      vma.vm_file = null;
      fput(vm, file);
      zap_page_range(vm, vma, vma.vm_start, vma.vm_end - vma.vm_start);
      vm_area_free(vm, vma);
      if (charged !== 0) vm_unacct_memory(vm, charged);
      return error;
    }
  } else if (vm_flags & VM_SHARED) {
    const error = shmem_zero_setup(vm, vma);
    if (error !== 0) {
      vm_area_free(vm, vma);
      if (charged !== 0) vm_unacct_memory(vm, charged);
      return error;
    }
  }
  // the VM_ACCOUNT of a shared mapping belongs to the shared object, not the VMA
  if ((vm_flags & (VM_SHARED | VM_ACCOUNT)) === (VM_SHARED | VM_ACCOUNT)) vma.vm_flags &= ~VM_ACCOUNT;
  addr = vma.vm_start;
  pgoff = vma.vm_pgoff;
  vm_flags = vma.vm_flags;
  if (
    file === null ||
    vma_merge(vm, mm, p.prev, addr, vma.vm_end, vma.vm_flags, null, file, pgoff) === null
  ) {
    file = vma.vm_file;
    vma_link(mm, vma, p.prev, p.link);
    if (correct_wcount) i_writecount_add(file!, 1);
  } else {
    if (correct_wcount) i_writecount_add(file, 1);
    fput(vm, file);
    vm_area_free(vm, vma);
  }
  return mmap_out(vm, mm, tsk, file, addr, len, vm_flags, flags, pgoff);
}

/**
 * do_mmap(file, addr, len, prot, flag, offset) (include/linux/mm.h): do_mmap_pgoff with a byte
 * offset, which must be page aligned and must not wrap with the length (-EINVAL).
 */
export function do_mmap(
  vm: VmSystem,
  file: vm_file | null,
  addr: number,
  len: number,
  prot: number,
  flag: number,
  offset: number,
): number {
  if (!ulongs(addr, len, prot, flag, offset)) return -Errno.EINVAL; // the model's check
  if (offset + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE > 0xffffffff) return -Errno.EINVAL;
  if (offset & ~PAGE_MASK) return -Errno.EINVAL;
  return do_mmap_pgoff(vm, file, addr, len, prot, flag, offset / PAGE_SIZE);
}

/** do_mmap_pgoff's "out:" — accounting, VM_LOCKED prefault, MAP_POPULATE. */
function mmap_out(
  vm: VmSystem,
  mm: mm_struct,
  _tsk: task_struct,
  file: vm_file | null,
  addr: number,
  len: number,
  vm_flags: number,
  flags: number,
  pgoff: number,
): number {
  mm.total_vm += len / PAGE_SIZE;
  __vm_stat_account(mm, vm_flags, file, len / PAGE_SIZE);
  if (vm_flags & VM_LOCKED) {
    mm.locked_vm += len / PAGE_SIZE;
    make_pages_present(vm, addr, addr + len);
  }
  if (flags & MAP_POPULATE) sys_remap_file_pages(vm, addr, len, 0, pgoff, flags & MAP_NONBLOCK);
  update_mem_hiwater(mm);
  return addr;
}

/** can_do_mlock (mm/mlock.c): CAP_IPC_LOCK, or a non-zero RLIMIT_MEMLOCK. */
export function can_do_mlock(tsk: task_struct): boolean {
  return capable(tsk, CAP_IPC_LOCK) || tsk.signal.rlim[RLIMIT_MEMLOCK]!.rlim_cur !== 0;
}

// ------------------------------------------------------------------ choosing an address

/**
 * arch_get_unmapped_area (bottom-up, generic mm/mmap.c): a hint that fits is taken; else the
 * first hole from free_area_cache upwards, restarting once from TASK_UNMAPPED_BASE. The hole's
 * end becomes the new free_area_cache. -ENOMEM when nothing fits.
 */
export function arch_get_unmapped_area(
  mm: mm_struct,
  _filp: vm_file | null,
  addr: number,
  len: number,
  _pgoff: number,
  _flags: number,
): number {
  if (len > TASK_SIZE) return -Errno.ENOMEM;
  if (addr !== 0) {
    addr = (Math.ceil(addr / PAGE_SIZE) * PAGE_SIZE) >>> 0; // PAGE_ALIGN wraps past 4G, as in C
    const vma = find_vma(mm, addr);
    if (TASK_SIZE - len >= addr && (vma === null || addr + len <= vma.vm_start)) return addr;
  }
  let start_addr = mm.free_area_cache;
  addr = start_addr;
  for (;;) {
    let vma = find_vma(mm, addr);
    for (;;) {
      // at this point: vma === null || addr < vma.vm_end
      if (TASK_SIZE - len < addr) break;
      if (vma === null || addr + len <= vma.vm_start) {
        mm.free_area_cache = addr + len; // remember where we stopped
        return addr;
      }
      addr = vma.vm_end;
      vma = vma.vm_next;
    }
    if (start_addr === TASK_UNMAPPED_BASE) return -Errno.ENOMEM;
    // start a new search, in case we missed some holes
    start_addr = addr = TASK_UNMAPPED_BASE;
  }
}

/** arch_unmap_area(vma): a new hole below free_area_cache (above the base) moves the cache down. */
export function arch_unmap_area(vma: vm_area_struct): void {
  const mm = vma.vm_mm;
  if (vma.vm_start >= TASK_UNMAPPED_BASE && vma.vm_start < mm.free_area_cache)
    mm.free_area_cache = vma.vm_start;
}

/**
 * arch_get_unmapped_area_topdown (generic mm/mmap.c): hint as bottom-up; else search downwards
 * from free_area_cache (at most mmap_base) for the first hole below it, pulling free_area_cache
 * down over VMAs on the way; retry once from mmap_base; then fall back to the bottom-up search
 * from TASK_UNMAPPED_BASE and restore free_area_cache to the base.
 */
export function arch_get_unmapped_area_topdown(
  mm: mm_struct,
  filp: vm_file | null,
  addr0: number,
  len: number,
  pgoff: number,
  flags: number,
): number {
  const base = mm.mmap_base;
  let addr = addr0;
  let first_time = true;
  if (len > TASK_SIZE) return -Errno.ENOMEM;
  if (mm.free_area_cache > base) mm.free_area_cache = base;
  if (addr !== 0) {
    addr = (Math.ceil(addr / PAGE_SIZE) * PAGE_SIZE) >>> 0; // PAGE_ALIGN wraps past 4G, as in C
    const vma = find_vma(mm, addr);
    if (TASK_SIZE - len >= addr && (vma === null || addr + len <= vma.vm_start)) return addr;
  }
  for (;;) {
    // try_again: make sure it fits below the cache at all
    if (mm.free_area_cache >= len) {
      addr = ((mm.free_area_cache - len) & PAGE_MASK) >>> 0;
      for (;;) {
        const { vma, prev } = find_vma_prev(mm, addr);
        if (vma === null) return addr; // no VMA above: free_area_cache is not updated
        if (addr + len <= vma.vm_start && (prev === null || addr >= prev.vm_end)) {
          mm.free_area_cache = addr; // remember the address as a hint for next time
          return addr;
        }
        // pull free_area_cache down to the first hole
        if (mm.free_area_cache === vma.vm_end) mm.free_area_cache = vma.vm_start;
        // try just below the current vma->vm_start
        addr = vma.vm_start - len;
        if (!(len <= vma.vm_start)) break;
      }
    }
    // fail:
    if (!first_time) break;
    mm.free_area_cache = base;
    first_time = false;
  }
  // a failed mmap will likely make the application fail: fall back to bottom-up
  mm.free_area_cache = TASK_UNMAPPED_BASE;
  addr = arch_get_unmapped_area(mm, filp, addr0, len, pgoff, flags);
  mm.free_area_cache = base; // restore the top-down base
  return addr;
}

/** arch_unmap_area_topdown(vma): a hole above free_area_cache moves the cache up. */
export function arch_unmap_area_topdown(vma: vm_area_struct): void {
  const mm = vma.vm_mm;
  if (vma.vm_end > mm.free_area_cache) mm.free_area_cache = vma.vm_end;
}

/**
 * get_unmapped_area(file, addr, len, pgoff, flags): MAP_FIXED is taken as it is (-ENOMEM past
 * TASK_SIZE - len, -EINVAL unaligned); otherwise the current mm's layout hook chooses.
 */
export function get_unmapped_area(
  vm: VmSystem,
  file: vm_file | null,
  addr: number,
  len: number,
  pgoff: number,
  flags: number,
): number {
  if (!ulongs(addr, len, pgoff, flags)) return -Errno.EINVAL; // the model's check
  addr >>>= 0;
  if (flags & MAP_FIXED) {
    if (addr > TASK_SIZE - len) return -Errno.ENOMEM;
    if (addr & ~PAGE_MASK) return -Errno.EINVAL;
    return addr;
  }
  const mm = vm.current.mm!;
  const hook = mm.get_unmapped_area ?? arch_get_unmapped_area;
  return hook(mm, file, addr, len, pgoff, flags);
}

// ------------------------------------------------------------------ stack growth

/**
 * acct_stack_growth(vma, size, grow): may the stack VMA grow by `grow` pages to `size` bytes?
 * RLIMIT_AS, RLIMIT_STACK, RLIMIT_MEMLOCK for locked stacks, then overcommit. Charges total_vm.
 */
function acct_stack_growth(vm: VmSystem, vma: vm_area_struct, size: number, grow: number): number {
  const mm = vma.vm_mm;
  const rlim = vm.current.signal.rlim;
  if (mm.total_vm + grow > Math.floor(rlim[RLIMIT_AS]!.rlim_cur / PAGE_SIZE)) return -Errno.ENOMEM;
  if (size > rlim[RLIMIT_STACK]!.rlim_cur) return -Errno.ENOMEM;
  if (vma.vm_flags & VM_LOCKED) {
    const locked = mm.locked_vm + grow;
    const limit = Math.floor(rlim[RLIMIT_MEMLOCK]!.rlim_cur / PAGE_SIZE);
    if (locked > limit && !capable(vm.current, CAP_IPC_LOCK)) return -Errno.ENOMEM;
  }
  if (security_vm_enough_memory(vm, grow) !== 0) return -Errno.ENOMEM;
  mm.total_vm += grow;
  if (vma.vm_flags & VM_LOCKED) mm.locked_vm += grow;
  __vm_stat_account(mm, vma.vm_flags, vma.vm_file, grow);
  update_mem_hiwater(mm);
  return 0;
}

/**
 * expand_stack(vma, address): grow a VM_GROWSDOWN VMA down to the page of `address`
 * (vm_pgoff follows). 0, or -ENOMEM when a limit refuses. There is no guard gap in 2.6.11.
 */
export function expand_stack(vm: VmSystem, vma: vm_area_struct, address: number): number {
  if (anon_vma_prepare(vm, vma) !== 0) return -Errno.ENOMEM;
  address = (address & PAGE_MASK) >>> 0;
  if (address < vma.vm_start) {
    const size = vma.vm_end - address;
    const grow = (vma.vm_start - address) / PAGE_SIZE;
    const error = acct_stack_growth(vm, vma, size, grow);
    if (error !== 0) return error;
    vma.vm_start = address;
    vma.vm_pgoff -= grow;
  }
  return 0;
}

/**
 * find_extend_vma(mm, addr): the VMA containing addr, growing a stack down to it if needed
 * (no esp check: get_user_pages' path). null when there is none or growth is refused.
 */
export function find_extend_vma(vm: VmSystem, mm: mm_struct, addr: number): vm_area_struct | null {
  addr = (addr & PAGE_MASK) >>> 0;
  const vma = find_vma(mm, addr);
  if (vma === null) return null;
  if (vma.vm_start <= addr) return vma;
  if (!(vma.vm_flags & VM_GROWSDOWN)) return null;
  const start = vma.vm_start;
  if (expand_stack(vm, vma, addr) !== 0) return null;
  if (vma.vm_flags & VM_LOCKED) make_pages_present(vm, addr, start);
  return vma;
}

// ------------------------------------------------------------------ unmapping

/**
 * free_pgtables(tlb, prev, start, end): free the pte tables of the largest pgd-aligned range
 * around [start, end) that no VMA uses any more (bounded by prev's end and the next VMA's start).
 */
function free_pgtables(
  vm: VmSystem,
  tlb: ReturnType<typeof tlb_gather_mmu>,
  prev: vm_area_struct | null,
  start: number,
  end: number,
): void {
  const p = vm.machine.paging;
  const PGDIR_SIZE = 2 ** p.PGDIR_SHIFT;
  let first = Math.floor(start / PGDIR_SIZE) * PGDIR_SIZE;
  let last = end + PGDIR_SIZE - 1;
  const mm = tlb.mm;
  if (last > MM_VM_SIZE || last < end) last = MM_VM_SIZE;
  let bounded = false;
  if (prev === null) {
    prev = mm.mmap;
    if (prev === null) bounded = true;
    else if (prev.vm_end > start) {
      if (last > prev.vm_start) last = prev.vm_start;
      bounded = true;
    }
  }
  if (!bounded) {
    for (;;) {
      const next: vm_area_struct | null = prev!.vm_next;
      if (next !== null) {
        if (next.vm_start < start) {
          prev = next;
          continue;
        }
        if (last > next.vm_start) last = next.vm_start;
      }
      if (prev!.vm_end > first) first = prev!.vm_end;
      break;
    }
  }
  if (last < first) return;
  if (first < FIRST_USER_PGD_NR * PGDIR_SIZE) first = FIRST_USER_PGD_NR * PGDIR_SIZE;
  // no point trying to free anything inside one pte page
  const pmdMask = (x: number) => Math.floor(x / p.PMD_SIZE);
  if (pmdMask(first) < pmdMask(last)) clear_page_range(vm, tlb, first, last);
}

/** unmap_vma: total_vm / locked_vm / stats down, the layout hook updates free_area_cache, descriptor freed. */
function unmap_vma(vm: VmSystem, mm: mm_struct, area: vm_area_struct): void {
  const pages = (area.vm_end - area.vm_start) / PAGE_SIZE;
  mm.total_vm -= pages;
  if (area.vm_flags & VM_LOCKED) mm.locked_vm -= pages;
  vm_stat_unaccount(area);
  (mm.unmap_area ?? arch_unmap_area)(area);
  remove_vm_struct(vm, area);
}

/** unmap_region: zap the ptes of the detached VMAs, unaccount, free page tables, flush. */
function unmap_region(
  vm: VmSystem,
  mm: mm_struct,
  vma: vm_area_struct,
  prev: vm_area_struct | null,
  start: number,
  end: number,
): void {
  const tlbp = { tlb: tlb_gather_mmu(vm, mm, false) };
  const acct = { nr: 0 };
  unmap_vmas(vm, tlbp, mm, vma, start, end, acct);
  vm_unacct_memory(vm, acct.nr);
  free_pgtables(vm, tlbp.tlb, prev, start, end);
  tlb_finish_mmu(vm, tlbp.tlb, start, end);
}

/** detach_vmas_to_be_unmapped: take the VMAs from `vma` up to `end` off the list and tree. */
function detach_vmas_to_be_unmapped(
  mm: mm_struct,
  vma: vm_area_struct,
  prev: vm_area_struct | null,
  end: number,
) {
  let tail: vm_area_struct;
  let v: vm_area_struct | null = vma;
  do {
    rb_erase_vma(mm, v!);
    mm.map_count--;
    tail = v!;
    v = v!.vm_next;
  } while (v !== null && v.vm_start < end);
  if (prev !== null) prev.vm_next = v;
  else mm.mmap = v;
  tail.vm_next = null;
  mm.mmap_cache = null; // kill the cache
}

function rb_erase_vma(mm: mm_struct, vma: vm_area_struct): void {
  rb_erase(vma.vm_rb, mm.mm_rb);
}

/**
 * do_munmap(mm, start, len): unmap [start, start + len), splitting VMAs at the ends. 0; -EINVAL
 * for an unaligned start, a range beyond TASK_SIZE or len 0; -ENOMEM when a split is refused.
 * Unmapping holes is fine.
 */
export function do_munmap(vm: VmSystem, mm: mm_struct, start: number, len: number): number {
  if (!ulongs(start, len)) return -Errno.EINVAL; // the model's check
  start >>>= 0;
  if (start & ~PAGE_MASK || start > TASK_SIZE || len > TASK_SIZE - start) return -Errno.EINVAL;
  len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (len === 0) return -Errno.EINVAL;
  // the first overlapping VMA
  let { vma: mpnt, prev } = find_vma_prev(mm, start);
  if (mpnt === null) return 0;
  const end = start + len;
  if (mpnt.vm_start >= end) return 0;
  if (start > mpnt.vm_start) {
    const error = split_vma(vm, mm, mpnt, start, false);
    if (error !== 0) return error;
    prev = mpnt;
  }
  // does it split the last one?
  const last = find_vma(mm, end);
  if (last !== null && end > last.vm_start) {
    const error = split_vma(vm, mm, last, end, true);
    if (error !== 0) return error;
  }
  mpnt = prev !== null ? prev.vm_next : mm.mmap;
  detach_vmas_to_be_unmapped(mm, mpnt!, prev, end);
  unmap_region(vm, mm, mpnt!, prev, start, end);
  // fix up all other VM information
  for (let v: vm_area_struct | null = mpnt; v !== null; ) {
    const next: vm_area_struct | null = v.vm_next;
    unmap_vma(vm, mm, v);
    v = next;
  }
  return 0;
}

/** sys_munmap(addr, len) for the current process. */
export function sys_munmap(vm: VmSystem, addr: number, len: number): number {
  return do_munmap(vm, vm.current.mm!, addr, len);
}

/**
 * do_brk(addr, len): an anonymous VM_DATA_DEFAULT_FLAGS mapping at exactly addr (exec's bss and
 * sys_brk), merged with the VMA below when possible. Returns addr or -errno.
 */
export function do_brk(vm: VmSystem, addr: number, len: number): number {
  if (!ulongs(addr, len)) return -Errno.EINVAL; // the model's check
  const tsk = vm.current;
  const mm = tsk.mm!;
  addr >>>= 0;
  const pgoff = Math.floor(addr / PAGE_SIZE);
  len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (len === 0) return addr;
  if (addr + len > TASK_SIZE || addr + len < addr) return -Errno.EINVAL;
  // mlock MCL_FUTURE?
  if (mm.def_flags & VM_LOCKED) {
    const locked = mm.locked_vm * PAGE_SIZE + len;
    if (locked > tsk.signal.rlim[RLIMIT_MEMLOCK]!.rlim_cur && !capable(tsk, CAP_IPC_LOCK))
      return -Errno.EAGAIN;
  }
  // clear old maps; this also does some error checking for us
  let p = find_vma_prepare(mm, addr);
  while (p.vma !== null && p.vma.vm_start < addr + len) {
    if (do_munmap(vm, mm, addr, len) !== 0) return -Errno.ENOMEM;
    p = find_vma_prepare(mm, addr);
  }
  if (mm.total_vm * PAGE_SIZE + len > tsk.signal.rlim[RLIMIT_AS]!.rlim_cur) return -Errno.ENOMEM;
  if (mm.map_count > vm.sysctl_max_map_count) return -Errno.ENOMEM;
  if (security_vm_enough_memory(vm, len / PAGE_SIZE) !== 0) return -Errno.ENOMEM;
  const flags = VM_DATA_DEFAULT_FLAGS(tsk) | VM_ACCOUNT | mm.def_flags;
  // can we just expand an old private anonymous mapping?
  if (vma_merge(vm, mm, p.prev, addr, addr + len, flags, null, null, pgoff) === null) {
    const vma = vm_area_alloc(vm, mm);
    if (vma === null) {
      vm_unacct_memory(vm, len / PAGE_SIZE);
      return -Errno.ENOMEM;
    }
    vma.vm_start = addr;
    vma.vm_end = addr + len;
    vma.vm_pgoff = pgoff;
    vma.vm_flags = flags;
    vma.vm_page_prot = vm_get_page_prot(flags);
    vma_link(mm, vma, p.prev, p.link);
  }
  mm.total_vm += len / PAGE_SIZE;
  if (flags & VM_LOCKED) {
    mm.locked_vm += len / PAGE_SIZE;
    make_pages_present(vm, addr, addr + len);
  }
  update_mem_hiwater(mm);
  return addr;
}

/**
 * exit_mmap(mm): release the whole address space: zap every VMA, free every user page table,
 * flush, unaccount, free the descriptors. map_count must reach 0 (BUG otherwise).
 */
export function exit_mmap(vm: VmSystem, mm: mm_struct): void {
  const tlbp = { tlb: tlb_gather_mmu(vm, mm, true) };
  const acct = { nr: 0 };
  mm.map_count -= unmap_vmas(vm, tlbp, mm, mm.mmap, 0, 0xffffffff, acct);
  vm_unacct_memory(vm, acct.nr);
  if (mm.map_count !== 0)
    vm.machine.warn(`exit_mmap: kernel BUG: BUG_ON(mm->map_count): ${mm.map_count} VMAs left uncounted`);
  clear_page_range(vm, tlbp.tlb, FIRST_USER_PGD_NR * 2 ** vm.machine.paging.PGDIR_SHIFT, MM_VM_SIZE);
  tlb_finish_mmu(vm, tlbp.tlb, 0, MM_VM_SIZE);
  let vma = mm.mmap;
  mm.mmap = mm.mmap_cache = null;
  mm.mm_rb.rb_node = null;
  mm.rss = 0;
  mm.total_vm = 0;
  mm.locked_vm = 0;
  // walk the list again, closing and freeing
  while (vma !== null) {
    const next = vma.vm_next;
    remove_vm_struct(vm, vma);
    vma = next;
  }
}
