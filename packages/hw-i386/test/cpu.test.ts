import { describe, expect, it } from "vitest";
import {
  __flush_tlb_one,
  in_atomic,
  in_interrupt,
  in_irq,
  in_softirq,
  irq_enter,
  irq_exit,
  local_bh_disable,
  local_bh_enable,
  preempt_disable,
  preempt_enable,
  set_in_cr4,
  write_cr3,
  X86_CR0_PG,
  X86_CR4_PAE,
  X86_CR4_PGE,
} from "../src/cpu.js";
import { GeneralProtectionError, InvariantError, KernelBugError } from "../src/errors.js";
import { checkMachineInvariants, Machine, smp_processor_id } from "../src/machine.js";
import { translate } from "../src/mmu.js";
import { asPhys } from "../src/types.js";

describe("Cpu registers and preempt_count", () => {
  it("starts as head.S leaves it", () => {
    const m = new Machine({ memBytes: 16 << 20, pae: true, cpus: 3 });
    for (const c of m.cpus) {
      expect(c.cr0).toBe(0x80050033);
      expect(c.cr4).toBe(X86_CR4_PAE);
      expect(c.efer).toBe(0); // qemu32: no NX
    }
    expect(new Machine({ memBytes: 16 << 20, pae: true, features: { nx: true } }).cpus[0]!.nxe).toBe(true);
    checkMachineInvariants(m);
  });
  it("keeps 2.6.11's preempt_count layout and its context tests", () => {
    const c = new Machine({ memBytes: 16 << 20 }).cpus[0]!;
    expect(in_atomic(c)).toBe(false);
    preempt_disable(c);
    expect([c.preempt_count, in_atomic(c), in_interrupt(c)]).toEqual([1, true, false]);
    local_bh_disable(c);
    expect([c.preempt_count, in_softirq(c), in_interrupt(c)]).toEqual([0x101, true, true]);
    irq_enter(c);
    expect([c.preempt_count, in_irq(c)]).toEqual([0x10101, true]);
    irq_exit(c);
    local_bh_enable(c);
    preempt_enable(c);
    expect(c.preempt_count).toBe(0);
    expect(() => preempt_enable(c)).toThrow(KernelBugError);
    expect(() => irq_exit(c)).toThrow(/irq_exit: preempt_count underflow on CPU 0/);
    expect(c.preempt_count).toBe(0);
  });
  it("refuses CR4 bits the CPU lacks with #GP, leaving CR4 as it was", () => {
    const c = new Machine({ memBytes: 16 << 20, features: { pge: false } }).cpus[0]!;
    expect(() => set_in_cr4(c, X86_CR4_PGE)).toThrow(GeneralProtectionError);
    expect(c.cr4).toBe(0);
  });
  it("flushes everything on __flush_tlb_one without invlpg (a 386), one page with it", () => {
    for (const invlpg of [true, false]) {
      const m = new Machine({ memBytes: 16 << 20, features: { invlpg } });
      const c = m.cpus[0]!;
      m.ram.write32(0x5000, 0x6003);
      m.ram.write32(0x6000, 0x10003);
      m.ram.write32(0x6004, 0x11003);
      write_cr3(c, asPhys(0x5000));
      translate(m, c, 0);
      translate(m, c, 0x1000);
      __flush_tlb_one(c, 0);
      expect(c.tlb.size()).toBe(invlpg ? 1 : 0);
    }
  });
  it("with paging off, linear = physical", () => {
    const m = new Machine({ memBytes: 16 << 20 });
    const c = m.cpus[0]!;
    c.cr0 = c.cr0 & ~X86_CR0_PG;
    expect(translate(m, c, 0x123456, { user: true, write: true })).toEqual({ phys: 0x123456 });
  });
});

describe("Machine", () => {
  it("validates its options", () => {
    expect(() => new Machine({ memBytes: 2 << 20 })).toThrow(RangeError);
    // 8 GiB under a non-PAE kernel is a machine (the kernel uses 4 GiB of it); 65 GiB is not.
    expect(new Machine({ memBytes: 8 * 2 ** 30 }).e820.map.at(-1)).toEqual({
      addr: 2 ** 32,
      size: 5 * 2 ** 30,
      type: 1,
    });
    expect(() => new Machine({ memBytes: 65 * 2 ** 30 })).toThrow(/64 GiB/);
    expect(() => new Machine({ memBytes: 65 * 2 ** 30, pae: true })).toThrow(/64 GiB/);
    expect(() => new Machine({ memBytes: 16 << 20, cpus: 9 })).toThrow(/NR_CPUS/);
    expect(() => new Machine({ memBytes: 16 << 20, pae: true, features: { pae: false } })).toThrow(/PAE/);
    expect(() => new Machine({ memBytes: 16 << 20, e820: [{ addr: 0, size: 5, type: 1 }] })).toThrow(
      /aligned/,
    );
  });
  it("tracks the current CPU, printk and warn", () => {
    const m = new Machine({ memBytes: 16 << 20, cpus: 2 });
    m.setCurrentCpu(1);
    expect(smp_processor_id(m)).toBe(1);
    expect(m.cpu).toBe(m.cpus[1]);
    expect(() => m.setCurrentCpu(2)).toThrow(RangeError);
    m.printk("hello");
    m.warn("careful");
    expect(m.dmesg).toEqual(["hello", "careful"]);
    expect(m.warnings).toEqual(["careful"]);
  });
  it("checkMachineInvariants names each broken invariant", () => {
    const m = new Machine({ memBytes: 16 << 20 });
    m.cpus[0]!.tlb.fill(1, 1, 0); // the table exists once something was cached
    m.cpus[0]!.tlb.fill(5, 1, 0);
    m.cpus[0]!.tlb.entries[5] = 2; // not empty and not valid (written past the Tlb's methods)
    m.cpus[0]!.preempt_count = -1;
    try {
      checkMachineInvariants(m);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvariantError);
      const p = (e as InvariantError).problems;
      expect(p).toContain("CPU 0: preempt_count is negative");
      expect(p).toContain("CPU 0: TLB entry for 0x5000 is neither empty nor valid");
    }
  });
  it("two machines share nothing", () => {
    const a = new Machine({ memBytes: 16 << 20 });
    const b = new Machine({ memBytes: 16 << 20 });
    a.ram.write32(0x1000, 7);
    expect(b.ram.read32(0x1000)).toBe(0);
    expect(a.paging).toBe(b.paging); // the frozen mode description is shared, no state in it
  });
});
