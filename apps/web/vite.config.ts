/*
 * Vite config of the explorer. The page is built from the workspace packages' TypeScript sources
 * (the "@i386mm/source" export condition, as the tests use), so `pnpm web` needs no build first.
 * `base: "./"` makes every URL in the built page relative: dist/ works from any static host and
 * any folder. Two virtual modules bring in what the page ships besides code: the demo's lab sheets
 * (apps/demo/scenarios/*.mm, through the @i386mm/demo dependency) and the ext2 image of
 * fixtures/elf (an asset file the page fetches when a program is first run).
 */
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FIXTURES_DIR, fixturePath, REPO_ROOT } from "@i386mm/fixtures";
import { defaultClientConditions, defineConfig, type Plugin } from "vite";
import { HOST_FILES, USERLAND_FILES } from "./src/files.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** apps/demo, reached through the workspace dependency's link. */
const DEMO_DIR = realpathSync(path.join(here, "node_modules/@i386mm/demo"));
const SCENARIOS = path.join(DEMO_DIR, "scenarios");
const EXT2 = fixturePath("elf/memorylayout.ext2");

const SHEETS_ID = "virtual:i386mm-lab-sheets";
const ASSETS_ID = "virtual:i386mm-assets";

/** `# Lab 3 - Per-CPU page lists: ...` -> [3, "Per-CPU page lists: ..."]. */
function sheetTitle(text: string): [number, string] {
  const first = text.split("\n").find((l) => l.startsWith("#")) ?? "";
  const m = /^#\s*Lab\s+(\d+)\s*[-–]\s*(.*)$/.exec(first.trim());
  return m ? [Number(m[1]), m[2]!.trim()] : [1000, first.replace(/^#\s*/, "").trim()];
}

function i386mmAssets(): Plugin {
  return {
    name: "i386mm-assets",
    resolveId(id) {
      return id === SHEETS_ID || id === ASSETS_ID ? `\0${id}` : null;
    },
    load(id) {
      if (id === `\0${SHEETS_ID}`) {
        const files = readdirSync(SCENARIOS).filter((f) => f.endsWith(".mm"));
        const sheets = files.map((f) => {
          const file = path.join(SCENARIOS, f);
          this.addWatchFile(file);
          const text = readFileSync(file, "utf8");
          const [n, title] = sheetTitle(text);
          return { n, name: f.slice(0, -3), title, text };
        });
        sheets.sort((a, b) => a.n - b.n || a.name.localeCompare(b.name));
        return `export default ${JSON.stringify(sheets.map(({ name, title, text }) => ({ name, title, text })))};`;
      }
      if (id === `\0${ASSETS_ID}`) {
        const urls = (files: Readonly<Record<string, string>>, name: string) => {
          const entries = Object.entries(files);
          return [
            ...entries.map(
              ([, rel], i) => `import ${name}${i} from ${JSON.stringify(`${fixturePath(rel)}?url`)};`,
            ),
            `export const ${name} = { ${entries.map(([p], i) => `${JSON.stringify(p)}: ${name}${i}`).join(", ")} };`,
          ].join("\n");
        };
        return [
          `export { default as ext2Url } from ${JSON.stringify(`${EXT2}?url`)};`,
          urls(USERLAND_FILES, "userlandUrls"),
          urls(HOST_FILES, "hostUrls"),
        ].join("\n");
      }
      return null;
    },
  };
}

export default defineConfig({
  root: here,
  base: "./",
  plugins: [i386mmAssets()],
  resolve: { conditions: ["@i386mm/source", ...defaultClientConditions] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The whole model is one module graph; it loads once.
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
  },
  server: { fs: { allow: [REPO_ROOT, FIXTURES_DIR, DEMO_DIR] } },
  preview: { port: 4173 },
});
