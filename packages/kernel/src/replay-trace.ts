/*
 * replay-trace.ts — reading a traced kernel's kmem events (the ftrace `trace` or `trace_pipe`
 * text, e.g. fixtures/traces/686-128M-A.trace.gz) into typed arrays, and deciding, before the
 * model runs, what each event asks of it.
 *
 *   line:   TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: key=value key=value ...
 *   events: mm_page_alloc(page pfn order migratetype gfp_flags)  mm_page_free(page pfn order)
 *           mm_page_free_batched(page pfn order)  kmalloc / kmem_cache_alloc (call_site ptr
 *           bytes_req bytes_alloc gfp_flags node accounted)  kfree(call_site ptr)
 *           kmem_cache_free(call_site ptr name); kmalloc_node / kmem_cache_alloc_node of older
 *           kernels are read as kmalloc / kmem_cache_alloc.
 *
 * The trace says what was asked and freed, not where the model must put it: each alloc event gets
 * an index, each free event the index of the alloc it undoes (matched by pfn or pointer), and the
 * replay keeps the model's own page or object per index. Decided here (TRACE.md, "What a replayer
 * must know"): frees with no alloc in the window are skipped (allocated before the capture);
 * mm_page_free_batched repeats the mm_page_free before it (skipped unless its block is still live);
 * kfree(NULL) and ZERO_SIZE_PTR are no-ops; a page block that backs traced objects (a SLUB slab,
 * or a large kmalloc) is skipped with its free, since the model's slab allocator grows its own
 * slabs; allocations that failed in the traced kernel are skipped. Malformed lines are counted and
 * the first ten kept with their line numbers; every line read lands in exactly one count.
 * Pure: reads bytes, returns arrays; nothing here touches a machine.
 */
import { PAGE_SIZE } from "@i386mm/hw-i386";
import type { KmallocClassRow } from "@i386mm/slab";
import { decodeGfp, slubKmallocName } from "./replay-gfp.js";

// ---------------------------------------------------------------- event kinds, ops, reasons

/** The traced event names the replay uses, in the order of KIND_NAMES (KIND_OTHER: any other). */
export const KIND_PAGE_ALLOC = 0;
export const KIND_PAGE_FREE = 1;
export const KIND_PAGE_FREE_BATCHED = 2;
export const KIND_KMALLOC = 3;
export const KIND_KFREE = 4;
export const KIND_CACHE_ALLOC = 5;
export const KIND_CACHE_FREE = 6;
export const KIND_OTHER = 7;
/** Event names by kind. */
export const KIND_NAMES: readonly string[] = [
  "mm_page_alloc",
  "mm_page_free",
  "mm_page_free_batched",
  "kmalloc",
  "kfree",
  "kmem_cache_alloc",
  "kmem_cache_free",
  "other events",
];

/** What the model is asked to do for an event. */
export const OP_SKIP = 0;
export const OP_PAGE_ALLOC = 1;
export const OP_PAGE_FREE = 2;
export const OP_KMALLOC = 3;
export const OP_KFREE = 4;
export const OP_CACHE_ALLOC = 5;
export const OP_CACHE_FREE = 6;
/** Fails without asking the model (no 2.6.11 cache can hold the object). */
export const OP_FAIL = 7;

/** Why an event was skipped or failed (index into REASONS). */
export const WHY_NONE = 0;
export const WHY_BEFORE_WINDOW = 1;
export const WHY_TRACE_FAILED = 2;
export const WHY_BACKS_OBJECTS = 3;
export const WHY_BATCHED_DUP = 4;
export const WHY_FREE_NULL = 5;
export const WHY_ZERO_SIZE = 6;
export const WHY_MODEL_FAILED = 7;
export const WHY_OTHER_EVENT = 8;
export const WHY_NO_CACHE = 9;
export const WHY_MODEL_REFUSED = 10;
export const WHY_ALLOC_SKIPPED = 11;
export const WHY_MODEL_NULL = 12;
/** The reasons, as the summary prints them. */
export const REASONS: readonly string[] = [
  "",
  "allocated before the capture began",
  "failed in the traced kernel",
  "backs traced slab objects (SLUB slab page or large kmalloc): the model's slab grows its own",
  "repeats the mm_page_free before it",
  "kfree(NULL) is a no-op",
  "ZERO_SIZE_PTR: kmalloc(0) hands out no object",
  "its allocation failed in the model",
  "not a kmem event the replay uses",
  "no 2.6.11 cache holds objects this big (kmem_cache_create allows 131072 bytes)",
  "the model refused the call (see errors)",
  "its allocation was skipped",
  "the model returned NULL (no memory for it now, or beyond 2.6.11's limits)",
];

/** A malformed line: where, what, why. */
export interface MalformedLine {
  readonly line: number;
  readonly text: string;
  readonly reason: string;
}

/**
 * SLUB-side (traced kernel) internal fragmentation of one kmalloc class: the row shape of slab's
 * kmalloc_fragmentation, with `cache` a 6.1 name ("kmalloc-64", "kmalloc-cg-32") and `live` what
 * was allocated in the window and not freed by its end.
 */
export type TracedClassRow = KmallocClassRow;

/** The object sizes kmem_cache_alloc events ask for: one model cache each. */
export interface TracedCacheSize {
  /** bytes_req (the traced cache's object_size). */
  readonly size: number;
  /** Events, sum of bytes_req, sum of bytes_alloc (SLUB's s->size per object). */
  requests: number;
  bytes_req: number;
  bytes_alloc: number;
  /** kmem_cache_free name= values seen for objects of this size, with counts. */
  readonly names: Map<string, number>;
}

/** A parsed trace: one row per event in typed-array columns, and the line accounting. */
export interface ParsedTrace {
  /** Events (lines that are events of any name). */
  readonly n: number;
  /** Columns, length >= n: event name (KIND_*), op (OP_*), reason (WHY_*), traced CPU. */
  readonly kind: Uint8Array;
  readonly op: Uint8Array;
  readonly why: Uint8Array;
  readonly cpu: Uint8Array;
  /** 1-based line number of each event. */
  readonly line: Uint32Array;
  /** Order (page events). */
  readonly order: Uint8Array;
  /** 2.6.11 GFP bits (alloc events). */
  readonly gfp: Uint32Array;
  /** bytes_req / bytes_alloc (kmalloc, kmem_cache_alloc). */
  readonly req: Uint32Array;
  readonly alloc: Uint32Array;
  /** For a free: the index of the alloc event it undoes (-1: none). */
  readonly match: Int32Array;
  /** For kmem_cache_alloc/free: index into cacheSizes. */
  readonly cache: Uint16Array;
  /** The traced pfn or pointer (pointers of 64-bit traces folded to 52 bits). */
  readonly addr: Float64Array;
  /** Distinct kmem_cache_alloc object sizes, in order of first use. */
  readonly cacheSizes: TracedCacheSize[];
  /** Lines read, and each line's fate: events + comments + blank + lost markers + malformed. */
  readonly lines: number;
  readonly comments: number;
  readonly blank: number;
  /** "CPU:N [LOST M EVENTS]" lines and the events they say were lost. */
  readonly lostMarkers: number;
  readonly lostEvents: number;
  readonly malformed: number;
  /** The first MAX_MALFORMED_SHOWN malformed lines. */
  readonly malformedShown: MalformedLine[];
  /** Events of other names, by name. */
  readonly otherEvents: Map<string, number>;
  /** gfp names with no 2.6.11 counterpart (dropped) and unknown names, with event counts. */
  readonly gfpDropped: Map<string, number>;
  readonly gfpUnknown: Map<string, number>;
  /** SLUB side: kmalloc classes (by 6.1 cache name) and kmem_cache_alloc sizes. */
  readonly slubKmalloc: TracedClassRow[];
  /** SLUB side: kmalloc requests the traced kernel served from the page allocator (> 8 KiB), by order. */
  readonly slubLarge: TracedClassRow[];
  /** Model of the traced machine: a page= or ptr= that contradicts the stream (kept, counted). */
  readonly anomalies: Map<string, number>;
  /** Input bytes (uncompressed). */
  readonly bytes: number;
}

/** How many malformed lines are kept with their text. */
export const MAX_MALFORMED_SHOWN = 10;

/** PAGE_OFFSET of the traced i386 kernel (3G/1G split): slab pointers map back to pfns. */
const TRACED_PAGE_OFFSET = 0xc0000000;
/** ZERO_SIZE_PTR ((void *)16), what 6.1's kmalloc(0) returns. */
const ZERO_SIZE_PTR = 16;
/** 6.1 SLUB: KMALLOC_MAX_CACHE_SIZE with 4 KiB pages (larger kmallocs go to the page allocator). */
const SLUB_KMALLOC_MAX_CACHE_SIZE = 8192;

// ---------------------------------------------------------------- reading the file

// Gunzipping a .gz trace (traceBytes) needs Node's zlib: it is in node.ts, the "@i386mm/kernel/node"
// entry, so this file (and the package's main entry) loads in a browser.

// ---------------------------------------------------------------- byte-level helpers

const SP = 0x20;
const COLON = 0x3a;
const EQ = 0x3d;

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Hex number in buf[s, e) (optional 0x); NaN if not one. 64-bit values fold to 52 bits. */
function parseHex(buf: Uint8Array, s: number, e: number): number {
  if (e - s > 2 && buf[s] === 0x30 && (buf[s + 1] | 0x20) === 0x78) s += 2;
  if (s >= e || e - s > 16) return Number.NaN;
  let hi = 0;
  let lo = 0;
  for (let i = s; i < e; i++) {
    const d = hexDigit(buf[i]);
    if (d < 0) return Number.NaN;
    hi = ((hi << 4) | (lo >>> 28)) >>> 0;
    lo = ((lo << 4) | d) >>> 0;
  }
  return (hi & 0xfffff) * 0x100000000 + lo;
}

/** Decimal (optionally negative) in buf[s, e); NaN if not one. */
function parseDec(buf: Uint8Array, s: number, e: number): number {
  let neg = false;
  if (s < e && buf[s] === 0x2d) {
    neg = true;
    s++;
  }
  if (s >= e || e - s > 15) return Number.NaN;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i] - 0x30;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return neg ? -v : v;
}

/** A pfn: "0x3080" (6.1) or "12416" (older kernels). -1 for 6.1's failed-allocation 0xffffffff. */
function parsePfn(buf: Uint8Array, s: number, e: number): number {
  if (e - s > 2 && buf[s] === 0x30 && (buf[s + 1] | 0x20) === 0x78) {
    const v = parseHex(buf, s, e);
    return v === 0xffffffff || v === 0xfffffffffffff ? -1 : v;
  }
  const v = parseDec(buf, s, e);
  return v === 4294967295 ? -1 : v;
}

function eq(buf: Uint8Array, s: number, e: number, word: Uint8Array): boolean {
  if (e - s !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[s + i] !== word[i]) return false;
  return true;
}

/** Latin-1 bytes of a string and back (trace text is ASCII); no Node Buffer, so this loads in a browser. */
const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return out;
}
const W_MM_PAGE_ALLOC = enc("mm_page_alloc");
const W_MM_PAGE_FREE = enc("mm_page_free");
const W_MM_PAGE_FREE_BATCHED = enc("mm_page_free_batched");
const W_KMALLOC = enc("kmalloc");
const W_KMALLOC_NODE = enc("kmalloc_node");
const W_KFREE = enc("kfree");
const W_KMEM_CACHE_ALLOC = enc("kmem_cache_alloc");
const W_KMEM_CACHE_ALLOC_NODE = enc("kmem_cache_alloc_node");
const W_KMEM_CACHE_FREE = enc("kmem_cache_free");
const W_LOST = enc("[LOST");
const W_NULL = enc("(null)");

/** The kind of the event name in buf[s, e), or -1 when it is another event. */
function eventKind(buf: Uint8Array, s: number, e: number): number {
  switch (e - s) {
    case 5:
      return eq(buf, s, e, W_KFREE) ? KIND_KFREE : -1;
    case 7:
      return eq(buf, s, e, W_KMALLOC) ? KIND_KMALLOC : -1;
    case 12:
      return eq(buf, s, e, W_MM_PAGE_FREE)
        ? KIND_PAGE_FREE
        : eq(buf, s, e, W_KMALLOC_NODE)
          ? KIND_KMALLOC
          : -1;
    case 13:
      return eq(buf, s, e, W_MM_PAGE_ALLOC) ? KIND_PAGE_ALLOC : -1;
    case 15:
      return eq(buf, s, e, W_KMEM_CACHE_FREE) ? KIND_CACHE_FREE : -1;
    case 16:
      return eq(buf, s, e, W_KMEM_CACHE_ALLOC) ? KIND_CACHE_ALLOC : -1;
    case 20:
      return eq(buf, s, e, W_MM_PAGE_FREE_BATCHED) ? KIND_PAGE_FREE_BATCHED : -1;
    case 21:
      return eq(buf, s, e, W_KMEM_CACHE_ALLOC_NODE) ? KIND_CACHE_ALLOC : -1;
    default:
      return -1;
  }
}

/** Field keys, by what the events need. */
const F_PAGE = 1;
const F_PFN = 2;
const F_ORDER = 3;
const F_GFP = 4;
const F_PTR = 5;
const F_REQ = 6;
const F_ALLOC = 7;
const F_NAME = 8;
const FIELD_KEYS: readonly (readonly [Uint8Array, number])[] = [
  [enc("page"), F_PAGE],
  [enc("pfn"), F_PFN],
  [enc("order"), F_ORDER],
  [enc("gfp_flags"), F_GFP],
  [enc("ptr"), F_PTR],
  [enc("bytes_req"), F_REQ],
  [enc("bytes_alloc"), F_ALLOC],
  [enc("name"), F_NAME],
];

function fieldKey(buf: Uint8Array, s: number, e: number): number {
  for (const [w, k] of FIELD_KEYS) if (eq(buf, s, e, w)) return k;
  return 0;
}

/** An interning table of short byte strings (gfp_flags values, cache names) by FNV-1a hash. */
class Interner<T> {
  readonly #byHash = new Map<number, { bytes: Uint8Array; value: T }[]>();
  constructor(private readonly make: (text: string) => T) {}
  get(buf: Uint8Array, s: number, e: number): T {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    let bucket = this.#byHash.get(h);
    if (bucket !== undefined) {
      for (const it of bucket) if (eq(buf, s, e, it.bytes)) return it.value;
    } else {
      bucket = [];
      this.#byHash.set(h, bucket);
    }
    const bytes = buf.slice(s, e);
    const value = this.make(latin1(bytes));
    bucket.push({ bytes, value });
    return value;
  }
}

interface GfpEntry {
  readonly bits: number;
  readonly family: number;
  readonly dropped: readonly string[];
  readonly unknown: readonly string[];
}

// ---------------------------------------------------------------- the parser

/** Growable columns. */
class Columns {
  cap: number;
  kind: Uint8Array;
  op: Uint8Array;
  why: Uint8Array;
  cpu: Uint8Array;
  line: Uint32Array;
  order: Uint8Array;
  gfp: Uint32Array;
  req: Uint32Array;
  alloc: Uint32Array;
  match: Int32Array;
  cache: Uint16Array;
  addr: Float64Array;
  constructor(cap: number) {
    this.cap = cap;
    this.kind = new Uint8Array(cap);
    this.op = new Uint8Array(cap);
    this.why = new Uint8Array(cap);
    this.cpu = new Uint8Array(cap);
    this.line = new Uint32Array(cap);
    this.order = new Uint8Array(cap);
    this.gfp = new Uint32Array(cap);
    this.req = new Uint32Array(cap);
    this.alloc = new Uint32Array(cap);
    this.match = new Int32Array(cap).fill(-1);
    this.cache = new Uint16Array(cap);
    this.addr = new Float64Array(cap);
  }
  grow(): void {
    const g = <T extends { length: number; set(a: T): void }>(a: T, mk: (n: number) => T): T => {
      const b = mk(this.cap * 2);
      b.set(a);
      return b;
    };
    this.kind = g(this.kind, (n) => new Uint8Array(n));
    this.op = g(this.op, (n) => new Uint8Array(n));
    this.why = g(this.why, (n) => new Uint8Array(n));
    this.cpu = g(this.cpu, (n) => new Uint8Array(n));
    this.line = g(this.line, (n) => new Uint32Array(n));
    this.order = g(this.order, (n) => new Uint8Array(n));
    this.gfp = g(this.gfp, (n) => new Uint32Array(n));
    this.req = g(this.req, (n) => new Uint32Array(n));
    this.alloc = g(this.alloc, (n) => new Uint32Array(n));
    this.match = g(this.match, (n) => new Int32Array(n).fill(-1));
    this.cache = g(this.cache, (n) => new Uint16Array(n));
    this.addr = g(this.addr, (n) => new Float64Array(n));
    this.cap *= 2;
  }
}

/** Options of parseTrace. */
export interface ParseOptions {
  /** Called now and then with the bytes read so far (for a progress bar). */
  readonly onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

/** A class row being counted (mutable). */
export type ClassTotals = { -readonly [K in keyof KmallocClassRow]: KmallocClassRow[K] };

/**
 * Parse ftrace text (plain; gunzip first with traceBytes) into a ParsedTrace: events in typed
 * arrays, each free matched to its alloc, each event's op and reason decided.
 */
export function parseTrace(text: Uint8Array, opts: ParseOptions = {}): ParsedTrace {
  return new TraceParser(text).parse(opts);
}

/** The parser's state; one line at a time (small methods, so the JIT keeps them optimized). */
class TraceParser {
  readonly buf: Uint8Array;
  readonly cols: Columns;
  readonly gfpTable = new Interner<GfpEntry>((t) => decodeGfp(t));
  readonly nameTable = new Interner<string>((t) => t);
  readonly gfpDropped = new Map<string, number>();
  readonly gfpUnknown = new Map<string, number>();
  readonly otherEvents = new Map<string, number>();
  readonly anomalies = new Map<string, number>();
  readonly malformedShown: MalformedLine[] = [];
  readonly cacheSizes: TracedCacheSize[] = [];
  readonly cacheIndex = new Map<number, number>();
  readonly slubClasses = new Map<string, ClassTotals>();
  readonly slubLarge = new Map<string, ClassTotals>();
  /** Per kmalloc alloc event: its SLUB class totals (undone at its free). */
  readonly allocClass = new Map<number, ClassTotals>();
  /**
   * Traced objects: pointer -> alloc event index while live, -1 once freed. (Never deleted: a
   * pointer handed out again and again would leave a V8 Map bucket chain of deleted entries.)
   */
  readonly liveObj = new Map<number, number>();
  /** Live traced page blocks: pfn -> alloc event index + 1, for every page of the block. */
  pfnOwner = new Int32Array(1 << 16);
  n = 0;
  lineNo = 0;
  comments = 0;
  blank = 0;
  lostMarkers = 0;
  lostEvents = 0;
  malformed = 0;
  // the current line's fields
  page = 0;
  pfn = 0;
  order = 0;
  ptr = 0;
  req = 0;
  alloc = 0;
  pageNull = false;
  gfp: GfpEntry | null = null;
  name: string | null = null;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.cols = new Columns(Math.max(1024, Math.ceil(buf.length / 120)));
  }

  parse(opts: ParseOptions): ParsedTrace {
    const buf = this.buf;
    const len = buf.length;
    let pos = 0;
    let nextProgress = 1 << 22;
    while (pos < len) {
      let end = buf.indexOf(10, pos);
      if (end < 0) end = len;
      this.lineNo++;
      this.line(pos, end);
      pos = end + 1;
      if (pos > nextProgress && opts.onProgress) {
        opts.onProgress(pos, len);
        nextProgress = pos + (1 << 22);
      }
    }
    opts.onProgress?.(len, len);
    return this.result();
  }

  /** One line buf[s, end). */
  line(s: number, end: number): void {
    const buf = this.buf;
    let e = end;
    if (e > s && buf[e - 1] === 0x0d) e--;
    while (s < e && (buf[s] === SP || buf[s] === 9)) s++;
    if (s === e) {
      this.blank++;
      return;
    }
    if (buf[s] === 0x23 /* # */) {
      this.comments++;
      return;
    }
    if (
      buf[s] === 0x43 &&
      buf[s + 1] === 0x50 &&
      buf[s + 2] === 0x55 &&
      buf[s + 3] === COLON &&
      this.lost(s, e)
    )
      return;
    // TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: fields
    const lb = buf.indexOf(0x5b /* [ */, s);
    const rb = lb < 0 || lb >= e ? -1 : buf.indexOf(0x5d /* ] */, lb);
    if (rb < 0 || rb >= e) {
      this.bad(s, e, "no [CPU] field");
      return;
    }
    const cpu = parseDec(buf, lb + 1, rb);
    let c = rb + 1;
    while (c < e && !(buf[c] === COLON && buf[c + 1] === SP)) c++;
    if (c >= e) {
      this.bad(s, e, "no timestamp");
      return;
    }
    const ns = c + 2;
    let ne = ns;
    while (ne < e && buf[ne] !== COLON) ne++;
    if (ne >= e) {
      this.bad(s, e, "no event name");
      return;
    }
    if (!(cpu >= 0)) {
      this.bad(s, e, "bad CPU number");
      return;
    }
    const kind = eventKind(buf, ns, ne);
    if (kind < 0) {
      this.other(ns, ne, cpu);
      return;
    }
    const why = this.fields(kind, ne + 1, e);
    if (why !== "") {
      this.bad(s, e, why);
      return;
    }
    const cols = this.cols;
    if (this.n === cols.cap) cols.grow();
    const i = this.n++;
    cols.kind[i] = kind;
    cols.cpu[i] = cpu & 0xff;
    cols.line[i] = this.lineNo;
    const gfp = this.gfp;
    if (gfp !== null) {
      cols.gfp[i] = gfp.bits;
      if (gfp.dropped.length || gfp.unknown.length) this.noteGfp(gfp);
    }
    switch (kind) {
      case KIND_PAGE_ALLOC:
        this.pageAlloc(i);
        break;
      case KIND_PAGE_FREE:
      case KIND_PAGE_FREE_BATCHED:
        this.pageFree(i, kind);
        break;
      case KIND_KMALLOC:
      case KIND_CACHE_ALLOC:
        this.objAlloc(i, kind);
        break;
      default:
        this.objFree(i, kind);
    }
  }

  /** "CPU:0 [LOST 12 EVENTS]": true if the line is one. */
  lost(s: number, e: number): boolean {
    const buf = this.buf;
    const at = buf.indexOf(W_LOST[0], s);
    if (at < 0 || at >= e || !eq(buf, at, at + 5, W_LOST)) return false;
    let i = at + 5;
    while (i < e && buf[i] === SP) i++;
    let j = i;
    while (j < e && buf[j] !== SP) j++;
    const lost = parseDec(buf, i, j);
    this.lostMarkers++;
    if (lost > 0) this.lostEvents += lost;
    return true;
  }

  bad(s: number, e: number, reason: string): void {
    this.malformed++;
    if (this.malformedShown.length < MAX_MALFORMED_SHOWN)
      this.malformedShown.push({
        line: this.lineNo,
        text: latin1(this.buf.subarray(s, Math.min(e, s + 160))),
        reason,
      });
  }

  other(ns: number, ne: number, cpu: number): void {
    const name = this.nameTable.get(this.buf, ns, ne);
    this.otherEvents.set(name, (this.otherEvents.get(name) ?? 0) + 1);
    const cols = this.cols;
    if (this.n === cols.cap) cols.grow();
    const i = this.n++;
    cols.kind[i] = KIND_OTHER;
    cols.op[i] = OP_SKIP;
    cols.why[i] = WHY_OTHER_EVENT;
    cols.line[i] = this.lineNo;
    cols.cpu[i] = cpu & 0xff;
  }

  noteGfp(gfp: GfpEntry): void {
    for (const d of gfp.dropped) this.gfpDropped.set(d, (this.gfpDropped.get(d) ?? 0) + 1);
    for (const u of gfp.unknown) this.gfpUnknown.set(u, (this.gfpUnknown.get(u) ?? 0) + 1);
  }

  anomaly(what: string): void {
    this.anomalies.set(what, (this.anomalies.get(what) ?? 0) + 1);
  }

  /** Read the key=value fields of buf[f, e) into this; "" or why the line is malformed. */
  fields(kind: number, f: number, e: number): string {
    const buf = this.buf;
    this.page = Number.NaN;
    this.pfn = Number.NaN;
    this.order = Number.NaN;
    this.ptr = Number.NaN;
    this.req = Number.NaN;
    this.alloc = Number.NaN;
    this.pageNull = false;
    this.gfp = null;
    this.name = null;
    while (f < e) {
      while (f < e && buf[f] === SP) f++;
      if (f >= e) break;
      let ke = f;
      while (ke < e && buf[ke] !== EQ && buf[ke] !== SP) ke++;
      if (ke >= e || buf[ke] !== EQ) return "a field without '='";
      const vs = ke + 1;
      let ve = vs;
      while (ve < e && buf[ve] !== SP) ve++;
      this.field(fieldKey(buf, f, ke), vs, ve);
      f = ve;
    }
    const what = KIND_NAMES[kind];
    switch (kind) {
      case KIND_PAGE_ALLOC:
        if (Number.isNaN(this.pfn)) return `${what} without pfn=`;
        if (!(this.order >= 0 && this.order <= 10)) return `${what} without an order in 0..10`;
        if (this.gfp === null) return `${what} without gfp_flags=`;
        return "";
      case KIND_PAGE_FREE:
        if (Number.isNaN(this.pfn)) return `${what} without pfn=`;
        if (!(this.order >= 0 && this.order <= 10)) return `${what} without an order in 0..10`;
        return "";
      case KIND_PAGE_FREE_BATCHED:
        return Number.isNaN(this.pfn) ? `${what} without pfn=` : "";
      case KIND_KMALLOC:
      case KIND_CACHE_ALLOC:
        if (Number.isNaN(this.ptr)) return `${what} without ptr=`;
        if (!(this.req >= 0) || !(this.alloc >= 0)) return `${what} without bytes_req= and bytes_alloc=`;
        if (this.gfp === null) return `${what} without gfp_flags=`;
        return "";
      default:
        return Number.isNaN(this.ptr) ? `${what} without ptr=` : "";
    }
  }

  field(key: number, vs: number, ve: number): void {
    const buf = this.buf;
    switch (key) {
      case F_PAGE:
        if (eq(buf, vs, ve, W_NULL)) this.pageNull = true;
        else this.page = parseHex(buf, vs, ve);
        break;
      case F_PFN:
        this.pfn = parsePfn(buf, vs, ve);
        break;
      case F_ORDER:
        this.order = parseDec(buf, vs, ve);
        break;
      case F_GFP:
        this.gfp = this.gfpTable.get(buf, vs, ve);
        break;
      case F_PTR:
        this.ptr = eq(buf, vs, ve, W_NULL) ? 0 : parseHex(buf, vs, ve);
        break;
      case F_REQ:
        this.req = parseDec(buf, vs, ve);
        break;
      case F_ALLOC:
        this.alloc = parseDec(buf, vs, ve);
        break;
      case F_NAME:
        this.name = this.nameTable.get(buf, vs, ve);
        break;
    }
  }

  ensurePfn(pfn: number): void {
    if (pfn < this.pfnOwner.length) return;
    let size = this.pfnOwner.length;
    while (size <= pfn) size *= 2;
    const b = new Int32Array(size);
    b.set(this.pfnOwner);
    this.pfnOwner = b;
  }

  pageAlloc(i: number): void {
    const cols = this.cols;
    const pfn = this.pfn;
    const order = this.order;
    cols.order[i] = order;
    cols.addr[i] = pfn;
    if (pfn < 0 || this.pageNull || this.page === 0) {
      cols.op[i] = OP_SKIP;
      cols.why[i] = WHY_TRACE_FAILED;
      return;
    }
    cols.op[i] = OP_PAGE_ALLOC;
    const top = pfn + (1 << order);
    this.ensurePfn(top);
    const owner = this.pfnOwner;
    for (let p = pfn; p < top; p++) {
      if (owner[p] !== 0) this.anomaly("mm_page_alloc of a page that is still allocated");
      owner[p] = i + 1;
    }
  }

  pageFree(i: number, kind: number): void {
    const cols = this.cols;
    const pfn = this.pfn;
    if (kind === KIND_PAGE_FREE) cols.order[i] = this.order;
    cols.addr[i] = pfn;
    const pfnOwner = this.pfnOwner;
    const owner = pfn >= 0 && pfn < pfnOwner.length ? pfnOwner[pfn] - 1 : -1;
    if (owner < 0 || cols.addr[owner] !== pfn) {
      if (owner >= 0) this.anomaly("page free inside an allocated block");
      cols.op[i] = OP_SKIP;
      cols.why[i] = kind === KIND_PAGE_FREE_BATCHED ? WHY_BATCHED_DUP : WHY_BEFORE_WINDOW;
      return;
    }
    const o = cols.order[owner];
    if (kind === KIND_PAGE_FREE && this.order !== o)
      this.anomaly("page freed with another order than allocated");
    for (let p = pfn; p < pfn + (1 << o); p++) pfnOwner[p] = 0;
    cols.order[i] = o;
    cols.match[i] = owner;
    if (cols.op[owner] === OP_PAGE_ALLOC) cols.op[i] = OP_PAGE_FREE;
    else {
      cols.op[i] = OP_SKIP;
      cols.why[i] = cols.why[owner] === WHY_BACKS_OBJECTS ? WHY_BACKS_OBJECTS : WHY_ALLOC_SKIPPED;
    }
  }

  objAlloc(i: number, kind: number): void {
    const cols = this.cols;
    const ptr = this.ptr;
    const req = this.req;
    const alloc = this.alloc;
    cols.addr[i] = ptr;
    cols.req[i] = req;
    cols.alloc[i] = alloc;
    if (ptr === 0 || ptr === ZERO_SIZE_PTR) {
      cols.op[i] = OP_SKIP;
      cols.why[i] = ptr === 0 ? WHY_TRACE_FAILED : WHY_ZERO_SIZE;
      return;
    }
    // The page block this object lives in backs objects: not the model's to replay.
    if (ptr >= TRACED_PAGE_OFFSET && ptr < 0x100000000) {
      const p = (ptr - TRACED_PAGE_OFFSET) >>> 12;
      const owner = p < this.pfnOwner.length ? this.pfnOwner[p] - 1 : -1;
      if (owner >= 0 && cols.op[owner] === OP_PAGE_ALLOC) {
        cols.op[owner] = OP_SKIP;
        cols.why[owner] = WHY_BACKS_OBJECTS;
      }
    }
    if ((this.liveObj.get(ptr) ?? -1) >= 0)
      this.anomaly(`${KIND_NAMES[kind]} of a pointer that is still allocated`);
    this.liveObj.set(ptr, i);
    if (kind === KIND_KMALLOC) {
      cols.op[i] = OP_KMALLOC;
      const t =
        alloc > SLUB_KMALLOC_MAX_CACHE_SIZE
          ? classTotals(
              this.slubLarge,
              `order-${Math.max(0, Math.ceil(Math.log2(alloc / PAGE_SIZE)))}`,
              alloc,
            )
          : classTotals(this.slubClasses, slubKmallocName(alloc, this.gfp!.family), alloc);
      t.requests++;
      t.bytes_req += req;
      t.bytes_alloc += alloc;
      t.live++;
      t.live_bytes_req += req;
      t.live_bytes_alloc += alloc;
      this.allocClass.set(i, t);
      return;
    }
    let ci = this.cacheIndex.get(req);
    if (ci === undefined) {
      ci = this.cacheSizes.length;
      this.cacheIndex.set(req, ci);
      this.cacheSizes.push({ size: req, requests: 0, bytes_req: 0, bytes_alloc: 0, names: new Map() });
    }
    const cs = this.cacheSizes[ci];
    cs.requests++;
    cs.bytes_req += req;
    cs.bytes_alloc += alloc;
    cols.cache[i] = ci;
    if (req > 131072) {
      cols.op[i] = OP_FAIL;
      cols.why[i] = WHY_NO_CACHE;
    } else cols.op[i] = OP_CACHE_ALLOC;
  }

  /** kfree, kmem_cache_free. */
  objFree(i: number, kind: number): void {
    const cols = this.cols;
    const ptr = this.ptr;
    cols.addr[i] = ptr;
    if (ptr === 0 || ptr === ZERO_SIZE_PTR) {
      cols.op[i] = OP_SKIP;
      cols.why[i] = ptr === 0 ? WHY_FREE_NULL : WHY_ZERO_SIZE;
      return;
    }
    const owner = this.liveObj.get(ptr) ?? -1;
    if (owner < 0) {
      cols.op[i] = OP_SKIP;
      cols.why[i] = WHY_BEFORE_WINDOW;
      return;
    }
    this.liveObj.set(ptr, -1);
    cols.match[i] = owner;
    const aop = cols.op[owner];
    if (cols.kind[owner] === KIND_KMALLOC) {
      const t = this.allocClass.get(owner);
      if (t) {
        t.live--;
        t.live_bytes_req -= cols.req[owner];
        t.live_bytes_alloc -= cols.alloc[owner];
        this.allocClass.delete(owner);
      }
    } else if (cols.kind[owner] === KIND_CACHE_ALLOC) {
      const ci = cols.cache[owner];
      cols.cache[i] = ci;
      const name = this.name;
      if (kind === KIND_CACHE_FREE && name !== null) {
        const names = this.cacheSizes[ci].names;
        names.set(name, (names.get(name) ?? 0) + 1);
      }
    }
    if (aop === OP_FAIL) {
      cols.op[i] = OP_SKIP;
      cols.why[i] = WHY_MODEL_FAILED;
    } else if (aop === OP_SKIP) {
      cols.op[i] = OP_SKIP;
      cols.why[i] = WHY_ALLOC_SKIPPED;
    } else if (kind === KIND_CACHE_FREE && aop === OP_CACHE_ALLOC) cols.op[i] = OP_CACHE_FREE;
    else cols.op[i] = OP_KFREE; // kfree, or kmem_cache_free of a kmalloc'ed object
  }

  result(): ParsedTrace {
    const c = this.cols;
    const rows = (m: Map<string, ClassTotals>) =>
      [...m.values()].sort((a, b) => a.size - b.size || (a.cache < b.cache ? -1 : 1));
    return {
      n: this.n,
      kind: c.kind,
      op: c.op,
      why: c.why,
      cpu: c.cpu,
      line: c.line,
      order: c.order,
      gfp: c.gfp,
      req: c.req,
      alloc: c.alloc,
      match: c.match,
      cache: c.cache,
      addr: c.addr,
      cacheSizes: this.cacheSizes,
      lines: this.lineNo,
      comments: this.comments,
      blank: this.blank,
      lostMarkers: this.lostMarkers,
      lostEvents: this.lostEvents,
      malformed: this.malformed,
      malformedShown: this.malformedShown,
      otherEvents: this.otherEvents,
      gfpDropped: this.gfpDropped,
      gfpUnknown: this.gfpUnknown,
      slubKmalloc: rows(this.slubClasses),
      slubLarge: rows(this.slubLarge),
      anomalies: this.anomalies,
      bytes: this.buf.length,
    };
  }
}

/** A zeroed class row. */
export function newClassTotals(cache: string, size: number): ClassTotals {
  return {
    cache,
    size,
    requests: 0,
    bytes_req: 0,
    bytes_alloc: 0,
    live: 0,
    live_bytes_req: 0,
    live_bytes_alloc: 0,
  };
}

function classTotals(table: Map<string, ClassTotals>, cache: string, size: number): ClassTotals {
  let t = table.get(cache);
  if (t === undefined) {
    t = newClassTotals(cache, size);
    table.set(cache, t);
  }
  return t;
}
