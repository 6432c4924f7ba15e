/*
 * results.mjs — `pnpm bench`: every benchmark of the repository in one run, printed and written to
 * bench/RESULTS.md (after `turbo run build`, as the root script does).
 *
 *  1. The page allocator against the C reference (bench/buddy-ref.c, built here with the system's
 *     C compiler, skipped with a message when there is none): both page traces replayed through
 *     alloc_pages(GFP_HIGHUSER, order) / __free_pages on a booted 2 GiB machine and through the C
 *     buddy allocator on as many frames, best of 5 each, in the same run; the order-0 pair.
 *  2. kmalloc/kfree against @thi.ng/malloc's MemPool on a kmalloc-trace.mjs trace.
 *  3. The scale table: boots of 128 MiB to 64 GiB (time, host bytes per frame), replays of 10^5 to
 *     10^7 page-trace operations, checkKernelInvariants per GiB, host bytes per layer.
 *  4. Every package's benches (vitest bench --outputJson), ns per call, calls/s and what they print.
 *
 * Each measurement runs in its own Node process (bench/measure.mjs). Options:
 *   --quick        fewer runs and sizes, no 10^7 replay (a smoke run: figures not for RESULTS.md)
 *   --no-packages  skip the package benches
 *   --out FILE     write the report there instead of bench/RESULTS.md
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, relative, resolve } from "node:path";
import { BENCH_DIR, generate } from "./trace.mjs";

const ROOT = resolve(BENCH_DIR, "..");
const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const PACKAGES = !argv.includes("--no-packages");
const OUT = argv.includes("--out") ? resolve(argv[argv.indexOf("--out") + 1]) : join(BENCH_DIR, "RESULTS.md");
const RUNS = QUICK ? 2 : 5;
/** The rows of measure.mjs page-trace-layers, as RESULTS.md names them. */
const LAYER_NAMES = {
  buddy: "buddy lists only: `__rmqueue` / `__free_pages_bulk` on the zone",
  pcp: "+ order 0 through the per-CPU hot list (`pcp_rmqueue` / `pcp_free`)",
  "pcp+fields": "+ the block head's flags, _count, _mapcount, mapping (emulated)",
  full: "`alloc_pages(GFP_HIGHUSER)` / `__free_pages`: the whole path",
};
const MACHINE_MIB = 2048; // the machine both page traces are replayed on
const MACHINE_FRAMES = MACHINE_MIB * 256; // and the C reference's frame count
const tmp = mkdtempSync(join(os.tmpdir(), "i386mm-bench-"));
const md = [];
const log = (s = "") => {
  process.stdout.write(`${s}\n`);
};
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const f1 = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const table = (head, rows) => [
  `| ${head.join(" | ")} |`,
  `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
  ...rows.map((r) => `| ${r.join(" | ")} |`),
];

/** One measurement in a fresh Node process: bench/measure.mjs WHAT ARGS -> its JSON. */
function measure(what, args, nodeFlags = []) {
  const r = spawnSync(
    process.execPath,
    [...nodeFlags, join(BENCH_DIR, "measure.mjs"), what, ...args.map(String)],
    {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    },
  );
  if (r.status !== 0) throw new Error(`measure.mjs ${what} ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

// ------------------------------------------------------------------ the machine

const cpus = os.cpus();
const started = new Date();
md.push("# Benchmark results", "");
md.push(
  `Written by \`pnpm bench\` (bench/results.mjs) on ${started.toISOString().slice(0, 16).replace("T", " ")} UTC` +
    `${QUICK ? " with --quick (smoke run: fewer runs and sizes)" : ""}. Re-run it to refresh; figures from a busy ` +
    "machine are noisy, so each section notes the load average (1, 5, 15 min) it ran at.",
  "",
);
md.push(
  ...table(
    ["", ""],
    [
      ["CPU", `${cpus[0]?.model ?? "?"} x ${cpus.length}`],
      ["memory", `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ["OS", `${os.type()} ${os.release()} ${os.arch()}`],
      ["Node", process.version],
      ["load average at start", load()],
    ],
  ),
  "",
);
log(`i386mm benchmarks: ${cpus[0]?.model} x ${cpus.length}, Node ${process.version}, load ${load()}`);

// ------------------------------------------------------------------ the C reference

function findCompiler() {
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: the C compiler a user names, as make reads it (not a turbo input)
  for (const cc of [process.env.CC, "cc", "gcc", "clang"].filter(Boolean)) {
    const r = spawnSync(cc, ["--version"], { encoding: "utf8" });
    if (r.status === 0) return { cc, version: r.stdout.split("\n")[0] };
  }
  return null;
}
const compiler = findCompiler();
let cref = null;
if (compiler) {
  cref = join(tmp, "buddy-ref");
  execFileSync(compiler.cc, ["-O2", "-o", cref, join(BENCH_DIR, "buddy-ref.c")]);
  log(`C reference: bench/buddy-ref.c built with ${compiler.cc} -O2 (${compiler.version})`);
} else {
  log("C reference: no C compiler found (tried $CC, cc, gcc, clang): the C columns are skipped");
}

/** The C reference on a trace file: {runs, best} ns/op, or null without a compiler. */
function measureC(file, frames, runs) {
  if (!cref) return null;
  const r = spawnSync(cref, [String(frames), String(runs)], {
    input: readFileSync(file),
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`buddy-ref failed (${r.status ?? r.signal ?? r.error}): ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  if (j.failed) throw new Error(`buddy-ref: ${j.failed} allocations failed`);
  return { runs: j.ns, best: j.best, cpuBest: j.cpuBest };
}

// ------------------------------------------------------------------ 1. page traces vs C

const traceFile = (frames, ops, seed) => {
  const file = join(tmp, `page-${frames}-${ops}-${seed}.txt`);
  writeFileSync(file, generate("page-trace.mjs", frames, ops, seed));
  return file;
};

md.push("## 1. The page allocator against a C buddy allocator", "");
md.push(
  `Each trace (\`node bench/page-trace.mjs FRAMES OPS SEED\`) is replayed ${RUNS} times through ` +
    `\`alloc_pages(GFP_HIGHUSER, order)\` / \`__free_pages\` on a booted ${MACHINE_MIB / 1024} GiB machine ` +
    "(zones, watermarks, per-CPU lists, page flags and counts, every check) and through the C reference " +
    `\`bench/buddy-ref.c\` (MAX_ORDER 11, doubly linked free lists, nothing else; ${compiler ? `\`${compiler.cc} -O2\`` : "not built"}) ` +
    `on ${MACHINE_FRAMES} frames, alternately, in this run. Best of ${RUNS}, ns per trace line. Target: ratio <= 3.0.`,
  "",
);
const pageRows = [];
const layerRows = [];
for (const [frames, ops, seed] of [
  [262144, 1000000, 1],
  [65536, 1000000, 2],
]) {
  const file = traceFile(frames, ops, seed);
  const l0 = load();
  const js = measure("page-trace", [file, RUNS, MACHINE_MIB]);
  const c = measureC(file, MACHINE_FRAMES, RUNS);
  if (js.failed) throw new Error(`page-trace ${frames} ${ops} ${seed}: ${js.failed} allocations failed`);
  const ratio = c ? js.best / c.best : null;
  const cpuRatio = c ? js.cpuBest / c.cpuBest : null;
  log(
    `page-trace.mjs ${frames} ${ops} ${seed} (${js.ops} lines): i386mm ${f1(js.best)} ns/op` +
      (c
        ? `, C ${f1(c.best)} ns/op, ratio ${ratio.toFixed(2)} (CPU time: ${f1(js.cpuBest)} / ${f1(c.cpuBest)} = ${cpuRatio.toFixed(2)})`
        : "") +
      `  [load ${l0}]`,
  );
  pageRows.push([
    `\`page-trace.mjs ${frames} ${ops} ${seed}\``,
    String(js.ops),
    f1(js.best),
    c ? f1(c.best) : "skipped",
    ratio ? `**${ratio.toFixed(2)}**` : "-",
    `${f1(js.cpuBest)} / ${c ? f1(c.cpuBest) : "-"}`,
    cpuRatio ? cpuRatio.toFixed(2) : "-",
    js.runs.map(f1).join(" "),
    c ? c.runs.map(f1).join(" ") : "-",
    l0,
  ]);
  const lr = measure("page-trace-layers", [file, RUNS, MACHINE_MIB]);
  const lc = measureC(file, MACHINE_FRAMES, RUNS);
  const name = `\`page-trace.mjs ${frames} ${ops} ${seed}\``;
  for (const r of lr.rows) {
    if (r.failed) throw new Error(`page-trace-layers ${r.layer}: ${r.failed} allocations failed`);
    layerRows.push([
      name,
      LAYER_NAMES[r.layer],
      f1(r.best),
      lc ? (r.best / lc.best).toFixed(2) : "-",
      f1(r.cpuBest),
      lc ? (r.cpuBest / lc.cpuBest).toFixed(2) : "-",
    ]);
  }
  if (lc)
    layerRows.push([
      name,
      "C reference (bench/buddy-ref.c), same run",
      f1(lc.best),
      "1.00",
      f1(lc.cpuBest),
      "1.00",
    ]);
  log(
    `  where the time goes: ${lr.rows.map((r) => `${r.layer} ${f1(r.best)}`).join(", ")} ns/op${lc ? `; C ${f1(lc.best)}` : ""}`,
  );
}
md.push(
  ...table(
    [
      "trace",
      "lines",
      "i386mm ns/op",
      "C ns/op",
      "ratio",
      "CPU time ns/op: i386mm / C",
      "CPU-time ratio",
      "i386mm runs",
      "C runs",
      "load avg",
    ],
    pageRows,
  ),
  "",
  "Wall-clock is what the target names; the CPU-time columns (process.cpuUsage, CLOCK_PROCESS_CPUTIME_ID) " +
    "leave out the time each side spent waiting for a core, which on a loaded machine falls unevenly on the two.",
  "",
);
md.push(
  "Where the time goes: the same traces through growing parts of the allocator (`measure.mjs page-trace-layers`: " +
    "each on a freshly booted machine, its HighMem zone called directly for the first three), best of " +
    `${RUNS}, ns per trace line, and the ratio to the C reference measured right after. The third row is an ` +
    "emulation, not the model: the per-CPU path plus the reads and writes of `flags`, `_count`, `_mapcount` and " +
    "`mapping` that prep_new_page and free_pages_check make on each block head; in struct-of-arrays each is " +
    "another cache line per page, where C's `struct page` keeps them in one.",
  "",
  ...table(["trace", "allocator part", "ns/op", "x C", "CPU ns/op", "x C (CPU)"], layerRows),
  "",
);
{
  const l0 = load();
  const p = measure("pair", [10000, QUICK ? 11 : 51]);
  log(
    `order-0 alloc_pages(GFP_KERNEL, 0) + __free_pages pair: median ${f1(p.median)} ns (best ${f1(p.best)}; CPU time median ${f1(p.cpuMedian)})  [load ${l0}]`,
  );
  md.push(
    `Order-0 pair through the per-CPU lists (\`__free_pages(alloc_pages(GFP_KERNEL, 0), 0)\`, 10,000 pairs ` +
      `per sample, ${p.runs.length} samples, 2 GiB machine): **median ${f1(p.median)} ns**, best ${f1(p.best)} ns, ` +
      `CPU-time median ${f1(p.cpuMedian)} ns ` +
      `(target: median <= 40 ns; load ${l0}).`,
    "",
  );
}

// ------------------------------------------------------------------ 2. kmalloc vs MemPool

{
  md.push("## 2. kmalloc/kfree against @thi.ng/malloc", "");
  const ops = QUICK ? 200000 : 1000000;
  const file = join(tmp, "kmalloc.txt");
  writeFileSync(file, generate("kmalloc-trace.mjs", ops, 1));
  const l0 = load();
  const k = measure("kmalloc", [file, QUICK ? 3 : 5]);
  const ratio = k.mempool.best / k.kmalloc.best;
  log(
    `kmalloc-trace.mjs ${ops} 1: kmalloc/kfree ${f1(k.kmalloc.best)} ns/op, MemPool ${f1(k.mempool.best)} ns/op ` +
      `(i386mm ${ratio.toFixed(1)}x faster)  [load ${l0}]`,
  );
  md.push(
    `\`node bench/kmalloc-trace.mjs ${ops} 1\` (${k.ops} lines; sizes 8-8192 bytes, 82 % at most 256; about 2,000 ` +
      "objects live) replayed through `kmalloc(size, GFP_KERNEL)` / `kfree` on a booted 256 MiB kernel and through " +
      "`MemPool.malloc` / `free` (64 MiB pool), alternately in one process; best of the runs, ns per trace line.",
    "",
    ...table(
      ["allocator", "ns/op", "CPU ns/op", "runs", "failed"],
      [
        [
          "i386mm kmalloc / kfree",
          `**${f1(k.kmalloc.best)}**`,
          f1(k.kmalloc.cpuBest),
          k.kmalloc.runs.map(f1).join(" "),
          String(k.kmalloc.failed),
        ],
        [
          "@thi.ng/malloc MemPool",
          f1(k.mempool.best),
          f1(k.mempool.cpuBest),
          k.mempool.runs.map(f1).join(" "),
          String(k.mempool.failed),
        ],
      ],
    ),
    "",
    `MemPool / i386mm: **${ratio.toFixed(1)}x** (i386mm must be faster: ratio > 1). Load ${l0}.`,
    "",
  );
}

// ------------------------------------------------------------------ 3. scale

md.push("## 3. Scale", "");
{
  const sizes = QUICK
    ? [
        [128, 0],
        [4096, 0],
      ]
    : [
        [128, 0],
        [1024, 0],
        [4096, 0],
        [16384, 1],
        [65536, 1],
      ];
  const l0 = load();
  const rows = [];
  const boots = [];
  // Three fresh processes per machine, the one with the median host bytes kept: the JS heap's part
  // (compiled code and feedback among it) varies by ~100 KiB between processes, which is 0.01 B
  // per frame on the marginal below.
  const BOOTS = QUICK ? 1 : 3;
  for (const [mem, pae] of sizes) {
    const tries = [];
    for (let i = 0; i < BOOTS; i++) tries.push(measure("boot", [mem, pae], ["--expose-gc"]));
    tries.sort((x, y) => x.arrayBytes + x.heapBytes - (y.arrayBytes + y.heapBytes));
    const b = tries[tries.length >> 1];
    boots.push(b);
    const total = b.arrayBytes + b.heapBytes;
    log(
      `boot ${mem} MiB${pae ? " PAE" : ""}: ${f1(b.ms)} ms, ${b.frames} frames, mem_map ${(b.memMapBytes / b.frames).toFixed(2)} B/frame, ` +
        `host ${(total / b.frames).toFixed(2)} B/frame`,
    );
    rows.push([
      `${mem >= 1024 ? `${mem / 1024} GiB` : `${mem} MiB`}${pae ? " (PAE)" : ""}`,
      String(b.frames),
      f1(b.ms),
      f1((b.ms * 1e6) / b.frames),
      (b.memMapBytes / b.frames).toFixed(2),
      (total / b.frames).toFixed(2),
      (b.rssBytes / b.frames).toFixed(2),
    ]);
  }
  const first = boots[0];
  const last = boots[boots.length - 1];
  const hostBytes = (b) => b.arrayBytes + b.heapBytes;
  // The marginal cost per frame between the two largest machines of the same paging mode as the
  // largest (16 and 64 GiB PAE in the full run): what one more frame of RAM costs, with the
  // fixed part (code, caches, tables) and the paging mode's own structures cancelling out.
  const same = boots.filter((b) => b.pae === last.pae && b !== last);
  const prev = same[same.length - 1] ?? first;
  const marginal = (hostBytes(last) - hostBytes(prev)) / (last.frames - prev.frames);
  const fixed = hostBytes(last) - marginal * last.frames;
  const name = (b) => `${b.mem >= 1024 ? `${b.mem / 1024} GiB` : `${b.mem} MiB`}${b.pae ? " PAE" : ""}`;
  md.push(
    "### Boot",
    "",
    "`boot({ mem, pae })` of packages/kernel (every layer: Machine, PageAllocator, SlabAllocator, Kmap, " +
      "PageCache), timed in a fresh process after a 64 MiB warm-up boot; host bytes = growth of the JS heap " +
      "and of ArrayBuffers over the boot once freed memory is released (a full GC, a pause, two more; `--expose-gc`), " +
      `per frame of RAM; ${QUICK ? "one process" : "the median of three processes"} per machine; RSS is what the ` +
      "OS actually committed (untouched zeroed pages are not).",
    "",
    ...table(
      ["machine", "frames", "boot ms", "ns/frame", "mem_map B/frame", "host B/frame", "RSS B/frame"],
      rows,
    ),
    "",
    `Growth: boot time and host bytes are linear in the number of frames (one 32-byte \`struct page\` of ` +
      `mem_map per frame, written once; boot time ${f1((first.ms * 1e6) / first.frames)} ns/frame at the smallest, ` +
      `${f1((last.ms * 1e6) / last.frames)} at the largest). Host bytes: the marginal cost between ${name(prev)} and ${name(last)} ` +
      `(same paging mode) is **${marginal.toFixed(3)} B per added frame** (target <= 32; mem_map's \`struct page\` alone is 32), ` +
      `and the total at ${name(last)} is ${(hostBytes(last) / last.frames).toFixed(3)} B per frame: 32 B per frame plus a fixed part of ` +
      `${(fixed / 1024).toFixed(0)} KiB (the layers' objects on the JS heap, the slab's first live-bitmap chunk, the simulated RAM ` +
      `frames the boot wrote), which small machines spread over few frames. Load ${l0}.`,
    "",
  );
}
{
  const l0 = load();
  const lens = QUICK ? [100000, 1000000] : [100000, 1000000, 10000000];
  const rows = [];
  const per = [];
  for (const ops of lens) {
    const file = traceFile(262144, ops, 1);
    const runs = ops >= 10000000 ? 2 : Math.max(3, Math.round(3e6 / ops)); // enough runs to warm the JIT
    const js = measure("page-trace", [file, runs, MACHINE_MIB]);
    const c = measureC(file, MACHINE_FRAMES, runs);
    rmSync(file);
    per.push(js.cpuBest);
    log(
      `replay of ${js.ops} page-trace lines: ${f1(js.best)} ns/op, CPU time ${f1(js.cpuBest)}${c ? ` (C ${f1(c.best)}, CPU ${f1(c.cpuBest)})` : ""}`,
    );
    rows.push([
      `\`page-trace.mjs 262144 ${ops} 1\``,
      String(js.ops),
      f1((js.best * js.ops) / 1e6),
      f1(js.best),
      c ? f1(c.best) : "skipped",
      c ? (js.best / c.best).toFixed(2) : "-",
      f1(js.cpuBest),
      c ? f1(c.cpuBest) : "skipped",
      c ? (js.cpuBest / c.cpuBest).toFixed(2) : "-",
    ]);
  }
  md.push(
    "### Trace length",
    "",
    `The same generator at growing lengths on the ${MACHINE_MIB / 1024} GiB machine; best of 30 runs for 10^5, 3 for 10^6, 2 for 10^7 (short traces need more runs to reach optimized code).`,
    "",
    ...table(
      [
        "trace",
        "lines",
        "i386mm ms",
        "i386mm ns/op",
        "C ns/op",
        "ratio",
        "i386mm CPU ns/op",
        "C CPU ns/op",
        "CPU ratio",
      ],
      rows,
    ),
    "",
    // the 10^5 trace is mostly the generator's ramp-up from an empty machine: compare the longer ones
    `Growth: ${
      per[per.length - 1] <= per[per.length > 2 ? 1 : 0] * 1.2
        ? `time per operation does not grow from ${lens[per.length > 2 ? 1 : 0].toExponential(0)} to ${lens[lens.length - 1].toExponential(0)} operations`
        : "**time per operation grows with the trace's length**"
    } (${per.map(f1).join(", ")} CPU-time ns/op for ${lens.map((n) => n.toExponential(0)).join(", ")} operations): every ` +
      "operation is O(MAX_ORDER) list work on a fixed-size machine, and nothing the model keeps grows with the " +
      "trace's history. The 10^5 trace is mostly the generator's ramp-up from an empty machine (a smaller live " +
      `set: fewer cache misses) and short enough that part of it runs before the JIT's optimized code. Load ${l0}.`,
    "",
  );
}
{
  const l0 = load();
  const sizes = QUICK
    ? [[1024, 0]]
    : [
        [1024, 0],
        [4096, 0],
        [16384, 1],
        [65536, 1],
      ];
  const rows = [];
  const checks = [];
  for (const [mem, pae] of sizes) {
    const c = measure("check", [mem, pae, 3]);
    checks.push(c);
    rows.push([
      `${mem / 1024} GiB${pae ? " (PAE)" : ""}`,
      String(c.frames),
      f1(c.best),
      f1(c.best / (mem / 1024)),
      f1((c.best * 1e6) / c.frames),
    ]);
    log(`checkKernelInvariants, ${mem / 1024} GiB: ${f1(c.best)} ms`);
  }
  md.push(
    "### check",
    "",
    "`checkKernelInvariants(k)` (packages/kernel: every layer's checker) on a booted kernel with 2,000 kmalloc " +
      "objects and 2,000 page blocks allocated; best of 3.",
    "",
    ...table(["machine", "frames", "check ms", "ms per GiB", "ns per frame"], rows),
    "",
    `Growth: linear in the frames of the machine (each checker walks mem_map and the lists once: ` +
      `${checks.map((c) => f1((c.best * 1e6) / c.frames)).join(", ")} ns per frame); ms per GiB is the cost to budget. Load ${l0}.`,
    "",
  );
}
{
  const l0 = load();
  const mem = QUICK ? 1024 : 4096;
  const r = measure("layers", [mem], ["--expose-gc"]);
  md.push(
    "### Host bytes per layer",
    "",
    `What each layer adds to the host's memory when a ${mem / 1024} GiB kernel is built layer by layer ` +
      "(JS heap + ArrayBuffers after a full GC).",
    "",
    ...table(
      ["layer", "bytes", "B/frame", "ms"],
      r.rows.map((x) => [x.layer, String(x.bytes), (x.bytes / r.frames).toFixed(2), f1(x.ms)]),
    ),
    "",
    `Load ${l0}.`,
    "",
  );
}

// ------------------------------------------------------------------ 4. package benches

if (PACKAGES) {
  const l0 = load();
  const json = join(tmp, "vitest-bench.json");
  log("package benches: vitest bench --run (a few minutes)...");
  const r = spawnSync(join(ROOT, "node_modules/.bin/vitest"), ["bench", "--run", "--outputJson", json], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  if (r.status !== 0)
    throw new Error(`vitest bench failed:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  const report = JSON.parse(readFileSync(json, "utf8"));
  md.push("## 4. Every package's benches", "");
  md.push(
    "`vitest bench --run` over packages/*/bench/*.bench.ts, against the built packages. A call is one " +
      "execution of the bench function; where the group's name says `xN`, a call is N operations and " +
      "ns/op divides by N. Host memory and other figures the benches print follow each package's table. " +
      `Load at start ${l0}, at end ${load()}.`,
    "",
  );
  // what each bench file printed (console.log): the vitest default reporter's "stdout | file" blocks
  const printed = new Map();
  let current = null;
  for (const line of r.stdout.split("\n")) {
    // "stdout | bench/page-alloc.bench.ts:43:11": the path is the project's, so key by file name
    const m = /^stdout \| (?:\S*\/)?([^/:\s]+)/.exec(line);
    if (m) {
      current = m[1];
      continue;
    }
    if (current && line.trim() === "") {
      current = null;
      continue;
    }
    if (current) printed.set(current, [...(printed.get(current) ?? []), line]);
  }
  const byPackage = new Map();
  for (const file of report.files) {
    const rel = relative(ROOT, file.filepath);
    const pkg = rel.split("/").slice(0, 2).join("/");
    const rows = byPackage.get(pkg) ?? [];
    for (const g of file.groups) {
      const group = g.fullName.replace(/^.*?> /, "");
      const xm = /\bx\s?(\d[\d,_]*)\b/.exec(group);
      const per = xm ? Number(xm[1].replace(/[,_]/g, "")) : 1;
      for (const b of g.benchmarks) {
        const ns = b.median * 1e6;
        rows.push([
          rel.split("/").pop(),
          `${group} > ${b.name}`.replace(/\|/g, "\\|"),
          f1(ns),
          per > 1 ? f1(ns / per) : f1(ns),
          Math.round(b.hz).toLocaleString("en-US"),
          String(b.sampleCount),
        ]);
      }
    }
    byPackage.set(pkg, rows);
  }
  for (const [pkg, rows] of byPackage) {
    md.push(
      `### ${pkg}`,
      "",
      ...table(["file", "bench", "ns/call (median)", "ns/op", "calls/s", "samples"], rows),
      "",
    );
    const files = new Set(rows.map((r) => r[0]));
    const lines = [...printed].filter(([f]) => files.has(f)).flatMap(([, l]) => l);
    if (lines.length) md.push("Printed by the benches:", "", "```", ...lines, "```", "");
  }
  log(`package benches: ${report.files.length} files`);
}

md.push(
  `Load average at the end: ${load()}. Total time ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s.`,
  "",
);
writeFileSync(OUT, `${md.join("\n")}`);
rmSync(tmp, { recursive: true, force: true });
log(`written: ${relative(process.cwd(), OUT) || OUT}`);
