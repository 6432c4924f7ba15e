import { defineProject } from "vitest/config";

// Tests and benchmarks run against the TypeScript sources of the workspace packages
// (the "@i386mm/source" export condition), so no build is needed first.
export default defineProject({
  resolve: { conditions: ["@i386mm/source"] },
  ssr: { resolve: { conditions: ["@i386mm/source"] } },
  test: {
    name: "vma",
    include: ["test/**/*.test.ts"],
    passWithNoTests: true,
    benchmark: { include: ["bench/**/*.bench.ts"] },
  },
});
