/*
 * task.ts — the part of struct task_struct (include/linux/sched.h) the mm needs: pid and comm,
 * mm and active_mm, the personality, the signal struct's rlimits, min_flt/maj_flt, the
 * thread.cr2/error_code/trap_no a page fault records, the capabilities mmap checks
 * (CAP_IPC_LOCK, CAP_SYS_ADMIN) and the pending signals force_sig_info queues. pt_regs carries
 * what do_page_fault reads: esp, eip, the code segment (user mode when xcs & 3 == 3), eflags.
 * Nothing else of a process (files, credentials beyond uid, scheduling) is modelled.
 */

import { INIT_RLIMITS, type rlimit } from "./constants.js";
import type { mm_struct, vm_file } from "./mm-types.js";

/** __KERNEL_CS (include/asm-i386/segment.h): selector 0x60, RPL 0. */
export const __KERNEL_CS = 0x60;
/** __USER_CS: selector 0x73, RPL 3. */
export const __USER_CS = 0x73;
/** EFLAGS.IF. */
export const X86_EFLAGS_IF = 0x200;
/** EFLAGS.VM: virtual-8086 mode. */
export const VM_MASK = 0x20000;

/** struct pt_regs: the registers saved on kernel entry that the fault handler looks at. */
export interface pt_regs {
  /** Stack pointer at the time of the fault (user esp for user-mode faults). */
  esp: number;
  /** Instruction pointer of the faulting instruction. */
  eip: number;
  /** Code segment selector: __USER_CS or __KERNEL_CS. */
  xcs: number;
  /** EFLAGS. */
  eflags: number;
}

/** user_mode(regs): the fault came from CPL 3 (or vm86). */
export function user_mode(regs: pt_regs): boolean {
  return (regs.xcs & 3) === 3 || (regs.eflags & VM_MASK) !== 0;
}

/** siginfo_t as force_sig_info delivers it for SIGSEGV / SIGBUS / SIGKILL. */
export interface siginfo {
  /** SIGSEGV, SIGBUS or SIGKILL. */
  si_signo: number;
  /** Always 0 here. */
  si_errno: number;
  /** SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR (0 for SIGKILL). */
  si_code: number;
  /** The faulting address. */
  si_addr: number;
}

/** Capability bits (include/linux/capability.h). */
export const CAP_IPC_LOCK = 14;
/** CAP_SYS_ADMIN. */
export const CAP_SYS_ADMIN = 21;
/** CAP_SYS_RESOURCE. */
export const CAP_SYS_RESOURCE = 24;

/** task->state: running. */
export const TASK_RUNNING = 0;
/** task->exit_state: exited, not yet reaped. */
export const EXIT_ZOMBIE = 16;
/** task->exit_state: reaped. */
export const EXIT_DEAD = 32;

/** struct task_struct, cut down to what the mm uses. */
export class task_struct {
  /** Process id. */
  readonly pid: number;
  /** Command name (16 bytes in the kernel, truncated to 15 characters). */
  comm: string;
  /** TASK_RUNNING etc. */
  state = TASK_RUNNING;
  /** 0, EXIT_ZOMBIE or EXIT_DEAD. */
  exit_state = 0;
  /** The address space, null for kernel threads (and after exit_mm). */
  mm: mm_struct | null = null;
  /** The address space whose page tables are loaded while this task runs (borrowed by kernel threads). */
  active_mm: mm_struct | null = null;
  /** Personality bits (ADDR_COMPAT_LAYOUT, READ_IMPLIES_EXEC, ...). */
  personality = 0;
  /** current->signal->rlim. */
  readonly signal: { rlim: rlimit[] };
  /** Minor faults (resolved without I/O). */
  min_flt = 0;
  /** Major faults (resolved with I/O). */
  maj_flt = 0;
  /** thread.cr2 / error_code / trap_no as the last fault signal recorded them. */
  readonly thread = { cr2: 0, error_code: 0, trap_no: 0 };
  /** Signals queued by force_sig_info, oldest first. */
  readonly pending: siginfo[] = [];
  /** The parent process (real_parent), for /proc/PID/status PPid. */
  parent: task_struct | null = null;
  /** Effective capability bits (cap_effective). */
  cap_effective = 0;
  /** User id. */
  uid = 0;
  /** Registers of the user context (esp matters for stack growth). */
  readonly regs: pt_regs = { esp: 0, eip: 0, xcs: __USER_CS, eflags: X86_EFLAGS_IF };
  /** Exit code once the task has exited. */
  exit_code = 0;
  /** The open files mmap may be given by descriptor (current->files, reduced to fd -> file). */
  readonly files = new Map<number, vm_file>();
  constructor(pid: number, comm: string, rlim: rlimit[] = INIT_RLIMITS()) {
    this.pid = pid;
    this.comm = comm.slice(0, 15);
    this.signal = { rlim };
  }
}

/** capable(cap): the task has the capability (no LSM). */
export function capable(task: task_struct, cap: number): boolean {
  return (task.cap_effective & (1 << cap)) !== 0;
}
