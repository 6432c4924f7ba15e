/*
 * exec.ts — the address-space steps of exec that a binary loader (load_elf_binary) stands on,
 * fs/exec.c (2.6.11): exec_mmap (switch the task to a fresh mm, pick its layout, drop the old
 * one), setup_arg_pages (the first stack VMA: the argument pages + EXTRA_STACK_VM_PAGES below
 * stack_top, VM_STACK_FLAGS, executable or not per PT_GNU_STACK) and install_arg_page.
 * Reading the binary and mapping its segments belongs to the ELF loader (elf*.ts).
 */

import { _PAGE_DIRTY, _PAGE_RW, Errno, PAGE_MASK, PAGE_SIZE, type Page } from "@i386mm/hw-i386";
import {
  EXTRA_STACK_VM_PAGES,
  MAX_ARG_PAGES,
  SIGKILL,
  VM_ACCOUNT,
  VM_EXEC,
  VM_GROWSDOWN,
} from "./constants.js";
import { mmdrop, mmput } from "./fork.js";
import { update_mem_hiwater } from "./memory.js";
import { type mm_struct, type vm_area_struct, vma_pages } from "./mm-types.js";
import { security_vm_enough_memory, VM_DATA_DEFAULT_FLAGS } from "./mmap.js";
import { arch_pick_mmap_layout } from "./mmap-layout.js";
import { entry_get, entry_set, mk_user_pte, pmd_offset, pte_alloc_map, pte_bits } from "./pgtable.js";
import { anon_vma_prepare, page_add_anon_rmap } from "./rmap.js";
import { activate_mm } from "./tlbflush.js";
import type { VmSystem } from "./vm.js";
import { insert_vm_struct, vm_area_alloc, vm_area_free, vm_get_page_prot } from "./vma.js";

/** PT_GNU_STACK absent: the architecture's default (on i386: executable via READ_IMPLIES_EXEC). */
export const EXSTACK_DEFAULT = 0;
/** PT_GNU_STACK without PF_X. */
export const EXSTACK_DISABLE_X = 1;
/** PT_GNU_STACK with PF_X. */
export const EXSTACK_ENABLE_X = 2;

/** The part of struct linux_binprm setup_arg_pages uses. */
export interface linux_binprm {
  /** The pages holding argv/envp strings, page[MAX_ARG_PAGES - 1] being the topmost. */
  page: (Page | null)[];
  /** Offset of the strings from the start of the argument area (relocated to a user address). */
  p: number;
  /** Relocated like p (binfmt_script's loader address), 0 if unused. */
  loader: number;
  /** Relocated like p: where the file name string is. */
  exec: number;
}

/** VM_STACK_FLAGS = VM_GROWSDOWN | VM_STACK_DEFAULT_FLAGS (= VM_DATA_DEFAULT_FLAGS) | VM_ACCOUNT. */
export function VM_STACK_FLAGS(vm: VmSystem): number {
  return VM_GROWSDOWN | VM_DATA_DEFAULT_FLAGS(vm.current) | VM_ACCOUNT;
}

/**
 * exec_mmap(mm): the current task switches to the new address space `mm` (activate_mm loads it),
 * its layout is picked, and the old mm loses a user (or, for a kernel thread, its borrowed
 * reference). 0.
 */
export function exec_mmap(vm: VmSystem, mm: mm_struct): number {
  const tsk = vm.current;
  const old_mm = tsk.mm;
  const active_mm = tsk.active_mm!;
  tsk.mm = mm;
  tsk.active_mm = mm;
  activate_mm(vm, active_mm, mm);
  arch_pick_mmap_layout(vm, mm);
  if (old_mm !== null) {
    mmput(vm, old_mm);
    return 0;
  }
  mmdrop(vm, active_mm);
  return 0;
}

/**
 * install_arg_page(vma, page, address): map an argument page (the caller's reference moves to
 * the pte) dirty and writable with anon rmap. On failure the page is freed and SIGKILL queued.
 */
export function install_arg_page(vm: VmSystem, vma: vm_area_struct, page: Page, address: number): void {
  const mm = vma.vm_mm;
  const fail = () => {
    vm.pa.__free_page(page);
    vm.current.pending.push({ si_signo: SIGKILL, si_errno: 0, si_code: 0, si_addr: 0 });
  };
  if (anon_vma_prepare(vm, vma) !== 0) {
    fail();
    return;
  }
  const pmdp = pmd_offset(vm, mm, address);
  const ptep = pmdp < 0 ? -1 : pte_alloc_map(vm, mm, pmdp, address);
  if (ptep < 0 || entry_get(vm, ptep) !== 0) {
    fail();
    return;
  }
  mm.rss++;
  update_mem_hiwater(mm);
  entry_set(vm, ptep, pte_bits(mk_user_pte(vm, page, vma.vm_page_prot), _PAGE_RW | _PAGE_DIRTY, 0)); // pte_mkdirty(pte_mkwrite())
  page_add_anon_rmap(vm, page, vma, address);
}

/**
 * setup_arg_pages(bprm, stack_top, executable_stack): relocate bprm.p (and loader, exec) to
 * user addresses below stack_top, create the stack VMA [stack_top - arg_size, stack_top) with
 * arg_size = the argument pages in use + EXTRA_STACK_VM_PAGES, and install the argument pages.
 * stack_vm = total_vm = its pages. 0 or -ENOMEM.
 */
export function setup_arg_pages(
  vm: VmSystem,
  bprm: linux_binprm,
  stack_top: number,
  executable_stack: number,
): number {
  const mm = vm.current.mm!;
  let stack_base = stack_top - MAX_ARG_PAGES * PAGE_SIZE;
  bprm.p += stack_base;
  mm.arg_start = bprm.p;
  let arg_size = stack_top - ((PAGE_MASK & mm.arg_start) >>> 0);
  arg_size += EXTRA_STACK_VM_PAGES * PAGE_SIZE;
  if (bprm.loader) bprm.loader += stack_base;
  bprm.exec += stack_base;
  const mpnt = vm_area_alloc(vm, mm);
  if (mpnt === null) return -Errno.ENOMEM;
  if (security_vm_enough_memory(vm, arg_size / PAGE_SIZE) !== 0) {
    vm_area_free(vm, mpnt);
    return -Errno.ENOMEM;
  }
  mpnt.vm_end = stack_top;
  mpnt.vm_start = mpnt.vm_end - arg_size;
  if (executable_stack === EXSTACK_ENABLE_X) mpnt.vm_flags = VM_STACK_FLAGS(vm) | VM_EXEC;
  else if (executable_stack === EXSTACK_DISABLE_X) mpnt.vm_flags = VM_STACK_FLAGS(vm) & ~VM_EXEC;
  else mpnt.vm_flags = VM_STACK_FLAGS(vm);
  mpnt.vm_flags |= mm.def_flags;
  mpnt.vm_page_prot = vm_get_page_prot(mpnt.vm_flags & 0x7);
  const ret = insert_vm_struct(mm, mpnt);
  if (ret !== 0) {
    vm_area_free(vm, mpnt);
    return ret;
  }
  mm.stack_vm = mm.total_vm = vma_pages(mpnt);
  for (let i = 0; i < MAX_ARG_PAGES; i++) {
    const page = bprm.page[i] ?? null;
    if (page !== null) {
      bprm.page[i] = null;
      install_arg_page(vm, mpnt, page, stack_base);
    }
    stack_base += PAGE_SIZE;
  }
  return 0;
}
