import { ConfigError, irq_enter, irq_exit, KernelHangError, KernelPanicError } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import {
  __GFP_NOFAIL,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_REPEAT,
  GFP_ATOMIC,
  GFP_HIGHUSER,
  GFP_KERNEL,
  GFP_NOFS,
} from "../src/gfp.js";
import { checkPageAllocInvariants } from "../src/invariants.js";
import type { Page } from "../src/mem-map.js";
import type { Zone } from "../src/mmzone.js";
import { MAX_RECLAIM_RETRIES, type PageAllocator, type ReclaimHook } from "../src/page-alloc.js";
import { bootPA, MiB } from "./helpers.js";

/** Take order-2 blocks with `gfp` until the allocator says no (without reclaim). */
function exhaust(pa: PageAllocator, gfp: number): Page[] {
  const held: Page[] = [];
  for (;;) {
    const p = pa.alloc_pages(gfp | __GFP_NOWARN | __GFP_NORETRY, 2);
    if (p === null) return held;
    held.push(p);
  }
}

describe("direct reclaim hook", () => {
  it("is called with the zonelist, mask and order, under PF_MEMALLOC, and its progress feeds pass 4", () => {
    const calls: { zones: string[]; gfp: number; order: number; memalloc: boolean }[] = [];
    let pool: Page[] = [];
    let pa!: PageAllocator;
    const reclaim: ReclaimHook = (zones: readonly Zone[], gfp, order) => {
      calls.push({
        zones: zones.map((z) => z.name),
        gfp,
        order,
        memalloc: pa.pf_memalloc[pa.machine.current],
      });
      let freed = 0;
      for (const p of pool.splice(0, 16)) {
        pa.__free_pages(p, 2);
        freed += 4;
      }
      return freed;
    };
    pa = bootPA(32 * MiB, { flat: true, reclaim });
    const taken = exhaust(pa, GFP_KERNEL); // __GFP_NORETRY still reclaims once: the pool was empty
    expect(calls.length).toBe(1);
    calls.length = 0;
    pool = taken;
    const stall = pa.stats.allocstall;
    const p = pa.alloc_pages(GFP_KERNEL, 2); // what just failed without reclaim
    expect(p).not.toBeNull();
    expect(calls).toEqual([{ zones: ["Normal", "DMA"], gfp: GFP_KERNEL, order: 2, memalloc: true }]);
    expect(pa.pf_memalloc[0]).toBe(false);
    expect(pa.stats.allocstall).toBe(stall + 1);
    expect(pa.stats.reclaimed).toBe(64);
    pa.__free_pages(p!, 2);
    checkPageAllocInvariants(pa);
  });

  it("lets the reclaimer itself allocate past the watermarks (pass 3, PF_MEMALLOC)", () => {
    let inside: Page | null | undefined;
    let pa!: PageAllocator;
    pa = bootPA(32 * MiB, {
      flat: true,
      reclaim: () => {
        inside = pa.alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
        return 0;
      },
    });
    const held = exhaust(pa, GFP_KERNEL);
    // Empty the hot list too, so the next order-0 request reaches the slow path.
    while (pa.alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, 0) !== null);
    const normal = pa.zones[1];
    const freeBefore = normal.free_pages + pa.zones[0].free_pages;
    expect(pa.alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, 0)).toBeNull();
    expect(inside).not.toBeNull(); // served below pages_min while PF_MEMALLOC was set
    expect(pa.zones[0].free_pages + normal.free_pages).toBeLessThan(freeBefore);
    expect(held.length).toBeGreaterThan(0);
    checkPageAllocInvariants(pa);
  });

  it("retries order <= 3 / __GFP_REPEAT without end (the model halts the machine), stops at once for __GFP_NORETRY or a large order", () => {
    let calls = 0;
    const boot = () =>
      bootPA(32 * MiB, {
        flat: true,
        reclaim: () => {
          calls++;
          return 0;
        },
      });
    let pa = boot();
    exhaust(pa, GFP_KERNEL);
    calls = 0;
    expect(pa.alloc_pages(GFP_NOFS | __GFP_NOWARN | __GFP_NORETRY, 3)).toBeNull();
    expect(calls).toBe(1);
    calls = 0;
    expect(pa.alloc_pages(GFP_NOFS | __GFP_NOWARN, 4)).toBeNull(); // order > 3: one round, then NULL
    expect(calls).toBe(1);
    expect(pa.machine.halted).toBeNull();
    // GFP_NOFS: no __GFP_FS, so no OOM killer; order <= 3 retries forever in 2.6.11.
    calls = 0;
    expect(() => pa.alloc_pages(GFP_NOFS | __GFP_NOWARN, 3)).toThrow(KernelHangError);
    expect(calls).toBe(MAX_RECLAIM_RETRIES);
    expect(pa.machine.halted).toMatchObject({ kind: "hang", call: "__alloc_pages" });
    pa = boot();
    exhaust(pa, GFP_KERNEL);
    calls = 0;
    expect(() => pa.alloc_pages(GFP_NOFS | __GFP_NOWARN | __GFP_REPEAT, 4)).toThrow(
      /__alloc_pages: the kernel would loop here forever: order 4, gfp_mask 0x[0-9a-f]+: nothing left to reclaim/,
    );
    expect(calls).toBe(MAX_RECLAIM_RETRIES);
    pa = boot();
    exhaust(pa, GFP_KERNEL);
    expect(() => pa.alloc_pages(GFP_NOFS | __GFP_NOFAIL, 5)).toThrow(KernelHangError); // even a large order
  });

  it("with __GFP_FS and no progress: pass 5 at pages_high, then out_of_memory, which panics with nothing to kill (#21 point 5)", () => {
    let calls = 0;
    const pa = bootPA(32 * MiB, {
      flat: true,
      reclaim: () => {
        calls++;
        return 0;
      },
    });
    exhaust(pa, GFP_KERNEL);
    calls = 0;
    const oom = pa.stats.oom;
    const mark = pa.machine.dmesg.length;
    expect(() => pa.alloc_pages(GFP_KERNEL | __GFP_NOFAIL, 3)).toThrow(KernelPanicError);
    expect(calls).toBe(1);
    expect(pa.stats.oom).toBe(oom + 1);
    const log = pa.machine.dmesg.slice(mark);
    expect(log[0]).toBe("DMA per-cpu:"); // show_free_areas, then panic()
    expect(log).toContain("cpu 0 hot: low 2, high 6, batch 1");
    expect(log.find((l) => l.startsWith("Free pages:"))).toMatch(/^Free pages: +\d+kB \(0kB HighMem\)$/);
    expect(log.find((l) => l.startsWith("Normal: "))).toMatch(/^Normal: (\d+\*\d+kB ){11}= \d+kB$/);
    expect(log.at(-1)).toBe("Kernel panic - not syncing: Out of memory and no killable processes...");
    expect(pa.machine.halted).toEqual({
      kind: "panic",
      call: "out_of_memory",
      message: "Out of memory and no killable processes...",
    });
    // No page allocation failure warning: 2.6.11 never returned NULL here.
    expect(log.some((l) => l.includes("page allocation failure"))).toBe(false);
  });

  it("out_of_memory kills what the oom_killer hook chooses, then restarts the allocation, which succeeds", () => {
    let victim: Page[] = [];
    let killed = 0;
    const pa = bootPA(32 * MiB, {
      flat: true,
      oom_killer: () =>
        victim.length === 0
          ? null
          : () => {
              killed++;
              for (const p of victim.splice(0)) pa.__free_pages(p, 2);
            },
    });
    victim = exhaust(pa, GFP_KERNEL).slice(0, 32);
    const mark = pa.machine.dmesg.length;
    const p = pa.alloc_pages(GFP_KERNEL, 2);
    expect(p).not.toBeNull();
    expect(killed).toBe(1);
    const log = pa.machine.dmesg.slice(mark);
    expect(log[0]).toBe("oom-killer: gfp_mask=0xd0");
    expect(log[1]).toBe("DMA per-cpu:");
    expect(pa.machine.halted).toBeNull();
    checkPageAllocInvariants(pa);
  });

  it("set_oom_killer installs the process layer's hooks once; a second install is a ConfigError and changes nothing", () => {
    const pa = bootPA(32 * MiB, { flat: true });
    expect([pa.oom_killer, pa.tif_memdie]).toEqual([undefined, undefined]);
    const first = () => null;
    const memdie = () => false;
    pa.set_oom_killer(first, memdie);
    expect([pa.oom_killer, pa.tif_memdie]).toEqual([first, memdie]);
    expect(() =>
      pa.set_oom_killer(
        () => null,
        () => true,
      ),
    ).toThrow(ConfigError);
    expect([pa.oom_killer, pa.tif_memdie]).toEqual([first, memdie]);
    const withOpts = bootPA(32 * MiB, { flat: true, oom_killer: first });
    expect(() => withOpts.set_oom_killer(first, memdie)).toThrow(/already has an OOM killer/);
    expect(() => {
      // @ts-expect-error the hooks are read-only: set_oom_killer is the one way in
      pa.oom_killer = () => null;
    }).toThrow(TypeError); // a getter without a setter, in strict mode
    expect(pa.oom_killer).toBe(first);
  });

  it("a victim that is the allocating task (TIF_MEMDIE) takes pages below the watermarks, then gets NULL, never a second out_of_memory", () => {
    let memdie = false;
    let kills = 0;
    const pa = bootPA(32 * MiB, {
      flat: true,
      oom_killer: () => () => {
        kills++;
        memdie = true; // oom_kill_task chose current: SIGKILL pending, TIF_MEMDIE set
      },
      tif_memdie: () => memdie,
    });
    exhaust(pa, GFP_KERNEL);
    let below = 0;
    for (;;) {
      const p = pa.alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
      if (p === null) break;
      below++;
    }
    expect(kills).toBe(1);
    expect(below).toBeGreaterThan(0); // pass 3 ignored pages_min
    for (const z of pa.zones) if (z.present_pages) expect(z.free_pages).toBeLessThan(z.pages_min);
    expect(pa.machine.halted).toBeNull();
    checkPageAllocInvariants(pa);
  });

  it("never runs for atomic requests (they cannot sleep)", () => {
    let calls = 0;
    const pa = bootPA(32 * MiB, {
      flat: true,
      reclaim: () => {
        calls++;
        return 0;
      },
    });
    exhaust(pa, GFP_KERNEL);
    calls = 0;
    const stall = pa.stats.allocstall;
    let atomic = 0;
    while (pa.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 2) !== null) atomic++;
    expect(atomic).toBeGreaterThan(0); // below pages_min: GFP_ATOMIC may dip into the reserve
    expect(calls).toBe(0);
    expect(pa.stats.allocstall).toBe(stall);
  });
});

describe("kswapd wake-ups", () => {
  it("are recorded per zone when pass 1 fails, with the order, and raise kswapd_max_order", () => {
    const pa = bootPA(64 * MiB, { highmem: 0 });
    expect(pa.kswapd_events).toEqual([]);
    // Well above pages_low: no wake-up.
    pa.__free_pages(pa.alloc_pages(GFP_KERNEL, 0)!, 0);
    expect(pa.stats.kswapd_wakeups).toBe(0);
    exhaust(pa, GFP_KERNEL);
    const before = pa.kswapd_events.length;
    expect(before).toBeGreaterThan(0);
    // wakeup_kswapd tests pages_low with classzone 0: DMA, kept above it by its lowmem_reserve
    // against Normal allocations, is not woken; Normal is.
    const [dma, normal] = pa.zones;
    expect(pa.zone_watermark_ok(dma, 3, dma.pages_low, 0, false, false)).toBe(true);
    expect(pa.zone_watermark_ok(normal, 3, normal.pages_low, 0, false, false)).toBe(false);
    pa.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 3);
    const last = pa.kswapd_events.slice(before);
    expect(last.map((e) => [e.nid, e.zone, e.order])).toEqual([[0, "Normal", 3]]);
    expect(last[0].free_pages).toBeLessThanOrEqual(normal.pages_low + 8);
    expect(pa.pgdat_list.kswapd_max_order).toBe(3);
    expect(pa.zones[1].kswapd_wakeups).toBeGreaterThan(0);
    checkPageAllocInvariants(pa);
  });

  it("are not needed while pass 1 can fall back to the next zone (HighMem full, Normal free)", () => {
    const pa = bootPA(128 * MiB, { highmem: 32 * MiB });
    const high = pa.zones[2];
    let p = pa.alloc_pages(GFP_HIGHUSER, 0)!;
    while (pa.page_zone(p).name === "HighMem") p = pa.alloc_pages(GFP_HIGHUSER, 0)!;
    expect(pa.page_zone(p).name).toBe("Normal");
    expect(high.free_pages).toBe(high.pages_low); // pass 1 needs free > pages_low
    expect(pa.kswapd_events).toEqual([]);
  });
});

describe("interrupt context", () => {
  it("an allocation from an interrupt handler never takes the PF_MEMALLOC pass 3", () => {
    let irq = true;
    const got: (Page | null)[] = [];
    let pa!: PageAllocator;
    pa = bootPA(32 * MiB, {
      flat: true,
      reclaim: () => {
        const cpu = pa.machine.cpus[pa.machine.current];
        if (irq) irq_enter(cpu);
        got.push(pa.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0));
        if (irq) irq_exit(cpu);
        return 0;
      },
    });
    exhaust(pa, GFP_KERNEL);
    // Down to the atomic floor (pages_min halved, then less a quarter): pass 2 fails for everyone.
    while (pa.alloc_pages(GFP_ATOMIC | __GFP_NOWARN, 0) !== null);
    got.length = 0; // (exhaust's own reclaim call allocated while memory was still there)
    expect(pa.alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, 0)).toBeNull();
    expect(got).toEqual([null]); // in_interrupt(): no pass 3
    irq = false;
    expect(pa.alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, 0)).toBeNull();
    expect(got[1]).not.toBeNull(); // the reclaimer itself, in process context: pass 3 serves it
    expect(pa.in_interrupt()).toBe(false);
    checkPageAllocInvariants(pa);
  });
});
