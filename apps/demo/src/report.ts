/*
 * report.ts — the scenario text around the interpreter that any front end needs, without I/O:
 * the machine flags a scenario names in its opening comments (`# i386mm: --mem 64M`) and the
 * kernel-style text of an error event (`lab.mm:10: kernel BUG at mm/page_alloc.c: ...`).
 * The CLI (main.ts) and the web explorer (apps/web) print errors with it, so both say the same.
 */

import type { RunEvent } from "./interpreter.js";

/** Flags from a scenario's `# i386mm: ...` lines (only in the leading comment block). */
export function scenarioFlags(text: string): string[] {
  const flags: string[] = [];
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t !== "" && !t.startsWith("#")) break;
    const m = /^#\s*i386mm:\s*(.*)$/.exec(t);
    if (m) flags.push(...m[1]!.split(/\s+/).filter(Boolean));
  }
  return flags;
}

/** Text form of an error event, kernel style: `<file>:<line>: kernel BUG at <src>: <message>`. */
export function formatError(file: string, ev: Extract<RunEvent, { t: "error" }>): string {
  const r = ev.report;
  const where = `${file}:${ev.line}`;
  if (r.kind === "BUG") return `${where}: kernel BUG at ${r.file ?? "?"}: ${r.message} [${r.type}]\n`;
  // A check the model adds where 2.6.11 has none: say so, and what the kernel would have done.
  if (r.kind === "check")
    return `${where}: i386mm check (not 2.6.11's): ${r.message}\n    2.6.11 would ${r.kernelWould ?? "go on"} (${r.modelled === false ? "the model refuses it even with --no-model-checks" : "--no-model-checks does that"})\n`;
  if (r.kind === "panic") return `${where}: ${r.message} [${r.type}]\n`;
  if (r.kind === "hang") return `${where}: i386mm: machine stopped: ${r.message} [${r.type}]\n`;
  if (r.kind === "invariant")
    return `${where}: ${r.message}\n${(r.problems ?? []).map((p) => `    - ${p}\n`).join("")}`;
  return `${where}: error: ${r.message}\n`;
}
