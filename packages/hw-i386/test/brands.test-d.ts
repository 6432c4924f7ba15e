/*
 * Type tests for the branded numbers: a plain number is not a Pfn, PhysAddr, VirtAddr or Page,
 * the brands do not mix, and the cast helpers are the way in. Checked by `tsc` (the package's
 * `typecheck`, tsconfig.check.json includes test/, run by `pnpm test`): an assertion that stops
 * holding, or a `@ts-expect-error` line that stops being an error, fails the run. Nothing here
 * runs in vitest itself.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  asPfn,
  asPhys,
  asVirt,
  type Cpu,
  lookupPte,
  type Machine,
  type Page,
  type Pfn,
  type PhysAddr,
  PhysicalMemory,
  peek,
  pte_clear,
  ptep_set_wrprotect,
  ptep_test_and_clear_young,
  read_cr3,
  set_pmd,
  set_pte_at,
  type VirtAddr,
  walk,
  write_cr3,
} from "../src/index.js";

// Never evaluated: only their types are used.
declare const m: Machine;
declare const cpu: Cpu;
declare const ram: PhysicalMemory;

describe("branded numbers", () => {
  it("a number is not a Pfn, PhysAddr, VirtAddr or Page", () => {
    expectTypeOf<number>().not.toExtend<Pfn>();
    expectTypeOf<number>().not.toExtend<PhysAddr>();
    expectTypeOf<number>().not.toExtend<VirtAddr>();
    expectTypeOf<number>().not.toExtend<Page>();
    // @ts-expect-error: a number is not a Pfn
    const pfn: Pfn = 77;
    // @ts-expect-error: a number is not a VirtAddr
    const va: VirtAddr = 0xc0000000;
    void pfn;
    void va;
  });

  it("the brands do not mix", () => {
    expectTypeOf<Pfn>().not.toExtend<PhysAddr>();
    expectTypeOf<PhysAddr>().not.toExtend<VirtAddr>();
    expectTypeOf<VirtAddr>().not.toExtend<PhysAddr>();
    expectTypeOf<Page>().not.toExtend<Pfn>();
    expectTypeOf<Pfn>().not.toExtend<Page>();
  });

  it("a branded value is still a number, and the cast helpers brand", () => {
    expectTypeOf<Pfn>().toExtend<number>();
    expectTypeOf(asPfn(1)).toEqualTypeOf<Pfn>();
    expectTypeOf(asPhys(0x1000)).toEqualTypeOf<PhysAddr>();
    expectTypeOf(asVirt(0xc0001000)).toEqualTypeOf<VirtAddr>();
  });

  it("hw-i386's page-table root (cr3) parameters take a PhysAddr, not a number", () => {
    for (const f of [lookupPte, pte_clear, walk, ptep_test_and_clear_young, ptep_set_wrprotect]) {
      expectTypeOf(f).parameter(1).toEqualTypeOf<PhysAddr>();
    }
    expectTypeOf(set_pte_at).parameter(1).toEqualTypeOf<PhysAddr>();
    expectTypeOf(set_pmd).parameter(1).toEqualTypeOf<PhysAddr>();
    expectTypeOf(peek).parameter(1).toEqualTypeOf<PhysAddr>();
    expectTypeOf(write_cr3).parameter(1).toEqualTypeOf<PhysAddr>();
    expectTypeOf(read_cr3).returns.toEqualTypeOf<PhysAddr>();
    expectTypeOf<Cpu["cr3"]>().toEqualTypeOf<PhysAddr>();
    const cr3 = asPhys(0x9000);
    lookupPte(m, cr3, 0x08048000);
    // @ts-expect-error: a number is not a PhysAddr
    lookupPte(m, 0x9000, 0x08048000);
    // @ts-expect-error: a number is not a PhysAddr
    set_pte_at(m, 0x9000, 0x08048000, 0);
    // @ts-expect-error: a number is not a PhysAddr
    walk(m, 0x9000, 0x08048000);
    // @ts-expect-error: a number is not a PhysAddr
    peek(m, 0x9000, 0x08048000);
    // @ts-expect-error: a number is not a PhysAddr
    write_cr3(cpu, 0x9000);
    // @ts-expect-error: a number is not a PhysAddr
    cpu.load_cr3(0x9000);
    // @ts-expect-error: a number is not a PhysAddr
    cpu.cr3 = 0x9000;
    // @ts-expect-error: a VirtAddr is not a PhysAddr either
    write_cr3(cpu, asVirt(0xc0009000));
    write_cr3(cpu, cr3);
  });

  it("PhysicalMemory's frame parameters take a Pfn, not a number or a Page", () => {
    expectTypeOf(ram.zeroFrame).parameter(0).toEqualTypeOf<Pfn>();
    expectTypeOf(ram.copyFrame).parameters.toEqualTypeOf<[Pfn, Pfn]>();
    expectTypeOf(ram.isBacked).parameter(0).toEqualTypeOf<Pfn>();
    expectTypeOf(PhysicalMemory.frameAddr).parameter(0).toEqualTypeOf<Pfn>();
    ram.zeroFrame(asPfn(6));
    // @ts-expect-error: a number is not a Pfn
    ram.zeroFrame(6);
    // @ts-expect-error: a number is not a Pfn
    ram.copyFrame(asPfn(7), 6);
    // @ts-expect-error: a number is not a Pfn
    ram.isBacked(6);
    // @ts-expect-error: a Page is not a Pfn (page_to_pfn converts)
    PhysicalMemory.frameAddr(0 as Page);
  });
});
