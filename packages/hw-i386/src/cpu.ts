/*
 * cpu.ts — one simulated processor: control registers, EFER, feature flags, its TLB and the
 * per-CPU preempt_count (include/asm-i386/processor.h, tlbflush.h, include/linux/hardirq.h,
 * preempt.h; Intel SDM vol. 3 §2.5, §4.10.4). Register writes have their hardware side effects:
 * a CR3 load flushes non-global TLB entries (and under PAE loads the 4 PDPTE registers, raising
 * #GP on reserved bits); changing CR4.PGE/PSE/PAE or CR0.PG flushes everything.
 * Invariants: preempt_count >= 0 and keeps 2.6.11's layout (PREEMPT 0xff, SOFTIRQ 0xff00,
 * HARDIRQ 0x0fff0000, PREEMPT_ACTIVE 0x10000000); validation happens before any mutation.
 */

import { GeneralProtectionError, KernelBugError, MachineCheckError, ModelCheckError } from "./errors.js";
import { paeEntry } from "./paging.js";
import type { PhysicalMemory } from "./ram.js";
import { Tlb } from "./tlb.js";
import type { PhysAddr } from "./types.js";

/** CPUID features the model honours. */
export interface CpuFeatures {
  /** 4 MiB pages (CR4.PSE). */
  pse: boolean;
  /** Physical Address Extension. */
  pae: boolean;
  /** Global pages (CR4.PGE). */
  pge: boolean;
  /** Execute-disable (EFER.NXE, PAE only). */
  nx: boolean;
  /** The invlpg instruction (486+); without it __flush_tlb_one flushes everything. */
  invlpg: boolean;
}
/** QEMU's `qemu32` CPU, as in the oracle: PSE, PAE, PGE, invlpg, no NX. */
export const DEFAULT_CPU_FEATURES: Readonly<CpuFeatures> = Object.freeze({
  pse: true,
  pae: true,
  pge: true,
  nx: false,
  invlpg: true,
});

/** Protection Enable. */
export const X86_CR0_PE = 0x00000001;
/** Monitor coprocessor. */
export const X86_CR0_MP = 0x00000002;
/** Extension type: hard-wired to 1 on 486 and later. */
export const X86_CR0_ET = 0x00000010;
/** Numeric error. */
export const X86_CR0_NE = 0x00000020;
/** Write Protect: supervisor writes honour RW. */
export const X86_CR0_WP = 0x00010000;
/** Alignment mask. */
export const X86_CR0_AM = 0x00040000;
/** Paging. */
export const X86_CR0_PG = 0x80000000;
/** Page Size Extension (4 MiB pages without PAE). */
export const X86_CR4_PSE = 0x0010;
/** Physical Address Extension. */
export const X86_CR4_PAE = 0x0020;
/** Page Global Enable. */
export const X86_CR4_PGE = 0x0080;
/** The CR4 bits a CPU of 2.6.11's time defines (VME .. OSXMMEXCPT, bits 0-10); the rest are reserved. */
export const X86_CR4_DEFINED = 0x07ff;
/** EFER.NXE (bit 11): enables the NX bit. */
export const EFER_NX = 1 << 11;

/** CR0 after head.S on a 486+: PE|MP|ET|NE|WP|AM|PG = 0x80050033 (head.S keeps PG/ET/PE, ORs in 0x50022). */
export const CR0_AFTER_HEAD_S =
  (X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | X86_CR0_PG) >>> 0;

/** Bits of preempt_count (include/linux/hardirq.h, 2.6.11). */
export const PREEMPT_BITS = 8;
/** Softirq nesting bits. */
export const SOFTIRQ_BITS = 8;
/** Hardirq nesting bits. */
export const HARDIRQ_BITS = 12;
/** Shift of the preempt-disable count. */
export const PREEMPT_SHIFT = 0;
/** Shift of the softirq count (8). */
export const SOFTIRQ_SHIFT = PREEMPT_SHIFT + PREEMPT_BITS;
/** Shift of the hardirq count (16). */
export const HARDIRQ_SHIFT = SOFTIRQ_SHIFT + SOFTIRQ_BITS;
/** 0x000000ff. */
export const PREEMPT_MASK = ((1 << PREEMPT_BITS) - 1) << PREEMPT_SHIFT;
/** 0x0000ff00. */
export const SOFTIRQ_MASK = ((1 << SOFTIRQ_BITS) - 1) << SOFTIRQ_SHIFT;
/** 0x0fff0000. */
export const HARDIRQ_MASK = ((1 << HARDIRQ_BITS) - 1) << HARDIRQ_SHIFT;
/** One preempt_disable. */
export const PREEMPT_OFFSET = 1 << PREEMPT_SHIFT;
/** One local_bh_disable. */
export const SOFTIRQ_OFFSET = 1 << SOFTIRQ_SHIFT;
/** One irq_enter. */
export const HARDIRQ_OFFSET = 1 << HARDIRQ_SHIFT;
/** include/asm-i386/thread_info.h. */
export const PREEMPT_ACTIVE = 0x10000000;

/** One processor. Registers are accessors so that writing them does what the hardware does. */
export class Cpu {
  /** Index in machine.cpus (smp_processor_id when current). */
  readonly id: number;
  /** CPUID features. */
  readonly features: Readonly<CpuFeatures>;
  /** This CPU's TLB. */
  readonly tlb: Tlb;
  /** Page-fault linear address, written by the MMU on a fault. */
  cr2 = 0;
  /** Error code of the last page fault (what the CPU pushes for vector 14). */
  last_error_code = 0;
  /** IA32_EFER (only NXE modelled). */
  efer = 0;
  /** include/linux/preempt.h counter, 2.6.11 bit layout. */
  preempt_count = 0;
  /** PAE PDPTE registers loaded at the last CR3 write (JS entry format). */
  readonly pdpte = [0, 0, 0, 0];
  private _cr0 = 0;
  private _cr3 = 0;
  private _cr4 = 0;
  private readonly ram: PhysicalMemory;

  constructor(id: number, ram: PhysicalMemory, features: Readonly<CpuFeatures>) {
    this.id = id;
    this.ram = ram;
    this.features = features;
    this.tlb = new Tlb(22);
  }

  /**
   * Set the registers as head.S leaves them, without the side effects of a MOV (the TLB is empty
   * and the PDPTEs are loaded by the first CR3 write). For Machine construction.
   */
  initRegisters(cr0: number, cr4: number, efer: number): void {
    this._cr0 = cr0 >>> 0;
    this._cr4 = cr4 >>> 0;
    this.efer = efer;
    this.tlb.largeShift = (cr4 & X86_CR4_PAE) !== 0 ? 21 : 22;
  }

  /**
   * CR0. Changing PG flushes the whole TLB; turning PG on with CR4.PAE set loads the PDPTEs from
   * CR3 first (#GP, CR0 unchanged, on reserved bits).
   */
  get cr0(): number {
    return this._cr0;
  }
  set cr0(v: number) {
    const nv = v >>> 0;
    const changed = (this._cr0 ^ nv) & X86_CR0_PG;
    const pdptes =
      changed !== 0 && (nv & X86_CR0_PG) !== 0 && this.paeMode
        ? this.#readPdptes(this._cr3, "write_cr0")
        : null;
    this._cr0 = nv;
    if (pdptes !== null) for (let i = 0; i < 4; i++) this.pdpte[i] = pdptes[i]!;
    if (changed !== 0) this.tlb.flushAll();
  }

  /** CR3 (page-directory base); a write is write_cr3: see {@link Cpu.load_cr3}. */
  get cr3(): PhysAddr {
    return this._cr3 as PhysAddr;
  }
  set cr3(pa: PhysAddr) {
    this.load_cr3(pa);
  }

  /**
   * CR4. Setting a feature the CPU lacks is #GP. Changing PSE, PAE or PGE flushes the whole TLB,
   * global entries included, and with PAE paging in use reloads the PDPTEs (SDM §4.4.1).
   */
  get cr4(): number {
    return this._cr4;
  }
  set cr4(v: number) {
    const nv = v >>> 0;
    if ((nv & ~X86_CR4_DEFINED) !== 0)
      throw new GeneralProtectionError("write_cr4", undefined, "a reserved CR4 bit set", { value: nv });
    if (((nv ^ this._cr4) & X86_CR4_PAE) !== 0 && this.paging)
      throw new ModelCheckError(
        "write_cr4",
        undefined,
        `CR4.PAE ${nv & X86_CR4_PAE ? "set" : "cleared"} with paging on: the kernel's page tables are in the other format`,
        "switch the MMU to the other paging mode at once and fault on the next translation",
        false,
      );
    if ((nv & X86_CR4_PAE) !== 0 && !this.features.pae)
      throw new GeneralProtectionError("write_cr4", undefined, "CR4.PAE set on a CPU without PAE", {
        value: nv,
      });
    if ((nv & X86_CR4_PSE) !== 0 && !this.features.pse)
      throw new GeneralProtectionError("write_cr4", undefined, "CR4.PSE set on a CPU without PSE", {
        value: nv,
      });
    if ((nv & X86_CR4_PGE) !== 0 && !this.features.pge)
      throw new GeneralProtectionError("write_cr4", undefined, "CR4.PGE set on a CPU without PGE", {
        value: nv,
      });
    const changed = (this._cr4 ^ nv) & (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE);
    const pdptes =
      changed !== 0 && (nv & X86_CR4_PAE) !== 0 && this.paging
        ? this.#readPdptes(this._cr3, "write_cr4")
        : null;
    this._cr4 = nv;
    if (pdptes !== null) for (let i = 0; i < 4; i++) this.pdpte[i] = pdptes[i]!;
    if (changed !== 0) this.tlb.flushAll();
    this.tlb.largeShift = (nv & X86_CR4_PAE) !== 0 ? 21 : 22;
  }

  /** Paging on (CR0.PG). */
  get paging(): boolean {
    return (this._cr0 & X86_CR0_PG) !== 0;
  }
  /** PAE format in use (CR4.PAE). */
  get paeMode(): boolean {
    return (this._cr4 & X86_CR4_PAE) !== 0;
  }
  /** NX honoured: PAE and EFER.NXE. */
  get nxe(): boolean {
    return (this._cr4 & X86_CR4_PAE) !== 0 && (this.efer & EFER_NX) !== 0;
  }

  /**
   * mov %eax, %cr3: with PAE paging in use first load the 4 PDPTEs from the 32-byte-aligned table
   * (#GP, nothing changed, if a present one has reserved bits set: 1-2, 5-8, 36-63), then flush
   * the non-global TLB entries.
   */
  load_cr3(pa: PhysAddr): void {
    const v = pa >>> 0;
    // The model's check: CR3 holds a page-directory frame (with PAE a 32-byte-aligned PDPT) below
    // 4G, as every 2.6.11 write does (__pa of a pgd). Low bits the CPU would take as PWT/PCD or
    // ignore, or a value no 32-bit register holds, are refused with nothing changed.
    const table = this.paeMode ? 32 : 4096;
    if (v !== pa || v % table !== 0)
      throw new ModelCheckError(
        "load_cr3",
        undefined,
        `CR3 ${Number.isInteger(pa) ? `0x${(pa as number).toString(16)}` : String(pa)} is no ${this.paeMode ? "32-byte-aligned PDPT" : "page-directory frame"} address below 4G`,
        "load it and walk garbage at the next translation",
        false,
      );
    // A table beyond RAM (or in a hole): the first walk through it is a bus error. Refused now.
    if (!this.ram.exists(v, table))
      throw new MachineCheckError("load_cr3", v, "the page directory is beyond RAM or in a memory-map hole");
    const pdptes = this.paeMode && this.paging ? this.#readPdptes(v, "load_cr3") : null;
    if (pdptes !== null) for (let i = 0; i < 4; i++) this.pdpte[i] = pdptes[i]!;
    this._cr3 = v;
    this.tlb.flushNonGlobal();
  }

  /** Read and check the 4 PDPTEs at `cr3` (no state change). */
  #readPdptes(cr3: number, call: string): number[] {
    const base = (cr3 & ~0x1f) >>> 0;
    const loaded = [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) {
      const a = base + i * 8;
      const low = this.ram.read32(a);
      const high = this.ram.read32(a + 4);
      if ((low & 1) !== 0 && ((low & 0x1e6) !== 0 || (high & 0xfffffff0) !== 0))
        throw new GeneralProtectionError(call, a, `PDPTE ${i} has reserved bits set`);
      loaded[i] = paeEntry(low, high);
    }
    return loaded;
  }
}

/** write_cr3 (include/asm-i386/processor.h): load CR3, flushing non-global TLB entries. */
export function write_cr3(cpu: Cpu, pa: PhysAddr): void {
  cpu.load_cr3(pa);
}
/** read_cr3. */
export function read_cr3(cpu: Cpu): PhysAddr {
  return cpu.cr3;
}
/** set_in_cr4: OR bits into CR4 (mmu_cr4_features). */
export function set_in_cr4(cpu: Cpu, mask: number): void {
  cpu.cr4 = cpu.cr4 | mask;
}
/** clear_in_cr4: clear CR4 bits. */
export function clear_in_cr4(cpu: Cpu, mask: number): void {
  cpu.cr4 = cpu.cr4 & ~mask;
}
/** __flush_tlb: reload CR3 (non-global entries only). */
export function __flush_tlb(cpu: Cpu): void {
  cpu.load_cr3(cpu.cr3);
}
/** __flush_tlb_global: clear CR4.PGE, reload CR3, restore CR4 — global entries go too. */
export function __flush_tlb_global(cpu: Cpu): void {
  const cr4 = cpu.cr4;
  cpu.cr4 = cr4 & ~X86_CR4_PGE;
  cpu.load_cr3(cpu.cr3);
  cpu.cr4 = cr4;
}
/** __flush_tlb_all: the global variant when the CPU has PGE, else __flush_tlb. */
export function __flush_tlb_all(cpu: Cpu): void {
  if (cpu.features.pge) __flush_tlb_global(cpu);
  else __flush_tlb(cpu);
}
/** __flush_tlb_one / __flush_tlb_single: invlpg, or a full reload on a CPU without invlpg (386). */
export function __flush_tlb_one(cpu: Cpu, va: number): void {
  if (cpu.features.invlpg) cpu.tlb.invlpg(va >>> 0);
  else __flush_tlb(cpu);
}

/** Hard and soft interrupt nesting (irq_count). */
export function irq_count(cpu: Cpu): number {
  return cpu.preempt_count & (HARDIRQ_MASK | SOFTIRQ_MASK);
}
/** In hard or soft interrupt context. */
export function in_interrupt(cpu: Cpu): boolean {
  return irq_count(cpu) !== 0;
}
/** In hard interrupt context. */
export function in_irq(cpu: Cpu): boolean {
  return (cpu.preempt_count & HARDIRQ_MASK) !== 0;
}
/** In softirq context. */
export function in_softirq(cpu: Cpu): boolean {
  return (cpu.preempt_count & SOFTIRQ_MASK) !== 0;
}
/** Cannot sleep: any preempt/irq count (no BKL modelled). */
export function in_atomic(cpu: Cpu): boolean {
  return (cpu.preempt_count & ~PREEMPT_ACTIVE) !== 0;
}
function sub_preempt_count(cpu: Cpu, val: number, mask: number, call: string): void {
  if ((cpu.preempt_count & mask) < val)
    throw new KernelBugError(
      call,
      undefined,
      `preempt_count underflow on CPU ${cpu.id} (0x${cpu.preempt_count.toString(16)})`,
    );
  cpu.preempt_count -= val;
}
/** inc_preempt_count / preempt_disable. */
export function preempt_disable(cpu: Cpu): void {
  cpu.preempt_count += PREEMPT_OFFSET;
}
/** dec_preempt_count / preempt_enable (no resched modelled). Throws on underflow. */
export function preempt_enable(cpu: Cpu): void {
  sub_preempt_count(cpu, PREEMPT_OFFSET, PREEMPT_MASK, "preempt_enable");
}
/** irq_enter: add HARDIRQ_OFFSET. */
export function irq_enter(cpu: Cpu): void {
  cpu.preempt_count += HARDIRQ_OFFSET;
}
/** irq_exit: subtract HARDIRQ_OFFSET (softirq processing not modelled). Throws on underflow. */
export function irq_exit(cpu: Cpu): void {
  sub_preempt_count(cpu, HARDIRQ_OFFSET, HARDIRQ_MASK, "irq_exit");
}
/** local_bh_disable: add SOFTIRQ_OFFSET. */
export function local_bh_disable(cpu: Cpu): void {
  cpu.preempt_count += SOFTIRQ_OFFSET;
}
/** local_bh_enable: subtract SOFTIRQ_OFFSET. Throws on underflow. */
export function local_bh_enable(cpu: Cpu): void {
  sub_preempt_count(cpu, SOFTIRQ_OFFSET, SOFTIRQ_MASK, "local_bh_enable");
}
