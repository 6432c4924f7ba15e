import { Machine } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "@i386mm/slab";
import { IS_ERR, O_RDONLY, PageCache } from "../src/index.js";

export function example() {
  const machine = new Machine({ memBytes: 256 * 1024 * 1024 });
  const pa = new PageAllocator(machine);
  const pc = new PageCache(new SlabAllocator(pa), new Kmap(pa)); // rootfs (a ramfs) mounted at "/"

  pc.sys_mkdir("/etc");
  pc.writeFile("/etc/motd", new TextEncoder().encode("hello, page cache\n")); // one page, dirty
  const file = pc.filp_open("/etc/motd", O_RDONLY);
  if (IS_ERR(file)) throw new Error(`open: ${file}`);

  const page = pc.find_get_page(file.f_mapping, 0)!; // the page-cache page, one more reference
  const mapping = pc.page_mapping(page); // === file.f_mapping: page->mapping points back
  const buf = new Uint8Array(64);
  const n = pc.sys_read(file, buf); // 18: copied out of the page through kmap_atomic
  pc.page_cache_release(page);
  pc.fput(file);
  return {
    n,
    text: new TextDecoder().decode(buf.subarray(0, n)),
    same: mapping === file.f_mapping,
    cached: pc.nr_pagecache,
  };
}
