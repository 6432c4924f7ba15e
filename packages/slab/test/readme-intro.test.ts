/*
 * The README opens with examples/intro.ts (verbatim but for the import path), before its first
 * section: this package used alone, in a few lines; running it prints the block shown under it.
 */
import { readFileSync } from "node:fs";
import { expect, it, vi } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const opening = readme.slice(0, readme.indexOf("\n## "));
const shown = /```ts\n([\s\S]*?)```\n\nprints\n\n```text\n([\s\S]*?)```/.exec(opening);

it("the README opens with examples/intro.ts", () => {
  expect(shown, "a ```ts block, 'prints' and a ```text block before the first section").not.toBeNull();
  const file = readFileSync(new URL("../examples/intro.ts", import.meta.url), "utf8");
  expect(shown![1]).toBe(file.replace('"../src/index.js"', '"@i386mm/slab"'));
});

it("the opening example prints what the README shows", async () => {
  const out: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    out.push(args.map(String).join(" "));
  });
  try {
    await import("../examples/intro.js");
  } finally {
    spy.mockRestore();
  }
  expect(`${out.join("\n")}\n`).toBe(shown![2]);
});
