import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Machine } from "../src/machine.js";
import { __pa, __va, MAXMEM, MAXMEM_PFN, PAGE_OFFSET, PFN_DOWN, PFN_UP } from "../src/page.js";
import { lookupPte, ptep_set_wrprotect, ptep_test_and_clear_young, set_pte_at } from "../src/pagetable.js";
import {
  _PAGE_NX,
  _PAGE_TABLE,
  decodeEntry,
  encodeEntry,
  kernelProt,
  mk_pte,
  PAGE_COPY,
  PAGE_KERNEL,
  PAGE_KERNEL_EXEC,
  PAGE_KERNEL_LARGE,
  PAGE_NONE,
  PAGE_SHARED,
  PAGING_2LEVEL,
  PAGING_PAE,
  paeEntry,
  paeHigh,
  protection_map,
  pte_dirty,
  pte_flag_names,
  pte_modify,
  pte_pfn,
  pte_present,
  pte_val_raw,
  pte_write,
  pte_young,
} from "../src/paging.js";
import { asPhys, type PhysAddr } from "../src/types.js";

describe("constants (reference/01-paging.md)", () => {
  it("match the 2.6.11 headers", () => {
    expect(MAXMEM).toBe(0x38000000);
    expect(MAXMEM_PFN).toBe(0x38000);
    expect(_PAGE_TABLE).toBe(0x067);
    expect(PAGE_KERNEL_EXEC).toBe(0x063);
    expect(PAGE_KERNEL).toBe(0x063 + 2 ** 52);
    expect(PAGE_KERNEL_LARGE & 0xfff).toBe(0x0e3);
    expect(PAGE_NONE).toBe(0x0a0);
    expect(PAGE_SHARED).toBe(0x027);
    expect(PAGE_COPY).toBe(0x025 + 2 ** 52);
    expect(protection_map[0b1011]).toBe(PAGE_SHARED); // shared read-write
    expect(protection_map[0b0011]).toBe(PAGE_COPY); // private read-write: COW
    expect(PAGING_2LEVEL.pgd_index(PAGE_OFFSET)).toBe(768);
    expect(PAGING_PAE.pgd_index(PAGE_OFFSET)).toBe(3);
    expect(PAGING_2LEVEL.USER_PTRS_PER_PGD).toBe(768);
    expect(PAGING_PAE.pmd_index(0xc0600000)).toBe(3);
    expect(PAGING_PAE.pte_index(0xc0601000)).toBe(1);
    expect(PFN_UP(4097)).toBe(2);
    expect(PFN_DOWN(4097)).toBe(1);
  });
  it("gives the run-time kernel protections of pagetable_init", () => {
    expect(kernelProt({ pge: true, nx_enabled: false }).PAGE_KERNEL).toBe(0x163);
    expect(kernelProt({ pge: true, nx_enabled: true }).PAGE_KERNEL).toBe(0x163 + _PAGE_NX);
    expect(kernelProt({ pge: false, nx_enabled: false }).PAGE_KERNEL_LARGE).toBe(0x0e3);
  });
});

describe("entry helpers", () => {
  const entry = fc.record({
    present: fc.boolean(),
    rw: fc.boolean(),
    user: fc.boolean(),
    pwt: fc.boolean(),
    pcd: fc.boolean(),
    accessed: fc.boolean(),
    dirty: fc.boolean(),
    pse: fc.boolean(),
    global: fc.boolean(),
    avail: fc.integer({ min: 0, max: 7 }),
    nx: fc.boolean(),
    pfn: fc.integer({ min: 0, max: 2 ** 24 - 1 }),
  });
  it("decodeEntry/encodeEntry round-trip every field; pte_pfn and the RAM layout agree", () => {
    fc.assert(
      fc.property(entry, (f) => {
        const e = encodeEntry(f);
        expect(decodeEntry(e)).toEqual(f);
        expect(pte_pfn(e)).toBe(f.pfn);
        expect(paeEntry(e >>> 0, paeHigh(e))).toBe(e);
        const raw = pte_val_raw(e);
        expect(Number(raw & 0xffffffffn)).toBe(e >>> 0);
        expect(raw >> 63n).toBe(f.nx ? 1n : 0n);
      }),
      { seed: 11, numRuns: 300 },
    );
  });
  it("pte_modify keeps frame, A and D and takes the new protection", () => {
    const e = mk_pte(0x12345, PAGE_SHARED) + 0x40; // dirty
    const m = pte_modify(e, PAGE_COPY);
    expect(pte_pfn(m)).toBe(0x12345);
    expect([pte_write(m), pte_dirty(m), pte_young(m), m >= _PAGE_NX]).toEqual([false, true, true, true]);
    expect(pte_present(PAGE_NONE)).toBe(true); // PROT_NONE: present to the kernel
    expect(pte_flag_names(mk_pte(1, PAGE_KERNEL + 0x100))).toBe("P RW A D G NX");
  });
  it("__va(__pa(v)) === v across lowmem", () => {
    fc.assert(
      fc.property(fc.integer({ min: PAGE_OFFSET, max: PAGE_OFFSET + MAXMEM - 1 }), (v) => {
        expect(__va(__pa(v))).toBe(v);
      }),
      { seed: 5, numRuns: 200 },
    );
  });
});

describe.each([false, true])("pte updates in RAM (pae=%s)", (pae) => {
  it("ptep_test_and_clear_young and ptep_set_wrprotect change only their bit", () => {
    const m = new Machine({ memBytes: 16 << 20, pae });
    let next = 0x100000;
    const alloc = () => ((next += 4096) - 4096) as PhysAddr;
    set_pte_at(m, asPhys(0x9000), 0x1000, mk_pte(0x77, PAGE_SHARED), alloc);
    expect(ptep_test_and_clear_young(m, asPhys(0x9000), 0x1000)).toBe(1);
    expect(ptep_test_and_clear_young(m, asPhys(0x9000), 0x1000)).toBe(0);
    ptep_set_wrprotect(m, asPhys(0x9000), 0x1000);
    expect(lookupPte(m, asPhys(0x9000), 0x1000)!.pte).toBe(mk_pte(0x77, 0x005));
    expect(ptep_test_and_clear_young(m, asPhys(0x9000), 0x40000000)).toBe(0); // no table
  });
});
