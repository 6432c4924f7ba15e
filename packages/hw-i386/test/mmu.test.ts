import { describe, expect, it } from "vitest";
import {
  EFER_NX,
  set_in_cr4,
  write_cr3,
  X86_CR0_PG,
  X86_CR0_WP,
  X86_CR4_PGE,
  X86_CR4_PSE,
} from "../src/cpu.js";
import { GeneralProtectionError, MachineCheckError } from "../src/errors.js";
import { Machine } from "../src/machine.js";
import { PF_INSTR, PF_PROT, PF_RSVD, PF_USER, PF_WRITE, peek, translate } from "../src/mmu.js";
import { asPhys } from "../src/types.js";

// Hand-computed walks from the Intel SDM formats (vol. 3 §4.3 figure 4-2/4-3, §4.4 figure 4-5..4-7).
// Tables are written word by word, not through the package's own helpers.

describe("32-bit (2-level) paging, hand-computed", () => {
  // linear 0x08049a7c = pgd index 0x20 | pte index 0x049 | offset 0xa7c
  // PDE at 0x5000 + 0x20*4 = 0x5080 = 0x00006007 (table 0x6000, P|RW|US)
  // PTE at 0x6000 + 0x49*4 = 0x6124 = 0x12345005 (frame 0x12345000, P|US, read-only)
  const setup = () => {
    const m = new Machine({ memBytes: 512 << 20 });
    m.ram.write32(0x5080, 0x00006007);
    m.ram.write32(0x6124, 0x12345005);
    const cpu = m.cpus[0]!;
    write_cr3(cpu, asPhys(0x5000));
    return { m, cpu };
  };
  it("translates a user read and sets A in the PDE and the PTE", () => {
    const { m, cpu } = setup();
    expect(translate(m, cpu, 0x08049a7c, { user: true })).toEqual({ phys: 0x12345a7c });
    expect(m.ram.read32(0x5080)).toBe(0x00006027);
    expect(m.ram.read32(0x6124)).toBe(0x12345025);
  });
  it("faults on a user write to a read-only page with error code P|W|U = 7 and CR2", () => {
    const { m, cpu } = setup();
    expect(translate(m, cpu, 0x08049a7c, { user: true, write: true })).toEqual({
      fault: { cr2: 0x08049a7c, error_code: 7 },
    });
    expect(cpu.cr2).toBe(0x08049a7c);
    expect(m.ram.read32(0x6124)).toBe(0x12345005); // leaf untouched on a fault
  });
  it("honours CR0.WP for supervisor writes: fault 3 with WP, write and set D without", () => {
    const { m, cpu } = setup();
    expect(translate(m, cpu, 0x08049a7c, { write: true })).toEqual({
      fault: { cr2: 0x08049a7c, error_code: 3 },
    });
    cpu.cr0 = cpu.cr0 & ~X86_CR0_WP;
    expect(translate(m, cpu, 0x08049a7c, { write: true })).toEqual({ phys: 0x12345a7c });
    expect(m.ram.read32(0x6124)).toBe(0x12345065);
  });
  it("reports not-present with P=0: user read of an empty pte = 4, kernel write of an empty pde = 2", () => {
    const { m, cpu } = setup();
    expect(translate(m, cpu, 0x0804a000, { user: true })).toEqual({
      fault: { cr2: 0x0804a000, error_code: 4 },
    });
    expect(translate(m, cpu, 0x40000000, { write: true })).toEqual({
      fault: { cr2: 0x40000000, error_code: 2 },
    });
  });
  it("maps a 4 MiB page only with CR4.PSE, and faults RSVD on bits 21:13", () => {
    const { m, cpu } = setup();
    // PDE 0x300 (linear 0xc0000000) at 0x5c00 = 0x00400083 (frame 0x400000, P|RW|PS)
    m.ram.write32(0x5c00, 0x00400083);
    set_in_cr4(cpu, X86_CR4_PSE);
    expect(translate(m, cpu, 0xc0123456)).toEqual({ phys: 0x00523456 });
    expect(m.ram.read32(0x5c00)).toBe(0x004000a3);
    // without PSE the PS bit is ignored: 0x400000 is a page table, whose entry 0x123 is empty
    cpu.cr4 = 0;
    expect(translate(m, cpu, 0xc0123456)).toEqual({ fault: { cr2: 0xc0123456, error_code: 0 } });
    cpu.cr4 = X86_CR4_PSE;
    m.ram.write32(0x5c04, 0x00802083); // bit 13 set in a 4 MiB PDE
    expect(translate(m, cpu, 0xc0400000, { user: true })).toEqual({
      fault: { cr2: 0xc0400000, error_code: PF_PROT | PF_RSVD | PF_USER },
    });
  });
  it("peek translates without touching A/D, the TLB or CR2", () => {
    const { m, cpu } = setup();
    expect(peek(m, asPhys(0x5000), 0x08049a7c, { user: true })).toEqual({ phys: 0x12345a7c });
    expect(peek(m, asPhys(0x5000), 0x0804a000)).toEqual({ fault: { cr2: 0x0804a000, error_code: 0 } });
    expect(m.ram.read32(0x6124)).toBe(0x12345005);
    expect(cpu.tlb.hits + cpu.tlb.misses).toBe(0);
    expect(cpu.cr2).toBe(0);
  });
});

describe("PAE paging, hand-computed", () => {
  // linear 0xbfffe123 = pgd 2 | pmd 0x1ff | pte 0x1fe | offset 0x123
  // PDPTE 2 at 0x7010 = 0x8001; PDE at 0x8000 + 0x1ff*8 = 0x8ff8 = 0x9067
  // PTE at 0x9000 + 0x1fe*8 = 0x9ff0: low 0x00abc067, high 0x00000001 → frame 0x1_00abc000
  const setup = (nx = false) => {
    const m = new Machine({ memBytes: 8 * 2 ** 30, pae: true, features: { nx } });
    m.ram.write32(0x7010, 0x00008001);
    m.ram.write32(0x8ff8, 0x00009067);
    m.ram.write32(0x9ff0, 0x00abc067);
    m.ram.write32(0x9ff4, 0x00000001);
    const cpu = m.cpus[0]!;
    write_cr3(cpu, asPhys(0x7000));
    return { m, cpu };
  };
  it("walks three levels to a frame above 4 GiB", () => {
    const { m, cpu } = setup();
    expect(translate(m, cpu, 0xbfffe123, { user: true, write: true })).toEqual({ phys: 0x100abc123 });
  });
  it("sets A on the PDE and A already set stays; D set on the PTE by the write", () => {
    const { m, cpu } = setup();
    m.ram.write32(0x8ff8, 0x00009007);
    m.ram.write32(0x9ff0, 0x00abc007);
    translate(m, cpu, 0xbfffe123, { write: true });
    expect(m.ram.read32(0x8ff8)).toBe(0x00009027);
    expect(m.ram.read32(0x9ff0)).toBe(0x00abc067);
    expect(m.ram.read32(0x9ff4)).toBe(1);
  });
  it("maps a 2 MiB page (PS in the PDE) and faults RSVD on PDE bits 20:13", () => {
    const { m, cpu } = setup();
    // PDE 0 of the pmd for pgd 2 (linear 0x80000000) at 0x8000 = 0x00400083 → frame 0x400000
    m.ram.write32(0x8000, 0x00400083);
    expect(translate(m, cpu, 0x801fffff)).toEqual({ phys: 0x005fffff });
    m.ram.write32(0x8008, 0x00602083);
    expect(translate(m, cpu, 0x80200000)).toEqual({
      fault: { cr2: 0x80200000, error_code: PF_PROT | PF_RSVD },
    });
  });
  it("faults RSVD on address bits above MAXPHYADDR (36) and on bit 63 without EFER.NXE", () => {
    const { m, cpu } = setup();
    m.ram.write32(0x9ff4, 0x00000101); // bit 40
    expect(translate(m, cpu, 0xbfffe000, { write: true })).toEqual({
      fault: { cr2: 0xbfffe000, error_code: PF_PROT | PF_RSVD | PF_WRITE },
    });
    m.ram.write32(0x9ff4, 0x80000001); // NX on a CPU without NX: reserved
    expect(translate(m, cpu, 0xbfffe000)).toEqual({
      fault: { cr2: 0xbfffe000, error_code: PF_PROT | PF_RSVD },
    });
  });
  it("with EFER.NXE, NX forbids fetches only: error code P|U|I/D = 0x15", () => {
    const { m, cpu } = setup(true);
    expect(cpu.efer & EFER_NX).toBe(EFER_NX);
    m.ram.write32(0x9ff4, 0x80000001);
    expect(translate(m, cpu, 0xbfffe000, { user: true })).toEqual({ phys: 0x100abc000 });
    expect(translate(m, cpu, 0xbfffe000, { user: true, fetch: true })).toEqual({
      fault: { cr2: 0xbfffe000, error_code: PF_PROT | PF_USER | PF_INSTR },
    });
    // a not-present fetch reports I/D too
    expect(translate(m, cpu, 0xbfffd000, { fetch: true })).toEqual({
      fault: { cr2: 0xbfffd000, error_code: 0x10 },
    });
  });
  it("NX in a pmd entry covers the whole 2 MiB: through a pte table and as a 2 MiB page", () => {
    const { m, cpu } = setup(true);
    m.ram.write32(0x8ffc, 0x80000000); // NX in the high word of the PDE at 0x8ff8 (pte has none)
    expect(translate(m, cpu, 0xbfffe000, { fetch: true })).toEqual({
      fault: { cr2: 0xbfffe000, error_code: PF_PROT | PF_INSTR },
    });
    expect(translate(m, cpu, 0xbfffe000, { write: true })).toEqual({ phys: 0x100abc000 });
    m.ram.write32(0x8000, 0x004000e3); // 2 MiB page at linear 0x80000000, NX in the high word
    m.ram.write32(0x8004, 0x80000000);
    expect(translate(m, cpu, 0x80001000, { fetch: true }).fault?.error_code).toBe(PF_PROT | PF_INSTR);
    expect(translate(m, cpu, 0x80001000)).toEqual({ phys: 0x401000 });
    // the TLB keeps "not executable" for the cached read: a fetch after it still faults
    expect(translate(m, cpu, 0x80001000, { fetch: true }).fault?.error_code).toBe(PF_PROT | PF_INSTR);
  });
  it("a user access through a supervisor pmd entry faults P|U even when the pte allows it", () => {
    const { m, cpu } = setup();
    m.ram.write32(0x8ff8, 0x00009063); // PDE: P|RW|A|D, no US
    expect(translate(m, cpu, 0xbfffe123, { user: true })).toEqual({
      fault: { cr2: 0xbfffe123, error_code: PF_PROT | PF_USER },
    });
    expect(translate(m, cpu, 0xbfffe123)).toEqual({ phys: 0x100abc123 }); // the kernel may
  });
  it("loads the PDPTEs at CR3 write: later pgd changes are invisible until the next load", () => {
    const { m, cpu } = setup();
    m.ram.write32(0x7010, 0); // pgd entry 2 cleared in RAM
    expect(translate(m, cpu, 0xbfffe123)).toEqual({ phys: 0x100abc123 }); // cached PDPTE still used (TLB miss)
    write_cr3(cpu, asPhys(0x7000));
    expect(translate(m, cpu, 0xbfffe123)).toEqual({ fault: { cr2: 0xbfffe123, error_code: 0 } });
  });
  it("reloads the PDPTEs on flush_tlb_all (CR4.PGE toggle) and on turning paging on", () => {
    const { m, cpu } = setup();
    m.ram.write32(0x7018, 0x0000a001); // a new pgd entry 3 after the CR3 load
    m.ram.write32(0xa000, 0x00000083); // 2 MiB page at 0xc0000000 → 0
    expect(translate(m, cpu, 0xc0000123).fault?.error_code).toBe(0); // PDPTE 3 still cached empty
    set_in_cr4(cpu, X86_CR4_PGE);
    expect(translate(m, cpu, 0xc0000123)).toEqual({ phys: 0x123 });
    cpu.cr0 = cpu.cr0 & ~X86_CR0_PG;
    m.ram.write32(0x7018, 0x0000a003); // reserved RW bit in a PDPTE
    const cr0 = cpu.cr0;
    expect(() => {
      cpu.cr0 = cr0 | X86_CR0_PG;
    }).toThrow(GeneralProtectionError);
    expect(cpu.cr0).toBe(cr0);
  });
  it("raises #GP when a present PDPTE has reserved bits (RW here) at CR3 load", () => {
    const { m, cpu } = setup();
    m.ram.write32(0x7010, 0x00008003);
    expect(() => write_cr3(cpu, asPhys(0x7000))).toThrow(GeneralProtectionError);
    expect(cpu.cr3).toBe(0x7000);
    expect(cpu.pdpte[2]).toBe(0x8001);
  });
});

describe("global pages and CR4.PGE", () => {
  it("a G pte survives a CR3 load only when CR4.PGE is set", () => {
    const m = new Machine({ memBytes: 64 << 20 });
    const cpu = m.cpus[0]!;
    m.ram.write32(0x5c00, 0x00006003);
    m.ram.write32(0x6000, 0x00100103); // G|P|RW at linear 0xc0000000
    write_cr3(cpu, asPhys(0x5000));
    set_in_cr4(cpu, X86_CR4_PGE);
    translate(m, cpu, 0xc0000000);
    m.ram.write32(0x6000, 0x00200103); // remap without a flush
    write_cr3(cpu, asPhys(0x5000));
    expect(translate(m, cpu, 0xc0000000)).toEqual({ phys: 0x100000 }); // global: kept
    cpu.cr4 = 0; // clearing PGE flushes everything
    expect(translate(m, cpu, 0xc0000000)).toEqual({ phys: 0x200000 });
  });
});

describe("tables above 2 GiB", () => {
  it.each([false, true])("walks a pgd and tables at physical 0xa0000000+ (pae=%s)", (pae) => {
    const m = new Machine({ memBytes: 3 * 2 ** 30, pae });
    const cpu = m.cpus[0]!;
    const cr3 = asPhys(0xa0000000);
    if (pae) {
      m.ram.write32(cr3 + 8, 0xa0001001); // pgd 1 → pmd table at 0xa0001000
      m.ram.write32(0xa0001000, 0xa0002067); // pmd 0 → pte table at 0xa0002000
      m.ram.write32(0xa0002000, 0xb0000067); // pte 0 → frame 0xb0000000
    } else {
      m.ram.write32(cr3 + 0x100 * 4, 0xa0002067); // pgd 0x100 (linear 0x40000000)
      m.ram.write32(0xa0002000, 0xb0000067);
    }
    write_cr3(cpu, cr3);
    expect(translate(m, cpu, 0x40000abc)).toEqual({ phys: 0xb0000abc });
    expect(peek(m, cr3, 0x40000abc)).toEqual({ phys: 0xb0000abc });
  });
});

describe("walks that touch memory that does not exist", () => {
  it.each([false, true])("a page table in the VGA hole or beyond RAM is a machine check (pae=%s)", (pae) => {
    const m = new Machine({ memBytes: 16 << 20, pae });
    const cpu = m.cpus[0]!;
    // pgd at 0x5000; its entry for linear 0 points at a table in the 640 KiB-1 MiB hole
    if (pae) {
      m.ram.write32(0x5000, 0x00006001); // PDPTE 0 → pmd table at 0x6000
      m.ram.write32(0x6000, 0x000b8067); // pmd 0 → "table" at 0xb8000 (VGA memory)
      m.ram.write32(0x6008, 0x40000067); // pmd 1 → beyond the 16 MiB of RAM
    } else {
      m.ram.write32(0x5000, 0x000b8067);
      m.ram.write32(0x5004, 0x40000067);
    }
    write_cr3(cpu, asPhys(0x5000));
    const before = [m.ram.readBytes(0x5000, 4096), m.ram.readBytes(0x6000, 4096)];
    expect(() => translate(m, cpu, 0x00000123)).toThrow(MachineCheckError);
    // nothing changed: no A bit set in the entry that led there, no TLB count, no CR2
    expect([m.ram.readBytes(0x5000, 4096), m.ram.readBytes(0x6000, 4096)]).toEqual(before);
    expect([cpu.tlb.misses, cpu.tlb.size(), cpu.cr2]).toEqual([0, 0, 0]);
    expect(() => translate(m, cpu, pae ? 0x00200123 : 0x00400123)).toThrow(/at 0x40000/);
    expect(() => peek(m, asPhys(0x5000), 0x00000123)).toThrow(MachineCheckError);
  });
});
