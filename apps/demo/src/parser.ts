/*
 * parser.ts — the scenario language's grammar: one statement per line, C expression syntax.
 *
 *   stmt   := 'cat' /proc/<view> | 'cat' /proc/<pid>/<file>
 *           | 'translate' [pid] expr [',' access]* | 'check' | 'echo' text
 *           | 'assert' expr | 'cpu' expr | 'for' '(' i '=' expr ';' i '<' expr ';' i '++' ')' stmt
 *           | 'expect_error' stmt          (the statement must fail; its error is shown, not counted)
 *           | lvalue '=' expr | expr
 *   lvalue := name | name '[' expr ']'
 *   expr   := C precedence: || && | ^ & (== !=) (< <= > >=) (<< >>) (+ -) (* / %) unary postfix
 *   unary  := ('-' | '~' | '!' | '*') unary | postfix      ('*ptep' reads a page-table entry)
 *   postfix:= primary ( '(' args ')' | '[' expr ']' | '->' field )*
 *   args   := [expr (',' expr)*] [(',')? name '=' expr (',' name '=' expr)*]
 *             (keyword arguments after the positional ones: exec("/bin/x", layout=classic, stack=8M))
 *   primary:= number | "string" | NULL | name | '(' expr ')'
 *
 * Nesting (parentheses, call arguments, subscripts) is limited to MAX_NESTING levels, as a
 * compiler limits it; a longer chain of the same operator (a 3,000-term sum) or of prefix
 * operators is no nesting and has no limit: the parser builds it in a loop and the interpreter
 * evaluates it in a loop, so no input reaches the JS stack limit.
 *
 * Commands (cat, translate, check, echo, assert, cpu, for, expect_error) are recognised only as the first word
 * of a line, so the language can grow new commands without reserving kernel names.
 * Invariant: parseLine never throws anything but ScenarioSyntaxError.
 */

import { commentStart, ScenarioSyntaxError, type Token, tokenize } from "./lexer.js";

/** An expression node. */
export type Expr =
  | { readonly k: "num"; readonly v: number }
  | { readonly k: "str"; readonly v: string }
  | { readonly k: "null" }
  | { readonly k: "var"; readonly name: string; readonly col: number }
  | {
      readonly k: "call";
      readonly name: string;
      readonly args: readonly Expr[];
      readonly col: number;
      /** Keyword arguments (`layout=classic`), in the order written; absent when there are none. */
      readonly kwargs?: readonly KwArg[];
    }
  | { readonly k: "index"; readonly target: Expr; readonly index: Expr; readonly col: number }
  | { readonly k: "member"; readonly target: Expr; readonly field: string; readonly col: number }
  | { readonly k: "unary"; readonly op: string; readonly e: Expr }
  | { readonly k: "bin"; readonly op: string; readonly l: Expr; readonly r: Expr; readonly col: number };

/** A keyword argument of a call: `name=expr`. */
export interface KwArg {
  readonly name: string;
  readonly e: Expr;
  readonly col: number;
}

/** An assignable place: a variable or one element of an array variable. */
export interface LValue {
  readonly name: string;
  readonly index?: Expr;
}

/** A statement node. */
export type Stmt =
  | { readonly k: "empty" }
  | { readonly k: "assign"; readonly target: LValue; readonly e: Expr }
  | { readonly k: "expr"; readonly e: Expr }
  | { readonly k: "cat"; readonly path: string }
  | {
      readonly k: "translate";
      readonly e: Expr;
      readonly access: readonly string[];
      /** `translate pid addr`: walk that process's page tables (absent: the current CPU's). */
      readonly pid?: Expr;
    }
  | { readonly k: "check" }
  | { readonly k: "echo"; readonly text: string }
  | { readonly k: "assert"; readonly e: Expr; readonly text?: string }
  | { readonly k: "cpu"; readonly e: Expr }
  | { readonly k: "expect_error"; readonly body: Stmt }
  | {
      readonly k: "for";
      readonly v: string;
      readonly from: Expr;
      readonly to: Expr;
      readonly body: Stmt;
    };

/** Access kinds `translate` accepts after the address. */
export const TRANSLATE_ACCESS = ["read", "write", "user", "fetch"] as const;

const BINARY_LEVELS: readonly (readonly string[])[] = [
  ["||"],
  ["&&"],
  ["|"],
  ["^"],
  ["&"],
  ["==", "!="],
  ["<", "<=", ">", ">="],
  ["<<", ">>"],
  ["+", "-"],
  ["*", "/", "%"],
];

/** Deepest nesting of parentheses, call arguments and subscripts a line may use. */
export const MAX_NESTING = 200;

class Cursor {
  private i = 0;
  private depth = 0;
  /** Enter one level of nesting at token `t`; refuse past MAX_NESTING. */
  enter(t: Token): void {
    if (++this.depth > MAX_NESTING)
      throw new ScenarioSyntaxError(`expression nested too deeply (more than ${MAX_NESTING} levels)`, t.col);
  }
  leave(): void {
    this.depth--;
  }
  constructor(private readonly toks: Token[]) {}
  /** The position, to come back to with reset(). */
  mark(): number {
    return this.i;
  }
  reset(at: number): void {
    this.i = at;
  }
  peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.text === text;
  }
  expectOp(text: string): Token {
    const t = this.peek();
    if (t.kind !== "op" || t.text !== text)
      throw new ScenarioSyntaxError(`expected '${text}' ${found(t)}`, t.col);
    return this.next();
  }
  expectIdent(what: string): Token {
    const t = this.peek();
    if (t.kind !== "ident") throw new ScenarioSyntaxError(`expected ${what} ${found(t)}`, t.col);
    return this.next();
  }
  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== "eof")
      throw new ScenarioSyntaxError(`unexpected ${describe(t)} after the statement`, t.col);
  }
}

function describe(t: Token): string {
  if (t.kind === "eof") return "end of line";
  if (t.kind === "str") return `string "${t.text}"`;
  return `'${t.text}'`;
}
function found(t: Token): string {
  return `but found ${describe(t)}`;
}

function parseExpr(c: Cursor, level = 0): Expr {
  if (level >= BINARY_LEVELS.length) return parseUnary(c);
  let l = parseExpr(c, level + 1);
  const ops = BINARY_LEVELS[level]!;
  for (;;) {
    const t = c.peek();
    if (t.kind !== "op" || !ops.includes(t.text)) return l;
    c.next();
    const r = parseExpr(c, level + 1);
    l = { k: "bin", op: t.text, l, r, col: t.col };
  }
}

function parseUnary(c: Cursor): Expr {
  // A run of prefix operators is read in a loop and applied innermost first.
  const ops: string[] = [];
  for (;;) {
    const t = c.peek();
    if (t.kind === "op" && (t.text === "-" || t.text === "~" || t.text === "!" || t.text === "*")) {
      c.next();
      ops.push(t.text);
    } else break;
  }
  let e = parsePostfix(c);
  for (let i = ops.length - 1; i >= 0; i--) e = { k: "unary", op: ops[i]!, e };
  return e;
}

function parsePostfix(c: Cursor): Expr {
  let e = parsePrimary(c);
  for (;;) {
    const t = c.peek();
    if (t.kind === "op" && t.text === "(") {
      if (e.k !== "var") throw new ScenarioSyntaxError("only a function name can be called", t.col);
      c.next();
      c.enter(t);
      const args: Expr[] = [];
      const kwargs: KwArg[] = [];
      if (!c.isOp(")")) {
        for (;;) {
          const k = c.peek();
          if (k.kind === "ident" && c.peek(1).kind === "op" && c.peek(1).text === "=") {
            c.next();
            c.next();
            if (kwargs.some((a) => a.name === k.text))
              throw new ScenarioSyntaxError(`keyword argument '${k.text}' given twice`, k.col);
            kwargs.push({ name: k.text, e: parseExpr(c), col: k.col });
          } else if (kwargs.length)
            throw new ScenarioSyntaxError("positional argument after a keyword argument", k.col);
          else args.push(parseExpr(c));
          if (c.isOp(",")) {
            c.next();
            continue;
          }
          break;
        }
      }
      c.expectOp(")");
      c.leave();
      e = kwargs.length
        ? { k: "call", name: e.name, args, col: e.col, kwargs }
        : { k: "call", name: e.name, args, col: e.col };
    } else if (t.kind === "op" && t.text === "[") {
      c.next();
      c.enter(t);
      const index = parseExpr(c);
      c.expectOp("]");
      c.leave();
      e = { k: "index", target: e, index, col: t.col };
    } else if (t.kind === "op" && t.text === "->") {
      c.next();
      const f = c.expectIdent("a field name after '->'");
      e = { k: "member", target: e, field: f.text, col: f.col };
    } else return e;
  }
}

function parsePrimary(c: Cursor): Expr {
  const t = c.next();
  if (t.kind === "num") return { k: "num", v: t.value };
  if (t.kind === "str") return { k: "str", v: t.text };
  if (t.kind === "ident") return t.text === "NULL" ? { k: "null" } : { k: "var", name: t.text, col: t.col };
  if (t.kind === "op" && t.text === "(") {
    c.enter(t);
    const e = parseExpr(c);
    c.expectOp(")");
    c.leave();
    return e;
  }
  throw new ScenarioSyntaxError(`expected an expression ${found(t)}`, t.col);
}

/** `cat`'s operand: /proc/<view>, or /proc/<pid>/<file> with the pid a number, `self` or `$var`. */
export const PROC_PATH = /^\/proc\/([A-Za-z0-9_]+|\$\{?\w+\}?)(\/[A-Za-z0-9_]+)?$/;

const COMMANDS = new Set(["cat", "translate", "check", "echo", "assert", "cpu", "for", "expect_error"]);

/** Words that start a command; a scenario cannot use them as variable names. */
export const COMMAND_WORDS: ReadonlySet<string> = COMMANDS;

function parseStmtTokens(c: Cursor, raw: string): Stmt {
  const t = c.peek();
  if (t.kind === "eof") return { k: "empty" };
  if (
    t.kind === "ident" &&
    COMMANDS.has(t.text) &&
    !(c.peek(1).kind === "op" && c.peek(1).text === "(" && t.text !== "for")
  ) {
    c.next();
    switch (t.text) {
      case "cat": {
        const path = raw.slice(t.col - 1 + 3).trim();
        if (!PROC_PATH.test(path))
          throw new ScenarioSyntaxError(
            `cat: expected /proc/<view> or /proc/<pid>/<file>, found '${path}'`,
            t.col + 4,
          );
        return { k: "cat", path };
      }
      case "echo":
        return { k: "echo", text: raw.slice(t.col - 1 + 4).replace(/^ /, "") };
      case "check":
        c.expectEnd();
        return { k: "check" };
      case "assert": {
        const e = parseExpr(c);
        c.expectEnd();
        // Keep the condition as written, for the failure message.
        return { k: "assert", e, text: raw.slice(t.col - 1 + "assert".length).trim() };
      }
      case "cpu": {
        const e = parseExpr(c);
        c.expectEnd();
        return { k: "cpu", e };
      }
      case "expect_error": {
        const body = parseStmtTokens(c, raw);
        if (body.k === "empty" || body.k === "echo" || body.k === "expect_error")
          throw new ScenarioSyntaxError("expect_error: expected a statement that should fail", t.col + 13);
        return { k: "expect_error", body };
      }
      case "translate": {
        let e = parseExpr(c);
        // `translate pid addr`: a second expression before the access kinds.
        let pid: Expr | undefined;
        if (c.peek().kind !== "eof" && !c.isOp(",")) {
          pid = e;
          e = parseExpr(c);
        }
        const access: string[] = [];
        while (c.isOp(",")) {
          c.next();
          const a = c.expectIdent(`an access kind (${TRANSLATE_ACCESS.join(", ")})`);
          if (!(TRANSLATE_ACCESS as readonly string[]).includes(a.text))
            throw new ScenarioSyntaxError(
              `unknown access kind '${a.text}' (${TRANSLATE_ACCESS.join(", ")})`,
              a.col,
            );
          access.push(a.text);
        }
        c.expectEnd();
        return pid ? { k: "translate", e, access, pid } : { k: "translate", e, access };
      }
      default: {
        // for (i = A; i < B; i++) statement
        c.expectOp("(");
        const v = c.expectIdent("a loop variable");
        c.expectOp("=");
        const from = parseExpr(c);
        c.expectOp(";");
        const v2 = c.expectIdent("the loop variable");
        if (v2.text !== v.text) throw new ScenarioSyntaxError(`loop condition must test '${v.text}'`, v2.col);
        c.expectOp("<");
        const to = parseExpr(c);
        c.expectOp(";");
        const v3 = c.expectIdent("the loop variable");
        if (v3.text !== v.text) throw new ScenarioSyntaxError(`loop step must be '${v.text}++'`, v3.col);
        c.expectOp("++");
        const close = c.expectOp(")");
        const body = parseStmtTokens(c, raw);
        if (body.k === "empty")
          throw new ScenarioSyntaxError("for: expected a statement after ')'", close.col + 1);
        if (body.k === "cat" || body.k === "echo" || body.k === "for")
          throw new ScenarioSyntaxError(`for: the body cannot be '${body.k}'`, close.col + 1);
        return { k: "for", v: v.text, from, to, body };
      }
    }
  }
  // Assignment: name = expr, or name[expr] = expr.
  if (t.kind === "ident" && c.peek(1).kind === "op" && (c.peek(1).text === "=" || c.peek(1).text === "[")) {
    const save = c.peek(1).text;
    if (save === "=") {
      c.next();
      c.next();
      const e = parseExpr(c);
      c.expectEnd();
      return { k: "assign", target: { name: t.text }, e };
    }
    // Could be `a[i] = e` or an expression such as `a[i]` or `a[i]->num`; parse the index and
    // look for '='; otherwise re-read the line as an expression.
    const start = c.mark();
    c.next();
    c.next();
    const index = parseExpr(c);
    c.expectOp("]");
    if (c.isOp("=")) {
      c.next();
      const e = parseExpr(c);
      c.expectEnd();
      return { k: "assign", target: { name: t.text, index }, e };
    }
    c.reset(start);
  }
  const e = parseExpr(c);
  if (c.isOp("="))
    throw new ScenarioSyntaxError("only a variable or array element can be assigned", c.peek().col);
  c.expectEnd();
  return { k: "expr", e };
}

/** Parse one line of a scenario. `#` comments and blank lines give `{ k: "empty" }`. */
export function parseLine(raw: string): Stmt {
  const cut = commentStart(raw);
  const text = cut >= 0 ? raw.slice(0, cut) : raw;
  const first = /^\s*(\w+)/.exec(text);
  // echo keeps its text verbatim (a '#' inside it is text, not a comment).
  if (first && first[1] === "echo" && /^\s*echo(\s|$)/.test(raw)) {
    return { k: "echo", text: raw.replace(/^\s*echo ?/, "") };
  }
  // cat /proc/$pid/maps: a '$' is no token, so a /proc path with one is read before tokenizing.
  const cat = /^(\s*cat\s+)(\/proc\/\S*\$\S*)\s*$/.exec(text);
  if (cat) {
    if (!PROC_PATH.test(cat[2]!))
      throw new ScenarioSyntaxError(
        `cat: expected /proc/<view> or /proc/<pid>/<file>, found '${cat[2]}'`,
        cat[1]!.length + 1,
      );
    return { k: "cat", path: cat[2]! };
  }
  return parseStmtTokens(new Cursor(tokenize(text)), text);
}

/** One parsed line of a scenario file: 1-based line number, the source text and the statement. */
export interface ScenarioLine {
  readonly line: number;
  readonly source: string;
  readonly stmt: Stmt | ScenarioSyntaxError;
}

/** Parse every line of a scenario; a bad line is kept as its ScenarioSyntaxError (the run goes on). */
export function parseScenario(text: string): ScenarioLine[] {
  return text
    .replace(/^\uFEFF/, "")
    .split("\n")
    .map((source, i) => {
      try {
        return { line: i + 1, source: source.replace(/\r$/, ""), stmt: parseLine(source.replace(/\r$/, "")) };
      } catch (e) {
        if (e instanceof ScenarioSyntaxError) return { line: i + 1, source, stmt: e };
        throw e;
      }
    });
}
