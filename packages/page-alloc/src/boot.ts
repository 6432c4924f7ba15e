/**
 * Boot: what setup_arch, paging_init, zone_sizes_init, build_all_zonelists, mem_init and
 * init_per_zone_pages_min do for memory, in that order, on a simulated Machine.
 * Models arch/i386/kernel/head.S (pg0 boot page tables), arch/i386/kernel/setup.c (find_max_pfn,
 * find_max_low_pfn, setup_memory, register_bootmem_low_pages, smp_alloc_memory), arch/i386/mm/
 * init.c (pagetable_init, kernel_physical_mapping_init, page_table_range_init,
 * permanent_kmaps_init, zone_sizes_init, mem_init, set_highmem_pages_init, zap_low_mappings) and
 * mm/page_alloc.c (free_area_init_node, free_area_init_core, memmap_init_zone) of Linux 2.6.11.
 * Invariants after boot: every frame that is not RAM, or that holds the kernel image, the boot
 * page tables, mem_map or other boot allocations stays PG_reserved and is never handed out; all
 * other RAM frames are in the buddy lists or on CPU 0's hot lists; swapper_pg_dir is in every CR3.
 */
import {
  __end_of_fixed_addresses,
  __fix_to_virt,
  __flush_tlb_all,
  _PAGE_PRESENT,
  _PAGE_TABLE,
  E820_ACPI,
  E820_NVS,
  E820_RAM,
  E820_RESERVED,
  FIXADDR_START,
  kernelProt,
  LAST_PKMAP,
  MAX_NONPAE_PFN,
  MAXMEM_PFN,
  type Machine,
  PAGE_OFFSET,
  PAGE_SIZE,
  type PhysAddr,
  PKMAP_BASE,
  pfn_pmd,
  pfn_pte,
  pte_phys,
  set_in_cr4,
  type VirtAddr,
  write_cr3,
  X86_CR4_PGE,
  X86_CR4_PSE,
} from "@i386mm/hw-i386";
import {
  __alloc_bootmem_core,
  bootmem_data_t,
  free_all_bootmem_core,
  free_bootmem_core,
  init_bootmem_core,
  reserve_bootmem_core,
} from "./bootmem.js";
import { __free_pages_bulk, set_page_order } from "./buddy.js";
import { kernelLayout } from "./layout.js";
import { list_add, MemMap, SIZEOF_STRUCT_PAGE } from "./mem-map.js";
import {
  MAX_NR_ZONES,
  MAX_ORDER,
  type per_cpu_pages,
  pg_data_t,
  wait_table_size,
  ZONE_HIGHMEM,
  Zone,
  zone_batchsize,
  zone_names,
} from "./mmzone.js";
import type { PageAllocator, ReclaimHook } from "./page-alloc.js";
import { NODEZONE_SHIFT, PG_highmem, PG_reserved } from "./page-flags.js";
import { pcp_free } from "./pcp.js";
import { build_zonelists } from "./zonelist.js";

/** Section sizes of the kernel image in bytes (text, initialised data, init sections, bss). */
export interface KernelImageSizes {
  /** _etext - _text. */
  readonly text: number;
  /** _edata - _etext (read-only data, exception table and .data). */
  readonly data: number;
  /** __init_end - __init_begin (a whole number of pages). */
  readonly init: number;
  /** _end - __init_end (bss; swapper_pg_dir and empty_zero_page open it). */
  readonly bss: number;
}

/**
 * Section sizes typical of a distribution 2.6.11 i386 SMP kernel [U: chosen to match the
 * "Memory:" lines such kernels printed, e.g. "2064k kernel code, 654k data, 176k init"].
 */
export const TYPICAL_2_6_11_IMAGE: KernelImageSizes = Object.freeze({
  text: 2064 * 1024 + 310,
  data: 654 * 1024 + 412,
  init: 176 * 1024,
  bss: 172 * 1024,
});

/** The kernel image as loaded at physical 1 MiB (virtual 0xC0100000), plus head.S's page tables. */
export interface KernelImage {
  /** Start of text (virtual). */
  readonly _text: number;
  /** End of text (virtual). */
  readonly _etext: number;
  /** End of initialised data (virtual). */
  readonly _edata: number;
  /** Start of the init sections (virtual, page aligned). */
  readonly __init_begin: number;
  /** End of the init sections (virtual, page aligned). */
  readonly __init_end: number;
  /** End of the image (virtual, page aligned). */
  readonly _end: number;
  /** Physical address of swapper_pg_dir (first bss page). */
  readonly swapper_pg_dir: number;
  /** Physical address of empty_zero_page (second bss page). */
  readonly empty_zero_page: number;
  /** Physical address of head.S's first boot page table (pg0 = _end). */
  readonly pg0: number;
  /** Physical end of head.S's boot page tables. */
  readonly init_pg_tables_end: number;
}

/** Options of `new PageAllocator(machine, opts)`. */
export interface PageAllocatorOptions {
  /** Memory nodes: 1 (flat, contig_page_data) or 2 (RAM split in two halves at a 4 MiB boundary). */
  nodes?: 1 | 2;
  /** Kernel version modelled (only "2.6.11"). */
  profile?: "2.6.11";
  /** Direct-reclaim stand-in for try_to_free_pages. */
  reclaim?: ReclaimHook;
  /** Kernel image section sizes (defaults: TYPICAL_2_6_11_IMAGE). */
  kernelImage?: Partial<KernelImageSizes>;
  /** The "highmem=" boot option, in bytes: force this much high memory. */
  highmem?: number;
  /**
   * Hand highmem to the buddy allocator by computing the state one_highpage_init's page-by-page
   * frees produce (default true), or by doing every free (false; the tests check both agree).
   */
  bootFastPath?: boolean;
}

const _PAGE_SHIFT = 12;
const HIGH_MEMORY = 0x100000;
/** MAX_DMA_ADDRESS as a pfn: 16 MiB. */
const MAX_DMA_PFN = 4096;
/** SMP_CACHE_BYTES = L1_CACHE_BYTES (32 with X86_GENERIC off). */
const SMP_CACHE_BYTES = 32;
/** sizeof(wait_queue_head_t) on i386 SMP without spinlock debugging [U: 4-byte lock + list_head]. */
const SIZEOF_WAIT_QUEUE_HEAD = 12;
/** head.S maps this much beyond its own page tables (INIT_MAP_BEYOND_END). */
const INIT_MAP_BEYOND_END = 128 * 1024;

const hex16 = (n: number) => n.toString(16).padStart(16, "0");
const pageAlign = (x: number) => Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
const pages_to_mb = (x: number) => Math.floor(x / 256);

/** What boot() returns to the PageAllocator constructor; finish() runs mem_init onwards. */
export interface BootResult {
  /** The page descriptors of every frame below max_pfn, all reserved until finish(). */
  readonly mem_map: MemMap;
  /** The nodes, node 0 first. */
  readonly node_data: pg_data_t[];
  /** Zones by NODEZONE(nid, zone index). */
  readonly zone_table: Zone[];
  /** Every zone of every node, node by node. */
  readonly zones: Zone[];
  /** Node of each simulated CPU. */
  readonly cpu_to_node: number[];
  /** mem_init onwards: hand free frames to the buddy allocator, then set the watermarks. */
  finish(): void;
}

function e820TypeName(type: number): string {
  switch (type) {
    case E820_RAM:
      return "usable";
    case E820_RESERVED:
      return "reserved";
    case E820_ACPI:
      return "ACPI data";
    case E820_NVS:
      return "ACPI NVS";
    default:
      return `type ${type}`;
  }
}

/** memset(ret, 0, size) of a bootmem allocation: whole frames drop their backing, edges are filled. */
function zeroRange(machine: Machine, pa: number, size: number): void {
  const end = pa + size;
  let p = pa;
  while (p < end) {
    const frameEnd = (Math.floor(p / PAGE_SIZE) + 1) * PAGE_SIZE;
    const stop = Math.min(frameEnd, end);
    if (p % PAGE_SIZE === 0 && stop === frameEnd) machine.ram.zeroFrame(p / PAGE_SIZE);
    else machine.ram.fill(p, stop - p, 0);
    p = stop;
  }
}

/** Place the kernel image at 1 MiB and size head.S's boot page tables (pg0). */
export function layoutKernelImage(sizes: KernelImageSizes): KernelImage {
  const _text = PAGE_OFFSET + HIGH_MEMORY;
  const _etext = _text + sizes.text;
  const _edata = _etext + sizes.data;
  const __init_begin = pageAlign(_edata);
  const __init_end = __init_begin + pageAlign(sizes.init);
  const _end = __init_end + pageAlign(Math.max(sizes.bss, 2 * PAGE_SIZE));
  const pg0 = _end - PAGE_OFFSET;
  // head.S fills 4 MiB page tables (2-level even for a PAE kernel, which switches later) until
  // the mapping covers its own tables plus INIT_MAP_BEYOND_END.
  let tables = 0;
  while (tables * 4 * 1024 * 1024 < pg0 + tables * PAGE_SIZE + INIT_MAP_BEYOND_END) tables++;
  return Object.freeze({
    _text,
    _etext,
    _edata,
    __init_begin,
    __init_end,
    _end,
    swapper_pg_dir: __init_end - PAGE_OFFSET,
    empty_zero_page: __init_end - PAGE_OFFSET + PAGE_SIZE,
    pg0,
    init_pg_tables_end: pg0 + tables * PAGE_SIZE,
  });
}

/** Boot memory management on `machine` (everything up to zone set-up; finish() does the rest). */
export function boot(pa: PageAllocator, machine: Machine, opts: PageAllocatorOptions): BootResult {
  const ram = machine.ram;
  const paging = machine.paging;
  const log = (s: string) => {
    pa.bootLog.push(s);
    machine.printk(s);
  };
  const nodes = opts.nodes ?? 1;
  if (nodes !== 1 && nodes !== 2) throw new RangeError(`PageAllocator: nodes must be 1 or 2, not ${nodes}`);
  if ((opts.profile ?? "2.6.11") !== "2.6.11")
    throw new RangeError("PageAllocator: only the 2.6.11 profile exists");

  // ---- setup_arch: the BIOS map (6.1's line format, see README).
  log("BIOS-provided physical RAM map:");
  for (const e of machine.e820.map) {
    log(`BIOS-e820: [mem 0x${hex16(e.addr)}-0x${hex16(e.addr + e.size - 1)}] ${e820TypeName(e.type)}`);
  }

  // ---- the kernel image and head.S's boot page tables (pg0), identity + PAGE_OFFSET mapped.
  const img = layoutKernelImage({ ...TYPICAL_2_6_11_IMAGE, ...opts.kernelImage });
  pa.kernel = img;
  pa.swapper_pg_dir = img.swapper_pg_dir as PhysAddr;
  pa.empty_zero_page = img.empty_zero_page as PhysAddr;
  for (let t = 0, pfn = 0; img.pg0 + t * PAGE_SIZE < img.init_pg_tables_end; t++) {
    const table = img.pg0 + t * PAGE_SIZE;
    for (let i = 0; i < 1024; i++, pfn++) ram.write32(table + i * 4, pfn * PAGE_SIZE + 0x007);
    ram.write32(img.swapper_pg_dir + t * 4, table + 0x007);
    ram.write32(img.swapper_pg_dir + (768 + t) * 4, table + 0x007);
  }

  // ---- setup_memory: find_max_pfn, find_max_low_pfn.
  let max_pfn = 0;
  const ramRanges: [number, number][] = [];
  for (const e of machine.e820.map) {
    if (e.type !== E820_RAM) continue;
    const start = Math.ceil(e.addr / PAGE_SIZE);
    const end = Math.floor((e.addr + e.size) / PAGE_SIZE);
    if (start >= end) continue;
    ramRanges.push([start, end]);
    if (end > max_pfn) max_pfn = end;
  }
  let max_low_pfn = max_pfn;
  let highmem_pages = opts.highmem === undefined ? -1 : Math.floor(opts.highmem / PAGE_SIZE);
  if (max_low_pfn > MAXMEM_PFN) {
    if (highmem_pages === -1) highmem_pages = max_pfn - MAXMEM_PFN;
    if (highmem_pages + MAXMEM_PFN < max_pfn) max_pfn = MAXMEM_PFN + highmem_pages;
    if (highmem_pages + MAXMEM_PFN > max_pfn) {
      log(
        `only ${pages_to_mb(max_pfn - MAXMEM_PFN)}MB highmem pages available, ignoring highmem size of ${pages_to_mb(highmem_pages)}MB.`,
      );
      highmem_pages = 0;
    }
    max_low_pfn = MAXMEM_PFN;
    if (!machine.pae && max_pfn > MAX_NONPAE_PFN) {
      max_pfn = MAX_NONPAE_PFN;
      log("Warning only 4GB will be used.");
      log("Use a PAE enabled kernel.");
    }
  } else {
    if (highmem_pages === -1) highmem_pages = 0;
    if (highmem_pages >= max_pfn) {
      log(
        `highmem size specified (${pages_to_mb(highmem_pages)}MB) is bigger than pages available (${pages_to_mb(max_pfn)}MB)!.`,
      );
      highmem_pages = 0;
    }
    if (highmem_pages) {
      if (max_low_pfn - highmem_pages < (64 * 1024 * 1024) / PAGE_SIZE) {
        log(`highmem size ${pages_to_mb(highmem_pages)}MB results in smaller than 64MB lowmem, ignoring it.`);
        highmem_pages = 0;
      }
      max_low_pfn -= highmem_pages;
    }
  }
  const start_pfn = Math.ceil(img.init_pg_tables_end / PAGE_SIZE);
  if (start_pfn + 8 >= max_low_pfn) {
    throw new RangeError(
      `PageAllocator: ${max_low_pfn} lowmem frames cannot hold the kernel image (ends at frame ${start_pfn})`,
    );
  }
  const highstart_pfn = Math.min(max_pfn, max_low_pfn);
  const highend_pfn = max_pfn;
  pa.max_pfn = max_pfn;
  pa.max_low_pfn = max_low_pfn;
  pa.highstart_pfn = highstart_pfn;
  pa.highend_pfn = highend_pfn;
  log(`${pages_to_mb(highend_pfn - highstart_pfn)}MB HIGHMEM available.`);
  log(`${pages_to_mb(max_low_pfn)}MB LOWMEM available.`);

  // init_bootmem + register_bootmem_low_pages + the reservations.
  const bdata = new bootmem_data_t();
  const bootmap_size = init_bootmem_core(bdata, start_pfn, 0, max_low_pfn);
  for (const [curr, last0] of ramRanges) {
    if (curr >= max_low_pfn) continue;
    const last = Math.min(last0, max_low_pfn);
    if (last <= curr) continue;
    free_bootmem_core(bdata, curr * PAGE_SIZE, (last - curr) * PAGE_SIZE);
  }
  reserve_bootmem_core(
    bdata,
    HIGH_MEMORY,
    start_pfn * PAGE_SIZE + bootmap_size + PAGE_SIZE - 1 - HIGH_MEMORY,
  );
  reserve_bootmem_core(bdata, 0, PAGE_SIZE);
  const ebda = ram.read16(0x40e) * 16;
  if (ebda) reserve_bootmem_core(bdata, ebda, PAGE_SIZE);
  reserve_bootmem_core(bdata, PAGE_SIZE, PAGE_SIZE); // CONFIG_SMP: trampoline/GDT page
  const alloc_bootmem = (size: number, align: number, goal: number): number => {
    const p = __alloc_bootmem_core(bdata, size, align, goal);
    if (p < 0) throw new RangeError(`bootmem alloc of ${size} bytes failed!`);
    zeroRange(machine, p, size);
    return p;
  };
  const alloc_bootmem_low_pages = () => alloc_bootmem(PAGE_SIZE, PAGE_SIZE, 0);
  // smp_alloc_memory: the real-mode trampoline for the other CPUs, below 640 KiB.
  const trampoline = alloc_bootmem_low_pages();
  if (trampoline >= 0x9f000) throw new RangeError("smp_alloc_memory: trampoline above 0x9f000");

  // ---- paging_init → pagetable_init.
  const pgd = img.swapper_pg_dir;
  if (machine.pae)
    for (let i = 0; i < 4; i++) paging.writeEntry(ram, pgd, i, img.empty_zero_page + _PAGE_PRESENT);
  const pse = machine.features.pse;
  for (const cpu of machine.cpus) {
    if (pse) set_in_cr4(cpu, X86_CR4_PSE);
    if (machine.features.pge) set_in_cr4(cpu, X86_CR4_PGE);
  }
  const prot = kernelProt({ pge: machine.features.pge, nx_enabled: machine.nx_enabled });
  const pmdSlot = (pgdIdx: number, pmdIdx: number): [number, number] =>
    machine.pae ? [pte_phys(paging.readEntry(ram, pgd, pgdIdx)), pmdIdx] : [pgd, pgdIdx];
  const one_md_table_init = (pgdIdx: number) => {
    if (!machine.pae) return;
    const pmd = alloc_bootmem_low_pages();
    paging.writeEntry(ram, pgd, pgdIdx, pmd + _PAGE_PRESENT);
  };
  const one_page_table_init = (table: number, idx: number): number => {
    const e = paging.readEntry(ram, table, idx);
    if (e === 0) {
      const pt = alloc_bootmem_low_pages();
      paging.writeEntry(ram, table, idx, pt + _PAGE_TABLE);
      return pt;
    }
    return pte_phys(e);
  };
  const is_kernel_text = (addr: number) => addr >= PAGE_OFFSET && addr <= img.__init_end;
  // kernel_physical_mapping_init
  {
    let pfn = 0;
    const ptrsPerPte = paging.PTRS_PER_PTE;
    for (let pgdIdx = paging.pgd_index(PAGE_OFFSET); pgdIdx < paging.PTRS_PER_PGD; pgdIdx++) {
      one_md_table_init(pgdIdx);
      if (pfn >= max_low_pfn) continue;
      for (let pmdIdx = 0; pmdIdx < paging.PTRS_PER_PMD && pfn < max_low_pfn; pmdIdx++) {
        const [table, idx] = pmdSlot(pgdIdx, pmdIdx);
        const address = pfn * PAGE_SIZE + PAGE_OFFSET;
        if (pse) {
          const address2 = (pfn + ptrsPerPte - 1) * PAGE_SIZE + PAGE_OFFSET + PAGE_SIZE - 1;
          const p =
            is_kernel_text(address) || is_kernel_text(address2)
              ? prot.PAGE_KERNEL_LARGE_EXEC
              : prot.PAGE_KERNEL_LARGE;
          paging.writeEntry(ram, table, idx, pfn_pmd(pfn, p));
          pfn += ptrsPerPte;
        } else {
          const pt = one_page_table_init(table, idx);
          // 2.6.11 tests the pmd's first address for every pte of the table (fixed in later kernels).
          const p = is_kernel_text(address) ? prot.PAGE_KERNEL_EXEC : prot.PAGE_KERNEL;
          for (let ofs = 0; ofs < ptrsPerPte && pfn < max_low_pfn; ofs++, pfn++) {
            paging.writeEntry(ram, pt, ofs, pfn_pte(pfn, p));
          }
        }
      }
    }
  }
  // page_table_range_init: page tables (no mappings) for [start, end), end may wrap to 0.
  const page_table_range_init = (start: number, end: number) => {
    let vaddr = start >>> 0;
    let pmdIdx = paging.pmd_index(vaddr);
    for (let pgdIdx = paging.pgd_index(vaddr); pgdIdx < paging.PTRS_PER_PGD && vaddr !== end; pgdIdx++) {
      for (; pmdIdx < paging.PTRS_PER_PMD && vaddr !== end; pmdIdx++) {
        const [table, idx] = pmdSlot(pgdIdx, pmdIdx);
        one_page_table_init(table, idx);
        vaddr = (vaddr + paging.PMD_SIZE) >>> 0;
      }
      pmdIdx = 0;
    }
  };
  page_table_range_init((__fix_to_virt(__end_of_fixed_addresses - 1) & paging.PMD_MASK) >>> 0, 0);
  const pkmapBase = PKMAP_BASE(machine.pae);
  page_table_range_init(pkmapBase, pkmapBase + PAGE_SIZE * LAST_PKMAP(machine.pae));
  if (machine.pae) paging.writeEntry(ram, pgd, 0, paging.readEntry(ram, pgd, paging.USER_PTRS_PER_PGD));
  for (const cpu of machine.cpus) {
    write_cr3(cpu, pgd);
    __flush_tlb_all(cpu);
  }

  // ---- zone_sizes_init → free_area_init_node for each node.
  const ncpu = machine.cpus.length;
  const nodeRanges: [number, number][] = [];
  if (nodes === 1) nodeRanges.push([0, max_pfn]);
  else {
    const split = Math.floor(max_pfn / 2 / 1024) * 1024;
    if (split <= 0) throw new RangeError("PageAllocator: too little memory for two nodes");
    nodeRanges.push([0, split], [split, max_pfn]);
  }
  const headsPerZone = MAX_ORDER + 2 * ncpu;
  const mem_map = new MemMap(max_pfn, nodes * MAX_NR_ZONES * headsPerZone);
  let nextHeadSlot = max_pfn;
  const nextHead = () => nextHeadSlot++;
  const node_data: pg_data_t[] = [];
  const zone_table: Zone[] = [];
  const zones: Zone[] = [];
  const zoneBounds = [0, MAX_DMA_PFN, max_low_pfn, max_pfn];
  if (max_low_pfn < MAX_DMA_PFN) {
    zoneBounds[1] = max_low_pfn;
    zoneBounds[2] = max_low_pfn;
    zoneBounds[3] = max_low_pfn;
  }
  // Zone ranges (6.1's format; 2.6.11 zones start at pfn 0).
  log("Zone ranges:");
  for (let z = 0; z < MAX_NR_ZONES; z++) {
    const s = zoneBounds[z];
    const e = zoneBounds[z + 1];
    if (e > s)
      log(`  ${zone_names[z].padEnd(8)} [mem 0x${hex16(s * PAGE_SIZE)}-0x${hex16(e * PAGE_SIZE - 1)}]`);
    else log(`  ${zone_names[z].padEnd(8)} empty`);
  }
  const flags = mem_map.flags;
  for (let nid = 0; nid < nodes; nid++) {
    const [nstart, nend] = nodeRanges[nid];
    const pgdat = new pg_data_t(nid, nstart);
    if (nid > 0) node_data[nid - 1].pgdat_next = pgdat;
    node_data.push(pgdat);
    const zones_size = [0, 0, 0];
    for (let z = 0; z < MAX_NR_ZONES; z++) {
      zones_size[z] = Math.max(0, Math.min(nend, zoneBounds[z + 1]) - Math.max(nstart, zoneBounds[z]));
    }
    // calculate_zone_totalpages
    pgdat.node_spanned_pages = zones_size[0] + zones_size[1] + zones_size[2];
    pgdat.node_present_pages = pgdat.node_spanned_pages;
    log(`On node ${nid} totalpages: ${pgdat.node_present_pages}`);
    // node_alloc_mem_map
    const memmapPa = alloc_bootmem(
      (pgdat.node_spanned_pages + 1) * SIZEOF_STRUCT_PAGE,
      SMP_CACHE_BYTES,
      MAX_DMA_PFN * PAGE_SIZE,
    );
    pa.node_mem_map_virt[nid] = (memmapPa + PAGE_OFFSET) >>> 0;
    if (nid === 0) pa.mem_map_virt = (memmapPa + PAGE_OFFSET) >>> 0;
    // free_area_init_core
    let zone_start_pfn = nstart;
    for (let j = 0; j < MAX_NR_ZONES; j++) {
      const size = zones_size[j];
      const batch = zone_batchsize(size);
      const zone = new Zone(pgdat, j, zone_start_pfn, size, batch, ncpu, nextHead);
      pgdat.node_zones.push(zone);
      zone_table[zone.nodezone] = zone;
      zones.push(zone);
      log(`  ${zone_names[j]} zone: ${size} pages, LIFO batch:${batch}`);
      if (!size) continue;
      zone.wait_table_size = wait_table_size(size);
      zone.wait_table_bits = Math.log2(zone.wait_table_size);
      alloc_bootmem(zone.wait_table_size * SIZEOF_WAIT_QUEUE_HEAD, SMP_CACHE_BYTES, MAX_DMA_PFN * PAGE_SIZE);
      pgdat.nr_zones = j + 1;
      if (zone_start_pfn & ((1 << (MAX_ORDER - 1)) - 1)) log("BUG: wrong zone alignment, it will crash");
      // memmap_init_zone: every descriptor reserved, count 0, unmapped. (INIT_LIST_HEAD of each
      // page->lru is not modelled: the links of a page on no list are never read.)
      const end = zone_start_pfn + size;
      flags.fill(((zone.nodezone << NODEZONE_SHIFT) | (1 << PG_reserved)) >>> 0, zone_start_pfn, end);
      mem_map._count.fill(-1, zone_start_pfn, end);
      mem_map._mapcount.fill(-1, zone_start_pfn, end);
      zone_start_pfn = end;
    }
  }
  // build_all_zonelists
  for (const pgdat of node_data) build_zonelists(pgdat, node_data);
  log(`Built ${nodes} zonelists`);
  const cpu_to_node: number[] = [];
  for (let c = 0; c < ncpu; c++) cpu_to_node.push(c % nodes);

  const finish = () => {
    // ---- mem_init.
    const layoutPkmapEnd = pkmapBase + LAST_PKMAP(machine.pae) * PAGE_SIZE;
    if (layoutPkmapEnd >= FIXADDR_START)
      throw new RangeError("fixmap and kmap areas overlap - this will crash");
    pa.max_mapnr = pa.num_physpages = highend_pfn;
    pa.high_memory = ((highstart_pfn * PAGE_SIZE + PAGE_OFFSET) >>> 0) as VirtAddr;
    const cpu = machine.current;
    const RESERVED = 1 << PG_reserved;
    // free_all_bootmem: whole free 32-frame words as order-5 blocks, other frames one by one.
    const freed = free_all_bootmem_core(bdata, {
      freeWord(pfn) {
        for (let i = 0; i < 32; i++) flags[pfn + i] &= ~RESERVED;
        const zone = zone_table[flags[pfn] >>> NODEZONE_SHIFT];
        zone.all_unreclaimable = 0;
        zone.pages_scanned = 0;
        __free_pages_bulk(mem_map, pfn, zone, 5);
        pa.stats.pgfree += 32;
      },
      freeOne(pfn) {
        flags[pfn] &= ~RESERVED;
        const zone = zone_table[flags[pfn] >>> NODEZONE_SHIFT];
        pcp_free(mem_map, zone, zone.pageset[cpu].pcp[0], pfn);
        pa.stats.pgfree++;
      },
    });
    pa.totalram_pages += freed;
    // reservedpages: lowmem RAM frames still reserved.
    let reservedpages = 0;
    for (const [s, e] of ramRanges) {
      for (let p = s; p < Math.min(e, max_low_pfn); p++) if (flags[p] & RESERVED) reservedpages++;
    }
    pa.reservedpages = reservedpages;
    // set_highmem_pages_init: each highmem RAM frame freed on its own (one_highpage_init).
    let totalhigh = 0;
    for (const zone of zones) {
      if (zone.idx !== ZONE_HIGHMEM || zone.spanned_pages === 0) continue;
      const zs = zone.zone_start_pfn;
      const ze = zs + zone.spanned_pages;
      const runs: [number, number][] = [];
      for (const [s, e] of ramRanges) {
        const a = Math.max(s, zs, highstart_pfn);
        const b = Math.min(e, ze, highend_pfn);
        if (b > a) runs.push([a, b]);
      }
      const pcp = zone.pageset[cpu].pcp[0];
      totalhigh +=
        opts.bootFastPath === false
          ? highpagesOneByOne(mem_map, zone, pcp, runs)
          : highpagesFast(mem_map, zone, pcp, runs);
    }
    pa.stats.pgfree += totalhigh;
    pa.totalhigh_pages = totalhigh;
    pa.totalram_pages += totalhigh;
    const codesize = img._etext - img._text;
    const datasize = img._edata - img._etext;
    const initsize = img.__init_end - img.__init_begin;
    log(
      `Memory: ${pa.nr_free_pages() * 4}k/${pa.num_physpages * 4}k available (${codesize >> 10}k kernel code, ` +
        `${reservedpages * 4}k reserved, ${datasize >> 10}k data, ${initsize >> 10}k init, ${totalhigh * 4}k highmem)`,
    );
    // zap_low_mappings: drop the boot identity mapping of swapper_pg_dir.
    for (let i = 0; i < paging.USER_PTRS_PER_PGD; i++) {
      paging.writeEntry(ram, pgd, i, machine.pae ? img.empty_zero_page + 1 : 0);
    }
    for (const c of machine.cpus) __flush_tlb_all(c);
    pa.layout = kernelLayout(pa.high_memory, machine.pae, img);
    // ---- init_per_zone_pages_min (module_init).
    pa.init_per_zone_pages_min();
    log(`min_free_kbytes: ${pa.min_free_kbytes}`);
  };

  return { mem_map, node_data, zone_table, zones, cpu_to_node, finish };
}

/**
 * one_highpage_init for every highmem RAM frame of `zone`, in pfn order: clear PG_reserved, set
 * PG_highmem, count 1, __free_page (onto the hot list of the boot CPU, which spills `batch` pages
 * from its tail to the buddy lists whenever it holds `high`). Returns the frames freed.
 */
export function highpagesOneByOne(
  m: MemMap,
  zone: Zone,
  pcp: per_cpu_pages,
  runs: [number, number][],
): number {
  const flags = m.flags;
  const HIGHMEM_FLAG = 1 << PG_highmem;
  const RESERVED = 1 << PG_reserved;
  let n = 0;
  for (const [a, b] of runs) {
    for (let p = a; p < b; p++) {
      flags[p] = (flags[p] & ~RESERVED) | HIGHMEM_FLAG;
      pcp_free(m, zone, pcp, p);
      n++;
    }
  }
  return n;
}

/**
 * The same end state as highpagesOneByOne, computed directly. The frees reach the buddy lists in
 * increasing pfn order (the hot list is a FIFO for them: head in, tail out), so: the hot list
 * keeps the last K frames (K from replaying only its count), the first N-K frames form the
 * maximal aligned blocks of each free run (eager merging), and each order's list holds its blocks
 * newest first, i.e. in decreasing pfn order. Only block heads and list frames are written.
 */
export function highpagesFast(m: MemMap, zone: Zone, pcp: per_cpu_pages, runs: [number, number][]): number {
  const flags = m.flags;
  const HIGHMEM_FLAG = 1 << PG_highmem;
  let n = 0;
  for (const [a, b] of runs) n += b - a;
  // The list count after n frees into an empty list: the first `high` frees only fill it; from
  // then on every batch-th free first spills `batch` frames (count >= high), so the spills are
  // ceil((n - high) / batch).
  if (pcp.count !== 0) throw new RangeError("highpagesFast: the hot list must start empty");
  const spills = n > pcp.high ? Math.ceil((n - pcp.high) / pcp.batch) : 0;
  const spilled = spills * pcp.batch;
  const count = n - spilled;
  const toBuddy = spilled;
  // Flags of every frame, then the blocks of the first `toBuddy` frames.
  let seen = 0;
  const base = zone.zone_start_pfn;
  for (const [a, b] of runs) {
    flags.fill(((zone.nodezone << NODEZONE_SHIFT) | HIGHMEM_FLAG) >>> 0, a, b);
    const freeEnd = Math.min(b, a + Math.max(0, toBuddy - seen));
    let x = a;
    while (x < freeEnd) {
      let order = MAX_ORDER - 1;
      while (order > 0 && (((x - base) & ((1 << order) - 1)) !== 0 || x + (1 << order) > freeEnd)) order--;
      set_page_order(m, x, order);
      const area = zone.free_area[order];
      list_add(m, x, area.free_list);
      area.nr_free++;
      zone.free_pages += 1 << order;
      x += 1 << order;
    }
    // The frames that stay on the hot list: added in pfn order at the head.
    for (let p = Math.max(a, freeEnd); p < b; p++) list_add(m, p, pcp.list);
    seen += b - a;
  }
  pcp.count = count;
  if (toBuddy > 0) {
    zone.all_unreclaimable = 0;
    zone.pages_scanned = 0;
  }
  return n;
}
