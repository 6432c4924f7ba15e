import { defineProject } from "vitest/config";

// Tests and benchmarks run against the TypeScript sources of the workspace packages
// (the "@i386mm/source" export condition), so no build is needed first.
export default defineProject({
  resolve: { conditions: ["@i386mm/source"] },
  ssr: { resolve: { conditions: ["@i386mm/source"] } },
  test: {
    name: "hw-i386",
    include: ["test/**/*.test.ts"],
    // No module of this package holds mutable state (every Machine owns its own), so test files
    // can share a worker's module graph: the run drops from ~10 s to ~3 s on the 2-core machine.
    isolate: false,
    benchmark: { include: ["bench/**/*.bench.ts"] },
  },
});
