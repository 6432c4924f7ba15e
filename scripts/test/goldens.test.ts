/*
 * One golden-file mechanism: vitest's file snapshots (toMatchFileSnapshot). The root config makes
 * a missing golden file fail the run ("update: none"); only `pnpm test:update` (vitest -u) writes
 * golden files. No test writes a golden file itself or reads an update flag of its own.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import rootConfig from "../../vitest.config.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function* testFiles(dir: string): Generator<string> {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name === "dist") continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* testFiles(full);
    else if (/\.m?ts$/.test(e.name)) yield full;
  }
}

describe("golden files", () => {
  it("a missing or different golden file fails unless vitest runs with -u", () => {
    expect(rootConfig.test?.update).toBe("none");
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    expect(pkg.scripts["test:update"]).toBe("vitest run -u");
  });

  it("no test writes a golden file or has an update flag of its own", () => {
    const offenders: string[] = [];
    for (const top of ["packages", "apps", "scripts"])
      for (const dir of fs.readdirSync(path.join(root, top)).map((n) => path.join(root, top, n, "test")))
        for (const file of testFiles(dir)) {
          if (file === fileURLToPath(import.meta.url)) continue;
          const text = fs.readFileSync(file, "utf8");
          if (/UPDATE_GOLDEN|UPDATE_SNAPSHOT/.test(text))
            offenders.push(`${path.relative(root, file)}: own update flag`);
          for (const line of text.split("\n"))
            if (/writeFileSync|appendFileSync/.test(line) && /golden/i.test(line))
              offenders.push(`${path.relative(root, file)}: writes a golden file`);
        }
    expect(offenders).toEqual([]);
  });
});
