/*
 * uaccess.ts — memory accesses that reach do_page_fault, on the current CPU for the current task:
 *  - user mode: what the task's own instructions do (a load, a store, an instruction fetch).
 *    The MMU (hw-i386) translates; on a fault the handler runs and the instruction is retried, as
 *    the CPU re-executes it after iret; a signal ends the access.
 *  - kernel mode on user addresses: include/asm-i386/uaccess.h (access_ok, copy_to_user,
 *    copy_from_user, clear_user, put_user, get_user). Their instructions have exception-table
 *    entries (eip UACCESS_EIP), so a bad address makes them return the bytes not copied
 *    (-EFAULT for put/get_user) instead of oopsing.
 *  - kernel mode on kernel addresses (kernel_access): a vmalloc address missing from the current
 *    page directory is fixed by vmalloc_fault; anything else oopses (KernelOopsError).
 * Bytes are moved with the machine's RAM once the MMU has produced the physical address.
 */

import {
  Errno,
  KernelBugError,
  PAGE_SIZE,
  PF_INSTR,
  PF_USER,
  PF_WRITE,
  TASK_SIZE,
  translate_raw,
} from "@i386mm/hw-i386";
import { do_page_fault, type fault_result, UACCESS_EIP } from "./fault.js";
import { __KERNEL_CS, __USER_CS, type pt_regs } from "./task.js";
import type { VmSystem } from "./vm.js";

/** What one access needs. */
export interface user_access_kind {
  /** A store (else a load). */
  write?: boolean;
  /** An instruction fetch. */
  fetch?: boolean;
}

/** Faults the model lets one instruction take before calling it a livelock (the kernel would loop). */
const MAX_RETRIES = 8;

/**
 * Translate `addr` for an access with error-code-style `acc` bits on the current CPU, running
 * do_page_fault on each fault. Returns the physical address, or the fault result that ended it.
 */
function access(vm: VmSystem, addr: number, acc: number, regs: pt_regs): number | fault_result {
  const m = vm.machine;
  for (let i = 0; i < MAX_RETRIES; i++) {
    const cpu = m.cpus[m.current]!;
    const phys = translate_raw(m, cpu, addr >>> 0, acc);
    if (phys >= 0) return phys;
    const r = do_page_fault(vm, regs, cpu.last_error_code);
    if (r !== "handled" && r !== "vmalloc") return r;
  }
  throw new KernelBugError(
    "do_page_fault",
    addr >>> 0,
    "the model's fault loop: the access still faults after 8 retries",
  );
}

/** The current task's user registers (their code segment is __USER_CS): what the fault handler reads. */
function userRegs(vm: VmSystem): pt_regs {
  const r = vm.current.regs;
  if (r.xcs !== __USER_CS) r.xcs = __USER_CS;
  return r;
}

function kernelRegs(vm: VmSystem, eip: number): pt_regs {
  return { esp: vm.current.regs.esp, eip, xcs: __KERNEL_CS, eflags: 0x200 };
}

/**
 * The current task's user code accesses `addr` (one byte's page). Returns the physical address,
 * or the signal that stopped it ("SIGSEGV", "SIGBUS", "SIGKILL").
 */
export function user_access(vm: VmSystem, addr: number, kind: user_access_kind = {}): number | fault_result {
  const acc = PF_USER | (kind.write ? PF_WRITE : 0) | (kind.fetch ? PF_INSTR : 0);
  return access(vm, addr, acc, userRegs(vm));
}

/** User code stores `bytes` at `addr` (page by page, each page translated before it is written). */
export function user_write(
  vm: VmSystem,
  addr: number,
  bytes: Uint8Array | readonly number[],
): fault_result | null {
  const data = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
  let done = 0;
  while (done < data.length) {
    const a = (addr + done) >>> 0;
    const n = Math.min(PAGE_SIZE - (a % PAGE_SIZE), data.length - done);
    const phys = user_access(vm, a, { write: true });
    if (typeof phys !== "number") return phys;
    vm.machine.ram.writeBytes(phys, data.subarray(done, done + n));
    done += n;
  }
  return null;
}

/** User code loads `len` bytes from `addr`. The bytes, or the signal that stopped the load. */
export function user_read(vm: VmSystem, addr: number, len: number): Uint8Array | fault_result {
  const out = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const a = (addr + done) >>> 0;
    const n = Math.min(PAGE_SIZE - (a % PAGE_SIZE), len - done);
    const phys = user_access(vm, a);
    if (typeof phys !== "number") return phys;
    out.set(vm.machine.ram.readBytes(phys, n), done);
    done += n;
  }
  return out;
}

/** access_ok(type, addr, size): the range lies below TASK_SIZE (__range_ok for USER_DS). */
export function access_ok(addr: number, size: number): boolean {
  return addr >= 0 && size >= 0 && addr + size <= TASK_SIZE;
}

/** One kernel-mode page piece of a uaccess routine: physical address or -1 when the fixup ran. */
function kpiece(vm: VmSystem, addr: number, write: boolean): number {
  const r = access(vm, addr, write ? PF_WRITE : 0, kernelRegs(vm, UACCESS_EIP));
  return typeof r === "number" ? r : -1;
}

/** copy_to_user(to, from, n): the number of bytes that could NOT be copied (0 on success). */
export function copy_to_user(vm: VmSystem, to: number, from: Uint8Array): number {
  if (!access_ok(to, from.length)) return from.length;
  let done = 0;
  while (done < from.length) {
    const a = to + done;
    const n = Math.min(PAGE_SIZE - (a % PAGE_SIZE), from.length - done);
    const phys = kpiece(vm, a, true);
    if (phys < 0) return from.length - done;
    vm.machine.ram.writeBytes(phys, from.subarray(done, done + n));
    done += n;
  }
  return 0;
}

/** copy_from_user(to, from, n): the bytes read (zero-filled past a fault) and how many were not copied. */
export function copy_from_user(vm: VmSystem, from: number, n: number): { bytes: Uint8Array; left: number } {
  const bytes = new Uint8Array(n);
  if (!access_ok(from, n)) return { bytes, left: n };
  let done = 0;
  while (done < n) {
    const a = from + done;
    const k = Math.min(PAGE_SIZE - (a % PAGE_SIZE), n - done);
    const phys = kpiece(vm, a, false);
    if (phys < 0) return { bytes, left: n - done };
    bytes.set(vm.machine.ram.readBytes(phys, k), done);
    done += k;
  }
  return { bytes, left: 0 };
}

/** clear_user(to, n): zero user memory; the number of bytes that could not be cleared. */
export function clear_user(vm: VmSystem, to: number, n: number): number {
  return copy_to_user(vm, to, new Uint8Array(n));
}

/** put_user(x, ptr) for a 32-bit value: 0 or -EFAULT. */
export function put_user(vm: VmSystem, x: number, ptr: number): number {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, x >>> 0, true);
  return copy_to_user(vm, ptr, b) === 0 ? 0 : -Errno.EFAULT;
}

/** get_user(ptr) for a 32-bit value: the value, or -EFAULT in `err`. */
export function get_user(vm: VmSystem, ptr: number): { value: number; err: number } {
  const r = copy_from_user(vm, ptr, 4);
  if (r.left !== 0) return { value: 0, err: -Errno.EFAULT };
  return { value: new DataView(r.bytes.buffer).getUint32(0, true), err: 0 };
}

/**
 * A kernel-mode access to a kernel address on the current CPU (e.g. a vmalloc'ed buffer while a
 * process's page directory is loaded): vmalloc_fault repairs a missing pgd entry; any other
 * fault oopses (KernelOopsError). Returns the physical address.
 */
export function kernel_access(vm: VmSystem, addr: number, write = false, eip = 0xc0100000): number {
  const r = access(vm, addr, write ? PF_WRITE : 0, kernelRegs(vm, eip));
  if (typeof r !== "number")
    throw new KernelBugError("kernel_access", addr >>> 0, `unexpected fault result ${r}`);
  return r;
}
