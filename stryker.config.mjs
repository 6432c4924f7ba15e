// @ts-check
// Mutation testing of the allocator cores (issue #20 point 7). Run it with `pnpm mutate`
// (scripts/mutate.mjs), which mutates one target at a time, each judged by its own package's
// tests; `pnpm mutate --list` prints the targets. Not part of `pnpm test`.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  packageManager: "pnpm",
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts", related: true },
  // In place: the workspace's symlinked node_modules and the "@i386mm/source" export condition
  // need the real tree. Stryker rewrites the mutated files while it runs and restores them at the
  // end: never commit during a run (scripts/mutate.mjs refuses to start on a dirty target file).
  inPlace: true,
  // Type checks off on the mutated files only (Stryker prepends // @ts-nocheck while it runs):
  // scripts/mutate.mjs names the one file it mutates in MUTATE_FILE; without it, every target file.
  disableTypeChecks:
    // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by scripts/mutate.mjs (no turbo task)
    process.env.MUTATE_FILE ??
    "packages/{page-alloc,slab,kmap,vma}/src/{buddy,pcp,watermark,slab-allocator,pkmap,vma,mmap}.ts",
  checkers: [],
  coverageAnalysis: "perTest",
  // The machine is small and shared: one test process.
  concurrency: 1,
  // a mutant that loops for ever times out (counted as detected) after its tests' dry-run time
  // x 1.5 + 10 s; the margin absorbs the shared machine's load
  timeoutMS: 10_000,
  reporters: ["clear-text", "progress", "json", "html"],
  clearTextReporter: { logTests: false },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
