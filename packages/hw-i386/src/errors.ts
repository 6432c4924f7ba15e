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

function hex(n: number): string {
  return n.toString(16);
}

/**
 * The values a KernelBugError reports besides its address, each under its own name (one meaning
 * per field: `addr` is always an address).
 */
export interface BugDetails {
  /** A page frame number (the page a call was given or was working on). */
  readonly pfn?: number;
  /** A GFP mask (gfp_t). */
  readonly gfp_mask?: number;
  /** A size in bytes (a request, a machine's RAM). */
  readonly size?: number;
  /** The value being written that was refused (a control register, a sysctl). */
  readonly value?: number;
}

const DETAIL_FORMAT: readonly (readonly [keyof BugDetails, (n: number) => string])[] = [
  ["pfn", (n) => `pfn 0x${hex(n)}`],
  ["gfp_mask", (n) => `gfp_mask 0x${hex(n)}`],
  ["size", (n) => `size ${n}`],
  ["value", (n) => `value 0x${hex(n)}`],
];

/**
 * BUG() / oops: misuse the kernel would crash on. Message `"<call>: <detail> at 0x<addr>"`
 * (or `"<call>: <detail>"` when no address applies), then the named values in parentheses:
 * `"... (pfn 0x1234, gfp_mask 0xd0)"`. State is unchanged after the throw.
 */
export class KernelBugError extends Error {
  /** The kernel function that detected the bug, e.g. `"__free_pages"`. */
  readonly call: string;
  /** The virtual or physical address involved, if any; never another kind of value (see the named fields). */
  readonly addr: number | undefined;
  /** What was wrong, in plain language. */
  readonly detail: string;
  /** The page frame number involved, if any. */
  readonly pfn: number | undefined;
  /** The GFP mask involved, if any. */
  readonly gfp_mask: number | undefined;
  /** The size in bytes involved, if any. */
  readonly size: number | undefined;
  /** The refused value being written, if any. */
  readonly value: number | undefined;
  constructor(call: string, addr: number | undefined, detail: string, details: BugDetails = {}) {
    // A value the detail already names (BadPageError's "pfn 0x..") is not repeated.
    const named = DETAIL_FORMAT.filter(([k]) => details[k] !== undefined)
      .map(([k, f]) => f(details[k]!))
      .filter((text) => !detail.includes(text));
    super(
      `${call}: ${detail}${addr === undefined ? "" : ` at 0x${hex(addr)}`}` +
        (named.length ? ` (${named.join(", ")})` : ""),
    );
    this.name = new.target.name;
    this.call = call;
    this.addr = addr;
    this.detail = detail;
    this.pfn = details.pfn;
    this.gfp_mask = details.gfp_mask;
    this.size = details.size;
    this.value = details.value;
  }
}

/**
 * A bus error: a physical access beyond installed RAM or into a hole of the memory map.
 * Real hardware would raise #MC (or return floating-bus garbage); the model never returns a silent value.
 */
export class MachineCheckError extends KernelBugError {}

/**
 * panic(): the kernel stops, as 2.6.11 does when boot-time memory runs out (__alloc_bootmem's
 * "Out of memory"), kmem_cache_create with SLAB_PANIC fails, or the OOM killer finds nothing to
 * kill (`machine.panic`, which also halts the machine). The detail is panic()'s message; the
 * console line is "Kernel panic - not syncing: <detail>" (kernel/panic.c).
 */
export class KernelPanicError extends KernelBugError {}

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

/**
 * A check the model adds where 2.6.11 checks nothing (a block freed with another order than it
 * was allocated with, kfree of a pointer that is no allocated object, ...). The kernel would go on
 * and corrupt itself; `kernelWould` says how. Thrown only while `machine.modelChecks` is on
 * (`i386mm --no-model-checks` turns it off, and the model then does what 2.6.11 does). State is
 * unchanged after the throw.
 */
export class ModelCheckError extends KernelBugError {
  /** What 2.6.11 would have done instead, e.g. "put 2 pages on the free lists and leak 2". */
  readonly kernelWould: string;
  /**
   * Whether the model does what 2.6.11 does when its checks are off (`machine.modelChecks`
   * false). When false the model refuses the call in both modes (it cannot represent the
   * corrupted state) and says so.
   */
  readonly modelled: boolean;
  constructor(call: string, addr: number | undefined, detail: string, kernelWould: string, modelled = true) {
    super(call, addr, detail);
    this.kernelWould = kernelWould;
    this.modelled = modelled;
  }
}

/**
 * A livelock: 2.6.11 would loop here forever (an allocation it retries with nothing left to
 * reclaim). The model stops the machine instead of hanging (`machine.halted`); a halted machine
 * runs nothing more. The detail says what the loop waits for.
 */
export class KernelHangError extends KernelBugError {}

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
