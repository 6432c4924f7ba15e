/*
 * constants.ts — the numbers of a process address space, as 2.6.11 i386 defines them.
 * include/linux/mm.h (VM_* flags, VM_FAULT_*, DEFAULT_MAX_MAP_COUNT), include/asm-i386/mman.h
 * (PROT_*, MAP_*), include/linux/mman.h (calc_vm_prot_bits, calc_vm_flag_bits, OVERCOMMIT_*),
 * include/linux/personality.h, include/asm-generic/resource.h (RLIMIT_*, INIT_RLIMITS),
 * include/asm-i386/processor.h and a.out.h (TASK_SIZE, TASK_UNMAPPED_BASE, STACK_TOP),
 * include/asm-generic/siginfo.h (SEGV_MAPERR ...). Pure values: nothing here changes.
 *
 *   vm_flags (32 bits)                                             protection_map index
 *   bit 23 NONLINEAR 22 HUGETLB 20 ACCOUNT 19 RESERVED 18 DONTEXPAND 17 DONTCOPY   = flags & 0xf
 *   16 RAND_READ 15 SEQ_READ 14 IO 13 LOCKED 12 EXECUTABLE 11 DENYWRITE 10 SHM      [SHARED|EXEC|WRITE|READ]
 *   9 GROWSUP 8 GROWSDOWN 7 MAYSHARE 6 MAYEXEC 5 MAYWRITE 4 MAYREAD                  VM_MAY* = VM_* << 4
 *   3 SHARED 2 EXEC 1 WRITE 0 READ
 */

import { PAGE_SIZE, TASK_SIZE } from "@i386mm/hw-i386";

// ------------------------------------------------------------------ VM_* (include/linux/mm.h)

/** Readable. */
export const VM_READ = 0x00000001;
/** Writable. */
export const VM_WRITE = 0x00000002;
/** Executable. */
export const VM_EXEC = 0x00000004;
/** Shared (writes reach the object; not copy-on-write). */
export const VM_SHARED = 0x00000008;
/** VM_READ may be set (by mprotect). */
export const VM_MAYREAD = 0x00000010;
/** VM_WRITE may be set. */
export const VM_MAYWRITE = 0x00000020;
/** VM_EXEC may be set. */
export const VM_MAYEXEC = 0x00000040;
/** VM_SHARED may be set (shown as 's' in /proc/PID/maps). */
export const VM_MAYSHARE = 0x00000080;
/** Grows towards lower addresses (a stack). */
export const VM_GROWSDOWN = 0x00000100;
/** Grows towards higher addresses (not used on i386). */
export const VM_GROWSUP = 0x00000200;
/** A System V shared memory segment. */
export const VM_SHM = 0x00000400;
/** The file may not be written (an executable's text). */
export const VM_DENYWRITE = 0x00000800;
/** Maps an executable file. */
export const VM_EXECUTABLE = 0x00001000;
/** Pages are locked in memory (mlock). */
export const VM_LOCKED = 0x00002000;
/** Memory-mapped I/O. */
export const VM_IO = 0x00004000;
/** madvise MADV_SEQUENTIAL. */
export const VM_SEQ_READ = 0x00008000;
/** madvise MADV_RANDOM. */
export const VM_RAND_READ = 0x00010000;
/** Not copied on fork. */
export const VM_DONTCOPY = 0x00020000;
/** Cannot be expanded by mremap. */
export const VM_DONTEXPAND = 0x00040000;
/** Never swapped out. */
export const VM_RESERVED = 0x00080000;
/** Charged to vm_committed_space. */
export const VM_ACCOUNT = 0x00100000;
/** A hugetlbfs mapping. */
export const VM_HUGETLB = 0x00400000;
/** Nonlinear file mapping (remap_file_pages). */
export const VM_NONLINEAR = 0x00800000;

/** mm/mmap.c: VMAs with any of these are never merged. */
export const VM_SPECIAL = VM_IO | VM_DONTCOPY | VM_DONTEXPAND | VM_RESERVED;

/** Flag names in bit order, for views. */
export const VM_FLAG_NAMES: readonly (readonly [number, string])[] = [
  [VM_READ, "READ"],
  [VM_WRITE, "WRITE"],
  [VM_EXEC, "EXEC"],
  [VM_SHARED, "SHARED"],
  [VM_MAYREAD, "MAYREAD"],
  [VM_MAYWRITE, "MAYWRITE"],
  [VM_MAYEXEC, "MAYEXEC"],
  [VM_MAYSHARE, "MAYSHARE"],
  [VM_GROWSDOWN, "GROWSDOWN"],
  [VM_GROWSUP, "GROWSUP"],
  [VM_SHM, "SHM"],
  [VM_DENYWRITE, "DENYWRITE"],
  [VM_EXECUTABLE, "EXECUTABLE"],
  [VM_LOCKED, "LOCKED"],
  [VM_IO, "IO"],
  [VM_SEQ_READ, "SEQ_READ"],
  [VM_RAND_READ, "RAND_READ"],
  [VM_DONTCOPY, "DONTCOPY"],
  [VM_DONTEXPAND, "DONTEXPAND"],
  [VM_RESERVED, "RESERVED"],
  [VM_ACCOUNT, "ACCOUNT"],
  [VM_HUGETLB, "HUGETLB"],
  [VM_NONLINEAR, "NONLINEAR"],
];

/** The names of the flags set in `flags`, joined with "|" (e.g. "READ|WRITE|MAYREAD"). */
export function vm_flags_names(flags: number): string {
  const out: string[] = [];
  for (const [bit, name] of VM_FLAG_NAMES) if (flags & bit) out.push(name);
  return out.join("|");
}

// ------------------------------------------------------------------ PROT_* / MAP_* (asm-i386/mman.h)

/** No access. */
export const PROT_NONE = 0x0;
/** Readable. */
export const PROT_READ = 0x1;
/** Writable. */
export const PROT_WRITE = 0x2;
/** Executable. */
export const PROT_EXEC = 0x4;
/** Usable for atomic operations (ignored by the mm). */
export const PROT_SEM = 0x8;
/** mprotect: extend the change down to the start of a growsdown VMA. */
export const PROT_GROWSDOWN = 0x01000000;
/** mprotect: extend the change up to the end of a growsup VMA. */
export const PROT_GROWSUP = 0x02000000;

/** Share changes. */
export const MAP_SHARED = 0x01;
/** Changes are private (copy-on-write). */
export const MAP_PRIVATE = 0x02;
/** Mask of the mapping type. */
export const MAP_TYPE = 0x0f;
/** Interpret addr exactly. */
export const MAP_FIXED = 0x10;
/** Not backed by a file. */
export const MAP_ANONYMOUS = 0x20;
/** Stack-like segment. */
export const MAP_GROWSDOWN = 0x0100;
/** ETXTBSY on later writes to the file. */
export const MAP_DENYWRITE = 0x0800;
/** Mark it as an executable. */
export const MAP_EXECUTABLE = 0x1000;
/** Pages are locked. */
export const MAP_LOCKED = 0x2000;
/** Don't check for reservations. */
export const MAP_NORESERVE = 0x4000;
/** Populate (prefault) page tables. */
export const MAP_POPULATE = 0x8000;
/** Do not block on I/O. */
export const MAP_NONBLOCK = 0x10000;

/** include/linux/mman.h: calc_vm_prot_bits — PROT_READ/WRITE/EXEC to VM_READ/WRITE/EXEC. */
export function calc_vm_prot_bits(prot: number): number {
  return (
    (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0)
  );
}

/** include/linux/mman.h: calc_vm_flag_bits — MAP_GROWSDOWN/DENYWRITE/EXECUTABLE/LOCKED to VM_*. */
export function calc_vm_flag_bits(flags: number): number {
  return (
    (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) |
    (flags & MAP_DENYWRITE ? VM_DENYWRITE : 0) |
    (flags & MAP_EXECUTABLE ? VM_EXECUTABLE : 0) |
    (flags & MAP_LOCKED ? VM_LOCKED : 0)
  );
}

/** vm.overcommit_memory: heuristic (the default). */
export const OVERCOMMIT_GUESS = 0;
/** vm.overcommit_memory: always allow. */
export const OVERCOMMIT_ALWAYS = 1;
/** vm.overcommit_memory: strict accounting. */
export const OVERCOMMIT_NEVER = 2;

/** include/linux/sched.h: default vm.max_map_count. */
export const DEFAULT_MAX_MAP_COUNT = 65536;

// ------------------------------------------------------------------ personality (include/linux/personality.h)

/** Map page 0 read-only at exec (SVr4 compatibility). */
export const MMAP_PAGE_ZERO = 0x0100000;
/** Use the classic (legacy) mmap layout. */
export const ADDR_COMPAT_LAYOUT = 0x0200000;
/** PROT_READ implies PROT_EXEC. */
export const READ_IMPLIES_EXEC = 0x0400000;
/** PER_LINUX, the default personality. */
export const PER_LINUX = 0x0000;

// ------------------------------------------------------------------ address-space layout (asm-i386)

/*
 *  0x00000000                                       0xC0000000 = TASK_SIZE = STACK_TOP (hw-i386's page.ts)
 *  | 0x08048000 text data bss | brk heap -> ... <- mmaps (flexible) | <- stack | kernel (1 GiB) ...
 *                              TASK_UNMAPPED_BASE 0x40000000: classic mmaps grow up from here
 *                              flexible: mmap_base = TASK_SIZE - clamp(RLIMIT_STACK, 128 MiB, 5/6 TASK_SIZE)
 */

/** The stack ends here (include/asm-i386/a.out.h). */
export const STACK_TOP = TASK_SIZE;
/** MM_VM_SIZE(mm): the user range exit_mmap clears. */
export const MM_VM_SIZE = TASK_SIZE;
/** First user pgd slot (include/asm-i386/pgtable.h). */
export const FIRST_USER_PGD_NR = 0;
/** arch/i386/mm/mmap.c: the smallest gap left below the stack in the flexible layout. */
export const MIN_GAP = 128 * 1024 * 1024;
/** arch/i386/mm/mmap.c: the largest gap: TASK_SIZE / 6 * 5. */
export const MAX_GAP = Math.floor(TASK_SIZE / 6) * 5;
/** include/linux/binfmts.h: pages of argv/envp strings exec can carry. */
export const MAX_ARG_PAGES = 32;
/** fs/exec.c (setup_arg_pages): extra pages in the first stack VMA. */
export const EXTRA_STACK_VM_PAGES = 20;

// ------------------------------------------------------------------ rlimits (asm-generic/resource.h)

/** CPU time in ms. */
export const RLIMIT_CPU = 0;
/** Maximum file size. */
export const RLIMIT_FSIZE = 1;
/** Maximum data size (brk - start_data). */
export const RLIMIT_DATA = 2;
/** Maximum stack size. */
export const RLIMIT_STACK = 3;
/** Maximum core size. */
export const RLIMIT_CORE = 4;
/** Maximum resident set size. */
export const RLIMIT_RSS = 5;
/** Maximum number of processes. */
export const RLIMIT_NPROC = 6;
/** Maximum number of open files. */
export const RLIMIT_NOFILE = 7;
/** Maximum locked-in-memory bytes. */
export const RLIMIT_MEMLOCK = 8;
/** Address-space limit in bytes. */
export const RLIMIT_AS = 9;
/** Maximum file locks. */
export const RLIMIT_LOCKS = 10;
/** Maximum pending signals. */
export const RLIMIT_SIGPENDING = 11;
/** Maximum bytes in POSIX message queues. */
export const RLIMIT_MSGQUEUE = 12;
/** Number of limits. */
export const RLIM_NLIMITS = 13;
/** ~0UL: no limit. */
export const RLIM_INFINITY = 0xffffffff;
/** Default stack limit: 8 MiB. */
export const _STK_LIM = 8 * 1024 * 1024;
/** Default locked-memory limit: 8 pages. */
export const MLOCK_LIMIT = 8 * PAGE_SIZE;

/** One resource limit: soft (rlim_cur) and hard (rlim_max). */
export interface rlimit {
  /** The limit enforced. */
  rlim_cur: number;
  /** The ceiling rlim_cur may be raised to. */
  rlim_max: number;
}

/** INIT_RLIMITS as init_task has them (RLIMIT_NPROC, NOFILE, SIGPENDING, MSGQUEUE as fork_init/asm-generic set them). */
export function INIT_RLIMITS(): rlimit[] {
  const inf = { rlim_cur: RLIM_INFINITY, rlim_max: RLIM_INFINITY };
  const r: rlimit[] = [];
  for (let i = 0; i < RLIM_NLIMITS; i++) r.push({ ...inf });
  r[RLIMIT_STACK] = { rlim_cur: _STK_LIM, rlim_max: RLIM_INFINITY };
  r[RLIMIT_CORE] = { rlim_cur: 0, rlim_max: RLIM_INFINITY };
  r[RLIMIT_NPROC] = { rlim_cur: 0, rlim_max: 0 };
  r[RLIMIT_NOFILE] = { rlim_cur: 1024, rlim_max: 1024 };
  r[RLIMIT_MEMLOCK] = { rlim_cur: MLOCK_LIMIT, rlim_max: MLOCK_LIMIT };
  r[RLIMIT_SIGPENDING] = { rlim_cur: 1024, rlim_max: 1024 };
  r[RLIMIT_MSGQUEUE] = { rlim_cur: 819200, rlim_max: 819200 };
  return r;
}

// ------------------------------------------------------------------ faults and signals

/** handle_mm_fault: out of memory. */
export const VM_FAULT_OOM = -1;
/** handle_mm_fault: bus error (e.g. beyond the end of a file). */
export const VM_FAULT_SIGBUS = 0;
/** handle_mm_fault: resolved without I/O. */
export const VM_FAULT_MINOR = 1;
/** handle_mm_fault: resolved with I/O. */
export const VM_FAULT_MAJOR = 2;

/** Kill signal. */
export const SIGKILL = 9;
/** Bus error. */
export const SIGBUS = 7;
/** Segmentation violation. */
export const SIGSEGV = 11;
/** si_code: address not mapped to an object. */
export const SEGV_MAPERR = 1;
/** si_code: invalid permissions for a mapped object. */
export const SEGV_ACCERR = 2;
/** si_code: nonexistent physical address. */
export const BUS_ADRERR = 2;

/** page->mapping low bit: the mapping is an anon_vma, not an address_space (include/linux/mm.h). */
export const PAGE_MAPPING_ANON = 1;

// ------------------------------------------------------------------ descriptor sizes (2.6.11 i386, SMP, no PREEMPT/DEBUG)

/*
 * sizeof(struct vm_area_struct): vm_mm, vm_start, vm_end, vm_next (16) + vm_page_prot (4; 8 with
 * PAE, pgprot_t is unsigned long long, 4-byte aligned on i386) + vm_flags (4) + vm_rb (16) +
 * shared (16) + anon_vma_node (8) + anon_vma, vm_ops, vm_pgoff, vm_file, vm_private_data,
 * vm_truncate_count (24) = 88 (92 with PAE).
 */
/** sizeof(struct vm_area_struct) for the vm_area_struct slab cache. */
export function SIZEOF_VM_AREA_STRUCT(pae: boolean): number {
  return pae ? 92 : 88;
}
/*
 * sizeof(struct mm_struct), field by field: mmap..map_count (44), mmap_sem (16: count, wait_lock,
 * wait_list), page_table_lock (4), mmlist (8), start_code..env_end (44), rss..nr_ptes (40),
 * saved_auxv[42] (168), dumpable (4), cpu_vm_mask (4, NR_CPUS 8), context (28: size, semaphore 20,
 * ldt), swap_token_time (4), recent_pagein (1 + 3 padding), core_waiters (4), core_startup_done (4),
 * core_done (16), ioctx_list_lock (4), ioctx_list (4), default_kioctx (176), hiwater_rss/vm (8) = 584.
 */
/** sizeof(struct mm_struct) for the mm_struct slab cache. */
export const SIZEOF_MM_STRUCT = 584;
/** sizeof(struct anon_vma): spinlock (4) + list_head (8). */
export const SIZEOF_ANON_VMA = 12;
