import { describe, expect, it } from "vitest";
import { DEFAULT_MEM, parseArgs } from "../src/args.js";
import { SCENARIO_DIR } from "../src/main.js";
import { formatSize, parseSize, parseSizeText } from "../src/size.js";
import { UsageError } from "../src/usage-error.js";
import { runCli } from "./helpers.js";

describe("sizes", () => {
  it("reads QEMU-style sizes", () => {
    expect(parseSize("128M")).toBe(128 * 2 ** 20);
    expect(parseSize("1G")).toBe(2 ** 30);
    expect(parseSizeText("1024K")).toBe(2 ** 20);
    expect(parseSize("65536K")).toBe(64 * 2 ** 20);
    expect(parseSize("4096")).toBe(4096 * 2 ** 20); // a bare number is MiB, like qemu -m
    expect(parseSize("2GiB")).toBe(2 * 2 ** 30);
    expect(parseSize("512mb")).toBe(512 * 2 ** 20);
  });
  it("rejects malformed sizes and sizes the hardware cannot have", () => {
    for (const bad of ["12X", "1.5G", "-1M", "", "G", "0x100M", "8M", "1024K", "128G", "16385K"]) {
      expect(() => parseSize(bad), bad).toThrow(UsageError);
    }
  });
  it("prints sizes back", () => {
    expect(formatSize(2 ** 30)).toBe("1G");
    expect(formatSize(1536 * 2 ** 20)).toBe("1536M");
  });
});

describe("command line", () => {
  it("defaults to the tour of a 1G machine", () => {
    expect(parseArgs([])).toMatchObject({ command: "tour", memBytes: DEFAULT_MEM, pae: false, cpus: 1 });
  });
  it("reads flags in both spellings", () => {
    expect(parseArgs(["boot", "--mem", "2G", "--pae", "--cpus=4", "--json"])).toMatchObject({
      command: "boot",
      memBytes: 2 * 2 ** 30,
      pae: true,
      cpus: 4,
      json: true,
    });
    expect(parseArgs(["run", "x.mm", "--strict"])).toMatchObject({
      command: "run",
      operand: "x.mm",
      strict: true,
    });
  });
  it("-i / --interactive forces the REPL prompt (run only)", async () => {
    expect(parseArgs(["run", "-i"]).interactive).toBe(true);
    expect(parseArgs(["run", "--interactive", "--mem", "64M"]).interactive).toBe(true);
    expect(parseArgs(["run"]).interactive).toBe(false);
    expect(() => parseArgs(["boot", "-i"])).toThrow("unknown flag '-i'");
    const r = await runCli(["run", "-i", "--mem", "64M"], "x = kmalloc(33, GFP_KERNEL)\nquit\n");
    expect(r.out).toMatch(/^i386mm: 64M RAM, 2-level paging, 1 CPU\(s\), profile 2\.6\.11\. /);
    expect(r.out).toMatch(/i386mm> {7}x = 0xc[0-9a-f]{7}\ni386mm> $/);
    // Without -i and without a terminal: no banner, no prompt.
    expect((await runCli(["run", "--mem", "64M"], "x = kmalloc(33, GFP_KERNEL)\n")).out).toMatch(
      /^ {6}x = 0x/,
    );
  });

  it("rejects bad usage", () => {
    for (const argv of [
      ["frobnicate"],
      ["boot", "--mem", "12X"],
      ["boot", "--mem"],
      ["boot", "--strict"],
      ["boot", "--cpus", "9"],
      ["boot", "--cpus", "0"],
      ["boot", "--nodes", "3"],
      ["boot", "--mem", "65G"],
      ["boot", "extra"],
      ["run", "a", "b"],
      ["cat"],
      ["boot", "--pae=yes"],
    ]) {
      expect(() => parseArgs(argv), argv.join(" ")).toThrow(UsageError);
    }
  });
});

describe("exit codes", () => {
  it("exits 2 on bad usage, with a message on stderr and nothing on stdout", async () => {
    for (const argv of [
      ["boot", "--mem", "12X"],
      ["boot", "--bogus"],
      ["nope"],
      ["run", "/nonexistent/file.mm"],
      ["run", SCENARIO_DIR], // a directory: unreadable as a script (EISDIR)
      ["help", "nope"],
      ["boot", "--mem", "3M"], // below the smallest machine
      ["boot", "--mem", "65G"], // more than 36 physical address bits, even without PAE
      ["boot", "--mem", "65G", "--pae"], // more than 36 physical address bits
      ["boot", "--mem", "1000K"], // not a multiple of 64K
      ["run", "--nodes", "2", "--frob", "x.mm"],
      ["cat", "/proc/nope"],
    ]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^i386mm: /);
    }
  });
  it("prints help with examples for every command", async () => {
    for (const cmd of ["boot", "run", "cat", "tour", "help"]) {
      const r = await runCli([cmd, "--help"]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: i386mm/);
      expect(r.out).toMatch(/Examples:/);
    }
    expect((await runCli(["help", "run"])).out).toMatch(/translate 0xc0123456/);
  });
});
