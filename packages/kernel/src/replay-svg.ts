/*
 * replay-svg.ts — the replay's picture (`i386mm replay --svg out.svg`): for every populated zone,
 * free pages per order over the trace as stacked areas and the unusable free space index per order
 * as lines; then internal waste (bytes handed out minus bytes asked) per kmalloc class, the model's
 * 2.6.11 size-N beside the traced kernel's SLUB kmalloc-N, and per kmem_cache_alloc object size.
 * Drawn with svg.ts from the replay's plot samples (Replay's plotEvery) and its report.
 * Pure: returns the SVG text.
 */
import { MAX_ORDER } from "@i386mm/page-alloc";
import type { Replay } from "./replay.js";
import type { ReplayReport } from "./replay-report.js";
import {
  el,
  linearScale,
  niceTicks,
  polygon,
  polyline,
  simplify,
  svgDocument,
  text,
  tickLabel,
} from "./svg.js";

/** One colour per order 0..10 (viridis). */
export const ORDER_COLOURS: readonly string[] = [
  "#440154",
  "#482475",
  "#414487",
  "#355f8d",
  "#2a788e",
  "#21918c",
  "#22a884",
  "#44bf70",
  "#7ad151",
  "#bddf26",
  "#fde725",
];
const MODEL_COLOUR = "#3b6fb6";
const SLUB_COLOUR = "#e08a2c";

const WIDTH = 980;
const LEFT = 70;
const RIGHT = 170;
const PLOT_W = WIDTH - LEFT - RIGHT;
const AREA_H = 200;
const LINE_H = 150;
const BAR_H = 180;
const GAP = 58;

/** The whole picture. */
export function replaySvg(rp: Replay, report: ReplayReport, title = report.trace): string {
  const parts: string[] = [];
  let y = 40;
  parts.push(
    text(LEFT, 22, `i386mm replay: ${title} on ${report.model}`, {
      "font-size": 14,
      "font-weight": "bold",
    }),
  );
  const tl = rp.timeline;
  const xs = tl.event;
  const n = Math.max(1, rp.trace.n);
  const x = linearScale(0, n, LEFT, LEFT + PLOT_W);
  tl.zones.forEach((zone, zi) => {
    const label = `Node ${zone.node}, zone ${zone.zone}`;
    parts.push(
      stackedPanel(
        tl.samples.map((s) => s[zi].nr_free),
        xs,
        x,
        y,
        `${label}: free pages per order (stacked)`,
      ),
    );
    y += AREA_H + GAP;
    parts.push(
      unusablePanel(
        tl.samples.map((s) => s[zi].unusable),
        xs,
        x,
        y,
        `${label}: unusable free space index per order`,
      ),
    );
    y += LINE_H + GAP;
  });
  parts.push(orderLegend(LEFT + PLOT_W + 16, 80));
  const km = bySize(report);
  parts.push(
    barPanel(
      km,
      y,
      "Internal waste per kmalloc class (bytes handed out - bytes asked, whole replay)",
      "model 2.6.11 size-N",
      "traced SLUB kmalloc-N",
    ),
  );
  y += BAR_H + GAP;
  const cs = report.internal.cache_sizes
    .filter((c) => c.model_cache !== null)
    .map((c) => ({
      label: String(c.size),
      model: c.model_bytes_alloc - c.bytes_req,
      slub: c.slub_bytes_alloc - c.bytes_req,
    }));
  parts.push(
    barPanel(
      cs,
      y,
      "Internal waste per kmem_cache_alloc object size (per object: bytes handed out - bytes asked; whole replay)",
      "model trace-<size>",
      "traced SLUB cache",
    ),
  );
  y += BAR_H + 40;
  return svgDocument(WIDTH, y, parts, `i386mm replay of ${title}`);
}

/** Model and SLUB kmalloc waste, summed per class size (DMA twins and SLUB families together). */
function bySize(report: ReplayReport): { label: string; model: number; slub: number }[] {
  const m = new Map<number, { model: number; slub: number }>();
  const get = (size: number) => {
    let v = m.get(size);
    if (!v) {
      v = { model: 0, slub: 0 };
      m.set(size, v);
    }
    return v;
  };
  for (const r of report.internal.kmalloc_model) get(r.size).model += r.bytes_alloc - r.bytes_req;
  for (const r of [...report.internal.kmalloc_slub, ...report.internal.kmalloc_slub_large])
    get(r.size).slub += r.bytes_alloc - r.bytes_req;
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([size, v]) => ({ label: String(size), ...v }));
}

function frame(top: number, h: number, title: string): string[] {
  return [
    text(LEFT, top - 8, title, { "font-weight": "bold" }),
    el("rect", { x: LEFT, y: top, width: PLOT_W, height: h, fill: "none", stroke: "#999" }),
  ];
}

function xAxis(x: (v: number) => number, n: number, bottom: number): string[] {
  const out: string[] = [];
  for (const t of niceTicks(0, n, 8)) {
    out.push(el("line", { x1: x(t), y1: bottom, x2: x(t), y2: bottom + 4, stroke: "#666" }));
    out.push(text(x(t), bottom + 15, tickLabel(t), { "text-anchor": "middle" }));
  }
  out.push(text(LEFT + PLOT_W, bottom + 28, "events replayed", { "text-anchor": "end", fill: "#444" }));
  return out;
}

function yAxis(y: (v: number) => number, lo: number, hi: number, label: string, top: number): string[] {
  const out: string[] = [];
  for (const t of niceTicks(lo, hi, 4)) {
    out.push(el("line", { x1: LEFT - 4, y1: y(t), x2: LEFT, y2: y(t), stroke: "#666" }));
    out.push(el("line", { x1: LEFT, y1: y(t), x2: LEFT + PLOT_W, y2: y(t), stroke: "#eee" }));
    out.push(text(LEFT - 7, y(t) + 4, tickLabel(t), { "text-anchor": "end" }));
  }
  out.push(
    text(14, top + 10, label, {
      fill: "#444",
      transform: `rotate(-90 14 ${top + 10})`,
      "text-anchor": "end",
    }),
  );
  return out;
}

/** Free pages per order as stacked areas (order 0 at the bottom). */
function stackedPanel(
  counts: readonly (readonly number[])[],
  xs: readonly number[],
  x: (v: number) => number,
  top: number,
  title: string,
): string {
  const totals = counts.map((c) => c.reduce((a, v, o) => a + v * 2 ** o, 0));
  const hi = Math.max(1, ...totals);
  const y = linearScale(0, hi, top + AREA_H, top);
  const out = [...frame(top, AREA_H, title), ...yAxis(y, 0, hi, "free pages", top)];
  const below = counts.map(() => 0);
  for (let o = 0; o < MAX_ORDER; o++) {
    const lower = [...below];
    counts.forEach((c, s) => {
      below[s] += c[o] * 2 ** o;
    });
    if (below.every((v, s) => v === lower[s])) continue;
    const upperPts = xs.map((ev, s) => [x(ev), y(below[s])] as const);
    const lowerPts = xs.map((ev, s) => [x(ev), y(lower[s])] as const).reverse();
    out.push(
      polygon([...simplify(upperPts), ...simplify(lowerPts)], { fill: ORDER_COLOURS[o], stroke: "none" }),
    );
  }
  out.push(...xAxis(x, xs.at(-1) ?? 0, top + AREA_H));
  return el("g", {}, out);
}

/** Unusable free space index per order (x1000 per sample, drawn 0..1) as lines. */
function unusablePanel(
  unusable: readonly (readonly number[])[],
  xs: readonly number[],
  x: (v: number) => number,
  top: number,
  title: string,
): string {
  const y = linearScale(0, 1, top + LINE_H, top);
  const out = [...frame(top, LINE_H, title), ...yAxis(y, 0, 1, "unusable index", top)];
  for (let o = 0; o < MAX_ORDER; o++) {
    const pts = xs.map((ev, s) => [x(ev), y(unusable[s][o] / 1000)] as const);
    out.push(polyline(simplify(pts), { stroke: ORDER_COLOURS[o], "stroke-width": 1.5 }));
  }
  out.push(...xAxis(x, xs.at(-1) ?? 0, top + LINE_H));
  return el("g", {}, out);
}

function orderLegend(left: number, top: number): string {
  const out = [text(left, top, "order", { "font-weight": "bold" })];
  for (let o = 0; o < MAX_ORDER; o++) {
    const yy = top + 10 + o * 16;
    out.push(el("rect", { x: left, y: yy, width: 12, height: 12, fill: ORDER_COLOURS[o] }));
    out.push(text(left + 18, yy + 10, `${o} (${2 ** o} page${o ? "s" : ""})`));
  }
  return el("g", {}, out);
}

/** Two bars per category: the model's waste and SLUB's. */
function barPanel(
  rows: readonly { label: string; model: number; slub: number }[],
  top: number,
  title: string,
  modelLabel: string,
  slubLabel: string,
): string {
  const hi = Math.max(1, ...rows.flatMap((r) => [r.model, r.slub])) * 1.08;
  const lo = Math.min(0, ...rows.flatMap((r) => [r.model, r.slub]));
  const y = linearScale(lo, hi, top + BAR_H, top);
  const out = [...frame(top, BAR_H, title), ...yAxis(y, lo, hi, "bytes", top)];
  const band = PLOT_W / Math.max(1, rows.length);
  const bw = Math.max(2, Math.min(22, band * 0.38));
  rows.forEach((r, k) => {
    const cx = LEFT + band * (k + 0.5);
    for (const [v, dx, colour] of [
      [r.model, -bw, MODEL_COLOUR],
      [r.slub, 0, SLUB_COLOUR],
    ] as const) {
      const y0 = y(Math.max(0, v));
      const h = Math.abs(y(v) - y(0));
      out.push(el("rect", { x: cx + dx, y: y0, width: bw, height: Math.max(h, 0.5), fill: colour }));
    }
    out.push(text(cx, top + BAR_H + 14, r.label, { "text-anchor": "middle" }));
  });
  out.push(
    text(LEFT + PLOT_W, top + BAR_H + 28, "class / object size (bytes)", {
      "text-anchor": "end",
      fill: "#444",
    }),
  );
  const lx = LEFT + PLOT_W + 16;
  out.push(el("rect", { x: lx, y: top + 4, width: 12, height: 12, fill: MODEL_COLOUR }));
  out.push(text(lx + 18, top + 14, modelLabel));
  out.push(el("rect", { x: lx, y: top + 22, width: 12, height: 12, fill: SLUB_COLOUR }));
  out.push(text(lx + 18, top + 32, slubLabel));
  return el("g", {}, out);
}
