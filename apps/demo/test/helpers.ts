/*
 * helpers.ts — run the CLI in-process and capture what it prints.
 */
import { Readable } from "node:stream";
import { main } from "../src/main.js";

/** Output of one in-process run: stdout, stderr, both interleaved in order, and the exit code. */
export interface RunResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly all: string;
}

/** Run `i386mm <argv>` in-process, optionally feeding `stdin`. */
export async function runCli(
  argv: readonly string[],
  stdin?: string,
  cwd = process.cwd(),
): Promise<RunResult> {
  let out = "";
  let err = "";
  let all = "";
  const code = await main(argv, {
    out: (s) => {
      out += s;
      all += s;
    },
    err: (s) => {
      err += s;
      all += s;
    },
    ...(stdin === undefined ? {} : { stdin: Readable.from([stdin]) }),
    cwd,
  });
  return { code, out, err, all };
}
