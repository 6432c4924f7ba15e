/*
 * Keeps the README honest: runs its ```ts example (with the package's own exports in place of
 * the import) and compares what it logs with the ```text block that follows it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import * as demo from "../src/index.js";
import { SCENARIO_DIR } from "../src/main.js";

it("README example prints what the README says", () => {
  const readme = readFileSync(join(SCENARIO_DIR, "../README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Example"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;
  const expected = /```text\n([\s\S]*?)```/.exec(section)![1]!;
  const imp = /^import \{ ([^}]+) \} from "@i386mm\/demo";\n/m.exec(code)!;
  const names = imp[1]!.split(",").map((s) => s.trim());
  const body = code.replace(imp[0], "");
  const lines: string[] = [];
  const log = (...a: unknown[]): void => {
    lines.push(a.map(String).join(" "));
  };
  const fn = new Function(...names, "console", body) as (...a: unknown[]) => void;
  fn(...names.map((n) => (demo as Record<string, unknown>)[n]), { log });
  expect(`${lines.join("\n")}\n`).toBe(expected);
});
