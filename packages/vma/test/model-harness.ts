/*
 * The harness of the model-based tests (model.test.ts): random sequences of mmap / munmap / mprotect / brk / touch (user loads and
 * stores) / fork / exit / truncate (of the mapped file, through the page cache's sys_truncate)
 * run against the model and against a plain reference (per process, a map
 * from page address to {prot, shared, cell}: a cell is the page's content, shared between
 * processes for MAP_SHARED and copied at fork for MAP_PRIVATE). After every step
 * checkVmaInvariants runs and every mapped range is compared with the reference. Fixed seeds;
 * fast-check prints the seed and the failing sequence. Longer runs: test/fuzz-long (pnpm fuzz).
 */
import { type file, O_RDWR } from "@i386mm/page-cache";
import fc from "fast-check";
import {
  checkVmaInvariants,
  create_task,
  do_exit,
  do_fork,
  do_mmap_pgoff,
  IS_ERR_ADDR,
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
  type VmSystem,
} from "../src/index.js";
import { bootVmWithFiles } from "./helpers.js";

const P = 4096;
/** The window the operations aim at, so that they collide often (a few MiB around 0x40000000). */
const BASE = 0x40000000;
const SPAN = 64; // pages
/** Pages of the ramfs file "/f" every process may map (page k starts with the byte k + 1). */
const FILE_PAGES = 16;

interface Cell {
  v: number;
}
interface RefPage {
  prot: number;
  shared: boolean;
  cell: Cell;
  /** A private file page not yet written: it reads the file's page (fileCell) until its first write. */
  fileCell?: Cell;
  /** The file page a file mapping's page maps (past the file's end: SIGBUS). */
  filePage?: number;
}
export interface RefProc {
  task: task_struct;
  pages: Map<number, RefPage>;
  brk: number;
  start_brk: number;
}

type Op =
  | { k: "mmap"; page: number; npages: number; prot: number; shared: boolean; fixed: boolean }
  | {
      k: "mmapfile";
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
  | { k: "exit" }
  | { k: "switch"; to: number }
  | { k: "truncate"; pages: number };

const protArb = fc.constantFrom(
  PROT_NONE,
  PROT_READ,
  PROT_READ | PROT_WRITE,
  PROT_READ | PROT_EXEC,
  PROT_EXEC,
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("mmapfile" as const),
      page: fc.nat(SPAN - 1),
      npages: fc.integer({ min: 1, max: 6 }),
      pgoff: fc.nat(FILE_PAGES - 6),
      prot: protArb,
      shared: fc.boolean(),
      fixed: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("mmap" as const),
      page: fc.nat(SPAN - 1),
      npages: fc.integer({ min: 1, max: 12 }),
      prot: protArb,
      shared: fc.boolean(),
      fixed: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("munmap" as const),
      page: fc.nat(SPAN - 1),
      npages: fc.integer({ min: 1, max: 16 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("mprotect" as const),
      page: fc.nat(SPAN - 1),
      npages: fc.integer({ min: 1, max: 8 }),
      prot: protArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("brk" as const), delta: fc.integer({ min: -6, max: 8 }) }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      k: fc.constant("touch" as const),
      page: fc.nat(1023),
      mapped: fc.nat(3).map((n) => n !== 0),
      write: fc.boolean(),
      value: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: "fork" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "exit" as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("switch" as const), to: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("truncate" as const), pages: fc.nat(FILE_PAGES) }) },
);

function readable(prot: number) {
  return (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0;
}

class Harness {
  readonly vm: VmSystem;
  readonly procs: RefProc[] = [];
  cur = 0;
  /** The file's pages as the reference sees them (shared by every mapping of "/f"). */
  readonly fileCells: Cell[] = [];
  /** The file's size in pages (truncate moves it). */
  fileSize = FILE_PAGES;
  readonly file: file;
  constructor(vm: VmSystem) {
    this.vm = vm;
    const pc = vm.pc!;
    const bytes = new Uint8Array(FILE_PAGES * P);
    for (let k = 0; k < FILE_PAGES; k++) {
      bytes[k * P] = k + 1;
      this.fileCells.push({ v: k + 1 });
    }
    pc.writeFile("/f", bytes);
    this.file = pc.filp_open("/f", O_RDWR) as file;
    this.spawn();
  }
  spawn(): void {
    const t = create_task(this.vm, "fuzz")!;
    // a heap for brk: start_brk = brk at BASE - 64 pages (end_code below it)
    const mm = t.mm!;
    mm.start_code = 0x08048000;
    mm.end_code = 0x08049000;
    mm.start_brk = mm.brk = BASE - 64 * P;
    mm.start_data = mm.start_brk;
    this.procs.push({ task: t, pages: new Map(), brk: mm.brk, start_brk: mm.brk });
    this.cur = this.procs.length - 1;
    schedule_to(this.vm, t);
  }
  get p(): RefProc {
    return this.procs[this.cur]!;
  }
  step(op: Op): void {
    const vm = this.vm;
    const p = this.p;
    switch (op.k) {
      case "mmap": {
        const flags = (op.shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | (op.fixed ? MAP_FIXED : 0);
        const hint = BASE + op.page * P;
        const r = do_mmap_pgoff(vm, null, hint, op.npages * P, op.prot, flags, 0);
        if (IS_ERR_ADDR(r)) throw new Error(`mmap failed ${-r}`);
        if (op.fixed && r !== hint) throw new Error(`MAP_FIXED landed at ${r.toString(16)}`);
        for (let i = 0; i < op.npages; i++) {
          const a = r + i * P;
          if (!op.fixed && p.pages.has(a))
            throw new Error(`mmap returned ${a.toString(16)} which was mapped`);
          p.pages.set(a, { prot: op.prot, shared: op.shared, cell: { v: 0 } });
        }
        return;
      }
      case "mmapfile": {
        const flags = (op.shared ? MAP_SHARED : MAP_PRIVATE) | (op.fixed ? MAP_FIXED : 0);
        const hint = BASE + op.page * P;
        const r = do_mmap_pgoff(vm, this.file, hint, op.npages * P, op.prot, flags, op.pgoff);
        if (IS_ERR_ADDR(r)) throw new Error(`file mmap failed ${-r}`);
        if (op.fixed && r !== hint) throw new Error(`MAP_FIXED landed at ${r.toString(16)}`);
        for (let i = 0; i < op.npages; i++) {
          const a = r + i * P;
          if (!op.fixed && p.pages.has(a))
            throw new Error(`mmap returned ${a.toString(16)} which was mapped`);
          const fc = this.fileCells[op.pgoff + i]!;
          const filePage = op.pgoff + i;
          p.pages.set(
            a,
            op.shared
              ? { prot: op.prot, shared: true, cell: fc, filePage }
              : { prot: op.prot, shared: false, cell: fc, fileCell: fc, filePage },
          );
        }
        return;
      }
      case "munmap": {
        const a = BASE + op.page * P;
        const r = sys_munmap(vm, a, op.npages * P);
        if (r !== 0) throw new Error(`munmap ${r}`);
        for (let i = 0; i < op.npages; i++) p.pages.delete(a + i * P);
        if (a < p.brk && a + op.npages * P > p.start_brk) this.fixBrkAfterUnmap();
        return;
      }
      case "mprotect": {
        const a = BASE + op.page * P;
        // the kernel applies the change to the mapped prefix of the range, then -ENOMEM at a hole
        let expectErr = 0;
        let n = 0;
        while (n < op.npages && p.pages.has(a + n * P)) n++;
        if (n < op.npages) expectErr = -12;
        const r = sys_mprotect(vm, a, op.npages * P, op.prot);
        if (r !== expectErr) throw new Error(`mprotect ${r}, expected ${expectErr}`);
        for (let i = 0; i < n; i++) p.pages.get(a + i * P)!.prot = op.prot;
        return;
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
          if (r !== want) throw new Error(`brk ${r.toString(16)}, expected ${want.toString(16)}`);
          if (newEnd < oldEnd) for (let a = newEnd; a < oldEnd; a += P) p.pages.delete(a);
          for (let a = oldEnd; a < newEnd; a += P)
            p.pages.set(a, { prot: PROT_READ | PROT_WRITE, shared: false, cell: { v: 0 } });
          p.brk = want;
        } else if (r !== p.brk) throw new Error(`refused brk moved the break to ${r.toString(16)}`);
        if (mm.brk !== p.brk) throw new Error("mm->brk differs");
        return;
      }
      case "touch": {
        // mostly a page the reference has mapped (so faults, COW and content get exercised)
        const mapped = [...p.pages.keys()];
        const a =
          op.mapped && mapped.length > 0 ? mapped[op.page % mapped.length]! : BASE + (op.page % SPAN) * P;
        const rp = p.pages.get(a);
        const eof = rp !== undefined && this.pastEof(rp); // SIGBUS
        if (op.write) {
          const r = user_write(vm, a, [op.value]);
          const allowed = rp !== undefined && (rp.prot & PROT_WRITE) !== 0 && !eof;
          if (allowed !== (r === null))
            throw new Error(`write at ${a.toString(16)}: ${r}, allowed ${allowed}`);
          if (allowed) {
            if (rp!.fileCell !== undefined) {
              rp!.cell = { v: 0 }; // copy-on-write: the private copy parts from the file
              rp!.fileCell = undefined;
            }
            rp!.cell.v = op.value;
          }
        } else {
          const r = user_read(vm, a, 1);
          const allowed = rp !== undefined && readable(rp.prot) && !eof;
          if (allowed !== r instanceof Uint8Array)
            throw new Error(`read at ${a.toString(16)}: ${r}, allowed ${allowed}`);
          if (allowed && (r as Uint8Array)[0] !== rp!.cell.v)
            throw new Error(`read ${(r as Uint8Array)[0]} at ${a.toString(16)}, expected ${rp!.cell.v}`);
        }
        p.task.pending.length = 0; // signals are not delivered: forget them
        return;
      }
      case "fork": {
        if (this.procs.length >= 6) return;
        const c = do_fork(vm, 0);
        if (c === null) throw new Error("fork failed");
        const pages = new Map<number, RefPage>();
        for (const [a, rp] of p.pages)
          pages.set(
            a,
            rp.shared || rp.fileCell !== undefined
              ? { ...rp }
              : { prot: rp.prot, shared: false, cell: { v: rp.cell.v }, filePage: rp.filePage },
          );
        this.procs.push({ task: c, pages, brk: p.brk, start_brk: p.start_brk });
        return;
      }
      case "exit": {
        const t = p.task;
        do_exit(vm, 0);
        release_task(vm, t);
        this.procs.splice(this.cur, 1);
        if (this.procs.length === 0) this.spawn();
        this.cur = 0;
        const on = vm.curr.indexOf(this.p.task);
        if (on >= 0) vm.machine.setCurrentCpu(on);
        schedule_to(vm, this.p.task);
        return;
      }
      case "truncate": {
        // shrinking unmaps the pages past the new end in every process, private copies too
        // (unmap_mapping_range with even_cows): they read the file again, which past its end
        // is SIGBUS; pages the file regains later read zero
        const n = op.pages;
        if (vm.pc!.sys_truncate("/f", n * P) !== 0) throw new Error("sys_truncate failed");
        if (n < this.fileSize) {
          for (let k = n; k < this.fileSize; k++) this.fileCells[k] = { v: 0 };
          for (const q of this.procs)
            for (const rp of q.pages.values())
              if (rp.filePage !== undefined && rp.filePage >= n) {
                rp.cell = this.fileCells[rp.filePage]!;
                if (!rp.shared) rp.fileCell = rp.cell;
              }
        }
        this.fileSize = n;
        return;
      }
      case "switch": {
        // pick a process and a CPU; a process already running elsewhere is joined on its CPU
        this.cur = op.to % this.procs.length;
        const t = this.p.task;
        const on = vm.curr.indexOf(t);
        vm.machine.setCurrentCpu(on >= 0 ? on : (op.to >> 1) % vm.machine.cpus.length);
        schedule_to(vm, t);
        return;
      }
    }
  }
  /** A file page past the file's end (SIGBUS on access). */
  private pastEof(rp: RefPage): boolean {
    return rp.filePage !== undefined && rp.filePage >= this.fileSize;
  }
  /** munmap over the heap moves no break, but the heap pages above the hole are gone (mirrored by pages.delete). */
  private fixBrkAfterUnmap(): void {}
  /** Every reference page reads back its content in the current process (reads only where readable). */
  verifyContents(): void {
    const vm = this.vm;
    for (const [a, rp] of this.p.pages) {
      if (!readable(rp.prot) || this.pastEof(rp)) continue;
      const r = user_read(vm, a, 1);
      if (!(r instanceof Uint8Array) || r[0] !== rp.cell.v)
        throw new Error(
          `page ${a.toString(16)} reads ${r instanceof Uint8Array ? r[0] : r}, expected ${rp.cell.v}`,
        );
    }
    // and nothing else is mapped: every VMA page is in the reference
    for (let v = this.p.task.mm!.mmap; v !== null; v = v.vm_next)
      for (let a = v.vm_start; a < v.vm_end; a += P)
        if (!this.p.pages.has(a)) throw new Error(`VMA page ${a.toString(16)} is not in the reference`);
  }
}

function run(pae: boolean, cpus: number, seed: number, numRuns: number, maxLength: number) {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: maxLength >> 1, maxLength }), (ops) => {
      const vm = bootVmWithFiles({ memBytes: 64 << 20, pae, cpus }).vm;
      const h = new Harness(vm);
      for (const op of ops) {
        h.step(op);
        checkVmaInvariants(vm);
      }
      h.verifyContents();
      checkVmaInvariants(vm);
    }),
    { seed, numRuns },
  );
}

export { Harness, opArb, run };
