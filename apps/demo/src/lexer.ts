/*
 * lexer.ts — tokens of the scenario language: one C-like statement per line, as the book writes
 * kernel calls (`p = alloc_pages(GFP_KERNEL|__GFP_ZERO, 3)`).
 * Tokens: identifiers (kernel names keep their exact spelling, leading underscores included),
 * decimal and 0x-hex numbers (C suffixes U/L accepted and ignored; a K, M or G suffix multiplies by
 * 2^10, 2^20 or 2^30 as the kernel's memparse does: `stack=8M`), "strings" with C escapes
 * (\n \t \0 \\ \" and \xHH, exactly two hex digits), operators and punctuation. `#` outside a
 * string starts a comment that runs to the end of line.
 * Invariant: every token records its 1-based column, so errors can point at it.
 */

/** A token kind. */
export type TokenKind = "ident" | "num" | "str" | "op" | "eof";

/** One token with its source column (1-based). */
export interface Token {
  readonly kind: TokenKind;
  /** The identifier, operator or string contents (escapes resolved). */
  readonly text: string;
  /** Numeric value of a `num` token. */
  readonly value: number;
  readonly col: number;
}

/** A malformed line: the message names the column, as a compiler would. */
export class ScenarioSyntaxError extends Error {
  readonly col: number;
  constructor(message: string, col: number) {
    super(message);
    this.name = "ScenarioSyntaxError";
    this.col = col;
  }
}

/** A decimal or 0x-hex number with C's U/L suffixes, read in place (sticky). */
const NUMBER = /(0[xX][0-9a-fA-F]+|[0-9]+)([kKmMgG]|[uUlL]*)/y;
/** memparse's size suffixes (lib/cmdline.c): K, M, G, either case. */
const SIZE_SUFFIX: Readonly<Record<string, number>> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };
/** The word a malformed number is part of, for the message. */
const WORD = /[A-Za-z0-9_]+/y;

// Longest first, so "<<" wins over "<".
const OPERATORS = ["->", "<<", ">>", "==", "!=", "<=", ">=", "++", "&&", "||", ..."()[],=|&^~+-*/%<>!;"];

/** Index of the `#` that starts a comment, or -1 (a `#` inside a string does not count). */
export function commentStart(line: string): number {
  let inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inStr) {
      if (c === "\\") i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === "#") return i;
  }
  return -1;
}

/** Split one source line (comment already removed or not) into tokens, ending with `eof`. */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const cut = commentStart(line);
  const src = cut >= 0 ? line.slice(0, cut) : line;
  while (i < src.length) {
    const c = src[i]!;
    // A UTF-8 byte-order mark (U+FEFF) is whitespace, as C compilers skip it at the start of a file.
    if (c === " " || c === "\t" || c === "\r" || c === "\uFEFF") {
      i++;
      continue;
    }
    const col = i + 1;
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < src.length && /[A-Za-z0-9_]/.test(src[j]!)) j++;
      out.push({ kind: "ident", text: src.slice(i, j), value: 0, col });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      // A sticky regexp reads from i without copying the rest of the line (linear time).
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src)!;
      const body = m[1]!;
      const after = src[i + m[0].length];
      if (after !== undefined && /[A-Za-z0-9_]/.test(after)) {
        WORD.lastIndex = i;
        throw new ScenarioSyntaxError(`malformed number '${WORD.exec(src)![0].slice(0, 40)}'`, col);
      }
      const scale = SIZE_SUFFIX[m[2]!.toLowerCase()] ?? 1;
      const value = Number(body) * scale;
      if (!Number.isSafeInteger(value)) throw new ScenarioSyntaxError(`number ${body} is too large`, col);
      out.push({ kind: "num", text: m[0], value, col });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = "";
      for (;;) {
        if (j >= src.length) throw new ScenarioSyntaxError("unterminated string", col);
        const d = src[j]!;
        if (d === '"') break;
        if (d === "\\") {
          const e = src[j + 1];
          // \xHH: one byte by two hex digits (exactly two: C reads on while digits follow)
          if (e === "x") {
            const hh = src.slice(j + 2, j + 4);
            if (!/^[0-9a-fA-F]{2}$/.test(hh))
              throw new ScenarioSyntaxError("\\x needs two hex digits (\\x00 .. \\xff)", j + 1);
            s += String.fromCharCode(Number.parseInt(hh, 16));
            j += 4;
            continue;
          }
          const map: Record<string, string> = { n: "\n", t: "\t", "\\": "\\", '"': '"', "0": "\0" };
          if (e === undefined || map[e] === undefined)
            throw new ScenarioSyntaxError(`unknown escape '\\${e ?? ""}' in string`, j + 1);
          s += map[e];
          j += 2;
          continue;
        }
        s += d;
        j++;
      }
      out.push({ kind: "str", text: s, value: 0, col });
      i = j + 1;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) {
      const shown = /[\x21-\x7e]/.test(c)
        ? `'${c}'`
        : `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
      throw new ScenarioSyntaxError(`unexpected character ${shown}`, col);
    }
    out.push({ kind: "op", text: op, value: 0, col });
    i += op.length;
  }
  out.push({ kind: "eof", text: "", value: 0, col: src.length + 1 });
  return out;
}
