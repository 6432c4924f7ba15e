/*
 * The kernel's interface to high memory: arch/i386/mm/highmem.c (kmap, kunmap and the atomic
 * pair) over mm/highmem.c's pkmap pool and include/asm-i386/fixmap.h's fixmap, for one machine.
 * `new Kmap(pa)` is permanent_kmaps_init + kmap_init: it finds the pkmap and kmap_atomic page
 * tables page-alloc built in swapper_pg_dir and fixes kmap_prot = the run-time PAGE_KERNEL.
 * kmap/kunmap and kmapWait are refused (BUG) in interrupt context; a lowmem page is simply
 * page_address() and never counted. All state is in this object and the machine's RAM.
 */
import {
  in_interrupt,
  type Machine,
  type Page,
  type PhysAddr,
  smp_processor_id,
  type VirtAddr,
} from "@i386mm/hw-i386";
import type { PageAllocator } from "@i386mm/page-alloc";
import { KmapError } from "./errors.js";
import { __set_fixmap, type CheckedFixIndex, fix_to_virt, virt_to_fix } from "./fixmap.js";
import { KmapAtomic } from "./kmap-atomic.js";
import type { km_type } from "./kmap-types.js";
import { refuseInInterrupt } from "./might-sleep.js";
import { Pkmap } from "./pkmap.js";
import { runtimeKernelProt } from "./prot.js";

/** Options of {@link Kmap}. */
export interface KmapOptions {
  /**
   * Model CONFIG_DEBUG_HIGHMEM's kmap_atomic checks: BUG when kmap_atomic finds its slot's PTE
   * still set, BUG when kunmap_atomic gets another slot's address, and clear the PTE on
   * kunmap_atomic. Default false, as the 2.6.11 profile (the kernel then silently overwrites).
   */
  debug_highmem?: boolean;
}

/** Fixmaps, permanent and temporary kernel mappings of one machine's high memory. */
export class Kmap {
  /** The page allocator whose pages and swapper_pg_dir this maps. */
  readonly pa: PageAllocator;
  /** The simulated PC. */
  readonly machine: Machine;
  /** Physical address of the kernel page table (swapper_pg_dir). */
  readonly swapper_pg_dir: PhysAddr;
  /** kmap_prot: the run-time PAGE_KERNEL (with _PAGE_GLOBAL when the CPU has PGE). */
  readonly kmap_prot: number;
  /** The run-time PAGE_KERNEL_NOCACHE used by set_fixmap_nocache. */
  readonly PAGE_KERNEL_NOCACHE: number;
  /** The permanent-mapping pool (pkmap_count, last_pkmap_nr, pkmap_map_wait). */
  readonly pkmap: Pkmap;
  /** The per-CPU kmap_atomic slots and their usage. */
  readonly atomic: KmapAtomic;

  /** permanent_kmaps_init + kmap_init over a booted page allocator (or anything holding one as `.pa`). */
  constructor(allocator: PageAllocator | { readonly pa: PageAllocator }, opts: KmapOptions = {}) {
    const pa = "pa" in allocator ? allocator.pa : allocator;
    pa.attachLayer("kmap", this); // one pkmap pool per kernel: refuses a second, changing nothing
    this.pa = pa;
    this.machine = pa.machine;
    this.swapper_pg_dir = pa.swapper_pg_dir;
    const prot = runtimeKernelProt(pa);
    this.kmap_prot = prot.PAGE_KERNEL;
    this.PAGE_KERNEL_NOCACHE = prot.PAGE_KERNEL_NOCACHE;
    this.pkmap = new Pkmap(pa, this.kmap_prot);
    this.atomic = new KmapAtomic(pa, this.kmap_prot, opts.debug_highmem ?? false);
  }

  /** pkmap_count[LAST_PKMAP]: 0 free, 1 unused but not yet flushed, n > 1 in use by n - 1 kmaps. */
  get pkmap_count(): Int32Array {
    return this.pkmap.pkmap_count;
  }
  /** last_pkmap_nr: where map_new_virtual resumes its search. */
  get last_pkmap_nr(): number {
    return this.pkmap.last_pkmap_nr;
  }
  /** LAST_PKMAP: 1024 slots, or 512 with PAE. */
  get LAST_PKMAP(): number {
    return this.pkmap.LAST_PKMAP;
  }
  /** PKMAP_BASE: address of pkmap slot 0. */
  get PKMAP_BASE(): VirtAddr {
    return this.pkmap.PKMAP_BASE;
  }
  /** Whether CONFIG_DEBUG_HIGHMEM's checks are modelled. */
  get debug_highmem(): boolean {
    return this.atomic.debug_highmem;
  }

  /**
   * kmap(page): a kernel address for any page; may sleep. Lowmem: page_address(page), uncounted.
   * Highmem: kmap_high. BUG (KmapError) in interrupt context; KmapWouldSleepError when every
   * pkmap slot is busy (the kernel would sleep; use kmapWait). Nothing changes on a throw.
   */
  kmap(page: Page): VirtAddr {
    this.#checkPage("kmap", page);
    refuseInInterrupt(this.machine, "kmap", page);
    if (!this.pa.PageHighMem(page)) return this.#lowmemAddress("kmap", page);
    return this.pkmap.kmap_high(page);
  }

  /**
   * kmap that sleeps when it must: resolves with the page's address at once if a slot is usable,
   * otherwise once a kunmap frees one and the retry succeeds. BUG in interrupt context (thrown
   * synchronously, nothing changed).
   */
  kmapWait(page: Page): Promise<VirtAddr> {
    this.#checkPage("kmap", page);
    refuseInInterrupt(this.machine, "kmap", page);
    if (!this.pa.PageHighMem(page)) return Promise.resolve(this.#lowmemAddress("kmap", page));
    return this.pkmap.kmap_high_wait(page);
  }

  /**
   * kunmap(page): release a kmap. Lowmem: nothing. Highmem: kunmap_high. BUG (KmapError, nothing
   * changed) in interrupt context or if the page is not kmapped.
   */
  kunmap(page: Page): void {
    this.#checkPage("kunmap", page);
    const cpu = this.machine.cpus[smp_processor_id(this.machine)];
    if (in_interrupt(cpu)) {
      throw new KmapError("kunmap", undefined, `called in interrupt context for pfn 0x${page.toString(16)}`);
    }
    if (!this.pa.PageHighMem(page)) return;
    this.pkmap.kunmap_high(page);
  }

  /** kmap_high(page): map a high page in the pkmap window (see {@link kmap}). */
  kmap_high(page: Page): VirtAddr {
    return this.pkmap.kmap_high(page);
  }

  /** kunmap_high(page): drop a reference to a high page's pkmap slot (see {@link kunmap}). */
  kunmap_high(page: Page): void {
    this.pkmap.kunmap_high(page);
  }

  /** flush_all_zero_pkmaps(): unmap every count-1 pkmap slot and flush all CPUs' TLBs. */
  flush_all_zero_pkmaps(): void {
    this.pkmap.flush_all_zero_pkmaps();
  }

  /**
   * kmap_atomic(page, type): map at this CPU's `type` fixmap slot with preemption off.
   * kmap_atomic(page), the later kernels' form the seed uses: the next slot of this CPU's stack.
   */
  kmap_atomic(page: Page, type?: km_type): VirtAddr {
    this.#checkPage("kmap_atomic", page);
    return this.atomic.kmap_atomic(page, type);
  }

  /**
   * kunmap_atomic(kvaddr, type): end a kmap_atomic on this CPU; preemption back on.
   * kunmap_atomic(kvaddr), the later form: release the top of this CPU's stack (LIFO).
   */
  kunmap_atomic(kvaddr: number, type?: km_type): void {
    this.atomic.kunmap_atomic(kvaddr, type);
  }

  /** kmap_atomic_to_page(ptr): the page an address returned by kmap_atomic refers to. */
  kmap_atomic_to_page(ptr: number): Page {
    return this.atomic.kmap_atomic_to_page(ptr);
  }

  /** fix_to_virt(idx): see the free function {@link fix_to_virt} (compile-time checked index). */
  fix_to_virt<I extends number>(idx: I & CheckedFixIndex<I>): VirtAddr {
    return fix_to_virt(idx as number);
  }

  /** virt_to_fix(vaddr): fixmap index of a fixmap address; BUG outside [FIXADDR_START, FIXADDR_TOP). */
  virt_to_fix(vaddr: number): number {
    return virt_to_fix(vaddr);
  }

  /** __set_fixmap(idx, phys, flags): write fixmap PTE `idx` in swapper_pg_dir and invlpg it. */
  __set_fixmap(idx: number, phys: number, flags: number): void {
    __set_fixmap(this.machine, this.swapper_pg_dir, idx, phys, flags);
  }

  /** set_fixmap(idx, phys): map fixmap slot `idx` to `phys` with PAGE_KERNEL. */
  set_fixmap(idx: number, phys: number): void {
    __set_fixmap(this.machine, this.swapper_pg_dir, idx, phys, this.kmap_prot);
  }

  /** set_fixmap_nocache(idx, phys): as set_fixmap, with PAGE_KERNEL_NOCACHE (uncached, for MMIO). */
  set_fixmap_nocache(idx: number, phys: number): void {
    __set_fixmap(this.machine, this.swapper_pg_dir, idx, phys, this.PAGE_KERNEL_NOCACHE);
  }

  /** clear_fixmap(idx): empty fixmap PTE `idx` and invlpg it. */
  clear_fixmap(idx: number): void {
    __set_fixmap(this.machine, this.swapper_pg_dir, idx, 0, 0);
  }

  /** A `struct page *` outside mem_map would oops on its first dereference: BUG before anything changes. */
  #checkPage(call: string, page: Page): void {
    if (!this.pa.pfn_valid(page)) {
      throw new KmapError(
        call,
        undefined,
        "not a struct page in mem_map (pfn_valid fails; an address passed as a page?)",
        { pfn: page },
      );
    }
  }

  #lowmemAddress(call: string, page: Page): VirtAddr {
    const vaddr = this.pa.page_address(page);
    if (vaddr === null)
      throw new KmapError(call, undefined, `lowmem pfn 0x${page.toString(16)} has no address`);
    return vaddr;
  }
}
