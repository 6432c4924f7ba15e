/*
 * app.ts — the explorer page: the boot form, the scenario editor with its lab-sheet menu and
 * step controls, the output, and the views (physical memory, buddy lists, slab caches, kernel
 * layout, processes), all redrawn from one Explorer after every step, with what changed
 * highlighted. Hover shows a descriptor; a click selects in every view.
 */

import { parseArgs, parseSize, scenarioFlags } from "@i386mm/demo";
import { type Descriptor, describeFrame } from "../model/describe.js";
import { Explorer } from "../model/explorer.js";
import { OWNER_COUNT, OWNER_LABEL, OWNER_NAME, Owner, ownerCss } from "../model/owners.js";
import { resolveSelection, type Selection, type SelectionSource, sourceOfValue } from "../model/selection.js";
import type { FrontEndFiles, MachineOptions, Program } from "../model/session.js";
import { BuddyView } from "./buddy-view.js";
import { h, hx, panel, replace, size } from "./dom.js";
import { Editor } from "./editor.js";
import { FramesView } from "./frames-view.js";
import { ProcessView } from "./process-view.js";
import { SlabView } from "./slab-view.js";
import { LayoutView } from "./vlayout-view.js";

/** A shipped lab sheet. */
export interface LabSheet {
  readonly name: string;
  readonly title: string;
  readonly text: string;
}

/** What the page needs from outside: the sheets, the disk image, the files processes use. */
export interface AppAssets {
  readonly sheets: readonly LabSheet[];
  loadImage(): Promise<Uint8Array>;
  /** The paths exec() finds in the model's /bin and /lib. */
  readonly userlandPaths: readonly string[];
  /** Fetch the binaries (by model path) and the files a sheet may mount (by the path it names). */
  loadFiles(): Promise<{ userland: Map<string, Uint8Array>; host: Map<string, Uint8Array> }>;
}

/** Does a scenario use the binaries or host files (so they must be fetched before it runs)? */
export function needsFiles(text: string): boolean {
  return /\b(exec|run_memorylayout|mount)\s*\(/.test(text);
}

const MEM_CHOICES = ["32M", "64M", "128M", "256M", "512M", "896M", "1G", "2G", "4G", "8G"];

export class App {
  explorer: Explorer | null = null;
  private image: Uint8Array | null = null;
  private selSource: SelectionSource | null = null;
  selection: Selection | null = null;
  private readonly editor: Editor;
  private readonly frames: FramesView;
  private readonly buddy: BuddyView;
  private readonly slab: SlabView;
  private readonly layout: LayoutView;
  private readonly process: ProcessView;
  private readonly output: HTMLElement;
  private readonly vars: HTMLElement;
  private readonly status: HTMLElement;
  private readonly tip: HTMLElement;
  private readonly selBar: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly sheetMenu: HTMLSelectElement;
  private readonly memInput: HTMLInputElement;
  private readonly paeInput: HTMLInputElement;
  private readonly cpusInput: HTMLSelectElement;
  private readonly nodesInput: HTMLSelectElement;
  private readonly buttons: Record<"reset" | "back" | "step" | "run", HTMLButtonElement>;
  /** Timings of the page's start (ms since navigation), for the load figure. */
  readonly timings: Record<string, number> = {};
  private file = "scratch.mm";
  /** The front end's files for exec() and mount(): filled when fetched (loadFiles). */
  private readonly files: FrontEndFiles;
  private userlandFiles = new Map<string, Uint8Array>();
  private hostFiles = new Map<string, Uint8Array>();
  private filesLoading: Promise<boolean> | null = null;
  /** The binaries and host files are fetched (for tests: window.i386mm.filesReady). */
  filesReady = false;

  constructor(
    root: HTMLElement,
    private readonly assets: AppAssets,
  ) {
    this.files = {
      userland: { paths: assets.userlandPaths, read: (p) => this.userlandFiles.get(p) ?? null },
      host: {
        read: (p) =>
          this.hostFiles.get(p.replace(/^\.\//, "")) ??
          `No such file or directory (the page has ${[...this.hostFiles.keys()].join(", ") || "no files yet"})`,
      },
    };
    // ---- header: the machine
    this.memInput = h("input", {
      type: "text",
      list: "mem-choices",
      size: 6,
      value: "1G",
      "aria-label": "memory",
      name: "mem",
    });
    this.paeInput = h("input", { type: "checkbox", name: "pae" });
    this.cpusInput = h(
      "select",
      { name: "cpus", "aria-label": "CPUs" },
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => h("option", { value: n }, String(n))),
    );
    this.nodesInput = h(
      "select",
      { name: "nodes", "aria-label": "nodes" },
      h("option", { value: 1 }, "1"),
      h("option", { value: 2 }, "2"),
    );
    this.status = h("span", { class: "status", "data-testid": "status" });
    const bootForm = h(
      "form",
      { class: "boot" },
      h("label", {}, "RAM ", this.memInput),
      h("datalist", { id: "mem-choices" }, ...MEM_CHOICES.map((m) => h("option", { value: m }))),
      h("label", {}, this.paeInput, " PAE"),
      h("label", {}, " CPUs ", this.cpusInput),
      h("label", {}, " nodes ", this.nodesInput),
      h("button", { type: "submit", "data-action": "boot" }, "Boot"),
      this.status,
    );
    bootForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this.boot();
    });

    // ---- left: editor, controls, output
    this.sheetMenu = h(
      "select",
      { "aria-label": "lab sheets", "data-testid": "sheets" },
      h("option", { value: "" }, "lab sheets…"),
      ...assets.sheets.map((s) => h("option", { value: s.name }, `${s.name} — ${s.title}`)),
    );
    this.sheetMenu.addEventListener("change", () => {
      const s = assets.sheets.find((x) => x.name === this.sheetMenu.value);
      if (s) this.loadSheet(s);
    });
    this.editor = new Editor((text) => this.onEdit(text));
    this.buttons = {
      reset: h(
        "button",
        {
          type: "button",
          "data-action": "reset",
          title: "boot again, nothing run",
          onclick: () => this.act(() => this.explorer!.reset()),
        },
        "|◀ reset",
      ),
      back: h(
        "button",
        {
          type: "button",
          "data-action": "back",
          title: "one step back (boots again and replays the steps before)",
          onclick: () => this.act(() => this.explorer!.back()),
        },
        "◀ back",
      ),
      step: h(
        "button",
        {
          type: "button",
          "data-action": "step",
          title: "run the next statement",
          onclick: () => void this.withFiles(() => this.act(() => this.explorer!.forward())),
        },
        "step ▶",
      ),
      run: h(
        "button",
        {
          type: "button",
          "data-action": "run",
          title: "run to the end",
          onclick: () => void this.withFiles(() => this.act(() => this.explorer!.runToEnd())),
        },
        "run to end ▶|",
      ),
    };
    this.output = h("pre", { class: "output", "data-testid": "output" });
    this.vars = h("div", { class: "vars", "data-testid": "vars" });
    const left = h(
      "div",
      { class: "left" },
      h("div", { class: "sheetbar" }, this.sheetMenu),
      this.editor.root,
      h(
        "div",
        { class: "controls" },
        this.buttons.reset,
        this.buttons.back,
        this.buttons.step,
        this.buttons.run,
      ),
      h("h2", {}, "Output"),
      this.output,
      h("h2", {}, "Variables"),
      this.vars,
    );

    // ---- right: the views
    const pFrames = panel(
      "frames",
      "Physical memory",
      "Every frame of every zone, coloured by owner. Ctrl+wheel or +/− to zoom, double-click zooms in; hover for the struct page, click to select.",
    );
    this.legend = h("div", { class: "legend", "data-testid": "legend" });
    pFrames.body.append(this.legend);
    this.frames = new FramesView(pFrames.body, pFrames.tools, {
      hover: (pfn, range, x, y) => this.hoverFrame(pfn, range, x, y),
      select: (pfn) => this.select({ kind: "frame", pfn }),
    });
    const pBuddy = panel(
      "buddy",
      "Buddy free lists",
      "free_area[order].nr_free per zone, as /proc/buddyinfo; click a cell to select its blocks.",
    );
    this.buddy = new BuddyView(pBuddy.body, {
      selectOrder: (zone, order) => this.select({ kind: "order", zone, order }),
      hoverText: (t, x, y) => this.tipText(t, x, y),
    });
    const pSlab = panel(
      "slab",
      "Slab caches",
      "cache_chain: geometry, colours, slab lists; click a cache for its slabs and objects.",
    );
    this.slab = new SlabView(pSlab.body, pSlab.tools, {
      selectCache: (name) => this.select({ kind: "cache", name }),
      selectObject: (addr) => this.select({ kind: "object", addr }),
      hoverText: (t, x, y) => this.tipText(t, x, y),
    });
    const pLayout = panel(
      "layout",
      "Kernel virtual layout",
      "Lowmem, vmalloc with guard pages, pkmap slots and fixmaps.",
    );
    this.layout = new LayoutView(pLayout.body, {
      selectArea: (addr) => this.select({ kind: "area", addr }),
      selectPkmap: (nr) => this.select({ kind: "pkmap", nr }),
      selectFix: (idx) => this.select({ kind: "fix", idx }),
      selectFrame: (pfn) => this.select({ kind: "frame", pfn }),
      hoverText: (t, x, y) => this.tipText(t, x, y),
    });
    const pProc = panel(
      "processes",
      "Processes",
      "VMAs of each process in the flexible and classic layouts; a page-table walk of any address.",
    );
    this.process = new ProcessView(pProc.body, pProc.tools, {
      exec: (program, layouts) => void this.exec(program, layouts),
      exit: (pid) => this.act(() => this.explorer!.act({ t: "exit", pid })),
      access: (pid, va, write) => this.act(() => this.explorer!.act({ t: "access", pid, va, write })),
      selectVma: (pid, start) => this.select({ kind: "vma", pid, start }),
      selectFrame: (pfn) => this.select({ kind: "frame", pfn }),
      hoverText: (t, x, y) => this.tipText(t, x, y),
    });
    this.selBar = h("div", { class: "selbar", "data-testid": "selection" });
    const right = h(
      "div",
      { class: "right" },
      this.selBar,
      pFrames.root,
      pBuddy.root,
      h("div", { class: "row2" }, pLayout.root, pSlab.root),
      pProc.root,
    );

    this.tip = h("div", { class: "tip", role: "tooltip", "data-testid": "tooltip" });
    root.append(
      h(
        "header",
        { class: "top" },
        h("h1", {}, "i386mm ", h("small", {}, "Linux 2.6.11 i386 memory, running")),
        bootForm,
      ),
      h("main", {}, left, right),
      this.tip,
    );
    document.addEventListener("keydown", (e) => {
      if (e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement) return;
      if (e.key === "ArrowRight" || e.key === "n") this.buttons.step.click();
      else if (e.key === "ArrowLeft" || e.key === "p") this.buttons.back.click();
    });
  }

  /** Start: machine and sheet from the URL (?mem=1G&pae=1&cpus=2&nodes=1&sheet=buddy-split-merge). */
  start(params: URLSearchParams): void {
    if (params.get("mem")) this.memInput.value = params.get("mem")!;
    this.paeInput.checked = params.get("pae") === "1" || params.get("pae") === "true";
    if (params.get("cpus")) this.cpusInput.value = params.get("cpus")!;
    if (params.get("nodes")) this.nodesInput.value = params.get("nodes")!;
    const sheet = this.assets.sheets.find((s) => s.name === params.get("sheet"));
    if (sheet) {
      this.sheetMenu.value = sheet.name;
      this.editor.text = sheet.text;
      this.file = sheet.name;
      this.applyFlags(sheet.text);
    } else {
      this.editor.text = DEFAULT_TEXT;
    }
    this.boot();
  }

  private machineOptions(): MachineOptions {
    return {
      memBytes: parseSize(this.memInput.value.trim()),
      pae: this.paeInput.checked,
      cpus: Number(this.cpusInput.value),
      nodes: Number(this.nodesInput.value) === 2 ? 2 : 1,
    };
  }

  /** A sheet's `# i386mm: --mem 64M --cpus 2` lines set the boot form. */
  private applyFlags(text: string): void {
    const flags = scenarioFlags(text);
    if (!flags.length) return;
    const inv = parseArgs(["run", ...flags]);
    const mib = inv.memBytes / 2 ** 20;
    this.memInput.value = mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
    this.paeInput.checked = inv.pae;
    this.cpusInput.value = String(inv.cpus);
    this.nodesInput.value = String(inv.nodes);
  }

  loadSheet(s: LabSheet): void {
    this.editor.text = s.text;
    this.file = s.name;
    try {
      this.applyFlags(s.text);
    } catch (e) {
      this.setStatus(`${s.name}: ${(e as Error).message}`, true);
    }
    this.boot();
  }

  /** Boot a new machine with the form's options and the editor's text. */
  boot(): void {
    let opts: MachineOptions;
    try {
      opts = this.machineOptions();
    } catch (e) {
      this.setStatus(`RAM: ${(e as Error).message}`, true);
      return;
    }
    const t0 = performance.now();
    try {
      this.explorer = new Explorer(opts, this.file, this.editor.text, () => this.imageBytes(), this.files);
      if (needsFiles(this.editor.text)) void this.loadFiles();
    } catch (e) {
      this.setStatus(`boot: ${(e as Error).message}`, true);
      return;
    }
    this.timings.boot = performance.now() - t0;
    this.timings.snapshot = this.explorer.snapshotMs;
    this.selSource = null;
    this.render(true);
    this.timings.ready = performance.now();
  }

  private imageBytes(): Uint8Array {
    if (!this.image) throw new Error("the ext2 image is not loaded yet");
    return this.image.slice();
  }

  private async exec(program: Program, layouts: readonly ("flexible" | "classic")[]): Promise<void> {
    if (!this.image) {
      this.setStatus("loading the ext2 image (memorylayout.ext2)…");
      try {
        this.image = await this.assets.loadImage();
      } catch (e) {
        this.setStatus(`cannot load the ext2 image: ${(e as Error).message}`, true);
        return;
      }
    }
    this.act(() => {
      for (const layout of layouts) this.explorer!.act({ t: "exec", program, layout });
    });
  }

  /** Fetch the binaries and host files once; true when they are there. */
  private loadFiles(): Promise<boolean> {
    this.filesLoading ??= this.assets.loadFiles().then(
      (f) => {
        this.userlandFiles = f.userland;
        this.hostFiles = f.host;
        this.filesReady = true;
        return true;
      },
      (e: Error) => {
        this.filesLoading = null;
        this.setStatus(`cannot load the binaries (fixtures/elf): ${e.message}`, true);
        return false;
      },
    );
    return this.filesLoading;
  }

  /** Run `fn` once the files the text needs are fetched (at once when it needs none or they are). */
  private async withFiles(fn: () => void): Promise<void> {
    if (!this.filesReady && this.explorer && needsFiles(this.explorer.text)) {
      this.setStatus("loading the binaries (fixtures/elf)…");
      if (!(await this.loadFiles())) return;
    }
    fn();
  }

  private onEdit(text: string): void {
    if (!this.explorer) return;
    if (needsFiles(text)) void this.loadFiles();
    this.act(() => this.explorer!.setText(text, this.file));
  }

  /** Run an explorer action, then redraw. */
  private act(fn: () => unknown): void {
    if (!this.explorer) return;
    const t0 = performance.now();
    try {
      fn();
    } catch (e) {
      this.setStatus(`${(e as Error).name}: ${(e as Error).message}`, true);
    }
    this.timings.lastStep = performance.now() - t0;
    this.timings.snapshotLast = this.explorer.snapshotMs;
    this.render(false);
  }

  private select(src: SelectionSource): void {
    this.selSource = src;
    this.resolveSelection();
    this.renderViews();
    if (this.selection && this.selection.pfns.size > 0 && src.kind !== "order" && src.kind !== "cache") {
      const first = [...this.selection.pfns][0]!;
      this.frames.scrollTo(first);
    }
  }

  private resolveSelection(): void {
    const ex = this.explorer;
    this.selection =
      ex && this.selSource
        ? resolveSelection(ex.session.kernel, ex.session.vm, ex.snapshot, this.selSource)
        : null;
    const s = this.selection;
    if (!s) {
      replace(
        this.selBar,
        h(
          "span",
          { class: "hint" },
          "Nothing selected: click a frame, a buddy cell, a cache or object, an area or slot, a VMA.",
        ),
      );
      return;
    }
    const d =
      s.source.kind === "frame" && ex
        ? describeFrame(ex.session.kernel, ex.snapshot.frames, s.source.pfn)
        : null;
    replace(
      this.selBar,
      h("b", {}, "Selected: "),
      s.label,
      s.pfns.size > 1 ? ` — ${s.pfns.size} frames` : "",
      d ? h("span", { class: "desc" }, ` — ${d.rows.find((r) => r[0] === "owner")![1]}`) : null,
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            this.selSource = null;
            this.resolveSelection();
            this.renderViews();
          },
        },
        "clear",
      ),
    );
  }

  render(first: boolean): void {
    const ex = this.explorer;
    if (!ex) return;
    const t0 = performance.now();
    this.resolveSelection();
    this.frames.update(ex.snapshot, ex.changes, this.selection);
    this.timings.drawFrames = performance.now() - t0;
    this.timings.framesLayout = this.frames.timing.layout;
    this.timings.framesDraw = this.frames.timing.draw;
    if (first) {
      this.timings.firstDraw = performance.now();
      performance.mark("i386mm:first-draw");
    }
    this.renderViews();
    const t1 = performance.now();
    this.renderLegend();
    this.renderEditor();
    this.timings["view.editor"] = performance.now() - t1;
    const k = ex.session.kernel;
    this.setStatus(
      `${k.describe()} — booted in ${Math.round(ex.session.bootMs)} ms; ${ex.records.length} step${ex.records.length === 1 ? "" : "s"}${ex.records.length ? `, last ${ex.records[ex.records.length - 1]!.ms.toFixed(1)} ms` : ""}; views read in ${ex.snapshotMs.toFixed(1)} ms`,
    );
  }

  private renderViews(): void {
    const ex = this.explorer!;
    const k = ex.session.kernel;
    const t = (name: string, fn: () => void) => {
      const t0 = performance.now();
      fn();
      this.timings[`view.${name}`] = performance.now() - t0;
    };
    this.frames.setSelection(this.selection);
    t("buddy", () => this.buddy.update(ex.snapshot, ex.changes, this.selection));
    t("slab", () => this.slab.update(k, ex.snapshot, ex.changes, this.selection));
    t("layout", () => this.layout.update(k, ex.snapshot, ex.changes, this.selection));
    t("process", () => this.process.update(k, ex.session.vm, ex.snapshot, ex.changes, this.selection));
  }

  private renderLegend(): void {
    const fm = this.explorer!.snapshot.frames;
    const items = [];
    for (let o = 0; o < OWNER_COUNT; o++) {
      const sw =
        o === Owner.FREE
          ? h(
              "span",
              { class: "ramp" },
              ...Array.from({ length: 11 }, (_, k) =>
                h("span", {
                  class: "sw",
                  style: `background:${ownerCss(Owner.FREE, k)}`,
                  title: `order ${k}`,
                  "data-owner": "free",
                  "data-order": k,
                }),
              ),
            )
          : h("span", { class: "sw", style: `background:${ownerCss(o)}`, "data-owner": OWNER_NAME[o] });
      items.push(
        h(
          "span",
          { class: "item", "data-legend": OWNER_NAME[o] },
          sw,
          ` ${OWNER_LABEL[o]} `,
          h("small", {}, `${fm.counts[o]}`),
        ),
      );
    }
    const changed = this.explorer!.changes.frames.size;
    items.push(
      h(
        "span",
        { class: "item" },
        h("span", { class: "sw changed" }),
        ` changed by the last step `,
        h("small", { "data-testid": "changed-count" }, String(changed)),
      ),
    );
    replace(this.legend, ...items);
  }

  private renderEditor(): void {
    const ex = this.explorer!;
    const ran = new Set<number>();
    const errors = new Map<number, string>();
    let last = -1;
    const out: HTMLElement[] = [];
    ex.records.forEach((r, i) => {
      if (r.line !== null) {
        ran.add(r.line - 1);
        last = r.line - 1;
        if (r.error) errors.set(r.line - 1, r.error);
      }
      out.push(
        h(
          "div",
          {
            class: `rec${r.error ? " error" : ""}${i === ex.records.length - 1 ? " last" : ""}`,
            "data-step": i + 1,
          },
          r.output.join("\n"),
        ),
      );
    });
    this.editor.setMarks({ ran, next: ex.nextStatement, errors, last });
    replace(this.output, ...out);
    this.output.scrollTop = this.output.scrollHeight;
    this.buttons.back.disabled = ex.records.length === 0;
    this.buttons.step.disabled = ex.atEnd;
    this.buttons.run.disabled = ex.atEnd;
    // A variable that points at something (a page, an address, a cache) selects it on a click.
    replace(
      this.vars,
      ...[...ex.session.interp.vars].map(([name, value]) => {
        const src = sourceOfValue(ex.session.kernel, value);
        const row = h(
          "div",
          src
            ? { class: "pick", title: "click: select it in every view", "data-var": name }
            : { "data-var": name },
          h("b", {}, name),
          " = ",
          ex.session.formatVar(name),
        );
        if (src) row.addEventListener("click", () => this.select(src));
        return row;
      }),
    );
  }

  private setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle("error", error);
  }

  // ---- hover
  private hoverFrame(pfn: number | null, range: [number, number] | null, x: number, y: number): void {
    const ex = this.explorer;
    if (pfn === null || !ex) {
      this.tipText(null, 0, 0);
      return;
    }
    if (range) {
      const fm = ex.snapshot.frames;
      const counts = new Map<number, number>();
      for (let p = range[0]; p <= range[1]; p++)
        counts.set(fm.owner[p]!, (counts.get(fm.owner[p]!) ?? 0) + 1);
      const parts = [...counts].sort((a, b) => b[1] - a[1]).map(([o, n]) => `${n} ${OWNER_LABEL[o]}`);
      this.tipText(
        `frames ${hx(range[0])}-${hx(range[1])} (${size((range[1] - range[0] + 1) * 4096)}): ${parts.join(", ")}\nzoom in for single frames; click selects ${hx(pfn)}`,
        x,
        y,
      );
      return;
    }
    this.tipDescriptor(describeFrame(ex.session.kernel, ex.snapshot.frames, pfn), x, y);
  }

  private tipDescriptor(d: Descriptor, x: number, y: number): void {
    replace(
      this.tip,
      h("b", {}, d.title),
      h("table", {}, ...d.rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))),
    );
    this.place(x, y);
  }

  private tipText(text: string | null, x: number, y: number): void {
    if (text === null) {
      this.tip.style.display = "none";
      return;
    }
    replace(this.tip, ...text.split("\n").map((l, i) => (i === 0 ? h("b", {}, l) : h("div", {}, l))));
    this.place(x, y);
  }

  private place(x: number, y: number): void {
    const t = this.tip;
    t.style.display = "block";
    const w = t.offsetWidth;
    const hgt = t.offsetHeight;
    t.style.left = `${Math.min(x + 14, window.innerWidth - w - 8)}px`;
    t.style.top = `${y + 16 + hgt > window.innerHeight ? Math.max(4, y - hgt - 8) : y + 16}px`;
  }

  // ---- test hooks
  /** The colour frame `pfn` is drawn in (read back from the canvas's pixels), e.g. "rgb(168, 168, 168)". */
  frameColour(pfn: number): string | null {
    return this.frames.drawnColour(pfn);
  }

  /** Where a frame is drawn on the canvas (CSS pixels), after scrolling it into view. */
  frameRect(pfn: number): { x: number; y: number; w: number; h: number } | null {
    return this.frames.frameRect(pfn);
  }

  /** Zoom the frames view to `step` levels in (tests, keyboard). */
  zoomFrames(step: number): void {
    this.frames.zoom(step);
  }
}

const DEFAULT_TEXT = `# A scratch scenario: the demo's language (help: apps/demo/README.md).
# Step through it with the buttons or the arrow keys; edit freely.
cat /proc/buddyinfo
p = alloc_pages(GFP_KERNEL, 3)
c = kmem_cache_create("lab_cache", 100, 0, SLAB_HWCACHE_ALIGN, NULL, NULL)
x = kmem_cache_alloc(c, GFP_KERNEL)
v = vmalloc(3 * PAGE_SIZE)
h = alloc_page(GFP_HIGHUSER)
k = kmap(h)
cat /proc/buddyinfo
kunmap(h)
vfree(v)
kmem_cache_free(c, x)
__free_pages(p, 3)
check
`;
