/*
 * /proc/slabinfo, version 2.1 (mm/slab.c: s_start, s_show, slabinfo_write), one line per cache
 * in cache_chain order (newest first). With CONFIG_DEBUG_SLAB (STATS) the header says
 * "2.1 (statistics)" and the globalstat / cpustat columns follow, as the kernel prints them.
 * s_show's accounting checks print "slab: cache %s error: %s" to dmesg.
 * slabinfo_write retunes a cache ("name limit batchcount shared") through do_tune_cpucache.
 */
import { Errno } from "@i386mm/hw-i386";
import type { kmem_cache_t } from "./kmem-cache.js";
import type { SlabAllocator } from "./slab-allocator.js";

const pad = (v: number | string, w: number) => String(v).padStart(w);

/** The text of /proc/slabinfo. */
export function slabinfo(s: SlabAllocator): string {
  let out = s.debug ? "slabinfo - version: 2.1 (statistics)\n" : "slabinfo - version: 2.1\n";
  out += "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>";
  out += " : tunables <limit> <batchcount> <sharedfactor>";
  out += " : slabdata <active_slabs> <num_slabs> <sharedavail>";
  if (s.debug) {
    out +=
      " : globalstat <listallocs> <maxobjs> <grown> <reaped> <error> <maxfreeable> <freelimit> <nodeallocs>";
    out += " : cpustat <allochit> <allocmiss> <freehit> <freemiss>";
  }
  out += "\n";
  for (const c of s.cache_chain) out += `${s_show(s, c)}\n`;
  return out;
}

/** One /proc/slabinfo line (s_show), without the newline. */
export function s_show(s: SlabAllocator, c: kmem_cache_t): string {
  const t = s.slabs;
  const l3 = c.lists;
  let error: string | null = null;
  let active_objs = 0;
  let active_slabs = 0;
  let num_slabs = 0;
  for (let h = t.next[l3.slabs_full]; h !== l3.slabs_full; h = t.next[h]) {
    if (t.inuse[h] !== c.num && !error) error = "slabs_full accounting error";
    active_objs += c.num;
    active_slabs++;
  }
  for (let h = t.next[l3.slabs_partial]; h !== l3.slabs_partial; h = t.next[h]) {
    if (t.inuse[h] === c.num && !error) error = "slabs_partial inuse accounting error";
    if (!t.inuse[h] && !error) error = "slabs_partial/inuse accounting error";
    active_objs += t.inuse[h];
    active_slabs++;
  }
  for (let h = t.next[l3.slabs_free]; h !== l3.slabs_free; h = t.next[h]) {
    if (t.inuse[h] && !error) error = "slabs_free/inuse accounting error";
    num_slabs++;
  }
  num_slabs += active_slabs;
  const num_objs = num_slabs * c.num;
  if (num_objs - active_objs !== l3.free_objects && !error) error = "free_objects accounting error";
  if (error) s.machine.printk(`slab: cache ${c.name} error: ${error}`);
  const shared = l3.shared;
  const sharedLimit = shared ? shared.limit : 0;
  const sharedAvail = shared ? shared.avail : 0;
  let line = `${c.name.padEnd(17)} ${pad(active_objs, 6)} ${pad(num_objs, 6)} ${pad(c.objsize, 6)} ${pad(c.num, 4)} ${pad(2 ** c.gfporder, 4)}`;
  line += ` : tunables ${pad(c.limit, 4)} ${pad(c.batchcount, 4)} ${pad(Math.floor(sharedLimit / c.batchcount), 4)}`;
  line += ` : slabdata ${pad(active_slabs, 6)} ${pad(num_slabs, 6)} ${pad(sharedAvail, 6)}`;
  if (s.debug) {
    line += ` : globalstat ${pad(c.num_allocations, 7)} ${pad(c.high_mark, 6)} ${pad(c.grown, 5)} ${pad(c.reaped, 4)} ${pad(c.errors, 4)} ${pad(c.max_freeable, 4)} ${pad(c.free_limit, 4)} ${pad(c.node_allocs, 4)}`;
    line += ` : cpustat ${pad(c.allochit, 6)} ${pad(c.allocmiss, 6)} ${pad(c.freehit, 6)} ${pad(c.freemiss, 6)}`;
  }
  return line;
}

/**
 * slabinfo_write(buffer): "name limit batchcount shared" retunes a cache. Returns the byte
 * count on success, -EINVAL for malformed input, an unknown name or bad numbers, -ENOMEM when
 * the new arrays cannot be allocated.
 */
export function slabinfo_write(s: SlabAllocator, buffer: string): number {
  const EINVAL = -Errno.EINVAL;
  if (buffer.length > 128) return EINVAL;
  const sp = buffer.indexOf(" ");
  if (sp < 0) return EINVAL;
  const name = buffer.slice(0, sp);
  const m = /^\s*([+-]?\d+)\s+([+-]?\d+)\s+([+-]?\d+)/.exec(buffer.slice(sp + 1));
  if (m === null) return EINVAL;
  const limit = Number(m[1]);
  const batchcount = Number(m[2]);
  const shared = Number(m[3]);
  let res = EINVAL;
  for (const c of s.cache_chain) {
    if (c.name === name) {
      if (limit < 1 || batchcount < 1 || batchcount > limit || shared < 0) res = EINVAL;
      else res = s.do_tune_cpucache(c, limit, batchcount, shared);
      break;
    }
  }
  return res >= 0 ? buffer.length : res;
}
