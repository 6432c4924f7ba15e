// The model's memorylayout runs against the real 6.1 kernel's (fixtures/elf/oracle, 128 MiB 686
// boot): the same kind of program in the flexible (a), classic (b) and unlimited-stack (c)
// settings, for the static, static-pie and dynamic builds. The oracle's own binary differs from
// ours, so what is compared is regions, permissions, offsets and the layout rules; every place the
// numbers differ is a difference between 2.6.11 and 6.1 the package README tables, checked here.
import { describe, expect, it } from "vitest";
import { ELF_ET_DYN_BASE, readElf } from "../src/elf.js";
import {
  layoutRegions,
  type MapsLine,
  type MemorylayoutReport,
  parseMapsLine,
  parseMemorylayoutLog,
} from "../src/elf-memorylayout.js";
import { memorylayout_from_host, memorylayout_side_by_side } from "../src/elf-run.js";
import { checkVmaInvariants } from "../src/invariants.js";
import { bootExec, fixture, fixtureText } from "./elf-helpers.js";

const oracle = parseMemorylayoutLog(fixtureText("oracle/686-128M.memorylayout.log"));
const SETTINGS = {
  a: { name: "a-norand-flexible", legacy_va_layout: 0, stack: 8 << 20 },
  b: { name: "b-norand-legacy-sysctl", legacy_va_layout: 1, stack: 8 << 20 },
  c: { name: "c-norand-stack-unlimited", legacy_va_layout: 0, stack: "unlimited" },
} as const;
type Build = "static" | "staticpie" | "dynamic";

function run(build: Build, s: keyof typeof SETTINGS): MemorylayoutReport {
  const { vm } = bootExec();
  const set = SETTINGS[s];
  const r = memorylayout_from_host(vm, {}, `/memorylayout-${build}`, {
    legacy_va_layout: set.legacy_va_layout,
    stack: set.stack,
  });
  expect(r.error).toBeNull();
  checkVmaInvariants(vm);
  return r.report;
}
const real = (build: Build, s: keyof typeof SETTINGS) =>
  oracle.get(`memorylayout-${SETTINGS[s].name}-${build}`)!;
const v = (r: MemorylayoutReport, n: string) => r.values.get(n) as number;
const lines = (r: MemorylayoutReport, path: string): MapsLine[] =>
  r.maps.map(parseMapsLine).filter((l) => l.path === path);
/** A file's mappings relative to its first one: [start offset, length, perms, file offset]. */
const shape = (ls: MapsLine[]) => ls.map((l) => [l.start - ls[0].start, l.end - l.start, l.perms, l.offset]);
/** Permissions and file offsets only (for our executables, whose sizes differ a little from the oracle's). */
const kinds = (ls: MapsLine[]) => ls.map((l) => [l.perms, l.offset]);
const MMAPS = ["mmap_malloc_1MiB", "mmap_anon_4KiB", "mmap_anon_4KiB_second", "mmap_anon_64MiB_noreserve"];
/** 6.1 maps [vvar] (4 pages) and [vdso] (2) in the mmap area before the program's own mappings. */
const VDSO_AREA = 0x6000;

const runs = new Map<string, MemorylayoutReport>();
const model = (build: Build, s: keyof typeof SETTINGS) => {
  const k = `${build}/${s}`;
  if (!runs.has(k)) runs.set(k, run(build, s));
  return runs.get(k)!;
};

describe("static (ET_EXEC at 0x08048000)", () => {
  it("the executable's mappings are the oracle's, line for line (after RELRO's mprotect)", () => {
    for (const s of ["a", "b", "c"] as const) {
      const m = lines(model("static", s), "/memorylayout-static").map((l) => [
        l.start,
        l.end,
        l.perms,
        l.offset,
      ]);
      const o = lines(real("static", s), "/memorylayout-static").map((l) => [
        l.start,
        l.end,
        l.perms,
        l.offset,
      ]);
      expect(m, s).toEqual(o);
    }
  });

  it("flexible: every mmap sits where 6.1 put it plus the 6 pages of its [vvar]/[vdso]; classic: minus them", () => {
    for (const n of MMAPS) {
      expect(v(model("static", "a"), n), n).toBe(v(real("static", "a"), n) + VDSO_AREA);
      expect(v(model("static", "b"), n), n).toBe(v(real("static", "b"), n) - VDSO_AREA);
    }
    expect(v(model("static", "a"), "mmap_malloc_1MiB")).toBe(0xb8000000 - 0x101000 + 0x10); // just below mmap_base
    expect(v(model("static", "b"), "mmap_malloc_1MiB")).toBe(0x40000000 + 0x10); // TASK_UNMAPPED_BASE
  });

  it("unlimited stack: 2.6.11 switches to the classic layout (6.1 stays flexible with mmap_base 0x20000000)", () => {
    expect(model("static", "c").maps).toEqual(model("static", "b").maps);
    expect(v(real("static", "c"), "mmap_malloc_1MiB")).toBe(0x20000000 - VDSO_AREA - 0x101000 + 0x10);
  });

  it("the heap: the same 0x22000 bytes of break above the bss (TLS block + malloc's first heap), one VMA in 2.6.11", () => {
    // The model's break starts at PAGE_ALIGN(end of bss) (set_brk); 6.1's second [heap] line starts there.
    const data = readElf(fixture("memorylayout-static")).loads.at(-1)!.phdr;
    const start_brk = Math.ceil((data.p_vaddr + data.p_memsz) / 4096) * 4096;
    expect(v(model("static", "a"), "brk_after_malloc16") - start_brk).toBe(0x22000);
    const heaps = real("static", "a")
      .maps.filter((l) => l.endsWith("[heap]"))
      .map(parseMapsLine);
    expect(v(real("static", "a"), "brk_after_malloc16") - heaps[1].start).toBe(0x22000);
    // 6.1 shows the bss's brk VMA and the heap as two [heap] lines; 2.6.11 merges them (vma_merge in do_brk).
    expect(real("static", "a").maps.filter((l) => l.endsWith("[heap]")).length).toBe(2);
    expect(
      model("static", "a").maps.filter((l) =>
        l.startsWith(`080ee000-${(start_brk + 0x22000).toString(16).padStart(8, "0")} rw-p`),
      ).length,
    ).toBe(1);
  });

  it("the stack and the vsyscall page: 2.6.11's 21-page stack VMA and its gate line, 6.1's 33 pages and [vdso]", () => {
    const m = model("static", "a");
    expect(m.maps.filter((l) => l.startsWith("bffeb000-c0000000 rw-p"))).toHaveLength(1);
    expect(m.maps.at(-1)).toBe("ffffe000-fffff000 ---p 00000000 00:00 0 ");
    expect(v(m, "vdso_AT_SYSINFO_EHDR")).toBe(0xffffe000);
    expect(real("static", "a").maps).toContain("bffdf000-c0000000 rw-p 00000000 00:00 0          [stack]");
    expect(v(m, "stack_argv")).toBeLessThan(0xc0000000);
    expect(v(m, "stack_argv0_string")).toBeGreaterThan(v(m, "stack_argv"));
  });
});

describe("static-pie (ET_DYN without interpreter)", () => {
  it("2.6.11 loads it at ELF_ET_DYN_BASE with the break right after it; 6.1 in the mmap area with the break at 4 MiB", () => {
    const m = model("staticpie", "a");
    const o = real("staticpie", "a");
    const ml = lines(m, "/memorylayout-staticpie");
    expect(ml[0].start).toBe(ELF_ET_DYN_BASE);
    expect(kinds(ml)).toEqual(kinds(lines(o, "/memorylayout-staticpie")));
    expect(v(m, "brk_after_malloc16")).toBeGreaterThan(ml.at(-1)!.end);
    expect(v(o, "brk_initial_sbrk0")).toBe(0x00422000);
    expect(lines(o, "/memorylayout-staticpie")[0].start).toBe(0xb7f51000);
    // Its mmaps: the first mappings of the area in 2.6.11 (nothing else is there).
    expect(v(m, "mmap_malloc_1MiB")).toBe(0xb8000000 - 0x101000 + 0x10);
    expect(v(model("staticpie", "b"), "mmap_malloc_1MiB")).toBe(0x40000000 + 0x10);
  });
});

describe("dynamic (PIE + ld-linux.so.2 + libc.so.6)", () => {
  it("libc's five mappings have the oracle's shape; ld.so's too", () => {
    for (const s of ["a", "b"] as const)
      for (const p of ["/lib/i386-linux-gnu/libc.so.6", "/lib/ld-linux.so.2"])
        expect(shape(lines(model("dynamic", s), p)), `${s} ${p}`).toEqual(
          shape(lines(real("dynamic", s), p)),
        );
  });

  it("classic: ld.so at 0x40000000 exactly as in 6.1; libc, rtld's 8 KiB and the mmaps 6 pages lower (no vDSO VMA)", () => {
    const m = model("dynamic", "b");
    const o = real("dynamic", "b");
    expect(lines(m, "/lib/ld-linux.so.2").map((l) => l.start)).toEqual(
      lines(o, "/lib/ld-linux.so.2").map((l) => l.start),
    );
    expect(lines(m, "/lib/i386-linux-gnu/libc.so.6")[0].start).toBe(
      lines(o, "/lib/i386-linux-gnu/libc.so.6")[0].start - VDSO_AREA,
    );
    for (const n of MMAPS) expect(v(m, n), n).toBe(v(o, n) - VDSO_AREA);
  });

  it("flexible: 2.6.11 asks for ld.so's first segment only, so the rest lands above mmap_base; libc right below it", () => {
    const m = model("dynamic", "a");
    const ld = lines(m, "/lib/ld-linux.so.2");
    expect(ld[0].start).toBe(0xb7fff000);
    expect(ld[1].start).toBe(0xb8000000);
    const libc = lines(m, "/lib/i386-linux-gnu/libc.so.6");
    expect(libc[0].start).toBe(0xb7fff000 - 0x2000 - 0x228000); // below rtld's 8 KiB
    const o = real("dynamic", "a");
    expect(lines(o, "/lib/ld-linux.so.2").at(-1)!.end).toBe(0xb8000000); // 6.1: the whole span below mmap_base
    expect(lines(o, "/lib/i386-linux-gnu/libc.so.6")[0].start).toBe(0xb7d9b000);
  });

  it("the PIE at ELF_ET_DYN_BASE (6.1: 4 MiB); the heap and the small malloc as in 6.1 relative to the break", () => {
    const m = model("dynamic", "a");
    const o = real("dynamic", "a");
    expect(lines(m, "/memorylayout-dynamic")[0].start).toBe(0x80000000);
    expect(lines(o, "/memorylayout-dynamic")[0].start).toBe(0x00400000);
    expect(shape(lines(m, "/memorylayout-dynamic"))).toEqual(shape(lines(o, "/memorylayout-dynamic")));
    for (const r of [m, o]) {
      expect(v(r, "heap_malloc16") - v(r, "brk_initial_sbrk0")).toBe(0x1a0);
      expect(v(r, "brk_after_malloc16") - v(r, "brk_initial_sbrk0")).toBe(0x22000);
    }
  });
});

describe("the seed's table from the model's runs", () => {
  it("classic and flexible side by side for the static build", () => {
    const { vm } = bootExec();
    const t = memorylayout_side_by_side(vm, "/memorylayout-static");
    expect(layoutRegions(t.classic, "/memorylayout-static").mmaps).toMatch(
      /^growing up: 1 MiB malloc 0x40000010/,
    );
    expect(layoutRegions(t.flexible, "/memorylayout-static").mmaps).toMatch(
      /^growing down: 1 MiB malloc 0xb7eff010/,
    );
    expect(t.table).toContain(
      "| Text segment (ELF) | Start from 0x08048000: 0x08049000-0x080b7000 (main 0x08049570) |",
    );
    expect(t.table).toContain("0xbffeb000-0xc0000000");
    checkVmaInvariants(vm);
  });
});
