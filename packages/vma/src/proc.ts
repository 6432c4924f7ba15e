/*
 * proc.ts — the per-process /proc views of 2.6.11: fs/proc/task_mmu.c (show_map for
 * /proc/PID/maps, with the gate VMA of the vsyscall page as the last line; task_mem's lines of
 * /proc/PID/status; task_statm) and fs/proc/array.c (proc_pid_status: Name, State, Tgid, Pid,
 * PPid, then the memory lines) and fs/proc/base.c (proc_pid_auxv: mm->saved_auxv up to and
 * including AT_NULL, as raw 32-bit words). Each text view has a JSON twin for programs.
 *
 *   maps line: "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu " + (file: pad to column 49, path) + "\n"
 *              start    end     r w x s|p offset  major minor inode
 * No [heap]/[stack]/[vdso] labels: 2.6.11 prints none (they arrived in 2.6.18+); a 6.1 line of
 * the same VMA differs only by that label. VmPeak/VmHWM are not printed (2.6.13+).
 */

import { FIXADDR_USER_END, FIXADDR_USER_START, PAGE_SIZE } from "@i386mm/hw-i386";
import { VM_EXEC, VM_MAYSHARE, VM_READ, VM_WRITE } from "./constants.js";
import { file_maps_info } from "./filemap.js";
import type { mm_struct, vm_area_struct } from "./mm-types.js";
import { EXIT_DEAD, EXIT_ZOMBIE, type task_struct } from "./task.js";
import type { VmSystem } from "./vm.js";

/** One /proc/PID/maps line as data. */
export interface map_entry {
  /** vm_start. */
  start: number;
  /** vm_end. */
  end: number;
  /** "rwxp" style permissions. */
  perms: string;
  /** vm_pgoff << PAGE_SHIFT. */
  offset: number;
  /** Device of the mapped file (0:0 for anonymous memory). */
  dev: { major: number; minor: number };
  /** Inode number (0 for anonymous memory). */
  inode: number;
  /** The file's path, "" for anonymous memory. */
  path: string;
}

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
const hex2 = (n: number) => n.toString(16).padStart(2, "0");

/** show_map's fields for one VMA. */
export function map_entry_of(
  vma: Pick<vm_area_struct, "vm_start" | "vm_end" | "vm_flags" | "vm_pgoff" | "vm_file">,
): map_entry {
  const f = vma.vm_flags;
  const file = vma.vm_file;
  const info = file !== null ? file_maps_info(file) : null;
  return {
    start: vma.vm_start,
    end: vma.vm_end,
    perms: `${f & VM_READ ? "r" : "-"}${f & VM_WRITE ? "w" : "-"}${f & VM_EXEC ? "x" : "-"}${f & VM_MAYSHARE ? "s" : "p"}`,
    offset: (vma.vm_pgoff * PAGE_SIZE) % 2 ** 32,
    dev: info !== null ? info.dev : { major: 0, minor: 0 },
    inode: info !== null ? info.ino : 0,
    path: info !== null ? info.path : "",
  };
}

/** show_map: one line of /proc/PID/maps, "\n" included. */
export function show_map(e: map_entry): string {
  const head = `${hex8(e.start)}-${hex8(e.end)} ${e.perms} ${hex8(e.offset)} ${hex2(e.dev.major)}:${hex2(e.dev.minor)} ${e.inode} `;
  if (e.path === "") return `${head}\n`;
  // pad to column 25 + 6 * sizeof(void *) = 49, at least one character
  const len = Math.max(1, 25 + 4 * 6 - head.length);
  return `${head}${" ".repeat(len)}${e.path}\n`;
}

/** get_gate_vma: the vsyscall page, which every i386 process's maps ends with ("---p", no file). */
export const gate_vma = {
  vm_start: FIXADDR_USER_START,
  vm_end: FIXADDR_USER_END,
  vm_flags: 0,
  vm_pgoff: 0,
  vm_file: null,
};

/** /proc/PID/maps as data: each VMA, then the gate VMA. A task without mm has only the gate line. */
export function proc_pid_maps_json(task: task_struct): map_entry[] {
  const out: map_entry[] = [];
  const mm = task.mm;
  if (mm !== null) for (let v = mm.mmap; v !== null; v = v.vm_next) out.push(map_entry_of(v));
  out.push(map_entry_of(gate_vma));
  return out;
}

/** /proc/PID/maps, 2.6.11's text. */
export function proc_pid_maps(task: task_struct): string {
  return proc_pid_maps_json(task).map(show_map).join("");
}

/** The task_mem numbers of /proc/PID/status, in kB. */
export interface task_mem_kb {
  VmSize: number;
  VmLck: number;
  VmRSS: number;
  VmData: number;
  VmStk: number;
  VmExe: number;
  VmLib: number;
  VmPTE: number;
}

/** task_mem(mm): the memory lines' values, computed as 2.6.11 does (note VmExe/VmLib from start/end_code). */
export function task_mem_json(vm: VmSystem, mm: mm_struct): task_mem_kb {
  const data = mm.total_vm - mm.shared_vm - mm.stack_vm;
  const text = Math.floor(
    (Math.ceil(mm.end_code / PAGE_SIZE) * PAGE_SIZE - ((mm.start_code & ~(PAGE_SIZE - 1)) >>> 0)) / 1024,
  );
  const lib = mm.exec_vm * 4 - text;
  const p = vm.machine.paging;
  return {
    VmSize: (mm.total_vm - mm.reserved_vm) * 4,
    VmLck: mm.locked_vm * 4,
    VmRSS: mm.rss * 4,
    VmData: data * 4,
    VmStk: mm.stack_vm * 4,
    VmExe: text,
    VmLib: lib,
    VmPTE: Math.floor((p.PTRS_PER_PTE * p.ENTRY_SIZE * mm.nr_ptes) / 1024),
  };
}

/** task_mem(mm): "VmSize:\t%8lu kB\n" ... "VmPTE:\t%8lu kB\n". */
export function task_mem(vm: VmSystem, mm: mm_struct): string {
  const j = task_mem_json(vm, mm);
  const line = (k: keyof task_mem_kb) => `${k}:\t${String(j[k] >>> 0).padStart(8, " ")} kB\n`;
  return (["VmSize", "VmLck", "VmRSS", "VmData", "VmStk", "VmExe", "VmLib", "VmPTE"] as const)
    .map(line)
    .join("");
}

/** get_task_state's text. */
function task_state_name(t: task_struct): string {
  if (t.exit_state & EXIT_DEAD) return "X (dead)";
  if (t.exit_state & EXIT_ZOMBIE) return "Z (zombie)";
  return t.state === 0 ? "R (running)" : "S (sleeping)";
}

/** /proc/PID/status as data: identity and, with an mm, the memory lines (kB). */
export interface proc_status {
  Name: string;
  State: string;
  Tgid: number;
  Pid: number;
  PPid: number;
  mem: task_mem_kb | null;
}

/** proc_pid_status as data. */
export function proc_pid_status_json(vm: VmSystem, task: task_struct): proc_status {
  return {
    Name: task.comm,
    State: task_state_name(task),
    Tgid: task.pid,
    Pid: task.pid,
    PPid: task.parent?.pid ?? 0,
    mem: task.mm !== null ? task_mem_json(vm, task.mm) : null,
  };
}

/**
 * /proc/PID/status: task_name and the identity lines of task_state (Name, State, Tgid, Pid,
 * PPid; the model has no uids, groups, fds, signals or capabilities to print), then task_mem.
 */
export function proc_pid_status(vm: VmSystem, task: task_struct): string {
  const s = proc_pid_status_json(vm, task);
  let out = `Name:\t${s.Name.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\nState:\t${s.State}\nTgid:\t${s.Tgid}\nPid:\t${s.Pid}\nPPid:\t${s.PPid}\n`;
  if (task.mm !== null) out += task_mem(vm, task.mm);
  return out;
}

/**
 * proc_pid_auxv(task): /proc/PID/auxv's bytes, fs/proc/base.c: mm->saved_auxv's words up to and
 * including the AT_NULL pair, little-endian (a task that never exec'd reads one zero pair: the
 * kernel's array is all zero); empty for a task without an mm. proc_pid_auxv_json gives the pairs.
 */
export function proc_pid_auxv(task: task_struct): Uint8Array {
  const words = proc_pid_auxv_json(task).flat();
  const bytes = new Uint8Array(words.length * 4);
  const dv = new DataView(bytes.buffer);
  words.forEach((w, i) => {
    dv.setUint32(i * 4, w >>> 0, true);
  });
  return bytes;
}

/** proc_pid_auxv's `[type, value]` pairs, AT_NULL's included. */
export function proc_pid_auxv_json(task: task_struct): Array<[number, number]> {
  const mm = task.mm;
  if (mm === null) return [];
  const out: Array<[number, number]> = [];
  const v = mm.saved_auxv;
  for (let i = 0; ; i += 2) {
    const type = v[i] ?? 0;
    out.push([type, v[i + 1] ?? 0]);
    if (type === 0) return out; /* AT_NULL */
  }
}

/** task_statm(mm): /proc/PID/statm's first five numbers (size, resident, shared, text, data) in pages. */
export function task_statm(mm: mm_struct): {
  size: number;
  resident: number;
  shared: number;
  text: number;
  data: number;
} {
  return {
    size: mm.total_vm,
    resident: mm.rss,
    shared: mm.rss - mm.anon_rss,
    text:
      (Math.ceil(mm.end_code / PAGE_SIZE) * PAGE_SIZE - ((mm.start_code & ~(PAGE_SIZE - 1)) >>> 0)) /
      PAGE_SIZE,
    data: mm.total_vm - mm.shared_vm,
  };
}
