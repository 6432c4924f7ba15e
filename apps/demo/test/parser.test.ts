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
