// Keeps the README honest: its ```ts block is examples/quickstart.ts, and running that file prints
// exactly the README's ```text block that follows it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it, vi } from "vitest";

const root = path.resolve(__dirname, "..");
const full = readFileSync(path.join(root, "README.md"), "utf8");
const readme = full.slice(full.indexOf("\n## Example\n")); // the opening example is readme-intro.test.ts's
const block = (lang: string) => {
  const m = readme.match(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``));
  if (!m) throw new Error(`README has no \`\`\`${lang} block`);
  return m[1];
};

it("README's example is examples/quickstart.ts", () => {
  expect(block("ts")).toBe(readFileSync(path.join(root, "examples/quickstart.ts"), "utf8"));
});

it("README's example prints what the README says", async () => {
  const out: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    out.push(args.map(String).join(" "));
  });
  try {
    await import("../examples/quickstart.js");
  } finally {
    spy.mockRestore();
  }
  // console.log of a view adds a newline after the view's own final one.
  expect(`${out.join("\n").replace(/\n$/, "")}\n`).toBe(block("text"));
});
