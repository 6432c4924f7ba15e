/*
 * fork.ts — address spaces being born, shared, copied and dropped: kernel/fork.c (2.6.11)
 * proc_caches_init (the mm_struct and vm_area_struct caches), dup_mmap, mm_alloc_pgd, mm_init,
 * mm_alloc, __mmdrop/mmdrop, mmput, get_task_mm, copy_mm, and the process life cycle around
 * them, cut down to the mm: copy_process (pid, rlimits, personality, copy_mm), exit_mm and
 * do_exit (kernel/exit.c), release_task.
 * mm_users counts the tasks using an mm (CLONE_VM threads); mm_count counts references to the
 * structure (all users together hold one; lazy-TLB borrowers add one each). mmput at
 * mm_users 0 tears the address space down (exit_mmap); mmdrop at mm_count 0 frees the page
 * directory and the descriptor.
 */

import { Errno, KernelBugError, TASK_UNMAPPED_BASE } from "@i386mm/hw-i386";
import { GFP_KERNEL } from "@i386mm/page-alloc";
import { SLAB_HWCACHE_ALIGN, SLAB_PANIC } from "@i386mm/slab";
import {
  SIZEOF_MM_STRUCT,
  SIZEOF_VM_AREA_STRUCT,
  VM_ACCOUNT,
  VM_DENYWRITE,
  VM_DONTCOPY,
  VM_LOCKED,
} from "./constants.js";
import { file_mapping, get_file, i_writecount_add } from "./filemap.js";
import { copy_page_range } from "./memory.js";
import { mm_struct, type vm_area_struct, vma_pages } from "./mm-types.js";
import { exit_mmap, security_vm_enough_memory, vm_unacct_memory } from "./mmap.js";
import { arch_pick_mmap_layout } from "./mmap-layout.js";
import { pgd_alloc, pgd_free } from "./pgtable.js";
import type { rb_node } from "./rbtree.js";
import { anon_vma_link } from "./rmap.js";
import { schedule_idle } from "./sched.js";
import { EXIT_DEAD, EXIT_ZOMBIE, task_struct as Task, type task_struct } from "./task.js";
import { enter_lazy_tlb, flush_tlb_mm } from "./tlbflush.js";
import type { VmSystem } from "./vm.js";
import { __vm_stat_account, __vma_link_rb, vm_area_dup } from "./vma.js";

/** CLONE_VM: share the address space (a thread). */
export const CLONE_VM = 0x00000100;

/** proc_caches_init (the mm part): the "vm_area_struct" and "mm_struct" caches. */
export function proc_caches_init(vm: VmSystem): void {
  vm.vm_area_cachep = vm.slab.kmem_cache_create(
    "vm_area_struct",
    SIZEOF_VM_AREA_STRUCT(vm.machine.pae),
    0,
    SLAB_PANIC,
    null,
  )!;
  vm.mm_cachep = vm.slab.kmem_cache_create(
    "mm_struct",
    SIZEOF_MM_STRUCT,
    0,
    SLAB_HWCACHE_ALIGN | SLAB_PANIC,
    null,
  )!;
}

/** allocate_mm: a descriptor from mm_cachep, or null. */
function allocate_mm(vm: VmSystem): mm_struct | null {
  const addr = vm.slab.kmem_cache_alloc(vm.mm_cachep, GFP_KERNEL);
  return addr === null ? null : new mm_struct(addr);
}

/** free_mm. */
function free_mm(vm: VmSystem, mm: mm_struct): void {
  vm.slab.kmem_cache_free(vm.mm_cachep, mm.addr);
}

/** mm_init: one user, one reference, no page tables yet, free_area_cache at TASK_UNMAPPED_BASE, a pgd. */
function mm_init(vm: VmSystem, mm: mm_struct): mm_struct | null {
  mm.mm_users = 1;
  mm.mm_count = 1;
  mm.nr_ptes = 0;
  mm.free_area_cache = TASK_UNMAPPED_BASE;
  const pgd = pgd_alloc(vm, mm);
  if (pgd !== null) {
    mm.pgd = pgd;
    mm.def_flags = 0;
    return mm;
  }
  free_mm(vm, mm);
  return null;
}

/** mm_alloc: a new, empty address space (exec's), or null. */
export function mm_alloc(vm: VmSystem): mm_struct | null {
  const mm = allocate_mm(vm);
  if (mm === null) return null;
  return mm_init(vm, mm);
}

/** __mmdrop: free the page directory and the descriptor (never init_mm). */
function __mmdrop(vm: VmSystem, mm: mm_struct): void {
  if (mm === vm.init_mm)
    throw new KernelBugError("__mmdrop", undefined, "kernel BUG: BUG_ON(mm == &init_mm)");
  pgd_free(vm, mm.pgd);
  free_mm(vm, mm);
}

/** mmdrop: drop a reference to the structure; the last frees it. */
export function mmdrop(vm: VmSystem, mm: mm_struct): void {
  if (--mm.mm_count === 0) __mmdrop(vm, mm);
}

/** mmput: a user is done with the address space; the last one tears it down (exit_mmap) and mmdrops. */
export function mmput(vm: VmSystem, mm: mm_struct): void {
  if (--mm.mm_users === 0) {
    exit_mmap(vm, mm);
    mmdrop(vm, mm);
  }
}

/** get_task_mm: the task's mm with an extra user, or null. */
export function get_task_mm(tsk: task_struct): mm_struct | null {
  const mm = tsk.mm;
  if (mm !== null) mm.mm_users++;
  return mm;
}

/**
 * dup_mmap(mm, oldmm): copy every VMA of the parent (except VM_DONTCOPY) with its page tables:
 * private writable pages become write-protected in both (copy_one_pte), shared pages stay
 * shared; files get a reference, anonymous VMAs join the parent's anon_vma. 0 or -ENOMEM
 * (what was copied so far stays, for mmput to undo).
 */
function dup_mmap(vm: VmSystem, mm: mm_struct, oldmm: mm_struct): number {
  mm.locked_vm = 0;
  mm.mmap = null;
  mm.mmap_cache = null;
  mm.free_area_cache = oldmm.mmap_base;
  mm.map_count = 0;
  mm.rss = 0;
  mm.anon_rss = 0;
  mm.cpu_vm_mask = 0;
  mm.mm_rb.rb_node = null;
  let retval = 0;
  let tail: vm_area_struct | null = null;
  let parentNode: rb_node<vm_area_struct> | null = null;
  for (let mpnt = oldmm.mmap; mpnt !== null; mpnt = mpnt.vm_next) {
    if (mpnt.vm_flags & VM_DONTCOPY) {
      __vm_stat_account(mm, mpnt.vm_flags, mpnt.vm_file, -vma_pages(mpnt));
      continue;
    }
    let charge = 0;
    if (mpnt.vm_flags & VM_ACCOUNT) {
      const len = vma_pages(mpnt);
      if (security_vm_enough_memory(vm, len) !== 0) {
        retval = -Errno.ENOMEM;
        break;
      }
      charge = len;
    }
    const tmp = vm_area_dup(vm, mpnt, mm);
    if (tmp === null) {
      vm_unacct_memory(vm, charge);
      retval = -Errno.ENOMEM;
      break;
    }
    tmp.vm_flags &= ~VM_LOCKED;
    tmp.vm_next = null;
    anon_vma_link(tmp);
    const file = tmp.vm_file;
    if (file !== null) {
      get_file(vm, file);
      if (tmp.vm_flags & VM_DENYWRITE) i_writecount_add(file, -1);
      file_mapping(file).i_mmap.add(tmp); // vma_prio_tree_add; 2.6.11 does not raise i_mmap_writable here
    }
    // link in the new VMA (always at the right end of the tree) and copy the page tables
    if (tail === null) mm.mmap = tmp;
    else tail.vm_next = tmp;
    tail = tmp;
    __vma_link_rb(mm, tmp, { parent: parentNode, left: false });
    parentNode = tmp.vm_rb;
    mm.map_count++;
    retval = copy_page_range(vm, mm, oldmm, tmp);
    tmp.vm_ops?.open?.(tmp);
    if (retval !== 0) break;
  }
  flush_tlb_mm(vm, oldmm);
  return retval;
}

/**
 * copy_mm(clone_flags, tsk): give the new task its address space — the parent's with one more
 * user for CLONE_VM, else a copy (dup_mmap). 0 or -ENOMEM.
 */
export function copy_mm(vm: VmSystem, clone_flags: number, tsk: task_struct): number {
  tsk.min_flt = tsk.maj_flt = 0;
  tsk.mm = null;
  tsk.active_mm = null;
  const oldmm = vm.current.mm;
  if (oldmm === null) return 0; // cloning a kernel thread
  if (clone_flags & CLONE_VM) {
    oldmm.mm_users++;
    tsk.mm = tsk.active_mm = oldmm;
    return 0;
  }
  const mm = allocate_mm(vm);
  if (mm === null) return -Errno.ENOMEM;
  copy_mm_fields(mm, oldmm); // memcpy(mm, oldmm, sizeof(*mm))
  if (mm_init(vm, mm) === null) return -Errno.ENOMEM;
  const retval = dup_mmap(vm, mm, oldmm);
  if (retval !== 0) {
    mmput(vm, mm);
    return retval;
  }
  mm.hiwater_rss = mm.rss;
  mm.hiwater_vm = mm.total_vm;
  tsk.mm = tsk.active_mm = mm;
  return 0;
}

/** The scalar fields memcpy copies from the parent's mm_struct (lists and trees are rebuilt by dup_mmap). */
function copy_mm_fields(mm: mm_struct, old: mm_struct): void {
  mm.get_unmapped_area = old.get_unmapped_area;
  mm.unmap_area = old.unmap_area;
  mm.mmap_base = old.mmap_base;
  mm.start_code = old.start_code;
  mm.end_code = old.end_code;
  mm.start_data = old.start_data;
  mm.end_data = old.end_data;
  mm.start_brk = old.start_brk;
  mm.brk = old.brk;
  mm.start_stack = old.start_stack;
  mm.arg_start = old.arg_start;
  mm.arg_end = old.arg_end;
  mm.env_start = old.env_start;
  mm.env_end = old.env_end;
  mm.total_vm = old.total_vm;
  mm.shared_vm = old.shared_vm;
  mm.exec_vm = old.exec_vm;
  mm.stack_vm = old.stack_vm;
  mm.reserved_vm = old.reserved_vm;
  mm.def_flags = old.def_flags;
  mm.saved_auxv = [...old.saved_auxv];
  mm.hiwater_rss = old.hiwater_rss;
  mm.hiwater_vm = old.hiwater_vm;
}

/**
 * do_fork(clone_flags) from the current task, cut down to the mm: a child with the next pid,
 * the parent's comm, personality and rlimits (copy_signal), and copy_mm. The child is not
 * running until schedule_to(child). null (and nothing left behind) when copy_mm fails.
 */
export function do_fork(vm: VmSystem, clone_flags: number): task_struct | null {
  const parent = vm.current;
  const child = new Task(
    alloc_pid(vm),
    parent.comm,
    parent.signal.rlim.map((r) => ({ ...r })),
  );
  child.personality = parent.personality;
  child.cap_effective = parent.cap_effective;
  child.uid = parent.uid;
  child.parent = parent;
  Object.assign(child.regs, parent.regs);
  if (copy_mm(vm, clone_flags, child) !== 0) return null;
  vm.tasks.set(child.pid, child);
  return child;
}

/** alloc_pidmap: the next free pid after last_pid (300 and up after a wrap, as kernel/pid.c). */
export function alloc_pid(vm: VmSystem): number {
  let pid = vm.last_pid + 1;
  for (;;) {
    if (pid >= 32768) pid = 300;
    if (!vm.tasks.has(pid)) break;
    pid++;
  }
  vm.last_pid = pid;
  return pid;
}

/**
 * A new user process with an empty address space and the default (or given) rlimits and
 * personality, as exec leaves one just before mapping the binary: mm_alloc, then
 * arch_pick_mmap_layout for the task's limits and free_area_cache = mmap_base (what exec_mmap and
 * load_elf_binary do). Not running until schedule_to. null when memory runs out.
 */
export function create_task(
  vm: VmSystem,
  comm: string,
  opts: { rlim?: task_struct["signal"]["rlim"]; personality?: number; parent?: task_struct | null } = {},
): task_struct | null {
  const mm = mm_alloc(vm);
  if (mm === null) return null;
  const t = new Task(alloc_pid(vm), comm, opts.rlim);
  t.personality = opts.personality ?? 0;
  t.parent = opts.parent ?? null;
  t.mm = t.active_mm = mm;
  arch_pick_mmap_layout(vm, mm, t);
  mm.free_area_cache = mm.mmap_base;
  vm.tasks.set(t.pid, t);
  return t;
}

/**
 * exit_mm(tsk): the exiting task stops using its mm: it keeps it as active_mm with a mm_count
 * reference (lazy TLB) until it schedules away, and mmput releases the user.
 */
export function exit_mm(vm: VmSystem, tsk: task_struct): void {
  const mm = tsk.mm;
  if (mm === null) return;
  if (mm !== tsk.active_mm)
    throw new KernelBugError("exit_mm", undefined, "kernel BUG: BUG_ON(mm != tsk->active_mm)");
  mm.mm_count++;
  tsk.mm = null;
  enter_lazy_tlb(vm, mm, tsk);
  mmput(vm, mm);
}

/**
 * do_exit(code) for the current task: exit_mm, become a zombie, schedule away to the idle task
 * (whose switch gives the mm's last reference back). The task stays in the pid table until
 * release_task.
 */
export function do_exit(vm: VmSystem, code: number): void {
  const tsk = vm.current;
  if (tsk.pid === 0) throw new KernelBugError("do_exit", undefined, "Attempted to kill the idle task!");
  exit_mm(vm, tsk);
  tsk.exit_code = code;
  tsk.exit_state = EXIT_ZOMBIE;
  schedule_idle(vm);
}

/** release_task: the parent reaped the zombie; its pid is free again. */
export function release_task(vm: VmSystem, tsk: task_struct): void {
  if (tsk.exit_state !== EXIT_ZOMBIE)
    throw new KernelBugError("release_task", undefined, `task ${tsk.pid} is not a zombie`);
  tsk.exit_state = EXIT_DEAD;
  vm.tasks.delete(tsk.pid);
}
