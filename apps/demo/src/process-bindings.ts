/*
 * process-bindings.ts — processes in the scenario language, over @i386mm/vma (mm_struct, VMAs,
 * faults, fork/COW, ELF exec) and the page cache the binaries are read through:
 *
 *   pid = exec("/bin/memorylayout-static", layout=classic, stack=8M)   a new process runs the file
 *   pid = run_memorylayout("/bin/memorylayout-static")                 ... and plays its main()
 *   a = mmap(pid, 0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
 *   munmap(pid, a, 4096)   mprotect(pid, a, 4096, PROT_READ)   brk(pid, addr)
 *   touch(pid, a, "w")     a user access through the MMU: the fault path the kernel took
 *   user_write(pid, a, 7)  user_read(pid, a)   one byte stored/loaded by user code; a fault
 *                          signal is handled (stepped over) instead of killing: its name returns
 *   child = fork(pid)      exit(pid)      find_vma(pid, addr)      follow_page(pid, addr, 0)
 *   translate pid 0x08048000      cat /proc/PID/maps | status | statm
 *
 * A process is a task of the VmSystem, named by its pid. System calls run in the context of
 * `current`, as the kernel's do: each call first switches this CPU to the process (schedule_to:
 * switch_mm loads its page directory), then makes the call. The scenario is the shell: exec makes
 * a new task (fork + execve of a shell, without the shell's own address space), exit reaps it
 * (the parent's wait). Errors a user makes (a pid that does not exist, an exec the kernel refuses,
 * an access that ends in SIGSEGV) are ProcessErrors: the line fails with the kernel's reason.
 * Binaries come from the model's file system; a path missing there is installed on first use
 * from the Userland the front end supplies (the CLI: the shipped fixtures/elf binaries; a web
 * page: bytes it fetched), so this file stays browser-safe.
 */

import * as hw from "@i386mm/hw-i386";
import { Errno } from "@i386mm/hw-i386";
import type { DirectPages } from "@i386mm/kernel";
import { IS_ERR, type PageCache } from "@i386mm/page-cache";
import type { mm_struct, task_struct, VmSystem, vm_area_struct } from "@i386mm/vma";
import * as vma from "@i386mm/vma";
import type { ParamType, Signature } from "./bindings.js";
import type { BindingContext } from "./free-bindings.js";
import { type Binding, TypedResult } from "./kernel-api.js";
import type { KwParam } from "./kwargs.js";
import { hex, num, type Value } from "./values.js";

/** Files the model's root file system can be populated from (the front end's, not the model's). */
export interface Userland {
  /** The bytes of `path` (an absolute path in the model: /bin/memorylayout-static), or null. */
  read(path: string): Uint8Array | null;
  /** Every path it has, for help and completion. */
  readonly paths: readonly string[];
}

/** Host files a scenario names (mount("disk.img")): read relative to the CLI's directory. */
export interface HostFiles {
  /** The bytes, or an error message (no such file, a directory, ...). */
  read(path: string): Uint8Array | string;
}

/** What the process bindings need: the layers, the VM system, the page cache, the front end's files. */
export interface ProcessContext extends BindingContext {
  readonly vm: VmSystem;
  /** The record of the pages the scenario holds (page_cache_alloc allocates through it). */
  readonly direct: DirectPages;
  readonly pc: PageCache;
  readonly userland?: Userland;
  readonly host?: HostFiles;
}

/** A scenario's mistake about processes (no such pid, exec refused, a fatal signal): its line fails. */
export class ProcessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProcessError";
  }
}

/** The result of touch(): which way the fault handler went. */
export interface FaultPath {
  /** The kernel functions on the path, outermost first ("do_page_fault > do_anonymous_page"). */
  readonly path: string;
  /** One sentence: what happened to the page. */
  readonly what: string;
  readonly address: number;
  /** The frame mapped afterwards (-1 if none). */
  readonly pfn: number;
  /** Minor / major faults the access cost. */
  readonly min_flt: number;
  readonly maj_flt: number;
}

const MM = "mm/mmap.c";
const MEMORY = "mm/memory.c";
const FORK = "kernel/fork.c";
const EXEC = "fs/exec.c";

/** `layout=` and `stack=` of exec and run_memorylayout. */
const EXEC_KW: readonly KwParam[] = [
  {
    name: "layout",
    type: "words",
    words: ["classic", "flexible"],
    doc: "vm.legacy_va_layout for this exec: classic = 1 (mmaps grow up from 0x40000000), flexible = 0 (down from below the stack)",
  },
  {
    name: "stack",
    type: "int",
    words: ["unlimited"],
    doc: "RLIMIT_STACK (ulimit -s) in bytes, e.g. 8M; unlimited forces the classic layout",
  },
];

const obj = (kind: string, v: object): TypedResult => new TypedResult({ t: "obj", kind, v });
const errnoOr = (r: number, kind: "addr" | "int"): TypedResult =>
  new TypedResult(r < 0 && r > -4096 ? num(r, "errno") : num(kind === "addr" ? r >>> 0 : r, kind));

/** The /proc/PID files this model prints. */
export const PROC_PID_FILES = ["maps", "status", "statm", "auxv"] as const;

/** Every process binding of this kernel (see the file comment). */
/** A scenario binding's own call: positional arguments and the keyword arguments given. */
type BindingCall = (a: readonly unknown[], kw: Readonly<Record<string, number | string>>) => unknown;

/** `def(file, ret, name, params, call, kw?)`: adds one binding of `layer` to `out` (process and file bindings). */
export function bindingDefiner(out: Binding[], layer: Binding["layer"]) {
  return (
    file: string,
    ret: Signature["ret"],
    name: string,
    params: readonly (readonly [ParamType, string])[],
    call: BindingCall,
    kw?: readonly KwParam[],
  ): void => {
    out.push({
      name,
      layer,
      sig: { name, ret, params, file },
      call: (a, k) => call(a, k ?? {}),
      ...(kw ? { kw } : {}),
    });
  };
}

/** Argument `i` as a number (absent = 0), as the bindings read integers. */
export const argNumber = (a: readonly unknown[], i: number): number => Number(a[i] ?? 0);

export function processBindings(ctx: ProcessContext): Binding[] {
  const { vm } = ctx;
  const out: Binding[] = [];
  const reports = new Map<number, string>();
  const def = bindingDefiner(out, "vma");
  const n = argNumber;

  /** The live task `pid`, switched to on this CPU (its page tables loaded): `current` for the call. */
  const enter = (call: string, pidArg: unknown): task_struct => {
    const t = taskOf(vm, call, pidArg);
    vma.schedule_to(vm, t);
    return t;
  };
  const mmOf = (_call: string, t: task_struct): mm_struct => {
    if (t.mm === null)
      throw new ProcessError(`pid ${t.pid} (${t.comm}) has no address space (a kernel thread)`);
    return t.mm;
  };

  // --- exec: fs/exec.c do_execve in a new task
  const newTask = (
    call: string,
    path: string,
    kw: Readonly<Record<string, number | string>>,
  ): task_struct => {
    ensureInstalled(ctx, call, path);
    const comm = path.slice(path.lastIndexOf("/") + 1);
    const rlim = vma.INIT_RLIMITS();
    if (kw.stack !== undefined) {
      const s = kw.stack;
      if (s !== "unlimited" && (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s > 0xffffffff))
        throw new ProcessError(`stack=${s}: not a size in bytes (e.g. 8M) or unlimited`);
      rlim[vma.RLIMIT_STACK] = {
        rlim_cur: s === "unlimited" ? vma.RLIM_INFINITY : s,
        rlim_max: vma.RLIM_INFINITY,
      };
    }
    const t = vma.create_task(vm, comm, { rlim });
    if (t === null) throw new ProcessError(`${path}: out of memory for a new task (-ENOMEM)`);
    return t;
  };
  /** Run `body` with vm.legacy_va_layout as `layout=` asks (the sysctl is set back afterwards). */
  const withLayout = <T>(kw: Readonly<Record<string, number | string>>, body: () => T): T => {
    const saved = vm.sysctl_legacy_va_layout;
    if (kw.layout !== undefined) vm.sysctl_legacy_va_layout = kw.layout === "classic" ? 1 : 0;
    try {
      return body();
    } finally {
      vm.sysctl_legacy_va_layout = saved;
    }
  };
  /** A task that could not be made to run: exit and reap it. */
  const discard = (t: task_struct): void => {
    if (t.exit_state === 0) {
      vma.schedule_to(vm, t);
      vma.do_exit(vm, 0);
    }
    vma.release_task(vm, t);
  };

  def(
    EXEC,
    "int",
    "exec",
    [["str", "filename"]],
    (a, kw) => {
      const path = String(a[0] ?? "");
      const t = newTask("exec", path, kw);
      vma.schedule_to(vm, t);
      const r = withLayout(kw, () => vma.do_execve(vm, path, [path], ["HOME=/", "TERM=linux"]));
      if (r.retval < 0 && !r.pointOfNoReturn) {
        discard(t);
        throw new ProcessError(execReason(path, r.retval, r.problem));
      }
      if (r.signal !== null || r.retval < 0) {
        // Past the point of no return: the kernel kills the process (SIGKILL/SIGSEGV queued).
        discard(t);
        throw new ProcessError(`${execReason(path, r.retval, r.problem)}; process ${t.pid} killed`);
      }
      return t.pid;
    },
    EXEC_KW,
  );

  def(
    "fixtures/elf/memorylayout.c",
    "int",
    "run_memorylayout",
    [["str", "filename"]],
    (a, kw) => {
      const path = String(a[0] ?? "");
      const t = newTask("run_memorylayout", path, kw);
      vma.schedule_to(vm, t);
      let run: vma.MemorylayoutRun;
      try {
        run = withLayout(kw, () => vma.run_memorylayout(vm, path));
      } catch (e) {
        discard(t);
        throw new ProcessError(e instanceof Error ? e.message : String(e));
      }
      if (run.error) {
        discard(t);
        throw new ProcessError(`${path}: ${run.error}`);
      }
      reports.set(t.pid, vma.formatMemorylayoutReport(run.report));
      return t.pid;
    },
    EXEC_KW,
  );
  def("fixtures/elf/memorylayout.c", "int", "memorylayout_report", [["int", "pid"]], (a) => {
    const t = taskOf(vm, "memorylayout_report", a[0]);
    const r = reports.get(t.pid);
    if (r === undefined)
      throw new ProcessError(`pid ${t.pid} did not run memorylayout (use run_memorylayout)`);
    return r;
  });
  def("fixtures/elf/memorylayout.c", "int", "memorylayout_side_by_side", [["str", "filename"]], (a) => {
    const path = String(a[0] ?? "");
    ensureInstalled(ctx, "memorylayout_side_by_side", path);
    try {
      const s = vma.memorylayout_side_by_side(vm, path);
      return `${s.table.replace(/\n$/, "")}\n`;
    } catch (e) {
      throw new ProcessError(e instanceof Error ? e.message : String(e));
    }
  });

  // --- the address space: mm/mmap.c, mm/mprotect.c, arch/i386/kernel/sys_i386.c
  def(
    "arch/i386/kernel/sys_i386.c",
    "addr",
    "mmap",
    [
      ["int", "pid"],
      ["addr", "addr"],
      ["int", "len"],
      ["int", "prot"],
      ["int", "flags"],
      ["int", "fd"],
      ["int", "offset"],
    ],
    (a) => {
      const t = enter("mmap", a[0]);
      mmOf("mmap", t);
      const off = n(a, 6);
      if (off % hw.PAGE_SIZE !== 0) return errnoOr(-Errno.EINVAL, "addr"); // old_mmap's check
      const fd = n(a, 5);
      const file = fd >= 0 ? fdFile(ctx, fd) : null;
      if (fd >= 0 && file === null) return errnoOr(-Errno.EBADF, "addr");
      // The process was handed the scenario's descriptor (as if inherited): install it for the call.
      const had = t.files.get(fd);
      if (file) t.files.set(fd, file);
      try {
        return errnoOr(vma.sys_mmap2(vm, n(a, 1), n(a, 2), n(a, 3), n(a, 4), fd, off / hw.PAGE_SIZE), "addr");
      } finally {
        if (file) {
          if (had === undefined) t.files.delete(fd);
          else t.files.set(fd, had);
        }
      }
    },
  );
  def(
    MM,
    "errno",
    "munmap",
    [
      ["int", "pid"],
      ["addr", "addr"],
      ["int", "len"],
    ],
    (a) => {
      enter("munmap", a[0]);
      return vma.sys_munmap(vm, n(a, 1), n(a, 2));
    },
  );
  def(
    "mm/mprotect.c",
    "errno",
    "mprotect",
    [
      ["int", "pid"],
      ["addr", "start"],
      ["int", "len"],
      ["int", "prot"],
    ],
    (a) => {
      enter("mprotect", a[0]);
      return vma.sys_mprotect(vm, n(a, 1), n(a, 2), n(a, 3));
    },
  );
  def(
    MM,
    "addr",
    "brk",
    [
      ["int", "pid"],
      ["addr", "brk"],
    ],
    (a) => {
      enter("brk", a[0]);
      return vma.sys_brk(vm, n(a, 1)) >>> 0;
    },
  );

  // --- the MMU and the fault handler: arch/i386/mm/fault.c, mm/memory.c
  def(
    "arch/i386/mm/fault.c",
    "struct",
    "touch",
    [
      ["int", "pid"],
      ["addr", "addr"],
      ["str", "access"],
    ],
    (a, kw) => {
      const t = enter("touch", a[0]);
      const mm = mmOf("touch", t);
      const access = String(a[2] ?? "r");
      if (!/^[rwx]$/.test(access)) throw new ProcessError(`access must be "r", "w" or "x", not "${access}"`);
      if (kw.esp !== undefined) t.regs.esp = Number(kw.esp) >>> 0;
      const fp = touchPath(ctx, t, mm, n(a, 1) >>> 0, access as "r" | "w" | "x");
      return obj("fault", fp);
    },
    [
      {
        name: "esp",
        type: "int",
        doc: "the user stack pointer at the access (the esp - 32 rule of stack growth)",
      },
    ],
  );
  // user_read/user_write: one byte loaded or stored by user code (the fuzzer's accesses, whose
  // failure scenarios replay through them). Unlike touch, a fault signal does not kill: the
  // process is taken to have a SIGSEGV/SIGBUS handler that steps over the access, so the signal
  // the fault queued is delivered and dropped, and the call returns its name.
  const userByte = (call: string, a: readonly unknown[], store: number | null): TypedResult => {
    const t = enter(call, a[0]);
    mmOf(call, t);
    const sig0 = t.pending.length;
    const r =
      store === null ? vma.user_read(vm, n(a, 1) >>> 0, 1) : vma.user_write(vm, n(a, 1) >>> 0, [store]);
    t.pending.length = Math.min(t.pending.length, sig0);
    if (typeof r === "string") return new TypedResult({ t: "str", v: r });
    return new TypedResult(num(r === null ? 0 : r[0]!, "int"));
  };
  def(
    "arch/i386/mm/fault.c",
    "int",
    "user_read",
    [
      ["int", "pid"],
      ["addr", "addr"],
    ],
    (a) => userByte("user_read", a, null),
  );
  def(
    "arch/i386/mm/fault.c",
    "int",
    "user_write",
    [
      ["int", "pid"],
      ["addr", "addr"],
      ["int", "byte"],
    ],
    (a) => {
      const v = n(a, 2);
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new ProcessError(`byte ${v} is not 0..255`);
      return userByte("user_write", a, v);
    },
  );
  def("include/asm-i386/processor.h", "addr", "KSTK_ESP", [["int", "pid"]], (a) => {
    return taskOf(vm, "KSTK_ESP", a[0]).regs.esp >>> 0;
  });
  def(
    MEMORY,
    "page",
    "follow_page",
    [
      ["int", "pid"],
      ["addr", "address"],
      ["int", "write"],
    ],
    (a) => {
      const t = taskOf(vm, "follow_page", a[0]);
      const p = vma.follow_page(vm, mmOf("follow_page", t), n(a, 1), n(a, 2) !== 0);
      return p === null ? null : (p as number);
    },
  );

  // --- processes: kernel/fork.c, kernel/exit.c
  def(FORK, "int", "fork", [["int", "pid"]], (a) => {
    enter("fork", a[0]);
    const child = vma.do_fork(vm, 0);
    return child === null ? errnoOr(-Errno.ENOMEM, "int") : child.pid;
  });
  def("kernel/exit.c", "void", "exit", [["int", "pid"]], (a) => {
    const t = enter("exit", a[0]);
    vma.do_exit(vm, 0);
    vma.release_task(vm, t);
    reports.delete(t.pid);
  });

  // --- VMAs: mm/mmap.c find_vma and friends
  def(
    MM,
    "struct",
    "find_vma",
    [
      ["int", "pid"],
      ["addr", "addr"],
    ],
    (a) => {
      const t = taskOf(vm, "find_vma", a[0]);
      const v = vma.find_vma(mmOf("find_vma", t), n(a, 1));
      return v === null ? null : obj("struct vm_area_struct", v);
    },
  );
  def(
    MM,
    "struct",
    "find_vma_intersection",
    [
      ["int", "pid"],
      ["addr", "start_addr"],
      ["addr", "end_addr"],
    ],
    (a) => {
      const t = taskOf(vm, "find_vma_intersection", a[0]);
      const v = vma.find_vma_intersection(mmOf("find_vma_intersection", t), n(a, 1), n(a, 2));
      return v === null ? null : obj("struct vm_area_struct", v);
    },
  );
  def("arch/i386/mm/mmap.c", "addr", "mmap_base", [["int", "pid"]], (a) => {
    const t = taskOf(vm, "mmap_base", a[0]);
    return mmOf("mmap_base", t).mmap_base >>> 0;
  });
  def(
    MM,
    "int",
    "map_count",
    [["int", "pid"]],
    (a) => mmOf("map_count", taskOf(vm, "map_count", a[0])).map_count,
  );
  def("include/linux/sched.h", "int", "get_mm_rss", [["int", "pid"]], (a) => {
    return mmOf("get_mm_rss", taskOf(vm, "get_mm_rss", a[0])).rss;
  });
  kernelCalls(ctx, def, enter, mmOf);
  return out;
}

type Def = (
  file: string,
  ret: Signature["ret"],
  name: string,
  params: readonly (readonly [ParamType, string])[],
  call: (a: readonly unknown[], kw: Readonly<Record<string, number | string>>) => unknown,
  kw?: readonly KwParam[],
) => void;

/**
 * The vma layer's own kernel functions by their kernel names. Where the kernel finds the mm in
 * `current`, the binding takes the pid first and runs in that process (schedule_to), so
 * `sys_mprotect(pid, start, len, prot)` is `mprotect` made by process pid.
 */
function kernelCalls(
  ctx: ProcessContext,
  def: Def,
  enter: (call: string, pid: unknown) => task_struct,
  mmOf: (call: string, t: task_struct) => mm_struct,
): void {
  const { vm } = ctx;
  const n = (a: readonly unknown[], i: number): number => Number(a[i] ?? 0);
  const P: [ParamType, string] = ["int", "pid"];
  const addrOrErr = (r: number) => errnoOr(r, "addr");
  def(MM, "addr", "sys_brk", [P, ["addr", "brk"]], (a) => {
    enter("sys_brk", a[0]);
    return vma.sys_brk(vm, n(a, 1)) >>> 0;
  });
  def(MM, "errno", "sys_munmap", [P, ["addr", "addr"], ["int", "len"]], (a) => {
    enter("sys_munmap", a[0]);
    return vma.sys_munmap(vm, n(a, 1), n(a, 2));
  });
  def(
    "mm/mprotect.c",
    "errno",
    "sys_mprotect",
    [P, ["addr", "start"], ["int", "len"], ["int", "prot"]],
    (a) => {
      enter("sys_mprotect", a[0]);
      return vma.sys_mprotect(vm, n(a, 1), n(a, 2), n(a, 3));
    },
  );
  def(
    "arch/i386/kernel/sys_i386.c",
    "addr",
    "sys_mmap2",
    [P, ["addr", "addr"], ["int", "len"], ["int", "prot"], ["int", "flags"], ["int", "fd"], ["int", "pgoff"]],
    (a) => {
      const t = enter("sys_mmap2", a[0]);
      const fd = n(a, 5);
      const file = fd >= 0 ? fdFile(ctx, fd) : null;
      if (fd >= 0 && file === null) return addrOrErr(-Errno.EBADF);
      const had = t.files.get(fd);
      if (file) t.files.set(fd, file);
      try {
        return addrOrErr(vma.sys_mmap2(vm, n(a, 1), n(a, 2), n(a, 3), n(a, 4), fd, n(a, 6)));
      } finally {
        if (file) {
          if (had === undefined) t.files.delete(fd);
          else t.files.set(fd, had);
        }
      }
    },
  );
  def(MM, "errno", "do_munmap", [P, ["addr", "start"], ["int", "len"]], (a) => {
    const t = enter("do_munmap", a[0]);
    return vma.do_munmap(vm, mmOf("do_munmap", t), n(a, 1), n(a, 2));
  });
  def(MM, "addr", "do_brk", [P, ["addr", "addr"], ["int", "len"]], (a) => {
    enter("do_brk", a[0]);
    return addrOrErr(vma.do_brk(vm, n(a, 1), n(a, 2)));
  });
  def(
    MM,
    "addr",
    "get_unmapped_area",
    [P, ["addr", "addr"], ["int", "len"], ["int", "pgoff"], ["int", "flags"]],
    (a) => {
      enter("get_unmapped_area", a[0]);
      return addrOrErr(vma.get_unmapped_area(vm, null, n(a, 1), n(a, 2), n(a, 3), n(a, 4)));
    },
  );
  def("arch/i386/mm/mmap.c", "void", "arch_pick_mmap_layout", [P], (a) => {
    const t = enter("arch_pick_mmap_layout", a[0]);
    vma.arch_pick_mmap_layout(vm, mmOf("arch_pick_mmap_layout", t), t);
  });
  def("arch/i386/mm/mmap.c", "struct", "mmap_layout_name", [P], (a) => {
    const t = enter("mmap_layout_name", a[0]);
    return vma.mmap_layout_name(mmOf("mmap_layout_name", t));
  });
  def(MM, "struct", "find_vma_prev", [P, ["addr", "addr"]], (a) => {
    const t = enter("find_vma_prev", a[0]);
    const r = vma.find_vma_prev(mmOf("find_vma_prev", t), n(a, 1));
    return r.prev === null ? null : obj("struct vm_area_struct", r.prev);
  });
  def(MM, "struct", "find_extend_vma", [P, ["addr", "addr"]], (a) => {
    const t = enter("find_extend_vma", a[0]);
    const v = vma.find_extend_vma(vm, mmOf("find_extend_vma", t), n(a, 1));
    return v === null ? null : obj("struct vm_area_struct", v);
  });
  def(MM, "errno", "expand_stack", [P, ["addr", "address"]], (a) => {
    const t = enter("expand_stack", a[0]);
    const v = vma.find_vma(mmOf("expand_stack", t), n(a, 1));
    if (v === null || !(v.vm_flags & vma.VM_GROWSDOWN))
      throw new ProcessError(`no stack VMA (VM_GROWSDOWN) above ${hex(n(a, 1), 8)}`);
    return vma.expand_stack(vm, v, n(a, 1));
  });
  def(MEMORY, "int", "handle_mm_fault", [P, ["addr", "address"], ["int", "write_access"]], (a) => {
    const t = enter("handle_mm_fault", a[0]);
    const mm = mmOf("handle_mm_fault", t);
    const v = vma.find_vma(mm, n(a, 1));
    if (v === null || v.vm_start > n(a, 1))
      throw new ProcessError(`no VMA covers ${hex(n(a, 1), 8)} (do_page_fault would send SIGSEGV first)`);
    return vma.handle_mm_fault(vm, mm, v, n(a, 1), n(a, 2) !== 0);
  });
  def(MEMORY, "int", "make_pages_present", [P, ["addr", "addr"], ["addr", "end"]], (a) => {
    enter("make_pages_present", a[0]);
    return vma.make_pages_present(vm, n(a, 1), n(a, 2));
  });
  def("include/asm-i386/uaccess.h", "int", "get_user", [P, ["addr", "ptr"]], (a) => {
    enter("get_user", a[0]);
    const r = vma.get_user(vm, n(a, 1));
    return r.err ? new TypedResult(num(r.err, "errno")) : r.value;
  });
  def("include/asm-i386/uaccess.h", "errno", "put_user", [P, ["int", "x"], ["addr", "ptr"]], (a) => {
    enter("put_user", a[0]);
    return vma.put_user(vm, n(a, 1), n(a, 2));
  });
  def("arch/i386/lib/usercopy.c", "int", "clear_user", [P, ["addr", "to"], ["int", "n"]], (a) => {
    enter("clear_user", a[0]);
    return vma.clear_user(vm, n(a, 1), n(a, 2));
  });
  def(
    "include/asm-i386/uaccess.h",
    "bool",
    "access_ok",
    [
      ["addr", "addr"],
      ["int", "size"],
    ],
    (a) => vma.access_ok(n(a, 0), n(a, 1)),
  );
  def("arch/i386/kernel/smp.c", "void", "flush_tlb_mm", [P], (a) => {
    const t = enter("flush_tlb_mm", a[0]);
    vma.flush_tlb_mm(vm, mmOf("flush_tlb_mm", t));
  });
  def("include/asm-i386/page.h", "int", "VM_DATA_DEFAULT_FLAGS", [P], (a) =>
    vma.VM_DATA_DEFAULT_FLAGS(enter("VM_DATA_DEFAULT_FLAGS", a[0])),
  );
  def("fs/exec.c", "int", "VM_STACK_FLAGS", [P], (a) => {
    enter("VM_STACK_FLAGS", a[0]);
    return vma.VM_STACK_FLAGS(vm);
  });
  def("include/linux/mman.h", "int", "calc_vm_prot_bits", [["int", "prot"]], (a) =>
    vma.calc_vm_prot_bits(n(a, 0)),
  );
  def("include/linux/mman.h", "int", "calc_vm_flag_bits", [["int", "flags"]], (a) =>
    vma.calc_vm_flag_bits(n(a, 0)),
  );
  def("include/linux/mm.h", "struct", "vm_flags_names", [["int", "flags"]], (a) =>
    vma.vm_flags_names(n(a, 0)),
  );
  def("include/linux/err.h", "bool", "IS_ERR_ADDR", [["addr", "addr"]], (a) => vma.IS_ERR_ADDR(n(a, 0)));
  // The overcommit accounting, as the book shows it. Its callers in 2.6.11 (mmap, brk, mprotect,
  // shmem, exit) always pass a page count they computed, 0 .. what the address space can hold; a
  // scenario passing a negative or a fractional count by hand would leave vm_committed_space
  // disagreeing with the mappings it accounts for, so the model's argument check (not 2.6.11's)
  // refuses it: -EINVAL from the two that return an errno, a refused line from the two void ones.
  const pagesOk = (p: number) => Number.isInteger(p) && p >= 0 && p <= 0xfffff;
  const pagesArg = (call: string, a: readonly unknown[]): number => {
    const p = n(a, 0);
    if (!pagesOk(p))
      throw new ProcessError(
        `${call}: ${p} pages is no page count (the model's argument check: 0 .. 0xfffff, as 2.6.11's callers pass; -EINVAL)`,
      );
    return p;
  };
  def(MM, "void", "vm_acct_memory", [["int", "pages"]], (a) =>
    vma.vm_acct_memory(vm, pagesArg("vm_acct_memory", a)),
  );
  def(MM, "void", "vm_unacct_memory", [["int", "pages"]], (a) =>
    vma.vm_unacct_memory(vm, pagesArg("vm_unacct_memory", a)),
  );
  def(
    MM,
    "errno",
    "__vm_enough_memory",
    [
      ["int", "pages"],
      ["int", "cap_sys_admin"],
    ],
    (a) => (pagesOk(n(a, 0)) ? vma.__vm_enough_memory(vm, n(a, 0), n(a, 1) !== 0) : -Errno.EINVAL),
  );
  def("include/linux/security.h", "errno", "security_vm_enough_memory", [["int", "pages"]], (a) =>
    pagesOk(n(a, 0)) ? vma.security_vm_enough_memory(vm, n(a, 0)) : -Errno.EINVAL,
  );
  // write_cr3 by hand: 2.6.11 loads CR3 only in switch_mm and leave_mm, with the page directory of
  // the mm the CPU switches to (and its cpu_vm_mask bit). A scenario may reload this CPU's own
  // (a TLB flush); any other frame is refused (the model's check: the CPU would walk a table of
  // another mm, or garbage, while the kernel's records say otherwise). schedule_to(pid) switches.
  def("include/asm-i386/processor.h", "void", "write_cr3", [["phys", "pgdir"]], (a) => {
    const m = vm.machine;
    const cpu = m.cpus[m.current]!;
    const own = vm.pgd_pa(vm.cpu_tlbstate[m.current]!.active_mm);
    const pgdir = n(a, 0);
    if (pgdir !== own && pgdir !== cpu.cr3)
      throw new hw.ModelCheckError(
        "write_cr3",
        pgdir,
        `not the page directory of the mm CPU ${m.current} runs (${hex(own, 8)}); schedule_to(pid) switches mm`,
        "load it and translate through a table the kernel's records do not say is in use",
        false,
      );
    hw.write_cr3(cpu, hw.asPhys(pgdir));
  });
  def("kernel/sched.c", "void", "schedule_to", [P], (a) => {
    enter("schedule_to", a[0]);
  });
  def("kernel/sched.c", "void", "schedule_idle", [], () => vma.schedule_idle(vm));
  def("include/linux/sched.h", "int", "task_cpu", [P], (a) => vma.task_cpu(vm, taskOf(vm, "task_cpu", a[0])));
  def("kernel/pid.c", "int", "alloc_pid", [], () => vma.alloc_pid(vm));
  def("mm/mlock.c", "bool", "can_do_mlock", [P], (a) => vma.can_do_mlock(taskOf(vm, "can_do_mlock", a[0])));
  def("include/linux/sched.h", "bool", "capable", [P, ["int", "cap"]], (a) =>
    vma.capable(taskOf(vm, "capable", a[0]), n(a, 1)),
  );
  def("mm/rmap.c", "bool", "PageAnon", [["page", "page"]], (a) => vma.PageAnon(vm, n(a, 0)));
  def(FORK, "int", "do_fork", [P, ["int", "clone_flags"]], (a) => {
    enter("do_fork", a[0]);
    const child = vma.do_fork(vm, n(a, 1));
    return child === null ? errnoOr(-Errno.ENOMEM, "int") : child.pid;
  });
  def("kernel/exit.c", "void", "do_exit", [P, ["int", "code"]], (a) => {
    enter("do_exit", a[0]);
    vma.do_exit(vm, n(a, 1));
  });
  def("kernel/exit.c", "void", "release_task", [P], (a) => {
    const pid = n(a, 0);
    const t = vm.tasks.get(pid);
    if (t === undefined) throw new ProcessError(`pid ${pid}: No such process (-ESRCH)`);
    vma.release_task(vm, t);
  });
  def(EXEC, "errno", "do_execve", [P, ["str", "filename"]], (a) => {
    const t = enter("do_execve", a[0]);
    const path = String(a[1] ?? "");
    ensureInstalled(ctx, "do_execve", path);
    const r = vma.do_execve(vm, path, [path], ["HOME=/", "TERM=linux"]);
    if (r.pointOfNoReturn && (r.signal !== null || r.retval < 0)) {
      vma.do_exit(vm, vma.SIGKILL);
      vma.release_task(vm, t);
      throw new ProcessError(
        `${r.problem ? vma.formatElfProblem(r.problem) : path}; process ${t.pid} killed`,
      );
    }
    return r.retval;
  });
}

/**
 * Kernel-named exports of @i386mm/vma and @i386mm/page-cache a scenario cannot call by that name,
 * and why (the bindings test checks every export is bound or listed here).
 */
export const PROCESS_NOT_BOUND: Readonly<Record<string, string>> = {
  // vma: reached through the process calls above
  INIT_RLIMITS: "exec's new task gets them; stack= sets RLIMIT_STACK",
  _dl_map_object_from_file: "glibc's ld.so, played by run_memorylayout for a dynamic program",
  _dl_map_segments: "glibc's ld.so, played by run_memorylayout",
  _dl_protect_relro: "glibc's ld.so, played by run_memorylayout",
  activate_mm: "exec's step (exec_mmap); exec(...) runs it",
  alloc_zeroed_user_highpage: 'do_anonymous_page\'s step; touch(pid, addr, "w") runs it',
  anon_vma_prepare: "a fault's step; touch runs it",
  arch_get_unmapped_area: "the classic layout's get_unmapped_area (get_unmapped_area(pid, ...))",
  arch_get_unmapped_area_topdown: "the flexible layout's get_unmapped_area (get_unmapped_area(pid, ...))",
  arch_unmap_area: "munmap's step (free_area_cache), seen in mmap-placement.mm",
  arch_unmap_area_topdown: "munmap's step (free_area_cache), seen in mmap-placement.mm",
  clear_user_highpage: "do_anonymous_page's step; touch runs it",
  copy_from_user: "byte buffers: the language has none; get_user(pid, ptr) reads a word",
  copy_to_user: "byte buffers: the language has none; put_user(pid, x, ptr) writes a word",
  copy_mm: "fork's step: fork(pid)",
  copy_page_range: "fork's step: fork(pid)",
  copy_user_highpage: "do_wp_page's step; a COW touch runs it",
  create_elf_tables: "exec's step: exec(...) writes the auxiliary vector",
  create_task: "exec(...) makes the task it runs in",
  d_path: "the path column of cat /proc/PID/maps",
  do_mmap: "mmap(pid, ...) (sys_mmap2 -> do_mmap_pgoff)",
  do_mmap_pgoff: "mmap(pid, ...) and sys_mmap2(pid, ...) reach it with the fd's file",
  do_page_fault: "touch(pid, addr, access): a user access through the MMU raises it",
  elf_lookup_symbol: "run_memorylayout reads the program's symbols",
  elf_verdict: "exec(...) reports the kernel's refusal",
  enter_lazy_tlb: "context switches: schedule_to(pid), exit",
  exec_ext2_image: 'mount("disk.img") then exec("/mnt/..."); i386mm exec --image',
  exec_host_file: "i386mm exec ELF",
  exec_mmap: "exec's step",
  exit_mm: "exit's step: exit(pid)",
  exit_mmap: "exit's step: exit(pid)",
  file_maps_info: "the dev and inode columns of cat /proc/PID/maps",
  follow_pte: "translate PID ADDR walks the tables",
  flush_tlb_page: "takes a vm_area_struct; a COW fault and mprotect flush (flush_tlb_mm(pid) is bound)",
  flush_tlb_range: "takes a vm_area_struct; mprotect and munmap flush (flush_tlb_mm(pid) is bound)",
  generic_file_mmap: "mmap(pid, ..., fd, offset) of a file",
  get_task_mm: "every process call finds the mm by pid",
  get_user_pages: "byte buffers; follow_page(pid, addr, write) finds one page",
  insert_vm_struct: "mmap's step; takes a vm_area_struct the scenario cannot build",
  install_arg_page: "exec's step (setup_arg_pages)",
  install_file: "the front end installs /bin and /lib files on first use",
  install_page: "sys_remap_file_pages' step",
  kernel_access: "a kernel-mode access: translate ADDR shows the walk",
  leave_mm: "context switches (lazy TLB)",
  live_mms: "the invariant checker's helper: check",
  load_elf_binary: "exec(...) (do_execve -> search_binary_handler)",
  load_elf_interp: "exec(...) of a dynamic program",
  map_entry_of: "one line of cat /proc/PID/maps",
  memorylayout_from_host: "i386mm exec; run_memorylayout(path, layout=, stack=)",
  mm_alloc: "exec and fork make the mm",
  mmdrop: "exit's step",
  mmput: "exit's step",
  mount_ext2_image: 'mount("disk.img")',
  old_mmap: "takes its arguments in user memory; mmap(pid, ...) is the same call",
  page_add_anon_rmap: "a fault's step (touch)",
  page_add_file_rmap: "a file fault's step (touch)",
  page_remove_rmap: "munmap's and exit's step",
  pgd_alloc: "mm_alloc's step (exec, fork)",
  pgd_free: "mmdrop's step (exit)",
  proc_pid_maps: "cat /proc/PID/maps",
  proc_pid_maps_json: "cat /proc/PID/maps --json",
  proc_pid_auxv: "cat /proc/PID/auxv (printed decoded, as LD_SHOW_AUXV=1 does: the file is binary)",
  proc_pid_auxv_json: "cat /proc/PID/auxv --json",
  proc_pid_status: "cat /proc/PID/status",
  proc_pid_status_json: "cat /proc/PID/status --json",
  pte_alloc_map: "a fault's step (touch)",
  rb_erase: "the VMA tree's own step; find_vma walks the tree",
  rb_first: "the VMA tree's own step",
  rb_insert_color: "the VMA tree's own step",
  rb_last: "the VMA tree's own step",
  rb_link_node: "the VMA tree's own step",
  rb_next: "the VMA tree's own step",
  rb_prev: "the VMA tree's own step",
  setup_arg_pages: "exec's step",
  shmem_zero_setup: "mmap(pid, ..., MAP_SHARED|MAP_ANONYMOUS, -1, 0) reaches it",
  show_map: "one line of cat /proc/PID/maps",
  split_vma: "mprotect's and munmap's step (vma-merge-split.mm); takes a vm_area_struct",
  switch_mm: "context switches: schedule_to(pid)",
  sys_remap_file_pages: "nonlinear file mappings: not in the language's file model",
  task_mem: "cat /proc/PID/status",
  task_mem_json: "cat /proc/PID/status --json",
  task_statm: "cat /proc/PID/statm",
  unmap_mapping_range: "truncation's step; the page cache's truncate reaches it",
  unmap_vmas: "munmap's and exit's step",
  user_access: "touch(pid, addr, access)",
  user_mode: "the fault handler's test of the saved registers",
  vm_area_alloc: "mmap's step; a vm_area_struct from its slab cache",
  vm_user_syscalls: "run_memorylayout's played glibc calls",
  vma_list: "cat /proc/PID/maps lists the VMAs",
  vma_merge: "mmap's, brk's and mprotect's step (vma-merge-split.mm); takes vm_area_structs",
  vma_pages: "find_vma(pid, addr) prints the region; (vm_end - vm_start) / PAGE_SIZE",
  zap_page_range: "munmap's step",
  // page-cache: value helpers of the C headers, and structures the language cannot hold
  ERR_PTR: "a pointer-or-errno encoding; the bindings return -errno",
  IS_ERR: "a pointer-or-errno test; the bindings return -errno",
  PTR_ERR: "a pointer-or-errno decoding; the bindings return -errno",
  INIT_RADIX_TREE: "initialises an address_space's tree (inode set-up)",
  MAJOR: "dev_t arithmetic; cat /proc/diskstats prints major and minor",
  MINOR: "dev_t arithmetic; cat /proc/diskstats prints major and minor",
  MKDEV: "dev_t arithmetic; mount makes the disk's device",
  S_ISBLK: "mode tests of an inode the language cannot hold",
  S_ISCHR: "mode tests of an inode the language cannot hold",
  S_ISDIR: "mode tests of an inode the language cannot hold",
  S_ISLNK: "mode tests of an inode the language cannot hold",
  S_ISREG: "mode tests of an inode the language cannot hold",
  bh_offset: "page_buffer_list(page) prints each buffer's offset",
  buffer_async_read: "page_buffer_list(page) prints each buffer's state bits",
  buffer_async_write: "page_buffer_list(page) prints each buffer's state bits",
  buffer_dirty: "page_buffer_list(page) prints each buffer's state bits",
  buffer_locked: "page_buffer_list(page) prints each buffer's state bits",
  buffer_mapped: "page_buffer_list(page) prints each buffer's state bits",
  buffer_new: "page_buffer_list(page) prints each buffer's state bits",
  buffer_req: "page_buffer_list(page) prints each buffer's state bits",
  buffer_uptodate: "page_buffer_list(page) prints each buffer's state bits",
  buffer_write_io_error: "page_buffer_list(page) prints each buffer's state bits",
  map_bh: "get_block's step (a read maps its buffers)",
  radix_tree_delete: "the page cache's own tree; find_get_page(fd, index) looks pages up",
  radix_tree_gang_lookup: "the page cache's own tree; find_get_page(fd, index) looks pages up",
  radix_tree_gang_lookup_tag: "the page cache's own tree (writeback)",
  radix_tree_insert: "the page cache's own tree; a read inserts",
  radix_tree_lookup: "the page cache's own tree; find_get_page(fd, index)",
  radix_tree_maxindex: "the page cache's own tree",
  radix_tree_tag_clear: "the page cache's own tree (writeback tags)",
  radix_tree_tag_get: "the page cache's own tree (writeback tags)",
  radix_tree_tag_set: "the page cache's own tree (writeback tags)",
  radix_tree_tagged: "the page cache's own tree (writeback tags)",
};

/** The reason an exec was refused, as the kernel (or the model's checks) gave it. */
function execReason(path: string, retval: number, problem: vma.ElfProblem | null): string {
  if (problem) return vma.formatElfProblem(problem);
  const name = Object.entries(Errno).find(([, v]) => v === -retval)?.[0];
  return `${path}: ${retval}${name ? ` (-${name})` : ""}`;
}

/** The live task `pid`, or a ProcessError (-ESRCH) naming the call. */
export function taskOf(vm: VmSystem, call: string, pidArg: unknown): task_struct {
  const pid = Number(pidArg ?? 0);
  const t = vm.tasks.get(pid);
  if (t === undefined || t.exit_state !== 0 || pid === 0)
    throw new ProcessError(
      `pid ${pid}: No such process (-ESRCH)${
        call === "exit" && t === undefined ? " (never created, or exited and reaped already)" : ""
      }`,
    );
  return t;
}

/**
 * A path the model's file system lacks but the front end's Userland has is installed there
 * (mkdir -p and a regular file, mode 0755), with the interpreter and libc a dynamic binary needs.
 */
export function ensureInstalled(ctx: ProcessContext, call: string, path: string): void {
  const { pc, userland } = ctx;
  if (!path.startsWith("/"))
    throw new ProcessError(`'${path}' is not an absolute path in the model (${call} resolves from /)`);
  const install = (p: string): boolean => {
    if (!IS_ERR(pc.stat(p))) return true;
    const bytes = userland?.read(p);
    if (!bytes) return false;
    vma.install_file(pc, p, bytes);
    return true;
  };
  if (!install(path)) return; // do_execve reports -ENOENT itself
  const b = pc.readFile(path);
  if (IS_ERR(b) || b.length < 4 || b[0] !== 0x7f || b[1] !== 0x45) return;
  try {
    const interp = vma.readElf(b, { modelChecks: false }).interp;
    if (interp) {
      install(interp);
      for (const lib of userland?.paths ?? []) if (/\/lib[^/]*\.so/.test(lib)) install(lib);
    }
  } catch {
    // not a well-formed ELF: exec reports it
  }
}

/** An open file of the scenario (file-bindings.ts keeps the table). */
export function fdFile(ctx: ProcessContext, fd: number): vma.vm_file | null {
  return (fdTables.get(ctx)?.get(fd)?.file as vma.vm_file | undefined) ?? null;
}

/** The scenario's descriptor tables, per kernel (file-bindings.ts fills them). */
export const fdTables = new WeakMap<object, Map<number, { file: unknown; path: string }>>();

/**
 * touch(): one user-mode access through the MMU on the current CPU; on a fault do_page_fault
 * runs (vma's user_access retries the access after it, as the CPU re-executes the instruction).
 * The path is read off what the handler changed: the pte before and after, the frame, its count,
 * the VMA, the fault counters and the signal queued.
 */
function touchPath(
  ctx: ProcessContext,
  t: task_struct,
  mm: mm_struct,
  addr: number,
  access: "r" | "w" | "x",
): FaultPath {
  const { vm } = ctx;
  const m = vm.machine;
  const pteOf = (): number => {
    const levels = hw.walk(m, vm.pgd_pa(mm), addr);
    const last = levels[levels.length - 1];
    return last && last.level === "pte" ? last.entry : 0;
  };
  const before = pteOf();
  const beforePfn = hw.pte_present(before) ? hw.pte_pfn(before) : -1;
  const beforeCount = beforePfn >= 0 ? vm.pa.page_count(beforePfn as hw.Page) : 0;
  const area = vma.find_vma(mm, addr);
  const areaStart = area?.vm_start ?? 0;
  const min0 = t.min_flt;
  const maj0 = t.maj_flt;
  const sig0 = t.pending.length;
  const r = vma.user_access(vm, addr, { write: access === "w", fetch: access === "x" });
  const after = pteOf();
  const pfn = hw.pte_present(after) ? hw.pte_pfn(after) : -1;
  const min_flt = t.min_flt - min0;
  const maj_flt = t.maj_flt - maj0;
  const zero = vm.zero_page as number;
  const kind = access === "w" ? "write" : access === "x" ? "instruction fetch" : "read";
  if (typeof r !== "number") {
    const si = t.pending.length > sig0 ? t.pending[t.pending.length - 1] : undefined;
    const code =
      si?.si_code === vma.SEGV_MAPERR
        ? "SEGV_MAPERR"
        : si?.si_code === vma.SEGV_ACCERR
          ? "SEGV_ACCERR"
          : String(si?.si_code ?? "");
    const rlim = t.signal.rlim[vma.RLIMIT_STACK]!.rlim_cur;
    const page = (addr & ~(hw.PAGE_SIZE - 1)) >>> 0;
    const why =
      r === "SIGSEGV"
        ? area === null || addr < area.vm_start
          ? area !== null && area.vm_flags & vma.VM_GROWSDOWN && addr + 32 >= t.regs.esp
            ? `expand_stack refused to grow the stack VMA (${vmaRange(area)}) down to ${hex(page, 8)}: ${
                area.vm_end - page > rlim
                  ? `${(area.vm_end - page) / 1024} KiB would pass RLIMIT_STACK (${rlim / 1024} KiB)`
                  : "an address-space limit or a neighbouring mapping"
              }`
            : area !== null && area.vm_flags & vma.VM_GROWSDOWN
              ? `no VMA covers it; the next one above is the stack (${vmaRange(area)}), which grows down only for an access at most 32 bytes below esp (${hex(t.regs.esp, 8)})`
              : "no VMA covers the address"
          : `the VMA ${vmaRange(area)} ${permsOf(area.vm_flags)} does not allow a ${kind}`
        : r;
    // The default action of a fault signal: the process dies (kernel/signal.c, do_exit).
    vma.do_exit(vm, r === "SIGSEGV" ? vma.SIGSEGV : r === "SIGBUS" ? vma.SIGBUS : vma.SIGKILL);
    vma.release_task(vm, t);
    throw new ProcessError(
      `${r}${code ? ` (si_code ${code})` : ""} at ${hex(addr, 8)} on a user ${kind}: ${why}; process ${t.pid} killed`,
    );
  }
  const grew =
    area !== null && addr < areaStart
      ? ` > expand_stack (the stack VMA grew down to ${hex(vma.find_vma(mm, addr)!.vm_start, 8)})`
      : "";
  const anon = area !== null && area.vm_file === null && !area.vm_ops;
  let path: string;
  let what: string;
  if (min_flt + maj_flt === 0) {
    path = "no fault";
    what = `the pte already allows a ${kind}: frame ${hex(pfn)}${pfn === zero ? " (the zero page)" : ""}`;
  } else if (!hw.pte_present(before)) {
    if (anon) {
      if (pfn === zero) {
        path = `do_page_fault${grew} > handle_mm_fault > do_anonymous_page (read: zero page)`;
        what = `demand paging: the shared zero page (pfn ${hex(zero)}) mapped read-only; no memory used yet`;
      } else {
        path = `do_page_fault${grew} > handle_mm_fault > do_anonymous_page (write: demand-zero)`;
        what = `demand paging: a new zeroed page, pfn ${hex(pfn)}, mapped writable`;
      }
    } else {
      const pgoff = area ? area.vm_pgoff + Math.floor((addr - area.vm_start) / hw.PAGE_SIZE) : 0;
      const cow = access === "w" && area !== null && (area.vm_flags & vma.VM_SHARED) === 0;
      path = `do_page_fault${grew} > handle_mm_fault > do_no_page > filemap_nopage${cow ? " > early COW copy" : ""}`;
      what = cow
        ? `file page ${pgoff} read ${maj_flt ? "from disk (major fault)" : "from the page cache"}, copied at once into a private page, pfn ${hex(pfn)}, mapped writable`
        : `file page ${pgoff} ${maj_flt ? "read from disk into the page cache (major fault)" : "found in the page cache"}: pfn ${hex(pfn)}, mapped ${hw.pte_write(after) ? "writable (shared)" : "read-only"}`;
    }
  } else if (access === "w" && !hw.pte_write(before)) {
    if (pfn === beforePfn) {
      path = "do_page_fault > handle_mm_fault > do_wp_page (reuse)";
      what = `copy-on-write avoided: pfn ${hex(pfn)} had page_count 1, made writable in place`;
    } else if (beforePfn === zero) {
      path = "do_page_fault > handle_mm_fault > do_wp_page (COW of the zero page)";
      what = `the zero page replaced by a new zeroed page, pfn ${hex(pfn)}, mapped writable`;
    } else {
      path = "do_page_fault > handle_mm_fault > do_wp_page (COW copy)";
      what = `copy-on-write: pfn ${hex(beforePfn)} (page_count ${beforeCount}) copied into pfn ${hex(pfn)}, mapped writable; the old page now has page_count ${vm.pa.page_count(beforePfn as hw.Page)}`;
    }
  } else {
    path = "do_page_fault > handle_mm_fault > handle_pte_fault";
    what = `the pte was made young/dirty: frame ${hex(pfn)}`;
  }
  return { path, what, address: addr, pfn, min_flt, maj_flt };
}

function vmaRange(v: vm_area_struct): string {
  return `${hex(v.vm_start, 8)}-${hex(v.vm_end, 8)}`;
}

function permsOf(f: number): string {
  return `${f & vma.VM_READ ? "r" : "-"}${f & vma.VM_WRITE ? "w" : "-"}${f & vma.VM_EXEC ? "x" : "-"}${f & vma.VM_MAYSHARE ? "s" : "p"}`;
}

/** One line for a process-side structure (vm_area_struct, a fault path), or null. */
export function describeProcessObject(kind: string, o: object): string | null {
  if (kind === "fault") {
    const f = o as FaultPath;
    return `${hex(f.address, 8)}: ${f.path}: ${f.what} (min_flt +${f.min_flt}, maj_flt +${f.maj_flt})`;
  }
  if (o instanceof vma.vm_area_struct) {
    const e = vma.map_entry_of(o);
    const flags = vma.vm_flags_names(o.vm_flags);
    return `(struct vm_area_struct *)${hex(o.addr, 8)} ${vmaRange(o)} ${e.perms} pgoff ${hex(o.vm_pgoff)}${e.path ? ` ${e.path}` : o.anon_vma ? " anonymous" : ""} vm_flags ${flags}`;
  }
  return null;
}

/** `cat /proc/PID/maps|status|statm` (name = "PID/file"), or null when `name` is not one. */
export function procPidView(ctx: ProcessContext, name: string): { lines: string[]; json: unknown } | null {
  const m = /^(\d+|self)\/(\w+)$/.exec(name);
  if (!m) return null;
  const { vm } = ctx;
  const pid = m[1] === "self" ? vm.current.pid : Number(m[1]);
  const file = m[2]!;
  const t = vm.tasks.get(pid);
  if (t === undefined || t.exit_state === vma.EXIT_DEAD)
    throw new ProcessError(`cat: /proc/${pid}/${file}: No such file or directory (no process ${pid})`);
  const split = (s: string) => s.replace(/\n$/, "").split("\n");
  switch (file) {
    case "maps":
      return { lines: split(vma.proc_pid_maps(t)), json: { pid, maps: vma.proc_pid_maps_json(t) } };
    case "status":
      return { lines: split(vma.proc_pid_status(vm, t)), json: { pid, ...vma.proc_pid_status_json(vm, t) } };
    case "auxv": {
      // The file is binary (pairs of 32-bit words); printed decoded, as LD_SHOW_AUXV=1 does.
      const pairs = vma.proc_pid_auxv_json(t);
      const names = vma.AT_NAMES as Readonly<Record<number, string>>;
      return {
        lines: pairs.map(([k, v]) => `${`${names[k] ?? `AT_${k}`}:`.padEnd(18)}${hex(v >>> 0)}`),
        json: { pid, auxv: pairs },
      };
    }
    case "statm": {
      if (t.mm === null) return { lines: ["0 0 0 0 0 0 0"], json: { pid } };
      const s = vma.task_statm(t.mm);
      return {
        lines: [`${s.size} ${s.resident} ${s.shared} ${s.text} 0 ${s.data} 0`],
        json: { pid, ...s },
      };
    }
    default:
      throw new ProcessError(
        `cat: /proc/${pid}/${file}: No such file or directory (${PROC_PID_FILES.join(", ")})`,
      );
  }
}

/** `translate pid addr`: switch this CPU to the process and walk its tables for a user access. */
export function translateInTask<T>(ctx: ProcessContext, pid: number, walk: () => T): T {
  let t: task_struct;
  try {
    t = taskOf(ctx.vm, "translate", pid);
  } catch (e) {
    throw new ProcessError(`translate: ${(e as Error).message}`);
  }
  if (t.mm === null) throw new ProcessError(`translate: pid ${pid} has no address space`);
  vma.schedule_to(ctx.vm, t);
  return walk();
}

/** The value a binding hands back already typed (exported for tests). */
export function typed(v: Value): TypedResult {
  return new TypedResult(v);
}
