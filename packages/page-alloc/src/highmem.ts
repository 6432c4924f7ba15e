/**
 * The virtual address of a page frame: direct-mapped for lowmem, a hash table for kmapped highmem.
 * Models mm/highmem.c (HASHED_PAGE_VIRTUAL: page_address, set_page_address, page_address_init,
 * page_slot with hash_ptr and PA_HASH_ORDER 7) and include/linux/hash.h of Linux 2.6.11.
 * Invariants: a highmem page has an entry iff kmap gave it a virtual address; entries come from a
 * pool of LAST_PKMAP preallocated page_address_map records (set_page_address BUGs when it is
 * empty); 128 buckets chosen by hash_ptr(struct page address, 7). Only kmap changes it, through
 * PageAllocator.set_page_address.
 */
import { KernelBugError } from "@i386mm/hw-i386";

/** log2 of the number of hash buckets. */
export const PA_HASH_ORDER = 7;
/** include/linux/hash.h: the 32-bit golden-ratio prime. */
export const GOLDEN_RATIO_PRIME = 0x9e370001;

/** hash_ptr / hash_long on a 32-bit kernel: (val * GOLDEN_RATIO_PRIME) >> (32 - bits). */
export function hash_ptr(ptr: number, bits: number): number {
  return Math.imul(ptr >>> 0, GOLDEN_RATIO_PRIME) >>> (32 - bits);
}

/** page_address_htable plus the page_address_pool of preallocated page_address_map records. */
export class PageAddressHash {
  /** page_address_map.page (pfn) per record, -1 when in the pool. */
  readonly mapPage: Int32Array;
  /** page_address_map.virtual per record. */
  readonly mapVirtual: Uint32Array;
  /** Record indices per bucket, in list order (list_add_tail appends). */
  readonly buckets: number[][];
  /** The free pool (page_address_pool), head first. */
  readonly pool: number[];

  /** A table with a pool of `lastPkmap` records (one per pkmap slot), all free. */
  constructor(lastPkmap: number) {
    this.mapPage = new Int32Array(lastPkmap).fill(-1);
    this.mapVirtual = new Uint32Array(lastPkmap);
    this.buckets = [];
    for (let i = 0; i < 1 << PA_HASH_ORDER; i++) this.buckets.push([]);
    this.pool = [];
    for (let i = 0; i < lastPkmap; i++) this.pool.push(i);
  }

  /** Lookup: the virtual address recorded for `pfn` in bucket `slot`, or null. */
  lookup(slot: number, pfn: number): number | null {
    for (const e of this.buckets[slot]) if (this.mapPage[e] === pfn) return this.mapVirtual[e];
    return null;
  }

  /** set_page_address(page, virtual) for a highmem page whose hash bucket is `slot`. */
  set(slot: number, pfn: number, virtual: number | null): void {
    const bucket = this.buckets[slot];
    if (virtual !== null && virtual !== 0) {
      const e = this.pool.shift();
      if (e === undefined)
        throw new KernelBugError("set_page_address", undefined, "page_address_pool is empty", { pfn });
      this.mapPage[e] = pfn;
      this.mapVirtual[e] = virtual >>> 0;
      bucket.push(e);
      return;
    }
    for (let i = 0; i < bucket.length; i++) {
      const e = bucket[i];
      if (this.mapPage[e] === pfn) {
        bucket.splice(i, 1);
        this.mapPage[e] = -1;
        this.mapVirtual[e] = 0;
        this.pool.push(e);
        return;
      }
    }
  }

  /** Number of records in use (kmapped highmem pages). */
  inUse(): number {
    return this.mapPage.length - this.pool.length;
  }
}
