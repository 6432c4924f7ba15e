import { describe, expect, it } from "vitest";
import { E820_RAM, E820_RESERVED, print_memory_map, qemuE820, validateE820 } from "../src/e820.js";
import { E820Error } from "../src/errors.js";

const fmt = (m: ReturnType<typeof validateE820>) =>
  m.map.map((e) => `${e.addr.toString(16)}-${(e.addr + e.size - 1).toString(16)} ${e.type}`);

describe("e820", () => {
  it("reproduces QEMU's pc map of the oracle logs (128 MiB, 1 GiB, 2 GiB)", () => {
    // fixtures/oracle/686-1024M.log lines 3-8
    expect(fmt(validateE820(qemuE820(1 << 30)))).toEqual([
      "0-9fbff 1",
      "9fc00-9ffff 2",
      "f0000-fffff 2",
      "100000-3ffdffff 1",
      "3ffe0000-3fffffff 2",
      "fffc0000-ffffffff 2",
    ]);
    expect(fmt(validateE820(qemuE820(128 << 20)))[3]).toBe("100000-7fdffff 1");
    expect(fmt(validateE820(qemuE820(2048 * 2 ** 20)))[3]).toBe("100000-7ffdffff 1");
  });
  it("splits RAM of 3.5 GiB and more at 3 GiB / 4 GiB", () => {
    const m = validateE820(qemuE820(8 * 2 ** 30));
    const ram = m.map.filter((e) => e.type === E820_RAM);
    expect(ram.at(-1)).toEqual({ addr: 2 ** 32, size: 5 * 2 ** 30, type: E820_RAM });
    expect(ram[1]!.addr + ram[1]!.size).toBe(0xc0000000 - 0x20000);
  });
  it("prints the 2.6.11 print_memory_map lines", () => {
    expect(print_memory_map(validateE820(qemuE820(1 << 30)))[0]).toBe(
      " BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)",
    );
    expect(print_memory_map(validateE820(qemuE820(1 << 30)))[1]).toBe(
      " BIOS-e820: 000000000009fc00 - 00000000000a0000 (reserved)",
    );
  });
  it("rejects overlapping, unaligned, empty and unknown entries with E820Error", () => {
    const bad = [
      [
        { addr: 0, size: 0x100000, type: E820_RAM },
        { addr: 0x80000, size: 0x100000, type: E820_RESERVED },
      ],
      [{ addr: 0x123, size: 0x1000, type: E820_RAM }],
      [{ addr: 0, size: 0, type: E820_RAM }],
      [{ addr: 0, size: 0x1000, type: 9 }],
      [],
    ];
    for (const map of bad) expect(() => validateE820(map)).toThrow(E820Error);
    expect(() =>
      validateE820([
        { addr: 0x100000, size: 0x100000, type: E820_RAM },
        { addr: 0x80000, size: 0x100000, type: E820_RESERVED },
      ]),
    ).toThrow(/overlaps \[0x80000-0x17ffff\] at 0x100000/);
  });
  it("sorts a valid custom map", () => {
    const m = validateE820([
      { addr: 0x100000, size: 0x300000, type: E820_RAM },
      { addr: 0, size: 0x9f000, type: E820_RAM },
    ]);
    expect(m.nr_map).toBe(2);
    expect(m.map[0]!.addr).toBe(0);
  });
});
