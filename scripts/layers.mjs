// Layer-order check: every workspace package may depend only on packages that come before it in
//   hw-i386 < page-alloc < slab < kmap < page-cache < vma < apps (demo, web)
// and may import another package only through its public entry ("@i386mm/<name>"), never its
// internals ("@i386mm/<name>/src/...", or a relative path into another package's folder).
// Run as a script (`node scripts/layers.mjs`) or through scripts/test/layers.test.ts.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const LAYERS = ["hw-i386", "page-alloc", "slab", "kmap", "page-cache", "vma", "demo", "web"];
const rank = (name) => (name === "web" ? LAYERS.indexOf("demo") : LAYERS.indexOf(name));

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
    for (const dep of Object.keys(deps)) {
      if (!dep.startsWith("@i386mm/")) continue;
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
          if (spec.startsWith("@i386mm/")) {
            const [, name, ...rest] = spec.split("/");
            if (rank(name) < 0 || rank(name) >= rank(self)) {
              problems.push(`${rel}: imports ${spec}, a layer that is not below ${self}`);
            } else if (rest.length > 0) {
              problems.push(
                `${rel}: imports ${spec}, the internals of @i386mm/${name}; use its public entry`,
              );
            } else if (!(spec in deps)) {
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

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const problems = checkLayers(root);
  for (const p of problems) console.error(p);
  console.log(problems.length === 0 ? "layer order: ok" : `layer order: ${problems.length} violation(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
