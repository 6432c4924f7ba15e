/*
 * translate.ts — the `translate <addr>` view: what the paging unit does for one access on the
 * current CPU (hw-i386 mmu.ts translate: TLB lookup, else the walk with A/D bits and a TLB fill)
 * and, beside it, every level of the walk in swapper_pg_dir or the CPU's CR3 (pagetable.ts walk)
 * with each entry's flags. A TLB hit whose frame differs from what the tables say now is flagged
 * STALE: the kernel changed a pte without invlpg (__flush_tlb_one).
 * Invariant: apart from what the hardware itself does on that access (A/D bits, TLB fill,
 * CR2 on a fault) nothing is changed.
 */

import * as hw from "@i386mm/hw-i386";
import type { Kernel } from "./kernel.js";
import type { ViewOutput } from "./kernel-api.js";
import { hex } from "./values.js";

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [hw._PAGE_PRESENT, "P"],
  [hw._PAGE_RW, "RW"],
  [hw._PAGE_USER, "US"],
  [hw._PAGE_PWT, "PWT"],
  [hw._PAGE_PCD, "PCD"],
  [hw._PAGE_ACCESSED, "A"],
  [hw._PAGE_DIRTY, "D"],
  [hw._PAGE_PSE, "PS"],
  [hw._PAGE_GLOBAL, "G"],
];

/** Names of an entry's flag bits, e.g. "P RW A D G" (NX shown when set under PAE). */
export function entryFlags(e: number, level: string): string {
  const names = FLAG_NAMES.filter(([bit, n]) => (e & bit) !== 0 && !(n === "PS" && level === "pte")).map(
    ([, n]) => n,
  );
  if (hw._PAGE_NX !== 0 && e >= hw._PAGE_NX && Math.floor(e / hw._PAGE_NX) % 2 === 1) names.push("NX");
  return names.length ? names.join(" ") : "-";
}

/** Decode a page-fault error code: "not-present read, kernel". */
export function describeErrorCode(ec: number): string {
  const parts = [
    ec & hw.PF_PROT ? "protection violation" : "page not present",
    ec & hw.PF_WRITE ? "write" : ec & hw.PF_INSTR ? "instruction fetch" : "read",
    ec & hw.PF_USER ? "user mode" : "kernel mode",
  ];
  if (ec & hw.PF_RSVD) parts.push("reserved bit set");
  return parts.join(", ");
}

/** Run one access through the MMU of the current CPU and describe it. */
export function translateView(
  k: Kernel,
  va: number,
  access: { write: boolean; user: boolean; fetch: boolean },
): ViewOutput {
  const m = k.machine;
  const cpu = m.cpus[m.current]!;
  const cr3 = cpu.cr3;
  const kind = `${access.fetch ? "fetch" : access.write ? "write" : "read"}, ${access.user ? "user" : "kernel"}`;
  const lines: string[] = [`translate ${hex(va, 8)} (${kind}) on CPU ${m.current}, cr3 ${hex(cr3, 8)}`];
  const hits0 = cpu.tlb.hits;
  const r = hw.translate(m, cpu, va, access);
  const hit = cpu.tlb.hits > hits0;
  // The tables as they are now (after the hardware set A/D on a miss).
  const levels = hw.walk(m, cr3, va);
  const paging = m.paging;
  for (const l of levels) {
    const width = paging.ENTRY_SIZE === 8 ? 16 : 8;
    const target = !l.present
      ? "not present"
      : l.large
        ? `${paging.pae ? "2 MiB" : "4 MiB"} page at ${hex(hw.pte_phys(l.entry), 8)}`
        : l.level === "pte"
          ? `frame ${hex(hw.pte_pfn(l.entry))}`
          : `table at ${hex(hw.pte_phys(l.entry), 8)}`;
    lines.push(
      `  ${l.level}[${String(l.idx).padStart(4)}] @${hex(l.entryPa, 8)} = ${hex(l.entry % 2 ** 36, width)}  ${entryFlags(l.entry, l.level).padEnd(18)} -> ${target}`,
    );
  }
  const now = hw.peek(m, cr3, va, access);
  const json: Record<string, unknown> = {
    va,
    cpu: m.current,
    cr3,
    access,
    tlb: hit ? "hit" : "miss",
    levels: levels.map((l) => ({
      level: l.level,
      idx: l.idx,
      entryPa: l.entryPa,
      entry: l.entry,
      flags: entryFlags(l.entry, l.level),
      present: l.present,
      large: l.large,
    })),
  };
  if (r.fault) {
    lines.push(
      `  TLB ${hit ? "hit" : "miss"}; page fault: cr2 ${hex(r.fault.cr2, 8)}, error_code ${hex(r.fault.error_code)} (${describeErrorCode(r.fault.error_code)})`,
    );
    json.fault = r.fault;
  } else {
    const frame = Math.floor(r.phys / 4096);
    let stale = "";
    if (hit && (now.fault || Math.floor(now.phys / 4096) !== frame)) {
      stale = now.fault
        ? " -- STALE: the page tables no longer map this page (missing invlpg)"
        : ` -- STALE: the page tables now say frame ${hex(Math.floor(now.phys / 4096))} (missing invlpg)`;
      json.stale = true;
    }
    lines.push(
      `  TLB ${hit ? "hit" : "miss, walked and cached"}: ${hex(va, 8)} -> phys ${hex(r.phys, 8)} (frame ${hex(frame)})${stale}`,
    );
    json.phys = r.phys;
  }
  lines.push(`  CPU ${m.current} TLB: ${cpu.tlb.hits} hits, ${cpu.tlb.misses} misses`);
  return { lines, json };
}
