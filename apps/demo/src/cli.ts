#!/usr/bin/env node
/*
 * cli.ts — the `i386mm` executable (bin in package.json; `pnpm demo <args>` runs it).
 * Wires main() to the process: argv, stdout/stderr, stdin for `run -` and the REPL, and the
 * exit code (0 ok, 1 scenario errors, 2 bad usage). Everything else lives in main.ts, which
 * tests call in-process.
 */

import { main } from "./main.js";

// `pnpm demo -- boot ...` (and `npm run demo -- ...`) hand the "--" separator through: drop it.
const argv = process.argv.slice(2);
if (argv[0] === "--") argv.shift();

const code = await main(argv, {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  stdin: process.stdin,
  interactive: process.stdin.isTTY === true,
  ...(process.stdin.isTTY === true && process.stdout.isTTY === true ? { terminal: process.stdout } : {}),
  cwd: process.cwd(),
  progress: process.stdout.isTTY === true && process.stderr.isTTY === true,
});
process.exitCode = code;
