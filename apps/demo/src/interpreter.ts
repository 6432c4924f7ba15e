/*
 * interpreter.ts — runs scenario statements against a booted kernel (KernelApi).
 * Each statement yields events (a result, an echo, a view, kernel messages, an error) that the
 * CLI prints as text or JSON. A failing statement — kernel BUG, syntax error, unknown name, type
 * mismatch, failed assert or check — becomes an error event carrying its line number and the run
 * goes on, unless `strict` is set, in which case the run stops at the first one.
 * Invariant: a statement that fails leaves its variables untouched (assignment happens last), and
 * the layers guarantee a BUG leaves their state as before the call.
 */

import { cParamTypes, type ParamType, PROTOTYPES_2611 } from "./bindings.js";
import { type Binding, type ErrorReport, type KernelApi, TypedResult } from "./kernel-api.js";
import { convertKwargs, KwargError } from "./kwargs.js";
import { ScenarioSyntaxError } from "./lexer.js";
import { type Expr, type LValue, parseLine, type Stmt } from "./parser.js";
import {
  type FormatContext,
  formatValue,
  hex,
  NULL_VALUE,
  type NumKind,
  num,
  type Value,
  VOID_VALUE,
  valueToJson,
} from "./values.js";

/** What one statement produced. */
export type RunEvent =
  | { readonly t: "stmt"; readonly line: number; readonly source: string }
  | {
      readonly t: "result";
      readonly line: number;
      readonly text: string;
      readonly json: unknown;
      readonly name?: string;
    }
  | { readonly t: "echo"; readonly line: number; readonly text: string }
  | {
      readonly t: "view";
      readonly line: number;
      readonly name: string;
      readonly lines: readonly string[];
      readonly json: unknown;
      /** The view is not 2.6.11's: one sentence saying where it comes from (ViewOutput.note). */
      readonly note?: string;
    }
  | { readonly t: "dmesg"; readonly line: number; readonly text: string }
  | { readonly t: "error"; readonly line: number; readonly report: ErrorReport }
  | { readonly t: "expected"; readonly line: number; readonly report: ErrorReport };

/** A statement-level failure that is the scenario's fault, not the kernel's. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

/** Loops of up to LOOP_SHOW_ALL iterations print every result; longer ones the first LOOP_SHOWN, a count, the last. */
const LOOP_SHOW_ALL = 8;
const LOOP_SHOWN = 2;
/** Upper bound on one for-loop, so a typo cannot hang the CLI. */
export const MAX_LOOP = 1 << 20;

/** Interpreter options. */
export interface InterpreterOptions {
  /** Stop at the first error (--strict). */
  readonly strict?: boolean;
}

/** The scenario interpreter: variables plus a kernel. */
export class Interpreter {
  readonly vars = new Map<string, Value>();
  errors = 0;
  stopped = false;
  private events: RunEvent[] = [];
  private line = 0;

  constructor(
    readonly kernel: KernelApi,
    readonly opts: InterpreterOptions = {},
  ) {}

  /** Run every line of a scenario text; returns all events. */
  runScript(text: string): RunEvent[] {
    const out: RunEvent[] = [];
    // A UTF-8 byte-order mark is not part of line 1.
    const lines = text.replace(/^\uFEFF/, "").split("\n");
    for (let i = 0; i < lines.length && !this.stopped; i++) {
      out.push(...this.runLine(lines[i]!.replace(/\r$/, ""), i + 1));
    }
    return out;
  }

  /** Parse and run one line; returns its events. */
  runLine(source: string, line: number): RunEvent[] {
    this.events = [];
    this.line = line;
    let stmt: Stmt;
    try {
      stmt = parseLine(source);
    } catch (e) {
      this.events.push({ t: "stmt", line, source });
      // parseLine throws only ScenarioSyntaxError; anything else is a parser bug, still reported
      // as this line's error rather than a JS exception.
      this.fail(
        e instanceof ScenarioSyntaxError
          ? { kind: "error", type: "SyntaxError", message: `syntax error at column ${e.col}: ${e.message}` }
          : {
              kind: "error",
              type: "SyntaxError",
              message: `syntax error: the line could not be parsed (${String(e)})`,
            },
      );
      return this.events;
    }
    if (stmt.k === "empty") return this.events;
    if (stmt.k !== "echo") this.events.push({ t: "stmt", line, source: source.trim() });
    this.lastCall = undefined;
    const halted = this.kernel.halted;
    if (halted && stmt.k !== "echo" && stmt.k !== "cat") {
      // A panicked (or hung) kernel runs nothing more; its /proc files can still be read, as a
      // crash dump would be.
      this.fail({
        kind: halted.kind,
        type: "MachineHalted",
        message: `the machine ${halted.kind === "panic" ? "panicked" : "hung"} in ${halted.call} and runs nothing more (${halted.message})`,
      });
      return this.events;
    }
    this.exec(stmt, false);
    return this.events;
  }

  private fail(report: ErrorReport): void {
    this.errors++;
    this.events.push({ t: "error", line: this.line, report });
    if (this.opts.strict) this.stopped = true;
  }

  private flushMessages(): void {
    for (const text of this.kernel.drainMessages()) this.events.push({ t: "dmesg", line: this.line, text });
  }

  /** Run one statement; returns false when it failed. */
  private exec(stmt: Stmt, quiet: boolean): boolean {
    try {
      this.execInner(stmt, quiet);
      this.flushMessages();
      return true;
    } catch (e) {
      this.flushMessages();
      this.fail(this.report(e));
      return false;
    }
  }

  private report(e: unknown): ErrorReport {
    if (e instanceof ScenarioError || e instanceof KwargError)
      return { kind: "error", type: "ScenarioError", message: e.message };
    return this.kernel.classifyError(e, this.lastCall);
  }

  private lastCall: string | undefined;

  private get fmt(): FormatContext {
    const k = this.kernel;
    return { page: (pfn) => k.pageInfo(pfn), object: (kind, o) => k.object(kind, o), errnos: k.errnos };
  }

  private execInner(stmt: Stmt, quiet: boolean): void {
    switch (stmt.k) {
      case "empty":
        return;
      case "echo":
        this.events.push({ t: "echo", line: this.line, text: this.interpolate(stmt.text) });
        return;
      case "assign": {
        // As the C compiler would: reject `x = f()` for a void f before anything runs.
        if (stmt.e.k === "call" && this.kernel.bindings.get(stmt.e.name)?.sig?.ret === "void")
          throw new ScenarioError("void value not ignored as it ought to be");
        const v = this.eval(stmt.e);
        if (v.t === "void") throw new ScenarioError("void value not ignored as it ought to be");
        this.assign(stmt.target, v);
        if (!quiet)
          this.result(v, stmt.target.name + (stmt.target.index ? `[${this.indexOf(stmt.target)}]` : ""));
        return;
      }
      case "expr": {
        const v = this.eval(stmt.e);
        // A function that renders a file (extfrag_index, unusable_index) prints it as a view.
        if (!quiet && v.t === "str" && v.v.includes("\n")) {
          const lines = v.v.replace(/\n$/, "").split("\n");
          const name = stmt.e.k === "call" ? stmt.e.name : "text";
          this.events.push({ t: "view", line: this.line, name, lines, json: { lines } });
          return;
        }
        if (!quiet && v.t !== "void") this.result(v);
        return;
      }
      case "cat": {
        // /proc/$pid/maps: the pid comes from a variable.
        const name = stmt.path
          .replace(/\$\{?(\w+)\}?/, (_, v: string) =>
            String(this.asNumber(this.eval({ k: "var", name: v, col: 0 }), "cat: the pid")),
          )
          .slice("/proc/".length);
        const view = this.kernel.view(name);
        if (!view)
          throw new ScenarioError(
            `cat: ${stmt.path}: No such file or directory (views: ${this.kernel.views.join(", ")})`,
          );
        this.events.push({
          t: "view",
          line: this.line,
          name,
          lines: view.lines,
          json: view.json,
          ...(view.note ? { note: view.note } : {}),
        });
        return;
      }
      case "translate": {
        const v = this.eval(stmt.e);
        if (v.t === "num" && v.kind === "page")
          throw new ScenarioError(
            "translate: the address must be a virtual address, not a struct page * (use page_address(page))",
          );
        const va = this.asNumber(v, "translate: the address");
        const access = {
          write: stmt.access.includes("write"),
          user: stmt.access.includes("user") || stmt.pid !== undefined,
          fetch: stmt.access.includes("fetch"),
        };
        let out: import("./kernel-api.js").ViewOutput;
        if (stmt.pid !== undefined) {
          const pid = this.asNumber(this.eval(stmt.pid), "translate: the pid");
          if (!this.kernel.translateTask) throw new ScenarioError("translate: this build has no processes");
          out = this.kernel.translateTask(pid, va >>> 0, access);
        } else out = this.kernel.translate(va >>> 0, access);
        this.events.push({ t: "view", line: this.line, name: "translate", lines: out.lines, json: out.json });
        return;
      }
      case "check": {
        const r = this.kernel.check();
        if (r.problems.length) {
          this.fail({
            kind: "invariant",
            type: "InvariantError",
            message: `check: ${r.problems.length} invariant(s) broken`,
            problems: r.problems,
          });
          return;
        }
        const text = `check: all invariants hold (${r.layers.join(", ")})`;
        this.events.push({ t: "result", line: this.line, text, json: { check: "ok", layers: r.layers } });
        return;
      }
      case "assert": {
        const v = this.eval(stmt.e);
        if (!truthy(v)) throw new ScenarioError(`assertion failed: ${stmt.text ?? formatExpr(stmt.e)}`);
        return;
      }
      case "cpu": {
        const n = this.asNumber(this.eval(stmt.e), "cpu");
        if (!Number.isInteger(n) || n < 0 || n >= this.kernel.nr_cpus)
          throw new ScenarioError(`cpu ${n}: this machine has CPUs 0..${this.kernel.nr_cpus - 1}`);
        this.kernel.setCpu(n);
        this.events.push({ t: "result", line: this.line, text: `now running on CPU ${n}`, json: { cpu: n } });
        return;
      }
      case "for":
        this.execFor(stmt);
        return;
      case "expect_error": {
        // Run the body on its own event list; an error is the expected outcome.
        const outer = this.events;
        this.events = [];
        let failure: ErrorReport | undefined;
        try {
          this.execInner(stmt.body, false);
        } catch (e) {
          failure = this.report(e);
        }
        this.flushMessages();
        const inner = this.events;
        this.events = outer;
        outer.push(...inner);
        if (!failure)
          throw new ScenarioError("expect_error: the statement succeeded, but an error was expected");
        outer.push({ t: "expected", line: this.line, report: failure });
        return;
      }
    }
  }

  private execFor(stmt: Extract<Stmt, { k: "for" }>): void {
    const from = this.asNumber(this.eval(stmt.from), "for: the start");
    const to = this.asNumber(this.eval(stmt.to), "for: the bound");
    if (to - from > MAX_LOOP) throw new ScenarioError(`for: more than ${MAX_LOOP} iterations`);
    const outer = this.events;
    let last: RunEvent[] = [];
    let n = 0;
    for (let i = from; i < to; i++) {
      this.vars.set(stmt.v, num(i));
      this.events = [];
      const ok = this.exec(stmt.body, false);
      const evs = this.events;
      this.events = outer;
      n++;
      if (!ok || n <= LOOP_SHOWN || to - from <= LOOP_SHOW_ALL) {
        outer.push(...evs);
        if (!ok) return; // the error is already counted; the loop stops
        continue;
      }
      // Later iterations: kernel messages always show; results only for the last iteration.
      outer.push(...evs.filter((e) => e.t === "dmesg"));
      last = evs.filter((e) => e.t !== "dmesg");
    }
    // As in C, the loop variable ends at the first value that failed the test.
    this.vars.set(stmt.v, num(Math.max(from, to)));
    if (to - from > LOOP_SHOW_ALL && n > LOOP_SHOWN + 1)
      outer.push({
        t: "echo",
        line: this.line,
        text: `      ... ${n - LOOP_SHOWN - 1} more iteration(s) ...`,
      });
    outer.push(...last);
  }

  private result(v: Value, name?: string): void {
    const text = formatValue(v, this.fmt);
    const json = valueToJson(v, (pfn) => this.kernel.pageInfo(pfn));
    this.events.push(
      name === undefined
        ? { t: "result", line: this.line, text, json }
        : { t: "result", line: this.line, text: `${name} = ${text}`, json, name },
    );
  }

  private indexOf(t: LValue): number {
    return this.asNumber(this.eval(t.index!), "array index");
  }

  private assign(t: LValue, v: Value): void {
    if (this.kernel.constants.has(t.name) || this.kernel.bindings.has(t.name))
      throw new ScenarioError(
        `cannot assign to '${t.name}': it is a kernel ${this.kernel.bindings.has(t.name) ? "function" : "constant"}`,
      );
    if (t.index === undefined) {
      this.vars.set(t.name, v);
      return;
    }
    const idx = this.indexOf(t);
    if (!Number.isInteger(idx) || idx < 0)
      throw new ScenarioError(`array index ${idx} is not a non-negative integer`);
    let arr = this.vars.get(t.name);
    if (arr === undefined) {
      arr = { t: "array", items: new Map() };
      this.vars.set(t.name, arr);
    }
    if (arr.t !== "array") throw new ScenarioError(`'${t.name}' is not an array`);
    arr.items.set(idx, v);
  }

  /** Replace `$name` and `${expr-name}` in echo text with the variables' printed values. */
  private interpolate(text: string): string {
    // `$name`, `${name}`, and `$name[i]` for an array element (i a number or a variable).
    const re = /\$\{(\w+)\}|\$(\w+)(?:\[(\w+)\])?/g;
    return text.replace(re, (all, a: string | undefined, b: string | undefined, idx: string | undefined) => {
      const name = (a ?? b)!;
      const v = this.vars.get(name);
      if (v !== undefined && idx !== undefined && v.t === "array") {
        const iv = /^\d+$/.test(idx) ? Number(idx) : this.vars.get(idx);
        const i = typeof iv === "number" ? iv : iv?.t === "num" ? iv.v : undefined;
        const el = i === undefined ? undefined : v.items.get(i);
        return el === undefined ? all : formatValue(el, this.fmt);
      }
      if (v !== undefined) return formatValue(v, this.fmt) + (idx !== undefined ? `[${idx}]` : "");
      const c = this.kernel.constants.get(name);
      return c !== undefined ? hex(c) : all;
    });
  }

  private asNumber(v: Value, what: string): number {
    if (v.t === "num") return v.v;
    if (v.t === "null") return 0;
    throw new ScenarioError(`${what} must be a number, not ${describeValue(v)}`);
  }

  /** Evaluate an expression. */
  eval(e: Expr): Value {
    switch (e.k) {
      case "num":
        return num(e.v);
      case "str":
        return { t: "str", v: e.v };
      case "null":
        return NULL_VALUE;
      case "var": {
        const v = this.vars.get(e.name);
        if (v !== undefined) return v;
        const c = this.kernel.constants.get(e.name);
        if (c !== undefined) return num(c, this.kernel.constantKinds?.get(e.name) ?? "int");
        const g = this.kernel.global?.(e.name);
        if (g !== undefined) return g === null ? NULL_VALUE : { t: "obj", kind: g.kind, v: g.v };
        if (this.kernel.bindings.has(e.name))
          throw new ScenarioError(`'${e.name}' is a function: call it as ${e.name}(...)`);
        throw new ScenarioError(`'${e.name}' undeclared (not a variable, kernel constant or function)`);
      }
      case "call":
        return this.call(e);
      case "index": {
        const arr = this.eval(e.target);
        if (arr.t !== "array") throw new ScenarioError(`subscripted value is not an array`);
        const i = this.asNumber(this.eval(e.index), "array index");
        const v = arr.items.get(i);
        if (v === undefined) throw new ScenarioError(`array element [${i}] was never assigned`);
        return v;
      }
      case "member":
        return this.member(this.eval(e.target), e.field);
      case "unary": {
        // A chain of prefix operators (- - - x) is evaluated in a loop, innermost first.
        const ops: string[] = [];
        let inner: Expr = e;
        while (inner.k === "unary") {
          ops.push(inner.op);
          inner = inner.e;
        }
        let v = this.eval(inner);
        for (let i = ops.length - 1; i >= 0; i--) v = this.unary(ops[i]!, v);
        return v;
      }
      case "bin":
        return this.binary(e);
    }
  }

  /** One prefix operator applied to a value. */
  private unary(op: string, v: Value): Value {
    if (op === "!") return num(truthy(v) ? 0 : 1, "bool");
    if (op === "*") {
      if (v.t === "num" && v.kind === "ptep") return num(this.kernel.deref_pte(v.v), "entry");
      throw new ScenarioError(
        `cannot dereference ${describeValue(v)}: a scenario reads memory only through a pte_t * (from lookup_address)`,
      );
    }
    const n = this.asNumber(v, `operand of '${op}'`);
    if (op === "-") return num(-n);
    // ~ on a 32-bit value stays 32-bit; a wider one (a PAE entry) complements 64 bits.
    if (n <= 0xffffffff && n >= 0) return num(~n >>> 0, kindOf(v));
    if (!Number.isSafeInteger(n)) throw new ScenarioError(`operand of '~' is not an exact integer`);
    const big = BigInt.asUintN(64, ~BigInt(n));
    if (big > BigInt(Number.MAX_SAFE_INTEGER))
      throw new ScenarioError(`'~' of ${hex(n)} does not fit the language's exact integers (2^53)`);
    return num(Number(big), kindOf(v));
  }

  private member(v: Value, field: string): Value {
    if (v.t === "obj") {
      const sub = this.kernel.objectField?.(v.kind, v.v, field);
      if (sub === null) return NULL_VALUE;
      if (Array.isArray(sub)) {
        const items = new Map<number, Value>();
        (sub as readonly { kind: string; v: object }[]).forEach((x, i) => {
          items.set(i, { t: "obj", kind: x.kind, v: x.v });
        });
        return { t: "array", items };
      }
      if (sub !== undefined) {
        const one = sub as { kind: string; v: object };
        return { t: "obj", kind: one.kind, v: one.v };
      }
      const f = (v.v as Record<string, unknown>)[field];
      if (typeof f === "number") return num(f, /addr|start|end|s_mem|base/i.test(field) ? "addr" : "int");
      if (typeof f === "string") return { t: "str", v: f };
      if (typeof f === "boolean") return num(f ? 1 : 0, "bool");
      throw new ScenarioError(`${v.kind} has no scalar field '${field}'`);
    }
    if (v.t === "num" && v.kind === "page") {
      const info = this.kernel.pageInfo(v.v);
      if (!info) throw new ScenarioError(`pfn ${hex(v.v)} is not in mem_map`);
      const fields: Record<string, Value> = {
        flags: num(info.flags),
        _count: num(info.count - 1),
        virtual: info.virt === null ? NULL_VALUE : num(info.virt, "addr"),
      };
      const f = fields[field];
      if (f) return f;
      throw new ScenarioError(`struct page field '${field}' is not readable here (flags, _count, virtual)`);
    }
    throw new ScenarioError(`'->${field}' applied to ${describeValue(v)}`);
  }

  /**
   * A binary expression. C's operators associate to the left, so a long chain (a + b + c ...)
   * is a deep left spine: walk down it, evaluate the leftmost operand, then apply each operator on
   * the way back up, all in a loop (short-circuit && and || included).
   */
  private binary(e: Extract<Expr, { k: "bin" }>): Value {
    const spine: Extract<Expr, { k: "bin" }>[] = [];
    let cur: Expr = e;
    while (cur.k === "bin") {
      spine.push(cur);
      cur = cur.l;
    }
    let acc = this.eval(cur);
    for (let i = spine.length - 1; i >= 0; i--) acc = this.binaryStep(spine[i]!, acc);
    return acc;
  }

  /** Apply one binary operator to an evaluated left operand. */
  private binaryStep(e: Extract<Expr, { k: "bin" }>, l: Value): Value {
    if (e.op === "&&") return num(truthy(l) && truthy(this.eval(e.r)) ? 1 : 0, "bool");
    if (e.op === "||") return num(truthy(l) || truthy(this.eval(e.r)) ? 1 : 0, "bool");
    const r = this.eval(e.r);
    if (e.op === "==" || e.op === "!=") {
      const eq = equal(l, r);
      return num((e.op === "==") === eq ? 1 : 0, "bool");
    }
    // struct page * arithmetic, as C's: page + n is the n-th descriptor after it, page - page a count.
    if (
      (e.op === "+" || e.op === "-") &&
      ((l.t === "num" && l.kind === "page") || (r.t === "num" && r.kind === "page"))
    ) {
      const lp = l.t === "num" && l.kind === "page";
      const rp = r.t === "num" && r.kind === "page";
      if (lp && rp && e.op === "-") return num((l as { v: number }).v - (r as { v: number }).v);
      if (rp && (lp || e.op === "-"))
        throw new ScenarioError(
          `invalid operands to '${e.op}' (${describeValue(l)} and ${describeValue(r)})`,
        );
      const base = lp ? (l as { v: number }).v : (r as { v: number }).v;
      const n = this.asNumber(lp ? r : l, `integer operand of '${e.op}'`);
      return num(exact(e.op === "+" ? base + n : base - n, e.op), "page");
    }
    const a = this.asNumber(l, `left operand of '${e.op}'`);
    const b = this.asNumber(r, `right operand of '${e.op}'`);
    const k = l.t === "num" && ["addr", "phys", "pfn", "entry"].includes(l.kind) ? l.kind : "int";
    switch (e.op) {
      case "<":
        return num(a < b ? 1 : 0, "bool");
      case "<=":
        return num(a <= b ? 1 : 0, "bool");
      case ">":
        return num(a > b ? 1 : 0, "bool");
      case ">=":
        return num(a >= b ? 1 : 0, "bool");
      case "+":
        return num(exact(a + b, e.op), k);
      case "-":
        return num(exact(a - b, e.op), k);
      case "*":
        return num(exact(a * b, e.op));
      case "/":
      case "%":
        if (b === 0) throw new ScenarioError("division by zero");
        return num(e.op === "/" ? Math.trunc(a / b) : a % b);
      default: {
        if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b))
          throw new ScenarioError(`operands of '${e.op}' must be exact integers`);
        if ((e.op === "<<" || e.op === ">>") && (b < 0 || b > 63))
          throw new ScenarioError(`shift count ${b} is outside 0..63`);
        const big = bitop(e.op, BigInt(a), BigInt(b));
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER))
          throw new ScenarioError(`'${e.op}' overflows the language's exact integers (2^53)`);
        return num(Number(big), e.op === "|" || e.op === "&" ? k : "int");
      }
    }
  }

  private call(e: Extract<Expr, { k: "call" }>): Value {
    const b = this.kernel.bindings.get(e.name);
    if (!b) {
      if (this.vars.has(e.name)) throw new ScenarioError(`called object '${e.name}' is not a function`);
      throw new ScenarioError(
        `implicit declaration of function '${e.name}' (no layer of this build implements it)`,
      );
    }
    const argv = e.args.map((a) => this.eval(a));
    const args = convertArgs(b, argv, {
      pteBits: this.kernel.pteBits ?? 64,
      warn: (text) => this.events.push({ t: "echo", line: this.line, text: `      ${text}` }),
    });
    const kw = convertKwargs(e.name, b.kw, e.kwargs, (x) => this.eval(x));
    this.lastCall = e.name;
    const r = e.kwargs ? b.call(args, kw) : b.call(args);
    return convertResult(b, r);
  }
}

/** The language's integers are exact (JS safe integers, |n| < 2^53): a result beyond is an error. */
function exact(n: number, op: string): number {
  if (!Number.isSafeInteger(n))
    throw new ScenarioError(`'${op}' overflows the language's exact integers (2^53)`);
  return n;
}

function bitop(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case "|":
      return a | b;
    case "&":
      return a & b;
    case "^":
      return a ^ b;
    case "<<":
      return a << b;
    default:
      return a >> b;
  }
}

function kindOf(v: Value): NumKind {
  return v.t === "num" ? v.kind : "int";
}

/** C truth: NULL, 0 and the empty string are false. */
export function truthy(v: Value): boolean {
  switch (v.t) {
    case "null":
    case "void":
      return false;
    case "num":
      return v.v !== 0;
    case "str":
      return v.v.length > 0;
    default:
      return true;
  }
}

function equal(l: Value, r: Value): boolean {
  const n = (v: Value): number | string | object | null =>
    v.t === "null" ? 0 : v.t === "num" ? v.v : v.t === "str" ? v.v : v.t === "obj" ? v.v : null;
  // struct page * NULL is the pfn-less NULL: a page value never equals NULL, even pfn 0.
  if (
    (l.t === "null" && r.t === "num" && r.kind === "page") ||
    (r.t === "null" && l.t === "num" && l.kind === "page")
  )
    return false;
  return n(l) === n(r);
}

/** How a value reads in an error message. */
export function describeValue(v: Value): string {
  switch (v.t) {
    case "num":
      return v.kind === "page"
        ? "a struct page *"
        : v.kind === "int"
          ? `the integer ${v.v > 0xffff ? hex(v.v) : v.v}`
          : `the ${v.kind} ${hex(v.v)}`;
    case "null":
      return "NULL";
    case "str":
      return "a string";
    case "obj":
      return `a ${v.kind} *`;
    case "array":
      return "an array";
    case "void":
      return "void";
  }
}

/** What argument conversion needs to know about the machine: the width of a pte_t. */
export interface ConvertOptions {
  /** 32 on a 2-level build, 64 with PAE (pte_t, pgprot_t). Default 64 (no truncation). */
  readonly pteBits?: 32 | 64;
  /** Receives a compiler-style warning when an argument does not fit its C type. */
  readonly warn?: (text: string) => void;
}

/**
 * Convert a binding's arguments: 2.6.11's form, or else the later kernels' form the seed uses
 * (Signature.later), whose arguments are then mapped onto the 2.6.11 call.
 */
export function convertArgs(b: Binding, argv: readonly Value[], opts: ConvertOptions = {}): unknown[] {
  const later = b.sig?.later;
  if (!later || !b.sig || argv.length !== later.params.length) return convertArgsFor(b, argv, opts, false);
  const viaLater = (): unknown[] => {
    const alt: Binding = { ...b, sig: { ...b.sig!, params: later.params } };
    const args = convertArgsFor(alt, argv, opts, true);
    return later.adapt ? later.adapt(args) : args;
  };
  if (argv.length !== b.sig.params.length) return viaLater();
  // Same argument count (kmem_freepages): 2.6.11's types first, the later form's if they do not fit.
  try {
    return convertArgsFor(b, argv, opts, false);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    try {
      return viaLater();
    } catch {
      throw e;
    }
  }
}

/** C's conversion of an integer argument to its parameter type (only values that do not fit change). */
function fitC(cType: string, v: number, opts: ConvertOptions, where: string): number {
  if (!Number.isFinite(v) || !Number.isInteger(v)) return v;
  const t = cType.replace(/\b(const|volatile|__iomem|__user)\b/g, "").trim();
  let bits: number;
  let signed = false;
  if (/\b(pte_t|pgprot_t|pmd_t|pgd_t)\b/.test(t)) bits = opts.pteBits ?? 64;
  else if (/long long|u64/.test(t)) bits = 64;
  else if (t.includes("*") || /\bunsigned\b|\bsize_t\b/.test(t)) bits = 32;
  else if (/\b(int|long|ssize_t|enum)\b/.test(t)) {
    bits = 32;
    signed = true;
  } else return v;
  if (bits === 64) return v;
  // A negative value for an unsigned parameter is its two's complement (pfn_to_page(-1) names
  // pfn 0xffffffff); other values representable in 32 bits pass unchanged. Anything wider keeps
  // its low 32 bits, as C does, with the warning a compiler gives.
  if (!signed && v < 0 && v >= -(2 ** 31)) return v >>> 0;
  if (v >= -(2 ** 31) && v < 2 ** 32) return v;
  const out = signed && v < 0 ? v | 0 : Number(BigInt.asUintN(32, BigInt(v)));
  opts.warn?.(
    `warning: ${where}: ${hex(v)} does not fit ${cType || "its type"}; C passes ${out < 0 ? out : hex(out)}`,
  );
  return out;
}

function convertArgsFor(
  b: Binding,
  argv: readonly Value[],
  opts: ConvertOptions,
  laterForm: boolean,
): unknown[] {
  if (!b.sig) {
    return argv.map((v) => {
      switch (v.t) {
        case "num":
        case "str":
          return v.v;
        case "null":
          return null;
        case "obj":
          return v.v;
        case "array":
          return [...v.items.values()].map((x) => (x.t === "num" ? x.v : null));
        default:
          throw new ScenarioError(`${b.name}: void value passed as an argument`);
      }
    });
  }
  const params = b.sig.params;
  // Trailing function-pointer parameters (a destructor) may be left out, as older call sites did.
  let need = params.length;
  while (need > 0 && params[need - 1]![0] === "fn" && need > argv.length) need--;
  if (argv.length < need || argv.length > params.length) {
    const proto = params.map(([, n]) => n).join(", ");
    throw new ScenarioError(
      `${b.name}: ${argv.length < need ? "too few" : "too many"} arguments (${b.name}(${proto}) takes ${need === params.length ? need : `${need}..${params.length}`}, got ${argv.length})`,
    );
  }
  const proto = PROTOTYPES_2611[b.name];
  const cTypes = proto && !laterForm ? cParamTypes(proto) : [];
  // A missing trailing destructor is NULL; a later form passes exactly its own arguments.
  const given = laterForm ? params.slice(0, argv.length) : params;
  return given.map(([type, pname], i) => {
    const v = argv[i];
    const where = `${b.name}: argument ${i + 1} (${pname})`;
    if (v === undefined) return null;
    const fit = (n: number): number => fitC(cTypes[i] ?? C_PARAM_TYPE[type], n, opts, where);
    switch (type) {
      case "page":
        if (v.t === "null") return null;
        if (v.t === "num" && v.kind === "page") return v.v;
        throw new ScenarioError(`${where} must be a struct page *, not ${describeValue(v)}${hintPage(v)}`);
      case "cache":
      case "zone":
        if (v.t === "obj" && v.kind === (type === "cache" ? "kmem_cache_t" : "struct zone")) return v.v;
        if (v.t === "null") return null;
        throw new ScenarioError(
          `${where} must be a ${type === "cache" ? "kmem_cache_t" : "struct zone"} *, not ${describeValue(v)}`,
        );
      case "str":
        if (v.t === "str") return v.v;
        if (v.t === "null") return null;
        throw new ScenarioError(`${where} must be a string, not ${describeValue(v)}`);
      case "fn":
        if (v.t === "null") return null;
        throw new ScenarioError(`${where}: a scenario can only pass NULL as a function pointer`);
      case "pages": {
        if (v.t !== "array")
          throw new ScenarioError(`${where} must be an array of struct page *, not ${describeValue(v)}`);
        const out: number[] = [];
        for (let k = 0; k < v.items.size; k++) {
          const x = v.items.get(k);
          if (x?.t !== "num" || x.kind !== "page")
            throw new ScenarioError(`${where}: element [${k}] is not a struct page *`);
          out.push(x.v);
        }
        return out;
      }
      case "entry":
        if (v.t === "num" && v.kind === "ptep")
          throw new ScenarioError(
            `${where} must be a pte_t, not the pte_t * ${hex(v.v, 8)} (dereference it: *ptep)`,
          );
        if (v.t === "null") return 0;
        if (v.t === "num" && v.kind !== "page") return fitEntry(v.v, opts);
        throw new ScenarioError(`${where} must be a page-table entry, not ${describeValue(v)}`);
      case "addr":
        if (v.t === "null") return null;
        if (v.t === "num" && v.kind !== "page") return fit(v.v);
        throw new ScenarioError(`${where} must be an address, not ${describeValue(v)}${hintPage(v)}`);
      default:
        if (v.t === "null") return 0;
        if (v.t === "num" && v.kind !== "page") return fit(v.v);
        throw new ScenarioError(`${where} must be an integer, not ${describeValue(v)}`);
    }
  });
}

/** C parameter type of each argument kind, where 2.6.11's prototype is not in PROTOTYPES_2611. */
const C_PARAM_TYPE: Readonly<Record<ParamType, string>> = {
  int: "int",
  gfp: "unsigned int",
  addr: "void *",
  phys: "unsigned long",
  pfn: "unsigned long",
  page: "struct page *",
  cache: "kmem_cache_t *",
  zone: "struct zone *",
  str: "const char *",
  fn: "void (*)(void)",
  pages: "struct page **",
  entry: "pte_t",
};

/** A pte_t / pgprot_t argument: 32 bits on a 2-level build (no NX bit exists there). */
function fitEntry(v: number, opts: ConvertOptions): number {
  return opts.pteBits === 32 ? v >>> 0 : v;
}

function hintPage(v: Value): string {
  if (v.t === "num" && v.kind === "page") return " (use page_address(page) for its address)";
  if (v.t === "num" && v.kind === "addr") return " (use virt_to_page(addr) for its struct page)";
  return "";
}

/** Tag a layer's return value with the kernel type of the binding's signature. */
export function convertResult(b: Binding, r: unknown): Value {
  if (r instanceof TypedResult) return r.value;
  if (r === undefined) return VOID_VALUE;
  if (r === null) return NULL_VALUE;
  const ret = b.sig?.ret;
  if (typeof r === "boolean") return num(r ? 1 : 0, "bool");
  if (typeof r === "number") {
    if (!ret || ret === "void") return num(r);
    if (
      ret === "cache" ||
      ret === "zone" ||
      ret === "pgdat" ||
      ret === "vm_struct" ||
      ret === "slab" ||
      ret === "struct"
    )
      return num(r);
    if (ret === "addr") return num(r >>> 0 === r || r > 0xffffffff ? r : r >>> 0, "addr");
    return num(r, ret);
  }
  if (typeof r === "string") return { t: "str", v: r };
  if (typeof r === "object") {
    const kind =
      ret === "cache"
        ? "kmem_cache_t"
        : ret === "pgdat"
          ? "pg_data_t"
          : ret === "zone"
            ? "struct zone"
            : ret === "vm_struct"
              ? "struct vm_struct"
              : ret === "slab"
                ? "struct slab"
                : "struct";
    return { t: "obj", kind, v: r };
  }
  return num(Number(r));
}

/** Expression back to source text (for assert messages). */
export function formatExpr(e: Expr): string {
  switch (e.k) {
    case "num":
      return e.v > 9 ? hex(e.v) : `${e.v}`;
    case "str":
      return JSON.stringify(e.v);
    case "null":
      return "NULL";
    case "var":
      return e.name;
    case "call":
      return `${e.name}(${[...e.args.map(formatExpr), ...(e.kwargs ?? []).map((a) => `${a.name}=${formatExpr(a.e)}`)].join(", ")})`;
    case "index":
      return `${formatExpr(e.target)}[${formatExpr(e.index)}]`;
    case "member":
      return `${formatExpr(e.target)}->${e.field}`;
    case "unary":
      return `${e.op}${formatExpr(e.e)}`;
    case "bin":
      return `${formatExpr(e.l)} ${e.op} ${formatExpr(e.r)}`;
  }
}
