// Helpers of the ELF tests: the fixtures under the repository's fixtures/elf/, and PageMap, a
// page-granular record of what a sequence of mmap/mprotect/munmap calls leaves in an address
// space. PageMap is the tests' independent oracle for the loader model's call sequences (it
// knows nothing of VMAs, merging or page tables: one entry per page), not a stand-in for the mm.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { DlSyscalls } from "../src/elf-ld-so.js";

export const FIXTURES = path.resolve(__dirname, "../../../fixtures/elf");

export function fixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(FIXTURES, rel)));
}
export function fixtureText(rel: string): string {
  return readFileSync(path.join(FIXTURES, rel), "utf8");
}

const PAGE = 4096;
const MAP_FIXED = 0x10;

/** One page of the record: its protection and what backs it. */
export interface PageEntry {
  prot: number;
  /** File offset of the page, or null for anonymous memory. */
  offset: number | null;
  fd: number;
}

/** A page-by-page address space: mmap (MAP_FIXED or first fit from a hint), mprotect, munmap, memset. */
export class PageMap implements DlSyscalls {
  readonly pages = new Map<number, PageEntry>();
  readonly zeroed: Array<[number, number]> = [];
  constructor(private readonly searchFrom = 0x40000000) {}

  private free(start: number, len: number): boolean {
    for (let a = start; a < start + len; a += PAGE) if (this.pages.has(a)) return false;
    return true;
  }

  mmap(addr: number, length: number, prot: number, flags: number, fd: number, offset: number): number {
    const len = Math.ceil(length / PAGE) * PAGE;
    let at = addr;
    if (!(flags & MAP_FIXED)) {
      at = addr && this.free(addr, len) ? addr : this.searchFrom;
      while (!this.free(at, len)) at += PAGE;
    }
    for (let k = 0; k < len; k += PAGE)
      this.pages.set(at + k, { prot, offset: fd < 0 ? null : offset + k, fd });
    return at;
  }
  mprotect(addr: number, length: number, prot: number): number {
    const len = Math.ceil(length / PAGE) * PAGE;
    for (let a = addr; a < addr + len; a += PAGE) {
      const e = this.pages.get(a);
      if (!e) return -12;
      this.pages.set(a, { ...e, prot });
    }
    return 0;
  }
  munmap(addr: number, length: number): number {
    const len = Math.ceil(length / PAGE) * PAGE;
    for (let a = addr; a < addr + len; a += PAGE) this.pages.delete(a);
    return 0;
  }
  memset(addr: number, length: number): void {
    this.zeroed.push([addr, length]);
  }

  /**
   * Runs of pages with equal protection, backing and contiguous offsets, as /proc/PID/maps
   * would list them if every run were one VMA: `start-end perms offset`.
   */
  runs(): string[] {
    const addrs = [...this.pages.keys()].sort((a, b) => a - b);
    const out: string[] = [];
    let start = -1;
    let prev: PageEntry | null = null;
    let prevAddr = -1;
    const flush = (end: number) => {
      if (start < 0 || !prev) return;
      const p = prev.prot;
      const perms = `${p & 1 ? "r" : "-"}${p & 2 ? "w" : "-"}${p & 4 ? "x" : "-"}p`;
      const first = this.pages.get(start)!;
      const off = (first.offset ?? 0).toString(16).padStart(8, "0");
      out.push(`${start.toString(16).padStart(8, "0")}-${end.toString(16).padStart(8, "0")} ${perms} ${off}`);
    };
    for (const a of addrs) {
      const e = this.pages.get(a)!;
      const continues =
        prev !== null &&
        a === prevAddr + PAGE &&
        e.prot === prev.prot &&
        e.fd === prev.fd &&
        (e.offset === null ? prev.offset === null : prev.offset !== null && e.offset === prev.offset + PAGE);
      if (!continues) {
        flush(prevAddr + PAGE);
        start = a;
      }
      prev = e;
      prevAddr = a;
    }
    flush(prevAddr + PAGE);
    return out;
  }
}

import { Machine } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageAllocator } from "@i386mm/page-alloc";
import { PageCache } from "@i386mm/page-cache";
import { SlabAllocator } from "@i386mm/slab";
import { install_file } from "../src/elf-exec.js";
import { create_task } from "../src/fork.js";
import { schedule_to } from "../src/sched.js";
import { VmSystem } from "../src/vm.js";

/** A machine with the mm and the page cache on one slab allocator, the fixtures in the RAM file system, a running shell task. */
export function bootExec(o: { binaries?: boolean; memBytes?: number } = {}) {
  const machine = new Machine({ memBytes: o.memBytes ?? 64 << 20 });
  const pa = new PageAllocator(machine);
  const slab = new SlabAllocator(pa);
  const km = new Kmap(slab);
  const pc = new PageCache(slab, km);
  const vm = new VmSystem(slab, km, { pagecache: pc });
  if (o.binaries ?? true) {
    for (const b of ["static", "staticpie", "dynamic"])
      install_file(pc, `/memorylayout-${b}`, fixture(`memorylayout-${b}`));
    install_file(pc, "/lib/ld-linux.so.2", fixture("rootfs/lib/ld-linux.so.2"));
    install_file(pc, "/lib/i386-linux-gnu/libc.so.6", fixture("rootfs/lib/i386-linux-gnu/libc.so.6"));
  }
  const task = create_task(vm, "sh")!;
  schedule_to(vm, task);
  return { machine, pa, vm, pc, task };
}
