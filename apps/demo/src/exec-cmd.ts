/*
 * exec-cmd.ts — `i386mm exec ELF`: load a program into a new process of a booted model and show
 * its address space. The file is a host file (copied into the model's RAM file system at
 * /<name>, as the oracle's runs kept theirs at /) or, with --image, a path inside an ext2 image
 * (mounted at /mnt through the page cache's block layer, /lib linked to the image's /lib so
 * PT_INTERP and ld.so find the image's own ld.so and libc). A dynamic host program gets glibc
 * 2.36's ld.so and libc from the shipped fixtures/elf/rootfs.
 *
 * For a memorylayout build (fixtures/elf/memorylayout.c: it has the program's symbols) the
 * played glibc start-up and main() run after exec, and the output is what the real-kernel
 * captures (fixtures/oracle) hold: the report (`name 0xADDR` lines, then /proc/self/maps as
 * main() saw it), then the seed's "memory region layout" table filled with this run's
 * addresses. Any other ELF is exec'd only: the entry point, the initial stack pointer, the load
 * bias, then /proc/PID/maps and /proc/PID/status at its first instruction.
 * Exit codes: 0; 1 when the kernel refuses the program or the image; 2 for an unreadable file.
 */
import { readFileSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { Errno } from "@i386mm/hw-i386";
import { IS_ERR } from "@i386mm/page-cache";
import * as vma from "@i386mm/vma";
import type { Invocation } from "./args.js";
import type { Kernel } from "./kernel.js";
import { ensureInstalled } from "./process-bindings.js";
import { EXIT_OK, EXIT_SCENARIO, UsageError } from "./usage-error.js";
import { hex } from "./values.js";

/** What exec needs of the CLI's Io. */
export interface ExecIo {
  out(text: string): void;
  err(text: string): void;
  readonly cwd: string;
}

/** The program (or the image) read before booting. */
export interface ExecInput {
  /** The operand as given. */
  readonly name: string;
  /** The program's bytes (host file), or null with --image. */
  readonly bytes: Uint8Array | null;
  /** The image's bytes (--image). */
  readonly image: Uint8Array | null;
}

function readHost(path: string, what: string, io: Pick<ExecIo, "cwd">): Uint8Array {
  const full = resolve(io.cwd, path);
  try {
    if (statSync(full).isDirectory())
      throw new UsageError(`exec: cannot read ${what} '${path}': is a directory`);
    return new Uint8Array(readFileSync(full));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `exec: cannot read ${what} '${path}': ${code === "ENOENT" ? "No such file or directory" : (e as Error).message}`,
    );
  }
}

/** Read the program or the image; UsageError (exit 2) when it cannot be read. */
export function readExecInput(inv: Invocation, io: Pick<ExecIo, "cwd">): ExecInput {
  const name = inv.operand!;
  if (inv.image !== undefined) return { name, bytes: null, image: readHost(inv.image, "image", io) };
  return { name, bytes: readHost(name, "program", io), image: null };
}

/** One run's result. */
interface Run {
  readonly layout: "classic" | "flexible";
  readonly pid: number;
  readonly exec: vma.ExecResult;
  /** The memorylayout report (memorylayout builds only). */
  readonly report: vma.MemorylayoutReport | null;
  readonly maps: string[];
  readonly status: string[];
}

class ExecFailed extends Error {}

const lines = (s: string): string[] => s.replace(/\n$/, "").split("\n");

/** Run the exec command on a booted kernel; returns the exit code. */
export function runExec(kernel: Kernel, inv: Invocation, input: ExecInput, io: ExecIo): number {
  const { vm, pc } = kernel;
  let path: string;
  if (input.image) {
    kernel.drainMessages(); // the boot log
    const r = vma.mount_ext2_image(vm, input.image, "/mnt", { libs: true });
    const said = kernel.drainMessages();
    if (r !== 0) {
      for (const m of said) io.err(`printk: ${m}\n`);
      io.err(
        `i386mm: exec: --image ${inv.image}: mount /dev/hda on /mnt: ${errnoText(r)}${
          r === -22 ? ": not an ext2 file system (bad magic or superblock)" : ""
        }\n`,
      );
      return EXIT_SCENARIO;
    }
    path = `/mnt${input.name.startsWith("/") ? "" : "/"}${input.name}`;
  } else {
    path = `/${basename(input.name)}`;
    vma.install_file(pc, path, input.bytes!);
    ensureInstalled(kernel, "exec", path);
  }
  kernel.drainMessages();
  const stack = inv.stackLimit ?? 8 << 20;
  const isMemorylayout = memorylayoutBuild(kernel, path);
  const one = (layout: "classic" | "flexible", keep: boolean): Run => {
    const setting = { legacy_va_layout: layout === "classic" ? 1 : 0, stack } as const;
    const saved = vm.sysctl_legacy_va_layout;
    try {
      if (isMemorylayout) {
        let run: vma.MemorylayoutRun;
        try {
          run = vma.memorylayout_from_host(vm, {}, path, setting);
        } catch (e) {
          // exec refused (run_memorylayout throws with the kernel's reason)
          throw new ExecFailed(e instanceof Error ? e.message : String(e));
        }
        if (run.error) throw new ExecFailed(`${path}: ${run.error}`);
        const r: Run = {
          layout,
          pid: run.task.pid,
          exec: run.exec,
          report: run.report,
          maps: lines(vma.proc_pid_maps(run.task)),
          status: lines(vma.proc_pid_status(vm, run.task)),
        };
        if (!keep) dispose(kernel, run.task);
        return r;
      }
      const { task, exec } = execOnly(kernel, path, setting);
      const r: Run = {
        layout,
        pid: task.pid,
        exec,
        report: null,
        maps: lines(vma.proc_pid_maps(task)),
        status: lines(vma.proc_pid_status(vm, task)),
      };
      if (!keep) dispose(kernel, task);
      return r;
    } finally {
      vm.sysctl_legacy_va_layout = saved;
    }
  };
  let runs: Run[];
  try {
    runs = inv.compare
      ? [one("classic", false), one("flexible", false)]
      : [one(inv.layout ?? "flexible", true)];
  } catch (e) {
    if (e instanceof ExecFailed) {
      io.err(`i386mm: exec: ${e.message}\n`);
      return EXIT_SCENARIO;
    }
    throw e;
  }
  const table = tableOf(runs, path);
  const stackText = stack === "unlimited" ? "unlimited" : `${stack / 1024} KiB`;
  if (inv.json) {
    io.out(
      `${JSON.stringify(
        {
          machine: kernel.machineInfo(),
          program: input.name,
          ...(inv.image ? { image: inv.image } : {}),
          path,
          stackLimit: stack,
          runs: runs.map((r) => ({
            layout: r.layout,
            pid: r.pid,
            exec: {
              entry: r.exec.entry,
              sp: r.exec.sp,
              load_bias: r.exec.load_bias,
              interp_load_addr: r.exec.interp_load_addr,
            },
            ...(r.report
              ? {
                  report: {
                    settings: r.report.settings,
                    values: Object.fromEntries(r.report.values),
                    maps: r.report.maps,
                  },
                }
              : {}),
            maps: r.maps,
            status: r.status,
          })),
          ...(table ? { table } : {}),
        },
        null,
        2,
      )}\n`,
    );
    return EXIT_OK;
  }
  const out: string[] = [];
  out.push(
    `# exec ${path} in a new process on ${kernel.describe()}; stack limit ${stackText}` +
      (inv.compare ? "; classic and flexible layouts" : `; ${runs[0]!.layout} layout (pid ${runs[0]!.pid})`),
  );
  if (inv.compare) out.push(...sideBySide(runs[0]!, runs[1]!));
  else {
    const r = runs[0]!;
    if (r.report) out.push(...lines(vma.formatMemorylayoutReport(r.report)));
    else {
      out.push(
        ...execSummary(r),
        `--- /proc/${r.pid}/maps ---`,
        ...r.maps,
        `--- /proc/${r.pid}/status ---`,
        ...r.status,
      );
    }
  }
  if (table) {
    out.push(
      "",
      `The seed's memory region layout table, filled with ${inv.compare ? "these runs'" : "this run's"} addresses:`,
      ...table,
    );
  }
  io.out(`${out.join("\n")}\n`);
  return EXIT_OK;
}

function errnoText(r: number): string {
  const name = Object.entries(Errno).find(([, v]) => v === -r)?.[0];
  return `${r}${name ? ` (-${name})` : ""}`;
}

/** The ELF has memorylayout.c's globals: its main() can be played. */
function memorylayoutBuild(kernel: Kernel, path: string): boolean {
  const b = kernel.pc.readFile(path);
  if (IS_ERR(b)) return false;
  try {
    const f = vma.readElf(b);
    return (
      vma.elf_verdict(f) === null &&
      vma.elf_lookup_symbol(f, "bss_uninitialized_global") !== undefined &&
      vma.elf_lookup_symbol(f, "data_initialized_global") !== undefined
    );
  } catch {
    return false;
  }
}

/** A new task with the layout setting, execve'd: its task and result, or ExecFailed with the kernel's reason. */
function execOnly(
  kernel: Kernel,
  path: string,
  setting: { legacy_va_layout: 0 | 1; stack: number | "unlimited" },
): { task: vma.task_struct; exec: vma.ExecResult } {
  const { vm } = kernel;
  vm.sysctl_legacy_va_layout = setting.legacy_va_layout;
  const rlim = vma.INIT_RLIMITS();
  rlim[vma.RLIMIT_STACK] = {
    rlim_cur: setting.stack === "unlimited" ? vma.RLIM_INFINITY : setting.stack,
    rlim_max: vma.RLIM_INFINITY,
  };
  const task = vma.create_task(vm, path.slice(path.lastIndexOf("/") + 1), { rlim });
  if (task === null) throw new ExecFailed(`${path}: out of memory for a new task (-ENOMEM)`);
  vma.schedule_to(vm, task);
  const exec = vma.do_execve(vm, path, [path], ["HOME=/", "TERM=linux"]);
  if (exec.retval < 0 || exec.signal !== null) {
    dispose(kernel, task);
    const why = exec.problem ? vma.formatElfProblem(exec.problem) : `${path}: ${errnoText(exec.retval)}`;
    throw new ExecFailed(exec.pointOfNoReturn ? `${why}; the process was killed` : why);
  }
  return { task, exec };
}

/** Exit and reap a task (its frames go back). */
function dispose(kernel: Kernel, task: vma.task_struct): void {
  const { vm } = kernel;
  if (task.exit_state === 0) {
    vma.schedule_to(vm, task);
    vma.do_exit(vm, 0);
  }
  vma.release_task(vm, task);
}

function execSummary(r: Run): string[] {
  return [
    `execve = 0: entry ${hex(r.exec.entry, 8)}, initial esp ${hex(r.exec.sp, 8)}, load bias ${hex(r.exec.load_bias, 8)}` +
      (r.exec.interp_load_addr ? `, interpreter at ${hex(r.exec.interp_load_addr, 8)}` : ", no interpreter"),
    "(not a memorylayout build: exec'd only, stopped at its first instruction)",
  ];
}

/** The seed's table for the runs' layouts (one column per run), or null without reports. */
function tableOf(runs: readonly Run[], path: string): string[] | null {
  if (runs.some((r) => r.report === null)) return null;
  const regions = runs.map((r) => vma.layoutRegions(r.report!, path));
  const full = lines(
    vma.seedLayoutTable(
      runs.length === 2 ? regions[0]! : regions[0]!,
      runs.length === 2 ? regions[1]! : regions[0]!,
    ),
  );
  if (runs.length === 2) return full;
  // One run: the rule column and its own layout's column.
  const keep = runs[0]!.layout === "classic" ? 2 : 3;
  return full.map((row) => {
    const cells = row.split(" | ");
    const first = cells[0]!.replace(/^\| /, "");
    const cell = cells[keep - 1]!.replace(/ \|$/, "");
    return `| ${first} | ${cell} |`;
  });
}

/** Two runs side by side: the report values, then the maps in two columns. */
function sideBySide(a: Run, b: Run): string[] {
  const out: string[] = [];
  if (a.report && b.report) {
    const names = [...new Set([...a.report.values.keys(), ...b.report.values.keys()])];
    const v = (r: Run, n: string) => {
      const x = r.report!.values.get(n);
      return x === undefined ? "-" : x === "unlimited" ? x : hex(x, 8);
    };
    const w = Math.max(...names.map((n) => n.length));
    out.push(`${"".padEnd(w)}  ${"classic".padEnd(10)}  flexible`);
    out.push(`${"settings".padEnd(w)}  ${a.report.settings}`);
    out.push(`${"".padEnd(w)}  ${b.report.settings}`);
    for (const n of names) out.push(`${n.padEnd(w)}  ${v(a, n).padEnd(10)}  ${v(b, n)}`);
  } else {
    out.push(...execSummary(a).map((l) => `classic:  ${l}`), ...execSummary(b).map((l) => `flexible: ${l}`));
  }
  const w = Math.max(...a.maps.map((l) => l.length), 20);
  out.push("", `${`--- classic: /proc/${a.pid}/maps ---`.padEnd(w)}  --- flexible: /proc/${b.pid}/maps ---`);
  for (let i = 0; i < Math.max(a.maps.length, b.maps.length); i++)
    out.push(`${(a.maps[i] ?? "").padEnd(w)}  ${b.maps[i] ?? ""}`.trimEnd());
  return out;
}
