// The structure that makes the page allocator fast, guarded without timing anything (timings are
// bench/results.mjs's job): mem_map is struct-of-arrays in one ArrayBuffer (32 bytes per frame,
// as struct page on i386), no JS object exists per frame, and the allocation and free paths
// create no JS objects (no garbage, so no GC pauses in a long replay), counted with V8's
// sampling heap profiler over 10^5 operations.

import { allocationsDuring } from "@i386mm/fixtures/heap";
import { Machine } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { GFP_HIGHUSER, GFP_KERNEL, type Page, PageAllocator, SIZEOF_STRUCT_PAGE } from "../src/index.js";

const MiB = 2 ** 20;
const boot = (mem: number) => new PageAllocator(new Machine({ memBytes: mem }));

/** JS objects reachable from `root` through own enumerable properties, arrays, Maps and Sets (typed arrays are not objects here). */
function reachableObjects(root: object): number {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    else for (const x of Object.values(v)) stack.push(x);
  }
  return seen.size;
}

describe("mem_map is struct-of-arrays", () => {
  const pa = boot(256 * MiB);
  const m = pa.mem_map;
  it("has one ArrayBuffer: 32 bytes per frame (struct page) plus 8 per list head", () => {
    expect(SIZEOF_STRUCT_PAGE).toBe(32);
    expect(m.buffer.byteLength).toBe(SIZEOF_STRUCT_PAGE * m.nr_pages + 8 * m.nr_heads);
    for (const [name, v] of Object.entries(m)) {
      if (typeof v === "number" || v === m.buffer) continue;
      expect(ArrayBuffer.isView(v), `mem_map.${name} is a typed array`).toBe(true);
      expect((v as Uint32Array).buffer, `mem_map.${name} is a view of mem_map.buffer`).toBe(m.buffer);
    }
  });
  it("holds no JS object per frame: the objects reachable from a PageAllocator do not grow with its RAM", () => {
    const small = boot(64 * MiB);
    const large = boot(2048 * MiB);
    expect(large.mem_map.nr_pages).toBeGreaterThan(30 * small.mem_map.nr_pages);
    const a = reachableObjects(small);
    const b = reachableObjects(large);
    // a HighMem zone and its lists are the only extra structures of the larger machine
    expect(b - a).toBeLessThan(200);
  });
});

describe("the allocation paths create no JS objects", () => {
  const N = 100_000;
  const pa = boot(512 * MiB);
  const pair = (gfp: number, order: number) => () => {
    for (let i = 0; i < N; i++) pa.__free_pages(pa.alloc_pages(gfp, order) as Page, order);
  };
  // A page-trace-like mix: up to 4096 blocks of orders 0-3 (and some up to 10) held at once, freed in
  // random order (xorshift32, seed 7), so the buddy lists split and merge and the per-CPU lists
  // refill and spill.
  const held = new Int32Array(4096).fill(-1);
  const heldOrder = new Int8Array(4096);
  let x = 7;
  const mix = () => {
    for (let i = 0; i < N; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const slot = (x >>> 4) & 4095;
      if (held[slot] >= 0) {
        pa.__free_pages(held[slot] as Page, heldOrder[slot]);
        held[slot] = -1;
      } else {
        const r = x & 15;
        const order = r < 10 ? 0 : r < 13 ? 1 : r < 14 ? 2 : r < 15 ? 3 : 4 + ((x >>> 20) % 7);
        const p = pa.alloc_pages(r & 1 ? GFP_HIGHUSER : GFP_KERNEL, order);
        if (p !== null) {
          held[slot] = p;
          heldOrder[slot] = order;
        }
      }
    }
  };
  const cases: [string, () => void][] = [
    ["order-0 alloc_pages + __free_pages (per-CPU lists)", pair(GFP_KERNEL, 0)],
    ["order-0 from HighMem", pair(GFP_HIGHUSER, 0)],
    ["order-3 (buddy lists: expand and merge)", pair(GFP_KERNEL, 3)],
    ["a page-trace-like mix of orders 0-10", mix],
  ];
  for (const [name, run] of cases) {
    it(`${name}: 10^5 operations allocate nothing`, async () => {
      run(); // warm up: optimized code, lists filled
      const a = await allocationsDuring(run);
      // One small object per operation would be >= 16 bytes per operation (1.6 MB here). What the
      // profiler sees besides is the JIT's and the test runner's own odd object: under 1 byte per
      // operation (up to ~0.3 on a loaded machine, where V8 re-optimizes the loop more often).
      expect(a.bytes / N, JSON.stringify(a.stacks, null, 1)).toBeLessThan(1);
    });
  }
});
