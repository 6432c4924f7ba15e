import { i386mmProject } from "../../vitest.project.js";

// The tests that spawn the built CLI need apps/demo/dist: global-setup.ts builds it when it is
// missing or stale (everything else runs on the sources, see vitest.project.ts).
export default i386mmProject("demo", {
  globalSetup: ["test/global-setup.ts"],
  testTimeout: 60_000,
  hookTimeout: 180_000,
});
