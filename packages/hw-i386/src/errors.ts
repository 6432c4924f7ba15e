/*
 * errors.ts — the three tiers of failure, as the kernel has them.
 * Models: BUG()/oops (KernelBugError and subclasses), a machine check on a bus error
 * (MachineCheckError), a bad BIOS memory map (E820Error), broken invariants (InvariantError),
 * and the closed errno table (include/asm-generic/errno-base.h, plus the errno.h values the
 * file-system layers return) for expected failure.
 * Invariant: whoever throws a KernelBugError has validated before mutating, so the state
 * after the throw is exactly the state before the call.
 */

/** Closed errno table (include/asm-generic/errno-base.h). Functions return `-Errno.X` on expected failure. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  ERANGE: 34,
  /* include/asm-generic/errno.h (the file-system and exec layers) */
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  /* include/asm-generic/errno.h: exec of an interpreter that is not a loadable library */
  ELIBBAD: 80,
} as const;
/** One of the errno values of {@link Errno}. */
export type Errno = (typeof Errno)[keyof typeof Errno];

function hex(addr: number): string {
  return addr.toString(16);
}

/**
 * BUG() / oops: misuse the kernel would crash on. Message `"<call>: <detail> at 0x<addr>"`
 * (or `"<call>: <detail>"` when no address applies). State is unchanged after the throw.
 */
export class KernelBugError extends Error {
  /** The kernel function that detected the bug, e.g. `"__free_pages"`. */
  readonly call: string;
  /** The address involved (virtual, physical or pfn as the call defines), if any. */
  readonly addr: number | undefined;
  /** What was wrong, in plain language. */
  readonly detail: string;
  constructor(call: string, addr: number | undefined, detail: string) {
    super(addr === undefined ? `${call}: ${detail}` : `${call}: ${detail} at 0x${hex(addr)}`);
    this.name = new.target.name;
    this.call = call;
    this.addr = addr;
    this.detail = detail;
  }
}

/**
 * A bus error: a physical access beyond installed RAM or into a hole of the memory map.
 * Real hardware would raise #MC (or return floating-bus garbage); the model never returns a silent value.
 */
export class MachineCheckError extends KernelBugError {}

/** A BIOS memory map that cannot be used (overlap, unaligned or empty range, unknown type). */
export class E820Error extends KernelBugError {}

/** A general-protection fault the model raises where hardware would (e.g. reserved bits in a PAE PDPTE on CR3 load). */
export class GeneralProtectionError extends KernelBugError {}

/**
 * A set-up the model cannot build: machine or boot options no PC or kernel build has (a 3 MiB
 * machine, a third memory node, an unknown profile), or a layer that a kernel has only one of
 * (slab, kmap) built twice on one page allocator. Not a kernel bug: nothing was booted or changed.
 * Extends RangeError, the kind of error it replaces.
 */
export class ConfigError extends RangeError {
  /** What was being set up, e.g. `"Machine"`, `"PageAllocator"`, `"SlabAllocator"`. */
  readonly what: string;
  /** What is wrong with it, in plain language. */
  readonly detail: string;
  constructor(what: string, detail: string) {
    super(`${what}: ${detail}`);
    this.name = "ConfigError";
    this.what = what;
    this.detail = detail;
  }
}

/** Thrown by every `check...Invariants()`: lists each broken invariant in plain language. */
export class InvariantError extends Error {
  /** One sentence per broken invariant. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`${problems.length} invariant(s) broken:\n - ${problems.join("\n - ")}`);
    this.name = "InvariantError";
    this.problems = problems;
  }
}
