/*
 * @i386mm/kmap/internal — helpers the package keeps to itself: the free __set_fixmap (Kmap's
 * method is the API), the interrupt-context refusal, the run-time PAGE_KERNEL. For the apps and
 * white-box tests only; names and shapes here change without notice. Users: the main entry,
 * @i386mm/kmap.
 */
export { __set_fixmap } from "./fixmap.js";
export { refuseInInterrupt } from "./might-sleep.js";
export { runtimeKernelProt } from "./prot.js";
