// Property tests: long random sequences of allocator calls (every allocation entry point, frees
// of every kind, extra references, drains, CPU switches, misuse) on small machines with all three
// zones, one and two nodes, with checkPageAllocInvariants after every operation, plus a model
// of our own that the allocator must agree with: no frame handed out twice, every block in a zone
// its GFP mask allows, aligned, zeroed when asked, compound when asked, and
// totalram_pages == free pages + per-CPU pages + pages we hold.
import { asVirt, KernelBugError, Machine, ModelCheckError } from "@i386mm/hw-i386";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BadPageError } from "../src/bad-page.js";
import {
  __GFP_COLD,
  __GFP_COMP,
  __GFP_DMA,
  __GFP_HIGH,
  __GFP_HIGHMEM,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_WAIT,
  __GFP_ZERO,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_HIGHUSER,
  GFP_KERNEL,
  GFP_NOFS,
  GFP_NOIO,
  GFP_USER,
} from "../src/gfp.js";
import { checkPageAllocInvariants } from "../src/invariants.js";
import { list_entries, type Page } from "../src/mem-map.js";
import { ZONE_DMA, ZONE_HIGHMEM } from "../src/mmzone.js";
import { PageAllocator, type PageAllocatorOptions } from "../src/page-alloc.js";
import { PG_compound } from "../src/page-flags.js";
import { changedSince, MiB, snapshot } from "./helpers.js";

/** One random operation: a kind selector and three free parameters, decoded by `step`. */
type Op = [kind: number, a: number, b: number, c: number];

const opArb: fc.Arbitrary<Op> = fc.tuple(
  fc.noBias(fc.integer({ min: 0, max: 99 })),
  fc.nat({ max: 0xffff }),
  fc.nat({ max: 0xffff }),
  fc.nat({ max: 0xffff }),
);

const GFP_CHOICES = [
  GFP_KERNEL,
  GFP_ATOMIC,
  GFP_HIGHUSER,
  GFP_DMA,
  GFP_NOIO,
  GFP_NOFS,
  GFP_USER,
  GFP_ATOMIC | __GFP_HIGHMEM,
  GFP_KERNEL | __GFP_DMA,
  GFP_NOIO | __GFP_HIGH,
  GFP_ATOMIC | __GFP_DMA,
  GFP_HIGHUSER | __GFP_NORETRY,
];

interface Block {
  page: number;
  order: number;
  compound: boolean;
  refs: number;
}

const SENTINEL = 0xdeadbeef;

/** The fuzzer's world: one booted allocator and what the test holds. */
class World {
  readonly pa: PageAllocator;
  readonly held: Block[] = [];
  /** Per frame: 1 while inside a block we hold. */
  readonly owned: Uint8Array;
  heldPages = 0;
  /** Heads of blocks freed lately (candidates for a double free). */
  readonly recentlyFreed: number[] = [];
  allocations = 0;
  failures = 0;
  misuses = 0;

  /** `misuse` false: misuse operations become drains (each costs two full snapshots). */
  constructor(
    memBytes: number,
    opts: PageAllocatorOptions & { pae?: boolean; cpus: number },
    readonly misuseOps = true,
  ) {
    const machine = new Machine({ memBytes, cpus: opts.cpus, pae: opts.pae });
    // The reclaim hook: "shrink caches" by giving back the newest blocks we hold.
    this.pa = new PageAllocator(machine, { ...opts, reclaim: () => this.reclaim() });
    this.owned = new Uint8Array(this.pa.max_pfn);
  }

  reclaim(): number {
    let freed = 0;
    for (let i = this.held.length - 1; i >= 0 && freed < 64; i--) {
      const b = this.held[i];
      if (b.refs !== 1) continue;
      this.pa.__free_pages(b.page as Page, b.order);
      this.release(i);
      freed += 1 << b.order;
    }
    return freed;
  }

  take(page: number, order: number, compound: boolean): void {
    for (let i = 0; i < 1 << order; i++) {
      if (this.owned[page + i]) throw new Error(`pfn ${page + i} handed out while we still hold it`);
      this.owned[page + i] = 1;
    }
    this.held.push({ page, order, compound, refs: 1 });
    this.heldPages += 1 << order;
  }

  /**
   * Forget held[i] after its last reference went back; scribble on its first and last frames (what
   * a later __GFP_ZERO allocation must clear; scribbling on every frame would cost host memory).
   */
  release(i: number): void {
    const b = this.held[i];
    const ram = this.pa.machine.ram;
    const last = b.page + (1 << b.order) - 1;
    for (let k = b.page; k <= last; k++) this.owned[k] = 0;
    ram.write32(b.page * 4096, SENTINEL);
    ram.write32(last * 4096 + 4092, SENTINEL);
    this.heldPages -= 1 << b.order;
    this.held[i] = this.held[this.held.length - 1];
    this.held.pop();
    this.recentlyFreed.push(b.page);
    if (this.recentlyFreed.length > 16) this.recentlyFreed.shift();
  }

  alloc(a: number, b: number, c: number): void {
    const pa = this.pa;
    const r = a % 100;
    const order = r < 60 ? 0 : r < 80 ? 1 + (a % 3) : r < 95 ? 4 + (a % 4) : 8 + (a % 3);
    let gfp = GFP_CHOICES[b % GFP_CHOICES.length] | __GFP_NOWARN;
    if (c & 1) gfp |= __GFP_ZERO;
    if (c & 2) gfp |= __GFP_COMP;
    if (c & 4) gfp |= __GFP_COLD;
    const lowmemOnly = !(gfp & __GFP_HIGHMEM);
    if (gfp & __GFP_ZERO && (gfp & (__GFP_HIGHMEM | __GFP_WAIT)) === __GFP_HIGHMEM) {
      // prep_zero_page would BUG: rejected before anything changes.
      this.expectRejected(KernelBugError, () => pa.alloc_pages(gfp, order));
      return;
    }
    let page: number | null;
    const via = (c >> 3) % 4;
    if (via === 1 && lowmemOnly && !(gfp & __GFP_COMP)) {
      const addr = pa.__get_free_pages(gfp, order);
      page = addr === 0 ? null : pa.virt_to_page(addr);
    } else if (via === 2 && order === 0 && lowmemOnly) {
      const addr = pa.get_zeroed_page(gfp);
      page = addr === 0 ? null : pa.virt_to_page(addr);
      gfp |= __GFP_ZERO;
    } else if (via === 3 && order === 0) {
      page = pa.alloc_page(gfp);
    } else {
      page = pa.alloc_pages(gfp, order);
    }
    this.allocations++;
    if (page === null) {
      this.failures++;
      return;
    }
    const zone = pa.page_zone(page as Page);
    if (gfp & __GFP_DMA && zone.idx !== ZONE_DMA) throw new Error(`GFP_DMA block in ${zone.name}`);
    if (lowmemOnly && zone.idx === ZONE_HIGHMEM) throw new Error(`lowmem request got a HighMem block`);
    if ((page - zone.zone_start_pfn) & ((1 << order) - 1))
      throw new Error(`order-${order} block ${page} misaligned`);
    if (page + (1 << order) > zone.zone_start_pfn + zone.spanned_pages)
      throw new Error("block crosses its zone");
    if (pa.page_count(page as Page) !== 1)
      throw new Error(`fresh page ${page} has count ${pa.page_count(page as Page)}`);
    const ram = pa.machine.ram;
    for (let i = 0; i < 1 << order; i++) {
      if (pa.PageReserved((page + i) as Page)) throw new Error(`reserved pfn ${page + i} handed out`);
      if (
        gfp & __GFP_ZERO &&
        (ram.read32((page + i) * 4096) !== 0 || ram.read32((page + i) * 4096 + 4092) !== 0)
      )
        throw new Error(`__GFP_ZERO block ${page} has a dirty frame ${page + i}`);
    }
    const compound = order > 0 && (gfp & __GFP_COMP) !== 0;
    if (compound !== pa.PageCompound(page as Page)) throw new Error(`compound mismatch at ${page}`);
    if (compound && pa.mem_map.index[page + 1] !== order) throw new Error("page[1].index is not the order");
    this.take(page, order, compound);
  }

  free(b: number, c: number): void {
    if (this.held.length === 0) return;
    const pa = this.pa;
    const i = b % this.held.length;
    const blk = this.held[i];
    const page = blk.page as Page;
    const lowmem = !pa.PageHighMem(page);
    if (blk.refs > 1) {
      if (blk.compound && c & 1) pa.put_page((blk.page + (c % (1 << blk.order))) as Page);
      else pa.__free_pages(page, blk.order);
      blk.refs--;
      if (pa.page_count(page) !== blk.refs) throw new Error("put dropped more than one reference");
      return;
    }
    const how = c % 5;
    if (blk.compound && how === 0) pa.put_page((blk.page + (c % (1 << blk.order))) as Page);
    else if (blk.order === 0 && how === 1) pa.free_cold_page(page);
    else if (lowmem && how === 2) pa.free_pages(pa.page_address(page)!, blk.order);
    else if (blk.order === 0 && how === 3) pa.__free_page(page);
    else pa.__free_pages(page, blk.order);
    if (pa.page_count(page) !== 0) throw new Error(`freed page ${page} still has references`);
    if (blk.compound && pa.mem_map.flags[page + 1] & (1 << PG_compound))
      throw new Error("PG_compound left set");
    this.release(i);
  }

  /** A call the kernel rejects: must throw `kind` and leave every structure exactly as before. */
  expectRejected(kind: new (...args: never[]) => Error, call: () => unknown): void {
    const before = snapshot(this.pa);
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    if (!(err instanceof kind)) throw new Error(`expected ${kind.name}, got ${String(err)}`);
    const changed = changedSince(this.pa, before);
    if (changed) throw new Error(`${(err as Error).message}: ${changed}`);
    this.misuses++;
  }

  misuse(a: number, b: number): void {
    const pa = this.pa;
    switch (a % 6) {
      case 0: {
        // Double free of a block head we gave back (it may be free, or inside a merged block).
        const p = this.recentlyFreed[b % Math.max(1, this.recentlyFreed.length)];
        if (p === undefined || this.owned[p]) return;
        this.expectRejected(BadPageError, () => pa.__free_pages(p as Page, 0));
        return;
      }
      case 1: {
        // A tail page of a held block.
        const blk = this.held.find((x) => x.order > 0);
        if (!blk) return;
        const tail = blk.page + 1 + (b % ((1 << blk.order) - 1));
        this.expectRejected(BadPageError, () => pa.__free_pages(tail as Page, 0));
        return;
      }
      case 2: {
        // The wrong order.
        const blk = this.held.find((x) => x.refs === 1);
        if (!blk) return;
        const wrong = (blk.order + 1 + (b % 10)) % 11;
        // 2.6.11 records no order: the refusal is the model's check (ModelCheckError).
        this.expectRejected(ModelCheckError, () => pa.__free_pages(blk.page as Page, wrong));
        return;
      }
      case 3: {
        // An address whose __pa is no pfn of mem_map (BUG_ON(!virt_addr_valid)).
        const addr = [0x08048000, (0xc0000000 + pa.max_mapnr * 4096) >>> 0, 0xffc00000, 0x00001000][b % 4];
        this.expectRejected(BadPageError, () => pa.free_pages(asVirt(addr), 0));
        return;
      }
      case 4: {
        // Orders alloc_pages answers with NULL.
        const before = snapshot(pa);
        const o = [11, 12, -1, 0.5, Number.NaN][b % 5];
        if (pa.alloc_pages(GFP_KERNEL, o) !== null) throw new Error(`order ${o} was served`);
        const changed = changedSince(pa, before);
        if (changed) throw new Error(`alloc_pages(order ${o}): ${changed}`);
        this.misuses++;
        return;
      }
      default: {
        // get_zeroed_page with __GFP_HIGHMEM (its BUG_ON; __get_free_pages has none).
        this.expectRejected(KernelBugError, () => pa.get_zeroed_page(GFP_HIGHUSER));
      }
    }
  }

  step(op: Op): void {
    const [kind, a, b, c] = op;
    const pa = this.pa;
    if (kind < 45) this.alloc(a, b, c);
    else if (kind < 85) this.free(b, c);
    else if (kind < 89) {
      const blk = this.held[b % Math.max(1, this.held.length)];
      if (blk) {
        pa.get_page((blk.page + (blk.compound ? c % (1 << blk.order) : 0)) as Page);
        blk.refs++;
      }
    } else if (kind < 92) pa.drain_local_pages();
    else if (kind < 97) pa.machine.setCurrentCpu(b % pa.machine.cpus.length);
    else if (this.misuseOps) this.misuse(a, b);
    else pa.drain_local_pages();
  }

  /** The accounting identity: every page given to the buddy allocator at boot is somewhere. */
  checkAccounting(): void {
    let pcp = 0;
    for (const z of this.pa.zones) for (const s of z.pageset) pcp += s.pcp[0].count + s.pcp[1].count;
    const sum = this.pa.nr_free_pages() + pcp + this.heldPages;
    if (sum !== this.pa.totalram_pages)
      throw new Error(
        `free ${this.pa.nr_free_pages()} + per-CPU ${pcp} + held ${this.heldPages} != ${this.pa.totalram_pages}`,
      );
  }
}

function describeOp(op: Op): string {
  const [kind] = op;
  const name =
    kind < 45
      ? "alloc"
      : kind < 85
        ? "free"
        : kind < 89
          ? "get_page"
          : kind < 92
            ? "drain"
            : kind < 97
              ? "cpu"
              : "misuse";
  return `${name}${JSON.stringify(op)}`;
}

/** Run `ops` on a fresh world, checking everything after each; `fullEvery` spaces the full check. */
function runOps(make: () => World, ops: Op[], fullEvery = 1): World {
  const w = make();
  checkPageAllocInvariants(w.pa);
  ops.forEach((op, i) => {
    try {
      w.step(op);
      w.checkAccounting();
      if (i % fullEvery === 0 || i === ops.length - 1) checkPageAllocInvariants(w.pa);
    } catch (e) {
      throw new Error(
        `operation ${i} ${describeOp(op)} (${w.held.length} blocks held): ${(e as Error).message}`,
      );
    }
  });
  return w;
}

const OPS = 10_000;
const ops = (n: number) => fc.array(opArb, { minLength: n, maxLength: n });

describe("random operation sequences keep every invariant", () => {
  it("one node, DMA + Normal + HighMem (96 MiB, highmem=24M), 2 CPUs: 10,000 ops per seed, full check after each", () => {
    let totals = { allocations: 0, failures: 0, misuses: 0 };
    fc.assert(
      fc.property(ops(OPS), (seq) => {
        const w = runOps(() => new World(96 * MiB, { highmem: 24 * MiB, cpus: 2 }), seq);
        totals = {
          allocations: totals.allocations + w.allocations,
          failures: totals.failures + w.failures,
          misuses: totals.misuses + w.misuses,
        };
        // Everything back: the free lists hold every page the boot handed over.
        for (let i = w.held.length - 1; i >= 0; i--) {
          for (let r = w.held[i].refs; r > 0; r--) w.pa.__free_pages(w.held[i].page as Page, w.held[i].order);
          w.release(i);
        }
        for (let cpu = 0; cpu < 2; cpu++) {
          w.pa.machine.setCurrentCpu(cpu);
          w.pa.drain_local_pages();
        }
        expect(w.pa.nr_free_pages()).toBe(w.pa.totalram_pages);
        checkPageAllocInvariants(w.pa);
      }),
      { seed: 42, numRuns: 2, endOnFailure: true },
    );
    // The sequences really exercised the interesting paths.
    expect(totals.allocations).toBeGreaterThan(8000);
    expect(totals.failures).toBeGreaterThan(0);
    expect(totals.misuses).toBeGreaterThan(100);
  }, 60_000);

  it("two nodes (node 1 holds Normal + HighMem), 4 CPUs: 10,000 ops, full check after each", () => {
    fc.assert(
      fc.property(ops(OPS), (seq) => {
        const w = runOps(() => new World(128 * MiB, { nodes: 2, highmem: 32 * MiB, cpus: 4 }), seq);
        const nodesUsed = new Set(w.held.map((b) => w.pa.page_zone(b.page as Page).zone_pgdat.node_id));
        expect(w.pa.node_data.length).toBe(2);
        expect(nodesUsed.size).toBe(2);
      }),
      { seed: 4242, numRuns: 1, endOnFailure: true },
    );
  }, 60_000);

  it("a 1 GiB PAE machine (2.6.11's 896 MiB lowmem limit): 2,000 ops, accounting after each, full check every 100 (misuse is covered above)", () => {
    fc.assert(
      fc.property(ops(2000), (seq) => {
        const w = runOps(() => new World(1024 * MiB, { pae: true, cpus: 2 }, false), seq, 100);
        expect(w.pa.zones.map((z) => z.pgalloc > 0)).toEqual([true, true, true]);
      }),
      { seed: 1105, numRuns: 1, endOnFailure: true },
    );
  }, 60_000);
});

describe("alloc then free in any order restores the buddy lists", () => {
  it("the same free blocks per order once every page is back and the per-CPU lists are drained", () => {
    const pa = new PageAllocator(new Machine({ memBytes: 64 * MiB, cpus: 2 }), { highmem: 0 });
    const drainAll = () => {
      for (let cpu = 0; cpu < 2; cpu++) {
        pa.machine.setCurrentCpu(cpu);
        pa.drain_local_pages();
      }
    };
    const freeSets = () =>
      pa.zones.map((z) =>
        z.free_area.map((a) => list_entries(pa.mem_map, a.free_list).sort((x, y) => x - y)),
      );
    drainAll();
    const before = freeSets();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10 }), fc.boolean(), fc.nat(1)), { maxLength: 300 }),
        fc.nat(),
        (reqs, shuffleSeed) => {
          const got: [Page, number][] = [];
          for (const [order, dma, cpu] of reqs) {
            pa.machine.setCurrentCpu(cpu);
            const p = pa.alloc_pages((dma ? GFP_DMA : GFP_KERNEL) | __GFP_NOWARN | __GFP_NORETRY, order);
            if (p !== null) got.push([p, order]);
          }
          // Free in an order derived from the seed (a Fisher-Yates shuffle with an LCG).
          let r = shuffleSeed >>> 0;
          for (let i = got.length - 1; i > 0; i--) {
            r = (Math.imul(r, 1664525) + 1013904223) >>> 0;
            const j = r % (i + 1);
            [got[i], got[j]] = [got[j], got[i]];
          }
          for (const [p, order] of got) {
            pa.machine.setCurrentCpu(p % 2);
            pa.__free_pages(p, order);
          }
          drainAll();
          checkPageAllocInvariants(pa);
          expect(freeSets()).toEqual(before);
        },
      ),
      { seed: 7, numRuns: 40 },
    );
  });
});
