import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { quickstart } from "../examples/quickstart.js";

describe("README example", () => {
  it("is the code of examples/quickstart.ts, and it runs", () => {
    const full = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const readme = full.slice(full.indexOf("\n## Example\n")); // the opening example is readme-intro.test.ts's
    const block = /```ts\n([\s\S]*?)```/.exec(readme)![1];
    const file = readFileSync(new URL("../examples/quickstart.ts", import.meta.url), "utf8");
    expect(block).toBe(file.replace('"../src/index.js"', '"@i386mm/slab"'));
    const r = quickstart();
    expect(r.size).toBe(128);
    expect(r.line).toBe(
      "my_inode              12     12    320   12    1 : tunables   54   27    8 : slabdata      1      1      0",
    );
    expect(r.info).toBe("0xc4800000-0xc4811000   69632 pages=16 vmalloc\n");
  });
});
