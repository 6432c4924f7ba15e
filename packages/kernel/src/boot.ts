/*
 * boot.ts — the composed kernel: one call builds the layers bottom up in start_kernel's order on a
 * fresh simulated PC: `new Machine` (the BIOS map, CPUs in protected mode), `new PageAllocator`
 * (setup_arch's memory part, paging_init, zone_sizes_init, build_all_zonelists, mem_init,
 * init_per_zone_pages_min), `new SlabAllocator` (kmem_cache_init, the other CPUs' arrays) and
 * `new Kmap` (permanent_kmaps_init + kmap_init), `new VmSystem` (pgtable_cache_init, anon_vma_init,
 * proc_caches_init: the pgd/pmd, anon_vma, vm_area_struct and mm_struct caches, init_mm) and
 * `new PageCache` (vfs_caches_init, init_rootfs, init_mount_tree: ramfs at "/", ext2 registered),
 * which the VmSystem then maps files through.
 * Invariants: every layer of a Kernel sits on the same Machine and PageAllocator, one of each
 * (the layers refuse a second slab allocator or Kmap on one page allocator); a boot that throws
 * returns nothing, and the machine it was building is dropped.
 * A layer that lands joins here (see README, "Adding a layer"): its field in Kernel, its line in
 * boot(), its name in LAYERS and its checker in invariants.ts.
 */
import { type CpuFeatures, type E820Entry, Machine } from "@i386mm/hw-i386";
import { Kmap, type KmapOptions } from "@i386mm/kmap";
import { PageAllocator, type PageAllocatorOptions } from "@i386mm/page-alloc";
import { PageCache, type PageCacheOptions } from "@i386mm/page-cache";
import { SlabAllocator, type SlabAllocatorOptions } from "@i386mm/slab";
import { VmSystem, type VmSystemOptions } from "@i386mm/vma";
import { DirectPages } from "./direct.js";
import { DirectBuffers } from "./direct-buffers.js";
import { install_oom_killer } from "./oom.js";
import { parseMemSize } from "./size.js";

/** The layers of a Kernel, bottom first (the package names without the scope). */
export const LAYERS = ["hw-i386", "page-alloc", "slab", "kmap", "page-cache", "vma"] as const;
/** One of LAYERS. */
export type LayerName = (typeof LAYERS)[number];

/** What to boot: the PC (RAM, paging mode, CPUs, BIOS map) and each layer's own options. */
export interface KernelOptions {
  /** RAM: bytes, or a size as QEMU's `-m` reads it ("128M", "1G", "65536K", "4096" = MiB). */
  readonly mem: number | string;
  /** A PAE kernel (3-level paging, up to 64 GiB); default false (2-level, up to 4 GiB). */
  readonly pae?: boolean;
  /** Simulated CPUs, 1..NR_CPUS (8); default 1. */
  readonly cpus?: number;
  /** Memory nodes: 1 (flat) or 2 (RAM split in two halves); default 1. */
  readonly nodes?: 1 | 2;
  /** A BIOS map instead of QEMU's for `mem` (validated by the Machine). */
  readonly e820?: readonly E820Entry[];
  /** CPUID features to drop or add (pse, pge, nx, ...); default: all a PAE-era CPU has. */
  readonly features?: Partial<CpuFeatures>;
  /** The page allocator's other boot options: highmem=, kernel image sizes, the reclaim hook. */
  readonly pageAlloc?: Omit<PageAllocatorOptions, "nodes">;
  /** The slab allocator's options (CONFIG_DEBUG_SLAB). */
  readonly slab?: SlabAllocatorOptions;
  /** Kmap's options (CONFIG_DEBUG_HIGHMEM). */
  readonly kmap?: KmapOptions;
  /** The page cache's options (the clock get_seconds() reads). */
  readonly pageCache?: PageCacheOptions;
  /** The process-memory layer's options (opt-in 2.6.12-style mmap randomization). */
  readonly vma?: Omit<VmSystemOptions, "pagecache">;
}

/** A booted kernel: every layer, bottom first, all on one machine. */
export interface Kernel {
  /** The simulated PC (hw-i386): RAM, CPUs, e820 map, TLBs, dmesg. */
  readonly machine: Machine;
  /** The page frame allocator (page-alloc): mem_map, nodes, zones, buddy lists, swapper_pg_dir. */
  readonly pa: PageAllocator;
  /** The slab allocator, kmalloc and vmalloc (slab). */
  readonly slab: SlabAllocator;
  /** Fixmaps, kmap and kmap_atomic (kmap). */
  readonly km: Kmap;
  /** The page cache, buffer heads, block devices, the VFS with ramfs at "/" and ext2 (page-cache). */
  readonly pc: PageCache;
  /** Process address spaces: mm_struct, VMAs, mmap, page faults, fork/exit (vma). */
  readonly vm: VmSystem;
  /**
   * The model's record of the pages direct callers hold (alloc_pages and friends called from
   * outside the layers: a driver, a scenario, the replay): allocate through it and the
   * whole-machine check knows who holds each block. Pages taken from `pa` itself are held by
   * no one the check knows.
   */
  readonly direct: DirectPages;
  /**
   * The model's record of the buffer heads direct callers hold (alloc_buffer_head and
   * alloc_page_buffers called from outside the page cache): the check counts them as held.
   */
  readonly directBuffers: DirectBuffers;
  /** The layers, bottom first. */
  readonly layers: readonly LayerName[];
}

/**
 * Boot a kernel: `boot({ mem: "1G", pae: true, cpus: 2 })` returns `{ machine, pa, slab, km, pc, vm }`.
 * Throws ConfigError for options no PC or build has (hw-i386 and page-alloc check them),
 * KernelBugError where the kernel itself would panic while booting.
 */
export function boot(opts: KernelOptions): Kernel {
  const memBytes = typeof opts.mem === "string" ? parseMemSize(opts.mem) : opts.mem;
  const machine = new Machine({
    memBytes,
    ...(opts.pae === undefined ? {} : { pae: opts.pae }),
    ...(opts.cpus === undefined ? {} : { cpus: opts.cpus }),
    ...(opts.e820 === undefined ? {} : { e820: [...opts.e820] }),
    ...(opts.features === undefined ? {} : { features: opts.features }),
  });
  const pa = new PageAllocator(machine, {
    ...opts.pageAlloc,
    ...(opts.nodes === undefined ? {} : { nodes: opts.nodes }),
  });
  const slab = new SlabAllocator(pa, opts.slab);
  const km = new Kmap(pa, opts.kmap);
  const vm = new VmSystem(slab, km, opts.vma); // start_kernel: the mm caches come before vfs_caches_init
  const pc = new PageCache(slab, km, opts.pageCache);
  vm.attach_page_cache(pc);
  // out_of_memory's select_bad_process and TIF_MEMDIE over the tasks (unless the caller gave a hook)
  if (pa.oom_killer === undefined) install_oom_killer(pa, vm);
  return Object.freeze({
    machine,
    pa,
    slab,
    km,
    pc,
    vm,
    direct: new DirectPages(pa),
    directBuffers: new DirectBuffers(pc),
    layers: LAYERS,
  });
}
