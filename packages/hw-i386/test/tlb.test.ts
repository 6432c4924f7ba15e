import { describe, expect, it } from "vitest";
import { __flush_tlb_one, set_in_cr4, write_cr3, X86_CR4_PGE, X86_CR4_PSE } from "../src/cpu.js";
import { checkMachineInvariants, Machine } from "../src/machine.js";
import { flush_tlb_all, translate } from "../src/mmu.js";
import { lookupPte, pte_clear, set_pmd_large, set_pte_at } from "../src/pagetable.js";
import {
  _PAGE_GLOBAL,
  mk_pte,
  PAGE_KERNEL_EXEC,
  PAGE_KERNEL_LARGE_EXEC,
  PAGE_SHARED,
} from "../src/paging.js";
import { asPhys, type PhysAddr } from "../src/types.js";

function bump(start = 0x100000) {
  let next = start;
  return () => {
    const pa = next;
    next += 4096;
    return pa as PhysAddr;
  };
}

describe.each([false, true])("TLB (pae=%s)", (pae) => {
  const CR3 = asPhys(0x9000);
  const setup = (cpus = 1) => {
    const m = new Machine({ memBytes: 64 << 20, pae, cpus });
    const alloc = bump();
    for (const cpu of m.cpus) {
      write_cr3(cpu, CR3);
      set_in_cr4(cpu, X86_CR4_PGE | X86_CR4_PSE);
    }
    return { m, alloc };
  };

  it("counts a miss then hits for the same page", () => {
    const { m, alloc } = setup();
    set_pte_at(m, CR3, 0x08048000, mk_pte(0x500, PAGE_SHARED), alloc);
    write_cr3(m.cpus[0]!, CR3); // PAE: reload the PDPTE just created
    const cpu = m.cpus[0]!;
    translate(m, cpu, 0x08048000, { user: true });
    translate(m, cpu, 0x08048004, { user: true });
    translate(m, cpu, 0x08048ffc, { user: true, write: true }); // D not yet set: walks again
    translate(m, cpu, 0x08048ff8, { user: true, write: true });
    expect([cpu.tlb.misses, cpu.tlb.hits]).toEqual([2, 2]);
  });

  it("keeps a stale translation until invlpg, then sees the new one", () => {
    const { m, alloc } = setup();
    const cpu = m.cpus[0]!;
    set_pte_at(m, CR3, 0xc0400000, mk_pte(0x600, PAGE_KERNEL_EXEC), alloc);
    write_cr3(cpu, CR3);
    expect(translate(m, cpu, 0xc0400010)).toEqual({ phys: 0x600010 });
    set_pte_at(m, CR3, 0xc0400000, mk_pte(0x700, PAGE_KERNEL_EXEC), alloc); // kernel forgets to flush
    expect(translate(m, cpu, 0xc0400010)).toEqual({ phys: 0x600010 }); // stale
    __flush_tlb_one(cpu, 0xc0400000);
    expect(translate(m, cpu, 0xc0400010)).toEqual({ phys: 0x700010 }); // flushed
  });

  it("keeps translating an unmapped page until flushed, then faults", () => {
    const { m, alloc } = setup();
    const cpu = m.cpus[0]!;
    set_pte_at(m, CR3, 0xc0800000, mk_pte(0x800, PAGE_KERNEL_EXEC), alloc);
    write_cr3(cpu, CR3);
    translate(m, cpu, 0xc0800000);
    expect(pte_clear(m, CR3, 0xc0800000)).not.toBe(0);
    expect(translate(m, cpu, 0xc0800000)).toEqual({ phys: 0x800000 });
    cpu.tlb.invlpg(0xc0800000);
    expect(translate(m, cpu, 0xc0800000)).toEqual({ fault: { cr2: 0xc0800000, error_code: 0 } });
  });

  it("a CR3 write drops non-global entries and keeps global ones; flush_tlb_all drops both", () => {
    const { m, alloc } = setup();
    const cpu = m.cpus[0]!;
    set_pte_at(m, CR3, 0xc0001000, mk_pte(0x10, PAGE_KERNEL_EXEC + _PAGE_GLOBAL), alloc);
    set_pte_at(m, CR3, 0x00401000, mk_pte(0x20, PAGE_SHARED), alloc);
    write_cr3(cpu, CR3);
    translate(m, cpu, 0xc0001000);
    translate(m, cpu, 0x00401000, { user: true });
    set_pte_at(m, CR3, 0xc0001000, mk_pte(0x11, PAGE_KERNEL_EXEC + _PAGE_GLOBAL), alloc);
    set_pte_at(m, CR3, 0x00401000, mk_pte(0x21, PAGE_SHARED), alloc);
    write_cr3(cpu, CR3);
    expect(cpu.tlb.size()).toBe(1);
    expect(translate(m, cpu, 0xc0001000)).toEqual({ phys: 0x10000 }); // global: still stale
    expect(translate(m, cpu, 0x00401000, { user: true })).toEqual({ phys: 0x21000 });
    flush_tlb_all(m);
    expect(cpu.tlb.size()).toBe(0);
    expect(translate(m, cpu, 0xc0001000)).toEqual({ phys: 0x11000 });
  });

  it("caches large pages and invlpg anywhere in one drops every cached piece", () => {
    const { m, alloc } = setup();
    const cpu = m.cpus[0]!;
    const size = m.paging.PMD_SIZE;
    set_pmd_large(m, CR3, 0xc0000000, 0, PAGE_KERNEL_LARGE_EXEC, alloc);
    write_cr3(cpu, CR3);
    translate(m, cpu, 0xc0000000);
    translate(m, cpu, 0xc0000000 + size - 4096);
    expect(cpu.tlb.size()).toBe(2);
    set_pmd_large(m, CR3, 0xc0000000, size / 4096, PAGE_KERNEL_LARGE_EXEC, alloc);
    expect(translate(m, cpu, 0xc0000000 + size - 4096)).toEqual({ phys: size - 4096 }); // stale
    cpu.tlb.invlpg(0xc0000000 + 0x3000);
    expect(cpu.tlb.size()).toBe(0);
    expect(translate(m, cpu, 0xc0000000 + size - 4096)).toEqual({ phys: 2 * size - 4096 });
    checkMachineInvariants(m);
    expect(lookupPte(m, CR3, 0xc0000000)!.large).toBe(true);
  });

  it("a page fault removes the faulting page's stale entry", () => {
    const { m, alloc } = setup();
    const cpu = m.cpus[0]!;
    set_pte_at(m, CR3, 0x00400000, mk_pte(0x30, PAGE_SHARED), alloc);
    write_cr3(cpu, CR3);
    translate(m, cpu, 0x00400000, { user: true });
    // the cached entry lacks D, so a user write walks: pte now read-only → fault, entry dropped
    set_pte_at(m, CR3, 0x00400000, mk_pte(0x30, PAGE_SHARED - 2), alloc);
    expect(translate(m, cpu, 0x00400000, { user: true, write: true }).fault?.error_code).toBe(7);
    expect(cpu.tlb.size()).toBe(0);
  });

  it("gives each CPU its own TLB and registers over one shared RAM", () => {
    const { m, alloc } = setup(2);
    const [c0, c1] = m.cpus as [(typeof m.cpus)[0], (typeof m.cpus)[0]];
    set_pte_at(m, CR3, 0xc0002000, mk_pte(0x40, PAGE_KERNEL_EXEC), alloc);
    write_cr3(c0, CR3);
    write_cr3(c1, CR3);
    expect(translate(m, c0, 0xc0002000)).toEqual({ phys: 0x40000 });
    set_pte_at(m, CR3, 0xc0002000, mk_pte(0x41, PAGE_KERNEL_EXEC), alloc);
    expect(translate(m, c0, 0xc0002000)).toEqual({ phys: 0x40000 }); // CPU 0 cached it
    expect(translate(m, c1, 0xc0002000)).toEqual({ phys: 0x41000 }); // CPU 1 walks shared RAM
    translate(m, c1, 0xc0003000);
    expect(c0.cr2).toBe(0);
    expect(c1.cr2).toBe(0xc0003000);
    flush_tlb_all(m);
    expect(translate(m, c0, 0xc0002000)).toEqual({ phys: 0x41000 });
    checkMachineInvariants(m);
  });

  it("grows its live list past 65,536 entries (a flush visits the listed pages, never the whole table)", () => {
    const { m, alloc } = setup();
    const cpu = m.cpus[0]!;
    set_pmd_large(m, CR3, 0xc0000000, 0, PAGE_KERNEL_LARGE_EXEC + _PAGE_GLOBAL, alloc);
    const big = Math.ceil((70000 * 4096) / m.paging.PMD_SIZE);
    for (let va = 0x40000000; va < 0x40000000 + big * m.paging.PMD_SIZE; va += m.paging.PMD_SIZE)
      set_pmd_large(m, CR3, va, 0, PAGE_SHARED + 0x80, alloc);
    write_cr3(cpu, CR3);
    translate(m, cpu, 0xc0000000);
    let n = 0;
    for (let va = 0x40000000; n < 70000; va += 4096, n++) translate(m, cpu, va, { user: true });
    expect(cpu.tlb.size()).toBe(70001);
    expect(cpu.tlb.liveLength).toBe(70001);
    checkMachineInvariants(m);
    write_cr3(cpu, CR3);
    expect([cpu.tlb.size(), cpu.tlb.liveLength]).toEqual([1, 1]);
    flush_tlb_all(m);
    expect(cpu.tlb.size()).toBe(0);
  });

  it("lists a page once however often invlpg and a refill repeat (a flush stays cheap)", () => {
    const { m, alloc } = setup();
    const cpu = m.cpus[0]!;
    set_pte_at(m, CR3, 0xc0400000, mk_pte(0x600, PAGE_KERNEL_EXEC + _PAGE_GLOBAL), alloc);
    set_pte_at(m, CR3, 0x08048000, mk_pte(0x500, PAGE_SHARED), alloc);
    write_cr3(cpu, CR3);
    translate(m, cpu, 0xc0400000);
    // kmap_atomic's pattern: one slot refilled after every invlpg, 100,000 times (was: listed each time)
    for (let i = 0; i < 100_000; i++) {
      translate(m, cpu, 0x08048000, { user: true });
      __flush_tlb_one(cpu, 0x08048000);
    }
    translate(m, cpu, 0x08048000, { user: true });
    expect(cpu.tlb.liveLength).toBe(2);
    expect(cpu.tlb.size()).toBe(2);
    checkMachineInvariants(m);
    write_cr3(cpu, CR3); // the global kernel page stays, listed once
    expect([cpu.tlb.liveLength, cpu.tlb.size()]).toEqual([1, 1]);
    expect(translate(m, cpu, 0x08048004, { user: true })).toEqual({ phys: 0x500004 });
    expect([cpu.tlb.liveLength, cpu.tlb.size()]).toEqual([2, 2]);
    checkMachineInvariants(m);
    flush_tlb_all(m);
    expect([cpu.tlb.liveLength, cpu.tlb.size()]).toEqual([0, 0]);
    checkMachineInvariants(m);
  });
});

describe("the TLB's bookkeeping check visits the live list only", () => {
  it("counts held entries and listed marks through fill, invlpg, drop and flushes, and names a disagreement", () => {
    const m = new Machine({ memBytes: 16 << 20 });
    const tlb = m.cpus[0]!.tlb;
    for (let vpn = 0x100; vpn < 0x140; vpn++) tlb.fill(vpn, vpn, vpn & 1 ? 32 : 0); // odd pages global
    tlb.invlpg(0x101 << 12);
    tlb.drop(0x102);
    tlb.fill(0x101, 7, 0); // refilled: listed once
    expect(tlb.problems(0, true, false)).toEqual([]);
    tlb.flushNonGlobal();
    expect(tlb.problems(0, true, false)).toEqual([]);
    expect(tlb.size()).toBe(31); // the global ones, 0x101 no longer global
    tlb.flushAll();
    expect([tlb.size(), tlb.liveLength]).toEqual([0, 0]);
    expect(tlb.problems(0, false, false)).toEqual([]);
    // corruption past the methods, on a listed page: the counts disagree
    tlb.fill(0x200, 1, 0);
    tlb.fill(0x201, 1, 0);
    tlb.entries[0x201] = 0;
    expect(tlb.problems(0, false, false)).toEqual([
      "CPU 0: 2 TLB entries held, 1 of them on the live list (the rest are missing from it)",
    ]);
    tlb.entries[0x201] = 0x101;
    tlb.entries[0x200] = 0x100 | 32; // global while CR4.PGE is clear, and not valid
    expect(tlb.problems(0, false, false)).toEqual([
      "CPU 0: TLB entry for 0x200000 is neither empty nor valid",
      "CPU 0: global TLB entry for 0x200000 while CR4.PGE is clear",
    ]);
  });
});
