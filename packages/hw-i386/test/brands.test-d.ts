/*
 * Type tests for the branded numbers: a plain number is not a Pfn, PhysAddr, VirtAddr or Page,
 * the brands do not mix, and the cast helpers are the way in. Checked by `tsc` (the package's
 * `typecheck`, tsconfig.check.json includes test/, run by `pnpm test`): an assertion that stops
 * holding, or a `@ts-expect-error` line that stops being an error, fails the run. Nothing here
 * runs in vitest itself.
 */
import { describe, expectTypeOf, it } from "vitest";
import { asPfn, asPhys, asVirt, type Page, type Pfn, type PhysAddr, type VirtAddr } from "../src/index.js";

describe("branded numbers", () => {
  it("a number is not a Pfn, PhysAddr, VirtAddr or Page", () => {
    expectTypeOf<number>().not.toExtend<Pfn>();
    expectTypeOf<number>().not.toExtend<PhysAddr>();
    expectTypeOf<number>().not.toExtend<VirtAddr>();
    expectTypeOf<number>().not.toExtend<Page>();
    // @ts-expect-error: a number is not a Pfn
    const pfn: Pfn = 77;
    // @ts-expect-error: a number is not a VirtAddr
    const va: VirtAddr = 0xc0000000;
    void pfn;
    void va;
  });

  it("the brands do not mix", () => {
    expectTypeOf<Pfn>().not.toExtend<PhysAddr>();
    expectTypeOf<PhysAddr>().not.toExtend<VirtAddr>();
    expectTypeOf<VirtAddr>().not.toExtend<PhysAddr>();
    expectTypeOf<Page>().not.toExtend<Pfn>();
    expectTypeOf<Pfn>().not.toExtend<Page>();
  });

  it("a branded value is still a number, and the cast helpers brand", () => {
    expectTypeOf<Pfn>().toExtend<number>();
    expectTypeOf(asPfn(1)).toEqualTypeOf<Pfn>();
    expectTypeOf(asPhys(0x1000)).toEqualTypeOf<PhysAddr>();
    expectTypeOf(asVirt(0xc0001000)).toEqualTypeOf<VirtAddr>();
  });
});
