/*
 * pagetable.ts — kernel-side page-table manipulation in simulated RAM, mode-agnostic
 * (include/asm-i386/pgtable.h, pgalloc.h; arch/i386/mm/pgtable.c: set_pte_pfn;
 * arch/i386/mm/pageattr.c: lookup_address). Tables are 4 KiB frames of RAM; entries are read
 * and written only through machine.paging.readEntry/writeEntry.
 * Entries installed here: 2-level pgd → pte table `_PAGE_TABLE + pa` (pmd_populate); PAE
 * pgd → pmd table `1 + pa` (PDPTEs may carry only P); PAE pmd → pte table `_PAGE_TABLE + pa`.
 * Invariants: validation precedes mutation (a KernelBugError leaves RAM untouched); a table
 * frame obtained from allocTable is zeroed before it is linked in. Under PAE a loaded CR3 caches
 * the PDPTEs: a new pgd entry is seen by a CPU only after its next CR3 load, as on hardware.
 */

import { Errno, KernelBugError } from "./errors.js";
import type { Machine } from "./machine.js";
import { PAGE_SIZE } from "./page.js";
import { _PAGE_ACCESSED, _PAGE_PRESENT, _PAGE_PSE, _PAGE_RW, _PAGE_TABLE, pte_phys } from "./paging.js";
import type { Pfn, PhysAddr } from "./types.js";

/** Gives a fresh 4 KiB frame for a page table, or null when memory is exhausted. */
export type AllocTable = () => PhysAddr | null;

/** Result of {@link lookupPte}: where the leaf entry lives and its value. */
export interface PteLookup {
  /** Physical address of the table holding the entry. */
  tablePa: PhysAddr;
  /** Index of the entry in that table. */
  idx: number;
  /** The entry (JS format). */
  pte: number;
  /** True when the leaf is a large pgd/pmd entry (PS set), as lookup_address returns it. */
  large: boolean;
}

/** One level of a walk, for views. */
export interface WalkLevel {
  /** "pgd", "pmd" (PAE only) or "pte". */
  level: "pgd" | "pmd" | "pte";
  /** Table physical address. */
  tablePa: PhysAddr;
  /** Index in the table. */
  idx: number;
  /** Physical address of the entry itself. */
  entryPa: PhysAddr;
  /** Entry value (JS format). */
  entry: number;
  /** Present bit. */
  present: boolean;
  /** Large page (PS) at this level. */
  large: boolean;
}

/** Locate the pmd-level slot for `va`: 2-level = the pgd entry; PAE = the entry in the pmd table. */
function pmdSlot(machine: Machine, cr3: number, va: number): { tablePa: number; idx: number } | null {
  const m = machine.paging;
  if (!m.pae) return { tablePa: cr3, idx: m.pgd_index(va) };
  const pgd = m.readEntry(machine.ram, cr3, m.pgd_index(va));
  if ((pgd & _PAGE_PRESENT) === 0) return null;
  return { tablePa: pte_phys(pgd), idx: m.pmd_index(va) };
}

function takeTable(machine: Machine, allocTable: AllocTable): number | null {
  const pa = allocTable();
  if (pa === null) return null;
  if (pa % PAGE_SIZE !== 0) throw new KernelBugError("pte_alloc", pa, "page-table frame is not page aligned");
  machine.ram.zeroFrame((pa / PAGE_SIZE) as Pfn);
  return pa;
}

/**
 * lookup_address: the leaf entry mapping `va` under the pgd at `cr3` — a pte, or a large
 * pgd/pmd entry — or null when a pgd/pmd entry on the way is not present.
 */
export function lookupPte(machine: Machine, cr3: PhysAddr, va: number): PteLookup | null {
  const m = machine.paging;
  const ram = machine.ram;
  va >>>= 0;
  const slot = pmdSlot(machine, cr3, va);
  if (slot === null) return null;
  const pmd = m.readEntry(ram, slot.tablePa, slot.idx);
  if ((pmd & _PAGE_PRESENT) === 0) return null;
  if ((pmd & _PAGE_PSE) !== 0)
    return { tablePa: slot.tablePa as PhysAddr, idx: slot.idx, pte: pmd, large: true };
  const tablePa = pte_phys(pmd);
  const idx = m.pte_index(va);
  return { tablePa, idx, pte: m.readEntry(ram, tablePa, idx), large: false };
}

/**
 * Make sure the pmd-level slot and the pte table for `va` exist, allocating missing tables with
 * `allocTable`. Returns the pte table's address, null on allocation failure. Throws if `va` lies
 * in a large page or a table is missing and no allocator was given.
 */
function ptePage(
  machine: Machine,
  cr3: number,
  va: number,
  call: string,
  allocTable?: AllocTable,
): number | null {
  const m = machine.paging;
  const ram = machine.ram;
  // Validate first: nothing is written before we know the whole path can be built.
  let slot = pmdSlot(machine, cr3, va);
  // PAE pgd entry as found, put back if linking the new pmd table must be undone
  const oldPgd = slot === null ? m.readEntry(ram, cr3, m.pgd_index(va)) : -1;
  let pmd = slot === null ? 0 : m.readEntry(ram, slot.tablePa, slot.idx);
  if ((pmd & _PAGE_PRESENT) !== 0 && (pmd & _PAGE_PSE) !== 0)
    throw new KernelBugError(call, va, "address is mapped by a large page, not a page table");
  if (((pmd & _PAGE_PRESENT) === 0 || slot === null) && allocTable === undefined)
    throw new KernelBugError(call, va, "no page table for the address (pgd/pmd entry is none)");
  if (slot === null) {
    const pmdTable = takeTable(machine, allocTable!);
    if (pmdTable === null) return null;
    m.writeEntry(ram, cr3, m.pgd_index(va), pmdTable + _PAGE_PRESENT);
    slot = { tablePa: pmdTable, idx: m.pmd_index(va) };
    pmd = 0;
  }
  if ((pmd & _PAGE_PRESENT) === 0) {
    let table: number | null;
    try {
      table = takeTable(machine, allocTable!);
    } catch (e) {
      // a bad frame from the allocator: unlink the pmd table linked just above (BUG leaves state as before)
      if (oldPgd >= 0) m.writeEntry(ram, cr3, m.pgd_index(va), oldPgd);
      throw e;
    }
    if (table === null) return null;
    pmd = table + _PAGE_TABLE;
    m.writeEntry(ram, slot.tablePa, slot.idx, pmd);
  }
  return pte_phys(pmd);
}

/**
 * set_pte_at: write `pte` as the entry mapping `va`, allocating missing pmd/pte tables with
 * `allocTable`. Returns 0, or -ENOMEM when a table could not be allocated (tables already
 * allocated on the way stay linked, as in the kernel). No TLB flush: callers flush.
 */
export function set_pte_at(
  machine: Machine,
  cr3: PhysAddr,
  va: number,
  pte: number,
  allocTable?: AllocTable,
): number {
  va >>>= 0;
  const table = ptePage(machine, cr3, va, "set_pte_at", allocTable);
  if (table === null) return -Errno.ENOMEM;
  machine.paging.writeEntry(machine.ram, table, machine.paging.pte_index(va), pte);
  return 0;
}

/** pte_clear (ptep_get_and_clear): zero the pte mapping `va`; returns the old value (0 if no table). */
export function pte_clear(machine: Machine, cr3: PhysAddr, va: number): number {
  const found = lookupPte(machine, cr3, va);
  if (found === null) return 0;
  if (found.large) throw new KernelBugError("pte_clear", va >>> 0, "address is mapped by a large page");
  machine.paging.writeEntry(machine.ram, found.tablePa, found.idx, 0);
  return found.pte;
}

/**
 * set_pmd: write a pmd-level entry (the pgd entry in 2-level mode) for `va`; under PAE a
 * missing pmd table is allocated with `allocTable`. Returns 0 or -ENOMEM.
 */
export function set_pmd(
  machine: Machine,
  cr3: PhysAddr,
  va: number,
  pmd: number,
  allocTable?: AllocTable,
): number {
  const m = machine.paging;
  va >>>= 0;
  let slot = pmdSlot(machine, cr3, va);
  if (slot === null) {
    if (allocTable === undefined) throw new KernelBugError("set_pmd", va, "pgd entry is none");
    const pmdTable = takeTable(machine, allocTable);
    if (pmdTable === null) return -Errno.ENOMEM;
    m.writeEntry(machine.ram, cr3, m.pgd_index(va), pmdTable + _PAGE_PRESENT);
    slot = { tablePa: pmdTable, idx: m.pmd_index(va) };
  }
  m.writeEntry(machine.ram, slot.tablePa, slot.idx, pmd);
  return 0;
}

/**
 * Map one large page (4 MiB, or 2 MiB under PAE) at `va` to `pfn` with `prot | _PAGE_PSE`, as
 * kernel_physical_mapping_init does for the direct map. `va` and `pfn` must be large-page aligned.
 */
export function set_pmd_large(
  machine: Machine,
  cr3: PhysAddr,
  va: number,
  pfn: number,
  prot: number,
  allocTable?: AllocTable,
): number {
  const m = machine.paging;
  va >>>= 0;
  const pages = m.PMD_SIZE / PAGE_SIZE;
  if (va % m.PMD_SIZE !== 0)
    throw new KernelBugError("set_pmd_large", va, "address not aligned to a large page");
  if (pfn % pages !== 0)
    throw new KernelBugError("set_pmd_large", undefined, "pfn not aligned to a large page", { pfn });
  const flags = (prot & _PAGE_PSE) === 0 ? prot + _PAGE_PSE : prot;
  return set_pmd(machine, cr3, va, pfn * PAGE_SIZE + flags, allocTable);
}

/** Every level the hardware would visit for `va` (stops at a non-present or large entry). */
export function walk(machine: Machine, cr3: PhysAddr, va: number): WalkLevel[] {
  const m = machine.paging;
  const ram = machine.ram;
  va >>>= 0;
  const out: WalkLevel[] = [];
  const level = (name: WalkLevel["level"], tablePa: number, idx: number): number => {
    const entry = m.readEntry(ram, tablePa, idx);
    const present = (entry & _PAGE_PRESENT) !== 0;
    const large = present && name !== "pte" && (name === "pmd" || !m.pae) && (entry & _PAGE_PSE) !== 0;
    out.push({
      level: name,
      tablePa: tablePa as PhysAddr,
      idx,
      entryPa: (tablePa + idx * m.ENTRY_SIZE) as PhysAddr,
      entry,
      present,
      large,
    });
    return present && !large ? pte_phys(entry) : -1;
  };
  let next = level("pgd", cr3, m.pgd_index(va));
  if (next < 0) return out;
  if (m.pae) {
    next = level("pmd", next, m.pmd_index(va));
    if (next < 0) return out;
  }
  level("pte", next, m.pte_index(va));
  return out;
}

/** Read-modify-write the pte mapping `va`: returns the old value, or null without a pte table. */
function updatePte(
  machine: Machine,
  cr3: PhysAddr,
  va: number,
  call: string,
  f: (pte: number) => number,
): number | null {
  const found = lookupPte(machine, cr3, va);
  if (found === null) return null;
  if (found.large) throw new KernelBugError(call, va >>> 0, "address is mapped by a large page");
  const next = f(found.pte);
  if (next !== found.pte) machine.paging.writeEntry(machine.ram, found.tablePa, found.idx, next);
  return found.pte;
}

/** ptep_test_and_clear_young: clear A in the pte for `va`; 1 if it was set, else 0. No TLB flush. */
export function ptep_test_and_clear_young(machine: Machine, cr3: PhysAddr, va: number): number {
  const old = updatePte(machine, cr3, va, "ptep_test_and_clear_young", (p) => p - (p & _PAGE_ACCESSED));
  return old !== null && (old & _PAGE_ACCESSED) !== 0 ? 1 : 0;
}

/** ptep_set_wrprotect: clear RW in the pte for `va` (COW setup in fork). No TLB flush. */
export function ptep_set_wrprotect(machine: Machine, cr3: PhysAddr, va: number): void {
  updatePte(machine, cr3, va, "ptep_set_wrprotect", (p) => p - (p & _PAGE_RW));
}
