/*
 * sched.ts — the mm half of a context switch, kernel/sched.c (2.6.11): context_switch (switch_mm
 * for a user task; for a kernel thread, borrow the previous active_mm in lazy-TLB mode with a
 * mm_count reference) and finish_task_switch (mmdrop the mm a kernel thread gave back).
 * There is no scheduler policy: `schedule_to(vm, next)` switches the current CPU to `next`,
 * as schedule() would once it picked it. A task runs on at most one CPU at a time.
 */

import { KernelBugError } from "@i386mm/hw-i386";
import { mmdrop } from "./fork.js";
import type { mm_struct } from "./mm-types.js";
import type { task_struct } from "./task.js";
import { EXIT_DEAD, EXIT_ZOMBIE } from "./task.js";
import { enter_lazy_tlb, switch_mm } from "./tlbflush.js";
import type { VmSystem } from "./vm.js";

/** The CPU `tsk` is running on, or -1. */
export function task_cpu(vm: VmSystem, tsk: task_struct): number {
  return vm.curr.indexOf(tsk);
}

/**
 * context_switch(prev, next) + finish_task_switch on the current CPU: load next's mm (or lend it
 * prev's, lazily); a kernel-thread prev returns its borrowed mm (mmdrop after the switch).
 */
function context_switch(vm: VmSystem, prev: task_struct, next: task_struct): void {
  const mm = next.mm;
  const oldmm = prev.active_mm!;
  if (mm === null) {
    next.active_mm = oldmm;
    oldmm.mm_count++;
    enter_lazy_tlb(vm, oldmm, next);
  } else switch_mm(vm, oldmm, mm, next);
  let prev_mm: mm_struct | null = null;
  if (prev.mm === null) {
    prev.active_mm = null;
    prev_mm = oldmm;
  }
  vm.curr[vm.machine.current] = next;
  // finish_task_switch
  if (prev_mm !== null) mmdrop(vm, prev_mm);
  if (prev.exit_state === EXIT_ZOMBIE || prev.exit_state === EXIT_DEAD) prev.state = -1; // TASK_DEAD, off the CPU
}

/**
 * schedule_to(next): run `next` on the current CPU (machine.current). `next` must not be running
 * on another CPU, and a task that has exited cannot run again.
 */
export function schedule_to(vm: VmSystem, next: task_struct): void {
  const prev = vm.current;
  if (prev === next) return;
  const elsewhere = task_cpu(vm, next);
  if (elsewhere >= 0)
    throw new KernelBugError(
      "schedule",
      undefined,
      `task ${next.pid} is already running on CPU ${elsewhere}`,
    );
  if (next.exit_state !== 0) throw new KernelBugError("schedule", undefined, `task ${next.pid} has exited`);
  context_switch(vm, prev, next);
}

/** schedule() to this CPU's idle task (what an exiting task does last). */
export function schedule_idle(vm: VmSystem): void {
  const idle = vm.idle[vm.machine.current]!;
  const prev = vm.current;
  if (prev !== idle) context_switch(vm, prev, idle);
}
