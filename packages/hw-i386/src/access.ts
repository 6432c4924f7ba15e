/*
 * access.ts — loads and stores through linear addresses, as a CPU executing kernel or user code
 * performs them: each page is translated by the MMU (TLB first, then a walk that sets A/D bits),
 * then the bytes move to or from machine.ram at the physical address. A fault is returned, not
 * thrown (the kernel above decides between oops, fixup and SIGSEGV, as arch/i386/mm/fault.c does).
 * Invariant: every page of the range is translated (and its frame checked to exist) before any
 * byte moves, so a faulting store writes nothing (like a single instruction; a real `rep movs`
 * could stop part-way) and one that hits a hole throws MachineCheckError having written nothing.
 */

import type { Cpu } from "./cpu.js";
import type { Machine } from "./machine.js";
import { type Access, accessBits, type PageFault, PF_WRITE, translate_raw } from "./mmu.js";
import { PAGE_SIZE } from "./page.js";

/** Physical address of every page piece of [va, va+len), or the first fault. */
function pieces(
  machine: Machine,
  cpu: Cpu,
  va: number,
  len: number,
  bits: number,
): { phys: number[]; lens: number[] } | PageFault {
  const phys: number[] = [];
  const lens: number[] = [];
  for (let off = 0; off < len; ) {
    const a = (va + off) >>> 0;
    const n = Math.min(len - off, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
    const p = translate_raw(machine, cpu, a, bits);
    if (p < 0) return { cr2: cpu.cr2, error_code: cpu.last_error_code };
    phys.push(p);
    lens.push(n);
    off += n;
  }
  return { phys, lens };
}

/** Load `len` bytes from linear address `va` on `cpu`: the bytes, or the page fault. */
export function virt_read(
  machine: Machine,
  cpu: Cpu,
  va: number,
  len: number,
  access?: Access,
): Uint8Array | PageFault {
  const r = pieces(machine, cpu, va, len, accessBits(access) & ~PF_WRITE);
  if (!("phys" in r)) return r;
  const out = new Uint8Array(len);
  let at = 0;
  for (let i = 0; i < r.phys.length; i++) {
    out.set(machine.ram.readBytes(r.phys[i]!, r.lens[i]!), at);
    at += r.lens[i]!;
  }
  return out;
}

/** Store `bytes` at linear address `va` on `cpu`: null, or the page fault (then nothing was written). */
export function virt_write(
  machine: Machine,
  cpu: Cpu,
  va: number,
  bytes: Uint8Array,
  access?: Access,
): PageFault | null {
  const r = pieces(machine, cpu, va, bytes.length, accessBits(access) | PF_WRITE);
  if (!("phys" in r)) return r;
  // a piece mapped onto a hole machine-checks before any piece is stored
  for (let i = 0; i < r.phys.length; i++)
    if (!machine.ram.exists(r.phys[i]!, r.lens[i]!))
      machine.ram.writeBytes(r.phys[i]!, new Uint8Array(r.lens[i]!));
  let at = 0;
  for (let i = 0; i < r.phys.length; i++) {
    machine.ram.writeBytes(r.phys[i]!, bytes.subarray(at, at + r.lens[i]!));
    at += r.lens[i]!;
  }
  return null;
}

/** Load a little-endian 32-bit value at `va` (unsigned), or the page fault. */
export function virt_read32(machine: Machine, cpu: Cpu, va: number, access?: Access): number | PageFault {
  const bits = accessBits(access) & ~PF_WRITE;
  if ((va & (PAGE_SIZE - 1)) <= PAGE_SIZE - 4) {
    const p = translate_raw(machine, cpu, va >>> 0, bits);
    if (p < 0) return { cr2: cpu.cr2, error_code: cpu.last_error_code };
    return machine.ram.read32(p);
  }
  const b = virt_read(machine, cpu, va, 4, access);
  if (!(b instanceof Uint8Array)) return b;
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}

/** Store a 32-bit value at `va`: null, or the page fault. */
export function virt_write32(
  machine: Machine,
  cpu: Cpu,
  va: number,
  v: number,
  access?: Access,
): PageFault | null {
  const bits = accessBits(access) | PF_WRITE;
  if ((va & (PAGE_SIZE - 1)) <= PAGE_SIZE - 4) {
    const p = translate_raw(machine, cpu, va >>> 0, bits);
    if (p < 0) return { cr2: cpu.cr2, error_code: cpu.last_error_code };
    machine.ram.write32(p, v);
    return null;
  }
  return virt_write(
    machine,
    cpu,
    va,
    new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]),
    access,
  );
}
