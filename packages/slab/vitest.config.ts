import { defineProject } from "vitest/config";

// Tests run against the TypeScript sources of the workspace packages (the "@i386mm/source"
// export condition), so no build is needed first. Benchmarks (mode "benchmark") run the built
// dist/ of this package and of the packages below it (`pnpm bench` builds first), loaded by Node
// itself rather than through the test runner's module transform, which would slow every
// cross-module access on the hot paths and so measure the transform instead of the model.
export default defineProject(({ mode }) => {
  const conditions = mode === "benchmark" ? [] : ["@i386mm/source"];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      name: "slab",
      include: ["test/**/*.test.ts"],
      benchmark: { include: ["bench/**/*.bench.ts"] },
      server: { deps: { external: [/\/dist\//] } },
    },
  };
});
