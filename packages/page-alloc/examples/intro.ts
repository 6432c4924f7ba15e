import { Machine } from "@i386mm/hw-i386";
import { GFP_KERNEL, PageAllocator } from "../src/index.js";

const pa = new PageAllocator(new Machine({ memBytes: 1 << 30 })); // boots 2.6.11: e820, zones, buddy
const free = pa.nr_free_pages();
const block = pa.alloc_pages(GFP_KERNEL, 3)!; // 8 contiguous frames from ZONE_NORMAL
console.log(pa.page_zone(block).name, pa.page_address(block)!.toString(16), free - pa.nr_free_pages());
pa.__free_pages(block, 3); // back to the buddy lists, merged with its buddies
console.log(pa.nr_free_pages() === free);
