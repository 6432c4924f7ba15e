import { defineProject } from "vitest/config";

// Tests and benchmarks run against the TypeScript sources of the workspace packages
// (the "@i386mm/source" export condition), so no build is needed first — except for the tests
// that spawn the built CLI: global-setup.ts builds apps/demo/dist when it is missing or stale.
export default defineProject({
  resolve: { conditions: ["@i386mm/source"] },
  ssr: { resolve: { conditions: ["@i386mm/source"] } },
  test: {
    name: "demo",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    benchmark: { include: ["bench/**/*.bench.ts"] },
  },
});
