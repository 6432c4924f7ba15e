import { Machine } from "@i386mm/hw-i386";
import { checkPageAllocInvariants, GFP_HIGHUSER, GFP_KERNEL, PageAllocator } from "@i386mm/page-alloc";

// Boot a 1 GiB QEMU-like PC: e820, bootmem, mem_map, zones, watermarks, buddy hand-off.
const pa = new PageAllocator(new Machine({ memBytes: 1024 * 1024 * 1024 }));
console.log(pa.bootLog.filter((l) => l.includes(" zone: ")).join("\n"));

// Eight contiguous frames from ZONE_NORMAL: a split of an order-10 block.
const block = pa.alloc_pages(GFP_KERNEL, 3)!;
console.log(pa.page_zone(block).name, pa.page_count(block), pa.page_address(block)!.toString(16));

// A highmem page has no kernel address until kmap gives it one.
const high = pa.alloc_page(GFP_HIGHUSER)!;
console.log(pa.page_zone(high).name, pa.page_address(high));

// One zero-filled lowmem page by address, then give everything back.
const addr = pa.get_zeroed_page(GFP_KERNEL);
pa.free_page(addr);
pa.__free_page(high);
pa.__free_pages(block, 3);
checkPageAllocInvariants(pa);
console.log(pa.buddyinfo());
