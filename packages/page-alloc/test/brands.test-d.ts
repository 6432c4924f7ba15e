/*
 * Type tests for the allocator's face: frame numbers, descriptors and addresses are branded, so a
 * plain number, a Pfn where a Page is wanted or a GFP mask where a flag is wanted does not compile.
 * Checked by `tsc` (the package's `typecheck`, run by `pnpm test`); nothing here runs in vitest.
 */
import { asPfn, asVirt, type Page, type Pfn, type VirtAddr } from "@i386mm/hw-i386";
import { describe, expectTypeOf, it } from "vitest";
import type { PageAllocator } from "../src/index.js";

declare const pa: PageAllocator;
declare const page: Page;

describe("PageAllocator's branded parameters", () => {
  it("pfn_to_page takes a Pfn and gives a Page; page_to_pfn the other way", () => {
    expectTypeOf(pa.pfn_to_page).parameter(0).toEqualTypeOf<Pfn>();
    expectTypeOf(pa.pfn_to_page(asPfn(77))).toEqualTypeOf<Page>();
    expectTypeOf(pa.page_to_pfn(page)).toEqualTypeOf<Pfn>();
    // @ts-expect-error: a number is not a Pfn
    pa.pfn_to_page(77);
    // @ts-expect-error: a Pfn is not a Page
    pa.__free_pages(asPfn(77), 0);
  });

  it("addresses are VirtAddrs", () => {
    expectTypeOf(pa.page_address(page)).toEqualTypeOf<VirtAddr | null>();
    expectTypeOf(pa.__get_free_pages(0, 0)).toEqualTypeOf<VirtAddr | 0>();
    pa.set_page_address(page, asVirt(0xff801000));
    pa.free_pages(0, 0); // 0 is the kernel's "nothing to free"
    // @ts-expect-error: a number is not a VirtAddr
    pa.set_page_address(page, 0xff801000);
    // @ts-expect-error: a number is not a VirtAddr
    pa.free_pages(0xc1000000, 0);
  });

  it("zone_watermark_ok's can_try_harder and gfp_high are booleans, not masks", () => {
    const z = pa.zones[0]!;
    expectTypeOf(pa.zone_watermark_ok(z, 0, z.pages_low, 0, false, true)).toEqualTypeOf<boolean>();
    // @ts-expect-error: a __GFP_HIGH bit is not a boolean
    pa.zone_watermark_ok(z, 0, z.pages_low, 0, false, 0x20);
  });
});
