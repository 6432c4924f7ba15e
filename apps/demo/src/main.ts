/*
 * main.ts — the CLI's in-process entry: main(argv, io) returns the exit code.
 * Dispatches boot / run / cat / replay / tour / help, formats interpreter events as text or JSON, and
 * runs the REPL over io.stdin (node:readline), so tests drive the whole CLI without a process.
 * Exit codes: 0 ok, 1 a scenario statement failed, 2 bad usage (see usage-error.ts).
 * Invariant: nothing is printed to io.out after a usage error; all I/O goes through `io`.
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { E820_RAM, type E820Entry, E820Error, validateE820 } from "@i386mm/hw-i386";
import { type Invocation, parseArgs } from "./args.js";
import { MACROS, prototype, SIGNATURE_BY_NAME } from "./bindings.js";
import { runCheck } from "./check-cmd.js";
import { E820TextError, parseE820Text } from "./e820-text.js";
import { type ExecInput, readExecInput, runExec } from "./exec-cmd.js";
import { NOT_BOUND } from "./free-bindings.js";
import { HELP, OVERVIEW } from "./help.js";
import { Interpreter, type RunEvent } from "./interpreter.js";
import { bootKernel, type Kernel } from "./kernel.js";
import { readTrace, runReplay } from "./replay-cmd.js";
import { formatError, scenarioFlags } from "./report.js";
import { formatSize, MAX_MEM, MIN_MEM } from "./size.js";
import { tourScript } from "./tour.js";
import { EXIT_OK, EXIT_SCENARIO, EXIT_USAGE, UsageError } from "./usage-error.js";
import { hostFiles, shippedUserland } from "./userland-node.js";
import { num } from "./values.js";

/** Where the CLI writes and reads. */
export interface Io {
  /** Write to standard output (text includes its newlines). */
  out(text: string): void;
  /** Write to standard error. */
  err(text: string): void;
  /** Standard input, for `run -` and the REPL. */
  readonly stdin?: Readable;
  /** Show the REPL prompt (stdin is a terminal). */
  readonly interactive?: boolean;
  /** The terminal, when stdin is one: the REPL then edits lines, keeps history, completes names. */
  readonly terminal?: Writable;
  /** Directory relative script paths resolve against. */
  readonly cwd: string;
  /** stdout and stderr are both terminals: `replay` draws a progress bar on stderr. */
  readonly progress?: boolean;
}

/** The directory of the shipped lab-sheet scenarios (apps/demo/scenarios). */
export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../scenarios");
/** File extension of scenario files. */
export const SCENARIO_EXT = ".mm";

/** Run the CLI with `argv` (without `node cli.js`); resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let inv: Invocation;
  try {
    inv = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`i386mm: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  if (inv.help || inv.command === "help") {
    // `i386mm --help` (no command named) and `i386mm help` print the overview.
    const named = argv[0] !== undefined && !argv[0].startsWith("-");
    const topic =
      inv.command === "help"
        ? (inv.operand ?? (inv.help ? "help" : undefined))
        : named
          ? inv.command
          : undefined;
    if (topic !== undefined && !(topic in HELP)) {
      io.err(`i386mm: help: no command '${topic}'\n`);
      return EXIT_USAGE;
    }
    io.out(`${topic === undefined ? OVERVIEW : HELP[topic as keyof typeof HELP]}\n`);
    return EXIT_OK;
  }
  // Read the script before booting: an unreadable file is a usage error.
  let script: { name: string; text: string } | undefined;
  if ((inv.command === "run" || inv.command === "check") && inv.operand !== undefined) {
    try {
      script = await readScript(inv.operand, io);
    } catch (e) {
      if (e instanceof UsageError) {
        io.err(`i386mm: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
  }
  // Read the trace before booting too.
  let trace: { name: string; text: Uint8Array } | undefined;
  if (inv.command === "replay" && inv.operand !== undefined) {
    try {
      trace = readTrace(inv.operand, io);
    } catch (e) {
      if (e instanceof UsageError) {
        io.err(`i386mm: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
  }
  // And the program (or image) exec loads.
  let execInput: ExecInput | undefined;
  if (inv.command === "exec" && inv.operand !== undefined) {
    try {
      execInput = readExecInput(inv, io);
    } catch (e) {
      if (e instanceof UsageError) {
        io.err(`i386mm: ${e.message}\n`);
        return EXIT_USAGE;
      }
      throw e;
    }
  }
  // A scenario may name the machine it wants: `# i386mm: --mem 128M --cpus 2` in its opening
  // comment lines. Flags given on the command line come after, so they win.
  if (script) {
    const flags = scenarioFlags(script.text);
    if (flags.length) {
      try {
        inv = parseArgs([inv.command, ...flags, ...argv.slice(1)]);
      } catch (e) {
        if (e instanceof UsageError) {
          io.err(`i386mm: ${script.name}: ${e.message}\n`);
          return EXIT_USAGE;
        }
        throw e;
      }
    }
  }
  let kernel: Kernel;
  try {
    if (inv.e820File === "-" && (inv.operand === "-" || (inv.command === "run" && inv.operand === undefined)))
      throw new UsageError("--e820 - reads standard input, which the script or the REPL also needs");
    const map = inv.e820File === undefined ? undefined : await readE820(inv.e820File, inv.pae, io);
    kernel = bootKernel({
      memBytes: map?.memBytes ?? inv.memBytes,
      pae: inv.pae,
      cpus: inv.cpus,
      nodes: inv.nodes,
      modelChecks: !inv.noModelChecks,
      bootLog: inv.bootLog,
      ...(map ? { e820: map.entries } : {}),
      ...(inv.highmem === undefined ? {} : { highmem: inv.highmem }),
      userland: shippedUserland(),
      host: hostFiles(io.cwd),
    });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`i386mm: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof RangeError) {
      io.err(`i386mm: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  switch (inv.command) {
    case "boot":
      if (inv.json)
        io.out(`${JSON.stringify({ machine: kernel.machineInfo(), ...kernel.bootJson() }, null, 2)}\n`);
      else
        io.out(
          kernel
            .bootLines()
            .map((l) => `${l}\n`)
            .join(""),
        );
      return EXIT_OK;
    case "cat": {
      const name = inv.operand!.replace(/^\/proc\//, "");
      const view = kernel.view(name);
      if (!view) {
        io.err(`i386mm: cat: /proc/${name}: No such file or directory (views: ${kernel.views.join(", ")})\n`);
        return EXIT_USAGE;
      }
      const note = view.note ? { note: view.note } : {};
      if (inv.json)
        io.out(
          `${JSON.stringify({ machine: kernel.machineInfo(), view: name, ...note, ...asObject(view.json) }, null, 2)}\n`,
        );
      else {
        // stdout keeps the file's bytes; the note on where the file comes from goes beside it.
        if (view.note) io.err(`i386mm: note: ${view.note}\n`);
        io.out(view.lines.map((l) => `${l}\n`).join(""));
      }
      return EXIT_OK;
    }
    case "tour":
      return runText(kernel, inv, { name: "tour", text: tourScript(kernel) }, io, true);
    case "replay":
      return runReplay(kernel, inv, trace!, io);
    case "exec":
      return runExec(kernel, inv, execInput!, io);
    case "check":
      return runCheck(kernel, inv, script, io);
    default:
      if (script) return runText(kernel, inv, script, io, false);
      return repl(kernel, inv, io);
  }
}

/**
 * `--e820 FILE`: the BIOS map in FILE (BIOS-e820 lines of a boot log, 6.1 or 2.6.11 format;
 * `-` reads standard input, e.g. `dmesg | i386mm boot --e820 -`),
 * validated as hw-i386 validates any map, and the RAM size it implies (usable bytes rounded up to
 * QEMU's 64 KiB). Every problem is a usage error (exit 2).
 */
export async function readE820(
  file: string,
  pae: boolean,
  io: Pick<Io, "cwd" | "stdin">,
): Promise<{ entries: E820Entry[]; memBytes: number }> {
  let text = "";
  if (file === "-") {
    if (!io.stdin) throw new UsageError("--e820 -: no standard input");
    for await (const chunk of io.stdin) text += String(chunk);
  } else {
    try {
      text = readFileSync(resolve(io.cwd, file), "utf8");
    } catch (e) {
      throw new UsageError(`--e820: cannot read '${file}': ${(e as Error).message}`);
    }
  }
  let entries: E820Entry[];
  try {
    entries = parseE820Text(text);
    validateE820(entries);
  } catch (e) {
    if (e instanceof E820TextError || e instanceof E820Error)
      throw new UsageError(`--e820: ${file}: ${e.message}`);
    throw e;
  }
  const ram = entries.filter((x) => x.type === E820_RAM).reduce((s, x) => s + x.size, 0);
  const memBytes = Math.ceil(ram / 0x10000) * 0x10000;
  if (memBytes < MIN_MEM)
    throw new UsageError(
      `--e820: ${file}: ${formatSize(memBytes)} of usable RAM, less than ${formatSize(MIN_MEM)}`,
    );
  if (memBytes > (pae ? MAX_MEM : 4 * 2 ** 30))
    throw new UsageError(`--e820: ${file}: ${formatSize(memBytes)} of RAM${pae ? "" : " needs --pae"}`);
  return { entries, memBytes };
}

function asObject(j: unknown): Record<string, unknown> {
  return j !== null && typeof j === "object" && !Array.isArray(j)
    ? (j as Record<string, unknown>)
    : { data: j };
}

async function readScript(operand: string, io: Io): Promise<{ name: string; text: string }> {
  if (operand === "-") {
    if (!io.stdin) throw new UsageError("run -: no standard input");
    let text = "";
    for await (const chunk of io.stdin) text += String(chunk);
    return { name: "<stdin>", text };
  }
  const candidates = [resolve(io.cwd, operand)];
  if (/^[\w-]+$/.test(operand)) candidates.push(resolve(SCENARIO_DIR, operand + SCENARIO_EXT));
  for (const path of candidates) {
    if (existsSync(path)) {
      try {
        return { name: operand, text: readFileSync(path, "utf8") };
      } catch (e) {
        throw new UsageError(`run: cannot read '${operand}': ${(e as Error).message}`);
      }
    }
  }
  throw new UsageError(`run: cannot read '${operand}': no such file (nor a shipped scenario of that name)`);
}

function printEvents(file: string, events: readonly RunEvent[], io: Io, showSource: boolean): void {
  for (const ev of events) {
    switch (ev.t) {
      case "stmt":
        if (showSource) io.out(`[${String(ev.line).padStart(3)}] ${ev.source}\n`);
        break;
      case "result":
        io.out(`      ${ev.text}\n`);
        break;
      case "echo":
        io.out(`${ev.text}\n`);
        break;
      case "view":
        if (ev.note) io.out(`      note: ${ev.note}\n`);
        io.out(ev.lines.map((l) => `${l}\n`).join(""));
        break;
      case "dmesg":
        io.out(`      printk: ${ev.text}\n`);
        break;
      case "error":
        io.err(formatError(file, ev));
        break;
      case "expected":
        io.out(
          `      expected error: ${formatError(file, { ...ev, t: "error" }).replace(`${file}:${ev.line}: `, "")}`,
        );
        break;
    }
  }
}

/** JSON form of a run: one entry per statement with its results, output, kernel messages and error. */
export function eventsToJson(file: string, events: readonly RunEvent[]): unknown[] {
  const out: Record<string, unknown>[] = [];
  let cur: Record<string, unknown> | undefined;
  const get = (line: number): Record<string, unknown> => {
    if (!cur || cur.line !== line) {
      cur = { line, source: null, results: [], output: [], dmesg: [], error: null };
      out.push(cur);
    }
    return cur;
  };
  for (const ev of events) {
    const s = get(ev.line);
    switch (ev.t) {
      case "stmt":
        s.source = ev.source;
        break;
      case "result":
        (s.results as unknown[]).push(
          ev.name === undefined
            ? { value: ev.json, text: ev.text }
            : { name: ev.name, value: ev.json, text: ev.text },
        );
        break;
      case "echo":
        (s.output as string[]).push(ev.text);
        break;
      case "view":
        (s.results as unknown[]).push({
          view: ev.name,
          ...(ev.note ? { note: ev.note } : {}),
          data: ev.json,
          lines: ev.lines,
        });
        break;
      case "dmesg":
        (s.dmesg as string[]).push(ev.text);
        break;
      case "error":
        s.error = { ...ev.report, where: `${file}:${ev.line}` };
        break;
      case "expected":
        (s.results as unknown[]).push({ expectedError: ev.report });
        break;
    }
  }
  return out;
}

function runText(
  kernel: Kernel,
  inv: Invocation,
  script: { name: string; text: string },
  io: Io,
  tour: boolean,
): number {
  const interp = new Interpreter(kernel, { strict: inv.strict });
  if (tour && !inv.json)
    io.out(
      kernel
        .bootLines()
        .map((l) => `${l}\n`)
        .join(""),
    );
  kernel.drainMessages();
  const events = interp.runScript(script.text);
  if (inv.json) {
    io.out(
      `${JSON.stringify(
        {
          machine: kernel.machineInfo(),
          script: script.name,
          ...(tour ? { boot: kernel.bootJson() } : {}),
          statements: eventsToJson(script.name, events),
          errors: interp.errors,
          stopped: interp.stopped,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    printEvents(script.name, events, io, true);
    if (interp.stopped) io.err(`${script.name}: stopped at the first error (--strict)\n`);
  }
  return interp.errors > 0 ? EXIT_SCENARIO : EXIT_OK;
}

/** `help NAME` in the REPL: a function's C prototype and kernel file, or a constant's value. */
export function describeName(kernel: Kernel, name: string): string {
  const b = kernel.bindings.get(name);
  if (b?.sig) {
    const macro = MACROS.has(name) ? ", a macro" : "";
    const own = `${prototype(b.sig)};    /* ${b.sig.file}${macro} (${b.layer}) */`;
    const later = b.sig.later ?? SIGNATURE_BY_NAME.get(name)?.later;
    return later ? `${own}\n${later.proto};    /* ${later.note} */` : own;
  }
  if (b) return `${name}(...)    /* ${b.layer}; arguments passed as given */`;
  const c = kernel.constants.get(name);
  if (c !== undefined) return `${name} = ${kernel.format(num(c, kernel.constantKinds.get(name) ?? "int"))}`;
  if (name in NOT_BOUND) return `${name}: not callable from a scenario: ${NOT_BOUND[name]}`;
  const layer = kernel.staticStepLayer(name);
  if (layer !== undefined && !kernel.bindings.has(name))
    return `${name}: a static step inside ${layer}; not callable from a scenario`;
  return `${name}: no such kernel function or constant in this build`;
}

function replHelp(kernel: Kernel): string {
  const byLayer = new Map<string, string[]>();
  for (const b of kernel.bindings.values()) {
    const l = byLayer.get(b.layer) ?? [];
    l.push(b.name);
    byLayer.set(b.layer, l);
  }
  const fns = [...byLayer.entries()]
    .map(([layer, names]) => `  ${layer}: ${names.sort().join(" ")}`)
    .join("\n");
  return `${HELP.run.split("\nFlags:")[0]}\nREPL commands: help, help NAME (a function's prototype or a constant's value), vars, quit\nKernel functions:\n${fns}\nViews: ${kernel.views.join(" ")}\n`;
}

async function repl(kernel: Kernel, inv: Invocation, io: Io): Promise<number> {
  if (!io.stdin) {
    io.err("i386mm: run: no script and no standard input\n");
    return EXIT_USAGE;
  }
  const interp = new Interpreter(kernel, { strict: inv.strict });
  kernel.drainMessages();
  const interactive = io.interactive === true || inv.interactive;
  // On a terminal readline edits the line, keeps a history and completes names with Tab.
  const tty = io.interactive === true && io.terminal !== undefined;
  const rl = createInterface({
    input: io.stdin,
    crlfDelay: Number.POSITIVE_INFINITY,
    ...(tty
      ? {
          output: io.terminal,
          terminal: true,
          completer: (line: string): [string[], string] => completions(kernel, interp, line),
        }
      : { terminal: false }),
  });
  rl.setPrompt("i386mm> ");
  const prompt = (): void => {
    if (tty) rl.prompt();
    else if (interactive) io.out("i386mm> ");
  };
  if (interactive) io.out(`i386mm: ${kernel.describe()}. Type kernel calls, 'help' or 'quit'.\n`);
  prompt();
  const jsonOut: unknown[] = [];
  let n = 0;
  for await (const raw of rl) {
    n++;
    const line = raw.trim();
    if (line === "quit" || line === "exit") break;
    const about = /^help\s+(\S+)$/.exec(line);
    if (line === "help") io.out(replHelp(kernel));
    else if (about) io.out(`${describeName(kernel, about[1]!)}\n`);
    else if (line === "vars") {
      for (const [k, v] of interp.vars) io.out(`  ${k} = ${formatVar(kernel, v)}\n`);
    } else {
      const events = interp.runLine(raw, n);
      if (inv.json) jsonOut.push(...eventsToJson("<stdin>", events));
      else printEvents("<stdin>", events, io, false);
    }
    if (interp.stopped) break;
    prompt();
  }
  rl.close();
  if (inv.json)
    io.out(
      `${JSON.stringify({ machine: kernel.machineInfo(), script: "<stdin>", statements: jsonOut, errors: interp.errors, stopped: interp.stopped }, null, 2)}\n`,
    );
  return interp.errors > 0 ? EXIT_SCENARIO : EXIT_OK;
}

/** REPL words that are not kernel names. */
const REPL_WORDS = [
  "help",
  "vars",
  "quit",
  "cat",
  "translate",
  "check",
  "echo",
  "assert",
  "expect_error",
  "cpu",
  "for",
];

/**
 * Tab completion for the REPL: the word before the cursor completed from the kernel functions,
 * constants, the session's variables and the statement words; after `cat `, the /proc views.
 * Returns readline's `[matches, word]`.
 */
export function completions(kernel: Kernel, interp: Interpreter, line: string): [string[], string] {
  const view = /(?:^|\s)cat\s+(\S*)$/.exec(line);
  if (view) {
    const word = view[1]!;
    return [kernel.views.map((v) => `/proc/${v}`).filter((v) => v.startsWith(word)), word];
  }
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(line)?.[0] ?? "";
  if (word === "") return [[], word];
  const names = new Set([
    ...kernel.bindings.keys(),
    ...kernel.constants.keys(),
    ...interp.vars.keys(),
    ...REPL_WORDS,
  ]);
  return [[...names].filter((n) => n.startsWith(word)).sort(), word];
}

function formatVar(kernel: Kernel, v: import("./values.js").Value): string {
  return kernel.format(v);
}
