/*
 * `i386mm check [SCRIPT] [--hash]` (check-cmd.ts): the whole-machine check after an optional
 * scenario, and the state hash — the same on every run for the same flags and scenario, other
 * for another scenario.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

const SCRIPT = "x = kmalloc(100, GFP_KERNEL)\np = alloc_pages(GFP_KERNEL, 2)\n";

describe("i386mm check", () => {
  it("prints that every invariant holds, and the same hash run after run", async () => {
    const a = await runCli(["check", "--mem", "32M", "--hash"]);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(
      /^check: all invariants hold \(hw-i386, page-alloc, slab, kmap, page-cache, vma\)\nhash: [0-9a-f]{16}\n$/,
    );
    const b = await runCli(["check", "--mem", "32M", "--hash"]);
    expect(b.out).toBe(a.out);
    expect((await runCli(["check", "--mem", "32M"])).out).not.toMatch(/hash/);
  });

  it("runs a scenario first: its state changes the hash, the same scenario gives the same hash", async () => {
    const base = (await runCli(["check", "--mem", "32M", "--hash"])).out;
    const a = await runCli(["check", "-", "--mem", "32M", "--hash"], SCRIPT);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^<stdin>: ran without errors\ncheck: all invariants hold/);
    const hash = (s: string) => /hash: (\w+)/.exec(s)?.[1];
    expect(hash(a.out)).not.toBe(hash(base));
    expect(hash((await runCli(["check", "-", "--mem", "32M", "--hash"], SCRIPT)).out)).toBe(hash(a.out));
  });

  it("exits 1 when the scenario has errors; --json carries the verdict and the hash", async () => {
    const bad = await runCli(["check", "-", "--mem", "32M"], "kfree(0x1234)\n");
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/1 error/);
    const j = await runCli(["check", "--mem", "32M", "--hash", "--json"]);
    const doc = JSON.parse(j.out) as { check: string; hash: string; problems: string[] };
    expect(doc.check).toBe("ok");
    expect(doc.problems).toEqual([]);
    expect(doc.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it("rejects flags check does not take", async () => {
    const r = await runCli(["check", "--strict"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown flag '--strict'/);
  });
});
