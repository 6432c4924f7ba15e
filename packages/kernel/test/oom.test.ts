/*
 * Out of memory at each layer (issue #20 point 4): each pressure fails as 2.6.11 does (NULL,
 * -ENOMEM, a kmap that would sleep, SIGKILL of the task whose fault found no page), the
 * whole-machine check holds at the worst moment, and after the frees the machine is back where
 * it was: /proc/buddyinfo equals its value before the pressure began (per-CPU lists drained and
 * every slab cache shrunk on both sides, as `echo 3 > drop_caches` would leave a real kernel).
 */
import { PAGE_SIZE, type Page } from "@i386mm/hw-i386";
import { KM_TYPE_NR, KmapWouldSleepError, type km_type } from "@i386mm/kmap";
import { GFP_DMA, GFP_HIGHUSER, GFP_KERNEL } from "@i386mm/page-alloc";
import { IS_ERR, O_CREAT, O_RDWR } from "@i386mm/page-cache";
import {
  create_task,
  do_exit,
  EXIT_ZOMBIE,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
  RLIMIT_AS,
  release_task,
  schedule_to,
  sys_mmap2,
  user_write,
} from "@i386mm/vma";
import { describe, expect, it } from "vitest";
import { boot, checkKernelInvariants, type Kernel } from "../src/index.js";

const MiB = 2 ** 20;
const ENOMEM = -12;

function small(): Kernel {
  return boot({ mem: 80 * MiB, cpus: 2, pageAlloc: { highmem: 8 * MiB } });
}

/** Drain every CPU's per-CPU lists and shrink every slab cache; then /proc/buddyinfo. */
function settle(k: Kernel): string {
  const cur = k.machine.current;
  for (let c = 0; c < k.machine.cpus.length; c++) {
    k.machine.setCurrentCpu(c);
    k.pa.drain_local_pages();
  }
  k.machine.setCurrentCpu(cur);
  for (const c of k.slab.cache_chain) k.slab.kmem_cache_shrink(c);
  for (let c = 0; c < k.machine.cpus.length; c++) {
    k.machine.setCurrentCpu(c);
    k.pa.drain_local_pages();
  }
  k.machine.setCurrentCpu(cur);
  return k.pa.buddyinfo();
}

/** Take order-`order` blocks with `gfp` through k.direct until the allocator says NULL. */
function exhaust(k: Kernel, gfp: number, order = 0): Page[] {
  const held: Page[] = [];
  for (;;) {
    const p = k.direct.alloc_pages(gfp, order);
    if (p === null) return held;
    held.push(p);
  }
}

describe("out of memory, layer by layer, and a full recovery", () => {
  it.each([
    ["ZONE_DMA", GFP_DMA],
    ["ZONE_NORMAL (falls back to DMA)", GFP_KERNEL],
    ["ZONE_HIGHMEM (falls back to Normal and DMA)", GFP_HIGHUSER],
  ])("pages: %s runs dry, alloc_pages returns NULL, frees give every page back", (_zone, gfp) => {
    const k = small();
    const before = settle(k);
    const held = exhaust(k, gfp);
    expect(held.length).toBeGreaterThan(100);
    expect(k.direct.alloc_pages(gfp, 0)).toBeNull(); // still NULL: nothing was freed by trying
    checkKernelInvariants(k);
    for (const p of held) k.direct.__free_pages(p, 0);
    checkKernelInvariants(k);
    expect(settle(k)).toBe(before);
  });

  it("slab: kmem_cache_alloc and kmalloc return NULL when no page is left; the caches give their pages back", () => {
    const k = small();
    const before = settle(k);
    const cache = k.slab.kmem_cache_create("oom-test", 1500, 0, 0, null)!;
    const objs: number[] = [];
    for (;;) {
      const o = k.slab.kmem_cache_alloc(cache, GFP_KERNEL);
      if (o === null) break;
      objs.push(o);
    }
    expect(objs.length).toBeGreaterThan(1000);
    // the cache's slabs are order 1: what is left is order 0 at best (a size-4096 slab may still fit)
    expect(k.slab.kmalloc(128 * 1024, GFP_KERNEL)).toBeNull();
    checkKernelInvariants(k);
    for (const o of objs) k.slab.kmem_cache_free(cache, o as never);
    expect(k.slab.kmem_cache_destroy(cache)).toBe(0);
    checkKernelInvariants(k);
    expect(settle(k)).toBe(before);
  });

  it("vmalloc: the address space runs out (get_vm_area NULL) and pages run out (vmalloc NULL, nothing half-built)", () => {
    const k = small();
    // 2.6.11 never frees the kernel page tables vmalloc builds: build them first, then measure
    k.slab.vfree(k.slab.vmalloc(64 * PAGE_SIZE)!);
    const before = settle(k);
    const areas: number[] = [];
    for (;;) {
      const a = k.slab.get_vm_area(16 * MiB, 0);
      if (a === null) break;
      areas.push(a.addr);
    }
    expect(areas.length).toBeGreaterThan(2);
    for (;;) {
      const a = k.slab.get_vm_area(PAGE_SIZE, 0); // the holes between: one page and its guard each
      if (a === null) break;
      areas.push(a.addr);
    }
    expect(k.slab.vmalloc(PAGE_SIZE)).toBeNull(); // no room for even one page and its guard
    for (const a of areas) {
      const area = k.slab.remove_vm_area(a);
      expect(area).not.toBeNull();
      k.slab.kfree(area!.desc); // as __vunmap does: remove_vm_area hands the vm_struct back
    }
    checkKernelInvariants(k);
    // pages: take all but a few, then ask for more than is left
    const held = exhaust(k, GFP_HIGHUSER);
    for (const p of held.splice(0, 8)) k.direct.__free_pages(p, 0);
    expect(k.slab.vmalloc(64 * PAGE_SIZE)).toBeNull();
    checkKernelInvariants(k); // the pages it took before failing went back
    for (const p of held) k.direct.__free_pages(p, 0);
    const v = k.slab.vmalloc(64 * PAGE_SIZE);
    expect(v).not.toBeNull();
    k.slab.vfree(v!);
    checkKernelInvariants(k);
    expect(settle(k)).toBe(before);
  });

  it("pkmap: with every slot in use kmap would sleep (nothing changes); a kunmap frees a slot", () => {
    const k = small();
    const before = settle(k);
    const { LAST_PKMAP } = k.km.pkmap;
    const pages: Page[] = [];
    for (let i = 0; i < LAST_PKMAP; i++) pages.push(k.direct.alloc_page(GFP_HIGHUSER)!);
    for (const p of pages) k.km.kmap(p);
    const extra = k.direct.alloc_page(GFP_HIGHUSER)!;
    const counts = Int32Array.from(k.km.pkmap.pkmap_count);
    expect(() => k.km.kmap(extra)).toThrow(KmapWouldSleepError);
    expect(Int32Array.from(k.km.pkmap.pkmap_count)).toEqual(counts);
    checkKernelInvariants(k);
    k.km.kunmap(pages[0]!);
    expect(k.km.kmap(extra)).toBeGreaterThan(0);
    k.km.kunmap(extra);
    for (const p of pages.slice(1)) k.km.kunmap(p);
    for (const p of [...pages, extra]) k.direct.__free_page(p);
    checkKernelInvariants(k);
    expect(settle(k)).toBe(before);
  });

  it("kmap_atomic: every slot of every CPU in use at once; each kunmap_atomic frees its own", () => {
    const k = small();
    const before = settle(k);
    const page = k.direct.alloc_page(GFP_HIGHUSER)!;
    const slots: [cpu: number, type: number, addr: number][] = [];
    for (let c = 0; c < k.machine.cpus.length; c++) {
      k.machine.setCurrentCpu(c);
      for (let t = 0; t < KM_TYPE_NR; t++) slots.push([c, t, k.km.kmap_atomic(page, t as km_type)]);
    }
    // a slot per (type, CPU): no two share an address
    expect(new Set(slots.map((s) => s[2])).size).toBe(KM_TYPE_NR * k.machine.cpus.length);
    checkKernelInvariants(k);
    for (const [c, t, addr] of slots.reverse()) {
      k.machine.setCurrentCpu(c);
      k.km.kunmap_atomic(addr, t as km_type);
    }
    k.machine.setCurrentCpu(0);
    k.direct.__free_page(page);
    checkKernelInvariants(k);
    expect(settle(k)).toBe(before);
  });

  it("page cache: a ramfs file grows until no page is left (short write, then -ENOMEM); unlink gives it all back", () => {
    const k = small();
    // the unlinked name stays in the dcache as a negative dentry: make it once, then measure
    expect(k.pc.writeFile("/big", new Uint8Array(PAGE_SIZE))).toBe(0);
    expect(k.pc.sys_unlink("/big")).toBe(0);
    const before = settle(k);
    const f = k.pc.filp_open("/big", O_RDWR | O_CREAT, 0o644);
    if (IS_ERR(f)) throw new Error(`open ${f}`);
    const chunk = new Uint8Array(64 * PAGE_SIZE).fill(0x5a);
    let total = 0;
    let last = 0;
    for (let i = 0; i < 10000; i++) {
      last = k.pc.sys_write(f, chunk);
      if (last !== chunk.length) break;
      total += last;
    }
    expect(total).toBeGreaterThan(8 * MiB);
    expect(last === ENOMEM || (last >= 0 && last < chunk.length)).toBe(true);
    if (last > 0) expect(k.pc.sys_write(f, chunk)).toBe(ENOMEM);
    checkKernelInvariants(k);
    k.pc.fput(f);
    expect(k.pc.sys_unlink("/big")).toBe(0);
    checkKernelInvariants(k);
    expect(settle(k)).toBe(before);
  });

  it("a process: RLIMIT_AS refuses an mmap with -ENOMEM; a fault with no page left kills the task (SIGKILL)", () => {
    const k = small();
    // after an exit the idle task borrows the dead mm (lazy TLB) until the next switch: make
    // that so before measuring too
    const warm = create_task(k.vm, "warm")!;
    schedule_to(k.vm, warm);
    do_exit(k.vm, 0);
    release_task(k.vm, warm);
    const before = settle(k);
    const t = create_task(k.vm, "hog")!;
    schedule_to(k.vm, t);
    t.signal.rlim[RLIMIT_AS] = { rlim_cur: 4 * MiB, rlim_max: 4 * MiB };
    const prot = PROT_READ | PROT_WRITE;
    const flags = MAP_PRIVATE | MAP_ANONYMOUS;
    expect(sys_mmap2(k.vm, 0, 8 * MiB, prot, flags, -1, 0)).toBe(ENOMEM);
    t.signal.rlim[RLIMIT_AS] = { rlim_cur: 0xffffffff, rlim_max: 0xffffffff };
    // each mapping passes the overcommit heuristic on its own; together they outgrow RAM
    const maps = [0, 1].map(() => sys_mmap2(k.vm, 0, 40 * MiB, prot, flags, -1, 0));
    for (const a of maps) expect(a).toBeGreaterThan(0);
    let r: string | null = null;
    let touched = 0;
    for (const a of maps)
      for (let off = 0; off < 40 * MiB && r === null; off += PAGE_SIZE, touched++)
        r = user_write(k.vm, a + off, [1]);
    expect(r).toBe("SIGKILL");
    expect(touched).toBeGreaterThan(1000);
    // the fault handler killed it (do_exit(SIGKILL)): a zombie whose memory is back
    expect(t.exit_state).toBe(EXIT_ZOMBIE);
    expect(t.mm).toBeNull();
    checkKernelInvariants(k);
    release_task(k.vm, t);
    checkKernelInvariants(k);
    // every page is back; the borrowed mm's pgd and mm_struct may sit in other frames than the
    // warm-up's did, so the buddy blocks around them may be split differently: compare pages
    expect(freePages(settle(k))).toEqual(freePages(before));
  });
});

/** Free pages per zone from /proc/buddyinfo lines (sum over orders of count * 2^order). */
function freePages(buddyinfo: string): number[] {
  return buddyinfo
    .trim()
    .split("\n")
    .map((l) =>
      l
        .trim()
        .split(/\s+/)
        .slice(4)
        .reduce((s, n, o) => s + Number(n) * 2 ** o, 0),
    );
}
