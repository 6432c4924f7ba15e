/*
 * selection.ts — what a click selects, in every view at once. A selection starts from one thing
 * (a frame, a free list, a VMA, a slab object or cache, a vmalloc area, a pkmap or fixmap slot)
 * and is resolved against the current snapshot into what each view highlights: frames, kernel
 * virtual addresses, a slab cache and object, VMAs, a buddy cell, and an address for the page
 * walk. After each step the same source is resolved again, so a selection follows the state.
 */

import type { Kernel, Value } from "@i386mm/demo";
import { asPage, PAGE_OFFSET } from "@i386mm/hw-i386";
import { __virt_to_fix } from "@i386mm/kmap";
import type { VmSystem } from "@i386mm/vma";
import { freeBlockOf, zoneOf } from "./frames.js";
import { Owner } from "./owners.js";
import { residentFrames, userTasks } from "./process.js";
import { objectAt, slabOfPage } from "./slabs.js";
import type { Snapshot } from "./snapshot.js";

/** What was clicked. */
export type SelectionSource =
  | { readonly kind: "frame"; readonly pfn: number }
  | { readonly kind: "order"; readonly zone: string; readonly order: number }
  | { readonly kind: "vma"; readonly pid: number; readonly start: number }
  | { readonly kind: "object"; readonly addr: number }
  | { readonly kind: "cache"; readonly name: string }
  | { readonly kind: "area"; readonly addr: number }
  | { readonly kind: "pkmap"; readonly nr: number }
  | { readonly kind: "fix"; readonly idx: number };

/** What every view highlights. */
export interface Selection {
  readonly source: SelectionSource;
  readonly label: string;
  readonly pfns: ReadonlySet<number>;
  readonly vaddrs: readonly number[];
  readonly cache: string | null;
  readonly object: number | null;
  /** "pid:start" of the VMAs concerned. */
  readonly vmas: ReadonlySet<string>;
  /** "zoneKey/order" of the buddy cell concerned. */
  readonly zoneOrder: string | null;
  /** An address for the page walk: in a process (pid) or the kernel (null). */
  readonly walk: { readonly pid: number | null; readonly va: number } | null;
}

const hx = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Resolve a source against the current state; null when it no longer exists. */
export function resolveSelection(
  k: Kernel,
  vm: VmSystem | null,
  snap: Snapshot,
  src: SelectionSource,
): Selection | null {
  const empty = {
    source: src,
    pfns: new Set<number>(),
    vaddrs: [] as number[],
    cache: null as string | null,
    object: null as number | null,
    vmas: new Set<string>(),
    zoneOrder: null as string | null,
    walk: null as Selection["walk"],
  };
  const fm = snap.frames;
  switch (src.kind) {
    case "frame": {
      const pfn = src.pfn;
      if (pfn < 0 || pfn >= fm.nr) return null;
      const sel = { ...empty, label: `frame ${hx(pfn)}`, pfns: new Set([pfn]) };
      const virt = k.pa.page_address(asPage(pfn));
      if (virt !== null) sel.vaddrs.push(virt);
      const v = fm.vmalloc.get(pfn);
      if (v) sel.vaddrs.push(v.area.addr + v.index * 4096);
      for (const s of snap.pkmap.slots) if (s.pfn === pfn && s.count > 0) sel.vaddrs.push(s.addr);
      for (const s of snap.fix) if (s.pfn === pfn) sel.vaddrs.push(s.addr);
      const block = freeBlockOf(k, fm, pfn);
      const z = zoneOf(k, pfn);
      if (block && z) sel.zoneOrder = `${z.zone_pgdat.node_id}:${z.name}/${block.order}`;
      if (fm.owner[pfn] === Owner.SLAB) sel.cache = slabOfPage(k, pfn)?.cache.name ?? null;
      const users = fm.userMaps.get(pfn) ?? [];
      for (const u of users) {
        const t = snap.tasks.find((x) => x.pid === u.pid);
        const vma = t?.vmas.find((x) => u.va >= x.start && u.va < x.end);
        if (vma) sel.vmas.add(`${u.pid}:${vma.start}`);
      }
      sel.walk = users[0]
        ? { pid: users[0].pid, va: users[0].va }
        : virt !== null
          ? { pid: null, va: virt }
          : null;
      return sel;
    }
    case "order": {
      const z = k.pa.zones.find((x) => `${x.zone_pgdat.node_id}:${x.name}` === src.zone);
      if (!z) return null;
      const pfns = new Set<number>();
      const next = k.pa.mem_map.lru_next;
      const head = z.free_area[src.order]!.free_list;
      for (let p = next[head]!; p !== head; p = next[p]!)
        for (let i = 0; i < 1 << src.order; i++) pfns.add(p + i);
      return {
        ...empty,
        label: `free_area[${src.order}] of ${z.name}: ${z.free_area[src.order]!.nr_free} blocks`,
        pfns,
        zoneOrder: `${src.zone}/${src.order}`,
      };
    }
    case "vma": {
      const t = vm ? userTasks(vm).find((x) => x.pid === src.pid) : undefined;
      const view = snap.tasks.find((x) => x.pid === src.pid);
      const vma = view?.vmas.find((x) => x.start === src.start);
      if (!t || !vm || !vma) return null;
      return {
        ...empty,
        label: `pid ${t.pid} VMA ${hx(vma.start)}-${hx(vma.end)} ${vma.perms} ${vma.label}`,
        pfns: new Set(residentFrames(k, vm, t, vma.start, vma.end)),
        vmas: new Set([`${src.pid}:${src.start}`]),
        walk: { pid: src.pid, va: vma.start },
      };
    }
    case "object": {
      const o = objectAt(k, src.addr);
      if (!o) return null;
      const pfn = Math.floor((o.objAddr - PAGE_OFFSET) / 4096);
      return {
        ...empty,
        label: `object ${hx(o.objAddr)} (#${o.index} of a "${o.cache.name}" slab)`,
        pfns: new Set([pfn]),
        vaddrs: [o.objAddr],
        cache: o.cache.name,
        object: o.objAddr,
        walk: { pid: null, va: o.objAddr },
      };
    }
    case "cache": {
      const c = snap.caches.find((x) => x.name === src.name);
      if (!c) return null;
      const pfns = new Set<number>();
      const t = k.slab.slabs;
      const per = c.pagesPerSlab;
      for (const head of [c.cache.lists.slabs_full, c.cache.lists.slabs_partial, c.cache.lists.slabs_free]) {
        for (let h = t.next[head]!; h !== head; h = t.next[h]!) {
          const first = Math.floor((t.s_mem[h]! - t.colouroff[h]! - PAGE_OFFSET) / 4096);
          for (let i = 0; i < per; i++) pfns.add(first + i);
        }
      }
      return { ...empty, label: `cache "${c.name}": ${pfns.size} pages`, pfns, cache: c.name };
    }
    case "area": {
      const a = k.slab.vm.vmlist.find((x) => x.addr === src.addr);
      if (!a) return null;
      const pfns = new Set<number>();
      for (const p of a.pages ?? []) if (p !== null) pfns.add(p);
      return {
        ...empty,
        label: `vmalloc area ${hx(a.addr)}-${hx(a.addr + a.size)} (${a.nr_pages} pages + guard)`,
        pfns,
        vaddrs: [a.addr],
        walk: { pid: null, va: a.addr },
      };
    }
    case "pkmap": {
      const s = snap.pkmap.slots[src.nr];
      if (!s) return null;
      return {
        ...empty,
        label: `pkmap slot ${s.nr} at ${hx(s.addr)}, pkmap_count ${s.count}`,
        pfns: new Set(s.pfn >= 0 ? [s.pfn] : []),
        vaddrs: [s.addr],
        walk: { pid: null, va: s.addr },
      };
    }
    case "fix": {
      const s = snap.fix.find((x) => x.idx === src.idx);
      if (!s) return null;
      return {
        ...empty,
        label: `${s.name} at ${hx(s.addr)}`,
        pfns: new Set(s.pfn >= 0 ? [s.pfn] : []),
        vaddrs: [s.addr],
        walk: { pid: null, va: s.addr },
      };
    }
  }
}

/**
 * What a scenario variable points at, as a selection source: a `struct page *`, pfn or physical
 * address selects its frame; a kernel virtual address selects the vmalloc area, pkmap slot or
 * fixmap slot it falls in, else the slab object there, else its lowmem frame; a kmem_cache_t
 * selects its cache, a vm_struct its area. Anything else (a count, a flag, an errno): null.
 */
export function sourceOfValue(k: Kernel, v: Value): SelectionSource | null {
  if (v.t === "obj") {
    const o = v.v as { name?: unknown; addr?: unknown };
    if (v.kind === "kmem_cache_t" && typeof o.name === "string") return { kind: "cache", name: o.name };
    if (v.kind === "struct vm_struct" && typeof o.addr === "number") return { kind: "area", addr: o.addr };
    return null;
  }
  if (v.t !== "num") return null;
  const nr = k.pa.mem_map.nr_pages;
  const frame = (pfn: number): SelectionSource | null =>
    Number.isInteger(pfn) && pfn >= 0 && pfn < nr ? { kind: "frame", pfn } : null;
  switch (v.kind) {
    case "page":
    case "pfn":
      return frame(v.v);
    case "phys":
      return frame(Math.floor(v.v / 4096));
    case "addr": {
      const a = v.v >>> 0;
      if (a < PAGE_OFFSET) return null;
      const area = k.slab.vm.vmlist.find((x) => a >= x.addr && a < x.addr + x.size);
      if (area) return { kind: "area", addr: area.addr };
      const l = k.pa.layout;
      if (a >= l.PKMAP_BASE && a < l.PKMAP_BASE + l.LAST_PKMAP * 4096)
        return { kind: "pkmap", nr: Math.floor((a - l.PKMAP_BASE) / 4096) };
      if (a >= l.FIXADDR_BOOT_START && a < l.FIXADDR_TOP + 4096)
        return { kind: "fix", idx: __virt_to_fix(a & ~0xfff) };
      if (a >= k.pa.high_memory) return null;
      const obj = objectAt(k, a);
      if (obj) return { kind: "object", addr: obj.objAddr };
      return frame(Math.floor((a - PAGE_OFFSET) / 4096));
    }
    default:
      return null;
  }
}
