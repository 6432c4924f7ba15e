/*
 * fuzz-cli.ts — `pnpm fuzz [--steps N] [--seed S] [--run-length L] [--out FILE] [--no-ext2] [--no-tags]`: a
 * long whole-machine fuzz session (fuzz.ts) from the command line. Progress on a terminal (steps,
 * steps per second); on a failure the shrunk sequence is printed as a scenario and written to
 * FILE (default fuzz-failure-<seed>.mm) with the disk images it names beside it (FILE's stem
 * .hda.img, .hdb.img), so that `i386mm run FILE` replays it; the exit status is 1. Node only (reads the ext2
 * fixture, writes the file); not part of `pnpm test`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runFuzz } from "./fuzz.js";

/** The parsed command line. */
interface Args {
  steps: number;
  seed: number;
  runLength: number;
  out: string | null;
  ext2: boolean;
  tags: boolean;
}

const USAGE = "usage: pnpm fuzz [--steps N] [--seed S] [--run-length L] [--out FILE] [--no-ext2] [--no-tags]";

function parseArgs(argv: readonly string[]): Args {
  const a: Args = {
    steps: 10_000,
    seed: Date.now() % 2 ** 31,
    runLength: 120,
    out: null,
    ext2: true,
    tags: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const int = (v: string) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`${flag}: ${JSON.stringify(v)} is not a whole number`);
      return Number(v);
    };
    switch (flag) {
      case "--":
        break;
      case "--steps":
        a.steps = int(value());
        break;
      case "--seed":
        a.seed = int(value());
        break;
      case "--run-length":
        a.runLength = Math.max(2, int(value()));
        break;
      case "--out":
        a.out = value();
        break;
      case "--no-ext2":
        a.ext2 = false;
        break;
      case "--no-tags":
        // no tag bytes in kernel memory: the run makes only its scenario's calls (same state hash)
        a.tags = false;
        break;
      case "-h":
      case "--help":
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return a;
}

class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The committed ext2 image with the fuzzer's file (512 KiB, 1 KiB blocks; test/fixtures/README.md). */
function ext2Image(): Uint8Array {
  const url = new URL("../test/fixtures/ext2-512k.img", import.meta.url);
  return new Uint8Array(readFileSync(fileURLToPath(url)));
}

function main(): number {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const tty = process.stderr.isTTY === true;
  const t0 = performance.now();
  let last = 0;
  const progress = (done: number) => {
    const now = performance.now();
    if (now - last < (tty ? 250 : 30_000)) return;
    last = now;
    const rate = (done / ((now - t0) / 1000)).toFixed(0);
    const pct = ((100 * done) / args.steps).toFixed(1);
    const line = `fuzz: seed ${args.seed}: ${done}/${args.steps} steps (${pct} %), ${rate} steps/s`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
  };
  process.stderr.write(`fuzz: seed ${args.seed}, ${args.steps} steps, runs of up to ${args.runLength}\n`);
  // the scenario names its disk images beside it, relative to where it is run from
  const out = args.out ?? `fuzz-failure-${args.seed}.mm`;
  const stem = join(dirname(out), basename(out).replace(/\.mm$/, ""));
  const images = { hda: `${stem}.hda.img`, hdb: `${stem}.hdb.img` };
  const r = runFuzz({
    steps: args.steps,
    seed: args.seed,
    runLength: args.runLength,
    onProgress: progress,
    machine: { images, reference: args.tags, ...(args.ext2 ? { ext2Image: ext2Image() } : {}) },
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (tty) process.stderr.write("\n");
  if (r.ok) {
    process.stdout.write(`fuzz: seed ${r.seed}: ${r.steps} steps in ${r.runs} runs passed in ${secs} s\n`);
    return 0;
  }
  const f = r.failure!;
  writeFileSync(out, f.scenario);
  // on the terminal, long lines (a program's or a write's bytes) are cut: the file has them whole
  const shown = f.scenario
    .split("\n")
    .map((l) => (l.length > 160 ? `${l.slice(0, 150)}... (${l.length} characters: see the file)` : l))
    .join("\n");
  for (const img of f.images) writeFileSync(img.name, img.bytes);
  process.stdout.write(
    `fuzz: seed ${r.seed} FAILED after ${r.steps} steps (${secs} s); shrunk to ${f.ops.length} operations (fast-check path ${f.path}):\n${f.message}\n\n${shown}\nfuzz: the scenario is in ${out} (its disks: ${f.images.map((i) => i.name).join(", ")}); replay it with \`i386mm run ${out}\` from this directory, or rerun with --seed ${r.seed}\n`,
  );
  return 1;
}

process.exitCode = main();
