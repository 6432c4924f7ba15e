/*
 * fuzz.ts — the whole-machine fuzzer (fast-check model-based testing, the model's own tool; no
 * 2.6.11 code does this). One run boots a small kernel with high memory, then applies a random
 * sequence of operations at every layer at once, the way a running kernel interleaves them:
 *   page-alloc  alloc_pages of every order from every zone (DMA, Normal, HighMem, atomic), frees
 *   slab        kmem_cache_create / alloc / free / destroy, kmalloc / kfree, vmalloc / vfree
 *   kmap        kmap / kunmap of held pages, kmap_atomic + kunmap_atomic around a store
 *   page-cache  read / write / truncate / fsync of ramfs and ext2 files and of a raw block device,
 *               sync, eviction of clean pages
 *   vma         processes: mmap (anonymous, shared, file), munmap, mprotect, brk, faults (user
 *               loads and stores), fork, exec of a generated ELF, exit, CPU switches
 * After every step checkKernelInvariants (every layer's checker and the cross-layer ones) runs,
 * and the data every holder wrote is compared with a plain reference: a tag byte at the start of
 * each held block, slab object and vmalloc page (read back through the MMU), each file's bytes,
 * the raw disk after each sync, and byte 0 of every user page of every process (a cell shared
 * between processes for MAP_SHARED, copied at fork for MAP_PRIVATE, the file's byte for a file
 * mapping until a private write copies it). At the end of a run every holder frees what it holds,
 * the ext2 disk is mounted on a second machine and its file compared byte for byte (durability),
 * and no frame may still be held by a direct caller, vmalloc, a process or a file (every page came
 * back).
 * Operations the state cannot take (a free with nothing held, a cap reached) do nothing; caps keep
 * a run below out-of-memory (point 4's tests are separate), so every refusal is a bug.
 * Each step returns scenario lines (the demo's language where it has the call, a comment naming
 * the call where it has not yet), so a failing sequence prints as a runnable scenario.
 * Deterministic: every random choice is fast-check's, from the seed.
 */
import { PAGE_OFFSET, PAGE_SIZE, type VirtAddr } from "@i386mm/hw-i386";
import { KM_USER0 } from "@i386mm/kmap";
import {
  GFP_ATOMIC,
  GFP_DMA,
  GFP_HIGHUSER,
  GFP_KERNEL,
  MAX_ORDER,
  type Page,
  PG_highmem,
} from "@i386mm/page-alloc";
import { ByteArrayBackend, type file, IS_ERR, O_RDWR } from "@i386mm/page-cache";
import type { kmem_cache_t } from "@i386mm/slab";
import {
  create_task,
  do_execve,
  do_exit,
  do_fork,
  do_mmap_pgoff,
  generateElf,
  IS_ERR_ADDR,
  install_file,
  kernel_access,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  release_task,
  schedule_to,
  sys_brk,
  sys_mprotect,
  sys_munmap,
  type task_struct,
  user_read,
  user_write,
} from "@i386mm/vma";
import fc from "fast-check";
import { boot, type Kernel } from "./boot.js";
import { kernelProblems } from "./invariants.js";
import { machineOwnership, OWNER_NAMES, Owner } from "./machine-check.js";

/** The fuzzer's reference and the model disagree (or a step the caps allow was refused). */
export class FuzzDivergenceError extends Error {
  override readonly name = "FuzzDivergenceError";
}

const P = PAGE_SIZE;
/** The user window the process operations aim at, so that they collide often. */
const BASE = 0x40000000;
const SPAN = 64; // pages
/** Pages of the ramfs file every process may map ("/m"); page k starts with byte k + 1. */
const MAPPED_PAGES = 16;
/** The raw block device's size (hdb). */
const RAW_SIZE = 256 * 1024;
/** Size of the ext2 file "/mnt/e" (fixed: the model's ext2 overwrites, it does not allocate). */
const EXT2_FILE = 96 * 1024;
/** Largest file the fuzzer grows. */
const FILE_MAX = 96 * 1024;
/** Caps that keep a run below out-of-memory. */
const CAP = {
  directPages: 2048,
  caches: 6,
  objects: 400,
  kmallocBytes: 1 << 20,
  vmallocPages: 256,
  kmaps: 48,
  procs: 5,
};
const MiB = 2 ** 20;
/** A run's RAM: 72 MiB of lowmem (highmem= keeps at least 64 MiB) and 8 MiB of high memory. */
const DEFAULT_MEM = 80 * MiB;

// ------------------------------------------------------------------------------------ operations

/** The files the fuzzer reads and writes: ramfs "/m" (mapped), ramfs "/r" (grown and truncated), ext2 "/mnt/e", raw hdb. */
export const FUZZ_FILES = ["/m", "/r", "/mnt/e", "/dev/hdb"] as const;
const ZONES = ["GFP_DMA", "GFP_KERNEL", "GFP_HIGHUSER", "GFP_ATOMIC"] as const;
const GFP: Record<(typeof ZONES)[number], number> = { GFP_DMA, GFP_KERNEL, GFP_HIGHUSER, GFP_ATOMIC };

/** One step of a fuzz run. Indices (`i`) pick among what is held, modulo its count. */
export type FuzzOp =
  | { k: "alloc_pages"; gfp: (typeof ZONES)[number]; order: number }
  | { k: "free_pages"; i: number }
  | { k: "cache_create"; size: number; align: number }
  | { k: "cache_alloc"; i: number }
  | { k: "cache_free"; i: number }
  | { k: "cache_destroy"; i: number }
  | { k: "kmalloc"; size: number; atomic: boolean }
  | { k: "kfree"; i: number }
  | { k: "vmalloc"; pages: number }
  | { k: "vfree"; i: number }
  | { k: "kmap"; i: number }
  | { k: "kunmap"; i: number }
  | { k: "kmap_atomic"; i: number; value: number }
  | { k: "write"; f: number; pos: number; len: number; seed: number }
  | { k: "read"; f: number; pos: number; len: number }
  | { k: "truncate"; f: number; len: number }
  | { k: "fsync"; f: number }
  | { k: "sync" }
  | { k: "evict" }
  | { k: "mmap"; page: number; npages: number; prot: number; shared: boolean; fixed: boolean }
  | {
      k: "mmap_file";
      page: number;
      npages: number;
      pgoff: number;
      prot: number;
      shared: boolean;
      fixed: boolean;
    }
  | { k: "munmap"; page: number; npages: number }
  | { k: "mprotect"; page: number; npages: number; prot: number }
  | { k: "brk"; delta: number }
  | { k: "touch"; page: number; mapped: boolean; write: boolean; value: number }
  | { k: "fork" }
  | { k: "exec"; elf: number }
  | { k: "exit" }
  | { k: "spawn" }
  | { k: "switch"; to: number };

const protArb = fc.constantFrom(
  PROT_NONE,
  PROT_READ,
  PROT_READ | PROT_WRITE,
  PROT_READ | PROT_EXEC,
  PROT_READ | PROT_WRITE | PROT_EXEC,
);
const idx = fc.nat(1 << 16);
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/** The fast-check arbitrary of one operation (weights favour the steps that move most state). */
export const fuzzOpArb: fc.Arbitrary<FuzzOp> = fc.oneof(
  w(
    6,
    fc.record({
      k: fc.constant("alloc_pages" as const),
      gfp: fc.constantFrom(...ZONES),
      order: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: MAX_ORDER - 1 }) },
      ),
    }),
  ),
  w(5, fc.record({ k: fc.constant("free_pages" as const), i: idx })),
  w(
    1,
    fc.record({
      k: fc.constant("cache_create" as const),
      // below BYTES_PER_WORD kmem_cache_create BUG()s (2.6.11's check): not a fuzzing target
      size: fc.oneof(fc.integer({ min: 4, max: 300 }), fc.integer({ min: 4, max: 9000 })),
      align: fc.constantFrom(0, 8, 32, 64),
    }),
  ),
  w(5, fc.record({ k: fc.constant("cache_alloc" as const), i: idx })),
  w(4, fc.record({ k: fc.constant("cache_free" as const), i: idx })),
  w(1, fc.record({ k: fc.constant("cache_destroy" as const), i: idx })),
  w(
    4,
    fc.record({
      k: fc.constant("kmalloc" as const),
      size: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 131072 })),
      atomic: fc.boolean(),
    }),
  ),
  w(3, fc.record({ k: fc.constant("kfree" as const), i: idx })),
  w(2, fc.record({ k: fc.constant("vmalloc" as const), pages: fc.integer({ min: 1, max: 40 }) })),
  w(2, fc.record({ k: fc.constant("vfree" as const), i: idx })),
  w(2, fc.record({ k: fc.constant("kmap" as const), i: idx })),
  w(2, fc.record({ k: fc.constant("kunmap" as const), i: idx })),
  w(
    2,
    fc.record({ k: fc.constant("kmap_atomic" as const), i: idx, value: fc.integer({ min: 1, max: 255 }) }),
  ),
  w(
    5,
    fc.record({
      k: fc.constant("write" as const),
      f: fc.nat(FUZZ_FILES.length - 1),
      pos: fc.oneof(fc.nat(3 * P), fc.nat(FILE_MAX - 1)),
      len: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 3 * P })),
      seed: fc.nat(),
    }),
  ),
  w(
    4,
    fc.record({
      k: fc.constant("read" as const),
      f: fc.nat(FUZZ_FILES.length - 1),
      pos: fc.nat(FILE_MAX + P),
      len: fc.integer({ min: 1, max: 3 * P }),
    }),
  ),
  w(
    1,
    fc.record({
      k: fc.constant("truncate" as const),
      f: fc.nat(FUZZ_FILES.length - 1),
      len: fc.nat(FILE_MAX),
    }),
  ),
  w(1, fc.record({ k: fc.constant("fsync" as const), f: fc.nat(FUZZ_FILES.length - 1) })),
  w(1, fc.constant({ k: "sync" as const })),
  w(1, fc.constant({ k: "evict" as const })),
  w(
    3,
    fc.record({
      k: fc.constant("mmap" as const),
      page: fc.nat(SPAN - 1),
      npages: fc.integer({ min: 1, max: 12 }),
      prot: protArb,
      shared: fc.boolean(),
      fixed: fc.boolean(),
    }),
  ),
  w(
    2,
    fc.record({
      k: fc.constant("mmap_file" as const),
      page: fc.nat(SPAN - 1),
      npages: fc.integer({ min: 1, max: 6 }),
      pgoff: fc.nat(MAPPED_PAGES - 6),
      prot: protArb,
      shared: fc.boolean(),
      fixed: fc.boolean(),
    }),
  ),
  w(
    2,
    fc.record({
      k: fc.constant("munmap" as const),
      page: fc.nat(SPAN - 1),
      npages: fc.integer({ min: 1, max: 16 }),
    }),
  ),
  w(
    2,
    fc.record({
      k: fc.constant("mprotect" as const),
      page: fc.nat(SPAN - 1),
      npages: fc.integer({ min: 1, max: 8 }),
      prot: protArb,
    }),
  ),
  w(1, fc.record({ k: fc.constant("brk" as const), delta: fc.integer({ min: -6, max: 8 }) })),
  w(
    8,
    fc.record({
      k: fc.constant("touch" as const),
      page: fc.nat(1023),
      mapped: fc.nat(3).map((n) => n !== 0),
      write: fc.boolean(),
      value: fc.integer({ min: 1, max: 255 }),
    }),
  ),
  w(1, fc.constant({ k: "fork" as const })),
  w(1, fc.record({ k: fc.constant("exec" as const), elf: fc.nat(1) })),
  w(1, fc.constant({ k: "exit" as const })),
  w(1, fc.constant({ k: "spawn" as const })),
  w(2, fc.record({ k: fc.constant("switch" as const), to: fc.nat(7) })),
);

/** How a run's machine is booted. */
export interface FuzzConfig {
  readonly pae: boolean;
  readonly cpus: number;
}

/** The fast-check arbitrary of a run's machine. */
export const fuzzConfigArb: fc.Arbitrary<FuzzConfig> = fc.record({
  pae: fc.boolean(),
  cpus: fc.integer({ min: 1, max: 2 }),
});

// ------------------------------------------------------------------------------------ the reference

/** A user page's content (byte 0): a plain cell, or a file's byte. */
interface Cell {
  v: number;
}
class FileCell implements Cell {
  constructor(
    readonly ref: { bytes: Uint8Array },
    readonly off: number,
  ) {}
  get v(): number {
    return this.ref.bytes[this.off] ?? 0;
  }
  set v(x: number) {
    this.ref.bytes[this.off] = x;
  }
}
interface RefPage {
  prot: number;
  shared: boolean;
  cell: Cell;
  /** A private file page not yet written: it reads the file until its first write. */
  fileCell?: Cell;
}
interface RefProc {
  task: task_struct;
  pages: Map<number, RefPage>;
  brk: number;
  start_brk: number;
}
interface Block {
  page: Page;
  order: number;
  tag: number;
  name: string;
  kmaps: number;
  high: boolean;
}
interface Obj {
  addr: VirtAddr;
  tag: number;
  name: string;
}
interface Cache {
  cache: kmem_cache_t;
  name: string;
  size: number;
  objs: Obj[];
}
interface Kmalloced extends Obj {
  size: number;
}
interface Vmalloced extends Obj {
  pages: number;
}
interface RefFile {
  path: string;
  bytes: Uint8Array;
  file: file;
  /** Fixed size, never truncated, writes clipped to it: the mapped file, the ext2 file, the raw disk. */
  fixed: boolean;
}

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
const readable = (prot: number) => (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0;
const PROT_NAMES = (prot: number) =>
  prot === 0
    ? "PROT_NONE"
    : [
        prot & PROT_READ ? "PROT_READ" : "",
        prot & PROT_WRITE ? "PROT_WRITE" : "",
        prot & PROT_EXEC ? "PROT_EXEC" : "",
      ]
        .filter(Boolean)
        .join("|");

/** Seeded bytes (xorshift) for file writes. */
function bytesOf(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = seed | 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Options of a fuzz machine. */
export interface FuzzMachineOptions {
  /** An ext2 image holding a 96 KiB file "e" (mounted from a copy on /mnt); without it "/mnt/e" lives on ramfs. */
  readonly ext2Image?: Uint8Array;
  /** RAM (default 80 MiB, 8 MiB of it high memory: highmem= leaves lowmem at least 64 MiB). */
  readonly mem?: number;
  /** Called after every step, before the check (the fuzzer's own tests plant a bug here). */
  readonly afterStep?: (m: FuzzMachine) => void;
}

/**
 * One machine under fuzzing and its reference. `step(op)` applies one operation and returns its
 * scenario lines; `check()` runs the whole-machine check; `finish()` frees everything and checks
 * durability and that every page came back.
 */
export class FuzzMachine {
  readonly k: Kernel;
  readonly config: FuzzConfig;
  readonly lines: string[] = [];
  readonly blocks: Block[] = [];
  readonly caches: Cache[] = [];
  readonly kmallocs: Kmalloced[] = [];
  readonly vmallocs: Vmalloced[] = [];
  readonly files: RefFile[] = [];
  readonly procs: RefProc[] = [];
  readonly ext2: ByteArrayBackend | null;
  readonly raw: ByteArrayBackend;
  /** Bytes of high memory the machine was booted with (highmem=). */
  readonly highmem: number;
  /** Cells of the mapped file's pages (byte 0 of each page). */
  readonly fileCells: FileCell[] = [];
  cur = 0;
  #names = 0;
  #tags = 0;

  constructor(config: FuzzConfig, opts: FuzzMachineOptions = {}) {
    this.config = config;
    const mem = opts.mem ?? DEFAULT_MEM;
    const highmem = mem >= 80 * MiB ? 8 * MiB : undefined; // below, highmem= would be ignored
    this.k = boot({
      mem,
      pae: config.pae,
      cpus: config.cpus,
      ...(highmem === undefined ? {} : { pageAlloc: { highmem } }),
    });
    this.highmem = highmem ?? 0;
    const { pc } = this.k;
    this.raw = new ByteArrayBackend(bytesOf(RAW_SIZE, 99));
    this.#ok(!IS_ERR(pc.add_disk("hdb", this.raw)), "add_disk hdb");
    this.ext2 = null;
    if (opts.ext2Image !== undefined) {
      this.ext2 = new ByteArrayBackend(opts.ext2Image.slice());
      this.#ok(!IS_ERR(pc.add_disk("hda", this.ext2)), "add_disk hda");
      this.#ok(pc.sys_mkdir("/mnt") === 0, "mkdir /mnt");
      const err = pc.sys_mount("/dev/hda", "/mnt", "ext2", 0);
      this.#ok(err === 0, `mount ext2: ${err}`);
    } else this.#ok(pc.sys_mkdir("/mnt") === 0, "mkdir /mnt");
    const mapped = new Uint8Array(MAPPED_PAGES * P);
    for (let i = 0; i < MAPPED_PAGES; i++) mapped[i * P] = i + 1;
    for (const path of FUZZ_FILES) {
      let initial: Uint8Array;
      if (path === "/dev/hdb") initial = this.raw.bytes.slice();
      else if (path === "/mnt/e" && this.ext2 !== null) {
        // the image's file, at full size (the model's ext2 allocates no blocks: overwrites only)
        const got = pc.readFile(path);
        if (IS_ERR(got)) throw new FuzzDivergenceError(`the ext2 image has no ${path}: ${got}`);
        initial = got;
      } else {
        initial = path === "/m" ? mapped : path === "/mnt/e" ? new Uint8Array(EXT2_FILE) : new Uint8Array(0);
        this.#ok(pc.writeFile(path, initial) === 0, `create ${path}`);
      }
      const f = pc.filp_open(path, O_RDWR, 0o644);
      if (IS_ERR(f)) throw new FuzzDivergenceError(`open ${path}: ${f}`);
      this.files.push({ path, bytes: initial.slice(), file: f, fixed: path !== "/r" });
    }
    const m = this.files[0]!;
    for (let i = 0; i < MAPPED_PAGES; i++) this.fileCells.push(new FileCell(m, i * P));
    for (let e = 0; e < 2; e++) {
      const elf = generateElf(1000 + e, {
        type: 2,
        interp: null,
        maxFilesz: 8192,
        maxBss: 32768,
        lastFlags: 6,
      });
      this.#ok(install_file(pc, `/bin/e${e}`, elf.bytes) === 0, "install_file");
    }
    this.spawn();
  }

  #ok(cond: boolean, what: string): void {
    if (!cond) throw new FuzzDivergenceError(what);
  }

  #name(prefix: string): string {
    return `${prefix}${this.#names++}`;
  }

  #tag(): number {
    this.#tags = (this.#tags % 254) + 1;
    return this.#tags;
  }

  get p(): RefProc {
    return this.procs[this.cur]!;
  }

  // ------------------------------------------------------------------ kernel memory: tags

  /** A kernel-mode load of one byte at `va` on the current CPU (vmalloc_fault repairs a missing pgd entry). */
  #kread(va: number): number {
    return this.k.machine.ram.readBytes(kernel_access(this.k.vm, va, false), 1)[0]!;
  }

  /** A kernel-mode store of one byte at `va`. */
  #kwrite(va: number, v: number): void {
    this.k.machine.ram.writeBytes(kernel_access(this.k.vm, va, true), Uint8Array.of(v));
  }

  /** Byte at a kernel virtual address, through the MMU (a highmem block through kmap_atomic). */
  #readBlock(b: Block): number {
    const { k } = this;
    if (!b.high) return this.#kread(PAGE_OFFSET + b.page * P);
    const va = k.km.kmap_atomic(b.page, KM_USER0);
    const v = this.#kread(va);
    k.km.kunmap_atomic(va, KM_USER0);
    return v;
  }

  #writeBlock(b: Block, v: number): void {
    const { k } = this;
    if (!b.high) {
      this.#kwrite(PAGE_OFFSET + b.page * P, v);
      return;
    }
    const va = k.km.kmap_atomic(b.page, KM_USER0);
    this.#kwrite(va, v);
    k.km.kunmap_atomic(va, KM_USER0);
  }

  #verifyBlock(b: Block): void {
    const got = this.#readBlock(b);
    if (got !== b.tag)
      throw new FuzzDivergenceError(
        `${b.name} (pfn ${hex(b.page)}): tag ${got}, wrote ${b.tag}: someone else wrote it`,
      );
  }

  #verifyObj(o: Obj, what: string): void {
    const got = this.#kread(o.addr);
    if (got !== o.tag)
      throw new FuzzDivergenceError(`${what} ${o.name} at ${hex(o.addr)}: tag ${got}, wrote ${o.tag}`);
  }

  #verifyVmalloc(v: Vmalloced): void {
    for (let i = 0; i < v.pages; i++) {
      const got = this.#kread(v.addr + i * P);
      if (got !== ((v.tag + i) & 0xff || 1))
        throw new FuzzDivergenceError(
          `vmalloc ${v.name} page ${i}: tag ${got}, wrote ${(v.tag + i) & 0xff || 1}`,
        );
    }
  }

  #directPages(): number {
    let n = 0;
    for (const b of this.blocks) n += 1 << b.order;
    return n;
  }

  // ------------------------------------------------------------------ processes

  spawn(): void {
    const t = create_task(this.k.vm, "fuzz");
    if (t === null) throw new FuzzDivergenceError("create_task failed");
    const mm = t.mm!;
    mm.start_code = 0x08048000;
    mm.end_code = 0x08049000;
    mm.start_brk = mm.brk = BASE - 64 * P;
    mm.start_data = mm.start_brk;
    this.procs.push({ task: t, pages: new Map(), brk: mm.brk, start_brk: mm.brk });
    this.cur = this.procs.length - 1;
    this.#run(t);
  }

  /** Schedule `t` on the CPU it runs on, or on the current one. */
  #run(t: task_struct): void {
    const vm = this.k.vm;
    const on = vm.curr.indexOf(t);
    if (on >= 0) vm.machine.setCurrentCpu(on);
    schedule_to(vm, t);
  }

  // ------------------------------------------------------------------ one step

  /** Apply one operation; returns the scenario lines for it. Throws FuzzDivergenceError on a divergence. */
  step(op: FuzzOp): string[] {
    const out = this.#step(op);
    this.lines.push(...out);
    return out;
  }

  #step(op: FuzzOp): string[] {
    const { k } = this;
    const { slab, km, pc } = k;
    switch (op.k) {
      case "alloc_pages": {
        if (this.#directPages() + (1 << op.order) > CAP.directPages) return [];
        const page = k.direct.alloc_pages(GFP[op.gfp], op.order);
        const name = this.#name("p");
        if (page === null) {
          // below the caps only an order larger than any free block (or an atomic/DMA shortage) may fail
          return [`${name} = alloc_pages(${op.gfp}, ${op.order})   # NULL`];
        }
        const high = (k.pa.mem_map.flags[page]! & (1 << PG_highmem)) !== 0;
        if (high && op.gfp !== "GFP_HIGHUSER")
          throw new FuzzDivergenceError(`alloc_pages(${op.gfp}) returned highmem pfn ${hex(page)}`);
        const b: Block = { page, order: op.order, tag: this.#tag(), name, kmaps: 0, high };
        this.#writeBlock(b, b.tag);
        this.blocks.push(b);
        return [`${name} = alloc_pages(${op.gfp}, ${op.order})`];
      }
      case "free_pages": {
        if (this.blocks.length === 0) return [];
        const [b] = this.blocks.splice(op.i % this.blocks.length, 1) as [Block];
        this.#verifyBlock(b);
        const lines: string[] = [];
        for (; b.kmaps > 0; b.kmaps--) {
          km.kunmap(b.page);
          lines.push(`kunmap(${b.name})`);
        }
        k.direct.__free_pages(b.page, b.order);
        return [...lines, `__free_pages(${b.name}, ${b.order})`];
      }
      case "cache_create": {
        if (this.caches.length >= CAP.caches) return [];
        const name = `fuzz-${this.#names}`;
        const v = this.#name("c");
        const cache = slab.kmem_cache_create(name, op.size, op.align, 0, null);
        if (cache === null)
          throw new FuzzDivergenceError(`kmem_cache_create(${op.size}, ${op.align}) failed`);
        this.caches.push({ cache, name, size: op.size, objs: [] });
        return [`${v} = kmem_cache_create("${name}", ${op.size}, ${op.align}, 0, NULL)`];
      }
      case "cache_alloc": {
        if (this.caches.length === 0 || this.#objects() >= CAP.objects) return [];
        const c = this.caches[op.i % this.caches.length]!;
        const addr = slab.kmem_cache_alloc(c.cache, GFP_KERNEL);
        const name = this.#name("o");
        if (addr === null) throw new FuzzDivergenceError(`kmem_cache_alloc(${c.name}) returned NULL`);
        this.#fresh(addr, c.size, `kmem_cache_alloc(${c.name})`);
        const o: Obj = { addr, tag: this.#tag(), name };
        this.#kwrite(addr, o.tag);
        c.objs.push(o);
        return [`${name} = kmem_cache_alloc(${this.#cacheVar(c)}, GFP_KERNEL)`];
      }
      case "cache_free": {
        const withObjs = this.caches.filter((c) => c.objs.length > 0);
        if (withObjs.length === 0) return [];
        const c = withObjs[op.i % withObjs.length]!;
        const [o] = c.objs.splice((op.i >> 3) % c.objs.length, 1) as [Obj];
        this.#verifyObj(o, `object of ${c.name}`);
        slab.kmem_cache_free(c.cache, o.addr);
        return [`kmem_cache_free(${this.#cacheVar(c)}, ${o.name})`];
      }
      case "cache_destroy": {
        if (this.caches.length === 0) return [];
        const [c] = this.caches.splice(op.i % this.caches.length, 1) as [Cache];
        const lines: string[] = [];
        for (const o of c.objs) {
          this.#verifyObj(o, `object of ${c.name}`);
          slab.kmem_cache_free(c.cache, o.addr);
          lines.push(`kmem_cache_free(${this.#cacheVar(c)}, ${o.name})`);
        }
        const r = slab.kmem_cache_destroy(c.cache);
        if (r !== 0)
          throw new FuzzDivergenceError(`kmem_cache_destroy(${c.name}) of an empty cache returned ${r}`);
        return [...lines, `kmem_cache_destroy(${this.#cacheVar(c)})`];
      }
      case "kmalloc": {
        let bytes = 0;
        for (const x of this.kmallocs) bytes += x.size;
        if (bytes + op.size > CAP.kmallocBytes) return [];
        const gfp = op.atomic ? "GFP_ATOMIC" : "GFP_KERNEL";
        const addr = slab.kmalloc(op.size, GFP[gfp]);
        const name = this.#name("x");
        if (addr === null) throw new FuzzDivergenceError(`kmalloc(${op.size}, ${gfp}) returned NULL`);
        this.#fresh(addr, op.size, `kmalloc(${op.size})`);
        if (slab.ksize(addr) < op.size)
          throw new FuzzDivergenceError(`ksize ${slab.ksize(addr)} < ${op.size}`);
        const o: Kmalloced = { addr, tag: this.#tag(), name, size: op.size };
        this.#kwrite(addr, o.tag);
        this.kmallocs.push(o);
        return [`${name} = kmalloc(${op.size}, ${gfp})`];
      }
      case "kfree": {
        if (this.kmallocs.length === 0) return [];
        const [o] = this.kmallocs.splice(op.i % this.kmallocs.length, 1) as [Kmalloced];
        this.#verifyObj(o, "kmalloc object");
        slab.kfree(o.addr);
        return [`kfree(${o.name})`];
      }
      case "vmalloc": {
        let pages = 0;
        for (const v of this.vmallocs) pages += v.pages;
        if (pages + op.pages > CAP.vmallocPages) return [];
        const addr = slab.vmalloc(op.pages * P);
        const name = this.#name("v");
        if (addr === null) throw new FuzzDivergenceError(`vmalloc(${op.pages * P}) returned NULL`);
        const v: Vmalloced = { addr, tag: this.#tag(), name, pages: op.pages };
        for (let i = 0; i < op.pages; i++) this.#kwrite(addr + i * P, (v.tag + i) & 0xff || 1);
        this.vmallocs.push(v);
        return [`${name} = vmalloc(${op.pages * P})`];
      }
      case "vfree": {
        if (this.vmallocs.length === 0) return [];
        const [v] = this.vmallocs.splice(op.i % this.vmallocs.length, 1) as [Vmalloced];
        this.#verifyVmalloc(v);
        slab.vfree(v.addr);
        return [`vfree(${v.name})`];
      }
      case "kmap": {
        if (this.blocks.length === 0) return [];
        let held = 0;
        for (const b of this.blocks) held += b.kmaps;
        if (held >= CAP.kmaps) return [];
        const b = this.blocks[op.i % this.blocks.length]!;
        const va = km.kmap(b.page);
        b.kmaps++;
        const got = this.#kread(va);
        if (got !== b.tag)
          throw new FuzzDivergenceError(`kmap(${b.name}) = ${hex(va)} reads ${got}, not ${b.tag}`);
        return [`kmap(${b.name})`];
      }
      case "kunmap": {
        const mapped = this.blocks.filter((b) => b.kmaps > 0);
        if (mapped.length === 0) return [];
        const b = mapped[op.i % mapped.length]!;
        km.kunmap(b.page);
        b.kmaps--;
        return [`kunmap(${b.name})`];
      }
      case "kmap_atomic": {
        if (this.blocks.length === 0) return [];
        const b = this.blocks[op.i % this.blocks.length]!;
        const va = km.kmap_atomic(b.page, KM_USER0);
        const got = this.#kread(va);
        if (got !== b.tag)
          throw new FuzzDivergenceError(`kmap_atomic(${b.name}) = ${hex(va)} reads ${got}, not ${b.tag}`);
        this.#kwrite(va, op.value);
        km.kunmap_atomic(va, KM_USER0);
        b.tag = op.value;
        this.#verifyBlock(b);
        return [`a = kmap_atomic(${b.name}, KM_USER0)`, "kunmap_atomic(a, KM_USER0)"];
      }
      case "write": {
        const f = this.files[op.f]!;
        let pos = op.pos;
        let len = op.len;
        if (f.fixed) {
          const size = f.bytes.length;
          pos %= size;
          len = Math.min(len, size - pos);
        }
        const data = bytesOf(len, op.seed);
        const r = pc.sys_pwrite64(f.file, data, len, pos);
        if (r !== len) throw new FuzzDivergenceError(`pwrite(${f.path}, ${len} at ${pos}) = ${r}`);
        if (pos + len > f.bytes.length) {
          const g = new Uint8Array(pos + len);
          g.set(f.bytes);
          f.bytes = g;
        }
        f.bytes.set(data, pos);
        return [
          `# pwrite64(${f.path}, ${len} bytes (seed ${op.seed}), at ${pos})  (no file calls in the scenario language yet)`,
        ];
      }
      case "read": {
        const f = this.files[op.f]!;
        const buf = new Uint8Array(op.len);
        const r = pc.sys_pread64(f.file, buf, op.len, op.pos);
        const want = Math.max(0, Math.min(op.len, f.bytes.length - op.pos));
        if (r !== want)
          throw new FuzzDivergenceError(`pread(${f.path}, ${op.len} at ${op.pos}) = ${r}, want ${want}`);
        for (let i = 0; i < r; i++)
          if (buf[i] !== f.bytes[op.pos + i])
            throw new FuzzDivergenceError(
              `pread(${f.path}) byte ${op.pos + i} is ${buf[i]}, the reference has ${f.bytes[op.pos + i]}`,
            );
        return [`# pread64(${f.path}, ${op.len} bytes at ${op.pos})`];
      }
      case "truncate": {
        const f = this.files[op.f]!;
        if (f.fixed) return [];
        const r = pc.sys_truncate(f.path, op.len);
        if (r !== 0) throw new FuzzDivergenceError(`truncate(${f.path}, ${op.len}) = ${r}`);
        const g = new Uint8Array(op.len);
        g.set(f.bytes.subarray(0, Math.min(op.len, f.bytes.length)));
        f.bytes = g;
        return [`# truncate(${f.path}, ${op.len})`];
      }
      case "fsync": {
        const f = this.files[op.f]!;
        const r = pc.vfs_fsync(f.file);
        if (r !== 0) throw new FuzzDivergenceError(`fsync(${f.path}) = ${r}`);
        if (f.path === "/dev/hdb") this.#verifyRaw("fsync");
        return [`# fsync(${f.path})`];
      }
      case "sync": {
        const r = pc.sys_sync();
        if (r !== 0) throw new FuzzDivergenceError(`sync() = ${r}`);
        this.#verifyRaw("sync");
        return ["# sync()"];
      }
      case "evict": {
        for (const f of this.files) pc.invalidate_mapping_pages(f.file.f_mapping, 0, 0xffffffff);
        return ["# evict clean page-cache pages of every file (invalidate_mapping_pages)"];
      }
      default:
        return this.#processOp(op);
    }
  }

  #objects(): number {
    let n = 0;
    for (const c of this.caches) n += c.objs.length;
    return n;
  }

  #cacheVar(c: Cache): string {
    return `c${c.name.slice(5)}`;
  }

  /** A new object must not overlap anything held. */
  #fresh(addr: number, size: number, what: string): void {
    const hit = (o: Obj, len: number) => addr < o.addr + len && o.addr < addr + size;
    for (const c of this.caches)
      for (const o of c.objs)
        if (hit(o, c.size)) throw new FuzzDivergenceError(`${what} = ${hex(addr)} overlaps ${o.name}`);
    for (const o of this.kmallocs)
      if (hit(o, o.size)) throw new FuzzDivergenceError(`${what} = ${hex(addr)} overlaps ${o.name}`);
  }

  #verifyRaw(when: string): void {
    const want = this.files[3]!.bytes;
    const got = this.raw.bytes;
    for (let i = 0; i < want.length; i++)
      if (got[i] !== want[i])
        throw new FuzzDivergenceError(
          `after ${when}, hdb byte ${i} is ${got[i]} on the disk, ${want[i]} written`,
        );
  }

  #processOp(op: FuzzOp): string[] {
    const vm = this.k.vm;
    const p = this.p;
    const c = (s: string) => [`# ${s}  (pid ${p.task.pid}; no process calls in the scenario language yet)`];
    switch (op.k) {
      case "mmap": {
        const flags = (op.shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | (op.fixed ? MAP_FIXED : 0);
        const hint = BASE + op.page * P;
        const r = do_mmap_pgoff(vm, null, hint, op.npages * P, op.prot, flags, 0);
        if (IS_ERR_ADDR(r)) throw new FuzzDivergenceError(`mmap failed ${-r}`);
        if (op.fixed && r !== hint) throw new FuzzDivergenceError(`MAP_FIXED landed at ${hex(r)}`);
        for (let i = 0; i < op.npages; i++) {
          const a = r + i * P;
          if (!op.fixed && p.pages.has(a))
            throw new FuzzDivergenceError(`mmap returned ${hex(a)}, which was mapped`);
          p.pages.set(a, { prot: op.prot, shared: op.shared, cell: { v: 0 } });
        }
        return c(
          `mmap(${hex(hint)}, ${op.npages * P}, ${PROT_NAMES(op.prot)}, ${op.shared ? "MAP_SHARED" : "MAP_PRIVATE"}|MAP_ANONYMOUS${op.fixed ? "|MAP_FIXED" : ""}) = ${hex(r)}`,
        );
      }
      case "mmap_file": {
        const flags = (op.shared ? MAP_SHARED : MAP_PRIVATE) | (op.fixed ? MAP_FIXED : 0);
        const hint = BASE + op.page * P;
        const r = do_mmap_pgoff(vm, this.files[0]!.file, hint, op.npages * P, op.prot, flags, op.pgoff);
        if (IS_ERR_ADDR(r)) throw new FuzzDivergenceError(`file mmap failed ${-r}`);
        if (op.fixed && r !== hint) throw new FuzzDivergenceError(`MAP_FIXED landed at ${hex(r)}`);
        for (let i = 0; i < op.npages; i++) {
          const a = r + i * P;
          if (!op.fixed && p.pages.has(a))
            throw new FuzzDivergenceError(`mmap returned ${hex(a)}, which was mapped`);
          const fcell = this.fileCells[op.pgoff + i]!;
          p.pages.set(
            a,
            op.shared
              ? { prot: op.prot, shared: true, cell: fcell }
              : { prot: op.prot, shared: false, cell: fcell, fileCell: fcell },
          );
        }
        return c(
          `mmap(${hex(hint)}, ${op.npages * P}, ${PROT_NAMES(op.prot)}, ${op.shared ? "MAP_SHARED" : "MAP_PRIVATE"}${op.fixed ? "|MAP_FIXED" : ""}, /m, page ${op.pgoff}) = ${hex(r)}`,
        );
      }
      case "munmap": {
        const a = BASE + op.page * P;
        const r = sys_munmap(vm, a, op.npages * P);
        if (r !== 0) throw new FuzzDivergenceError(`munmap ${r}`);
        for (let i = 0; i < op.npages; i++) p.pages.delete(a + i * P);
        return c(`munmap(${hex(a)}, ${op.npages * P})`);
      }
      case "mprotect": {
        const a = BASE + op.page * P;
        let n = 0;
        while (n < op.npages && p.pages.has(a + n * P)) n++;
        const expectErr = n < op.npages ? -12 : 0; // the mapped prefix changes, then -ENOMEM at a hole
        const r = sys_mprotect(vm, a, op.npages * P, op.prot);
        if (r !== expectErr) throw new FuzzDivergenceError(`mprotect ${r}, expected ${expectErr}`);
        for (let i = 0; i < n; i++) p.pages.get(a + i * P)!.prot = op.prot;
        return c(`mprotect(${hex(a)}, ${op.npages * P}, ${PROT_NAMES(op.prot)}) = ${r}`);
      }
      case "brk": {
        const mm = p.task.mm!;
        const want = Math.max(p.start_brk, p.brk + op.delta * P);
        const oldEnd = Math.ceil(p.brk / P) * P;
        const newEnd = Math.ceil(want / P) * P;
        let ok = true;
        if (newEnd > oldEnd) for (let a = oldEnd; a < newEnd + P; a += P) if (p.pages.has(a)) ok = false;
        const r = sys_brk(vm, want);
        if (ok) {
          if (r !== want) throw new FuzzDivergenceError(`brk ${hex(r)}, expected ${hex(want)}`);
          if (newEnd < oldEnd) for (let a = newEnd; a < oldEnd; a += P) p.pages.delete(a);
          for (let a = oldEnd; a < newEnd; a += P)
            p.pages.set(a, { prot: PROT_READ | PROT_WRITE, shared: false, cell: { v: 0 } });
          p.brk = want;
        } else if (r !== p.brk) throw new FuzzDivergenceError(`a refused brk moved the break to ${hex(r)}`);
        if (mm.brk !== p.brk) throw new FuzzDivergenceError("mm->brk differs from the reference");
        return c(`brk(${hex(want)}) = ${hex(r)}`);
      }
      case "touch": {
        const mapped = [...p.pages.keys()];
        const a =
          op.mapped && mapped.length > 0 ? mapped[op.page % mapped.length]! : BASE + (op.page % SPAN) * P;
        const rp = p.pages.get(a);
        if (op.write) {
          const r = user_write(vm, a, [op.value]);
          const allowed = rp !== undefined && (rp.prot & PROT_WRITE) !== 0;
          if (allowed !== (r === null))
            throw new FuzzDivergenceError(`user store at ${hex(a)}: ${r ?? "done"}, allowed ${allowed}`);
          if (allowed) {
            if (rp!.fileCell !== undefined) {
              rp!.cell = { v: 0 }; // copy-on-write: the private copy parts from the file
              rp!.fileCell = undefined;
            }
            rp!.cell.v = op.value;
          }
        } else {
          const r = user_read(vm, a, 1);
          const allowed = rp !== undefined && readable(rp.prot);
          if (allowed !== r instanceof Uint8Array)
            throw new FuzzDivergenceError(
              `user load at ${hex(a)}: ${r instanceof Uint8Array ? "done" : r}, allowed ${allowed}`,
            );
          if (allowed && (r as Uint8Array)[0] !== rp!.cell.v)
            throw new FuzzDivergenceError(
              `user load at ${hex(a)} reads ${(r as Uint8Array)[0]}, the reference has ${rp!.cell.v}`,
            );
        }
        p.task.pending.length = 0; // signals are not delivered: forget them
        return c(op.write ? `user store ${op.value} at ${hex(a)}` : `user load at ${hex(a)}`);
      }
      case "fork": {
        if (this.procs.length >= CAP.procs) return [];
        const child = do_fork(vm, 0);
        if (child === null) throw new FuzzDivergenceError("fork failed");
        const pages = new Map<number, RefPage>();
        for (const [a, rp] of p.pages)
          pages.set(
            a,
            rp.shared || rp.fileCell !== undefined
              ? { ...rp }
              : { prot: rp.prot, shared: false, cell: { v: rp.cell.v } },
          );
        this.procs.push({ task: child, pages, brk: p.brk, start_brk: p.start_brk });
        return c(`fork() = ${child.pid}`);
      }
      case "exec": {
        const path = `/bin/e${op.elf}`;
        const r = do_execve(vm, path, [path], ["HOME=/"]);
        if (r.retval !== 0 || r.signal !== null)
          throw new FuzzDivergenceError(
            `execve(${path}) = ${r.retval} ${r.signal ?? ""} ${r.problem?.reason ?? ""}`,
          );
        const mm = p.task.mm!;
        p.pages.clear();
        p.brk = mm.brk;
        p.start_brk = mm.start_brk;
        return c(`execve("${path}")`);
      }
      case "exit": {
        const t = p.task;
        do_exit(vm, 0);
        release_task(vm, t);
        this.procs.splice(this.cur, 1);
        if (this.procs.length === 0) this.spawn();
        this.cur = 0;
        this.#run(this.p.task);
        return [`# exit() of pid ${t.pid}; now pid ${this.p.task.pid}`];
      }
      case "spawn": {
        if (this.procs.length >= CAP.procs) return [];
        this.spawn();
        return [`# a new process, pid ${this.p.task.pid}`];
      }
      case "switch": {
        this.cur = op.to % this.procs.length;
        const t = this.p.task;
        const on = vm.curr.indexOf(t);
        vm.machine.setCurrentCpu(on >= 0 ? on : (op.to >> 1) % vm.machine.cpus.length);
        schedule_to(vm, t);
        return [`cpu ${vm.machine.current}`, `# switch to pid ${t.pid}`];
      }
      default:
        throw new FuzzDivergenceError(`unknown operation ${JSON.stringify(op)}`);
    }
  }

  // ------------------------------------------------------------------ checks

  /** The whole-machine check; throws FuzzDivergenceError naming every problem. */
  check(): void {
    const problems = kernelProblems(this.k);
    if (problems.length > 0)
      throw new FuzzDivergenceError(`whole-machine check:\n  ${problems.join("\n  ")}`);
  }

  /** Every user page of every process reads back its reference content; nothing else is mapped in the window. */
  verifyProcesses(): void {
    const vm = this.k.vm;
    for (let i = 0; i < this.procs.length; i++) {
      const p = this.procs[i]!;
      this.cur = i;
      this.#run(p.task);
      for (const [a, rp] of p.pages) {
        if (!readable(rp.prot)) continue;
        const r = user_read(vm, a, 1);
        if (!(r instanceof Uint8Array) || r[0] !== rp.cell.v)
          throw new FuzzDivergenceError(
            `pid ${p.task.pid}: page ${hex(a)} reads ${r instanceof Uint8Array ? r[0] : r}, the reference has ${rp.cell.v}`,
          );
      }
      for (let v = p.task.mm!.mmap; v !== null; v = v.vm_next) {
        if (v.vm_start < BASE || v.vm_end > 0xb0000000) continue; // the ELF image, the heap, the stack
        for (let a = v.vm_start; a < v.vm_end; a += P)
          if (!p.pages.has(a))
            throw new FuzzDivergenceError(`pid ${p.task.pid}: VMA page ${hex(a)} is not in the reference`);
      }
      p.task.pending.length = 0;
    }
  }

  /**
   * The end of a run: every process exits, every holder frees, every file is synced and closed;
   * the raw disk and (on a second machine) the ext2 disk must hold what was written, and
   * buddyinfo must equal its value after boot.
   */
  finish(): void {
    const { k } = this;
    this.verifyProcesses();
    this.check();
    while (this.procs.length > 0) {
      const p = this.procs.pop()!;
      this.#run(p.task);
      do_exit(k.vm, 0);
      release_task(k.vm, p.task);
    }
    for (let i = this.blocks.length; i > 0; i--) this.step({ k: "free_pages", i: 0 });
    for (let i = this.caches.length; i > 0; i--) this.step({ k: "cache_destroy", i: 0 });
    for (let i = this.kmallocs.length; i > 0; i--) this.step({ k: "kfree", i: 0 });
    for (let i = this.vmallocs.length; i > 0; i--) this.step({ k: "vfree", i: 0 });
    this.step({ k: "sync" });
    this.check();
    const { pc } = k;
    for (const f of this.files) {
      const got = pc.readFile(f.path);
      if (f.path !== "/dev/hdb") {
        if (IS_ERR(got)) throw new FuzzDivergenceError(`readFile(${f.path}) = ${got}`);
        if (!sameBytes(got, f.bytes))
          throw new FuzzDivergenceError(`${f.path} reads back other bytes than were written`);
      }
      pc.fput(f.file);
    }
    this.#verifyRaw("the last close");
    if (this.ext2 !== null) this.#verifyExt2();
    // give the page cache back: unlink the files, drop the block devices' pages
    for (const f of this.files)
      if (f.path === "/m" || f.path === "/r" || this.ext2 === null) pc.sys_unlink(f.path);
    if (this.ext2 !== null) {
      const err = pc.sys_umount("/mnt"); // the ext2 file's pages and the disk's buffers go back
      if (err !== 0) throw new FuzzDivergenceError(`umount /mnt: ${err}`);
    }
    for (let e = 0; e < 2; e++) pc.sys_unlink(`/bin/e${e}`);
    this.check();
    const own = machineOwnership(k);
    for (const o of [
      Owner.Direct,
      Owner.Vmalloc,
      Owner.Anon,
      Owner.Shmem,
      Owner.UserPageTable,
      Owner.PageCache,
    ])
      if (own.counts[o] !== 0)
        throw new FuzzDivergenceError(
          `after every holder freed, ${own.counts[o]} frames are still held by ${OWNER_NAMES[o]}`,
        );
  }

  /** The ext2 disk, mounted read-only on a second machine, holds "/mnt/e" as written. */
  #verifyExt2(): void {
    const k2 = boot({ mem: 16 * MiB });
    const pc2 = k2.pc;
    const disk = new ByteArrayBackend(this.ext2!.bytes.slice());
    this.#ok(!IS_ERR(pc2.add_disk("hda", disk)), "second machine: add_disk");
    this.#ok(pc2.sys_mkdir("/mnt") === 0, "second machine: mkdir");
    const err = pc2.sys_mount("/dev/hda", "/mnt", "ext2", 1 /* MS_RDONLY */);
    this.#ok(err === 0, `second machine: mount the synced disk: ${err}`);
    const got = pc2.readFile("/mnt/e");
    if (IS_ERR(got)) throw new FuzzDivergenceError(`second machine: readFile(/mnt/e) = ${got}`);
    if (!sameBytes(got, this.files[2]!.bytes))
      throw new FuzzDivergenceError(
        `durability: after sync the disk holds ${got.length} bytes of /mnt/e that differ from the ${this.files[2]!.bytes.length} written`,
      );
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ------------------------------------------------------------------------------------ runs

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  /** Steps in all (the runs' lengths add up to at least this). */
  readonly steps: number;
  /** fast-check's seed. */
  readonly seed: number;
  /** Steps per run (default 120). */
  readonly runLength?: number;
  readonly machine?: FuzzMachineOptions;
  /** Called after every step with the steps done so far (for a progress line). */
  readonly onProgress?: (done: number) => void;
  /** Shrink a failure (default true). */
  readonly shrink?: boolean;
}

/** What a fuzz session found. */
export interface FuzzResult {
  readonly ok: boolean;
  readonly steps: number;
  readonly runs: number;
  readonly seed: number;
  /** On a failure: the shrunk run, its machine, the message and the scenario it prints as. */
  readonly failure: {
    readonly config: FuzzConfig;
    readonly ops: readonly FuzzOp[];
    readonly message: string;
    readonly scenario: string;
    /** fast-check's path to replay the exact counterexample. */
    readonly path: string;
  } | null;
}

/** Run one sequence on a fresh machine, the whole-machine check after every step. */
export function runOps(
  config: FuzzConfig,
  ops: readonly FuzzOp[],
  opts: FuzzMachineOptions = {},
  onStep?: () => void,
): FuzzMachine {
  const m = new FuzzMachine(config, opts);
  m.check();
  for (const op of ops) {
    m.step(op);
    opts.afterStep?.(m);
    m.check();
    onStep?.();
  }
  m.finish();
  return m;
}

/** The scenario text of a run (replayed on a fresh machine to name its handles). */
export function fuzzScenario(
  config: FuzzConfig,
  ops: readonly FuzzOp[],
  opts: FuzzMachineOptions = {},
  message = "",
): string {
  const head = [
    "# A whole-machine fuzz failure, shrunk (packages/kernel/src/fuzz.ts).",
    `# i386mm: --mem ${(opts.mem ?? DEFAULT_MEM) / MiB}M${config.pae ? " --pae" : ""} --cpus ${config.cpus}`,
    "# (the fuzzer boots with highmem=8M, 8M of high memory; the demo has no such flag yet)",
    ...message.split("\n").map((l) => `# ${l}`),
    "# Operations the scenario language has no call for yet are comments naming the call.",
    `# The operations as JSON: ${JSON.stringify(ops)}`,
    "",
  ];
  let m: FuzzMachine | null = null;
  const body: string[] = [];
  try {
    m = new FuzzMachine(config, opts);
    for (const op of ops) {
      body.push(...m.step(op));
      body.push("check");
    }
  } catch (e) {
    body.push(`# the step above fails: ${(e as Error).message.split("\n")[0]}`);
  }
  return [...head, ...body, ""].join("\n");
}

/** A fuzz session: runs of random operations until `steps` steps ran or one failed (then shrunk). */
export function runFuzz(opts: FuzzOptions): FuzzResult {
  const runLength = opts.runLength ?? 120;
  // lengths vary in [runLength / 2, runLength] (shrinking may go below); runs stop once `steps` ran
  const runs = Math.max(1, Math.ceil(opts.steps / (runLength / 2)));
  let done = 0;
  let failing = false;
  const property = fc.property(
    fuzzConfigArb,
    // shrinking removes operations (each attempt boots a machine: shrinking every field too is slow)
    fc
      .array(fc.noShrink(fuzzOpArb), { minLength: 1, maxLength: runLength, size: "max" })
      .filter((a) => a.length >= runLength >> 1 || failing),
    (config, ops) => {
      if (done >= opts.steps && !failing) return;
      try {
        runOps(config, ops, opts.machine, () => {
          if (failing) return;
          done++;
          opts.onProgress?.(done);
        });
      } catch (e) {
        failing = true;
        throw e;
      }
    },
  );
  const details = fc.check(property, {
    seed: opts.seed,
    numRuns: runs,
    endOnFailure: opts.shrink === false,
  });
  if (!details.failed || details.counterexample === null)
    return { ok: true, steps: done, runs: details.numRuns, seed: opts.seed, failure: null };
  const [config, ops] = details.counterexample;
  const message =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return {
    ok: false,
    steps: done,
    runs: details.numRuns,
    seed: opts.seed,
    failure: {
      config,
      ops,
      message,
      scenario: fuzzScenario(config, ops, opts.machine, message),
      path: details.counterexamplePath ?? "",
    },
  };
}
