/*
 * tour.ts — the guided tour `i386mm` runs with no arguments: after the boot log, a scenario
 * that walks each layer the build has (hw-i386 paging and TLB, page-alloc's buddy system,
 * slab caches and kmalloc, vmalloc, kmap/kmap_atomic/fixmap, processes: exec in both layouts and
 * a copy-on-write fault) and ends with `check`.
 * The tour is an ordinary scenario in the language (so it doubles as its showcase); a section
 * appears only if the kernel binds the functions it uses, so the tour follows the build.
 */

import type { KernelApi } from "./kernel-api.js";

interface Section {
  readonly needs: readonly string[];
  /** Needs the front end's binaries (exec("/bin/...")). */
  readonly userland?: boolean;
  /** The section's statements; `highmem` says whether the machine has a ZONE_HIGHMEM. */
  readonly text: string | ((highmem: boolean) => string);
}

const SECTIONS: readonly Section[] = [
  {
    needs: [],
    text: `
echo
echo === 1. Paging: the kernel's direct map (hw-i386) ===
echo Lowmem is mapped 1:1 at PAGE_OFFSET by swapper_pg_dir. The first access walks the tables
echo and fills the TLB; the second is a TLB hit.
translate PAGE_OFFSET + 0x123456
translate PAGE_OFFSET + 0x123456`,
  },
  {
    needs: ["alloc_pages", "__free_pages", "page_address"],
    text: (highmem) => `
echo
echo === 2. The buddy allocator (page-alloc) ===
echo Free blocks per order (2^order pages) in each zone, before:
cat /proc/buddyinfo
p = alloc_pages(GFP_KERNEL, 3)
echo An order-3 block (8 pages) from ZONE_NORMAL; its direct-map address:
page_address(p)
h = alloc_pages(GFP_HIGHUSER, 0)
${
  highmem
    ? "echo A highmem page has no kernel address until it is kmapped: page_address(h) is NULL."
    : "echo This machine has no high memory: GFP_HIGHUSER falls back to ZONE_NORMAL, so h has a\necho direct-map address like any lowmem page."
}
page_address(h)
echo After the allocation:
cat /proc/buddyinfo
__free_pages(p, 3)
echo Freed: the block merges back with its buddies.`,
  },
  {
    needs: ["kmem_cache_create", "kmem_cache_alloc", "kmalloc", "ksize", "kfree"],
    text: `
echo
echo === 3. The slab allocator ===
c = kmem_cache_create("tour_cache", 100, 0, SLAB_HWCACHE_ALIGN, NULL)
o = kmem_cache_alloc(c, GFP_KERNEL)
echo kmalloc rounds up to a general cache: kmalloc(200) comes from size-256.
x = kmalloc(200, GFP_KERNEL)
ksize(x)
kfree(x)
kmem_cache_free(c, o)`,
  },
  {
    needs: ["vmalloc", "vfree"],
    text: `
echo
echo === 4. vmalloc: virtually contiguous, physically scattered ===
v = vmalloc(65536)
cat /proc/vmallocinfo
echo Each area is followed by an unmapped guard page:
translate v + 65536
vfree(v)`,
  },
  {
    needs: ["kmap", "kunmap", "kmap_atomic", "kunmap_atomic", "fix_to_virt"],
    text: (highmem) => `
echo
echo === 5. High memory: kmap, kmap_atomic and fixmaps ===
${
  highmem
    ? "echo kmap borrows a pkmap slot; while it is held, page_address(h) finds it."
    : "echo Without high memory kmap and kmap_atomic just return page_address(h): no slot is taken."
}
k = kmap(h)
page_address(h)
kunmap(h)
t = kmap_atomic(h, KM_USER0)
echo ${highmem ? "KM_USER0 on CPU 0 is" : "A highmem page would get"} fixmap slot FIX_KMAP_BEGIN + KM_USER0:
fix_to_virt(FIX_KMAP_BEGIN + KM_USER0)
kunmap_atomic(t, KM_USER0)
__free_pages(h, 0)`,
  },
  {
    needs: ["exec", "mmap", "touch", "fork", "exit"],
    userland: true,
    text: `
echo
echo === 6. Processes: exec in both layouts, demand paging, copy-on-write (vma) ===
echo The shipped memorylayout binary, exec'd twice: text, data and stack are where the ELF file
echo and the stack put them in both; mmap places regions top-down below the stack (flexible)
echo or bottom-up from 0x40000000 (classic).
f = exec("/bin/memorylayout-static", layout=flexible)
c = exec("/bin/memorylayout-static", layout=classic)
a = mmap(f, 0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
b = mmap(c, 0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
cat /proc/$f/maps
echo The first write faults a zeroed page in; after fork the child's write copies it.
touch(f, a, "w")
k = fork(f)
touch(k, a, "w")
exit(k)
exit(c)
exit(f)`,
  },
  {
    needs: [],
    text: `
echo
echo === Every layer's invariants ===
check
echo
echo More: i386mm help run; the lab sheets in apps/demo/scenarios/.`,
  },
];

/** The tour scenario for the layers this kernel has. */
export function tourScript(k: KernelApi): string {
  const highmem = (k.constants.get("highstart_pfn") ?? 0) < (k.constants.get("max_pfn") ?? 0);
  return SECTIONS.filter((s) => s.needs.every((n) => k.bindings.has(n)) && (!s.userland || k.userland))
    .map((s) => (typeof s.text === "string" ? s.text : s.text(highmem)).replace(/^\n/, ""))
    .join("\n");
}
