/*
 * `--help` on every command: each text names its flags and shows examples, and every example it
 * shows runs (in-process, from the repository root) with exit code 0, so the help cannot rot.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMAND_FLAGS } from "../src/args.js";
import { HELP, OVERVIEW } from "../src/help.js";
import { SCENARIO_DIR } from "../src/main.js";
import { runCli } from "./helpers.js";

const ROOT = resolve(SCENARIO_DIR, "../../..");

/** The example command lines of a help text: `i386mm ...` or `echo '...' | i386mm ...`. */
function examples(text: string): { argv: string[]; stdin?: string }[] {
  const block = text.split("\nExamples:\n")[1] ?? "";
  const out: { argv: string[]; stdin?: string }[] = [];
  for (const raw of block.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("Exit codes")) break;
    const piped = /^echo '([^']*)' \| (i386mm.*)$/.exec(line);
    const cmd = (piped ? piped[2]! : line).split(/\s{2,}/)[0]!;
    const words = cmd.split(/\s+/);
    expect(words[0], `example '${line}'`).toBe("i386mm");
    out.push({ argv: words.slice(1), ...(piped ? { stdin: `${piped[1]}\n` } : {}) });
  }
  return out;
}

describe("--help", () => {
  it("`--help` and `help` print the overview; `help CMD` and `CMD --help` the command's text", async () => {
    expect((await runCli(["--help"])).out).toBe(`${OVERVIEW}\n`);
    expect((await runCli(["help"])).out).toBe(`${OVERVIEW}\n`);
    for (const cmd of Object.keys(HELP)) {
      const a = await runCli([cmd, "--help"]);
      const b = await runCli(["help", cmd]);
      expect(a.code).toBe(0);
      expect(a.out).toBe(`${HELP[cmd as keyof typeof HELP]}\n`);
      expect(b.out).toBe(a.out);
    }
    expect((await runCli(["help", "nope"])).code).toBe(2);
  });

  it("each command's usage line names every flag it accepts", () => {
    for (const [cmd, flags] of Object.entries(COMMAND_FLAGS)) {
      const usage = HELP[cmd as keyof typeof HELP].split("\n")[0]!;
      for (const f of flags) expect(usage, `${cmd} ${f}`).toContain(f === "--interactive" ? "-i" : f);
    }
  });

  for (const [name, text] of [["overview", OVERVIEW], ...Object.entries(HELP)] as const) {
    it(`every example of ${name} runs with exit code 0`, async () => {
      const ex = examples(text);
      expect(ex.length).toBeGreaterThanOrEqual(2);
      for (const e of ex) {
        // A REPL example reads its statements from stdin: give it one.
        const r = await runCli(e.argv, e.stdin ?? "check\n", ROOT);
        expect(r.err, `i386mm ${e.argv.join(" ")}`).toBe("");
        expect(r.code, `i386mm ${e.argv.join(" ")}`).toBe(0);
        expect(r.out.length).toBeGreaterThan(0);
      }
    });
  }
});
