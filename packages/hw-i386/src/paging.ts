/*
 * paging.ts — page-table entry formats and the two paging modes of the i386
 * (include/asm-i386/pgtable.h, pgtable-2level*.h, pgtable-3level*.h; Intel SDM vol. 3 §4.3, §4.4).
 * An entry is a JS number laid out as the hardware entry (flags in bits 0-11, frame address
 * from bit 12, up to bit 35 under PAE) except NX: hardware bit 63 travels as bit 52
 * (_PAGE_NX = 2**52) so every entry is an exact safe integer. RAM holds the true layout;
 * PagingMode.readEntry/writeEntry convert. Helpers are pure and mode-agnostic.
 *
 *  63 62..52 51..36 35........12 11 10 9  8   7   6   5   4   3   2   1   0
 * [NX| rsvd | rsvd | frame addr | avail  | G | PS | D | A |PCD|PWT|U/S|R/W| P ]   PAE (64-bit)
 *                    31.........12  (2-level: 32-bit entry, no NX, no reserved bits in a pte)
 * JS number: bit 52 = NX, bits 0..51 = hardware bits 0..51.
 */

import { PAGE_SIZE } from "./page.js";
import type { PhysicalMemory } from "./ram.js";
import type { Pfn, PhysAddr } from "./types.js";

/** Entry present. */
export const _PAGE_PRESENT = 0x001;
/** Writable. */
export const _PAGE_RW = 0x002;
/** User accessible (U/S). */
export const _PAGE_USER = 0x004;
/** Write-through caching. */
export const _PAGE_PWT = 0x008;
/** Cache disable. */
export const _PAGE_PCD = 0x010;
/** Set by the CPU on any access through the entry. */
export const _PAGE_ACCESSED = 0x020;
/** Set by the CPU on a write (leaf entries only). */
export const _PAGE_DIRTY = 0x040;
/** In a pgd/pmd entry: a 4 MiB (2 MiB under PAE) page. */
export const _PAGE_PSE = 0x080;
/** Global: survives CR3 reloads when CR4.PGE is set. */
export const _PAGE_GLOBAL = 0x100;
/** Software bit 9. */
export const _PAGE_UNUSED1 = 0x200;
/** Software bit 10. */
export const _PAGE_UNUSED2 = 0x400;
/** Software bit 11. */
export const _PAGE_UNUSED3 = 0x800;
/** Software overload when not present: nonlinear file pte. */
export const _PAGE_FILE = 0x040;
/** Software overload when not present: PROT_NONE page. */
export const _PAGE_PROTNONE = 0x080;
/** Execute-disable: hardware bit 63 carried as bit 52 (PAE only; write it on a 2-level machine and it is dropped). */
export const _PAGE_NX = 2 ** 52;

/** P|RW|US|A|D (0x067): a page-table entry in a pgd/pmd. */
export const _PAGE_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
/** P|RW|A|D (0x063): a kernel page-table entry. */
export const _KERNPG_TABLE = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
/** Bits pte_modify keeps: the frame, A and D. */
export const _PAGE_CHG_MASK = 0xfffff000 | _PAGE_ACCESSED | _PAGE_DIRTY;

/** P|RW|D|A (0x063). */
export const _PAGE_KERNEL_EXEC = _PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED;
/** _PAGE_KERNEL_EXEC | NX. */
export const _PAGE_KERNEL = _PAGE_KERNEL_EXEC + _PAGE_NX;

/** Kernel data (with NX; the kernel ORs _PAGE_GLOBAL in when the CPU has PGE — see kernelProt). */
export const PAGE_KERNEL = _PAGE_KERNEL;
/** Kernel text. */
export const PAGE_KERNEL_EXEC = _PAGE_KERNEL_EXEC;
/** Kernel read-only. */
export const PAGE_KERNEL_RO = _PAGE_KERNEL - _PAGE_RW;
/** Kernel uncached (ioremap_nocache, set_fixmap_nocache). */
export const PAGE_KERNEL_NOCACHE = _PAGE_KERNEL + _PAGE_PCD;
/** Kernel large page (direct map with PSE). */
export const PAGE_KERNEL_LARGE = _PAGE_KERNEL + _PAGE_PSE;
/** Kernel large page over kernel text. */
export const PAGE_KERNEL_LARGE_EXEC = _PAGE_KERNEL_EXEC + _PAGE_PSE;
/** PROT_NONE: PROTNONE|ACCESSED, not present to the hardware. */
export const PAGE_NONE = _PAGE_PROTNONE | _PAGE_ACCESSED;
/** Shared writable user page. */
export const PAGE_SHARED = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
/** Shared writable executable user page. */
export const PAGE_SHARED_EXEC = PAGE_SHARED;
/** Private writable (copy-on-write, so read-only in hardware). */
export const PAGE_COPY = (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED) + _PAGE_NX;
/** Private writable executable. */
export const PAGE_COPY_EXEC = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
/** Read-only user page. */
export const PAGE_READONLY = PAGE_COPY;
/** Read-only executable user page. */
export const PAGE_READONLY_EXEC = PAGE_COPY_EXEC;

/** mm/mmap.c protection_map[16], indexed by vm_flags & (VM_READ|VM_WRITE|VM_EXEC|VM_SHARED). */
export const protection_map: readonly number[] = [
  PAGE_NONE,
  PAGE_READONLY,
  PAGE_COPY,
  PAGE_COPY,
  PAGE_READONLY_EXEC,
  PAGE_READONLY_EXEC,
  PAGE_COPY_EXEC,
  PAGE_COPY_EXEC,
  PAGE_NONE,
  PAGE_READONLY,
  PAGE_SHARED,
  PAGE_SHARED,
  PAGE_READONLY_EXEC,
  PAGE_READONLY_EXEC,
  PAGE_SHARED_EXEC,
  PAGE_SHARED_EXEC,
];

const TWO32 = 2 ** 32;

/** Low 12 flag bits plus NX of an entry. */
export function pte_flags(e: number): number {
  return (e & 0xfff) + (e >= _PAGE_NX ? _PAGE_NX : 0);
}
/** Frame number of an entry (bits 12..43, as the kernel's pte_pfn; NX is not part of it). */
export function pte_pfn(e: number): Pfn {
  return (Math.floor(e / PAGE_SIZE) % TWO32) as Pfn;
}
/** Physical address of the frame an entry points at. */
export function pte_phys(e: number): PhysAddr {
  return (pte_pfn(e) * PAGE_SIZE) as PhysAddr;
}
/** Build an entry from a pfn and protection bits (mk_pte / pfn_pte; prot may carry _PAGE_NX). */
export function pfn_pte(pfn: number, prot: number): number {
  return pfn * PAGE_SIZE + pte_flags(prot);
}
/** mk_pte(page, prot): a Page is its pfn. */
export const mk_pte = pfn_pte;
/** pfn_pmd: a pmd entry (with _PAGE_PSE in prot for a large page). */
export const pfn_pmd = pfn_pte;
/** pte_modify: new protection bits, keeping the frame and the A/D bits already set. */
export function pte_modify(pte: number, newprot: number): number {
  const flags = (pte & (_PAGE_ACCESSED | _PAGE_DIRTY)) | (newprot & 0xfff);
  return pte_pfn(pte) * PAGE_SIZE + flags + (newprot >= _PAGE_NX ? _PAGE_NX : 0);
}
/** Hardware present bit, or a PROT_NONE page (present to the kernel, not to the CPU). */
export function pte_present(e: number): boolean {
  return (e & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0;
}
/** Entry is all zero. */
export function pte_none(e: number): boolean {
  return e === 0;
}
/** RW set. */
export function pte_write(e: number): boolean {
  return (e & _PAGE_RW) !== 0;
}
/** D set. */
export function pte_dirty(e: number): boolean {
  return (e & _PAGE_DIRTY) !== 0;
}
/** A set. */
export function pte_young(e: number): boolean {
  return (e & _PAGE_ACCESSED) !== 0;
}
/** US set (i386: readable by user = executable). */
export function pte_user(e: number): boolean {
  return (e & _PAGE_USER) !== 0;
}
/** Alias of pte_user (i386 pte_read). */
export const pte_read = pte_user;
/** Alias of pte_user (i386 pte_exec without NX). */
export const pte_exec = pte_user;
/** Nonlinear file pte (not present, _PAGE_FILE). */
export function pte_file(e: number): boolean {
  return (e & _PAGE_FILE) !== 0;
}
/** NX set. */
export function pte_nx(e: number): boolean {
  return e >= _PAGE_NX;
}
function setBits(e: number, b: number): number {
  return (e & b) === b ? e : e + (b - (e & b));
}
function clearBits(e: number, b: number): number {
  return e - (e & b);
}
/** Set RW. */
export const pte_mkwrite = (e: number): number => setBits(e, _PAGE_RW);
/** Clear RW. */
export const pte_wrprotect = (e: number): number => clearBits(e, _PAGE_RW);
/** Set D. */
export const pte_mkdirty = (e: number): number => setBits(e, _PAGE_DIRTY);
/** Clear D. */
export const pte_mkclean = (e: number): number => clearBits(e, _PAGE_DIRTY);
/** Set A. */
export const pte_mkyoung = (e: number): number => setBits(e, _PAGE_ACCESSED);
/** Clear A. */
export const pte_mkold = (e: number): number => clearBits(e, _PAGE_ACCESSED);
/** pgd entry is empty. */
export const pgd_none = (e: number): boolean => e === 0;
/** pgd entry present. */
export const pgd_present = (e: number): boolean => (e & _PAGE_PRESENT) !== 0;
/** pmd entry is empty. */
export const pmd_none = (e: number): boolean => e === 0;
/** pmd entry present. */
export const pmd_present = (e: number): boolean => (e & _PAGE_PRESENT) !== 0;
/** pmd entry maps a large page (PS set). */
export const pmd_large = (e: number): boolean =>
  (e & (_PAGE_PSE | _PAGE_PRESENT)) === (_PAGE_PSE | _PAGE_PRESENT);
/** pmd_bad: a present table entry whose flags are not _KERNPG_TABLE (ignoring USER), as the kernel checks. */
export const pmd_bad = (e: number): boolean => (e & (0xfff & ~_PAGE_USER)) !== _KERNPG_TABLE;

/** The true 64-bit hardware layout of an entry (NX back at bit 63), for display. */
export function pte_val_raw(e: number): bigint {
  const nx = e >= _PAGE_NX;
  const low = nx ? e - _PAGE_NX : e;
  return BigInt(low) | (nx ? 1n << 63n : 0n);
}

/**
 * One of the two paging modes: the index split of a linear address and the entry format in RAM.
 * Immutable; shared by every Machine using the mode.
 */
export interface PagingMode {
  /** true for PAE 3-level, false for 2-level. */
  readonly pae: boolean;
  /** log2 of the area one pgd entry maps: 22 (4 MiB) or 30 (1 GiB). */
  readonly PGDIR_SHIFT: number;
  /** log2 of the area one pmd entry maps: 22 (folded, = PGDIR_SHIFT) or 21 (2 MiB). */
  readonly PMD_SHIFT: number;
  /** Entries in a pgd: 1024 or 4. */
  readonly PTRS_PER_PGD: number;
  /** Entries in a pmd: 1 (folded) or 512. */
  readonly PTRS_PER_PMD: number;
  /** Entries in a pte table: 1024 or 512. */
  readonly PTRS_PER_PTE: number;
  /** Bytes per entry: 4 or 8. */
  readonly ENTRY_SIZE: number;
  /** TASK_SIZE / PGDIR_SIZE: 768 or 3. */
  readonly USER_PTRS_PER_PGD: number;
  /** Size covered by one pgd entry (4 MiB / 1 GiB). */
  readonly PGDIR_SIZE: number;
  /** Size covered by one pmd entry (= PGDIR_SIZE when folded; 2 MiB under PAE). */
  readonly PMD_SIZE: number;
  /** ~(PMD_SIZE-1) as unsigned 32-bit. */
  readonly PMD_MASK: number;
  /** ~(PGDIR_SIZE-1) as unsigned 32-bit. */
  readonly PGDIR_MASK: number;
  /** HPAGE_SHIFT: 22 or 21. */
  readonly HPAGE_SHIFT: number;
  /** _PAGE_NX as the kernel defines it for the mode: 0 without PAE. */
  readonly _PAGE_NX: number;
  /** Index into the pgd. */
  pgd_index(va: number): number;
  /** Index into the pmd (0 when folded). */
  pmd_index(va: number): number;
  /** Index into the pte table. */
  pte_index(va: number): number;
  /** Read entry `idx` of the table at `tablePa`. */
  readEntry(ram: PhysicalMemory, tablePa: number, idx: number): number;
  /** Write entry `idx` of the table at `tablePa` (2-level: only the low 32 bits exist). */
  writeEntry(ram: PhysicalMemory, tablePa: number, idx: number, e: number): void;
}

/** 2-level paging: pgd (1024 x 32-bit) → pte (1024 x 32-bit); pmd folded into the pgd. */
export const PAGING_2LEVEL: PagingMode = Object.freeze({
  pae: false,
  PGDIR_SHIFT: 22,
  PMD_SHIFT: 22,
  PTRS_PER_PGD: 1024,
  PTRS_PER_PMD: 1,
  PTRS_PER_PTE: 1024,
  ENTRY_SIZE: 4,
  USER_PTRS_PER_PGD: 768,
  PGDIR_SIZE: 1 << 22,
  PMD_SIZE: 1 << 22,
  PMD_MASK: 0xffc00000,
  PGDIR_MASK: 0xffc00000,
  HPAGE_SHIFT: 22,
  _PAGE_NX: 0,
  pgd_index: (va: number) => va >>> 22,
  pmd_index: (_va: number) => 0,
  pte_index: (va: number) => (va >>> 12) & 1023,
  readEntry: (ram: PhysicalMemory, tablePa: number, idx: number) => ram.read32(tablePa + idx * 4),
  writeEntry: (ram: PhysicalMemory, tablePa: number, idx: number, e: number) =>
    ram.write32(tablePa + idx * 4, e),
});

/** Compose a JS entry from the two 32-bit halves of a PAE entry (bit 63 → bit 52; bits 52..62 dropped). */
export function paeEntry(low: number, high: number): number {
  return (low >>> 0) + (high & 0xfffff) * TWO32 + (high < 0 || high >= 0x80000000 ? _PAGE_NX : 0);
}
/** High 32-bit word of a JS entry as stored in RAM (bit 52 → bit 31). */
export function paeHigh(e: number): number {
  const nx = e >= _PAGE_NX;
  const hi = Math.floor((nx ? e - _PAGE_NX : e) / TWO32) & 0xfffff;
  return (hi | (nx ? 0x80000000 : 0)) >>> 0;
}

/** PAE paging: pgd (4 x 64-bit, the PDPT) → pmd (512 x 64-bit) → pte (512 x 64-bit). */
export const PAGING_PAE: PagingMode = Object.freeze({
  pae: true,
  PGDIR_SHIFT: 30,
  PMD_SHIFT: 21,
  PTRS_PER_PGD: 4,
  PTRS_PER_PMD: 512,
  PTRS_PER_PTE: 512,
  ENTRY_SIZE: 8,
  USER_PTRS_PER_PGD: 3,
  PGDIR_SIZE: 1 << 30,
  PMD_SIZE: 1 << 21,
  PMD_MASK: 0xffe00000,
  PGDIR_MASK: 0xc0000000,
  HPAGE_SHIFT: 21,
  _PAGE_NX: _PAGE_NX,
  pgd_index: (va: number) => va >>> 30,
  pmd_index: (va: number) => (va >>> 21) & 511,
  pte_index: (va: number) => (va >>> 12) & 511,
  readEntry: (ram: PhysicalMemory, tablePa: number, idx: number) => {
    const a = tablePa + idx * 8;
    return paeEntry(ram.read32(a), ram.read32(a + 4));
  },
  writeEntry: (ram: PhysicalMemory, tablePa: number, idx: number, e: number) => {
    const a = tablePa + idx * 8;
    // Like set_pte under PAE: high word first, then low (the low word holds P).
    ram.write32(a + 4, paeHigh(e));
    ram.write32(a, e >>> 0);
  },
});

/**
 * The run-time protections pagetable_init computes (arch/i386/mm/init.c): __PAGE_KERNEL and
 * __PAGE_KERNEL_EXEC get _PAGE_GLOBAL when the CPU has PGE; NX is kept only when nx_enabled
 * (PAE and a CPU with NX), as __supported_pte_mask does.
 */
export function kernelProt(opts: { pge: boolean; nx_enabled: boolean }): {
  PAGE_KERNEL: number;
  PAGE_KERNEL_EXEC: number;
  PAGE_KERNEL_RO: number;
  PAGE_KERNEL_NOCACHE: number;
  PAGE_KERNEL_LARGE: number;
  PAGE_KERNEL_LARGE_EXEC: number;
} {
  const g = opts.pge ? _PAGE_GLOBAL : 0;
  const nx = opts.nx_enabled ? _PAGE_NX : 0;
  const k = _PAGE_KERNEL_EXEC + g + nx;
  return {
    PAGE_KERNEL: k,
    PAGE_KERNEL_EXEC: _PAGE_KERNEL_EXEC + g,
    PAGE_KERNEL_RO: k - _PAGE_RW,
    PAGE_KERNEL_NOCACHE: k + _PAGE_PCD,
    PAGE_KERNEL_LARGE: k + _PAGE_PSE,
    PAGE_KERNEL_LARGE_EXEC: _PAGE_KERNEL_EXEC + g + _PAGE_PSE,
  };
}

/** Drop NX when the machine cannot use it (pfn_pte's `& __supported_pte_mask`). */
export function pte_mask_supported(e: number, nx_enabled: boolean): number {
  return !nx_enabled && e >= _PAGE_NX ? e - _PAGE_NX : e;
}

/** A pgd entry (JS entry format). */
export type pgd_t = number;
/** A pmd entry (JS entry format; the pgd entry itself when folded). */
export type pmd_t = number;
/** A pte (JS entry format). */
export type pte_t = number;
/** Protection bits (low 12 bits plus _PAGE_NX). */
export type pgprot_t = number;
/** __pte: make a pte from its value (identity; the kernel's type wrapper). */
export const __pte = (v: number): pte_t => v;
/** pte_val: the value of a pte (identity). */
export const pte_val = (p: pte_t): number => p;
/** __pmd (identity). */
export const __pmd = (v: number): pmd_t => v;
/** pmd_val (identity). */
export const pmd_val = (p: pmd_t): number => p;
/** __pgd (identity). */
export const __pgd = (v: number): pgd_t => v;
/** pgd_val (identity). */
export const pgd_val = (p: pgd_t): number => p;
/** __pgprot (identity). */
export const __pgprot = (v: number): pgprot_t => v;
/** pgprot_val (identity). */
export const pgprot_val = (p: pgprot_t): number => p;

/** Every hardware field of an entry, decoded. */
export interface EntryFields {
  /** P, bit 0. */
  present: boolean;
  /** R/W, bit 1. */
  rw: boolean;
  /** U/S, bit 2. */
  user: boolean;
  /** PWT, bit 3. */
  pwt: boolean;
  /** PCD, bit 4. */
  pcd: boolean;
  /** A, bit 5. */
  accessed: boolean;
  /** D, bit 6. */
  dirty: boolean;
  /** PS in a pgd/pmd entry (PAT in a 4 KiB pte, not modelled). */
  pse: boolean;
  /** G, bit 8. */
  global: boolean;
  /** Software bits 9-11. */
  avail: number;
  /** XD, hardware bit 63 (JS bit 52). */
  nx: boolean;
  /** Frame address bits 12..51 as a frame number. */
  pfn: number;
}

/** Split an entry into its fields. */
export function decodeEntry(e: number): EntryFields {
  return {
    present: (e & _PAGE_PRESENT) !== 0,
    rw: (e & _PAGE_RW) !== 0,
    user: (e & _PAGE_USER) !== 0,
    pwt: (e & _PAGE_PWT) !== 0,
    pcd: (e & _PAGE_PCD) !== 0,
    accessed: (e & _PAGE_ACCESSED) !== 0,
    dirty: (e & _PAGE_DIRTY) !== 0,
    pse: (e & _PAGE_PSE) !== 0,
    global: (e & _PAGE_GLOBAL) !== 0,
    avail: (e >>> 9) & 7,
    nx: e >= _PAGE_NX,
    pfn: Math.floor((e >= _PAGE_NX ? e - _PAGE_NX : e) / PAGE_SIZE),
  };
}

/** Build an entry from its fields (inverse of decodeEntry). */
export function encodeEntry(f: EntryFields): number {
  const low =
    (f.present ? _PAGE_PRESENT : 0) |
    (f.rw ? _PAGE_RW : 0) |
    (f.user ? _PAGE_USER : 0) |
    (f.pwt ? _PAGE_PWT : 0) |
    (f.pcd ? _PAGE_PCD : 0) |
    (f.accessed ? _PAGE_ACCESSED : 0) |
    (f.dirty ? _PAGE_DIRTY : 0) |
    (f.pse ? _PAGE_PSE : 0) |
    (f.global ? _PAGE_GLOBAL : 0) |
    ((f.avail & 7) << 9);
  return f.pfn * PAGE_SIZE + low + (f.nx ? _PAGE_NX : 0);
}

/** Flag names of an entry, the way page-table dumps print them: e.g. "P RW US A D G NX". */
export function pte_flag_names(e: number): string {
  const f = decodeEntry(e);
  const names: string[] = [];
  if (f.present) names.push("P");
  if (f.rw) names.push("RW");
  if (f.user) names.push("US");
  if (f.pwt) names.push("PWT");
  if (f.pcd) names.push("PCD");
  if (f.accessed) names.push("A");
  if (f.dirty) names.push("D");
  if (f.pse) names.push("PS");
  if (f.global) names.push("G");
  if (f.nx) names.push("NX");
  return names.join(" ");
}
