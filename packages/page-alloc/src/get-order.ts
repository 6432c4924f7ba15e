/**
 * get_order (include/asm-i386/page.h, 2.6.11) and the model's record of page requests made by
 * size: a caller that needs `size` bytes asks `__get_free_pages(gfp, get_order(size))` and gets
 * `PAGE_SIZE << order` bytes; the difference is internal fragmentation of the page allocator.
 * The kernel keeps no such record. The model's (a tracepoint would do the same): the
 * PageAllocator's `get_order(size)` notes the size on the current CPU; the very next page
 * allocation on that CPU, if it asks for that order, is recorded with the size (an allocation of
 * another order, or a free, drops the note); freeing the block removes it from the live figures.
 * Invariants: liveCount == sum over orders of live_requests; every live pfn is an allocated head.
 */
import { PAGE_SHIFT } from "@i386mm/hw-i386";
import { MAX_ORDER } from "./mmzone.js";

/**
 * get_order(size): the smallest order whose block (PAGE_SIZE << order bytes) holds `size` bytes.
 * 2.6.11's loop on an unsigned long: get_order(0) is 20 (size - 1 wraps), as in the kernel.
 */
export function get_order(size: number): number {
  let s = ((size - 1) >>> 0) >>> (PAGE_SHIFT - 1);
  let order = -1;
  do {
    s >>>= 1;
    order++;
  } while (s);
  return order;
}

/** One order's row of the record: requests, bytes asked and bytes handed out. */
export interface SizedRequestRow {
  readonly order: number;
  /** Requests of this order made by size since boot (served ones). */
  readonly requests: number;
  /** Bytes asked by those requests. */
  readonly bytes_req: number;
  /** Bytes handed out (requests x PAGE_SIZE << order). */
  readonly bytes_alloc: number;
  /** Of those, blocks not freed yet. */
  readonly live_requests: number;
  readonly live_bytes_req: number;
  readonly live_bytes_alloc: number;
}

/** The record of page requests made by size (see the file comment). */
export class SizedRequests {
  /**
   * Blocks asked by size: head pfn -> bytes asked while live, -1 once freed (never deleted: V8's
   * Map keeps deleted entries in their bucket chains until a rehash, which a pfn reused over and
   * over would make long).
   */
  readonly #sizes = new Map<number, number>();
  /** Live blocks asked by size. */
  liveCount = 0;
  readonly #requests = new Float64Array(MAX_ORDER);
  readonly #bytes = new Float64Array(MAX_ORDER);
  readonly #liveRequests = new Float64Array(MAX_ORDER);
  readonly #liveBytes = new Float64Array(MAX_ORDER);
  /** The size noted by get_order per CPU (-1: none). */
  readonly #pending: number[];
  /** True while some CPU has a note (keeps the allocation path to one test). */
  pending = false;

  constructor(cpus: number) {
    this.#pending = new Array<number>(cpus).fill(-1);
  }

  /** get_order on `cpu`: note the size for the next allocation. */
  note(cpu: number, size: number): void {
    this.#pending[cpu] = size;
    this.pending = true;
  }

  /** Any other page-allocator call on `cpu` (a free) drops the note. */
  drop(cpu: number): void {
    this.#pending[cpu] = -1;
    this.pending = this.#pending.some((s) => s >= 0);
  }

  /** An allocation on `cpu` returned `pfn` (or -1): record it if the note asked for this order. */
  allocated(cpu: number, pfn: number, order: number): void {
    const size = this.#pending[cpu];
    this.#pending[cpu] = -1;
    this.pending = this.#pending.some((s) => s >= 0);
    if (size < 0 || pfn < 0 || get_order(size) !== order) return;
    this.#sizes.set(pfn, size);
    this.liveCount++;
    this.#requests[order]++;
    this.#bytes[order] += size;
    this.#liveRequests[order]++;
    this.#liveBytes[order] += size;
  }

  /** The block at `pfn` of `order` went back to the allocator. */
  freed(pfn: number, order: number): void {
    const size = this.#sizes.get(pfn) ?? -1;
    if (size < 0) return;
    this.#sizes.set(pfn, -1);
    this.liveCount--;
    this.#liveRequests[order]--;
    this.#liveBytes[order] -= size;
  }

  /** Every live block asked by size: head pfn and bytes asked. */
  *liveBlocks(): IterableIterator<[number, number]> {
    for (const [pfn, size] of this.#sizes) if (size >= 0) yield [pfn, size];
  }

  /** One row per order that has seen a request. */
  rows(): SizedRequestRow[] {
    const out: SizedRequestRow[] = [];
    const block = (o: number) => 2 ** (o + PAGE_SHIFT);
    for (let o = 0; o < MAX_ORDER; o++) {
      if (this.#requests[o] === 0) continue;
      out.push({
        order: o,
        requests: this.#requests[o],
        bytes_req: this.#bytes[o],
        bytes_alloc: this.#requests[o] * block(o),
        live_requests: this.#liveRequests[o],
        live_bytes_req: this.#liveBytes[o],
        live_bytes_alloc: this.#liveRequests[o] * block(o),
      });
    }
    return out;
  }
}
