/* Shared set-up for the kmap tests: a real Machine + PageAllocator booted as the kernel boots. */
import { type CpuFeatures, Machine, type Page } from "@i386mm/hw-i386";
import { GFP_HIGHUSER, GFP_KERNEL, PageAllocator as PA, type PageAllocator } from "@i386mm/page-alloc";
import { Kmap } from "../src/kmap.js";

export const MiB = 1024 * 1024;

/** Options of {@link boot}. */
export interface BootOpts {
  memBytes?: number;
  pae?: boolean;
  cpus?: number;
  debug_highmem?: boolean;
  features?: Partial<CpuFeatures>;
}

/** Boot a machine (1 GiB, 2 CPUs, non-PAE by default) and build a Kmap with DEBUG_HIGHMEM checks on. */
export function boot(opts: BootOpts = {}): { machine: Machine; pa: PageAllocator; km: Kmap } {
  const machine = new Machine({
    memBytes: opts.memBytes ?? 1024 * MiB,
    pae: opts.pae ?? false,
    cpus: opts.cpus ?? 2,
  });
  const pa = new PA(machine);
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
