import { defineConfig } from "vitest/config";

// One vitest run over every package and app: each folder has its own vitest.config.ts (a "project").
// The JSON report is what .ci/run counts for its closing "N passed, N failed" line.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "scripts"],
    reporters: ["default", ["json", { outputFile: ".vitest-results.json" }]],
  },
});
