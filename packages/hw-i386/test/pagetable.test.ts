import { describe, expect, it } from "vitest";
import { Errno, KernelBugError } from "../src/errors.js";
import { Machine } from "../src/machine.js";
import { __va, PAGE_OFFSET } from "../src/page.js";
import { lookupPte, pte_clear, set_pmd_large, set_pte_at, walk } from "../src/pagetable.js";
import { _PAGE_NX, mk_pte, PAGE_KERNEL, PAGE_KERNEL_LARGE, pte_pfn } from "../src/paging.js";
import { asPhys, type PhysAddr } from "../src/types.js";

/** A bump allocator of table frames starting at 1 MiB, for tests. */
function bump(start = 0x100000, limit = Infinity) {
  let next = start;
  let given = 0;
  return () => {
    if (given >= limit) return null;
    given++;
    const pa = next;
    next += 4096;
    return pa as PhysAddr;
  };
}

describe.each([false, true])("page tables in RAM (pae=%s)", (pae) => {
  it("set_pte_at allocates the tables, lookupPte and walk find the entry, pte_clear removes it", () => {
    const m = new Machine({ memBytes: 64 << 20, pae });
    const cr3 = asPhys(0x9000);
    const va = 0xc0403000;
    expect(lookupPte(m, cr3, va)).toBeNull();
    expect(set_pte_at(m, cr3, va, mk_pte(0x1234, PAGE_KERNEL), bump())).toBe(0);
    const found = lookupPte(m, cr3, va)!;
    expect(pte_pfn(found.pte)).toBe(0x1234);
    expect(found.pte >= _PAGE_NX).toBe(pae); // NX is dropped by a 2-level entry
    expect(found.large).toBe(false);
    const levels = walk(m, cr3, va);
    expect(levels.map((l) => l.level)).toEqual(pae ? ["pgd", "pmd", "pte"] : ["pgd", "pte"]);
    expect(levels.at(-1)!.entry).toBe(found.pte);
    expect(pte_clear(m, cr3, va)).toBe(found.pte);
    expect(lookupPte(m, cr3, va)!.pte).toBe(0);
  });
  it("returns -ENOMEM when a table cannot be allocated and BUGs without an allocator", () => {
    const m = new Machine({ memBytes: 64 << 20, pae });
    expect(set_pte_at(m, asPhys(0x9000), 0x08048000, mk_pte(5, PAGE_KERNEL), bump(0x100000, 0))).toBe(
      -Errno.ENOMEM,
    );
    expect(() => set_pte_at(m, asPhys(0x9000), 0x08048000, mk_pte(5, PAGE_KERNEL))).toThrow(KernelBugError);
  });
  it("maps large pages for the direct map and refuses a pte inside one", () => {
    const m = new Machine({ memBytes: 64 << 20, pae });
    const size = m.paging.PMD_SIZE;
    expect(set_pmd_large(m, asPhys(0x9000), PAGE_OFFSET + size, size / 4096, PAGE_KERNEL_LARGE, bump())).toBe(
      0,
    );
    const found = lookupPte(m, asPhys(0x9000), __va(size + 0x5000))!;
    expect(found.large).toBe(true);
    expect(pte_pfn(found.pte)).toBe(size / 4096);
    const before = m.ram.readBytes(0x100000, 8192);
    expect(() => set_pte_at(m, asPhys(0x9000), __va(size + 0x5000), 1, bump(0x200000))).toThrow(/large page/);
    expect(m.ram.readBytes(0x100000, 8192)).toEqual(before);
    expect(() => set_pmd_large(m, asPhys(0x9000), PAGE_OFFSET + 4096, 0, PAGE_KERNEL_LARGE, bump())).toThrow(
      KernelBugError,
    );
  });
});

describe("set_pte_at with a broken table allocator", () => {
  it("BUGs on an unaligned table frame and leaves the pgd as it was (PAE: after linking a pmd table)", () => {
    for (const pae of [false, true]) {
      const m = new Machine({ memBytes: 64 << 20, pae });
      let calls = 0;
      const alloc = () => (++calls === 1 ? 0x100000 : 0x200800) as PhysAddr; // second frame unaligned
      const before = m.ram.readBytes(0x9000, 4096);
      expect(() =>
        set_pte_at(
          m,
          asPhys(0x9000),
          0x08048000,
          mk_pte(5, PAGE_KERNEL),
          pae ? alloc : () => 0x200800 as PhysAddr,
        ),
      ).toThrow(/pte_alloc: page-table frame is not page aligned at 0x200800/);
      expect(m.ram.readBytes(0x9000, 4096)).toEqual(before);
    }
  });
});
