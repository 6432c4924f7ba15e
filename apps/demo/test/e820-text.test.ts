/*
 * `--e820 FILE`: a BIOS map pasted from a real boot log (6.1 or 2.6.11 format). Booting from the
 * oracle's own dmesg gives the same machine as QEMU's map for that size, and every problem with
 * the file is a usage error (exit 2).
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturePath } from "@i386mm/fixtures";
import { E820_ACPI, E820_NVS, E820_RAM, E820_RESERVED, qemuE820 } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { E820TextError, parseE820Text } from "../src/e820-text.js";
import { runCli } from "./helpers.js";

const ORACLE = fixturePath("oracle");

describe("parseE820Text", () => {
  it("reads 6.1's format (with dmesg time stamps) and 2.6.11's, ignoring other lines", () => {
    const modern = `[    0.000000] BIOS-provided physical RAM map:
[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable
[    0.000000] BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved
[    0.000000] NX (Execute Disable) protection: active`;
    expect(parseE820Text(modern)).toEqual([
      { addr: 0, size: 0x9fc00, type: E820_RAM },
      { addr: 0xf0000, size: 0x10000, type: E820_RESERVED },
    ]);
    const old = ` BIOS-e820: 0000000000100000 - 000000001fff0000 (usable)
 BIOS-e820: 000000001fff0000 - 000000001fff3000 (ACPI NVS)
 BIOS-e820: 000000001fff3000 - 0000000020000000 (ACPI data)`;
    expect(parseE820Text(old)).toEqual([
      { addr: 0x100000, size: 0x1fef0000, type: E820_RAM },
      { addr: 0x1fff0000, size: 0x3000, type: E820_NVS },
      { addr: 0x1fff3000, size: 0xd000, type: E820_ACPI },
    ]);
  });

  it("takes the first block when a log repeats its dmesg, and names bad lines", () => {
    const line = "BIOS-e820: [mem 0x0000000000000000-0x0000000000ffffff] usable";
    expect(parseE820Text(`${line}\nother\n${line}`)).toHaveLength(1);
    expect(() => parseE820Text("no map here")).toThrow(E820TextError);
    expect(() => parseE820Text("x\nBIOS-e820: [mem 0x0-0xfff] persistent (type 7)")).toThrow(
      "line 2: unsupported e820 type 'persistent (type 7)'",
    );
    expect(() => parseE820Text("BIOS-e820: garbage")).toThrow("line 1: not a BIOS-e820 map line");
  });
});

describe("i386mm boot --e820", () => {
  for (const [file, argv] of [
    ["686-128M.log", ["--mem", "128M"]],
    ["686-1024M.log", ["--mem", "1G"]],
    ["686-pae-2048M.log", ["--mem", "2G", "--pae"]],
  ] as const) {
    it(`booting from ${file}'s own map is booting QEMU's map for that size`, async () => {
      const fromLog = await runCli(["boot", "--e820", join(ORACLE, file), ...argv.slice(2)]);
      const fromMem = await runCli(["boot", ...argv]);
      expect(fromLog.err).toBe("");
      expect(fromLog.code).toBe(0);
      expect(fromLog.out).toBe(fromMem.out);
      const mib = Number.parseInt(argv[1]!, 10) * (argv[1]!.endsWith("G") ? 1024 : 1);
      expect(parseE820Text(fromLog.out)).toEqual(qemuE820(mib * 2 ** 20).map((e) => ({ ...e })));
    });
  }

  it("exits 2 on a bad map, a missing file, or --mem with --e820", async () => {
    const dir = tmpdir();
    const overlap = join(dir, `i386mm-e820-overlap-${process.pid}.txt`);
    writeFileSync(
      overlap,
      "BIOS-e820: [mem 0x0000000000000000-0x0000000007ffffff] usable\nBIOS-e820: [mem 0x0000000000100000-0x00000000001fffff] reserved\n",
    );
    const tiny = join(dir, `i386mm-e820-tiny-${process.pid}.txt`);
    writeFileSync(tiny, "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n");
    const big = join(dir, `i386mm-e820-big-${process.pid}.txt`);
    writeFileSync(big, "BIOS-e820: [mem 0x0000000000000000-0x000000017fffffff] usable\n");
    for (const [argv, msg] of [
      [["boot", "--e820", overlap], /range overlaps/],
      [["boot", "--e820", tiny], /less than 16M/],
      [["boot", "--e820", big], /6G of RAM needs --pae/],
      [["boot", "--e820", "/no/such/file"], /cannot read/],
      [["boot", "--e820", join(ORACLE, "686-128M.log"), "--mem", "128M"], /exclude each other/],
    ] as const) {
      const r = await runCli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(msg);
    }
    expect((await runCli(["boot", "--e820", big, "--pae"])).code).toBe(0);
  });
});
