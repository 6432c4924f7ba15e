// kmalloc/kfree, kmem_cache_alloc/free and vmalloc/vfree against the real Machine + PageAllocator,
// side by side with @thi.ng/malloc's MemPool on the same kmalloc trace. Each bench call runs
// PAIRS operations so the per-pair cost is (mean time) / PAIRS.
import { asVirt, Machine } from "@i386mm/hw-i386";
import { GFP_KERNEL, PageAllocator } from "@i386mm/page-alloc";
import { MemPool } from "@thi.ng/malloc";
import { bench, describe } from "vitest";
// The built package, loaded natively (see the root vitest.project.ts): what a user's program runs.
import { SlabAllocator } from "../dist/index.js";

const PAIRS = 1000;
const OPTS = { time: 1500, warmupTime: 300 };

function bootSlab() {
  const machine = new Machine({ memBytes: 256 << 20, cpus: 2 });
  const pa = new PageAllocator(machine);
  return new SlabAllocator(pa);
}

const slab = bootSlab();
const pool = new MemPool({ size: 64 << 20 });

describe("kmalloc + kfree pair (per-CPU fast path), x1000", () => {
  for (const size of [32, 256, 4096]) {
    // warm the array cache so the loop stays on the fast path
    slab.kfree(slab.kmalloc(size, GFP_KERNEL));
    bench(
      `slab kmalloc+kfree ${size} B`,
      () => {
        for (let i = 0; i < PAIRS; i++) slab.kfree(slab.kmalloc(size, GFP_KERNEL));
      },
      OPTS,
    );
    bench(
      `@thi.ng/malloc malloc+free ${size} B`,
      () => {
        for (let i = 0; i < PAIRS; i++) pool.free(pool.malloc(size));
      },
      OPTS,
    );
  }
});

describe("kmem_cache_alloc + kmem_cache_free, x1000", () => {
  const c = slab.kmem_cache_create("bench-obj", 72, 0, 0, null)!;
  slab.kmem_cache_free(c, slab.kmem_cache_alloc(c, GFP_KERNEL)!);
  bench(
    "kmem_cache_alloc+kmem_cache_free 72 B",
    () => {
      for (let i = 0; i < PAIRS; i++) slab.kmem_cache_free(c, slab.kmem_cache_alloc(c, GFP_KERNEL)!);
    },
    OPTS,
  );
});

describe("vmalloc + vfree 64 KiB, x10", () => {
  bench(
    "vmalloc+vfree 64 KiB",
    () => {
      for (let i = 0; i < 10; i++) slab.vfree(slab.vmalloc(64 << 10));
    },
    OPTS,
  );
});

// A deterministic mixed trace (xorshift32, seed 42): up to 256 live blocks of 8..4096 bytes
// (60% <= 128 B, 30% <= 1 KiB, 10% <= 4 KiB), allocations and frees in random order.
// size[i] > 0: allocate that many bytes into slot[i]; size[i] == 0: free slot[i].
function makeTrace(n: number): { size: Int32Array; slot: Int32Array } {
  let x = 42;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const size: number[] = [];
  const slot: number[] = [];
  const live: number[] = [];
  const freeSlots = Array.from({ length: 256 }, (_, i) => 255 - i);
  for (let i = 0; i < n; i++) {
    if (live.length < 256 && (live.length === 0 || rnd() < 0.5)) {
      const r = rnd();
      size.push(
        r < 0.6
          ? 8 + Math.floor(rnd() * 120)
          : r < 0.9
            ? 128 + Math.floor(rnd() * 896)
            : 1024 + Math.floor(rnd() * 3072),
      );
      const sl = freeSlots.pop()!;
      slot.push(sl);
      live.push(sl);
    } else {
      const k = Math.floor(rnd() * live.length);
      size.push(0);
      slot.push(live[k]);
      freeSlots.push(live[k]);
      live[k] = live[live.length - 1];
      live.pop();
    }
  }
  // free whatever is left, so every run starts from the same state
  for (const sl of live) {
    size.push(0);
    slot.push(sl);
  }
  return { size: Int32Array.from(size), slot: Int32Array.from(slot) };
}
const trace = makeTrace(20000);
const slots = new Float64Array(256);

function runTrace(alloc: (n: number) => number, free: (p: number) => void) {
  const { size, slot } = trace;
  for (let i = 0; i < size.length; i++) {
    if (size[i] > 0) slots[slot[i]] = alloc(size[i]);
    else free(slots[slot[i]]);
  }
}

describe(`same mixed kmalloc trace (${trace.size.length} ops, 8..4096 B, up to 256 live)`, () => {
  bench(
    "slab kmalloc/kfree trace",
    () => {
      runTrace(
        (n) => slab.kmalloc(n, GFP_KERNEL)!,
        (p) => slab.kfree(asVirt(p)),
      );
    },
    OPTS,
  );
  bench(
    "@thi.ng/malloc MemPool trace",
    () => {
      runTrace(
        (n) => pool.malloc(n),
        (p) => {
          pool.free(p);
        },
      );
    },
    OPTS,
  );
});
