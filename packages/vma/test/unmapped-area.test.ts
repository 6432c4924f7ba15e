/*
 * Both get_unmapped_area searches of mm/mmap.c (2.6.11) against a plain statement of what they
 * choose, on random address spaces: the VMAs as a sorted array of ranges, free_area_cache and
 * mmap_base set at random, hints aligned, unaligned and past 4 GiB.
 *
 * arch_get_unmapped_area (bottom-up): a hint is taken when PAGE_ALIGN(hint) + len <= TASK_SIZE and
 * nothing overlaps it; else the lowest free range at or above free_area_cache that ends at or below
 * TASK_SIZE, then (once, unless the search already started there) the lowest at or above
 * TASK_UNMAPPED_BASE; free_area_cache becomes its end. -ENOMEM when nothing fits.
 * arch_get_unmapped_area_topdown: free_area_cache is first lowered to mmap_base; a hint as above;
 * else the highest free range whose start is at most (free_area_cache - len) & PAGE_MASK (any
 * height above the last VMA), free_area_cache becoming its start unless no VMA lies above it; then
 * the same from mmap_base; then the bottom-up search from TASK_UNMAPPED_BASE, and free_area_cache
 * put back to mmap_base. Also arch_unmap_area(_topdown) and get_unmapped_area's MAP_FIXED rules.
 */
import { Errno, PAGE_MASK, TASK_SIZE, TASK_UNMAPPED_BASE } from "@i386mm/hw-i386";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  arch_get_unmapped_area,
  arch_get_unmapped_area_topdown,
  arch_unmap_area,
  arch_unmap_area_topdown,
  create_task,
  do_exit,
  do_mmap_pgoff,
  get_unmapped_area,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_NORESERVE,
  MAP_PRIVATE,
  type mm_struct,
  PROT_NONE,
  release_task,
  schedule_to,
  type VmSystem,
  vma_list,
} from "../src/index.js";
import { bootVm } from "./helpers.js";

const P = 4096;
/** The grid the random layouts are drawn on: 16 MiB units plus a few pages, so that ranges touch. */
const U = 0x01000000;
const UNITS = TASK_SIZE / U; // 192
const ENOMEM = -Errno.ENOMEM;
const FIXED = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE;

type Range = { start: number; end: number };

/** The holes between the ranges, lowest first; the last one is open above. */
function holes(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let lo = 0;
  for (const r of ranges) {
    if (r.start > lo) out.push({ start: lo, end: r.start });
    lo = r.end;
  }
  out.push({ start: lo, end: Number.POSITIVE_INFINITY });
  return out;
}
const fits = (ranges: Range[], a: number, len: number) =>
  a + len <= TASK_SIZE && !ranges.some((r) => r.start < a + len && a < r.end);
/** PAGE_ALIGN of a 32-bit address, wrapping past 4 GiB as C does. */
const page_align = (a: number) => (Math.ceil(a / P) * P) % 2 ** 32;

/** The lowest a >= from with [a, a + len) free and a + len <= TASK_SIZE, or null. */
function lowest(ranges: Range[], from: number, len: number): number | null {
  for (const h of holes(ranges)) {
    const a = Math.max(h.start, from);
    if (a + len <= Math.min(h.end, TASK_SIZE)) return a;
  }
  return null;
}
/** The highest a <= top (a >= 0) with [a, a + len) free, the top hole being unbounded, or null. */
function highest(ranges: Range[], top: number, len: number): number | null {
  for (const h of holes(ranges).reverse()) {
    const a = Math.min(top, h.end - len);
    if (a >= h.start) return a;
  }
  return null;
}

function bottomUp(ranges: Range[], fac: number, hint: number, len: number): { addr: number; fac: number } {
  if (len > TASK_SIZE) return { addr: ENOMEM, fac };
  if (hint !== 0 && fits(ranges, page_align(hint), len)) return { addr: page_align(hint), fac };
  let a = lowest(ranges, fac, len);
  if (a === null && fac !== TASK_UNMAPPED_BASE) a = lowest(ranges, TASK_UNMAPPED_BASE, len);
  return a === null ? { addr: ENOMEM, fac } : { addr: a, fac: a + len };
}

function topDown(
  ranges: Range[],
  fac0: number,
  base: number,
  hint: number,
  len: number,
): { addr: number; fac: number } {
  if (len > TASK_SIZE) return { addr: ENOMEM, fac: fac0 };
  const fac = Math.min(fac0, base);
  if (hint !== 0 && fits(ranges, page_align(hint), len)) return { addr: page_align(hint), fac };
  for (const from of [fac, base]) {
    if (from < len) continue;
    const a = highest(ranges, ((from - len) & PAGE_MASK) >>> 0, len);
    if (a !== null) return { addr: a, fac: ranges.some((r) => r.end > a) ? a : from };
  }
  return { addr: bottomUp(ranges, TASK_UNMAPPED_BASE, hint, len).addr, fac: base };
}

// ------------------------------------------------------------------ random address spaces

/** A place on the grid: unit u plus k pages. */
const spot = (u: number, k: number) => u * U + k * P;
const arbRanges = fc
  .uniqueArray(fc.record({ u: fc.nat(UNITS - 1), k: fc.nat(2), n: fc.nat(6), m: fc.nat(2) }), {
    selector: (s) => s.u,
    maxLength: 14,
  })
  .map((slots) => {
    const out: Range[] = [];
    for (const s of [...slots].sort((a, b) => a.u - b.u)) {
      const start = spot(s.u, s.k);
      const end = Math.min(TASK_SIZE, start + s.n * U + (s.m + 1) * P);
      if (out.length > 0 && out.at(-1)!.end > start) continue;
      out.push({ start, end });
    }
    return out;
  });
const arbLen = fc.oneof(
  fc.record({ n: fc.nat(UNITS + 2), m: fc.nat(2) }).map(({ n, m }) => n * U + m * P || P),
  fc.constantFrom(P, 2 * P, U, TASK_SIZE, TASK_SIZE + P, TASK_SIZE - P),
);
const arbSpot = fc.record({ u: fc.nat(UNITS), k: fc.nat(2) }).map(({ u, k }) => spot(u, k));
const arbHint = fc.oneof(
  fc.constant(0),
  fc.constant(0),
  arbSpot,
  fc.tuple(arbSpot, fc.constantFrom(1, 0xfff)).map(([a, d]) => a + d),
  fc.constantFrom(0xfffff001, 0xffffffff, 0xc0000001, TASK_UNMAPPED_BASE),
);

function withMm(vm: VmSystem, ranges: Range[], body: (mm: mm_struct) => void) {
  const t = create_task(vm, "area")!;
  schedule_to(vm, t);
  const mm = t.mm!;
  for (const r of ranges)
    expect(do_mmap_pgoff(vm, null, r.start, r.end - r.start, PROT_NONE, FIXED, 0)).toBe(r.start);
  body(mm);
  do_exit(vm, 0);
  schedule_to(vm, vm.idle[0]!);
  release_task(vm, t);
}
/** The mm's VMAs as ranges (neighbours with equal flags were merged by mmap: same address space). */
const spans = (mm: mm_struct): Range[] => vma_list(mm).map((v) => ({ start: v.vm_start, end: v.vm_end }));

describe("arch_get_unmapped_area (bottom-up) against its statement", () => {
  it("random layouts, free_area_cache, hints and lengths (seed 2011)", () => {
    const vm = bootVm();
    fc.assert(
      fc.property(
        arbRanges,
        fc.array(fc.tuple(fc.oneof(arbSpot, fc.constant(TASK_UNMAPPED_BASE)), arbHint, arbLen), {
          minLength: 1,
          maxLength: 12,
        }),
        (ranges, probes) => {
          withMm(vm, ranges, (mm) => {
            const rs = spans(mm);
            for (const [fac, hint, len] of probes) {
              mm.free_area_cache = fac;
              const want = bottomUp(rs, fac, hint, len);
              const got = arch_get_unmapped_area(mm, null, hint, len, 0, 0);
              expect({ addr: got, fac: mm.free_area_cache }, `fac ${fac} hint ${hint} len ${len}`).toEqual(
                want,
              );
            }
          });
        },
      ),
      { seed: 2011, numRuns: 150 },
    );
  });

  it("worked cases: the exact fits at TASK_SIZE, the restart from TASK_UNMAPPED_BASE, -ENOMEM", () => {
    const vm = bootVm();
    const B = TASK_UNMAPPED_BASE;
    withMm(
      vm,
      [
        { start: B, end: B + 2 * P },
        { start: B + 3 * P, end: TASK_SIZE - 2 * P },
      ],
      (mm) => {
        mm.free_area_cache = B;
        // the one-page hole at B + 2P; a search never looks below free_area_cache
        expect(arch_get_unmapped_area(mm, null, 0, P, 0, 0)).toBe(B + 2 * P);
        expect(mm.free_area_cache).toBe(B + 3 * P);
        // two pages: only the top two pages of the user space are left, ending exactly at TASK_SIZE
        expect(arch_get_unmapped_area(mm, null, 0, 2 * P, 0, 0)).toBe(TASK_SIZE - 2 * P);
        expect(mm.free_area_cache).toBe(TASK_SIZE);
        // three pages: from the cache at TASK_SIZE nothing, restart from the base: nothing either
        expect(arch_get_unmapped_area(mm, null, 0, 3 * P, 0, 0)).toBe(ENOMEM);
        expect(mm.free_area_cache).toBe(TASK_SIZE);
        // a page: the restart from the base finds the hole at B + 2P again
        expect(arch_get_unmapped_area(mm, null, 0, P, 0, 0)).toBe(B + 2 * P);
        expect(mm.free_area_cache).toBe(B + 3 * P);
        // below the base: a search from there finds [0, B) first; no restart from a cache at the base
        mm.free_area_cache = 0;
        expect(arch_get_unmapped_area(mm, null, 0, B, 0, 0)).toBe(0);
        mm.free_area_cache = B;
        expect(arch_get_unmapped_area(mm, null, 0, B, 0, 0)).toBe(ENOMEM);
        expect(mm.free_area_cache).toBe(B);
        // hints: taken when free and below TASK_SIZE - len (at equality too), rounded up to a page
        expect(arch_get_unmapped_area(mm, null, TASK_SIZE - 2 * P, 2 * P, 0, 0)).toBe(TASK_SIZE - 2 * P);
        expect(arch_get_unmapped_area(mm, null, TASK_SIZE - 2 * P - 1, 2 * P, 0, 0)).toBe(TASK_SIZE - 2 * P);
        expect(arch_get_unmapped_area(mm, null, B + 2 * P - 0xfff, P, 0, 0)).toBe(B + 2 * P);
        expect(arch_get_unmapped_area(mm, null, 0x1000, B - P, 0, 0)).toBe(0x1000); // ends at B exactly
        expect(mm.free_area_cache).toBe(B); // a hint taken leaves the cache alone
        // a hint that overlaps the next VMA by a page, or runs past TASK_SIZE, is searched instead
        expect(arch_get_unmapped_area(mm, null, 0x1000, B, 0, 0)).toBe(ENOMEM);
        expect(arch_get_unmapped_area(mm, null, TASK_SIZE - P, 2 * P, 0, 0)).toBe(TASK_SIZE - 2 * P);
        // past 4 GiB, PAGE_ALIGN wraps to 0: the hint becomes address 0, free here
        expect(arch_get_unmapped_area(mm, null, 0xfffff001, P, 0, 0)).toBe(0);
        // len past TASK_SIZE, and all of it
        expect(arch_get_unmapped_area(mm, null, 0, TASK_SIZE + P, 0, 0)).toBe(ENOMEM);
      },
    );
    withMm(vm, [], (mm) => {
      mm.free_area_cache = B;
      expect(arch_get_unmapped_area(mm, null, 0, TASK_SIZE, 0, 0)).toBe(ENOMEM); // from B it cannot fit
      mm.free_area_cache = 0;
      expect(arch_get_unmapped_area(mm, null, 0, TASK_SIZE, 0, 0)).toBe(0);
      expect(mm.free_area_cache).toBe(TASK_SIZE);
    });
  });
});

describe("arch_get_unmapped_area_topdown against its statement", () => {
  it("random layouts, mmap_base, free_area_cache, hints and lengths (seed 2611)", () => {
    const vm = bootVm();
    fc.assert(
      fc.property(
        arbRanges,
        fc.array(fc.tuple(arbSpot, fc.integer({ min: 1, max: UNITS }), arbHint, arbLen), {
          minLength: 1,
          maxLength: 12,
        }),
        (ranges, probes) => {
          withMm(vm, ranges, (mm) => {
            const rs = spans(mm);
            for (const [fac, baseUnits, hint, len] of probes) {
              mm.free_area_cache = fac;
              mm.mmap_base = baseUnits * U;
              const want = topDown(rs, fac, mm.mmap_base, hint, len);
              const got = arch_get_unmapped_area_topdown(mm, null, hint, len, 0, 0);
              expect(
                { addr: got, fac: mm.free_area_cache },
                `fac ${fac} base ${mm.mmap_base} hint ${hint} len ${len}`,
              ).toEqual(want);
            }
          });
        },
      ),
      { seed: 2611, numRuns: 150 },
    );
  });

  it("worked cases: the cache follows the search down, the retry from mmap_base, the bottom-up fallback", () => {
    const vm = bootVm();
    const base = 0xb8000000;
    // X = [0x10000000, 0xb0000000), Y = [0xb4000000, base): holes of 256 MiB, 64 MiB, and 128 MiB above the base
    const X = { start: 0x10000000, end: 0xb0000000 };
    const Y = { start: 0xb4000000, end: base };
    withMm(vm, [X, Y], (mm) => {
      mm.mmap_base = base;
      // the cache above the base is lowered to it; 64 MiB fill the hole between X and Y exactly
      mm.free_area_cache = 0xc0000000;
      expect(arch_get_unmapped_area_topdown(mm, null, 0, 0x04000000, 0, 0)).toBe(X.end);
      expect(mm.free_area_cache).toBe(X.end);
      // the search never looks above the cache: a page goes below X, not into that hole
      expect(arch_get_unmapped_area_topdown(mm, null, 0, P, 0, 0)).toBe(X.start - P);
      expect(mm.free_area_cache).toBe(X.start - P);
      // exactly what is left below X: address 0
      expect(arch_get_unmapped_area_topdown(mm, null, 0, X.start - P, 0, 0)).toBe(0);
      expect(mm.free_area_cache).toBe(0);
      // a cache below len is no start: the retry from the base finds the top of the X-Y hole
      mm.free_area_cache = 0x1000;
      expect(arch_get_unmapped_area_topdown(mm, null, 0, 2 * P, 0, 0)).toBe(Y.start - 2 * P);
      expect(mm.free_area_cache).toBe(Y.start - 2 * P);
      // the cache equal to len: one search from address 0 up
      mm.free_area_cache = X.start;
      expect(arch_get_unmapped_area_topdown(mm, null, 0, X.start, 0, 0)).toBe(0);
      // no VMA above the fit: the cache is left where it was
      mm.mmap_base = 0xc0000000;
      mm.free_area_cache = 0xc0000000;
      expect(arch_get_unmapped_area_topdown(mm, null, 0, P, 0, 0)).toBe(0xc0000000 - P);
      expect(mm.free_area_cache).toBe(0xc0000000);
      mm.mmap_base = base;
      // len past TASK_SIZE: -ENOMEM before the cache is lowered to the base
      mm.free_area_cache = 0xbff00000;
      expect(arch_get_unmapped_area_topdown(mm, null, 0, TASK_SIZE + P, 0, 0)).toBe(ENOMEM);
      expect(mm.free_area_cache).toBe(0xbff00000);
      // a free hint is taken, rounded up; the cache is only lowered to the base
      expect(arch_get_unmapped_area_topdown(mm, null, X.end + 1, P, 0, 0)).toBe(X.end + P);
      expect(mm.free_area_cache).toBe(base);
      expect(arch_get_unmapped_area_topdown(mm, null, TASK_SIZE - P, P, 0, 0)).toBe(TASK_SIZE - P);
      // a hint running past TASK_SIZE is searched for instead, down from the base
      expect(arch_get_unmapped_area_topdown(mm, null, TASK_SIZE - P, 2 * P, 0, 0)).toBe(Y.start - 2 * P);
    });
    // all of the user space: from a cache and base at TASK_SIZE, address 0
    withMm(vm, [], (mm) => {
      mm.mmap_base = TASK_SIZE;
      mm.free_area_cache = TASK_SIZE;
      expect(arch_get_unmapped_area_topdown(mm, null, 0, TASK_SIZE, 0, 0)).toBe(0);
      expect(mm.free_area_cache).toBe(TASK_SIZE);
    });
    // mmap_base low: nothing below it fits, the bottom-up search from TASK_UNMAPPED_BASE does
    withMm(vm, [{ start: 0x08000000, end: 0x20000000 }], (mm) => {
      mm.mmap_base = 0x20000000;
      mm.free_area_cache = 0x20000000;
      expect(arch_get_unmapped_area_topdown(mm, null, 0, 0x10000000, 0, 0)).toBe(TASK_UNMAPPED_BASE);
      expect(mm.free_area_cache).toBe(0x20000000);
      // 2.5 GiB fit above the VMA, but the fallback starts at TASK_UNMAPPED_BASE: -ENOMEM
      mm.free_area_cache = 0x04000000;
      expect(arch_get_unmapped_area_topdown(mm, null, 0, 0xa0000000, 0, 0)).toBe(ENOMEM);
      expect(mm.free_area_cache).toBe(0x20000000);
    });
  });
});

describe("arch_unmap_area and arch_unmap_area_topdown", () => {
  it("bottom-up: a hole below the cache and at or above TASK_UNMAPPED_BASE moves the cache down to it", () => {
    const vm = bootVm();
    const B = TASK_UNMAPPED_BASE;
    const layout = [B - 2 * P, B, B + 2 * P].map((s) => ({ start: s, end: s + P }));
    withMm(vm, layout, (mm) => {
      const [below, atBase, next] = vma_list(mm);
      mm.free_area_cache = B + 4 * P;
      arch_unmap_area(below!);
      expect(mm.free_area_cache).toBe(B + 4 * P); // under TASK_UNMAPPED_BASE: ignored
      arch_unmap_area(next!);
      expect(mm.free_area_cache).toBe(B + 2 * P);
      arch_unmap_area(next!);
      expect(mm.free_area_cache).toBe(B + 2 * P); // at the cache: unchanged
      arch_unmap_area(atBase!);
      expect(mm.free_area_cache).toBe(B);
      arch_unmap_area(next!);
      expect(mm.free_area_cache).toBe(B); // above the cache: unchanged
    });
  });

  it("top-down: a hole whose end is above the cache moves the cache up to that end", () => {
    const vm = bootVm();
    withMm(vm, [{ start: 0x50000000, end: 0x50002000 }], (mm) => {
      const v = vma_list(mm)[0]!;
      mm.free_area_cache = 0x50002000;
      arch_unmap_area_topdown(v);
      expect(mm.free_area_cache).toBe(0x50002000);
      mm.free_area_cache = 0x50001000;
      arch_unmap_area_topdown(v);
      expect(mm.free_area_cache).toBe(0x50002000);
      mm.free_area_cache = 0x60000000;
      arch_unmap_area_topdown(v);
      expect(mm.free_area_cache).toBe(0x60000000);
    });
  });
});

describe("get_unmapped_area", () => {
  it("MAP_FIXED: the address as given up to TASK_SIZE - len, -ENOMEM past it, -EINVAL unaligned; nothing searched", () => {
    const vm = bootVm();
    withMm(vm, [{ start: 0x50000000, end: 0x50002000 }], (mm) => {
      const fac = mm.free_area_cache;
      expect(get_unmapped_area(vm, null, TASK_SIZE - 2 * P, 2 * P, 0, MAP_FIXED)).toBe(TASK_SIZE - 2 * P);
      expect(get_unmapped_area(vm, null, TASK_SIZE - P, 2 * P, 0, MAP_FIXED)).toBe(ENOMEM);
      expect(get_unmapped_area(vm, null, 0x50001000, P, 0, MAP_FIXED)).toBe(0x50001000); // mapped: still
      expect(get_unmapped_area(vm, null, 0x50000800, P, 0, MAP_FIXED)).toBe(-Errno.EINVAL);
      expect(get_unmapped_area(vm, null, 0, P, 0, MAP_FIXED)).toBe(0);
      expect(mm.free_area_cache).toBe(fac);
    });
  });

  it("otherwise the mm's layout hook chooses (top-down here, bottom-up without one); arguments that are no unsigned longs are -EINVAL", () => {
    const vm = bootVm();
    withMm(vm, [], (mm) => {
      expect(mm.mmap_base).toBe(0xb8000000);
      expect(get_unmapped_area(vm, null, 0, 2 * P, 0, 0)).toBe(0xb8000000 - 2 * P);
      mm.get_unmapped_area = null;
      mm.free_area_cache = TASK_UNMAPPED_BASE;
      expect(get_unmapped_area(vm, null, 0, 2 * P, 0, 0)).toBe(TASK_UNMAPPED_BASE);
      // a hint of 0xffffffff: PAGE_ALIGN wraps it to 0, free, so taken
      expect(get_unmapped_area(vm, null, -1 >>> 0, P, 0, 0)).toBe(0);
      for (const bad of [Number.NaN, -1, 1.5, 2 ** 32])
        for (const at of [0, 1, 2, 3]) {
          const args = [0x50000000, P, 0, 0];
          args[at] = bad;
          expect(get_unmapped_area(vm, null, args[0]!, args[1]!, args[2]!, args[3]!), `${bad} at ${at}`).toBe(
            -Errno.EINVAL,
          );
        }
      expect(get_unmapped_area(vm, null, 0x50000000, P, 0, 0)).toBe(0x50000000);
    });
  });
});
