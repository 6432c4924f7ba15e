/*
 * fuzz.test.ts — the scenario language survives any input (issue #21 point 13): seeded random
 * token streams, random bytes, deep nesting, long prefix-operator chains and long sums go
 * through the parser and the interpreter of a booted kernel. Every line must end as events
 * (a result or a line-numbered error), never a JS exception, and no error may carry a JS
 * engine message. Seeds are fixed; fast-check prints the failing seed and the shrunk input.
 * FUZZ_RUNS=N raises the number of runs for a long local session.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { Interpreter, type RunEvent } from "../src/interpreter.js";
import { bootKernel, type Kernel } from "../src/kernel.js";
import { MAX_NESTING, parseLine } from "../src/parser.js";
import { runCli } from "./helpers.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** Text no user should ever see: JS engine messages. */
const JS_LEAK =
  /Maximum call stack|Cannot read propert|is not a function|is not iterable|BigInt|Invalid array length|undefined \(reading|RangeError|TypeError|\bat .*\.js:\d+/;

const WORDS = [
  "p",
  "x",
  "i",
  "NULL",
  "GFP_KERNEL",
  "GFP_ATOMIC",
  "__GFP_HIGHMEM",
  "PAGE_SIZE",
  "alloc_pages",
  "__free_pages",
  "kmalloc",
  "kfree",
  "page_address",
  "pfn_to_page",
  "virt_to_page",
  "kmap",
  "kunmap",
  "kmem_cache_create",
  "kmem_cache_alloc",
  "vmalloc",
  "vfree",
  "pte_val",
  "lookup_address",
  "cat",
  "translate",
  "check",
  "echo",
  "assert",
  "cpu",
  "for",
  "expect_error",
];
const OPS = "-> << >> == != <= >= ++ && || ( ) [ ] , = | & ^ ~ + - * / % < > ! ; # $ @ \\ ` ' \"".split(" ");
const NUMS = ["0", "1", "3", "4096", "0xc0000000", "0xffffffff", "9007199254740991", "99999999999999999999"];

const token = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.constantFrom(...OPS),
  fc.constantFrom(...NUMS),
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
  fc.constantFrom("/proc/meminfo", "write", "user", "\uFEFF", "\t", "\u0000", "é"),
);
/** Any code points, weighted towards ASCII (where the language's syntax lives). */
const randomChars = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x10ffff })), {
    maxLength: 80,
  })
  .map((cps) => cps.map((c) => (c >= 0xd800 && c < 0xe000 ? "\uFFFD" : String.fromCodePoint(c))).join(""));
const tokenLine = fc.array(token, { maxLength: 24 }).map((t) => t.join(" "));
const noSpaceLine = fc.array(token, { maxLength: 24 }).map((t) => t.join(""));

function errorsOf(events: readonly RunEvent[]): string[] {
  return events.flatMap((e) =>
    e.t === "error" || e.t === "expected"
      ? [`${e.report.message} ${(e.report.problems ?? []).join(" ")}`]
      : [],
  );
}

describe("the scenario language survives any input", () => {
  let kernel: Kernel;
  beforeAll(() => {
    kernel = bootKernel({ memBytes: 128 * 2 ** 20 });
  });

  function runLines(lines: readonly string[]): void {
    const interp = new Interpreter(kernel);
    lines.forEach((line, i) => {
      // Plain checks (no expect() per line): this runs thousands of times.
      let events: RunEvent[];
      try {
        events = interp.runLine(line, i + 1);
      } catch (e) {
        throw new Error(`line ${JSON.stringify(line)} threw ${String(e)}`);
      }
      for (const m of errorsOf(events))
        if (JS_LEAK.test(m)) throw new Error(`line ${JSON.stringify(line)}: JS message in ${m}`);
      for (const e of events)
        if (e.t === "error" && e.line !== i + 1)
          throw new Error(`line ${JSON.stringify(line)}: error on line ${e.line}`);
    });
  }

  it("random token streams (seeded)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(tokenLine, noSpaceLine), { minLength: 1, maxLength: 4 }), (lines) => {
        runLines(lines);
      }),
      { seed: 2611, numRuns: RUNS },
    );
  });

  it("random characters (seeded)", () => {
    fc.assert(
      fc.property(randomChars, (line) => {
        runLines([line]);
      }),
      { seed: 21, numRuns: RUNS },
    );
  });

  it("deep nesting is a line-numbered syntax error, not a stack overflow", () => {
    const interp = new Interpreter(kernel);
    for (const depth of [MAX_NESTING + 1, 500, 5000]) {
      for (const line of [
        `x = ${"(".repeat(depth)}1${")".repeat(depth)}`,
        `x = ${"kmalloc(".repeat(depth)}1${")".repeat(depth)}`,
        `y${"[0".repeat(depth)}${"]".repeat(depth)}`,
        `x = ${"(".repeat(depth)}`,
      ]) {
        const evs = interp.runLine(line, 7);
        const err = evs.find((e) => e.t === "error");
        expect(err).toMatchObject({ t: "error", line: 7, report: { type: "SyntaxError" } });
      }
    }
    expect(() => parseLine(`${"(".repeat(MAX_NESTING)}1${")".repeat(MAX_NESTING)}`)).not.toThrow();
  });

  it("10,000 prefix operators and a 3,000-term sum evaluate", () => {
    const interp = new Interpreter(kernel);
    expect(interp.runLine(`x = ${"-".repeat(10_000)}5`, 1)).toContainEqual(
      expect.objectContaining({ t: "result", text: "x = 5" }),
    );
    expect(interp.runLine(`x = ${"- ".repeat(10_001)}5`, 2)).toContainEqual(
      expect.objectContaining({ t: "result", text: "x = -5" }),
    );
    expect(interp.runLine(`x = ${"!~".repeat(5_000)}0`, 3)).toContainEqual(
      expect.objectContaining({ t: "result", text: "x = 0 (false)" }),
    );
    const sum = Array.from({ length: 3000 }, (_, i) => i + 1).join(" + ");
    expect(interp.runLine(`x = ${sum}`, 4)).toContainEqual(
      expect.objectContaining({ t: "result", text: "x = 4501500 (0x44affc)" }),
    );
    const and = Array.from({ length: 3000 }, () => "1").join(" && ");
    expect(interp.runLine(`assert ${and} && 0 == 0`, 5).filter((e) => e.t === "error")).toEqual([]);
    const longLine = Array.from({ length: 50_000 }, () => "1").join("+");
    expect(interp.runLine(`x = ${longLine}`, 6)).toContainEqual(
      expect.objectContaining({ t: "result", text: "x = 50000 (0xc350)" }),
    );
  });

  it("overflowing arithmetic is an error, not a wrong number", () => {
    const interp = new Interpreter(kernel);
    for (const line of [
      "x = 9007199254740991 + 1",
      "x = 0x100000000 * 0x100000000",
      "x = 1 << 64",
      "x = 1 << 100000000000",
      "x = ~0x100000000",
    ]) {
      const err = interp.runLine(line, 1).find((e) => e.t === "error");
      expect(err, line).toMatchObject({ report: { type: "ScenarioError" } });
      expect((err as Extract<RunEvent, { t: "error" }>).report.message).not.toMatch(JS_LEAK);
    }
  });

  it("the REPL keeps going after a pathological line, with line numbers", async () => {
    const deep = `x = ${"(".repeat(600)}1${")".repeat(600)}`;
    const r = await runCli(["run", "--mem", "128M"], `${deep}\ny = 2\n`);
    expect(r.err).toMatch(/^<stdin>:1: error: syntax error at column \d+: expression nested too deeply/m);
    expect(r.out).toContain("y = 2");
    expect(r.code).toBe(1);
  });

  it("a UTF-8 byte-order mark does not break line 1", async () => {
    const r = await runCli(["run", "-", "--mem", "128M"], "\uFEFFx = 1\ny = x + 1\n");
    expect(r.err).toBe("");
    expect(r.out).toContain("[  1] x = 1\n      x = 1\n");
    expect(r.code).toBe(0);
  });
});
