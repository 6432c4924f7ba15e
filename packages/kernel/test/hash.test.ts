/*
 * machineHash (src/hash.ts): the same options and operations give the same hash on every run
 * (its inputs are the model's state only: no clock, address or host detail, so CI and a
 * developer machine agree; a pinned golden was tried and dropped: every layer change moves it);
 * any change of state changes it; a refused call leaves it as it was.
 */
import type { VirtAddr } from "@i386mm/hw-i386";
import { GFP_KERNEL } from "@i386mm/page-alloc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FuzzOp, fuzzOpArb, runOps } from "../src/fuzz.js";
import { boot, machineHash } from "../src/index.js";

const ops: FuzzOp[] = fc.sample(fuzzOpArb, { seed: 11, numRuns: 40 });

describe("machineHash", () => {
  it("is the same for the same options and operations, run after run", () => {
    const a = runOps({ pae: true, cpus: 2 }, ops);
    const b = runOps({ pae: true, cpus: 2 }, ops);
    expect(machineHash(a.k)).toBe(machineHash(b.k));
    expect(machineHash(a.k)).toMatch(/^[0-9a-f]{16}$/);
  }, 120_000);

  it("differs for other options or other operations", () => {
    const base = machineHash(runOps({ pae: false, cpus: 1 }, ops).k);
    expect(machineHash(runOps({ pae: true, cpus: 1 }, ops).k)).not.toBe(base);
    expect(machineHash(runOps({ pae: false, cpus: 1 }, ops.slice(0, 30)).k)).not.toBe(base);
  }, 120_000);

  it("sees one byte of RAM, and not how the host backs a frame", () => {
    const k = boot({ mem: "16M" });
    const h0 = machineHash(k);
    const pfn = k.direct.alloc_page(GFP_KERNEL)!;
    const h1 = machineHash(k);
    expect(h1).not.toBe(h0);
    // a frame written with zeros is the frame never written
    k.machine.ram.writeBytes(pfn * 4096 + 100, Uint8Array.of(0));
    expect(machineHash(k)).toBe(h1);
    k.machine.ram.writeBytes(pfn * 4096 + 100, Uint8Array.of(1));
    expect(machineHash(k)).not.toBe(h1);
  });

  it("is unchanged by refused calls", () => {
    const k = boot({ mem: "16M" });
    const h = machineHash(k, { printk: false });
    expect(k.slab.kmalloc(1 << 30, GFP_KERNEL)).toBeNull();
    expect(k.direct.alloc_pages(GFP_KERNEL, 11)).toBeNull();
    expect(() => k.slab.kfree(0xc0001234 as VirtAddr)).toThrow();
    expect(machineHash(k, { printk: false })).toBe(h);
  });
});
