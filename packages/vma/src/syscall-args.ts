/*
 * syscall-args.ts — the model's check of a system call's arguments at the vma entry points. In C
 * the arguments are unsigned longs (addresses, lengths, prot, flags, page offsets) or ints (file
 * descriptors): a JavaScript caller can pass what no C caller can (NaN, 1.5, 2^32, -1 where an
 * unsigned value goes, a string, undefined). Such a value is refused before anything is read or
 * changed, with the value 2.6.11 gives for an argument it cannot use: -EINVAL (sys_brk, whose
 * failures return the old break, returns that). The check is the model's, not the kernel's.
 */

/** An unsigned long on i386: an integer in 0..0xffffffff. */
export function is_ulong(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/** An int (a file descriptor): an integer in -2^31..2^31-1, or its unsigned form (fd -1 is 0xffffffff). */
export function is_int(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v <= 0xffffffff;
}

/** Every value is an unsigned long. */
export function ulongs(...vs: unknown[]): boolean {
  for (const v of vs) if (!is_ulong(v)) return false;
  return true;
}
