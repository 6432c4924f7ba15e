import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { set_in_cr4, write_cr3, X86_CR0_WP, X86_CR4_PSE } from "../src/cpu.js";
import { Machine } from "../src/machine.js";
import { PF_INSTR, PF_PROT, PF_RSVD, PF_USER, PF_WRITE, peek, translate } from "../src/mmu.js";
import { set_pmd_large, set_pte_at, walk } from "../src/pagetable.js";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_NX,
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_USER,
  pfn_pte,
} from "../src/paging.js";
import { asPhys, type PhysAddr } from "../src/types.js";

const MEM = 64 << 20;
const CR3 = asPhys(0x9000);

function bump(start = 0x100000) {
  let next = start;
  return () => {
    const pa = next;
    next += 4096;
    return pa as PhysAddr;
  };
}

const mapping = fc.record({
  vpn: fc.integer({ min: 0x100, max: 0xfffff }),
  pfn: fc.integer({ min: 0x400, max: MEM / 4096 - 0x20 - 1 }),
  flags: fc.integer({ min: 0, max: 7 }), // P|RW|US subsets
  nx: fc.boolean(),
});
const access = fc.record({
  pick: fc.nat(),
  offset: fc.integer({ min: 0, max: 4095 }),
  write: fc.boolean(),
  user: fc.boolean(),
  fetch: fc.boolean(),
  unmapped: fc.boolean(),
});

describe.each([false, true])("MMU properties (pae=%s)", (pae) => {
  it("random mappings translate back to their frames (translate and peek)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(mapping, { minLength: 1, maxLength: 20, selector: (m) => m.vpn }),
        (maps) => {
          const m = new Machine({ memBytes: MEM, pae });
          const alloc = bump();
          for (const x of maps) set_pte_at(m, CR3, x.vpn * 4096, pfn_pte(x.pfn, 7), alloc);
          const cpu = m.cpus[0]!;
          write_cr3(cpu, CR3);
          for (const x of maps) {
            const va = x.vpn * 4096 + (x.pfn & 0xfff);
            const want = x.pfn * 4096 + (x.pfn & 0xfff);
            expect(translate(m, cpu, va, { user: true, write: true })).toEqual({ phys: want });
            expect(peek(m, CR3, va)).toEqual({ phys: want });
            expect(translate(m, cpu, va)).toEqual({ phys: want }); // now a TLB hit
          }
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  it("every access either reaches its frame with A/D set or faults with the Intel error code", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(mapping, { minLength: 1, maxLength: 12, selector: (m) => m.vpn }),
        fc.array(access, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 3 }), // pde RW/US bits
        fc.boolean(), // CR0.WP
        fc.boolean(), // CPU has NX
        (maps, accesses, pdeBits, wp, nx) => {
          const m = new Machine({ memBytes: MEM, pae, features: { nx } });
          const alloc = bump();
          const pdeFlags = _PAGE_PRESENT | (pdeBits << 1);
          for (const x of maps) {
            const prot = x.flags + (x.nx && m.nx_enabled ? _PAGE_NX : 0);
            set_pte_at(m, CR3, x.vpn * 4096, pfn_pte(x.pfn, prot), alloc);
          }
          // restrict every pde (pmd-level entry) to pdeFlags
          for (const x of maps) {
            const lv = walk(m, CR3, x.vpn * 4096).at(-2)!;
            m.ram.write32(lv.entryPa, ((lv.entry & 0xfffff000) >>> 0) + pdeFlags);
          }
          const cpu = m.cpus[0]!;
          if (!wp) cpu.cr0 = cpu.cr0 & ~X86_CR0_WP;
          write_cr3(cpu, CR3);
          const used = new Set(maps.map((x) => x.vpn));
          for (const a of accesses) {
            const x = maps[a.pick % maps.length]!;
            let vpn = x.vpn;
            if (a.unmapped) {
              vpn = (x.vpn + 1) & 0xfffff;
              if (used.has(vpn)) continue;
            }
            const va = vpn * 4096 + a.offset;
            const acc = (a.write ? PF_WRITE : 0) | (a.user ? PF_USER : 0);
            const code = acc | (a.fetch && m.nx_enabled ? PF_INSTR : 0);
            const r = translate(m, cpu, va, { write: a.write, user: a.user, fetch: a.fetch });
            const pdeOk = pdeFlags & 1 && (!a.unmapped || walk(m, CR3, va).at(-2)?.present);
            const pte = a.unmapped ? 0 : x.flags;
            let want: number | null = null; // expected error code, null = success
            if (!pdeOk || (pte & 1) === 0) want = code;
            else {
              const rw = (pte & 2) !== 0 && (pdeFlags & 2) !== 0;
              const us = (pte & 4) !== 0 && (pdeFlags & 4) !== 0;
              if (a.user && !us) want = code | PF_PROT;
              else if (a.write && !rw && (a.user || wp)) want = code | PF_PROT;
              else if (a.fetch && x.nx && m.nx_enabled) want = code | PF_PROT;
            }
            if (want === null) {
              expect(r).toEqual({ phys: x.pfn * 4096 + a.offset });
              const leaf = walk(m, CR3, va).at(-1)!.entry;
              expect(leaf & _PAGE_ACCESSED).toBe(_PAGE_ACCESSED);
              if (a.write) expect(leaf & _PAGE_DIRTY).toBe(_PAGE_DIRTY);
            } else {
              expect(r).toEqual({ fault: { cr2: va >>> 0, error_code: want } });
              expect(cpu.cr2).toBe(va >>> 0);
            }
          }
        },
      ),
      { seed: 7, numRuns: 150 },
    );
  });
});

describe("reserved-bit faults", () => {
  it("PAE: any address bit 36..51 in a present pte faults with P|RSVD plus the access bits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 36, max: 51 }), fc.boolean(), fc.boolean(), (bit, write, user) => {
        const m = new Machine({ memBytes: MEM, pae: true });
        set_pte_at(m, CR3, 0x10000000, pfn_pte(0x500, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER), bump());
        const lv = walk(m, CR3, 0x10000000).at(-1)!;
        m.ram.write32(lv.entryPa + 4, 1 << (bit - 32));
        const cpu = m.cpus[0]!;
        write_cr3(cpu, CR3);
        const code = PF_PROT | PF_RSVD | (write ? PF_WRITE : 0) | (user ? PF_USER : 0);
        expect(translate(m, cpu, 0x10000abc, { write, user })).toEqual({
          fault: { cr2: 0x10000abc, error_code: code },
        });
      }),
      { seed: 3, numRuns: 40 },
    );
  });
  it("PAE without NX: a pte carrying PAGE_KERNEL's NX bit faults RSVD — mask it as pfn_pte does", () => {
    const m = new Machine({ memBytes: MEM, pae: true });
    set_pte_at(m, CR3, 0xc0000000, pfn_pte(0x500, 0x063 + _PAGE_NX), bump());
    const cpu = m.cpus[0]!;
    write_cr3(cpu, CR3);
    expect(translate(m, cpu, 0xc0000000).fault?.error_code).toBe(PF_PROT | PF_RSVD);
  });
});

describe.each([false, true])("large pages (pae=%s)", (pae) => {
  // 4 MiB PSE pages (2-level, CR4.PSE) or 2 MiB pages (PAE): random large mappings with random
  // P/RW/US bits; every access inside one reaches frame + offset with A (and D on a write) set in
  // the pgd/pmd entry, or faults with the error code the leaf's bits call for.
  const large = fc.record({
    slot: fc.integer({ min: 1, max: 300 }), // large-page index of the linear address
    frame: fc.integer({ min: 0, max: 15 }), // large-page index of the physical frame
    flags: fc.integer({ min: 0, max: 7 }),
  });
  const probe = fc.record({
    pick: fc.nat(),
    offset: fc.integer({ min: 0, max: 2 ** 21 - 1 }),
    write: fc.boolean(),
    user: fc.boolean(),
  });
  it("translate to frame + offset, or fault with the leaf's error code", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(large, { minLength: 1, maxLength: 10, selector: (l) => l.slot }),
        fc.array(probe, { minLength: 1, maxLength: 20 }),
        (maps, probes) => {
          const m = new Machine({ memBytes: MEM, pae });
          const size = m.paging.PMD_SIZE;
          const alloc = bump();
          for (const l of maps) set_pmd_large(m, CR3, l.slot * size, (l.frame * size) / 4096, l.flags, alloc);
          const cpu = m.cpus[0]!;
          set_in_cr4(cpu, X86_CR4_PSE);
          write_cr3(cpu, CR3);
          for (const p of probes) {
            const l = maps[p.pick % maps.length]!;
            const off = p.offset % size;
            const va = l.slot * size + off;
            const acc = (p.write ? PF_WRITE : 0) | (p.user ? PF_USER : 0);
            let want: number | null = null;
            if ((l.flags & 1) === 0) want = acc;
            else if (p.user && (l.flags & 4) === 0) want = acc | PF_PROT;
            else if (p.write && (l.flags & 2) === 0) want = acc | PF_PROT; // CR0.WP is on
            const r = translate(m, cpu, va, { write: p.write, user: p.user });
            if (want === null) {
              expect(r).toEqual({ phys: l.frame * size + off });
              const e = walk(m, CR3, va).at(-1)!;
              expect(e.large).toBe(true);
              expect(e.entry & _PAGE_ACCESSED).toBe(_PAGE_ACCESSED);
              if (p.write) expect(e.entry & _PAGE_DIRTY).toBe(_PAGE_DIRTY);
            } else expect(r).toEqual({ fault: { cr2: va, error_code: want } });
          }
        },
      ),
      { seed: 99, numRuns: 100 },
    );
  });
});
