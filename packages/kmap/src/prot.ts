/*
 * kmap_prot and the other run-time kernel protections (arch/i386/mm/init.c: pagetable_init ORs
 * _PAGE_GLOBAL into __PAGE_KERNEL when it sets CR4.PGE; __supported_pte_mask keeps _PAGE_NX only
 * once EFER.NXE is on). Read back from the boot CPU's registers, which page-alloc's boot set, so
 * the PTEs kmap writes look exactly like the rest of swapper_pg_dir's kernel entries.
 */
import { kernelProt, X86_CR4_PGE } from "@i386mm/hw-i386";
import type { PageAllocator } from "@i386mm/page-alloc";

/** The run-time PAGE_KERNEL family of a booted machine. */
export function runtimeKernelProt(pa: PageAllocator): { PAGE_KERNEL: number; PAGE_KERNEL_NOCACHE: number } {
  const boot = pa.machine.cpus[0];
  return kernelProt({ pge: (boot.cr4 & X86_CR4_PGE) !== 0, nx_enabled: boot.nxe });
}
