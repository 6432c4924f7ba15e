import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { __flush_tlb_one, set_in_cr4, write_cr3, X86_CR4_PGE } from "../src/cpu.js";
import { checkMachineInvariants, Machine } from "../src/machine.js";
import { flush_tlb_all, translate } from "../src/mmu.js";
import { pte_clear, set_pte_at } from "../src/pagetable.js";
import { _PAGE_GLOBAL, mk_pte, PAGE_KERNEL_EXEC } from "../src/paging.js";
import { asPhys, type PhysAddr } from "../src/types.js";

// A reference TLB that remembers every translation until it is flushed, checked against the
// model over random sequences of pte writes (never flushed by themselves), reads, invlpg, CR3
// loads and flush_tlb_all. Reads only: a write to a page without D re-walks, which the
// reference would have to model too.
const BASE = 0xc0400000;
const op = fc.oneof(
  fc.record({
    k: fc.constant("set" as const),
    page: fc.nat(15),
    pfn: fc.integer({ min: 0x100, max: 0x1ff }),
    g: fc.boolean(),
  }),
  fc.record({ k: fc.constant("clear" as const), page: fc.nat(15) }),
  fc.record({ k: fc.constant("read" as const), page: fc.nat(15) }),
  fc.record({ k: fc.constant("invlpg" as const), page: fc.nat(15) }),
  fc.record({ k: fc.constant("cr3" as const) }),
  fc.record({ k: fc.constant("all" as const) }),
);

describe.each([false, true])("TLB against a reference model (pae=%s)", (pae) => {
  it("shows exactly the stale translations a never-evicting TLB would", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), fc.boolean(), (ops, pge) => {
        const m = new Machine({ memBytes: 16 << 20, pae });
        let next = 0x100000;
        const alloc = () => ((next += 4096) - 4096) as PhysAddr;
        set_pte_at(m, asPhys(0x9000), BASE, 0, alloc); // build the tables once
        const cpu = m.cpus[0]!;
        if (pge) set_in_cr4(cpu, X86_CR4_PGE);
        write_cr3(cpu, asPhys(0x9000));
        const ptes = new Map<number, { pfn: number; g: boolean }>();
        const cache = new Map<number, { pfn: number; g: boolean }>();
        for (const o of ops) {
          const va = BASE + ("page" in o ? o.page : 0) * 4096;
          if (o.k === "set") {
            set_pte_at(m, asPhys(0x9000), va, mk_pte(o.pfn, PAGE_KERNEL_EXEC + (o.g ? _PAGE_GLOBAL : 0)));
            ptes.set(o.page, { pfn: o.pfn, g: o.g });
          } else if (o.k === "clear") {
            pte_clear(m, asPhys(0x9000), va);
            ptes.delete(o.page);
          } else if (o.k === "read") {
            const hit = cache.get(o.page);
            const now = ptes.get(o.page);
            const r = translate(m, cpu, va + 8);
            if (hit) expect(r).toEqual({ phys: hit.pfn * 4096 + 8 });
            else if (now) {
              expect(r).toEqual({ phys: now.pfn * 4096 + 8 });
              cache.set(o.page, { pfn: now.pfn, g: now.g && pge });
            } else expect(r).toEqual({ fault: { cr2: va + 8, error_code: 0 } });
          } else if (o.k === "invlpg") {
            __flush_tlb_one(cpu, va);
            cache.delete(o.page);
          } else if (o.k === "cr3") {
            write_cr3(cpu, asPhys(0x9000));
            for (const [p, e] of cache) if (!e.g) cache.delete(p);
          } else {
            flush_tlb_all(m);
            cache.clear();
          }
          expect(cpu.tlb.size()).toBe(cache.size);
        }
        checkMachineInvariants(m);
      }),
      { seed: 2026, numRuns: 120 },
    );
  });
});
