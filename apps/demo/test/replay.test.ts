/*
 * `i386mm replay` and `cat /proc/fraginfo` through the CLI, in-process: the report, --json,
 * --svg, the progress bar (only when the Io says stdout and stderr are terminals), usage errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { runCli } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "i386mm-replay-"));
const ev = (rest: string) => `            init-1       [000] .....     1.000000: ${rest}`;
const TRACE = [
  "# tracer: nop",
  ev(
    "kmalloc: call_site=a+0x1/0x2 ptr=c2121e40 bytes_req=33 bytes_alloc=64 gfp_flags=GFP_KERNEL node=-1 accounted=false",
  ),
  ev("mm_page_alloc: page=c7e15000 pfn=0x5000 order=2 migratetype=0 gfp_flags=GFP_KERNEL"),
  ev("kfree: call_site=b+0x1/0x2 ptr=00000000"),
  "not a trace line",
  ev("mm_page_free: page=c7e15000 pfn=0x5000 order=2"),
  ev("kfree: call_site=b+0x1/0x2 ptr=c2121e40"),
].join("\n");
const plain = join(dir, "small.trace");
const gz = join(dir, "small.trace.gz");
writeFileSync(plain, `${TRACE}\n`);
writeFileSync(gz, gzipSync(Buffer.from(`${TRACE}\n`)));

describe("i386mm replay", () => {
  it("prints the accounting, the time line, the internal view and fraginfo (plain and .gz alike)", async () => {
    const a = await runCli(["replay", plain, "--mem", "32M", "--every", "2"]);
    expect(a.code).toBe(0);
    expect(a.err).toBe("");
    expect(a.out).toContain(
      "Lines read: 7 = 5 events + 1 comment/header lines + 0 blank + 0 lost-event markers + 1 malformed\n",
    );
    expect(a.out).toContain("  malformed line 5: no [CPU] field: not a trace line\n");
    expect(a.out).toMatch(/^kmalloc +1 +1 +0 +0$/m);
    expect(a.out).toMatch(/^size-64 +1 +33 +64 +48\.4% +\| kmalloc-64 +1 +33 +64 +48\.4%$/m);
    expect(a.out).toContain("External fragmentation over time (every 2 events), per zone");
    expect(a.out).toContain("fraginfo - i386mm 1\n");
    const b = await runCli(["replay", gz, "--mem", "32M", "--every", "2"]);
    const untimed = (s: string) =>
      s.replace(/^i386mm replay: .* on /, "").replace(/in .* ms \(.* events\/s\)/, "");
    expect(untimed(b.out)).toBe(untimed(a.out));
  });

  it("--json: the whole report, and the events add up to the lines read", async () => {
    const r = await runCli(["replay", plain, "--mem", "32M", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.machine.memBytes).toBe(32 << 20);
    expect(j.lines).toMatchObject({ read: 7, events: 5, comments: 1, malformed: 1 });
    const sum = j.events.reduce(
      (a: number, e: { served: number; failed: number; skipped: number }) =>
        a + e.served + e.failed + e.skipped,
      0,
    );
    expect(sum + j.lines.comments + j.lines.blank + j.lines.lost_markers + j.lines.malformed).toBe(
      j.lines.read,
    );
    expect(j.fraginfo.external.length).toBeGreaterThan(0);
    expect(j.internal.kmalloc_model[0]).toMatchObject({ cache: "size-64", bytes_req: 33, bytes_alloc: 64 });
  });

  it("--svg writes a picture a browser opens", async () => {
    const out = join(dir, "plot.svg");
    const r = await runCli(["replay", plain, "--mem", "32M", "--svg", out]);
    expect(r.code).toBe(0);
    const svg = readFileSync(out, "utf8");
    expect(
      svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'),
    ).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
  });

  it("draws a progress bar on stderr only when stdout and stderr are terminals", async () => {
    const run = async (progress: boolean) => {
      let err = "";
      const code = await main(["replay", plain, "--mem", "32M"], {
        out: () => {},
        err: (s) => {
          err += s;
        },
        cwd: process.cwd(),
        progress,
      });
      return { code, err };
    };
    const tty = await run(true);
    expect(tty.code).toBe(0);
    expect(tty.err).toMatch(/\rreplay \[#{24}\] 100% {2}5\/5 events {2}.*\/s {2}ETA 0\.0s/);
    expect(tty.err.endsWith("\r\x1b[K")).toBe(true); // the bar is erased at the end
    expect((await run(false)).err).toBe("");
  });

  it("usage errors: no trace, an unreadable one, a bad --every, an unwritable --svg", async () => {
    expect((await runCli(["replay"])).err).toContain("replay: which trace?");
    const missing = await runCli(["replay", join(dir, "nope.trace")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("cannot read");
    expect((await runCli(["replay", plain, "--every", "0"])).code).toBe(2);
    expect((await runCli(["replay", plain, "--e820", "x"])).code).toBe(2);
    const svg = await runCli(["replay", plain, "--mem", "32M", "--svg", join(dir, "no-such-dir", "x.svg")]);
    expect(svg.code).toBe(2);
    expect(svg.err).toContain("cannot write");
  });
});

describe("cat /proc/fraginfo", () => {
  it("prints the model's fraginfo; --json gives its figures", async () => {
    const r = await runCli(["cat", "/proc/fraginfo", "--mem", "64M"]);
    expect(r.code).toBe(0);
    expect(r.out.startsWith("fraginfo - i386mm 1\n# external fragmentation")).toBe(true);
    const j = JSON.parse((await runCli(["cat", "fraginfo", "--mem", "64M", "--json"])).out);
    expect(j.view).toBe("fraginfo");
    expect(j.external.map((z: { zone: string }) => z.zone)).toEqual(["DMA", "Normal"]);
    expect(j.lines[0]).toBe("fraginfo - i386mm 1");
  });

  it("is a view scenarios can cat", async () => {
    const r = await runCli(["run", "-", "--mem", "64M"], "x = kmalloc(33, GFP_KERNEL)\ncat /proc/fraginfo\n");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^size-64 +\d+ +\d+ +\d+ +\d+/m);
  });
});
