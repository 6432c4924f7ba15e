/*
 * kwargs.ts — keyword arguments of the scenario language: `exec("/bin/x", layout=classic,
 * stack=8M)`. C has none; they stand for what a user sets around a call in a shell (the
 * vm.legacy_va_layout sysctl, `ulimit -s`) so a lab sheet says it on the line it matters.
 * A binding declares the keywords it takes (KwParam); a keyword's value is an expression, or one
 * of the binding's words written bare (`classic`, `unlimited`), which needs no quotes.
 * Invariant: a call with an unknown, misspelt or ill-typed keyword fails before the kernel runs.
 */

import type { Expr, KwArg } from "./parser.js";
import type { Value } from "./values.js";

/** One keyword a binding accepts. */
export interface KwParam {
  readonly name: string;
  /** What a value must be besides one of the words: an integer (sizes: 8M), a string, or nothing else. */
  readonly type: "int" | "str" | "words";
  /** Bare words accepted as values (`classic`, `flexible`, `unlimited`). */
  readonly words?: readonly string[];
  /** One line for help: what it sets. */
  readonly doc: string;
}

/** A keyword argument that does not fit the binding (a scenario mistake, reported as the line's error). */
export class KwargError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

/** How the keywords of a call read in a message: `layout=classic|flexible, stack=<int>|unlimited`. */
export function kwSyntax(kw: readonly KwParam[]): string {
  return kw
    .map((k) => `${k.name}=${[...(k.type === "words" ? [] : [`<${k.type}>`]), ...(k.words ?? [])].join("|")}`)
    .join(", ");
}

/**
 * Check and convert a call's keyword arguments: a record from keyword to a number or a string
 * (a word is its string). `evaluate` computes an expression's value.
 */
export function convertKwargs(
  fn: string,
  accepted: readonly KwParam[] | undefined,
  kwargs: readonly KwArg[] | undefined,
  evaluate: (e: Expr) => Value,
): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  if (!kwargs?.length) return out;
  if (!accepted?.length)
    throw new KwargError(`${fn}: takes no keyword arguments (found '${kwargs[0]!.name}=')`);
  for (const a of kwargs) {
    const p = accepted.find((k) => k.name === a.name);
    if (!p) throw new KwargError(`${fn}: unknown keyword '${a.name}' (${kwSyntax(accepted)})`);
    if (a.e.k === "var" && p.words?.includes(a.e.name)) {
      out[a.name] = a.e.name;
      continue;
    }
    // A bare word that is none of the accepted ones (nor a variable): name the accepted ones.
    let v: Value;
    try {
      v = evaluate(a.e);
    } catch (e) {
      if (a.e.k === "var" && p.words?.length)
        throw new KwargError(
          `${fn}: ${a.name}= must be ${[...(p.type === "int" ? ["a number"] : []), ...p.words].join(" or ")}, not '${a.e.name}'`,
        );
      throw e;
    }
    if (v.t === "str" && (p.type === "str" || p.words?.includes(v.v))) out[a.name] = v.v;
    else if (v.t === "num" && p.type === "int") out[a.name] = v.v;
    else
      throw new KwargError(
        `${fn}: ${a.name}= must be ${[...(p.type === "words" ? [] : [p.type === "int" ? "a number" : "a string"]), ...(p.words ?? [])].join(" or ")}`,
      );
  }
  return out;
}
