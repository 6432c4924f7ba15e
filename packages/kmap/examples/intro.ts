import { Machine } from "@i386mm/hw-i386";
import { GFP_HIGHUSER, PageAllocator } from "@i386mm/page-alloc";
import { KM_USER0, Kmap } from "../src/index.js";

const pa = new PageAllocator(new Machine({ memBytes: 1 << 30 })); // 128 MiB of it is high memory
const km = new Kmap(pa); // permanent_kmaps_init + kmap_init
const page = pa.alloc_page(GFP_HIGHUSER)!; // a frame above 896 MiB: no kernel address yet
const va = km.kmap(page); // a pkmap slot: may sleep when the pool is full
const tmp = km.kmap_atomic(page, KM_USER0); // this CPU's fixmap slot: never sleeps
console.log(va.toString(16), tmp.toString(16), pa.page_address(page) === va);
km.kunmap_atomic(tmp, KM_USER0);
km.kunmap(page);
