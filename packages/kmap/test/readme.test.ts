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
      '"@i386mm/kmap"',
    );
    expect(block![1]).toBe(file);
  });

  it("does what its comments say", () => {
    const r = example();
    expect(r.va).toBe(0xff801000);
    expect(r.known).toBe(true);
    expect(r.tmp).toBe(0xffff1000);
    expect(Array.from(r.bytes)).toEqual([1, 2, 3]);
    expect(r.count).toBe(1);
  });
});
