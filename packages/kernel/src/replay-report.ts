/*
 * replay-report.ts — what a replay found, as one JSON-able object (ReplayReport) and as the text
 * `i386mm replay` prints: the line accounting (every line read is an event, a comment or header
 * line, a blank line, a lost-events marker or a malformed line), each event kind's outcomes
 * (served + failed + skipped = read, skips with their reasons), the external fragmentation time
 * line per zone, the internal fragmentation of the replayed kmallocs side by side (the model's
 * 2.6.11 size-N classes, the traced kernel's SLUB kmalloc-N from its own bytes_alloc), the traced
 * object sizes and the model caches serving them, and /proc/fraginfo at the end.
 * Pure: reads a finished Replay and the kernel's views.
 */
import { fixed3, MAX_ORDER, type ZoneFragmentation } from "@i386mm/page-alloc";
import { type FragInfo, fraginfo, fraginfoText, fragPercent } from "./fraginfo.js";
import type { ModelKmallocRow, Replay, ReplayError } from "./replay.js";
import { KIND_NAMES, type MalformedLine, REASONS, type TracedClassRow } from "./replay-trace.js";

/** One event kind's outcomes. */
export interface KindOutcome {
  readonly event: string;
  readonly read: number;
  readonly served: number;
  readonly failed: number;
  readonly skipped: number;
  /** Skips by reason (REASONS text -> count). */
  readonly skipped_by: Record<string, number>;
  /** Failures by reason. */
  readonly failed_by: Record<string, number>;
}

/** One zone at one time-line sample, with the indexes computed (page-alloc's figures of a zone). */
export type ZoneSampleReport = Omit<ZoneFragmentation, "free_pages_by_order" | "pages_min">;

/** One traced object size and the model cache serving it. */
export interface TracedSizeReport {
  readonly size: number;
  readonly model_cache: string | null;
  readonly model_objsize: number;
  readonly requests: number;
  readonly bytes_req: number;
  /** What SLUB handed out (sum of bytes_alloc). */
  readonly slub_bytes_alloc: number;
  /** What the model's cache hands out for as many objects (requests x objsize). */
  readonly model_bytes_alloc: number;
  /** The traced kernel's cache names for this size, most frequent first. */
  readonly traced_names: readonly string[];
}

/** Everything a replay reports. */
export interface ReplayReport {
  readonly trace: string;
  readonly model: string;
  readonly lines: {
    readonly read: number;
    readonly events: number;
    readonly comments: number;
    readonly blank: number;
    readonly lost_markers: number;
    readonly lost_events: number;
    readonly malformed: number;
    readonly malformed_shown: readonly MalformedLine[];
  };
  readonly events: readonly KindOutcome[];
  readonly other_events: Record<string, number>;
  readonly errors: { readonly count: number; readonly shown: readonly ReplayError[] };
  readonly gfp: { readonly dropped: Record<string, number>; readonly unknown: Record<string, number> };
  readonly anomalies: Record<string, number>;
  readonly elapsed_ms: number;
  readonly events_per_second: number;
  readonly timeline: {
    readonly every: number;
    readonly samples: readonly {
      readonly event: number;
      readonly line: number;
      readonly slab_pages: number;
      readonly zones: readonly ZoneSampleReport[];
    }[];
  };
  readonly internal: {
    readonly kmalloc_model: readonly ModelKmallocRow[];
    readonly kmalloc_slub: readonly TracedClassRow[];
    readonly kmalloc_slub_large: readonly TracedClassRow[];
    readonly cache_sizes: readonly TracedSizeReport[];
  };
  readonly fraginfo: FragInfo;
}

const obj = (m: Map<string, number>): Record<string, number> => Object.fromEntries(m);

/** The report of a finished replay; `trace` names the file, `machine` describes the model. */
export function replayReport(rp: Replay, trace: string, machine: string): ReplayReport {
  const t = rp.trace;
  const kinds = KIND_NAMES.map((_, k) => k);
  const read = new Float64Array(KIND_NAMES.length);
  for (let i = 0; i < t.n; i++) read[t.kind[i]]++;
  const events: KindOutcome[] = kinds.map((k) => {
    const skipped_by: Record<string, number> = {};
    const failed_by: Record<string, number> = {};
    let skipped = 0;
    rp.skipped[k].forEach((v, why) => {
      if (v) {
        skipped_by[REASONS[why]] = v;
        skipped += v;
      }
    });
    rp.failedWhy[k].forEach((v, why) => {
      if (v) failed_by[REASONS[why]] = v;
    });
    return {
      event: KIND_NAMES[k],
      read: read[k],
      served: rp.served[k],
      failed: rp.failed[k],
      skipped,
      skipped_by,
      failed_by,
    };
  });
  const tl = rp.timeline;
  const samples = tl.event
    .map((ev, s) => ({
      event: ev,
      line: tl.line[s],
      slab_pages: tl.slab_pages[s],
      zones: tl.samples[s].map(zoneSample),
    }))
    .filter((s) => s.event % rp.every === 0 || s.event === t.n); // plot-only samples stay out
  const cache_sizes: TracedSizeReport[] = t.cacheSizes.map((cs, ci) => {
    const c = rp.caches[ci];
    return {
      size: cs.size,
      model_cache: c?.name ?? null,
      model_objsize: c?.objsize ?? 0,
      requests: cs.requests,
      bytes_req: cs.bytes_req,
      slub_bytes_alloc: cs.bytes_alloc,
      model_bytes_alloc: c ? cs.requests * c.objsize : 0,
      traced_names: [...cs.names.entries()].sort((a, b) => b[1] - a[1]).map(([name]) => name),
    };
  });
  return {
    trace,
    model: machine,
    lines: {
      read: t.lines,
      events: t.n,
      comments: t.comments,
      blank: t.blank,
      lost_markers: t.lostMarkers,
      lost_events: t.lostEvents,
      malformed: t.malformed,
      malformed_shown: t.malformedShown,
    },
    events,
    other_events: obj(t.otherEvents),
    errors: { count: rp.refusals, shown: rp.errors },
    gfp: { dropped: obj(t.gfpDropped), unknown: obj(t.gfpUnknown) },
    anomalies: obj(t.anomalies),
    elapsed_ms: Math.round(rp.elapsedMs * 10) / 10,
    events_per_second: Math.round(rp.eventsPerSecond),
    timeline: { every: rp.every, samples },
    internal: {
      kmalloc_model: [...rp.modelKmalloc.values()].sort(
        (a, b) => a.size - b.size || (a.cache < b.cache ? -1 : 1),
      ),
      kmalloc_slub: t.slubKmalloc,
      kmalloc_slub_large: t.slubLarge,
      cache_sizes,
    },
    fraginfo: fraginfo(rp.k),
  };
}

function zoneSample(z: ZoneFragmentation): ZoneSampleReport {
  const { free_pages_by_order: _byOrder, pages_min: _min, ...rest } = z;
  return rest;
}

// ---------------------------------------------------------------- text

const pad = (v: string | number, w: number) => String(v).padStart(w);
const num = (v: number) => v.toLocaleString("en-US");

/** The text `i386mm replay` prints. */
export function replayReportText(r: ReplayReport): string {
  let out = `i386mm replay: ${r.trace} on ${r.model}\n`;
  const l = r.lines;
  out += `\nLines read: ${num(l.read)} = ${num(l.events)} events + ${num(l.comments)} comment/header lines + ${num(l.blank)} blank`;
  out += ` + ${num(l.lost_markers)} lost-event markers + ${num(l.malformed)} malformed\n`;
  if (l.lost_events)
    out += `  warning: the trace says ${num(l.lost_events)} events were lost (ring buffer overrun)\n`;
  for (const m of l.malformed_shown) out += `  malformed line ${m.line}: ${m.reason}: ${m.text}\n`;
  if (l.malformed > l.malformed_shown.length)
    out += `  ... and ${num(l.malformed - l.malformed_shown.length)} more malformed lines\n`;
  out += eventsText(r);
  if (r.errors.count) {
    out += `\nCalls the model refused: ${num(r.errors.count)}\n`;
    for (const e of r.errors.shown) out += `  line ${e.line} (${e.event}): ${e.message}\n`;
    if (r.errors.count > r.errors.shown.length)
      out += `  ... and ${num(r.errors.count - r.errors.shown.length)} more\n`;
  }
  const dropped = Object.entries(r.gfp.dropped);
  if (dropped.length)
    out += `\ngfp flags with no 2.6.11 counterpart (dropped): ${dropped.map(([k, v]) => `${k} x${num(v)}`).join(", ")}\n`;
  const unknown = Object.entries(r.gfp.unknown);
  if (unknown.length)
    out += `gfp flags not known to the replay (dropped): ${unknown.map(([k, v]) => `${k} x${num(v)}`).join(", ")}\n`;
  const anomalies = Object.entries(r.anomalies);
  if (anomalies.length)
    out += `\nTrace anomalies: ${anomalies.map(([k, v]) => `${k} x${num(v)}`).join(", ")}\n`;
  out += `\nReplayed ${num(l.events)} events in ${r.elapsed_ms} ms (${num(r.events_per_second)} events/s)\n`;
  out += timelineText(r);
  out += internalText(r);
  out += `\n/proc/fraginfo at the end of the trace\n${fraginfoText(r.fraginfo)}`;
  return out;
}

function eventsText(r: ReplayReport): string {
  let out = `\n${"event".padEnd(22)}${pad("read", 10)}${pad("served", 10)}${pad("failed", 10)}${pad("skipped", 10)}\n`;
  const sum = { read: 0, served: 0, failed: 0, skipped: 0 };
  for (const e of r.events) {
    if (e.read === 0 && e.event === KIND_NAMES[KIND_NAMES.length - 1]) continue;
    out += `${e.event.padEnd(22)}${pad(num(e.read), 10)}${pad(num(e.served), 10)}${pad(num(e.failed), 10)}${pad(num(e.skipped), 10)}\n`;
    for (const [why, n] of Object.entries(e.failed_by))
      out += `${"".padEnd(24)}${pad(num(n), 9)}  failed: ${why}\n`;
    for (const [why, n] of Object.entries(e.skipped_by))
      out += `${"".padEnd(24)}${pad(num(n), 9)}  skipped: ${why}\n`;
    sum.read += e.read;
    sum.served += e.served;
    sum.failed += e.failed;
    sum.skipped += e.skipped;
  }
  out += `${"total".padEnd(22)}${pad(num(sum.read), 10)}${pad(num(sum.served), 10)}${pad(num(sum.failed), 10)}${pad(num(sum.skipped), 10)}\n`;
  const others = Object.entries(r.other_events);
  if (others.length) out += `  other events: ${others.map(([k, v]) => `${k} x${num(v)}`).join(", ")}\n`;
  return out;
}

function timelineText(r: ReplayReport): string {
  const samples = r.timeline.samples;
  if (!samples.length) return "";
  let out = `\nExternal fragmentation over time (every ${num(r.timeline.every)} events), per zone\n`;
  const nz = samples[0].zones.length;
  for (let zi = 0; zi < nz; zi++) {
    const z0 = samples[0].zones[zi];
    out += `\nNode ${z0.node}, zone ${z0.zone}\n`;
    const head = (label: string) => {
      let h = `${pad("event", 9)}${pad("free", 7)}${pad("pcp", 5)}${pad("big", 4)}  ${label}\n`;
      h += `${"".padEnd(27)}${Array.from({ length: MAX_ORDER }, (_, o) => pad(o, label.startsWith("can") ? 3 : 7)).join("")}\n`;
      return h;
    };
    const lead = (s: (typeof samples)[number]) => {
      const z = s.zones[zi];
      return `${pad(s.event, 9)}${pad(z.free_pages, 7)}${pad(z.pcp_pages, 5)}${pad(z.largest_order, 4)}  `;
    };
    out += head("free blocks per order");
    for (const s of samples) out += `${lead(s)}${s.zones[zi].nr_free.map((v) => pad(v, 7)).join("")}\n`;
    out += head("unusable free space index per order");
    for (const s of samples)
      out += `${lead(s)}${s.zones[zi].unusable.map((v) => pad(fixed3(v), 7)).join("")}\n`;
    out += head("extfrag index per order (-1.000: a block of that order is free)");
    for (const s of samples)
      out += `${lead(s)}${s.zones[zi].extfrag.map((v) => pad(fixed3(v), 7)).join("")}\n`;
    out += head("can an order-N GFP_KERNEL request be served now (zone_watermark_ok at pages_min)");
    for (const s of samples)
      out += `${lead(s)}${s.zones[zi].can_alloc.map((b) => pad(b ? "y" : "n", 3)).join("")}\n`;
  }
  return out;
}

function internalText(r: ReplayReport): string {
  const i = r.internal;
  let out =
    "\nInternal fragmentation of the replayed kmallocs (perf kmem's columns; live = not freed by the end)\n";
  out += `${"model 2.6.11 slab".padEnd(44)}| traced kernel, SLUB (its bytes_alloc)\n`;
  const cols = `${"class".padEnd(13)}${pad("req", 6)}${pad("bytes_req", 10)}${pad("alloc", 9)}${pad("frag", 7)}`;
  out += `${cols}     | ${cols}\n`;
  const cell = (
    x: { cache: string; requests: number; bytes_req: number; bytes_alloc: number } | undefined,
  ) =>
    x
      ? `${x.cache.padEnd(13)}${pad(x.requests, 6)}${pad(x.bytes_req, 10)}${pad(x.bytes_alloc, 9)}${pad(fragPercent(x.bytes_req, x.bytes_alloc), 7)}`
      : "".padEnd(45);
  const slub = [...i.kmalloc_slub, ...i.kmalloc_slub_large];
  for (let k = 0; k < Math.max(i.kmalloc_model.length, slub.length); k++)
    out += `${cell(i.kmalloc_model[k])}     | ${cell(slub[k])}\n`;
  const total = (rows: readonly { requests: number; bytes_req: number; bytes_alloc: number }[]) =>
    rows.reduce(
      (a, x) => ({
        cache: "total",
        requests: a.requests + x.requests,
        bytes_req: a.bytes_req + x.bytes_req,
        bytes_alloc: a.bytes_alloc + x.bytes_alloc,
      }),
      { cache: "total", requests: 0, bytes_req: 0, bytes_alloc: 0 },
    );
  out += `${cell(total(i.kmalloc_model))}     | ${cell(total(slub))}\n`;
  const failed = i.kmalloc_model.reduce((a, x) => a + x.failed, 0);
  if (failed) out += `  kmalloc calls the model could not serve: ${failed}\n`;
  if (i.kmalloc_slub_large.length)
    out += "  (SLUB's order-N rows: kmallocs above 8 KiB it took from the page allocator by get_order)\n";
  out += "\nkmem_cache_alloc object sizes: SLUB's objects vs the model's cache for the same size\n";
  out += `${"size".padStart(7)}${pad("requests", 10)}${pad("slub/obj", 9)}${pad("model cache", 14)}${pad("objsize", 8)}${pad("slub frag", 10)}${pad("model frag", 11)}  traced as\n`;
  for (const c of i.cache_sizes) {
    out += `${pad(c.size, 7)}${pad(c.requests, 10)}${pad(Math.round(c.slub_bytes_alloc / Math.max(c.requests, 1)), 9)}`;
    out += `${pad(c.model_cache ?? "(none)", 14)}${pad(c.model_objsize, 8)}${pad(fragPercent(c.bytes_req, c.slub_bytes_alloc), 10)}`;
    out += `${pad(fragPercent(c.bytes_req, c.model_bytes_alloc), 11)}  ${c.traced_names.slice(0, 4).join(" ") || "-"}\n`;
  }
  return out;
}
