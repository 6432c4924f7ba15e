/*
 * The error kinds: KernelBugError's fields have one meaning each (`addr` is an address; a pfn, a
 * GFP mask, a size or a refused value has its own field), ConfigError for set-ups no PC has,
 * KernelPanicError for panic() (scripts/test/errors.test.ts: no layer throws an unnamed kind).
 */
import { describe, expect, it } from "vitest";
import { ConfigError, KernelBugError, KernelPanicError } from "../src/errors.js";
import { Machine } from "../src/machine.js";

describe("KernelBugError", () => {
  it("keeps the address and the named values apart, and prints both", () => {
    const e = new KernelBugError("alloc_pages", undefined, "no such zonelist", { gfp_mask: 0xd3 });
    expect(e.addr).toBeUndefined();
    expect(e.gfp_mask).toBe(0xd3);
    expect(e.message).toBe("alloc_pages: no such zonelist (gfp_mask 0xd3)");
    const f = new KernelBugError("kunmap_high", 0xff801000, "not kmapped", { pfn: 0x3ffdf });
    expect([f.addr, f.pfn]).toEqual([0xff801000, 0x3ffdf]);
    expect(f.message).toBe("kunmap_high: not kmapped at 0xff801000 (pfn 0x3ffdf)");
    expect(new KernelBugError("x", 0x1000, "y").message).toBe("x: y at 0x1000");
  });

  it("KernelPanicError is a KernelBugError; ConfigError is a RangeError", () => {
    expect(new KernelPanicError("__alloc_bootmem", undefined, "out of memory")).toBeInstanceOf(
      KernelBugError,
    );
    expect(() => new Machine({ memBytes: 3 << 20 })).toThrow(ConfigError);
    expect(new ConfigError("Machine", "too small")).toBeInstanceOf(RangeError);
    expect(new ConfigError("Machine", "too small").message).toBe("Machine: too small");
  });
});
