/*
 * Trace reading for the root benches: the "a ID N" / "f ID" lines of bench/page-trace.mjs (N =
 * order) and bench/kmalloc-trace.mjs (N = bytes), pre-parsed into typed arrays so a replay loop
 * does no parsing and no allocation.
 */
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The root bench/ folder. */
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * A parsed trace: arg[i] >= 0 is an "a" line (its order or size), -1 an "f" line; id[i] is the
 * block's id; argOf[id] is what the block was allocated with (the "f" lines carry nothing).
 */
export function parseTrace(text) {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  if (text.length && !text.endsWith("\n")) n++;
  const arg = new Int32Array(n);
  const id = new Int32Array(n);
  let ids = 0;
  let pos = 0;
  let k = 0;
  while (pos < text.length) {
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = text.length;
    const line = text.slice(pos, eol);
    pos = eol + 1;
    if (line === "") continue;
    const f = line.split(" ");
    const v = Number(f[1]);
    id[k] = v;
    arg[k] = f[0] === "a" ? Number(f[2]) : -1;
    if (f[0] !== "a" && f[0] !== "f") throw new Error(`bad trace line: ${line}`);
    if (v >= ids) ids = v + 1;
    k++;
  }
  const argOf = new Int32Array(ids);
  for (let i = 0; i < k; i++) if (arg[i] >= 0) argOf[id[i]] = arg[i];
  return { text, ops: k, arg: arg.subarray(0, k), id: id.subarray(0, k), argOf, ids };
}

/** Run a generator of the bench folder ("page-trace.mjs", args...) and return its text. */
export function generate(script, ...args) {
  return execFileSync(process.execPath, [resolve(BENCH_DIR, script), ...args.map(String)], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
}
