import { defineProject, type UserProjectConfigFn, type UserWorkspaceConfig } from "vitest/config";

/**
 * The vitest project of one package or app (its `vitest.config.ts` calls this with its folder name).
 *
 * Tests run against the TypeScript sources of the workspace packages (the "@i386mm/source" export
 * condition), so no build is needed first. Benchmarks (mode "benchmark") resolve the workspace
 * packages to their built dist/ (`pnpm bench` builds first) and load those files with Node itself
 * rather than through the test runner's module transform, which turns every cross-module access
 * into a property read and would measure the transform instead of the model; a bench imports its
 * own package from "../dist/index.js" for the same reason.
 */
// A package's own `vitest run` (its folder as the root) treats golden files as the root config
// does: a missing one fails; -u writes it.
process.env.UPDATE_SNAPSHOT ??= "none";

export function i386mmProject(name: string, test: UserWorkspaceConfig["test"] = {}): UserProjectConfigFn {
  return ({ mode }) => {
    const conditions = mode === "benchmark" ? [] : ["@i386mm/source"];
    return defineProject({
      resolve: { conditions },
      ssr: { resolve: { conditions } },
      test: {
        name,
        include: ["test/**/*.test.ts"],
        benchmark: { include: ["bench/**/*.bench.ts"] },
        server: { deps: { external: [/\/dist\//] } },
        // No test is a timing check (speed is the benches' job): a generous limit, so that a
        // fast-check run on a loaded 2-core CI machine is not failed by the clock.
        testTimeout: 120_000,
        hookTimeout: 120_000,
        ...test,
      },
    });
  };
}
