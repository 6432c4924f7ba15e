/*
 * machine-check.ts — the model's cross-layer checks of a whole Kernel, beside each layer's own
 * checker (invariants.ts runs both). All are the model's statements (no 2.6.11 function checks
 * them as a whole); each is what the kernel's code assumes between calls:
 *  1. Ownership: every frame of every zone is free (in a buddy block or on a per-CPU list),
 *     reserved, or allocated; every allocated frame has exactly one owner: a slab, a vmalloc area,
 *     the page cache (a file's pages, or a block device's: the buffers), a shmem object, a kernel
 *     or a user page table, a process mapping (an anonymous page), or a direct caller of the page
 *     allocator (DirectPages, the model's record). No owner claims a free or reserved frame.
 *  2. References: _count and _mapcount agree with the holders: a slab's, vmalloc's or a page
 *     table's page has one reference, the tails of a block none; an anonymous page one per pte; a
 *     shmem page one plus its ptes; a page in the page cache is the page-cache checker's (with
 *     the direct callers' references as its extraRefs); a direct block one per reference held; a
 *     page no user pte maps has _mapcount -1 (page_mapcount 0).
 *  3. Page tables: every present kernel pte (swapper_pg_dir) and user pte (every live mm) points
 *     to a frame whose descriptor agrees: the direct map maps its own frame; a vmalloc address
 *     lies in a vm_struct (not its guard page) and maps that area's page (VM_ALLOC), an allocated
 *     page (vmap) or the area's I/O address (ioremap); a pkmap slot in use maps an allocated
 *     highmem page; a kmap_atomic slot in use maps an allocated page; a user pte maps the zero
 *     page, an anonymous page, a page-cache or shmem page, or a direct caller's page.
 *  4. Totals: per zone, free + per-CPU + owned + reserved frames = present_pages.
 *  5. /proc/meminfo: each figure equals the sum computed from mem_map and the owners above.
 * Read-only; O(frames + page-table entries) per call.
 */
import {
  _PAGE_PRESENT,
  _PAGE_PROTNONE,
  _PAGE_PSE,
  type Machine,
  PAGE_OFFSET,
  PAGE_SIZE,
  type Page,
} from "@i386mm/hw-i386";
import { MAX_ORDER, PG_highmem, PG_reserved, PG_slab } from "@i386mm/page-alloc";
import { radix_tree_gang_lookup } from "@i386mm/page-cache";
import { VM_ALLOC, VM_IOREMAP, VM_MAP } from "@i386mm/slab";
import { live_mms, type mm_struct, PAGE_MAPPING_ANON, shmem_file } from "@i386mm/vma";
import type { Kernel } from "./boot.js";

/** Who holds an allocated frame (index into OWNER_NAMES). */
export const Owner = {
  None: 0,
  Slab: 1,
  Vmalloc: 2,
  PageCache: 3,
  Buffers: 4,
  Shmem: 5,
  KernelPageTable: 6,
  UserPageTable: 7,
  Anon: 8,
  Direct: 9,
} as const;
/** One of Owner's values. */
export type Owner = (typeof Owner)[keyof typeof Owner];

/** Names of the owners, for the problems and for machineOwners' counts. */
export const OWNER_NAMES: readonly string[] = [
  "nobody",
  "slab",
  "vmalloc",
  "page cache",
  "buffers (block device page cache)",
  "shmem",
  "kernel page table",
  "user page table",
  "process mapping (anonymous)",
  "direct alloc_pages caller",
];

/* Frame states while checking. */
const S_ALLOC = 0;
const S_FREE = 1;
const S_PCP = 2;
const S_RESERVED = 3;
const S_HOLE = 4; // outside every zone

const MAX_PROBLEMS = 60;
const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

/** The owners and frame states the cross-layer check worked out (tests and views read them). */
export interface MachineOwnership {
  /** Owner of each frame (Owner; 0 for free, reserved and unowned frames). */
  readonly owner: Uint8Array;
  /** Frames per owner (index = Owner). */
  readonly counts: readonly number[];
  /** Free frames in the buddy lists, on the per-CPU lists, reserved, allocated. */
  readonly free: number;
  readonly pcp: number;
  readonly reserved: number;
  readonly allocated: number;
}

/** The working state of one check. */
class Checker {
  readonly k: Kernel;
  readonly m: Machine;
  readonly problems: string[] = [];
  readonly n: number;
  readonly pae: boolean;
  readonly state: Uint8Array;
  readonly owner: Uint8Array;
  /** 1 at the first frame of each claimed block (a block's head carries its references). */
  readonly head: Uint8Array;
  /** User ptes mapping each frame (counted while walking every mm). */
  readonly ptes: Int32Array;
  /** Frames a vmap area or a kmap slot maps: they must be allocated (by anyone). */
  readonly mustBeAllocated: [number, () => string][] = [];
  /** Frames a user pte maps that are not anonymous: owned later by the page cache, shmem or a direct caller. */
  readonly userMapped: [number, () => string][] = [];
  free = 0;
  pcp = 0;
  reserved = 0;

  constructor(k: Kernel) {
    this.k = k;
    this.m = k.machine;
    this.n = k.pa.mem_map.nr_pages;
    this.pae = k.machine.pae;
    this.state = new Uint8Array(this.n).fill(S_HOLE);
    this.owner = new Uint8Array(this.n);
    this.head = new Uint8Array(this.n);
    this.ptes = new Int32Array(this.n);
  }

  problem(s: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(s);
    else if (this.problems.length === MAX_PROBLEMS) this.problems.push("... (more problems not shown)");
  }

  full(): boolean {
    return this.problems.length > MAX_PROBLEMS;
  }

  /** The words of the page table at physical address `phys` (read in one go, not entry by entry). */
  table(phys: number): Uint32Array {
    return this.m.ram.frameWords(phys);
  }

  /** Entry `i` of a table's words: its low word (flags), or 0 when not present. */
  low(w: Uint32Array, i: number): number {
    const lo = this.pae ? w[2 * i]! : w[i]!;
    return lo & _PAGE_PRESENT ? lo : 0;
  }

  /**
   * pte_present for a user pte (include/asm-i386/pgtable.h): _PAGE_PRESENT or _PAGE_PROTNONE (a
   * PROT_NONE mapping keeps its page, mapped, with the present bit clear).
   */
  userPresent(w: Uint32Array, i: number): boolean {
    const lo = this.pae ? w[2 * i]! : w[i]!;
    return (lo & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0;
  }

  /** The frame number entry `i` of a table's words points at. */
  pfnOf(w: Uint32Array, i: number): number {
    return this.pae ? (w[2 * i]! >>> 12) + (w[2 * i + 1]! & 0xfffff) * 0x100000 : w[i]! >>> 12;
  }

  /** The physical address entry `i` points at (the page's, without the offset bits). */
  physOf(w: Uint32Array, i: number): number {
    return this.pfnOf(w, i) * PAGE_SIZE;
  }

  /** Frame states from the zones' buddy lists, per-CPU lists and PG_reserved. */
  frames(): void {
    const pa = this.k.pa;
    const mm = pa.mem_map;
    const { state } = this;
    const flags = mm.flags;
    const RESERVED = 1 << PG_reserved;
    for (const zone of pa.zones) {
      const end = zone.zone_start_pfn + zone.spanned_pages;
      // free pages are never reserved: the lists below overwrite only S_ALLOC frames
      for (let p = zone.zone_start_pfn; p < end; p++) {
        if (flags[p]! & RESERVED) {
          state[p] = S_RESERVED;
          this.reserved++;
        } else state[p] = S_ALLOC;
      }
      for (let o = 0; o < MAX_ORDER; o++) {
        const head = zone.free_area[o]!.free_list;
        let guard = 0;
        for (let p = mm.lru_next[head]!; p !== head && guard++ <= zone.spanned_pages; p = mm.lru_next[p]!) {
          if (p < 0 || p >= this.n) break; // the page allocator's checker names it
          for (let q = p; q < Math.min(end, p + (1 << o)); q++) state[q] = S_FREE;
          this.free += 1 << o;
        }
      }
      for (const ps of zone.pageset)
        for (const pcp of ps.pcp) {
          let guard = 0;
          for (
            let p = mm.lru_next[pcp.list]!;
            p !== pcp.list && guard++ <= zone.spanned_pages;
            p = mm.lru_next[p]!
          ) {
            if (p < 0 || p >= this.n) break;
            state[p] = S_PCP;
            this.pcp++;
          }
        }
    }
  }

  /** `who` claims frames [pfn, pfn + n). */
  claim(pfn: number, n: number, who: Owner, what: string | (() => string)): void {
    const name = () => (typeof what === "string" ? what : what());
    for (let p = pfn; p < pfn + n; p++) {
      if (!(p >= 0 && p < this.n)) {
        this.problem(`${name()}: pfn ${hex(p)} is not in mem_map`);
        return;
      }
      const s = this.state[p];
      if (s !== S_ALLOC) {
        const as =
          s === S_FREE
            ? "free"
            : s === S_PCP
              ? "on a per-CPU free list"
              : s === S_RESERVED
                ? "reserved"
                : "outside every zone";
        this.problem(`${name()}: holds pfn ${hex(p)}, which is ${as}`);
        continue;
      }
      const o = this.owner[p]!;
      if (o !== Owner.None && !(o === who && who === Owner.Anon)) {
        this.problem(`pfn ${hex(p)} has two owners: ${OWNER_NAMES[o]} and ${name()}`);
        continue;
      }
      this.owner[p] = who;
      if (p === pfn) this.head[p] = 1;
    }
  }

  // ------------------------------------------------------------------------------ the owners

  slabs(): void {
    const s = this.k.slab;
    const t = s.slabs;
    for (const c of s.cache_chain) {
      const l3 = c.lists;
      for (const head of [l3.slabs_full, l3.slabs_partial, l3.slabs_free]) {
        let guard = 0;
        for (let h = t.next[head]!; h !== head && guard++ < 1 << 22; h = t.next[h]!) {
          const addr = t.s_mem[h]! - t.colouroff[h]!;
          const pfn = (addr - PAGE_OFFSET) / PAGE_SIZE;
          this.claim(pfn, 1 << c.gfporder, Owner.Slab, () => `slab ${h} of cache ${c.name}`);
        }
      }
    }
  }

  vmalloc(): void {
    for (const area of this.k.slab.vm.vmlist) {
      if (!(area.flags & VM_ALLOC) || area.pages === null) continue;
      for (let i = 0; i < area.nr_pages; i++) {
        const page = area.pages[i];
        if (page === null || page === undefined) continue;
        this.claim(page, 1, Owner.Vmalloc, () => `vmalloc area ${hex(area.addr)} page ${i}`);
      }
    }
  }

  pageCache(): void {
    const pc = this.k.pc;
    const bdevMappings = new Set(pc.all_bdevs.map((b) => b.bd_inode.i_mapping));
    for (const mapping of pc.mappings.values()) {
      const who = bdevMappings.has(mapping) ? Owner.Buffers : Owner.PageCache;
      const what = () =>
        `${who === Owner.Buffers ? "block device" : "file"} inode ${mapping.host.i_ino} of ${mapping.host.i_sb.s_id}, page cache`;
      for (const page of radix_tree_gang_lookup(mapping.page_tree, 0, mapping.nrpages + 1))
        this.claim(page, 1, who, what);
    }
  }

  shmem(mms: readonly mm_struct[]): void {
    const seen = new Set<shmem_file>();
    for (const mm of mms)
      for (let v = mm.mmap; v !== null; v = v.vm_next)
        if (v.vm_file instanceof shmem_file && !seen.has(v.vm_file)) {
          seen.add(v.vm_file);
          for (const [idx, page] of v.vm_file.pages) {
            const ino = v.vm_file.ino;
            this.claim(page, 1, Owner.Shmem, () => `shmem object ino ${ino} page ${idx}`);
          }
        }
  }

  direct(): void {
    const d = this.k.direct;
    for (const [pfn, order] of d.heldBlocks())
      this.claim(
        pfn,
        1 << order,
        Owner.Direct,
        () => `direct caller's order-${order} block at pfn ${hex(pfn)}`,
      );
  }

  // ------------------------------------------------------------------------------ page tables

  /** Is `pfn` a frame of mem_map that is allocated (owned by anyone)? */
  allocated(pfn: number): boolean {
    return pfn >= 0 && pfn < this.n && this.state[pfn] === S_ALLOC;
  }

  /** swapper_pg_dir's kernel half: pte tables (claimed), the direct map, vmalloc, pkmap, fixmaps. */
  kernelTables(): void {
    const { m, k } = this;
    const p = m.paging;
    const pa = k.pa;
    const pmdTables: { base: number; table: number; first: number; count: number }[] = [];
    const pgd = this.table(pa.swapper_pg_dir);
    if (this.pae) {
      for (let i = p.USER_PTRS_PER_PGD; i < p.PTRS_PER_PGD; i++)
        if (this.low(pgd, i))
          pmdTables.push({
            base: i * p.PGDIR_SIZE,
            table: this.physOf(pgd, i),
            first: 0,
            count: p.PTRS_PER_PMD,
          });
    } else
      pmdTables.push({
        base: 0,
        table: pa.swapper_pg_dir,
        first: p.USER_PTRS_PER_PGD,
        count: p.PTRS_PER_PGD,
      });
    const { high_memory } = pa;
    const l = pa.layout;
    const vmlist = k.slab.vm.vmlist;
    const pkmap = k.km.pkmap;
    const pkmapEnd = pkmap.PKMAP_BASE + pkmap.LAST_PKMAP * PAGE_SIZE;
    const directPfn = (va: number) => (va - PAGE_OFFSET) / PAGE_SIZE;
    for (const t of pmdTables) {
      const pmds = this.table(t.table);
      for (let j = t.first; j < t.count; j++) {
        const pmd = this.low(pmds, j);
        if (!pmd) continue;
        const base = (t.base + j * p.PMD_SIZE) >>> 0;
        if (base < PAGE_OFFSET) continue;
        const target = this.pfnOf(pmds, j);
        if (pmd & _PAGE_PSE) {
          if (base < high_memory && target !== directPfn(base))
            this.problem(`kernel large page at ${hex(base)} maps pfn ${hex(target)}, not the direct map's`);
          continue;
        }
        if (this.allocated(target))
          this.claim(target, 1, Owner.KernelPageTable, () => `kernel page table for ${hex(base)}`);
        else if (target < this.n && this.state[target] !== S_RESERVED)
          this.problem(`kernel page table for ${hex(base)} is pfn ${hex(target)}, which is free`);
        const ptes = this.table(target * PAGE_SIZE);
        for (let i = 0; i < p.PTRS_PER_PTE; i++) {
          if (!this.low(ptes, i)) continue;
          const va = (base + i * PAGE_SIZE) >>> 0;
          const pfn = this.pfnOf(ptes, i);
          if (va < high_memory) {
            if (pfn !== directPfn(va))
              this.problem(`kernel pte for ${hex(va)} (pfn ${hex(pfn)}): the direct map maps another frame`);
            continue;
          }
          const at = () => `kernel pte for ${hex(va)} (pfn ${hex(pfn)})`;
          if (va >= l.VMALLOC_START && va < pkmap.PKMAP_BASE) this.vmallocPte(vmlist, va, pfn, at);
          else if (va >= pkmap.PKMAP_BASE && va < pkmapEnd) {
            const nr = pkmap.PKMAP_NR(va);
            const count = pkmap.pkmap_count[nr]!;
            if (count === 0) this.problem(`${at()}: pkmap slot ${nr} is unused but mapped`);
            else if (count >= 2) this.mustBeAllocated.push([pfn, () => `${at()}: pkmap slot ${nr} in use`]);
          }
        }
      }
    }
    // kmap_atomic: a slot in use maps an allocated page (its pte agreeing is kmap's own check).
    const atomic = k.km.atomic;
    for (let idx = 0; idx < atomic.km_slot_page.length; idx++) {
      const inUse = atomic.km_slot_page[idx]!;
      if (inUse !== 0) this.mustBeAllocated.push([inUse - 1, () => `kmap_atomic slot ${idx} in use`]);
    }
  }

  vmallocPte(
    vmlist: readonly {
      addr: number;
      size: number;
      flags: number;
      pages: (Page | null)[] | null;
      phys_addr: number;
    }[],
    va: number,
    pfn: number,
    at: () => string,
  ): void {
    const area = vmlist.find((a) => va >= a.addr && va < a.addr + a.size);
    if (area === undefined) {
      this.problem(`${at()}: in the vmalloc range but in no vm_struct`);
      return;
    }
    const i = (va - area.addr) / PAGE_SIZE;
    if (va >= area.addr + area.size - PAGE_SIZE)
      this.problem(`${at()}: maps the guard page of ${hex(area.addr)}`);
    else if (area.flags & VM_ALLOC) {
      if (area.pages?.[i] !== pfn) this.problem(`${at()}: the area's page ${i} is ${area.pages?.[i]}`);
    } else if (area.flags & VM_MAP)
      this.mustBeAllocated.push([pfn, () => `${at()}: a vmap of ${hex(area.addr)}`]);
    else if (area.flags & VM_IOREMAP) {
      if (pfn * PAGE_SIZE !== area.phys_addr - (area.phys_addr % PAGE_SIZE) + i * PAGE_SIZE)
        this.problem(
          `${at()}: ioremap area ${hex(area.addr)} of ${hex(area.phys_addr)} maps another address`,
        );
      else if (this.allocated(pfn)) this.problem(`${at()}: ioremap maps an allocated RAM page`);
    }
  }

  /** Every live mm's user half: pte tables (claimed), anonymous pages (claimed), file pages (noted). */
  userTables(mms: readonly mm_struct[]): void {
    const { m, k } = this;
    const p = m.paging;
    const mem = k.pa.mem_map;
    for (const mm of mms) {
      const pgdPhys = k.vm.pgd_pa(mm);
      const name = `mm ${hex(mm.addr)}`;
      const pmdTables: { base: number; table: number; count: number }[] = [];
      if (this.pae) {
        const pgd = this.table(pgdPhys - (pgdPhys % PAGE_SIZE));
        const at = (pgdPhys % PAGE_SIZE) / 8;
        for (let i = 0; i < p.USER_PTRS_PER_PGD; i++)
          if (this.low(pgd, at + i))
            pmdTables.push({
              base: i * p.PGDIR_SIZE,
              table: this.physOf(pgd, at + i),
              count: p.PTRS_PER_PMD,
            });
      } else pmdTables.push({ base: 0, table: pgdPhys, count: p.USER_PTRS_PER_PGD });
      for (const t of pmdTables) {
        const pmds = this.table(t.table);
        for (let j = 0; j < t.count; j++) {
          if (!this.low(pmds, j)) continue;
          const base = t.base + j * p.PMD_SIZE;
          const table = this.pfnOf(pmds, j);
          this.claim(table, 1, Owner.UserPageTable, () => `${name}: page table for ${hex(base)}`);
          const ptes = this.table(table * PAGE_SIZE);
          for (let i = 0; i < p.PTRS_PER_PTE; i++) {
            if (!this.userPresent(ptes, i)) continue;
            const pfn = this.pfnOf(ptes, i);
            if (pfn >= this.n) continue; // I/O memory (VM_IO)
            this.ptes[pfn]++;
            if (this.state[pfn] === S_RESERVED) continue; // the zero page, a reserved frame
            const at = () => `${name}: pte for ${hex(base + i * PAGE_SIZE)} (pfn ${hex(pfn)})`;
            if (mem.mapping[pfn]! & PAGE_MAPPING_ANON)
              this.claim(pfn, 1, Owner.Anon, () => `${at()}: anonymous page`);
            else this.userMapped.push([pfn, at]);
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------------------ after the claims

  /** Frames noted while walking must be allocated, or owned by the right holder. */
  mappedFrames(): void {
    for (const [pfn, at] of this.mustBeAllocated)
      if (!this.allocated(pfn) || this.owner[pfn] === Owner.None)
        this.problem(`${at()}: maps pfn ${hex(pfn)}, which no one holds`);
    for (const [pfn, at] of this.userMapped) {
      const o = this.owner[pfn];
      if (o !== Owner.PageCache && o !== Owner.Shmem && o !== Owner.Direct && o !== Owner.Buffers)
        this.problem(
          `${at}: maps a page held by ${OWNER_NAMES[o!]}, not by a file, shmem or a direct caller`,
        );
    }
  }

  /**
   * One pass over every zone's frames: every allocated frame has an owner, counts agree with the
   * holders, the per-zone totals add up, and the sums /proc/meminfo must show.
   */
  references(): void {
    const { k, state, owner, head, ptes } = this;
    const pa = k.pa;
    const mem = pa.mem_map;
    const { flags, _count, _mapcount } = mem;
    // the direct callers' references as a column for this pass (DirectPages keeps them sparse)
    const refs = new Int32Array(mem.nr_pages);
    for (const [p, r] of k.direct.heldRefs()) refs[p] = r;
    const SLAB = 1 << PG_slab;
    const HIGH = 1 << PG_highmem;
    let unowned = 0;
    const sum = { total: 0, free: 0, high: 0, highFree: 0, buffers: 0, cached: 0 };
    for (const zone of pa.zones) {
      const end = zone.zone_start_pfn + zone.spanned_pages;
      let free = 0;
      let pcp = 0;
      let owned = 0;
      let reserved = 0;
      let lost = 0;
      for (let p = zone.zone_start_pfn; p < end; p++) {
        const s = state[p];
        const f = flags[p]!;
        const isHigh = (f & HIGH) !== 0;
        const mapcount = _mapcount[p]! + 1;
        if (s === S_RESERVED) {
          reserved++;
          continue; // the zero page and the kernel's own frames: no counts to compare
        }
        sum.total++;
        if (isHigh) sum.high++;
        if (mapcount !== ptes[p])
          this.problem(`pfn ${hex(p)}: page_mapcount ${mapcount} but ${ptes[p]} user ptes map it`);
        if (s === S_FREE) {
          free++;
          sum.free++;
          if (isHigh) sum.highFree++;
          continue;
        }
        if (s === S_PCP) {
          pcp++;
          continue;
        }
        const o = owner[p]!;
        const count = _count[p]! + 1;
        if (o === Owner.None) {
          lost++;
          unowned++;
          if (unowned <= 10)
            this.problem(
              `pfn ${hex(p)} (${zone.name}) is allocated but no one holds it (count ${count}, flags ${hex(f)}): lost`,
            );
          continue;
        }
        owned++;
        switch (o) {
          case Owner.Slab:
          case Owner.Vmalloc:
          case Owner.KernelPageTable:
          case Owner.UserPageTable: {
            // a block's head carries its one reference, its tails none
            const want = head[p]! + refs[p]!;
            if (count !== want)
              this.problem(
                `pfn ${hex(p)} held by ${OWNER_NAMES[o]}: page_count ${count}, references held ${want}`,
              );
            if (o === Owner.Slab && !(f & SLAB))
              this.problem(`pfn ${hex(p)} is a slab's page without PG_slab`);
            break;
          }
          case Owner.Anon:
            if (count !== mapcount + refs[p]!)
              this.problem(
                `pfn ${hex(p)}: anonymous page with page_count ${count}, ${mapcount} ptes and ${refs[p]} direct references`,
              );
            break;
          case Owner.Shmem:
            if (count !== 1 + mapcount + refs[p]!)
              this.problem(
                `pfn ${hex(p)}: shmem page with page_count ${count}, ${mapcount} ptes and ${refs[p]} direct references`,
              );
            break;
          case Owner.Direct:
            // the head: one per reference held and per pte; a tail: what a caller took on it alone
            if (count !== refs[p]! + mapcount)
              this.problem(
                `pfn ${hex(p)}: direct caller's page with page_count ${count}, ${refs[p]} references held and ${mapcount} ptes`,
              );
            break;
          case Owner.Buffers:
            sum.buffers++;
            break;
          case Owner.PageCache:
            sum.cached++; // its counts are the page-cache checker's
            break;
        }
        if (o !== Owner.Slab && o !== Owner.Direct && f & SLAB)
          this.problem(`pfn ${hex(p)} carries PG_slab but is held by ${OWNER_NAMES[o]}`);
      }
      if (free !== zone.free_pages)
        this.problem(`zone ${zone.name}: free_pages ${zone.free_pages}, the buddy lists hold ${free}`);
      if (free + pcp + owned + reserved !== zone.present_pages)
        this.problem(
          `zone ${zone.name}: free ${free} + per-CPU ${pcp} + owned ${owned} + reserved ${reserved} = ${free + pcp + owned + reserved}, not present_pages ${zone.present_pages} (${lost} lost)`,
        );
    }
    if (unowned > 10) this.problem(`... ${unowned} allocated frames in all are held by no one`);
    this.meminfo(sum);
  }

  /** /proc/meminfo against the sums over mem_map. */
  meminfo(sum: {
    total: number;
    free: number;
    high: number;
    highFree: number;
    buffers: number;
    cached: number;
  }): void {
    const want: Record<string, number> = {
      MemTotal: sum.total,
      MemFree: sum.free,
      Buffers: sum.buffers,
      Cached: sum.cached,
      HighTotal: sum.high,
      HighFree: sum.highFree,
      LowTotal: sum.total - sum.high,
      LowFree: sum.free - sum.highFree,
    };
    for (const line of this.k.pa.meminfo().split("\n")) {
      const mt = /^(\w+):\s+(\d+) kB$/.exec(line);
      if (!mt) continue;
      const w = want[mt[1]!];
      if (w !== undefined && Number(mt[2]) !== w * 4)
        this.problem(`/proc/meminfo ${mt[1]} is ${mt[2]} kB, mem_map adds up to ${w * 4} kB`);
    }
  }
}

/**
 * The model's cross-layer problems of `k` (empty when every statement above holds), each in plain
 * language. Read-only.
 */
export function machineProblems(k: Kernel): string[] {
  return runCheck(k).problems;
}

/** The ownership worked out by the cross-layer check (for tests, views and the fuzzer). */
export function machineOwnership(k: Kernel): MachineOwnership {
  const c = runCheck(k);
  const counts = new Array<number>(OWNER_NAMES.length).fill(0);
  let allocated = 0;
  for (let p = 0; p < c.n; p++) {
    if (c.state[p] !== S_ALLOC) continue;
    allocated++;
    counts[c.owner[p]!]!++;
  }
  return { owner: c.owner, counts, free: c.free, pcp: c.pcp, reserved: c.reserved, allocated };
}

function runCheck(k: Kernel): Checker {
  const c = new Checker(k);
  c.frames();
  const mms = live_mms(k.vm);
  c.slabs();
  c.vmalloc();
  c.pageCache();
  c.shmem(mms);
  c.direct();
  c.kernelTables();
  c.userTables(mms);
  c.mappedFrames();
  c.references();
  return c;
}
