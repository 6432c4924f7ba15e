import {
  _PAGE_PRESENT,
  _PAGE_PSE,
  irq_enter,
  irq_exit,
  local_bh_disable,
  local_bh_enable,
  type Page,
  pte_none,
  pte_pfn,
  type VirtAddr,
} from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { KmapError, KmapWouldSleepError } from "../src/errors.js";
import { checkKmapInvariants } from "../src/invariants.js";
import { readVirt, writeVirt } from "../src/kaccess.js";
import type { Kmap } from "../src/kmap.js";
import { Pkmap } from "../src/pkmap.js";
import { boot, highPages, lowPage } from "./helpers.js";

/** Everything kunmap/kmap must leave alone when they refuse. */
function snapshot(km: Kmap): unknown {
  const ptes: number[] = [];
  for (let nr = 0; nr < km.LAST_PKMAP; nr++) ptes.push(km.pkmap.pkmap_pte(nr));
  return {
    count: Array.from(km.pkmap_count),
    last: km.last_pkmap_nr,
    ptes,
    waiters: km.pkmap.pkmap_map_wait.length,
    outstanding: km.pkmap.outstanding,
    flushes: km.pkmap.flushes,
    preempt: km.machine.cpus.map((c) => c.preempt_count),
  };
}

describe("pkmap constants as the kernel derives them", () => {
  it("non-PAE: 1024 slots from 0xff800000", () => {
    const { km } = boot();
    expect(km.LAST_PKMAP).toBe(1024);
    expect(km.PKMAP_BASE).toBe(0xff800000);
    expect(km.pkmap.PKMAP_ADDR(1023)).toBe(0xffbff000);
    expect(km.pkmap.PKMAP_NR(0xff801234)).toBe(1);
  });

  it("PAE: 512 slots from 0xffc00000", () => {
    const { km } = boot({ pae: true });
    expect(km.LAST_PKMAP).toBe(512);
    expect(km.PKMAP_BASE).toBe(0xffc00000);
  });
});

describe("kmap / kunmap", () => {
  it("a lowmem page is its direct-mapped address and is never counted", () => {
    const { pa, km } = boot();
    const low = lowPage(pa);
    const before = snapshot(km);
    expect(km.kmap(low)).toBe(pa.page_address(low));
    km.kunmap(low);
    expect(snapshot(km)).toEqual(before);
  });

  it("the first kmap takes slot 1; page_address then returns the pkmap address", () => {
    const { pa, km } = boot();
    const [p] = highPages(pa, 1);
    expect(pa.page_address(p)).toBeNull();
    const va = km.kmap(p);
    expect(va).toBe(0xff801000);
    expect(km.pkmap_count[1]).toBe(2);
    expect(km.last_pkmap_nr).toBe(1);
    expect(pa.page_address(p)).toBe(va);
    expect(pte_pfn(km.pkmap.pkmap_pte(1))).toBe(p);
    checkKmapInvariants(km);
  });

  it("counts users; kunmap leaves the mapping in place with count 1 and a new kmap reuses it", () => {
    const { pa, km } = boot();
    const [p, q] = highPages(pa, 2);
    const va = km.kmap(p);
    expect(km.kmap(p)).toBe(va);
    expect(km.pkmap_count[1]).toBe(3);
    km.kunmap(p);
    km.kunmap(p);
    expect(km.pkmap_count[1]).toBe(1);
    expect(pa.page_address(p)).toBe(va);
    checkKmapInvariants(km);
    /* another page cannot take the count-1 slot before a flush */
    expect(km.kmap(q)).toBe(0xff802000);
    /* p gets its old slot back without a new search */
    expect(km.kmap(p)).toBe(va);
    expect(km.pkmap_count[1]).toBe(2);
    expect(km.last_pkmap_nr).toBe(2);
    checkKmapInvariants(km);
  });

  it("kunmap of a page that is not kmapped, or one unmap too many, is a BUG that changes nothing", () => {
    const { pa, km } = boot();
    const [p, q] = highPages(pa, 2);
    km.kmap(p);
    km.kunmap(p);
    const before = snapshot(km);
    expect(() => km.kunmap(q)).toThrow(KmapError);
    expect(() => km.kunmap(q)).toThrow(/kunmap_high: page \(pfn 0x[0-9a-f]+\) is not kmapped/);
    expect(() => km.kunmap(p)).toThrow(/kunmap_high: pkmap_count\[1\] would drop to 0 .* at 0xff801000/);
    expect(snapshot(km)).toEqual(before);
    checkKmapInvariants(km);
  });

  it("kmap_high / kunmap_high called directly refuse a lowmem page", () => {
    const { pa, km } = boot();
    const low = lowPage(pa);
    const before = snapshot(km);
    expect(() => km.kmap_high(low)).toThrow(/kmap_high: not a highmem page/);
    expect(() => km.kunmap_high(low)).toThrow(/kunmap_high: not a highmem page/);
    expect(() => km.kmap_high(low)).toThrow(expect.objectContaining({ call: "kmap_high", pfn: low }));
    /* the sleeping form, called directly, names kmap_high too */
    expect(() => km.pkmap.kmap_high_wait(low)).toThrow(/^kmap_high: not a highmem page/);
    expect(snapshot(km)).toEqual(before);
  });

  it("kmap_high and its sleeping form called directly in interrupt context are kmap_high's BUG", () => {
    const { machine, pa, km } = boot();
    const [p] = highPages(pa, 1);
    const before = snapshot(km);
    irq_enter(machine.cpus[0]);
    expect(() => km.kmap_high(p)).toThrow(/^kmap_high: called in interrupt context/);
    expect(() => km.pkmap.kmap_high_wait(p)).toThrow(/^kmap_high: called in interrupt context/);
    irq_exit(machine.cpus[0]);
    expect(snapshot(km)).toEqual(before);
  });

  it("kmap, kmapWait and kunmap are refused in interrupt context (hard or soft)", () => {
    const { machine, pa, km } = boot();
    const [p] = highPages(pa, 1);
    km.kmap(p);
    const before = snapshot(km);
    const cpu = machine.cpus[0];
    irq_enter(cpu);
    expect(() => km.kmap(p)).toThrow(/kmap: called in interrupt context/);
    expect(() => km.kmapWait(p)).toThrow(KmapError);
    expect(() => km.kunmap(p)).toThrow(/kunmap: called in interrupt context/);
    expect(() => km.kmap(lowPage(pa))).toThrow(KmapError);
    irq_exit(cpu);
    local_bh_disable(cpu);
    expect(() => km.kmap(p)).toThrow(KmapError);
    local_bh_enable(cpu);
    expect(snapshot(km)).toEqual(before);
    km.kunmap(p);
  });

  it("a value that is not a struct page (e.g. the address kmap returned) is refused", () => {
    const { pa, km } = boot();
    const [p] = highPages(pa, 1);
    const va = km.kmap(p);
    const before = snapshot(km);
    const notAPage = va as number as Page;
    // The value is reported as the page it was passed as (pfn), not as an address.
    expect(() => km.kunmap(notAPage)).toThrow(/kunmap: not a struct page in mem_map .*\(pfn 0xff801000\)$/);
    expect(() => km.kunmap(notAPage)).toThrow(expect.objectContaining({ addr: undefined, pfn: va }));
    expect(() => km.kmap(notAPage)).toThrow(KmapError);
    expect(() => km.kmap_atomic(notAPage, 3)).toThrow(KmapError);
    expect(snapshot(km)).toEqual(before);
  });

  it("kmap works on any CPU, and the mapping is global: another CPU reads the same frame", () => {
    const { machine, pa, km } = boot({ cpus: 4 });
    const [p] = highPages(pa, 1);
    machine.setCurrentCpu(3);
    const va = km.kmap(p);
    writeVirt(machine, va, [9, 8, 7]);
    machine.setCurrentCpu(1);
    expect(Array.from(readVirt(machine, va, 3))).toEqual([9, 8, 7]);
    km.kunmap(p);
    checkKmapInvariants(km);
  });
});

describe("wrap-around: flush_all_zero_pkmaps", () => {
  it("frees every count-1 slot, clears its PTE and page_address, and flushes all TLBs", () => {
    const { machine, pa, km } = boot({ cpus: 2 });
    const pages = highPages(pa, km.LAST_PKMAP);
    /* slots 1 .. LAST_PKMAP-1, touched through the TLB of CPU 0 and then released */
    for (let i = 0; i < km.LAST_PKMAP - 1; i++) {
      const va = km.kmap(pages[i]);
      expect(va).toBe(km.pkmap.PKMAP_ADDR(i + 1));
      readVirt(machine, va, 1);
    }
    const held = pages[5];
    km.kmap(held);
    for (let i = 0; i < km.LAST_PKMAP - 1; i++) km.kunmap(pages[i]);
    expect(km.pkmap_count[6]).toBe(2);
    expect(km.pkmap_count[7]).toBe(1);
    expect(machine.cpus[0].tlb.entries[km.pkmap.PKMAP_ADDR(7) >>> 12] ?? 0).not.toBe(0);
    checkKmapInvariants(km);
    expect(km.pkmap.flushes).toBe(0);

    /* the next search wraps to 0: flush, then slot 0 (never used) is free */
    const last = pages[km.LAST_PKMAP - 1];
    expect(km.kmap(last)).toBe(km.PKMAP_BASE);
    expect(km.pkmap.flushes).toBe(1);
    for (let nr = 1; nr < km.LAST_PKMAP; nr++) {
      if (nr === 6) continue;
      expect(km.pkmap_count[nr]).toBe(0);
      expect(pte_none(km.pkmap.pkmap_pte(nr))).toBe(true);
    }
    expect(km.pkmap_count[6]).toBe(2);
    expect(pa.page_address(held)).toBe(km.pkmap.PKMAP_ADDR(6));
    expect(pa.page_address(pages[0])).toBeNull();
    expect(machine.cpus[0].tlb.entries[km.pkmap.PKMAP_ADDR(7) >>> 12] ?? 0).toBe(0);
    checkKmapInvariants(km);
  });

  it("a flush with a count-1 slot whose PTE vanished is a BUG that changes nothing", () => {
    const { machine, pa, km } = boot();
    const [p] = highPages(pa, 1);
    km.kmap(p);
    km.kunmap(p);
    machine.paging.writeEntry(machine.ram, km.pkmap.pkmap_page_table, 1, 0);
    const before = snapshot(km);
    expect(() => km.flush_all_zero_pkmaps()).toThrow(
      /flush_all_zero_pkmaps: pkmap_count\[1\] is 1 but its pte is empty/,
    );
    expect(snapshot(km)).toEqual(before);
    expect(() => checkKmapInvariants(km)).toThrow(/pkmap slot 1 has count 1 but its pte is not present/);
  });
});

describe("exhaustion, waiting and wake-up", () => {
  function fill(km: Kmap, pages: Page[]): void {
    for (const p of pages) km.kmap(p);
  }

  it("with every slot in use, kmap refuses (it would sleep) and never overwrites a busy slot", () => {
    const { pa, km } = boot({ pae: true });
    const pages = highPages(pa, km.LAST_PKMAP + 1);
    fill(km, pages.slice(0, km.LAST_PKMAP));
    expect(Array.from(km.pkmap_count).every((c) => c === 2)).toBe(true);
    checkKmapInvariants(km);
    const before = snapshot(km);
    const extra = pages[km.LAST_PKMAP];
    expect(() => km.kmap(extra)).toThrow(KmapWouldSleepError);
    expect(() => km.kmap(extra)).toThrow(/kmap_high: every one of the pkmap slots is in use/);
    expect(snapshot(km)).toEqual(before);
    expect(pa.page_address(extra)).toBeNull();
    /* an already-mapped page still gets a reference */
    expect(km.kmap(pages[3])).toBe(pa.page_address(pages[3]));
  });

  it("kmapWait sleeps on pkmap_map_wait and a kunmap wakes it into the freed slot", async () => {
    const { machine, pa, km } = boot({ pae: true });
    const pages = highPages(pa, km.LAST_PKMAP + 1);
    fill(km, pages.slice(0, km.LAST_PKMAP));
    const extra = pages[km.LAST_PKMAP];
    machine.ram.fill(extra * 4096, 4096, 0x5a);
    let resolved: number | null = null;
    const waiting = km.kmapWait(extra).then((va) => {
      resolved = va;
      return va;
    });
    await Promise.resolve();
    expect(resolved).toBeNull();
    expect(km.pkmap.pkmap_map_wait.length).toBe(1);
    checkKmapInvariants(km);

    /* a kunmap that leaves the slot in use (count 3 -> 2) wakes nobody: no retry searches or flushes */
    km.kmap(pages[100]);
    const [last, flushes] = [km.last_pkmap_nr, km.pkmap.flushes];
    km.kunmap(pages[100]);
    expect(km.pkmap.pkmap_map_wait.length).toBe(1);
    expect([km.last_pkmap_nr, km.pkmap.flushes]).toEqual([last, flushes]);

    const victimVa = pa.page_address(pages[100])!;
    /* load the old translation into CPU 0's TLB: the retry's flush must remove it */
    expect(readVirt(machine, victimVa, 1)[0]).toBe(0);
    km.kunmap(pages[100]);
    expect(km.pkmap.pkmap_map_wait.length).toBe(0);
    const va = await waiting;
    expect(va).toBe(victimVa);
    expect(pa.page_address(extra)).toBe(victimVa);
    expect(pa.page_address(pages[100])).toBeNull();
    expect(km.pkmap_count[km.pkmap.PKMAP_NR(va)]).toBe(2);
    /* the retry flushed: no CPU may still translate the slot to the old frame */
    expect(Array.from(readVirt(machine, va, 4))).toEqual([0x5a, 0x5a, 0x5a, 0x5a]);
    checkKmapInvariants(km);
  });

  it("wakes every sleeper; those that find no slot sleep again, in order", async () => {
    const { pa, km } = boot({ pae: true });
    const pages = highPages(pa, km.LAST_PKMAP + 2);
    fill(km, pages.slice(0, km.LAST_PKMAP));
    const a = pages[km.LAST_PKMAP];
    const b = pages[km.LAST_PKMAP + 1];
    const order: string[] = [];
    const pa1 = km.kmapWait(a).then((v) => order.push(`a@${v.toString(16)}`));
    const pb1 = km.kmapWait(b).then((v) => order.push(`b@${v.toString(16)}`));
    expect(km.pkmap.pkmap_map_wait.map((w) => w.page)).toEqual([a, b]);

    const va10 = pa.page_address(pages[10])!;
    const va20 = pa.page_address(pages[20])!;
    km.kunmap(pages[10]);
    await pa1;
    expect(km.pkmap.pkmap_map_wait.map((w) => w.page)).toEqual([b]);
    km.kunmap(pages[20]);
    await pb1;
    expect(order).toEqual([`a@${va10.toString(16)}`, `b@${va20.toString(16)}`]);
    checkKmapInvariants(km);
  });

  it("two sleepers for the same page: the second finds it mapped by the first and shares the slot", async () => {
    const { pa, km } = boot({ pae: true });
    const pages = highPages(pa, km.LAST_PKMAP + 1);
    fill(km, pages.slice(0, km.LAST_PKMAP));
    const p = pages[km.LAST_PKMAP];
    const w1 = km.kmapWait(p);
    const w2 = km.kmapWait(p);
    km.kunmap(pages[7]);
    const [v1, v2] = await Promise.all([w1, w2]);
    expect(v1).toBe(v2);
    expect(km.pkmap_count[km.pkmap.PKMAP_NR(v1)]).toBe(3);
    expect(km.pkmap.pkmap_map_wait.length).toBe(0);
    checkKmapInvariants(km);
  });

  it("kmapWait resolves at once when a slot is usable, and for lowmem pages", async () => {
    const { pa, km } = boot();
    const [p] = highPages(pa, 1);
    const low = lowPage(pa);
    expect(await km.kmapWait(p)).toBe(0xff801000);
    expect(await km.kmapWait(low)).toBe(pa.page_address(low));
    expect(km.pkmap_count[1]).toBe(2);
  });
});

describe("map_new_virtual's search, step by step (mm/highmem.c)", () => {
  /* Every slot in use: slots 1 .. LAST_PKMAP-1 first, then slot 0 after the first wrap-around. */
  function fillAll(km: Kmap, pages: Page[]): void {
    for (let i = 0; i < km.LAST_PKMAP; i++) km.kmap(pages[i]);
    expect(km.last_pkmap_nr).toBe(0);
    expect(km.pkmap.flushes).toBe(1);
  }

  it("a slot left at count 1 is taken only after the next flush, almost two circles later", () => {
    const { pa, km } = boot({ pae: true });
    const pages = highPages(pa, km.LAST_PKMAP + 1);
    fillAll(km, pages);
    /* the page in the last slot goes stale: count 1, still mapped, unusable until a flush */
    const stale = pages[km.LAST_PKMAP - 2];
    const staleVa = pa.page_address(stale)!;
    expect(staleVa).toBe(km.pkmap.PKMAP_ADDR(km.LAST_PKMAP - 1));
    km.kunmap(stale);
    expect(km.pkmap.wouldSleep()).toBe(false);
    /* the search passes it (1 .. LAST-1), flushes at 0 and restarts its count, passes 0 .. LAST-2 again */
    const extra = pages[km.LAST_PKMAP];
    expect(km.kmap(extra)).toBe(staleVa);
    expect(km.last_pkmap_nr).toBe(km.LAST_PKMAP - 1);
    expect(km.pkmap.flushes).toBe(2);
    expect(pa.page_address(stale)).toBeNull();
    expect(km.pkmap_count[km.LAST_PKMAP - 1]).toBe(2);
    checkKmapInvariants(km);
  });

  it("the sleeping variant finds the same slot without the dry run", async () => {
    const { pa, km } = boot({ pae: true });
    const pages = highPages(pa, km.LAST_PKMAP + 1);
    fillAll(km, pages);
    const stale = pages[km.LAST_PKMAP - 2];
    const staleVa = pa.page_address(stale)!;
    km.kunmap(stale);
    expect(await km.kmapWait(pages[km.LAST_PKMAP])).toBe(staleVa);
    expect(km.pkmap.pkmap_map_wait.length).toBe(0);
    expect(km.pkmap.flushes).toBe(2);
    checkKmapInvariants(km);
  });

  it("a stale slot met before the wrap-around is usable after it, in the same search", () => {
    const { pa, km } = boot({ pae: true });
    const pages = highPages(pa, km.LAST_PKMAP + 1);
    fillAll(km, pages);
    /* slot 5 stale; the search from slot 1 passes it, flushes at 0, and takes it on the second pass */
    km.kunmap(pages[4]);
    expect(km.kmap(pages[km.LAST_PKMAP])).toBe(km.pkmap.PKMAP_ADDR(5));
    expect(km.last_pkmap_nr).toBe(5);
    expect(km.pkmap.flushes).toBe(2);
    checkKmapInvariants(km);
  });

  it("a full pool: the dry run says sleep, and a sleeper stops after one flush at the last slot", () => {
    const { pa, km } = boot({ pae: true });
    const pages = highPages(pa, km.LAST_PKMAP + 1);
    fillAll(km, pages);
    expect(km.pkmap.wouldSleep()).toBe(true);
    void km.kmapWait(pages[km.LAST_PKMAP]);
    /* LAST-1 slots up to the wrap, a flush, then LAST slots counted down to 0: it stops at LAST-1 */
    expect(km.pkmap.pkmap_map_wait.length).toBe(1);
    expect(km.last_pkmap_nr).toBe(km.LAST_PKMAP - 1);
    expect(km.pkmap.flushes).toBe(2);
    /* the dry run leaves everything as it was: a second look gives the same answer */
    const before = snapshot(km);
    expect(km.pkmap.wouldSleep()).toBe(true);
    expect(snapshot(km)).toEqual(before);
    checkKmapInvariants(km);
  });

  it("the dry run resumes after last_pkmap_nr: a free slot just past it is found, one before it too", () => {
    const { pa, km } = boot({ pae: true });
    const pages = highPages(pa, 3);
    km.kmap(pages[0]); // slot 1
    km.kmap(pages[1]); // slot 2
    expect(km.pkmap.wouldSleep()).toBe(false);
    expect(km.kmap(pages[2])).toBe(km.pkmap.PKMAP_ADDR(3));
    expect(km.pkmap.flushes).toBe(0);
  });

  it("a kmapWait of a page already mapped in a full pool takes another reference at once", async () => {
    const { pa, km } = boot({ pae: true });
    const pages = highPages(pa, km.LAST_PKMAP);
    fillAll(km, pages);
    const va = pa.page_address(pages[9])!;
    const nr = km.pkmap.PKMAP_NR(va);
    const flushes = km.pkmap.flushes;
    expect(await km.kmapWait(pages[9])).toBe(va);
    expect(km.pkmap_count[nr]).toBe(3);
    expect(km.pkmap.outstanding).toBe(km.LAST_PKMAP + 1);
    expect(km.pkmap.pkmap_map_wait.length).toBe(0);
    expect(km.pkmap.flushes).toBe(flushes);
    expect(km.last_pkmap_nr).toBe(0);
    checkKmapInvariants(km);
  });

  it("counts each kmap and kunmap in outstanding", () => {
    const { pa, km } = boot();
    const [p, q] = highPages(pa, 2);
    km.kmap(p);
    km.kmap(p);
    km.kmap(q);
    expect(km.pkmap.outstanding).toBe(3);
    km.kunmap(p);
    expect(km.pkmap.outstanding).toBe(2);
    km.kunmap(q);
    km.kunmap(p);
    expect(km.pkmap.outstanding).toBe(0);
    checkKmapInvariants(km);
  });
});

describe("a page whose recorded address is not a usable pkmap slot (page->virtual corrupted)", () => {
  it("kmap_high BUGs when the slot's count would stay below 2 (a free slot), changing nothing", () => {
    const { pa, km } = boot();
    const [p] = highPages(pa, 1);
    pa.set_page_address(p, km.pkmap.PKMAP_ADDR(5));
    const before = snapshot(km);
    expect(() => km.kmap(p)).toThrow(
      /kmap_high: pkmap_count\[5\] would be below 2 after the increment .*0xff805000/,
    );
    expect(snapshot(km)).toEqual(before);
  });

  it("an address just past the window, or below it, is refused by kmap_high and kunmap_high", () => {
    const { pa, km } = boot();
    const [p, q] = highPages(pa, 2);
    /* PKMAP_ADDR(LAST_PKMAP): the first page after the window */
    pa.set_page_address(p, km.pkmap.PKMAP_ADDR(km.LAST_PKMAP));
    pa.set_page_address(q, (km.PKMAP_BASE - 0x1000) as VirtAddr);
    const before = snapshot(km);
    expect(() => km.kmap(p)).toThrow(/kmap_high: pkmap_count\[1024\] would be below 2/);
    expect(() => km.kunmap(p)).toThrow(/kunmap_high: page_address is not a pkmap address .*0xffc00000/);
    expect(() => km.kmap(q)).toThrow(KmapError);
    expect(() => km.kunmap(q)).toThrow(/kunmap_high: page_address is not a pkmap address .*0xff7ff000/);
    expect(snapshot(km)).toEqual(before);
  });

  it("the last slot of the window is a pkmap address like any other", () => {
    const { pa, km } = boot();
    const pages = highPages(pa, km.LAST_PKMAP);
    for (const p of pages.slice(0, km.LAST_PKMAP - 1)) km.kmap(p);
    const last = pages[km.LAST_PKMAP - 2];
    expect(pa.page_address(last)).toBe(km.pkmap.PKMAP_ADDR(km.LAST_PKMAP - 1));
    expect(km.kmap(last)).toBe(0xffbff000);
    km.kunmap(last);
    km.kunmap(last);
    expect(km.pkmap_count[km.LAST_PKMAP - 1]).toBe(1);
    checkKmapInvariants(km);
  });
});

describe("permanent_kmaps_init", () => {
  it("finds the page table boot built for PKMAP_BASE", () => {
    const { machine, pa, km } = boot();
    const pde = machine.paging.readEntry(machine.ram, pa.swapper_pg_dir, km.PKMAP_BASE >>> 22);
    expect(km.pkmap.pkmap_page_table).toBe(pde & ~0xfff);
    const again = new Pkmap(pa, km.kmap_prot);
    expect(again.pkmap_page_table).toBe(km.pkmap.pkmap_page_table);
    expect([again.LAST_PKMAP, again.LAST_PKMAP_MASK, again.PKMAP_BASE]).toEqual([1024, 1023, 0xff800000]);
    expect(again.last_pkmap_nr).toBe(0);
    expect(Array.from(again.pkmap_count).every((c) => c === 0)).toBe(true);
  });

  it("PAE: 512 slots, mask 511", () => {
    const { pa, km } = boot({ pae: true });
    const again = new Pkmap(pa, km.kmap_prot);
    expect([again.LAST_PKMAP, again.LAST_PKMAP_MASK, again.PKMAP_BASE]).toEqual([512, 511, 0xffc00000]);
    expect(again.pkmap_count.length).toBe(512);
  });

  it("refuses a swapper_pg_dir without a page table at PKMAP_BASE (absent, or a 4 MiB page)", () => {
    const { machine, pa, km } = boot();
    const idx = km.PKMAP_BASE >>> 22;
    const pde = machine.paging.readEntry(machine.ram, pa.swapper_pg_dir, idx);
    machine.paging.writeEntry(machine.ram, pa.swapper_pg_dir, idx, 0);
    expect(() => new Pkmap(pa, km.kmap_prot)).toThrow(
      /permanent_kmaps_init: swapper_pg_dir has no page table starting at PKMAP_BASE .*0xff800000/,
    );
    machine.paging.writeEntry(machine.ram, pa.swapper_pg_dir, idx, 0x80000000 | _PAGE_PSE | _PAGE_PRESENT);
    expect(() => new Pkmap(pa, km.kmap_prot)).toThrow(KmapError);
    machine.paging.writeEntry(machine.ram, pa.swapper_pg_dir, idx, pde);
    expect(new Pkmap(pa, km.kmap_prot).pkmap_page_table).toBe(km.pkmap.pkmap_page_table);
  });
});
