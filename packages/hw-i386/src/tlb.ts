/*
 * tlb.ts — one CPU's translation lookaside buffer (Intel SDM vol. 3 §4.10; the kernel side is
 * include/asm-i386/tlbflush.h). v86-style: a flat Int32Array indexed by virtual page number
 * holding `pfn << 8 | flags`, plus a list of live page numbers so a flush visits only those, and
 * a "listed" byte per page number saying it is on that list (so a page refilled after invlpg is
 * not listed twice: the list holds each page number once, its length bounded by the pages cached
 * since the last flush, however many invlpg/refill rounds there were). The list grows by doubling
 * up to 2^20, one slot per page number, so it never overflows.
 * Invariants: an entry is 0 or has TLB_VALID; every valid entry's page number is on the live
 * list; listed[vpn] is 1 exactly for the page numbers on the list, each of which is on it once;
 * `held` counts the non-zero entries and `marks` the listed marks, both kept by every write
 * here, so that the check visits only the live list (O(pages cached), never the 2^20 table);
 * an entry is only ever filled by a completed walk, so it may be stale but never invented. Capacity is unbounded: like a real TLB
 * that happens never to evict, it keeps a stale translation until a flush.
 *
 *   entries[va >>> 12] : 31 ............... 8  7   6     5      4     3     2     1     0
 *                        [ pfn (24 bits)     | - |LARGE|GLOBAL|DIRTY|EXEC |USER |WRITE|VALID]
 */

/** Entry is valid. */
export const TLB_VALID = 1;
/** Writable through every level (RW set in all). */
export const TLB_WRITE = 2;
/** User accessible through every level (US set in all). */
export const TLB_USER = 4;
/** Executable: no NX in the path, or NX not enabled. */
export const TLB_EXEC = 8;
/** The leaf's D bit is set: writes need no walk. */
export const TLB_DIRTY = 16;
/** Global (G set in the leaf and CR4.PGE at fill time). */
export const TLB_GLOBAL = 32;
/** Part of a large (4 MiB / 2 MiB) page. */
export const TLB_LARGE = 64;

/** The live list's first size; it doubles when full, up to one slot per page number (2^20). */
const LIVE_INITIAL = 1 << 12;
/** The table of a TLB that was never filled: length 0, so it cannot be written. */
const NO_ENTRIES = new Int32Array(0);
const NO_LISTED = new Uint8Array(0);

/** The TLB of one CPU. */
export class Tlb {
  /**
   * Flat table, one Int32 per 4 KiB virtual page: `pfn << 8 | flags`, 0 = no entry. Allocated
   * (4 MiB) on the first fill, so an idle CPU costs nothing; until then it has length 0 and every
   * lookup misses.
   */
  entries: Int32Array = NO_ENTRIES;
  /** Lookups that found a usable entry. */
  hits = 0;
  /** Lookups that had to walk the page tables. */
  misses = 0;
  /** Page size of a large entry: 2^22 (2-level) or 2^21 (PAE). */
  largeShift: number;
  /** Large-page pieces may be cached (cleared only by a full flush): invlpg must look around. */
  #mayHoldLarge = false;
  #live: Int32Array = NO_ENTRIES;
  /** listed[vpn] = 1 while vpn is on the live list (allocated with `entries`). */
  #listed: Uint8Array = NO_LISTED;
  #liveCount = 0;
  /** Non-zero entries (kept by fill, drop, invlpg and flush). */
  #held = 0;
  /** listed[] bytes set (kept by track and flush). */
  #marks = 0;

  constructor(largeShift = 22) {
    this.largeShift = largeShift;
  }

  /** Cache a translation of virtual page `vpn` to `pfn` with TLB_* flags (TLB_VALID is added). */
  fill(vpn: number, pfn: number, flags: number): void {
    if (this.entries.length === 0) {
      this.entries = new Int32Array(1 << 20);
      this.#listed = new Uint8Array(1 << 20);
    }
    if (this.#listed[vpn] === 0) this.#track(vpn);
    if (this.entries[vpn] === 0) this.#held++;
    this.entries[vpn] = (pfn << 8) | flags | TLB_VALID;
    if ((flags & TLB_LARGE) !== 0) this.#mayHoldLarge = true;
  }

  /** Drop one cached entry by virtual page number (its page number stays listed until a flush). */
  drop(vpn: number): void {
    if ((this.entries[vpn] ?? 0) !== 0) this.#held--;
    if (this.entries.length !== 0) this.entries[vpn] = 0;
  }

  /**
   * invlpg: drop the entry for `va`; for a large page, every cached piece of it. The page numbers
   * stay on the live list (a refill does not add them again); the next flush forgets them.
   */
  invlpg(va: number): void {
    const vpn = va >>> 12;
    this.drop(vpn);
    if (!this.#mayHoldLarge) return;
    const n = 1 << (this.largeShift - 12);
    const base = vpn & ~(n - 1);
    const e = this.entries;
    for (let i = base; i < base + n; i++)
      if ((e[i]! & TLB_LARGE) !== 0) {
        e[i] = 0;
        this.#held--;
      }
  }

  /** What a CR3 load does: drop every entry except global ones. */
  flushNonGlobal(): void {
    this.#flush(true);
  }

  /** Drop everything, global entries included (CR4.PGE toggle). */
  flushAll(): void {
    this.#flush(false);
  }

  /** Number of valid entries (for views and tests). */
  size(): number {
    let n = 0;
    this.forEach(() => {
      n++;
    });
    return n;
  }

  /** Visit each valid entry: `(va, pfn, flags)`. */
  forEach(fn: (va: number, pfn: number, flags: number) => void): void {
    const e = this.entries;
    for (let i = 0; i < this.#liveCount; i++) {
      const vpn = this.#live[i]!;
      if (e[vpn] !== 0) fn((vpn << 12) >>> 0, e[vpn]! >>> 8, e[vpn]! & 0xff);
    }
  }

  #flush(keepGlobal: boolean): void {
    const e = this.entries;
    const listed = this.#listed;
    if (!keepGlobal) this.#mayHoldLarge = false;
    let kept = 0;
    const live = this.#live;
    for (let i = 0; i < this.#liveCount; i++) {
      const vpn = live[i]!;
      const v = e[vpn]!;
      if (keepGlobal && (v & TLB_GLOBAL) !== 0) {
        live[kept++] = vpn;
        continue;
      }
      if (v !== 0) this.#held--;
      e[vpn] = 0;
      listed[vpn] = 0;
      this.#marks--;
    }
    this.#liveCount = kept;
  }

  /** Page numbers on the live list (each once): what a flush visits. */
  get liveLength(): number {
    return this.#liveCount;
  }

  /**
   * Plain-language problems with this TLB's bookkeeping (empty when sound): every valid entry is
   * on the live list, no entry is global while CR4.PGE is clear, no large piece while large pages
   * are off. It visits the live list only: the entries off the list are known to be 0 because the
   * non-zero entries counted on the list must be all of them (`held`), and the listed marks on
   * the list all of the marks (`marks`). A write to `entries` that bypasses these methods (there
   * is none in the model) would show as a count that disagrees only when it touches a listed page.
   */
  problems(cpuId: number, pge: boolean, largeOn: boolean): string[] {
    const out: string[] = [];
    const e = this.entries;
    const listed = this.#listed;
    const seen = new Set<number>();
    let held = 0;
    for (let i = 0; i < this.#liveCount; i++) {
      const vpn = this.#live[i]!;
      const page = `0x${((vpn << 12) >>> 0).toString(16)}`;
      if (seen.has(vpn)) {
        out.push(`CPU ${cpuId}: page ${page} is on the TLB's live list twice`);
        continue;
      }
      seen.add(vpn);
      if (listed[vpn] !== 1)
        out.push(`CPU ${cpuId}: page ${page} is on the TLB's live list without its listed mark`);
      const v = e[vpn]!;
      if (v === 0) continue;
      held++;
      if ((v & TLB_VALID) === 0) out.push(`CPU ${cpuId}: TLB entry for ${page} is neither empty nor valid`);
      if (!pge && (v & TLB_GLOBAL) !== 0)
        out.push(`CPU ${cpuId}: global TLB entry for ${page} while CR4.PGE is clear`);
      if (!largeOn && (v & TLB_LARGE) !== 0)
        out.push(`CPU ${cpuId}: large-page TLB entry for ${page} while large pages are off`);
      if ((v & TLB_LARGE) !== 0 && !this.#mayHoldLarge)
        out.push(`CPU ${cpuId}: large entry for ${page} not tracked`);
    }
    if (held !== this.#held)
      out.push(
        `CPU ${cpuId}: ${this.#held} TLB entries held, ${held} of them on the live list (the rest are missing from it)`,
      );
    if (this.#marks !== seen.size)
      out.push(`CPU ${cpuId}: ${this.#marks} TLB pages marked listed, ${seen.size} on the live list`);
    return out;
  }

  #track(vpn: number): void {
    if (this.#liveCount === this.#live.length) {
      // full: double (never past 2^20, as each page number is listed at most once)
      const bigger = new Int32Array(Math.max(LIVE_INITIAL, this.#live.length * 2));
      bigger.set(this.#live);
      this.#live = bigger;
    }
    this.#live[this.#liveCount++] = vpn;
    this.#listed[vpn] = 1;
    this.#marks++;
  }
}
