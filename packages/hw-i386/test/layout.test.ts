import { describe, expect, it } from "vitest";
import {
  __end_of_fixed_addresses,
  __end_of_permanent_fixed_addresses,
  __fix_to_virt,
  __virt_to_fix,
  FIX_ACPI_BEGIN,
  FIX_ACPI_END,
  FIX_BTMAP_BEGIN,
  FIX_BTMAP_END,
  FIX_IO_APIC_BASE_END,
  FIX_KMAP_BEGIN,
  FIX_KMAP_END,
  FIX_PCIE_MCFG,
  FIX_WP_TEST,
  FIXADDR_BOOT_START,
  FIXADDR_START,
  FIXADDR_TOP,
  LAST_PKMAP,
  PKMAP_BASE,
  VMALLOC_END,
  VMALLOC_START,
} from "../src/layout.js";

// Worked example of the kernel reference notes (05-highmem-fixmap.md §1, 04-vmalloc.md §1).
describe("fixmap and pkmap layout (2.6.11 profile, NR_CPUS 8)", () => {
  it("numbers the enum fixed_addresses like the worked example", () => {
    expect([FIX_IO_APIC_BASE_END, FIX_KMAP_BEGIN, FIX_KMAP_END]).toEqual([10, 11, 114]);
    expect([FIX_ACPI_BEGIN, FIX_ACPI_END, FIX_PCIE_MCFG]).toEqual([115, 118, 119]);
    expect([__end_of_permanent_fixed_addresses, FIX_BTMAP_END, FIX_BTMAP_BEGIN]).toEqual([120, 120, 135]);
    expect([FIX_WP_TEST, __end_of_fixed_addresses]).toEqual([136, 137]);
  });
  it("places the fixmap, pkmap and vmalloc end", () => {
    expect(FIXADDR_START).toBe(0xfff87000);
    expect(FIXADDR_BOOT_START).toBe(0xfff76000);
    expect(PKMAP_BASE(false)).toBe(0xff800000);
    expect(PKMAP_BASE(true)).toBe(0xffc00000);
    expect(VMALLOC_END(false)).toBe(0xff7fe000);
    expect(VMALLOC_END(true)).toBe(0xffbfe000);
    expect(LAST_PKMAP(false)).toBe(1024);
    expect(LAST_PKMAP(true)).toBe(512);
    expect(PKMAP_BASE(false) + LAST_PKMAP(false) * 4096).toBeLessThanOrEqual(FIXADDR_START);
    expect(PKMAP_BASE(true) + LAST_PKMAP(true) * 4096).toBeLessThanOrEqual(FIXADDR_START);
  });
  it("computes VMALLOC_START from high_memory", () => {
    expect(VMALLOC_START(0xf8000000)).toBe(0xf8800000);
    expect(VMALLOC_START(0xd0000000)).toBe(0xd0800000);
    expect(VMALLOC_START(0xd0001000)).toBe(0xd1000000);
  });
  it("converts fixmap indices both ways (KM_USER0 on CPU 0 and 1)", () => {
    expect(__fix_to_virt(FIX_KMAP_BEGIN + 3)).toBe(0xffff1000);
    expect(__fix_to_virt(FIX_KMAP_BEGIN + 3 + 13)).toBe(0xfffe4000);
    for (let i = 0; i < __end_of_fixed_addresses; i++) {
      expect(__virt_to_fix(__fix_to_virt(i))).toBe(i);
      expect(__virt_to_fix(__fix_to_virt(i) + 0xabc)).toBe(i);
    }
    expect(__fix_to_virt(0)).toBe(FIXADDR_TOP);
  });
});
