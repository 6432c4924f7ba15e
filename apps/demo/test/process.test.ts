/*
 * Processes and files from the command line, as a user runs them (#15): `i386mm exec` of each
 * shipped binary in both layouts (golden files), the model's report against the real 6.1
 * kernel's for the executable's own mappings, and every kind of bad input — a missing file, a
 * file that is not ELF, an image that is not ext2, an address outside any VMA, a pid that does
 * not exist, exit twice — ending in a kernel-style message with the line number and exit 1, or
 * exit 2 for bad usage, never a JavaScript stack trace.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { oracleSection } from "@i386mm/fixtures";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { SCENARIO_DIR } from "../src/main.js";
import { expectGolden, transcript } from "./golden.js";
import { runCli } from "./helpers.js";

const ROOT = resolve(SCENARIO_DIR, "../../..");
const CLI = join(ROOT, "apps/demo/dist/cli.js");
/** A JavaScript stack frame line: what a user must never see. */
const STACK = /^\s+at .+[(:]\d+/m;

function cli(argv: string[], input = ""): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...argv], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const BINARIES = ["memorylayout-static", "memorylayout-staticpie", "memorylayout-dynamic"];

describe("i386mm exec: golden output of each shipped binary in both layouts", () => {
  for (const bin of BINARIES)
    for (const layout of ["classic", "flexible"]) {
      const argv = ["exec", `fixtures/elf/${bin}`, "--mem", "128M", "--layout", layout];
      it(`${bin} ${layout}`, async () => {
        const r = await runCli(argv, undefined, ROOT);
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        await expectGolden(`exec-${bin}-${layout}`, transcript(argv, r.all, r.code));
      });
    }
  it("--compare from the ext2 image", async () => {
    const argv = [
      "exec",
      "/memorylayout-dynamic",
      "--image",
      "fixtures/elf/memorylayout.ext2",
      "--compare",
      "--mem",
      "128M",
    ];
    const r = await runCli(argv, undefined, ROOT);
    expect(r.code).toBe(0);
    await expectGolden("exec-dynamic-image-compare", transcript(argv, r.all, r.code));
  });
});

describe("i386mm exec against the real kernel", () => {
  it("maps the static executable's segments as 6.1 did (the same program headers)", async () => {
    // The oracle's memorylayout is another build: compare the rules, not the numbers — the text
    // segment at 0x08048000 in both, r--p/r-xp/r--p/.../rw-p in the same order, then the heap.
    const oracle = oracleSection("686-1024M.log", "memorylayout-a-norand-flexible-static")
      .map((l) => l.replace(/\r$/, ""))
      .filter((l) => /^[0-9a-f]{8}-/.test(l) && l.endsWith("/memorylayout-static"));
    const r = await runCli(
      ["exec", "fixtures/elf/memorylayout-static", "--mem", "128M", "--json"],
      undefined,
      ROOT,
    );
    const run = JSON.parse(r.out).runs[0];
    const ours = (run.report.maps as string[]).filter((l) => l.endsWith("/memorylayout-static"));
    expect(ours.map((l) => l.slice(18, 22))).toEqual(oracle.map((l) => l.slice(18, 22)));
    expect(ours[0]!.slice(0, 8)).toBe(oracle[0]!.slice(0, 8));
    expect(run.report.values.rlimit_stack_cur).toBe(8 << 20);
    expect(run.layout).toBe("flexible");
  });
});

describe("i386mm exec of a program that is not a memorylayout build", () => {
  it("stops at its first instruction: entry, maps and status (ld.so, a PIE above 2 GiB)", async () => {
    const r = await runCli(
      ["exec", "fixtures/elf/rootfs/lib/ld-linux.so.2", "--mem", "64M"],
      undefined,
      ROOT,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^execve = 0: entry 0x8001b5c0, initial esp 0x[0-9a-f]{8}, load bias 0x80000000, no interpreter$/m,
    );
    expect(r.out).toMatch(/^80001000-80024000 r-xp 00001000 00:01 \d+ +\/ld-linux\.so\.2$/m);
    // VmExe = PAGE_ALIGN(end_code) - (start_code & PAGE_MASK), unsigned: 0x80000000 .. 0x80024000 = 144 kB.
    expect(r.out).toMatch(/^VmExe:\s+144 kB$/m);
  });
});

describe("bad input: kernel-style errors, exit 1; bad usage, exit 2; never a stack trace", () => {
  beforeAll(() => {
    const err = inject("cliBuildError");
    if (err) throw new Error(err);
  });

  it("a scenario's process and file mistakes each fail their line (golden)", async () => {
    const argv = ["run", "apps/demo/test/fixtures/process-errors.mm", "--mem", "64M"];
    const r = await runCli(argv, undefined, ROOT);
    expect(r.code).toBe(1);
    expect(r.all).not.toMatch(STACK);
    expect(r.out).toMatch(/still running/);
    await expectGolden("process-errors", transcript(argv, r.all, r.code));
  });

  const cases: { what: string; argv: string[]; code: number; err: RegExp }[] = [
    {
      what: "a missing program",
      argv: ["exec", "no/such/elf"],
      code: 2,
      err: /cannot read program 'no\/such\/elf': No such file/,
    },
    {
      what: "a file that is not ELF",
      argv: ["exec", "fixtures/elf/memorylayout.c", "--mem", "64M"],
      code: 1,
      err: /^i386mm: exec: ENOEXEC: .*bad ELF magic/m,
    },
    {
      what: "an image that is not ext2",
      argv: ["exec", "/memorylayout-static", "--image", "fixtures/elf/memorylayout.c", "--mem", "64M"],
      code: 1,
      err: /mount \/dev\/hda on \/mnt: -22 \(-EINVAL\): not an ext2 file system/,
    },
    {
      what: "a path missing from the image",
      argv: ["exec", "/bin/nothing", "--image", "fixtures/elf/memorylayout.ext2", "--mem", "64M"],
      code: 1,
      err: /ENOENT: \/mnt\/bin\/nothing: open_exec failed/,
    },
    {
      what: "a missing image",
      argv: ["exec", "/x", "--image", "nope.img"],
      code: 2,
      err: /cannot read image 'nope.img'/,
    },
    { what: "no program", argv: ["exec"], code: 2, err: /exec: which program\?/ },
    {
      what: "a bad layout",
      argv: ["exec", "x", "--layout", "sideways"],
      code: 2,
      err: /--layout: 'sideways' is not classic or flexible/,
    },
    { what: "a bad stack limit", argv: ["exec", "x", "--stack-limit", "12X"], code: 2, err: /--stack-limit/ },
    {
      what: "--compare with --layout",
      argv: ["exec", "x", "--compare", "--layout", "classic"],
      code: 2,
      err: /--compare runs both layouts/,
    },
  ];
  for (const c of cases)
    it(`exec: ${c.what} -> exit ${c.code}`, () => {
      const r = cli(c.argv);
      expect(r.code, r.err).toBe(c.code);
      expect(r.err).toMatch(c.err);
      expect(r.err + r.out).not.toMatch(STACK);
    });

  it("the same scenario mistakes, spawned, print the same and exit 1", () => {
    const r = cli(["run", "apps/demo/test/fixtures/process-errors.mm", "--mem", "64M"]);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(STACK);
    expect(r.err).toMatch(/process-errors\.mm:7: error: mmap: pid 99: No such process \(-ESRCH\)/);
    expect(r.err).toMatch(
      /process-errors\.mm:8: error: touch: SIGSEGV \(si_code SEGV_MAPERR\) at 0x12345678/,
    );
    expect(r.err).toMatch(/process-errors\.mm:13: error: exit: pid \d+: No such process/);
  });
});
