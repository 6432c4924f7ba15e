// Browser check: the whole model runs in a browser (apps/web), so every entry a package declares in
// package.json "exports" must load there, except an entry named "./node" (the Node-only side of a
// package: page-cache's host-file disk backend, the demo's CLI). From each such entry's source file
// ("@i386mm/source" condition) this follows every runtime import — relative files and other
// workspace packages' entries — and reports any that reaches a Node built-in module (`node:fs`,
// `fs`, `path`, ...), `require(`, or uses a Node-only global (`Buffer`, `process`, `__dirname`),
// with the chain of files that led there. Type-only imports
// (`import type`, `export type`) are erased by the compiler and are not followed.
// Run as a script (`node scripts/browser-entries.mjs`) or through scripts/test/browser-entries.test.ts.
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Entries that are Node-only by name. */
export const NODE_ENTRY = "./node";

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith("_")));

/** `import ... from "x"`, `export ... from "x"`, `import "x"`, `import("x")`, with the statement's head. */
const IMPORT_RE =
  /(^|\n)\s*(import|export)(\s+type)?\s[^"'`;]*?from\s*["']([^"']+)["']|(^|\n)\s*import\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|\brequire\s*\(/g;

function packageDirs(root) {
  const out = new Map();
  for (const top of ["packages", "apps"]) {
    const base = path.join(root, top);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base)) {
      const file = path.join(base, name, "package.json");
      if (!fs.existsSync(file)) continue;
      const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
      if (typeof pkg.name === "string") out.set(pkg.name, { dir: path.join(base, name), pkg });
    }
  }
  return out;
}

/** The source file of a package entry (its "@i386mm/source" condition), or null. */
function entrySource(info, sub) {
  const e = info.pkg.exports?.[sub];
  const target = typeof e === "string" ? e : (e?.["@i386mm/source"] ?? e?.import ?? e?.default);
  return typeof target === "string" ? path.join(info.dir, target) : null;
}

/** A relative import as written in TypeScript ("./x.js" names ./x.ts). */
function resolveRelative(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [
    base,
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.mjs$/, ".mts"),
    `${base}.ts`,
    path.join(base, "index.ts"),
  ];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? null;
}

/** A file's text with comments and string contents blanked (newlines kept, so line numbers stay right). */
function codeOf(file) {
  return fs
    .readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/(^|[ \t])\/\/[^\n]*/gm, "$1");
}

/** Node-only globals a browser does not have. */
// (`process` is never called: `process (` and `process(` in a multi-line template's text are prose.)
const NODE_GLOBALS_RE =
  /(?<![\w.$"'`])(?:(Buffer)(?=[.[(])|(process)(?=[.[])|(__dirname|__filename)(?![\w$]))/g;

/** Uses of Node-only globals in one file: [{ name, line }] (string literals are not code). */
function nodeGlobals(file) {
  const text = codeOf(file).replace(/(["'`])(?:\\.|(?!\1)[^\\\n])*\1/g, (c) => c.replace(/[^\n]/g, " "));
  return [...text.matchAll(NODE_GLOBALS_RE)].map((m) => ({
    name: m[1] ?? m[2] ?? m[3],
    line: text.slice(0, m.index).split("\n").length,
  }));
}

/** Runtime imports of one file: [{ spec, line }]. */
function runtimeImports(file) {
  const text = codeOf(file);
  const out = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const line = text.slice(0, m.index + m[0].search(/\S/)).split("\n").length;
    if (m[0].endsWith("require(") || /\brequire\s*\($/.test(m[0])) {
      out.push({ spec: "require(", line });
      continue;
    }
    if (m[3]) continue; // import type / export type: erased
    const spec = m[4] ?? m[6] ?? m[7];
    if (spec) out.push({ spec, line });
  }
  return out;
}

/**
 * Returns human-readable problems: for each browser entry that reaches Node, the chain of files
 * (empty when every entry loads in a browser).
 */
export function checkBrowserEntries(root) {
  const pkgs = packageDirs(root);
  const problems = [];
  const rel = (f) => path.relative(root, f);
  for (const [name, info] of pkgs) {
    for (const sub of Object.keys(info.pkg.exports ?? {})) {
      if (sub === NODE_ENTRY || sub.includes("*")) continue;
      const start = entrySource(info, sub);
      if (!start || !/\.(m?ts|m?js)$/.test(start) || !fs.existsSync(start)) continue;
      const entryName = sub === "." ? name : `${name}/${sub.slice(2)}`;
      // Breadth-first over files, remembering how each was reached.
      const via = new Map([[start, null]]);
      const queue = [start];
      const reported = new Set();
      while (queue.length > 0) {
        const file = queue.shift();
        for (const { name: g, line } of nodeGlobals(file)) {
          const chain = [];
          for (let f = file; f; f = via.get(f)) chain.unshift(rel(f));
          problems.push(
            `${entryName}: uses the Node global ${g} at ${rel(file)}:${line} (via ${chain.join(" -> ")})`,
          );
        }
        for (const { spec, line } of runtimeImports(file)) {
          let next = null;
          let bad = null;
          if (spec === "require(") bad = "require()";
          else if (spec.startsWith("node:") || BUILTINS.has(spec.split("/")[0])) bad = spec;
          else if (spec.startsWith(".")) next = resolveRelative(file, spec);
          else if (pkgs.has(spec)) next = entrySource(pkgs.get(spec), ".");
          else {
            const parts = spec.split("/");
            const pkgName = spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
            const target = pkgs.get(pkgName);
            if (target) {
              const subpath = `./${parts.slice(spec.startsWith("@") ? 2 : 1).join("/")}`;
              if (subpath === NODE_ENTRY) bad = `${spec} (a Node-only entry)`;
              else next = entrySource(target, subpath);
            }
          }
          if (bad) {
            const key = `${file}:${bad}`;
            if (reported.has(key)) continue;
            reported.add(key);
            const chain = [];
            for (let f = file; f; f = via.get(f)) chain.unshift(rel(f));
            problems.push(`${entryName}: imports ${bad} at ${rel(file)}:${line} (via ${chain.join(" -> ")})`);
          } else if (next && !via.has(next)) {
            via.set(next, file);
            queue.push(next);
          }
        }
      }
    }
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const problems = checkBrowserEntries(root);
  for (const p of problems) console.error(p);
  console.log(
    problems.length === 0 ? "browser entries: ok" : `browser entries: ${problems.length} problem(s)`,
  );
  process.exit(problems.length === 0 ? 0 : 1);
}
