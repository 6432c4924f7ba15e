/*
 * frames-view.ts — physical memory as strips of frames, one per zone, coloured by owner
 * (owners.ts), zoomable from the whole machine (many frames per pixel: the cell takes the colour
 * most of its frames have) to single frames (up to 24 px each, with gaps between them). Drawn on a
 * canvas the size of the visible window only, so 64 GiB scrolls as smoothly as 16 MiB; frames the
 * last step changed are ringed in magenta, selected frames in black and white.
 */

import { OWNER_COUNT, Owner, ownerWord } from "../model/owners.js";
import type { Selection } from "../model/selection.js";
import type { Changes, Snapshot } from "../model/snapshot.js";
import { h, hx, size } from "./dom.js";

/** Pixels per frame at each zoom level (below 1: several frames share a pixel). */
const SCALES = [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 3, 4, 6, 8, 12, 16, 24];
const ZONE_HEADER = 18;
const ZONE_GAP = 8;

interface ZoneBand {
  readonly key: string;
  readonly label: string;
  readonly start: number;
  readonly count: number;
  /** Top of the header. */
  readonly y: number;
  /** Top of the first row. */
  readonly rowsY: number;
  readonly rows: number;
}

export interface FramesViewEvents {
  hover(pfn: number | null, range: [number, number] | null, x: number, y: number): void;
  select(pfn: number): void;
}

export class FramesView {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly scaleLabel: HTMLElement;
  private snap: Snapshot | null = null;
  private changes: Changes | null = null;
  private selection: Selection | null = null;
  private scaleIdx = 6;
  private fitted = false;
  private bands: ZoneBand[] = [];
  private cols = 1;
  private cell = 1;
  private fpc = 1;
  private raf = 0;
  private contentHeight = 0;
  /** The frames as drawn, before the change and selection rings (read back by tests). */
  private base: ImageData | null = null;

  constructor(
    host: HTMLElement,
    tools: HTMLElement,
    private readonly ev: FramesViewEvents,
  ) {
    this.canvas = h("canvas", { class: "frames", "data-testid": "frames-canvas" });
    this.spacer = h("div", { class: "spacer" });
    this.scroller = h("div", { class: "frames-scroller" }, this.canvas, this.spacer);
    this.scaleLabel = h("span", { class: "scale" });
    const goto = h("input", { type: "text", placeholder: "go to pfn", size: 10, "aria-label": "go to pfn" });
    goto.addEventListener("change", () => {
      const pfn = Number.parseInt(goto.value.trim(), goto.value.trim().startsWith("0x") ? 16 : 10);
      if (Number.isFinite(pfn)) {
        this.ev.select(pfn);
        this.scrollTo(pfn);
      }
    });
    tools.append(
      h("button", { type: "button", title: "zoom out", onclick: () => this.zoom(-1) }, "−"),
      h("button", { type: "button", title: "zoom in", onclick: () => this.zoom(1) }, "+"),
      h("button", { type: "button", title: "whole machine", onclick: () => this.fit() }, "fit"),
      this.scaleLabel,
      goto,
    );
    this.root = host;
    host.append(this.scroller);
    this.scroller.addEventListener("scroll", () => this.schedule());
    this.canvas.addEventListener("mousemove", (e) => this.onMove(e));
    this.canvas.addEventListener("mouseleave", () => this.ev.hover(null, null, 0, 0));
    this.canvas.addEventListener("click", (e) => {
      const hit = this.hit(e);
      if (hit) this.ev.select(hit.pfn);
    });
    this.canvas.addEventListener("dblclick", (e) => {
      const hit = this.hit(e);
      if (hit) this.zoom(2, hit.pfn, e.offsetY);
    });
    this.scroller.addEventListener(
      "wheel",
      (e) => {
        if (!e.ctrlKey && !e.metaKey) return;
        e.preventDefault();
        const hit = this.hit(e);
        this.zoom(e.deltaY < 0 ? 1 : -1, hit?.pfn, e.offsetY);
      },
      { passive: false },
    );
    new ResizeObserver(() => {
      this.layout();
      this.schedule();
    }).observe(this.scroller);
  }

  update(snap: Snapshot, changes: Changes, selection: Selection | null): void {
    const first = this.snap === null || this.snap.frames.nr !== snap.frames.nr;
    this.snap = snap;
    this.changes = changes;
    this.selection = selection;
    if (first) this.fitted = false;
    const t0 = performance.now();
    this.layout();
    const t1 = performance.now();
    this.draw();
    this.timing = { layout: t1 - t0, draw: performance.now() - t1 };
  }

  /** Milliseconds of the last update: layout (page metrics) and drawing. */
  timing = { layout: 0, draw: 0 };

  setSelection(selection: Selection | null): void {
    this.selection = selection;
    this.schedule();
  }

  /** Frames per cell and pixels per cell at the current zoom. */
  private get scale(): number {
    return SCALES[this.scaleIdx]!;
  }

  private layout(): void {
    const snap = this.snap;
    if (!snap) return;
    const width = Math.max(100, this.scroller.clientWidth - 2);
    if (!this.fitted) {
      this.fitted = true;
      this.scaleIdx = this.fitIndex(width);
    }
    const s = this.scale;
    this.cell = Math.max(s, 1);
    this.fpc = s >= 1 ? 1 : Math.round(1 / s);
    this.cols = Math.max(1, Math.floor(width / this.cell));
    let y = 0;
    this.bands = snap.zones.map((z) => {
      const rows = Math.ceil(z.spanned / (this.cols * this.fpc));
      const band: ZoneBand = {
        key: z.key,
        label: `${z.name}${snap.zones.some((o) => o.node !== 0) ? ` (node ${z.node})` : ""}: pfn ${hx(z.start)}-${hx(z.start + z.spanned - 1)}, ${size(z.spanned * 4096)}, ${z.free_pages} free pages`,
        start: z.start,
        count: z.spanned,
        y,
        rowsY: y + ZONE_HEADER,
        rows,
      };
      y += ZONE_HEADER + rows * this.cell + ZONE_GAP;
      return band;
    });
    this.contentHeight = y;
    this.scaleLabel.textContent = this.fpc > 1 ? `1 px = ${this.fpc} frames` : `${this.cell} px per frame`;
  }

  /** The zoom that shows the whole machine in the visible height (at least 1 frame per pixel row). */
  private fitIndex(width: number): number {
    const snap = this.snap!;
    const height = Math.max(120, this.scroller.clientHeight - 4);
    for (let i = SCALES.length - 1; i >= 0; i--) {
      const s = SCALES[i]!;
      const cell = Math.max(s, 1);
      const fpc = s >= 1 ? 1 : Math.round(1 / s);
      const cols = Math.floor(width / cell);
      let y = 0;
      for (const z of snap.zones) y += ZONE_HEADER + Math.ceil(z.spanned / (cols * fpc)) * cell + ZONE_GAP;
      if (y <= height) return i;
    }
    return 0;
  }

  private schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.draw();
    });
  }

  zoom(step: number, anchorPfn?: number, anchorY?: number): void {
    const selected = this.selection && this.selection.pfns.size > 0 ? [...this.selection.pfns][0]! : null;
    const pfn =
      anchorPfn ?? selected ?? this.pfnAtY(this.scroller.scrollTop + this.scroller.clientHeight / 2);
    const offset = anchorY ?? this.scroller.clientHeight / 2;
    this.scaleIdx = Math.max(0, Math.min(SCALES.length - 1, this.scaleIdx + step));
    this.fitted = true;
    this.layout();
    if (pfn !== null) {
      const r = this.cellRect(pfn);
      if (r) this.scroller.scrollTop = Math.max(0, r.absY - offset);
    }
    this.draw();
  }

  fit(): void {
    this.fitted = false;
    this.layout();
    this.scroller.scrollTop = 0;
    this.draw();
  }

  /** Scroll so that `pfn` is visible. */
  scrollTo(pfn: number): void {
    const r = this.cellRect(pfn);
    if (!r) return;
    const top = this.scroller.scrollTop;
    const hgt = this.scroller.clientHeight;
    if (r.absY < top || r.absY + r.h > top + hgt) this.scroller.scrollTop = Math.max(0, r.absY - hgt / 3);
    this.draw();
  }

  /** Where frame `pfn` is drawn: absolute y in the content, and x, w, h. */
  private cellRect(pfn: number): { x: number; absY: number; w: number; h: number } | null {
    for (const b of this.bands) {
      if (pfn < b.start || pfn >= b.start + b.count) continue;
      const i = Math.floor((pfn - b.start) / this.fpc);
      const row = Math.floor(i / this.cols);
      const col = i % this.cols;
      return { x: col * this.cell, absY: b.rowsY + row * this.cell, w: this.cell, h: this.cell };
    }
    return null;
  }

  /** The colour a frame is drawn in (its cell's centre pixel, under the rings), as "rgb(r, g, b)". */
  drawnColour(pfn: number): string | null {
    const r = this.frameRect(pfn);
    const img = this.base;
    if (!r || !img) return null;
    const dpr = window.devicePixelRatio || 1;
    const x = Math.floor((r.x + r.w / 2) * dpr);
    const y = Math.floor((r.y + r.h / 2) * dpr);
    const i = (y * img.width + x) * 4;
    return `rgb(${img.data[i]}, ${img.data[i + 1]}, ${img.data[i + 2]})`;
  }

  /** The frame's cell in canvas (CSS pixel) coordinates after scrolling it into view. */
  frameRect(pfn: number): { x: number; y: number; w: number; h: number } | null {
    this.scrollTo(pfn);
    const r = this.cellRect(pfn);
    if (!r) return null;
    return { x: r.x, y: r.absY - this.scroller.scrollTop, w: r.w, h: r.h };
  }

  private pfnAtY(absY: number): number | null {
    for (const b of this.bands) {
      if (absY >= b.rowsY && absY < b.rowsY + b.rows * this.cell) {
        const row = Math.floor((absY - b.rowsY) / this.cell);
        return b.start + row * this.cols * this.fpc;
      }
    }
    return null;
  }

  private hit(e: MouseEvent): { pfn: number; range: [number, number] } | null {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const absY = e.clientY - rect.top + this.scroller.scrollTop;
    for (const b of this.bands) {
      if (absY < b.rowsY || absY >= b.rowsY + b.rows * this.cell) continue;
      const row = Math.floor((absY - b.rowsY) / this.cell);
      const col = Math.floor(x / this.cell);
      if (col >= this.cols) return null;
      const first = b.start + (row * this.cols + col) * this.fpc;
      const last = Math.min(first + this.fpc, b.start + b.count) - 1;
      if (first > last) return null;
      return { pfn: this.dominant(first, last + 1).pfn, range: [first, last] };
    }
    return null;
  }

  private onMove(e: MouseEvent): void {
    const hit = this.hit(e);
    if (!hit) {
      this.ev.hover(null, null, e.clientX, e.clientY);
      return;
    }
    this.ev.hover(hit.pfn, this.fpc > 1 ? hit.range : null, e.clientX, e.clientY);
  }

  private readonly tally = new Uint32Array(OWNER_COUNT);

  /** The owner most frames in [a, b) have (and, for free frames, the largest order among them). */
  private dominant(a: number, b: number): { owner: number; order: number; pfn: number } {
    const fm = this.snap!.frames;
    const owner = fm.owner;
    if (b - a === 1) return { owner: owner[a]!, order: fm.order[a]!, pfn: a };
    const best = this.dominantOwner(a, b);
    let order = 0;
    let pfn = -1;
    for (let p = a; p < b; p++) {
      if (owner[p] !== best) continue;
      if (pfn < 0) pfn = p;
      if (best === Owner.FREE && fm.order[p]! > order) order = fm.order[p]!;
    }
    return { owner: best, order, pfn };
  }

  /** The most common owner in [a, b) (ties: the lower owner number). */
  private dominantOwner(a: number, b: number): number {
    const owner = this.snap!.frames.owner;
    const first = owner[a]!;
    let uniform = true;
    for (let p = a + 1; p < b; p++)
      if (owner[p] !== first) {
        uniform = false;
        break;
      }
    if (uniform) return first;
    const t = this.tally;
    t.fill(0);
    for (let p = a; p < b; p++) t[owner[p]!]!++;
    let best = 0;
    for (let o = 1; o < OWNER_COUNT; o++) if (t[o]! > t[best]!) best = o;
    return best;
  }

  /** The colour word of the cell [a, b). */
  private cellWord(a: number, b: number): number {
    const fm = this.snap!.frames;
    if (b - a === 1) return ownerWord(fm.owner[a]!, fm.order[a]!);
    const best = this.dominantOwner(a, b);
    if (best !== Owner.FREE) return ownerWord(best, 0);
    let order = 0;
    for (let p = a; p < b; p++) if (fm.owner[p] === Owner.FREE && fm.order[p]! > order) order = fm.order[p]!;
    return ownerWord(best, order);
  }

  draw(): void {
    const snap = this.snap;
    if (!snap) return;
    const dpr = window.devicePixelRatio || 1;
    const cssW = this.scroller.clientWidth;
    const cssH = Math.min(this.scroller.clientHeight, this.contentHeight);
    // The canvas sticks to the top of the scroller; the spacer below it makes up the content height.
    this.spacer.style.height = `${Math.max(0, this.contentHeight - cssH)}px`;
    const W = Math.max(1, Math.round(cssW * dpr));
    const H = Math.max(1, Math.round(cssH * dpr));
    if (this.canvas.width !== W || this.canvas.height !== H) {
      this.canvas.width = W;
      this.canvas.height = H;
      this.canvas.style.width = `${cssW}px`;
      this.canvas.style.height = `${cssH}px`;
    }
    const top = this.scroller.scrollTop;
    const ctx = this.canvas.getContext("2d")!;
    const img = ctx.createImageData(W, H);
    const px = new Uint32Array(img.data.buffer);
    px.fill(0xffffffff);
    const cellPx = this.cell * dpr;
    const gap = cellPx >= 6 ? Math.max(1, Math.round(dpr)) : 0;
    const headers: { text: string; y: number }[] = [];
    for (const b of this.bands) {
      const bandBottom = b.rowsY + b.rows * this.cell;
      if (bandBottom < top || b.y > top + cssH) continue;
      headers.push({ text: b.label, y: b.y - top });
      const r0 = Math.max(0, Math.floor((top - b.rowsY) / this.cell));
      const r1 = Math.min(b.rows, Math.ceil((top + cssH - b.rowsY) / this.cell));
      const fm = snap.frames;
      const owner = fm.owner;
      const order = fm.order;
      const single = this.fpc === 1;
      const end = b.start + b.count;
      for (let r = r0; r < r1; r++) {
        const y0 = Math.max(0, Math.round((b.rowsY + r * this.cell - top) * dpr));
        const y1 = Math.min(H, Math.round((b.rowsY + (r + 1) * this.cell - top) * dpr) - gap);
        if (y1 <= y0) continue;
        const rowFirst = b.start + r * this.cols * this.fpc;
        if (single && cellPx === 1) {
          // One device pixel per frame: one word per frame, copied to the row's other pixel lines.
          const n = Math.min(this.cols, end - rowFirst, W);
          const base = y0 * W;
          for (let c = 0; c < n; c++) px[base + c] = ownerWord(owner[rowFirst + c]!, order[rowFirst + c]!);
          for (let y = y0 + 1; y < y1; y++) px.copyWithin(y * W, base, base + n);
          continue;
        }
        for (let c = 0; c < this.cols; c++) {
          const first = rowFirst + c * this.fpc;
          const last = Math.min(first + this.fpc, end);
          if (first >= last) break;
          const word = single ? ownerWord(owner[first]!, order[first]!) : this.cellWord(first, last);
          const x0 = Math.round(c * cellPx);
          const x1 = Math.min(W, Math.round((c + 1) * cellPx) - gap);
          if (x1 > x0) px.fill(word, y0 * W + x0, y0 * W + x1);
        }
        // The other pixel lines of the row repeat the first.
        for (let y = y0 + 1; y < y1; y++) px.copyWithin(y * W, y0 * W, y0 * W + W);
      }
    }
    ctx.putImageData(img, 0, 0);
    this.base = img;
    ctx.save();
    ctx.scale(dpr, dpr);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#222";
    ctx.textBaseline = "middle";
    for (const hd of headers)
      if (hd.y + ZONE_HEADER / 2 > 0) ctx.fillText(hd.text, 2, hd.y + ZONE_HEADER / 2);
    this.ring(ctx, this.changes?.frames, "#e0179b", top, cssH, 1.5);
    if (this.selection) this.ring(ctx, this.selection.pfns, "#000", top, cssH, 2, true);
    ctx.restore();
  }

  /** Outline the cells of `pfns` that are in view (at small zoom a ring wider than the cell). */
  private ring(
    ctx: CanvasRenderingContext2D,
    pfns: ReadonlySet<number> | undefined,
    colour: string,
    top: number,
    cssH: number,
    lw: number,
    dashed = false,
  ): void {
    if (!pfns || pfns.size === 0) return;
    ctx.strokeStyle = colour;
    ctx.lineWidth = lw;
    ctx.setLineDash(dashed ? [3, 2] : []);
    const pad = this.cell >= 4 ? 0.5 : 2;
    const seen = new Set<number>();
    const many = pfns.size > 20000;
    for (const pfn of pfns) {
      const r = this.cellRect(pfn);
      if (!r) continue;
      const y = r.absY - top;
      if (y + r.h < 0 || y > cssH) continue;
      const key = Math.floor(pfn / this.fpc);
      if (seen.has(key)) continue;
      seen.add(key);
      if (many) ctx.strokeRect(r.x, y, r.w, r.h);
      else ctx.strokeRect(r.x - pad, y - pad, r.w + 2 * pad, r.h + 2 * pad);
    }
    ctx.setLineDash([]);
  }
}
