/*
 * No unnamed error kinds: a layer throws KernelBugError and its subclasses (BUG, oops, panic),
 * ConfigError (a set-up no PC or kernel build has), InvariantError (a checker) or its own named
 * class, never a bare Error, RangeError or TypeError.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

it("no layer throws a bare Error, RangeError or TypeError", () => {
  const found: Record<string, number> = {};
  for (const pkg of fs.readdirSync(path.join(root, "packages"))) {
    const src = path.join(root, "packages", pkg, "src");
    if (!fs.existsSync(src)) continue;
    // every source file, in subfolders too (page-cache/src/ext2)
    const files = (fs.readdirSync(src, { recursive: true }) as string[]).filter((n) => n.endsWith(".ts"));
    expect(files.length, pkg).toBeGreaterThan(0);
    for (const f of files) {
      const n = [
        ...fs.readFileSync(path.join(src, f), "utf8").matchAll(/throw new (Error|RangeError|TypeError)\(/g),
      ].length;
      if (n > 0) found[`${pkg}/src/${f}`] = n;
    }
  }
  expect(
    Object.entries(found),
    "throw a named error class (hw-i386's errors.ts or the package's own)",
  ).toEqual([]);
});
