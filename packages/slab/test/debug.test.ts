import { GFP_KERNEL } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import {
  POISON_END,
  POISON_FREE,
  POISON_INUSE,
  RED_ACTIVE,
  RED_INACTIVE,
  SLAB_POISON,
  SLAB_RED_ZONE,
} from "../src/constants.js";
import { checkSlabInvariants } from "../src/invariants.js";
import { boot } from "./helpers.js";

const PO = 0xc0000000;

describe("CONFIG_DEBUG_SLAB (debug: true)", () => {
  it("forces RED_ZONE|STORE_USER|POISON on caches and caps limits at 32", () => {
    const { slab } = boot({ debug: true });
    const c = slab.cache_chain.find((x) => x.name === "size-32")!;
    expect(c.flags & (SLAB_POISON | SLAB_RED_ZONE)).toBe(SLAB_POISON | SLAB_RED_ZONE);
    expect([c.reallen, c.dbghead, c.objsize, c.limit, c.batchcount]).toEqual([32, 4, 44, 32, 16]);
    expect(slab.slabinfo().split("\n")[0]).toBe("slabinfo - version: 2.1 (statistics)");
    expect(slab.slabinfo().split("\n")[1]).toMatch(
      / : globalstat <listallocs> .* : cpustat <allochit> <allocmiss> <freehit> <freemiss>$/,
    );
    checkSlabInvariants(slab);
  });

  it("writes the kernel's patterns into RAM: red zones and poison", () => {
    const { slab, machine } = boot({ debug: true });
    const c = slab.kmem_cache_create("dbg", 40, 0, SLAB_POISON | SLAB_RED_ZONE, null)!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    const ram = machine.ram;
    const obj = p - c.dbghead;
    expect(ram.read32(obj - PO) >>> 0).toBe(RED_ACTIVE);
    expect(ram.read32(obj + c.objsize - 8 - PO) >>> 0).toBe(RED_ACTIVE);
    const bytes = ram.readBytes(p - PO, 40);
    expect(Array.from(bytes.subarray(0, 39)).every((b) => b === POISON_INUSE)).toBe(true);
    expect(bytes[39]).toBe(POISON_END);
    // a neighbour still in the slab is POISON_FREE with RED_INACTIVE
    const next = obj + c.objsize;
    expect(ram.read32(next - PO) >>> 0).toBe(RED_INACTIVE);
    expect(ram.read8(next + 4 - PO)).toBe(POISON_FREE);
    slab.kmem_cache_free(c, p);
    expect(ram.read8(p - PO)).toBe(POISON_FREE);
    expect(ram.read32(obj - PO) >>> 0).toBe(RED_INACTIVE);
    checkSlabInvariants(slab);
  });

  it("detects a use-after-free write when the object is handed out again", () => {
    const { slab, machine } = boot({ debug: true });
    const p = slab.kmalloc(64, GFP_KERNEL)!;
    slab.kfree(p);
    machine.ram.write8(p + 10 - PO, 0x42); // write after free
    const q = slab.kmalloc(64, GFP_KERNEL)!;
    expect(q).toBe(p);
    const i = machine.dmesg.indexOf(`Slab corruption: start=${p.toString(16)}, len=64`);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(machine.dmesg[i + 1]).toMatch(/^Redzone: 0x5a2cf071\/0x5a2cf071\.$/);
    expect(machine.dmesg[i + 2]).toMatch(/^Last user: \[<00000000>\]$/);
    expect(machine.dmesg[i + 3]).toBe("000: 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 42 6b 6b 6b 6b 6b");
  });

  it("detects a write past the end at kfree (red zone 2)", () => {
    const { slab, machine } = boot({ debug: true });
    const p = slab.kmalloc(32, GFP_KERNEL)!; // size-32: reallen 32, red zone right after
    machine.ram.write32(p + 32 - PO, 0xdeadbeef);
    slab.kfree(p);
    expect(machine.dmesg).toContain(
      "slab error in cache_free_debugcheck(): cache `size-32': double free, or memory outside object was overwritten",
    );
    expect(machine.dmesg.at(-1)).toBe(
      `${(p - 4).toString(16)}: redzone 1: 0x170fc2a5, redzone 2: 0xdeadbeef.`,
    );
    checkSlabInvariants(slab);
  });

  it("runs a POISON cache's ctor at allocation time (the poison would wipe it)", () => {
    const { slab } = boot({ debug: true });
    let calls = 0;
    const c = slab.kmem_cache_create("pc", 64, 0, 0, () => {
      calls++;
    })!;
    slab.kmem_cache_alloc(c, GFP_KERNEL);
    expect(calls).toBe(1);
  });

  it("checks poison and red zones again when a slab is destroyed (kmem_cache_shrink)", () => {
    const { slab, machine } = boot({ debug: true });
    const c = slab.kmem_cache_create("uaf", 100, 0, 0, null)!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    slab.kmem_cache_free(c, p);
    machine.ram.write8(p + 99 - PO, 0); // the POISON_END byte
    machine.ram.write32(p - 4 - PO, 0); // red zone 1 of the free object
    expect(slab.kmem_cache_shrink(c)).toBe(0);
    expect(machine.dmesg).toContain(`Slab corruption: start=${p.toString(16)}, len=100`);
    expect(machine.dmesg).toContain(
      "slab error in slab_destroy(): cache `uaf': start of a freed object was overwritten",
    );
    checkSlabInvariants(slab);
  });
});
