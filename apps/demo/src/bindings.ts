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
export type ReturnType = NumKind | "void" | "cache" | "zone" | "vm_struct" | "slab" | "struct";

/** One kernel function's C signature and where the kernel defines it. */
export interface Signature {
  readonly name: string;
  readonly ret: ReturnType;
  readonly params: readonly (readonly [ParamType, string])[];
  /** Kernel source file. */
  readonly file: string;
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
  sig("addr", "kmem_getpages", SLAB, ["cache", "cachep"], ["gfp", "flags"]),
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
];

/** Signatures by name. */
export const SIGNATURE_BY_NAME: ReadonlyMap<string, Signature> = new Map(SIGNATURES.map((s) => [s.name, s]));

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

/** A signature as a C prototype: `void *kmap_atomic(struct page *page, int type)`. */
export function prototype(s: Signature): string {
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
