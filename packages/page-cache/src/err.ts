/*
 * err.ts — pointers that carry an errno (include/linux/err.h).
 * The kernel returns ERR_PTR(-ENOENT) where a function returns a pointer that can fail with a
 * reason (path_lookup's callers, read_cache_page, filp_open, open_exec). Here such functions return
 * the object (or a `Page`, a non-negative pfn) or an `ErrPtr`: a branded negative number in
 * -MAX_ERRNO..-1. `IS_ERR` narrows the union; `PTR_ERR` gives the negative errno back.
 */

/** Largest errno an ERR_PTR can carry (include/linux/err.h). */
export const MAX_ERRNO = 4095;

/** A negative errno standing where a pointer was expected: `ERR_PTR(-ENOENT)`. */
export type ErrPtr = number & { readonly __brand: "ERR_PTR" };

/** ERR_PTR(error): `error` must be a negative errno (-MAX_ERRNO..-1). */
export function ERR_PTR(error: number): ErrPtr {
  return error as ErrPtr;
}

/** PTR_ERR(ptr): the negative errno an ERR_PTR carries. */
export function PTR_ERR(ptr: ErrPtr): number {
  return ptr;
}

/** IS_ERR(ptr): true when `ptr` is an ERR_PTR (a number in -MAX_ERRNO..-1), narrowing the union. */
export function IS_ERR<T>(ptr: T | ErrPtr): ptr is ErrPtr {
  return typeof ptr === "number" && ptr < 0 && ptr >= -MAX_ERRNO;
}
