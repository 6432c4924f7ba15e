/*
 * views.ts — the /proc files a scenario can `cat`, and their JSON forms for --json.
 * The text is exactly what the layers render (page-alloc: buddyinfo, zoneinfo, meminfo,
 * pagetypeinfo; slab: slabinfo, vmallocinfo — fs/proc/proc_misc.c, mm/slab.c, mm/vmalloc.c);
 * the JSON is parsed back from that text so it can never disagree with what is printed.
 * Invariant: viewJson is a pure function of the lines.
 */

/** Names accepted by `cat /proc/<name>`. */
export const VIEW_NAMES = [
  "buddyinfo",
  "zoneinfo",
  "meminfo",
  "pagetypeinfo",
  "slabinfo",
  "vmallocinfo",
  "fraginfo",
] as const;

/**
 * The /proc files 2.6.11 did not have, and the model's own: what `cat` says beside them
 * (fs/proc/proc_misc.c of 2.6.11 creates meminfo, slabinfo and buddyinfo, not these).
 */
export const VIEW_NOTES: Readonly<Record<string, string>> = {
  zoneinfo:
    "/proc/zoneinfo is not in 2.6.11 (it appeared in 2.6.13): printed in 2.6.13's first format from the model's zones",
  pagetypeinfo:
    "/proc/pagetypeinfo is not in 2.6.11 (it appeared in 2.6.24, with migrate types 2.6.11 has none of): 6.1's format, one row per zone of type i386mm:all (the model's label)",
  vmallocinfo:
    "/proc/vmallocinfo is not in 2.6.11 (it appeared in 2.6.28): 6.1's line format from the model's vmlist",
  fraginfo: "/proc/fraginfo is i386mm's own view: no kernel has this file",
};

/** One /proc/buddyinfo line: `Node %d, zone %8s ` + 11 x `%6lu `. */
export interface BuddyinfoRow {
  readonly node: number;
  readonly zone: string;
  /** nr_free of orders 0..10 (blocks, not pages). */
  readonly free: readonly number[];
}

/** Parse /proc/buddyinfo. */
export function parseBuddyinfo(lines: readonly string[]): BuddyinfoRow[] {
  const out: BuddyinfoRow[] = [];
  for (const l of lines) {
    const m = /^Node (\d+), zone\s+(\S+)((?:\s+\d+)+)\s*$/.exec(l);
    if (m) out.push({ node: Number(m[1]), zone: m[2]!, free: m[3]!.trim().split(/\s+/).map(Number) });
  }
  return out;
}

/** Parse /proc/meminfo (`Key:   value kB`) into numbers (kB, or plain counts). */
export function parseMeminfo(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) {
    const m = /^([^:]+):\s+(\d+)/.exec(l);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Parse /proc/slabinfo 2.1 rows. */
export function parseSlabinfo(lines: readonly string[]): Record<string, number | string>[] {
  const out: Record<string, number | string>[] = [];
  for (const l of lines) {
    if (l.startsWith("slabinfo") || l.startsWith("#")) continue;
    const m =
      /^(\S.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+) : tunables\s+(\d+)\s+(\d+)\s+(\d+) : slabdata\s+(\d+)\s+(\d+)\s+(\d+)/.exec(
        l,
      );
    if (!m) continue;
    const k = [
      "active_objs",
      "num_objs",
      "objsize",
      "objperslab",
      "pagesperslab",
      "limit",
      "batchcount",
      "sharedfactor",
      "active_slabs",
      "num_slabs",
      "sharedavail",
    ];
    const row: Record<string, number | string> = { name: m[1]! };
    k.forEach((key, i) => {
      row[key] = Number(m[i + 2]);
    });
    out.push(row);
  }
  return out;
}

/** Parse /proc/vmallocinfo rows: `0xSTART-0xEND SIZE caller ...`. */
export function parseVmallocinfo(lines: readonly string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of lines) {
    const m = /^0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\d+)\s*(.*)$/.exec(l);
    if (m)
      out.push({
        start: Number.parseInt(m[1]!, 16),
        end: Number.parseInt(m[2]!, 16),
        size: Number(m[3]),
        rest: m[4],
      });
  }
  return out;
}

/** One zone of /proc/zoneinfo: its counters, protection (lowmem_reserve) and per-CPU lists. */
export interface ZoneinfoZone {
  readonly node: number;
  readonly zone: string;
  /** Every `name value` counter: free (from "pages free"), min, low, high, spanned, present, start_pfn ... */
  readonly fields: Record<string, number>;
  readonly protection: readonly number[];
  /** Per-CPU lists: `{ cpu, pcp (0 hot, 1 cold), count, low, high, batch }`. */
  readonly pagesets: readonly Record<string, number>[];
}

/** Parse /proc/zoneinfo (mm/vmstat.c zoneinfo_show layout, as page-alloc renders it). */
export function parseZoneinfo(lines: readonly string[]): ZoneinfoZone[] {
  const out: {
    node: number;
    zone: string;
    fields: Record<string, number>;
    protection: number[];
    pagesets: Record<string, number>[];
  }[] = [];
  let pcp: Record<string, number> | undefined;
  for (const l of lines) {
    const head = /^Node (\d+), zone\s+(\S+)/.exec(l);
    if (head) {
      out.push({ node: Number(head[1]), zone: head[2]!, fields: {}, protection: [], pagesets: [] });
      pcp = undefined;
      continue;
    }
    const z = out.at(-1);
    if (!z) continue;
    const prot = /^\s+protection: \(([\d, ]*)\)/.exec(l);
    if (prot) {
      z.protection = prot[1]!.split(",").map((x) => Number(x.trim()));
      continue;
    }
    const set = /^\s+cpu: (\d+) pcp: (\d+)/.exec(l);
    if (set) {
      pcp = { cpu: Number(set[1]), pcp: Number(set[2]) };
      z.pagesets.push(pcp);
      continue;
    }
    const kv = /^(\s+)(pages free|[a-z_]+):?\s+(\d+)/.exec(l);
    if (!kv) continue;
    const key = kv[2] === "pages free" ? "free" : kv[2]!;
    // The per-CPU counters are indented deeper than the zone's and follow a `cpu:` line.
    if (pcp && kv[1]!.length > 8 && ["count", "low", "high", "batch"].includes(key)) pcp[key] = Number(kv[3]);
    else {
      pcp = undefined;
      z.fields[key] = Number(kv[3]);
    }
  }
  return out;
}

/** /proc/pagetypeinfo: the pageblock geometry and free blocks per order, per zone and type. */
export interface Pagetypeinfo {
  readonly pageblock_order: number | null;
  readonly pages_per_block: number | null;
  readonly free: readonly { node: number; zone: string; type: string; counts: readonly number[] }[];
}

/** Parse /proc/pagetypeinfo. */
export function parsePagetypeinfo(lines: readonly string[]): Pagetypeinfo {
  let order: number | null = null;
  let per: number | null = null;
  const free: { node: number; zone: string; type: string; counts: number[] }[] = [];
  for (const l of lines) {
    const o = /^Page block order:\s+(\d+)/.exec(l);
    if (o) order = Number(o[1]);
    const p = /^Pages per block:\s+(\d+)/.exec(l);
    if (p) per = Number(p[1]);
    const r = /^Node\s+(\d+), zone\s+(\S+), type\s+(\S+)((?:\s+\d+)+)\s*$/.exec(l);
    if (r)
      free.push({
        node: Number(r[1]),
        zone: r[2]!,
        type: r[3]!,
        counts: r[4]!.trim().split(/\s+/).map(Number),
      });
  }
  return { pageblock_order: order, pages_per_block: per, free };
}

/** The JSON form of a view. */
export function viewJson(name: string, lines: readonly string[]): unknown {
  switch (name) {
    case "buddyinfo":
      return { rows: parseBuddyinfo(lines), lines };
    case "meminfo":
      return { fields: parseMeminfo(lines), lines };
    case "slabinfo":
      return { caches: parseSlabinfo(lines), lines };
    case "vmallocinfo":
      return { areas: parseVmallocinfo(lines), lines };
    case "zoneinfo":
      return { zones: parseZoneinfo(lines), lines };
    case "pagetypeinfo":
      return { ...parsePagetypeinfo(lines), lines };
    default:
      return { lines };
  }
}
