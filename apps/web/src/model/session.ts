/*
 * session.ts — one explorer session: a booted kernel (the demo's bootKernel, so the scenario
 * language is exactly the CLI's), its Interpreter (the kernel boots the process layer too), and the
 * list of steps taken since boot. A step is a scenario statement (one line of the editor's text)
 * or a process action from the process panel (exec a program in a layout, exit a process, an
 * access through the MMU). Going back rebuilds the machine from boot and replays every step but
 * the last, so the state after "back" is exactly what running the shorter history produces: the
 * model is deterministic, nothing is undone by hand.
 */

import { bootKernel, formatError, formatValue, Interpreter, type Kernel, type RunEvent } from "@i386mm/demo";
import {
  do_exit,
  memorylayout_from_host,
  mount_ext2_image,
  release_task,
  schedule_idle,
  schedule_to,
  type task_struct,
  type VmSystem,
} from "@i386mm/vma";
import { mmuAccess, userTasks } from "./process.js";

/** What to boot. */
export interface MachineOptions {
  readonly memBytes: number;
  readonly pae: boolean;
  readonly cpus: number;
  readonly nodes: 1 | 2;
}

/** The programs of fixtures/elf's ext2 image. */
export const PROGRAMS = ["memorylayout-static", "memorylayout-staticpie", "memorylayout-dynamic"] as const;
export type Program = (typeof PROGRAMS)[number];

/** One step. */
export type Action =
  | { readonly t: "line"; readonly index: number; readonly source: string }
  | { readonly t: "exec"; readonly program: Program; readonly layout: "flexible" | "classic" }
  | { readonly t: "exit"; readonly pid: number }
  | { readonly t: "access"; readonly pid: number | null; readonly va: number; readonly write: boolean };

/** A step taken, and what it printed. */
export interface StepRecord {
  readonly action: Action;
  /** Output lines as the CLI prints them (results indented, errors kernel-style). */
  readonly output: readonly string[];
  /** The step failed (an error event, or a process action that failed). */
  readonly error: string | null;
  /** 1-based editor line of a statement step. */
  readonly line: number | null;
  readonly ms: number;
}

/**
 * The front end's files for the scenario language's process and file statements: the binaries
 * exec() finds in /bin and /lib (the page: fetched from the build's assets; tests: the CLI's
 * the same files read from the repository), and the files mount("...") reads. Handed to the
 * demo's bootKernel as its `userland` and `host` options.
 */
export interface FrontEndFiles {
  /** The demo's Userland: the bytes of a model path (/bin/memorylayout-static), or null. */
  readonly userland?: { read(path: string): Uint8Array | null; readonly paths: readonly string[] };
  /** The demo's HostFiles: the bytes of a file a scenario mounts, or why it cannot be read. */
  readonly host?: { read(path: string): Uint8Array | string };
}

/** Where the ext2 image comes from (fetched by the page, read from disk by tests). */
export type ImageSource = () => Uint8Array;

/** Text of one step's events, as `i386mm run` prints them. */
export function eventLines(
  file: string,
  events: readonly RunEvent[],
): { lines: string[]; error: string | null } {
  const lines: string[] = [];
  let error: string | null = null;
  for (const ev of events) {
    switch (ev.t) {
      case "stmt":
        lines.push(`[${String(ev.line).padStart(3)}] ${ev.source}`);
        break;
      case "result":
        lines.push(`      ${ev.text}`);
        break;
      case "echo":
        lines.push(ev.text);
        break;
      case "view":
        if (ev.note) lines.push(`      note: ${ev.note}`);
        lines.push(...ev.lines);
        break;
      case "dmesg":
        lines.push(`      printk: ${ev.text}`);
        break;
      case "error": {
        const text = formatError(file, ev).replace(/\n$/, "");
        lines.push(...text.split("\n"));
        error ??= text;
        break;
      }
      case "expected":
        lines.push(
          `      expected error: ${formatError(file, { ...ev, t: "error" })
            .replace(`${file}:${ev.line}: `, "")
            .replace(/\n$/, "")}`,
        );
        break;
    }
  }
  return { lines, error };
}

/** Is this line a statement (not blank, not only a comment)? */
export function isStatement(line: string): boolean {
  const t = line.trim();
  return t !== "" && !t.startsWith("#");
}

/** A booted machine and the steps taken on it. */
export class Session {
  readonly kernel: Kernel;
  readonly interp: Interpreter;
  readonly records: StepRecord[] = [];
  readonly bootMs: number;
  #mounted = false;

  constructor(
    readonly opts: MachineOptions,
    readonly file: string,
    readonly image: ImageSource | null,
    readonly files: FrontEndFiles = {},
  ) {
    const t0 = performance.now();
    this.kernel = bootKernel({
      memBytes: opts.memBytes,
      pae: opts.pae,
      cpus: opts.cpus,
      nodes: opts.nodes,
      ...files,
    });
    this.kernel.drainMessages();
    this.interp = new Interpreter(this.kernel);
    this.bootMs = performance.now() - t0;
  }

  /** The process layer the kernel booted (VmSystem: the mm caches, init_mm, the idle tasks). */
  get vm(): VmSystem {
    return this.kernel.vm;
  }

  /** Index of the next statement line at or after `from`, or -1. */
  static nextStatement(lines: readonly string[], from: number): number {
    for (let i = from; i < lines.length; i++) if (isStatement(lines[i]!)) return i;
    return -1;
  }

  /** Run one action and record it. */
  run(action: Action): StepRecord {
    const t0 = performance.now();
    let rec: StepRecord;
    if (action.t === "line") {
      const events = this.interp.runLine(action.source, action.index + 1);
      const { lines, error } = eventLines(this.file, events);
      rec = { action, output: lines, error, line: action.index + 1, ms: 0 };
    } else {
      let output: string[];
      let error: string | null = null;
      try {
        output = this.#process(action);
      } catch (e) {
        const r = this.kernel.classifyError(e);
        error =
          r.kind === "BUG"
            ? `kernel BUG at ${r.file ?? "?"}: ${r.message} [${r.type}]`
            : `error: ${r.message}`;
        output = [error];
      }
      rec = {
        action,
        output: [`[proc] ${describeAction(action)}`, ...output.map((l) => `      ${l}`)],
        error,
        line: null,
        ms: 0,
      };
    }
    const done = { ...rec, ms: performance.now() - t0 };
    this.records.push(done);
    return done;
  }

  #process(action: Exclude<Action, { t: "line" }>): string[] {
    const vm = this.vm;
    switch (action.t) {
      case "exec": {
        if (!this.image)
          throw new Error("exec: the ext2 image (fixtures/elf/memorylayout.ext2) is not loaded");
        if (!this.#mounted) {
          const r = mount_ext2_image(vm, this.image(), "/mnt", { libs: true });
          if (r !== 0) throw new Error(`mount /dev/hda on /mnt: ${this.kernel.errnos.get(-r) ?? r}`);
          this.#mounted = true;
        }
        const run = memorylayout_from_host(vm, {}, `/mnt/${action.program}`, {
          legacy_va_layout: action.layout === "classic" ? 1 : 0,
          stack: 8 << 20,
        });
        schedule_idle(vm);
        const t = run.task;
        return [
          `pid ${t.pid} ${t.comm}: exec in the ${action.layout} layout (mmap_base ${hex(t.mm?.mmap_base ?? 0)}), ${t.mm?.map_count ?? 0} VMAs`,
          ...(run.error ? [`memorylayout: ${run.error}`] : []),
          ...run.report.maps,
        ];
      }
      case "exit": {
        const t = this.#task(vm, action.pid);
        schedule_to(vm, t);
        do_exit(vm, 0);
        release_task(vm, t);
        return [`pid ${t.pid} exited: exit_mmap gave its frames and page tables back`];
      }
      case "access": {
        const t = action.pid === null ? null : this.#task(vm, action.pid);
        const line = mmuAccess(this.kernel, vm, t, action.va, action.write);
        if (t) schedule_idle(vm);
        return [line];
      }
    }
  }

  #task(vm: VmSystem, pid: number): task_struct {
    const t = userTasks(vm).find((x) => x.pid === pid);
    if (!t) throw new Error(`no process with pid ${pid}`);
    return t;
  }

  /** A value as the scenario language prints it (for the variables list). */
  formatVar(name: string): string {
    const v = this.interp.vars.get(name);
    return v ? formatValue(v, this.kernel) : "";
  }
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** One line naming an action. */
export function describeAction(a: Action): string {
  switch (a.t) {
    case "line":
      return a.source.trim();
    case "exec":
      return `exec /mnt/${a.program} (${a.layout} layout)`;
    case "exit":
      return `exit pid ${a.pid}`;
    case "access":
      return `${a.write ? "write" : "read"} ${hex(a.va)} as ${a.pid === null ? "the kernel" : `pid ${a.pid}`}`;
  }
}
