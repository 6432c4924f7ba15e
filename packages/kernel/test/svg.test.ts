/*
 * The SVG writer (svg.ts) and the replay plot (replay-svg.ts): escaping, number formatting,
 * scales and ticks by hand; the plot of a crafted replay checked for well-formed XML, one area
 * per order that ever held pages, one line per order, two bars per class.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { boot } from "../src/index.js";
import { traceBytes } from "../src/node.js";
import { Replay } from "../src/replay.js";
import { replayReport } from "../src/replay-report.js";
import { replaySvg } from "../src/replay-svg.js";
import { parseTrace } from "../src/replay-trace.js";
import {
  el,
  esc,
  fmt,
  linearScale,
  niceTicks,
  polygon,
  simplify,
  svgDocument,
  text,
  tickLabel,
} from "../src/svg.js";

/** Every tag closes in order (a minimal XML well-formedness check). */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]!);
  }
  return stack.length === 0 && !/&(?!(amp|lt|gt|quot|apos);)/.test(xml);
}

describe("svg writer", () => {
  it("escapes text and attributes, prints numbers with two decimals at most", () => {
    expect(esc(`a<b & "c" 'd'>`)).toBe("a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
    expect([fmt(1.005), fmt(12.5), fmt(3), fmt(-0.001), fmt(1 / 3)]).toEqual(["1", "12.5", "3", "0", "0.33"]);
    expect(text(1, 2, "x<y")).toBe('<text x="1" y="2">x&lt;y</text>');
    expect(el("rect", { x: 1, y: undefined, fill: "#fff" })).toBe('<rect x="1" fill="#fff"/>');
    expect(
      polygon(
        [
          [0, 0],
          [1.234, 5],
        ],
        { fill: "red" },
      ),
    ).toBe('<polygon points="0,0 1.23,5" fill="red"/>');
  });

  it("maps domains onto ranges and picks round ticks", () => {
    const s = linearScale(0, 100, 50, 250);
    expect([s(0), s(50), s(100)]).toEqual([50, 150, 250]);
    expect(linearScale(5, 5, 10, 20)(7)).toBe(10);
    // 406935 / 8 = 50867 per tick: the next round step is 100000
    expect(niceTicks(0, 406935, 8)).toEqual([0, 100000, 200000, 300000, 400000]);
    expect(niceTicks(0, 400000, 8)).toEqual([
      0, 50000, 100000, 150000, 200000, 250000, 300000, 350000, 400000,
    ]);
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect([tickLabel(1500000), tickLabel(20000), tickLabel(0.25), tickLabel(500)]).toEqual([
      "1.5M",
      "20k",
      "0.25",
      "500",
    ]);
  });

  it("simplify drops the middle points of horizontal runs only", () => {
    const pts = [
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
      [5, 2],
      [6, 3],
    ] as const;
    expect(simplify(pts)).toEqual([
      [0, 1],
      [2, 1],
      [3, 2],
      [5, 2],
      [6, 3],
    ]);
    expect(simplify([[0, 0]])).toEqual([[0, 0]]);
  });

  it("a document opens with the XML declaration and declares the SVG namespace", () => {
    const d = svgDocument(10, 20, [el("g")], "t & t");
    expect(
      d.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"',
      ),
    ).toBe(true);
    expect(d).toContain("<title>t &amp; t</title>");
    expect(wellFormed(d)).toBe(true);
  });
});

describe("the replay plot", () => {
  const trace = parseTrace(
    traceBytes(readFileSync(fileURLToPath(new URL("fixtures/crafted.trace", import.meta.url)))),
  );
  const k = boot({ mem: "16M", cpus: 2 });
  const rp = new Replay(k, trace, { every: 10, plotEvery: 2 }).run();
  const report = replayReport(rp, "crafted.trace", "16M");
  const svg = replaySvg(rp, report);

  it("is well-formed SVG with a stacked area per order that held free pages and a line per order", () => {
    expect(wellFormed(svg)).toBe(true);
    const orders = new Set<number>();
    for (const s of rp.timeline.samples)
      s[0]!.nr_free.forEach((n, o) => {
        if (n > 0) orders.add(o);
      });
    expect((svg.match(/<polygon /g) ?? []).length).toBe(orders.size); // one zone (DMA) on 16M
    expect((svg.match(/<polyline /g) ?? []).length).toBe(11);
    // plot samples every 2 events, plus the start and the end
    expect(rp.timeline.event.length).toBe(1 + Math.ceil(trace.n / 2));
    expect(report.timeline.samples.map((s) => s.event)).toEqual([0, 10, 20, 30, 33]);
  });

  it("draws two bars per kmalloc class size and per traced object size", () => {
    // kmalloc sizes: model 32, 64; SLUB 8, 64, 262144 -> 4 sizes; object sizes: 100 (200000 has no model cache)
    expect((svg.match(/<rect [^>]*fill="#3b6fb6"/g) ?? []).length).toBe(4 + 1 + 2); // + 2 legend swatches
    expect(svg).toContain(">262144</text>");
  });
});
