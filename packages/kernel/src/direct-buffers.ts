/*
 * direct-buffers.ts — DirectBuffers: the model's record of the buffer heads held by direct callers
 * of the buffer layer (a driver or a scenario that calls alloc_buffer_head or alloc_page_buffers
 * and keeps the heads), so that the whole-machine check can tell a head someone holds from a
 * leaked one. The page cache's checker knows the heads on a page's ring (and its own stand-ins);
 * a head handed to a caller is on no ring until that caller attaches it. 2.6.11 keeps no such
 * record (bh_accounting counts heads, it does not name their holders); this one is the model's,
 * as DirectPages is for pages: each method is fs/buffer.c's function of the same name, then the
 * record of what changed. A call the buffer layer refuses records nothing.
 * Invariant: held() is the set of heads a direct caller got and has not freed, each still live in
 * the page cache's table of buffer heads.
 */
import type { Page } from "@i386mm/page-alloc";
import type { buffer_head, PageCache } from "@i386mm/page-cache";

/** The buffer heads direct callers hold (the model's record; see the file comment). */
export class DirectBuffers {
  /** The page cache (buffer layer) the calls go to. */
  readonly pc: PageCache;
  /** Addresses of the heads held. */
  readonly #held = new Set<number>();

  constructor(pc: PageCache) {
    this.pc = pc;
  }

  /** Whether a direct caller holds the head at `addr`. */
  heldHead(addr: number): boolean {
    return this.#held.has(addr);
  }

  /** Heads held. */
  get count(): number {
    return this.#held.size;
  }

  /** alloc_buffer_head(gfp_flags): a fresh head, held by the caller; null when the slab is out. */
  alloc_buffer_head(gfp_flags: number): buffer_head | null {
    const bh = this.pc.alloc_buffer_head(gfp_flags);
    if (bh !== null) this.#held.add(bh.addr);
    return bh;
  }

  /** alloc_page_buffers(page, size): a chain of heads for one page (not yet attached), held by the caller. */
  alloc_page_buffers(page: Page, size: number): buffer_head | null {
    const head = this.pc.alloc_page_buffers(page, size);
    for (let bh = head; bh !== null; bh = bh.b_this_page) this.#held.add(bh.addr);
    return head;
  }

  /** free_buffer_head(bh): the caller gives a head back. */
  free_buffer_head(bh: buffer_head): void {
    this.pc.free_buffer_head(bh);
    this.#held.delete(bh.addr);
  }
}
