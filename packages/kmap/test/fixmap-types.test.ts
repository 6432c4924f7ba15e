/*
 * Type-level check of fix_to_virt: `tsc -p tsconfig.check.json` compiles this file, and every
 * `@ts-expect-error` line must really be a type error (tsc fails on an unused directive). The
 * same calls run under vitest and must throw, so the run-time check stands behind the type.
 */
import { describe, expect, it } from "vitest";
import { FixmapError } from "../src/errors.js";
import {
  __end_of_fixed_addresses,
  type CheckedFixIndex,
  FIX_KMAP_BEGIN,
  FIX_WP_TEST,
  type FixIndex,
  fix_to_virt,
} from "../src/fixmap.js";

describe("fix_to_virt's compile-time range check (__this_fixmap_does_not_exist)", () => {
  it("accepts every literal index below __end_of_fixed_addresses", () => {
    expect(fix_to_virt(0)).toBe(0xfffff000);
    expect(fix_to_virt(136)).toBe(0xfff77000);
    expect(fix_to_virt(FIX_WP_TEST)).toBe(0xfff77000);
    expect(fix_to_virt(FIX_KMAP_BEGIN)).toBe(0xffff4000);
    const idx: FixIndex = 42;
    expect(fix_to_virt(idx)).toBe(0xfffff000 - 42 * 4096);
  });

  it("refuses literal indices at or past the end, and a literal union containing one", () => {
    // @ts-expect-error __end_of_fixed_addresses is a literal 137: the call must not compile
    expect(() => fix_to_virt(__end_of_fixed_addresses)).toThrow(FixmapError);
    // @ts-expect-error 137 is past FIX_WP_TEST
    expect(() => fix_to_virt(137)).toThrow(FixmapError);
    // @ts-expect-error far past the end
    expect(() => fix_to_virt(4096)).toThrow(FixmapError);
    // @ts-expect-error negative literals are not enum values
    expect(() => fix_to_virt(-1)).toThrow(FixmapError);
    const pick = (n: number): 11 | 200 => (n > 0 ? 200 : 11);
    // @ts-expect-error a union with a member past the end is refused as a whole
    expect(() => fix_to_virt(pick(1))).toThrow(FixmapError);
  });

  it("lets a computed (non-literal) index through to the run-time check", () => {
    const computed: number = FIX_KMAP_BEGIN + 3 + 13 * 1;
    expect(fix_to_virt(computed)).toBe(0xfffe4000);
    const tooBig: number = __end_of_fixed_addresses;
    expect(() => fix_to_virt(tooBig)).toThrow(FixmapError);
  });

  it("maps literal types as documented", () => {
    const ok: CheckedFixIndex<136> = 136;
    const wide: CheckedFixIndex<number> = 1e6;
    expect([ok, wide]).toEqual([136, 1e6]);
    // @ts-expect-error CheckedFixIndex<137> is never
    const bad: CheckedFixIndex<137> = 137;
    expect(bad).toBe(137);
  });
});
