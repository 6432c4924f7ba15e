/* The README opens with examples/readme.ts verbatim (import path aside), and it prints what the README says. */
import { readFileSync } from "node:fs";
import { expect, it, vi } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const block = (lang: string): string => {
  const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README has no \`\`\`${lang} block`);
  return m[1]!;
};

it("the README's first code block is examples/readme.ts", () => {
  const file = readFileSync(new URL("../examples/readme.ts", import.meta.url), "utf8");
  expect(block("ts")).toBe(file.replace('"../src/index.js"', '"@i386mm/kernel"'));
  expect(readme.indexOf("```ts")).toBeLessThan(readme.indexOf("\n## "));
});

it("the example prints what the README says", async () => {
  const out: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    out.push(args.map(String).join(" "));
  });
  try {
    await import("../examples/readme.js");
  } finally {
    spy.mockRestore();
  }
  expect(`${out.join("\n")}\n`).toBe(block("text"));
}, 30_000); // a 1G PAE boot and the whole-machine check: seconds on a loaded 2-core machine
