/*
 * elf-run.ts — running fixtures/elf/memorylayout after exec: the played glibc (elf-glibc.ts)
 * issues its brk/mmap2/mprotect/munmap system calls to the model's mm (sys_brk, sys_mmap2,
 * sys_mprotect, sys_munmap; ld.so opens libraries through the page cache as descriptors), its
 * stores fault pages in, and the report memorylayout.c would print is assembled from what the
 * model's kernel answered: symbol addresses from .symtab plus the load bias, the break and mmap
 * results, the stack pointers create_elf_tables wrote, AT_SYSINFO_EHDR from the auxv, and
 * /proc/PID/maps. Also the one-call exec of a host file copied into the RAM file system.
 *
 * The one thing not derived: main's local variable lies a fixed distance below the initial stack
 * pointer (the frames of _start, __libc_start_main and main), measured under qemu-i386 for these
 * binaries (MAIN_FRAME_DISTANCE).
 */

import { PAGE_SIZE } from "@i386mm/hw-i386";
import { ByteArrayBackend, IS_ERR, O_RDONLY, PTR_ERR, type file as pc_file } from "@i386mm/page-cache";
import { RLIM_INFINITY, RLIMIT_STACK } from "./constants.js";
import { elf_lookup_symbol, readElf } from "./elf.js";
import { AT_SYSINFO_EHDR } from "./elf-binfmt.js";
import {
  deliver_fatal_signal,
  do_execve,
  type ExecOptions,
  type ExecResult,
  install_file,
  pageCacheOf,
} from "./elf-exec.js";
import {
  type DlOpenable,
  type GlibcProcess,
  glibc_static_start,
  memorylayout_main,
  rtld_start,
  type UserSyscalls,
} from "./elf-glibc.js";
import { DL_SYSTEM_DIRS } from "./elf-ld-so.js";
import {
  layoutRegions,
  MemorylayoutError,
  type MemorylayoutReport,
  seedLayoutTable,
} from "./elf-memorylayout.js";
import { create_task, do_exit, release_task } from "./fork.js";
import { sys_brk, sys_munmap } from "./mmap.js";
import { sys_mprotect } from "./mprotect.js";
import { proc_pid_maps } from "./proc.js";
import { schedule_to } from "./sched.js";
import { sys_mmap2 } from "./sys-i386.js";
import type { task_struct } from "./task.js";
import { user_write } from "./uaccess.js";
import type { VmSystem } from "./vm.js";

/** Measured under qemu-i386: initial stack pointer minus &stack_local in main, per kind of build. */
export const MAIN_FRAME_DISTANCE = { static: 0x168, dynamic: 0xf8 } as const;

/** The played process's system calls, served by the model's mm for the current task. */
export function vm_user_syscalls(vm: VmSystem): UserSyscalls {
  return {
    brk: (addr) => sys_brk(vm, addr),
    mmap: (addr, len, prot, flags, fd, offset) =>
      sys_mmap2(vm, addr, len, prot, flags, fd, offset / PAGE_SIZE),
    mprotect: (addr, len, prot) => sys_mprotect(vm, addr, len, prot),
    munmap: (addr, len) => sys_munmap(vm, addr, len),
    memset: (addr, len) => {
      user_write(vm, addr, new Uint8Array(len));
    },
    touch: (addr) => {
      user_write(vm, addr, [1]);
    },
  };
}

/** A run of memorylayout: the exec, the report, the played libraries. */
export interface MemorylayoutRun {
  readonly exec: ExecResult;
  readonly task: task_struct;
  readonly report: MemorylayoutReport;
  /** glibc's error (a library not found), or null. */
  readonly error: string | null;
}

/** Options of {@link run_memorylayout}. */
export interface RunOptions extends ExecOptions {
  readonly argv?: readonly string[];
  readonly envp?: readonly string[];
}

const hexOf = (n: number) => n >>> 0;

/**
 * exec `path` in the current task and play memorylayout.c to its report: static builds through
 * glibc's static start-up, dynamic ones through ld.so mapping DT_NEEDED libraries found in
 * /lib/i386-linux-gnu, /usr/lib/i386-linux-gnu, /lib, /usr/lib. Throws when exec fails (the caller
 * wanted a run); exec's own refusals are {@link do_execve}'s to report.
 */
export function run_memorylayout(vm: VmSystem, path: string, opts: RunOptions = {}): MemorylayoutRun {
  const pc = pageCacheOf(vm, "run_memorylayout");
  const argv = opts.argv ?? [path];
  const envp = opts.envp ?? ["HOME=/", "TERM=linux"];
  const exec = do_execve(vm, path, argv, envp, opts);
  if (exec.retval < 0 || exec.signal)
    throw new MemorylayoutError(
      "run_memorylayout",
      `exec ${path} failed: ${exec.problem?.reason ?? exec.retval}`,
      Math.min(exec.retval, 0),
    );
  const task = vm.current;
  const mm = task.mm!;
  const sys = vm_user_syscalls(vm);
  const bytes = pc.readFile(path);
  if (IS_ERR(bytes))
    throw new MemorylayoutError("run_memorylayout", `read ${path}: ${bytes}`, PTR_ERR(bytes));
  const exe = readElf(bytes);
  let proc: GlibcProcess;
  let error: string | null = null;
  const opened: pc_file[] = [];
  if (exe.interp) {
    const ldBytes = pc.readFile(exe.interp);
    if (IS_ERR(ldBytes))
      throw new MemorylayoutError("run_memorylayout", `read ${exe.interp}: ${ldBytes}`, PTR_ERR(ldBytes));
    const open = (name: string): DlOpenable | null => {
      for (const dir of DL_SYSTEM_DIRS) {
        const f = pc.filp_open(`${dir}${name}`, O_RDONLY);
        if (IS_ERR(f)) continue;
        const b = pc.readFile(`${dir}${name}`) as Uint8Array;
        let fd = 3;
        while (task.files.has(fd)) fd++;
        task.files.set(fd, f);
        opened.push(f);
        return { file: readElf(b), fd, path: `${dir}${name}` };
      }
      return null;
    };
    const r = rtld_start(
      sys,
      { exe, exeBias: exec.load_bias, exePath: path },
      { file: readElf(ldBytes), l_addr: exec.interp_load_addr },
      open,
    );
    for (const [fd, f] of [...task.files]) if (opened.some((o) => o === f)) task.files.delete(fd);
    for (const f of opened) pc.fput(f); /* close: the VMAs keep their own references */
    proc = r;
    error = r.error;
  } else {
    proc = glibc_static_start(sys, { exe, exeBias: exec.load_bias, exePath: path });
  }
  const main = memorylayout_main(sys, proc);
  const sym = (name: string) => {
    const s = elf_lookup_symbol(exe, name);
    return s ? hexOf(s.st_value + exec.load_bias) : 0;
  };
  const stackLimit = task.signal.rlim[RLIMIT_STACK].rlim_cur;
  const values = new Map<string, number | "unlimited">([
    ["text_main", sym("main")],
    ["data_initialized_global", sym("data_initialized_global")],
    ["bss_uninitialized_global", sym("bss_uninitialized_global")],
    ["brk_initial_sbrk0", main.brk_initial_sbrk0],
    ["heap_malloc16", main.heap_malloc16],
    ["brk_after_malloc16", main.brk_after_malloc16],
    ["mmap_malloc_1MiB", main.mmap_malloc_1MiB],
    ["mmap_anon_4KiB", main.mmap_anon_4KiB],
    ["mmap_anon_4KiB_second", main.mmap_anon_4KiB_second],
    ["mmap_anon_64MiB_noreserve", main.mmap_anon_64MiB_noreserve],
    ["stack_local", exec.sp - (exe.interp ? MAIN_FRAME_DISTANCE.dynamic : MAIN_FRAME_DISTANCE.static)],
    ["stack_argv", exec.sp + 4],
    ["stack_argv0_string", mm.arg_start],
    ["vdso_AT_SYSINFO_EHDR", exec.auxv.find(([t]) => t === AT_SYSINFO_EHDR)?.[1] ?? 0],
    ["rlimit_stack_cur", stackLimit === RLIM_INFINITY ? "unlimited" : stackLimit],
  ]);
  const settings = `randomize_va_space=- legacy_va_layout=${vm.sysctl_legacy_va_layout} ulimit_s=${
    stackLimit === RLIM_INFINITY ? "unlimited" : Math.floor(stackLimit / 1024)
  }`;
  const maps = proc_pid_maps(task).replace(/\n$/, "").split("\n");
  return { exec, task, report: { settings, values, maps }, error };
}

/** The layout a run is made in: the sysctl and the stack rlimit, as the oracle's runs a, b and c. */
export interface RunSetting {
  /** vm.legacy_va_layout. */
  readonly legacy_va_layout: 0 | 1;
  /** RLIMIT_STACK's soft limit in bytes, or "unlimited". */
  readonly stack: number | "unlimited";
}

/**
 * The one call: copy host files into the RAM file system (the program and the libraries it
 * needs), make a task with the given layout setting, exec the program in it and play memorylayout.
 */
export function memorylayout_from_host(
  vm: VmSystem,
  files: Readonly<Record<string, Uint8Array>>,
  path: string,
  setting: RunSetting = { legacy_va_layout: 0, stack: 8 << 20 },
  opts: RunOptions = {},
): MemorylayoutRun {
  for (const [p, b] of Object.entries(files)) install_file(pageCacheOf(vm, "memorylayout_from_host"), p, b);
  vm.sysctl_legacy_va_layout = setting.legacy_va_layout;
  const task = create_task(vm, path.slice(path.lastIndexOf("/") + 1))!;
  const cur = setting.stack === "unlimited" ? RLIM_INFINITY : setting.stack;
  task.signal.rlim[RLIMIT_STACK] = { rlim_cur: cur, rlim_max: RLIM_INFINITY };
  schedule_to(vm, task);
  return run_memorylayout(vm, path, opts);
}

/**
 * The one-call exec: copy a host file into the RAM file system at `path` (or, with `bytes` null,
 * take the file already there), make a task, exec it there, and deliver a fatal signal the exec
 * queued (the task then exits).
 */
export function exec_host_file(
  vm: VmSystem,
  path: string,
  bytes: Uint8Array | null,
  argv: readonly string[] = [path],
  envp: readonly string[] = [],
  opts: ExecOptions = {},
): { task: task_struct; exec: ExecResult; died: boolean } {
  if (bytes) install_file(pageCacheOf(vm, "exec_host_file"), path, bytes);
  const task = create_task(vm, path.slice(path.lastIndexOf("/") + 1))!;
  schedule_to(vm, task);
  const exec = do_execve(vm, path, argv, envp, opts);
  const died = deliver_fatal_signal(vm, exec);
  return { task, exec, died };
}

/** exit: the current task's do_exit (its mm, page tables and frames go back). */
export function exit_current(vm: VmSystem, code = 0): void {
  do_exit(vm, code);
}

/** Both layouts of one program, and the seed's table filled with their addresses. */
export interface SideBySide {
  readonly classic: MemorylayoutReport;
  readonly flexible: MemorylayoutReport;
  /** The seed's "memory region layout" table (Markdown). */
  readonly table: string;
}

/**
 * Runs memorylayout at `path` twice, in the flexible layout (vm.legacy_va_layout = 0) and in the
 * classic one (= 1), each in a new task that exits afterwards, and fills the seed's table.
 */
export function memorylayout_side_by_side(vm: VmSystem, path: string, opts: RunOptions = {}): SideBySide {
  const saved = vm.sysctl_legacy_va_layout;
  const one = (legacy: 0 | 1) => {
    const run = memorylayout_from_host(vm, {}, path, { legacy_va_layout: legacy, stack: 8 << 20 }, opts);
    do_exit(vm, 0);
    release_task(vm, run.task);
    return run.report;
  };
  const flexible = one(0);
  const classic = one(1);
  vm.sysctl_legacy_va_layout = saved;
  const table = seedLayoutTable(layoutRegions(classic, path), layoutRegions(flexible, path));
  return { classic, flexible, table };
}

/**
 * Mounts an ext2 image (bytes of a disk) at `mountpoint` through the page cache's block layer
 * (add_disk "hda" and sys_mount): 0 or -errno. With `libs`, /lib becomes a symlink to the
 * image's /lib, so an interpreter path (/lib/ld-linux.so.2) and ld.so's search find the image's.
 */
export function mount_ext2_image(
  vm: VmSystem,
  image: Uint8Array,
  mountpoint = "/mnt",
  opts: { disk?: string; libs?: boolean } = {},
): number {
  const pc = pageCacheOf(vm, "mount_ext2_image");
  const disk = opts.disk ?? "hda";
  const g = pc.add_disk(disk, new ByteArrayBackend(image));
  if (IS_ERR(g)) return PTR_ERR(g);
  pc.sys_mkdir(mountpoint);
  const r = pc.sys_mount(`/dev/${disk}`, mountpoint, "ext2", 0);
  if (r !== 0) return r;
  return opts.libs ? pc.sys_symlink(`${mountpoint}/lib`, "/lib") : 0;
}

/**
 * The one-call exec from an ext2 image: mount it at /mnt (with /lib linked to the image's /lib)
 * unless mounted already, then {@link exec_host_file} of `/mnt${path}` in a new task.
 */
export function exec_ext2_image(
  vm: VmSystem,
  image: Uint8Array,
  path: string,
  argv: readonly string[] = [`/mnt${path}`],
  envp: readonly string[] = [],
  opts: ExecOptions = {},
): { task: task_struct; exec: ExecResult; died: boolean } | number {
  const pc = pageCacheOf(vm, "exec_ext2_image");
  if (IS_ERR(pc.stat("/mnt/lib"))) {
    const r = mount_ext2_image(vm, image, "/mnt", { libs: true });
    if (r !== 0) return r;
  }
  return exec_host_file(vm, `/mnt${path}`, null, argv, envp, opts);
}
