import { asPhys, Machine, mk_pte, PAGE_SHARED, set_pte_at, translate, write_cr3 } from "../src/index.js";

const m = new Machine({ memBytes: 128 << 20 }); // a PC with QEMU's e820 map, 2-level paging, one CPU
const pgd = asPhys(0x9000); // the page directory: a frame of the simulated RAM
set_pte_at(m, pgd, 0x08048000, mk_pte(0x2345, PAGE_SHARED), () => asPhys(0x100000)); // + a page table
write_cr3(m.cpus[0]!, pgd); // load CR3, as a context switch does
console.log(translate(m, m.cpus[0]!, 0x08048123, { user: true }).phys!.toString(16)); // the MMU walks RAM
