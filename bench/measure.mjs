/*
 * measure.mjs — one measurement per process, for bench/results.mjs (each starts from a fresh heap
 * and a JIT that has seen only this workload). Prints one line of JSON. Runs against the built
 * packages (packages/<name>/dist), as a user's program would.
 *
 *   node bench/measure.mjs page-trace FILE RUNS MEM_MIB        replay a page-trace.mjs trace
 *   node bench/measure.mjs page-trace-layers FILE RUNS MEM_MIB the same, through growing parts of the allocator
 *   node bench/measure.mjs pair PAIRS SAMPLES                  order-0 alloc+free pairs (per-CPU lists)
 *   node bench/measure.mjs kmalloc FILE RUNS                   a kmalloc-trace.mjs trace, i386mm and MemPool
 *   node --expose-gc bench/measure.mjs boot MEM_MIB PAE        boot time and host bytes
 *   node bench/measure.mjs check MEM_MIB PAE RUNS              checkKernelInvariants on a booted kernel
 *   node --expose-gc bench/measure.mjs layers MEM_MIB          host bytes each layer adds to a boot
 *
 * Times are wall-clock (performance.now), best (or median) of several runs in one process, as the
 * C reference measures itself (CLOCK_MONOTONIC); the replays and pairs also record the process's
 * CPU time (process.cpuUsage; the C reference: CLOCK_PROCESS_CPUTIME_ID), which on a loaded machine
 * leaves out the time spent waiting for a core.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BENCH_DIR, parseTrace } from "./trace.mjs";

const dist = (pkg) => import(pathToFileURL(resolve(BENCH_DIR, `../packages/${pkg}/dist/index.js`)).href);
const { Machine } = await dist("hw-i386");
const { PageAllocator, GFP_HIGHUSER, GFP_KERNEL } = await dist("page-alloc");

const MiB = 2 ** 20;
const [what, ...args] = process.argv.slice(2);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const stats = (ns, cpu) => {
  const s = [...ns].sort((a, b) => a - b);
  const c = cpu ? [...cpu].sort((a, b) => a - b) : null;
  return {
    runs: ns.map((x) => Math.round(x * 1000) / 1000),
    best: s[0],
    median: s[s.length >> 1],
    ...(c
      ? { cpu: cpu.map((x) => Math.round(x * 1000) / 1000), cpuBest: c[0], cpuMedian: c[c.length >> 1] }
      : {}),
  };
};
/**
 * process.memoryUsage() once garbage is really gone: a full GC, a pause, then two more. Right after
 * one gc() the ArrayBuffers of objects it freed are often still counted (V8 releases their backing
 * stores a little later): a boot's scratch RAM showed up in some runs and not in others.
 */
const settledMemoryUsage = async () => {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 100));
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage();
};
/** Run fn once: [wall ns, CPU ns] divided by `per`. */
const timed = (fn, per) => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const v = fn();
  const wall = ((performance.now() - t0) * 1e6) / per;
  const c = process.cpuUsage(c0);
  return [wall, ((c.user + c.system) * 1e3) / per, v];
};

/** Replay a parsed page trace through alloc_pages(GFP_HIGHUSER, order) / __free_pages. */
function replayPages(pa, t, handle) {
  const { arg, id, argOf } = t;
  let failed = 0;
  for (let i = 0; i < arg.length; i++) {
    const o = arg[i];
    if (o >= 0) {
      const p = pa.alloc_pages(GFP_HIGHUSER, o);
      if (p === null) {
        failed++;
        handle[id[i]] = -1;
      } else handle[id[i]] = p;
    } else {
      const p = handle[id[i]];
      if (p >= 0) pa.__free_pages(p, argOf[id[i]]);
    }
  }
  return failed;
}

if (what === "page-trace") {
  const [file, runs = 5, mem = 2048] = args;
  const t = parseTrace(readFileSync(file, "utf8"));
  const pa = new PageAllocator(new Machine({ memBytes: Number(mem) * MiB }));
  pa.drain_local_pages();
  const free0 = pa.nr_free_pages();
  const handle = new Int32Array(t.ids);
  const ns = [];
  const cpu = [];
  let failed = 0;
  for (let r = 0; r < Number(runs); r++) {
    const [w, c, f] = timed(() => replayPages(pa, t, handle), t.ops);
    ns.push(w);
    cpu.push(c);
    failed += f;
  }
  // every block is freed at the end of a trace: the per-CPU lists hold some pages, the rest is free
  pa.drain_local_pages();
  if (pa.nr_free_pages() !== free0)
    throw new Error(`free pages ${pa.nr_free_pages()} after the replays, ${free0} before`);
  out({ ops: t.ops, failed, ...stats(ns, cpu) });
} else if (what === "page-trace-layers") {
  // Where the time of a page-trace replay goes: the same trace through growing parts of the
  // allocator, each on a freshly booted machine (its HighMem zone, where GFP_HIGHUSER lands first):
  // the buddy lists alone, then order 0 through the per-CPU hot list, then that plus the other
  // struct page fields the full path reads and writes on each block head (an emulation: what
  // prep_new_page and free_pages_check touch), then alloc_pages / __free_pages.
  const [file, runs = 5, mem = 2048] = args;
  const I = await import(pathToFileURL(resolve(BENCH_DIR, "../packages/page-alloc/dist/internal.js")).href);
  const t = parseTrace(readFileSync(file, "utf8"));
  const { arg, id, argOf } = t;
  const handle = new Int32Array(t.ids);
  const layers = {
    buddy(_pa, m, z) {
      let failed = 0;
      for (let i = 0; i < arg.length; i++) {
        const o = arg[i];
        if (o >= 0) {
          const p = I.__rmqueue(m, z, o);
          if (p < 0) failed++;
          handle[id[i]] = p;
        } else {
          const p = handle[id[i]];
          if (p >= 0) I.__free_pages_bulk(m, p, z, argOf[id[i]]);
        }
      }
      return failed;
    },
    pcp(_pa, m, z) {
      const hot = z.pageset[0].pcp[I.PCP_HOT];
      let failed = 0;
      for (let i = 0; i < arg.length; i++) {
        const o = arg[i];
        if (o >= 0) {
          const p = o === 0 ? I.pcp_rmqueue(m, z, hot) : I.__rmqueue(m, z, o);
          if (p < 0) failed++;
          handle[id[i]] = p;
        } else {
          const p = handle[id[i]];
          if (p < 0) continue;
          const o2 = argOf[id[i]];
          if (o2 === 0) I.pcp_free(m, z, hot, p);
          else I.__free_pages_bulk(m, p, z, o2);
        }
      }
      return failed;
    },
    "pcp+fields"(_pa, m, z) {
      const hot = z.pageset[0].pcp[I.PCP_HOT];
      const { flags, _count, _mapcount, mapping } = m;
      let failed = 0;
      let bad = 0;
      for (let i = 0; i < arg.length; i++) {
        const o = arg[i];
        if (o >= 0) {
          const p = o === 0 ? I.pcp_rmqueue(m, z, hot) : I.__rmqueue(m, z, o);
          handle[id[i]] = p;
          if (p < 0) {
            failed++;
            continue;
          }
          bad |= mapping[p] | (_mapcount[p] + 1);
          flags[p] = (flags[p] & 0xff0fffff) | ((o + 1) << 20);
          _count[p] = 0;
        } else {
          const p = handle[id[i]];
          if (p < 0) continue;
          const o2 = argOf[id[i]];
          bad |= mapping[p] | (_mapcount[p] + 1) | _count[p];
          flags[p] &= 0xff0fffff;
          _count[p] = -1;
          if (o2 === 0) I.pcp_free(m, z, hot, p);
          else I.__free_pages_bulk(m, p, z, o2);
        }
      }
      if (bad) throw new Error("page-trace-layers: a block head was not clean");
      return failed;
    },
    full(pa) {
      return replayPages(pa, t, handle);
    },
  };
  const rows = [];
  for (const [layer, run] of Object.entries(layers)) {
    const pa = new PageAllocator(new Machine({ memBytes: Number(mem) * MiB }));
    const z = pa.zones.find((x) => x.name === "HighMem");
    const ns = [];
    const cpu = [];
    let failed = 0;
    for (let r = 0; r < Number(runs); r++) {
      const [w, c, f] = timed(() => run(pa, pa.mem_map, z), t.ops);
      ns.push(w);
      cpu.push(c);
      failed += f;
    }
    rows.push({ layer, failed, ...stats(ns, cpu) });
  }
  out({ ops: t.ops, rows });
} else if (what === "pair") {
  const [pairs = 10000, samples = 51] = args.map(Number);
  const pa = new PageAllocator(new Machine({ memBytes: 2048 * MiB }));
  const loop = () => {
    for (let i = 0; i < pairs; i++) pa.__free_pages(pa.alloc_pages(GFP_KERNEL, 0), 0);
  };
  for (let i = 0; i < 20; i++) loop(); // warm up: tiered up before timing
  const ns = [];
  const cpu = [];
  for (let s = 0; s < samples; s++) {
    const [w, c] = timed(loop, pairs);
    ns.push(w);
    cpu.push(c);
  }
  out({ pairs, ...stats(ns, cpu) });
} else if (what === "kmalloc") {
  const [file, runs = 5] = args;
  const { boot } = await dist("kernel");
  const { MemPool } = await import("@thi.ng/malloc");
  const t = parseTrace(readFileSync(file, "utf8"));
  const k = boot({ mem: 256 * MiB });
  const slab = k.slab;
  const pool = new MemPool({ size: 64 * MiB });
  const handle = new Float64Array(t.ids);
  const { arg, id } = t;
  const kmallocRun = () => {
    let failed = 0;
    for (let i = 0; i < arg.length; i++) {
      const n = arg[i];
      if (n >= 0) {
        const p = slab.kmalloc(n, GFP_KERNEL);
        if (p === null) failed++;
        handle[id[i]] = p ?? 0;
      } else slab.kfree(handle[id[i]]);
    }
    return failed;
  };
  const poolRun = () => {
    let failed = 0;
    for (let i = 0; i < arg.length; i++) {
      const n = arg[i];
      if (n >= 0) {
        const p = pool.malloc(n);
        if (p === 0) failed++;
        handle[id[i]] = p;
      } else if (handle[id[i]] !== 0) pool.free(handle[id[i]]);
    }
    return failed;
  };
  const kns = [];
  const kcpu = [];
  const pns = [];
  const pcpu = [];
  let kFailed = 0;
  let pFailed = 0;
  for (let r = 0; r < Number(runs); r++) {
    const [kw, kc, kf] = timed(kmallocRun, t.ops);
    kns.push(kw);
    kcpu.push(kc);
    kFailed += kf;
    const [pw, pc, pf] = timed(poolRun, t.ops);
    pns.push(pw);
    pcpu.push(pc);
    pFailed += pf;
  }
  out({
    ops: t.ops,
    kmalloc: { failed: kFailed, ...stats(kns, kcpu) },
    mempool: { failed: pFailed, ...stats(pns, pcpu) },
  });
} else if (what === "boot") {
  const [mem, pae] = args;
  const { boot } = await dist("kernel");
  const memBytes = Number(mem) * MiB;
  const opts = { mem: memBytes, pae: pae === "1" };
  // warm the code on a small boot, kept alive so nothing of it is collected inside the measurement
  const warm = boot({ mem: 64 * MiB, pae: opts.pae });
  const a = await settledMemoryUsage();
  const t0 = performance.now();
  const k = boot(opts);
  const ms = performance.now() - t0;
  const b = await settledMemoryUsage();
  const frames = k.pa.mem_map.nr_pages;
  out({
    mem: Number(mem),
    pae: opts.pae,
    frames,
    ms,
    memMapBytes: k.pa.mem_map.buffer.byteLength,
    arrayBytes: b.arrayBuffers - a.arrayBuffers,
    heapBytes: b.heapUsed - a.heapUsed,
    rssBytes: b.rss - a.rss,
    ramFramesBacked: k.machine.ram.framesBacked,
    warm: warm.pa.mem_map.nr_pages,
  });
} else if (what === "check") {
  const [mem, pae, runs = 3] = args;
  const { boot, checkKernelInvariants } = await dist("kernel");
  const k = boot({ mem: Number(mem) * MiB, pae: pae === "1" });
  // some state to check: slab caches with objects, pages on the per-CPU lists and in use
  const objs = [];
  for (let i = 0; i < 2000; i++) objs.push(k.slab.kmalloc(32 + ((i * 37) % 2000), GFP_KERNEL));
  // (through k.direct, the kernel's record of direct page-allocator callers: the whole-machine
  // check gives every allocated frame an owner, and a page taken from k.pa itself has none)
  const pages = [];
  for (let i = 0; i < 2000; i++) pages.push(k.direct.alloc_pages(GFP_HIGHUSER, i % 3));
  const ms = [];
  for (let r = 0; r < Number(runs); r++) {
    const t0 = performance.now();
    checkKernelInvariants(k);
    ms.push(performance.now() - t0);
  }
  out({
    mem: Number(mem),
    pae: pae === "1",
    frames: k.pa.mem_map.nr_pages,
    ...stats(ms),
    live: objs.length + pages.length,
  });
} else if (what === "layers") {
  const [mem] = args;
  const memBytes = Number(mem) * MiB;
  const { SlabAllocator } = await dist("slab");
  const { Kmap } = await dist("kmap");
  const { PageCache } = await dist("page-cache");
  const { boot } = await dist("kernel");
  const warm = boot({ mem: 64 * MiB });
  const used = async () => {
    const u = await settledMemoryUsage();
    return u.arrayBuffers + u.heapUsed;
  };
  const rows = [];
  let before = await used();
  const step = async (layer, make) => {
    const t0 = performance.now();
    const v = make();
    const ms = performance.now() - t0;
    const now = await used();
    rows.push({ layer, bytes: now - before, ms });
    before = now;
    return v;
  };
  const machine = await step("hw-i386", () => new Machine({ memBytes }));
  const pa = await step("page-alloc", () => new PageAllocator(machine));
  const slab = await step("slab", () => new SlabAllocator(pa));
  const km = await step("kmap", () => new Kmap(pa));
  const pc = await step("page-cache", () => new PageCache(slab, km));
  out({ mem: Number(mem), frames: pa.mem_map.nr_pages, rows, keep: [warm.pa.mem_map.nr_pages, pc ? 1 : 0] });
} else {
  throw new Error(`measure.mjs: unknown measurement ${what}`);
}
