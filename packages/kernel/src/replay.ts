/*
 * replay.ts — replaying a traced kernel's kmem events (replay-trace.ts) against a booted model,
 * through the model's own kernel API: alloc_pages / __free_pages, kmalloc / kfree,
 * kmem_cache_alloc / kmem_cache_free. Watermarks, per-CPU lists, slab growth and reaping happen
 * as they would for any caller; the model decides where things go, and the replay keeps, per
 * traced allocation, the model's page or object (`handle`, indexed by the alloc event).
 *
 * kmem_cache_alloc events carry no cache name: each distinct traced object size (bytes_req, the
 * traced cache's object_size) is served by one model cache, created before the first event as
 *   kmem_cache_create("trace-<size>", max(size, 4), 0, 0, NULL)
 * so 2.6.11's own rules (word alignment, order and colour choice) set its geometry; the traced
 * kernel's cache names (from kmem_cache_free's name=) are listed beside it. Flags: the 2.6.11 bits
 * of replay-gfp.ts; slab calls get them masked to GFP_LEVEL_MASK (2.6.11's cache_grow BUGs on
 * __GFP_ZERO or __GFP_HIGHMEM) without __GFP_COMP, and __GFP_ZERO becomes a memset of the object, as
 * 2.6.11 callers did before kzalloc existed. The traced CPU number picks the model CPU (modulo the
 * model's CPU count). A call the model refuses with an error counts as failed, with the error.
 *
 * Every event ends in exactly one of served / failed / skipped (with a reason). External
 * fragmentation is sampled every `every` events (and, for plots, every `plotEvery`).
 * Invariant: the replay only calls public kernel functions and reads the layers' views.
 */
import { asVirt, KernelPanicError, PAGE_OFFSET } from "@i386mm/hw-i386";
import {
  __GFP_COMP,
  __GFP_DMA,
  __GFP_ZERO,
  GFP_LEVEL_MASK,
  type Page,
  type ZoneFragmentation,
  zone_fragmentation,
} from "@i386mm/page-alloc";
import type { kmem_cache_t } from "@i386mm/slab";
import type { Kernel } from "./boot.js";
import {
  type ClassTotals,
  KIND_NAMES,
  newClassTotals,
  OP_CACHE_ALLOC,
  OP_CACHE_FREE,
  OP_FAIL,
  OP_KFREE,
  OP_KMALLOC,
  OP_PAGE_ALLOC,
  OP_PAGE_FREE,
  type ParsedTrace,
  REASONS,
  WHY_MODEL_FAILED,
  WHY_MODEL_NULL,
  WHY_MODEL_REFUSED,
} from "./replay-trace.js";

/** The layers a replay drives. */
export type ReplayKernel = Pick<Kernel, "machine" | "pa" | "slab" | "direct">;

/** Options of a replay. */
export interface ReplayOptions {
  /** Sample external fragmentation every this many events (default: about 20 samples). */
  readonly every?: number;
  /** Also sample for plots every this many events (0 = no plot samples, the default). */
  readonly plotEvery?: number;
  /** Called between chunks with the events replayed so far. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Events per chunk between progress calls (default 65536). */
  readonly chunk?: number;
}

/** One zone at one sample: page-alloc's figures of the zone at that moment. */
export type ZoneSample = ZoneFragmentation;

/** The external-fragmentation time line: samples of every populated zone. */
export interface Timeline {
  /** Populated zones, as "Node 0, zone Normal" labels, and their (node, name). */
  readonly zones: readonly { readonly node: number; readonly zone: string }[];
  /** Event count at each sample (0 = before the first event). */
  readonly event: number[];
  /** Trace line of the last event before the sample (0 at the start). */
  readonly line: number[];
  /** Per sample, per zone (same order as `zones`). */
  readonly samples: ZoneSample[][];
  /** Pages held by slabs (nr_slab) at each sample. */
  readonly slab_pages: number[];
}

/** Model-side kmalloc figures of the replayed kmalloc events, per model class (size-N). */
export type ModelKmallocRow = ClassTotals & {
  /** kmalloc calls the model could not serve (counted in failed). */
  failed: number;
};

/** A refused call: the trace line and the model's error. */
export interface ReplayError {
  readonly line: number;
  readonly event: string;
  readonly message: string;
}

/** How many refused calls keep their message. */
export const MAX_ERRORS_SHOWN = 10;

/**
 * A replay of one parsed trace on one booted kernel. `run()` replays every event once;
 * `counts` and `timeline` then hold the outcome.
 */
export class Replay {
  readonly trace: ParsedTrace;
  readonly k: ReplayKernel;
  /** The model cache serving each traced object size (cacheSizes order; null: too big for 2.6.11). */
  readonly caches: (kmem_cache_t | null)[];
  /** Per alloc event: the model's pfn + 1 or object address; 0 = none. */
  readonly handle: Uint32Array;
  /** Outcome counts per event kind (KIND_*): served, failed; skipped per kind and reason. */
  readonly served = new Float64Array(KIND_NAMES.length);
  readonly failed = new Float64Array(KIND_NAMES.length);
  readonly skipped: Float64Array[] = KIND_NAMES.map(() => new Float64Array(REASONS.length));
  readonly failedWhy: Float64Array[] = KIND_NAMES.map(() => new Float64Array(REASONS.length));
  /** Refused calls (first MAX_ERRORS_SHOWN) and their number. */
  readonly errors: ReplayError[] = [];
  refusals = 0;
  /** Model-side kmalloc classes of the replayed kmallocs. */
  readonly modelKmalloc = new Map<string, ModelKmallocRow>();
  readonly timeline: Timeline;
  readonly every: number;
  readonly plotEvery: number;
  /** Milliseconds spent in the event loop (samples included, parsing not). */
  elapsedMs = 0;
  #done = false;
  readonly #opts: ReplayOptions;

  constructor(k: ReplayKernel, trace: ParsedTrace, opts: ReplayOptions = {}) {
    this.k = k;
    this.trace = trace;
    this.#opts = opts;
    this.every = Math.max(1, Math.floor(opts.every ?? defaultEvery(trace.n)));
    this.plotEvery = Math.max(0, Math.floor(opts.plotEvery ?? 0));
    this.handle = new Uint32Array(Math.max(trace.n, 1));
    this.caches = trace.cacheSizes.map((cs) => (cs.size > 131072 ? null : modelCache(k, cs.size)));
    const zones = k.pa.node_data.flatMap((pgdat) =>
      pgdat.node_zones.filter((z) => z.present_pages).map((z) => ({ node: pgdat.node_id, zone: z.name })),
    );
    this.timeline = { zones, event: [], line: [], samples: [], slab_pages: [] };
  }

  /** Replay every event (once); returns this. */
  run(): this {
    if (this.#done) return this;
    this.#done = true;
    const t = this.trace;
    const n = t.n;
    const chunk = Math.max(1, this.#opts.chunk ?? 65536);
    const t0 = performance.now();
    this.#sample(0);
    let i = 0;
    let nextSample = this.every;
    let nextPlot = this.plotEvery || Number.POSITIVE_INFINITY;
    let nextProgress = chunk;
    while (i < n) {
      const stop = Math.min(n, nextSample, nextPlot, nextProgress);
      i = this.#replayRange(i, stop);
      if (i === nextSample || i === nextPlot) this.#sample(i);
      if (i === nextSample) nextSample += this.every;
      if (i === nextPlot) nextPlot += this.plotEvery;
      if (i === nextProgress) {
        nextProgress += chunk;
        this.#opts.onProgress?.(i, n);
      }
    }
    if (this.timeline.event.at(-1) !== n) this.#sample(n);
    this.#tallyStatic();
    this.elapsedMs = performance.now() - t0;
    this.#opts.onProgress?.(n, n);
    return this;
  }

  /** Events per second of the last run (event loop only). */
  get eventsPerSecond(): number {
    return this.elapsedMs > 0 ? (this.trace.n * 1000) / this.elapsedMs : 0;
  }

  /** The hot loop: events [from, to); returns `to`. Refused calls are recorded and the loop goes on. */
  #replayRange(from: number, to: number): number {
    const t = this.trace;
    const { op, kind, gfp, order, req, match, cache, cpu } = t;
    const handle = this.handle;
    const served = this.served;
    // pages go through the record of direct callers: the whole-machine check knows who holds them
    const pa = this.k.direct;
    const slab = this.k.slab;
    const machine = this.k.machine;
    const caches = this.caches;
    const ncpu = machine.cpus.length;
    const slabMask = GFP_LEVEL_MASK & ~__GFP_COMP;
    let i = from;
    for (; i < to; i++) {
      const o = op[i];
      if (o === 0) continue; // OP_SKIP: tallied by tallyStatic
      const c = cpu[i] % ncpu;
      if (c !== machine.current) machine.setCurrentCpu(c);
      try {
        switch (o) {
          case OP_PAGE_ALLOC: {
            const page = pa.alloc_pages(gfp[i], order[i]);
            if (page === null) this.#fail(i, WHY_MODEL_NULL);
            else {
              handle[i] = page + 1;
              served[kind[i]]++;
            }
            break;
          }
          case OP_PAGE_FREE: {
            const m = match[i];
            const h = handle[m];
            if (h === 0) this.#skip(i, WHY_MODEL_FAILED);
            else {
              pa.__free_pages((h - 1) as Page, order[i]);
              handle[m] = 0;
              served[kind[i]]++;
            }
            break;
          }
          case OP_CACHE_ALLOC: {
            const g = gfp[i];
            const p = slab.kmem_cache_alloc(caches[cache[i]]!, g & slabMask);
            if (p === null) this.#fail(i, WHY_MODEL_NULL);
            else {
              if (g & __GFP_ZERO) machine.ram.fill(p - PAGE_OFFSET, req[i], 0);
              handle[i] = p;
              served[kind[i]]++;
            }
            break;
          }
          case OP_CACHE_FREE: {
            const m = match[i];
            const h = handle[m];
            if (h === 0) this.#skip(i, WHY_MODEL_FAILED);
            else {
              slab.kmem_cache_free(caches[cache[i]]!, h as never);
              handle[m] = 0;
              served[kind[i]]++;
            }
            break;
          }
          case OP_KMALLOC:
            this.#kmalloc(i, slabMask | __GFP_DMA);
            break;
          case OP_KFREE: {
            const m = match[i];
            const h = handle[m];
            if (h === 0) this.#skip(i, WHY_MODEL_FAILED);
            else {
              if (kind[m] === 3 /* KIND_KMALLOC */) this.#kmallocFreed(m, h);
              slab.kfree(asVirt(h));
              handle[m] = 0;
              served[kind[i]]++;
            }
            break;
          }
          case OP_FAIL:
            this.#fail(i, t.why[i]);
            break;
        }
      } catch (e) {
        this.#refused(i, e);
      }
    }
    return i;
  }

  #kmalloc(i: number, mask: number): void {
    const t = this.trace;
    const slab = this.k.slab;
    const g = t.gfp[i];
    const size = t.req[i];
    const p = slab.kmalloc(size, g & mask);
    if (p === null) {
      this.#fail(i, WHY_MODEL_NULL);
      const row = this.#modelRow(size, g);
      if (row) row.failed++;
      return;
    }
    if (g & __GFP_ZERO) this.k.machine.ram.fill(p - PAGE_OFFSET, size, 0);
    this.handle[i] = p;
    this.served[t.kind[i]]++;
    const got = slab.ksize(p);
    const row = this.#modelRowFor(got, g)!;
    row.requests++;
    row.bytes_req += size;
    row.bytes_alloc += got;
    row.live++;
    row.live_bytes_req += size;
    row.live_bytes_alloc += got;
  }

  #kmallocFreed(m: number, h: number): void {
    const t = this.trace;
    const got = this.k.slab.ksize(asVirt(h));
    const row = this.#modelRowFor(got, t.gfp[m])!;
    row.live--;
    row.live_bytes_req -= t.req[m];
    row.live_bytes_alloc -= got;
  }

  /** The model's class for a request of `size` (null above kmalloc's largest). */
  #modelRow(size: number, gfp: number): ModelKmallocRow | null {
    const cs = this.k.slab.malloc_sizes.find((c) => c.cs_size >= Math.max(size, 1));
    return cs ? this.#modelRowFor(cs.cs_size, gfp) : null;
  }

  #modelRowFor(size: number, gfp: number): ModelKmallocRow {
    const name = gfp & __GFP_DMA ? `size-${size}(DMA)` : `size-${size}`;
    let row = this.modelKmalloc.get(name);
    if (row === undefined) {
      row = { ...newClassTotals(name, size), failed: 0 };
      this.modelKmalloc.set(name, row);
    }
    return row;
  }

  #fail(i: number, why: number): void {
    this.failed[this.trace.kind[i]]++;
    this.failedWhy[this.trace.kind[i]][why]++;
  }

  #skip(i: number, why: number): void {
    this.skipped[this.trace.kind[i]][why]++;
  }

  #refused(i: number, e: unknown): void {
    this.#fail(i, WHY_MODEL_REFUSED);
    this.refusals++;
    if (this.errors.length < MAX_ERRORS_SHOWN)
      this.errors.push({
        line: this.trace.line[i],
        event: KIND_NAMES[this.trace.kind[i]],
        message: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
      });
  }

  /** Count the events skipped before the replay (decided while parsing). */
  #tallyStatic(): void {
    const { op, kind, why, n } = this.trace;
    for (let i = 0; i < n; i++) if (op[i] === 0) this.skipped[kind[i]][why[i]]++;
  }

  /** Record every populated zone's free lists now, after `events` events. */
  #sample(events: number): void {
    const tl = this.timeline;
    const row: ZoneSample[] = [];
    for (const pgdat of this.k.pa.node_data)
      for (const z of pgdat.node_zones) if (z.present_pages) row.push(zone_fragmentation(z));
    tl.event.push(events);
    tl.line.push(events > 0 ? this.trace.line[events - 1] : 0);
    tl.samples.push(row);
    tl.slab_pages.push(this.k.slab.nr_slab);
  }
}

/** About 20 samples (at least 20), at a round interval (1, 2 or 5 times a power of ten). */
export function defaultEvery(n: number): number {
  const target = Math.max(1, n / 20);
  const p = 10 ** Math.floor(Math.log10(target));
  for (const m of [5, 2, 1]) if (p * m <= target) return p * m;
  return p;
}

/** The model cache for traced objects of `size` bytes: "trace-<size>", created once per kernel. */
function modelCache(k: ReplayKernel, size: number): kmem_cache_t {
  const name = `trace-${size}`;
  const existing = k.slab.cache_chain.find((c) => c.name === name);
  if (existing) return existing;
  const c = k.slab.kmem_cache_create(name, Math.max(size, 4), 0, 0, null);
  if (c === null)
    throw new KernelPanicError("replay", undefined, `kmem_cache_create("${name}") failed: out of memory`);
  return c;
}
