/*
 * Bad arguments that used to go through and leave a machine the whole-machine check rejects (the
 * scenario language's bad-input table listed them as KNOWN): each is now refused with nothing
 * changed, or recorded so that the check knows who holds what, or accepted by a checker that
 * agrees with 2.6.11. The whole-machine check runs after each.
 */
import {
  GeneralProtectionError,
  MachineCheckError,
  ModelCheckError,
  set_in_cr4,
  write_cr3,
  X86_CR4_PAE,
} from "@i386mm/hw-i386";
import { GFP_KERNEL } from "@i386mm/page-alloc";
import { PageCacheError } from "@i386mm/page-cache";
import { describe, expect, it } from "vitest";
import { boot } from "../src/boot.js";
import { machineHash } from "../src/hash.js";
import { kernelProblems } from "../src/invariants.js";

const MiB = 2 ** 20;

describe("bad arguments: refused, recorded, or agreed with 2.6.11", () => {
  const k = boot({ mem: 16 * MiB });
  const hash = () => machineHash(k, { printk: false });

  it("alloc_pages & co. through the direct record: a gfp_mask or order that is no unsigned int gets NULL", () => {
    const h = hash();
    for (const bad of [Number.NaN, -1, 1.5, 2 ** 32, "12" as unknown as number]) {
      expect(k.direct.alloc_pages(GFP_KERNEL, bad)).toBeNull();
      expect(k.direct.alloc_pages(bad, 0)).toBeNull();
      expect(k.direct.__get_free_pages(bad, 0)).toBe(0);
      expect(k.direct.alloc_pages_node(0, bad, 0)).toBeNull();
    }
    expect(hash()).toBe(h);
  });

  it("alloc_pages_node goes through the direct record: its page has an owner", () => {
    const p = k.direct.alloc_pages_node(0, GFP_KERNEL, 1)!;
    expect(p).not.toBeNull();
    expect(k.direct.orderOf(p)).toBe(1);
    expect(kernelProblems(k)).toEqual([]);
    k.direct.__free_pages(p, 1);
    expect(kernelProblems(k)).toEqual([]);
  });

  it("buffer heads a caller holds are recorded, not leaked; a block size that is no block size is refused", () => {
    const bh = k.directBuffers.alloc_buffer_head(GFP_KERNEL)!;
    const page = k.direct.alloc_page(GFP_KERNEL)!;
    const chain = k.directBuffers.alloc_page_buffers(page, 1024)!;
    expect(kernelProblems(k)).toEqual([]);
    expect(k.directBuffers.count).toBe(5);
    const h = hash();
    for (const size of [0, -1, 1000, 8192, Number.NaN])
      expect(() => k.pc.alloc_page_buffers(page, size)).toThrow(ModelCheckError);
    expect(() => k.pc.create_empty_buffers(page, 0, 0)).toThrow(/block size 0/);
    expect(hash()).toBe(h);
    for (let b: typeof chain | null = chain; b !== null; ) {
      const next: typeof chain | null = b.b_this_page;
      k.directBuffers.free_buffer_head(b);
      b = next;
    }
    k.directBuffers.free_buffer_head(bh);
    k.direct.__free_page(page);
    expect(k.directBuffers.count).toBe(0);
    expect(kernelProblems(k)).toEqual([]);
  });

  it("alloc_super with no file system type is an oops at sget's first use of it, nothing allocated", () => {
    const h = hash();
    for (const bad of [undefined, 0, "ext2", { type: null }, { type: 7 }])
      expect(() => k.pc.alloc_super(bad as never)).toThrow(PageCacheError);
    expect(hash()).toBe(h);
    expect(kernelProblems(k)).toEqual([]);
  });

  it("get_vm_area of a size whose guard page wraps (2.6.11: a 4095-byte area) passes the slab checker", () => {
    const area = k.slab.get_vm_area(0xffffffff, 0)!;
    expect(area).not.toBeNull();
    expect(area.size).toBe(4095);
    expect(kernelProblems(k)).toEqual([]);
    k.slab.remove_vm_area(area.addr);
    expect(kernelProblems(k)).toEqual([]);
  });

  it("write_cr3 of no page-directory address and set_in_cr4 with reserved bits or a PAE flip are refused, CR3/CR4 unchanged", () => {
    const cpu = k.machine.cpus[0]!;
    const { cr3, cr4 } = cpu;
    expect(() => write_cr3(cpu, 0xffffffff as never)).toThrow(ModelCheckError);
    expect(() => write_cr3(cpu, 0x1000000000 as never)).toThrow(ModelCheckError);
    expect(() => write_cr3(cpu, 0x7fff000 as never)).toThrow(MachineCheckError); // beyond 16M of RAM
    expect(() => set_in_cr4(cpu, 0xffffffff)).toThrow(GeneralProtectionError);
    expect(() => set_in_cr4(cpu, X86_CR4_PAE)).toThrow(ModelCheckError);
    expect([cpu.cr3, cpu.cr4]).toEqual([cr3, cr4]);
    write_cr3(cpu, cr3); // a reload is fine: a TLB flush
    expect(kernelProblems(k)).toEqual([]);
  });
});
