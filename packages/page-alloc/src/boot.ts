/**
 * Boot: what setup_arch, paging_init, zone_sizes_init, build_all_zonelists, mem_init and
 * init_per_zone_pages_min do for memory, in that order, on a simulated Machine.
 * Models arch/i386/kernel/head.S (startup_32's pg0 boot page tables), arch/i386/kernel/setup.c
 * (find_max_pfn, find_max_low_pfn, setup_memory, register_bootmem_low_pages,
 * smp_alloc_memory), arch/i386/mm/init.c (pagetable_init, kernel_physical_mapping_init,
 * page_table_range_init, permanent_kmaps_init, zone_sizes_init, mem_init, set_highmem_pages_init,
 * zap_low_mappings) and mm/page_alloc.c (free_area_init_node, node_alloc_mem_map,
 * free_area_init_core, memmap_init_zone, build_all_zonelists, init_per_zone_pages_min) of 2.6.11.
 *
 * Shape: one function per kernel step, each taking what it needs (the machine's read-only facts,
 * the boot options, the outputs of the steps before it) and returning what it produces; `boot`
 * runs them in the kernel's order and returns a BootedMemory. A step never writes the Machine:
 * it writes into its BootStage (printk lines, the bootmem allocations to zero, the page tables it
 * builds, which live in a scratch RAM shaped like the machine's). Only when every step has
 * succeeded does `commitBoot` apply the stage (RAM, then paging_init's load_cr3 on every CPU,
 * then mem_init's zap_low_mappings, then dmesg), so a boot that throws leaves the Machine exactly
 * as it was.
 *
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
  ConfigError,
  E820_ACPI,
  E820_NVS,
  E820_RAM,
  E820_RESERVED,
  type E820Map,
  FIXADDR_START,
  InvariantError,
  KernelBugError,
  KernelPanicError,
  kernelProt,
  LAST_PKMAP,
  MAX_DMA_ADDRESS,
  MAX_NONPAE_PFN,
  MAXMEM_PFN,
  type Machine,
  PAGE_OFFSET,
  PAGE_SIZE,
  type Pfn,
  type PhysAddr,
  PhysicalMemory,
  PKMAP_BASE,
  pfn_pmd,
  pfn_pte,
  print_memory_map,
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
import { type KernelLayout, kernelLayout } from "./layout.js";
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
import { NODEZONE_SHIFT, PG_highmem, PG_reserved } from "./page-flags.js";
import { pcp_free } from "./pcp.js";
import { init_per_zone_pages_min } from "./watermark.js";
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
  readonly swapper_pg_dir: PhysAddr;
  /** Physical address of empty_zero_page (second bss page). */
  readonly empty_zero_page: number;
  /** Physical address of head.S's first boot page table (pg0 = _end). */
  readonly pg0: number;
  /** Physical end of head.S's boot page tables. */
  readonly init_pg_tables_end: number;
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
    swapper_pg_dir: (__init_end - PAGE_OFFSET) as PhysAddr,
    empty_zero_page: __init_end - PAGE_OFFSET + PAGE_SIZE,
    pg0,
    init_pg_tables_end: pg0 + tables * PAGE_SIZE,
  });
}

/** Options of `new PageAllocator(machine, opts)` that shape the boot. */
export interface BootOptions {
  /** Memory nodes: 1 (flat, contig_page_data) or 2 (RAM split in two halves at a 4 MiB boundary). */
  nodes?: 1 | 2;
  /** Kernel version modelled (only "2.6.11"). */
  profile?: "2.6.11";
  /** Kernel image section sizes (defaults: TYPICAL_2_6_11_IMAGE). */
  kernelImage?: Partial<KernelImageSizes>;
  /** The "highmem=" boot option, in bytes: force this much high memory. */
  highmem?: number;
  /**
   * Which kernel's formats the boot log uses where 2.6.11 and 6.1 print the same thing
   * differently. "2.6.11" (default): print_memory_map's ` BIOS-e820: 0000000000000000 -
   * 000000000009fc00 (usable)` lines and nothing 2.6.11 does not print. "6.1": e820__print_table's
   * `BIOS-e820: [mem 0x...-0x...] usable` lines and 6.1's `Zone ranges:` block (with 2.6.11's zone
   * boundaries), to compare with a 6.1 capture; the other lines stay 2.6.11's.
   */
  bootLog?: "2.6.11" | "6.1";
  /**
   * Hand highmem to the buddy allocator by computing the state one_highpage_init's page-by-page
   * frees produce (default true), or by doing every free (false; the tests check both agree).
   */
  bootFastPath?: boolean;
}

const HIGH_MEMORY = 0x100000;
/** MAX_DMA_ADDRESS as a pfn: 16 MiB. */
const MAX_DMA_PFN = (MAX_DMA_ADDRESS - PAGE_OFFSET) / PAGE_SIZE;
/** SMP_CACHE_BYTES = L1_CACHE_BYTES (32 with X86_GENERIC off). */
const SMP_CACHE_BYTES = 32;
/** sizeof(wait_queue_head_t) on i386 SMP without spinlock debugging [U: 4-byte lock + list_head]. */
const SIZEOF_WAIT_QUEUE_HEAD = 12;
/** head.S maps this much beyond its own page tables (INIT_MAP_BEYOND_END). */
const INIT_MAP_BEYOND_END = 128 * 1024;
/** sysctl_lowmem_reserve_ratio's initial value (mm/page_alloc.c). */
const LOWMEM_RESERVE_RATIO: readonly number[] = [256, 32];

const hex16 = (n: number) => n.toString(16).padStart(16, "0");
const pageAlign = (x: number) => Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
const pages_to_mb = (x: number) => Math.floor(x / 256);

// ---------------------------------------------------------------- the stage

/**
 * What a boot has written so far, held back from the Machine until commitBoot: printk lines,
 * bootmem allocations to zero and the page-table frames built in a scratch RAM.
 */
export class BootStage {
  /** The machine being booted; the steps only read it. */
  readonly machine: Machine;
  /** Scratch RAM on the machine's bus: the frames the boot writes, until commitBoot copies them. */
  readonly ram: PhysicalMemory;
  /** printk lines, in order. */
  readonly log: string[] = [];
  /** Bootmem allocations [physical address, bytes], zeroed (memset) at commit, in allocation order. */
  readonly zeroed: [number, number][] = [];
  /** Frames (pfns) written in the scratch RAM, copied to the machine's at commit. */
  readonly frames = new Set<Pfn>();

  constructor(machine: Machine) {
    this.machine = machine;
    this.ram = new PhysicalMemory(machine.ram.size, machine.e820);
  }
  /** printk, held until commit. */
  printk(line: string): void {
    this.log.push(line);
  }
  /** A frame of the machine's RAM the boot will change in place: its contents into the scratch RAM. */
  open(pa: number): void {
    const pfn = Math.floor(pa / PAGE_SIZE) as Pfn;
    if (this.frames.has(pfn)) return;
    const ram = this.machine.ram;
    if (ram.isBacked(pfn)) this.ram.writeBytes(pfn * PAGE_SIZE, ram.readBytes(pfn * PAGE_SIZE, PAGE_SIZE));
    this.frames.add(pfn);
  }
}

/** alloc_bootmem: `size` bytes from the bootmem bitmap, zeroed (at commit); a failure panics the boot. */
function alloc_bootmem(
  stage: BootStage,
  bdata: bootmem_data_t,
  size: number,
  align: number,
  goal: number,
): number {
  const p = __alloc_bootmem_core(bdata, size, align, goal);
  if (p < 0)
    throw new KernelPanicError("__alloc_bootmem", undefined, `bootmem alloc of ${size} bytes failed!`, {
      size,
    });
  stage.zeroed.push([p, size]);
  return p;
}

/** alloc_bootmem_low_pages(PAGE_SIZE): one zeroed frame, which the caller then writes (a page table). */
function alloc_bootmem_low_pages(stage: BootStage, bdata: bootmem_data_t): number {
  const p = alloc_bootmem(stage, bdata, PAGE_SIZE, PAGE_SIZE, 0);
  stage.frames.add((p / PAGE_SIZE) as Pfn);
  return p;
}

/** memset(ret, 0, size) of a bootmem allocation: whole frames drop their backing, edges are filled. */
function zeroRange(machine: Machine, pa: number, size: number): void {
  const end = pa + size;
  let p = pa;
  while (p < end) {
    const frameEnd = (Math.floor(p / PAGE_SIZE) + 1) * PAGE_SIZE;
    const stop = Math.min(frameEnd, end);
    if (p % PAGE_SIZE === 0 && stop === frameEnd) machine.ram.zeroFrame((p / PAGE_SIZE) as Pfn);
    else machine.ram.fill(p, stop - p, 0);
    p = stop;
  }
}

// ---------------------------------------------------------------- setup_arch

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

/** The BIOS map as 6.1 prints it (e820__print_table; 2.6.11 has print_memory_map, hw-i386), to compare with the oracle. */
export function e820__print_table(stage: BootStage, e820: E820Map): void {
  stage.printk("BIOS-provided physical RAM map:");
  for (const e of e820.map) {
    stage.printk(
      `BIOS-e820: [mem 0x${hex16(e.addr)}-0x${hex16(e.addr + e.size - 1)}] ${e820TypeName(e.type)}`,
    );
  }
}

/**
 * head.S startup_32: the boot page tables from pg0 on, mapping the first frames both at 0 and at
 * PAGE_OFFSET (2-level entries even for a PAE kernel, which switches later), into swapper_pg_dir.
 */
export function startup_32(stage: BootStage, img: KernelImage): void {
  const ram = stage.ram;
  stage.open(img.swapper_pg_dir);
  for (let t = 0, pfn = 0; img.pg0 + t * PAGE_SIZE < img.init_pg_tables_end; t++) {
    const table = img.pg0 + t * PAGE_SIZE;
    stage.open(table);
    for (let i = 0; i < 1024; i++, pfn++) ram.write32(table + i * 4, pfn * PAGE_SIZE + 0x007);
    ram.write32(img.swapper_pg_dir + t * 4, table + 0x007);
    ram.write32(img.swapper_pg_dir + (768 + t) * 4, table + 0x007);
  }
}

/** The frame boundaries setup_memory settles. */
export interface MemoryLimits {
  /** First pfn past the last RAM frame the kernel uses. */
  readonly max_pfn: number;
  /** First pfn past lowmem. */
  readonly max_low_pfn: number;
  /** First highmem pfn (== max_low_pfn when highmem exists, else max_pfn). */
  readonly highstart_pfn: number;
  /** First pfn past highmem. */
  readonly highend_pfn: number;
  /** The e820 RAM ranges in whole frames, [start, end). */
  readonly ramRanges: readonly (readonly [number, number])[];
}

/** What setup_memory returns: the limits and the bootmem allocator over lowmem. */
export interface BootMemory extends MemoryLimits {
  /** First frame after the kernel image and the boot page tables (where the bootmem bitmap goes). */
  readonly start_pfn: number;
  /** The boot-time allocator (mm/bootmem.c) the later steps allocate from. */
  readonly bdata: bootmem_data_t;
}

/** find_max_pfn: the end of the highest e820 RAM range, and every RAM range in whole frames. */
export function find_max_pfn(e820: E820Map): { max_pfn: number; ramRanges: [number, number][] } {
  let max_pfn = 0;
  const ramRanges: [number, number][] = [];
  for (const e of e820.map) {
    if (e.type !== E820_RAM) continue;
    const start = Math.ceil(e.addr / PAGE_SIZE);
    const end = Math.floor((e.addr + e.size) / PAGE_SIZE);
    if (start >= end) continue;
    ramRanges.push([start, end]);
    if (end > max_pfn) max_pfn = end;
  }
  return { max_pfn, ramRanges };
}

/**
 * find_max_low_pfn: lowmem ends at MAXMEM_PFN (896 MiB) or at the RAM's end, moved by the
 * "highmem=" option (`highmem` bytes); without PAE, RAM above 4 GiB is dropped. Returns the
 * (possibly clamped) max_pfn with max_low_pfn.
 */
export function find_max_low_pfn(
  stage: BootStage,
  max_pfn: number,
  pae: boolean,
  highmem: number | undefined,
): { max_pfn: number; max_low_pfn: number } {
  const log = (s: string) => stage.printk(s);
  let max_low_pfn = max_pfn;
  let highmem_pages = highmem === undefined ? -1 : Math.floor(highmem / PAGE_SIZE);
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
    if (!pae && max_pfn > MAX_NONPAE_PFN) {
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
  return { max_pfn, max_low_pfn };
}

/**
 * setup_memory: find_max_pfn, find_max_low_pfn, then init_bootmem over lowmem,
 * register_bootmem_low_pages (free every RAM frame) and the reservations (the kernel image, its
 * boot page tables and the bitmap, page 0, the EBDA, the SMP trampoline's page).
 */
export function setup_memory(stage: BootStage, img: KernelImage, highmem: number | undefined): BootMemory {
  const machine = stage.machine;
  const found = find_max_pfn(machine.e820);
  const { max_pfn, max_low_pfn } = find_max_low_pfn(stage, found.max_pfn, machine.pae, highmem);
  const ramRanges = found.ramRanges;
  const start_pfn = Math.ceil(img.init_pg_tables_end / PAGE_SIZE);
  if (start_pfn + 8 >= max_low_pfn) {
    throw new ConfigError(
      "PageAllocator",
      `${max_low_pfn} lowmem frames cannot hold the kernel image (ends at frame ${start_pfn})`,
    );
  }
  const highstart_pfn = Math.min(max_pfn, max_low_pfn);
  const highend_pfn = max_pfn;
  stage.printk(`${pages_to_mb(highend_pfn - highstart_pfn)}MB HIGHMEM available.`);
  stage.printk(`${pages_to_mb(max_low_pfn)}MB LOWMEM available.`);

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
  const ebda = machine.ram.read16(0x40e) * 16;
  if (ebda) reserve_bootmem_core(bdata, ebda, PAGE_SIZE);
  reserve_bootmem_core(bdata, PAGE_SIZE, PAGE_SIZE); // CONFIG_SMP: trampoline/GDT page
  return { max_pfn, max_low_pfn, highstart_pfn, highend_pfn, ramRanges, start_pfn, bdata };
}

/** smp_alloc_memory: the real-mode trampoline for the other CPUs, below 640 KiB. Returns its address. */
export function smp_alloc_memory(stage: BootStage, bdata: bootmem_data_t): number {
  const trampoline = alloc_bootmem_low_pages(stage, bdata);
  if (trampoline >= 0x9f000)
    throw new KernelBugError("smp_alloc_memory", trampoline, "trampoline above 0x9f000");
  return trampoline;
}

// ---------------------------------------------------------------- paging_init

/** What the page-table builders share: the stage, swapper_pg_dir and the bootmem allocator. */
interface PagetableContext {
  readonly stage: BootStage;
  readonly pgd: number;
  readonly bdata: bootmem_data_t;
}

/** The (table, index) of the pmd entry for (pgd index, pmd index): the pgd itself without PAE. */
function pmdSlot(c: PagetableContext, pgdIdx: number, pmdIdx: number): [number, number] {
  const paging = c.stage.machine.paging;
  return paging.pae ? [pte_phys(paging.readEntry(c.stage.ram, c.pgd, pgdIdx)), pmdIdx] : [c.pgd, pgdIdx];
}

/** one_md_table_init: under PAE, a fresh pmd for a pgd entry (nothing without PAE). */
function one_md_table_init(c: PagetableContext, pgdIdx: number): void {
  const paging = c.stage.machine.paging;
  if (!paging.pae) return;
  const pmd = alloc_bootmem_low_pages(c.stage, c.bdata);
  paging.writeEntry(c.stage.ram, c.pgd, pgdIdx, pmd + _PAGE_PRESENT);
}

/** one_page_table_init: the page table a pmd entry points to, allocated when the entry is empty. */
function one_page_table_init(c: PagetableContext, table: number, idx: number): number {
  const paging = c.stage.machine.paging;
  const e = paging.readEntry(c.stage.ram, table, idx);
  if (e === 0) {
    const pt = alloc_bootmem_low_pages(c.stage, c.bdata);
    paging.writeEntry(c.stage.ram, table, idx, pt + _PAGE_TABLE);
    return pt;
  }
  return pte_phys(e);
}

/**
 * kernel_physical_mapping_init: map lowmem at PAGE_OFFSET, with 4 MiB (2 MiB under PAE) pages
 * when the CPU has PSE, else with page tables; kernel text executable, everything else not.
 */
function kernel_physical_mapping_init(c: PagetableContext, img: KernelImage, max_low_pfn: number): void {
  const machine = c.stage.machine;
  const paging = machine.paging;
  const ram = c.stage.ram;
  const pse = machine.features.pse;
  const prot = kernelProt({ pge: machine.features.pge, nx_enabled: machine.nx_enabled });
  const is_kernel_text = (addr: number) => addr >= PAGE_OFFSET && addr <= img.__init_end;
  let pfn = 0;
  const ptrsPerPte = paging.PTRS_PER_PTE;
  for (let pgdIdx = paging.pgd_index(PAGE_OFFSET); pgdIdx < paging.PTRS_PER_PGD; pgdIdx++) {
    one_md_table_init(c, pgdIdx);
    if (pfn >= max_low_pfn) continue;
    for (let pmdIdx = 0; pmdIdx < paging.PTRS_PER_PMD && pfn < max_low_pfn; pmdIdx++) {
      const [table, idx] = pmdSlot(c, pgdIdx, pmdIdx);
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
        const pt = one_page_table_init(c, table, idx);
        // 2.6.11 tests the pmd's first address for every pte of the table (fixed in later kernels).
        const p = is_kernel_text(address) ? prot.PAGE_KERNEL_EXEC : prot.PAGE_KERNEL;
        for (let ofs = 0; ofs < ptrsPerPte && pfn < max_low_pfn; ofs++, pfn++) {
          paging.writeEntry(ram, pt, ofs, pfn_pte(pfn, p));
        }
      }
    }
  }
}

/** page_table_range_init: page tables (no mappings) for [start, end), end may wrap to 0. */
function page_table_range_init(c: PagetableContext, start: number, end: number): void {
  const paging = c.stage.machine.paging;
  let vaddr = start >>> 0;
  let pmdIdx = paging.pmd_index(vaddr);
  for (let pgdIdx = paging.pgd_index(vaddr); pgdIdx < paging.PTRS_PER_PGD && vaddr !== end; pgdIdx++) {
    for (; pmdIdx < paging.PTRS_PER_PMD && vaddr !== end; pmdIdx++) {
      const [table, idx] = pmdSlot(c, pgdIdx, pmdIdx);
      one_page_table_init(c, table, idx);
      vaddr = (vaddr + paging.PMD_SIZE) >>> 0;
    }
    pmdIdx = 0;
  }
}

/**
 * pagetable_init: swapper_pg_dir's kernel half (kernel_physical_mapping_init), the fixmap's page
 * tables, permanent_kmaps_init's pkmap table; under PAE, pgd[0] borrows the first kernel pmd
 * until zap_low_mappings. Written into the stage; paging_init's load_cr3 happens at commit.
 */
export function pagetable_init(
  stage: BootStage,
  img: KernelImage,
  max_low_pfn: number,
  bdata: bootmem_data_t,
): void {
  const machine = stage.machine;
  const paging = machine.paging;
  const pgd = img.swapper_pg_dir;
  const c: PagetableContext = { stage, pgd, bdata };
  if (machine.pae)
    for (let i = 0; i < 4; i++) paging.writeEntry(stage.ram, pgd, i, img.empty_zero_page + _PAGE_PRESENT);
  kernel_physical_mapping_init(c, img, max_low_pfn);
  page_table_range_init(c, (__fix_to_virt(__end_of_fixed_addresses - 1) & paging.PMD_MASK) >>> 0, 0);
  const pkmapBase = PKMAP_BASE(machine.pae);
  page_table_range_init(c, pkmapBase, pkmapBase + PAGE_SIZE * LAST_PKMAP(machine.pae));
  if (machine.pae)
    paging.writeEntry(stage.ram, pgd, 0, paging.readEntry(stage.ram, pgd, paging.USER_PTRS_PER_PGD));
}

// ---------------------------------------------------------------- zone_sizes_init

/** What zone_sizes_init builds: the page descriptors, the nodes and their zones. */
export interface ZoneSetup {
  /** The page descriptors of every frame below max_pfn, all reserved until mem_init. */
  readonly mem_map: MemMap;
  /** The nodes, node 0 first. */
  readonly node_data: readonly pg_data_t[];
  /** Zones by NODEZONE(nid, zone index). */
  readonly zone_table: readonly Zone[];
  /** Every zone of every node, node by node. */
  readonly zones: readonly Zone[];
  /** Virtual address of each node's node_mem_map (node 0's is mem_map). */
  readonly node_mem_map_virt: readonly number[];
}

/** What free_area_init_node and free_area_init_core fill in, shared across the nodes. */
interface ZoneBuild {
  readonly stage: BootStage;
  readonly bdata: bootmem_data_t;
  readonly mem_map: MemMap;
  readonly nextHead: () => number;
  readonly node_data: pg_data_t[];
  readonly zone_table: Zone[];
  readonly zones: Zone[];
  readonly node_mem_map_virt: number[];
}

/**
 * zone_sizes_init: the DMA (below 16 MiB), Normal (to max_low_pfn) and HighMem (to max_pfn)
 * boundaries, split over `nodes` nodes, then free_area_init_node for each node.
 */
export function zone_sizes_init(
  stage: BootStage,
  mem: BootMemory,
  nodes: 1 | 2,
  zoneRanges = false,
): ZoneSetup {
  const { max_pfn, max_low_pfn } = mem;
  const ncpu = stage.machine.cpus.length;
  const nodeRanges: [number, number][] = [];
  if (nodes === 1) nodeRanges.push([0, max_pfn]);
  else {
    const split = Math.floor(max_pfn / 2 / 1024) * 1024;
    if (split <= 0) throw new ConfigError("PageAllocator", "too little memory for two nodes");
    nodeRanges.push([0, split], [split, max_pfn]);
  }
  const headsPerZone = MAX_ORDER + 2 * ncpu;
  const mem_map = new MemMap(max_pfn, nodes * MAX_NR_ZONES * headsPerZone);
  let nextHeadSlot = max_pfn;
  const b: ZoneBuild = {
    stage,
    bdata: mem.bdata,
    mem_map,
    nextHead: () => nextHeadSlot++,
    node_data: [],
    zone_table: [],
    zones: [],
    node_mem_map_virt: [],
  };
  const zoneBounds = [0, MAX_DMA_PFN, max_low_pfn, max_pfn];
  if (max_low_pfn < MAX_DMA_PFN) {
    zoneBounds[1] = max_low_pfn;
    zoneBounds[2] = max_low_pfn;
    zoneBounds[3] = max_low_pfn;
  }
  // Zone ranges: 6.1's block (free_area_init), printed only for a 6.1-format log; 2.6.11 has no
  // such lines. The boundaries are 2.6.11's (its zones start at pfn 0).
  if (zoneRanges) stage.printk("Zone ranges:");
  for (let z = 0; z < MAX_NR_ZONES && zoneRanges; z++) {
    const s = zoneBounds[z];
    const e = zoneBounds[z + 1];
    if (e > s)
      stage.printk(
        `  ${zone_names[z].padEnd(8)} [mem 0x${hex16(s * PAGE_SIZE)}-0x${hex16(e * PAGE_SIZE - 1)}]`,
      );
    else stage.printk(`  ${zone_names[z].padEnd(8)} empty`);
  }
  for (let nid = 0; nid < nodes; nid++) {
    const [nstart, nend] = nodeRanges[nid];
    const zones_size = [0, 0, 0];
    for (let z = 0; z < MAX_NR_ZONES; z++) {
      zones_size[z] = Math.max(0, Math.min(nend, zoneBounds[z + 1]) - Math.max(nstart, zoneBounds[z]));
    }
    free_area_init_node(b, nid, nstart, zones_size);
  }
  return {
    mem_map,
    node_data: b.node_data,
    zone_table: b.zone_table,
    zones: b.zones,
    node_mem_map_virt: b.node_mem_map_virt,
  };
}

/** free_area_init_node: a pg_data_t, calculate_zone_totalpages, node_alloc_mem_map, free_area_init_core. */
function free_area_init_node(b: ZoneBuild, nid: number, node_start_pfn: number, zones_size: number[]): void {
  const pgdat = new pg_data_t(nid, node_start_pfn);
  if (nid > 0) b.node_data[nid - 1].pgdat_next = pgdat;
  b.node_data.push(pgdat);
  // calculate_zone_totalpages
  pgdat.node_spanned_pages = zones_size[0] + zones_size[1] + zones_size[2];
  pgdat.node_present_pages = pgdat.node_spanned_pages;
  b.stage.printk(`On node ${nid} totalpages: ${pgdat.node_present_pages}`);
  // node_alloc_mem_map
  const memmapPa = alloc_bootmem(
    b.stage,
    b.bdata,
    (pgdat.node_spanned_pages + 1) * SIZEOF_STRUCT_PAGE,
    SMP_CACHE_BYTES,
    MAX_DMA_PFN * PAGE_SIZE,
  );
  b.node_mem_map_virt[nid] = (memmapPa + PAGE_OFFSET) >>> 0;
  free_area_init_core(b, pgdat, zones_size);
}

/**
 * free_area_init_core: each zone of the node with its batch, per-CPU lists, free lists and wait
 * table, then memmap_init_zone (every descriptor reserved, count 0, unmapped).
 */
function free_area_init_core(b: ZoneBuild, pgdat: pg_data_t, zones_size: readonly number[]): void {
  const ncpu = b.stage.machine.cpus.length;
  const flags = b.mem_map.flags;
  let zone_start_pfn = pgdat.node_start_pfn;
  for (let j = 0; j < MAX_NR_ZONES; j++) {
    const size = zones_size[j];
    const batch = zone_batchsize(size);
    const zone = new Zone(pgdat, j, zone_start_pfn, size, batch, ncpu, b.nextHead);
    pgdat.node_zones.push(zone);
    b.zone_table[zone.nodezone] = zone;
    b.zones.push(zone);
    b.stage.printk(`  ${zone_names[j]} zone: ${size} pages, LIFO batch:${batch}`);
    if (!size) continue;
    zone.wait_table_size = wait_table_size(size);
    zone.wait_table_bits = Math.log2(zone.wait_table_size);
    alloc_bootmem(
      b.stage,
      b.bdata,
      zone.wait_table_size * SIZEOF_WAIT_QUEUE_HEAD,
      SMP_CACHE_BYTES,
      MAX_DMA_PFN * PAGE_SIZE,
    );
    pgdat.nr_zones = j + 1;
    if (zone_start_pfn & ((1 << (MAX_ORDER - 1)) - 1))
      b.stage.printk("BUG: wrong zone alignment, it will crash");
    // memmap_init_zone: every descriptor reserved, count 0, unmapped. (INIT_LIST_HEAD of each
    // page->lru is not modelled: the links of a page on no list are never read.)
    const end = zone_start_pfn + size;
    flags.fill(((zone.nodezone << NODEZONE_SHIFT) | (1 << PG_reserved)) >>> 0, zone_start_pfn, end);
    b.mem_map._count.fill(-1, zone_start_pfn, end);
    b.mem_map._mapcount.fill(-1, zone_start_pfn, end);
    zone_start_pfn = end;
  }
}

/** build_all_zonelists: every node's zonelists, local node first. */
export function build_all_zonelists(stage: BootStage, node_data: readonly pg_data_t[]): void {
  for (const pgdat of node_data) build_zonelists(pgdat, node_data);
  stage.printk(`Built ${node_data.length} zonelists`);
}

// ---------------------------------------------------------------- mem_init

/** What mem_init settles: the bounds and counters of the freed memory. */
export interface MemInitResult {
  /** pfn_valid bound. */
  readonly max_mapnr: number;
  /** Number of frames described by mem_map. */
  readonly num_physpages: number;
  /** Virtual end of the direct-mapped lowmem. */
  readonly high_memory: VirtAddr;
  /** Frames handed to the buddy allocator (totalram_pages). */
  readonly totalram_pages: number;
  /** Highmem frames handed to the buddy allocator (totalhigh_pages). */
  readonly totalhigh_pages: number;
  /** Lowmem RAM frames still reserved (reservedpages). */
  readonly reservedpages: number;
  /** Pages freed on the way (the pgfree counter). */
  readonly pgfree: number;
}

/**
 * mem_init: free_all_bootmem (every free lowmem frame to the buddy allocator or the boot CPU's
 * hot list), count the reserved pages, set_highmem_pages_init (every highmem RAM frame), print
 * the "Memory:" line. (Its last step, zap_low_mappings, changes the live page directory and so
 * runs in commitBoot.)
 */
export function mem_init(
  stage: BootStage,
  img: KernelImage,
  mem: BootMemory,
  z: ZoneSetup,
  fastPath: boolean,
): MemInitResult {
  const machine = stage.machine;
  const { max_low_pfn, highstart_pfn, highend_pfn, ramRanges } = mem;
  const { mem_map, zone_table, zones } = z;
  const flags = mem_map.flags;
  const pkmapEnd = PKMAP_BASE(machine.pae) + LAST_PKMAP(machine.pae) * PAGE_SIZE;
  if (pkmapEnd >= FIXADDR_START)
    throw new KernelBugError("mem_init", pkmapEnd, "fixmap and kmap areas overlap - this will crash");
  const num_physpages = highend_pfn;
  const high_memory = ((highstart_pfn * PAGE_SIZE + PAGE_OFFSET) >>> 0) as VirtAddr;
  const cpu = machine.current;
  const RESERVED = 1 << PG_reserved;
  let pgfree = 0;
  // free_all_bootmem: whole free 32-frame words as order-5 blocks, other frames one by one.
  const freed = free_all_bootmem_core(mem.bdata, {
    freeWord(pfn) {
      for (let i = 0; i < 32; i++) flags[pfn + i] &= ~RESERVED;
      const zone = zone_table[flags[pfn] >>> NODEZONE_SHIFT];
      zone.all_unreclaimable = 0;
      zone.pages_scanned = 0;
      __free_pages_bulk(mem_map, pfn, zone, 5);
      pgfree += 32;
    },
    freeOne(pfn) {
      flags[pfn] &= ~RESERVED;
      const zone = zone_table[flags[pfn] >>> NODEZONE_SHIFT];
      pcp_free(mem_map, zone, zone.pageset[cpu].pcp[0], pfn);
      pgfree++;
    },
  });
  // reservedpages: lowmem RAM frames still reserved.
  let reservedpages = 0;
  for (const [s, e] of ramRanges) {
    for (let p = s; p < Math.min(e, max_low_pfn); p++) if (flags[p] & RESERVED) reservedpages++;
  }
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
    totalhigh += fastPath
      ? highpagesFast(mem_map, zone, pcp, runs)
      : highpagesOneByOne(mem_map, zone, pcp, runs);
  }
  pgfree += totalhigh;
  let nr_free_pages = 0;
  for (const zone of zones) nr_free_pages += zone.free_pages;
  const codesize = img._etext - img._text;
  const datasize = img._edata - img._etext;
  const initsize = img.__init_end - img.__init_begin;
  stage.printk(
    `Memory: ${nr_free_pages * 4}k/${num_physpages * 4}k available (${codesize >> 10}k kernel code, ` +
      `${reservedpages * 4}k reserved, ${datasize >> 10}k data, ${initsize >> 10}k init, ${totalhigh * 4}k highmem)`,
  );
  return {
    max_mapnr: num_physpages,
    num_physpages,
    high_memory,
    totalram_pages: freed + totalhigh,
    totalhigh_pages: totalhigh,
    reservedpages,
    pgfree,
  };
}

/** zap_low_mappings: drop the boot identity mapping of swapper_pg_dir, flush every CPU's TLB. */
export function zap_low_mappings(machine: Machine, img: KernelImage): void {
  const paging = machine.paging;
  for (let i = 0; i < paging.USER_PTRS_PER_PGD; i++) {
    paging.writeEntry(machine.ram, img.swapper_pg_dir, i, machine.pae ? img.empty_zero_page + 1 : 0);
  }
  for (const c of machine.cpus) __flush_tlb_all(c);
}

// ---------------------------------------------------------------- commit

/**
 * Apply a finished boot to its Machine (nothing here can fail): zero the bootmem allocations,
 * copy the frames built in the scratch RAM, paging_init's tail on every CPU (CR4.PSE/PGE,
 * load_cr3(swapper_pg_dir), __flush_tlb_all), mem_init's zap_low_mappings, then the printk lines.
 */
export function commitBoot(stage: BootStage, img: KernelImage): void {
  const machine = stage.machine;
  const ram = machine.ram;
  for (const [pa, size] of stage.zeroed) zeroRange(machine, pa, size);
  for (const pfn of stage.frames) {
    const pa = pfn * PAGE_SIZE;
    if (stage.ram.isBacked(pfn)) ram.writeBytes(pa, stage.ram.readBytes(pa, PAGE_SIZE));
    else ram.zeroFrame(pfn);
  }
  for (const cpu of machine.cpus) {
    if (machine.features.pse) set_in_cr4(cpu, X86_CR4_PSE);
    if (machine.features.pge) set_in_cr4(cpu, X86_CR4_PGE);
  }
  for (const cpu of machine.cpus) {
    write_cr3(cpu, img.swapper_pg_dir);
    __flush_tlb_all(cpu);
  }
  zap_low_mappings(machine, img);
  for (const line of stage.log) machine.printk(line);
}

// ---------------------------------------------------------------- boot

/** Everything a boot produces: what the PageAllocator is constructed from. */
export interface BootedMemory extends MemoryLimits, ZoneSetup, MemInitResult {
  /** The kernel image: physical placement and section addresses. */
  readonly kernel: KernelImage;
  /** Physical address of the kernel page directory (in the kernel image). */
  readonly swapper_pg_dir: PhysAddr;
  /** Physical address of empty_zero_page (follows swapper_pg_dir). */
  readonly empty_zero_page: PhysAddr;
  /** Node of each simulated CPU (cpu_to_node). */
  readonly cpu_to_node: readonly number[];
  /** The kernel virtual layout (for the "virtual kernel memory layout:" block). */
  readonly layout: KernelLayout;
  /** The reserve pool size in KiB (init_per_zone_pages_min). */
  readonly min_free_kbytes: number;
  /** sysctl_lowmem_reserve_ratio as booted. */
  readonly sysctl_lowmem_reserve_ratio: readonly number[];
  /** The lines the boot printed (also appended to machine.dmesg). */
  readonly bootLog: readonly string[];
}

/** The boot options' own checks (nodes, profile); returns the node count. */
export function checkBootOptions(opts: BootOptions): 1 | 2 {
  const nodes = opts.nodes ?? 1;
  if (nodes !== 1 && nodes !== 2)
    throw new ConfigError("PageAllocator", `nodes must be 1 or 2, not ${nodes}`);
  if ((opts.profile ?? "2.6.11") !== "2.6.11")
    throw new ConfigError("PageAllocator", "only the 2.6.11 profile exists");
  if (opts.bootLog !== undefined && opts.bootLog !== "2.6.11" && opts.bootLog !== "6.1")
    throw new ConfigError("PageAllocator", `boot log format "${String(opts.bootLog)}": "2.6.11" or "6.1"`);
  return nodes;
}

/**
 * Boot memory management on `machine`: every step in the kernel's order on a BootStage, then
 * commitBoot. Throws (leaving the machine untouched) when the memory cannot boot.
 */
export function boot(machine: Machine, opts: BootOptions = {}): BootedMemory {
  const nodes = checkBootOptions(opts);
  const stage = new BootStage(machine);
  // ---- setup_arch
  const log61 = opts.bootLog === "6.1";
  if (log61) e820__print_table(stage, machine.e820);
  else {
    stage.printk("BIOS-provided physical RAM map:");
    for (const line of print_memory_map(machine.e820)) stage.printk(line);
  }
  const img = layoutKernelImage({ ...TYPICAL_2_6_11_IMAGE, ...opts.kernelImage });
  startup_32(stage, img);
  const mem = setup_memory(stage, img, opts.highmem);
  smp_alloc_memory(stage, mem.bdata);
  // ---- paging_init
  pagetable_init(stage, img, mem.max_low_pfn, mem.bdata);
  // ---- zone_sizes_init, build_all_zonelists
  const z = zone_sizes_init(stage, mem, nodes, log61);
  build_all_zonelists(stage, z.node_data);
  const cpu_to_node: number[] = [];
  for (let c = 0; c < machine.cpus.length; c++) cpu_to_node.push(c % nodes);
  // ---- mem_init
  const m = mem_init(stage, img, mem, z, opts.bootFastPath !== false);
  const layout = kernelLayout(m.high_memory, machine.pae, img);
  // ---- init_per_zone_pages_min (module_init)
  const sysctl_lowmem_reserve_ratio = [...LOWMEM_RESERVE_RATIO];
  // (No printk: neither 2.6.11 nor 6.1 logs min_free_kbytes; it is in BootedMemory and sysctl.)
  const min_free_kbytes = init_per_zone_pages_min(z.node_data, z.zones, sysctl_lowmem_reserve_ratio);
  commitBoot(stage, img);
  return {
    max_pfn: mem.max_pfn,
    max_low_pfn: mem.max_low_pfn,
    highstart_pfn: mem.highstart_pfn,
    highend_pfn: mem.highend_pfn,
    ramRanges: mem.ramRanges,
    mem_map: z.mem_map,
    node_data: z.node_data,
    zone_table: z.zone_table,
    zones: z.zones,
    node_mem_map_virt: z.node_mem_map_virt,
    ...m,
    kernel: img,
    swapper_pg_dir: img.swapper_pg_dir,
    empty_zero_page: img.empty_zero_page as PhysAddr,
    cpu_to_node,
    layout,
    min_free_kbytes,
    sysctl_lowmem_reserve_ratio,
    bootLog: stage.log,
  };
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
  if (pcp.count !== 0)
    throw new InvariantError(["highpagesFast: the boot CPU's hot list must start empty (the model's check)"]);
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
