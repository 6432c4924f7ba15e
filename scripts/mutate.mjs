#!/usr/bin/env node
// `pnpm mutate [target...]`: mutation testing of the allocator cores with StrykerJS (issue #20
// point 7), one target at a time, each judged by the tests of its own package only.
//
//   pnpm mutate                        every target below, one after the other
//   pnpm mutate page-alloc/watermark   one target (a name below, a package, or a source path)
//   pnpm mutate --list                 the targets and the line ranges they stand for today
//
// A target is a file, or the parts of a file between marker lines (the slab allocator's alloc and
// free paths, vma's lookup/merge/unmapped-area code); the markers are searched for on every run,
// so the ranges follow the code as it changes. Each run writes reports/mutation/<target>.json and
// .html and the summary table at the end gives mutants, killed, survived, no coverage and the
// score per target. The run is niced (15) and holds reports/mutate.lock: never two at once.
// Stryker works in place (stryker.config.mjs): it rewrites the mutated file while it runs and
// restores it at the end; this script checks that it did, and puts the file back if not.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// `skipTests` (optional): test files of the package (globs under it) left out of the target's
// runs because they do not exercise it beyond what the others do. vma's ELF exec tests are left
// out of its targets: they reach find_vma, vma_merge and get_unmapped_area only on the way to exec
// a binary, are the slowest, and each mutant would rerun them; the lookup, merge, layout, mmap
// and unmapped-area tests judge that code directly.
/** @type {{ name: string, project: string, file: string, ranges?: [string, string][], skipTests?: string[] }[]} */
const TARGETS = [
  { name: "page-alloc/buddy", project: "page-alloc", file: "packages/page-alloc/src/buddy.ts" },
  { name: "page-alloc/pcp", project: "page-alloc", file: "packages/page-alloc/src/pcp.ts" },
  { name: "page-alloc/watermark", project: "page-alloc", file: "packages/page-alloc/src/watermark.ts" },
  {
    // kmem_cache_alloc .. cache_alloc_refill, and kmem_cache_free .. free_block
    name: "slab/alloc-free",
    project: "slab",
    file: "packages/slab/src/slab-allocator.ts",
    ranges: [
      ["  kmem_cache_alloc(", "  /* -------"],
      ["  kmem_cache_free(", "  /* -------"],
    ],
  },
  { name: "kmap/pkmap", project: "kmap", file: "packages/kmap/src/pkmap.ts" },
  {
    // find_vma_prepare .. find_vma_intersection, and is_mergeable_vma .. find_mergeable_anon_vma
    name: "vma/lookup-merge",
    project: "vma",
    file: "packages/vma/src/vma.ts",
    skipTests: ["test/elf*.test.ts"],
    ranges: [
      ["export function find_vma_prepare(", "function __vma_link_list("],
      ["function is_mergeable_vma(", "export function __vm_stat_account("],
    ],
  },
  {
    // arch_get_unmapped_area .. get_unmapped_area (both layouts)
    name: "vma/unmapped-area",
    project: "vma",
    file: "packages/vma/src/mmap.ts",
    skipTests: ["test/elf*.test.ts"],
    ranges: [["export function arch_get_unmapped_area(", "function acct_stack_growth("]],
  },
];

/** The Stryker --mutate spec of a target: the file, or file:from-to for each marker range. */
function mutateSpecs(t) {
  if (!t.ranges) return [t.file];
  const lines = fs.readFileSync(path.join(root, t.file), "utf8").split("\n");
  return t.ranges.map(([from, to]) => {
    const start = lines.findIndex((l) => l.startsWith(from));
    if (start < 0)
      throw new Error(`mutate: ${t.name}: no line starting with ${JSON.stringify(from)} in ${t.file}`);
    const end = lines.findIndex((l, i) => i > start && l.startsWith(to));
    if (end < 0)
      throw new Error(
        `mutate: ${t.name}: no line starting with ${JSON.stringify(to)} after line ${start + 1}`,
      );
    return `${t.file}:${start + 1}-${end}`;
  });
}

function pick(args) {
  if (args.length === 0) return TARGETS;
  return args.flatMap((a) => {
    const hits = TARGETS.filter(
      (t) => t.name === a || t.file === a || t.project === a || t.name.startsWith(`${a}/`),
    );
    if (hits.length === 0) {
      console.error(`mutate: no target ${a}; the targets are: ${TARGETS.map((t) => t.name).join(", ")}`);
      process.exit(2);
    }
    return hits;
  });
}

/** Counts per status from Stryker's JSON report (mutation-testing-report-schema). */
function summarize(reportFile) {
  const report = JSON.parse(fs.readFileSync(reportFile, "utf8"));
  const c = { mutants: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0 };
  for (const f of Object.values(report.files)) {
    for (const m of f.mutants) {
      c.mutants++;
      if (m.status === "Killed") c.killed++;
      else if (m.status === "Timeout") c.timeout++;
      else if (m.status === "Survived") c.survived++;
      else if (m.status === "NoCoverage") c.noCoverage++;
      else c.errors++; // CompileError, RuntimeError, Ignored: not counted in the score
    }
  }
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  c.score = valid === 0 ? 100 : (100 * (c.killed + c.timeout)) / valid;
  return c;
}

function lock() {
  const file = path.join(root, "reports", "mutate.lock");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, String(process.pid), { flag: "wx" });
  } catch {
    const pid = Number(fs.readFileSync(file, "utf8"));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {}
    if (alive) {
      console.error(`mutate: another run (pid ${pid}) holds ${path.relative(root, file)}; wait for it`);
      process.exit(2);
    }
    fs.writeFileSync(file, String(process.pid));
  }
  process.on("exit", () => fs.rmSync(file, { force: true }));
}

const args = process.argv.slice(2);
if (args.includes("--list")) {
  for (const t of TARGETS) console.log(`${t.name.padEnd(22)} ${mutateSpecs(t).join(" ")}`);
  process.exit(0);
}
const targets = pick(args);
lock();
if (os.getPriority() < 15) os.setPriority(15); // every Stryker and vitest process inherits it
const stryker = path.join(root, "node_modules", ".bin", "stryker");
const results = [];
for (const t of targets) {
  const specs = mutateSpecs(t);
  const source = fs.readFileSync(path.join(root, t.file));
  console.log(`\n== ${t.name}: ${specs.join(" ")}`);
  const r = spawnSync(stryker, ["run", "--mutate", specs.join(",")], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      MUTATE_PROJECTS: t.project,
      MUTATE_FILE: t.file,
      MUTATE_SKIP_TESTS: (t.skipTests ?? []).join(","),
    },
  });
  if (!fs.readFileSync(path.join(root, t.file)).equals(source)) {
    fs.writeFileSync(path.join(root, t.file), source);
    console.error(`mutate: ${t.file} was left changed by the run; restored it`);
  }
  if (r.status !== 0) {
    console.error(`mutate: stryker failed on ${t.name} (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  const base = path.join(root, "reports", "mutation", t.name.replace("/", "."));
  fs.copyFileSync(path.join(root, "reports", "mutation", "mutation.json"), `${base}.json`);
  fs.copyFileSync(path.join(root, "reports", "mutation", "mutation.html"), `${base}.html`);
  results.push({ name: t.name, ...summarize(`${base}.json`) });
}
console.log("\ntarget                  mutants  killed  timeout  survived  no-cov   score");
for (const r of results) {
  console.log(
    `${r.name.padEnd(22)} ${String(r.mutants).padStart(8)} ${String(r.killed).padStart(7)} ${String(r.timeout).padStart(8)} ${String(r.survived).padStart(9)} ${String(r.noCoverage).padStart(7)} ${r.score.toFixed(1).padStart(6)} %`,
  );
}
