import * as hw from "@i386mm/hw-i386";
import { _PAGE_PCD, lookupPte, PAGE_SIZE, pte_flags, pte_none, pte_pfn } from "@i386mm/hw-i386";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FixmapError } from "../src/errors.js";
import {
  __end_of_fixed_addresses,
  __end_of_permanent_fixed_addresses,
  __FIXADDR_BOOT_SIZE,
  __FIXADDR_SIZE,
  FIX_ACPI_BEGIN,
  FIX_ACPI_END,
  FIX_APIC_BASE,
  FIX_BTMAP_BEGIN,
  FIX_BTMAP_END,
  FIX_HOLE,
  FIX_IO_APIC_BASE_END,
  FIX_KMAP_BEGIN,
  FIX_KMAP_END,
  FIX_PCIE_MCFG,
  FIX_VSYSCALL,
  FIX_WP_TEST,
  FIXADDR_BOOT_START,
  FIXADDR_START,
  FIXADDR_USER_END,
  FIXADDR_USER_START,
  fix_to_virt,
  fixed_addresses,
  virt_to_fix,
} from "../src/fixmap.js";
import { readVirt, writeVirt } from "../src/kaccess.js";
import { boot, highPages, MiB } from "./helpers.js";

describe("enum fixed_addresses (2.6.11 i386, default profile)", () => {
  it("narrows hw-i386's values to literals without changing them", () => {
    for (const [name, value] of Object.entries(fixed_addresses)) {
      expect(value, name).toBe((hw as unknown as Record<string, number>)[name]);
    }
  });

  it("has the kernel's order and sizes", () => {
    expect(Object.entries(fixed_addresses).map(([n, v]) => `${n}=${v}`)).toEqual([
      "FIX_HOLE=0",
      "FIX_VSYSCALL=1",
      "FIX_APIC_BASE=2",
      "FIX_IO_APIC_BASE_0=3",
      "FIX_IO_APIC_BASE_END=10",
      "FIX_KMAP_BEGIN=11",
      "FIX_KMAP_END=114",
      "FIX_ACPI_BEGIN=115",
      "FIX_ACPI_END=118",
      "FIX_PCIE_MCFG=119",
      "__end_of_permanent_fixed_addresses=120",
      "FIX_BTMAP_END=120",
      "FIX_BTMAP_BEGIN=135",
      "FIX_WP_TEST=136",
      "__end_of_fixed_addresses=137",
    ]);
    expect(FIX_KMAP_END - FIX_KMAP_BEGIN + 1).toBe(hw.KM_TYPE_NR * hw.NR_CPUS);
  });

  it("places the fixmap below 0xfffff000 as the header computes", () => {
    expect(hw.__FIXADDR_TOP).toBe(0xfffff000);
    expect(FIXADDR_START).toBe(0xfffff000 - (__end_of_permanent_fixed_addresses << 12));
    expect(FIXADDR_START).toBe(0xfff87000);
    expect(__FIXADDR_SIZE).toBe(120 * 4096);
    expect(FIXADDR_START).toBe(0xfffff000 - __FIXADDR_SIZE);
    expect(__FIXADDR_BOOT_SIZE).toBe(137 * 4096);
    expect(FIXADDR_BOOT_START).toBe(0xfffff000 - __FIXADDR_BOOT_SIZE);
    /* the vsyscall page is the user-readable part of the fixmap */
    expect([FIXADDR_USER_START, FIXADDR_USER_END]).toEqual([0xffffe000, 0xfffff000]);
    expect(FIXADDR_BOOT_START).toBe(0xfff76000);
    expect(fix_to_virt(FIX_HOLE)).toBe(0xfffff000);
    expect(fix_to_virt(FIX_VSYSCALL)).toBe(0xffffe000);
    expect(fix_to_virt(FIX_APIC_BASE)).toBe(0xffffd000);
    expect(fix_to_virt(FIX_KMAP_BEGIN)).toBe(0xffff4000);
    expect(fix_to_virt(FIX_KMAP_END)).toBe(0xfff8d000);
    expect(fix_to_virt(FIX_WP_TEST)).toBe(0xfff77000);
    /* the borders drawn in the README and fixmap.ts */
    expect(fix_to_virt(FIX_IO_APIC_BASE_END)).toBe(0xffff5000);
    expect(fix_to_virt(FIX_PCIE_MCFG)).toBe(0xfff88000);
    /* FIXADDR_START is the first page of slot 120 (FIX_BTMAP_END), the one virt_to_fix still accepts */
    expect(virt_to_fix(FIXADDR_START)).toBe(FIX_BTMAP_END);
    expect(FIXADDR_BOOT_START).toBe(fix_to_virt(FIX_WP_TEST) - 4096);
  });
});

describe("fix_to_virt / virt_to_fix", () => {
  it("is 0xfffff000 - (idx << PAGE_SHIFT) for every index", () => {
    for (let idx = 0; idx < __end_of_fixed_addresses; idx++) {
      expect(fix_to_virt(idx)).toBe((0xfffff000 - idx * PAGE_SIZE) >>> 0);
    }
  });

  it("rejects a non-literal index at or past __end_of_fixed_addresses at run time", () => {
    const indices: number[] = [__end_of_fixed_addresses, __end_of_fixed_addresses + 1, 1 << 20, -1, 2.5];
    for (const idx of indices) {
      expect(() => fix_to_virt(idx)).toThrow(FixmapError);
    }
    expect(() => fix_to_virt(indices[0])).toThrow(/fix_to_virt: __this_fixmap_does_not_exist: index 137/);
  });

  it("virt_to_fix inverts fix_to_virt on [FIXADDR_START, FIXADDR_TOP), any offset in the page", () => {
    /* FIX_HOLE's page starts at FIXADDR_TOP itself, which the kernel's BUG_ON refuses */
    expect(() => virt_to_fix(fix_to_virt(FIX_HOLE))).toThrow(FixmapError);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: __end_of_permanent_fixed_addresses - 1 }),
        fc.integer({ min: 0, max: 4095 }),
        (idx, off) => {
          expect(virt_to_fix(fix_to_virt(idx) + off)).toBe(idx);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  it("virt_to_fix BUGs outside [FIXADDR_START, FIXADDR_TOP)", () => {
    expect(() => virt_to_fix(0xfffff000)).toThrow(FixmapError);
    expect(() => virt_to_fix(0xffffffff)).toThrow(FixmapError);
    expect(() => virt_to_fix(FIXADDR_START - 1)).toThrow(
      /virt_to_fix: address outside the fixmap .* at 0xfff86fff/,
    );
    /* the boot-time slots lie below FIXADDR_START: virt_to_fix refuses them, as the BUG_ON does */
    expect(() => virt_to_fix(fix_to_virt(FIX_BTMAP_BEGIN))).toThrow(FixmapError);
  });
});

describe("set_fixmap / set_fixmap_nocache / clear_fixmap", () => {
  it("write a real PTE in swapper_pg_dir and invalidate the stale TLB entry", () => {
    const { machine, pa, km } = boot({ memBytes: 256 * MiB });
    const frameA = 0x00200000;
    const frameB = 0x00300000;
    machine.ram.write32(frameA, 0xaaaaaaaa);
    machine.ram.write32(frameB, 0xbbbbbbbb);
    const va = fix_to_virt(FIX_ACPI_BEGIN);

    km.set_fixmap(FIX_ACPI_BEGIN, frameA);
    const e = lookupPte(machine, pa.swapper_pg_dir, va);
    expect(e).not.toBeNull();
    expect(pte_pfn(e!.pte)).toBe(frameA / PAGE_SIZE);
    expect(pte_flags(e!.pte)).toBe(pte_flags(km.kmap_prot));
    /* the read fills the TLB with frame A */
    expect(readVirt(machine, va, 4)).toEqual(new Uint8Array([0xaa, 0xaa, 0xaa, 0xaa]));

    /* control: the same PTE change without the invlpg leaves CPU 0 reading the old frame */
    const e2 = lookupPte(machine, pa.swapper_pg_dir, va)!;
    machine.paging.writeEntry(machine.ram, e2.tablePa, e2.idx, e2.pte + (frameB - frameA));
    expect(readVirt(machine, va, 4)).toEqual(new Uint8Array([0xaa, 0xaa, 0xaa, 0xaa]));

    km.set_fixmap(FIX_ACPI_BEGIN, frameB);
    expect(readVirt(machine, va, 4)).toEqual(new Uint8Array([0xbb, 0xbb, 0xbb, 0xbb]));

    km.set_fixmap_nocache(FIX_ACPI_BEGIN + 1, frameA);
    const nc = lookupPte(machine, pa.swapper_pg_dir, fix_to_virt(FIX_ACPI_BEGIN + 1))!;
    expect(nc.pte & _PAGE_PCD).toBe(_PAGE_PCD);

    km.clear_fixmap(FIX_ACPI_BEGIN);
    expect(pte_none(lookupPte(machine, pa.swapper_pg_dir, va)!.pte)).toBe(true);
    expect(() => readVirt(machine, va, 4)).toThrow(/Unable to handle kernel paging request at 0xfff8c000/);
  });

  it("map a high-memory frame: a store through the fixmap lands in that frame", () => {
    const { machine, pa, km } = boot({ memBytes: 1024 * MiB });
    const [page] = highPages(pa, 1);
    km.set_fixmap(FIX_ACPI_END, page * PAGE_SIZE);
    writeVirt(machine, fix_to_virt(FIX_ACPI_END) + 8, [1, 2, 3]);
    expect(Array.from(machine.ram.readBytes(page * PAGE_SIZE + 8, 3))).toEqual([1, 2, 3]);
  });

  it("BUG on an index past the end, leaving the page tables untouched", () => {
    const { machine, pa, km } = boot({ memBytes: 128 * MiB });
    const before = lookupPte(machine, pa.swapper_pg_dir, fix_to_virt(FIX_WP_TEST));
    expect(() => km.set_fixmap(__end_of_fixed_addresses, 0x1000)).toThrow(FixmapError);
    expect(() => km.__set_fixmap(-1, 0x1000, km.kmap_prot)).toThrow(/__set_fixmap: index -1/);
    expect(lookupPte(machine, pa.swapper_pg_dir, fix_to_virt(FIX_WP_TEST))).toEqual(before);
  });
});
