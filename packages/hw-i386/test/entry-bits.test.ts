import { describe, expect, it } from "vitest";
import { Machine } from "../src/machine.js";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_GLOBAL,
  _PAGE_NX,
  _PAGE_PCD,
  _PAGE_PRESENT,
  _PAGE_PSE,
  _PAGE_PWT,
  _PAGE_RW,
  _PAGE_USER,
  decodeEntry,
  pfn_pmd,
  pfn_pte,
  pte_val_raw,
} from "../src/paging.js";

// Every flag of an entry at the bit the Intel SDM gives it (vol. 3 table 4-6 for 32-bit paging,
// tables 4-9..4-11 for PAE): written into a page table in RAM with writeEntry and read back as
// raw words, so the JS format and the hardware layout are checked against each other.
const FLAGS: [string, number, number][] = [
  ["P", _PAGE_PRESENT, 0],
  ["RW", _PAGE_RW, 1],
  ["US", _PAGE_USER, 2],
  ["PWT", _PAGE_PWT, 3],
  ["PCD", _PAGE_PCD, 4],
  ["A", _PAGE_ACCESSED, 5],
  ["D", _PAGE_DIRTY, 6],
  ["PS", _PAGE_PSE, 7],
  ["G", _PAGE_GLOBAL, 8],
];

describe("entry flag bits in RAM", () => {
  it.each(FLAGS)("%s (mask %i) is hardware bit %i in both formats", (_name, mask, bit) => {
    expect(mask).toBe(2 ** bit);
    for (const pae of [false, true]) {
      const m = new Machine({ memBytes: 16 << 20, pae });
      m.paging.writeEntry(m.ram, 0x5000, 3, pfn_pte(0x1234, mask));
      const at = 0x5000 + 3 * m.paging.ENTRY_SIZE;
      expect(m.ram.read32(at)).toBe((0x1234000 | (1 << bit)) >>> 0);
      if (pae) expect(m.ram.read32(at + 4)).toBe(0);
      expect(m.paging.readEntry(m.ram, 0x5000, 3)).toBe(pfn_pte(0x1234, mask));
    }
  });
  it("NX is bit 63 of a PAE entry in RAM and bit 52 of the JS number; a 2-level entry drops it", () => {
    const pae = new Machine({ memBytes: 16 << 20, pae: true });
    const e = pfn_pte(0x12345, _PAGE_PRESENT + _PAGE_NX);
    pae.paging.writeEntry(pae.ram, 0x5000, 0, e);
    expect(pae.ram.read64(0x5000)).toBe(0x8000000012345001n);
    expect(pte_val_raw(e)).toBe(0x8000000012345001n);
    expect(pae.paging.readEntry(pae.ram, 0x5000, 0)).toBe(2 ** 52 + 0x12345001);
    const two = new Machine({ memBytes: 16 << 20 });
    two.paging.writeEntry(two.ram, 0x5000, 0, e);
    expect(two.ram.read32(0x5000)).toBe(0x12345001);
    expect(two.ram.read32(0x5004)).toBe(0); // the next entry, untouched
    expect(two.paging._PAGE_NX).toBe(0);
  });
  it("a PAE frame above 4 GiB uses address bits 32..35 of the high word", () => {
    const m = new Machine({ memBytes: 16 << 20, pae: true });
    // frame 0xf_fffff000 (the last 4 KiB below 64 GiB), P|RW|US|A|D
    m.paging.writeEntry(m.ram, 0x5000, 511, pfn_pte(0xffffff, 0x067));
    expect(m.ram.read32(0x5ff8)).toBe(0xfffff067);
    expect(m.ram.read32(0x5ffc)).toBe(0x0000000f);
    expect(decodeEntry(m.paging.readEntry(m.ram, 0x5000, 511))).toMatchObject({ pfn: 0xffffff, dirty: true });
  });
  it("large-page entries: a 4 MiB PDE (2-level) and a 2 MiB PDE (PAE) carry PS and the frame", () => {
    // 4 MiB page at physical 0x00c00000: PDE = 0x00c00000 | PS | A | D | RW | P = 0x00c000e3
    expect(pfn_pmd(0xc00, 0x0e3)).toBe(0x00c000e3);
    // 2 MiB page at physical 0x1_00200000: PDE low 0x002000e3, high 0x00000001
    const m = new Machine({ memBytes: 16 << 20, pae: true });
    m.paging.writeEntry(m.ram, 0x5000, 0, pfn_pmd(0x100200, 0x0e3));
    expect([m.ram.read32(0x5000), m.ram.read32(0x5004)]).toEqual([0x002000e3, 1]);
    expect(decodeEntry(0x00c000e3)).toMatchObject({ pse: true, present: true, rw: true, pfn: 0xc00 });
  });
});
