/* Test helpers: boot a machine with the layers below vma, and a VmSystem on it. */
import { Machine } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageAllocator } from "@i386mm/page-alloc";
import { PageCache } from "@i386mm/page-cache";
import { SlabAllocator } from "@i386mm/slab";
import { VmSystem, type VmSystemOptions } from "../src/index.js";

export interface BootOptions {
  memBytes?: number;
  pae?: boolean;
  cpus?: number;
  nx?: boolean;
  vm?: VmSystemOptions;
}

/** Machine -> PageAllocator -> SlabAllocator -> Kmap -> VmSystem. */
export function bootVm(o: BootOptions = {}): VmSystem {
  const machine = new Machine({
    memBytes: o.memBytes ?? 64 << 20,
    pae: o.pae ?? false,
    cpus: o.cpus ?? 1,
    features: o.nx ? { nx: true } : undefined,
  });
  const pa = new PageAllocator(machine);
  const slab = new SlabAllocator(pa);
  const km = new Kmap(slab);
  return new VmSystem(slab, km, o.vm);
}

/**
 * Give every cached free page back to the buddy lists, so that buddyinfo reflects exactly the
 * frames in use: drain each CPU's per-CPU lists and shrink every slab cache (what memory pressure
 * and cache_reap would eventually do).
 */
export function settle(vm: VmSystem): void {
  const m = vm.machine;
  const cur = m.current;
  for (const c of vm.slab.cache_chain) vm.slab.kmem_cache_shrink(c);
  for (let i = 0; i < m.cpus.length; i++) {
    m.setCurrentCpu(i);
    vm.pa.drain_local_pages();
  }
  m.setCurrentCpu(cur);
}

/** Machine -> ... -> Kmap -> PageCache (ramfs at "/") -> VmSystem with file mappings. */
export function bootVmWithFiles(o: BootOptions = {}): { vm: VmSystem; pc: PageCache } {
  const machine = new Machine({ memBytes: o.memBytes ?? 64 << 20, pae: o.pae ?? false, cpus: o.cpus ?? 1 });
  const pa = new PageAllocator(machine);
  const slab = new SlabAllocator(pa);
  const km = new Kmap(slab);
  const pc = new PageCache(slab, km);
  return { vm: new VmSystem(slab, km, { ...o.vm, pagecache: pc }), pc };
}
