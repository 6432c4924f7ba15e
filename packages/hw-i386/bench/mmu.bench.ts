// Translate throughput: TLB hit and TLB miss (full walk), 2-level and PAE.
// Each bench call performs BATCH translations; per-translation time = (1e9 / hz) / BATCH ns.
import { bench, describe } from "vitest";
import { set_in_cr4, write_cr3, X86_CR4_PGE, X86_CR4_PSE } from "../src/cpu.js";
import { Machine } from "../src/machine.js";
import { PF_WRITE, translate, translate_raw } from "../src/mmu.js";
import { set_pte_at } from "../src/pagetable.js";
import { PAGE_KERNEL_EXEC, pfn_pte } from "../src/paging.js";
import { asPhys, type PhysAddr } from "../src/types.js";

const BATCH = 1024;
const CR3 = asPhys(0x9000);

function setup(pae: boolean) {
  const m = new Machine({ memBytes: 256 << 20, pae });
  let next = 0x100000;
  const alloc = () => {
    const pa = next;
    next += 4096;
    return pa as PhysAddr;
  };
  // BATCH pages spread over 4 page tables
  for (let i = 0; i < BATCH; i++)
    set_pte_at(m, CR3, 0xc1000000 + i * 4096, pfn_pte(0x2000 + i, PAGE_KERNEL_EXEC), alloc);
  const cpu = m.cpus[0]!;
  set_in_cr4(cpu, X86_CR4_PSE | X86_CR4_PGE);
  write_cr3(cpu, CR3);
  for (let i = 0; i < BATCH; i++) translate_raw(m, cpu, 0xc1000000 + i * 4096, PF_WRITE); // set A/D once
  return { m, cpu };
}

for (const pae of [false, true]) {
  describe(`translate ${pae ? "PAE" : "2-level"} (x${BATCH} per call)`, () => {
    const { m, cpu } = setup(pae);
    let sink = 0;
    bench("TLB hit, translate_raw", () => {
      for (let i = 0; i < BATCH; i++) sink = (sink + translate_raw(m, cpu, 0xc1000000 + i * 4096 + 8, 0)) | 0;
    });
    bench("TLB hit, translate (result object)", () => {
      for (let i = 0; i < BATCH; i++) sink = (sink + translate(m, cpu, 0xc1000000 + i * 4096 + 8).phys!) | 0;
    });
    bench("TLB miss (walk), translate_raw", () => {
      const tlb = cpu.tlb;
      for (let i = 0; i < BATCH; i++) {
        const va = 0xc1000000 + i * 4096;
        tlb.drop(va >>> 12);
        sink = (sink + translate_raw(m, cpu, va + 8, 0)) | 0;
      }
    });
    if (sink === -1) console.log(sink);
  });
}
