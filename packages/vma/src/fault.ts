/*
 * fault.ts — arch/i386/mm/fault.c (2.6.11): do_page_fault's whole decision tree and its
 * vmalloc_fault, bad_area, no_context, out_of_memory and do_sigbus exits.
 *
 *   address >= TASK_SIZE ─ kernel mode, not present ──────────────> vmalloc_fault (copy pmd from init_mm)
 *                        └ otherwise ──────────────────────────────> bad_area_nosemaphore
 *   in_atomic() or no mm ──────────────────────────────────────────> bad_area_nosemaphore
 *   find_vma: none ────────────────────────────────────────────────> bad_area (SEGV_MAPERR)
 *             below it: !GROWSDOWN, or user and address + 32 < esp ─> bad_area
 *                       expand_stack fails ────────────────────────> bad_area
 *   good_area (SEGV_ACCERR): write & !VM_WRITE, read of a present pte, read & !(READ|EXEC) -> bad_area
 *   handle_mm_fault: MINOR -> min_flt++, MAJOR -> maj_flt++, SIGBUS -> do_sigbus, OOM -> out_of_memory
 *   bad_area: user -> SIGSEGV (thread.cr2/error_code/trap_no); kernel -> no_context
 *   no_context: exception-table fixup (copy_to_user & co.) or Oops (thrown as KernelOopsError)
 *
 * The CPU has already recorded CR2 and the error code (hw-i386's MMU); the result says what the
 * handler did. Signals are queued on the task (force_sig_info); OOM kills call do_exit.
 */

import {
  _PAGE_PRESENT,
  in_atomic,
  KernelBugError,
  PAGE_SIZE,
  PF_INSTR,
  pte_phys,
  TASK_SIZE,
} from "@i386mm/hw-i386";
import {
  BUS_ADRERR,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SIGBUS,
  SIGKILL,
  SIGSEGV,
  VM_EXEC,
  VM_FAULT_MAJOR,
  VM_FAULT_MINOR,
  VM_FAULT_OOM,
  VM_FAULT_SIGBUS,
  VM_GROWSDOWN,
  VM_READ,
  VM_WRITE,
} from "./constants.js";
import { do_exit } from "./fork.js";
import { handle_mm_fault } from "./memory.js";
import { expand_stack } from "./mmap.js";
import { entry_get } from "./pgtable.js";
import type { pt_regs, task_struct } from "./task.js";
import { user_mode } from "./task.js";
import type { VmSystem } from "./vm.js";
import { find_vma } from "./vma.js";

/** The kernel oopsed (no_context without a fixup): the printk lines are in `lines` and in dmesg. */
export class KernelOopsError extends KernelBugError {
  /** The lines 2.6.11 prints before die("Oops"). */
  readonly lines: readonly string[];
  constructor(address: number, lines: string[]) {
    super("do_page_fault", address, lines[0]!);
    this.lines = lines;
  }
}

/**
 * The exception table (search_exception_tables): kernel instruction addresses allowed to fault
 * on user memory, with their fixup. The model's uaccess routines run "at" this eip.
 */
export const UACCESS_EIP = 0xc0200000;

/** What do_page_fault did. */
export type fault_result =
  /** handle_mm_fault resolved it (minor or major fault): retry the access. */
  | "handled"
  /** vmalloc_fault copied the kernel page-table entry: retry. */
  | "vmalloc"
  /** SIGSEGV queued (user mode). */
  | "SIGSEGV"
  /** SIGBUS queued (user mode). */
  | "SIGBUS"
  /** The task was killed (out of memory in user mode). */
  | "SIGKILL"
  /** A kernel access to user memory failed: the exception table's fixup runs (-EFAULT). */
  | "fixup";

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

/** force_sig_info for a fault signal: record thread.cr2/error_code/trap_no and queue the siginfo. */
function force_fault_sig(
  tsk: task_struct,
  sig: number,
  si_code: number,
  address: number,
  error_code: number,
): void {
  tsk.thread.cr2 = address;
  tsk.thread.error_code = error_code;
  tsk.thread.trap_no = 14;
  tsk.pending.push({ si_signo: sig, si_errno: 0, si_code, si_addr: address });
}

/** bad_area / bad_area_nosemaphore: SIGSEGV for user mode (si_code as found so far), no_context for the kernel. */
function bad_area_nosemaphore(
  vm: VmSystem,
  tsk: task_struct,
  regs: pt_regs,
  error_code: number,
  address: number,
  si_code: number,
): fault_result {
  if (error_code & 4) {
    // kernel addresses are always protection faults
    force_fault_sig(tsk, SIGSEGV, si_code, address, error_code | (address >= TASK_SIZE ? 1 : 0));
    return "SIGSEGV";
  }
  return no_context(vm, regs, error_code, address);
}

/**
 * no_context: a kernel-mode fault nothing could resolve. With an exception-table entry for
 * regs.eip the fixup runs; otherwise the oops lines are printed and KernelOopsError thrown.
 */
function no_context(vm: VmSystem, regs: pt_regs, error_code: number, address: number): fault_result {
  if (regs.eip === UACCESS_EIP) return "fixup"; // fixup_exception
  const lines: string[] = [];
  const m = vm.machine;
  if (m.pae && error_code & PF_INSTR)
    lines.push("kernel tried to execute NX-protected page - exploit attempt? (uid: 0)");
  lines.push(
    `${address < PAGE_SIZE ? "Unable to handle kernel NULL pointer dereference" : "Unable to handle kernel paging request"} at virtual address ${hex8(address)}`,
  );
  lines.push(" printing eip:");
  lines.push(hex8(regs.eip));
  // *pde / *pte as 2.6.11 prints them: the low 32 bits, read through CR3 with a 2-level index
  const cr3 = m.cpus[m.current]!.cr3;
  const pde = m.ram.read32(cr3 + (address >>> 22) * 4);
  lines.push(`*pde = ${hex8(pde)}`);
  if (pde & 1)
    lines.push(`*pte = ${hex8(m.ram.read32((pde & 0xfffff000) + ((address & 0x003ff000) >>> 12) * 4))}`);
  for (const l of lines) m.printk(l);
  throw new KernelOopsError(address, lines);
}

/**
 * vmalloc_fault: a kernel-mode, not-present fault above TASK_SIZE. Copy init_mm's pmd entry for
 * the address into the current page directory (set_pmd) if the reference tables map it;
 * otherwise it is a real bad access (no_context).
 */
function vmalloc_fault(vm: VmSystem, regs: pt_regs, error_code: number, address: number): fault_result {
  const m = vm.machine;
  const p = m.paging;
  const cr3 = m.cpus[m.current]!.cr3;
  const index = p.pgd_index(address);
  const pgdp = cr3 + index * p.ENTRY_SIZE;
  const pgdp_k = vm.pa.swapper_pg_dir + index * p.ENTRY_SIZE;
  const pgd_k = entry_get(vm, pgdp_k);
  if ((pgd_k & _PAGE_PRESENT) === 0) return no_context(vm, regs, error_code, address);
  let pmdp = pgdp;
  let pmdp_k = pgdp_k;
  if (p.pae) {
    const pgd = entry_get(vm, pgdp);
    pmdp = pte_phys(pgd) + p.pmd_index(address) * 8;
    pmdp_k = pte_phys(pgd_k) + p.pmd_index(address) * 8;
  }
  const pmd_k = entry_get(vm, pmdp_k);
  if ((pmd_k & _PAGE_PRESENT) === 0) return no_context(vm, regs, error_code, address);
  p.writeEntry(m.ram, pmdp, 0, pmd_k); // set_pmd(pmd, *pmd_k)
  if ((pmd_k & 0x80) === 0) {
    const pte_k = entry_get(vm, pte_phys(pmd_k) + p.pte_index(address) * p.ENTRY_SIZE);
    if ((pte_k & _PAGE_PRESENT) === 0) return no_context(vm, regs, error_code, address);
  }
  return "vmalloc";
}

/**
 * do_page_fault(regs, error_code): the page-fault handler, on the current CPU, for the current
 * task; the faulting address is read from CR2. See the tree at the top of this file.
 */
export function do_page_fault(vm: VmSystem, regs: pt_regs, error_code: number): fault_result {
  const m = vm.machine;
  const cpu = m.cpus[m.current]!;
  const address = cpu.cr2 >>> 0;
  const tsk = vm.current;
  let si_code = SEGV_MAPERR;
  const user = (error_code & 4) !== 0;

  // kernel space: vmalloc area or a bad access
  if (address >= TASK_SIZE) {
    if ((error_code & 5) === 0) return vmalloc_fault(vm, regs, error_code, address);
    return bad_area_nosemaphore(vm, tsk, regs, error_code, address, si_code);
  }
  const mm = tsk.mm;
  if (in_atomic(cpu) || mm === null) return bad_area_nosemaphore(vm, tsk, regs, error_code, address, si_code);
  // down_read_trylock(&mm->mmap_sem) always succeeds: one kernel path runs at a time
  const vma = find_vma(mm, address);
  if (vma === null) return bad_area_nosemaphore(vm, tsk, regs, error_code, address, si_code);
  if (vma.vm_start > address) {
    if (!(vma.vm_flags & VM_GROWSDOWN))
      return bad_area_nosemaphore(vm, tsk, regs, error_code, address, si_code);
    // accessing the stack below %esp is always a bug; the 32 bytes cover pusha and enter
    if (user && address + 32 < regs.esp >>> 0)
      return bad_area_nosemaphore(vm, tsk, regs, error_code, address, si_code);
    if (expand_stack(vm, vma, address) !== 0)
      return bad_area_nosemaphore(vm, tsk, regs, error_code, address, si_code);
  }
  // good_area
  si_code = SEGV_ACCERR;
  let write = false;
  switch (error_code & 3) {
    case 3: // write, present
    case 2: // write, not present
      if (!(vma.vm_flags & VM_WRITE))
        return bad_area_nosemaphore(vm, tsk, regs, error_code, address, si_code);
      write = true;
      break;
    case 1: // read, present
      return bad_area_nosemaphore(vm, tsk, regs, error_code, address, si_code);
    default: // read, not present
      if (!(vma.vm_flags & (VM_READ | VM_EXEC)))
        return bad_area_nosemaphore(vm, tsk, regs, error_code, address, si_code);
  }
  for (let tries = 0; ; tries++) {
    // survive:
    const r = handle_mm_fault(vm, mm, vma, address, write);
    if (r === VM_FAULT_MINOR) {
      tsk.min_flt++;
      return "handled";
    }
    if (r === VM_FAULT_MAJOR) {
      tsk.maj_flt++;
      return "handled";
    }
    if (r === VM_FAULT_SIGBUS) {
      if (!user) return no_context(vm, regs, error_code, address);
      force_fault_sig(tsk, SIGBUS, BUS_ADRERR, address, error_code);
      return "SIGBUS";
    }
    if (r !== VM_FAULT_OOM)
      throw new KernelBugError("do_page_fault", address, `kernel BUG: handle_mm_fault returned ${r}`);
    // out_of_memory: init is never killed, it yields and retries (bounded in the model)
    if (tsk.pid === 1 && tries < 3) continue;
    m.printk(`VM: killing process ${tsk.comm}`);
    if (user) {
      tsk.pending.push({ si_signo: SIGKILL, si_errno: 0, si_code: 0, si_addr: address });
      do_exit(vm, SIGKILL);
      return "SIGKILL";
    }
    return no_context(vm, regs, error_code, address);
  }
}

export { user_mode };
