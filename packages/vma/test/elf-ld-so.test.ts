// The loader model against reality: the calls it makes for the real libc.so.6 are, line for line,
// those qemu-i386 -strace recorded glibc's ld.so making (fixtures/elf/strace); placed where the
// real 6.1 kernel put libc, the pages it leaves are the oracle's /proc/PID/maps lines for libc; and
// for generated libraries (random segment counts, sizes, holes, alignments) every page of the
// object ends with the protection and backing its program headers ask for.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ET_DYN, ET_EXEC, PF_W, readElf } from "../src/elf.js";
import { generateElf, writePhdr } from "../src/elf-gen.js";
import {
  _dl_map_object_from_file,
  _dl_protect_relro,
  type DlCall,
  DlTrace,
  dl_failed,
  dl_object_layout,
  dl_open_verify,
  formatDlCall,
} from "../src/elf-ld-so.js";
import { fixture, fixtureText, PageMap } from "./elf-helpers.js";

const PAGE = 4096;
const libc = readElf(fixture("rootfs/lib/i386-linux-gnu/libc.so.6"));
const syscalls = (calls: readonly DlCall[]) => calls.filter((c) => c.call !== "memset").map(formatDlCall);

describe("libc.so.6 as glibc 2.36's ld.so maps it", () => {
  it("the same mmap2 calls, in the same order, as qemu-i386 -strace recorded", () => {
    const strace = fixtureText("strace/memorylayout-dynamic.txt")
      .split("\n")
      .map((l) => l.replace(/^\d+ /, ""));
    const from = strace.findIndex((l) => l.startsWith("mmap2(NULL,2259228,"));
    const to = strace.indexOf("close(3) = 0", from);
    const real = strace.slice(from, to);
    // The kernel under qemu put the reservation at this address; the model's PageMap is told to.
    const at = Number.parseInt(real[0].split(" = ")[1], 16);
    const pm = new PageMap(at);
    const trace = new DlTrace(pm);
    const l = _dl_map_object_from_file(libc, 3, trace);
    if (dl_failed(l)) throw new Error(l.errstring);
    expect(syscalls(trace.calls)).toEqual(real);
    // The bss tail of the last file page is zeroed by ld.so itself (a memset, not a system call).
    expect(trace.calls.filter((c) => c.call === "memset")).toEqual([
      { call: "memset", addr: l.l_addr + 0x21df18, length: 0xe8 },
    ]);
    // After relocation: RELRO becomes read-only, as the strace's mprotect line says.
    const relro = new DlTrace(pm);
    _dl_protect_relro(l.l_addr, libc.relro, relro);
    expect(syscalls(relro.calls)).toEqual(["mprotect(0x3f7af000,8192,PROT_READ) = 0"]);
    expect(strace).toContain("mprotect(0x3f7af000,8192,PROT_READ) = 0");
  });

  it("the main program's RELRO mprotect matches too (PIE loaded at 0x40000000 by qemu)", () => {
    const main = readElf(fixture("memorylayout-dynamic"));
    const pm = new PageMap();
    pm.mmap(0x40000000, 0x6000, 3, 0x12, 4, 0);
    const t = new DlTrace(pm);
    _dl_protect_relro(0x40000000, main.relro, t);
    expect(syscalls(t.calls)).toEqual(["mprotect(0x40003000,4096,PROT_READ) = 0"]);
    expect(fixtureText("strace/memorylayout-dynamic.txt")).toContain(
      "mprotect(0x40003000,4096,PROT_READ) = 0",
    );
  });

  it("placed where 6.1 put it, the pages are the real /proc/PID/maps lines of libc", () => {
    const section = fixtureText("oracle/686-128M.memorylayout.log")
      .replace(/\r/g, "")
      .split("===== BEGIN memorylayout-a-norand-flexible-dynamic =====")[1]
      .split("=====")[0];
    const real = section
      .split("\n")
      .filter((s) => s.endsWith("/lib/i386-linux-gnu/libc.so.6"))
      .map((s) => s.split(/\s+/).slice(0, 3).join(" "));
    expect(real.length).toBe(5);
    const start = Number.parseInt(real[0].slice(0, 8), 16);
    const pm = new PageMap(start);
    const l = _dl_map_object_from_file(libc, 3, pm);
    if (dl_failed(l)) throw new Error(l.errstring);
    _dl_protect_relro(l.l_addr, libc.relro, pm);
    // Page by page (the kernel keeps the RELRO pages a VMA of their own; a page record cannot show that).
    const pages = (lines: string[]) =>
      lines.flatMap((line) => {
        const [range, perms, off] = line.split(" ");
        const [s, e] = range.split("-").map((x) => Number.parseInt(x, 16));
        return Array.from(
          { length: (e - s) / PAGE },
          (_, k) =>
            `${(s + k * PAGE).toString(16)} ${perms} ${(Number.parseInt(off, 16) + k * PAGE).toString(16)}`,
        );
      });
    const runs = pm.runs();
    expect(pages(runs).slice(0, pages(real).length)).toEqual(pages(real));
    // Then libc's bss, anonymous; the real line runs 2 pages further (ld.so's minimal malloc, merged).
    expect(runs[runs.length - 1]).toBe("b7fb9000-b7fc3000 rw-p 00000000");
    expect(section).toContain("b7fb9000-b7fc5000 rw-p 00000000 00:00 0");
  });
});

describe("generated libraries: every page as the program headers ask", () => {
  it("300 seeds: protections, file offsets, holes PROT_NONE, bss zeroed then anonymous, RELRO read-only", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 7 }), (seed, loads) => {
        const g = generateElf(seed, {
          type: ET_DYN,
          loads,
          needed: ["libc.so.6"],
          soname: "libg.so",
          relro: true,
          maxFilesz: 12000,
          maxBss: 20000,
        });
        const f = readElf(g.bytes);
        const pm = new PageMap(0x40000000);
        const l = _dl_map_object_from_file(f, 7, pm);
        if (dl_failed(l)) throw new Error(`seed ${seed}: ${l.errstring}`);
        expect(_dl_protect_relro(l.l_addr, f.relro, pm)).toBeNull();
        const align = Math.max(PAGE, ...g.loads.map((p) => p.p_align));
        expect(l.l_map_start % align, `seed ${seed}`).toBe(0);
        const relroStart = Math.floor((l.l_addr + f.relro!.vaddr) / PAGE) * PAGE;
        const relroEnd = Math.floor((l.l_addr + f.relro!.vaddr + f.relro!.memsz) / PAGE) * PAGE;
        const expected = new Map<number, { prot: number; offset: number | null }>();
        const first = g.loads[0];
        const last = g.loads[g.loads.length - 1];
        // Holes: the reservation's pages (file-backed from the first segment's offset) made PROT_NONE.
        for (
          let a = l.l_map_start;
          a < l.l_addr + Math.ceil((last.p_vaddr + last.p_memsz) / PAGE) * PAGE;
          a += PAGE
        )
          expected.set(a, {
            prot: 0,
            offset: first.p_offset - (first.p_offset % PAGE) + (a - l.l_map_start),
          });
        for (const p of g.loads) {
          const prot = (p.p_flags & 4 ? 1 : 0) | (p.p_flags & 2 ? 2 : 0) | (p.p_flags & 1 ? 4 : 0);
          const mapstart = l.l_addr + p.p_vaddr - (p.p_vaddr % PAGE);
          const mapend = l.l_addr + Math.ceil((p.p_vaddr + p.p_filesz) / PAGE) * PAGE;
          const allocend = l.l_addr + Math.ceil((p.p_vaddr + p.p_memsz) / PAGE) * PAGE;
          for (let a = mapstart; a < allocend; a += PAGE)
            expected.set(a, {
              prot,
              offset: a < mapend ? p.p_offset - (p.p_offset % PAGE) + (a - mapstart) : null,
            });
        }
        for (let a = relroStart; a < relroEnd; a += PAGE) expected.set(a, { ...expected.get(a)!, prot: 1 });
        const got = new Map([...pm.pages].map(([a, e]) => [a, { prot: e.prot, offset: e.offset }]));
        expect(got, `seed ${seed}`).toEqual(expected);
        // The zeroed tails: from each segment's end of file data to the end of that page (or of the bss).
        const tails = g.loads
          .filter((p) => p.p_memsz > p.p_filesz && (p.p_vaddr + p.p_filesz) % PAGE !== 0)
          .map((p) => {
            const zero = l.l_addr + p.p_vaddr + p.p_filesz;
            return [zero, Math.min(Math.ceil(zero / PAGE) * PAGE, l.l_addr + p.p_vaddr + p.p_memsz) - zero];
          });
        expect(pm.zeroed).toEqual(tails);
      }),
      { seed: 2036, numRuns: 300 },
    );
  });

  it("a non-writable segment with a bss tail is made writable for the memset and restored", () => {
    const g = generateElf(11, { type: ET_DYN, loads: 2, needed: ["libc.so.6"] });
    const f = readElf(g.bytes);
    const ro = f.loads.find(({ phdr }) => !(phdr.p_flags & PF_W))!;
    const b = g.bytes.slice();
    writePhdr(new DataView(b.buffer), 52 + ro.index * 32, { ...ro.phdr, p_memsz: ro.phdr.p_filesz + 100 });
    const t = new DlTrace(new PageMap());
    const l = _dl_map_object_from_file(readElf(b), 3, t);
    if (dl_failed(l)) throw new Error(l.errstring);
    const kinds = t.calls.map((c) => c.call);
    const m = kinds.indexOf("memset");
    expect(kinds.slice(m - 1, m + 2)).toEqual(["mprotect", "memset", "mprotect"]);
  });
});

describe("what glibc refuses, with its messages", () => {
  it("an executable, a library without PT_DYNAMIC, misaligned segments, a 64-bit file", () => {
    const exe = readElf(generateElf(4, { type: ET_EXEC }).bytes);
    expect(dl_object_layout(exe)).toMatchObject({ errstring: "cannot dynamically load executable" });
    expect(dl_failed(dl_object_layout(exe, { mainProgram: true }))).toBe(false);
    const nodyn = readElf(generateElf(4, { type: ET_DYN }).bytes);
    expect(dl_object_layout(nodyn)).toMatchObject({ errstring: "object file has no dynamic section" });
    const g = generateElf(4, { type: ET_DYN, loads: 2, needed: ["x.so"] });
    const b = g.bytes.slice();
    const i = g.phdrs.indexOf(g.loads[1]);
    writePhdr(new DataView(b.buffer), 52 + i * 32, { ...g.loads[1], p_vaddr: g.loads[1].p_vaddr + 4 });
    expect(dl_object_layout(readElf(b, { modelChecks: false }))).toMatchObject({
      errstring: "ELF load command address/offset not page-aligned",
    });
    const c64 = g.bytes.slice();
    c64[4] = 2;
    expect(dl_open_verify(readElf(c64, { modelChecks: false }))).toMatchObject({
      errstring: "wrong ELF class: ELFCLASS64",
      skip: true,
    });
  });
});
