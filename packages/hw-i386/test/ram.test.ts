import { describe, expect, it } from "vitest";
import { MachineCheckError } from "../src/errors.js";
import { Machine } from "../src/machine.js";

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
    ram.copyFrame(7, 6);
    expect(ram.read8(0x7123)).toBe(0xaa);
    ram.zeroFrame(6);
    expect(ram.read32(0x6000)).toBe(0);
    expect(ram.isBacked(6)).toBe(false);
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
});
