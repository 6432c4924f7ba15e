/*
 * golden.ts — the demo's golden files: test/golden/<name>.txt, compared with vitest's file
 * snapshots, the repository's one golden-file mechanism (a missing or different file fails the
 * run; `pnpm test:update`, i.e. `vitest run -u`, writes them after a deliberate change).
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

/** apps/demo/test/golden */
export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), "golden");

/** The text a golden file holds for one CLI run. */
export function transcript(argv: readonly string[], all: string, code: number): string {
  return `$ i386mm ${argv.join(" ")}\n${all}[exit ${code}]\n`;
}

/** Assert `actual` equals golden/<name>.txt (a file snapshot: `pnpm test:update` rewrites it). */
export async function expectGolden(name: string, actual: string): Promise<void> {
  await expect(actual, `golden/${name}.txt differs (pnpm test:update to accept)`).toMatchFileSnapshot(
    join(GOLDEN_DIR, `${name}.txt`),
  );
}
