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
import { __flush_tlb_all, X86_CR0_WP, X86_CR4_PAE, X86_CR4_PGE, X86_CR4_PSE } from "./cpu.js";
import type { Machine } from "./machine.js";
import { PAGE_SIZE } from "./page.js";
import { paeEntry } from "./paging.js";
import type { PhysicalMemory } from "./ram.js";
import {
  TLB_DIRTY,
  TLB_EXEC,
  TLB_GLOBAL,
  TLB_LARGE,
  TLB_USER,
  TLB_VALID,
  TLB_WRITE,
  type Tlb,
} from "./tlb.js";
import type { PhysAddr } from "./types.js";

// Hot-path aliases, read once at load: a module transform (the test runner's) turns every use of
// an imported binding into a property load, which the TLB-hit path cannot afford.
const CR0_WP = X86_CR0_WP;
const CR4_PAE = X86_CR4_PAE;
const CR4_PSE = X86_CR4_PSE;
const CR4_PGE = X86_CR4_PGE;
const F_VALID = TLB_VALID;
const F_WRITE = TLB_WRITE;
const F_USER = TLB_USER;
const F_EXEC = TLB_EXEC;
const F_DIRTY = TLB_DIRTY;
const F_GLOBAL = TLB_GLOBAL;
const F_LARGE = TLB_LARGE;

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
  /** The faulting linear address (what CR2 holds). */
  cr2: number;
  /** The error code pushed for vector 14: PF_PROT | PF_WRITE | PF_USER | PF_RSVD | PF_INSTR bits. */
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
      F_VALID | (user ? F_USER : 0) | (write ? F_DIRTY | (wpOrUser ? F_WRITE : 0) : 0) | (fetch ? F_EXEC : 0);
  }
  return t;
})();

/** Encode an Access object as error-code-style bits. */
export function accessBits(access: Access | undefined): number {
  if (access === undefined) return 0;
  return (access.write ? PF_WRITE : 0) | (access.user ? PF_USER : 0) | (access.fetch ? PF_INSTR : 0);
}

const TWO32 = 2 ** 32;

/** Walk options, as bits: which registers are on and whether to commit A/D bits and fill a TLB. */
const W_PAE = 1;
const W_PSE = 2;
const W_NXE = 4;
const W_WP = 8;
const W_PGE = 16;
/** Read the PDPTEs from RAM (peek) instead of the CPU's PDPTE registers. */
const W_PDPTE_RAM = 32;

/**
 * The page walk. Returns the physical address, or `-1 - error_code` on a fault. Upper-level A
 * bits are set as entries are used; the leaf's A (and D on a write) only when the access is
 * allowed. With a `tlb` (a real access) A/D bits are written and the TLB is filled; without
 * (peek) nothing is written.
 */
function hwWalk(
  ram: PhysicalMemory,
  tlb: Tlb | null,
  cr3: number,
  pdptes: readonly number[],
  mode: number,
  linear: number,
  acc: number,
): number {
  const user = (acc & PF_USER) !== 0;
  const write = (acc & PF_WRITE) !== 0;
  const fetch = (acc & PF_INSTR) !== 0;
  const nxe = (mode & W_NXE) !== 0;
  const base = (acc & (PF_WRITE | PF_USER)) | (fetch && nxe ? PF_INSTR : 0);
  const commit = tlb !== null;
  let rw = true;
  let us = true;
  let nx = false;
  let leafAddr: number;
  let leafLow: number;
  let frame: number;
  let large = false;
  if ((mode & W_PAE) === 0) {
    const pdeAddr = ((cr3 & 0xfffff000) >>> 0) + (linear >>> 22) * 4;
    const pde = ram.frameWords(pdeAddr)[(pdeAddr & 0xfff) >>> 2]!;
    if ((pde & 1) === 0) return -1 - base;
    if ((pde & 0x80) !== 0 && (mode & W_PSE) !== 0) {
      if ((pde & 0x3fe000) !== 0) return -1 - (base | PF_PROT | PF_RSVD);
      large = true;
      leafAddr = pdeAddr;
      leafLow = pde;
      frame = ((pde & 0xffc00000) >>> 0) + (linear & 0x3ff000);
    } else {
      rw = (pde & 2) !== 0;
      us = (pde & 4) !== 0;
      leafAddr = ((pde & 0xfffff000) >>> 0) + ((linear >>> 12) & 1023) * 4;
      // read the pte before setting A in the pde: a table outside RAM machine-checks with nothing written
      leafLow = ram.frameWords(leafAddr)[(leafAddr & 0xfff) >>> 2]!;
      if (commit && (pde & 0x20) === 0) ram.write32(pdeAddr, pde | 0x20);
      if ((leafLow & 1) === 0) return -1 - base;
      frame = (leafLow & 0xfffff000) >>> 0;
    }
  } else {
    const rsvdHigh = nxe ? 0x7ffffff0 : 0xfffffff0;
    const gi = linear >>> 30;
    let pdpte: number;
    if ((mode & W_PDPTE_RAM) === 0) pdpte = pdptes[gi]!;
    else {
      const a = ((cr3 & 0xffffffe0) >>> 0) + gi * 8;
      const lo = ram.read32(a);
      const hi = ram.read32(a + 4);
      if ((lo & 1) !== 0 && ((lo & 0x1e6) !== 0 || (hi & 0xfffffff0) !== 0))
        return -1 - (base | PF_PROT | PF_RSVD);
      pdpte = paeEntry(lo, hi);
    }
    if ((pdpte & 1) === 0) return -1 - base;
    const pmdTable =
      ((pdpte & 0xfffff000) >>> 0) + (pdpte >= TWO32 ? (Math.floor(pdpte / TWO32) & 0xf) * TWO32 : 0);
    const pdeAddr = pmdTable + ((linear >>> 21) & 511) * 8;
    const pmd = ram.frameWords(pdeAddr);
    const pdeLow = pmd[(pdeAddr & 0xfff) >>> 2]!;
    if ((pdeLow & 1) === 0) return -1 - base;
    const pdeHigh = pmd[((pdeAddr & 0xfff) >>> 2) + 1]!;
    if ((pdeHigh & rsvdHigh) !== 0) return -1 - (base | PF_PROT | PF_RSVD);
    nx = pdeHigh >= 0x80000000;
    if ((pdeLow & 0x80) !== 0) {
      if ((pdeLow & 0x1fe000) !== 0) return -1 - (base | PF_PROT | PF_RSVD);
      large = true;
      leafAddr = pdeAddr;
      leafLow = pdeLow;
      frame = ((pdeLow & 0xffe00000) >>> 0) + (pdeHigh & 0xf) * TWO32 + (linear & 0x1ff000);
    } else {
      rw = (pdeLow & 2) !== 0;
      us = (pdeLow & 4) !== 0;
      leafAddr = (pdeHigh & 0xf) * TWO32 + ((pdeLow & 0xfffff000) >>> 0) + ((linear >>> 12) & 511) * 8;
      const pt = ram.frameWords(leafAddr); // before A in the pde, as above
      if (commit && (pdeLow & 0x20) === 0) ram.write32(pdeAddr, pdeLow | 0x20);
      leafLow = pt[(leafAddr & 0xfff) >>> 2]!;
      if ((leafLow & 1) === 0) return -1 - base;
      const pteHigh = pt[((leafAddr & 0xfff) >>> 2) + 1]!;
      if ((pteHigh & rsvdHigh) !== 0) return -1 - (base | PF_PROT | PF_RSVD);
      if (pteHigh >= 0x80000000) nx = true;
      frame = ((leafLow & 0xfffff000) >>> 0) + (pteHigh & 0xf) * TWO32;
    }
  }
  rw = rw && (leafLow & 2) !== 0;
  us = us && (leafLow & 4) !== 0;
  const exec = !(nx && nxe);
  if (user && !us) return -1 - (base | PF_PROT);
  if (write && !rw && (user || (mode & W_WP) !== 0)) return -1 - (base | PF_PROT);
  if (fetch && !exec) return -1 - (base | PF_PROT);
  if (tlb !== null) {
    let newLow = leafLow | 0x20;
    if (write) newLow |= 0x40;
    if (newLow !== leafLow) ram.write32(leafAddr, newLow);
    const global = (leafLow & 0x100) !== 0 && (mode & W_PGE) !== 0;
    tlb.fill(
      linear >>> 12,
      frame / PAGE_SIZE,
      (rw ? F_WRITE : 0) |
        (us ? F_USER : 0) |
        (exec ? F_EXEC : 0) |
        ((newLow & 0x40) !== 0 ? F_DIRTY : 0) |
        (global ? F_GLOBAL : 0) |
        (large ? F_LARGE : 0),
    );
  }
  return frame + (linear & 0xfff);
}

/** The walk-mode bits for a CPU's current registers. */
function modeOf(cpu: Cpu): number {
  const cr4 = cpu.cr4;
  return (
    ((cr4 & CR4_PAE) !== 0 ? W_PAE : 0) |
    ((cr4 & CR4_PSE) !== 0 ? W_PSE : 0) |
    (cpu.nxe ? W_NXE : 0) |
    ((cpu.cr0 & CR0_WP) !== 0 ? W_WP : 0) |
    ((cr4 & CR4_PGE) !== 0 ? W_PGE : 0)
  );
}

/**
 * The MMU, low level: translate `linear` for an access given as PF_WRITE|PF_USER|PF_INSTR bits.
 * Returns the physical address, or -1 after a page fault (then cpu.cr2 and cpu.last_error_code
 * hold the fault). TLB hits cost one array read; misses walk RAM and fill the TLB.
 */
export function translate_raw(machine: Machine, cpu: Cpu, linear: number, acc: number): number {
  // Hit path. With paging off the TLB is always empty (a CR0.PG change flushes it and nothing
  // fills it), so the paging check can wait for the slow path.
  const tlb = cpu.tlb;
  const e = tlb.entries[linear >>> 12]!;
  const need = NEED[acc | ((cpu.cr0 & CR0_WP) >>> 11)]!; // CR0.WP (bit 16) → index bit 5
  if ((e & need) === need) {
    tlb.hits++;
    return (e >>> 8) * PAGE_SIZE + (linear & 0xfff);
  }
  return translateSlow(machine, cpu, linear >>> 0, acc);
}

function translateSlow(machine: Machine, cpu: Cpu, linear: number, acc: number): number {
  if (!cpu.paging) return linear;
  const tlb = cpu.tlb;
  const r = hwWalk(machine.ram, tlb, cpu.cr3, cpu.pdpte, modeOf(cpu), linear, acc);
  tlb.misses++; // after the walk: a machine check inside it leaves the counters as they were
  if (r < 0) {
    tlb.drop(linear >>> 12);
    cpu.cr2 = linear;
    cpu.last_error_code = -1 - r;
    return -1;
  }
  return r;
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
export function peek(machine: Machine, cr3: PhysAddr, linear: number, access?: Access): TranslateResult {
  const cpu = machine.cpus[machine.current]!;
  // the kernel's paging mode decides the format; large pages always honoured under PAE
  const mode = (modeOf(cpu) & ~W_PAE) | W_PDPTE_RAM | (machine.pae ? W_PAE | W_PSE : 0);
  const r = hwWalk(machine.ram, null, cr3 >>> 0, cpu.pdpte, mode, linear >>> 0, accessBits(access));
  if (r < 0) return { fault: { cr2: linear >>> 0, error_code: -1 - r } };
  return { phys: r as PhysAddr };
}

/** flush_tlb_all: every CPU flushes everything, global entries included (the IPI is implied). */
export function flush_tlb_all(machine: Machine): void {
  for (const cpu of machine.cpus) __flush_tlb_all(cpu);
}

/** flush_tlb_kernel_range: i386 has no ranged flush, so this is flush_tlb_all. */
export function flush_tlb_kernel_range(machine: Machine, _start: number, _end: number): void {
  flush_tlb_all(machine);
}
