import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM script without type declarations
import { checkLayers, checkStandalone } from "../layers.mjs";

// The material folder beside the clone, spelled in pieces (the check flags the literal).
const MATERIAL = ["..", "shared"].join("/");
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function fixture(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "i386mm-layers-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
const pkg = (name: string, deps: string[] = []) =>
  JSON.stringify({
    name: `@i386mm/${name}`,
    dependencies: Object.fromEntries(deps.map((d) => [d, "workspace:*"])),
  });

describe("layer order", () => {
  it("the repository obeys hw-i386 < page-alloc < slab < kmap < page-cache < vma < apps", () => {
    expect(checkLayers(root)).toEqual([]);
  });

  it("flags a lower layer importing a higher one", () => {
    const dir = fixture({
      "packages/hw-i386/package.json": pkg("hw-i386"),
      "packages/hw-i386/src/index.ts": 'import { x } from "@i386mm/slab";\n',
      "packages/slab/package.json": pkg("slab"),
    });
    expect(checkLayers(dir).join("\n")).toMatch(/hw-i386\/src\/index.ts: imports @i386mm\/slab/);
  });

  it("flags a dependency declared upwards in package.json", () => {
    const dir = fixture({ "packages/page-alloc/package.json": pkg("page-alloc", ["@i386mm/kmap"]) });
    expect(checkLayers(dir).join("\n")).toMatch(/depends on @i386mm\/kmap/);
  });

  it("flags imports of another package's internals, by name or by relative path", () => {
    const dir = fixture({
      "packages/hw-i386/package.json": pkg("hw-i386"),
      "packages/slab/package.json": pkg("slab", ["@i386mm/hw-i386"]),
      "packages/slab/src/a.ts": 'import { y } from "@i386mm/hw-i386/src/ram";\n',
      "packages/slab/src/b.ts": 'import { z } from "../../hw-i386/src/ram";\n',
    });
    const out = checkLayers(dir).join("\n");
    expect(out).toMatch(/a.ts: imports @i386mm\/hw-i386\/src\/ram, the internals/);
    expect(out).toMatch(/b.ts: imports ..\/..\/hw-i386\/src\/ram, which reaches outside/);
  });

  it("accepts a downward import through the public entry", () => {
    const dir = fixture({
      "packages/hw-i386/package.json": pkg("hw-i386"),
      "packages/slab/package.json": pkg("slab", ["@i386mm/hw-i386"]),
      "packages/slab/src/a.ts": 'import { PAGE_SIZE } from "@i386mm/hw-i386";\n',
    });
    expect(checkLayers(dir)).toEqual([]);
  });

  it("puts the web explorer above the demo: web may use demo, demo may not use web", () => {
    const dir = fixture({
      "apps/demo/package.json": pkg("demo", ["@i386mm/web"]),
      "apps/web/package.json": pkg("web", ["@i386mm/demo"]),
      "apps/web/src/a.ts": 'import { Interpreter } from "@i386mm/demo";\n',
    });
    expect(checkLayers(dir)).toEqual([
      "demo/package.json: depends on @i386mm/web, which is not below demo in the layer order",
    ]);
  });
});

describe("the repository stands alone", () => {
  it("no source, test, bench, example or scenario file names a path outside the repository", () => {
    expect(checkStandalone(root)).toEqual([]);
  });

  it("flags a test that reads the material folder beside the clone and a literal path climbing above the root", () => {
    const dir = fixture({
      "packages/slab/test/a.test.ts": `const log = "../../../${MATERIAL}/oracle/686-1024M.log";\n`,
      "packages/slab/bench/b.bench.ts": 'new URL("../../../../elsewhere/x", import.meta.url);\n',
      "apps/demo/scenarios/c.mm": `// see ${MATERIAL}/seed\n`,
      "packages/slab/test/ok.test.ts": 'new URL("../../../fixtures/oracle/x.log", import.meta.url);\n',
    });
    const out = checkStandalone(dir).join("\n");
    expect(out).toContain(`slab/test/a.test.ts:1: names ${MATERIAL}`);
    expect(out).toMatch(/slab\/bench\/b.bench.ts:1: ".*elsewhere\/x" points outside the repository/);
    expect(out).toContain(`demo/scenarios/c.mm:1: names ${MATERIAL}`);
    expect(out).not.toMatch(/ok.test.ts/);
  });

  it("lets tests and benches use @i386mm/fixtures as a devDependency, never sources", () => {
    const dir = fixture({
      "packages/slab/package.json": JSON.stringify({
        name: "@i386mm/slab",
        devDependencies: { "@i386mm/fixtures": "workspace:*" },
      }),
      "packages/slab/test/a.test.ts": 'import { oracleSection } from "@i386mm/fixtures";\n',
      "packages/slab/src/b.ts": 'import { oracleSection } from "@i386mm/fixtures";\n',
      "packages/kmap/package.json": JSON.stringify({
        name: "@i386mm/kmap",
        dependencies: { "@i386mm/fixtures": "workspace:*" },
      }),
    });
    const out = checkLayers(dir);
    expect(out).toEqual([
      "kmap/package.json: @i386mm/fixtures is for tests and benches: a devDependency, not a dependency",
      "packages/slab/src/b.ts: imports @i386mm/fixtures, which only tests and benches may use",
    ]);
  });
});
