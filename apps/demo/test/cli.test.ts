/*
 * The CLI as a user runs it: `node apps/demo/dist/cli.js ...` in a child process (built by
 * global-setup.ts when missing or stale). Checks the shebang entry, exit codes, stdin handling,
 * the REPL, --json, and that the process prints exactly what the in-process golden files hold.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { oracleBootLines, oracleSection } from "@i386mm/fixtures";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { SCENARIO_DIR } from "../src/main.js";
import { GOLDEN_DIR, transcript } from "./golden.js";
import { runCli } from "./helpers.js";

const ROOT = resolve(SCENARIO_DIR, "../../..");
const CLI = join(ROOT, "apps/demo/dist/cli.js");

function cli(argv: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...argv], {
    cwd: ROOT,
    input: input ?? "",
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe("the built CLI", () => {
  beforeAll(() => {
    const err = inject("cliBuildError");
    if (err) throw new Error(err);
  });

  it("starts with a node shebang", () => {
    expect(readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("boots and prints the golden boot log", () => {
    const r = cli(["boot", "--mem", "2G", "--pae"]);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const golden = readFileSync(join(GOLDEN_DIR, "boot-2G-pae.txt"), "utf8");
    expect(transcript(["boot", "--mem", "2G", "--pae"], r.out, r.code)).toBe(golden);
  });

  it("drops the '--' separator that `pnpm demo -- boot ...` passes through", () => {
    const direct = cli(["boot", "--mem", "128M"]);
    const viaPnpm = cli(["--", "boot", "--mem", "128M"]);
    expect(viaPnpm.code).toBe(0);
    expect(viaPnpm.out).toBe(direct.out);
  });

  it("runs a shipped scenario by name, as the golden file says", () => {
    const r = cli(["run", "kmalloc-sizes"]);
    const golden = readFileSync(join(GOLDEN_DIR, "scenario-kmalloc-sizes.txt"), "utf8");
    expect(transcript(["run", "kmalloc-sizes"], r.out + r.err, r.code)).toBe(golden);
  });

  it("matches the 6.1 oracle where the same thing is printed (spawned, 1G)", () => {
    const real = oracleBootLines("686-1024M.log");
    const r = cli(["boot", "--mem", "1G", "--boot-log", "6.1"]);
    expect(r.code).toBe(0);
    const model = r.out.split("\n");
    // The BIOS-e820 map, byte for byte.
    const e820 = (ls: string[]): string[] => ls.filter((l) => l.startsWith("BIOS-e820:"));
    expect(e820(model)).toEqual(e820(real));
    // Zone ranges: the header, the format of every line, DMA's end and HighMem's end.
    const zones = (ls: string[]): string[] =>
      ls.slice(ls.indexOf("Zone ranges:"), ls.indexOf("Zone ranges:") + 4);
    const [mh, mDma, , mHigh] = zones(model);
    const [rh, rDma, , rHigh] = zones(real);
    expect(mh).toBe(rh);
    // 6.1 starts DMA at 0x1000 (page 0 reserved by memblock); 2.6.11 counts from pfn 0 (README).
    expect(mDma).toBe(rDma!.replace("[mem 0x0000000000001000-", "[mem 0x0000000000000000-"));
    expect(mHigh!.slice(-20)).toBe(rHigh!.slice(-20));
    // /proc/buddyinfo: the same zones in the same format.
    const b = cli(["cat", "/proc/buddyinfo"]).out.split("\n").filter(Boolean);
    const rb = oracleSection("686-1024M.log", "buddyinfo");
    const shape = (l: string): string => l.replace(/\d+(?=\s|$)/g, "N");
    expect(b.map((l) => shape(l).replace(/^Node N/, "Node 0"))).toEqual(
      rb.map(shape).map((l) => l.replace(/^Node N/, "Node 0")),
    );
  });

  it("exits 2 on bad usage", () => {
    for (const argv of [
      ["boot", "--mem", "12X"],
      ["boot", "--cpus", "99"],
      ["run", "no/such/file.mm"],
      ["bogus"],
      ["boot", "--mem", "100G", "--pae"],
    ]) {
      const r = cli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^i386mm: /);
    }
  });

  it("exits 1 when a statement fails, with the line number, and goes on", () => {
    const r = cli(
      ["run", "-"],
      "p = alloc_pages(GFP_KERNEL, 0)\n__free_pages(p, 0)\n__free_pages(p, 0)\necho after\n",
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^<stdin>:3: kernel BUG at mm\/page_alloc\.c: __free_pages: /m);
    expect(r.out).toMatch(/^after$/m);
  });

  it("--strict stops at the first error", () => {
    const r = cli(["run", "-", "--strict"], "x = nope\necho after\n");
    expect(r.code).toBe(1);
    expect(r.out).not.toMatch(/after/);
    expect(r.err).toMatch(/stopped at the first error/);
  });

  it("reads a REPL session from stdin", () => {
    const r = cli(["run", "--mem", "128M"], "x = kmalloc(33, GFP_KERNEL)\nksize(x)\nvars\nquit\nksize(x)\n");
    expect(r.code).toBe(0);
    expect(r.out).toContain("64 (0x40)");
    expect(r.out).toMatch(/^ {2}x = 0xc[0-9a-f]{7}$/m);
    // Nothing after quit runs.
    expect(r.out.match(/64 \(0x40\)/g)).toHaveLength(1);
  });

  it("prints JSON for boot, run and views", () => {
    const boot = JSON.parse(cli(["boot", "--mem", "128M", "--json"]).out);
    expect(boot.machine.memBytes).toBe(128 * 2 ** 20);
    expect(boot.layout.VMALLOC_START).toBeGreaterThan(boot.layout.high_memory);
    const run = JSON.parse(
      cli(["run", "-", "--json"], "x = kmalloc(33, GFP_KERNEL)\ncat /proc/buddyinfo\n").out,
    );
    expect(run.statements[0].results[0].value.type).toBe("addr");
    expect(run.statements[1].results[0].data.rows).toHaveLength(3);
    const view = JSON.parse(cli(["cat", "/proc/meminfo", "--json"]).out);
    expect(view.fields.MemTotal).toBeGreaterThan(0);
  });

  it("gives the same state hash in another process, another time zone and locale, as in this one (#20 point 5)", async () => {
    const script =
      "x = kmalloc(100, GFP_KERNEL)\np = alloc_pages(GFP_KERNEL, 2)\nv = vmalloc(3 * PAGE_SIZE)\n";
    const argv = ["check", "-", "--mem", "32M", "--cpus", "2", "--hash"];
    const here = await runCli(argv, script);
    const hash = (out: string) => /^hash: ([0-9a-f]{16})$/m.exec(out)?.[1];
    expect(hash(here.out)).toBeDefined();
    for (const env of [{}, { TZ: "Pacific/Chatham", LANG: "tr_TR.UTF-8", LC_ALL: "tr_TR.UTF-8" }]) {
      const r = spawnSync(process.execPath, [CLI, ...argv], {
        cwd: ROOT,
        input: script,
        encoding: "utf8",
        timeout: 60_000,
        env: { ...process.env, ...env },
      });
      expect(r.status).toBe(0);
      expect(hash(r.stdout)).toBe(hash(here.out));
    }
  });
});
