// Layer-order check: every workspace package may depend only on packages that come before it in
//   hw-i386 < page-alloc < slab < kmap < page-cache < vma < kernel < demo < web
// (the web explorer runs the demo's scenario language in the browser, so it sits above the demo)
// and may import another package only through an entry its package.json "exports" declares
// ("@i386mm/<name>", or a declared subpath such as "@i386mm/page-cache/node"), never its files
// ("@i386mm/<name>/src/...", or a relative path into another package's folder). The "/internal"
// entry of a package (helpers outside its API) is for the apps (demo, web) only.
// The private fixtures package ("@i386mm/fixtures", the repository's root fixtures/ folder) may
// be used by test and bench files only, as a devDependency.
// checkStandalone (run with it) fails when a source, test, bench, example or scenario file names a
// path outside the repository (the material folder beside the clone, or a relative path that climbs above the root): the
// repository must stand alone.
// Run as a script (`node scripts/layers.mjs`) or through scripts/test/layers.test.ts.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const LAYERS = ["hw-i386", "page-alloc", "slab", "kmap", "page-cache", "vma", "kernel", "demo", "web"];
const FIXTURES = "@i386mm/fixtures";
/** The apps: they may use a package's "/internal" entry. */
const APPS = ["demo", "web"];

/** The entries fixtures/package.json "exports" declares ("." and subpaths such as "./heap"). */
function fixturesEntries(root) {
  const file = path.join(root, "fixtures", "package.json");
  return fs.existsSync(file) ? Object.keys(JSON.parse(fs.readFileSync(file, "utf8")).exports ?? {}) : ["."];
}

/** True when packages/<name>/package.json (or apps/<name>) declares the entry "./<sub>" in "exports". */
function declaredEntry(root, name, sub) {
  for (const top of ["packages", "apps"]) {
    const file = path.join(root, top, name, "package.json");
    if (fs.existsSync(file)) return `./${sub}` in (JSON.parse(fs.readFileSync(file, "utf8")).exports ?? {});
  }
  return false;
}
const rank = (name) => LAYERS.indexOf(name);

function* sourceFiles(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(m?ts|tsx|m?js)$/.test(entry.name)) yield full;
  }
}

const IMPORT_RE =
  /(?:import|export)\s[^"'`]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g;

/** Returns a list of human-readable violations (empty when the tree obeys the layer order). */
export function checkLayers(root) {
  const problems = [];
  const folders = ["packages", "apps"].flatMap((top) =>
    fs.existsSync(path.join(root, top))
      ? fs.readdirSync(path.join(root, top)).map((n) => path.join(root, top, n))
      : [],
  );
  for (const dir of folders) {
    const pkgFile = path.join(dir, "package.json");
    if (!fs.existsSync(pkgFile)) continue;
    const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
    const self = path.basename(dir);
    if (rank(self) < 0) {
      problems.push(`${self}: not in the layer order ${LAYERS.join(" < ")}`);
      continue;
    }
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    if (pkg.dependencies?.[FIXTURES]) {
      problems.push(
        `${self}/package.json: ${FIXTURES} is for tests and benches: a devDependency, not a dependency`,
      );
    }
    for (const dep of Object.keys(deps)) {
      if (!dep.startsWith("@i386mm/") || dep === FIXTURES) continue;
      const target = dep.slice("@i386mm/".length);
      if (rank(target) < 0 || rank(target) >= rank(self)) {
        problems.push(
          `${self}/package.json: depends on ${dep}, which is not below ${self} in the layer order`,
        );
      }
    }
    for (const sub of ["src", "test", "bench"]) {
      for (const file of sourceFiles(path.join(dir, sub))) {
        const text = fs.readFileSync(file, "utf8");
        const rel = path.relative(root, file);
        for (const m of text.matchAll(IMPORT_RE)) {
          const spec = m[1] ?? m[2] ?? m[3];
          if (spec === FIXTURES || spec.startsWith(`${FIXTURES}/`)) {
            const entry = spec === FIXTURES ? "." : `./${spec.slice(FIXTURES.length + 1)}`;
            if (sub === "src")
              problems.push(`${rel}: imports ${FIXTURES}, which only tests and benches may use`);
            else if (!(FIXTURES in deps))
              problems.push(`${rel}: imports ${spec} without declaring ${FIXTURES} in ${self}/package.json`);
            else if (entry !== "." && !fixturesEntries(root).includes(entry))
              problems.push(`${rel}: imports ${spec}, an entry fixtures/package.json does not export`);
          } else if (spec.startsWith("@i386mm/")) {
            const [, name, ...rest] = spec.split("/");
            if (rank(name) < 0 || rank(name) >= rank(self)) {
              problems.push(`${rel}: imports ${spec}, a layer that is not below ${self}`);
            } else if (rest.length > 0 && !declaredEntry(root, name, rest.join("/"))) {
              problems.push(
                `${rel}: imports ${spec}, the internals of @i386mm/${name}; use its public entry`,
              );
            } else if (rest.join("/") === "internal" && !APPS.includes(self)) {
              problems.push(
                `${rel}: imports ${spec}, which only the apps (${APPS.join(", ")}) may use; use @i386mm/${name}`,
              );
            } else if (!(`@i386mm/${name}` in deps)) {
              problems.push(`${rel}: imports ${spec} without declaring it in ${self}/package.json`);
            }
          } else if (spec.startsWith(".")) {
            const resolved = path.resolve(path.dirname(file), spec);
            if (!resolved.startsWith(dir + path.sep)) {
              problems.push(`${rel}: imports ${spec}, which reaches outside ${self}'s own folder`);
            }
          }
        }
      }
    }
  }
  return problems;
}

/** Folders of the repository whose files must name no path outside it. */
const STANDALONE_DIRS = ["src", "test", "bench", "examples", "scenarios"];
// The material folder beside the clone, spelled in pieces so that this check does not name it itself.
const MATERIAL = ["..", "shared"].join("/");
const OUTSIDE_RE = new RegExp(`${MATERIAL.replace(/\./g, "\\.")}\\b|/work/${"shared"}\\b`);
const RELATIVE_LITERAL_RE = /["'`]((?:\.\.\/)+[^"'`$\s]*)["'`]/g;

function* standaloneFiles(root) {
  for (const top of ["packages", "apps"]) {
    const base = path.join(root, top);
    if (!fs.existsSync(base)) continue;
    for (const name of fs.readdirSync(base)) {
      for (const sub of STANDALONE_DIRS) yield* anyFiles(path.join(base, name, sub));
    }
  }
  yield* anyFiles(path.join(root, "scripts"));
  yield* anyFiles(path.join(root, "bench"));
  for (const f of ["fixtures/index.mjs"]) if (fs.existsSync(path.join(root, f))) yield path.join(root, f);
}

function* anyFiles(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* anyFiles(full);
    else if (/\.(m?[jt]s|tsx|mm|json|c|h|sh)$/.test(entry.name)) yield full;
  }
}

/**
 * The repository stands alone: no source, test, bench, example or scenario file names a path
 * outside it. Returns human-readable violations (empty when there are none).
 */
export function checkStandalone(root) {
  const problems = [];
  const top = path.resolve(root);
  for (const file of standaloneFiles(top)) {
    const rel = path.relative(top, file);
    if (rel === path.join("scripts", "layers.mjs") || rel.startsWith(path.join("scripts", "test") + path.sep))
      continue;
    const text = fs.readFileSync(file, "utf8");
    text.split("\n").forEach((line, i) => {
      if (OUTSIDE_RE.test(line))
        problems.push(
          `${rel}:${i + 1}: names ${MATERIAL}; copy what it needs into the repository (fixtures/)`,
        );
      for (const m of line.matchAll(RELATIVE_LITERAL_RE)) {
        const target = path.resolve(path.dirname(file), m[1]);
        if (target !== top && !target.startsWith(top + path.sep)) {
          problems.push(`${rel}:${i + 1}: "${m[1]}" points outside the repository`);
        }
      }
    });
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const problems = [...checkLayers(root), ...checkStandalone(root)];
  for (const p of problems) console.error(p);
  console.log(problems.length === 0 ? "layer order: ok" : `layer order: ${problems.length} violation(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
