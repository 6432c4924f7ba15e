/*
 * Each package's public face (src/index.ts) against its checked-in API report
 * (packages/<name>/api.txt; the demo's library entry: apps/demo/api.txt): a change to what a package exports, or to a signature, fails here
 * until `pnpm test:update` rewrites the report, so it shows in review.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM script without type declarations
import { apiReports, faceDir, facePackages } from "../api-report.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const names: string[] = facePackages(root);
const reports: Record<string, string> = apiReports(root, names);

describe("API reports", () => {
  it("cover every package", () => {
    expect(names).toEqual(
      expect.arrayContaining(["hw-i386", "page-alloc", "slab", "kmap", "kernel", "demo"]),
    );
  });
  for (const name of names) {
    const dir: string = faceDir(root, name);
    it(`@i386mm/${name} matches ${path.relative(root, dir)}/api.txt`, async () => {
      await expect(
        reports[name],
        `the face of @i386mm/${name} changed: review, then pnpm test:update`,
      ).toMatchFileSnapshot(path.join(dir, "api.txt"));
    });
  }
});
