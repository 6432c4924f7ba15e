/*
 * global-setup.ts — before the demo's tests: make sure apps/demo/dist/cli.js exists and is newer
 * than every TypeScript source it is built from (the demo's and the layers' src/), else build it
 * with `tsc -b apps/demo` (which builds the referenced packages first), so the tests that spawn
 * `node apps/demo/dist/cli.js` run what a user would run.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Why building dist/cli.js failed ("" when it is fresh). The spawn tests fail with it. */
    cliBuildError: string;
  }
}

const DEMO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = resolve(DEMO, "../..");
const CLI = join(DEMO, "dist/cli.js");

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(project: TestProject): void {
  const sources = [
    join(DEMO, "src"),
    ...["hw-i386", "page-alloc", "slab", "kmap", "page-cache", "vma"].map((p) =>
      join(ROOT, "packages", p, "src"),
    ),
  ];
  const srcTime = Math.max(...sources.map(newest));
  project.provide("cliBuildError", "");
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= srcTime) return;
  try {
    execFileSync("pnpm", ["exec", "tsc", "-b", "apps/demo"], { cwd: ROOT, stdio: "pipe", encoding: "utf8" });
  } catch (e) {
    // Keep the in-process tests running; the spawn tests report this.
    const out = (e as { stdout?: string }).stdout ?? String(e);
    project.provide("cliBuildError", `tsc -b apps/demo failed:\n${out}`);
  }
}
