/*
 * Typed BUG()s of the slab layer (mm/slab.c, mm/vmalloc.c): misuse the kernel would crash on,
 * or that the model refuses to let corrupt its state (freeing a pointer the allocator never
 * returned, double free, freeing into the wrong cache, vfree of an unknown area).
 * Whoever throws validated before mutating: the allocator is exactly as before the call.
 */
import { KernelBugError } from "@i386mm/hw-i386";

/** A BUG() in the slab allocator or kmalloc/kfree. `call` names the kernel function. */
export class SlabError extends KernelBugError {}

/** A BUG() in vmalloc/vfree/vmap/vunmap. */
export class VmallocError extends KernelBugError {}
