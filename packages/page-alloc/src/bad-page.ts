/**
 * bad_page: a page descriptor in a state the allocator must not accept.
 * Models bad_page, free_pages_check and prep_new_page's check in mm/page_alloc.c (2.6.11).
 * The kernel prints "Bad page state at <fn>", scrubs the descriptor and carries on; for a caller's
 * misuse (a free the kernel would report or BUG on) the model throws BadPageError before touching
 * anything instead, so the caller sees the fault and every structure stays as before the call.
 * A stale page found on the way out (prep_new_page) is reported on machine.warnings and fixed up.
 */
import { KernelBugError } from "@i386mm/hw-i386";
import { NODEZONE_MASK, PG_KERNEL_BITS_MASK } from "./page-flags.js";

/** The fields bad_page prints about a descriptor. */
export interface BadPageState {
  /** The frame number. */
  readonly pfn: number;
  /** page->flags (the kernel's PG_* bits and NODEZONE). */
  readonly flags: number;
  /** page->mapping handle (0 = NULL). */
  readonly mapping: number;
  /** page_mapcount(): -1 stored means 0. */
  readonly mapcount: number;
  /** page_count(). */
  readonly count: number;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

/** The two lines bad_page prints about a page, 2.6.11 format. */
export function bad_page_lines(fn: string, descriptor: number, s: BadPageState): string[] {
  return [
    `Bad page state at ${fn} (in process 'swapper', page ${hex8(descriptor)})`,
    `flags:0x${hex8(s.flags)} mapping:${hex8(s.mapping)} mapcount:${s.mapcount} count:${s.count}`,
  ];
}

/**
 * bad_page / BUG in the page allocator: names the call, the descriptor's address (`addr`, the
 * `struct page *` the kernel prints), the pfn, flags, count and mapcount.
 */
export class BadPageError extends KernelBugError {
  /** page->flags at the time of the call (kernel PG_* bits only). */
  readonly flags: number;
  /** page_count() at the time of the call. */
  readonly count: number;
  /** page_mapcount() at the time of the call. */
  readonly mapcount: number;
  /** page->mapping handle at the time of the call. */
  readonly mapping: number;

  /**
   * `call` = the kernel function, `addr` = the descriptor's virtual address (or the address a
   * free_pages caller passed), `what` = the fault, `s` = the page's fields (`pfn` without them:
   * the value the caller passed as a page).
   */
  constructor(call: string, addr: number | undefined, what: string, s?: BadPageState, pfn?: number) {
    const state = s
      ? `bad page state, pfn 0x${s.pfn.toString(16)} flags:0x${hex8(s.flags & (PG_KERNEL_BITS_MASK | NODEZONE_MASK))} ` +
        `mapping:${hex8(s.mapping)} mapcount:${s.mapcount} count:${s.count}: ${what}`
      : what;
    super(call, addr, state, { pfn: s ? s.pfn : pfn });
    this.flags = s ? s.flags : 0;
    this.count = s ? s.count : 0;
    this.mapcount = s ? s.mapcount : 0;
    this.mapping = s ? s.mapping : 0;
  }
}
