/* Shared set-up for the kmap tests: a real Machine + PageAllocator booted as the kernel boots. */
import { type CpuFeatures, Machine, type Page } from "@i386mm/hw-i386";
import { GFP_HIGHUSER, GFP_KERNEL, PageAllocator as PA, type PageAllocator } from "@i386mm/page-alloc";
import { Kmap } from "../src/kmap.js";

export const MiB = 1024 * 1024;

/** Options of {@link boot}. */
export interface BootOpts {
  memBytes?: number;
  /** The "highmem=" boot option in bytes (page-alloc's find_max_low_pfn); see {@link boot}. */
  highmem?: number;
  pae?: boolean;
  cpus?: number;
  debug_highmem?: boolean;
  features?: Partial<CpuFeatures>;
}

/**
 * Boot a machine (2 CPUs, non-PAE by default) and build a Kmap with DEBUG_HIGHMEM checks on.
 * Without memBytes it is the smallest machine with a HighMem zone big enough for every pkmap test:
 * 84 MiB booted with "highmem=16M" (2.6.11's find_max_low_pfn moves the lowmem/highmem split down
 * while at least 64 MiB of lowmem stays): 4096 high pages, more than the 1024 + 2 a test needs, and
 * a boot several times faster than a 1 GiB machine's (mutation runs boot one per test per mutant).
 */
export function boot(opts: BootOpts = {}): { machine: Machine; pa: PageAllocator; km: Kmap } {
  const small = opts.memBytes === undefined;
  const machine = new Machine({
    memBytes: opts.memBytes ?? 84 * MiB,
    pae: opts.pae ?? false,
    cpus: opts.cpus ?? 2,
  });
  const pa = new PA(machine, { highmem: opts.highmem ?? (small ? 16 * MiB : undefined) });
  const km = new Kmap(pa, { debug_highmem: opts.debug_highmem ?? true });
  return { machine, pa, km };
}

/** Allocate `n` order-0 highmem pages. */
export function highPages(pa: PageAllocator, n: number): Page[] {
  const out: Page[] = [];
  for (let i = 0; i < n; i++) {
    const p = pa.alloc_pages(GFP_HIGHUSER, 0);
    if (p === null) throw new Error("out of highmem");
    if (!pa.PageHighMem(p)) throw new Error(`pfn ${p} is not highmem`);
    out.push(p);
  }
  return out;
}

/** Allocate one lowmem page. */
export function lowPage(pa: PageAllocator): Page {
  const p = pa.alloc_pages(GFP_KERNEL, 0);
  if (p === null || pa.PageHighMem(p)) throw new Error("no lowmem page");
  return p;
}
