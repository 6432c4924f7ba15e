import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { example } from "../examples/readme.js";

describe("README example", () => {
  const full = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const readme = full.slice(full.indexOf("\n## Example\n")); // the opening example is readme-intro.test.ts's
  const source = readFileSync(new URL("../examples/readme.ts", import.meta.url), "utf8");
  it("is the examples/readme.ts file, verbatim but for the import path", () => {
    const block = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(block).toBe(source.replace('"../src/index.js"', '"@i386mm/hw-i386"'));
  });
  it("prints what the README says it prints", () => {
    const shown = /```text\n([\s\S]*?)```/.exec(readme)![1]!.trimEnd().split("\n");
    expect(example()).toEqual(shown);
  });
});
