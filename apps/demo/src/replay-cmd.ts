/*
 * replay-cmd.ts — `i386mm replay TRACE`: read the trace (plain or .gz) before booting, parse it,
 * replay it on the booted model through @i386mm/kernel's Replay, print the report (text or
 * --json), write the --svg plot. A progress bar (phase, percent, events/s, ETA) is drawn on
 * stderr only when the Io says both stdout and stderr are terminals.
 * Exit codes: 0 (a replay that met malformed lines or refused calls still reports them),
 * 2 for an unreadable trace or an unwritable --svg file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseTrace, Replay, replayReport, replayReportText, replaySvg } from "@i386mm/kernel";
import { traceBytes } from "@i386mm/kernel/node";
import type { Invocation } from "./args.js";
import type { Kernel } from "./kernel.js";
import { EXIT_OK, EXIT_USAGE, UsageError } from "./usage-error.js";

/** What replay needs of the CLI's Io. */
export interface ReplayIo {
  out(text: string): void;
  err(text: string): void;
  readonly cwd: string;
  /** stdout and stderr are terminals: draw the progress bar on stderr. */
  readonly progress?: boolean;
}

/** The trace file's bytes (gunzipped if it is gzip). UsageError when it cannot be read. */
export function readTrace(operand: string, io: Pick<ReplayIo, "cwd">): { name: string; text: Uint8Array } {
  let raw: Uint8Array;
  try {
    raw = readFileSync(resolve(io.cwd, operand));
  } catch (e) {
    throw new UsageError(`replay: cannot read '${operand}': ${(e as Error).message}`);
  }
  try {
    return { name: operand, text: traceBytes(raw) };
  } catch (e) {
    throw new UsageError(`replay: '${operand}' looks gzipped but does not unpack: ${(e as Error).message}`);
  }
}

/** A progress bar on stderr: `replay [#####.....]  45%  183,221/406,935 events  2.1M/s  ETA 0.1s`. */
export class ProgressBar {
  #last = 0;
  #start = performance.now();
  #drawn = false;
  constructor(
    private readonly io: Pick<ReplayIo, "err">,
    private readonly phase: string,
    private readonly unit: string,
  ) {}

  update(done: number, total: number): void {
    const now = performance.now();
    if (now - this.#last < 100 && done < total) return;
    this.#last = now;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const full = Math.round(frac * width);
    const secs = (now - this.#start) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    const line =
      `${this.phase} [${"#".repeat(full)}${".".repeat(width - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%` +
      `  ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} ${this.unit}` +
      `  ${rateText(rate)}/s  ETA ${eta.toFixed(1)}s`;
    this.io.err(`\r${line}\x1b[K`);
    this.#drawn = true;
  }

  /** Erase the bar. */
  done(): void {
    if (this.#drawn) this.io.err("\r\x1b[K");
  }
}

function rateText(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(1)}M`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)}k`;
  return r.toFixed(0);
}

/** Run the replay command on a booted kernel; returns the exit code. */
export function runReplay(
  kernel: Kernel,
  inv: Invocation,
  trace: { name: string; text: Uint8Array },
  io: ReplayIo,
): number {
  const bar = (phase: string, unit: string) => (io.progress ? new ProgressBar(io, phase, unit) : null);
  const reading = bar("read  ", "bytes");
  const parsed = parseTrace(trace.text, reading ? { onProgress: (d, t) => reading.update(d, t) } : {});
  reading?.done();
  const replaying = bar("replay", "events");
  const rp = new Replay(kernel, parsed, {
    ...(inv.every === undefined ? {} : { every: inv.every }),
    ...(inv.svg === undefined ? {} : { plotEvery: Math.max(1, Math.ceil(parsed.n / 400)) }),
    ...(replaying ? { onProgress: (d: number, t: number) => replaying.update(d, t) } : {}),
  });
  rp.run();
  replaying?.done();
  const report = replayReport(rp, trace.name, kernel.describe());
  if (inv.svg !== undefined) {
    try {
      writeFileSync(resolve(io.cwd, inv.svg), replaySvg(rp, report));
    } catch (e) {
      io.err(`i386mm: replay: cannot write '${inv.svg}': ${(e as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  if (inv.json) io.out(`${JSON.stringify({ machine: kernel.machineInfo(), ...report }, null, 2)}\n`);
  else io.out(replayReportText(report));
  return EXIT_OK;
}
