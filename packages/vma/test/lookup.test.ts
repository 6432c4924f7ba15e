/*
 * The VMA lookups of mm/mmap.c against a plain sorted array of ranges: find_vma (the first VMA
 * ending above addr, mmap_cache first, hits and misses counted), find_vma_prev (and the VMA
 * before it, the cache untouched), find_vma_intersection, find_vma_prepare (the VMA at or after
 * addr, its predecessor, and the empty tree slot beside one of them where a VMA at addr is
 * linked), and find_extend_vma (get_user_pages' lookup: grows a stack down without the esp check,
 * within the rlimits).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkVmaInvariants,
  create_task,
  do_exit,
  do_mmap_pgoff,
  find_extend_vma,
  find_vma,
  find_vma_intersection,
  find_vma_prev,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_GROWSDOWN,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
  RLIMIT_STACK,
  release_task,
  schedule_to,
  type vm_area_struct,
} from "../src/index.js";
import { find_vma_prepare } from "../src/vma.js";
import { bootVm } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const BASE = 0x10000000;
/** Slot i is [BASE + i * 0x3000, + size): at least a page between any two, so nothing merges. */
const SLOT = 0x3000;

describe("find_vma, find_vma_prev, find_vma_intersection against a sorted array", () => {
  it("answer as the reference for random VMA sets and addresses; mmap_cache hits counted (seed 1313)", () => {
    const vm = bootVm();
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ slot: fc.nat(199), pages: fc.integer({ min: 1, max: 2 }) }), {
          selector: (s) => s.slot,
          minLength: 0,
          maxLength: 40,
        }),
        fc.array(fc.tuple(fc.nat(200 * SLOT + 0x4000), fc.integer({ min: 1, max: 3 * SLOT })), {
          minLength: 1,
          maxLength: 40,
        }),
        (slots, probes) => {
          const t = create_task(vm, "lookup")!;
          schedule_to(vm, t);
          const mm = t.mm!;
          const ranges = slots
            .map((s) => ({ start: BASE + s.slot * SLOT, end: BASE + s.slot * SLOT + s.pages * 4096 }))
            .sort((a, b) => a.start - b.start);
          for (const r of ranges)
            expect(do_mmap_pgoff(vm, null, r.start, r.end - r.start, RW, ANON | MAP_FIXED, 0)).toBe(r.start);
          expect(mm.map_count).toBe(ranges.length);
          const span = (v: vm_area_struct | null) =>
            v === null ? null : { start: v.vm_start, end: v.vm_end };
          for (const [off, len] of probes) {
            const a = BASE - 0x2000 + off;
            const i = ranges.findIndex((r) => a < r.end);
            const want = i < 0 ? null : ranges[i]!;
            const prev = (i < 0 ? ranges.at(-1) : ranges[i - 1]) ?? null;
            const inside = want !== null && want.start <= a;
            // find_vma_prev: same answer and the one before it; the cache is not touched
            const cache = mm.mmap_cache;
            const p = find_vma_prev(mm, a);
            expect([span(p.vma), span(p.prev)]).toEqual([want, prev]);
            expect(mm.mmap_cache).toBe(cache);
            // find_vma from a cold cache, then again: a hit only when addr is inside the answer
            mm.mmap_cache = null;
            const [h, m] = [mm.mmap_cache_hits, mm.mmap_cache_misses];
            expect(span(find_vma(mm, a))).toEqual(want);
            expect(span(find_vma(mm, a))).toEqual(want);
            expect([mm.mmap_cache_hits - h, mm.mmap_cache_misses - m]).toEqual(inside ? [1, 1] : [0, 2]);
            expect(span(mm.mmap_cache)).toEqual(want);
            // find_vma_intersection: the first VMA overlapping [a, a + len)
            const x = ranges.find((r) => r.start < a + len && a < r.end) ?? null;
            expect(span(find_vma_intersection(mm, a, a + len))).toEqual(x);
            // find_vma_prepare: a VMA containing a is answered at once; else the VMA after a, the
            // one before, and the free child slot of one of them, next to a in the tree's order
            const p2 = find_vma_prepare(mm, a);
            // (prev and the slot are left unset by 2.6.11 then: every caller unmaps or refuses)
            if (inside) expect(span(p2.vma)).toEqual(want);
            else {
              expect([span(p2.vma), span(p2.prev)]).toEqual([want, prev]);
              const { parent, left } = p2.link;
              if (ranges.length === 0) expect(parent).toBeNull();
              else {
                expect(span(parent!.entry)).toEqual(left ? want : prev);
                expect(left ? parent!.rb_left : parent!.rb_right).toBeNull();
              }
            }
          }
          do_exit(vm, 0);
          schedule_to(vm, vm.idle[0]!);
          release_task(vm, t);
        },
      ),
      { seed: 1313, numRuns: 40 },
    );
    checkVmaInvariants(vm);
  });
});

describe("the lookups at the edges of a VMA", () => {
  it("find_vma and mmap_cache: vm_start is inside, vm_end is not; no mm, no VMA", () => {
    const vm = bootVm();
    const t = create_task(vm, "edges")!;
    schedule_to(vm, t);
    const mm = t.mm!;
    expect(find_vma(mm, 0)).toBeNull();
    expect(mm.mmap_cache).toBeNull(); // a miss stores nothing
    expect(find_vma(null, BASE)).toBeNull();
    expect(find_vma_prev(null, BASE)).toEqual({ vma: null, prev: null });
    expect(find_vma_intersection(null, BASE, BASE + 4096)).toBeNull();
    const lo = do_mmap_pgoff(vm, null, BASE, 0x2000, RW, ANON | MAP_FIXED, 0);
    const hi = do_mmap_pgoff(vm, null, BASE + 0x3000, 0x1000, PROT_READ, ANON | MAP_FIXED, 0);
    const [L, H] = [find_vma(mm, lo)!, find_vma(mm, hi)!];
    expect([L.vm_start, H.vm_start]).toEqual([lo, hi]);
    // the cache holds L: a hit at its first byte and its last, a miss at its end (answered H)
    mm.mmap_cache = L;
    const count = () => [mm.mmap_cache_hits, mm.mmap_cache_misses];
    const [h0, m0] = count();
    expect(find_vma(mm, lo)).toBe(L);
    expect(find_vma(mm, lo + 0x1fff)).toBe(L);
    expect(count()).toEqual([h0 + 2, m0]);
    expect(find_vma(mm, lo + 0x2000)).toBe(H); // in the hole: the next VMA, from the tree
    expect(count()).toEqual([h0 + 2, m0 + 1]);
    expect(mm.mmap_cache).toBe(H);
    // the cache holds H: an address below it is no hit, though H is the answer
    expect(find_vma(mm, hi - 1)).toBe(H);
    expect(count()).toEqual([h0 + 2, m0 + 2]);
    expect(find_vma(mm, hi + 0x1000)).toBeNull(); // at H's end: nothing above
    expect(mm.mmap_cache).toBe(H); // kept
    // find_vma_prev at the edges: prev is the VMA ending at or below addr
    expect(find_vma_prev(mm, lo + 0x2000)).toEqual({ vma: H, prev: L });
    expect(find_vma_prev(mm, lo + 0x1fff)).toEqual({ vma: L, prev: null });
    expect(find_vma_prev(mm, hi + 0x1000)).toEqual({ vma: null, prev: H });
    // find_vma_intersection: [start, end) touching a VMA's start does not overlap it
    expect(find_vma_intersection(mm, lo + 0x2000, hi)).toBeNull();
    expect(find_vma_intersection(mm, lo + 0x2000, hi + 1)).toBe(H);
    expect(find_vma_intersection(mm, lo - 0x1000, lo)).toBeNull();
    expect(find_vma_intersection(mm, lo + 0x1fff, lo + 0x2000)).toBe(L);
    // find_vma_prepare at the edges: at L's end, H is after and L before; at H's end, nothing
    // after and the slot is H's right child; at L's start, L itself; below L, L after and no
    // prev, the slot being L's left child
    const atEnd = find_vma_prepare(mm, lo + 0x2000);
    expect([atEnd.vma === H, atEnd.prev === L]).toEqual([true, true]);
    const top = find_vma_prepare(mm, hi + 0x1000);
    expect([top.vma, top.prev === H, top.link.parent?.entry === H, top.link.left]).toEqual([
      null,
      true,
      true,
      false,
    ]);
    expect(H.vm_rb.rb_right).toBeNull();
    expect(find_vma_prepare(mm, lo).vma).toBe(L);
    const below = find_vma_prepare(mm, lo - 1);
    expect([below.vma === L, below.prev, below.link.parent?.entry === L, below.link.left]).toEqual([
      true,
      null,
      true,
      true,
    ]);
  });
});

describe("find_extend_vma", () => {
  function setup() {
    const vm = bootVm();
    const t = create_task(vm, "gup")!;
    schedule_to(vm, t);
    const s = do_mmap_pgoff(vm, null, 0xbf000000 - 4096, 4096, RW, ANON | MAP_GROWSDOWN | MAP_FIXED, 0);
    const d = do_mmap_pgoff(vm, null, 0x20000000, 4096, RW, ANON | MAP_FIXED, 0);
    return { vm, t, s, d };
  }

  it("grows a stack down to any address below it (no esp check), page aligned, accounted", () => {
    const { vm, t, s } = setup();
    t.regs.esp = s + 16; // far above: do_page_fault's esp - 32 rule would refuse this address
    const v = find_extend_vma(vm, t.mm!, s - 3 * 4096 + 5)!;
    expect([v.vm_start, v.vm_end, v.vm_pgoff]).toEqual([s - 3 * 4096, s + 4096, (s - 3 * 4096) / 4096]);
    expect([t.mm!.total_vm, t.mm!.stack_vm]).toEqual([5, 4]);
    expect(find_extend_vma(vm, t.mm!, s + 100)).toBe(v); // inside: the VMA itself
    checkVmaInvariants(vm);
  });

  it("null below a VMA that does not grow down, above every VMA, and when RLIMIT_STACK refuses (nothing changes)", () => {
    const { vm, t, s, d } = setup();
    expect(find_extend_vma(vm, t.mm!, d - 4096)).toBeNull();
    expect(find_extend_vma(vm, t.mm!, 0xbf000000)).toBeNull();
    t.signal.rlim[RLIMIT_STACK]!.rlim_cur = 2 * 4096;
    expect(find_extend_vma(vm, t.mm!, s - 2 * 4096)).toBeNull(); // 12 KiB > 8 KiB
    expect([t.mm!.mmap!.vm_start, t.mm!.total_vm, t.mm!.stack_vm]).toEqual([d, 2, 1]);
    expect(find_extend_vma(vm, t.mm!, s - 4096)!.vm_start).toBe(s - 4096); // 8 KiB: allowed
    checkVmaInvariants(vm);
  });
});
