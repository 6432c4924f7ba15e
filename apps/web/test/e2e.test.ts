/*
 * End to end, in a real browser: Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) driven by
 * playwright-core opens the built page (apps/web/dist, served by a plain static server from a
 * sub-folder, as any static host would), and checks what a user sees:
 *  - 1 GiB: the time from navigation to the first drawn machine (reported, not asserted);
 *  - 128 MiB with the buddy lab sheet from the menu, stepped statement by statement: the buddy
 *    table's counts per order change as expand() and the merges say, and agree with the
 *    /proc/buddyinfo the sheet prints; the frame p1 is drawn in the kernel colour after its
 *    allocation and in the free colour of its block's order before and after (read back from the
 *    canvas); back replays; hover shows the descriptor; a click selects in the buddy view too;
 *  - a program run in both layouts: the VMA view shows both processes with their text, heap and
 *    stack, and a page walk with a TLB miss, then a hit after an access through the MMU.
 * dist/ is rebuilt first when any source it is built from is newer (`pnpm test` builds it before).
 * Screenshots go to apps/web/test-artifacts/ (git-ignored). One browser launch for everything.
 * Without Chromium the test is skipped with a notice; `.ci/run` installs it (apt-get install chromium).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "@i386mm/demo/node";
import { missingTool } from "@i386mm/fixtures";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const WEB = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(WEB, "dist");
const ARTIFACTS = join(WEB, "test-artifacts");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** The flags that work on this machine kind (see the README's "Browser test"). */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const PREFIX = "/explorer/";
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) missingTool(`web e2e: Chromium at ${CHROMIUM}`, "apt-get install chromium");

let server: Server;
let browser: Browser;
let page: Page;
let base = "";
const problems: string[] = [];

/** Newest modification time (ms) of what the page is built from: this app's and every layer's sources, the lab sheets. */
function newestSource(): number {
  const root = join(WEB, "../..");
  const dirs = [
    join(WEB, "src"),
    join(WEB, "index.html"),
    join(root, "apps/demo/src"),
    join(root, "apps/demo/scenarios"),
  ];
  for (const p of readdirSync(join(root, "packages"))) dirs.push(join(root, "packages", p, "src"));
  let newest = 0;
  const walk = (p: string): void => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const f of readdirSync(p)) walk(join(p, f));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const d of dirs) walk(d);
  return newest;
}

/** A static server for dist/ under PREFIX, nothing else. */
function serve(): Promise<string> {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/warmup") {
      res
        .writeHead(200, { "content-type": TYPES[".html"] })
        .end('<!doctype html><link rel="icon" href="data:,"><title>warm-up</title>');
      return;
    }
    if (!url.pathname.startsWith(PREFIX)) {
      res.writeHead(404).end();
      return;
    }
    const rel = normalize(decodeURIComponent(url.pathname.slice(PREFIX.length)) || "index.html");
    const file = join(DIST, rel);
    if (!file.startsWith(DIST) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}${PREFIX}`),
    ),
  );
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** The buddy table's counts of a zone, orders 0..10. */
async function counts(zone: string): Promise<number[]> {
  return page.$$eval(`td.order[data-zone="${zone}"]`, (tds) =>
    tds.map((td) => Number(td.getAttribute("data-count"))),
  );
}

/** Click "step" until the statement containing `text` has run; returns its output. */
async function stepTo(text: string): Promise<string> {
  for (let i = 0; i < 80; i++) {
    await page.click('[data-action="step"]');
    const out = await page.textContent(".output .rec.last");
    if (out?.includes(text)) return out;
  }
  throw new Error(`never ran: ${text}`);
}

async function ready(): Promise<void> {
  await page.waitForFunction(
    () =>
      (window as unknown as { i386mm?: { timings: { ready?: number } } }).i386mm?.timings.ready !== undefined,
  );
}

async function swatch(sel: string): Promise<string> {
  return page.$eval(sel, (el) => getComputedStyle(el).backgroundColor);
}

async function frameColour(pfn: number): Promise<string> {
  return page.evaluate(
    (p) => (window as unknown as { i386mm: { frameColour(p: number): string } }).i386mm.frameColour(p),
    pfn,
  );
}

describe.skipIf(!haveChromium)("the explorer in Chromium", () => {
  beforeAll(async () => {
    const built = join(DIST, "index.html");
    if (!existsSync(built) || newestSource() > statSync(built).mtimeMs) {
      console.log("web e2e: dist/ is missing or older than the sources: building it (vite build)");
      const { build } = await import("vite");
      await build({ root: WEB, logLevel: "warn" });
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    base = await serve();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
        problems.push(`console: ${m.text()}`);
    });
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(null)));
  });

  it("loads 1 GiB and reports the time to the first drawn machine", async () => {
    // The browser's own start-up is not the page's: load an empty page of the origin first.
    await page.goto(`${base.replace(PREFIX, "/")}warmup`);
    const load = async (how: "first visit" | "reload") => {
      if (how === "first visit") await page.goto(`${base}index.html?mem=1G`);
      else await page.reload();
      await ready();
      return page.evaluate(
        () => (window as unknown as { i386mm: { timings: Record<string, number> } }).i386mm.timings,
      );
    };
    const cold = await load("first visit");
    await shot("1g-machine");
    const warm = await load("reload");
    const figure = (t: Record<string, number>) => ({
      firstDrawMs: Math.round(t.firstDraw!),
      scriptMs: Math.round(t.script!),
      bootMs: Math.round(t.boot!),
      snapshotMs: Math.round(t.snapshot!),
      drawFramesMs: Math.round(t.drawFrames!),
    });
    const figures = { mem: "1G", targetMs: 1000, firstVisit: figure(cold), reload: figure(warm) };
    writeFileSync(join(ARTIFACTS, "timings.json"), `${JSON.stringify(figures, null, 2)}\n`);
    for (const [how, f] of [
      ["first visit", figures.firstVisit],
      ["reload", figures.reload],
    ] as const)
      console.log(
        `web e2e: page load to first drawn machine, 1 GiB, ${how}: ${f.firstDrawMs} ms (script loaded ${f.scriptMs} ms, boot ${f.bootMs} ms, reading the views ${f.snapshotMs} ms, drawing the frames ${f.drawFramesMs} ms; target < 1000 ms, reported only)`,
      );
    expect(figures.firstVisit.firstDrawMs).toBeGreaterThan(0);
    // The whole machine is drawn: 4 zones' worth of frames in the legend.
    const total = await page.$$eval("[data-legend] small", (els) =>
      els.slice(0, 10).reduce((a, e) => a + Number(e.textContent), 0),
    );
    const nr = await page.evaluate(
      () =>
        (window as unknown as { i386mm: { explorer: { snapshot: { frames: { nr: number } } } } }).i386mm
          .explorer.snapshot.frames.nr,
    );
    expect(nr).toBeGreaterThan(0.99 * ((1 << 30) / 4096));
    expect(total).toBe(nr);
  }, 120_000);

  it("steps through the buddy lab sheet: counts per order, owner colours, back, run to end", async () => {
    await page.goto(`${base}index.html?mem=128M`);
    await ready();
    await page.selectOption('[data-testid="sheets"]', "buddy-split-merge");
    await page.waitForFunction(
      () =>
        document.querySelector("[data-testid=editor]") instanceof HTMLTextAreaElement &&
        (document.querySelector("[data-testid=editor]") as HTMLTextAreaElement).value.includes("Lab 1"),
    );
    await ready();
    const boot = await counts("Normal");
    expect(boot.length).toBe(11);
    // Step 1 prints /proc/buddyinfo: its Normal line is the table's row.
    const out1 = await stepTo("cat /proc/buddyinfo");
    const line = out1.split("\n").find((l) => /zone\s+Normal/.test(l))!;
    expect(line.trim().split(/\s+/).slice(4).map(Number)).toEqual(boot);

    const out2 = await stepTo("p1 = alloc_pages(GFP_KERNEL, 1)");
    const pfn = Number.parseInt(/pfn (0x[0-9a-f]+)/.exec(out2)![1]!, 16);
    const after = await counts("Normal");
    const n = boot.findIndex((c, o) => o >= 1 && c > 0);
    expect(after[n]).toBe(boot[n]! - 1);
    for (let o = 1; o < n; o++) expect(after[o]).toBe(boot[o]! + 1);
    expect(await page.getAttribute(`td.order[data-zone="Normal"][data-order="${n}"]`, "class")).toMatch(
      /changed/,
    );
    expect(await page.textContent(`td.order[data-zone="Normal"][data-order="${n}"] sup`)).toBe("-1");
    const kernelColour = await swatch('.legend [data-owner="kernel"]');
    expect(await frameColour(pfn)).toBe(kernelColour);
    expect(await frameColour(pfn + 1)).toBe(kernelColour);
    await shot("buddy-after-alloc");

    // Back: the machine is rebuilt without that step; p1's frame is free again (order n block).
    await page.click('[data-action="back"]');
    expect(await counts("Normal")).toEqual(boot);
    expect(await frameColour(pfn)).toBe(await swatch(`.legend [data-owner="free"][data-order="${n}"]`));
    await stepTo("p1 = alloc_pages(GFP_KERNEL, 1)");
    expect(await frameColour(pfn)).toBe(kernelColour);

    // The variable p1 selects its frame.
    await page.click('[data-testid="vars"] [data-var="p1"]');
    expect(await page.textContent('[data-testid="selection"]')).toContain(`frame 0x${pfn.toString(16)}`);

    // Hover the frame: its struct page; click: selected here and in the buddy view once free.
    const rect = await page.evaluate(
      (p) =>
        (
          window as unknown as {
            i386mm: { frameRect(p: number): { x: number; y: number; w: number; h: number } };
          }
        ).i386mm.frameRect(p),
      pfn,
    );
    const box = (await (await page.$('[data-testid="frames-canvas"]'))!.boundingBox())!;
    const at = { x: box.x + rect.x + rect.w / 2, y: box.y + rect.y + rect.h / 2 };
    await page.mouse.move(at.x, at.y);
    const tip = await page.textContent('[data-testid="tooltip"]');
    expect(tip).toContain(`0x${pfn.toString(16)}`);
    expect(tip).toMatch(/_count\s*0 \(page_count 1\)/);
    expect(tip).toMatch(/kernel \(other allocation\)/);
    await page.mouse.click(at.x, at.y);
    expect(await page.textContent('[data-testid="selection"]')).toContain(`frame 0x${pfn.toString(16)}`);
    // Zoomed in to single frames with gaps between them: the same colour.
    await page.evaluate(() =>
      (window as unknown as { i386mm: { zoomFrames(n: number): void } }).i386mm.zoomFrames(4),
    );
    expect(await frameColour(pfn)).toBe(kernelColour);
    await shot("frames-zoomed");

    await stepTo("assert page_to_pfn(p2) == (page_to_pfn(p1) ^ 2)");
    await stepTo("__free_pages(p1, 1)");
    expect(await frameColour(pfn)).toBe(await swatch('.legend [data-owner="free"][data-order="1"]'));
    await stepTo("__free_pages(p2, 1)");
    expect(await counts("Normal")).toEqual(boot);
    expect(await frameColour(pfn)).toBe(await swatch(`.legend [data-owner="free"][data-order="${n}"]`));
    // The selected frame is free now: its free list is selected in the buddy view.
    expect(await page.getAttribute(`td.order[data-zone="Normal"][data-order="${n}"]`, "class")).toMatch(
      /selected/,
    );
    await shot("buddy-merged");

    await page.click('[data-action="run"]');
    const all = await page.textContent('[data-testid="output"]');
    expect(all).toContain("expected error: kernel BUG at mm/page_alloc.c");
    expect(all).toContain("check: all invariants hold");
    // Its failures are exactly those `i386mm run buddy-split-merge --mem 128M` reports (at 128 MiB
    // the sheet's step-3 assert does not hold: free_area[1] is not empty after boot).
    let cliErr = "";
    await main(["run", "buddy-split-merge", "--mem", "128M"], {
      out: () => {},
      err: (t) => (cliErr += t),
      cwd: process.cwd(),
    });
    const webErr = await page.$$eval(".output .rec.error", (els) =>
      els.flatMap((e) => e.textContent!.split("\n").filter((l) => l.startsWith("buddy-split-merge:"))),
    );
    expect(webErr.join("\n")).toBe(cliErr.replace(/\n$/, ""));
    expect(await page.isDisabled('[data-action="step"]')).toBe(true);

    // An error shows its line and the kernel's message.
    await page.fill(
      '[data-testid="editor"]',
      "p = alloc_pages(GFP_KERNEL, 0)\n__free_pages(p, 0)\n__free_pages(p, 0)\n",
    );
    await page.waitForFunction(
      () =>
        document.querySelector('[data-action="step"]') instanceof HTMLButtonElement &&
        !(document.querySelector('[data-action="step"]') as HTMLButtonElement).disabled,
    );
    await page.click('[data-action="run"]');
    const err = await page.textContent(".output .rec.error");
    expect(err).toMatch(/buddy-split-merge:3: kernel BUG at mm\/page_alloc\.c: /);
    expect(await page.getAttribute('.editor .line[data-line="3"]', "class")).toMatch(/error/);
  }, 180_000);

  it("steps through a process lab sheet: both layouts in the VMA view", async () => {
    await page.selectOption('[data-testid="sheets"]', "process-layouts");
    await page.waitForFunction(
      () => (window as unknown as { i386mm?: { filesReady: boolean } }).i386mm?.filesReady === true,
    );
    await ready();
    await stepTo('f = run_memorylayout("/bin/memorylayout-static", layout=flexible)');
    await page.waitForSelector('.task[data-layout="flexible"]');
    expect(await page.$$eval(".task", (els) => els.length)).toBe(1);
    // The new task's VMAs are marked as changed by the step.
    expect(
      await page.$$eval('.task[data-layout="flexible"] .vma.changed', (els) => els.length),
    ).toBeGreaterThan(0);
    await stepTo('c = run_memorylayout("/bin/memorylayout-static", layout=classic)');
    const head = await page.textContent('.task[data-layout="classic"] h3');
    expect(head).toContain("mmap_base 0x40000000");
    for (const layout of ["flexible", "classic"]) {
      const vmas = await page.$$eval(`.task[data-layout="${layout}"] .vma`, (els) =>
        els.map((e) => `${e.getAttribute("data-start")} ${e.getAttribute("data-label")}`),
      );
      expect(vmas).toContain("0x08048000 memorylayout-static");
      expect(vmas.some((v) => v.endsWith("[heap]"))).toBe(true);
      expect(vmas.some((v) => v.endsWith("[stack]"))).toBe(true);
    }
    expect(Number(await page.textContent('[data-legend="user"] small'))).toBeGreaterThan(0);
    await shot("process-sheet");
    await page.click('[data-action="run"]');
    expect(await page.$$eval(".output .rec.error", (els) => els.length)).toBe(0);
  }, 180_000);

  it("runs a program in both layouts: the VMA view, a page walk, the TLB", async () => {
    await page.goto(`${base}index.html?mem=128M`);
    await ready();
    await page.click('[data-action="exec-both"]');
    await page.waitForSelector('.task[data-layout="classic"]', { timeout: 60_000 });
    const tasks = await page.$$eval(".task", (els) =>
      els.map((e) => ({ layout: e.getAttribute("data-layout"), head: e.querySelector("h3")!.textContent })),
    );
    expect(tasks.map((t) => t.layout)).toEqual(["flexible", "classic"]);
    expect(tasks[1]!.head).toContain("mmap_base 0x40000000");
    for (const layout of ["flexible", "classic"]) {
      const vmas = await page.$$eval(`.task[data-layout="${layout}"] .vma`, (els) =>
        els.map(
          (e) =>
            `${e.getAttribute("data-start")} ${e.getAttribute("data-perms")} ${e.getAttribute("data-label")}`,
        ),
      );
      expect(vmas).toContain("0x08048000 r--p memorylayout-static");
      expect(vmas.some((v) => v.endsWith("r-xp memorylayout-static"))).toBe(true);
      expect(vmas.some((v) => v.endsWith("[heap]"))).toBe(true);
      expect(vmas.some((v) => v.endsWith("[stack]"))).toBe(true);
    }
    // Frames of the processes are in the legend's user count.
    expect(Number(await page.textContent('[data-legend="user"] small'))).toBeGreaterThan(0);
    // Click the flexible process's text VMA: the walk goes there.
    await page.click('.task[data-layout="flexible"] .vma[data-start="0x08048000"]');
    const walk = await page.textContent('[data-testid="page-walk"]');
    expect(walk).toMatch(/pgd\[32\]/);
    expect(walk).toMatch(/pte\[72\]/);
    // The played program never read its first page: not present until an access faults it in.
    expect(walk).toMatch(/not present: the first access faults/);
    await page.click('[data-action="access-read"]');
    const walked = await page.textContent('[data-testid="page-walk"]');
    expect(walked).toMatch(/frame 0x[0-9a-f]+ — phys/);
    expect(await page.textContent('[data-testid="tlb"]')).toMatch(/CPU 0: TLB hit -> frame/);
    expect(await page.textContent(".output .rec.last")).toMatch(/read 0x8048000 as pid \d+/);
    await shot("processes");
    expect(problems).toEqual([]);
  }, 180_000);
});
