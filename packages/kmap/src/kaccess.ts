/*
 * Kernel-mode loads and stores through a linear address, as the CPU performs them: each page is
 * translated by hw-i386's MMU on the current CPU (its TLB first, then a walk of the page tables
 * in RAM), then the bytes go to machine.ram at the physical address. This is how data written
 * through a kmap or kmap_atomic address reaches the high-memory frame, and why a stale TLB entry
 * (the reason for pkmap_count 1) would send it to the wrong frame. A translation fault is the
 * kernel's oops "Unable to handle kernel paging request" (arch/i386/mm/fault.c, no fixup).
 */
import { KernelBugError, type Machine, type PageFault, virt_read, virt_write } from "@i386mm/hw-i386";

/** do_page_fault's oops for a kernel access with no mapping and no exception fixup. */
export class KernelPagingError extends KernelBugError {}

function oops(fault: PageFault): never {
  throw new KernelPagingError("do_page_fault", fault.cr2 >>> 0, "Unable to handle kernel paging request");
}

/**
 * Store `bytes` at linear address `va` in kernel mode on the current CPU (memcpy to a kernel
 * pointer), through hw-i386's virt_write: every page is translated before any byte is written, so
 * a fault changes nothing.
 */
export function writeVirt(machine: Machine, va: number, bytes: ArrayLike<number>): void {
  const fault = virt_write(machine, machine.cpus[machine.current], va >>> 0, Uint8Array.from(bytes));
  if (fault) oops(fault);
}

/** Load `len` bytes from linear address `va` in kernel mode on the current CPU (hw-i386's virt_read). */
export function readVirt(machine: Machine, va: number, len: number): Uint8Array {
  const r = virt_read(machine, machine.cpus[machine.current], va >>> 0, len);
  if (!(r instanceof Uint8Array)) oops(r);
  return r;
}
