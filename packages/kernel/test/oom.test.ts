/*
 * Out of memory at each layer (issue #20 point 4): each pressure fails as 2.6.11 does, the
 * whole-machine check holds at the worst moment, and after the frees the machine is back where
 * it was: /proc/buddyinfo equals its value before the pressure began (per-CPU lists drained and
 * every slab cache shrunk on both sides, as `echo 3 > drop_caches` would leave a real kernel).
 * What 2.6.11 does depends on the request (mm/page_alloc.c __alloc_pages): NULL for callers that
 * may not sleep (GFP_ATOMIC, GFP_DMA alone) and for __GFP_NORETRY; a request that may sleep and
 * use the file system (GFP_KERNEL, GFP_HIGHUSER, of any order) gets no NULL when reclaim frees
 * nothing: out_of_memory kills the process with the most memory (mm/oom_kill.c) and the
 * allocation starts again, or, with no process to kill, the kernel panics. A victim that is the
 * allocating task itself takes the reserves below the watermarks (TIF_MEMDIE) and gets NULL when
 * they are gone; a fault that then finds no page kills the task (do_page_fault: SIGKILL).
 */
import { KernelPanicError, PAGE_KERNEL, PAGE_SIZE, type Page } from "@i386mm/hw-i386";
import { KM_TYPE_NR, KmapWouldSleepError, type km_type } from "@i386mm/kmap";
import {
  __GFP_HIGHMEM,
  __GFP_NORETRY,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_HIGHUSER,
  GFP_KERNEL,
} from "@i386mm/page-alloc";
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
  SIGKILL,
  schedule_idle,
  schedule_to,
  sys_mmap2,
  user_write,
} from "@i386mm/vma";
import { describe, expect, it } from "vitest";
import { boot, checkKernelInvariants, type Kernel } from "../src/index.js";
import { tif_memdie } from "../src/oom.js";

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
    ["ZONE_NORMAL (falls back to DMA)", GFP_KERNEL | __GFP_NORETRY],
    ["ZONE_HIGHMEM (falls back to Normal and DMA)", GFP_HIGHUSER | __GFP_NORETRY],
  ])("pages: %s runs dry, alloc_pages returns NULL, frees give every page back", (_zone, gfp) => {
    const k = small();
    const before = settle(k);
    const held = exhaust(k, gfp);
    expect(held.length).toBeGreaterThan(100);
    expect(k.direct.alloc_pages(gfp, 0)).toBeNull(); // still NULL: nothing was freed by trying
    expect(k.direct.alloc_pages(gfp, 4)).toBeNull(); // nor a larger block
    // GFP_ATOMIC may dig below pages_min (__GFP_HIGH, and it cannot sleep): then NULL too
    held.push(...exhaust(k, GFP_ATOMIC));
    expect(k.direct.alloc_pages(GFP_ATOMIC, 0)).toBeNull();
    expect(k.machine.halted).toBeNull();
    expect(k.pa.stats.oom).toBe(0); // none of these requests may call out_of_memory
    checkKernelInvariants(k);
    for (const p of held) k.direct.__free_pages(p, 0);
    checkKernelInvariants(k);
    expect(settle(k)).toBe(before);
  });

  it.each([
    ["alloc_pages(GFP_KERNEL, 0)", (k: Kernel) => k.direct.alloc_pages(GFP_KERNEL, 0)],
    ["alloc_pages(GFP_HIGHUSER, 4)", (k: Kernel) => k.direct.alloc_pages(GFP_HIGHUSER, 4)],
    ["kmalloc(128K, GFP_KERNEL)", (k: Kernel) => k.slab.kmalloc(128 * 1024, GFP_KERNEL)],
    ["vmalloc(16 pages)", (k: Kernel) => k.slab.vmalloc(16 * PAGE_SIZE)],
    ["a ramfs write", (k: Kernel) => k.pc.writeFile("/f", new Uint8Array(16 * PAGE_SIZE))],
  ])("no process to kill: %s with no page left panics in out_of_memory, as 2.6.11 does", (_what, call) => {
    const k = small();
    exhaust(k, GFP_HIGHUSER | __GFP_NORETRY);
    exhaust(k, GFP_ATOMIC);
    expect(() => call(k)).toThrow(KernelPanicError);
    expect(k.machine.halted).toMatchObject({ kind: "panic", call: "out_of_memory" });
    expect(k.machine.dmesg).toContain(
      "Kernel panic - not syncing: Out of memory and no killable processes...",
    );
    expect(k.machine.dmesg.some((l) => l.startsWith("Free pages:"))).toBe(true); // show_free_areas first
    // a panicked kernel runs nothing more: there is no recovery to measure
  });

  it("slab: kmem_cache_alloc and kmalloc with __GFP_NORETRY return NULL when no page is left; the caches give their pages back", () => {
    const k = small();
    const before = settle(k);
    const cache = k.slab.kmem_cache_create("oom-test", 1500, 0, 0, null)!;
    const objs: number[] = [];
    for (;;) {
      const o = k.slab.kmem_cache_alloc(cache, GFP_KERNEL | __GFP_NORETRY);
      if (o === null) break;
      objs.push(o);
    }
    expect(objs.length).toBeGreaterThan(1000);
    // the cache's slabs are order 1: what is left is order 0 at best (a size-4096 slab may still fit)
    expect(k.slab.kmalloc(128 * 1024, GFP_KERNEL | __GFP_NORETRY)).toBeNull();
    const n = objs.length;
    for (;;) {
      const o = k.slab.kmem_cache_alloc(cache, GFP_ATOMIC);
      if (o === null) break;
      objs.push(o);
    }
    expect(objs.length).toBeGreaterThan(n); // GFP_ATOMIC dug below pages_min before its NULL
    expect(k.pa.stats.oom).toBe(0);
    checkKernelInvariants(k);
    for (const o of objs) k.slab.kmem_cache_free(cache, o as never);
    expect(k.slab.kmem_cache_destroy(cache)).toBe(0);
    checkKernelInvariants(k);
    expect(settle(k)).toBe(before);
  });

  it("vmalloc: the address space runs out (get_vm_area NULL) and pages run out (__vmalloc with __GFP_NORETRY NULL, nothing half-built)", () => {
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
    const held = exhaust(k, GFP_HIGHUSER | __GFP_NORETRY);
    for (const p of held.splice(0, 8)) k.direct.__free_pages(p, 0);
    expect(
      k.slab.__vmalloc(64 * PAGE_SIZE, GFP_KERNEL | __GFP_HIGHMEM | __GFP_NORETRY, PAGE_KERNEL),
    ).toBeNull();
    expect(k.pa.stats.oom).toBe(0);
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

  it("page cache: a process writes a ramfs file until memory runs out: the OOM killer kills the biggest process, later the writer (short write, then -ENOMEM); all comes back", () => {
    const k = small();
    // the unlinked name stays in the dcache as a negative dentry: make it once, then measure;
    // after an exit the idle task borrows the dead mm (lazy TLB) until the next switch: likewise
    expect(k.pc.writeFile("/big", new Uint8Array(PAGE_SIZE))).toBe(0);
    expect(k.pc.sys_unlink("/big")).toBe(0);
    warmUpExit(k);
    const before = settle(k);
    const prot = PROT_READ | PROT_WRITE;
    const flags = MAP_PRIVATE | MAP_ANONYMOUS;
    const hog = create_task(k.vm, "hog")!;
    schedule_to(k.vm, hog);
    const a = sys_mmap2(k.vm, 0, 16 * MiB, prot, flags, -1, 0);
    for (let off = 0; off < 16 * MiB; off += PAGE_SIZE) expect(user_write(k.vm, a + off, [1])).toBeNull();
    const writer = create_task(k.vm, "writer")!;
    schedule_to(k.vm, writer);
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
    // the hog went first (most total_vm; its memory let the file grow on), then the writer
    expect(total).toBeGreaterThan(40 * MiB);
    expect(k.machine.dmesg).toContain(`Out of Memory: Killed process ${hog.pid} (hog).`);
    expect(hog.exit_state).toBe(EXIT_ZOMBIE);
    expect(hog.exit_code).toBe(SIGKILL);
    expect(k.machine.dmesg).toContain(`Out of Memory: Killed process ${writer.pid} (writer).`);
    expect(tif_memdie(writer)).toBe(true); // the reserves were its own, and then NULL
    expect(last === ENOMEM || (last >= 0 && last < chunk.length)).toBe(true);
    if (last > 0) expect(k.pc.sys_write(f, chunk)).toBe(ENOMEM);
    expect(writer.pending.map((s) => s.si_signo)).toContain(SIGKILL);
    expect(k.machine.halted).toBeNull();
    checkKernelInvariants(k);
    // the return to user mode delivers the SIGKILL: the writer exits and its file is closed
    do_exit(k.vm, SIGKILL);
    k.pc.fput(f);
    expect(k.pc.sys_unlink("/big")).toBe(0);
    release_task(k.vm, hog);
    release_task(k.vm, writer);
    checkKernelInvariants(k);
    expect(freePages(settle(k))).toEqual(freePages(before));
  });

  it("a process: RLIMIT_AS refuses an mmap with -ENOMEM; a fault with no page left runs the OOM killer on the faulting task, and a fault past the reserves kills it (SIGKILL)", () => {
    const k = small();
    warmUpExit(k);
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
    const pages = maps.flatMap((a) =>
      Array.from({ length: (40 * MiB) / PAGE_SIZE }, (_, i) => a + i * PAGE_SIZE),
    );
    let touched = 0;
    while (!tif_memdie(t)) expect(user_write(k.vm, pages[touched++]!, [1])).toBeNull();
    // out_of_memory chose the only process, the faulting one: SIGKILL pending, TIF_MEMDIE, and
    // its fault was served below the watermarks
    expect(touched).toBeGreaterThan(1000);
    expect(k.machine.dmesg).toContain(`Out of Memory: Killed process ${t.pid} (hog).`);
    expect(t.pending.map((s) => s.si_signo)).toContain(SIGKILL);
    expect(t.exit_state).toBe(0);
    checkKernelInvariants(k);
    // had it returned to user mode, the signal would have ended it there; faulting on (as one
    // long copy in the kernel would), it eats the reserves, then its fault gets no page at all
    let r: string | null = null;
    while (r === null) r = user_write(k.vm, pages[touched++]!, [1]);
    expect(r).toBe("SIGKILL");
    expect(k.machine.dmesg).toContain("VM: killing process hog");
    // the fault handler killed it (do_exit(SIGKILL)): a zombie whose memory is back
    expect(t.exit_state).toBe(EXIT_ZOMBIE);
    expect(t.mm).toBeNull();
    expect(k.machine.halted).toBeNull();
    checkKernelInvariants(k);
    release_task(k.vm, t);
    checkKernelInvariants(k);
    // every page is back; the borrowed mm's pgd and mm_struct may sit in other frames than the
    // warm-up's did, so the buddy blocks around them may be split differently: compare pages
    expect(freePages(settle(k))).toEqual(freePages(before));
  });

  it("the OOM killer and a kernel allocation: GFP_KERNEL with no page left kills the process with the most memory, not a smaller one, and then succeeds", () => {
    const k = small();
    warmUpExit(k);
    const before = settle(k);
    const prot = PROT_READ | PROT_WRITE;
    const flags = MAP_PRIVATE | MAP_ANONYMOUS;
    const touch = (comm: string, bytes: number) => {
      const t = create_task(k.vm, comm)!;
      schedule_to(k.vm, t);
      const a = sys_mmap2(k.vm, 0, bytes, prot, flags, -1, 0);
      for (let off = 0; off < bytes; off += PAGE_SIZE) expect(user_write(k.vm, a + off, [1])).toBeNull();
      return t;
    };
    const small1 = touch("small", 2 * MiB);
    const big = touch("big", 24 * MiB);
    schedule_idle(k.vm); // the allocation is the kernel's own (no process is current)
    const held = exhaust(k, GFP_HIGHUSER | __GFP_NORETRY);
    held.push(...exhaust(k, GFP_ATOMIC));
    const page = k.direct.alloc_pages(GFP_KERNEL, 0);
    expect(page).not.toBeNull();
    held.push(page!);
    expect(k.pa.stats.oom).toBe(1);
    expect(k.machine.dmesg).toContain(`oom-killer: gfp_mask=0x${GFP_KERNEL.toString(16)}`);
    expect(k.machine.dmesg).toContain(`Out of Memory: Killed process ${big.pid} (big).`);
    expect(big.exit_state).toBe(EXIT_ZOMBIE);
    expect(big.exit_code).toBe(SIGKILL);
    expect(small1.exit_state).toBe(0);
    expect(small1.mm).not.toBeNull();
    checkKernelInvariants(k);
    for (const p of held) k.direct.__free_pages(p, 0);
    schedule_to(k.vm, small1);
    do_exit(k.vm, 0);
    release_task(k.vm, big);
    release_task(k.vm, small1);
    checkKernelInvariants(k);
    expect(freePages(settle(k))).toEqual(freePages(before));
  });
});

/** A task that exits, so that the idle task's lazy-TLB borrowing is the same before and after. */
function warmUpExit(k: Kernel): void {
  const warm = create_task(k.vm, "warm")!;
  schedule_to(k.vm, warm);
  do_exit(k.vm, 0);
  release_task(k.vm, warm);
}

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
