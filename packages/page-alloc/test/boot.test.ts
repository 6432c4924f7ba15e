import { Machine } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { GFP_KERNEL } from "../src/gfp.js";
import { PageAllocator } from "../src/page-alloc.js";

describe("boot", () => {
  it("boots a 1 GiB machine and hands out and takes back a page", () => {
    const pa = new PageAllocator(new Machine({ memBytes: 1 << 30 }));
    expect(pa.bootLog).toContain("896MB LOWMEM available.");
    const page = pa.alloc_pages(GFP_KERNEL, 0);
    expect(page).not.toBeNull();
    expect(pa.page_count(page!)).toBe(1);
    pa.__free_pages(page!, 0);
    expect(pa.page_count(page!)).toBe(0);
  });
});
