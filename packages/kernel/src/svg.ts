/*
 * svg.ts — a small SVG writer for the replay's plots: a document, groups, rectangles, polylines,
 * filled polygons and text, with attribute escaping, plus linear scales and "nice" axis ticks.
 * Hand-written on purpose (the plots need four element types; a charting library would bring a
 * DOM or a dependency tree for that). Output is plain SVG 1.1 that browsers open as is.
 * Invariants: every attribute value and text is XML-escaped; coordinates print with at most two
 * decimals; a scale maps its domain ends exactly onto its range ends.
 */

/** XML-escape text or an attribute value. */
export function esc(s: string | number): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`,
  );
}

/** A coordinate with at most two decimals ("12.5", "3", "-0.25"). */
export function fmt(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
}

type Attrs = Readonly<Record<string, string | number | undefined>>;

function attrs(a: Attrs): string {
  let out = "";
  for (const [k, v] of Object.entries(a))
    if (v !== undefined) out += ` ${k}="${esc(typeof v === "number" ? fmt(v) : v)}"`;
  return out;
}

/** An element with attributes and (already serialized) children; self-closing when empty. */
export function el(name: string, a: Attrs = {}, children: readonly string[] = []): string {
  return children.length ? `<${name}${attrs(a)}>${children.join("")}</${name}>` : `<${name}${attrs(a)}/>`;
}

/** A text element (the text is escaped). */
export function text(x: number, y: number, s: string, a: Attrs = {}): string {
  return `<text${attrs({ x, y, ...a })}>${esc(s)}</text>`;
}

/** A polyline through points. */
export function polyline(points: readonly (readonly [number, number])[], a: Attrs = {}): string {
  return el("polyline", {
    points: points.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(" "),
    fill: "none",
    ...a,
  });
}

/** A closed polygon (filled area). */
export function polygon(points: readonly (readonly [number, number])[], a: Attrs = {}): string {
  return el("polygon", { points: points.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(" "), ...a });
}

/** A whole SVG document of `width` x `height` user units. */
export function svgDocument(width: number, height: number, children: readonly string[], title = ""): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
  const kids = [...(title ? [`<title>${esc(title)}</title>`] : []), ...children];
  return `${head}${el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width,
      height,
      viewBox: `0 0 ${fmt(width)} ${fmt(height)}`,
      "font-family": "sans-serif",
      "font-size": 11,
    },
    kids,
  )}\n`;
}

/** A linear map from [d0, d1] onto [r0, r1] (a zero-width domain maps to r0). */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  return span === 0 ? () => r0 : (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Math.round(v / step) * step);
  return out;
}

/** A tick label: 1500000 -> "1.5M", 20000 -> "20k", 0.25 -> "0.25". */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${fmt(v / 1e6)}M`;
  if (a >= 1e4) return `${fmt(v / 1e3)}k`;
  return fmt(v);
}

/** Drop the points that sit in the middle of a horizontal run (same y as both neighbours). */
export function simplify(points: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  return points.filter(
    (p, i) =>
      i === 0 || i === points.length - 1 || !(points[i - 1]![1] === p[1] && points[i + 1]![1] === p[1]),
  );
}
