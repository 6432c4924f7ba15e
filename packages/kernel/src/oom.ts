/*
 * oom.ts — the OOM killer of a booted kernel, mm/oom_kill.c (2.6.11): the page allocator's
 * out_of_memory hook. select_bad_process scores every task but the idle tasks and init (pid 1)
 * with badness() and picks the highest; oom_kill_process kills a child with its own mm first, else
 * the task; oom_kill_task prints "Out of Memory: Killed process PID (COMM).", sets TIF_MEMDIE and
 * sends SIGKILL. With no candidate, out_of_memory panics ("Out of memory and no killable
 * processes..."), which the page allocator does when this hook returns null.
 * The model's timing: out_of_memory sleeps (schedule_timeout(1)) so that the victim can run and
 * exit; the model runs that exit at once (do_exit(SIGKILL) on the victim's CPU, or switched to on
 * this one and back). A victim that is the current task cannot exit inside its own allocation: it
 * keeps SIGKILL pending and TIF_MEMDIE, which lets it take pages below the watermarks (pass 3 of
 * __alloc_pages) and gives it NULL when even that fails (a fault then ends in do_page_fault's
 * "VM: killing process"). Its SIGKILL is delivered when it returns to user mode, which is the
 * caller's business in the model (the task stays alive with the signal pending).
 * Not modelled in badness(): CPU and run time (the model has no clock: both divisors are 1),
 * nice and oomkilladj (always 0).
 * Invariants: a task with TIF_MEMDIE is alive and has SIGKILL pending; init and the idle tasks are
 * never chosen.
 */
import type { PageAllocator } from "@i386mm/page-alloc";
import {
  CAP_SYS_ADMIN,
  do_exit,
  SIGKILL,
  schedule_to,
  task_cpu,
  type task_struct,
  type VmSystem,
} from "@i386mm/vma";

/** CAP_SYS_RAWIO (include/linux/capability.h). */
const CAP_SYS_RAWIO = 17;

/** Tasks with TIF_MEMDIE set (thread_info flags: the model's task_struct has no flags word). */
const memdie = new WeakSet<task_struct>();

/** test_tsk_thread_flag(p, TIF_MEMDIE): `p` is an OOM-killer victim that has not exited yet. */
export function tif_memdie(p: task_struct): boolean {
  return memdie.has(p) && p.exit_state === 0;
}

function alive(vm: VmSystem): task_struct[] {
  return [...vm.tasks.values()].filter((t) => t.exit_state === 0);
}

/**
 * badness(p) (mm/oom_kill.c): the task's total_vm plus that of its children with their own mm,
 * divided by 4 for root or CAP_SYS_ADMIN, by 4 again for CAP_SYS_RAWIO. 0 without an mm.
 */
export function badness(vm: VmSystem, p: task_struct): number {
  const mm = p.mm;
  if (mm === null) return 0;
  let points = mm.total_vm;
  for (const c of alive(vm)) if (c.parent === p && c.mm !== null && c.mm !== mm) points += c.mm.total_vm;
  if (p.cap_effective & (1 << CAP_SYS_ADMIN) || p.uid === 0) points = Math.floor(points / 4);
  if (p.cap_effective & (1 << CAP_SYS_RAWIO)) points = Math.floor(points / 4);
  return points;
}

/**
 * select_bad_process(): the live task with pid > 1 and the most badness points (the first one
 * found on a tie), or null. A victim already chosen that has not exited yet is returned again
 * (2.6.11 waits for it: ERR_PTR(-1UL)).
 */
export function select_bad_process(vm: VmSystem): task_struct | null {
  let chosen: task_struct | null = null;
  let maxpoints = 0;
  for (const p of alive(vm)) {
    if (p.pid <= 1) continue;
    if (tif_memdie(p)) return p;
    const points = badness(vm, p);
    if (points > maxpoints || chosen === null) {
      chosen = p;
      maxpoints = points;
    }
  }
  return chosen;
}

/** The victim exits now (what it does once it runs with SIGKILL pending). */
function run_exit(vm: VmSystem, p: task_struct): void {
  const m = vm.machine;
  const here = m.current;
  const cpu = task_cpu(vm, p);
  if (cpu >= 0) {
    m.setCurrentCpu(cpu);
    do_exit(vm, SIGKILL);
    m.setCurrentCpu(here);
    return;
  }
  const prev = vm.current;
  schedule_to(vm, p);
  do_exit(vm, SIGKILL); // schedules to the idle task
  if (prev !== vm.idle[here]) schedule_to(vm, prev);
}

/** __oom_kill_task(p): the message, TIF_MEMDIE, force_sig(SIGKILL). */
function __oom_kill_task(vm: VmSystem, p: task_struct): void {
  vm.machine.printk(`Out of Memory: Killed process ${p.pid} (${p.comm}).`);
  memdie.add(p);
  p.pending.push({ si_signo: SIGKILL, si_errno: 0, si_code: 0, si_addr: 0 });
}

/** oom_kill_task(p): kill p and every other task sharing its mm; false when p has no mm. */
function oom_kill_task(vm: VmSystem, p: task_struct, victims: task_struct[]): boolean {
  const mm = p.mm;
  if (mm === null) return false;
  __oom_kill_task(vm, p);
  victims.push(p);
  for (const q of alive(vm))
    if (q !== p && q.mm === mm) {
      __oom_kill_task(vm, q);
      victims.push(q);
    }
  return true;
}

/**
 * The out_of_memory hook of `pa` for the processes of `vm` (boot installs it): null when no task
 * can be killed (the allocator then panics), else the kill. Also installs the TIF_MEMDIE test of
 * the current task.
 */
export function install_oom_killer(pa: PageAllocator, vm: VmSystem): void {
  const oom_killer = () => {
    const p = select_bad_process(vm);
    if (p === null) return null;
    return () => {
      const victims: task_struct[] = [];
      if (tif_memdie(p))
        victims.push(p); // chosen before and still alive: let it exit
      else {
        // oom_kill_process: a child with its own mm first
        let killed = false;
        for (const c of alive(vm))
          if (c.parent === p && c.mm !== p.mm && oom_kill_task(vm, c, victims)) {
            killed = true;
            break;
          }
        if (!killed) oom_kill_task(vm, p, victims);
      }
      for (const v of victims) if (v !== vm.current && v.exit_state === 0) run_exit(vm, v);
    };
  };
  pa.set_oom_killer(oom_killer, () => tif_memdie(vm.current));
}
