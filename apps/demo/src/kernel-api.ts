/*
 * kernel-api.ts — what the interpreter needs from a booted kernel, and nothing more.
 * bootKernel (kernel.ts) implements it over the real layers (Machine -> PageAllocator ->
 * SlabAllocator -> Kmap); the interpreter never imports a layer itself, so the language can grow
 * (processes, ELF exec, trace replay) by adding bindings and views here.
 * Invariant: every method either returns a result or throws the layer's own error; classifyError
 * turns a thrown layer error into the kernel-style report the CLI prints.
 */

import type { Signature } from "./bindings.js";
import type { KwParam } from "./kwargs.js";
import type { Userland } from "./process-bindings.js";
import type { ErrnoNames, FormatContext, NumKind, PageInfo, Value } from "./values.js";

/** A binding's result already typed by the binding (an address or -errno, a process structure). */
export class TypedResult {
  constructor(readonly value: Value) {}
}

/** A callable kernel function: its C signature (null when picked up by name only) and the call. */
export interface Binding {
  readonly name: string;
  readonly sig: Signature | null;
  /** Which layer implements it: "hw-i386", "page-alloc", "slab", "kmap". */
  readonly layer: string;
  /** Keyword arguments it accepts (`layout=classic`); absent = none. */
  readonly kw?: readonly KwParam[];
  /** Arguments already converted to the layer's types (pfn for a page, null for NULL); `kw` the keywords given. */
  call(args: readonly unknown[], kw?: Readonly<Record<string, number | string>>): unknown;
}

/** A /proc view rendered by the model. */
export interface ViewOutput {
  /** Exactly the text the kernel would print (lines end without "\n"). */
  readonly lines: readonly string[];
  /** Structured form for --json. */
  readonly json: unknown;
  /**
   * Where the file is not 2.6.11's (it appeared in a later kernel, or it is the model's own), one
   * sentence saying so. Printed beside the file, never inside its lines.
   */
  readonly note?: string;
}

/** A structure a field or global points at: its C type and the layer's object. */
export interface ObjectFieldValue {
  readonly kind: string;
  readonly v: object;
}

/** How a layer error is reported. */
export interface ErrorReport {
  /**
   * "BUG" for KernelBugError and subclasses (oops), "check" for a check the model adds where
   * 2.6.11 has none (ModelCheckError), "panic" / "hang" when the machine stopped, "invariant" for
   * InvariantError, "error" otherwise (the scenario's mistake).
   */
  readonly kind: "BUG" | "check" | "panic" | "hang" | "invariant" | "error";
  /** For "check": what 2.6.11 would have done instead. */
  readonly kernelWould?: string;
  /** For a "check": whether --no-model-checks makes the model do what 2.6.11 does. */
  readonly modelled?: boolean;
  /** The error class name, e.g. "BadPageError". */
  readonly type: string;
  readonly message: string;
  /** Kernel source file of the call that failed, when known. */
  readonly file?: string;
  /** Invariant problems, one per line. */
  readonly problems?: readonly string[];
}

/** The booted kernel as the scenario language sees it. */
export interface KernelApi extends FormatContext {
  readonly bindings: ReadonlyMap<string, Binding>;
  /** Every constant the book names (GFP_*, __GFP_*, SLAB_*, FIX_*, KM_*, PAGE_*, ...). */
  readonly constants: ReadonlyMap<string, number>;
  /** The C type of a constant that is not a plain integer (an address, a pfn); absent = int. */
  readonly constantKinds?: ReadonlyMap<string, NumKind>;
  readonly errnos: ErrnoNames;
  /** Names accepted by `cat /proc/<name>`. */
  readonly views: readonly string[];
  /** Read-only description of a struct page, or null if pfn is not in mem_map. */
  pageInfo(pfn: number): PageInfo | null;
  /** One-line description of a kernel structure (kmem_cache_t, struct slab, ...), or null. */
  object(kind: string, o: object): string | null;
  /** `p->field` that is a structure (null: a NULL pointer) or an array of them; undefined: no such field. */
  objectField?(
    kind: string,
    o: object,
    field: string,
  ): ObjectFieldValue | readonly ObjectFieldValue[] | null | undefined;
  /** A kernel global holding a structure pointer (pgdat_list); undefined: no such global. */
  global?(name: string): ObjectFieldValue | null | undefined;
  /** Set once the machine panicked or hung; every later statement is refused. */
  readonly halted?: {
    readonly kind: "panic" | "hang";
    readonly call: string;
    readonly message: string;
  } | null;
  /** Render /proc/<name>; null if there is no such view. */
  view(name: string): ViewOutput | null;
  /** `*ptep`: the entry a pte_t * (from lookup_address) points at; throws KernelBugError for a wild pointer. */
  deref_pte(ptep: number): number;
  /** Walk the page tables for `va` on the current CPU (through its TLB). */
  translate(va: number, access: { write: boolean; user: boolean; fetch: boolean }): ViewOutput;
  /** `translate pid addr`: the walk through that process's page tables (it runs on the current CPU). */
  translateTask?(
    pid: number,
    va: number,
    access: { write: boolean; user: boolean; fetch: boolean },
  ): ViewOutput;
  /** Run every layer's check...Invariants; returns the broken ones (empty = all hold). */
  check(): { layers: readonly string[]; problems: readonly string[] };
  /** Width of a pte_t / pgprot_t: 32 on a 2-level build, 64 with PAE (argument conversion). */
  readonly pteBits?: 32 | 64;
  /** Number of simulated CPUs and the current one. */
  readonly nr_cpus: number;
  readonly current_cpu: number;
  setCpu(n: number): void;
  /** Kernel messages (dmesg) printed since the last call. */
  drainMessages(): string[];
  classifyError(e: unknown, call?: string): ErrorReport;
  /** Binaries the front end supplies for exec (the CLI: fixtures/elf); absent = none. */
  readonly userland?: Userland;
}
