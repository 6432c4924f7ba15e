import { irq_enter, irq_exit, ModelCheckError, PREEMPT_MASK, pte_none, pte_pfn } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { KmapError } from "../src/errors.js";
import { FIX_KMAP_BEGIN, fix_to_virt } from "../src/fixmap.js";
import { checkKmapInvariants } from "../src/invariants.js";
import { readVirt, writeVirt } from "../src/kaccess.js";
import {
  KM_BOUNCE_READ,
  KM_IRQ0,
  KM_PTE0,
  KM_SOFTIRQ1,
  KM_TYPE_NR,
  KM_USER0,
  KM_USER1,
  km_type,
  km_type_names,
} from "../src/kmap-types.js";
import { boot, highPages, lowPage } from "./helpers.js";

describe("enum km_type (include/asm-i386/kmap_types.h, 2.6.11)", () => {
  it("has the header's thirteen members in order", () => {
    expect(km_type_names).toEqual([
      "KM_BOUNCE_READ",
      "KM_SKB_SUNRPC_DATA",
      "KM_SKB_DATA_SOFTIRQ",
      "KM_USER0",
      "KM_USER1",
      "KM_BIO_SRC_IRQ",
      "KM_BIO_DST_IRQ",
      "KM_PTE0",
      "KM_PTE1",
      "KM_IRQ0",
      "KM_IRQ1",
      "KM_SOFTIRQ0",
      "KM_SOFTIRQ1",
    ]);
    expect(Object.values(km_type)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(KM_TYPE_NR).toBe(13);
    expect(KM_SOFTIRQ1 + 1).toBe(KM_TYPE_NR);
  });
});

describe("kmap_atomic / kunmap_atomic", () => {
  it("maps a high page at FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu with preemption off", () => {
    const { machine, pa, km } = boot({ cpus: 2 });
    const [p] = highPages(pa, 1);
    const va = km.kmap_atomic(p, KM_USER0);
    expect(va).toBe(0xffff1000);
    expect(va).toBe(fix_to_virt(FIX_KMAP_BEGIN + KM_USER0));
    expect(machine.cpus[0].preempt_count & PREEMPT_MASK).toBe(1);
    expect(pte_pfn(km.atomic.slot_pte(KM_USER0))).toBe(p);
    expect(km.kmap_atomic_to_page(va + 123)).toBe(p);
    checkKmapInvariants(km);
    km.kunmap_atomic(va, KM_USER0);
    expect(machine.cpus[0].preempt_count).toBe(0);

    machine.setCurrentCpu(1);
    const va1 = km.kmap_atomic(p, KM_USER0);
    expect(va1).toBe(0xfffe4000);
    expect(machine.cpus[1].preempt_count).toBe(1);
    expect(machine.cpus[0].preempt_count).toBe(0);
    km.kunmap_atomic(va1, KM_USER0);
    checkKmapInvariants(km);
  });

  it("a lowmem page returns page_address but still disables preemption", () => {
    const { machine, pa, km } = boot();
    const low = lowPage(pa);
    const va = km.kmap_atomic(low, KM_USER1);
    expect(va).toBe(pa.page_address(low));
    expect(machine.cpus[0].preempt_count).toBe(1);
    expect(km.kmap_atomic_to_page(va)).toBe(low);
    km.kunmap_atomic(va, KM_USER1);
    expect(machine.cpus[0].preempt_count).toBe(0);
  });

  it("nests with different types; the preempt count follows the depth", () => {
    const { machine, pa, km } = boot();
    const [a, b] = highPages(pa, 2);
    const va = km.kmap_atomic(a, KM_USER0);
    const vb = km.kmap_atomic(b, KM_USER1);
    expect(machine.cpus[0].preempt_count).toBe(2);
    writeVirt(machine, va, [1]);
    writeVirt(machine, vb, [2]);
    expect(machine.ram.read8(a * 4096)).toBe(1);
    expect(machine.ram.read8(b * 4096)).toBe(2);
    km.kunmap_atomic(vb, KM_USER1);
    km.kunmap_atomic(va, KM_USER0);
    expect(machine.cpus[0].preempt_count).toBe(0);
    checkKmapInvariants(km);
  });

  it("is allowed in interrupt context with the interrupt's own slot", () => {
    const { machine, pa, km } = boot();
    const [p, q] = highPages(pa, 2);
    const va = km.kmap_atomic(p, KM_USER0);
    irq_enter(machine.cpus[0]);
    const vi = km.kmap_atomic(q, KM_IRQ0);
    expect(vi).toBe(fix_to_virt(FIX_KMAP_BEGIN + KM_IRQ0));
    km.kunmap_atomic(vi, KM_IRQ0);
    irq_exit(machine.cpus[0]);
    km.kunmap_atomic(va, KM_USER0);
    expect(machine.cpus[0].preempt_count).toBe(0);
  });

  it("CONFIG_DEBUG_HIGHMEM: reusing a slot still in use is a BUG that changes nothing", () => {
    const { machine, pa, km } = boot({ debug_highmem: true });
    const [p, q] = highPages(pa, 2);
    const va = km.kmap_atomic(p, KM_PTE0);
    expect(() => km.kmap_atomic(q, KM_PTE0)).toThrow(
      /kmap_atomic: slot KM_PTE0 of CPU 0 is still mapped \(pte not none; missing kunmap_atomic\?\) at 0xfffed000/,
    );
    expect(machine.cpus[0].preempt_count).toBe(1);
    expect(pte_pfn(km.atomic.slot_pte(KM_PTE0))).toBe(p);
    /* kunmap_atomic with another type's slot address is a BUG too */
    expect(() => km.kunmap_atomic(va, KM_BOUNCE_READ)).toThrow(
      /kunmap_atomic: address is not the KM_BOUNCE_READ slot/,
    );
    km.kunmap_atomic(va, KM_PTE0);
    /* the debug kunmap_atomic clears the pte and invalidates the TLB entry */
    expect(pte_none(km.atomic.slot_pte(KM_PTE0))).toBe(true);
    expect(() => readVirt(machine, va, 1)).toThrow(/Unable to handle kernel paging request/);
    expect(km.kmap_atomic(q, KM_PTE0)).toBe(va);
    km.kunmap_atomic(va, KM_PTE0);
    checkKmapInvariants(km);
  });

  it("without DEBUG_HIGHMEM (the profile) a reused slot is silently overwritten and the pte stays", () => {
    const { machine, pa, km } = boot({ debug_highmem: false });
    const [p, q] = highPages(pa, 2);
    machine.ram.write8(p * 4096, 0x11);
    machine.ram.write8(q * 4096, 0x22);
    const va = km.kmap_atomic(p, KM_USER0);
    expect(readVirt(machine, va, 1)[0]).toBe(0x11);
    expect(km.kmap_atomic(q, KM_USER0)).toBe(va);
    /* the invlpg in kmap_atomic means the second mapping is what the CPU sees */
    expect(readVirt(machine, va, 1)[0]).toBe(0x22);
    km.kunmap_atomic(va, KM_USER0);
    km.kunmap_atomic(va, KM_USER0);
    expect(machine.cpus[0].preempt_count).toBe(0);
    expect(pte_pfn(km.atomic.slot_pte(KM_USER0))).toBe(q);
    checkKmapInvariants(km);
  });

  it("kunmap_atomic without a kmap_atomic on this CPU is a BUG (preempt_count would underflow)", () => {
    const { machine, pa, km } = boot({ cpus: 2 });
    const [p] = highPages(pa, 1);
    const va = km.kmap_atomic(p, KM_USER0);
    machine.setCurrentCpu(1);
    expect(() => km.kunmap_atomic(va, KM_USER0)).toThrow(
      /kunmap_atomic: no kmap_atomic outstanding on CPU 1/,
    );
    machine.setCurrentCpu(0);
    km.kunmap_atomic(va, KM_USER0);
    expect(() => km.kunmap_atomic(va, KM_USER0)).toThrow(KmapError);
    expect(machine.cpus.map((c) => c.preempt_count)).toEqual([0, 0]);
  });

  it("rejects a km_type outside the enum before touching anything", () => {
    const { machine, pa, km } = boot();
    const [p] = highPages(pa, 1);
    const bad = 13 as unknown as typeof KM_USER0;
    expect(() => km.kmap_atomic(p, bad)).toThrow(/kmap_atomic: km_type 13 is not below KM_TYPE_NR/);
    expect(machine.cpus[0].preempt_count).toBe(0);
  });

  it("kmap_atomic_to_page refuses fixmap addresses that are not kmap_atomic slots", () => {
    const { km } = boot();
    expect(() => km.kmap_atomic_to_page(fix_to_virt(2))).toThrow(/fixmap index 2 is not a kmap_atomic slot/);
  });
});

describe("the later kernels' one-argument form (the seed's kmap_atomic(page) / kunmap_atomic(addr), #21 point 16)", () => {
  it("takes this CPU's slots as a stack: slot 0, 1, ... and releases them LIFO", () => {
    const { machine, pa, km } = boot({ cpus: 2 });
    const [a, b, c] = highPages(pa, 3);
    const va = km.kmap_atomic(a);
    const vb = km.kmap_atomic(b);
    expect(va).toBe(fix_to_virt(FIX_KMAP_BEGIN + 0));
    expect(vb).toBe(fix_to_virt(FIX_KMAP_BEGIN + 1));
    expect(km.atomic.km_stack[0]).toBe(2);
    expect(machine.cpus[0].preempt_count & PREEMPT_MASK).toBe(2);
    writeVirt(machine, vb, [7]);
    expect(machine.ram.readBytes(b * 4096, 1)[0]).toBe(7);
    machine.setCurrentCpu(1);
    expect(km.kmap_atomic(c)).toBe(fix_to_virt(FIX_KMAP_BEGIN + KM_TYPE_NR)); // CPU 1's own stack
    km.kunmap_atomic(fix_to_virt(FIX_KMAP_BEGIN + KM_TYPE_NR));
    machine.setCurrentCpu(0);
    checkKmapInvariants(km);
    km.kunmap_atomic(vb + 123); // any address inside the slot
    expect(pte_none(km.atomic.slot_pte(1))).toBe(true); // later kernels always clear the pte
    km.kunmap_atomic(va);
    expect(km.atomic.km_stack[0]).toBe(0);
    expect(machine.cpus[0].preempt_count & PREEMPT_MASK).toBe(0);
    checkKmapInvariants(km);
  });

  it("a lowmem page takes no slot; a release out of LIFO order is the model's check (or, off, the kernel's top-slot clear)", () => {
    const { machine, pa, km } = boot();
    const low = lowPage(pa);
    expect(km.kmap_atomic(low)).toBe(pa.page_address(low));
    expect(km.atomic.km_stack[0]).toBe(0);
    km.kunmap_atomic(pa.page_address(low)!);
    const [a, b] = highPages(pa, 2);
    const va = km.kmap_atomic(a);
    const vb = km.kmap_atomic(b);
    expect(() => km.kunmap_atomic(va)).toThrow(ModelCheckError);
    expect(() => km.kunmap_atomic(va)).toThrow(/not the top of CPU 0's kmap_atomic stack \(slot 1/);
    expect(km.atomic.km_stack[0]).toBe(2); // nothing changed
    machine.modelChecks = false;
    km.kunmap_atomic(va); // as the later kernels: the top slot (b's) is cleared, a's stays mapped
    expect(pte_none(km.atomic.slot_pte(1))).toBe(true);
    expect(pte_pfn(km.atomic.slot_pte(0))).toBe(a);
    expect(() => readVirt(machine, vb, 1)).toThrow(/Unable to handle kernel paging request/);
    km.kunmap_atomic(va);
    checkKmapInvariants(km);
  });

  it("refuses a fourteenth slot and a slot the two-argument form holds", () => {
    const { pa, km } = boot();
    const pages = highPages(pa, KM_TYPE_NR + 1);
    for (let i = 0; i < KM_TYPE_NR; i++) km.kmap_atomic(pages[i]!);
    expect(() => km.kmap_atomic(pages[KM_TYPE_NR]!)).toThrow(/stack is full: 13 slots held/);
    for (let i = KM_TYPE_NR - 1; i >= 0; i--) km.kunmap_atomic(fix_to_virt(FIX_KMAP_BEGIN + i));
    km.kmap_atomic(pages[0]!, KM_BOUNCE_READ); // slot 0 by type
    expect(() => km.kmap_atomic(pages[1]!)).toThrow(KmapError); // the stack's slot 0 is taken
    km.kmap_atomic(pages[1]!, KM_USER0);
    km.kunmap_atomic(fix_to_virt(FIX_KMAP_BEGIN + KM_USER0), KM_USER0);
    km.kunmap_atomic(fix_to_virt(FIX_KMAP_BEGIN), KM_BOUNCE_READ);
    expect(() => km.kunmap_atomic(fix_to_virt(FIX_KMAP_BEGIN))).toThrow(/no kmap_atomic outstanding/);
    checkKmapInvariants(km);
  });
});
