/*
 * Kernel-mode loads and stores through a linear address, as the CPU performs them: each page is
 * translated by hw-i386's MMU on the current CPU (its TLB first, then a walk of the page tables
 * in RAM), then the bytes go to machine.ram at the physical address. This is how data written
 * through a kmap or kmap_atomic address reaches the high-memory frame, and why a stale TLB entry
 * (the reason for pkmap_count 1) would send it to the wrong frame. A translation fault is the
 * kernel's oops "Unable to handle kernel paging request" (arch/i386/mm/fault.c, no fixup).
 */
import { KernelBugError, type Machine, PAGE_SIZE, PF_WRITE, translate_raw } from "@i386mm/hw-i386";

/** do_page_fault's oops for a kernel access with no mapping and no exception fixup. */
export class KernelPagingError extends KernelBugError {}

function physOf(machine: Machine, va: number, write: boolean): number {
  const phys = translate_raw(machine, machine.cpus[machine.current], va >>> 0, write ? PF_WRITE : 0);
  if (phys < 0) {
    throw new KernelPagingError("do_page_fault", va >>> 0, "Unable to handle kernel paging request");
  }
  return phys;
}

/**
 * Store `bytes` at linear address `va` in kernel mode on the current CPU (memcpy to a kernel
 * pointer). Every page is translated before any byte is written, so a fault changes nothing.
 */
export function writeVirt(machine: Machine, va: number, bytes: ArrayLike<number>): void {
  const phys: number[] = [];
  for (let off = 0; off < bytes.length; ) {
    const a = (va + off) >>> 0;
    phys.push(physOf(machine, a, true));
    off += PAGE_SIZE - (a & (PAGE_SIZE - 1));
  }
  let k = 0;
  for (let off = 0; off < bytes.length; k++) {
    const a = (va + off) >>> 0;
    const n = Math.min(bytes.length - off, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
    const chunk = new Uint8Array(n);
    for (let i = 0; i < n; i++) chunk[i] = bytes[off + i];
    machine.ram.writeBytes(phys[k], chunk);
    off += n;
  }
}

/** Load `len` bytes from linear address `va` in kernel mode on the current CPU. */
export function readVirt(machine: Machine, va: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let off = 0; off < len; ) {
    const a = (va + off) >>> 0;
    const n = Math.min(len - off, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
    out.set(machine.ram.readBytes(physOf(machine, a, false), n), off);
    off += n;
  }
  return out;
}
