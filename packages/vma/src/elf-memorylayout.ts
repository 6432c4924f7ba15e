/*
 * elf-memorylayout.ts — the memorylayout report (fixtures/elf/memorylayout.c's output format, the
 * same as the real-kernel captures' `memorylayout-*` sections), its parser, and the seed's
 * "memory region layout" table (Understanding the Linux Kernel, chapter 20) filled with the
 * addresses of a classic and a flexible run side by side.
 *
 *   randomize_va_space=0 legacy_va_layout=0 ulimit_s=8192     settings line
 *   text_main 0x080497b7                                      one `name 0x%08lx` line per value
 *   ...                                                       (rlimit_stack_cur may be "unlimited")
 *   --- /proc/self/maps ---
 *   08048000-08049000 r--p 00000000 00:02 8          /memorylayout-static
 *   --- end maps ---
 */

/**
 * The memorylayout tooling could not do what it was asked: a run whose exec failed or whose files
 * could not be read, or a report line that is not in the format. Not a kernel bug: exec's own
 * refusals are do_execve's return values; this is the caller's "run it" that could not happen.
 */
export class MemorylayoutError extends Error {
  /** What was being done, e.g. `"run_memorylayout"`, `"parseMapsLine"`. */
  readonly call: string;
  /** What went wrong, in plain language. */
  readonly detail: string;
  /** The errno behind it (exec's or a read's return value), or 0. */
  readonly errno: number;
  constructor(call: string, detail: string, errno = 0) {
    super(`${call}: ${detail}`);
    this.name = "MemorylayoutError";
    this.call = call;
    this.detail = detail;
    this.errno = errno;
  }
}

/** The values memorylayout.c prints, in its order. */
export const MEMORYLAYOUT_NAMES = [
  "text_main",
  "data_initialized_global",
  "bss_uninitialized_global",
  "brk_initial_sbrk0",
  "heap_malloc16",
  "brk_after_malloc16",
  "mmap_malloc_1MiB",
  "mmap_anon_4KiB",
  "mmap_anon_4KiB_second",
  "mmap_anon_64MiB_noreserve",
  "stack_local",
  "stack_argv",
  "stack_argv0_string",
  "vdso_AT_SYSINFO_EHDR",
  "rlimit_stack_cur",
] as const;
/** One of {@link MEMORYLAYOUT_NAMES}. */
export type MemorylayoutName = (typeof MEMORYLAYOUT_NAMES)[number];

/** A memorylayout report: the settings line, the values, the maps lines. */
export interface MemorylayoutReport {
  readonly settings: string;
  readonly values: ReadonlyMap<string, number | "unlimited">;
  readonly maps: readonly string[];
}

const MAPS_BEGIN = "--- /proc/self/maps ---";
const MAPS_END = "--- end maps ---";
const hex8 = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/** The report as memorylayout.c prints it (values in MEMORYLAYOUT_NAMES order, then any others). */
export function formatMemorylayoutReport(r: MemorylayoutReport): string {
  const names = [
    ...MEMORYLAYOUT_NAMES.filter((n) => r.values.has(n)),
    ...[...r.values.keys()].filter((n) => !(MEMORYLAYOUT_NAMES as readonly string[]).includes(n)),
  ];
  const lines = [r.settings];
  for (const n of names) {
    const v = r.values.get(n)!;
    lines.push(`${n} ${v === "unlimited" ? v : hex8(v)}`);
  }
  lines.push(MAPS_BEGIN, ...r.maps, MAPS_END);
  return `${lines.join("\n")}\n`;
}

/** Parses a report (CR line ends of a serial console are dropped). */
export function parseMemorylayoutReport(text: string): MemorylayoutReport {
  const lines = text.replace(/\r/g, "").split("\n");
  const values = new Map<string, number | "unlimited">();
  const maps: string[] = [];
  let settings = "";
  let inMaps = false;
  for (const line of lines) {
    if (line === MAPS_BEGIN) inMaps = true;
    else if (line === MAPS_END) inMaps = false;
    else if (inMaps) {
      if (line.trim() !== "") maps.push(line);
    } else if (line.startsWith("randomize_va_space=")) settings = line;
    else {
      const m = line.match(/^(\w+) (0x[0-9a-f]+|unlimited)$/);
      if (m) values.set(m[1], m[2] === "unlimited" ? "unlimited" : Number(m[2]));
    }
  }
  return { settings, values, maps };
}

/** The `===== BEGIN memorylayout-… =====` sections of a capture, by section name. */
export function parseMemorylayoutLog(text: string): Map<string, MemorylayoutReport> {
  const out = new Map<string, MemorylayoutReport>();
  const re = /===== BEGIN (memorylayout-[\w-]+) =====\r?\n([\s\S]*?)===== END \1 =====/g;
  for (const m of text.matchAll(re)) out.set(m[1], parseMemorylayoutReport(m[2]));
  return out;
}

/** One /proc/PID/maps line as data. */
export interface MapsLine {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly offset: number;
  readonly dev: string;
  readonly inode: number;
  /** The path, or a 6.1 label ([heap], [stack], [vdso], [vvar]), or "". */
  readonly path: string;
}

/** Parses `start-end perms offset dev inode [path]`. */
export function parseMapsLine(line: string): MapsLine {
  const m = line.match(/^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/);
  if (!m) throw new MemorylayoutError("parseMapsLine", `not a maps line: ${line}`);
  return {
    start: Number.parseInt(m[1], 16),
    end: Number.parseInt(m[2], 16),
    perms: m[3],
    offset: Number.parseInt(m[4], 16),
    dev: m[5],
    inode: Number(m[6]),
    path: m[7].trim(),
  };
}

/* ------------------------------------------------------------- the seed's table ---- */

const range = (l: MapsLine) => `${hex8(l.start)}-${hex8(l.end)}`;

/** The regions of one run, found in its report: what each row of the seed's table shows. */
export interface LayoutRegions {
  readonly text: string;
  readonly data: string;
  readonly heap: string;
  readonly mmaps: string;
  readonly stack: string;
}

/**
 * Reads a report's regions: text = the executable's executable mapping; data and bss = its
 * writable mapping and the globals' addresses; heap = the mapping holding the small malloc, with
 * the break; mappings = the libraries and the mmaps, lowest first, with the direction the area
 * grew; stack = the mapping holding main's local variable.
 */
export function layoutRegions(r: MemorylayoutReport, exePath: string): LayoutRegions {
  const maps = r.maps.map(parseMapsLine);
  const v = (n: string) => {
    const x = r.values.get(n);
    return typeof x === "number" ? x : Number.NaN;
  };
  const holding = (a: number) => maps.find((l) => a >= l.start && a < l.end);
  const exe = maps.filter((l) => l.path === exePath);
  const text = exe.find((l) => l.perms.includes("x"));
  const data = exe.filter((l) => l.perms.startsWith("rw"));
  const heap = holding(v("heap_malloc16"));
  const stack = holding(v("stack_local"));
  const first = v("mmap_anon_4KiB");
  const second = v("mmap_anon_4KiB_second");
  const libs = [
    ...new Set(maps.filter((l) => l.path.startsWith("/") && l.path !== exePath).map((l) => l.path)),
  ].map((p) => `${p.slice(p.lastIndexOf("/") + 1)} ${hex8(maps.find((l) => l.path === p)!.start)}`);
  const mmaps = [
    ...libs,
    `1 MiB malloc ${hex8(v("mmap_malloc_1MiB"))}`,
    `4 KiB ${hex8(first)}, ${hex8(second)}`,
    `64 MiB ${hex8(v("mmap_anon_64MiB_noreserve"))}`,
  ];
  return {
    text: text ? `${range(text)} (main ${hex8(v("text_main"))})` : `main ${hex8(v("text_main"))}`,
    data: `${data.map(range).join(", ") || "?"} (data ${hex8(v("data_initialized_global"))}, bss ${hex8(v("bss_uninitialized_global"))})`,
    heap: heap
      ? `${range(heap)} (brk ${hex8(v("brk_after_malloc16"))})`
      : `brk ${hex8(v("brk_after_malloc16"))}`,
    mmaps: `${second < first ? "growing down" : "growing up"}: ${mmaps.join("; ")}`,
    stack: stack
      ? `${range(stack)} (local ${hex8(v("stack_local"))}, argv ${hex8(v("stack_argv"))})`
      : `local ${hex8(v("stack_local"))}`,
  };
}

/**
 * The seed's "memory region layout" table with a classic and a flexible run's addresses side by
 * side (Markdown, the seed's own shape: rule text first, then what this run shows).
 */
export function seedLayoutTable(classic: LayoutRegions, flexible: LayoutRegions): string {
  const rows: Array<[string, string, string, keyof LayoutRegions]> = [
    ["Text segment (ELF)", "Start from 0x08048000", "Start from 0x08048000", "text"],
    [
      "Data and bss segments",
      "Start right after the text segment",
      "Start right after the text segment",
      "data",
    ],
    [
      "Heap",
      "Start right after the data and bss segments",
      "Start right after the data and bss segments",
      "heap",
    ],
    [
      "File memory mappings and anonymous memory regions",
      "Start from 0x40000000; libraries added at successively higher addresses",
      "Start near the end of the User Mode stack; libraries added at successively lower addresses",
      "mmaps",
    ],
    [
      "User Mode stack",
      "Starts at 0xc0000000 and grows towards lower addresses",
      "Starts at 0xc0000000 and grows towards lower addresses",
      "stack",
    ],
  ];
  const out = [
    "| Type of memory region | Classical layout | Flexible layout |",
    "| :-: | :-: | :-: |",
    ...rows.map(([name, c, f, key]) => `| ${name} | ${c}: ${classic[key]} | ${f}: ${flexible[key]} |`),
  ];
  return `${out.join("\n")}\n`;
}
