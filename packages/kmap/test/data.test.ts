/* Item 4: bytes stored through a kmap or kmap_atomic address land in the high-memory frame. */
import { PAGE_SIZE, type Page } from "@i386mm/hw-i386";
import { GFP_HIGHUSER } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { checkKmapInvariants } from "../src/invariants.js";
import { readVirt, writeVirt } from "../src/kaccess.js";
import { KM_USER0, KM_USER1 } from "../src/kmap-types.js";
import { boot, highPages, MiB } from "./helpers.js";

const pattern = (n: number, seed: number): number[] =>
  Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe.each([
  { name: "2-level, 1 GiB", memBytes: 1024 * MiB, pae: false, features: {} },
  { name: "PAE, 2 GiB", memBytes: 2048 * MiB, pae: true, features: {} },
  {
    name: "2-level, a CPU without PGE or invlpg",
    memBytes: 1024 * MiB,
    pae: false,
    features: { pge: false, invlpg: false },
  },
])("data through kernel mappings ($name)", ({ memBytes, pae, features }) => {
  it("a store through kmap reaches physical RAM and reads back through kmap_atomic", () => {
    const { machine, pa, km } = boot({ memBytes, pae, features });
    const [page] = highPages(pa, 1);
    expect(page * PAGE_SIZE).toBeGreaterThanOrEqual(896 * MiB);
    const data = pattern(PAGE_SIZE, 7);
    const va = km.kmap(page);
    writeVirt(machine, va, data);
    expect(Array.from(machine.ram.readBytes(page * PAGE_SIZE, PAGE_SIZE))).toEqual(data);
    const va2 = km.kmap_atomic(page, KM_USER0);
    expect(va2).not.toBe(va);
    expect(Array.from(readVirt(machine, va2, PAGE_SIZE))).toEqual(data);
    km.kunmap_atomic(va2, KM_USER0);
    km.kunmap(page);
    checkKmapInvariants(km);
  });

  it("a store through kmap_atomic on another CPU is seen through kmap and in RAM", () => {
    const { machine, pa, km } = boot({ memBytes, pae, features, cpus: 2 });
    const [page, other] = highPages(pa, 2);
    const va = km.kmap(page);
    machine.setCurrentCpu(1);
    const vb = km.kmap_atomic(page, KM_USER1);
    const vo = km.kmap_atomic(other, KM_USER0);
    writeVirt(machine, vb + 4000, [0xde, 0xad, 0xbe, 0xef]);
    writeVirt(machine, vo, [1, 2, 3, 4]);
    km.kunmap_atomic(vo, KM_USER0);
    km.kunmap_atomic(vb, KM_USER1);
    machine.setCurrentCpu(0);
    expect(Array.from(readVirt(machine, va + 4000, 4))).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect(machine.ram.read32(page * PAGE_SIZE + 4000)).toBe(0xefbeadde);
    expect(Array.from(machine.ram.readBytes(other * PAGE_SIZE, 4))).toEqual([1, 2, 3, 4]);
    km.kunmap(page);
  });
});

describe("data above 4 GiB (PAE, 36-bit physical addresses)", () => {
  it("kmap and kmap_atomic reach a frame beyond the 32-bit physical limit", () => {
    const { machine, pa, km } = boot({ memBytes: 5 * 1024 * MiB, pae: true });
    /* take 4 MiB blocks until one lies above 4 GiB (the buddy allocator decides where) */
    let page = 0 as Page;
    for (let tries = 0; page * PAGE_SIZE < 4 * 1024 * MiB; tries++) {
      const block = pa.alloc_pages(GFP_HIGHUSER, 10);
      if (block === null || tries > 2000) throw new Error("no frame above 4 GiB");
      page = block;
    }
    const va = km.kmap(page);
    writeVirt(machine, va + 16, [42, 43]);
    expect(Array.from(machine.ram.readBytes(page * PAGE_SIZE + 16, 2))).toEqual([42, 43]);
    const vb = km.kmap_atomic(page, KM_USER0);
    expect(Array.from(readVirt(machine, vb + 16, 2))).toEqual([42, 43]);
    km.kunmap_atomic(vb, KM_USER0);
    km.kunmap(page);
  });
});
