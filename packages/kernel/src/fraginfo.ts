/*
 * fraginfo.ts — the model's /proc/fraginfo: external and internal fragmentation of the whole
 * machine now, one file (2.6.11 has no such file; the external half is what later kernels spread
 * over /proc/buddyinfo and debugfs extfrag/{unusable_index,extfrag_index}, the kmalloc half what
 * `perf kmem stat` prints from a trace). The figures come from the layers that own the data:
 * page-alloc's zone_fragmentation / would_alloc / SizedRequests, slab's kmalloc_fragmentation /
 * slab_fragmentation / vmalloc_fragmentation; this file composes and prints them. Format:
 *
 *   fraginfo - i386mm 1
 *   # external fragmentation: free blocks per order, per zone
 *   Node 0, zone   Normal  free 28347 pages (+12 on per-CPU lists), largest order 10, pages_min 191
 *     order             0      1 ...     10
 *     free blocks      11      3 ...     26
 *     free pages       11      6 ...  26624
 *     unusable      0.000  0.000 ...  0.060      (unusable free space index, 0..1)
 *     extfrag      -1.000 -1.000 ... -1.000      (fragmentation index: -1 = a block is free)
 *     can alloc         y      y ...      y      (zone_watermark_ok at pages_min)
 *   Node 0, GFP_KERNEL order 0-10 now: y y y y y y y y y y y
 *   # internal fragmentation: kmalloc classes (live objects; since boot in brackets)
 *   cache          live  bytes_req  bytes_alloc   waste   frag  [requests bytes_req bytes_alloc frag]
 *   # internal fragmentation: slab caches (caches with slabs)
 *   # internal fragmentation: vmalloc areas
 *   # internal fragmentation: page requests by size (get_order)
 *
 * Numbers are decimal; indexes print as the kernel's debugfs files do (%d.%03d).
 * Read-only: nothing here changes the machine.
 */
import {
  external_fragmentation,
  fixed3,
  type SizedRequestRow,
  would_alloc,
  type ZoneFragmentation,
} from "@i386mm/page-alloc";
import {
  type CacheFragmentationRow,
  type KmallocClassRow,
  kmalloc_fragmentation,
  slab_fragmentation,
  type VmallocAreaRow,
  vmalloc_fragmentation,
} from "@i386mm/slab";
import type { Kernel } from "./boot.js";

/** The whole machine's fragmentation figures (what `cat /proc/fraginfo --json` prints). */
export interface FragInfo {
  /** Per populated zone. */
  readonly external: readonly ZoneFragmentation[];
  /** Per node: would an order-N GFP_KERNEL request be served now (orders 0..10)? */
  readonly gfp_kernel: readonly { readonly node: number; readonly can_alloc: readonly boolean[] }[];
  readonly kmalloc: readonly KmallocClassRow[];
  readonly caches: readonly CacheFragmentationRow[];
  readonly vmalloc: readonly VmallocAreaRow[];
  readonly get_order: readonly SizedRequestRow[];
}

/** The layers fraginfo reads. */
export type FragKernel = Pick<Kernel, "pa" | "slab">;

/** Collect the figures of `k` now. */
export function fraginfo(k: FragKernel): FragInfo {
  return {
    external: external_fragmentation(k.pa.node_data),
    gfp_kernel: k.pa.node_data.map((pgdat) => ({ node: pgdat.node_id, can_alloc: would_alloc(pgdat) })),
    kmalloc: kmalloc_fragmentation(k.slab),
    caches: slab_fragmentation(k.slab),
    vmalloc: vmalloc_fragmentation(k.slab),
    get_order: k.pa.sized_requests.rows(),
  };
}

const pad = (v: string | number, w: number) => String(v).padStart(w);

/** 100 * waste / handed out, "%.1f%%" ("-" when nothing was handed out). */
export function fragPercent(bytesReq: number, bytesAlloc: number): string {
  return bytesAlloc > 0 ? `${((100 * (bytesAlloc - bytesReq)) / bytesAlloc).toFixed(1)}%` : "-";
}

/** The text of /proc/fraginfo (format in the file comment and the README). */
export function fraginfoText(f: FragInfo): string {
  let out = "fraginfo - i386mm 1\n";
  out += "# external fragmentation: free blocks per order, per zone\n";
  for (const z of f.external) out += zoneText(z);
  for (const n of f.gfp_kernel)
    out += `Node ${n.node}, GFP_KERNEL order 0-10 now: ${n.can_alloc.map((b) => (b ? "y" : "n")).join(" ")}\n`;
  out += kmallocText(f.kmalloc);
  out += cachesText(f.caches);
  out += vmallocText(f.vmalloc);
  out += getOrderText(f.get_order);
  return out;
}

/** One zone's block of fraginfo. */
export function zoneText(z: ZoneFragmentation): string {
  const row = (label: string, cells: readonly string[]) =>
    `  ${label.padEnd(11)}${cells.map((c) => pad(c, 7)).join("")}\n`;
  let out = `Node ${z.node}, zone ${pad(z.zone, 8)}  free ${z.free_pages} pages (+${z.pcp_pages} on per-CPU lists), `;
  out += `largest order ${z.largest_order}, pages_min ${z.pages_min}\n`;
  out += row(
    "order",
    z.nr_free.map((_, o) => String(o)),
  );
  out += row("free blocks", z.nr_free.map(String));
  out += row("free pages", z.free_pages_by_order.map(String));
  out += row(
    "unusable",
    z.unusable.map((v) => fixed3(v)),
  );
  out += row(
    "extfrag",
    z.extfrag.map((v) => fixed3(v)),
  );
  out += row(
    "can alloc",
    z.can_alloc.map((b) => (b ? "y" : "n")),
  );
  return out;
}

function kmallocText(rows: readonly KmallocClassRow[]): string {
  let out = "# internal fragmentation: kmalloc classes (live objects; since boot in brackets)\n";
  out += `${"cache".padEnd(16)}${pad("live", 7)}${pad("bytes_req", 11)}${pad("bytes_alloc", 13)}${pad("waste", 10)}${pad("frag", 7)}`;
  out += `  [${pad("requests", 9)}${pad("bytes_req", 11)}${pad("bytes_alloc", 13)}${pad("frag", 7)}]\n`;
  const sum = { live: 0, lr: 0, la: 0, n: 0, r: 0, a: 0 };
  for (const r of rows) {
    out += `${r.cache.padEnd(16)}${pad(r.live, 7)}${pad(r.live_bytes_req, 11)}${pad(r.live_bytes_alloc, 13)}`;
    out += `${pad(r.live_bytes_alloc - r.live_bytes_req, 10)}${pad(fragPercent(r.live_bytes_req, r.live_bytes_alloc), 7)}`;
    out += `  [${pad(r.requests, 9)}${pad(r.bytes_req, 11)}${pad(r.bytes_alloc, 13)}${pad(fragPercent(r.bytes_req, r.bytes_alloc), 7)}]\n`;
    sum.live += r.live;
    sum.lr += r.live_bytes_req;
    sum.la += r.live_bytes_alloc;
    sum.n += r.requests;
    sum.r += r.bytes_req;
    sum.a += r.bytes_alloc;
  }
  out += `${"total".padEnd(16)}${pad(sum.live, 7)}${pad(sum.lr, 11)}${pad(sum.la, 13)}${pad(sum.la - sum.lr, 10)}`;
  out += `${pad(fragPercent(sum.lr, sum.la), 7)}  [${pad(sum.n, 9)}${pad(sum.r, 11)}${pad(sum.a, 13)}${pad(fragPercent(sum.r, sum.a), 7)}]\n`;
  return out;
}

function cachesText(rows: readonly CacheFragmentationRow[]): string {
  let out =
    "# internal fragmentation: slab caches with slabs (bytes per slab: left_over = colour space + unused tail)\n";
  out += `${"name".padEnd(18)}${pad("objsize", 8)}${pad("reallen", 8)}${pad("num", 5)}${pad("order", 6)}${pad("slabs", 7)}`;
  out += `${pad("objs", 7)}${pad("in_use", 7)}${pad("cached", 7)}${pad("left_over", 10)}${pad("colour", 12)}${pad("pad/obj", 8)}`;
  out += `${pad("mgmt", 6)}${pad("waste", 10)}\n`;
  for (const c of rows) {
    if (c.slabs === 0) continue;
    const waste = c.slab_bytes - c.obj_bytes;
    out += `${c.name.padEnd(18)}${pad(c.objsize, 8)}${pad(c.reallen, 8)}${pad(c.num, 5)}${pad(c.gfporder, 6)}${pad(c.slabs, 7)}`;
    out += `${pad(c.objects, 7)}${pad(c.in_use, 7)}${pad(c.cached, 7)}${pad(c.left_over, 10)}`;
    out += `${pad(`${c.colour}x${c.colour_off}`, 12)}${pad(c.padding, 8)}${pad(c.off_slab ? "off" : c.mgmt, 6)}${pad(waste, 10)}\n`;
  }
  return out;
}

function vmallocText(rows: readonly VmallocAreaRow[]): string {
  let out = "# internal fragmentation: vmalloc areas (guard page and rounding per area)\n";
  out += `${"address".padEnd(24)}${pad("size", 10)}${pad("requested", 11)}${pad("guard", 7)}${pad("rounding", 10)}${pad("pages", 7)} kind\n`;
  for (const v of rows) {
    const range = `0x${hex8(v.addr)}-0x${hex8(v.addr + v.size)}`;
    out += `${range.padEnd(24)}${pad(v.size, 10)}${pad(v.requested, 11)}${pad(v.guard, 7)}${pad(v.rounding, 10)}${pad(v.pages, 7)} ${v.kind}\n`;
  }
  return out;
}

function getOrderText(rows: readonly SizedRequestRow[]): string {
  let out =
    "# internal fragmentation: page requests by size (get_order; live blocks, since boot in brackets)\n";
  out += `${"order".padEnd(6)}${pad("live", 7)}${pad("bytes_req", 11)}${pad("bytes_alloc", 13)}${pad("waste", 10)}${pad("frag", 7)}`;
  out += `  [${pad("requests", 9)}${pad("bytes_req", 11)}${pad("bytes_alloc", 13)}${pad("frag", 7)}]\n`;
  for (const r of rows) {
    out += `${String(r.order).padEnd(6)}${pad(r.live_requests, 7)}${pad(r.live_bytes_req, 11)}${pad(r.live_bytes_alloc, 13)}`;
    out += `${pad(r.live_bytes_alloc - r.live_bytes_req, 10)}${pad(fragPercent(r.live_bytes_req, r.live_bytes_alloc), 7)}`;
    out += `  [${pad(r.requests, 9)}${pad(r.bytes_req, 11)}${pad(r.bytes_alloc, 13)}${pad(fragPercent(r.bytes_req, r.bytes_alloc), 7)}]\n`;
  }
  return out;
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, "0");
}
