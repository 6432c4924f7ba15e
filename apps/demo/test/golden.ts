/*
 * golden.ts — compare an output with test/golden/<name>.txt; UPDATE_GOLDEN=1 rewrites the file.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

/** apps/demo/test/golden */
export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "golden");

/** The text a golden file holds for one CLI run. */
export function transcript(argv: readonly string[], all: string, code: number): string {
  return `$ i386mm ${argv.join(" ")}\n${all}[exit ${code}]\n`;
}

/** Assert `actual` equals golden/<name>.txt (or write it when UPDATE_GOLDEN=1). */
export function expectGolden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== "1" && process.env.CI) throw new Error(`missing golden file ${file}`);
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(actual, `golden/${name}.txt differs (UPDATE_GOLDEN=1 to accept)`).toBe(readFileSync(file, "utf8"));
}
