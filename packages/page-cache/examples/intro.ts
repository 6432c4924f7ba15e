import { Machine } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "@i386mm/slab";
import { IS_ERR, O_RDONLY, PageCache } from "../src/index.js";

const slab = new SlabAllocator(new PageAllocator(new Machine({ memBytes: 256 << 20 })));
const pc = new PageCache(slab, new Kmap(slab)); // rootfs (a ramfs) mounted at "/"
pc.writeFile("/motd", new TextEncoder().encode("hello, page cache\n")); // into a page-cache page
const file = pc.filp_open("/motd", O_RDONLY);
if (IS_ERR(file)) throw new Error(`open: ${file}`);
const buf = new Uint8Array(64);
const n = pc.sys_read(file, buf); // copied out of that page through kmap_atomic
console.log(n, file.f_mapping.nrpages, pc.nr_pagecache, new TextDecoder().decode(buf.subarray(0, n)).trim());
