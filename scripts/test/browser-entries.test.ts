import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM script without type declarations
import { checkBrowserEntries } from "../browser-entries.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function fixture(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "i386mm-browser-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
const pkg = (name: string, exports: Record<string, string>) =>
  JSON.stringify({
    name: `@i386mm/${name}`,
    exports: Object.fromEntries(Object.entries(exports).map(([k, v]) => [k, { "@i386mm/source": v }])),
  });

describe("every package entry but ./node loads in a browser", () => {
  it("holds for the repository (the web explorer runs every layer and the demo's language)", () => {
    expect(checkBrowserEntries(root)).toEqual([]);
  });

  it("follows relative files and other packages to a Node built-in, and names the chain", () => {
    const dir = fixture({
      "packages/low/package.json": pkg("low", { ".": "./src/index.ts", "./node": "./src/node.ts" }),
      "packages/low/src/index.ts": 'export { a } from "./a.js";\n',
      "packages/low/src/a.ts": 'import { readFileSync } from "node:fs";\nexport const a = 1;\n',
      "packages/low/src/node.ts": 'import fs from "fs";\n',
      "apps/top/package.json": pkg("top", { ".": "./src/index.ts" }),
      "apps/top/src/index.ts": 'import { a } from "@i386mm/low";\nimport { b } from "@i386mm/low/node";\n',
    });
    const out = checkBrowserEntries(dir);
    expect(out).toContain(
      "@i386mm/low: imports node:fs at packages/low/src/a.ts:1 (via packages/low/src/index.ts -> packages/low/src/a.ts)",
    );
    expect(out).toContain(
      "@i386mm/top: imports @i386mm/low/node (a Node-only entry) at apps/top/src/index.ts:2 (via apps/top/src/index.ts)",
    );
    // The ./node entry itself may use Node.
    expect(out.join("\n")).not.toMatch(/low\/src\/node.ts/);
  });

  it("flags Node-only globals (Buffer, process) but not the words in strings or comments", () => {
    const dir = fixture({
      "packages/low/package.json": pkg("low", { ".": "./src/index.ts" }),
      "packages/low/src/index.ts":
        'const a = Buffer.from("x", "latin1");\nconst b = "process.env is Node\'s";\n// process.exit(1)\nexport const c = process.env.HOME;\n',
    });
    expect(checkBrowserEntries(dir)).toEqual([
      "@i386mm/low: uses the Node global Buffer at packages/low/src/index.ts:1 (via packages/low/src/index.ts)",
      "@i386mm/low: uses the Node global process at packages/low/src/index.ts:4 (via packages/low/src/index.ts)",
    ]);
  });

  it("ignores type-only imports and comments", () => {
    const dir = fixture({
      "packages/low/package.json": pkg("low", { ".": "./src/index.ts" }),
      "packages/low/src/index.ts":
        'import type { Readable } from "node:stream";\n// import fs from "node:fs";\n/* require("fs") */\nexport type { Writable } from "node:stream";\n',
    });
    expect(checkBrowserEntries(dir)).toEqual([]);
  });
});
