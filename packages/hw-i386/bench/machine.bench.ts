// Machine creation time, and host memory of a 4 GiB and a 64 GiB machine before any write.
import { bench, describe } from "vitest";
import { Machine } from "../src/machine.js";

// Run with NODE_OPTIONS=--expose-gc so the figures are exact (without it they include garbage).
// `external` already includes `arrayBuffers` (the typed arrays' backing stores), so it is the
// off-heap figure on its own.
function hostBytes(make: () => unknown): { heap: number; external: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const a = process.memoryUsage();
  const keep = make();
  gc?.();
  gc?.();
  const b = process.memoryUsage();
  if (keep === null) console.log(keep);
  return { heap: b.heapUsed - a.heapUsed, external: b.external - a.external };
}

const mb = (n: number) => (n / 2 ** 20).toFixed(2);
for (const [name, opts] of [
  ["4 GiB 2-level", { memBytes: 4 * 2 ** 30 }],
  ["64 GiB PAE", { memBytes: 64 * 2 ** 30, pae: true }],
] as const) {
  const r = hostBytes(() => new Machine(opts));
  console.log(
    `host memory, ${name} machine before any write: heap ${mb(r.heap)} MB, typed arrays (external) ${mb(r.external)} MB`,
  );
}

{
  const m = new Machine({ memBytes: 64 * 2 ** 30, pae: true });
  const r = hostBytes(() => {
    for (let i = 0; i < 1000; i++) m.ram.write32(2 ** 32 + i * 4096, i + 1); // 1000 consecutive frames
    return m;
  });
  console.log(
    `host memory, 1000 consecutive frames written: heap ${mb(r.heap)} MB, typed arrays ${mb(r.external)} MB`,
  );
}

{
  const m = new Machine({ memBytes: 64 * 2 ** 30, pae: true });
  const r = hostBytes(() => {
    for (let i = 0; i < 1000; i++) m.ram.write32(2 ** 32 + i * 60 * 2 ** 20, i + 1); // 1000 frames, 60 MiB apart
    return m;
  });
  console.log(
    `host memory, 1000 frames written on the 64 GiB machine: heap ${mb(r.heap)} MB, typed arrays ${mb(r.external)} MB`,
  );
}

describe("Machine creation", () => {
  bench("new Machine 4 GiB (2-level, 1 CPU)", () => {
    new Machine({ memBytes: 4 * 2 ** 30 });
  });
  bench("new Machine 64 GiB (PAE, 1 CPU)", () => {
    new Machine({ memBytes: 64 * 2 ** 30, pae: true });
  });
  bench("new Machine 64 GiB (PAE, 8 CPUs)", () => {
    new Machine({ memBytes: 64 * 2 ** 30, pae: true, cpus: 8 });
  });
});
