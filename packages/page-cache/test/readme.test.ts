/* The README's example is examples/readme.ts verbatim (import path aside), and it runs as documented. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { example } from "../examples/readme.js";

describe("README example", () => {
  it("is the examples/readme.ts file", () => {
    const full = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const readme = full.slice(full.indexOf("\n## Example\n")); // the opening example is readme-intro.test.ts's
    const block = /```ts\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const file = readFileSync(new URL("../examples/readme.ts", import.meta.url), "utf8").replace(
      '"../src/index.js"',
      '"@i386mm/page-cache"',
    );
    expect(block![1]).toBe(file);
  });

  it("does what its comments say", () => {
    const r = example();
    expect(r).toEqual({ n: 18, text: "hello, page cache\n", same: true, cached: 1 });
  });
});
