/*
 * invariants.ts — checkVmaInvariants(vm): every rule the process-memory structures obey, in plain
 * language, checked over every live address space at once (page mapcounts are global facts).
 * Sources: validate_mm/browse_rb of mm/mmap.c (list, tree, map_count), the comments of
 * mm/mmap.c, mm/memory.c and mm/rmap.c, the reference's §13, and the model's own checks (marked
 * "model:"): no two neighbouring VMAs left mergeable, every present user pte inside a VMA and no
 * more permissive than it, mapcounts equal to the ptes mapping each page, rss and nr_ptes equal
 * to what the page tables hold, vm_committed_space equal to the accounted VMAs, cpu_vm_mask and
 * the TLBs consistent with what each CPU has loaded.
 */

import {
  _PAGE_PRESENT,
  _PAGE_PROTNONE,
  _PAGE_RW,
  _PAGE_USER,
  InvariantError,
  PAGE_SIZE,
  pte_pfn,
  pte_phys,
  TASK_SIZE,
  TLB_USER,
  TLB_WRITE,
} from "@i386mm/hw-i386";
import { PG_reserved } from "@i386mm/page-alloc";
import {
  PAGE_MAPPING_ANON,
  VM_ACCOUNT,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_IO,
  VM_LOCKED,
  VM_READ,
  VM_RESERVED,
  VM_SHARED,
  VM_SPECIAL,
  VM_WRITE,
} from "./constants.js";
import { file_mapping } from "./filemap.js";
import type { mm_struct, vm_area_struct } from "./mm-types.js";
import { entry_get } from "./pgtable.js";
import { rb_check, rb_first, rb_next } from "./rbtree.js";
import { shmem_file } from "./shmem.js";
import { TLBSTATE_OK } from "./tlbflush.js";
import type { VmSystem } from "./vm.js";

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Every address space alive in `vm`: the tasks' mms and the mms CPUs still hold lazily. */
export function live_mms(vm: VmSystem): mm_struct[] {
  const set = new Set<mm_struct>();
  for (const t of vm.tasks.values()) {
    if (t.mm !== null) set.add(t.mm);
    if (t.active_mm !== null && t.active_mm !== vm.init_mm) set.add(t.active_mm);
  }
  for (const t of vm.curr) if (t.active_mm !== null && t.active_mm !== vm.init_mm) set.add(t.active_mm);
  for (const st of vm.cpu_tlbstate) if (st.active_mm !== vm.init_mm) set.add(st.active_mm);
  return [...set];
}

/** Could `a` (below) and `b` (right above it) be one VMA, by vma_merge's rules? */
function mergeable(a: vm_area_struct, b: vm_area_struct): boolean {
  if (a.vm_end !== b.vm_start) return false;
  if (a.vm_flags !== b.vm_flags || a.vm_flags & VM_SPECIAL) return false;
  if (a.vm_file !== b.vm_file) return false;
  if (a.vm_ops?.close !== undefined || b.vm_ops?.close !== undefined) return false;
  if (a.anon_vma !== null && b.anon_vma !== null && a.anon_vma !== b.anon_vma) return false;
  return a.vm_pgoff + (a.vm_end - a.vm_start) / PAGE_SIZE === b.vm_pgoff;
}

/** The structure of one mm: list, tree, counters, anon_vma links. */
function checkMmStructure(vm: VmSystem, mm: mm_struct, name: string, out: string[]): void {
  const list: vm_area_struct[] = [];
  let total = 0;
  let locked = 0;
  let shared = 0;
  let exec = 0;
  let stack = 0;
  let reserved = 0;
  for (let v = mm.mmap, prev: vm_area_struct | null = null; v !== null; prev = v, v = v.vm_next) {
    list.push(v);
    if (list.length > 1_000_000) {
      out.push(`${name}: the VMA list does not end (cycle)`);
      return;
    }
    const at = `${name}: VMA ${hex(v.vm_start)}-${hex(v.vm_end)}`;
    if (v.vm_mm !== mm) out.push(`${at} belongs to another mm (vm_mm)`);
    if (v.vm_start >= v.vm_end) out.push(`${at} is empty or inverted`);
    if (v.vm_start % PAGE_SIZE !== 0 || v.vm_end % PAGE_SIZE !== 0) out.push(`${at} is not page aligned`);
    if (v.vm_end > TASK_SIZE) out.push(`${at} reaches above TASK_SIZE`);
    if (prev !== null && prev.vm_end > v.vm_start)
      out.push(`${at} overlaps or is out of order after ${hex(prev.vm_start)}-${hex(prev.vm_end)}`);
    if (prev !== null && mergeable(prev, v) && !(v.vm_flags & VM_GROWSDOWN))
      out.push(`${at}: model: it and the VMA below it could be merged but were not`);
    const pages = (v.vm_end - v.vm_start) / PAGE_SIZE;
    total += pages;
    if (v.vm_flags & VM_LOCKED) locked += pages;
    if (v.vm_file !== null) {
      shared += pages;
      if ((v.vm_flags & (VM_EXEC | VM_WRITE)) === VM_EXEC) exec += pages;
    } else if (v.vm_flags & VM_GROWSDOWN) stack += pages;
    if (v.vm_flags & (VM_RESERVED | VM_IO)) reserved += pages;
    if (v.anon_vma !== null && !v.anon_vma.head.has(v)) out.push(`${at} is missing from its anon_vma's list`);
    if (v.anon_vma !== null && !vm.anon_vmas.has(v.anon_vma.addr))
      out.push(`${at} points to a freed anon_vma`);
    if (v.vm_file !== null && !file_mapping(v.vm_file).i_mmap.has(v))
      out.push(`${at} is missing from its file's i_mmap`);
    if (v.vm_file !== null && v.vm_file.f_count < 1) out.push(`${at} maps a file with no references`);
  }
  if (mm.map_count !== list.length)
    out.push(`${name}: map_count ${mm.map_count} but the list has ${list.length} VMAs`);
  const rb = { count: 0, height: 0 };
  for (const p of rb_check(mm.mm_rb, rb)) out.push(`${name}: ${p}`);
  let i = 0;
  for (let n = rb_first(mm.mm_rb); n !== null; n = rb_next(n), i++) {
    if (list[i] !== n.entry) {
      out.push(`${name}: mm_rb in order differs from the list at position ${i}`);
      break;
    }
  }
  if (rb.count !== list.length) out.push(`${name}: mm_rb holds ${rb.count} VMAs, the list ${list.length}`);
  if (mm.mmap_cache !== null && !list.includes(mm.mmap_cache))
    out.push(`${name}: mmap_cache is not one of its VMAs`);
  const counters: [string, number, number][] = [
    ["total_vm", mm.total_vm, total],
    ["locked_vm", mm.locked_vm, locked],
    ["shared_vm", mm.shared_vm, shared],
    ["exec_vm", mm.exec_vm, exec],
    ["stack_vm", mm.stack_vm, stack],
    ["reserved_vm", mm.reserved_vm, reserved],
  ];
  // after exit_mmap (mm_users 0, still held lazily) 2.6.11 leaves shared/exec/stack/reserved_vm as they were
  const torn = mm.mm_users === 0;
  for (const [n, have, want] of counters)
    if (have !== want && !(torn && n !== "total_vm" && n !== "locked_vm"))
      out.push(`${name}: ${n} is ${have}, the VMAs add up to ${want}`);
  if (mm.mm_users < 0 || mm.mm_count < 1)
    out.push(`${name}: mm_users ${mm.mm_users}, mm_count ${mm.mm_count}`);
}

/** Per-page facts gathered from every page table. */
interface PageUse {
  ptes: number;
  anonVma: Set<number>;
}

/** Walk the user page tables of one mm: ptes vs VMAs, rss, nr_ptes, page uses. */
function checkMmTables(
  vm: VmSystem,
  mm: mm_struct,
  name: string,
  uses: Map<number, PageUse>,
  out: string[],
): void {
  const m = vm.machine;
  const p = m.paging;
  const mem = vm.pa.mem_map;
  let rss = 0;
  let anon_rss = 0;
  let tables = 0;
  const pgd = vm.pgd_pa(mm);
  const pmdTables: { base: number; table: number; count: number; span: number }[] = [];
  if (p.pae)
    for (let i = 0; i < p.USER_PTRS_PER_PGD; i++) {
      const e = p.readEntry(m.ram, pgd, i);
      if ((e & _PAGE_PRESENT) === 0) {
        out.push(`${name}: PAE user pgd entry ${i} is not present (pgd_alloc fills all three)`);
        continue;
      }
      pmdTables.push({ base: i * p.PGDIR_SIZE, table: pte_phys(e), count: p.PTRS_PER_PMD, span: p.PMD_SIZE });
    }
  else pmdTables.push({ base: 0, table: pgd, count: p.USER_PTRS_PER_PGD, span: p.PMD_SIZE });
  let vma = mm.mmap;
  for (const t of pmdTables) {
    for (let j = 0; j < t.count; j++) {
      const pmd = p.readEntry(m.ram, t.table, j);
      if (pmd === 0) continue;
      const base = t.base + j * t.span;
      if ((pmd & _PAGE_PRESENT) === 0 || (pmd & 0xfff) !== 0x067) {
        out.push(`${name}: pmd for ${hex(base)} is ${hex(pmd)}, not a _PAGE_TABLE entry`);
        continue;
      }
      tables++;
      const table = pte_phys(pmd);
      for (let k = 0; k < p.PTRS_PER_PTE; k++) {
        const pte = p.readEntry(m.ram, table, k);
        if (pte === 0) continue;
        const addr = base + k * PAGE_SIZE;
        const at = `${name}: pte for ${hex(addr)} (${hex(pte)})`;
        if ((pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) === 0) {
          out.push(`${at} is neither none nor present (no swap in the model)`);
          continue;
        }
        while (vma !== null && vma.vm_end <= addr) vma = vma.vm_next;
        if (vma === null || vma.vm_start > addr) {
          out.push(`${at}: model: a present pte outside every VMA`);
          continue;
        }
        const f = vma.vm_flags;
        if (pte & _PAGE_RW && !(f & VM_WRITE)) out.push(`${at}: model: writable in a VMA without VM_WRITE`);
        if (pte & _PAGE_PRESENT && !(f & (VM_READ | VM_WRITE | VM_EXEC)))
          out.push(`${at}: model: accessible in a PROT_NONE VMA`);
        if (pte & _PAGE_PRESENT && !(pte & _PAGE_USER))
          out.push(`${at}: model: a user pte without _PAGE_USER`);
        if (m.nx_enabled && pte < 2 ** 52 && pte & _PAGE_PRESENT && !(f & VM_EXEC))
          out.push(`${at}: model: executable in a VMA without VM_EXEC (NX missing)`);
        const pfn = pte_pfn(pte);
        if (!vm.pa.pfn_valid(pfn)) continue;
        if (mem.flags[pfn]! & (1 << PG_reserved)) {
          if (pte & _PAGE_RW) out.push(`${at}: model: a reserved page (the zero page?) mapped writable`);
          continue;
        }
        rss++;
        const anon = (mem.mapping[pfn]! & PAGE_MAPPING_ANON) !== 0;
        if (anon) anon_rss++;
        if (mem._count[pfn]! < 0) out.push(`${at}: maps a free page (pfn ${pfn})`);
        if (anon && vma.vm_file === null && !(f & VM_SHARED)) {
          const idx = (addr - vma.vm_start) / PAGE_SIZE + vma.vm_pgoff;
          if (mem.index[pfn] !== idx)
            out.push(`${at}: anonymous page index ${mem.index[pfn]} but linear index ${idx}`);
        }
        if (pte & _PAGE_RW && !(f & VM_SHARED) && !anon)
          out.push(`${at}: model: a private writable pte to a non-anonymous page (COW not broken)`);
        let u = uses.get(pfn);
        if (u === undefined) uses.set(pfn, (u = { ptes: 0, anonVma: new Set() }));
        u.ptes++;
        if (pte & _PAGE_RW && !(f & VM_SHARED)) u.anonVma.add(-1); // marks "mapped writable privately"
        if (anon && vma.anon_vma !== null) u.anonVma.add(vma.anon_vma.addr);
        if (anon && vma.anon_vma === null) out.push(`${at}: anonymous page in a VMA without anon_vma`);
      }
    }
  }
  if (rss !== mm.rss) out.push(`${name}: rss is ${mm.rss}, the page tables map ${rss} counted pages`);
  if (anon_rss !== mm.anon_rss)
    out.push(`${name}: anon_rss is ${mm.anon_rss}, the page tables map ${anon_rss} anonymous pages`);
  if (tables !== mm.nr_ptes) out.push(`${name}: nr_ptes is ${mm.nr_ptes}, the pgd has ${tables} pte tables`);
  // kernel part of the page directory: equal to swapper_pg_dir's entries, or not yet faulted in
  for (let i = p.USER_PTRS_PER_PGD; i < p.PTRS_PER_PGD; i++) {
    const e = p.readEntry(m.ram, pgd, i);
    const k = p.readEntry(m.ram, vm.pa.swapper_pg_dir, i);
    if (e !== k && (e !== 0 || p.pae))
      out.push(`${name}: kernel pgd entry ${i} is ${hex(e)}, swapper_pg_dir has ${hex(k)}`);
  }
}

/** TLBs and cpu_vm_mask against what each CPU has loaded. */
function checkCpus(vm: VmSystem, mms: mm_struct[], out: string[]): void {
  const m = vm.machine;
  for (let cpu = 0; cpu < m.cpus.length; cpu++) {
    const c = m.cpus[cpu]!;
    const st = vm.cpu_tlbstate[cpu]!;
    const cur = vm.curr[cpu]!;
    if (cur.active_mm !== st.active_mm)
      out.push(`CPU ${cpu}: current's active_mm and cpu_tlbstate.active_mm differ`);
    if (st.state === TLBSTATE_OK && (st.active_mm.cpu_vm_mask & (1 << cpu)) === 0)
      out.push(`CPU ${cpu}: uses its active_mm but is not in its cpu_vm_mask`);
    if (st.active_mm.cpu_vm_mask & (1 << cpu) && c.cr3 !== vm.pgd_pa(st.active_mm))
      out.push(`CPU ${cpu}: in its active_mm's cpu_vm_mask but CR3 ${hex(c.cr3)} is another page directory`);
    for (const mm of mms)
      if (mm !== st.active_mm && mm.cpu_vm_mask & (1 << cpu))
        out.push(`CPU ${cpu}: in the cpu_vm_mask of an mm it does not hold`);
    // model: a cached user translation must agree with the page table (else a flush was missed)
    const mm = mms.find((x) => vm.pgd_pa(x) === c.cr3);
    if (mm === undefined) continue;
    c.tlb.forEach((va, pfn, flags) => {
      if (va >= TASK_SIZE || !(flags & TLB_USER)) return;
      const ptep = followPte(vm, mm, va);
      const pte = ptep < 0 ? 0 : entry_get(vm, ptep);
      if ((pte & _PAGE_PRESENT) === 0 || pte_pfn(pte) !== pfn)
        out.push(`CPU ${cpu}: model: stale TLB entry for ${hex(va)} -> pfn ${pfn} (pte ${hex(pte)})`);
      else if (flags & TLB_WRITE && !(pte & _PAGE_RW))
        out.push(`CPU ${cpu}: model: TLB entry for ${hex(va)} writable, the pte is read-only`);
    });
  }
}

function followPte(vm: VmSystem, mm: mm_struct, va: number): number {
  const p = vm.machine.paging;
  let pmdp = vm.pgd_pa(mm) + p.pgd_index(va) * p.ENTRY_SIZE;
  if (p.pae) {
    const pgd = entry_get(vm, pmdp);
    if ((pgd & _PAGE_PRESENT) === 0) return -1;
    pmdp = pte_phys(pgd) + p.pmd_index(va) * 8;
  }
  const pmd = entry_get(vm, pmdp);
  if ((pmd & _PAGE_PRESENT) === 0 || pmd & 0x80) return -1;
  return pte_phys(pmd) + p.pte_index(va) * p.ENTRY_SIZE;
}

/**
 * checkVmaInvariants(vm): throws InvariantError listing every broken rule over all live address
 * spaces (list and tree, counters, ptes vs VMAs, mapcounts, rss, nr_ptes, anon_vmas, committed
 * memory, CPUs and TLBs); returns nothing when all hold.
 */
export function checkVmaInvariants(vm: VmSystem): void {
  const out: string[] = [];
  const mms = live_mms(vm);
  const uses = new Map<number, PageUse>();
  let committed = 0;
  const anonUsers = new Map<number, number>();
  for (const mm of mms) {
    const name = `mm ${hex(mm.addr)}`;
    checkMmStructure(vm, mm, name, out);
    checkMmTables(vm, mm, name, uses, out);
    for (let v = mm.mmap; v !== null; v = v.vm_next) {
      if (v.vm_flags & VM_ACCOUNT) committed += (v.vm_end - v.vm_start) / PAGE_SIZE;
      if (v.anon_vma !== null) anonUsers.set(v.anon_vma.addr, (anonUsers.get(v.anon_vma.addr) ?? 0) + 1);
    }
  }
  const shmemSeen = new Set<shmem_file>();
  for (const mm of mms)
    for (let v = mm.mmap; v !== null; v = v.vm_next)
      if (v.vm_file instanceof shmem_file && !shmemSeen.has(v.vm_file)) {
        shmemSeen.add(v.vm_file);
        committed += v.vm_file.accounted;
      }
  if (committed !== vm.vm_committed_space)
    out.push(
      `vm_committed_space is ${vm.vm_committed_space}, the accounted VMAs and shmem objects add up to ${committed}`,
    );
  const mem = vm.pa.mem_map;
  for (const [pfn, u] of uses) {
    const mapcount = mem._mapcount[pfn]! + 1;
    const count = mem._count[pfn]! + 1;
    if (mapcount !== u.ptes)
      out.push(`pfn ${pfn}: _mapcount says ${mapcount} ptes, the page tables have ${u.ptes}`);
    const anon = (mem.mapping[pfn]! & PAGE_MAPPING_ANON) !== 0;
    if (anon) {
      if (count !== mapcount)
        out.push(`pfn ${pfn}: anonymous page with _count ${count} but ${mapcount} mappings`);
      const av = mem.mapping[pfn]! - PAGE_MAPPING_ANON;
      for (const a of u.anonVma)
        if (a !== -1 && a !== av) out.push(`pfn ${pfn}: mapped by a VMA whose anon_vma is not page->mapping`);
      if (u.anonVma.has(-1) && mapcount !== 1)
        out.push(`pfn ${pfn}: model: writable private pte to a page mapped ${mapcount} times`);
    } else if (count < mapcount + 1)
      out.push(`pfn ${pfn}: file page with _count ${count} below its ${mapcount} mappings + the cache's`);
  }
  for (const [addr, av] of vm.anon_vmas) {
    if (av.head.size === 0) out.push(`anon_vma ${hex(addr)} is empty but not freed`);
    if ((anonUsers.get(addr) ?? 0) !== av.head.size)
      out.push(`anon_vma ${hex(addr)} lists ${av.head.size} VMAs, ${anonUsers.get(addr) ?? 0} point to it`);
  }
  checkCpus(vm, mms, out);
  if (out.length > 0) throw new InvariantError(out);
}
