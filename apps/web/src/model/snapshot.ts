/*
 * snapshot.ts — everything the views draw, read from the kernel after a step, and what changed
 * since the step before: the frame owners (frames.ts), each zone's buddy free_area[] and per-CPU
 * lists, the slab caches, vmlist, the pkmap slots, the fixmaps and the processes' VMAs. The
 * descriptors' columns (flags, _count, _mapcount, mapping) are copied so a frame whose descriptor
 * changed is highlighted even when its owner stayed the same.
 */

import type { Kernel } from "@i386mm/demo";
import { MAX_ORDER } from "@i386mm/page-alloc";
import type { VmSystem } from "@i386mm/vma";
import { allZones, classifyFrames, type FrameMap } from "./frames.js";
import { userTasks, type VmaInfo, vmasOf } from "./process.js";
import { type CacheSummary, cacheSummaries } from "./slabs.js";
import {
  type FixSlot,
  fixSlots,
  type PkmapSlot,
  pkmapSlots,
  type VmallocPiece,
  vmallocPieces,
} from "./vlayout.js";

/** One zone's buddy state. */
export interface BuddyZone {
  readonly key: string;
  readonly name: string;
  readonly node: number;
  readonly start: number;
  readonly spanned: number;
  readonly free_pages: number;
  readonly pages_min: number;
  readonly pages_low: number;
  readonly pages_high: number;
  /** free_area[order].nr_free: free blocks per order. */
  readonly nr_free: readonly number[];
  /** Per CPU: [hot count, cold count]. */
  readonly pcp: readonly (readonly [number, number])[];
}

/** A process with its VMAs. */
export interface TaskView {
  readonly pid: number;
  readonly comm: string;
  readonly layout: "flexible" | "classic";
  readonly mmap_base: number;
  readonly vmas: readonly VmaInfo[];
}

/** Everything the views draw. */
export interface Snapshot {
  readonly frames: FrameMap;
  readonly flags: Uint32Array;
  readonly count: Int32Array;
  readonly mapcount: Int32Array;
  readonly mapping: Uint32Array;
  readonly zones: readonly BuddyZone[];
  readonly caches: readonly CacheSummary[];
  readonly vmalloc: readonly VmallocPiece[];
  readonly pkmap: { readonly slots: readonly PkmapSlot[]; readonly last_pkmap_nr: number };
  readonly fix: readonly FixSlot[];
  readonly tasks: readonly TaskView[];
  readonly ms: number;
}

/** Read everything. */
export function takeSnapshot(k: Kernel, vm: VmSystem | null): Snapshot {
  const t0 = performance.now();
  const m = k.pa.mem_map;
  const frames = classifyFrames(k, vm);
  const zones = allZones(k).map(
    (z): BuddyZone => ({
      key: `${z.zone_pgdat.node_id}:${z.name}`,
      name: z.name,
      node: z.zone_pgdat.node_id,
      start: z.zone_start_pfn,
      spanned: z.spanned_pages,
      free_pages: z.free_pages,
      pages_min: z.pages_min,
      pages_low: z.pages_low,
      pages_high: z.pages_high,
      nr_free: Array.from({ length: MAX_ORDER }, (_, o) => z.free_area[o]!.nr_free),
      pcp: z.pageset.map((s) => [s.pcp[0].count, s.pcp[1].count] as const),
    }),
  );
  const tasks = vm
    ? userTasks(vm).map((t) => ({
        pid: t.pid,
        comm: t.comm,
        layout: (t.mm!.mmap_base === 0x40000000 ? "classic" : "flexible") as "flexible" | "classic",
        mmap_base: t.mm!.mmap_base,
        vmas: vmasOf(k, vm, t),
      }))
    : [];
  return {
    frames,
    flags: m.flags.slice(),
    count: m._count.slice(),
    mapcount: m._mapcount.slice(),
    mapping: m.mapping.slice(),
    zones,
    caches: cacheSummaries(k),
    vmalloc: vmallocPieces(k),
    pkmap: pkmapSlots(k),
    fix: fixSlots(k),
    tasks,
    ms: performance.now() - t0,
  };
}

/** What changed between two snapshots. */
export interface Changes {
  /** Frames whose owner, block order or descriptor changed. */
  readonly frames: Set<number>;
  /** "zoneKey/order" cells whose nr_free changed, with the difference. */
  readonly buddy: Map<string, number>;
  /** Caches whose counts changed (by name). */
  readonly caches: Set<string>;
  /** vmalloc areas that appeared (by start address). */
  readonly vmalloc: Set<number>;
  readonly pkmap: Set<number>;
  readonly fix: Set<number>;
  /** "pid:start" of VMAs that appeared or changed. */
  readonly vmas: Set<string>;
}

/** The differences from `a` (before) to `b` (after). With no `a`, nothing counts as changed. */
export function diffSnapshots(a: Snapshot | null, b: Snapshot): Changes {
  const ch: Changes = {
    frames: new Set(),
    buddy: new Map(),
    caches: new Set(),
    vmalloc: new Set(),
    pkmap: new Set(),
    fix: new Set(),
    vmas: new Set(),
  };
  if (!a) return ch;
  const n = Math.min(a.frames.nr, b.frames.nr);
  const ao = a.frames.owner;
  const bo = b.frames.owner;
  const aor = a.frames.order;
  const bor = b.frames.order;
  for (let p = 0; p < n; p++) {
    if (
      ao[p] !== bo[p] ||
      aor[p] !== bor[p] ||
      a.flags[p] !== b.flags[p] ||
      a.count[p] !== b.count[p] ||
      a.mapcount[p] !== b.mapcount[p] ||
      a.mapping[p] !== b.mapping[p]
    )
      ch.frames.add(p);
  }
  for (const zb of b.zones) {
    const za = a.zones.find((z) => z.key === zb.key);
    if (!za) continue;
    zb.nr_free.forEach((v, o) => {
      if (v !== za.nr_free[o]) ch.buddy.set(`${zb.key}/${o}`, v - za.nr_free[o]!);
    });
    zb.pcp.forEach((c, cpu) => {
      const was = za.pcp[cpu];
      if (was && (was[0] !== c[0] || was[1] !== c[1]))
        ch.buddy.set(`${zb.key}/pcp${cpu}`, c[0] + c[1] - was[0] - was[1]);
    });
  }
  const before = new Map(a.caches.map((c) => [c.cache, c]));
  for (const c of b.caches) {
    const w = before.get(c.cache);
    if (
      !w ||
      w.active !== c.active ||
      w.total !== c.total ||
      w.full !== c.full ||
      w.partial !== c.partial ||
      w.free !== c.free ||
      w.cached !== c.cached ||
      w.colourNext !== c.colourNext
    )
      ch.caches.add(c.name);
  }
  const areas = new Set(a.vmalloc.filter((p) => p.kind === "area").map((p) => `${p.start}:${p.end}`));
  for (const p of b.vmalloc)
    if (p.kind === "area" && !areas.has(`${p.start}:${p.end}`)) ch.vmalloc.add(p.start);
  b.pkmap.slots.forEach((s, i) => {
    const w = a.pkmap.slots[i];
    if (w && (w.count !== s.count || w.pfn !== s.pfn)) ch.pkmap.add(s.nr);
  });
  b.fix.forEach((s, i) => {
    const w = a.fix[i];
    if (w && (w.pte !== s.pte || w.pfn !== s.pfn)) ch.fix.add(s.idx);
  });
  const vmaKey = (v: VmaInfo) => `${v.start}:${v.end}:${v.flags}:${v.resident}`;
  const old = new Set(a.tasks.flatMap((t) => t.vmas.map((v) => `${t.pid}:${vmaKey(v)}`)));
  for (const t of b.tasks)
    for (const v of t.vmas) if (!old.has(`${t.pid}:${vmaKey(v)}`)) ch.vmas.add(`${t.pid}:${v.start}`);
  return ch;
}
