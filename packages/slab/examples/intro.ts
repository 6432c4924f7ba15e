import { Machine } from "@i386mm/hw-i386";
import { GFP_KERNEL, PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "../src/index.js";

const slab = new SlabAllocator(new PageAllocator(new Machine({ memBytes: 64 << 20 }))); // kmem_cache_init
const obj = slab.kmalloc(100, GFP_KERNEL)!; // an object of the size-128 general cache
console.log(obj.toString(16), slab.ksize(obj));
slab.kfree(obj);
