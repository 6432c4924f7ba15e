/*
 * kernel.ts — bootKernel: the composed kernel the demo runs (@i386mm/kernel's boot: Machine ->
 * PageAllocator -> SlabAllocator -> Kmap), and the name table that exposes every public kernel function and
 * constant of those layers to the scenario language (ARCHITECTURE.md, "The demo").
 * Functions are found by name on the layer objects, top layer first (kmap, slab, page-alloc),
 * so a function a layer adds later is callable without touching this file; SIGNATURES
 * (bindings.ts) adds C types for printing and argument checks; free-bindings.ts binds the
 * layers' exported free functions (macros, pte helpers) to this machine. Constants are every ALL-CAPS
 * numeric export of the layers plus the boot-time values the book names (high_memory, ...).
 * Invariant: the demo only reads layer state (views, mem_map) and calls public kernel functions.
 */

import * as hw from "@i386mm/hw-i386";
import { type E820Entry, InvariantError, KernelBugError, type Machine } from "@i386mm/hw-i386";
import * as hwInternal from "@i386mm/hw-i386/internal";
import {
  type Kernel as BootedKernel,
  boot,
  type DirectBuffers,
  type DirectPages,
  fraginfo,
  fraginfoText,
  kernelProblems,
  machineHash,
} from "@i386mm/kernel";
import type { Kmap } from "@i386mm/kmap";
import * as kmapPkg from "@i386mm/kmap";
import * as kmapInternal from "@i386mm/kmap/internal";
import type { PageAllocator, pg_data_t, Zone } from "@i386mm/page-alloc";
import * as pageAlloc from "@i386mm/page-alloc";
import * as pageAllocInternal from "@i386mm/page-alloc/internal";
import type { PageCache } from "@i386mm/page-cache";
import * as pageCachePkg from "@i386mm/page-cache";
import type { kmem_cache_t, SlabAllocator, vm_struct } from "@i386mm/slab";
import * as slabPkg from "@i386mm/slab";
import * as slabInternal from "@i386mm/slab/internal";
import type { VmSystem } from "@i386mm/vma";
import * as vmaPkg from "@i386mm/vma";
import { INTERNAL_FILES, isKernelName, SIGNATURE_BY_NAME } from "./bindings.js";
import { bootJson, bootLines } from "./boot-log.js";
import {
  describeCache,
  describeNode,
  describeSlab,
  describeVm,
  describeZone,
  type StructSlab,
} from "./describe.js";
import { fileBindings, fileView } from "./file-bindings.js";
import { freeBindings, readPte } from "./free-bindings.js";
import type { Binding, ErrorReport, KernelApi, ObjectFieldValue, ViewOutput } from "./kernel-api.js";
import {
  describeProcessObject,
  type HostFiles,
  processBindings,
  procPidView,
  translateInTask,
  type Userland,
} from "./process-bindings.js";
import { translateView } from "./translate.js";
import { formatValue, type NumKind, type PageInfo, type Value } from "./values.js";
import { VIEW_NAMES, VIEW_NOTES, viewJson } from "./views.js";

/** What to boot. */
export interface BootOptions {
  readonly memBytes: number;
  /** A BIOS map instead of QEMU's for memBytes (`--e820 FILE`); hw-i386 validates it. */
  readonly e820?: readonly E820Entry[];
  /** The highmem= boot option in bytes (`--highmem SIZE`): force this much high memory. */
  readonly highmem?: number;
  readonly pae?: boolean;
  readonly cpus?: number;
  readonly nodes?: 1 | 2;
  /** Keep the model's own checks (default true); false = `--no-model-checks`, as 2.6.11 does. */
  readonly modelChecks?: boolean;
  /** The boot log's formats (`--boot-log`): 2.6.11's (default) or 6.1's where they differ. */
  readonly bootLog?: "2.6.11" | "6.1";
  /** Where exec finds binaries the model's file system lacks (the CLI: the shipped fixtures/elf). */
  readonly userland?: Userland;
  /** Host files mount("disk.img") may read (the CLI: relative to its directory). */
  readonly host?: HostFiles;
}

/** Each layer's "/internal" entry: what the kernel keeps static. */
const INTERNAL_ENTRIES: readonly (readonly [string, object])[] = [
  ["hw-i386", hwInternal],
  ["page-alloc", pageAllocInternal],
  ["slab", slabInternal],
  ["kmap", kmapInternal],
];

/** Methods that are /proc views: reached with `cat`, not called. */
const VIEW_METHODS = new Set<string>(VIEW_NAMES);

/** The composed kernel: the layers plus the scenario language's view of them. */
export class Kernel implements KernelApi {
  /** The simulated PC (hw-i386): RAM, CPUs, e820 map, dmesg. */
  readonly machine: Machine;
  /** The booted page allocator (page-alloc): mem_map, zones, swapper_pg_dir. */
  readonly pa: PageAllocator;
  /** The slab allocator and vmalloc (slab). */
  readonly slab: SlabAllocator;
  /** pkmap, kmap_atomic and fixmaps (kmap). */
  readonly km: Kmap;
  /** The page cache, VFS, ramfs and ext2 (page-cache). */
  readonly pc: PageCache;
  /** The record of the pages the scenario holds (alloc_pages & co. go through it: see bind()). */
  readonly direct: DirectPages;
  /** The record of the buffer heads the scenario holds (alloc_buffer_head & co. go through it). */
  readonly directBuffers: DirectBuffers;
  /** Processes: mm_struct, VMAs, page faults, exec (vma). */
  readonly vm: VmSystem;
  /** What was booted, defaults filled in. */
  readonly opts: Required<Omit<BootOptions, "e820" | "highmem" | "userland" | "host">> &
    Pick<BootOptions, "e820" | "highmem">;
  /** The front end's binaries and host files (process-bindings.ts). */
  readonly userland?: Userland;
  readonly host?: HostFiles;
  /** Every callable kernel function by name (layer methods first, then free functions). */
  readonly bindings: Map<string, Binding>;
  /** Every constant by name: the layers' exports plus this machine's boot-time values. */
  readonly constants: Map<string, number>;
  /** The C type of the constants that are addresses or pfns. */
  readonly constantKinds: Map<string, NumKind>;
  /** Errno names by number, for printing `-12 (-ENOMEM)`. */
  readonly errnos: Map<number, string>;
  /** Layers the kernel is composed of, bottom first. */
  readonly layers: readonly string[];
  /** What @i386mm/kernel's boot returned. */
  private readonly booted: BootedKernel;
  /** The views `cat /proc/<name>` knows. */
  readonly views: readonly string[] = VIEW_NAMES;
  private readonly pgFlagBits: readonly (readonly [string, number])[];
  private dmesgSeen = 0;

  constructor(opts: BootOptions) {
    const { userland, host, ...machineOpts } = opts;
    this.opts = { pae: false, cpus: 1, nodes: 1, modelChecks: true, bootLog: "2.6.11", ...machineOpts };
    if (userland) this.userland = userland;
    if (host) this.host = host;
    const k = boot({
      mem: this.opts.memBytes,
      pae: this.opts.pae,
      cpus: this.opts.cpus,
      nodes: this.opts.nodes,
      pageAlloc: {
        bootLog: this.opts.bootLog,
        ...(this.opts.highmem === undefined ? {} : { highmem: this.opts.highmem }),
      },
      ...(opts.e820 ? { e820: opts.e820 } : {}),
    });
    this.booted = k;
    this.machine = k.machine;
    this.pa = k.pa;
    this.slab = k.slab;
    this.km = k.km;
    this.pc = k.pc;
    this.direct = k.direct;
    this.directBuffers = k.directBuffers;
    this.vm = k.vm;
    this.layers = k.layers;
    this.machine.modelChecks = this.opts.modelChecks;
    this.bindings = this.bind();
    this.constants = this.collectConstants();
    this.constantKinds = new Map<string, NumKind>();
    for (const name of this.constants.keys()) {
      const kind = constantKind(name);
      if (kind) this.constantKinds.set(name, kind);
    }
    this.errnos = new Map(Object.entries(hw.Errno).map(([k, v]) => [v as number, k]));
    this.pgFlagBits = Object.entries(pageAlloc)
      .filter(([k, v]) => /^PG_[a-z0-9_]+$/.test(k) && typeof v === "number")
      .map(([k, v]) => [k, v as number] as const)
      .sort((a, b) => a[1] - b[1]);
  }

  /** One line: what was booted. */
  describe(): string {
    const mib = this.opts.memBytes / 2 ** 20;
    return `${mib >= 1024 && mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`} RAM, ${this.opts.pae ? "PAE 3-level" : "2-level"} paging, ${this.opts.cpus} CPU(s), profile 2.6.11`;
  }

  /** The machine as JSON. */
  machineInfo(): Record<string, unknown> {
    return {
      memBytes: this.opts.memBytes,
      pae: this.opts.pae,
      cpus: this.opts.cpus,
      nodes: this.opts.nodes,
      e820: this.opts.e820 ? "custom" : "qemu",
      profile: "2.6.11",
      layers: this.layers,
    };
  }

  /** The boot log (see boot-log.ts). */
  bootLines(): string[] {
    return bootLines(this);
  }

  /** The boot log's numbers as JSON. */
  bootJson(): Record<string, unknown> {
    return bootJson(this);
  }

  private bind(): Map<string, Binding> {
    const out = new Map<string, Binding>();
    // Processes and files first: their names (find_get_page, set_blocksize) take a pid or an fd.
    for (const b of [...processBindings(this), ...fileBindings(this)]) out.set(b.name, b);
    const layers: [string, object][] = [
      // the page allocator's alloc/free functions through the record of direct callers, so that
      // `check` knows the scenario holds the pages it allocated
      ["page-alloc", this.direct],
      // the buffer heads a scenario allocates are its own: recorded, so that `check` knows them
      ["page-cache", this.directBuffers],
      ["kmap", this.km],
      ["slab", this.slab],
      ["page-alloc", this.pa],
      ["page-cache", this.pc],
    ];
    for (const [layer, obj] of layers) {
      for (const name of methodNames(obj)) {
        if (out.has(name) || VIEW_METHODS.has(name) || !(isKernelName(name) || SIGNATURE_BY_NAME.has(name)))
          continue;
        const fn = (obj as Record<string, (...a: unknown[]) => unknown>)[name]!;
        out.set(name, {
          name,
          layer,
          sig: SIGNATURE_BY_NAME.get(name) ?? null,
          call: (args) => fn.apply(obj, [...args]),
        });
      }
    }
    for (const b of freeBindings(this)) if (!out.has(b.name)) out.set(b.name, b);
    return out;
  }

  /**
   * The layer whose "/internal" entry exports `name` (a static step of the kernel: hash_ptr,
   * __rmqueue, cache_estimate, ...), or undefined. The layers' static methods are #private and
   * not reachable at all.
   */
  staticStepLayer(name: string): string | undefined {
    for (const [layer, ns] of INTERNAL_ENTRIES) if (name in ns) return layer;
    return undefined;
  }

  private collectConstants(): Map<string, number> {
    const out = new Map<string, number>();
    // The public faces and the internals: a scenario sees mm/slab.c's #defines as the kernel's own code does.
    const layers = [
      hw,
      hwInternal,
      pageAlloc,
      pageAllocInternal,
      slabPkg,
      slabInternal,
      kmapPkg,
      kmapInternal,
      pageCachePkg,
      vmaPkg,
    ];
    for (const ns of layers as Record<string, unknown>[]) {
      for (const [k, v] of Object.entries(ns)) {
        if (typeof v !== "number") continue;
        // ALL-CAPS constants, page-flag bit numbers (PG_slab) and enum ends (__end_of_fixed_addresses).
        if (/^_*[A-Z][A-Z0-9_]*$/.test(k) || /^PG_[a-z0-9_]+$/.test(k) || /^__end_of_/.test(k)) out.set(k, v);
      }
    }
    const pae = this.opts.pae;
    const pa = this.pa;
    // Macros that depend on the build (PAE) or on boot, evaluated for this machine.
    out.set("LAST_PKMAP", hw.LAST_PKMAP(pae));
    out.set("LAST_PKMAP_MASK", hw.LAST_PKMAP_MASK(pae));
    out.set("PKMAP_BASE", hw.PKMAP_BASE(pae));
    out.set("VMALLOC_START", pa.layout.VMALLOC_START);
    out.set("VMALLOC_END", pa.layout.VMALLOC_END);
    out.set("PTRS_PER_PGD", this.machine.paging.PTRS_PER_PGD);
    out.set("PTRS_PER_PMD", this.machine.paging.PTRS_PER_PMD);
    out.set("PTRS_PER_PTE", this.machine.paging.PTRS_PER_PTE);
    out.set("NR_CPUS_ONLINE", this.machine.cpus.length);
    // Protections as this build and boot have them. _PAGE_NX is 0 without PAE (every entry is 32
    // bits), so no constant carries it there; PAGE_KERNEL & co. are the run-time __PAGE_KERNEL
    // (_PAGE_GLOBAL ORed in by pagetable_init when the CPU has PGE; under PAE the NX bit stays in
    // the value and pfn_pte strips it on a CPU without NX, as __supported_pte_mask does).
    if (!pae) for (const [k, v] of out) if (v >= hw._PAGE_NX && /PAGE_/.test(k)) out.set(k, v - hw._PAGE_NX);
    out.set("_PAGE_NX", this.machine.paging._PAGE_NX);
    const rt = hw.kernelProt({ pge: (this.machine.cpus[0]!.cr4 & hw.X86_CR4_PGE) !== 0, nx_enabled: pae });
    for (const [k, v] of Object.entries(rt)) out.set(k, v);
    // Boot-time kernel variables (read-only snapshots).
    out.set("high_memory", pa.high_memory);
    out.set("max_low_pfn", pa.max_low_pfn);
    out.set("highstart_pfn", pa.highstart_pfn);
    out.set("max_pfn", pa.max_pfn);
    out.set("num_physpages", pa.num_physpages);
    out.set("min_free_kbytes", pa.min_free_kbytes);
    out.set("swapper_pg_dir", pa.swapper_pg_dir);
    return out;
  }

  pageInfo(pfn: number): PageInfo | null {
    const pa = this.pa;
    if (!Number.isInteger(pfn) || pfn < 0 || pfn >= pa.mem_map.nr_pages) return null;
    const page = hw.asPage(pfn);
    // The kernel's flag bits and the zone number in the top bits; page-alloc keeps private
    // bookkeeping (the allocation order) in bits the 2.6.11 kernel leaves unused.
    const flags = pa.mem_map.flags[pfn]! & (pageAlloc.PG_KERNEL_BITS_MASK | pageAlloc.NODEZONE_MASK);
    const names = this.pgFlagBits.filter(([, bit]) => bit < 29 && (flags & (1 << bit)) !== 0).map(([k]) => k);
    const virt = pa.page_address(page);
    return {
      pfn,
      descriptor: pa.mem_map_virt + pfn * 32,
      flags: flags >>> 0,
      flagNames: names,
      count: pa.page_count(page),
      virt: virt === null ? null : virt,
      zone: pa.page_zone(page).name,
    };
  }

  object(kind: string, o: object): string | null {
    switch (kind) {
      case "kmem_cache_t":
        return describeCache(this.slab, o as kmem_cache_t, this.machine.current);
      case "struct slab":
        return describeSlab(o as StructSlab);
      case "struct vm_struct":
        return describeVm(o as vm_struct);
      case "struct zone":
        return describeZone(o as Zone);
      case "pg_data_t":
        return describeNode(this.pa, o as pg_data_t);
      default:
        return describeProcessObject(kind, o);
    }
  }

  /** `p->field` where the field is itself a structure (or an array of them), or null. */
  objectField(
    kind: string,
    o: object,
    field: string,
  ): ObjectFieldValue | ObjectFieldValue[] | null | undefined {
    if (kind === "pg_data_t") {
      const n = o as pg_data_t;
      if (field === "pgdat_next")
        return n.pgdat_next === null ? null : { kind: "pg_data_t", v: n.pgdat_next };
      if (field === "node_zones") return n.node_zones.map((z) => ({ kind: "struct zone", v: z }));
    }
    if (kind === "struct zone" && field === "zone_pgdat")
      return { kind: "pg_data_t", v: (o as Zone).zone_pgdat };
    return undefined;
  }

  /** Kernel globals that hold a structure pointer: pgdat_list (the first node). */
  global(name: string): ObjectFieldValue | null | undefined {
    if (name === "pgdat_list") return { kind: "pg_data_t", v: this.pa.pgdat_list };
    if (name === "contig_page_data" && this.pa.node_data.length === 1)
      return { kind: "pg_data_t", v: this.pa.pgdat_list };
    return undefined;
  }

  /** Set once the machine panicked or hung: nothing runs on it any more. */
  get halted(): { readonly kind: "panic" | "hang"; readonly call: string; readonly message: string } | null {
    return this.machine.halted;
  }

  /** Printable form of a value with this kernel's page and structure descriptions. */
  format(v: Value): string {
    return formatValue(v, this);
  }

  view(name: string): ViewOutput | null {
    let text: string;
    switch (name) {
      case "buddyinfo":
        text = this.pa.buddyinfo();
        break;
      case "zoneinfo":
        text = this.pa.zoneinfo();
        break;
      case "meminfo": {
        const vm = this.booted.vm;
        text = this.slab.meminfo({
          committed_pages: vm.vm_committed_space,
          nr_page_table_pages: vm.page_state.nr_page_table_pages,
        });
        break;
      }
      case "pagetypeinfo":
        text = this.pa.pagetypeinfo();
        break;
      case "slabinfo":
        text = this.slab.slabinfo();
        break;
      case "vmallocinfo":
        text = this.slab.vmallocinfo();
        break;
      case "fraginfo": {
        // The model's own file: its JSON is the figures themselves, not parsed back from text.
        const info = fraginfo(this);
        const lines = fraginfoText(info).split("\n");
        lines.pop();
        return { lines, json: { ...info, lines }, note: VIEW_NOTES.fraginfo };
      }
      default:
        return procPidView(this, name) ?? fileView(this, name);
    }
    const lines = text.split("\n");
    if (lines.length && lines[lines.length - 1] === "") lines.pop();
    const note = VIEW_NOTES[name];
    return note ? { lines, json: viewJson(name, lines), note } : { lines, json: viewJson(name, lines) };
  }

  deref_pte(ptep: number): number {
    return readPte(this, ptep);
  }

  translate(va: number, access: { write: boolean; user: boolean; fetch: boolean }): ViewOutput {
    return translateView(this, va, access);
  }

  translateTask(
    pid: number,
    va: number,
    access: { write: boolean; user: boolean; fetch: boolean },
  ): ViewOutput {
    return translateInTask(this, pid, () => translateView(this, va, access));
  }

  check(): { layers: readonly string[]; problems: readonly string[] } {
    return { layers: this.layers, problems: kernelProblems(this.booted) };
  }

  /** A pte_t is 32 bits on a 2-level build, 64 with PAE. */
  get pteBits(): 32 | 64 {
    return this.opts.pae ? 64 : 32;
  }

  /**
   * The hash of the whole machine state (@i386mm/kernel's machineHash): `i386mm check --hash`;
   * `{ printk: false }` leaves the kernel log out (a refused call may print but change nothing).
   */
  hash(opts: { readonly printk?: boolean } = {}): string {
    return machineHash(this.booted, opts);
  }

  get nr_cpus(): number {
    return this.machine.cpus.length;
  }
  get current_cpu(): number {
    return this.machine.current;
  }
  setCpu(n: number): void {
    this.machine.setCurrentCpu(n);
  }

  drainMessages(): string[] {
    const d = this.machine.dmesg;
    const out = d.slice(this.dmesgSeen);
    this.dmesgSeen = d.length;
    return out;
  }

  classifyError(e: unknown, call?: string): ErrorReport {
    const fileOf = (name: string | undefined): string | undefined =>
      name === undefined
        ? undefined
        : (INTERNAL_FILES[name] ?? this.bindings.get(name)?.sig?.file ?? SIGNATURE_BY_NAME.get(name)?.file);
    if (e instanceof hw.KernelPanicError || e instanceof hw.KernelHangError) {
      const file = fileOf(e.call) ?? fileOf(call);
      const panic = e instanceof hw.KernelPanicError;
      return {
        kind: panic ? "panic" : "hang",
        type: e.constructor.name,
        message: panic ? `Kernel panic - not syncing: ${e.detail}` : e.message,
        ...(file ? { file } : {}),
      };
    }
    if (e instanceof hw.ModelCheckError) {
      return {
        kind: "check",
        type: e.constructor.name,
        message: e.message,
        kernelWould: e.kernelWould,
        modelled: e.modelled,
      };
    }
    if (e instanceof KernelBugError) {
      const file = fileOf(e.call) ?? fileOf(call);
      return { kind: "BUG", type: e.constructor.name, message: e.message, ...(file ? { file } : {}) };
    }
    // A layer that follows a NULL kmem_cache_t * or struct zone * the scenario passed fails on
    // its first field access, as the kernel would: an oops, not a scenario mistake.
    if (e instanceof TypeError && /of (null|undefined)\b/.test(e.message) && call) {
      const file = fileOf(call);
      return {
        kind: "BUG",
        type: "Oops",
        message: `${call}: Unable to handle kernel NULL pointer dereference (a NULL structure pointer was passed and followed)`,
        ...(file ? { file } : {}),
      };
    }
    // The same for a number or a string where a structure goes (an untyped binding passes what the
    // scenario gave): the layer fails on its first use of it; in C that is a wild pointer followed.
    if (e instanceof TypeError && /is not (a function|iterable)\b|\.\w+ is not/.test(e.message) && call) {
      const file = fileOf(call);
      return {
        kind: "BUG",
        type: "Oops",
        message: `${call}: Unable to handle kernel paging request (an argument that is no such structure was followed)`,
        ...(file ? { file } : {}),
      };
    }
    if (e instanceof InvariantError)
      return { kind: "invariant", type: "InvariantError", message: e.message, problems: e.problems };
    if (e instanceof Error)
      return { kind: "error", type: e.constructor.name, message: call ? `${call}: ${e.message}` : e.message };
    return { kind: "error", type: "unknown", message: String(e) };
  }
}

/** Constants that are kernel virtual addresses, physical addresses, pfns or protections print as such. */
function constantKind(name: string): NumKind | undefined {
  if (
    /^_?PAGE_(KERNEL|NONE|SHARED|COPY|READONLY)\w*$|^_PAGE_(?!SHIFT$|SIZE$|MASK$|OFFSET$)\w+$|^_KERNPG_TABLE$/.test(
      name,
    )
  )
    return "entry";
  if (
    /^(PAGE_OFFSET|TASK_SIZE|high_memory|VMALLOC_START|VMALLOC_END|PKMAP_BASE|MAX_DMA_ADDRESS)$/.test(name) ||
    /^(__)?FIXADDR_(TOP|START|BOOT_START|USER_START|USER_END)$/.test(name)
  )
    return "addr";
  if (name === "swapper_pg_dir") return "phys";
  if (/^(max_low_pfn|highstart_pfn|max_pfn|MAXMEM_PFN)$/.test(name)) return "pfn";
  return undefined;
}

/** Every method name on an object's prototype chain (not Object.prototype's). */
function methodNames(obj: object): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      if (k === "constructor") continue;
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (d && typeof d.value === "function") names.add(k);
    }
  }
  return [...names];
}

/**
 * Boot the composed kernel (@i386mm/kernel's boot: `new Machine` with QEMU's e820 map for memBytes,
 * `new PageAllocator` (setup_arch .. mem_init, min_free_kbytes), `new SlabAllocator`
 * (kmem_cache_init), `new Kmap`) and bind its functions and constants for the scenario language.
 */
export function bootKernel(opts: BootOptions): Kernel {
  return new Kernel(opts);
}
