import { defineProject } from "vitest/config";

// Tests run against the TypeScript sources of the workspace packages (the "@i386mm/source"
// export condition), so no build is needed first — except for the tests that spawn the built
// CLI: global-setup.ts builds apps/demo/dist when it is missing or stale. Benchmarks (mode
// "benchmark") run the built dist/ of the demo and of the layers below it, loaded by Node itself
// rather than through the test runner's module transform, so they measure what a user runs.
export default defineProject(({ mode }) => {
  const conditions = mode === "benchmark" ? [] : ["@i386mm/source"];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name: "demo",
      include: ["test/**/*.test.ts"],
      globalSetup: ["test/global-setup.ts"],
      testTimeout: 60_000,
      hookTimeout: 180_000,
      benchmark: { include: ["bench/**/*.bench.ts"] },
      server: { deps: { external: [/\/dist\//] } },
    },
  };
});
