/*
 * mmu.ts — the paging unit: linear → physical translation as the hardware performs it
 * (Intel SDM vol. 3 §4.3 32-bit paging, §4.4 PAE paging, §4.6 access rights, §4.7 page-fault
 * error code, §4.8 accessed and dirty flags). Kernel side: arch/i386/mm/fault.c reads the
 * error code and CR2 this produces.
 * Fast path: one TLB array read and a mask test (no allocation). Slow path: walk the tables in
 * RAM, set A in every entry used and D in the leaf on a write, check RW/US/NX/CR0.WP and
 * reserved bits, fill the TLB. A fault is a result (CR2 and the error code are also stored on
 * the Cpu) and, as on hardware, invalidates the TLB entry for the faulting page.
 * Modelled CPU: MAXPHYADDR 36, no PSE-36 (bits 21:13 of a 4 MiB PDE are reserved), no SMEP/SMAP.
 *
 *  error code: 4  3    2   1   0
 *             [I/D|RSVD|U/S|W/R| P ]   P=0 not present, P=1 protection or reserved bit
 */

import type { Cpu } from "./cpu.js";
import { __flush_tlb_all, X86_CR0_WP, X86_CR4_PGE, X86_CR4_PSE } from "./cpu.js";
import type { Machine } from "./machine.js";
import { paeEntry, pte_phys } from "./paging.js";
import type { PhysicalMemory } from "./ram.js";
import { TLB_DIRTY, TLB_EXEC, TLB_GLOBAL, TLB_LARGE, TLB_USER, TLB_VALID, TLB_WRITE } from "./tlb.js";
import type { PhysAddr } from "./types.js";

/** Error-code bit 0: protection violation (0 = page not present). */
export const PF_PROT = 1;
/** Error-code bit 1: the access was a write. */
export const PF_WRITE = 2;
/** Error-code bit 2: the access came from user mode (CPL 3). */
export const PF_USER = 4;
/** Error-code bit 3: a reserved bit was set in a paging entry. */
export const PF_RSVD = 8;
/** Error-code bit 4: instruction fetch (reported only with PAE and EFER.NXE). */
export const PF_INSTR = 16;

/** What kind of access: the same bit values as the error code (PF_WRITE, PF_USER, PF_INSTR). */
export interface Access {
  /** A write (else a read). */
  write?: boolean;
  /** From user mode (CPL 3). */
  user?: boolean;
  /** An instruction fetch. */
  fetch?: boolean;
}
/** A page fault as the CPU delivers it: CR2 and the pushed error code. */
export interface PageFault {
  cr2: number;
  error_code: number;
}
/** Result of {@link translate}/{@link peek}: a physical address or a fault. */
export type TranslateResult = { phys: PhysAddr; fault?: undefined } | { fault: PageFault; phys?: undefined };

/** TLB flags an access needs, by (access bits | 32 when CR0.WP or user). Built once, never written. */
const NEED: Int32Array = (() => {
  const t = new Int32Array(64);
  for (let i = 0; i < 64; i++) {
    const write = (i & PF_WRITE) !== 0;
    const user = (i & PF_USER) !== 0;
    const fetch = (i & PF_INSTR) !== 0;
    const wpOrUser = (i & 32) !== 0 || user;
    t[i] =
      TLB_VALID |
      (user ? TLB_USER : 0) |
      (write ? TLB_DIRTY | (wpOrUser ? TLB_WRITE : 0) : 0) |
      (fetch ? TLB_EXEC : 0);
  }
  return t;
})();

/** Encode an Access object as error-code-style bits. */
export function accessBits(access: Access | undefined): number {
  if (access === undefined) return 0;
  return (access.write ? PF_WRITE : 0) | (access.user ? PF_USER : 0) | (access.fetch ? PF_INSTR : 0);
}

/** Registers and RAM one walk runs against. */
interface WalkCtx {
  ram: PhysicalMemory;
  pae: boolean;
  pse: boolean;
  nxe: boolean;
  wp: boolean;
  pge: boolean;
  cr3: number;
  /** PAE: the PDPTE registers (cached at CR3 load), or null to read them from RAM (peek). */
  pdpte: number[] | null;
  /** Set A/D bits. */
  commit: boolean;
}

/** Outputs of {@link hwWalk}: filled in place, no allocation. */
interface WalkOut {
  pfn: number;
  tlbFlags: number;
  error_code: number;
}

const TWO32 = 2 ** 32;

function fault(out: WalkOut, code: number): number {
  out.error_code = code;
  return -1;
}

/**
 * The page walk. Returns the physical address, or -1 with out.error_code set. Upper-level A
 * bits are set as entries are used; the leaf's A (and D on a write) only when the access is
 * allowed.
 */
function hwWalk(c: WalkCtx, linear: number, acc: number, out: WalkOut): number {
  const ram = c.ram;
  const user = (acc & PF_USER) !== 0;
  const write = (acc & PF_WRITE) !== 0;
  const fetch = (acc & PF_INSTR) !== 0;
  const base = (acc & (PF_WRITE | PF_USER)) | (fetch && c.nxe ? PF_INSTR : 0);
  let rw = true;
  let us = true;
  let nx = false;
  let leafAddr: number;
  let leafLow: number;
  let frame: number;
  let large = false;
  if (!c.pae) {
    const pdeAddr = ((c.cr3 & 0xfffff000) >>> 0) + (linear >>> 22) * 4;
    const pde = ram.read32(pdeAddr);
    if ((pde & 1) === 0) return fault(out, base);
    if ((pde & 0x80) !== 0 && c.pse) {
      if ((pde & 0x3fe000) !== 0) return fault(out, base | PF_PROT | PF_RSVD);
      large = true;
      leafAddr = pdeAddr;
      leafLow = pde;
      frame = ((pde & 0xffc00000) >>> 0) + (linear & 0x3ff000);
    } else {
      if (c.commit && (pde & 0x20) === 0) ram.write32(pdeAddr, pde | 0x20);
      rw = (pde & 2) !== 0;
      us = (pde & 4) !== 0;
      leafAddr = ((pde & 0xfffff000) >>> 0) + ((linear >>> 12) & 1023) * 4;
      leafLow = ram.read32(leafAddr);
      if ((leafLow & 1) === 0) return fault(out, base);
      frame = (leafLow & 0xfffff000) >>> 0;
    }
  } else {
    const rsvdHigh = c.nxe ? 0x7ffffff0 : 0xfffffff0;
    const gi = linear >>> 30;
    let pdpte: number;
    if (c.pdpte !== null) pdpte = c.pdpte[gi]!;
    else {
      const a = ((c.cr3 & 0xffffffe0) >>> 0) + gi * 8;
      const lo = ram.read32(a);
      const hi = ram.read32(a + 4);
      if ((lo & 1) !== 0 && ((lo & 0x1e6) !== 0 || (hi & 0xfffffff0) !== 0))
        return fault(out, base | PF_PROT | PF_RSVD);
      pdpte = paeEntry(lo, hi);
    }
    if ((pdpte & 1) === 0) return fault(out, base);
    const pmdTable = pte_phys(pdpte);
    const pdeAddr = pmdTable + ((linear >>> 21) & 511) * 8;
    const pdeLow = ram.read32(pdeAddr);
    if ((pdeLow & 1) === 0) return fault(out, base);
    const pdeHigh = ram.read32(pdeAddr + 4);
    if ((pdeHigh & rsvdHigh) !== 0) return fault(out, base | PF_PROT | PF_RSVD);
    nx = pdeHigh >= 0x80000000;
    if ((pdeLow & 0x80) !== 0) {
      if ((pdeLow & 0x1fe000) !== 0) return fault(out, base | PF_PROT | PF_RSVD);
      large = true;
      leafAddr = pdeAddr;
      leafLow = pdeLow;
      frame = ((pdeLow & 0xffe00000) >>> 0) + (pdeHigh & 0xf) * TWO32 + (linear & 0x1ff000);
    } else {
      if (c.commit && (pdeLow & 0x20) === 0) ram.write32(pdeAddr, pdeLow | 0x20);
      rw = (pdeLow & 2) !== 0;
      us = (pdeLow & 4) !== 0;
      leafAddr = (pdeHigh & 0xf) * TWO32 + ((pdeLow & 0xfffff000) >>> 0) + ((linear >>> 12) & 511) * 8;
      leafLow = ram.read32(leafAddr);
      if ((leafLow & 1) === 0) return fault(out, base);
      const pteHigh = ram.read32(leafAddr + 4);
      if ((pteHigh & rsvdHigh) !== 0) return fault(out, base | PF_PROT | PF_RSVD);
      if (pteHigh >= 0x80000000) nx = true;
      frame = ((leafLow & 0xfffff000) >>> 0) + (pteHigh & 0xf) * TWO32;
    }
  }
  rw = rw && (leafLow & 2) !== 0;
  us = us && (leafLow & 4) !== 0;
  const exec = !(nx && c.nxe);
  if (user && !us) return fault(out, base | PF_PROT);
  if (write && !rw && (user || c.wp)) return fault(out, base | PF_PROT);
  if (fetch && !exec) return fault(out, base | PF_PROT);
  const global = (leafLow & 0x100) !== 0 && c.pge;
  let newLow = leafLow | 0x20;
  if (write) newLow |= 0x40;
  if (c.commit && newLow !== leafLow) ram.write32(leafAddr, newLow);
  out.pfn = frame / 4096;
  out.tlbFlags =
    TLB_VALID |
    (rw ? TLB_WRITE : 0) |
    (us ? TLB_USER : 0) |
    (exec ? TLB_EXEC : 0) |
    ((newLow & 0x40) !== 0 ? TLB_DIRTY : 0) |
    (global ? TLB_GLOBAL : 0) |
    (large ? TLB_LARGE : 0);
  return frame + (linear & 0xfff);
}

/** Per-CPU walk context and output, kept on the CPU object (no module-level state). */
const ctxOf = new WeakMap<Cpu, { ctx: WalkCtx; out: WalkOut }>();
function walkState(machine: Machine, cpu: Cpu): { ctx: WalkCtx; out: WalkOut } {
  let s = ctxOf.get(cpu);
  if (s === undefined) {
    s = {
      ctx: {
        ram: machine.ram,
        pae: false,
        pse: false,
        nxe: false,
        wp: false,
        pge: false,
        cr3: 0,
        pdpte: null,
        commit: true,
      },
      out: { pfn: 0, tlbFlags: 0, error_code: 0 },
    };
    ctxOf.set(cpu, s);
  }
  return s;
}

/**
 * The MMU, low level: translate `linear` for an access given as PF_WRITE|PF_USER|PF_INSTR bits.
 * Returns the physical address, or -1 after a page fault (then cpu.cr2 and cpu.last_error_code
 * hold the fault). TLB hits cost one array read; misses walk RAM and fill the TLB.
 */
export function translate_raw(machine: Machine, cpu: Cpu, linear: number, acc: number): number {
  if (!cpu.paging) return linear >>> 0;
  const vpn = linear >>> 12;
  const tlb = cpu.tlb;
  const e = tlb.entries[vpn]!;
  const need = NEED[acc | ((cpu.cr0 & X86_CR0_WP) !== 0 ? 32 : 0)]!;
  if ((e & need) === need) {
    tlb.hits++;
    return (e >>> 8) * 4096 + (linear & 0xfff);
  }
  return translateSlow(machine, cpu, linear >>> 0, acc);
}

function translateSlow(machine: Machine, cpu: Cpu, linear: number, acc: number): number {
  const tlb = cpu.tlb;
  tlb.misses++;
  const { ctx, out } = walkState(machine, cpu);
  const cr4 = cpu.cr4;
  ctx.pae = cpu.paeMode;
  ctx.pse = (cr4 & X86_CR4_PSE) !== 0;
  ctx.pge = (cr4 & X86_CR4_PGE) !== 0;
  ctx.nxe = cpu.nxe;
  ctx.wp = (cpu.cr0 & X86_CR0_WP) !== 0;
  ctx.cr3 = cpu.cr3;
  ctx.pdpte = cpu.pdpte;
  ctx.commit = true;
  const phys = hwWalk(ctx, linear, acc, out);
  const vpn = linear >>> 12;
  if (phys < 0) {
    tlb.drop(vpn);
    cpu.cr2 = linear;
    cpu.last_error_code = out.error_code;
    return -1;
  }
  tlb.fill(vpn, out.pfn, out.tlbFlags);
  return phys;
}

/**
 * The MMU: translate `linear` on `cpu` for `access` as the hardware does (TLB, walk, A/D bits,
 * RW/US/NX/CR0.WP, reserved bits). A fault is returned (and stored in cpu.cr2 /
 * cpu.last_error_code) rather than thrown.
 */
export function translate(machine: Machine, cpu: Cpu, linear: number, access?: Access): TranslateResult {
  const phys = translate_raw(machine, cpu, linear, accessBits(access));
  if (phys < 0) return { fault: { cr2: cpu.cr2, error_code: cpu.last_error_code } };
  return { phys: phys as PhysAddr };
}

/**
 * Translate without side effects, for views: no TLB lookup or fill, no A/D bits, no CR2. Uses
 * the machine's paging mode, the current CPU's CR0.WP/CR4.PSE/NXE and the PDPTEs in RAM.
 */
export function peek(
  machine: Machine,
  cr3: PhysAddr | number,
  linear: number,
  access?: Access,
): TranslateResult {
  const cpu = machine.cpus[machine.current]!;
  const ctx: WalkCtx = {
    ram: machine.ram,
    pae: machine.pae,
    pse: machine.pae || (cpu.cr4 & X86_CR4_PSE) !== 0,
    nxe: cpu.nxe,
    wp: (cpu.cr0 & X86_CR0_WP) !== 0,
    pge: (cpu.cr4 & X86_CR4_PGE) !== 0,
    cr3: cr3 >>> 0,
    pdpte: null,
    commit: false,
  };
  const out: WalkOut = { pfn: 0, tlbFlags: 0, error_code: 0 };
  const phys = hwWalk(ctx, linear >>> 0, accessBits(access), out);
  if (phys < 0) return { fault: { cr2: linear >>> 0, error_code: out.error_code } };
  return { phys: phys as PhysAddr };
}

/** flush_tlb_all: every CPU flushes everything, global entries included (the IPI is implied). */
export function flush_tlb_all(machine: Machine): void {
  for (const cpu of machine.cpus) __flush_tlb_all(cpu);
}

/** flush_tlb_kernel_range: i386 has no ranged flush, so this is flush_tlb_all. */
export function flush_tlb_kernel_range(machine: Machine, _start: number, _end: number): void {
  flush_tlb_all(machine);
}
