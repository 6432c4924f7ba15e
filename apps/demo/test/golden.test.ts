/*
 * Golden tests: the full output of the CLI (stdout and stderr in the order printed, and the exit
 * code) for the boot logs, every shipped scenario, the tour, the views and the error report,
 * compared with test/golden/*.txt. Regenerate with `pnpm test:update` after a deliberate change.
 */
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SCENARIO_DIR, SCENARIO_EXT } from "../src/main.js";
import { expectGolden, transcript } from "./golden.js";
import { runCli } from "./helpers.js";

const ROOT = resolve(SCENARIO_DIR, "../../..");

const scenarios = readdirSync(SCENARIO_DIR)
  .filter((f) => f.endsWith(SCENARIO_EXT))
  .map((f) => f.slice(0, -SCENARIO_EXT.length))
  .sort();

export const GOLDEN_CASES: readonly { name: string; argv: string[] }[] = [
  { name: "boot-1G", argv: ["boot"] },
  { name: "boot-128M", argv: ["boot", "--mem", "128M"] },
  { name: "boot-2G-pae", argv: ["boot", "--mem", "2G", "--pae"] },
  { name: "boot-128M-json", argv: ["boot", "--mem", "128M", "--json"] },
  { name: "boot-1G-2nodes", argv: ["boot", "--nodes", "2", "--cpus", "2"] },
  { name: "boot-1G-log61", argv: ["boot", "--boot-log", "6.1"] },
  { name: "boot-8G-nopae", argv: ["boot", "--mem", "8G"] },
  { name: "tour", argv: [] },
  { name: "tour-128M", argv: ["tour", "--mem", "128M"] },
  { name: "cat-buddyinfo-128M", argv: ["cat", "/proc/buddyinfo", "--mem", "128M"] },
  { name: "cat-zoneinfo-2cpu", argv: ["cat", "zoneinfo", "--mem", "256M", "--cpus", "2"] },
  { name: "cat-slabinfo-json", argv: ["cat", "slabinfo", "--json"] },
  { name: "errors", argv: ["run", "apps/demo/test/fixtures/errors.mm"] },
  ...scenarios.map((s) => ({ name: `scenario-${s}`, argv: ["run", s] })),
];

describe("two memory nodes", () => {
  it("split the same zones: per-node present pages add up to the one-node boot's", async () => {
    const one = (await runCli(["boot", "--boot-log", "6.1"], undefined, ROOT)).out;
    const two = (await runCli(["boot", "--nodes", "2", "--boot-log", "6.1"], undefined, ROOT)).out;
    const zones = (t: string): string[] => t.split("\n").filter((l) => /^ {2}\w+ +\[mem /.test(l));
    expect(zones(two)).toEqual(zones(one));
    const total = (t: string): number =>
      [...t.matchAll(/^On node \d totalpages: (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
    expect(two).toMatch(/^On node 1 totalpages: \d+$/m);
    expect(total(two)).toBe(total(one));
    for (const z of ["DMA", "Normal", "HighMem"]) {
      const pages = (t: string): number =>
        [...t.matchAll(new RegExp(`^  ${z} zone: (\\d+) pages`, "gm"))].reduce((s, m) => s + Number(m[1]), 0);
      expect(pages(two), z).toBe(pages(one));
    }
    expect(two).toMatch(/^Built 2 zonelists$/m);
    // The Memory: line counts the same pages whichever node holds them.
    const memory = (t: string): string | undefined => /^Memory: .*$/m.exec(t)?.[0];
    expect(memory(two)).toBe(memory(one));
  });
});

describe("golden output", () => {
  it("ships one scenario per lab topic", () => {
    // buddy, zones, pcp, slab colouring, kmalloc, vmalloc, kmap, kmap_atomic, fixmap, page walk
    if (scenarios.length < 10) throw new Error(`only ${scenarios.length} scenarios: ${scenarios.join(", ")}`);
  });
  for (const c of GOLDEN_CASES) {
    it(c.name, async () => {
      const r = await runCli(c.argv, undefined, ROOT);
      // A golden file must never bless a broken kernel: every `check` in it has to pass.
      expect(r.all).not.toMatch(/invariant\(s\) broken/);
      await expectGolden(c.name, transcript(c.argv, r.all, r.code));
    });
  }
});
