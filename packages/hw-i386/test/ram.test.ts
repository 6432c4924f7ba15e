import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MachineCheckError } from "../src/errors.js";
import { Machine } from "../src/machine.js";
import { asPfn } from "../src/types.js";

describe("PhysicalMemory", () => {
  it("reads zeros from never-written frames without backing them", () => {
    const m = new Machine({ memBytes: 64 << 20 });
    expect(m.ram.read32(0x200000)).toBe(0);
    expect(m.ram.read8(0x3ffffff - 0x20000)).toBe(0);
    expect(m.ram.readBytes(0x100000, 8192).every((b) => b === 0)).toBe(true);
    expect(m.ram.framesBacked).toBe(0);
  });
  it("stores 8/16/32/64-bit values little-endian, aligned or not", () => {
    const { ram } = new Machine({ memBytes: 16 << 20 });
    ram.write32(0x1000, 0xdeadbeef);
    expect(ram.read8(0x1000)).toBe(0xef);
    expect(ram.read16(0x1002)).toBe(0xdead);
    expect(ram.read32(0x1000)).toBe(0xdeadbeef);
    ram.write32(0x1ffe, 0x11223344); // crosses a frame boundary
    expect(ram.read32(0x1ffe)).toBe(0x11223344);
    expect(ram.read16(0x2000)).toBe(0x1122);
    ram.write64(0x3000, 0x8000000123456789n);
    expect(ram.read64(0x3000)).toBe(0x8000000123456789n);
    expect(ram.read32(0x3004)).toBe(0x80000001);
    ram.writeBytes(0x4ff0, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]));
    expect([...ram.readBytes(0x4ffe, 4)]).toEqual([15, 16, 17, 18]);
    ram.fill(0x6000, 4096, 0xaa);
    expect(ram.read32(0x6ffc)).toBe(0xaaaaaaaa);
    ram.copyFrame(asPfn(7), asPfn(6));
    expect(ram.read8(0x7123)).toBe(0xaa);
    ram.zeroFrame(asPfn(6));
    expect(ram.read32(0x6000)).toBe(0);
    expect(ram.isBacked(asPfn(6))).toBe(false);
  });
  it("raises a machine check beyond RAM and in holes, leaving nothing written", () => {
    const { ram } = new Machine({ memBytes: 16 << 20 });
    expect(() => ram.read32(0xa0000)).toThrow(MachineCheckError); // VGA hole
    expect(() => ram.write8(0xeffff, 1)).toThrow(MachineCheckError);
    expect(() => ram.read32(16 << 20)).toThrow(/beyond RAM or into a memory-map hole at 0x1000000/);
    expect(() => ram.read32(0x80000000)).toThrow(MachineCheckError); // PCI hole
    expect(() => ram.writeBytes(0x9fff0, new Uint8Array(32))).toThrow(MachineCheckError);
    expect(ram.framesBacked).toBe(0);
    expect(ram.read32(0xfffffffc)).toBe(0); // BIOS flash at the top of 4 GiB exists
  });
  it("addresses RAM above 4 GiB on a PAE machine", () => {
    const { ram } = new Machine({ memBytes: 8 * 2 ** 30, pae: true });
    const pa = 2 ** 32 + 5 * 2 ** 30 - 4;
    ram.write32(pa, 0x12345678);
    expect(ram.read32(pa)).toBe(0x12345678);
    expect(() => ram.read32(pa + 4)).toThrow(MachineCheckError);
    expect(ram.framesBacked).toBe(1);
  });
  it("spans the sizes of the issue: 4 MiB, 4 GiB without PAE, 64 GiB with PAE", () => {
    const small = new Machine({ memBytes: 4 << 20 });
    small.ram.write32(0x3dfffc, 1); // last usable word below SeaBIOS's 128 KiB
    expect(small.ram.read32(0x3dfffc)).toBe(1);
    expect(() => small.ram.read8(4 << 20)).toThrow(MachineCheckError);
    const four = new Machine({ memBytes: 4 * 2 ** 30 });
    expect(four.e820.map.at(-1)).toEqual({ addr: 2 ** 32, size: 2 ** 30, type: 1 }); // QEMU puts 1 GiB above 4 GiB
    expect(() => four.ram.read8(0xd0000000)).toThrow(MachineCheckError); // the PCI hole
    const big = new Machine({ memBytes: 64 * 2 ** 30, pae: true });
    big.ram.write8(2 ** 36 - 1, 0xff);
    expect(big.ram.read8(2 ** 36 - 1)).toBe(0xff);
    expect(() => big.ram.read8(2 ** 36)).toThrow(MachineCheckError);
    expect(big.ram.framesBacked).toBe(1);
  });
  it("keeps every frame however its chunk directory grew (written high first, then low, then up one by one)", () => {
    const { ram } = new Machine({ memBytes: 8 * 2 ** 30, pae: true });
    const chunk = 2 * 2 ** 20;
    const addrs = [2 ** 32 + 3 * 2 ** 30, 0x1000, 0x100000 + 70 * chunk, 2 ** 32 + 5 * 2 ** 30 - 8];
    for (let i = 0; i < 200; i++) addrs.push(0x100000 + i * chunk + 8 * i);
    for (const [i, pa] of addrs.entries()) ram.write32(pa, 0x10000 + i);
    for (const [i, pa] of addrs.entries()) expect(ram.read32(pa)).toBe(0x10000 + i);
    expect(ram.read32(2 ** 32 + 4 * 2 ** 30)).toBe(0); // past every chunk written: zeros
    expect(ram.framesBacked).toBe(new Set(addrs.map((pa) => Math.floor(pa / 4096))).size);
    ram.zeroFrame(asPfn(Math.floor(addrs[0]! / 4096)));
    expect(ram.read32(addrs[0]!)).toBe(0);
    expect(() => ram.read32(0xa0000)).toThrow(MachineCheckError); // the hole, right after RAM above 4 GiB
  });
});

describe("PhysicalMemory against a byte-array reference", () => {
  // Random 8/16/32/64-bit and byte-range stores and loads, some into the VGA hole or beyond RAM,
  // checked against a plain byte map: values little-endian, unwritten bytes 0, out-of-range
  // accesses throw MachineCheckError and change nothing.
  const MEM = 8 << 20;
  const addr = fc.oneof(
    fc.integer({ min: 0, max: 0x9fbf8 }), // conventional memory
    fc.integer({ min: 0x9ff00, max: 0x100100 }), // around and inside the 640K-1M hole
    fc.integer({ min: 0x100000, max: MEM + 16 }), // extended memory and beyond its top
  );
  const op = fc.record({
    width: fc.constantFrom(1, 2, 4, 8, 0),
    pa: addr,
    value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    len: fc.integer({ min: 1, max: 9000 }),
    write: fc.boolean(),
  });
  it("reads back exactly what was written, and only from ranges that exist", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const m = new Machine({ memBytes: MEM });
        const ref = new Map<number, number>();
        // QEMU's map for 8 MiB: RAM+EBDA [0, 0xa0000), BIOS ROM + RAM + SeaBIOS [0xf0000, 8 MiB).
        const exists = (pa: number, len: number) =>
          (pa >= 0 && pa + len <= 0xa0000) || (pa >= 0xf0000 && pa + len <= MEM);
        const refRead = (pa: number, len: number) => {
          let v = 0n;
          for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(ref.get(pa + i) ?? 0);
          return v;
        };
        for (const o of ops) {
          const len = o.width === 0 ? o.len : o.width;
          const backed = m.ram.framesBacked;
          if (!exists(o.pa, len)) {
            const access = [
              () =>
                o.write ? m.ram.writeBytes(o.pa, new Uint8Array(len).fill(7)) : m.ram.readBytes(o.pa, len),
              () => (o.write ? m.ram.write8(o.pa, 1) : m.ram.read8(o.pa)),
              () => (o.write ? m.ram.write16(o.pa, 1) : m.ram.read16(o.pa)),
              () => (o.write ? m.ram.write32(o.pa, 1) : m.ram.read32(o.pa)),
              () => (o.write ? m.ram.write64(o.pa, 1n) : m.ram.read64(o.pa)),
            ][[0, 1, 2, 0, 3, 0, 0, 0, 4][o.width]!]!;
            expect(access).toThrow(MachineCheckError);
            expect(m.ram.framesBacked).toBe(backed);
            continue;
          }
          const v = BigInt.asUintN(8 * Math.max(1, len), o.value);
          if (o.write) {
            if (o.width === 1) m.ram.write8(o.pa, Number(v));
            else if (o.width === 2) m.ram.write16(o.pa, Number(v));
            else if (o.width === 4) m.ram.write32(o.pa, Number(v));
            else if (o.width === 8) m.ram.write64(o.pa, v);
            else
              m.ram.writeBytes(
                o.pa,
                new Uint8Array(len).map((_, i) => (i * 31 + o.len) & 0xff),
              );
            for (let i = 0; i < len; i++)
              ref.set(
                o.pa + i,
                o.width === 0 ? (i * 31 + o.len) & 0xff : Number((v >> BigInt(8 * i)) & 0xffn),
              );
          }
          if (o.width === 1) expect(m.ram.read8(o.pa)).toBe(Number(refRead(o.pa, 1)));
          else if (o.width === 2) expect(m.ram.read16(o.pa)).toBe(Number(refRead(o.pa, 2)));
          else if (o.width === 4) expect(m.ram.read32(o.pa)).toBe(Number(refRead(o.pa, 4)));
          else if (o.width === 8) expect(m.ram.read64(o.pa)).toBe(refRead(o.pa, 8));
          else
            expect([...m.ram.readBytes(o.pa, len)]).toEqual(
              Array.from({ length: len }, (_, i) => ref.get(o.pa + i) ?? 0),
            );
        }
      }),
      { seed: 1234, numRuns: 100 },
    );
  });
});
