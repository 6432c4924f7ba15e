/* The main entry loads in a browser: nothing it reaches imports a node: module (those live in ./node). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");

function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/(?:import|export)[^"']*?from\s+["'](\.[^"']+)["']/g))
    reachable(join(dirname(file), m[1].replace(/\.js$/, ".ts")), seen);
  return seen;
}

describe("package entries", () => {
  it("the main entry reaches no node: module; the node entry is separate", () => {
    const files = reachable(join(src, "index.ts"));
    expect(files.size).toBeGreaterThan(10);
    const offenders = [...files].filter((f) => /from\s+["']node:/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
    expect(files.has(join(src, "node.ts"))).toBe(false);
    expect(readFileSync(join(src, "node.ts"), "utf8")).toMatch(/from "node:fs"/);
  });
});
