/*
 * Permanent kernel mappings of high memory: mm/highmem.c (kmap_high, map_new_virtual,
 * flush_all_zero_pkmaps, kunmap_high, pkmap_map_wait) and include/asm-i386/highmem.h
 * (LAST_PKMAP, PKMAP_BASE, PKMAP_NR, PKMAP_ADDR); the pkmap page table is set up at boot by
 * page-alloc (permanent_kmaps_init) and this file only writes its LAST_PKMAP entries in RAM.
 * pkmap_count[nr]: 0 = free and no TLB may hold the slot; 1 = no users, but mapped since the last
 * flush (unusable until flush_all_zero_pkmaps); n > 1 = n - 1 users. A high page has at most one
 * slot; page_address(page) is PKMAP_ADDR(nr) exactly while its slot has count >= 1.
 * The wait queue holds callers of kmapWait() that found no usable slot; a kunmap_high that drops
 * a count to 1 wakes all of them and each retries at once, in FIFO order (the simulation's
 * stand-in for the scheduler running the woken tasks right after the waker).
 */
import {
  asPfn,
  asVirt,
  flush_tlb_kernel_range,
  LAST_PKMAP as LAST_PKMAP_OF,
  lookupPte,
  type Machine,
  mk_pte,
  PAGE_SHIFT,
  PAGE_SIZE,
  type Page,
  type PhysAddr,
  PKMAP_BASE as PKMAP_BASE_OF,
  pte_none,
  pte_pfn,
  type VirtAddr,
} from "@i386mm/hw-i386";
import type { PageAllocator } from "@i386mm/page-alloc";
import { KmapError, KmapWouldSleepError } from "./errors.js";
import { refuseInInterrupt } from "./might-sleep.js";

/* include/asm-i386/highmem.h's pkmap arithmetic (functions of the paging mode), from hw-i386's layout.ts. */
export { LAST_PKMAP, LAST_PKMAP_MASK, PKMAP_ADDR, PKMAP_BASE, PKMAP_NR } from "@i386mm/hw-i386";

/*
 * The pkmap window (non-PAE numbers; PAE: 512 slots from 0xffc00000), one page table's worth:
 *
 *   PKMAP_BASE = (FIXADDR_BOOT_START - PAGE_SIZE * (LAST_PKMAP + 1)) & PMD_MASK
 *
 *   0xff800000   0xff801000   0xff802000                 0xffbff000
 *   +------------+------------+------------+-- ... --+------------+
 *   | slot 0     | slot 1     | slot 2     |         | slot 1023  |  PKMAP_ADDR(nr) = PKMAP_BASE + nr*4K
 *   +------------+------------+------------+-- ... --+------------+
 *   pkmap_count:  0 free   1 stale (needs flush)   n>1 in use by n-1
 *   last_pkmap_nr walks forward; when it wraps to 0, every count-1 slot is cleared and the TLBs
 *   of all CPUs are flushed (flush_all_zero_pkmaps), which is why the first kmap gets slot 1.
 */

/** One task asleep in map_new_virtual on pkmap_map_wait. */
export interface PkmapWaiter {
  /** The page the sleeping kmapWait() wants mapped. */
  readonly page: Page;
  /** Completes the waiting kmapWait() with the page's pkmap address. */
  readonly resolve: (vaddr: VirtAddr) => void;
}

/** The pkmap state of one machine (the statics of mm/highmem.c). */
export class Pkmap {
  /** LAST_PKMAP: number of slots, one page table: 1024, or 512 with PAE. */
  readonly LAST_PKMAP: number;
  /** LAST_PKMAP_MASK = LAST_PKMAP - 1. */
  readonly LAST_PKMAP_MASK: number;
  /** PKMAP_BASE: linear address of slot 0 (0xff800000, or 0xffc00000 with PAE, in the default profile). */
  readonly PKMAP_BASE: VirtAddr;
  /** pkmap_count[nr]: 0 free, 1 unused but not yet flushed, n > 1 in use by n - 1 kmaps. */
  readonly pkmap_count: Int32Array;
  /** last_pkmap_nr: the slot map_new_virtual looked at last; the search resumes after it. */
  last_pkmap_nr = 0;
  /** pkmap_page_table: physical address of the page table whose entry nr maps PKMAP_ADDR(nr). */
  readonly pkmap_page_table: PhysAddr;
  /** pkmap_map_wait: tasks sleeping until a kunmap_high makes a slot reusable, oldest first. */
  readonly pkmap_map_wait: PkmapWaiter[] = [];
  /** Calls of kmap_high not yet matched by kunmap_high (sum over slots of count - 1 when > 1). */
  outstanding = 0;
  /** How many times flush_all_zero_pkmaps has run (each one is a flush_tlb_all). */
  flushes = 0;

  readonly #machine: Machine;
  readonly #pa: PageAllocator;
  readonly #kmap_prot: number;

  /**
   * permanent_kmaps_init: find the page table page-alloc built for the pkmap range in
   * swapper_pg_dir. Throws KmapError if boot left that range without a page table.
   */
  constructor(pa: PageAllocator, kmap_prot: number) {
    this.#pa = pa;
    this.#machine = pa.machine;
    this.#kmap_prot = kmap_prot;
    const pae = this.#machine.pae;
    this.LAST_PKMAP = LAST_PKMAP_OF(pae);
    this.LAST_PKMAP_MASK = this.LAST_PKMAP - 1;
    this.PKMAP_BASE = asVirt(PKMAP_BASE_OF(pae));
    this.pkmap_count = new Int32Array(this.LAST_PKMAP);
    const where = lookupPte(this.#machine, pa.swapper_pg_dir, this.PKMAP_BASE);
    if (where === null || where.large || where.idx !== 0) {
      throw new KmapError(
        "permanent_kmaps_init",
        this.PKMAP_BASE,
        "swapper_pg_dir has no page table starting at PKMAP_BASE (pagetable_init must build it)",
      );
    }
    this.pkmap_page_table = where.tablePa;
  }

  /** PKMAP_NR(vaddr): slot number of a pkmap address. */
  PKMAP_NR(vaddr: number): number {
    return ((vaddr >>> 0) - this.PKMAP_BASE) >>> PAGE_SHIFT;
  }

  /** PKMAP_ADDR(nr): linear address of slot nr. */
  PKMAP_ADDR(nr: number): VirtAddr {
    return asVirt(this.PKMAP_BASE + nr * PAGE_SIZE);
  }

  /** The raw PTE (hardware layout as a number) of slot nr, read from RAM. */
  pkmap_pte(nr: number): number {
    return this.#machine.paging.readEntry(this.#machine.ram, this.pkmap_page_table, nr);
  }

  /**
   * kmap_high(page): map a high page into the pkmap window, or take another reference on its
   * existing slot. Throws KmapWouldSleepError (nothing changed) when the kernel would sleep.
   */
  kmap_high(page: Page): VirtAddr {
    refuseInInterrupt(this.#machine, "kmap_high", page);
    this.#requireHighMem("kmap_high", page);
    let vaddr = this.#pa.page_address(page);
    if (vaddr === null) {
      if (this.wouldSleep()) throw new KmapWouldSleepError("kmap_high", page);
      vaddr = this.map_new_virtual(page);
      if (vaddr === null)
        throw new KmapError("map_new_virtual", undefined, "slot search failed after a successful dry run");
    }
    return this.#get(vaddr);
  }

  /**
   * kmap_high, sleeping variant: resolves with the pkmap address at once when a slot is usable,
   * otherwise after the kunmap_high that lets the retry succeed (the task slept on pkmap_map_wait).
   */
  kmap_high_wait(page: Page): Promise<VirtAddr> {
    refuseInInterrupt(this.#machine, "kmap_high", page);
    this.#requireHighMem("kmap_high", page);
    const mapped = this.#pa.page_address(page);
    if (mapped !== null) return Promise.resolve(this.#get(mapped));
    const vaddr = this.map_new_virtual(page);
    if (vaddr !== null) return Promise.resolve(this.#get(vaddr));
    return new Promise<VirtAddr>((resolve) => {
      this.pkmap_map_wait.push({ page, resolve });
    });
  }

  /**
   * kunmap_high(page): drop one reference. The mapping stays (count 1) until the next wrap-around
   * flush. BUG (KmapError, nothing changed) if the page has no pkmap address or its count would
   * reach 0 without a flush. Wakes the waiters when the count falls to 1.
   */
  kunmap_high(page: Page): void {
    this.#requireHighMem("kunmap_high", page);
    const vaddr = this.#pa.page_address(page);
    if (vaddr === null) {
      throw new KmapError("kunmap_high", undefined, `page (pfn 0x${page.toString(16)}) is not kmapped`);
    }
    const nr = this.PKMAP_NR(vaddr);
    if (nr >= this.LAST_PKMAP) {
      throw new KmapError("kunmap_high", vaddr, "page_address is not a pkmap address");
    }
    if (this.pkmap_count[nr] <= 1) {
      throw new KmapError(
        "kunmap_high",
        vaddr,
        `pkmap_count[${nr}] would drop to ${this.pkmap_count[nr] - 1} (a count must never reach 0 without a TLB flush)`,
      );
    }
    this.outstanding--;
    /* only 1 (no users left) can let a sleeper proceed */
    if (--this.pkmap_count[nr] === 1 && this.pkmap_map_wait.length > 0) this.#wake_up();
  }

  /**
   * map_new_virtual(page): find a usable slot after last_pkmap_nr, flushing at wrap-around, map the
   * page there with kmap_prot and record its address. Returns null where the kernel would sleep
   * (a full circle without a usable slot); last_pkmap_nr and any flush stay as the kernel leaves them.
   */
  map_new_virtual(page: Page): VirtAddr | null {
    let count = this.LAST_PKMAP;
    for (;;) {
      this.last_pkmap_nr = (this.last_pkmap_nr + 1) & this.LAST_PKMAP_MASK;
      if (this.last_pkmap_nr === 0) {
        this.flush_all_zero_pkmaps();
        count = this.LAST_PKMAP;
      }
      if (this.pkmap_count[this.last_pkmap_nr] === 0) break;
      if (--count === 0) return null;
    }
    const nr = this.last_pkmap_nr;
    const vaddr = this.PKMAP_ADDR(nr);
    this.#machine.paging.writeEntry(
      this.#machine.ram,
      this.pkmap_page_table,
      nr,
      mk_pte(page, this.#kmap_prot),
    );
    this.pkmap_count[nr] = 1;
    this.#pa.set_page_address(page, vaddr);
    return vaddr;
  }

  /**
   * flush_all_zero_pkmaps(): unmap every slot whose count is 1 (count becomes 0, PTE cleared,
   * page_address forgotten), then flush_tlb_kernel_range over the window (flush_tlb_all on i386: every CPU, globals too).
   * BUG (KmapError, nothing changed) if a count-1 slot has an empty PTE.
   */
  flush_all_zero_pkmaps(): void {
    const { pkmap_count, LAST_PKMAP } = this;
    for (let i = 0; i < LAST_PKMAP; i++) {
      if (pkmap_count[i] === 1 && pte_none(this.pkmap_pte(i))) {
        throw new KmapError(
          "flush_all_zero_pkmaps",
          this.PKMAP_ADDR(i),
          `pkmap_count[${i}] is 1 but its pte is empty`,
        );
      }
    }
    const { ram, paging } = this.#machine;
    for (let i = 0; i < LAST_PKMAP; i++) {
      if (pkmap_count[i] !== 1) continue;
      pkmap_count[i] = 0;
      const page = asPfn(pte_pfn(this.pkmap_pte(i))) as number as Page;
      paging.writeEntry(ram, this.pkmap_page_table, i, 0);
      this.#pa.set_page_address(page, null);
    }
    flush_tlb_kernel_range(this.#machine, this.PKMAP_ADDR(0), this.PKMAP_ADDR(LAST_PKMAP));
    this.flushes++;
  }

  /**
   * Dry run of map_new_virtual's search: true when it would end asleep. Reads state only, so the
   * synchronous kmap can refuse before changing anything.
   */
  wouldSleep(): boolean {
    const { pkmap_count, LAST_PKMAP_MASK } = this;
    let nr = this.last_pkmap_nr;
    let count = this.LAST_PKMAP;
    let flushed = false;
    for (;;) {
      nr = (nr + 1) & LAST_PKMAP_MASK;
      if (nr === 0) {
        flushed = true;
        count = this.LAST_PKMAP;
      }
      const c = pkmap_count[nr];
      if (c === 0 || (flushed && c === 1)) return false;
      if (--count === 0) return true;
    }
  }

  /** kmap_high's second half: count the new user of the slot at vaddr; BUG if the count is < 2. */
  #get(vaddr: VirtAddr): VirtAddr {
    const nr = this.PKMAP_NR(vaddr);
    if (nr >= this.LAST_PKMAP || this.pkmap_count[nr] < 1) {
      throw new KmapError("kmap_high", vaddr, `pkmap_count[${nr}] would be below 2 after the increment`);
    }
    this.pkmap_count[nr]++;
    this.outstanding++;
    return vaddr;
  }

  /** wake_up(&pkmap_map_wait): every sleeper runs its retry now, oldest first; failures sleep again. */
  #wake_up(): void {
    const woken = this.pkmap_map_wait.splice(0, this.pkmap_map_wait.length);
    for (const w of woken) {
      /* Somebody else might have mapped it while we slept */
      const mapped = this.#pa.page_address(w.page);
      const vaddr = mapped ?? this.map_new_virtual(w.page);
      if (vaddr === null) this.pkmap_map_wait.push(w);
      else w.resolve(this.#get(vaddr));
    }
  }

  /** The pkmap pool is for high pages only (a lowmem page here would bump a count outside the pool). */
  #requireHighMem(call: string, page: Page): void {
    if (!this.#pa.PageHighMem(page)) {
      throw new KmapError(call, undefined, "not a highmem page (kmap/kunmap handle lowmem pages)", {
        pfn: page,
      });
    }
  }
}
