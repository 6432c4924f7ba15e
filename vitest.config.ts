import { defineConfig } from "vitest/config";

// One vitest run over every package and app: each folder has its own vitest.config.ts (a "project").
// The JSON report is what .ci/run counts for its closing "N passed, N failed" line.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "scripts"],
    // Golden files are vitest file snapshots (toMatchFileSnapshot) everywhere. A missing or
    // different one fails the run; only `pnpm test:update` (vitest's -u) writes them.
    update: "none",
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
  },
});
