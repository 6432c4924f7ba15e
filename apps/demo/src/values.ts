/*
 * values.ts — what a scenario variable holds, and how a result is printed.
 * A value is tagged with the kernel type it came from, so `p = alloc_pages(...)` prints as a
 * struct page (pfn, flags, count, address) and `a = __get_free_pages(...)` as a hex address,
 * exactly as the C prototype says. Pages are their pfn (ARCHITECTURE.md: `Page` = pfn); NULL is
 * its own value. Invariant: formatting never mutates the kernel (it only peeks at mem_map).
 */

/** The C type family of a numeric value, used for printing and argument checks. */
export type NumKind =
  | "int" // a plain C integer (counts, sizes, flags, indices)
  | "bool" // a C truth value (0 or 1)
  | "errno" // 0 or a negative errno
  | "addr" // a kernel virtual address (void *, unsigned long from __get_free_pages)
  | "phys" // a physical address
  | "pfn" // a page frame number
  | "page" // struct page * (the value is the pfn)
  | "entry" // a page-table entry (pte_t, pgprot_t)
  | "ptep"; // a pte_t * into a kernel page table (lookup_address); `*ptep` reads the entry

/** A scenario value. */
export type Value =
  | { readonly t: "num"; readonly kind: NumKind; readonly v: number }
  | { readonly t: "null" }
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "obj"; readonly kind: string; readonly v: object }
  | { readonly t: "array"; readonly items: Map<number, Value> }
  | { readonly t: "void" };

/** The NULL value. */
export const NULL_VALUE: Value = { t: "null" };
/** What a void function returns. */
export const VOID_VALUE: Value = { t: "void" };

/** A number of the given kind. */
export function num(v: number, kind: NumKind = "int"): Value {
  return { t: "num", kind, v };
}

/**
 * `0x` + lowercase hex, zero-padded to `width` digits. A negative number prints as C prints it
 * with %x: its two's complement in 32 bits (64 when it does not fit 32).
 */
export function hex(n: number, width = 0): string {
  let s: string;
  if (n >= 0) s = n.toString(16);
  else if (n >= -(2 ** 31)) s = (n >>> 0).toString(16);
  else if (Number.isSafeInteger(n)) s = BigInt.asUintN(64, BigInt(n)).toString(16);
  else s = `-${(-n).toString(16)}`;
  return `0x${s.padStart(width, "0")}`;
}

/** The model's NX bit (hardware bit 63 carried as bit 52 so an entry stays an exact number). */
const MODEL_NX = 2 ** 52;

/** A page-table entry or protection as the hardware holds it: NX is bit 63 (a PAE entry). */
export function hexEntry(e: number): string {
  if (e < MODEL_NX || !Number.isSafeInteger(e)) return hex(e, 8);
  return `0x${((BigInt(e - MODEL_NX) | (1n << 63n)) as bigint).toString(16)}`;
}

/** Names of the errno values, for printing `-12 (-ENOMEM)`. */
export type ErrnoNames = ReadonlyMap<number, string>;

/** What the printer needs to know about a struct page (read-only view of mem_map). */
export interface PageInfo {
  readonly pfn: number;
  /** Display address of the descriptor: mem_map + pfn * 32. */
  readonly descriptor: number;
  readonly flags: number;
  readonly flagNames: readonly string[];
  readonly count: number;
  /** page_address(page), or null for an unmapped highmem page. */
  readonly virt: number | null;
  readonly zone: string;
}

/** Describe a struct page in one line. */
export function formatPage(p: PageInfo): string {
  const virt = p.virt === null ? "NULL (highmem, not mapped)" : hex(p.virt, 8);
  const flags = p.flagNames.length ? ` ${p.flagNames.join("|")}` : "";
  return (
    `(struct page *)${hex(p.descriptor, 8)} pfn ${hex(p.pfn)} phys ${hex(p.pfn * 4096, 8)} ${p.zone}` +
    ` flags ${hex(p.flags)}${flags} count ${p.count} address ${virt}`
  );
}

/** What the printer may ask the kernel: page descriptions, structure descriptions, errno names. */
export interface FormatContext {
  page?(pfn: number): PageInfo | null;
  object?(kind: string, o: object): string | null;
  readonly errnos?: ErrnoNames;
}

/** Printable form of a value; `ctx` resolves pages and kernel structures. */
export function formatValue(val: Value, ctx: FormatContext = {}): string {
  switch (val.t) {
    case "null":
      return "NULL";
    case "void":
      return "(void)";
    case "str":
      return JSON.stringify(val.v);
    case "array":
      return `array[${val.items.size}]`;
    case "obj":
      return ctx.object?.(val.kind, val.v) ?? formatObject(val.kind, val.v);
    case "num":
      switch (val.kind) {
        case "addr":
        case "ptep":
          return hex(val.v, 8);
        case "phys":
          return hex(val.v, 8);
        case "pfn":
          return hex(val.v);
        case "entry":
          return hexEntry(val.v);
        case "bool":
          return val.v ? "1 (true)" : "0 (false)";
        case "errno": {
          if (val.v >= 0) return `${val.v}`;
          const n = ctx.errnos?.get(-val.v);
          return n ? `${val.v} (-${n})` : `${val.v}`;
        }
        case "page": {
          const info = ctx.page?.(val.v);
          return info ? formatPage(info) : `(struct page *) pfn ${hex(val.v)} (not in mem_map)`;
        }
        default:
          return val.v >= 10 || val.v < -9 ? `${val.v} (${hex(val.v)})` : `${val.v}`;
      }
  }
}

/** A kernel structure (kmem_cache_t, vm_struct, struct zone): its name and scalar fields. */
export function formatObject(kind: string, o: object): string {
  const rec = o as Record<string, unknown>;
  const name = typeof rec.name === "string" ? ` "${rec.name}"` : "";
  const fields: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (k === "name") continue;
    if (typeof v === "number") fields.push(`${k} ${isAddressField(k) ? hex(v, 8) : v}`);
    if (fields.length >= 10) break;
  }
  // A plain result structure (fill_contig_page_info, cache_estimate) prints as its fields.
  if (kind === "struct") return `{ ${fields.join(", ")} }`;
  return `(${kind} *)${name}${fields.length ? ` { ${fields.join(", ")} }` : ""}`;
}

function isAddressField(k: string): boolean {
  return /addr|start|end|s_mem|virtual|base/i.test(k);
}

/** The JSON form of a value (for --json). */
export function valueToJson(val: Value, page?: (pfn: number) => PageInfo | null): unknown {
  switch (val.t) {
    case "null":
      return null;
    case "void":
      return { type: "void" };
    case "str":
      return val.v;
    case "array":
      return [...val.items.entries()].map(([i, v]) => ({ index: i, value: valueToJson(v, page) }));
    case "obj": {
      const out: Record<string, unknown> = { type: val.kind };
      for (const [k, v] of Object.entries(val.v as Record<string, unknown>))
        if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") out[k] = v;
      return out;
    }
    case "num":
      if (val.kind === "page") {
        const info = page?.(val.v);
        return info ? { type: "page", ...info } : { type: "page", pfn: val.v };
      }
      return {
        type: val.kind,
        value: val.v,
        ...(val.kind === "int" ? {} : { hex: val.kind === "entry" ? hexEntry(val.v) : hex(val.v) }),
      };
  }
}
