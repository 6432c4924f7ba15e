/*
 * args.ts — the command line: `i386mm <command> [flags] [script]`.
 * Commands: boot, run, cat, replay, exec, tour, check, help (and no command = the guided tour). Flags take `--x v` or
 * `--x=v`; `-h`/`--help` works on every command. Parsing never boots anything, so every usage
 * error (unknown command or flag, missing value, malformed size, CPU count out of 1..NR_CPUS)
 * is reported before the model runs, with exit code 2.
 */

import { parseSize, parseSizeText } from "./size.js";
import { UsageError } from "./usage-error.js";

/** Largest CPU count the demo accepts (CONFIG_NR_CPUS of the 2.6.11 profile). */
export const MAX_CPUS = 8;

/** The commands. */
export type Command = "boot" | "run" | "cat" | "replay" | "exec" | "tour" | "check" | "help";

/** A parsed command line. */
export interface Invocation {
  readonly command: Command;
  readonly memBytes: number;
  readonly pae: boolean;
  readonly cpus: number;
  readonly nodes: 1 | 2;
  readonly json: boolean;
  readonly strict: boolean;
  /** run without a script: show the REPL's banner and prompt even when stdin is not a terminal. */
  readonly interactive: boolean;
  /**
   * `--no-model-checks`: turn off the checks the model adds where 2.6.11 checks nothing (a free
   * with the wrong order, kfree of a pointer that is no object, ...): the layers then do what the
   * kernel does and `check` finds the corruption.
   */
  readonly noModelChecks: boolean;
  /**
   * `--boot-log 2.6.11|6.1`: the formats of the boot log where the two kernels print the same
   * thing differently (default 2.6.11; 6.1 to compare with the oracle captures).
   */
  readonly bootLog: "2.6.11" | "6.1";
  readonly help: boolean;
  /** check `--hash`: print the hash of the whole machine state. */
  readonly hash: boolean;
  /** `--e820 FILE`: boot from the BIOS map in FILE instead of QEMU's map for --mem. */
  readonly e820File?: string;
  /** `--highmem SIZE`: the kernel's highmem= boot option (force this much high memory). */
  readonly highmem?: number;
  /** run: the script path (absent = REPL); cat: the view; replay: the trace; help: the command asked about. */
  readonly operand?: string;
  /** replay `--every N`: sample external fragmentation every N events. */
  readonly every?: number;
  /** replay `--svg FILE`: write the plot there. */
  readonly svg?: string;
  /** exec `--layout`: vm.legacy_va_layout 1 (classic) or 0 (flexible, the default). */
  readonly layout?: "classic" | "flexible";
  /** exec `--stack-limit`: RLIMIT_STACK in bytes, or "unlimited" (default 8M). */
  readonly stackLimit?: number | "unlimited";
  /** exec `--image FILE`: the ext2 image the ELF path is inside. */
  readonly image?: string;
  /** exec `--compare`: both layouts side by side. */
  readonly compare?: boolean;
}

/** The default machine: 1 GiB, like the oracle's 686-1024M boot. */
export const DEFAULT_MEM = 1 << 30;
/** replay's default machine: 128 MiB, the RAM of the shipped trace's machine. */
export const REPLAY_DEFAULT_MEM = 128 << 20;

/** The flags each command accepts (besides -h/--help; run also takes -i for --interactive). */
export const COMMAND_FLAGS: Readonly<Record<Command, readonly string[]>> = {
  boot: ["--mem", "--e820", "--highmem", "--pae", "--cpus", "--nodes", "--json", "--boot-log"],
  run: [
    "--mem",
    "--e820",
    "--highmem",
    "--pae",
    "--cpus",
    "--nodes",
    "--json",
    "--strict",
    "--interactive",
    "--no-model-checks",
    "--boot-log",
  ],
  cat: ["--mem", "--e820", "--pae", "--cpus", "--nodes", "--json"],
  replay: ["--mem", "--pae", "--cpus", "--nodes", "--every", "--svg", "--json"],
  exec: ["--mem", "--pae", "--cpus", "--layout", "--stack-limit", "--image", "--compare", "--json"],
  tour: ["--mem", "--e820", "--pae", "--cpus", "--nodes", "--json", "--no-model-checks", "--boot-log"],
  check: ["--mem", "--e820", "--highmem", "--pae", "--cpus", "--nodes", "--json", "--hash"],
  help: [],
};
const VALUE_FLAGS = new Set([
  "--mem",
  "--e820",
  "--highmem",
  "--cpus",
  "--nodes",
  "--every",
  "--svg",
  "--boot-log",
  "--layout",
  "--stack-limit",
  "--image",
]);

/** Parse argv (without `node cli.js`). Throws UsageError on bad usage. */
export function parseArgs(argv: readonly string[]): Invocation {
  let command: Command = "tour";
  let rest = [...argv];
  const first = rest[0];
  if (first !== undefined && !first.startsWith("-")) {
    if (!(first in COMMAND_FLAGS)) throw new UsageError(`unknown command '${first}' (try 'i386mm help')`);
    command = first as Command;
    rest = rest.slice(1);
  }
  let memBytes = DEFAULT_MEM;
  let memGiven = false;
  let e820File: string | undefined;
  let highmem: number | undefined;
  let pae = false;
  let cpus = 1;
  let nodes: 1 | 2 = 1;
  let json = false;
  let strict = false;
  let interactive = false;
  let noModelChecks = false;
  let bootLog: "2.6.11" | "6.1" = "2.6.11";
  let help = false;
  let hash = false;
  let every: number | undefined;
  let svg: string | undefined;
  let layout: "classic" | "flexible" | undefined;
  let stackLimit: number | "unlimited" | undefined;
  let image: string | undefined;
  let compare = false;
  const operands: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] === "-i" ? "--interactive" : rest[i]!;
    if (a === "-h" || a === "--help") {
      help = true;
      continue;
    }
    if (a === "-" || !a.startsWith("-")) {
      operands.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const flag = eq >= 0 ? a.slice(0, eq) : a;
    if (!COMMAND_FLAGS[command].includes(flag))
      throw new UsageError(
        `${command}: unknown flag '${rest[i] === "-i" ? "-i" : flag}' (try 'i386mm ${command} --help')`,
      );
    let value: string | undefined;
    if (VALUE_FLAGS.has(flag)) {
      value = eq >= 0 ? a.slice(eq + 1) : rest[++i];
      if (value === undefined || value === "") throw new UsageError(`${command}: ${flag} needs a value`);
    } else if (eq >= 0) throw new UsageError(`${command}: ${flag} takes no value`);
    switch (flag) {
      case "--mem":
        memBytes = parseSize(value!);
        memGiven = true;
        break;
      case "--e820":
        e820File = value!;
        break;
      case "--highmem":
        highmem = parseSizeText(value!, "--highmem");
        break;
      case "--cpus":
        cpus = parseCount(value!, flag, MAX_CPUS);
        break;
      case "--nodes":
        nodes = parseCount(value!, flag, 2) as 1 | 2;
        break;
      case "--pae":
        pae = true;
        break;
      case "--every":
        every = parseCount(value!, flag, Number.MAX_SAFE_INTEGER);
        break;
      case "--svg":
        svg = value!;
        break;
      case "--layout":
        if (value !== "classic" && value !== "flexible")
          throw new UsageError(`--layout: '${value}' is not classic or flexible`);
        layout = value;
        break;
      case "--stack-limit":
        stackLimit = value === "unlimited" ? "unlimited" : parseStackLimit(value!);
        break;
      case "--image":
        image = value!;
        break;
      case "--compare":
        compare = true;
        break;
      case "--json":
        json = true;
        break;
      case "--strict":
        strict = true;
        break;
      case "--interactive":
        interactive = true;
        break;
      case "--no-model-checks":
        noModelChecks = true;
        break;
      case "--boot-log":
        if (value !== "2.6.11" && value !== "6.1")
          throw new UsageError(`--boot-log: '${value}' is not a format (2.6.11 or 6.1)`);
        bootLog = value;
        break;
      case "--hash":
        hash = true;
        break;
    }
  }
  if (memGiven && e820File !== undefined)
    throw new UsageError("--mem and --e820 exclude each other (the map says how much RAM there is)");
  // More than 4G without --pae boots, as 2.6.11 does ("Warning only 4GB will be used."); parseSize
  // refuses more than the 36-bit physical space (64G).
  if (command === "replay" && !memGiven) memBytes = REPLAY_DEFAULT_MEM;
  const maxOperands =
    command === "run" ||
    command === "cat" ||
    command === "replay" ||
    command === "exec" ||
    command === "check" ||
    command === "help"
      ? 1
      : 0;
  if (operands.length > maxOperands)
    throw new UsageError(`${command}: unexpected argument '${operands[maxOperands]}'`);
  if (command === "cat" && operands.length === 0 && !help)
    throw new UsageError("cat: which view? (e.g. i386mm cat /proc/buddyinfo)");
  if (command === "replay" && operands.length === 0 && !help)
    throw new UsageError("replay: which trace? (e.g. i386mm replay fixtures/traces/686-128M-A.trace.gz)");
  if (command === "exec" && operands.length === 0 && !help)
    throw new UsageError("exec: which program? (e.g. i386mm exec fixtures/elf/memorylayout-static)");
  if (compare && layout !== undefined)
    throw new UsageError("exec: --compare runs both layouts; leave out --layout");
  const inv: Invocation = {
    command,
    memBytes,
    pae,
    cpus,
    nodes,
    json,
    strict,
    interactive,
    noModelChecks,
    bootLog,
    help,
    hash,
    ...(e820File === undefined ? {} : { e820File }),
    ...(highmem === undefined ? {} : { highmem }),
    ...(every === undefined ? {} : { every }),
    ...(svg === undefined ? {} : { svg }),
    ...(layout === undefined ? {} : { layout }),
    ...(stackLimit === undefined ? {} : { stackLimit }),
    ...(image === undefined ? {} : { image }),
    ...(compare ? { compare } : {}),
  };
  return operands[0] === undefined ? inv : { ...inv, operand: operands[0] };
}

function parseCount(text: string, flag: string, max: number): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag}: '${text}' is not a number`);
  const n = Number(text);
  if (n < 1 || n > max) throw new UsageError(`${flag}: ${n} is outside 1..${max}`);
  return n;
}

/** `--stack-limit`: a size (8M, 8192K) or a bare number of KiB as `ulimit -s` takes it; below 4G. */
function parseStackLimit(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) * 1024 : parseSizeText(text, "--stack-limit");
  if (n >= 2 ** 32) throw new UsageError(`--stack-limit: ${text} does not fit an i386 rlimit (below 4G)`);
  return n;
}
