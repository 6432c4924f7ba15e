import {
  __flush_tlb_one,
  asPhys,
  Machine,
  mk_pte,
  PAGE_SHARED,
  set_pte_at,
  translate,
  write_cr3,
} from "../src/index.js";

export function example(): string[] {
  const out: string[] = [];
  // A 128 MiB PC with QEMU's e820 map; 2-level paging, one CPU.
  const m = new Machine({ memBytes: 128 << 20 });
  out.push(
    `e820: ${m.e820.nr_map} entries, RAM ends at 0x${(m.e820.map[3]!.addr + m.e820.map[3]!.size).toString(16)}`,
  );

  // Page tables live in simulated RAM: pgd at 0x9000, tables handed out from 1 MiB up.
  let next = 0x100000;
  const allocTable = () => asPhys((next += 4096) - 4096);
  const cr3 = asPhys(0x9000);
  set_pte_at(m, cr3, 0x08048000, mk_pte(0x2345, PAGE_SHARED), allocTable);
  const cpu = m.cpus[0]!;
  write_cr3(cpu, cr3);

  // The MMU walks the tables, sets A/D and fills the TLB.
  const r = translate(m, cpu, 0x08048123, { user: true, write: true });
  out.push(`phys 0x${r.phys!.toString(16)}`);

  // Remap without flushing: the TLB still holds the old frame...
  set_pte_at(m, cr3, 0x08048000, mk_pte(0x3456, PAGE_SHARED), allocTable);
  out.push(`stale 0x${translate(m, cpu, 0x08048123, { user: true }).phys!.toString(16)}`);
  // ...until the kernel flushes the entry (invlpg).
  __flush_tlb_one(cpu, 0x08048000);
  out.push(`fresh 0x${translate(m, cpu, 0x08048123, { user: true }).phys!.toString(16)}`);

  // A user write to kernel space faults: CR2 and error code P=0|W|U = 6.
  const f = translate(m, cpu, 0xc0000000, { user: true, write: true }).fault!;
  out.push(`fault cr2=0x${f.cr2.toString(16)} error_code=${f.error_code}`);
  out.push(`tlb hits=${cpu.tlb.hits} misses=${cpu.tlb.misses}`);
  return out;
}
