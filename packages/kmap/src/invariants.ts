/*
 * checkKmapInvariants: the statements mm/highmem.c relies on, checked against the page tables
 * in RAM, the TLBs, page-alloc's page_address table and the CPUs' preempt counts.
 * pkmap: counts >= 0; count 0 <=> empty PTE and no TLB entry; count >= 1 => PTE maps a high
 * page whose page_address is that slot; one slot per page; every page_address record is a slot; sum of (count - 1) over slots in use
 * = kmaps outstanding. kmap_atomic: per-CPU depth <= the PREEMPT bits of preempt_count; a slot
 * in use maps its page; with debug_highmem a slot not in use has an empty PTE. Layout: the pkmap
 * window ends at or below FIXADDR_START.
 */
import {
  FIXADDR_START,
  InvariantError,
  KM_TYPE_NR,
  NR_CPUS,
  PAGE_SIZE,
  type Page,
  PREEMPT_MASK,
  paeEntry,
  pte_none,
  pte_pfn,
  pte_present,
} from "@i386mm/hw-i386";
import type { Kmap } from "./kmap.js";

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/**
 * checkKmapInvariants(km): throws InvariantError listing every broken statement about the pkmap
 * pool and the kmap_atomic slots; returns nothing when all hold. Reads state only.
 */
export function checkKmapInvariants(km: Kmap): void {
  const problems: string[] = [];
  const { pkmap, atomic, pa, machine } = km;
  const { pkmap_count, LAST_PKMAP } = pkmap;

  if (pkmap.PKMAP_BASE + LAST_PKMAP * PAGE_SIZE > FIXADDR_START) {
    problems.push(
      `the pkmap window ends above FIXADDR_START ${hex(FIXADDR_START)} (fixmap and kmap areas overlap)`,
    );
  }
  if (pkmap.last_pkmap_nr < 0 || pkmap.last_pkmap_nr >= LAST_PKMAP) {
    problems.push(`last_pkmap_nr ${pkmap.last_pkmap_nr} is outside 0..${LAST_PKMAP - 1}`);
  }

  /* one read of the whole pkmap page table (the entries exactly as readEntry decodes them) */
  const words = new Uint32Array(machine.ram.readBytes(pkmap.pkmap_page_table, PAGE_SIZE).slice().buffer);
  const pteOf = machine.pae
    ? (nr: number) => paeEntry(words[2 * nr], words[2 * nr + 1])
    : (nr: number) => words[nr];
  const owner = new Map<number, number>();
  let users = 0;
  for (let nr = 0; nr < LAST_PKMAP; nr++) {
    const count = pkmap_count[nr];
    const vaddr = pkmap.PKMAP_ADDR(nr);
    const pte = pteOf(nr);
    if (count < 0) problems.push(`pkmap_count[${nr}] is negative (${count})`);
    if (count === 0) {
      if (!pte_none(pte))
        problems.push(`pkmap slot ${nr} has count 0 but its pte is not empty (${hex(pte)})`);
      for (const cpu of machine.cpus) {
        /* a TLB's table is allocated on its first fill (empty before): missing means no entry */
        if ((cpu.tlb.entries[vaddr >>> 12] ?? 0) !== 0) {
          problems.push(`pkmap slot ${nr} has count 0 but CPU ${cpu.id}'s TLB still holds ${hex(vaddr)}`);
        }
      }
      continue;
    }
    if (count < 0) continue;
    if (count >= 2) users += count - 1;
    if (!pte_present(pte)) {
      problems.push(`pkmap slot ${nr} has count ${count} but its pte is not present`);
      continue;
    }
    const page = pte_pfn(pte) as number as Page;
    if (!pa.PageHighMem(page))
      problems.push(`pkmap slot ${nr} maps pfn ${hex(page)}, which is not a highmem page`);
    const addr = pa.page_address(page);
    if (addr !== vaddr) {
      problems.push(
        `pkmap slot ${nr} maps pfn ${hex(page)} but page_address gives ${addr === null ? "NULL" : hex(addr)}, not ${hex(vaddr)}`,
      );
    }
    const other = owner.get(page);
    if (other !== undefined) problems.push(`pfn ${hex(page)} owns two pkmap slots (${other} and ${nr})`);
    else owner.set(page, nr);
  }
  if (users !== pkmap.outstanding) {
    problems.push(`the pkmap counts add up to ${users} users but ${pkmap.outstanding} kmaps are outstanding`);
  }
  /* the other direction: every page_address_htable record is a slot found above */
  const table = pa.page_address_htable;
  for (let e = 0; e < table.mapPage.length; e++) {
    const pfn = table.mapPage[e];
    if (pfn < 0) continue;
    const nr = owner.get(pfn);
    if (nr === undefined || pkmap.PKMAP_ADDR(nr) !== table.mapVirtual[e]) {
      problems.push(
        `page_address_htable maps pfn ${hex(pfn)} to ${hex(table.mapVirtual[e])}, which no pkmap slot backs`,
      );
    }
  }
  for (const w of pkmap.pkmap_map_wait) {
    if (!pa.PageHighMem(w.page)) problems.push(`a waiter on pkmap_map_wait wants lowmem pfn ${hex(w.page)}`);
  }

  for (let cpu = 0; cpu < NR_CPUS; cpu++) {
    const depth = atomic.km_depth[cpu];
    const c = machine.cpus[cpu];
    if (depth < 0) problems.push(`CPU ${cpu} has a negative kmap_atomic depth (${depth})`);
    if (c === undefined) {
      if (depth !== 0) problems.push(`CPU ${cpu} does not exist but has kmap_atomic depth ${depth}`);
      continue;
    }
    if (depth > (c.preempt_count & PREEMPT_MASK)) {
      problems.push(
        `CPU ${cpu} has ${depth} kmap_atomic outstanding but preempt_count is ${hex(c.preempt_count)}`,
      );
    }
    const stack = atomic.km_stack[cpu];
    if (stack < 0 || stack > KM_TYPE_NR)
      problems.push(`CPU ${cpu}'s kmap_atomic stack depth ${stack} is outside 0..${KM_TYPE_NR}`);
    if (stack > depth)
      problems.push(
        `CPU ${cpu}'s kmap_atomic stack holds ${stack} slots but only ${depth} kmap_atomic are outstanding`,
      );
    for (let type = 0; type < KM_TYPE_NR; type++) {
      const idx = type + KM_TYPE_NR * cpu;
      const inUse = atomic.km_slot_page[idx];
      if ((atomic.km_stack_slot[idx] === 1) !== type < stack)
        problems.push(
          `kmap_atomic slot ${type} of CPU ${cpu} is ${atomic.km_stack_slot[idx] ? "" : "not "}held by the stack form, whose depth is ${stack}`,
        );
      if (atomic.km_stack_slot[idx] && inUse === 0)
        problems.push(`kmap_atomic slot ${type} of CPU ${cpu} is on the stack but maps no page`);
      const pte = atomic.slot_pte(idx);
      if (inUse !== 0 && (!pte_present(pte) || pte_pfn(pte) !== inUse - 1)) {
        problems.push(
          `kmap_atomic slot ${type} of CPU ${cpu} is in use for pfn ${hex(inUse - 1)} but its pte is ${hex(pte)}`,
        );
      }
      if (inUse === 0 && atomic.debug_highmem && !pte_none(pte)) {
        problems.push(
          `kmap_atomic slot ${type} of CPU ${cpu} is not in use but its pte is set (debug_highmem)`,
        );
      }
    }
  }

  if (problems.length > 0) throw new InvariantError(problems);
}
