/*
 * free-bindings.ts — the layers' exported free functions (C macros and helpers of
 * include/asm-i386/{pgtable,page,tlbflush,fixmap,highmem}.h, include/linux/{hardirq,mm,hash}.h,
 * mm/page_alloc.c, mm/slab.c) bound to one booted kernel. The model passes what the kernel keeps
 * in globals (the machine, the current CPU, swapper_pg_dir, mem_map, the zone list) as explicit
 * arguments; each binding supplies those from context, so a scenario calls the function with the
 * C argument list the book shows. Page-table helpers act on the kernel's tables (init_mm).
 * NOT_BOUND lists, with the reason, every kernel-named function of a layer's public face
 * (index.ts) deliberately left out; test/bindings.test.ts checks that each export of the faces of
 * hw-i386, page-alloc, slab and kmap is either bound (here, as a layer method, or as a constant) or
 * listed there. Static steps the book shows (hash_ptr, wait_table_size, page_is_buddy,
 * cache_estimate, ...) come from the layers' "/internal" entries and are bound too.
 */

import * as hw from "@i386mm/hw-i386";
import { KernelBugError, type Machine } from "@i386mm/hw-i386";
import type { Kmap } from "@i386mm/kmap";
import type { PageAllocator, Zone } from "@i386mm/page-alloc";
import * as pageAlloc from "@i386mm/page-alloc";
import * as pageAllocInternal from "@i386mm/page-alloc/internal";
import type { kmem_cache_t, SlabAllocator } from "@i386mm/slab";
import * as slabInternal from "@i386mm/slab/internal";
import type { ParamType, Signature } from "./bindings.js";
import { getPageSlab } from "./describe.js";
import type { Binding } from "./kernel-api.js";

/** The layers a free function may need: what the kernel would find in its globals. */
export interface BindingContext {
  readonly machine: Machine;
  readonly pa: PageAllocator;
  readonly slab: SlabAllocator;
  readonly km: Kmap;
}

const PGTABLE = "include/asm-i386/pgtable.h";
const PAGE_H = "include/asm-i386/page.h";
const TLB = "include/asm-i386/tlbflush.h";
const HARDIRQ = "include/linux/hardirq.h";
const PA = "mm/page_alloc.c";

/**
 * Check that `ptep` is a pte_t * into a kernel page table (an aligned lowmem address) and return
 * the table's physical address and the entry's index. Throws KernelBugError for anything else,
 * as dereferencing a wild pointer would oops.
 */
export function pteSlot(ctx: BindingContext, call: string, ptep: number): { tablePa: number; idx: number } {
  const m = ctx.machine;
  const phys = ptep - hw.PAGE_OFFSET;
  if (ptep < hw.PAGE_OFFSET || phys >= ctx.pa.max_low_pfn * hw.PAGE_SIZE || ptep % m.paging.ENTRY_SIZE !== 0)
    throw new KernelBugError(call, ptep, "pte pointer is not an aligned lowmem kernel address");
  return { tablePa: phys - (phys % hw.PAGE_SIZE), idx: (phys % hw.PAGE_SIZE) / m.paging.ENTRY_SIZE };
}

/** `*ptep`: the page-table entry a pte_t * points at (the kernel reads it with pte_val(*ptep)). */
export function readPte(ctx: BindingContext, ptep: number): number {
  const { tablePa, idx } = pteSlot(ctx, "*ptep", ptep);
  return ctx.machine.paging.readEntry(ctx.machine.ram, tablePa, idx);
}

/** Every free function bound to this kernel (see the file comment). */
export function freeBindings(ctx: BindingContext): Binding[] {
  const { machine: m, pa, slab } = ctx;
  const cpu = (): hw.Cpu => m.cpus[m.current]!;
  const swapper = (): hw.PhysAddr => pa.swapper_pg_dir;
  const n = (a: readonly unknown[], i: number): number => Number(a[i] ?? 0);
  const out: Binding[] = [];
  const def = (
    layer: string,
    file: string,
    ret: Signature["ret"],
    name: string,
    params: readonly (readonly [ParamType, string])[],
    call: (a: readonly unknown[]) => unknown,
  ): void => {
    // A pte_t is 32 bits without PAE: an entry the helper returns keeps its low 32 bits (and so
    // never an NX bit), as the C arithmetic on a 32-bit pte_t would.
    const wrapped =
      ret === "entry" && !m.pae
        ? (a: readonly unknown[]) => {
            const r = call(a);
            return typeof r === "number" ? r >>> 0 : r;
          }
        : call;
    out.push({ name, layer, sig: { name, ret, params, file }, call: wrapped });
  };
  /** pfn_pte & co. under PAE: `& __supported_pte_mask` drops NX on a CPU that cannot use it. */
  const masked = (e: number): number => hw.pte_mask_supported(e, m.nx_enabled);
  /** A definer for one layer: (kernel file, return type, name, parameters, call). */
  type Definer = (
    file: string,
    ret: Signature["ret"],
    name: string,
    params: readonly (readonly [ParamType, string])[],
    call: (a: readonly unknown[]) => unknown,
  ) => void;
  const forLayer =
    (layer: string): Definer =>
    (file, ret, name, params, call) =>
      def(layer, file, ret, name, params, call);
  const hwFn = forLayer("hw-i386");
  const E: [ParamType, string] = ["entry", "pte"];

  // --- the current CPU: include/linux/smp.h, hardirq.h, preempt.h, asm-i386/processor.h
  hwFn("include/asm-i386/smp.h", "int", "smp_processor_id", [], () => hw.smp_processor_id(m));
  hwFn(HARDIRQ, "void", "irq_enter", [], () => hw.irq_enter(cpu()));
  hwFn(HARDIRQ, "void", "irq_exit", [], () => hw.irq_exit(cpu()));
  hwFn(HARDIRQ, "int", "irq_count", [], () => hw.irq_count(cpu()));
  hwFn(HARDIRQ, "bool", "in_interrupt", [], () => hw.in_interrupt(cpu()));
  hwFn(HARDIRQ, "bool", "in_irq", [], () => hw.in_irq(cpu()));
  hwFn(HARDIRQ, "bool", "in_softirq", [], () => hw.in_softirq(cpu()));
  hwFn(HARDIRQ, "bool", "in_atomic", [], () => hw.in_atomic(cpu()));
  hwFn("include/linux/preempt.h", "int", "preempt_count", [], () => cpu().preempt_count);
  hwFn("include/linux/preempt.h", "void", "preempt_disable", [], () => hw.preempt_disable(cpu()));
  hwFn("include/linux/preempt.h", "void", "preempt_enable", [], () => hw.preempt_enable(cpu()));
  hwFn("include/linux/interrupt.h", "void", "local_bh_disable", [], () => hw.local_bh_disable(cpu()));
  hwFn("include/linux/interrupt.h", "void", "local_bh_enable", [], () => hw.local_bh_enable(cpu()));
  hwFn("include/asm-i386/processor.h", "void", "set_in_cr4", [["int", "mask"]], (a) =>
    hw.set_in_cr4(cpu(), n(a, 0)),
  );
  hwFn("include/asm-i386/processor.h", "void", "clear_in_cr4", [["int", "mask"]], (a) =>
    hw.clear_in_cr4(cpu(), n(a, 0)),
  );
  // write_cr3 is a process binding (process-bindings.ts): it needs the CPU's active_mm
  hwFn("include/asm-i386/processor.h", "phys", "read_cr3", [], () => hw.read_cr3(cpu()));

  // --- the TLB: include/asm-i386/tlbflush.h, arch/i386/kernel/smp.c
  hwFn(TLB, "void", "__flush_tlb", [], () => hw.__flush_tlb(cpu()));
  hwFn(TLB, "void", "__flush_tlb_global", [], () => hw.__flush_tlb_global(cpu()));
  hwFn(TLB, "void", "__flush_tlb_all", [], () => hw.__flush_tlb_all(cpu()));
  hwFn(TLB, "void", "__flush_tlb_one", [["addr", "addr"]], (a) => hw.__flush_tlb_one(cpu(), n(a, 0)));
  hwFn("arch/i386/kernel/smp.c", "void", "flush_tlb_all", [], () => hw.flush_tlb_all(m));
  hwFn(
    TLB,
    "void",
    "flush_tlb_kernel_range",
    [
      ["addr", "start"],
      ["addr", "end"],
    ],
    (a) => hw.flush_tlb_kernel_range(m, n(a, 0), n(a, 1)),
  );

  // --- the e820 map: arch/i386/kernel/setup.c (printk's the map again, as at boot)
  hwFn("arch/i386/kernel/setup.c", "void", "print_memory_map", [["str", "who"]], (a) => {
    for (const line of hw.print_memory_map(m.e820, String(a[0] ?? "BIOS-e820"))) m.printk(line);
  });

  // --- address arithmetic: include/asm-i386/page.h, include/linux/bootmem.h, fixmap.h, highmem.h
  hwFn(PAGE_H, "phys", "__pa", [["addr", "x"]], (a) => hw.__pa(n(a, 0)));
  hwFn(PAGE_H, "addr", "__va", [["phys", "x"]], (a) => hw.__va(n(a, 0)));
  hwFn(PAGE_H, "addr", "PAGE_ALIGN", [["addr", "addr"]], (a) => hw.PAGE_ALIGN(n(a, 0)));
  hwFn("include/linux/bootmem.h", "pfn", "PFN_UP", [["phys", "x"]], (a) => hw.PFN_UP(n(a, 0)));
  hwFn("include/linux/bootmem.h", "pfn", "PFN_DOWN", [["phys", "x"]], (a) => hw.PFN_DOWN(n(a, 0)));
  hwFn("include/linux/bootmem.h", "phys", "PFN_PHYS", [["pfn", "pfn"]], (a) => hw.PFN_PHYS(n(a, 0)));
  hwFn(PAGE_H, "addr", "pfn_to_kaddr", [["pfn", "pfn"]], (a) => hw.pfn_to_kaddr(n(a, 0)));
  hwFn("include/asm-i386/fixmap.h", "addr", "__fix_to_virt", [["int", "x"]], (a) =>
    hw.__fix_to_virt(n(a, 0)),
  );
  hwFn("include/asm-i386/fixmap.h", "int", "__virt_to_fix", [["addr", "x"]], (a) =>
    hw.__virt_to_fix(n(a, 0)),
  );
  hwFn("include/asm-i386/highmem.h", "addr", "PKMAP_ADDR", [["int", "nr"]], (a) =>
    hw.PKMAP_ADDR(m.pae, n(a, 0)),
  );
  hwFn("include/asm-i386/highmem.h", "int", "PKMAP_NR", [["addr", "virt"]], (a) =>
    hw.PKMAP_NR(m.pae, n(a, 0)),
  );

  // --- page-table entries as values: include/asm-i386/pgtable.h, pgtable-{2,3}level.h, page.h
  hwFn(PGTABLE, "int", "pgd_index", [["addr", "address"]], (a) => m.paging.pgd_index(n(a, 0)));
  hwFn("include/asm-i386/pgtable-3level.h", "int", "pmd_index", [["addr", "address"]], (a) =>
    m.paging.pmd_index(n(a, 0)),
  );
  hwFn(PGTABLE, "int", "pte_index", [["addr", "address"]], (a) => m.paging.pte_index(n(a, 0)));
  hwFn(
    PGTABLE,
    "entry",
    "mk_pte",
    [
      ["page", "page"],
      ["entry", "pgprot"],
    ],
    (a) => masked(hw.mk_pte(n(a, 0), n(a, 1))),
  );
  const pfnProt: [ParamType, string][] = [
    ["pfn", "pfn"],
    ["entry", "pgprot"],
  ];
  hwFn("include/asm-i386/pgtable-2level.h", "entry", "pfn_pte", pfnProt, (a) =>
    masked(hw.pfn_pte(n(a, 0), n(a, 1))),
  );
  hwFn("include/asm-i386/pgtable-2level.h", "entry", "pfn_pmd", pfnProt, (a) =>
    masked(hw.pfn_pmd(n(a, 0), n(a, 1))),
  );
  hwFn(
    PGTABLE,
    "entry",
    "pte_modify",
    [
      ["entry", "pte"],
      ["entry", "newprot"],
    ],
    (a) => masked(hw.pte_modify(n(a, 0), n(a, 1))),
  );
  hwFn("include/asm-i386/pgtable-2level.h", "pfn", "pte_pfn", [E], (a) => hw.pte_pfn(n(a, 0)));
  hwFn(PGTABLE, "int", "pte_flags", [E], (a) => hw.pte_flags(n(a, 0)));
  hwFn(PGTABLE, "phys", "pte_phys", [E], (a) => hw.pte_phys(n(a, 0)));
  const tests: [string, (e: number) => boolean][] = [
    ["pte_present", hw.pte_present],
    ["pte_none", hw.pte_none],
    ["pte_write", hw.pte_write],
    ["pte_dirty", hw.pte_dirty],
    ["pte_young", hw.pte_young],
    ["pte_user", hw.pte_user],
    ["pte_read", hw.pte_read],
    ["pte_exec", hw.pte_exec],
    ["pte_file", hw.pte_file],
    ["pte_nx", hw.pte_nx],
    ["pgd_none", hw.pgd_none],
    ["pgd_present", hw.pgd_present],
    ["pmd_none", hw.pmd_none],
    ["pmd_present", hw.pmd_present],
    ["pmd_large", hw.pmd_large],
    ["pmd_bad", hw.pmd_bad],
  ];
  for (const [name, f] of tests) hwFn(PGTABLE, "bool", name, [E], (a) => f(n(a, 0)));
  const makers: [string, (e: number) => number][] = [
    ["pte_mkwrite", hw.pte_mkwrite],
    ["pte_wrprotect", hw.pte_wrprotect],
    ["pte_mkdirty", hw.pte_mkdirty],
    ["pte_mkclean", hw.pte_mkclean],
    ["pte_mkyoung", hw.pte_mkyoung],
    ["pte_mkold", hw.pte_mkold],
  ];
  for (const [name, f] of makers) hwFn(PGTABLE, "entry", name, [E], (a) => f(n(a, 0)));
  // The typed wrappers of page.h: in the model a pte_t is its value, so these convert nothing.
  const wrappers: [string, (v: number) => number][] = [
    ["__pte", (v) => hw.__pte(v) as number],
    ["__pmd", (v) => hw.__pmd(v) as number],
    ["__pgd", (v) => hw.__pgd(v) as number],
    ["__pgprot", (v) => hw.__pgprot(v) as number],
    ["pte_val", (v) => hw.pte_val(hw.__pte(v))],
    ["pmd_val", (v) => hw.pmd_val(hw.__pmd(v))],
    ["pgd_val", (v) => hw.pgd_val(hw.__pgd(v))],
    ["pgprot_val", (v) => hw.pgprot_val(hw.__pgprot(v))],
  ];
  for (const [name, f] of wrappers) hwFn(PAGE_H, "entry", name, [["entry", "x"]], (a) => f(n(a, 0)));

  // --- the kernel page tables (init_mm / swapper_pg_dir)
  hwFn("arch/i386/mm/pageattr.c", "ptep", "lookup_address", [["addr", "address"]], (a) => {
    const r = hw.lookupPte(m, swapper(), n(a, 0));
    if (!r) return null;
    return (r.tablePa + r.idx * m.paging.ENTRY_SIZE + hw.PAGE_OFFSET) >>> 0;
  });
  hwFn(
    "include/asm-i386/pgtable-2level.h",
    "void",
    "set_pte",
    [
      ["addr", "ptep"],
      ["entry", "pte"],
    ],
    (a) => {
      const { tablePa, idx } = pteSlot(ctx, "set_pte", n(a, 0));
      m.paging.writeEntry(m.ram, tablePa, idx, n(a, 1));
    },
  );
  // The model's pgtable.ts takes the address instead of ptep (it finds the entry itself), with
  // init_mm's tables implied: set_pte_at(&init_mm, addr, ptep, pte) reads set_pte_at(addr, pte).
  hwFn(
    PGTABLE,
    "errno",
    "set_pte_at",
    [
      ["addr", "address"],
      ["entry", "pte"],
    ],
    (a) => hw.set_pte_at(m, swapper(), n(a, 0), n(a, 1)),
  );
  hwFn(PGTABLE, "entry", "pte_clear", [["addr", "address"]], (a) => hw.pte_clear(m, swapper(), n(a, 0)));
  hwFn(
    PGTABLE,
    "errno",
    "set_pmd",
    [
      ["addr", "address"],
      ["entry", "pmd"],
    ],
    (a) => hw.set_pmd(m, swapper(), n(a, 0), n(a, 1)),
  );
  hwFn(PGTABLE, "bool", "ptep_test_and_clear_young", [["addr", "address"]], (a) =>
    hw.ptep_test_and_clear_young(m, swapper(), n(a, 0)),
  );
  hwFn(PGTABLE, "void", "ptep_set_wrprotect", [["addr", "address"]], (a) =>
    hw.ptep_set_wrprotect(m, swapper(), n(a, 0)),
  );

  // --- page-alloc: read-only helpers of mm/page_alloc.c, mm/vmstat.c, include/linux/hash.h
  const paFn = forLayer("page-alloc");
  const Z: [ParamType, string] = ["zone", "zone"];
  const zoneArg = (a: readonly unknown[], call: string): Zone => {
    if (!a[0])
      throw new KernelBugError(
        call,
        0,
        "Unable to handle kernel NULL pointer dereference (struct zone * is NULL)",
      );
    return a[0] as Zone;
  };
  paFn(
    PA,
    "bool",
    "page_is_buddy",
    [
      ["page", "page"],
      ["int", "order"],
    ],
    (a) => pageAllocInternal.page_is_buddy(pa.mem_map, n(a, 0), n(a, 1)),
  );
  paFn(
    PA,
    "bool",
    "bad_range",
    [
      ["zone", "zone"],
      ["page", "page"],
    ],
    (a) => pageAllocInternal.bad_range(pa.mem_map, zoneArg(a, "bad_range"), n(a, 1)),
  );
  paFn("include/linux/mmzone.h", "bool", "is_highmem", [Z], (a) =>
    pageAlloc.is_highmem(zoneArg(a, "is_highmem")),
  );
  paFn(PA, "int", "zone_batchsize", [Z], (a) =>
    pageAllocInternal.zone_batchsize(zoneArg(a, "zone_batchsize").present_pages),
  );
  // unsigned long arguments wrap to 32 bits as on i386 (the helpers' loops assume it).
  const ul = (a: readonly unknown[], i: number): number => n(a, i) >>> 0;
  paFn(PA, "int", "wait_table_size", [["int", "pages"]], (a) => pageAllocInternal.wait_table_size(ul(a, 0)));
  paFn(
    "include/linux/mmzone.h",
    "int",
    "NODEZONE",
    [
      ["int", "nid"],
      ["int", "zone"],
    ],
    (a) => pageAlloc.NODEZONE(n(a, 0), n(a, 1)),
  );
  paFn(
    "include/linux/hash.h",
    "int",
    "hash_ptr",
    [
      ["addr", "ptr"],
      ["int", "bits"],
    ],
    (a) => pageAllocInternal.hash_ptr(ul(a, 0), n(a, 1)),
  );
  paFn("lib/int_sqrt.c", "int", "int_sqrt", [["int", "x"]], (a) => pageAllocInternal.int_sqrt(ul(a, 0)));
  paFn(PA, "int", "nr_free_zone_pages", [["int", "offset"]], (a) =>
    pageAllocInternal.nr_free_zone_pages(pa.node_data, n(a, 0)),
  );
  // __drain_pages(cpu): give CPU n's hot and cold lists back to the buddy lists.
  paFn(PA, "void", "drain_cpu_pages", [["int", "cpu"]], (a) => {
    const c = n(a, 0);
    if (!Number.isInteger(c) || c < 0 || c >= m.cpus.length)
      throw new KernelBugError("drain_cpu_pages", c, `no CPU ${c} (cpus 0..${m.cpus.length - 1})`);
    pageAllocInternal.drain_cpu_pages(pa.mem_map, pa.zones, c);
  });
  paFn(PA, "void", "setup_per_zone_pages_min", [], () =>
    pageAllocInternal.setup_per_zone_pages_min(pa.zones, pa.min_free_kbytes),
  );
  paFn(PA, "void", "setup_per_zone_lowmem_reserve", [], () =>
    pageAllocInternal.setup_per_zone_lowmem_reserve(pa.node_data, pa.sysctl_lowmem_reserve_ratio),
  );
  const zoneOrder: [ParamType, string][] = [Z, ["int", "order"]];
  paFn("mm/vmstat.c", "struct", "fill_contig_page_info", zoneOrder, (a) => ({
    ...pageAllocInternal.fill_contig_page_info(zoneArg(a, "fill_contig_page_info"), n(a, 1)),
  }));
  paFn("mm/vmstat.c", "int", "unusable_free_index", zoneOrder, (a) =>
    pageAllocInternal.unusable_free_index(zoneArg(a, "unusable_free_index"), n(a, 1)),
  );
  paFn("mm/vmstat.c", "int", "fragmentation_index", zoneOrder, (a) =>
    pageAllocInternal.fragmentation_index(zoneArg(a, "fragmentation_index"), n(a, 1)),
  );

  // --- slab: mm/slab.c macros and helpers
  const slFn = forLayer("slab");
  const cacheArg = (a: readonly unknown[], call: string): kmem_cache_t => {
    if (!a[0])
      throw new KernelBugError(
        call,
        0,
        "Unable to handle kernel NULL pointer dereference (kmem_cache_t * is NULL)",
      );
    return a[0] as kmem_cache_t;
  };
  // mm/slab.c's page->lru back-pointers (SET_PAGE_CACHE / SET_PAGE_SLAB), read, not written.
  slFn("mm/slab.c", "slab", "GET_PAGE_SLAB", [["page", "pg"]], (a) => getPageSlab(slab, n(a, 0)));
  slFn("mm/slab.c", "cache", "GET_PAGE_CACHE", [["page", "pg"]], (a) => {
    const id = pa.mem_map.lru_next[n(a, 0)] ?? 0;
    return id > 0 ? (slab.cacheById[id] ?? null) : null;
  });
  slFn("mm/slab.c", "bool", "OFF_SLAB", [["cache", "cachep"]], (a) =>
    slabInternal.OFF_SLAB(cacheArg(a, "OFF_SLAB")),
  );
  slFn(
    "include/linux/kernel.h",
    "int",
    "ALIGN",
    [
      ["int", "x"],
      ["int", "a"],
    ],
    (a) => slabInternal.ALIGN(n(a, 0), n(a, 1)),
  );
  slFn(
    "mm/slab.c",
    "struct",
    "cache_estimate",
    [
      ["int", "gfporder"],
      ["int", "size"],
      ["int", "align"],
      ["gfp", "flags"],
    ],
    (a) => {
      // kmem_cache_create only asks for orders 0..MAX_GFP_ORDER (5), positive sizes that fit and
      // power-of-two alignments; outside that the static function's loop would not end.
      const [order, size, align] = [n(a, 0), n(a, 1), n(a, 2)];
      if (!Number.isInteger(order) || order < 0 || order > 5)
        throw new KernelBugError(
          "cache_estimate",
          order,
          `gfporder ${order} is outside 0..MAX_GFP_ORDER (5)`,
        );
      if (!Number.isInteger(size) || size < 1 || size > hw.PAGE_SIZE * 2 ** order)
        throw new KernelBugError(
          "cache_estimate",
          size,
          `object size ${size} does not fit ${2 ** order} page(s)`,
        );
      if (!Number.isInteger(align) || align < 0 || align > hw.PAGE_SIZE || (align & (align - 1)) !== 0)
        throw new KernelBugError(
          "cache_estimate",
          align,
          `align ${align} is not a power of two up to PAGE_SIZE`,
        );
      return { ...slabInternal.cache_estimate(order, size, align, n(a, 3), hw.PAGE_SIZE) };
    },
  );
  return out;
}

/**
 * Exported functions with kernel-style names that a scenario cannot call, and why. Everything
 * else the layers export is callable (a layer method, a free binding above, or a constant).
 * camelCase exports are the model's own helpers, not kernel names, and are not listed.
 */
export const NOT_BOUND: Readonly<Record<string, string>> = {
  // hw-i386
  virt_read: "model accessor (reads bytes through the MMU); the language has no byte buffers",
  virt_write: "model accessor (writes bytes through the MMU); the language has no byte buffers",
  virt_read32: "model accessor, not a kernel function; use translate to see the MMU at work",
  virt_write32: "model accessor, not a kernel function; use translate to see the MMU at work",
  translate: "the `translate` statement (a page-table walk through the current CPU's TLB)",
  translate_raw: "the MMU's fast path behind the `translate` statement",
  peek: "a walk that touches no A/D bit or TLB; `translate` shows the walk",
  walk: "the per-level walk the `translate` statement prints",
  pte_val_raw: "display helper (the raw 64-bit PAE entry as a bigint); translate prints entries",
  pte_mask_supported: "model helper of the MMU (reserved-bit check), not a kernel function",
  // page-alloc
  virtual_kernel_memory_layout: "the boot log's block (i386mm boot prints it)",
  fixed3: "printf helper of the fragmentation views' index columns",
  zone_fragmentation: "one zone's block of cat /proc/fraginfo",
  external_fragmentation: "the external half of cat /proc/fraginfo",
  would_alloc: "the GFP_KERNEL line of cat /proc/fraginfo",
  // slab
  kmalloc_fragmentation: "the kmalloc table of cat /proc/fraginfo",
  cache_fragmentation: "one line of cat /proc/fraginfo's slab table",
  slab_fragmentation: "the slab table of cat /proc/fraginfo",
  vmalloc_fragmentation: "the vmalloc table of cat /proc/fraginfo",
};
