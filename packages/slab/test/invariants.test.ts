import { asVirt, InvariantError, ModelCheckError } from "@i386mm/hw-i386";
import { GFP_ATOMIC, GFP_DMA, GFP_KERNEL } from "@i386mm/page-alloc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkSlabInvariants } from "../src/invariants.js";
import type { kmem_cache_t } from "../src/kmem-cache.js";
import { boot } from "./helpers.js";

type Op =
  | { k: "kmalloc"; size: number; dma: boolean }
  | { k: "kfree"; i: number }
  | { k: "cache_alloc"; c: number }
  | { k: "cache_free"; i: number }
  | { k: "vmalloc"; size: number }
  | { k: "vfree"; i: number }
  | { k: "cpu"; n: number }
  | { k: "reap"; dt: number }
  | { k: "shrink"; c: number }
  | { k: "double_free"; i: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant("kmalloc" as const),
      size: fc.oneof(fc.integer({ min: 0, max: 512 }), fc.integer({ min: 0, max: 140000 })),
      dma: fc.boolean(),
    }),
  },
  { weight: 5, arbitrary: fc.record({ k: fc.constant("kfree" as const), i: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant("cache_alloc" as const), c: fc.integer({ min: 0, max: 1 }) }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("cache_free" as const), i: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("vmalloc" as const), size: fc.integer({ min: 1, max: 300000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("vfree" as const), i: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cpu" as const), n: fc.integer({ min: 0, max: 1 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("reap" as const), dt: fc.integer({ min: 0, max: 6000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("shrink" as const), c: fc.integer({ min: 0, max: 1 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("double_free" as const), i: fc.nat() }) },
);

describe("checkSlabInvariants under random workloads", () => {
  it("holds after every step of kmalloc/kfree, cache alloc/free, vmalloc/vfree, reaping and shrinking", {
    timeout: 60_000,
  }, () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 20, maxLength: 60 }), (ops) => {
        const { slab, machine } = boot({ memBytes: 32 << 20, cpus: 2 });
        const caches: kmem_cache_t[] = [
          slab.kmem_cache_create("prop-a", 40, 0, 0, null)!,
          slab.kmem_cache_create("prop-b", 700, 0, 0x2000, null)!,
        ];
        const kobjs: number[] = [];
        const cobjs: [number, number][] = [];
        const vobjs: number[] = [];
        const freed: number[] = [];
        for (const op of ops) {
          switch (op.k) {
            case "kmalloc": {
              const p = slab.kmalloc(op.size, op.dma ? GFP_KERNEL | GFP_DMA : GFP_KERNEL);
              if (op.size > 131072) expect(p).toBeNull();
              else if (p !== null) {
                expect(slab.ksize(p)).toBeGreaterThanOrEqual(op.size);
                kobjs.push(p);
              }
              break;
            }
            case "kfree":
              if (kobjs.length) {
                const p = kobjs.splice(op.i % kobjs.length, 1)[0];
                slab.kfree(asVirt(p));
                freed.push(p);
              }
              break;
            case "cache_alloc": {
              const p = slab.kmem_cache_alloc(caches[op.c], GFP_ATOMIC);
              if (p !== null) cobjs.push([op.c, p]);
              break;
            }
            case "cache_free":
              if (cobjs.length) {
                const [c, p] = cobjs.splice(op.i % cobjs.length, 1)[0];
                slab.kmem_cache_free(caches[c], p as never);
                freed.push(p);
              }
              break;
            case "vmalloc": {
              const v = slab.vmalloc(op.size);
              if (v !== null) vobjs.push(v);
              break;
            }
            case "vfree":
              if (vobjs.length) slab.vfree(asVirt(vobjs.splice(op.i % vobjs.length, 1)[0]!));
              break;
            case "cpu":
              machine.setCurrentCpu(op.n);
              break;
            case "reap":
              slab.jiffies += op.dt;
              slab.cache_reap();
              break;
            case "shrink":
              expect([0, 1]).toContain(slab.kmem_cache_shrink(caches[op.c]));
              break;
            case "double_free":
              if (freed.length) {
                const p = freed[op.i % freed.length];
                if (!slab.isAllocated(p)) expect(() => slab.kfree(asVirt(p))).toThrow(ModelCheckError);
              }
              break;
          }
          checkSlabInvariants(slab);
        }
        for (const p of kobjs) slab.kfree(asVirt(p));
        for (const [c, p] of cobjs) slab.kmem_cache_free(caches[c], p as never);
        for (const v of vobjs) slab.vfree(asVirt(v));
        expect(slab.kmem_cache_destroy(caches[0])).toBe(0);
        expect(slab.kmem_cache_destroy(caches[1])).toBe(0);
        expect(slab.vm.vmlist.length).toBe(0);
        checkSlabInvariants(slab);
        slab.vfree(asVirt(0xd0000000)); // a WARN, as 2.6.11's __vunmap
        expect(slab.machine.dmesg.at(-1)).toBe("Badness in __vunmap at mm/vmalloc.c:368");
      }),
      { seed: 42, numRuns: 25 },
    );
  });
});

describe("checkSlabInvariants detects corruption", () => {
  it("reports a corrupted bufctl chain, a bad count and a cleared PG_slab", () => {
    const { slab, pa, machine } = boot();
    const c = slab.kmem_cache_create("victim", 64, 0, 0, null)!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    checkSlabInvariants(slab);
    const h = slab.slabs.next[c.lists.slabs_partial];
    const bufctl = slab.slabs.desc[h] + 24 + 2 * slab.slabs.free[h];
    const saved = machine.ram.read16(bufctl - 0xc0000000);
    machine.ram.write16(bufctl - 0xc0000000, slab.slabs.free[h]); // a loop in the chain
    expect(() => checkSlabInvariants(slab)).toThrow(/free chain is corrupt/);
    machine.ram.write16(bufctl - 0xc0000000, saved);
    c.lists.free_objects++;
    expect(() => checkSlabInvariants(slab)).toThrow(InvariantError);
    c.lists.free_objects--;
    const pfn = pa.virt_to_page(p);
    pa.ClearPageSlab(pfn);
    expect(() => checkSlabInvariants(slab)).toThrow(/lacks PG_slab/);
    pa.SetPageSlab(pfn);
    checkSlabInvariants(slab);
  });
});
