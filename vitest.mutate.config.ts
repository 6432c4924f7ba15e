import { defineConfig } from "vitest/config";

// The vitest configuration of mutation runs only (`pnpm mutate`, stryker.config.mjs). It holds the
// projects of the packages whose files are mutated, or only those named in MUTATE_PROJECTS (a
// comma-separated list of package folders, which scripts/mutate.mjs sets to the mutated file's
// own package): a mutant is judged by its package's own tests, and a run stays short.
// Left out: structure.test.ts, whose "the allocation paths create no JS objects" tests measure the
// heap, and Stryker's instrumented code allocates (its mutant switch and coverage counters).
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by scripts/mutate.mjs (mutation runs are no turbo task)
const names = (process.env.MUTATE_PROJECTS ?? "page-alloc,slab,kmap,vma").split(",").filter(Boolean);
// MUTATE_SKIP_TESTS (scripts/mutate.mjs, from a target's `skipTests`): more test files to leave
// out (globs under the package), those that do not exercise the mutated code beyond the others.
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by scripts/mutate.mjs
const skip = (process.env.MUTATE_SKIP_TESTS ?? "").split(",").filter(Boolean);

export default defineConfig({
  test: {
    projects: names.map((name) => ({
      extends: `packages/${name}/vitest.config.ts`,
      root: `packages/${name}`,
      test: { exclude: ["**/node_modules/**", "test/structure.test.ts", ...skip] },
    })),
    // as in vitest.config.ts: a missing or different golden file fails, nothing writes one
    update: "none",
  },
});
