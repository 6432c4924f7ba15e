/*
 * process.ts — processes as the process view draws them (@i386mm/vma): each live task's VMAs
 * (mm->mmap, with /proc/PID/maps's fields and the vm_flags names), their resident frames, and a
 * page-table walk of any address in a task's tables or the kernel's (swapper_pg_dir): pgd -> pmd
 * (PAE) -> pte -> frame with every entry's flag bits, and whether each CPU's TLB holds the page
 * (hit), would have to walk (miss), or holds another frame than the tables say (STALE).
 * The walk only reads memory and the TLBs; `mmuAccess` is the access itself (it goes through the
 * CPU and may fault), a step the explorer records and replays.
 */

import type { Kernel } from "@i386mm/demo";
import {
  __pa,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_GLOBAL,
  _PAGE_PCD,
  _PAGE_PRESENT,
  _PAGE_PSE,
  _PAGE_PWT,
  _PAGE_RW,
  _PAGE_USER,
  PAGE_OFFSET,
  pte_pfn,
  pte_phys,
  TLB_VALID,
  translate,
  walk,
} from "@i386mm/hw-i386";
import {
  follow_page,
  map_entry_of,
  proc_pid_maps,
  schedule_to,
  type task_struct,
  user_access,
  type VmSystem,
  type vm_area_struct,
  vm_flags_names,
} from "@i386mm/vma";

/** One VMA as the views show it. */
export interface VmaInfo {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly flags: number;
  readonly flagNames: string;
  readonly pgoff: number;
  readonly path: string;
  /** What it is: the file's name, [heap], [stack], [anon]. */
  readonly label: string;
  /** Pages present in the page tables. */
  readonly resident: number;
  readonly vma: vm_area_struct;
}

/** The live tasks that have an address space, by pid. */
export function userTasks(vm: VmSystem | null): task_struct[] {
  if (!vm) return [];
  return [...vm.tasks.values()]
    .filter((t) => t.mm !== null && t.exit_state === 0)
    .sort((a, b) => a.pid - b.pid);
}

/** A task's VMAs, lowest first. */
export function vmasOf(k: Kernel, vm: VmSystem, t: task_struct): VmaInfo[] {
  const mm = t.mm;
  if (!mm) return [];
  const out: VmaInfo[] = [];
  for (let v = mm.mmap; v !== null; v = v.vm_next) {
    const e = map_entry_of(v);
    let label = e.path ? e.path.slice(e.path.lastIndexOf("/") + 1) : "[anon]";
    if (!e.path && v.vm_start <= mm.start_brk && v.vm_end >= mm.brk && mm.brk > mm.start_brk)
      label = "[heap]";
    if (!e.path && v.vm_start <= mm.start_stack && v.vm_end > mm.start_stack) label = "[stack]";
    out.push({
      start: v.vm_start,
      end: v.vm_end,
      perms: e.perms,
      flags: v.vm_flags,
      flagNames: vm_flags_names(v.vm_flags),
      pgoff: v.vm_pgoff,
      path: e.path,
      label,
      resident: residentPages(k, vm, t, v.vm_start, v.vm_end),
      vma: v,
    });
  }
  return out;
}

/** Present ptes in [start, end) of a task (follow_page, no fault). */
export function residentPages(k: Kernel, vm: VmSystem, t: task_struct, start: number, end: number): number {
  return residentFrames(k, vm, t, start, end).length;
}

/** The frames mapped in [start, end) of a task. */
export function residentFrames(
  k: Kernel,
  _vm: VmSystem,
  t: task_struct,
  start: number,
  end: number,
): number[] {
  const mm = t.mm;
  if (!mm) return [];
  const cr3 = __pa(mm.pgd);
  const mode = k.machine.paging;
  const out: number[] = [];
  for (let va = start; va < end; ) {
    const levels = walk(k.machine, cr3, va);
    const leaf = levels[levels.length - 1]!;
    if (leaf.level !== "pte") {
      // No table here: skip to the next pmd (or pgd) boundary.
      const span = leaf.level === "pmd" ? mode.PMD_SIZE : mode.PGDIR_SIZE;
      va = Math.floor(va / span) * span + span;
      continue;
    }
    if (leaf.present) out.push(pte_pfn(leaf.entry));
    va += 4096;
  }
  return out;
}

/** /proc/PID/maps of a task. */
export function mapsText(t: task_struct): string {
  return proc_pid_maps(t);
}

/** One flag bit of an entry. */
export interface FlagBit {
  readonly name: string;
  readonly set: boolean;
  readonly title: string;
}

const BITS: readonly (readonly [number, string, string])[] = [
  [_PAGE_PRESENT, "P", "present"],
  [_PAGE_RW, "RW", "writable"],
  [_PAGE_USER, "US", "user-accessible"],
  [_PAGE_PWT, "PWT", "write-through"],
  [_PAGE_PCD, "PCD", "cache disabled"],
  [_PAGE_ACCESSED, "A", "accessed"],
  [_PAGE_DIRTY, "D", "dirty"],
  [_PAGE_PSE, "PS", "page size (large page; on a pte: PAT)"],
  [_PAGE_GLOBAL, "G", "global (kept in the TLB across CR3 loads)"],
];

/** The flag bits of an entry, set or not (NX under PAE). */
export function flagBits(entry: number, pae: boolean): FlagBit[] {
  const out = BITS.map(([bit, name, title]) => ({ name, set: (entry & bit) !== 0, title }));
  if (pae)
    out.push({
      name: "NX",
      set: entry >= 2 ** 63 || Math.floor(entry / 2 ** 63) % 2 === 1,
      title: "no execute",
    });
  return out;
}

/** One level of a walk. */
export interface WalkStep {
  readonly level: "pgd" | "pmd" | "pte";
  readonly idx: number;
  readonly tablePa: number;
  readonly entryPa: number;
  readonly entry: number;
  readonly present: boolean;
  readonly large: boolean;
  readonly bits: FlagBit[];
}

/** The TLB of one CPU for the walked page. */
export interface TlbState {
  readonly cpu: number;
  readonly state: "hit" | "miss" | "stale" | "other mm";
  readonly pfn: number;
  readonly text: string;
}

/** A whole walk. */
export interface WalkResult {
  readonly va: number;
  readonly cr3: number;
  readonly who: string;
  readonly steps: WalkStep[];
  /** The frame and physical address, or null when the walk stops at a non-present entry. */
  readonly pfn: number | null;
  readonly phys: number | null;
  readonly tlb: TlbState[];
  /** The VMA containing the address (user walks). */
  readonly vma: VmaInfo | null;
  readonly note: string;
}

/** Walk `va` in a task's page tables (or the kernel's when `t` is null), reading only. */
export function walkAddress(k: Kernel, vm: VmSystem | null, t: task_struct | null, va: number): WalkResult {
  const mach = k.machine;
  const pae = mach.paging.pae;
  const cr3 = t?.mm ? __pa(t.mm.pgd) : k.pa.swapper_pg_dir;
  const who = t ? `pid ${t.pid} (${t.comm})` : "the kernel (swapper_pg_dir)";
  const levels = walk(mach, cr3, va >>> 0);
  const steps: WalkStep[] = levels.map((l) => ({
    level: l.level,
    idx: l.idx,
    tablePa: l.tablePa,
    entryPa: l.entryPa,
    entry: l.entry,
    present: l.present,
    large: l.large,
    bits: flagBits(l.entry, pae),
  }));
  const leaf = levels[levels.length - 1]!;
  let pfn: number | null = null;
  let phys: number | null = null;
  if (leaf.present && (leaf.large || leaf.level === "pte")) {
    const size = leaf.large ? (pae ? 2 << 20 : 4 << 20) : 4096;
    phys = pte_phys(leaf.entry) + (va % size);
    pfn = Math.floor(phys / 4096);
  }
  const tlb: TlbState[] = [];
  const vpn = (va >>> 12) >>> 0;
  mach.cpus.forEach((cpu, i) => {
    const loaded = cpu.cr3 === cr3 || va >= PAGE_OFFSET;
    const e = cpu.tlb.entries.length > vpn ? cpu.tlb.entries[vpn]! : 0;
    const valid = (e & TLB_VALID) !== 0;
    const tpfn = valid ? e >>> 8 : -1;
    if (!loaded) {
      tlb.push({
        cpu: i,
        state: "other mm",
        pfn: -1,
        text: `CPU ${i} runs another address space (cr3 ${hexs(cpu.cr3)})`,
      });
    } else if (!valid) {
      tlb.push({
        cpu: i,
        state: "miss",
        pfn: -1,
        text: `CPU ${i}: TLB miss (the MMU would walk the tables)`,
      });
    } else if (pfn === null || tpfn !== pfn) {
      tlb.push({
        cpu: i,
        state: "stale",
        pfn: tpfn,
        text: `CPU ${i}: STALE entry -> frame ${hexs(tpfn)}, the tables say ${pfn === null ? "not present" : `frame ${hexs(pfn)}`} (missing invlpg)`,
      });
    } else {
      tlb.push({ cpu: i, state: "hit", pfn: tpfn, text: `CPU ${i}: TLB hit -> frame ${hexs(tpfn)}` });
    }
  });
  let vma: VmaInfo | null = null;
  if (t && vm && va < PAGE_OFFSET) vma = vmasOf(k, vm, t).find((v) => va >= v.start && va < v.end) ?? null;
  let note = "";
  if (pfn === null) {
    note =
      t && va < PAGE_OFFSET
        ? vma
          ? `not present: the first access faults and ${vma.label} is filled in on demand (do_page_fault -> handle_mm_fault)`
          : "no VMA here: an access is a SIGSEGV (SEGV_MAPERR)"
        : "not mapped in the kernel's tables";
  }
  return { va: va >>> 0, cr3, who, steps, pfn, phys, tlb, vma, note };
}

/** The frame a task maps at `va` (follow_page), or null. */
export function followPage(vm: VmSystem, t: task_struct, va: number): number | null {
  if (!t.mm) return null;
  return follow_page(vm, t.mm, va, false);
}

/**
 * The access itself, through the MMU of the CPU running the task: user code touching `va` (a fault
 * is handled as the kernel would) or, for the kernel, the paging unit's translate on CPU 0.
 * Returns a line saying what happened.
 */
export function mmuAccess(
  k: Kernel,
  vm: VmSystem | null,
  t: task_struct | null,
  va: number,
  write: boolean,
): string {
  if (t && vm) {
    if (vm.current !== t) schedule_to(vm, t);
    const r = user_access(vm, va >>> 0, { write });
    return typeof r === "number"
      ? `pid ${t.pid}: ${write ? "write" : "read"} ${hexs(va)} -> phys ${hexs(r)}`
      : `pid ${t.pid}: ${write ? "write" : "read"} ${hexs(va)} -> ${String(r)}`;
  }
  const cpu = k.machine.cpus[k.machine.current]!;
  const r = translate(k.machine, cpu, va >>> 0, { write, user: false, fetch: false });
  return r.fault
    ? `kernel ${write ? "write" : "read"} ${hexs(va)}: page fault, error_code ${hexs(r.fault.error_code)}`
    : `kernel ${write ? "write" : "read"} ${hexs(va)} -> phys ${hexs(r.phys)} on CPU ${k.machine.current}`;
}

function hexs(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}
