/*
 * replay-gfp.ts — a traced kernel's gfp_flags text (6.1's show_gfp_flags names, and the older
 * names of 2.6.2x-5.x traces) as 2.6.11 GFP bits (include/linux/gfp.h of 2.6.11, page-alloc's
 * gfp.ts). What each modern flag becomes:
 *
 *   6.1 name                          2.6.11 bits                 why
 *   GFP_KERNEL, GFP_KERNEL_ACCOUNT    __GFP_WAIT|__GFP_IO|__GFP_FS  (0xd0; accounting has no counterpart)
 *   GFP_NOFS / GFP_NOIO               WAIT|IO / WAIT
 *   GFP_ATOMIC                        __GFP_HIGH                  (6.1 adds ATOMIC|KSWAPD_RECLAIM)
 *   GFP_NOWAIT                        0                           (6.1: KSWAPD_RECLAIM only; 2.6.11 always wakes kswapd)
 *   GFP_USER / GFP_HIGHUSER(_MOVABLE) GFP_USER / GFP_HIGHUSER     (no movability in 2.6.11)
 *   GFP_TRANSHUGE(_LIGHT)             HIGHUSER|COMP|NOWARN(|...)  (no THP in 2.6.11; the bits it implies)
 *   GFP_DMA / __GFP_DMA               __GFP_DMA
 *   __GFP_DIRECT_RECLAIM, __GFP_RECLAIM  __GFP_WAIT             (the caller may sleep and reclaim)
 *   __GFP_RETRY_MAYFAIL               __GFP_REPEAT                (its 2.6.11 name)
 *   __GFP_HIGH IO FS ZERO NOWARN NOFAIL NORETRY COMP HIGHMEM COLD WAIT REPEAT: the same bit
 *   __GFP_KSWAPD_RECLAIM ATOMIC MEMALLOC NOMEMALLOC HARDWALL THISNODE RECLAIMABLE MOVABLE
 *   ACCOUNT WRITE DMA32 ZEROTAGS SKIP_* NOTRACK OTHER_NODE NOLOCKDEP: no 2.6.11 counterpart (dropped)
 *
 * A name in neither list is dropped too and reported ("unmapped"); a hex remainder ("|0x400000")
 * is read as 6.1 bit values. Besides the bits, the 6.1 kmalloc cache family the flags select
 * (dma-kmalloc, kmalloc-rcl, kmalloc-cg) is kept for the SLUB side of the internal view.
 * Pure: nothing here holds machine state.
 */
import {
  __GFP_COLD,
  __GFP_COMP,
  __GFP_DMA,
  __GFP_FS,
  __GFP_HIGH,
  __GFP_HIGHMEM,
  __GFP_IO,
  __GFP_NOFAIL,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_REPEAT,
  __GFP_WAIT,
  __GFP_ZERO,
} from "@i386mm/page-alloc";

/** The 6.1 kmalloc cache family a request's flags select (mm/slab_common.c: kmalloc_type). */
export const KMALLOC_NORMAL = 0;
export const KMALLOC_CGROUP = 1;
export const KMALLOC_RECLAIM = 2;
export const KMALLOC_DMA = 3;
/** The cache name prefix of each family. */
export const KMALLOC_FAMILY_PREFIX: readonly string[] = [
  "kmalloc-",
  "kmalloc-cg-",
  "kmalloc-rcl-",
  "dma-kmalloc-",
];

/** One gfp_flags text, decoded. */
export interface DecodedGfp {
  /** The 2.6.11 GFP bits the model is asked with. */
  readonly bits: number;
  /** 6.1 kmalloc family (KMALLOC_NORMAL ...). */
  readonly family: number;
  /** Names with no 2.6.11 counterpart, as written. */
  readonly dropped: readonly string[];
  /** Names this table does not know at all. */
  readonly unknown: readonly string[];
}

const KERNEL = __GFP_WAIT | __GFP_IO | __GFP_FS;
const HIGHUSER = KERNEL | __GFP_HIGHMEM;
const TRANSHUGE_LIGHT = (HIGHUSER & ~__GFP_WAIT) | __GFP_COMP | __GFP_NOWARN;

/** Names that become 2.6.11 bits. */
const MAPPED: ReadonlyMap<string, number> = new Map([
  ["GFP_KERNEL", KERNEL],
  ["GFP_KERNEL_ACCOUNT", KERNEL],
  ["GFP_TEMPORARY", KERNEL],
  ["GFP_NOFS", __GFP_WAIT | __GFP_IO],
  ["GFP_NOIO", __GFP_WAIT],
  ["GFP_IOFS", __GFP_IO | __GFP_FS],
  ["GFP_ATOMIC", __GFP_HIGH],
  ["GFP_NOWAIT", 0],
  ["GFP_USER", KERNEL],
  ["GFP_HIGHUSER", HIGHUSER],
  ["GFP_HIGHUSER_MOVABLE", HIGHUSER],
  ["GFP_TRANSHUGE_LIGHT", TRANSHUGE_LIGHT],
  ["GFP_TRANSHUGE", TRANSHUGE_LIGHT | __GFP_WAIT],
  ["GFP_DMA", __GFP_DMA],
  ["GFP_DMA32", 0],
  ["__GFP_DMA", __GFP_DMA],
  ["__GFP_HIGHMEM", __GFP_HIGHMEM],
  ["__GFP_HIGH", __GFP_HIGH],
  ["__GFP_IO", __GFP_IO],
  ["__GFP_FS", __GFP_FS],
  ["__GFP_ZERO", __GFP_ZERO],
  ["__GFP_NOWARN", __GFP_NOWARN],
  ["__GFP_NOFAIL", __GFP_NOFAIL],
  ["__GFP_NORETRY", __GFP_NORETRY],
  ["__GFP_COMP", __GFP_COMP],
  ["__GFP_COLD", __GFP_COLD],
  ["__GFP_WAIT", __GFP_WAIT],
  ["__GFP_REPEAT", __GFP_REPEAT],
  ["__GFP_RETRY_MAYFAIL", __GFP_REPEAT],
  ["__GFP_DIRECT_RECLAIM", __GFP_WAIT],
  ["__GFP_RECLAIM", __GFP_WAIT],
  ["none", 0],
]);

/** Modern names with no 2.6.11 counterpart: accepted, dropped, listed in the summary. */
const DROPPED: ReadonlySet<string> = new Set([
  "__GFP_KSWAPD_RECLAIM",
  "__GFP_ATOMIC",
  "__GFP_MEMALLOC",
  "__GFP_NOMEMALLOC",
  "__GFP_HARDWALL",
  "__GFP_THISNODE",
  "__GFP_RECLAIMABLE",
  "__GFP_MOVABLE",
  "__GFP_ACCOUNT",
  "__GFP_WRITE",
  "__GFP_DMA32",
  "__GFP_ZEROTAGS",
  "__GFP_SKIP_ZERO",
  "__GFP_SKIP_KASAN_POISON",
  "__GFP_SKIP_KASAN_UNPOISON",
  "__GFP_SKIP_KASAN",
  "__GFP_NOTRACK",
  "__GFP_NOTRACK_FALSE_POSITIVE",
  "__GFP_OTHER_NODE",
  "__GFP_NOLOCKDEP",
  "__GFP_NO_KSWAPD",
  "__GFP_NOACCOUNT",
]);

/** 6.1 bit values (include/linux/gfp_types.h) of the flags a hex remainder can carry. */
const BITS_6_1: readonly (readonly [number, number])[] = [
  [0x1, __GFP_DMA],
  [0x2, __GFP_HIGHMEM],
  [0x20, __GFP_HIGH],
  [0x40, __GFP_IO],
  [0x80, __GFP_FS],
  [0x100, __GFP_ZERO],
  [0x400, __GFP_WAIT],
  [0x2000, __GFP_NOWARN],
  [0x4000, __GFP_REPEAT],
  [0x8000, __GFP_NOFAIL],
  [0x10000, __GFP_NORETRY],
  [0x40000, __GFP_COMP],
];

/** Decode one gfp_flags value ("GFP_KERNEL|__GFP_ZERO", "none", "0x400dc0"). */
export function decodeGfp(text: string): DecodedGfp {
  let bits = 0;
  let family = KMALLOC_NORMAL;
  let dma = false;
  let reclaimable = false;
  let account = false;
  const dropped: string[] = [];
  const unknown: string[] = [];
  for (const name of text.split("|")) {
    if (name === "") continue;
    const b = MAPPED.get(name);
    if (name === "GFP_DMA" || name === "__GFP_DMA") dma = true;
    if (name === "__GFP_RECLAIMABLE") reclaimable = true;
    if (name === "__GFP_ACCOUNT" || name === "GFP_KERNEL_ACCOUNT") account = true;
    if (b !== undefined) bits |= b;
    else if (DROPPED.has(name)) dropped.push(name);
    else if (/^0x[0-9a-f]+$/i.test(name)) {
      const v = Number.parseInt(name, 16);
      for (const [from, to] of BITS_6_1) if (v & from) bits |= to;
      if (v & 0x1) dma = true;
      if (v & 0x10) reclaimable = true;
      if (v & 0x400000) account = true;
    } else unknown.push(name);
  }
  // mm/slab_common.c: kmalloc_type(): DMA first, then reclaimable, then accounted.
  if (dma) family = KMALLOC_DMA;
  else if (reclaimable) family = KMALLOC_RECLAIM;
  else if (account) family = KMALLOC_CGROUP;
  return { bits, family, dropped, unknown };
}

/** 6.1's kmalloc cache name for a bytes_alloc and family ("kmalloc-64", "kmalloc-cg-1k"). */
export function slubKmallocName(bytesAlloc: number, family: number): string {
  const size =
    bytesAlloc >= 1024 && bytesAlloc % 1024 === 0
      ? bytesAlloc >= 1 << 20 && bytesAlloc % (1 << 20) === 0
        ? `${bytesAlloc >> 20}M`
        : `${bytesAlloc >> 10}k`
      : String(bytesAlloc);
  return `${KMALLOC_FAMILY_PREFIX[family] ?? "kmalloc-"}${size}`;
}
