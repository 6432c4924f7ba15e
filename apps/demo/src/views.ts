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
] as const;

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
    default:
      return { lines };
  }
}
