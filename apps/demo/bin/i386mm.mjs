#!/usr/bin/env node
// The `i386mm` bin: a committed file, so pnpm links it at install time, before anything is built.
// It runs the built CLI (dist/cli.js); `pnpm build` (or any `pnpm demo`) makes it.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    "i386mm: apps/demo/dist/cli.js is not built yet: run `pnpm build` (or `pnpm demo`) first\n",
  );
  process.exit(2);
}
await import(cli.href);
