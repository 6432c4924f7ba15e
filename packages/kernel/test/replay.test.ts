/*
 * Replaying traces against a booted model (replay.ts, replay-report.ts): a short crafted trace
 * with every kind of event and outcome, against a golden summary; and the shipped real trace
 * (fixtures/traces/686-128M-A.trace.gz, TRACE.md) end to end, its counts checked against the
 * numbers TRACE.md gives and every layer's invariants checked afterwards.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KMEM_TRACE } from "@i386mm/fixtures";
import { describe, expect, it } from "vitest";
import { boot, checkKernelInvariants } from "../src/index.js";
import { traceBytes } from "../src/node.js";
import { Replay } from "../src/replay.js";
import { replayReport, replayReportText } from "../src/replay-report.js";
import { KIND_NAMES, parseTrace, REASONS, WHY_NO_CACHE } from "../src/replay-trace.js";

const CRAFTED = fileURLToPath(new URL("fixtures/crafted.trace", import.meta.url));
/** The timing line is the one thing that differs between runs. */
const untimed = (s: string) =>
  s.replace(/^Replayed (.*) in .* ms \(.* events\/s\)$/m, "Replayed $1 in <t> ms");

describe("a crafted trace", () => {
  const trace = parseTrace(traceBytes(readFileSync(CRAFTED)));
  const k = boot({ mem: "16M", cpus: 2 });
  const rp = new Replay(k, trace, { every: 10 }).run();
  const report = replayReport(rp, "crafted.trace", "16M RAM, 2 CPUs");

  it("summary matches the golden file", async () => {
    await expect(untimed(replayReportText(report))).toMatchFileSnapshot("golden/replay-crafted.txt");
  });

  it("every event ends served, failed or skipped, and the lines add up", () => {
    for (const e of report.events) expect(e.served + e.failed + e.skipped, e.event).toBe(e.read);
    const l = report.lines;
    expect(l.read).toBe(l.events + l.comments + l.blank + l.lost_markers + l.malformed);
    expect(report.events.reduce((a, e) => a + e.read, 0)).toBe(l.events);
  });

  it("replays what the trace asked: served, failed in the model, skipped for the stated reasons", () => {
    const by = Object.fromEntries(report.events.map((e) => [e.event, e]));
    // 3 order-10 GFP_KERNEL|__GFP_NORETRY blocks on 16M: one fits; the other two fail, and so
    // their frees are skipped; one page alloc backs the traced slab objects, one failed in the trace
    expect(by.mm_page_alloc).toMatchObject({ read: 7, served: 3, failed: 2, skipped: 2 });
    expect(by.mm_page_free.skipped_by["its allocation failed in the model"]).toBe(2);
    expect(by.mm_page_free_batched).toMatchObject({ served: 1, skipped: 1 });
    expect(by.kmalloc).toMatchObject({ read: 6, served: 3, failed: 1 });
    expect(by.kmem_cache_alloc).toMatchObject({ served: 2, failed: 1 });
    expect(by.kmem_cache_alloc.failed_by[REASONS[WHY_NO_CACHE]!]).toBe(1);
    expect(report.gfp.unknown).toEqual({ __GFP_WEIRD: 1 });
    expect(report.lines.malformed_shown.map((m) => m.line)).toEqual([29, 30, 31]);
    checkKernelInvariants(k);
  });

  it("the model's kmalloc classes and SLUB's stand side by side", () => {
    expect(
      report.internal.kmalloc_model.map((r) => [r.cache, r.requests, r.bytes_req, r.bytes_alloc]),
    ).toEqual([
      ["size-32", 1, 8, 32],
      ["size-64", 2, 73, 128],
    ]);
    expect(
      report.internal.kmalloc_slub.map((r) => [r.cache, r.requests, r.bytes_req, r.bytes_alloc]),
    ).toEqual([
      ["kmalloc-cg-8", 1, 8, 8],
      ["kmalloc-64", 2, 73, 128],
    ]);
    expect(report.internal.kmalloc_slub_large.map((r) => r.cache)).toEqual(["order-6"]);
  });
});

describe("the shipped real trace, end to end", () => {
  const trace = parseTrace(traceBytes(readFileSync(KMEM_TRACE)));
  const k = boot({ mem: "128M" });
  const rp = new Replay(k, trace).run();
  const report = replayReport(rp, "686-128M-A.trace.gz", "128M");

  it("reads all 406,935 events of TRACE.md's table, nothing malformed", () => {
    expect(report.lines).toMatchObject({
      read: 406947,
      events: 406935,
      comments: 12,
      malformed: 0,
      lost_events: 0,
    });
    const read = Object.fromEntries(report.events.map((e) => [e.event, e.read]));
    expect(read).toEqual({
      mm_page_alloc: 7536,
      mm_page_free: 5957,
      mm_page_free_batched: 5855,
      kmalloc: 95,
      kfree: 7398,
      kmem_cache_alloc: 207121,
      kmem_cache_free: 172973,
      [KIND_NAMES[7]!]: 0,
    });
  });

  it("skips exactly what TRACE.md says a replayer must: window effects, batched duplicates, kfree(NULL)", () => {
    const by = Object.fromEntries(report.events.map((e) => [e.event, e]));
    const before = "allocated before the capture began";
    expect(by.mm_page_free.skipped_by[before]).toBe(6);
    expect(by.kmem_cache_free.skipped_by[before]).toBe(17474);
    expect(by.kfree.skipped_by[before]).toBe(1);
    expect(by.kfree.skipped_by["kfree(NULL) is a no-op"]).toBe(7305);
    expect(by.mm_page_free_batched.skipped_by["repeats the mm_page_free before it"]).toBe(5855);
    for (const e of report.events) expect(e.served + e.failed + e.skipped).toBe(e.read);
    // the model serves every request on 128M: nothing fails, nothing is refused
    expect(report.events.reduce((a, e) => a + e.failed, 0)).toBe(0);
    expect(report.errors.count).toBe(0);
    expect(by.kmem_cache_alloc.served).toBe(207121);
  });

  it("leaves a consistent machine and a time line of ~20 samples per zone", () => {
    checkKernelInvariants(k);
    expect(report.timeline.every).toBe(20000);
    expect(report.timeline.samples.at(-1)!.event).toBe(406935);
    expect(report.timeline.samples[0]!.zones.map((z) => z.zone)).toEqual(["DMA", "Normal"]);
    expect(report.internal.cache_sizes).toHaveLength(18);
    expect(report.internal.cache_sizes.find((c) => c.size === 4096)!.traced_names).toEqual(["names_cache"]);
    // the model's own view of the end state agrees with the replay's last sample
    const last = report.timeline.samples.at(-1)!.zones;
    expect(report.fraginfo.external.map((z) => z.nr_free)).toEqual(last.map((z) => z.nr_free));
  });
});
