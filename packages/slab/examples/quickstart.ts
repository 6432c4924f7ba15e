import { Machine, PAGE_OFFSET } from "@i386mm/hw-i386";
import { GFP_KERNEL, PageAllocator } from "@i386mm/page-alloc";
import { checkSlabInvariants, SLAB_HWCACHE_ALIGN, SlabAllocator } from "../src/index.js";

export function quickstart() {
  const machine = new Machine({ memBytes: 64 << 20, cpus: 2 });
  const pa = new PageAllocator(machine);
  const slab = new SlabAllocator(pa); // kmem_cache_init: cache_cache, size-32 ... size-131072(DMA)

  const p = slab.kmalloc(100, GFP_KERNEL)!; // an object of size-128, a lowmem address
  machine.ram.write32(p - PAGE_OFFSET, 42); // its bytes live in simulated RAM
  const size = slab.ksize(p); // 128
  slab.kfree(p); // back on this CPU's array_cache

  const cache = slab.kmem_cache_create("my_inode", 300, 0, SLAB_HWCACHE_ALIGN, null)!;
  const obj = slab.kmem_cache_alloc(cache, GFP_KERNEL)!;
  slab.kmem_cache_free(cache, obj);

  const v = slab.vmalloc(64 * 1024)!; // 16 pages mapped at VMALLOC_START, plus a guard page
  const info = slab.vmallocinfo(); // "0xc4800000-0xc4811000   69632 pages=16 vmalloc\n"
  slab.vfree(v); // ptes cleared, every CPU's TLB flushed, pages freed

  checkSlabInvariants(slab); // throws InvariantError if anything is inconsistent
  return { size, line: slab.slabinfo().split("\n")[2], info };
}
