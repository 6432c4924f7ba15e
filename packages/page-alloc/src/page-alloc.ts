/**
 * The zoned page frame allocator: struct page accessors, __alloc_pages and the free path.
 * Models mm/page_alloc.c (__alloc_pages, buffered_rmqueue, prep_new_page, prep_zero_page,
 * prep_compound_page / destroy_compound_page, __free_pages, __free_pages_ok, free_hot_cold_page,
 * free_pages_check, __get_free_pages and friends, nr_free_pages), include/linux/mm.h
 * (page_count, get_page, put_page, page_zone) and mm/vmscan.c: wakeup_kswapd, in Linux 2.6.11.
 * Boot happens in the constructor (boot.ts). Invariants: see checkPageAllocInvariants.
 * Every public misuse check runs before any state changes; BadPageError leaves all as it was.
 */
import {
  ConfigError,
  in_interrupt,
  KernelBugError,
  type Machine,
  ModelCheckError,
  PAGE_OFFSET,
  PAGE_SIZE,
  type Pfn,
  type PhysAddr,
  type VirtAddr,
} from "@i386mm/hw-i386";
import { BadPageError, bad_page_lines } from "./bad-page.js";
import { type BootOptions, boot, type KernelImage } from "./boot.js";
import * as buddyModule from "./buddy.js";
import { get_order, SizedRequests } from "./get-order.js";
import * as gfpModule from "./gfp.js";
import { hash_ptr, PA_HASH_ORDER, PageAddressHash } from "./highmem.js";
import type { KernelLayout } from "./layout.js";
import { type MemMap, type Page, SIZEOF_STRUCT_PAGE } from "./mem-map.js";
import type { pg_data_t, Zone, zonelist } from "./mmzone.js";
import * as mmzoneModule from "./mmzone.js";
import * as pageFlagsModule from "./page-flags.js";
import * as pcpModule from "./pcp.js";
import {
  buddyinfo,
  extfrag_index,
  type MeminfoSources,
  meminfo,
  pagetypeinfo,
  unusable_index,
  zoneinfo,
} from "./proc.js";
import * as watermarkModule from "./watermark.js";
import {
  init_per_zone_pages_min,
  nr_free_zone_pages,
  setup_per_zone_lowmem_reserve,
  setup_per_zone_pages_min,
} from "./watermark.js";

export type { KernelImage } from "./boot.js";

/*
 * The constants and functions the allocation and free paths use, as this module's own consts: V8
 * folds a module's top-level consts into optimized code, but reads an imported binding through its
 * module cell, with a TDZ check (and, for a function, a check of the callee), at every use, and
 * these paths test a dozen of them on every call (bench/README.md, "Performance work for issue #18").
 */
const {
  __GFP_COLD,
  __GFP_COMP,
  __GFP_FS,
  __GFP_HIGH,
  __GFP_HIGHMEM,
  __GFP_NOFAIL,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_REPEAT,
  __GFP_WAIT,
  __GFP_ZERO,
  GFP_DMA,
  GFP_HIGHUSER,
  GFP_USER,
  GFP_ZONEMASK,
} = gfpModule;
const { MAX_ORDER, ZONE_HIGHMEM } = mmzoneModule;
const {
  BAD_PAGE_CLEAR,
  FREE_PAGES_CHECK_BAD,
  NODEZONE_MASK,
  NODEZONE_SHIFT,
  PG_ALLOC_ORDER_MASK,
  PG_ALLOC_ORDER_SHIFT,
  PG_compound,
  PG_dirty,
  PG_highmem,
  PG_KERNEL_BITS_MASK,
  PG_reserved,
  PG_slab,
  PREP_NEW_PAGE_BAD,
  PREP_NEW_PAGE_CLEAR,
} = pageFlagsModule;
const { drain_cpu_pages, PCP_COLD, PCP_HOT, pcp_free, pcp_rmqueue } = pcpModule;
const { __free_pages_bulk, __rmqueue } = buddyModule;
const { zone_watermark_ok } = watermarkModule;

/** Options of `new PageAllocator(machine, opts)`: the boot's (boot.ts) plus the reclaim stand-in. */
export interface PageAllocatorOptions extends BootOptions {
  /** Direct-reclaim stand-in for try_to_free_pages. */
  reclaim?: ReclaimHook;
  /** select_bad_process / oom_kill_process for out_of_memory (see PageAllocator.oom_killer). */
  oom_killer?: OomKiller;
  /** test_thread_flag(TIF_MEMDIE) of the current task (see PageAllocator.tif_memdie). */
  tif_memdie?: () => boolean;
}

/**
 * out_of_memory's victim selection (mm/oom_kill.c select_bad_process): null when no process can
 * be killed, else the function that kills the chosen one (oom_kill_process: its memory is freed).
 */
export type OomKiller = (gfp_mask: number) => (() => void) | null;

/**
 * Stand-in for try_to_free_pages (mm/vmscan.c): called by the direct-reclaim step of
 * __alloc_pages with the zonelist's zones; returns how many pages it freed (0 = no progress).
 * It may free pages through the allocator (it runs with PF_MEMALLOC set, as the kernel's does).
 */
export type ReclaimHook = (zones: readonly Zone[], gfp_mask: number, order: number) => number;

/** One recorded wakeup_kswapd that woke a node's kswapd. */
export interface KswapdWakeup {
  /** Node whose kswapd was woken. */
  readonly nid: number;
  /** Zone that was below pages_low. */
  readonly zone: string;
  /** Order of the allocation that woke it. */
  readonly order: number;
  /** zone.free_pages at the time. */
  readonly free_pages: number;
}

/** Event and statistics counters a user can read (the model's page_state). */
export interface PageAllocStats {
  /** Pages handed out (pgalloc_*). */
  pgalloc: number;
  /** Pages freed (pgfree). */
  pgfree: number;
  /** Times __alloc_pages fell past pass 1 and called wakeup_kswapd. */
  kswapd_wakeups: number;
  /** Direct-reclaim calls (allocstall). */
  allocstall: number;
  /** Pages the reclaim hook reported freed. */
  reclaimed: number;
  /** out_of_memory() calls. */
  oom: number;
  /** Allocations that returned NULL. */
  failures: number;
}

const RESERVED = 1 << PG_reserved;
const HIGHMEM_FLAG = 1 << PG_highmem;
const COMPOUND = 1 << PG_compound;
/** Flags a tail page of a block being freed must not carry (free_pages_check, PG_reserved, PG_compound outside a compound page). */
const TAIL_FREE_CHECK_BAD = FREE_PAGES_CHECK_BAD | RESERVED | COMPOUND;
/** The flags prep_new_page keeps: all but PREP_NEW_PAGE_CLEAR and the model's allocation order. */
const PREP_NEW_PAGE_KEEP = ~PREP_NEW_PAGE_CLEAR & ~PG_ALLOC_ORDER_MASK;
const SLAB = 1 << PG_slab;
const DIRTY = 1 << PG_dirty;
/** The flags __free_pages_ok clears on every page of a block (PG_dirty, the compound and order marks). */
const FREE_CLEAR = DIRTY | COMPOUND | PG_ALLOC_ORDER_MASK;
/**
 * Rounds of reclaim (or OOM kills) the model lets an allocation 2.6.11 retries forever go through
 * before it stops the machine (machine.hang): the kernel itself never gives up.
 */
export const MAX_RECLAIM_RETRIES = 16;
/** Most kswapd wake-up events kept in PageAllocator.kswapd_events (a ring). */
export const KSWAPD_EVENT_LOG = 256;

/**
 * What /proc/meminfo's Buffers and Cached read from the page cache (2.6.11: si_meminfo's bufferram =
 * nr_blockdev_pages(), Cached = get_page_cache_size() - total_swapcache_pages - bufferram).
 */
export interface PageCacheCounters {
  /** Pages in every block device's page cache (fs/block_dev.c). */
  nr_blockdev_pages(): number;
  /** nr_pagecache: pages in any page cache (include/linux/pagemap.h). */
  get_page_cache_size(): number;
}

/** The page frame allocator of one Machine, booted as 2.6.11 boots. */
export class PageAllocator {
  /** The machine whose RAM is managed. */
  readonly machine: Machine;
  /** One descriptor per frame 0..max_pfn-1, struct-of-arrays. */
  readonly mem_map: MemMap;
  /** Nodes by id. */
  readonly node_data: readonly pg_data_t[];
  /** Head of the node list (node 0). */
  readonly pgdat_list: pg_data_t;
  /** Zones by NODEZONE(nid, zone) (the index kept in page->flags). */
  readonly zone_table: readonly Zone[];
  /** Every zone of every node, node by node (for_each_zone). */
  readonly zones: readonly Zone[];
  /** Node of each simulated CPU (cpu_to_node). */
  readonly cpu_to_node: readonly number[];
  /** Physical address of the kernel page directory (in the kernel image). */
  readonly swapper_pg_dir: PhysAddr;
  /** Physical address of empty_zero_page (follows swapper_pg_dir). */
  readonly empty_zero_page: PhysAddr;
  /** Virtual end of the direct-mapped lowmem. */
  readonly high_memory: VirtAddr;
  /** First pfn past lowmem. */
  readonly max_low_pfn: number;
  /** First highmem pfn (== max_low_pfn when highmem exists, else max_pfn). */
  readonly highstart_pfn: number;
  /** First pfn past highmem. */
  readonly highend_pfn: number;
  /** First pfn past the last RAM frame the kernel uses. */
  readonly max_pfn: number;
  /** Number of frames described by mem_map (max_mapnr). */
  readonly num_physpages: number;
  /** pfn_valid bound. */
  readonly max_mapnr: number;
  /** Frames handed to the buddy allocator at boot (totalram_pages). */
  readonly totalram_pages: number;
  /** Highmem frames handed to the buddy allocator at boot (totalhigh_pages). */
  readonly totalhigh_pages: number;
  /** Lowmem RAM frames still reserved after boot (mem_init's reservedpages). */
  readonly reservedpages: number;
  /** /proc/sys/vm/lowmem_reserve_ratio (set_lowmem_reserve_ratio writes it). */
  readonly sysctl_lowmem_reserve_ratio: readonly number[];
  /** The kernel image: physical placement and section addresses. */
  readonly kernel: KernelImage;
  /** The kernel virtual layout (for the "virtual kernel memory layout:" block). */
  readonly layout: KernelLayout;
  /** Lines the boot printed (also appended to machine.dmesg). */
  readonly bootLog: readonly string[];
  /** Virtual address of mem_map (descriptor display address = mem_map_virt + pfn * 32). */
  readonly mem_map_virt: number;
  /** Per-node virtual address of node_mem_map. */
  readonly node_mem_map_virt: readonly number[];
  /** Counters a user can read (the allocator counts in #stats, the same object). */
  readonly stats: Readonly<PageAllocStats>;
  readonly #stats: PageAllocStats;
  /** The last KSWAPD_EVENT_LOG kswapd wake-ups, oldest first. */
  readonly kswapd_events: readonly KswapdWakeup[];
  readonly #kswapd_events: KswapdWakeup[] = [];
  /** The direct-reclaim stand-in (opts.reclaim). */
  readonly reclaim: ReclaimHook | undefined;
  /**
   * select_bad_process + oom_kill_process for out_of_memory: returns how to kill the chosen
   * process, or null when none can be killed (then the kernel panics). Set by the layer that runs
   * processes (opts.oom_killer, or once later with set_oom_killer); absent, there is nothing to kill.
   */
  get oom_killer(): OomKiller | undefined {
    return this.#oom_killer;
  }
  #oom_killer: OomKiller | undefined;
  /**
   * test_thread_flag(TIF_MEMDIE): whether the current task is an OOM-killer victim, which may take
   * pages without watermarks (pass 3) so that it can exit, and gets NULL rather than another
   * out_of_memory when even that fails. Set by the layer that runs processes, with oom_killer.
   */
  get tif_memdie(): (() => boolean) | undefined {
    return this.#tif_memdie;
  }
  #tif_memdie: (() => boolean) | undefined;
  /** Per CPU: set while that CPU runs the reclaim hook (current->flags & PF_MEMALLOC). */
  readonly pf_memalloc: readonly boolean[];
  readonly #pf_memalloc: boolean[];
  /** page_address_htable + page_address_pool. */
  readonly page_address_htable: PageAddressHash;
  /** The page cache's counters for /proc/meminfo (set_page_cache_counters), or null. */
  #page_cache_counters: PageCacheCounters | null = null;
  /** The model's record of page requests made by size (get-order.ts; /proc/fraginfo reads it). */
  readonly sized_requests: SizedRequests;
  /** The reserve pool size in KiB (init_per_zone_pages_min; set_min_free_kbytes writes it). */
  #min_free_kbytes: number;
  readonly #lowmem_reserve_ratio: number[];
  /** node_data[cpu_to_node[cpu]] by CPU (both fixed at boot): alloc_pages' node in one load. */
  readonly #cpu_pgdat: readonly pg_data_t[];
  /**
   * The OR of the tail pages' flags of the order>0 block #checkFreeBlock last passed (FREE_CLEAR when
   * it took the check-by-check path): #__free_pages_ok clears the tails only when one has a
   * FREE_CLEAR bit, instead of a second pass over every page of every block.
   */
  #freeTailFlags = 0;
  /** The layers built on this allocator, by name (attachLayer). */
  readonly #layers = new Map<string, object>();

  /**
   * Boot a 2.6.11 kernel's memory management on `machine` (boot.ts: every step, then one commit;
   * a boot that throws leaves the machine as it was).
   */
  constructor(machine: Machine, opts: PageAllocatorOptions = {}) {
    const b = boot(machine, opts);
    this.machine = machine;
    this.reclaim = opts.reclaim;
    this.#oom_killer = opts.oom_killer;
    this.#tif_memdie = opts.tif_memdie;
    this.#pf_memalloc = new Array<boolean>(machine.cpus.length).fill(false);
    this.pf_memalloc = this.#pf_memalloc;
    this.kswapd_events = this.#kswapd_events;
    this.mem_map = b.mem_map;
    this.node_data = b.node_data;
    this.pgdat_list = b.node_data[0];
    this.zone_table = b.zone_table;
    this.zones = b.zones;
    this.cpu_to_node = b.cpu_to_node;
    this.#cpu_pgdat = b.cpu_to_node.map((nid) => b.node_data[nid]);
    this.swapper_pg_dir = b.swapper_pg_dir;
    this.empty_zero_page = b.empty_zero_page;
    this.high_memory = b.high_memory;
    this.max_low_pfn = b.max_low_pfn;
    this.highstart_pfn = b.highstart_pfn;
    this.highend_pfn = b.highend_pfn;
    this.max_pfn = b.max_pfn;
    this.num_physpages = b.num_physpages;
    this.max_mapnr = b.max_mapnr;
    this.totalram_pages = b.totalram_pages;
    this.totalhigh_pages = b.totalhigh_pages;
    this.reservedpages = b.reservedpages;
    this.#lowmem_reserve_ratio = [...b.sysctl_lowmem_reserve_ratio];
    this.sysctl_lowmem_reserve_ratio = this.#lowmem_reserve_ratio;
    this.kernel = b.kernel;
    this.layout = b.layout;
    this.bootLog = b.bootLog;
    this.mem_map_virt = b.node_mem_map_virt[0];
    this.node_mem_map_virt = b.node_mem_map_virt;
    this.#min_free_kbytes = b.min_free_kbytes;
    this.#stats = {
      pgalloc: 0,
      pgfree: b.pgfree,
      kswapd_wakeups: 0,
      allocstall: 0,
      reclaimed: 0,
      oom: 0,
      failures: 0,
    };
    this.stats = this.#stats;
    this.page_address_htable = new PageAddressHash(machine.pae ? 512 : 1024);
    this.sized_requests = new SizedRequests(machine.cpus.length);
  }

  /** The reserve pool size in KiB (init_per_zone_pages_min; /proc/sys/vm/min_free_kbytes). */
  get min_free_kbytes(): number {
    return this.#min_free_kbytes;
  }

  // ---------------------------------------------------------------- struct page accessors

  /** pfn_to_page: the descriptor of frame `pfn` (no check, as the kernel macro). */
  pfn_to_page(pfn: Pfn): Page {
    return pfn as number as Page;
  }
  /** page_to_pfn: the frame a descriptor describes. */
  page_to_pfn(page: Page): Pfn {
    return page as number as Pfn;
  }
  /** pfn_valid: pfn < max_mapnr. */
  pfn_valid(pfn: number): boolean {
    return Number.isInteger(pfn) && pfn >= 0 && pfn < this.max_mapnr;
  }
  /** virt_addr_valid: pfn_valid(__pa(kaddr) >> PAGE_SHIFT) with 32-bit unsigned arithmetic. */
  virt_addr_valid(kaddr: number): boolean {
    return this.pfn_valid(Math.floor((((kaddr >>> 0) - PAGE_OFFSET) >>> 0) / PAGE_SIZE));
  }
  /** virt_to_page: pfn_to_page(__pa(kaddr) >> PAGE_SHIFT). */
  virt_to_page(kaddr: number): Page {
    return Math.floor((((kaddr >>> 0) - PAGE_OFFSET) >>> 0) / PAGE_SIZE) as Page;
  }
  /** Virtual address of the struct page itself (what the kernel prints for "page %p"). */
  page_descriptor_address(page: Page): number {
    const nid = this.mem_map.flags[page] >>> (NODEZONE_SHIFT + 2);
    const pgdat = this.node_data[nid] ?? this.node_data[0];
    return (this.node_mem_map_virt[pgdat.node_id] + (page - pgdat.node_start_pfn) * SIZEOF_STRUCT_PAGE) >>> 0;
  }
  /** page_zone: zone_table[page->flags >> NODEZONE_SHIFT]. */
  page_zone(page: Page): Zone {
    return this.zone_table[this.mem_map.flags[page] >>> NODEZONE_SHIFT];
  }
  /** PageHighMem: PG_highmem is set (highmem RAM frames, set at boot). */
  PageHighMem(page: Page): boolean {
    return (this.mem_map.flags[page] & HIGHMEM_FLAG) !== 0;
  }
  /** PageReserved. */
  PageReserved(page: Page): boolean {
    return (this.mem_map.flags[page] & RESERVED) !== 0;
  }
  /** SetPageReserved. */
  SetPageReserved(page: Page): void {
    this.mem_map.flags[page] |= RESERVED;
  }
  /** ClearPageReserved. */
  ClearPageReserved(page: Page): void {
    this.mem_map.flags[page] &= ~RESERVED;
  }
  /** PageSlab. */
  PageSlab(page: Page): boolean {
    return (this.mem_map.flags[page] & SLAB) !== 0;
  }
  /** SetPageSlab. */
  SetPageSlab(page: Page): void {
    this.mem_map.flags[page] |= SLAB;
  }
  /** ClearPageSlab. */
  ClearPageSlab(page: Page): void {
    this.mem_map.flags[page] &= ~SLAB;
  }
  /** PageCompound. */
  PageCompound(page: Page): boolean {
    return (this.mem_map.flags[page] & COMPOUND) !== 0;
  }
  /** page_count: the reference count (a compound page's tails report the head's). */
  page_count(page: Page): number {
    const m = this.mem_map;
    if (m.flags[page] & COMPOUND) page = m.private[page] as Page;
    return m._count[page] + 1;
  }
  /** set_page_count: store `v` (biased by -1). */
  set_page_count(page: Page, v: number): void {
    this.mem_map._count[page] = v - 1;
  }
  /** page_mapcount: ptes mapping the page. */
  page_mapcount(page: Page): number {
    return this.mem_map._mapcount[page] + 1;
  }
  /** get_page: take a reference (on the head of a compound page). */
  get_page(page: Page): void {
    const m = this.mem_map;
    if (m.flags[page] & COMPOUND) page = m.private[page] as Page;
    m._count[page]++;
  }
  /**
   * put_page: drop a reference; the last one frees the page (a compound page as a whole with its
   * order from page[1].index, anything else as an order-0 page, as __page_cache_release does).
   */
  put_page(page: Page): void {
    this.#checkPage("put_page", page);
    const m = this.mem_map;
    if (m.flags[page] & COMPOUND) {
      const head = m.private[page] as Page;
      this.__free_pages(head, m.index[head + 1]);
      return;
    }
    this.__free_pages(page, 0);
  }

  /** page_address: lowmem → PAGE_OFFSET + physical; highmem → the kmap address, or null while unmapped. */
  page_address(page: Page): VirtAddr | null {
    if (!(this.mem_map.flags[page] & HIGHMEM_FLAG))
      return ((page * PAGE_SIZE + PAGE_OFFSET) >>> 0) as VirtAddr;
    const slot = hash_ptr(this.page_descriptor_address(page), PA_HASH_ORDER);
    const v = this.page_address_htable.lookup(slot, page);
    return v === null ? null : (v as VirtAddr);
  }
  /** set_page_address: record (virtual != null) or drop the kmap address of a highmem page (used by kmap). */
  set_page_address(page: Page, virtual: VirtAddr | null): void {
    this.#checkPage("set_page_address", page);
    if (!this.PageHighMem(page)) {
      throw new BadPageError(
        "set_page_address",
        this.page_descriptor_address(page),
        "page is not a highmem page",
        this.#pageState(page),
      );
    }
    const slot = hash_ptr(this.page_descriptor_address(page), PA_HASH_ORDER);
    this.page_address_htable.set(slot, page, virtual);
  }

  /** nr_free_pages: pages in the buddy lists of every zone (per-CPU list pages not included). */
  nr_free_pages(): number {
    let sum = 0;
    for (const z of this.zones) sum += z.free_pages;
    return sum;
  }
  /** nr_free_highpages: free pages of the HighMem zones. */
  nr_free_highpages(): number {
    let sum = 0;
    for (const z of this.zones) if (z.idx === ZONE_HIGHMEM) sum += z.free_pages;
    return sum;
  }
  /** nr_free_buffer_pages: (present - pages_high) over the GFP_USER zonelists. */
  nr_free_buffer_pages(): number {
    return nr_free_zone_pages(this.node_data, GFP_USER & GFP_ZONEMASK);
  }
  /** nr_free_pagecache_pages: (present - pages_high) over the GFP_HIGHUSER zonelists. */
  nr_free_pagecache_pages(): number {
    return nr_free_zone_pages(this.node_data, GFP_HIGHUSER & GFP_ZONEMASK);
  }

  /** zone_watermark_ok (mm/page_alloc.c), see watermark.ts. */
  zone_watermark_ok(
    z: Zone,
    order: number,
    mark: number,
    classzone_idx: number,
    can_try_harder: boolean,
    gfp_high: boolean,
  ): boolean {
    return zone_watermark_ok(z, order, mark, classzone_idx, can_try_harder, gfp_high);
  }

  /** init_per_zone_pages_min: min_free_kbytes from lowmem size, then watermarks and lowmem_reserve. */
  init_per_zone_pages_min(): void {
    this.#min_free_kbytes = init_per_zone_pages_min(this.node_data, this.zones, this.#lowmem_reserve_ratio);
  }
  /** Write /proc/sys/vm/min_free_kbytes: re-runs setup_per_zone_pages_min only. */
  set_min_free_kbytes(kbytes: number): void {
    if (!Number.isInteger(kbytes) || kbytes < 0) {
      throw new KernelBugError("min_free_kbytes_sysctl_handler", undefined, "not a non-negative integer", {
        value: kbytes,
      });
    }
    this.#min_free_kbytes = kbytes;
    setup_per_zone_pages_min(this.zones, kbytes);
  }
  /** Write /proc/sys/vm/lowmem_reserve_ratio: re-runs setup_per_zone_lowmem_reserve. */
  set_lowmem_reserve_ratio(ratio: readonly number[]): void {
    if (ratio.length !== 2 || ratio.some((r) => !Number.isInteger(r) || r < 1)) {
      throw new KernelBugError("lowmem_reserve_ratio_sysctl_handler", undefined, "needs two integers >= 1");
    }
    this.#lowmem_reserve_ratio[0] = ratio[0];
    this.#lowmem_reserve_ratio[1] = ratio[1];
    setup_per_zone_lowmem_reserve(this.node_data, this.#lowmem_reserve_ratio);
  }

  // ---------------------------------------------------------------- allocation

  /**
   * alloc_pages: 2^order contiguous frames from the current CPU's node, chosen through the
   * zonelist gfp_mask & GFP_ZONEMASK; null on failure or when order is not in 0..MAX_ORDER-1.
   */
  alloc_pages(gfp_mask: number, order: number): Page | null {
    if (!(order >= 0 && order < MAX_ORDER && (order | 0) === order)) return null;
    // #checkGfp's two refusals in one test, so that the hot path carries no throw (it stays small
    // enough for V8 to inline whole: see the README's performance notes)
    if (
      (gfp_mask & GFP_ZONEMASK) === GFP_ZONEMASK ||
      (gfp_mask & (__GFP_ZERO | __GFP_WAIT | __GFP_HIGHMEM)) === (__GFP_ZERO | __GFP_HIGHMEM)
    )
      this.#checkGfp("alloc_pages", gfp_mask);
    const cpu = this.machine.current;
    const page = this.__alloc_pages(
      gfp_mask,
      order,
      this.#cpu_pgdat[cpu].node_zonelists[gfp_mask & GFP_ZONEMASK],
    );
    if (this.sized_requests.pending === true) this.sized_requests.allocated(cpu, page ?? -1, order);
    return page;
  }
  /**
   * get_order(size) (include/asm-i386/page.h): the smallest order holding `size` bytes. The model
   * also notes the size, so that the next allocation of that order on this CPU is recorded as a
   * request by size (/proc/fraginfo's get_order table; get-order.ts).
   */
  get_order(size: number): number {
    this.sized_requests.note(this.machine.current, size);
    return get_order(size);
  }
  /**
   * alloc_pages_node(nid, gfp_mask, order) (include/linux/gfp.h): as alloc_pages, through node
   * `nid`'s zonelist; null for order >= MAX_ORDER. A nid with no node is a BUG (the kernel would
   * follow a garbage pg_data_t *).
   */
  alloc_pages_node(nid: number, gfp_mask: number, order: number): Page | null {
    if (!(order >= 0 && order < MAX_ORDER && (order | 0) === order)) return null;
    const pgdat = this.NODE_DATA(nid);
    if (pgdat === null)
      throw new KernelBugError(
        "alloc_pages_node",
        nid,
        `no node ${nid} (nodes 0..${this.node_data.length - 1})`,
      );
    this.#checkGfp("alloc_pages_node", gfp_mask);
    return this.__alloc_pages(gfp_mask, order, pgdat.node_zonelists[gfp_mask & GFP_ZONEMASK]);
  }
  /**
   * NODE_DATA(nid): node `nid`'s pg_data_t (node_data[nid] on a NUMA build, null past the last
   * node); without NUMA (one node) every nid names contig_page_data, as the macro does.
   */
  NODE_DATA(nid: number): pg_data_t | null {
    if (this.node_data.length === 1) return this.node_data[0];
    return Number.isInteger(nid) && nid >= 0 ? (this.node_data[nid] ?? null) : null;
  }
  /** alloc_page: alloc_pages(gfp_mask, 0). */
  alloc_page(gfp_mask: number): Page | null {
    return this.alloc_pages(gfp_mask, 0);
  }
  /**
   * __get_free_pages: alloc_pages then page_address; 0 on failure. 2.6.11 does not check
   * __GFP_HIGHMEM here (only get_zeroed_page does): a highmem page that is not kmapped has no
   * address, so the caller gets 0 and the page stays allocated, unreachable (a leak).
   */
  __get_free_pages(gfp_mask: number, order: number): VirtAddr | 0 {
    const page = this.alloc_pages(gfp_mask, order);
    if (page === null) return 0;
    return this.page_address(page) ?? 0;
  }
  /** __get_free_page: __get_free_pages(gfp_mask, 0). */
  __get_free_page(gfp_mask: number): VirtAddr | 0 {
    return this.__get_free_pages(gfp_mask, 0);
  }
  /** get_zeroed_page: one zero-filled lowmem frame's address, 0 on failure; BUG with __GFP_HIGHMEM. */
  get_zeroed_page(gfp_mask: number): VirtAddr | 0 {
    if (gfp_mask & __GFP_HIGHMEM) {
      throw new KernelBugError("get_zeroed_page", undefined, "BUG_ON(gfp_mask & __GFP_HIGHMEM)", {
        gfp_mask,
      });
    }
    const page = this.alloc_pages(gfp_mask | __GFP_ZERO, 0);
    if (page === null) return 0;
    return this.page_address(page) ?? 0;
  }
  /** __get_dma_pages: __get_free_pages(gfp_mask | GFP_DMA, order). */
  __get_dma_pages(gfp_mask: number, order: number): VirtAddr | 0 {
    return this.__get_free_pages(gfp_mask | GFP_DMA, order);
  }

  /**
   * __alloc_pages: pass 1 at pages_low; wake kswapd; pass 2 at pages_min (reduced for __GFP_HIGH and
   * callers that may not sleep); pass 3 without watermarks under PF_MEMALLOC; then, if the caller
   * may sleep, direct reclaim (the hook) and pass 4, or pass 5 at pages_high and out_of_memory.
   */
  __alloc_pages(gfp_mask: number, order: number, zonelist: zonelist): Page | null {
    const zones = zonelist.zones;
    const n = zones.length;
    if (n === 0) return null;
    const classzone_idx = zones[0].idx;
    // Pass 1.
    for (let i = 0; i < n; i++) {
      const z = zones[i];
      if (!zone_watermark_ok(z, order, z.pages_low, classzone_idx, false, false)) continue;
      const page = this.#buffered_rmqueue(z, order, gfp_mask);
      if (page !== null) return page;
    }
    return this.#__alloc_pages_slow(gfp_mask, order, zones, classzone_idx);
  }

  #__alloc_pages_slow(gfp_mask: number, order: number, zones: Zone[], classzone_idx: number): Page | null {
    const cpu = this.machine.current;
    const wait = gfp_mask & __GFP_WAIT;
    const interrupt = this.in_interrupt();
    const can_try_harder = !wait;
    const gfp_high = (gfp_mask & __GFP_HIGH) !== 0;
    for (const z of zones) this.wakeup_kswapd(z, order);
    // Pass 2.
    let page = this.#passAt(zones, order, "min", classzone_idx, can_try_harder, gfp_high, gfp_mask);
    if (page !== null) return page;
    // Pass 3: PF_MEMALLOC (we are the reclaimer) or TIF_MEMDIE (an OOM victim) ignores the watermarks.
    if ((this.pf_memalloc[cpu] || this.tif_memdie?.()) && !interrupt)
      return this.#noWatermarks(zones, order, gfp_mask);
    if (!wait) return this.#nopage(gfp_mask, order);
    let retries = 0;
    for (;;) {
      // rebalance: direct reclaim with PF_MEMALLOC set.
      this.#stats.allocstall++;
      let did_some_progress = 0;
      if (this.reclaim) {
        this.#pf_memalloc[cpu] = true;
        try {
          did_some_progress = this.reclaim(zones, gfp_mask, order);
        } finally {
          this.#pf_memalloc[cpu] = false;
        }
        this.#stats.reclaimed += Math.max(did_some_progress, 0);
      }
      if (did_some_progress > 0) {
        page = this.#passAt(zones, order, "min", classzone_idx, can_try_harder, gfp_high, gfp_mask);
        if (page !== null) return page;
      } else if (gfp_mask & __GFP_FS && !(gfp_mask & __GFP_NORETRY)) {
        page = this.#passAt(zones, order, "high", classzone_idx, false, false, gfp_mask);
        if (page !== null) return page;
        // out_of_memory kills a process (or panics when there is none), then `goto restart`:
        // pass 1 again (kswapd woken), then on down to reclaim. 2.6.11 never gives up here.
        this.out_of_memory(gfp_mask);
        if (++retries >= MAX_RECLAIM_RETRIES)
          this.#neverReturns(gfp_mask, order, "out_of_memory freed nothing");
        for (const z of zones) {
          if (!zone_watermark_ok(z, order, z.pages_low, classzone_idx, false, false)) continue;
          const again = this.#buffered_rmqueue(z, order, gfp_mask);
          if (again !== null) return again;
        }
        for (const z of zones) this.wakeup_kswapd(z, order);
        page = this.#passAt(zones, order, "min", classzone_idx, can_try_harder, gfp_high, gfp_mask);
        if (page !== null) return page;
        // pass 3 again: the victim out_of_memory chose may be this task (TIF_MEMDIE)
        if (this.tif_memdie?.() && !interrupt) return this.#noWatermarks(zones, order, gfp_mask);
        continue;
      }
      let do_retry = false;
      if (!(gfp_mask & __GFP_NORETRY)) {
        if (order <= 3 || gfp_mask & __GFP_REPEAT) do_retry = true;
        if (gfp_mask & __GFP_NOFAIL) do_retry = true;
      }
      if (!do_retry) return this.#nopage(gfp_mask, order);
      // blk_congestion_wait, then `goto rebalance`: forever, in 2.6.11, until reclaim succeeds.
      if (++retries >= MAX_RECLAIM_RETRIES)
        this.#neverReturns(
          gfp_mask,
          order,
          did_some_progress > 0 ? "reclaim frees pages but never enough" : "nothing left to reclaim",
        );
    }
  }

  /** Pass 3 of __alloc_pages: every zone without watermarks, then `nopage` (NULL). */
  #noWatermarks(zones: Zone[], order: number, gfp_mask: number): Page | null {
    for (const z of zones) {
      const page = this.#buffered_rmqueue(z, order, gfp_mask);
      if (page !== null) return page;
    }
    return this.#nopage(gfp_mask, order);
  }

  /**
   * The allocation 2.6.11 retries without end (order <= 3 or __GFP_REPEAT / __GFP_NOFAIL, and no
   * __GFP_NORETRY) after MAX_RECLAIM_RETRIES rounds without a page: the kernel would never return
   * here, so the model stops the machine (machine.hang) rather than return a NULL it never returns.
   */
  #neverReturns(gfp_mask: number, order: number, why: string): never {
    return this.machine.hang(
      "__alloc_pages",
      `order ${order}, gfp_mask 0x${gfp_mask.toString(16)}: ${why}, and this request is retried until it succeeds ` +
        `(order <= 3, __GFP_REPEAT or __GFP_NOFAIL without __GFP_NORETRY)`,
    );
  }

  /**
   * out_of_memory(gfp_mask) (mm/oom_kill.c): select_bad_process through the `oom_killer` hook;
   * with a victim, print "oom-killer: gfp_mask=0x..", show_free_areas and kill it; with none,
   * show_free_areas and panic("Out of memory and no killable processes..."). Without a hook (no
   * layer runs processes) there is nothing to kill.
   */
  out_of_memory(gfp_mask: number): void {
    this.#stats.oom++;
    const kill = this.oom_killer?.(gfp_mask) ?? null;
    if (kill === null) {
      this.show_free_areas();
      this.machine.panic("out_of_memory", "Out of memory and no killable processes...");
    }
    this.printk(`oom-killer: gfp_mask=0x${gfp_mask.toString(16)}`);
    this.show_free_areas();
    kill();
  }

  /**
   * show_free_areas() (mm/page_alloc.c): every zone's per-CPU list settings, the free page
   * counts, each zone's watermarks and lowmem_reserve, and its free blocks per order, printk'ed in
   * 2.6.11's format ("Node N " first on a NUMA build). Counters the model does not keep
   * (active/inactive lists, dirty, writeback, mapped, swap) print 0.
   */
  show_free_areas(): void {
    const K = (n: number): number => n * 4;
    const numa = this.node_data.length > 1;
    const node = (z: Zone): string => (numa ? `Node ${z.zone_pgdat.node_id} ` : "");
    for (const z of this.zones) {
      if (!z.present_pages) {
        this.printk(`${node(z)}${z.name} per-cpu: empty`);
        continue;
      }
      this.printk(`${node(z)}${z.name} per-cpu:`);
      z.pageset.forEach((set, cpu) => {
        set.pcp.forEach((l, temp) => {
          this.printk(`cpu ${cpu} ${temp ? "cold" : "hot"}: low ${l.low}, high ${l.high}, batch ${l.batch}`);
        });
      });
    }
    this.printk("");
    this.printk(
      `Free pages: ${String(K(this.nr_free_pages())).padStart(11)}kB (${K(this.nr_free_highpages())}kB HighMem)`,
    );
    this.printk(
      `Active:0 inactive:0 dirty:0 writeback:0 unstable:0 free:${this.nr_free_pages()} slab:0 mapped:0 pagetables:0`,
    );
    for (const z of this.zones) {
      this.printk(
        `${node(z)}${z.name} free:${K(z.free_pages)}kB min:${K(z.pages_min)}kB low:${K(z.pages_low)}kB high:${K(z.pages_high)}kB active:0kB inactive:0kB present:${K(z.present_pages)}kB pages_scanned:${z.pages_scanned} all_unreclaimable? ${z.all_unreclaimable ? "yes" : "no"}`,
      );
      this.printk(`lowmem_reserve[]: ${z.lowmem_reserve.join(" ")}`);
    }
    for (const z of this.zones) {
      if (!z.present_pages) {
        this.printk(`${node(z)}${z.name}: empty`);
        continue;
      }
      let total = 0;
      let line = `${node(z)}${z.name}: `;
      z.free_area.forEach((a, order) => {
        total += a.nr_free << order;
        line += `${a.nr_free}*${K(1) << order}kB `;
      });
      this.printk(`${line}= ${K(total)}kB`);
    }
    this.printk("Swap cache: add 0, delete 0, find 0/0, race 0+0");
    this.printk("Free swap  = 0kB");
    this.printk("Total swap = 0kB");
  }

  #passAt(
    zones: Zone[],
    order: number,
    which: "min" | "high",
    classzone_idx: number,
    can_try_harder: boolean,
    gfp_high: boolean,
    gfp_mask: number,
  ): Page | null {
    for (const z of zones) {
      const mark = which === "min" ? z.pages_min : z.pages_high;
      if (!zone_watermark_ok(z, order, mark, classzone_idx, can_try_harder, gfp_high)) continue;
      const page = this.#buffered_rmqueue(z, order, gfp_mask);
      if (page !== null) return page;
    }
    return null;
  }

  #nopage(gfp_mask: number, order: number): null {
    this.#stats.failures++;
    if (!(gfp_mask & __GFP_NOWARN)) {
      this.machine.warn(`swapper: page allocation failure. order:${order}, mode:0x${gfp_mask.toString(16)}`);
    }
    return null;
  }

  /**
   * wakeup_kswapd (mm/vmscan.c): if the zone has pages and is below pages_low for this order, raise
   * the node's kswapd_max_order and wake its kswapd (recorded as an event).
   */
  wakeup_kswapd(zone: Zone, order: number): void {
    if (zone.present_pages === 0) return;
    const pgdat = zone.zone_pgdat;
    if (zone_watermark_ok(zone, order, zone.pages_low, 0, false, false)) return;
    if (pgdat.kswapd_max_order < order) pgdat.kswapd_max_order = order;
    pgdat.kswapd_wakeups++;
    zone.kswapd_wakeups++;
    this.#stats.kswapd_wakeups++;
    if (this.kswapd_events.length >= KSWAPD_EVENT_LOG) this.#kswapd_events.shift();
    this.#kswapd_events.push({ nid: pgdat.node_id, zone: zone.name, order, free_pages: zone.free_pages });
  }

  /**
   * buffered_rmqueue: order 0 through the current CPU's hot or cold list, else __rmqueue; then
   * prep_new_page, zeroing for __GFP_ZERO and compound set-up for __GFP_COMP. Returns the page or
   * null (static in mm/page_alloc.c).
   */
  #buffered_rmqueue(zone: Zone, order: number, gfp_mask: number): Page | null {
    const m = this.mem_map;
    let page = -1;
    if (order === 0) {
      const pcp = zone.pcp_lists[this.machine.current * 2 + (gfp_mask & __GFP_COLD ? PCP_COLD : PCP_HOT)];
      page = pcp_rmqueue(m, zone, pcp);
    }
    if (page < 0) page = __rmqueue(m, zone, order);
    if (page < 0) return null;
    zone.pgalloc += 1 << order;
    this.#stats.pgalloc += 1 << order;
    this.#prep_new_page(page, order);
    if (gfp_mask & __GFP_ZERO) this.#prep_zero_page(page, order);
    if (order && gfp_mask & __GFP_COMP) this.#prep_compound_page(page, order);
    return page as Page;
  }

  /** prep_zero_page: zero the 2^order frames of a block handed out for __GFP_ZERO. */
  #prep_zero_page(page: number, order: number): void {
    const ram = this.machine.ram;
    for (let i = 0; i < 1 << order; i++) ram.zeroFrame((page + i) as Pfn);
  }

  #prep_new_page(page: number, order: number): void {
    const m = this.mem_map;
    const flags = m.flags;
    let f = flags[page];
    if (m.mapping[page] !== 0 || m._mapcount[page] >= 0 || f & PREP_NEW_PAGE_BAD) {
      this.#bad_page_fixup("prep_new_page", page);
      f = flags[page];
    }
    flags[page] = (f & PREP_NEW_PAGE_KEEP) | ((order + 1) << PG_ALLOC_ORDER_SHIFT);
    m.private[page] = 0;
    m._count[page] = 0;
  }

  #prep_compound_page(page: number, order: number): void {
    const m = this.mem_map;
    m.mapping[page + 1] = 0;
    m.index[page + 1] = order;
    for (let i = 0; i < 1 << order; i++) {
      m.flags[page + i] |= COMPOUND;
      m.private[page + i] = page;
    }
  }

  /** bad_page's report and fix-up, for a stale page met on the allocation path (the kernel carries on). */
  #bad_page_fixup(fn: string, page: number): void {
    const m = this.mem_map;
    for (const line of bad_page_lines(
      fn,
      this.page_descriptor_address(page as Page),
      this.#pageState(page as Page),
    )) {
      this.machine.warn(line);
    }
    this.machine.warn("Trying to fix it up, but a reboot is needed");
    m.flags[page] &= ~BAD_PAGE_CLEAR;
    m._count[page] = -1;
    m._mapcount[page] = -1;
    m.mapping[page] = 0;
  }

  // ---------------------------------------------------------------- freeing

  /**
   * __free_pages: drop a reference; the last one gives the block back (order 0 to this CPU's hot
   * list, larger orders straight to the buddy lists). Reserved pages are ignored. Freeing a page
   * whose count is already 0 (a free page or a tail page), with another order than allocated,
   * or one free_pages_check rejects throws BadPageError and changes nothing.
   */
  __free_pages(page: Page, order: number): void {
    const m = this.mem_map;
    const sized = this.sized_requests;
    if (sized.pending === true) sized.drop(this.machine.current);
    // #checkPage's test written out (its throw stays out of line: the hot path must stay small)
    if (!(page >= 0 && page < m.nr_pages && (page | 0) === page)) this.#checkPage("__free_pages", page);
    if (!(order >= 0 && order < MAX_ORDER && (order | 0) === order)) this.#badFreeOrder(page, order);
    if (m.flags[page] & RESERVED) return;
    const count = m._count;
    const c = count[page];
    if (c !== 0) {
      if (c < 0) this.#badFreeCount(page);
      count[page] = c - 1;
      return;
    }
    const zone = this.#checkFreeBlock("__free_pages", page, order);
    if (sized.liveCount !== 0) sized.freed(page, order);
    this.#stats.pgfree += 1 << order;
    if (order === 0) this.#free_hot_cold_page(zone, page, 0);
    else this.#__free_pages_ok(zone, page, order);
  }

  /** __free_pages with an order outside 0..MAX_ORDER-1: the BadPageError (out of the hot path). */
  #badFreeOrder(page: Page, order: number): never {
    throw new BadPageError(
      "__free_pages",
      this.page_descriptor_address(page),
      `order ${order} is not in 0..${MAX_ORDER - 1}`,
      this.#pageState(page),
    );
  }

  /** __free_pages of a page whose count is already 0: the BadPageError (out of the hot path). */
  #badFreeCount(page: Page): never {
    throw new BadPageError(
      "__free_pages",
      this.page_descriptor_address(page),
      "put_page_testzero on a page whose count is already 0 (a free page or a tail page)",
      this.#pageState(page),
    );
  }

  /**
   * Validate a block about to be freed (everything __free_pages_ok / free_hot_cold_page would BUG or
   * bad_page on). The fast test: the order mark, alignment and zone, then one branch-free pass over
   * the pages (free_pages_check of each: unmapped, no mapping, tail counts 0, no bad flag); a block
   * that fails it, and every compound block, goes through #explainBadFreeBlock, which runs each
   * check in turn and throws the error naming the first that fails. Returns the block's zone.
   * (A count or mapcount of -1 is the clean value: `~x` is 0 exactly then, with no overflow check.)
   */
  #checkFreeBlock(fn: string, page: number, order: number): Zone {
    const m = this.mem_map;
    const flags = m.flags;
    const f = flags[page];
    const mark = f & PG_ALLOC_ORDER_MASK;
    const zone = this.zone_table[f >>> NODEZONE_SHIFT];
    const start = zone.zone_start_pfn;
    const n = 1 << order;
    if (
      (mark !== 0 && mark !== (order + 1) << PG_ALLOC_ORDER_SHIFT) ||
      (page - start) & (n - 1) ||
      page + n > start + zone.spanned_pages ||
      f & COMPOUND
    ) {
      this.#explainBadFreeBlock(fn, page, order);
      this.#freeTailFlags = FREE_CLEAR;
      return zone;
    }
    const mapcount = m._mapcount;
    const mapping = m.mapping;
    // the head: PageAnon's mapping is cleared by free_hot_cold_page first (order 0 only)
    const head_mapping = mapping[page];
    let bad =
      ~mapcount[page] | (order === 0 && head_mapping & 1 ? 0 : head_mapping) | (f & FREE_PAGES_CHECK_BAD);
    if (order !== 0) {
      const count = m._count;
      let tails = 0;
      for (let p = page + 1, end = page + n; p < end; p++) {
        const pf = flags[p];
        bad |= ~mapcount[p] | mapping[p] | ~count[p] | (pf & TAIL_FREE_CHECK_BAD);
        tails |= pf;
      }
      this.#freeTailFlags = bad === 0 ? tails : FREE_CLEAR;
    }
    if (bad !== 0) this.#explainBadFreeBlock(fn, page, order);
    return zone;
  }

  /** #checkFreeBlock's checks one by one: throws the BadPageError for the first that fails. */
  #explainBadFreeBlock(fn: string, page: number, order: number): void {
    const m = this.mem_map;
    const f = m.flags[page];
    // The allocation order is the model's record (PG_ALLOC_ORDER bits): 2.6.11 keeps none and
    // frees whatever order it is told. With the model's checks off it does the same.
    const mark = (f & PG_ALLOC_ORDER_MASK) >>> PG_ALLOC_ORDER_SHIFT;
    if (mark !== 0 && mark !== order + 1 && this.machine.modelChecks) {
      const had = 1 << (mark - 1);
      const freed = 1 << order;
      throw new ModelCheckError(
        fn,
        this.page_descriptor_address(page as Page),
        `block allocated with order ${mark - 1} freed with order ${order}`,
        freed < had
          ? `free the first ${freed} page(s) and leak the other ${had - freed}: it records no allocation order`
          : `run free_pages_check over ${freed} pages and put the ${freed - had} that are not this block's on the buddy lists too where they pass (free and tail pages do): the free lists are corrupted`,
      );
    }
    const zone = this.zone_table[f >>> NODEZONE_SHIFT];
    const idx = page - zone.zone_start_pfn;
    if (idx & ((1 << order) - 1) || page + (1 << order) > zone.zone_start_pfn + zone.spanned_pages) {
      throw new BadPageError(
        fn,
        this.page_descriptor_address(page as Page),
        `order-${order} block misaligned or outside zone ${zone.name}`,
        this.#pageState(page as Page),
      );
    }
    const compound = order > 0 && (f & COMPOUND) !== 0;
    if (compound && m.index[page + 1] !== order) {
      throw new BadPageError(
        "destroy_compound_page",
        this.page_descriptor_address(page as Page),
        `page[1].index != order ${order}`,
        this.#pageState(page as Page),
      );
    }
    for (let i = 0; i < 1 << order; i++) {
      const p = page + i;
      const pf = m.flags[p];
      const count = i === 0 ? 0 : m._count[p] + 1;
      let mapping = m.mapping[p];
      if (order === 0 && mapping & 1) mapping = 0; // PageAnon: free_hot_cold_page clears it first
      if (
        m._mapcount[p] >= 0 ||
        mapping !== 0 ||
        count !== 0 ||
        pf & FREE_PAGES_CHECK_BAD ||
        (i > 0 && pf & RESERVED)
      ) {
        throw new BadPageError(
          fn,
          this.page_descriptor_address(p as Page),
          "free_pages_check failed",
          this.#pageState(p as Page),
        );
      }
      if (compound && (!(pf & COMPOUND) || m.private[p] !== page)) {
        throw new BadPageError(
          "destroy_compound_page",
          this.page_descriptor_address(p as Page),
          "sub-page not part of this compound page",
          this.#pageState(p as Page),
        );
      }
      if (!compound && pf & COMPOUND) {
        throw new BadPageError(
          fn,
          this.page_descriptor_address(p as Page),
          "compound sub-page freed outside its compound page",
          this.#pageState(p as Page),
        );
      }
    }
  }

  /**
   * free_hot_cold_page: an order-0 page (already checked, in `zone`) onto this CPU's hot (0) or
   * cold (1) list.
   */
  #free_hot_cold_page(zone: Zone, page: number, cold: number): void {
    const m = this.mem_map;
    const mapping = m.mapping;
    if (mapping[page] & 1) mapping[page] = 0;
    m.flags[page] &= ~(DIRTY | PG_ALLOC_ORDER_MASK);
    m._count[page] = -1;
    pcp_free(m, zone, zone.pcp_lists[this.machine.current * 2 + cold], page);
  }

  /**
   * __free_pages_ok: a checked order>0 block of `zone` straight to the buddy lists
   * (destroy_compound_page first). free_pages_check's ClearPageDirty, and the compound and order
   * marks, on every page: the head's always, the tails' only when #checkFreeBlock's pass saw one of
   * those bits on a tail (#freeTailFlags), and then only where set (clean descriptors stay clean).
   */
  #__free_pages_ok(zone: Zone, page: number, order: number): void {
    const m = this.mem_map;
    const flags = m.flags;
    flags[page] &= ~FREE_CLEAR;
    if (this.#freeTailFlags & FREE_CLEAR) {
      for (let p = page + 1, end = page + (1 << order); p < end; p++) {
        const f = flags[p];
        if (f & FREE_CLEAR) flags[p] = f & ~FREE_CLEAR;
      }
    }
    m._count[page] = -1;
    zone.all_unreclaimable = 0;
    zone.pages_scanned = 0;
    __free_pages_bulk(m, page, zone, order);
  }

  /**
   * free_pages: __free_pages(virt_to_page(addr), order); addr 0 is ignored. The only check is
   * 2.6.11's BUG_ON(!virt_addr_valid(addr)): __pa(addr) must fall in mem_map. That holds for
   * __va() of a highmem pfn too (the address wraps past 4 GiB into a valid pfn), so such an
   * address frees the highmem page it names, as the kernel does.
   */
  free_pages(addr: VirtAddr | 0, order: number): void {
    if (addr === 0) return;
    const a = addr >>> 0;
    if (!this.virt_addr_valid(a)) {
      throw new BadPageError(
        "free_pages",
        a,
        "BUG_ON(!virt_addr_valid(addr)): __pa(addr) is not a pfn of mem_map",
      );
    }
    this.__free_pages(this.virt_to_page(a), order);
  }
  /** __free_page: __free_pages(page, 0). */
  __free_page(page: Page): void {
    this.__free_pages(page, 0);
  }
  /** free_page: free_pages(addr, 0). */
  free_page(addr: VirtAddr | 0): void {
    this.free_pages(addr, 0);
  }
  /** free_hot_page: an order-0 page whose last reference is dropped onto the hot list. */
  free_hot_page(page: Page): void {
    this.#freeLastReference("free_hot_page", page, 0);
  }
  /** free_cold_page: an order-0 page whose last reference is dropped onto the cold list. */
  free_cold_page(page: Page): void {
    this.#freeLastReference("free_cold_page", page, 1);
  }

  /** free_hot_page / free_cold_page: the caller holds the last reference (count 1) of an order-0 page. */
  #freeLastReference(fn: string, page: Page, cold: number): void {
    const m = this.mem_map;
    this.#checkPage(fn, page);
    if (m.flags[page] & RESERVED) return;
    if (m._count[page] !== 0) {
      throw new BadPageError(
        fn,
        this.page_descriptor_address(page),
        "page count is not 1",
        this.#pageState(page),
      );
    }
    const zone = this.#checkFreeBlock(fn, page, 0);
    if (this.sized_requests.liveCount !== 0) this.sized_requests.freed(page, 0);
    this.#stats.pgfree++;
    this.#free_hot_cold_page(zone, page, cold);
  }

  /** drain_local_pages: spill the current CPU's hot and cold lists into the buddy lists. */
  drain_local_pages(): void {
    drain_cpu_pages(this.mem_map, this.zones, this.machine.current);
  }

  // ---------------------------------------------------------------- views

  /** /proc/buddyinfo. */
  buddyinfo(): string {
    return buddyinfo(this.node_data);
  }
  /** /proc/zoneinfo (first, 2.6.13 format: 2.6.11 itself had no zoneinfo). */
  zoneinfo(): string {
    return zoneinfo(this.node_data);
  }
  /**
   * Register the page cache's counters, read by /proc/meminfo's Buffers and Cached (the page-cache
   * layer does this once at its init; a second page cache on this allocator is refused, BUG).
   */
  set_page_cache_counters(counters: PageCacheCounters): void {
    if (this.#page_cache_counters)
      throw new KernelBugError(
        "set_page_cache_counters",
        undefined,
        "a page cache is already set up on this allocator",
      );
    this.#page_cache_counters = counters;
  }
  /**
   * Install the OOM killer of the layer that runs processes (the kernel's boot does this once):
   * `oom_killer` (select_bad_process + oom_kill_process) and `tif_memdie` (the current task's
   * TIF_MEMDIE). A second install, or one over opts.oom_killer, is refused with a ConfigError
   * (one process layer per kernel, like attachLayer), with nothing changed.
   */
  set_oom_killer(oom_killer: OomKiller, tif_memdie: () => boolean): void {
    if (this.#oom_killer !== undefined || this.#tif_memdie !== undefined)
      throw new ConfigError(
        "set_oom_killer",
        "this PageAllocator already has an OOM killer (one process layer per kernel); use that one",
      );
    this.#oom_killer = oom_killer;
    this.#tif_memdie = tif_memdie;
  }
  /** The registered page-cache counters, or null before a page cache exists. */
  get page_cache_counters(): PageCacheCounters | null {
    return this.#page_cache_counters;
  }

  /**
   * /proc/meminfo: 2.6.11's 23 lines (MemTotal ... VmallocChunk). The layers above pass what only
   * they know (vmalloc's areas, committed memory, user page tables); without them those read as
   * an empty vmalloc range and no process.
   */
  meminfo(more?: MeminfoSources): string {
    return meminfo(this, more);
  }
  /** /proc/pagetypeinfo-style free block counts per order. */
  pagetypeinfo(): string {
    return pagetypeinfo(this.node_data, this.machine.pae);
  }
  /** The unusable free space index per zone and order (debugfs extfrag/unusable_index). */
  unusable_index(): string {
    return unusable_index(this.node_data);
  }
  /** The external fragmentation index per zone and order (debugfs extfrag/extfrag_index). */
  extfrag_index(): string {
    return extfrag_index(this.node_data);
  }

  // ---------------------------------------------------------------- helpers

  /** The fields bad_page prints about `page`. */
  #pageState(page: Page): {
    pfn: number;
    flags: number;
    mapping: number;
    mapcount: number;
    count: number;
  } {
    const m = this.mem_map;
    return {
      pfn: page,
      flags: m.flags[page] & (PG_KERNEL_BITS_MASK | NODEZONE_MASK),
      mapping: m.mapping[page],
      mapcount: m._mapcount[page] + 1,
      count: m._count[page] + 1,
    };
  }

  #checkPage(fn: string, page: Page): void {
    if (!(Number.isInteger(page) && page >= 0 && page < this.mem_map.nr_pages)) {
      throw new BadPageError(fn, undefined, `${String(page)} is not a page of mem_map`, undefined, page);
    }
  }

  #checkGfp(fn: string, gfp_mask: number): void {
    if ((gfp_mask & GFP_ZONEMASK) === GFP_ZONEMASK) {
      throw new KernelBugError(fn, undefined, "both __GFP_DMA and __GFP_HIGHMEM set: no such zonelist", {
        gfp_mask,
      });
    }
    if (gfp_mask & __GFP_ZERO && (gfp_mask & (__GFP_WAIT | __GFP_HIGHMEM)) === __GFP_HIGHMEM) {
      throw new KernelBugError(
        "prep_zero_page",
        undefined,
        "__GFP_ZERO of a highmem page without __GFP_WAIT",
        {
          gfp_mask,
        },
      );
    }
  }

  /** in_interrupt() on the current CPU (hardirq or softirq count set in its preempt_count). */
  in_interrupt(): boolean {
    return in_interrupt(this.machine.cpus[this.machine.current]);
  }

  /**
   * Record `owner` as this allocator's `layer` ("slab", "kmap", ...). A kernel has one of each,
   * with global state (cache_chain, the pkmap pool and its page_address entries), so a second one
   * on the same allocator is refused with a ConfigError before it changes anything.
   */
  attachLayer(layer: string, owner: object): void {
    const had = this.#layers.get(layer);
    if (had !== undefined && had !== owner) {
      throw new ConfigError(
        layer,
        `this PageAllocator already has a ${layer} layer (one per kernel, as its state is global); use that one`,
      );
    }
    this.#layers.set(layer, owner);
  }
  /** The layer attached as `layer`, if any (see attachLayer). */
  attachedLayer(layer: string): object | undefined {
    return this.#layers.get(layer);
  }

  /** printk into machine.dmesg and the boot log. */
  printk(line: string): void {
    this.machine.printk(line);
  }
}
