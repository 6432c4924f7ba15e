/*
 * Bad input in the scenario language (issue #20 point 3), table-driven over every callable name:
 * each kernel function with no arguments, too many, a string where a number goes, and values no
 * C type holds (negative, 2^32, 2^64, more than 2^53) in every position; then whole files that are
 * no scenario (an ELF binary, random bytes with NULs, a 1 MB line) through `i386mm run` and
 * `i386mm check`. Every line must end as events — a result or a line-numbered error in the
 * language's own words, never a JS exception or a JS engine message — a line that ends in an
 * error must leave the machine as it was (its state hash, the printk log aside), and after every
 * line the whole-machine check must hold (a call that went through may change the state, never
 * corrupt it). A line that stops the machine (a panic 2.6.11 also has) boots a fresh one.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Interpreter, type RunEvent } from "../src/interpreter.js";
import { bootKernel, type Kernel } from "../src/kernel.js";
import { runCli } from "./helpers.js";

/** Text no user should ever see: JS engine messages. */
const JS_LEAK =
  /Maximum call stack|Cannot read propert|is not a function|is not iterable|BigInt|Invalid array length|undefined \(reading|RangeError|TypeError|\bat .*\.js:\d+/;

/** Arguments no C parameter of the kernel's takes, or the wrong kind of thing. */
const BAD_ARGS = ['"a string"', "-1", "0x100000000", "0x10000000000000000", "9007199254740993"];

/**
 * BAD_INPUT_FULL=1 compares the whole state hash (machineHash, ~0.1 s a line on 16M) after every
 * line that reached the kernel; by default the /proc views every layer keeps (buddyinfo,
 * zoneinfo, meminfo, slabinfo, vmallocinfo) stand in for it, which keeps the table in seconds.
 * The kernel package's own table (packages/kernel/test/bad-input.test.ts) always uses the hash.
 */
const FULL = process.env.BAD_INPUT_FULL === "1";
const VIEWS = ["buddyinfo", "zoneinfo", "meminfo", "slabinfo", "vmallocinfo"];
const fingerprint = (k: Kernel): string => VIEWS.map((v) => k.view(v)?.lines.join("\n") ?? "").join("\n");

/**
 * Names whose call goes through with a bad argument and leaves a machine the whole-machine check
 * rejects, each with why it stays so for now (the scenario language's table of what is left).
 * Empty since session 5: the 14 entries it had are fixed in the model (see "the former KNOWN
 * entries" below); a new one needs a reason here, and the test fails once it is fixed.
 */
const KNOWN = new Map<string, string>([]);

const errorsOf = (evs: readonly RunEvent[]) =>
  evs.filter((e): e is Extract<RunEvent, { t: "error" }> => e.t === "error");

describe("bad input in the scenario language", () => {
  it("every callable name with missing, extra, string and out-of-range arguments: events, never a JS exception; a refused call changes nothing", () => {
    // every binding's call is wrapped so the test knows whether a line reached the kernel: a line
    // the argument checker refuses never calls it (nothing can have changed); a line that called
    // the kernel and failed must leave the state hash as it was
    let called = false;
    const boot = () => {
      const k = bootKernel({ memBytes: 16 * 2 ** 20 });
      for (const [name, b] of k.bindings)
        k.bindings.set(name, {
          ...b,
          call: (args) => {
            called = true;
            return b.call(args);
          },
        });
      return k;
    };
    let kernel: Kernel = boot();
    let interp = new Interpreter(kernel);
    const names = [...kernel.bindings.keys()].sort();
    const lines: string[] = [];
    for (const name of names.slice(0, Number(process.env.BAD_NAMES ?? names.length))) {
      const b = kernel.bindings.get(name)!;
      const arity = Math.max(b.sig?.params.length ?? 1, 1);
      const args = (f: (i: number) => string, n = arity) =>
        Array.from({ length: n }, (_, i) => f(i)).join(", ");
      lines.push(`${name}()`, `${name}(${args(() => "0", arity + 3)})`);
      // each bad value in the first position, then in every position at once
      for (const bad of BAD_ARGS) lines.push(`${name}(${args((i) => (i === 0 ? bad : "0"))})`);
      for (const bad of BAD_ARGS.slice(1)) if (arity > 1) lines.push(`${name}(${args(() => bad)})`);
    }
    let tHash = 0;
    let tCheck = 0;
    const rows: string[] = [];
    let halted = 0;
    let refused = 0;
    let h = FULL ? kernel.hash({ printk: false }) : fingerprint(kernel);
    let reached = 0;
    const knownHit = new Set<string>();
    lines.forEach((line, i) => {
      let events: RunEvent[];
      called = false;
      try {
        events = interp.runLine(line, i + 1);
      } catch (e) {
        rows.push(`${line}: threw ${String(e)}`);
        return;
      }
      const errors = errorsOf(events);
      for (const e of errors) {
        if (JS_LEAK.test(e.report.message)) rows.push(`${line}: a JS message: ${e.report.message}`);
        if (e.line !== i + 1) rows.push(`${line}: error on line ${e.line}`);
      }
      if (kernel.halted) {
        halted++; // the machine stopped, as 2.6.11 would (a panic): go on with a fresh one
        kernel = boot();
        interp = new Interpreter(kernel);
        h = FULL ? kernel.hash({ printk: false }) : fingerprint(kernel);
        return;
      }
      let t0 = performance.now();
      if (errors.length > 0) refused++;
      if (called) {
        reached++;
        const after = FULL ? kernel.hash({ printk: false }) : fingerprint(kernel);
        if (errors.length > 0 && after !== h)
          rows.push(`${line}: refused (${errors[0]!.report.message}) but the state changed`);
        h = after;
      }
      tHash += performance.now() - t0;
      let problems: readonly string[];
      t0 = performance.now();
      try {
        problems = kernel.check().problems;
        tCheck += performance.now() - t0;
      } catch (e) {
        problems = [`the check itself threw ${String(e)}`];
      }
      if (problems.length > 0) {
        const name = line.slice(0, line.indexOf("("));
        if (KNOWN.has(name)) knownHit.add(name);
        else rows.push(`${line}: the machine is inconsistent after it: ${problems.slice(0, 3).join("; ")}`);
        kernel = boot();
        interp = new Interpreter(kernel);
        h = FULL ? kernel.hash({ printk: false }) : fingerprint(kernel);
      }
    });
    console.info(
      `scenario bad-input table: ${lines.length} lines over ${names.length} names (${refused} refused, ${reached} reached the kernel, ${halted} stopped the machine; state compare ${tHash.toFixed(0)} ms, check ${tCheck.toFixed(0)} ms)`,
    );
    expect(rows).toEqual([]);
    expect(refused).toBeGreaterThan(lines.length / 2);
    expect(
      [...KNOWN.keys()].filter((n) => !knownHit.has(n)),
      "KNOWN names that no longer break the machine",
    ).toEqual([]);
  }, 300_000);

  it("the former KNOWN entries: refused with nothing changed, or held by the scenario, and the machine stays consistent", async () => {
    const script = [
      // refused: no file system type (an oops at sget), no block size, no page count, no page directory, reserved CR4 bits
      "expect_error alloc_super(0)",
      "expect_error alloc_page_buffers(0, 0)",
      "expect_error vm_acct_memory(-1)",
      "assert __vm_enough_memory(-1, 0) == -22",
      "expect_error write_cr3(0x100000000)",
      "expect_error set_in_cr4(-1)",
      "write_cr3(read_cr3())",
      // held by the scenario, through the records of direct callers
      "p = alloc_pages_node(0, GFP_KERNEL, 0)",
      'fd = open("/f", O_CREAT|O_RDWR)',
      "q = page_cache_alloc(fd)",
      "r = page_cache_alloc_cold(fd)",
      "bh = alloc_buffer_head(GFP_KERNEL)",
      // 2.6.11's size += PAGE_SIZE wraps: a 4095-byte area, as the kernel makes it
      "a = get_vm_area(0xffffffff, 0)",
      "check",
      "__free_pages(p, 0)",
      "__free_page(q)",
      "__free_page(r)",
      "free_buffer_head(bh)",
      "check",
    ].join("\n");
    const r = await runCli(["run", "-", "--mem", "16M", "--strict"], script);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("files that are no scenario: an ELF binary, random bytes with NULs, a 1 MB line", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "i386mm-bad-"));
    const elf = path.resolve(__dirname, "../../../fixtures/elf/memorylayout-static");
    const bytes = new Uint8Array(64 * 1024);
    let x = 2611;
    for (let i = 0; i < bytes.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      bytes[i] = x >>> 24;
    }
    fs.writeFileSync(path.join(dir, "random.mm"), bytes);
    fs.writeFileSync(path.join(dir, "long.mm"), `x = ${"1+".repeat(512 * 1024)}1\ny = 2\n`);
    fs.writeFileSync(path.join(dir, "longname.mm"), `${"a".repeat(1024 * 1024)}\ny = 2\n`);
    for (const file of [
      elf,
      path.join(dir, "random.mm"),
      path.join(dir, "long.mm"),
      path.join(dir, "longname.mm"),
    ])
      for (const cmd of ["run", "check"]) {
        const r = await runCli([cmd, file, "--mem", "16M"]);
        expect(r.err, `${cmd} ${path.basename(file)}`).not.toMatch(JS_LEAK);
        expect([0, 1, 2], `${cmd} ${path.basename(file)}: exit ${r.code}`).toContain(r.code);
        if (file.endsWith("long.mm") && cmd === "run") expect(r.out).toContain("y = 2");
      }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);
});
