/*
 * Item 5: checkKmapInvariants catches broken state, and random kmap / kunmap / kmapWait /
 * kmap_atomic sequences across CPUs keep every invariant, the reference counts and the data
 * seen through each mapping (a stale TLB entry would show another page's tag).
 */
import { asVirt, InvariantError, irq_enter, irq_exit, PAGE_SIZE, type Page, pte_pfn } from "@i386mm/hw-i386";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KmapError, KmapWouldSleepError } from "../src/errors.js";
import { checkKmapInvariants } from "../src/invariants.js";
import { readVirt } from "../src/kaccess.js";
import type { Kmap } from "../src/kmap.js";
import { KM_IRQ0, KM_TYPE_NR, type km_type } from "../src/kmap-types.js";
import { boot, highPages } from "./helpers.js";

describe("checkKmapInvariants reports corruption in plain language", () => {
  it("passes on a fresh machine and lists each broken statement", () => {
    const { machine, pa, km } = boot();
    checkKmapInvariants(km);
    const [p, q] = highPages(pa, 2);
    km.kmap(p);
    km.pkmap_count[40] = 3;
    machine.paging.writeEntry(machine.ram, km.pkmap.pkmap_page_table, 41, 0x1000 | 1);
    pa.set_page_address(q, asVirt(0xff900000));
    let err: unknown;
    try {
      checkKmapInvariants(km);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvariantError);
    const problems = (err as InvariantError).problems;
    expect(problems).toContain("pkmap slot 40 has count 3 but its pte is not present");
    expect(problems).toContain("pkmap slot 41 has count 0 but its pte is not empty (0x1001)");
    expect(problems).toContain("the pkmap counts add up to 3 users but 1 kmaps are outstanding");
    expect(problems.some((s) => s.includes("which no pkmap slot backs"))).toBe(true);
  });

  it("notices a TLB that still holds a freed slot", () => {
    const { machine, pa, km } = boot();
    const [p] = highPages(pa, 1);
    const va = km.kmap(p);
    readVirt(machine, va, 1);
    km.kunmap(p);
    /* simulate a flush that forgot the TLB: clear count and pte by hand */
    km.pkmap_count[1] = 0;
    machine.paging.writeEntry(machine.ram, km.pkmap.pkmap_page_table, 1, 0);
    pa.set_page_address(p, null);
    expect(() => checkKmapInvariants(km)).toThrow(
      /pkmap slot 1 has count 0 but CPU 0's TLB still holds 0xff801000/,
    );
  });
});

type Op =
  | { op: "kmap"; page: number; cpu: number }
  | { op: "kmapWait"; page: number; cpu: number }
  | { op: "kunmap"; pick: number; cpu: number }
  | { op: "atomic"; page: number; type: number; cpu: number }
  | { op: "unatomic"; cpu: number }
  | { op: "irq"; page: number; cpu: number }
  | { op: "flush" };

/* page indices are drawn below NPAGES_MAX and reduced modulo the run's page count */
const NPAGES_MAX = 1400;
const CPUS = 3;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("kmap" as const),
      page: fc.nat(NPAGES_MAX - 1),
      cpu: fc.nat(CPUS - 1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("kmapWait" as const),
      page: fc.nat(NPAGES_MAX - 1),
      cpu: fc.nat(CPUS - 1),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant("kunmap" as const), pick: fc.nat(), cpu: fc.nat(CPUS - 1) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("atomic" as const),
      page: fc.nat(NPAGES_MAX - 1),
      type: fc.nat(KM_TYPE_NR - 1),
      cpu: fc.nat(CPUS - 1),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("unatomic" as const), cpu: fc.nat(CPUS - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("irq" as const),
      page: fc.nat(NPAGES_MAX - 1),
      cpu: fc.nat(CPUS - 1),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ op: "flush" as const }) },
);

const tagOf = (km: Kmap, va: number): number => {
  const b = readVirt(km.machine, va, 4);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
};

function refsMatch(km: Kmap, held: Page[]): void {
  const refs = new Map<number, number>();
  for (const p of held) refs.set(p, (refs.get(p) ?? 0) + 1);
  /* collect every mismatch, then one assertion: an expect() per slot would dominate the run time */
  const wrong: string[] = [];
  for (let nr = 0; nr < km.LAST_PKMAP; nr++) {
    const c = km.pkmap_count[nr];
    if (c === 0) continue;
    const page = pte_pfn(km.pkmap.pkmap_pte(nr));
    const want = refs.get(page) ?? 0;
    if (c - 1 !== want)
      wrong.push(`slot ${nr}: count ${c} for pfn 0x${page.toString(16)} held ${want} times`);
    refs.delete(page);
  }
  for (const page of refs.keys()) wrong.push(`pfn 0x${page.toString(16)} is held without a pkmap slot`);
  expect(wrong).toEqual([]);
}

/** What the random runs went through, so the test can insist that they reached the hard paths. */
const seen = { wouldSleep: 0, slept: 0, woken: 0, flushes: 0, bugs: 0 };

/**
 * Run `ops` after `prefill` plain kmaps (so that random runs reach the exhausted pool) on a
 * machine with `npages` high pages to map: PAE (512 slots, 700 pages) or not (1024, 1400).
 */
async function run(pae: boolean, prefill: number, ops: Op[]): Promise<void> {
  /* boot()'s small machine: 16 MiB of high memory is plenty for 1400 pages and keeps the boot short */
  const { machine, pa, km } = boot({ pae, cpus: CPUS, debug_highmem: true });
  const NPAGES = pae ? 700 : 1400;
  const pages = highPages(pa, NPAGES);
  const pageOf = (i: number): Page => pages[i % NPAGES];
  for (const p of pages) machine.ram.write32(p * PAGE_SIZE, p);
  const held: Page[] = [];
  for (let i = 0; i < prefill; i++) {
    held.push(pages[i]);
    km.kmap(pages[i]);
  }
  const atomics: { va: number; type: km_type; page: Page }[][] = Array.from({ length: CPUS }, () => []);
  let waiting = 0;
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

  for (const o of ops) {
    if (o.op !== "flush") machine.setCurrentCpu(o.cpu);
    switch (o.op) {
      case "kmap": {
        const page = pageOf(o.page);
        try {
          const va = km.kmap(page);
          held.push(page);
          expect(tagOf(km, va)).toBe(page);
        } catch (e) {
          if (!(e instanceof KmapWouldSleepError)) throw e;
          expect(km.pkmap.wouldSleep()).toBe(true);
          seen.wouldSleep++;
        }
        break;
      }
      case "kmapWait": {
        const page = pageOf(o.page);
        waiting++;
        const asleep = km.pkmap.pkmap_map_wait.length;
        const mapped = km.kmapWait(page);
        if (km.pkmap.pkmap_map_wait.length > asleep) seen.slept++;
        void mapped.then(() => {
          waiting--;
          seen.woken++;
          held.push(page);
        });
        break;
      }
      case "kunmap": {
        if (held.length === 0) break;
        const [page] = held.splice(o.pick % held.length, 1);
        km.kunmap(page);
        break;
      }
      case "atomic": {
        const mine = atomics[o.cpu];
        const page = pageOf(o.page);
        const type = o.type as km_type;
        if (mine.some((a) => a.type === type)) {
          expect(() => km.kmap_atomic(page, type)).toThrow(KmapError);
          seen.bugs++;
          break;
        }
        const va = km.kmap_atomic(page, type);
        expect(tagOf(km, va)).toBe(page);
        mine.push({ va, type, page });
        break;
      }
      case "unatomic": {
        const a = atomics[o.cpu].pop();
        if (a === undefined) break;
        expect(km.kmap_atomic_to_page(a.va)).toBe(a.page);
        km.kunmap_atomic(a.va, a.type);
        break;
      }
      case "irq": {
        const cpu = machine.cpus[o.cpu];
        if (atomics[o.cpu].some((a) => a.type === KM_IRQ0)) break;
        irq_enter(cpu);
        expect(() => km.kmap(pageOf(o.page))).toThrow(KmapError);
        const va = km.kmap_atomic(pageOf(o.page), KM_IRQ0);
        expect(tagOf(km, va)).toBe(pageOf(o.page));
        km.kunmap_atomic(va, KM_IRQ0);
        irq_exit(cpu);
        break;
      }
      case "flush":
        km.flush_all_zero_pkmaps();
        break;
    }
    await settle();
    checkKmapInvariants(km);
    refsMatch(km, held);
    expect(km.pkmap.pkmap_map_wait.length).toBe(waiting);
    for (let c = 0; c < CPUS; c++) expect(machine.cpus[c].preempt_count).toBe(atomics[c].length);
  }

  /* tear down: every waiter must eventually get its page once everything is released */
  for (let c = 0; c < CPUS; c++) {
    machine.setCurrentCpu(c);
    for (let a = atomics[c].pop(); a !== undefined; a = atomics[c].pop()) km.kunmap_atomic(a.va, a.type);
  }
  machine.setCurrentCpu(0);
  for (let guard = 0; held.length > 0 || waiting > 0; guard++) {
    expect(guard).toBeLessThan(10 * NPAGES);
    const page = held.pop();
    if (page !== undefined) km.kunmap(page);
    await settle();
  }
  checkKmapInvariants(km);
  seen.flushes += km.pkmap.flushes;
  expect(km.pkmap.outstanding).toBe(0);
  expect(Array.from(km.pkmap_count).every((c) => c <= 1)).toBe(true);
}

describe("random kmap / kunmap / kmapWait / kmap_atomic across 3 CPUs", () => {
  it("PAE (512 slots, 700 pages): keeps every invariant, the reference counts and the data (seeded)", {
    timeout: 60000,
  }, async () => {
    Object.assign(seen, { wouldSleep: 0, slept: 0, woken: 0, flushes: 0, bugs: 0 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(512), fc.integer({ min: 500, max: 511 }), fc.nat(512)),
        fc.array(opArb, { minLength: 80, maxLength: 250, size: "max" }),
        (prefill, ops) => run(true, prefill, ops),
      ),
      { seed: 20050302, numRuns: 10 },
    );
    expect(seen.wouldSleep).toBeGreaterThan(0);
    expect(seen.slept).toBeGreaterThan(0);
    expect(seen.woken).toBeGreaterThan(0);
    expect(seen.flushes).toBeGreaterThan(0);
    expect(seen.bugs).toBeGreaterThan(0);
  });

  it("2-level paging (1024 slots, 1400 pages): the same, with fewer runs (seeded)", {
    timeout: 60000,
  }, async () => {
    Object.assign(seen, { wouldSleep: 0, slept: 0, woken: 0, flushes: 0, bugs: 0 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(1024), fc.integer({ min: 1000, max: 1023 }), fc.nat(1024)),
        fc.array(opArb, { minLength: 80, maxLength: 250, size: "max" }),
        (prefill, ops) => run(false, prefill, ops),
      ),
      { seed: 19991013, numRuns: 6 },
    );
    expect(seen.wouldSleep).toBeGreaterThan(0);
    expect(seen.woken).toBeGreaterThan(0);
    expect(seen.flushes).toBeGreaterThan(0);
  });

  it("exhausts the pool and wakes sleepers (a fixed long sequence, PAE)", { timeout: 60000 }, async () => {
    const ops: Op[] = [];
    for (let i = 0; i < 600; i++) ops.push({ op: "kmap", page: i, cpu: i % CPUS });
    for (let i = 0; i < 5; i++) ops.push({ op: "atomic", page: 650 + i, type: i, cpu: 2 });
    for (let i = 600; i < 620; i++) ops.push({ op: "kmapWait", page: i, cpu: 0 });
    for (let i = 0; i < 60; i++) ops.push({ op: "kunmap", pick: i * 7, cpu: 1 });
    Object.assign(seen, { wouldSleep: 0, slept: 0, woken: 0, flushes: 0, bugs: 0 });
    await run(true, 0, ops);
    // PAE: LAST_PKMAP 512 slots. 600 kmaps of distinct pages: 512 get a slot, the other 88 would sleep
    // (KmapWouldSleepError, nothing changed). All 20 kmapWait calls go to sleep on pkmap_map_wait,
    // and every one of them is woken and mapped once the kunmaps free slots (flush_all_zero_pkmaps
    // on the wrap-around turns the count-1 slots into free ones).
    expect(seen.wouldSleep).toBe(600 - 512);
    expect(seen.slept).toBe(20);
    expect(seen.woken).toBe(20);
    expect(seen.flushes).toBeGreaterThan(0);
    expect(seen.bugs).toBe(0);
  });
});
