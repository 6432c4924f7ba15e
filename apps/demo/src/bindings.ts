/*
 * bindings.ts — the kernel functions a scenario can call, with their C signatures.
 * Each entry is the prototype of a public kernel function of the layers below (mm/page_alloc.c,
 * mm/slab.c, mm/vmalloc.c, mm/highmem.c, include/asm-i386/fixmap.h ...): parameter types decide how
 * arguments are checked, the return type how the result prints (a struct page * as a page, an
 * unsigned long from __get_free_pages as an address, an int as 0/-errno).
 * bootKernel binds each name to the method of the layer that implements it; a name no layer
 * implements is simply absent. Public methods with kernel names that are not listed here are bound
 * too, with untyped arguments, so "every public kernel function" stays reachable as layers grow.
 */

import type { NumKind } from "./values.js";

/** A parameter's C type, as the argument checker understands it. */
export type ParamType =
  | "int" // any integer
  | "gfp" // gfp_t / unsigned int flags
  | "addr" // void * / unsigned long kernel virtual address (0 or NULL allowed where C allows)
  | "phys" // unsigned long physical address
  | "pfn"
  | "page" // struct page * (NULL passes as null)
  | "cache" // kmem_cache_t *
  | "zone" // struct zone *
  | "str" // const char *
  | "fn" // a constructor / destructor pointer: only NULL in a scenario
  | "pages" // struct page ** (an array variable)
  | "entry"; // pte_t / pgprot_t

/** A return type: a numeric kind, NULL-able struct page / pointer kinds, an object, or void. */
export type ReturnType = NumKind | "void" | "cache" | "zone" | "pgdat" | "vm_struct" | "slab" | "struct";

/** One kernel function's C signature and where the kernel defines it. */
export interface Signature {
  readonly name: string;
  readonly ret: ReturnType;
  readonly params: readonly (readonly [ParamType, string])[];
  /** Kernel source file. */
  readonly file: string;
  /**
   * The later kernels' shorter form the seed notes use (kmap_atomic(page), kunmap_atomic(addr),
   * kmem_freepages(cachep, page)): accepted next to 2.6.11's, its arguments mapped onto the
   * 2.6.11 call by `adapt` (a missing argument stays missing: the layer then takes the later path).
   */
  readonly later?: LaterForm;
}

/** A later kernel's form of a function, accepted next to 2.6.11's. */
export interface LaterForm {
  readonly params: readonly (readonly [ParamType, string])[];
  /** Its C prototype, for `help NAME`. */
  readonly proto: string;
  /** What it is and how it differs, for `help NAME`. */
  readonly note: string;
  /** Map converted arguments of this form onto the 2.6.11 call's (default: as they are). */
  readonly adapt?: (args: readonly unknown[]) => unknown[];
}

const sig = (ret: ReturnType, name: string, file: string, ...params: [ParamType, string][]): Signature => ({
  name,
  ret,
  params,
  file,
});

const PA = "mm/page_alloc.c";
const MM = "include/linux/mm.h";
const SLAB = "mm/slab.c";
const VM = "mm/vmalloc.c";
const HM = "mm/highmem.c";
const AHM = "arch/i386/mm/highmem.c";
const FIX = "include/asm-i386/fixmap.h";

/** Every kernel function the scenario language knows by its prototype. */
export const SIGNATURES: readonly Signature[] = [
  // mm/page_alloc.c and include/linux/gfp.h
  sig("page", "alloc_pages", "include/linux/gfp.h", ["gfp", "gfp_mask"], ["int", "order"]),
  sig("page", "alloc_page", "include/linux/gfp.h", ["gfp", "gfp_mask"]),
  sig(
    "page",
    "alloc_pages_node",
    "include/linux/gfp.h",
    ["int", "nid"],
    ["gfp", "gfp_mask"],
    ["int", "order"],
  ),
  sig("pgdat", "NODE_DATA", "include/linux/mmzone.h", ["int", "nid"]),
  sig("addr", "__get_free_pages", PA, ["gfp", "gfp_mask"], ["int", "order"]),
  sig("addr", "__get_free_page", "include/linux/gfp.h", ["gfp", "gfp_mask"]),
  sig("addr", "get_zeroed_page", PA, ["gfp", "gfp_mask"]),
  sig("addr", "__get_dma_pages", "include/linux/gfp.h", ["gfp", "gfp_mask"], ["int", "order"]),
  sig("void", "__free_pages", PA, ["page", "page"], ["int", "order"]),
  sig("void", "free_pages", PA, ["addr", "addr"], ["int", "order"]),
  sig("void", "__free_page", "include/linux/gfp.h", ["page", "page"]),
  sig("void", "free_page", "include/linux/gfp.h", ["addr", "addr"]),
  sig("addr", "page_address", HM, ["page", "page"]),
  sig("void", "set_page_address", HM, ["page", "page"], ["addr", "virtual"]),
  sig("page", "pfn_to_page", MM, ["pfn", "pfn"]),
  sig("pfn", "page_to_pfn", MM, ["page", "page"]),
  sig("page", "virt_to_page", "include/asm-i386/page.h", ["addr", "kaddr"]),
  sig("bool", "pfn_valid", "include/asm-i386/page.h", ["pfn", "pfn"]),
  sig("bool", "virt_addr_valid", "include/asm-i386/page.h", ["addr", "kaddr"]),
  sig("zone", "page_zone", MM, ["page", "page"]),
  sig("bool", "PageHighMem", "include/linux/page-flags.h", ["page", "page"]),
  sig("bool", "PageReserved", "include/linux/page-flags.h", ["page", "page"]),
  sig("bool", "PageSlab", "include/linux/page-flags.h", ["page", "page"]),
  sig("void", "SetPageSlab", "include/linux/page-flags.h", ["page", "page"]),
  sig("void", "ClearPageSlab", "include/linux/page-flags.h", ["page", "page"]),
  sig("int", "page_count", MM, ["page", "page"]),
  sig("void", "get_page", MM, ["page", "page"]),
  sig("void", "put_page", "mm/swap.c", ["page", "page"]),
  sig("int", "nr_free_pages", PA),
  sig(
    "bool",
    "zone_watermark_ok",
    PA,
    ["zone", "z"],
    ["int", "order"],
    ["int", "mark"],
    ["int", "classzone_idx"],
    ["int", "can_try_harder"],
    ["int", "gfp_high"],
  ),
  sig("void", "SetPageReserved", "include/linux/page-flags.h", ["page", "page"]),
  sig("void", "ClearPageReserved", "include/linux/page-flags.h", ["page", "page"]),
  sig("bool", "PageCompound", "include/linux/page-flags.h", ["page", "page"]),
  sig("void", "set_page_count", MM, ["page", "page"], ["int", "v"]),
  sig("int", "page_mapcount", MM, ["page", "page"]),
  sig("addr", "page_descriptor_address", MM, ["page", "page"]),
  sig("int", "nr_free_highpages", PA),
  sig("int", "nr_free_buffer_pages", PA),
  sig("int", "nr_free_pagecache_pages", PA),
  sig("void", "init_per_zone_pages_min", PA),
  sig("void", "set_min_free_kbytes", "mm/page_alloc.c (min_free_kbytes_sysctl_handler)", ["int", "kbytes"]),
  sig("void", "wakeup_kswapd", "mm/vmscan.c", ["zone", "zone"], ["int", "order"]),
  sig("void", "free_hot_page", PA, ["page", "page"]),
  sig("void", "free_cold_page", PA, ["page", "page"]),
  sig("void", "drain_local_pages", PA),
  sig("void", "printk", "kernel/printk.c", ["str", "fmt"]),
  // mm/slab.c
  sig("cache", "kmem_find_general_cachep", SLAB, ["int", "size"], ["gfp", "gfpflags"]),
  sig(
    "errno",
    "do_tune_cpucache",
    SLAB,
    ["cache", "cachep"],
    ["int", "limit"],
    ["int", "batchcount"],
    ["int", "shared"],
  ),
  sig("void", "enable_cpucache", SLAB, ["cache", "cachep"]),
  sig("addr", "kmem_getpages", SLAB, ["cache", "cachep"], ["gfp", "flags"], ["int", "nodeid"]),
  sig("void", "kmem_freepages", SLAB, ["cache", "cachep"], ["addr", "addr"]),
  sig("int", "num_online_cpus", "include/linux/cpumask.h"),
  sig("errno", "slabinfo_write", SLAB, ["str", "buffer"]),
  sig("addr", "ioremap", "arch/i386/mm/ioremap.c", ["phys", "offset"], ["int", "size"]),
  sig(
    "addr",
    "__ioremap",
    "arch/i386/mm/ioremap.c",
    ["phys", "phys_addr"],
    ["int", "size"],
    ["int", "flags"],
  ),
  sig("void", "iounmap", "arch/i386/mm/ioremap.c", ["addr", "addr"]),
  sig(
    "cache",
    "kmem_cache_create",
    SLAB,
    ["str", "name"],
    ["int", "size"],
    ["int", "align"],
    ["gfp", "flags"],
    ["fn", "ctor"],
    ["fn", "dtor"],
  ),
  sig("addr", "kmem_cache_alloc", SLAB, ["cache", "cachep"], ["gfp", "flags"]),
  sig("void", "kmem_cache_free", SLAB, ["cache", "cachep"], ["addr", "objp"]),
  sig("int", "kmem_cache_destroy", SLAB, ["cache", "cachep"]),
  sig("int", "kmem_cache_shrink", SLAB, ["cache", "cachep"]),
  sig("int", "kmem_cache_size", SLAB, ["cache", "cachep"]),
  sig("addr", "kmalloc", "include/linux/slab.h", ["int", "size"], ["gfp", "flags"]),
  sig("addr", "__kmalloc", SLAB, ["int", "size"], ["gfp", "flags"]),
  sig("addr", "kcalloc", SLAB, ["int", "n"], ["int", "size"], ["gfp", "flags"]),
  sig("void", "kfree", SLAB, ["addr", "objp"]),
  sig("int", "ksize", SLAB, ["addr", "objp"]),
  sig("void", "cache_reap", SLAB),
  // mm/vmalloc.c
  sig("addr", "vmalloc", VM, ["int", "size"]),
  sig("addr", "vmalloc_32", VM, ["int", "size"]),
  sig("addr", "vmalloc_exec", VM, ["int", "size"]),
  sig("addr", "__vmalloc", VM, ["int", "size"], ["gfp", "gfp_mask"], ["entry", "prot"]),
  sig("void", "vfree", VM, ["addr", "addr"]),
  sig("addr", "vmap", VM, ["pages", "pages"], ["int", "count"], ["int", "flags"], ["entry", "prot"]),
  sig("void", "vunmap", VM, ["addr", "addr"]),
  sig("page", "vmalloc_to_page", "mm/memory.c", ["addr", "vmalloc_addr"]),
  sig("vm_struct", "get_vm_area", VM, ["int", "size"], ["int", "flags"]),
  sig("vm_struct", "remove_vm_area", VM, ["addr", "addr"]),
  // mm/highmem.c, arch/i386/mm/highmem.c
  sig("addr", "kmap", AHM, ["page", "page"]),
  sig("void", "kunmap", AHM, ["page", "page"]),
  sig("addr", "kmap_high", HM, ["page", "page"]),
  sig("void", "kunmap_high", HM, ["page", "page"]),
  sig("addr", "kmap_atomic", AHM, ["page", "page"], ["int", "type"]),
  sig("void", "kunmap_atomic", AHM, ["addr", "kvaddr"], ["int", "type"]),
  sig("page", "kmap_atomic_to_page", AHM, ["addr", "ptr"]),
  sig("void", "flush_all_zero_pkmaps", HM),
  // include/asm-i386/fixmap.h, arch/i386/mm/pgtable.c
  sig("addr", "fix_to_virt", FIX, ["int", "idx"]),
  sig("int", "virt_to_fix", FIX, ["addr", "vaddr"]),
  sig("void", "set_fixmap", FIX, ["int", "idx"], ["phys", "phys"]),
  sig("void", "set_fixmap_nocache", FIX, ["int", "idx"], ["phys", "phys"]),
  sig("void", "clear_fixmap", FIX, ["int", "idx"]),
  sig("void", "__set_fixmap", "arch/i386/mm/pgtable.c", ["int", "idx"], ["phys", "phys"], ["entry", "flags"]),
];

/**
 * The later forms the seed notes use. kmap_atomic/kunmap_atomic: 2.6.37 made the km_type argument
 * unused and took the slot from a per-CPU stack (kmap_atomic_idx_push/pop), and later kernels
 * dropped the argument; slots must then be released in LIFO order. kmem_freepages: later kernels
 * pass the struct page instead of its address (slab pages are lowmem: address = __va(pfn << 12)).
 */
const LATER: Readonly<Record<string, LaterForm>> = {
  kmap_atomic: {
    params: [["page", "page"]],
    proto: "void *kmap_atomic(struct page *page)",
    note: "later kernels' form (the seed's): the slot is the next one of this CPU's stack; release in LIFO order",
  },
  kunmap_atomic: {
    params: [["addr", "addr"]],
    proto: "void kunmap_atomic(void *addr)",
    note: "later kernels' form (the seed's): releases the top slot of this CPU's stack, which must be addr's",
  },
  kmem_freepages: {
    params: [
      ["cache", "cachep"],
      ["page", "page"],
    ],
    proto: "void kmem_freepages(struct kmem_cache *cachep, struct page *page)",
    note: "later kernels' form (the seed's): the slab's first struct page instead of its address",
    adapt: (a) => [a[0], a[1] === null ? null : (0xc0000000 + Number(a[1]) * 4096) >>> 0],
  },
};

/** Signatures by name (with the later forms attached). */
export const SIGNATURE_BY_NAME: ReadonlyMap<string, Signature> = new Map(
  SIGNATURES.map((s) => [s.name, LATER[s.name] ? { ...s, later: LATER[s.name] } : s]),
);

/**
 * 2.6.11's own prototypes, as its headers and sources declare them (the types `help NAME`
 * prints and argument conversion follows). A function the kernel defines as a macro is shown
 * with the types its expansion gives and listed in MACROS.
 */
export const PROTOTYPES_2611: Readonly<Record<string, string>> = {
  alloc_pages: "struct page *alloc_pages(unsigned int gfp_mask, unsigned int order)",
  alloc_page: "struct page *alloc_page(unsigned int gfp_mask)",
  alloc_pages_node: "struct page *alloc_pages_node(int nid, unsigned int gfp_mask, unsigned int order)",
  __get_free_pages: "unsigned long __get_free_pages(unsigned int gfp_mask, unsigned int order)",
  __get_free_page: "unsigned long __get_free_page(unsigned int gfp_mask)",
  get_zeroed_page: "unsigned long get_zeroed_page(unsigned int gfp_mask)",
  __get_dma_pages: "unsigned long __get_dma_pages(unsigned int gfp_mask, unsigned int order)",
  __free_pages: "void __free_pages(struct page *page, unsigned int order)",
  free_pages: "void free_pages(unsigned long addr, unsigned int order)",
  __free_page: "void __free_page(struct page *page)",
  free_page: "void free_page(unsigned long addr)",
  page_address: "void *page_address(struct page *page)",
  set_page_address: "void set_page_address(struct page *page, void *virtual)",
  pfn_to_page: "struct page *pfn_to_page(unsigned long pfn)",
  page_to_pfn: "unsigned long page_to_pfn(struct page *page)",
  virt_to_page: "struct page *virt_to_page(void *kaddr)",
  pfn_valid: "int pfn_valid(unsigned long pfn)",
  virt_addr_valid: "int virt_addr_valid(void *kaddr)",
  page_zone: "struct zone *page_zone(struct page *page)",
  PageHighMem: "int PageHighMem(struct page *page)",
  PageReserved: "int PageReserved(struct page *page)",
  PageSlab: "int PageSlab(struct page *page)",
  PageCompound: "int PageCompound(struct page *page)",
  SetPageSlab: "void SetPageSlab(struct page *page)",
  ClearPageSlab: "void ClearPageSlab(struct page *page)",
  SetPageReserved: "void SetPageReserved(struct page *page)",
  ClearPageReserved: "void ClearPageReserved(struct page *page)",
  page_count: "int page_count(struct page *p)",
  set_page_count: "void set_page_count(struct page *p, int v)",
  page_mapcount: "int page_mapcount(struct page *page)",
  get_page: "void get_page(struct page *page)",
  put_page: "void put_page(struct page *page)",
  nr_free_pages: "unsigned int nr_free_pages(void)",
  nr_free_highpages: "unsigned int nr_free_highpages(void)",
  nr_free_buffer_pages: "unsigned int nr_free_buffer_pages(void)",
  nr_free_pagecache_pages: "unsigned int nr_free_pagecache_pages(void)",
  zone_watermark_ok:
    "int zone_watermark_ok(struct zone *z, int order, unsigned long mark, int classzone_idx, int can_try_harder, int gfp_high)",
  wakeup_kswapd: "void wakeup_kswapd(struct zone *zone, int order)",
  free_hot_page: "void free_hot_page(struct page *page)",
  free_cold_page: "void free_cold_page(struct page *page)",
  drain_local_pages: "void drain_local_pages(void)",
  printk: "int printk(const char *fmt, ...)",
  NODE_DATA: "pg_data_t *NODE_DATA(int nid)",
  kmem_find_general_cachep: "kmem_cache_t *kmem_find_general_cachep(size_t size, int gfpflags)",
  do_tune_cpucache: "int do_tune_cpucache(kmem_cache_t *cachep, int limit, int batchcount, int shared)",
  enable_cpucache: "void enable_cpucache(kmem_cache_t *cachep)",
  kmem_getpages: "void *kmem_getpages(kmem_cache_t *cachep, int flags, int nodeid)",
  kmem_freepages: "void kmem_freepages(kmem_cache_t *cachep, void *addr)",
  num_online_cpus: "int num_online_cpus(void)",
  ioremap: "void __iomem *ioremap(unsigned long offset, unsigned long size)",
  __ioremap: "void __iomem *__ioremap(unsigned long phys_addr, unsigned long size, unsigned long flags)",
  iounmap: "void iounmap(volatile void __iomem *addr)",
  kmem_cache_create:
    "kmem_cache_t *kmem_cache_create(const char *name, size_t size, size_t align, unsigned long flags, void (*ctor)(void *, kmem_cache_t *, unsigned long), void (*dtor)(void *, kmem_cache_t *, unsigned long))",
  kmem_cache_alloc: "void *kmem_cache_alloc(kmem_cache_t *cachep, int flags)",
  kmem_cache_free: "void kmem_cache_free(kmem_cache_t *cachep, void *objp)",
  kmem_cache_destroy: "int kmem_cache_destroy(kmem_cache_t *cachep)",
  kmem_cache_shrink: "int kmem_cache_shrink(kmem_cache_t *cachep)",
  kmem_cache_size: "unsigned int kmem_cache_size(kmem_cache_t *cachep)",
  kmalloc: "void *kmalloc(size_t size, int flags)",
  __kmalloc: "void *__kmalloc(size_t size, int flags)",
  kcalloc: "void *kcalloc(size_t n, size_t size, int flags)",
  kfree: "void kfree(const void *objp)",
  ksize: "unsigned int ksize(const void *objp)",
  vmalloc: "void *vmalloc(unsigned long size)",
  vmalloc_32: "void *vmalloc_32(unsigned long size)",
  vmalloc_exec: "void *vmalloc_exec(unsigned long size)",
  __vmalloc: "void *__vmalloc(unsigned long size, int gfp_mask, pgprot_t prot)",
  vfree: "void vfree(void *addr)",
  vmap: "void *vmap(struct page **pages, unsigned int count, unsigned long flags, pgprot_t prot)",
  vunmap: "void vunmap(void *addr)",
  vmalloc_to_page: "struct page *vmalloc_to_page(void *vmalloc_addr)",
  get_vm_area: "struct vm_struct *get_vm_area(unsigned long size, unsigned long flags)",
  remove_vm_area: "struct vm_struct *remove_vm_area(void *addr)",
  kmap: "void *kmap(struct page *page)",
  kunmap: "void kunmap(struct page *page)",
  kmap_high: "void *kmap_high(struct page *page)",
  kunmap_high: "void kunmap_high(struct page *page)",
  kmap_atomic: "void *kmap_atomic(struct page *page, enum km_type type)",
  kunmap_atomic: "void kunmap_atomic(void *kvaddr, enum km_type type)",
  kmap_atomic_to_page: "struct page *kmap_atomic_to_page(void *ptr)",
  flush_all_zero_pkmaps: "void flush_all_zero_pkmaps(void)",
  fix_to_virt: "unsigned long fix_to_virt(const unsigned int idx)",
  virt_to_fix: "unsigned long virt_to_fix(const unsigned long vaddr)",
  __set_fixmap: "void __set_fixmap(enum fixed_addresses idx, unsigned long phys, pgprot_t flags)",
  set_fixmap: "void set_fixmap(enum fixed_addresses idx, unsigned long phys)",
  set_fixmap_nocache: "void set_fixmap_nocache(enum fixed_addresses idx, unsigned long phys)",
  clear_fixmap: "void clear_fixmap(enum fixed_addresses idx)",
};

/** Names in PROTOTYPES_2611 that 2.6.11 defines as macros (or inline wrappers of a macro). */
export const MACROS: ReadonlySet<string> = new Set([
  "alloc_pages",
  "alloc_page",
  "__get_free_page",
  "__get_dma_pages",
  "__free_page",
  "free_page",
  "pfn_to_page",
  "page_to_pfn",
  "virt_to_page",
  "pfn_valid",
  "virt_addr_valid",
  "PageHighMem",
  "PageReserved",
  "PageSlab",
  "PageCompound",
  "SetPageSlab",
  "ClearPageSlab",
  "SetPageReserved",
  "ClearPageReserved",
  "set_page_count",
  "num_online_cpus",
  "NODE_DATA",
  "set_fixmap",
  "set_fixmap_nocache",
  "clear_fixmap",
]);

/**
 * Kernel files of functions that report errors but are not called by name from a scenario
 * (static steps and helpers), so a BUG is blamed on the file that holds them.
 */
export const INTERNAL_FILES: Readonly<Record<string, string>> = {
  prep_zero_page: "mm/page_alloc.c",
  destroy_compound_page: "mm/page_alloc.c",
  __free_pages_ok: "mm/page_alloc.c",
  free_pages_check: "mm/page_alloc.c",
  bad_page: "mm/page_alloc.c",
  min_free_kbytes_sysctl_handler: "mm/page_alloc.c",
  lowmem_reserve_ratio_sysctl_handler: "mm/page_alloc.c",
  __alloc_bootmem_core: "mm/bootmem.c",
  free_all_bootmem: "mm/bootmem.c",
  free_bootmem: "mm/bootmem.c",
  reserve_bootmem: "mm/bootmem.c",
  __set_fixmap: "arch/i386/mm/pgtable.c",
  set_pte_pfn: "arch/i386/mm/pgtable.c",
  cache_grow: "mm/slab.c",
  cpuup_callback: "mm/slab.c",
  free_block: "mm/slab.c",
  kmem_cache_init: "mm/slab.c",
  do_page_fault: "arch/i386/mm/fault.c",
  map_new_virtual: "mm/highmem.c",
  kmap_init: "arch/i386/mm/init.c",
  permanent_kmaps_init: "arch/i386/mm/init.c",
  pte_alloc: "mm/memory.c",
  write_cr4: "include/asm-i386/system.h",
  out_of_memory: "mm/oom_kill.c",
};

/** The C type of each parameter of a prototype ("size_t", "void *", "pgprot_t", ...). */
export function cParamTypes(proto: string): string[] {
  const open = proto.indexOf("(");
  const inner = proto.slice(open + 1, proto.lastIndexOf(")"));
  if (inner.trim() === "void" || inner.trim() === "") return [];
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of inner) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  parts.push(cur.trim());
  // Drop the parameter name: the trailing identifier (a function pointer keeps its whole text).
  return parts.map((p) => (p.includes("(*") ? p : p.replace(/\s*\b[A-Za-z_][A-Za-z0-9_]*$/, "").trim()));
}

/**
 * Is `name` spelled like a kernel function (snake_case with optional leading underscores, or the
 * page-flag helpers PageX/SetPageX/ClearPageX)? Used to pick up public methods the table lacks.
 */
export function isKernelName(name: string): boolean {
  return /^_*[a-z][a-z0-9_]*$/.test(name) || /^_*(Test)?(Set|Clear)?Page[A-Z][A-Za-z]*$/.test(name);
}

const C_RET: Readonly<Record<ReturnType, string>> = {
  int: "int",
  bool: "int",
  errno: "int",
  addr: "void *",
  phys: "unsigned long",
  pfn: "unsigned long",
  page: "struct page *",
  entry: "pte_t",
  ptep: "pte_t *",
  void: "void",
  cache: "kmem_cache_t *",
  zone: "struct zone *",
  pgdat: "pg_data_t *",
  vm_struct: "struct vm_struct *",
  slab: "struct slab *",
  struct: "struct",
};

const C_PARAM: Readonly<Record<ParamType, string>> = {
  int: "int",
  gfp: "unsigned int",
  addr: "void *",
  phys: "unsigned long",
  pfn: "unsigned long",
  page: "struct page *",
  cache: "kmem_cache_t *",
  zone: "struct zone *",
  str: "const char *",
  fn: "void (*)(void *, kmem_cache_t *, unsigned long)", // printed with the name inside
  pages: "struct page **",
  entry: "pte_t",
};

/**
 * A signature as a C prototype: 2.6.11's own text where PROTOTYPES_2611 has it
 * (`void *kmap_atomic(struct page *page, enum km_type type)`), else built from the parameter types.
 */
export function prototype(s: Signature): string {
  const own = PROTOTYPES_2611[s.name];
  if (own) return own;
  const ret = C_RET[s.ret];
  const params = s.params.length
    ? s.params
        .map(([t, n]) =>
          t === "fn"
            ? `void (*${n})(void *, kmem_cache_t *, unsigned long)`
            : `${C_PARAM[t]}${C_PARAM[t].endsWith("*") ? "" : " "}${n}`,
        )
        .join(", ")
    : "void";
  return `${ret}${ret.endsWith("*") ? "" : " "}${s.name}(${params})`;
}
