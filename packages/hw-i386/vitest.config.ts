import { i386mmProject } from "../../vitest.project.js";

export default i386mmProject("hw-i386", {
  // No module of this package holds mutable state (every Machine owns its own), so test files
  // can share a worker's module graph: the run drops from ~10 s to ~3 s on the 2-core machine.
  isolate: false,
});
