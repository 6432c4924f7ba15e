import { Machine } from "@i386mm/hw-i386";
import { GFP_HIGHUSER, PageAllocator } from "@i386mm/page-alloc";
import { checkKmapInvariants, KM_USER0, Kmap, readVirt, writeVirt } from "../src/index.js";

export function example() {
  const machine = new Machine({ memBytes: 1024 * 1024 * 1024, cpus: 2 }); // 128 MiB of it is high memory
  const pa = new PageAllocator(machine); // boots: swapper_pg_dir with the pkmap and fixmap page tables
  const km = new Kmap(pa); // permanent_kmaps_init + kmap_init

  const page = pa.alloc_pages(GFP_HIGHUSER, 0)!; // a frame above 896 MiB: no kernel address yet
  const va = km.kmap(page); // 0xff801000: the first kmap takes pkmap slot 1
  writeVirt(machine, va, [1, 2, 3]); // stored through the MMU into the high frame
  const known = pa.page_address(page) === va; // true while the page is kmapped

  const tmp = km.kmap_atomic(page, KM_USER0); // 0xffff1000 on CPU 0; preemption now off
  const bytes = readVirt(machine, tmp, 3); // Uint8Array [1, 2, 3]: same frame, second mapping
  km.kunmap_atomic(tmp, KM_USER0);

  km.kunmap(page); // pkmap_count[1]: 2 -> 1, mapped until the next wrap-around flush
  checkKmapInvariants(km); // throws InvariantError if anything is inconsistent
  return { va, known, tmp, bytes, count: km.pkmap_count[1] };
}
