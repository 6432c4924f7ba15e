import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ScenarioSyntaxError, tokenize } from "../src/lexer.js";
import { parseLine, parseScenario } from "../src/parser.js";

describe("lexer", () => {
  it("reads kernel names, hex and decimal numbers, strings and operators", () => {
    const t = tokenize('a = __get_free_pages(GFP_KERNEL|__GFP_ZERO, 0x1fUL) # comment "x"');
    expect(t.map((x) => x.kind)).toEqual([
      "ident",
      "op",
      "ident",
      "op",
      "ident",
      "op",
      "ident",
      "op",
      "num",
      "op",
      "eof",
    ]);
    expect(t[2]!.text).toBe("__get_free_pages");
    expect(t[8]!.value).toBe(31);
  });
  it("resolves string escapes and keeps # inside strings", () => {
    const t = tokenize('kmem_cache_create("a#b\\n", 1)');
    expect(t[2]).toMatchObject({ kind: "str", text: "a#b\n" });
  });
  it("rejects malformed numbers and stray characters with a column", () => {
    expect(() => tokenize("x = 12X")).toThrow(ScenarioSyntaxError);
    try {
      tokenize("x = 1 @ 2");
    } catch (e) {
      expect((e as ScenarioSyntaxError).col).toBe(7);
    }
    expect(() => tokenize('"open')).toThrow(/unterminated string/);
  });
});

describe("parser", () => {
  it("parses the book's calls", () => {
    expect(parseLine("p = alloc_pages(GFP_KERNEL, 3)")).toEqual({
      k: "assign",
      target: { name: "p" },
      e: {
        k: "call",
        name: "alloc_pages",
        col: 5,
        args: [
          { k: "var", name: "GFP_KERNEL", col: 17 },
          { k: "num", v: 3 },
        ],
      },
    });
    const s = parseLine('c = kmem_cache_create("foo", 100, 0, SLAB_HWCACHE_ALIGN, NULL)');
    expect(s.k).toBe("assign");
    expect(parseLine("__free_pages(p, 3)").k).toBe("expr");
  });
  it("combines constants with | and respects C precedence", () => {
    const s = parseLine("x = A | B & C + 1 << 2");
    // | binds loosest, then &, then <<, then +.
    expect(s).toMatchObject({
      e: { k: "bin", op: "|", r: { k: "bin", op: "&", r: { k: "bin", op: "<<" } } },
    });
  });
  it("parses nested calls, arrays and ->", () => {
    expect(parseLine("kunmap(pfn_to_page(page_to_pfn(p[i + 1])))")).toMatchObject({
      k: "expr",
      e: { k: "call", name: "kunmap" },
    });
    expect(parseLine("pg[3] = alloc_page(GFP_HIGHUSER)")).toMatchObject({
      k: "assign",
      target: { name: "pg" },
    });
    expect(parseLine("n = c->num")).toMatchObject({ e: { k: "member", field: "num" } });
  });
  it("parses the commands", () => {
    expect(parseLine("cat /proc/buddyinfo")).toEqual({ k: "cat", path: "/proc/buddyinfo" });
    expect(parseLine("translate 0xc0123456, write")).toMatchObject({ k: "translate", access: ["write"] });
    expect(parseLine("check")).toEqual({ k: "check" });
    expect(parseLine("echo hello # not a comment")).toEqual({ k: "echo", text: "hello # not a comment" });
    expect(parseLine("assert p != NULL")).toMatchObject({ k: "assert" });
    expect(parseLine("cpu 1")).toMatchObject({ k: "cpu" });
    expect(parseLine("for (i = 0; i < 4; i++) x[i] = kmalloc(32, GFP_KERNEL)")).toMatchObject({
      k: "for",
      v: "i",
      body: { k: "assign", target: { name: "x" } },
    });
    expect(parseLine("   # only a comment")).toEqual({ k: "empty" });
    expect(parseLine("")).toEqual({ k: "empty" });
  });
  it("reports malformed statements as ScenarioSyntaxError", () => {
    for (const bad of [
      "p = alloc_pages(GFP_KERNEL, 3",
      "p = ",
      "alloc_pages(1) = 3",
      "cat buddyinfo",
      "translate 0x1000, sideways",
      "for (i = 0; j < 3; i++) x = 1",
      "check now",
      "3(4)",
      "x y",
    ]) {
      expect(() => parseLine(bad), bad).toThrow(ScenarioSyntaxError);
    }
  });
  it("keeps bad lines in a scenario as errors with their line number", () => {
    const lines = parseScenario("x = 1\ny = (\n# c\n");
    expect(lines[1]!.stmt).toBeInstanceOf(ScenarioSyntaxError);
    expect(lines[1]!.line).toBe(2);
    expect(lines[2]!.stmt).toEqual({ k: "empty" });
  });
  it("never throws anything but ScenarioSyntaxError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        try {
          parseLine(s);
        } catch (e) {
          return e instanceof ScenarioSyntaxError;
        }
        return true;
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
  it("round-trips generated arithmetic through the grammar", () => {
    const expr = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: "small" },
        fc.nat(1000).map(String),
        fc.constantFrom("GFP_KERNEL", "x", "NULL"),
        fc
          .tuple(tie("e"), fc.constantFrom("|", "&", "+", "-", "<<", "=="), tie("e"))
          .map(([a, o, b]) => `(${a} ${o} ${b})`),
        fc
          .tuple(fc.constantFrom("f", "kmalloc"), fc.array(tie("e"), { maxLength: 3 }))
          .map(([f, a]) => `${f}(${a.join(", ")})`),
      ),
    })).e;
    fc.assert(
      fc.property(expr, (s) => {
        const st = parseLine(`y = ${s}`);
        return st.k === "assign";
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe("process syntax (#15)", () => {
  it("reads memparse size suffixes: 8M, 4k, 1G", () => {
    expect(tokenize("8M")[0]).toMatchObject({ kind: "num", value: 8 * 2 ** 20 });
    expect(tokenize("4k")[0]).toMatchObject({ kind: "num", value: 4096 });
    expect(tokenize("0x1G")[0]).toMatchObject({ kind: "num", value: 2 ** 30 });
    expect(() => tokenize("8MB")).toThrow(/malformed number '8MB'/);
  });
  it("parses keyword arguments after the positional ones", () => {
    const s = parseLine('pid = exec("/bin/x", layout=classic, stack=8M)');
    expect(s).toMatchObject({
      k: "assign",
      e: {
        k: "call",
        name: "exec",
        args: [{ k: "str", v: "/bin/x" }],
        kwargs: [
          { name: "layout", e: { k: "var", name: "classic" } },
          { name: "stack", e: { k: "num", v: 8 * 2 ** 20 } },
        ],
      },
    });
    // a comparison is not a keyword
    expect(parseLine("f(a == 1)")).toMatchObject({ e: { args: [{ k: "bin", op: "==" }] } });
    expect(() => parseLine("f(a=1, 2)")).toThrow(/positional argument after a keyword argument/);
    expect(() => parseLine("f(a=1, a=2)")).toThrow(/keyword argument 'a' given twice/);
  });
  it("parses translate with a pid and cat of /proc/PID files", () => {
    expect(parseLine("translate pid 0x08048000, write")).toMatchObject({
      k: "translate",
      pid: { k: "var", name: "pid" },
      e: { k: "num", v: 0x08048000 },
      access: ["write"],
    });
    expect(parseLine("translate 0xc0000000")).not.toHaveProperty("pid");
    expect(parseLine("cat /proc/$pid/maps")).toEqual({ k: "cat", path: "/proc/$pid/maps" });
    expect(parseLine("cat /proc/12/status")).toEqual({ k: "cat", path: "/proc/12/status" });
    expect(() => parseLine("cat /proc/1/2/maps")).toThrow(/expected \/proc\/<view> or \/proc\/<pid>\/<file>/);
  });
});
