import { describe, expect, it } from "vitest";
import { virt_read, virt_read32, virt_write, virt_write32 } from "../src/access.js";
import { write_cr3 } from "../src/cpu.js";
import { MachineCheckError } from "../src/errors.js";
import { Machine } from "../src/machine.js";
import { set_pte_at } from "../src/pagetable.js";
import { mk_pte, PAGE_KERNEL_EXEC, PAGE_READONLY } from "../src/paging.js";
import { asPfn, asPhys, type PhysAddr } from "../src/types.js";

describe.each([false, true])("loads and stores through the MMU (pae=%s)", (pae) => {
  const setup = () => {
    const m = new Machine({ memBytes: 16 << 20, pae });
    let next = 0x100000;
    const alloc = () => ((next += 4096) - 4096) as PhysAddr;
    // two virtually adjacent pages on physically distant frames, then a read-only user page
    set_pte_at(m, asPhys(0x9000), 0xc0800000, mk_pte(0x500, PAGE_KERNEL_EXEC), alloc);
    set_pte_at(m, asPhys(0x9000), 0xc0801000, mk_pte(0x300, PAGE_KERNEL_EXEC), alloc);
    set_pte_at(m, asPhys(0x9000), 0x08048000, mk_pte(0x400, PAGE_READONLY - 2 ** 52), alloc);
    const cpu = m.cpus[0]!;
    write_cr3(cpu, asPhys(0x9000));
    return { m, cpu };
  };
  it("splits a range across pages and frames", () => {
    const { m, cpu } = setup();
    expect(virt_write(m, cpu, 0xc0800ffe, new Uint8Array([1, 2, 3, 4]))).toBeNull();
    expect(m.ram.read16(0x500ffe)).toBe(0x0201);
    expect(m.ram.read16(0x300000)).toBe(0x0403);
    expect([...(virt_read(m, cpu, 0xc0800ffe, 4) as Uint8Array)]).toEqual([1, 2, 3, 4]);
    expect(virt_read32(m, cpu, 0xc0800ffe)).toBe(0x04030201);
    expect(virt_write32(m, cpu, 0xc0801010, 0xcafef00d)).toBeNull();
    expect(m.ram.read32(0x300010)).toBe(0xcafef00d);
  });
  it("returns the fault and writes nothing when any page faults", () => {
    const { m, cpu } = setup();
    expect(virt_write(m, cpu, 0xc0801ffe, new Uint8Array([9, 9, 9, 9]))).toEqual({
      cr2: 0xc0802000,
      error_code: 2,
    });
    expect(m.ram.read16(0x300ffe)).toBe(0);
    expect(virt_write32(m, cpu, 0x08048000, 1, { user: true })).toEqual({ cr2: 0x08048000, error_code: 7 });
    expect(virt_read32(m, cpu, 0x08048000, { user: true })).toBe(0);
    expect(virt_read(m, cpu, 0xc0900000, 1)).toEqual({ cr2: 0xc0900000, error_code: 0 });
  });
  it("machine-checks a store whose second page maps a hole, writing nothing to the first", () => {
    const { m, cpu } = setup();
    set_pte_at(m, asPhys(0x9000), 0xc0802000, mk_pte(0x600, PAGE_KERNEL_EXEC));
    set_pte_at(m, asPhys(0x9000), 0xc0803000, mk_pte(0xb8, PAGE_KERNEL_EXEC)); // frame in the VGA hole
    expect(() => virt_write(m, cpu, 0xc0802ffe, new Uint8Array([5, 6, 7, 8]))).toThrow(MachineCheckError);
    expect(m.ram.read16(0x600ffe)).toBe(0);
    expect(m.ram.isBacked(asPfn(0x600))).toBe(false);
    expect(() => virt_read(m, cpu, 0xc0803000, 4)).toThrow(MachineCheckError);
  });
});
