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
 * Every call is also a line of the demo's scenario language — the set-up (disks, files, programs,
 * the first process), each operation, the end of the run — and the fuzzer's expectations are
 * `assert` lines, so a failing sequence prints as a scenario `i386mm run` replays to the same
 * failing check (fuzzScenario; apps/demo/test/fuzz-replay.test.ts proves it). Without the tags in
 * kernel memory (`reference: false`) a run's final state hash is the scenario's `check --hash`.
 * Deterministic: every random choice is fast-check's, from the seed.
 */
import { PAGE_ALIGN, PAGE_OFFSET, PAGE_SIZE, type VirtAddr } from "@i386mm/hw-i386";
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
import { ByteArrayBackend, type file, IS_ERR, O_CREAT, O_RDWR, O_WRONLY } from "@i386mm/page-cache";
import type { kmem_cache_t } from "@i386mm/slab";
import {
  create_task,
  do_execve,
  do_exit,
  do_fork,
  do_mmap_pgoff,
  generateElf,
  INIT_RLIMITS,
  IS_ERR_ADDR,
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
import { machineHash } from "./hash.js";
import { kernelProblems } from "./invariants.js";
import { machineOwnership, OWNER_NAMES, Owner } from "./machine-check.js";

/** The fuzzer's reference and the model disagree (or a step the caps allow was refused). */
export class FuzzDivergenceError extends Error {
  override readonly name = "FuzzDivergenceError";
}

const P = PAGE_SIZE;
/** Pages of the user window the process operations aim at (RefProc.base), so that they collide often. */
const SPAN = 64;
/** The environment of every exec (the demo's exec and do_execve pass the same). */
const ENVP = ["HOME=/", "TERM=linux"];
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
  | { k: "switch"; to: number }
  /**
   * A planted bug, for the fuzzer's own tests (never drawn at random): a reference of the newest
   * held block dropped behind its holder's back (page_cache_release of a page the page cache does
   * not hold; an order-0 block is freed by it).
   */
  | { k: "planted_put_page" };

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
  /** The user window the process operations aim at (SPAN pages), so that they collide often. */
  base: number;
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

/** Bytes as the inside of a scenario string: printable ASCII as is, the rest as \xHH. */
export function escapeBytes(b: Uint8Array): string {
  let out = "";
  for (const c of b)
    out +=
      c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c
        ? String.fromCharCode(c)
        : `\\x${c.toString(16).padStart(2, "0")}`;
  return out;
}

/** The scenario's variable for a process. */
const pidVar = (t: task_struct) => `pid${t.pid}`;

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
  /** The host file names the printed scenario mounts (hda, the ext2 image) and attaches (hdb, the raw disk). */
  readonly images?: { readonly hda: string; readonly hdb: string };
  /**
   * The fuzzer's data reference in kernel memory (default true): a tag byte written into every
   * held block, slab object and vmalloc page and read back through the MMU. Without it a run makes
   * only the calls its scenario lines make, so that its state hash is the scenario's (files, user
   * pages and every check stay).
   */
  readonly reference?: boolean;
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
  /** The raw disk's bytes at boot (the scenario's hdb image). */
  readonly rawImage: Uint8Array;
  /** The host file names the scenario gives the disk images. */
  readonly images: { readonly hda: string; readonly hdb: string };
  /** Whether the tags in kernel memory are written and read back (FuzzMachineOptions.reference). */
  readonly reference: boolean;
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
    this.reference = opts.reference ?? true;
    this.images = opts.images ?? { hda: "fuzz.hda.img", hdb: "fuzz.hdb.img" };
    // The set-up, call by call as the scenario's lines replay it (the demo's mount, attach_disk,
    // open, pwrite64, write, exec bindings make these same calls, in this order).
    const { pc } = this.k;
    const line = (l: string) => this.lines.push(l);
    this.raw = new ByteArrayBackend(bytesOf(RAW_SIZE, 99));
    this.rawImage = this.raw.bytes.slice();
    this.ext2 = null;
    if (opts.ext2Image !== undefined) {
      this.ext2 = new ByteArrayBackend(opts.ext2Image.slice());
      this.#ok(!IS_ERR(pc.add_disk("hda", this.ext2)), "add_disk hda");
      this.#ok(pc.sys_mkdir("/mnt") === 0, "mkdir /mnt");
      const err = pc.sys_mount("/dev/hda", "/mnt", "ext2", 0);
      this.#ok(err === 0, `mount ext2: ${err}`);
      line(
        `mount(${JSON.stringify(this.images.hda)})   # an ext2 image holding "e" (96 KiB): /dev/hda on /mnt`,
      );
    } else {
      this.#ok(pc.sys_mkdir("/mnt") === 0, "mkdir /mnt");
      line('sys_mkdir("/mnt")');
    }
    this.#ok(!IS_ERR(pc.add_disk("hdb", this.raw)), "add_disk hdb");
    line(
      `attach_disk(${JSON.stringify(this.images.hdb)}, disk="hdb")   # 256 KiB of seeded bytes, read and written raw`,
    );
    // two generated ELF programs, written as a shell would copy them in
    this.#ok(pc.sys_mkdir("/bin") === 0, "mkdir /bin");
    line('sys_mkdir("/bin")');
    for (let e = 0; e < 2; e++) {
      const elf = generateElf(1000 + e, {
        type: 2,
        interp: null,
        maxFilesz: 8192,
        maxBss: 32768,
        lastFlags: 6,
      }).bytes;
      const f = pc.filp_open(`/bin/e${e}`, O_CREAT | O_WRONLY, 0o755);
      if (IS_ERR(f)) throw new FuzzDivergenceError(`create /bin/e${e}: ${f}`);
      this.#ok(pc.sys_write(f, elf, elf.length) === elf.length, `write /bin/e${e}`);
      pc.fput(f);
      line(`e = open("/bin/e${e}", O_CREAT|O_WRONLY, mode=0x1ed)   # mode 0755`);
      line(`write(e, "${escapeBytes(elf)}")`);
      line("close(e)");
    }
    for (let i = 0; i < FUZZ_FILES.length; i++) {
      const path = FUZZ_FILES[i]!;
      const fd = `fd${i}`;
      let initial: Uint8Array;
      let f: file | ReturnType<typeof pc.filp_open>;
      if (path === "/dev/hdb" || (path === "/mnt/e" && this.ext2 !== null)) {
        f = pc.filp_open(path, O_RDWR, 0o644);
        line(`${fd} = open("${path}", O_RDWR)`);
        if (IS_ERR(f)) throw new FuzzDivergenceError(`open ${path}: ${f}`);
        if (path === "/dev/hdb") initial = this.rawImage.slice();
        else {
          // the image's file, at full size (the model's ext2 allocates no blocks: overwrites only)
          const buf = new Uint8Array(EXT2_FILE + P);
          const got = pc.sys_pread64(f, buf, buf.length, 0);
          if (got < 0) throw new FuzzDivergenceError(`the ext2 image's ${path}: ${got}`);
          initial = buf.slice(0, got);
          line(`pread64(${fd}, ${buf.length}, 0) != ""   # read it all (the fuzzer's reference of it)`);
        }
      } else {
        f = pc.filp_open(path, O_CREAT | O_RDWR, 0o644);
        line(`${fd} = open("${path}", O_CREAT|O_RDWR)`);
        if (IS_ERR(f)) throw new FuzzDivergenceError(`create ${path}: ${f}`);
        const size = path === "/m" ? MAPPED_PAGES * P : path === "/mnt/e" ? EXT2_FILE : 0;
        initial = new Uint8Array(size);
        if (path === "/m")
          for (let k = 0; k < MAPPED_PAGES; k++) {
            // page k of the mapped file starts with byte k + 1
            initial[k * P] = k + 1;
            this.#ok(pc.sys_pwrite64(f, initial.subarray(k * P, k * P + 1), 1, k * P) === 1, "write /m");
            line(`pwrite64(${fd}, "${escapeBytes(initial.subarray(k * P, k * P + 1))}", ${k * P})`);
          }
        if (size > 0) {
          this.#ok(pc.sys_truncate(path, size) === 0, `truncate ${path}`);
          line(`sys_truncate("${path}", ${size})`);
        }
      }
      this.files.push({ path, bytes: initial.slice(), file: f, fixed: path !== "/r" });
    }
    const m = this.files[0]!;
    for (let i = 0; i < MAPPED_PAGES; i++) this.fileCells.push(new FileCell(m, i * P));
    this.lines.push(...this.spawn());
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
    if (!this.reference) return;
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
    if (!this.reference) return;
    const got = this.#readBlock(b);
    if (got !== b.tag)
      throw new FuzzDivergenceError(
        `${b.name} (pfn ${hex(b.page)}): tag ${got}, wrote ${b.tag}: someone else wrote it`,
      );
  }

  #verifyObj(o: Obj, what: string): void {
    if (!this.reference) return;
    const got = this.#kread(o.addr);
    if (got !== o.tag)
      throw new FuzzDivergenceError(`${what} ${o.name} at ${hex(o.addr)}: tag ${got}, wrote ${o.tag}`);
  }

  #verifyVmalloc(v: Vmalloced): void {
    if (!this.reference) return;
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

  /**
   * A new process running /bin/e0, as the demo's exec() makes one: a task with the default
   * rlimits, scheduled on this CPU, then do_execve. Its mapping window starts 32 pages above its
   * break, so that brk and the mmaps collide. Returns the scenario line.
   */
  spawn(): string[] {
    const vm = this.k.vm;
    // the scenario language's exec() first looks the program up and reads it for the interpreter
    // it names (apps/demo ensureInstalled): the same calls here, so that the two states agree
    this.#lookUp("/bin/e0");
    const t = create_task(vm, "e0", { rlim: INIT_RLIMITS() });
    if (t === null) throw new FuzzDivergenceError("create_task failed");
    schedule_to(vm, t);
    const r = do_execve(vm, "/bin/e0", ["/bin/e0"], ENVP);
    if (r.retval !== 0 || r.signal !== null)
      throw new FuzzDivergenceError(
        `exec /bin/e0 = ${r.retval} ${r.signal ?? ""} ${r.problem?.reason ?? ""}`,
      );
    this.procs.push(this.#procOf(t));
    this.cur = this.procs.length - 1;
    return [`${pidVar(t)} = exec("/bin/e0")`];
  }

  /** What the scenario language's exec and do_execve do first: stat the program and read it. */
  #lookUp(path: string): void {
    this.#ok(!IS_ERR(this.k.pc.stat(path)) && !IS_ERR(this.k.pc.readFile(path)), `stat ${path}`);
  }

  /** The reference of a task just exec'd: no pages of its own yet, the window above its break. */
  #procOf(t: task_struct): RefProc {
    const mm = t.mm!;
    return {
      task: t,
      pages: new Map(),
      brk: mm.brk,
      start_brk: mm.start_brk,
      base: PAGE_ALIGN(mm.brk) + 32 * P,
    };
  }

  /** Schedule `t` on the CPU it runs on, or on the current one; returns the scenario lines. */
  #run(t: task_struct): string[] {
    const vm = this.k.vm;
    const on = vm.curr.indexOf(t);
    if (on >= 0) vm.machine.setCurrentCpu(on);
    schedule_to(vm, t);
    return [`cpu ${vm.machine.current}`, `schedule_to(${pidVar(t)})`];
  }

  // ------------------------------------------------------------------ one step

  /** Apply one operation; returns the scenario lines for it. Throws FuzzDivergenceError on a divergence. */
  step(op: FuzzOp): string[] {
    // A step whose check can fail inside it pushes its line first (see #say), so that a failing
    // scenario ends with the line that fails.
    const start = this.lines.length;
    this.lines.push(...this.#step(op));
    return this.lines.slice(start);
  }

  /** Record a scenario line now, before the call it names runs. */
  #say(line: string): void {
    this.lines.push(line);
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
      case "planted_put_page": {
        if (this.blocks.length === 0) return [];
        const b = this.blocks[this.blocks.length - 1]!;
        pc.page_cache_release(b.page);
        return [`page_cache_release(${b.name})   # the planted bug: the page's holder still has it`];
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
        if (this.reference) this.#kwrite(addr, o.tag);
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
        if (this.reference) this.#kwrite(addr, o.tag);
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
        if (this.reference)
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
        const got = this.reference ? this.#kread(va) : b.tag;
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
        if (this.reference) {
          const got = this.#kread(va);
          if (got !== b.tag)
            throw new FuzzDivergenceError(`kmap_atomic(${b.name}) = ${hex(va)} reads ${got}, not ${b.tag}`);
          this.#kwrite(va, op.value);
        }
        km.kunmap_atomic(va, KM_USER0);
        if (this.reference) {
          b.tag = op.value;
          this.#verifyBlock(b);
        }
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
          `pwrite64(fd${op.f}, "${escapeBytes(data)}", ${pos})   # ${f.path}: ${len} bytes (seed ${op.seed})`,
        ];
      }
      case "read": {
        const f = this.files[op.f]!;
        const ref = f.bytes.subarray(Math.min(op.pos, f.bytes.length), op.pos + op.len);
        this.#say(`assert pread64(fd${op.f}, ${op.len}, ${op.pos}) == "${escapeBytes(ref)}"   # ${f.path}`);
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
        return [];
      }
      case "truncate": {
        const f = this.files[op.f]!;
        if (f.fixed) return [];
        const r = pc.sys_truncate(f.path, op.len);
        if (r !== 0) throw new FuzzDivergenceError(`truncate(${f.path}, ${op.len}) = ${r}`);
        const g = new Uint8Array(op.len);
        g.set(f.bytes.subarray(0, Math.min(op.len, f.bytes.length)));
        f.bytes = g;
        return [`sys_truncate("${f.path}", ${op.len})`];
      }
      case "fsync": {
        const f = this.files[op.f]!;
        const r = pc.vfs_fsync(f.file);
        if (r !== 0) throw new FuzzDivergenceError(`fsync(${f.path}) = ${r}`);
        if (f.path === "/dev/hdb") this.#verifyRaw("fsync");
        return [`fsync(fd${op.f})   # ${f.path}`];
      }
      case "sync": {
        const r = pc.sys_sync();
        if (r !== 0) throw new FuzzDivergenceError(`sync() = ${r}`);
        this.#verifyRaw("sync");
        return ["sync()"];
      }
      case "evict": {
        // evict the clean page-cache pages of every file
        for (const f of this.files) pc.invalidate_mapping_pages(f.file.f_mapping, 0, 0xffffffff);
        return this.files.map((_, i) => `invalidate_mapping_pages(fd${i}, 0, 0xffffffff)`);
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
    const pid = pidVar(p.task);
    switch (op.k) {
      case "mmap":
      case "mmap_file": {
        const file = op.k === "mmap_file";
        const flags =
          (op.shared ? MAP_SHARED : MAP_PRIVATE) | (file ? 0 : MAP_ANONYMOUS) | (op.fixed ? MAP_FIXED : 0);
        const hint = p.base + op.page * P;
        const pgoff = file ? op.pgoff : 0;
        const call = `mmap(${pid}, ${hex(hint)}, ${op.npages * P}, ${PROT_NAMES(op.prot)}, ${op.shared ? "MAP_SHARED" : "MAP_PRIVATE"}${file ? "" : "|MAP_ANONYMOUS"}${op.fixed ? "|MAP_FIXED" : ""}, ${file ? "fd0" : "-1"}, ${pgoff * P})`;
        this.#say(op.fixed ? `assert ${call} == ${hex(hint)}` : call);
        const r = do_mmap_pgoff(
          vm,
          file ? this.files[0]!.file : null,
          hint,
          op.npages * P,
          op.prot,
          flags,
          pgoff,
        );
        if (IS_ERR_ADDR(r)) throw new FuzzDivergenceError(`${file ? "file " : ""}mmap failed ${-r}`);
        if (op.fixed && r !== hint) throw new FuzzDivergenceError(`MAP_FIXED landed at ${hex(r)}`);
        for (let i = 0; i < op.npages; i++) {
          const a = r + i * P;
          if (!op.fixed && p.pages.has(a))
            throw new FuzzDivergenceError(`mmap returned ${hex(a)}, which was mapped`);
          if (!file) {
            p.pages.set(a, { prot: op.prot, shared: op.shared, cell: { v: 0 } });
            continue;
          }
          const fcell = this.fileCells[op.pgoff + i]!;
          p.pages.set(
            a,
            op.shared
              ? { prot: op.prot, shared: true, cell: fcell }
              : { prot: op.prot, shared: false, cell: fcell, fileCell: fcell },
          );
        }
        return op.fixed ? [] : [`# (it mapped ${hex(r)})`];
      }
      case "munmap": {
        const a = p.base + op.page * P;
        this.#say(`assert munmap(${pid}, ${hex(a)}, ${op.npages * P}) == 0`);
        const r = sys_munmap(vm, a, op.npages * P);
        if (r !== 0) throw new FuzzDivergenceError(`munmap ${r}`);
        for (let i = 0; i < op.npages; i++) p.pages.delete(a + i * P);
        return [];
      }
      case "mprotect": {
        const a = p.base + op.page * P;
        let n = 0;
        while (n < op.npages && p.pages.has(a + n * P)) n++;
        const expectErr = n < op.npages ? -12 : 0; // the mapped prefix changes, then -ENOMEM at a hole
        this.#say(
          `assert mprotect(${pid}, ${hex(a)}, ${op.npages * P}, ${PROT_NAMES(op.prot)}) == ${expectErr}${expectErr === 0 ? "" : "   # -ENOMEM"}`,
        );
        const r = sys_mprotect(vm, a, op.npages * P, op.prot);
        if (r !== expectErr) throw new FuzzDivergenceError(`mprotect ${r}, expected ${expectErr}`);
        for (let i = 0; i < n; i++) p.pages.get(a + i * P)!.prot = op.prot;
        return [];
      }
      case "brk": {
        const mm = p.task.mm!;
        const want = Math.max(p.start_brk, p.brk + op.delta * P);
        const oldEnd = Math.ceil(p.brk / P) * P;
        const newEnd = Math.ceil(want / P) * P;
        let ok = true;
        if (newEnd > oldEnd) for (let a = oldEnd; a < newEnd + P; a += P) if (p.pages.has(a)) ok = false;
        this.#say(`assert brk(${pid}, ${hex(want)}) == ${hex(ok ? want : p.brk)}${ok ? "" : "   # refused"}`);
        const r = sys_brk(vm, want);
        if (ok) {
          if (r !== want) throw new FuzzDivergenceError(`brk ${hex(r)}, expected ${hex(want)}`);
          if (newEnd < oldEnd) for (let a = newEnd; a < oldEnd; a += P) p.pages.delete(a);
          for (let a = oldEnd; a < newEnd; a += P)
            p.pages.set(a, { prot: PROT_READ | PROT_WRITE, shared: false, cell: { v: 0 } });
          p.brk = want;
        } else if (r !== p.brk) throw new FuzzDivergenceError(`a refused brk moved the break to ${hex(r)}`);
        if (mm.brk !== p.brk) throw new FuzzDivergenceError("mm->brk differs from the reference");
        return [];
      }
      case "touch": {
        const mapped = [...p.pages.keys()];
        const a =
          op.mapped && mapped.length > 0 ? mapped[op.page % mapped.length]! : p.base + (op.page % SPAN) * P;
        const rp = p.pages.get(a);
        if (op.write) {
          const allowed = rp !== undefined && (rp.prot & PROT_WRITE) !== 0;
          this.#say(
            `assert user_write(${pid}, ${hex(a)}, ${op.value}) ${allowed ? "== 0" : "!= 0   # a fault signal, stepped over"}`,
          );
          const r = user_write(vm, a, [op.value]);
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
          const allowed = rp !== undefined && readable(rp.prot);
          this.#say(
            allowed
              ? `assert user_read(${pid}, ${hex(a)}) == ${rp!.cell.v}`
              : `user_read(${pid}, ${hex(a)})   # a fault signal, stepped over`,
          );
          const r = user_read(vm, a, 1);
          if (allowed !== r instanceof Uint8Array)
            throw new FuzzDivergenceError(
              `user load at ${hex(a)}: ${r instanceof Uint8Array ? "done" : r}, allowed ${allowed}`,
            );
          if (allowed && (r as Uint8Array)[0] !== rp!.cell.v)
            throw new FuzzDivergenceError(
              `user load at ${hex(a)} reads ${(r as Uint8Array)[0]}, the reference has ${rp!.cell.v}`,
            );
        }
        p.task.pending.length = 0; // the process handles the signal (steps over the access)
        return [];
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
        this.procs.push({ task: child, pages, brk: p.brk, start_brk: p.start_brk, base: p.base });
        return [`${pidVar(child)} = fork(${pid})`];
      }
      case "exec": {
        const path = `/bin/e${op.elf}`;
        this.#say(`assert do_execve(${pid}, "${path}") == 0`);
        this.#lookUp(path);
        const r = do_execve(vm, path, [path], ENVP);
        if (r.retval !== 0 || r.signal !== null)
          throw new FuzzDivergenceError(
            `execve(${path}) = ${r.retval} ${r.signal ?? ""} ${r.problem?.reason ?? ""}`,
          );
        this.procs[this.cur] = this.#procOf(p.task);
        return [];
      }
      case "exit": {
        const t = p.task;
        do_exit(vm, 0);
        release_task(vm, t);
        this.procs.splice(this.cur, 1);
        const lines = [`exit(${pid})`];
        if (this.procs.length === 0) lines.push(...this.spawn());
        this.cur = 0;
        return [...lines, ...this.#run(this.p.task)];
      }
      case "spawn": {
        if (this.procs.length >= CAP.procs) return [];
        return this.spawn();
      }
      case "switch": {
        this.cur = op.to % this.procs.length;
        const t = this.p.task;
        const on = vm.curr.indexOf(t);
        vm.machine.setCurrentCpu(on >= 0 ? on : (op.to >> 1) % vm.machine.cpus.length);
        schedule_to(vm, t);
        return [`cpu ${vm.machine.current}`, `schedule_to(${pidVar(t)})`];
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
      this.lines.push(...this.#run(p.task));
      for (const [a, rp] of p.pages) {
        if (!readable(rp.prot)) continue;
        this.#say(`assert user_read(${pidVar(p.task)}, ${hex(a)}) == ${rp.cell.v}`);
        const r = user_read(vm, a, 1);
        if (!(r instanceof Uint8Array) || r[0] !== rp.cell.v)
          throw new FuzzDivergenceError(
            `pid ${p.task.pid}: page ${hex(a)} reads ${r instanceof Uint8Array ? r[0] : r}, the reference has ${rp.cell.v}`,
          );
      }
      for (let v = p.task.mm!.mmap; v !== null; v = v.vm_next) {
        if (v.vm_start < p.base || v.vm_end > 0xb0000000) continue; // the ELF image, the heap, the stack
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
    const say = (l: string) => this.#say(l);
    say("# the end of the run: every process exits, every holder frees, the files are synced and closed");
    this.verifyProcesses();
    this.check();
    say("check");
    while (this.procs.length > 0) {
      const p = this.procs.pop()!;
      this.lines.push(...this.#run(p.task));
      say(`exit(${pidVar(p.task)})`);
      do_exit(k.vm, 0);
      release_task(k.vm, p.task);
    }
    for (let i = this.blocks.length; i > 0; i--) this.step({ k: "free_pages", i: 0 });
    for (let i = this.caches.length; i > 0; i--) this.step({ k: "cache_destroy", i: 0 });
    for (let i = this.kmallocs.length; i > 0; i--) this.step({ k: "kfree", i: 0 });
    for (let i = this.vmallocs.length; i > 0; i--) this.step({ k: "vfree", i: 0 });
    this.step({ k: "sync" });
    this.check();
    say("check");
    const { pc } = k;
    for (let i = 0; i < this.files.length; i++) {
      const f = this.files[i]!;
      if (f.path !== "/dev/hdb") {
        // read it all back (the comparison with the reference is the fuzzer's: too long a line)
        say(
          `pread64(fd${i}, ${f.bytes.length + P}, 0) != ""   # ${f.path}: the fuzzer compares its ${f.bytes.length} bytes`,
        );
        const buf = new Uint8Array(f.bytes.length + P);
        const r = pc.sys_pread64(f.file, buf, buf.length, 0);
        if (r < 0) throw new FuzzDivergenceError(`pread64(${f.path}) = ${r}`);
        if (!sameBytes(buf.subarray(0, r), f.bytes))
          throw new FuzzDivergenceError(`${f.path} reads back other bytes than were written`);
      }
      say(`close(fd${i})`);
      pc.fput(f.file);
    }
    this.#verifyRaw("the last close");
    if (this.ext2 !== null) this.#verifyExt2();
    // give the page cache back: unlink the files, drop the block devices' pages
    for (const f of this.files)
      if (f.path === "/m" || f.path === "/r" || this.ext2 === null) {
        say(`sys_unlink("${f.path}")`);
        pc.sys_unlink(f.path);
      }
    if (this.ext2 !== null) {
      say('umount("/mnt")');
      const err = pc.sys_umount("/mnt"); // the ext2 file's pages and the disk's buffers go back
      if (err !== 0) throw new FuzzDivergenceError(`umount /mnt: ${err}`);
    }
    for (let e = 0; e < 2; e++) {
      say(`sys_unlink("/bin/e${e}")`);
      pc.sys_unlink(`/bin/e${e}`);
    }
    this.check();
    say("check");
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
    /** The disk images the scenario mounts and attaches (write them where it is run from). */
    readonly images: readonly { readonly name: string; readonly bytes: Uint8Array }[];
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

/**
 * The scenario a run prints: the demo's language, one call per line, `check` after each operation,
 * so that `i386mm run FILE` replays it — the set-up (disks, files, programs, the first process),
 * the operations, then the end of the run — up to the failing line (or to the end). The fuzzer's
 * expectations become `assert` lines (a user load's byte, a read's bytes, an mmap's address, brk's
 * result); its tag bytes in kernel memory (written and read back through the MMU) have no line.
 * The scenario mounts and attaches the disk images named by `opts.images`: write
 * {@link fuzzImages} there (the CLI puts them beside the scenario).
 */
export function fuzzScenario(
  config: FuzzConfig,
  ops: readonly FuzzOp[],
  opts: FuzzMachineOptions = {},
  message = "",
): string {
  const highmem = (opts.mem ?? DEFAULT_MEM) >= 80 * MiB ? " --highmem 8M" : "";
  const head = [
    `# i386mm: --mem ${(opts.mem ?? DEFAULT_MEM) / MiB}M${highmem}${config.pae ? " --pae" : ""} --cpus ${config.cpus}`,
    "# A whole-machine fuzz run (packages/kernel/src/fuzz.ts), as a scenario: i386mm run FILE replays it.",
    ...(message === "" ? [] : message.split("\n").map((l) => `# ${l}`)),
    `# The operations as JSON: ${JSON.stringify(ops)}`,
    "",
  ];
  const body: string[] = [];
  let m: FuzzMachine | null = null;
  try {
    m = new FuzzMachine(config, opts);
    body.push(...m.lines.splice(0), "check");
    for (const op of ops) {
      m.step(op);
      opts.afterStep?.(m);
      body.push(...m.lines.splice(0), "check");
      m.check();
    }
    m.finish();
    body.push(...m.lines.splice(0));
    // without the tags in kernel memory the run made exactly the scenario's calls: same state
    if (!m.reference)
      body.push(`# the run's final state: \`i386mm check FILE --hash\` prints hash: ${machineHash(m.k)}`);
  } catch (e) {
    if (m !== null) body.push(...m.lines.splice(0));
    body.push(`# the fuzzer failed at the line above: ${(e as Error).message.split("\n")[0]}`);
  }
  return [...head, ...body, ""].join("\n");
}

/** The disk images a run's scenario names (opts.images): hda the ext2 image (when given), hdb the raw disk. */
export function fuzzImages(opts: FuzzMachineOptions = {}): { name: string; bytes: Uint8Array }[] {
  const names = opts.images ?? { hda: "fuzz.hda.img", hdb: "fuzz.hdb.img" };
  return [
    ...(opts.ext2Image === undefined ? [] : [{ name: names.hda, bytes: opts.ext2Image }]),
    { name: names.hdb, bytes: bytesOf(RAW_SIZE, 99) },
  ];
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
      images: fuzzImages(opts.machine),
      path: details.counterexamplePath ?? "",
    },
  };
}
