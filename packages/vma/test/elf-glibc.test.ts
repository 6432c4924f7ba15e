// The played glibc against the real one: for each memorylayout build, the model's brk/mmap2/
// mprotect/munmap calls, answered with what qemu-i386 answered, are the strace's lines one for
// one, and the values main collects are those the binary printed under qemu.
import { describe, expect, it } from "vitest";
import { elf_lookup_symbol, readElf } from "../src/elf.js";
import {
  GlibcBrk,
  GlibcMalloc,
  glibc_static_start,
  memorylayout_main,
  request2size,
  rtld_start,
  type UserSyscalls,
} from "../src/elf-glibc.js";
import { type DlCall, formatDlCall } from "../src/elf-ld-so.js";
import { fixture, fixtureText } from "./elf-helpers.js";

const h = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;

/** Answers each call with the next line of a real strace, checking the call matches it exactly. */
class Replay implements UserSyscalls {
  private next = 0;
  readonly touched: number[] = [];
  readonly zeroed: Array<[number, number]> = [];
  constructor(private readonly lines: string[]) {}
  private answer(call: string): number {
    const line = this.lines[this.next++];
    expect(call, `call ${this.next}`).toBe(line?.split(" = ")[0]);
    const r = line.split(" = ")[1];
    return r.startsWith("-1") ? -Number(r.split("errno=")[1].split(" ")[0]) : Number(r);
  }
  brk(addr: number): number {
    return this.answer(`brk(${addr ? h(addr) : "NULL"})`);
  }
  private dl(c: DlCall): number {
    return this.answer(formatDlCall(c).split(" = ")[0]);
  }
  mmap(addr: number, length: number, prot: number, flags: number, fd: number, offset: number): number {
    return this.dl({ call: "mmap2", addr, length, prot, flags, fd, offset, result: 0 });
  }
  mprotect(addr: number, length: number, prot: number): number {
    return this.dl({ call: "mprotect", addr, length, prot, result: 0 });
  }
  munmap(addr: number, length: number): number {
    return this.dl({ call: "munmap", addr, length, result: 0 });
  }
  memset(addr: number, length: number): void {
    this.zeroed.push([addr, length]);
  }
  touch(addr: number): void {
    this.touched.push(addr);
  }
  done(): void {
    expect(this.lines.slice(this.next)).toEqual([]);
  }
}

/** The memory system calls of a strace (without ld.so.cache's mapping: the model's filesystems have no cache). */
function memoryCalls(build: string): string[] {
  const lines = fixtureText(`strace/memorylayout-${build}.txt`)
    .split("\n")
    .map((l) => l.replace(/^\d+ /, ""));
  const cacheOpen = lines.findIndex((l) => l.includes('"/etc/ld.so.cache"') && !l.includes("= -1"));
  const cacheMap =
    cacheOpen >= 0 ? lines.findIndex((l, i) => i > cacheOpen && l.startsWith("mmap2(NULL,")) : -1;
  const cacheAt = cacheMap >= 0 ? lines[cacheMap].split(" = ")[1] : null;
  return lines.filter(
    (l, i) =>
      /^(brk|mmap2|mprotect|munmap)\(/.test(l) &&
      i !== cacheMap &&
      !(cacheAt && l.startsWith(`munmap(${cacheAt},`)),
  );
}

/** The `name 0xADDR` values the binary printed under qemu. */
function printed(build: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of fixtureText(`strace/memorylayout-${build}.out`).split("\n")) {
    const m = line.match(/^(\w+) (0x[0-9a-f]+)$/);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** Where qemu loaded a PIE: the printed address of main minus its .symtab value. */
function bias(build: string): number {
  const f = readElf(fixture(`memorylayout-${build}`));
  return printed(build).get("text_main")! - elf_lookup_symbol(f, "main")!.st_value;
}

const MAIN_VALUES = [
  "brk_initial_sbrk0",
  "heap_malloc16",
  "brk_after_malloc16",
  "mmap_malloc_1MiB",
  "mmap_anon_4KiB",
  "mmap_anon_4KiB_second",
  "mmap_anon_64MiB_noreserve",
] as const;

describe("played glibc = real glibc (qemu-i386 -strace of fixtures/elf)", () => {
  for (const build of ["static", "staticpie"]) {
    it(`memorylayout-${build}: start-up and main make the strace's memory calls; main's values are those printed`, () => {
      const sys = new Replay(memoryCalls(build));
      const exe = readElf(fixture(`memorylayout-${build}`));
      // qemu ran the binary as /work/.../fixtures/elf/memorylayout-<build>: its origin directory is 25 characters.
      const exePath = `/work/wt/elf/fixtures/elf/memorylayout-${build}`;
      const p = glibc_static_start(sys, { exe, exeBias: bias(build), exePath });
      const v = memorylayout_main(sys, p);
      sys.done();
      const real = printed(build);
      for (const name of MAIN_VALUES) expect(h(v[name]), name).toBe(h(real.get(name)!));
      expect(sys.touched).toEqual([
        v.heap_malloc16,
        v.mmap_malloc_1MiB,
        v.mmap_anon_4KiB,
        v.mmap_anon_4KiB_second,
      ]);
    });
  }

  it("memorylayout-dynamic: ld.so maps libc.so.6 and protects RELRO, then main's calls; values as printed", () => {
    const calls = memoryCalls("dynamic");
    const sys = new Replay(calls);
    const exe = readElf(fixture("memorylayout-dynamic"));
    const ld = readElf(fixture("rootfs/lib/ld-linux.so.2"));
    const libc = readElf(fixture("rootfs/lib/i386-linux-gnu/libc.so.6"));
    // Where qemu put ld.so: its RELRO mprotect line minus ld.so's RELRO page.
    const ldRelro = calls.filter((l) => l.startsWith("mprotect(")).at(-1)!;
    const ldBias = Number(ldRelro.slice(9, 19)) - (ld.relro!.vaddr - (ld.relro!.vaddr % 4096));
    const r = rtld_start(
      sys,
      { exe, exeBias: bias("dynamic"), exePath: "/memorylayout-dynamic" },
      { file: ld, l_addr: ldBias },
      (name) => (name === "libc.so.6" ? { file: libc, fd: 3, path: "/lib/i386-linux-gnu/libc.so.6" } : null),
    );
    expect(r.error).toBeNull();
    expect(r.loaded).toEqual([
      { path: "/lib/i386-linux-gnu/libc.so.6", soname: "libc.so.6", l_addr: 0x3f594000 },
    ]);
    const v = memorylayout_main(sys, r);
    sys.done();
    const real = printed("dynamic");
    for (const name of MAIN_VALUES) expect(h(v[name]), name).toBe(h(real.get(name)!));
  });
});

describe("glibc malloc arithmetic (malloc/malloc.c)", () => {
  it("request2size: 4-byte header, 16-byte alignment, 16-byte minimum", () => {
    expect([0, 1, 12, 13, 16, 28, 29, 0x180, 1 << 20].map(request2size)).toEqual([
      16, 16, 16, 32, 32, 32, 48, 0x190, 0x100010,
    ]);
  });

  it("the heap grows again by brk when the top chunk runs out, contiguously, with top_pad", () => {
    let cur = 0x0804a000;
    const calls: string[] = [];
    const sys = {
      brk: (a: number) => {
        calls.push(`brk(${h(a)})`);
        if (a) cur = a;
        return cur;
      },
      mmap: () => -12,
      mprotect: () => 0,
      munmap: () => 0,
      memset: () => {},
      touch: () => {},
    } satisfies UserSyscalls;
    const brk = new GlibcBrk(sys);
    const m = new GlibcMalloc(brk, sys);
    const a = m.malloc(100 * 1024);
    expect(a % 16).toBe(0);
    const b = m.malloc(100 * 1024); // does not fit in the rest of the first heap
    expect(b).toBe(a + request2size(100 * 1024));
    expect(calls).toEqual([
      "brk(0x00000000)",
      "brk(0x0806b000)", // first heap: the tcache chunk (0x190) + 128 KiB top_pad + MINSIZE, page-rounded
      "brk(0x0806c000)", // the alignment correction (8 bytes) rounded up to the next page
      "brk(0x0809d000)", // 0x19010 needed, 0x8e58 left: + top_pad + MINSIZE - left, page-rounded
    ]);
    // With the mmap refused, a big request falls back to the heap.
    expect(m.malloc(200 * 1024)).toBeGreaterThan(b);
  });
});
