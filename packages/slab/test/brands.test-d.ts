/*
 * Type tests for the slab layer's face: objects and areas are VirtAddrs, so freeing a plain
 * number does not compile. Checked by `tsc` (the package's `typecheck`, run by `pnpm test`);
 * nothing here runs in vitest.
 */
import { asVirt, type VirtAddr } from "@i386mm/hw-i386";
import { describe, expectTypeOf, it } from "vitest";
import type { SlabAllocator } from "../src/index.js";

declare const slab: SlabAllocator;

describe("SlabAllocator's branded parameters", () => {
  it("kmalloc gives a VirtAddr; kfree, ksize, vfree and vunmap take one", () => {
    expectTypeOf(slab.kmalloc(100, 0)).toEqualTypeOf<VirtAddr | null>();
    expectTypeOf(slab.vmalloc(4096)).toEqualTypeOf<VirtAddr | null>();
    slab.kfree(asVirt(0xc1000000));
    slab.kfree(null);
    // @ts-expect-error: a number is not a VirtAddr
    slab.kfree(0xc1000000);
    // @ts-expect-error: a number is not a VirtAddr
    slab.ksize(0xc1000000);
    // @ts-expect-error: a number is not a VirtAddr
    slab.vfree(0xd0800000);
    // @ts-expect-error: a number is not a VirtAddr
    slab.vunmap(0xd0800000);
    // @ts-expect-error: a number is not a VirtAddr
    slab.vmalloc_to_page(0xd0800000);
  });
});
