/*
 * vm.ts — the state the process-memory code of 2.6.11 keeps in globals, for one machine:
 * the slab caches of kernel/fork.c (mm_struct, vm_area_struct), mm/rmap.c (anon_vma) and
 * arch/i386/mm/init.c (pgd, pmd), init_mm and the idle tasks, each CPU's current task and
 * cpu_tlbstate, the sysctls (vm.max_map_count, vm.legacy_va_layout, vm.overcommit_memory,
 * vm.overcommit_ratio), vm_committed_space and the page_state counters this layer moves
 * (pgfault, pgmajfault, nr_mapped, nr_page_table_pages).
 * `new VmSystem(slab, km)` is the boot-time part: pgtable_cache_init, anon_vma_init and the mm
 * half of proc_caches_init. A second VmSystem on the same slab allocator is refused by
 * kmem_cache_create itself (duplicate cache names are a BUG, SlabError).
 * Every kernel function of this layer takes the VmSystem as its first argument (the kernel's
 * implicit globals made explicit); `vm.current` is the task running on machine.current.
 */

import {
  asVirt,
  ConfigError,
  type Machine,
  PAGE_OFFSET,
  PAGE_SIZE,
  type Page,
  type PhysAddr,
} from "@i386mm/hw-i386";
import type { Kmap } from "@i386mm/kmap";
import type { PageAllocator } from "@i386mm/page-alloc";
import type { PageCache } from "@i386mm/page-cache";
import type { kmem_cache_t, SlabAllocator } from "@i386mm/slab";
import { DEFAULT_MAX_MAP_COUNT, OVERCOMMIT_GUESS } from "./constants.js";
import { unmap_mapping_range } from "./filemap.js";
import { proc_caches_init } from "./fork.js";
import { type anon_vma, mm_struct } from "./mm-types.js";
import { pgtable_cache_init } from "./pgtable.js";
import { anon_vma_init } from "./rmap.js";
import { task_struct } from "./task.js";
import { TLBSTATE_OK } from "./tlbflush.js";

/** per_cpu(cpu_tlbstate): which mm a CPU's CR3 holds and whether it is in lazy-TLB mode. */
export interface tlb_state {
  /** The mm whose page tables the CPU has loaded. */
  active_mm: mm_struct;
  /** TLBSTATE_OK (1) or TLBSTATE_LAZY (2). */
  state: number;
}

/** The page_state counters this layer moves (mm/page_alloc.c struct page_state; /proc/vmstat). */
export interface vm_page_state {
  /** handle_mm_fault calls. */
  pgfault: number;
  /** Faults that needed I/O. */
  pgmajfault: number;
  /** Pages mapped by at least one pte (page_add_*_rmap / page_remove_rmap). */
  nr_mapped: number;
  /** User page-table pages (pte_alloc_map / clear_pmd_range). */
  nr_page_table_pages: number;
}

/** Options of {@link VmSystem}. */
export interface VmSystemOptions {
  /** The page cache file mappings read through (mm needs it for MAP_SHARED/MAP_PRIVATE files). */
  pagecache?: PageCache;
  /**
   * Opt-in layout randomization as 2.6.12+ added it (not in 2.6.11): a random page-aligned
   * offset below the mmap base and the stack top, drawn from this seed. Default: off.
   */
  randomize?: { seed: number };
}

/** The process-memory layer of one machine. */
export class VmSystem {
  /** The simulated PC. */
  readonly machine: Machine;
  /** The page allocator (buddy system). */
  readonly pa: PageAllocator;
  /** The slab allocator (descriptors come from its caches). */
  readonly slab: SlabAllocator;
  /** kmap_atomic for user pages in high memory. */
  readonly km: Kmap;
  /** "mm_struct" cache (mm_cachep). */
  mm_cachep!: kmem_cache_t;
  /** "vm_area_struct" cache (vm_area_cachep). */
  vm_area_cachep!: kmem_cache_t;
  /** "anon_vma" cache (anon_vma_cachep). */
  anon_vma_cachep!: kmem_cache_t;
  /** "pgd" cache: page directories (4 KiB; 32 bytes with PAE). */
  pgd_cache!: kmem_cache_t;
  /** "pmd" cache (PAE only): pmd tables, 4 KiB. */
  pmd_cache: kmem_cache_t | null = null;
  /** The kernel's own mm: pgd = swapper_pg_dir, no VMAs. */
  readonly init_mm: mm_struct;
  /** Per-CPU idle tasks (pid 0, "swapper"), kernel threads borrowing an mm. */
  readonly idle: task_struct[] = [];
  /** The task running on each CPU. */
  readonly curr: task_struct[] = [];
  /** per_cpu(cpu_tlbstate). */
  readonly cpu_tlbstate: tlb_state[] = [];
  /** Live tasks by pid (the pid hash). */
  readonly tasks = new Map<number, task_struct>();
  /** Last pid handed out (kernel/pid.c last_pid). */
  last_pid = 0;
  /** anon_vma objects by kernel address, to follow page->mapping. */
  readonly anon_vmas = new Map<number, anon_vma>();
  /** pgd_list (non-PAE): every process page directory, by kernel address. */
  readonly pgd_list = new Set<number>();
  /** Last inode number given to a shmem "dev/zero" file. */
  shmem_last_ino = 0;
  /** vm.max_map_count. */
  sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
  /** vm.legacy_va_layout. */
  sysctl_legacy_va_layout = 0;
  /** vm.overcommit_memory. */
  sysctl_overcommit_memory = OVERCOMMIT_GUESS;
  /** vm.overcommit_ratio (percent). */
  sysctl_overcommit_ratio = 50;
  /** vm_committed_space: pages charged by vm_acct_memory. */
  vm_committed_space = 0;
  /** page_state counters. */
  readonly page_state: vm_page_state = { pgfault: 0, pgmajfault: 0, nr_mapped: 0, nr_page_table_pages: 0 };
  /** The page cache (file mappings), or null until one is given (constructor or attach_page_cache). */
  pc: PageCache | null;
  /** ZERO_PAGE(addr): the shared zero page (empty_zero_page). */
  readonly zero_page: Page;
  /** Seeded randomization (opt-in, 2.6.12+ behaviour), or null. */
  readonly randomize: { seed: number; state: number } | null;

  constructor(slab: SlabAllocator, km: Kmap, opts: VmSystemOptions = {}) {
    if (km.pa !== slab.pa)
      throw new ConfigError("VmSystem", "kmap and slab belong to different page allocators");
    this.machine = slab.pa.machine;
    this.pa = slab.pa;
    this.slab = slab;
    this.km = km;
    this.pc = null;
    if (opts.pagecache && opts.pagecache.pa !== this.pa)
      throw new ConfigError("VmSystem", "the page cache belongs to another page allocator");
    this.pa.attachLayer("vma", this); // one per kernel (init_mm, the mm caches): refuses a second, changing nothing
    this.randomize = opts.randomize
      ? { seed: opts.randomize.seed, state: opts.randomize.seed >>> 0 || 1 }
      : null;
    this.zero_page = (this.pa.empty_zero_page / PAGE_SIZE) as Page;
    // init_mm (include/linux/init_task.h INIT_MM): swapper_pg_dir, no VMAs, one user and one reference
    const init_mm = new mm_struct(asVirt(0));
    init_mm.pgd = asVirt(this.pa.swapper_pg_dir + PAGE_OFFSET);
    init_mm.mm_users = 2;
    init_mm.mm_count = 1;
    this.init_mm = init_mm;
    for (let cpu = 0; cpu < this.machine.cpus.length; cpu++) {
      const t = new task_struct(0, "swapper");
      t.active_mm = init_mm;
      this.idle.push(t);
      this.curr.push(t);
      this.cpu_tlbstate.push({ active_mm: init_mm, state: TLBSTATE_OK });
      init_mm.cpu_vm_mask |= 1 << cpu;
      init_mm.mm_count++; // sched_init / cpu_init: each idle task borrows init_mm
    }
    pgtable_cache_init(this);
    proc_caches_init(this);
    anon_vma_init(this);
    if (opts.pagecache) this.attach_page_cache(opts.pagecache);
  }

  /**
   * Give the layer its page cache after construction, as start_kernel creates the mm caches
   * (pgtable_cache_init, anon_vma_init, proc_caches_init) before vfs_caches_init. Once only.
   * Installs the mm's unmap_mapping_range in the page cache, so its vmtruncate (sys_truncate,
   * do_truncate) zaps the truncated pages' ptes in every process before dropping the pages.
   */
  attach_page_cache(pc: PageCache): void {
    if (this.pc !== null) throw new ConfigError("VmSystem", "a page cache is already attached");
    if (pc.pa !== this.pa)
      throw new ConfigError("VmSystem", "the page cache belongs to another page allocator");
    this.pc = pc;
    pc.unmap_mapping_range = (mapping, holebegin, holelen, even_cows) =>
      unmap_mapping_range(this, mapping, holebegin, holelen, even_cows);
  }

  /** current: the task running on machine.current. */
  get current(): task_struct {
    return this.curr[this.machine.current]!;
  }

  /** __pa(mm->pgd): what CR3 holds while `mm` is loaded. */
  pgd_pa(mm: mm_struct): PhysAddr {
    return (mm.pgd - PAGE_OFFSET) as PhysAddr;
  }

  /** The next number of the seeded generator (xorshift32), for the opt-in randomization. */
  random32(): number {
    const r = this.randomize!;
    let x = r.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    r.state = x >>> 0;
    return r.state;
  }
}
