// The page allocator's costs, against the real Machine: order-0 pairs through the per-CPU lists
// and through the buddy lists alone, order-3 and order-10 pairs, a 4 GiB boot (time and host
// memory per frame), and a replay of the repository's bench/page-trace.mjs traces side by side with
// @thi.ng/malloc's MemPool serving the same requests (4096 << order bytes each).
// Each pair bench runs PAIRS pairs per call, so the per-pair cost is (mean time) / PAIRS.
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PAGE_TRACE_GENERATOR } from "@i386mm/fixtures";
import { Machine } from "@i386mm/hw-i386";
import { MemPool } from "@thi.ng/malloc";
import { bench, describe } from "vitest";
// The built package, loaded natively (see the root vitest.project.ts): what a user's program runs.
import { GFP_KERNEL, type Page, PageAllocator } from "../dist/index.js";
import { __free_pages_bulk, __rmqueue } from "../dist/internal.js";

const PAIRS = 1000;
const OPTS = { time: 1500, warmupTime: 300 };
const GiB = 2 ** 30;
const here = dirname(fileURLToPath(import.meta.url));

// ------------------------------------------------------------------ host memory of a 4 GiB boot

// Measured in a child Node with --expose-gc (exact after a collection) on the built packages: the
// code is warmed on a small boot first so the figure is the 4 GiB boot's data, not compiled code.
{
  const distUrl = (pkg: string) => pathToFileURL(resolve(here, `../../${pkg}/dist/index.js`)).href;
  const script = `
    const { Machine } = await import(${JSON.stringify(distUrl("hw-i386"))});
    const { PageAllocator } = await import(${JSON.stringify(distUrl("page-alloc"))});
    const warm = new PageAllocator(new Machine({ memBytes: 64 << 20 }));
    gc(); const a = process.memoryUsage();
    const pa = new PageAllocator(new Machine({ memBytes: 4 * 2 ** 30 }));
    gc(); const b = process.memoryUsage();
    console.log(JSON.stringify({ frames: pa.mem_map.nr_pages, memMap: pa.mem_map.buffer.byteLength,
      backed: pa.machine.ram.framesBacked, arrays: b.arrayBuffers - a.arrayBuffers,
      heap: b.heapUsed - a.heapUsed, rss: b.rss - a.rss, warm: warm.mem_map.nr_pages }));`;
  const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  const r = JSON.parse(out) as Record<string, number>;
  const per = (n: number) => (n / r.frames).toFixed(2);
  console.log(
    `host memory, 4 GiB machine booted (${r.frames} frames): mem_map ${per(r.memMap)} B/frame; ` +
      `all typed arrays ${per(r.arrays)} B/frame (incl. ${r.backed} RAM frames the boot wrote); ` +
      `JS heap ${per(r.heap)} B/frame; total ${per(r.arrays + r.heap)} B/frame; resident (RSS) ${per(r.rss)} B/frame`,
  );
}

// ------------------------------------------------------------------ pairs

const pa = new PageAllocator(new Machine({ memBytes: GiB, cpus: 2 }));
const normal = pa.zones.find((z) => z.name === "Normal")!;

describe("order-0 alloc + free pair, x1000", () => {
  pa.__free_pages(pa.alloc_pages(GFP_KERNEL, 0)!, 0); // prime this CPU's hot list
  bench(
    "alloc_pages(GFP_KERNEL, 0) + __free_pages: per-CPU hot list",
    () => {
      for (let i = 0; i < PAIRS; i++) pa.__free_pages(pa.alloc_pages(GFP_KERNEL, 0)!, 0);
    },
    OPTS,
  );
  const m = pa.mem_map;
  bench(
    "__rmqueue(zone, 0) + __free_pages_bulk: buddy lists only (split + merge)",
    () => {
      for (let i = 0; i < PAIRS; i++) __free_pages_bulk(m, __rmqueue(m, normal, 0), normal, 0);
    },
    OPTS,
  );
});

describe("order-3 and order-10 alloc + free pairs, x1000", () => {
  for (const order of [3, 10]) {
    bench(
      `alloc_pages(GFP_KERNEL, ${order}) + __free_pages`,
      () => {
        for (let i = 0; i < PAIRS; i++) pa.__free_pages(pa.alloc_pages(GFP_KERNEL, order)!, order);
      },
      OPTS,
    );
  }
});

describe("boot", () => {
  bench("new Machine + new PageAllocator, 4 GiB (1M frames)", () => {
    new PageAllocator(new Machine({ memBytes: 4 * GiB }));
  });
  bench("new Machine + new PageAllocator, 1 GiB", () => {
    new PageAllocator(new Machine({ memBytes: GiB }));
  });
});

// ------------------------------------------------------------------ trace replay

const generator = PAGE_TRACE_GENERATOR;

/**
 * One trace, pre-parsed: op[i] = the order for an "a" line, -1 for an "f" line; id[i] = the
 * block's id; order[id] = the order the block was allocated with (the "f" lines carry none).
 */
interface Trace {
  readonly op: Int8Array;
  readonly id: Int32Array;
  readonly order: Int8Array;
}

function loadTrace(frames: number, ops: number, seed: number): Trace {
  const text = execFileSync(process.execPath, [generator, String(frames), String(ops), String(seed)], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const lines = text.trimEnd().split("\n");
  const op = new Int8Array(lines.length);
  const id = new Int32Array(lines.length);
  let ids = 0;
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i].split(" ");
    id[i] = Number(f[1]);
    op[i] = f[0] === "a" ? Number(f[2]) : -1;
    if (id[i] >= ids) ids = id[i] + 1;
  }
  const order = new Int8Array(ids);
  for (let i = 0; i < op.length; i++) if (op[i] >= 0) order[id[i]] = op[i];
  return { op, id, order };
}

/** Replay `t` through the page allocator; returns how many allocations failed. */
function replayKernel(kpa: PageAllocator, t: Trace, handle: Int32Array): number {
  const { op, id, order } = t;
  let failed = 0;
  for (let i = 0; i < op.length; i++) {
    const o = op[i];
    if (o >= 0) {
      const p = kpa.alloc_pages(GFP_KERNEL, o);
      if (p === null) failed++;
      handle[id[i]] = p ?? -1;
    } else {
      const p = handle[id[i]];
      if (p >= 0) kpa.__free_pages(p as Page, order[id[i]]);
    }
  }
  return failed;
}

/** Replay `t` through a MemPool, 4096 << order bytes per block; returns how many mallocs failed. */
function replayPool(pool: MemPool, t: Trace, handle: Int32Array): number {
  const { op, id } = t;
  let failed = 0;
  for (let i = 0; i < op.length; i++) {
    const o = op[i];
    if (o >= 0) {
      const a = pool.malloc(4096 << o);
      if (a === 0) failed++;
      handle[id[i]] = a;
    } else if (handle[id[i]] !== 0) pool.free(handle[id[i]]);
  }
  return failed;
}

{
  // At most 80% of 16384 frames (64 MiB) in use; the machine has 256 MiB, the pool 112 MiB, so
  // both can serve every request: a first replay checks that before anything is timed.
  const FRAMES = 16384;
  const OPS = 200_000;
  for (const seed of [1, 2]) {
    const t = loadTrace(FRAMES, OPS, seed);
    const handle = new Int32Array(t.order.length);
    const kpa = new PageAllocator(new Machine({ memBytes: 256 << 20 }));
    const pool = new MemPool({ size: (FRAMES * 4096 * 3) / 2 + (16 << 20) });
    const kFailed = replayKernel(kpa, t, handle);
    const pFailed = replayPool(pool, t, handle);
    console.log(
      `page-trace.mjs ${FRAMES} ${OPS} ${seed}: ${t.op.length} operations; failed allocations: ` +
        `i386mm ${kFailed}, @thi.ng/malloc ${pFailed}${kFailed + pFailed ? " (figures not comparable)" : ""}`,
    );
    describe(`page-trace.mjs ${FRAMES} ${OPS} ${seed}: ${t.op.length} operations per run`, () => {
      bench("i386mm alloc_pages / __free_pages", () => void replayKernel(kpa, t, handle), OPTS);
      bench(
        "@thi.ng/malloc MemPool malloc / free (4096 << order bytes)",
        () => void replayPool(pool, t, handle),
        // a first-fit free-list walk: seconds per run, so a few runs suffice
        { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1 },
      );
    });
  }
}
