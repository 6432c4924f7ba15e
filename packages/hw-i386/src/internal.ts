/*
 * @i386mm/hw-i386/internal — helpers of the model that the apps (demo, web) use to show what the
 * public face does: entry encoding, the CPU's register values after head.S, display helpers.
 * Not part of the package's API: names and shapes here change without notice. Users: the main entry,
 * @i386mm/hw-i386.
 */
export { CR0_AFTER_HEAD_S } from "./cpu.js";
export { e820_end, e820_ram_bytes } from "./e820.js";
export { accessBits } from "./mmu.js";
export { set_pmd_large } from "./pagetable.js";
export {
  decodeEntry,
  type EntryFields,
  encodeEntry,
  PAGING_2LEVEL,
  PAGING_PAE,
  paeHigh,
  pte_flag_names,
} from "./paging.js";
