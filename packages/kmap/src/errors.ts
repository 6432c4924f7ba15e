/*
 * The kmap package's failures, in the kernel's three tiers.
 * BUG()s (arch/i386/mm/highmem.c kunmap in interrupt, mm/highmem.c kunmap_high of an unmapped page,
 * arch/i386/mm/pgtable.c __set_fixmap out of range) throw KmapError / FixmapError, subclasses of
 * hw-i386's KernelBugError, after validating and before mutating, so state is as before the call.
 * KmapWouldSleepError is not a bug: it is the synchronous kmap() saying that the kernel would
 * sleep on pkmap_map_wait here (every slot busy); kmapWait() is the variant that models sleeping.
 */
import { KernelBugError } from "@i386mm/hw-i386";

/** A BUG() in the permanent or temporary kernel mappings (mm/highmem.c, arch/i386/mm/highmem.c). */
export class KmapError extends KernelBugError {}

/** A BUG() or link-time failure in the fix-mapped address code (include/asm-i386/fixmap.h, __set_fixmap). */
export class FixmapError extends KernelBugError {}

/**
 * Thrown by the synchronous `kmap`/`kmap_high` when every pkmap slot is in use: the kernel would
 * sleep uninterruptibly on pkmap_map_wait (mm/highmem.c: map_new_virtual). Nothing was changed.
 * Use `kmapWait(page)` to model the sleep; it resolves once a kunmap frees a slot.
 */
export class KmapWouldSleepError extends Error {
  override name = "KmapWouldSleepError";
  /** The call that would have slept. */
  readonly call: string;
  /** The page frame number of the page being mapped. */
  readonly pfn: number;
  constructor(call: string, pfn: number) {
    super(
      `${call}: every one of the pkmap slots is in use; the kernel would sleep on pkmap_map_wait ` +
        `(pfn 0x${pfn.toString(16)}); use kmapWait() to wait for a kunmap`,
    );
    this.call = call;
    this.pfn = pfn;
  }
}
