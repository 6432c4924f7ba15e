/*
 * `--json` through pnpm, as a user pipes it: `pnpm -s demo <command> ... --json | jq .`.
 * The root `demo` script builds what is stale first (turbo), so its chatter must not reach
 * stdout: the whole stdout of every command that takes --json is exactly one JSON document.
 * Also the ways to run the CLI without pnpm's script layer: `pnpm exec i386mm` and
 * `node apps/demo/dist/cli.js` (README, "Running the CLI").
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "@i386mm/fixtures";
import { beforeAll, describe, expect, inject, it } from "vitest";

/** Run a command in the repository root; stdout and stderr kept apart. */
function sh(cmd: string, args: readonly string[]): { code: number; out: string; err: string } {
  const r = spawnSync(cmd, args, {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, FORCE_COLOR: "0", TURBO_TELEMETRY_DISABLED: "1" },
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** Every CLI command that has --json, with small arguments. */
const JSON_COMMANDS: readonly (readonly string[])[] = [
  ["boot", "--mem", "128M"],
  ["cat", "buddyinfo", "--mem", "128M"],
  ["run", "kmalloc-sizes", "--mem", "128M"],
  ["tour", "--mem", "128M"],
];

describe("stdout is one JSON document", () => {
  beforeAll(() => {
    const err = inject("cliBuildError");
    if (err) throw new Error(err);
  });

  it.each(JSON_COMMANDS)("pnpm -s demo %s ... --json", (...argv) => {
    const r = sh("pnpm", ["-s", "demo", ...argv, "--json"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trimStart().startsWith("{"), r.out.slice(0, 200)).toBe(true);
    expect(() => JSON.parse(r.out)).not.toThrow();
    expect(JSON.parse(r.out).machine.memBytes).toBe(128 << 20);
  });

  it("the CLI runs without pnpm's script layer: pnpm exec i386mm and node apps/demo/dist/cli.js", () => {
    const viaExec = sh("pnpm", ["exec", "i386mm", "boot", "--mem", "128M", "--json"]);
    const viaNode = sh(process.execPath, [
      join(REPO_ROOT, "apps/demo/dist/cli.js"),
      "boot",
      "--mem",
      "128M",
      "--json",
    ]);
    expect(viaExec.code, viaExec.err).toBe(0);
    expect(viaNode.code, viaNode.err).toBe(0);
    expect(JSON.parse(viaExec.out)).toEqual(JSON.parse(viaNode.out));
  });
});
