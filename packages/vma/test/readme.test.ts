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
      '"@i386mm/vma"',
    );
    expect(block![1]).toBe(file);
  });

  it("does what its comments say", () => {
    const r = example();
    expect(r.buf).toBe(0xb7ffe000);
    expect(r.parentSees).toBe(42);
    expect(r.maps).toBe(
      "b7ffe000-b8000000 rw-p b7ffe000 00:00 0 \nffffe000-fffff000 ---p 00000000 00:00 0 \n",
    );
    expect(r.faults).toBe(2);
    expect(r.child).toBe(1);
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain(r.maps);
  });
});
