/*
 * frames.ts — one pass over mem_map and the structures that own frames, giving every physical
 * frame its owner class (owners.ts): the buddy free lists (mm/page_alloc.c free_area[], each
 * block's order), the per-CPU hot/cold lists, the page tables (swapper_pg_dir's kernel half and
 * every live mm's user half, walked in simulated RAM), PG_reserved, PG_slab, vmlist's pages
 * (mm/vmalloc.c), page->mapping (anonymous: a process; a block device's inode: buffers; any other
 * inode: page cache), and what is left: another kernel allocation.
 * Also collects, for descriptors, which process maps a frame at which address and what each
 * page-table frame maps. Only reads the layers; O(frames) typed-array work plus the list walks,
 * a few milliseconds for 1 GiB.
 */

import type { Kernel } from "@i386mm/demo";
import {
  asPage,
  PAGE_OFFSET,
  pgd_present,
  pmd_large,
  pmd_present,
  pte_pfn,
  pte_phys,
  pte_present,
} from "@i386mm/hw-i386";
import { MAX_ORDER, PG_reserved, PG_slab, type Zone } from "@i386mm/page-alloc";
import { S_ISBLK } from "@i386mm/page-cache";
import type { vm_struct } from "@i386mm/slab";
import { live_mms, type mm_struct, PAGE_MAPPING_ANON, type task_struct, type VmSystem } from "@i386mm/vma";
import { Owner } from "./owners.js";

/** What a page-table frame is. */
export interface PageTableInfo {
  /** "pgd", "pmd" or "pte". */
  readonly level: "pgd" | "pmd" | "pte";
  /** "swapper_pg_dir" (the kernel's tables) or the pids of the processes whose mm uses it. */
  readonly owner: string;
  /** The linear range its entries map. */
  readonly start: number;
  readonly end: number;
}

/** Where a user process maps a frame. */
export interface UserMapping {
  readonly pid: number;
  readonly comm: string;
  readonly va: number;
}

/** The owner of every frame. */
export interface FrameMap {
  /** Frames described (max_pfn). */
  readonly nr: number;
  /** Owner class per pfn. */
  readonly owner: Uint8Array;
  /** Order of the free block a FREE frame is in (0xff for other frames). */
  readonly order: Uint8Array;
  /** Page-table frames: what each maps. */
  readonly pageTables: Map<number, PageTableInfo>;
  /** vmalloc'ed frames: their area and page index. */
  readonly vmalloc: Map<number, { readonly area: vm_struct; readonly index: number }>;
  /** Frames mapped into user space: by whom, where. */
  readonly userMaps: Map<number, UserMapping[]>;
  /** Frames per owner class (all zones). */
  readonly counts: Uint32Array;
}

/** The zones of every node, in pfn order. */
export function allZones(k: Kernel): Zone[] {
  return [...k.pa.zones]
    .filter((z) => z.spanned_pages > 0)
    .sort((a, b) => a.zone_start_pfn - b.zone_start_pfn);
}

/** Classify every frame. `vm` is the process layer when one runs (its page tables and users). */
export function classifyFrames(k: Kernel, vm: VmSystem | null): FrameMap {
  const pa = k.pa;
  const m = pa.mem_map;
  const nr = m.nr_pages;
  const owner = new Uint8Array(nr).fill(255);
  const order = new Uint8Array(nr).fill(255);
  const next = m.lru_next;

  // 1. The buddy lists and the per-CPU lists (free pages).
  for (const z of pa.zones) {
    for (let o = 0; o < MAX_ORDER; o++) {
      const head = z.free_area[o]!.free_list;
      for (let p = next[head]!; p !== head; p = next[p]!) {
        const end = Math.min(p + (1 << o), nr);
        owner.fill(Owner.FREE, p, end);
        order.fill(o, p, end);
      }
    }
    for (const set of z.pageset) {
      for (const pcp of set.pcp) {
        for (let p = next[pcp.list]!; p !== pcp.list; p = next[p]!) owner[p] = Owner.PCP;
      }
    }
  }

  // 2. Page tables: the kernel half of swapper_pg_dir, then each mm's user half.
  const pageTables = new Map<number, PageTableInfo>();
  const userMaps = new Map<number, UserMapping[]>();
  walkTables(k, pa.swapper_pg_dir, "swapper_pg_dir", true, pageTables, null);
  if (vm) {
    const users = new Map<mm_struct, task_struct[]>();
    for (const t of vm.tasks.values()) {
      if (t.mm === null) continue;
      const list = users.get(t.mm) ?? [];
      list.push(t);
      users.set(t.mm, list);
    }
    for (const mm of live_mms(vm)) {
      const tasks = users.get(mm) ?? [];
      const who = tasks.length ? tasks.map((t) => `pid ${t.pid} (${t.comm})`).join(", ") : "a borrowed mm";
      const first = tasks[0];
      walkTables(k, mm.pgd - PAGE_OFFSET, who, false, pageTables, first ? { tasks, userMaps } : null);
    }
  }

  // 3. vmalloc areas' pages.
  const vmalloc = new Map<number, { area: vm_struct; index: number }>();
  for (const area of k.slab.vm.vmlist) {
    area.pages?.forEach((p, index) => {
      if (p !== null) vmalloc.set(p, { area, index });
    });
  }

  // 4. Everything else from the descriptor.
  const flags = m.flags;
  const mapping = m.mapping;
  const reserved = 1 << PG_reserved;
  const slab = 1 << PG_slab;
  const pc = k.pc;
  const counts = new Uint32Array(16);
  for (let pfn = 0; pfn < nr; pfn++) {
    let o = owner[pfn]!;
    if (o === 255) {
      const f = flags[pfn]!;
      if (pageTables.has(pfn) && pageTables.get(pfn)!.level !== "pgd") o = Owner.PAGETABLE;
      else if (f & reserved) o = Owner.RESERVED;
      else if (f & slab) o = pageTables.has(pfn) ? Owner.PAGETABLE : Owner.SLAB;
      else if (vmalloc.has(pfn)) o = Owner.VMALLOC;
      else if (mapping[pfn] !== 0) {
        if (mapping[pfn]! & PAGE_MAPPING_ANON) o = Owner.USER;
        else {
          const as = pc.page_mapping(asPage(pfn));
          o = as !== null && S_ISBLK(as.host.i_mode) ? Owner.BUFFERS : Owner.PAGECACHE;
        }
      } else if (pageTables.has(pfn)) o = Owner.PAGETABLE;
      else o = Owner.KERNEL;
      owner[pfn] = o;
    }
    counts[o]!++;
  }
  return { nr, owner, order, pageTables, vmalloc, userMaps, counts };
}

/**
 * Walk one set of page tables: the kernel half (PAGE_OFFSET and up) of swapper_pg_dir, or the
 * user half of a process's pgd. Records each table frame and, for user tables, where each present
 * pte maps its frame.
 */
function walkTables(
  k: Kernel,
  pgdPa: number,
  who: string,
  kernelHalf: boolean,
  tables: Map<number, PageTableInfo>,
  users: { tasks: task_struct[]; userMaps: Map<number, UserMapping[]> } | null,
): void {
  const mach = k.machine;
  const mode = mach.paging;
  const ram = mach.ram;
  const add = (pfn: number, info: PageTableInfo) => {
    const had = tables.get(pfn);
    if (had && had.owner !== info.owner && !had.owner.includes(info.owner))
      tables.set(pfn, { ...had, owner: `${had.owner}, ${info.owner}` });
    else if (!had) tables.set(pfn, info);
  };
  const pgdSpan = mode.PGDIR_SIZE;
  // The pgd frame itself: a whole page on 2-level; under PAE 32 bytes inside a slab or the image.
  if (!mode.pae) add(Math.floor(pgdPa / 4096), { level: "pgd", owner: who, start: 0, end: 2 ** 32 });
  const firstIdx = kernelHalf ? mode.pgd_index(PAGE_OFFSET) : 0;
  const lastIdx = kernelHalf ? mode.PTRS_PER_PGD : mode.USER_PTRS_PER_PGD;
  const ptes = (tablePa: number, base: number) => {
    const pfn = Math.floor(tablePa / 4096);
    add(pfn, { level: "pte", owner: who, start: base, end: base + mode.PTRS_PER_PTE * 4096 });
    if (!users) return;
    for (let i = 0; i < mode.PTRS_PER_PTE; i++) {
      const e = mode.readEntry(ram, tablePa, i);
      if (!pte_present(e)) continue;
      const f = pte_pfn(e);
      const va = base + i * 4096;
      const list = users.userMaps.get(f) ?? [];
      for (const t of users.tasks) list.push({ pid: t.pid, comm: t.comm, va });
      users.userMaps.set(f, list);
    }
  };
  for (let gi = firstIdx; gi < lastIdx; gi++) {
    const g = mode.readEntry(ram, pgdPa, gi);
    if (!pgd_present(g)) continue;
    const gbase = gi * pgdSpan;
    if (!mode.pae) {
      if (pmd_large(g)) continue;
      ptes(pte_phys(g), gbase);
      continue;
    }
    const pmdPa = pte_phys(g);
    add(Math.floor(pmdPa / 4096), { level: "pmd", owner: who, start: gbase, end: gbase + pgdSpan });
    for (let mi = 0; mi < mode.PTRS_PER_PMD; mi++) {
      const pm = mode.readEntry(ram, pmdPa, mi);
      if (!pmd_present(pm) || pmd_large(pm)) continue;
      ptes(pte_phys(pm), gbase + mi * mode.PMD_SIZE);
    }
  }
}

/** The zone holding `pfn`, or null (a pfn past every zone). */
export function zoneOf(k: Kernel, pfn: number): Zone | null {
  for (const z of k.pa.zones)
    if (pfn >= z.zone_start_pfn && pfn < z.zone_start_pfn + z.spanned_pages) return z;
  return null;
}

/** The free block a FREE frame is in: its first pfn and order. */
export function freeBlockOf(k: Kernel, fm: FrameMap, pfn: number): { head: number; order: number } | null {
  if (fm.owner[pfn] !== Owner.FREE) return null;
  const o = fm.order[pfn]!;
  const z = zoneOf(k, pfn);
  const start = z ? z.zone_start_pfn : 0;
  return { head: start + ((pfn - start) & ~((1 << o) - 1)), order: o };
}
