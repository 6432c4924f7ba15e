/*
 * check-cmd.ts — `i386mm check [SCRIPT] [--hash]`: boot, run the scenario quietly (when given),
 * then the whole-machine check (every layer's checker and the cross-layer ones of
 * @i386mm/kernel), and with --hash the hash of the whole machine state (machineHash): the same
 * options and scenario give the same hash on every run and every machine.
 * Exit codes: 0 when every invariant holds and the scenario ran without errors, 1 otherwise.
 */
import type { Invocation } from "./args.js";
import { Interpreter } from "./interpreter.js";
import type { Kernel } from "./kernel.js";
import { EXIT_OK, EXIT_SCENARIO } from "./usage-error.js";

/** What check needs of the CLI's Io. */
export interface CheckIo {
  out(text: string): void;
}

/** Run `i386mm check`. */
export function runCheck(
  kernel: Kernel,
  inv: Invocation,
  script: { name: string; text: string } | undefined,
  io: CheckIo,
): number {
  let errors = 0;
  if (script) {
    const interp = new Interpreter(kernel, { strict: false });
    interp.runScript(script.text);
    errors = interp.errors;
  }
  kernel.drainMessages();
  const r = kernel.check();
  const hash = inv.hash ? kernel.hash() : undefined;
  if (inv.json) {
    io.out(
      `${JSON.stringify(
        {
          machine: kernel.machineInfo(),
          ...(script ? { script: script.name, errors } : {}),
          check: r.problems.length === 0 ? "ok" : "broken",
          layers: r.layers,
          problems: r.problems,
          ...(hash === undefined ? {} : { hash }),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    const lines: string[] = [];
    if (script) lines.push(`${script.name}: ${errors === 0 ? "ran without errors" : `${errors} error(s)`}`);
    if (r.problems.length === 0) lines.push(`check: all invariants hold (${r.layers.join(", ")})`);
    else lines.push(`check: ${r.problems.length} invariant(s) broken`, ...r.problems.map((p) => `  ${p}`));
    if (hash !== undefined) lines.push(`hash: ${hash}`);
    io.out(lines.map((l) => `${l}\n`).join(""));
  }
  return r.problems.length === 0 && errors === 0 ? EXIT_OK : EXIT_SCENARIO;
}
