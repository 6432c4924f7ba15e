import { Errno } from "@i386mm/hw-i386";
/*
 * elf-gen.ts — seeded generator of valid i386 ELF files, and of malformed ones made from them,
 * for the property tests of the ELF reader, the loader model and exec. Not a linker: it lays out
 * what the tests need (headers, PT_LOAD segments of random count, size, alignment, permissions
 * and bss, optional PT_INTERP, PT_GNU_STACK, PT_GNU_RELRO, PT_DYNAMIC with DT_NEEDED/DT_SONAME,
 * and a .symtab) with seeded random contents, so a test can check every byte exec maps.
 *
 * Invariants of a generated file (what "valid" means here): the first PT_LOAD starts at file
 * offset 0 and holds the ELF header, the program header table and the PT_INTERP string; PT_LOADs
 * ascend in p_vaddr without sharing a page; p_vaddr ≡ p_offset (mod 4096); p_filesz ≤ p_memsz;
 * everything ends below TASK_SIZE (ET_DYN: also when loaded at ELF_ET_DYN_BASE); the file holds
 * every segment's data. readElf finds no problem in it.
 *
 *   file:  | ehdr | phdrs | interp | seg0 data ... | seg1 data | ... | .symtab .strtab .shstrtab | shdrs |
 *   memory: seg0 [gap pages] seg1 [gap] ... each segment's data page offset = its file page offset
 */

import { PAGE_SIZE } from "@i386mm/hw-i386";
import {
  DT_NEEDED,
  DT_NULL,
  DT_SONAME,
  DT_STRSZ,
  DT_STRTAB,
  ELF32_EHDR_SIZE,
  ELF32_PHDR_SIZE,
  ELF32_SHDR_SIZE,
  ELF32_SYM_SIZE,
  type Elf32_Phdr,
  EM_386,
  ET_DYN,
  ET_EXEC,
  PF_R,
  PF_W,
  PF_X,
  PT_DYNAMIC,
  PT_GNU_RELRO,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  SHT_STRTAB,
  SHT_SYMTAB,
  STB_GLOBAL,
  STT_FUNC,
  STT_OBJECT,
} from "./elf.js";

/** mulberry32: a small seeded PRNG (uniform 32-bit steps), so a failing seed reproduces the file. */
export function elfRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Choices for {@link generateElf}; anything left out is drawn from the seed. */
export interface ElfGenOptions {
  readonly type?: typeof ET_EXEC | typeof ET_DYN;
  /** Number of PT_LOAD segments (1..8). */
  readonly loads?: number;
  /** PT_INTERP path, or null for none (default none). */
  readonly interp?: string | null;
  /** PT_GNU_STACK: "rw" (no exec), "rwx", or null for none. */
  readonly gnuStack?: "rw" | "rwx" | null;
  /** Emit PT_DYNAMIC with these DT_NEEDED names (and DT_SONAME when `soname` is set). */
  readonly needed?: readonly string[];
  readonly soname?: string | null;
  /** Emit PT_GNU_RELRO over the start of the first writable segment. */
  readonly relro?: boolean;
  /** p_flags of the last PT_LOAD (real executables end with their RW data segment); random if absent. */
  readonly lastFlags?: number;
  /** Largest p_filesz of a segment (default 48 KiB) and largest bss tail (default 256 KiB). */
  readonly maxFilesz?: number;
  readonly maxBss?: number;
}

/** A generated file and what it was made to contain. */
export interface GeneratedElf {
  readonly seed: number;
  readonly bytes: Uint8Array;
  readonly type: number;
  readonly phdrs: readonly Elf32_Phdr[];
  readonly loads: readonly Elf32_Phdr[];
  readonly entry: number;
  readonly interp: string | null;
  readonly needed: readonly string[];
  readonly soname: string | null;
  /** .symtab symbols (name → st_value). */
  readonly symbols: ReadonlyMap<string, number>;
}

const enc = new TextEncoder();

/**
 * A valid i386 ELF file drawn from `seed` (see the invariants above). Deterministic: the same
 * seed and options give the same bytes.
 */
export function generateElf(seed: number, options: ElfGenOptions = {}): GeneratedElf {
  const rnd = elfRng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

  const type = options.type ?? (rnd() < 0.5 ? ET_EXEC : ET_DYN);
  const nloads = options.loads ?? int(1, 6);
  const interp = options.interp ?? null;
  const gnuStack = options.gnuStack === undefined ? pick(["rw", "rwx", null] as const) : options.gnuStack;
  const needed = options.needed ?? [];
  const soname = options.soname ?? null;
  const dynamic = needed.length > 0 || soname !== null || (type === ET_DYN && options.needed !== undefined);
  const maxFilesz = options.maxFilesz ?? 48 * 1024;
  const maxBss = options.maxBss ?? 256 * 1024;

  /* String table of the dynamic section (in the last writable segment's data). */
  const dynStrings: number[] = [0];
  const dynStrOff = (s: string) => {
    const at = dynStrings.length;
    dynStrings.push(...enc.encode(s), 0);
    return at;
  };
  const neededOffs = needed.map(dynStrOff);
  const sonameOff = soname === null ? null : dynStrOff(soname);

  const extra = (interp ? 1 : 0) + (gnuStack ? 1 : 0) + (dynamic ? 1 : 0) + (options.relro ? 1 : 0);
  const phnum = nloads + extra;
  const headerEnd = ELF32_EHDR_SIZE + phnum * ELF32_PHDR_SIZE;
  const interpBytes = interp === null ? null : Uint8Array.of(...enc.encode(interp), 0);
  const interpOff = headerEnd;
  const fixedStart = interpOff + (interpBytes?.length ?? 0);

  const base = type === ET_EXEC ? pick([0x08048000, 0x00400000, 0x10000000, 0x00010000]) : 0;
  const flagChoices = [PF_R, PF_R | PF_X, PF_R | PF_W, PF_R | PF_W | PF_X, PF_R | PF_X, PF_R | PF_W];

  const loads: Elf32_Phdr[] = [];
  let fileCursor = 0;
  let memCursor = base;
  for (let i = 0; i < nloads; i++) {
    let flags = i === 0 ? pick([PF_R, PF_R | PF_X]) : pick(flagChoices);
    if (i === nloads - 1 && options.lastFlags !== undefined) flags = options.lastFlags;
    /* File offset: the first segment starts at 0; later ones at an arbitrary byte offset. */
    const offset = i === 0 ? 0 : fileCursor + int(0, 64);
    const minFile = i === 0 ? fixedStart + 1 : 1;
    let filesz = int(minFile, Math.max(minFile, maxFilesz));
    if (rnd() < 0.1 && i > 0) filesz = 0; /* a pure-bss segment */
    const bss = rnd() < 0.5 ? int(1, maxBss) : 0;
    const memsz = Math.max(filesz + bss, 1);
    const gap = int(0, 3) * PAGE_SIZE;
    const pageStart = Math.ceil(memCursor / PAGE_SIZE) * PAGE_SIZE + (i === 0 ? 0 : gap);
    const vaddr = pageStart + (offset % PAGE_SIZE);
    const align = pick([PAGE_SIZE, PAGE_SIZE, 0x2000, 0x10000]);
    loads.push({
      p_type: PT_LOAD,
      p_offset: offset,
      p_vaddr: vaddr,
      p_paddr: vaddr,
      p_filesz: filesz,
      p_memsz: memsz,
      p_flags: flags,
      p_align: align,
    });
    fileCursor = offset + filesz;
    memCursor = vaddr + memsz;
  }
  /* PT_DYNAMIC + its string table go at the end of the last segment with file data room. */
  let dynPh: Elf32_Phdr | null = null;
  let dynBytes: Uint8Array | null = null;
  if (dynamic) {
    const host = loads.length - 1;
    const h = loads[host];
    const entries: Array<[number, number]> = [];
    for (const off of neededOffs) entries.push([DT_NEEDED, off]);
    if (sonameOff !== null) entries.push([DT_SONAME, sonameOff]);
    const tableSize = (entries.length + 3) * 8;
    const dynOffset = h.p_offset + h.p_filesz;
    const dynVaddr = h.p_vaddr + h.p_filesz;
    const strVaddr = dynVaddr + tableSize;
    entries.push([DT_STRTAB, strVaddr], [DT_STRSZ, dynStrings.length], [DT_NULL, 0]);
    dynBytes = new Uint8Array(tableSize + dynStrings.length);
    const dv = new DataView(dynBytes.buffer);
    entries.forEach(([tag, val], k) => {
      dv.setUint32(k * 8, tag, true);
      dv.setUint32(k * 8 + 4, val, true);
    });
    dynBytes.set(dynStrings, tableSize);
    const grow = dynBytes.length;
    loads[host] = { ...h, p_filesz: h.p_filesz + grow, p_memsz: Math.max(h.p_memsz, h.p_filesz + grow) };
    dynPh = {
      p_type: PT_DYNAMIC,
      p_offset: dynOffset,
      p_vaddr: dynVaddr,
      p_paddr: dynVaddr,
      p_filesz: tableSize,
      p_memsz: tableSize,
      p_flags: PF_R | PF_W,
      p_align: 4,
    };
    fileCursor = Math.max(fileCursor, dynOffset + grow);
  }

  const phdrs: Elf32_Phdr[] = [...loads];
  if (interp !== null) {
    const n = interpBytes!.length;
    phdrs.unshift({
      p_type: PT_INTERP,
      p_offset: interpOff,
      p_vaddr: loads[0].p_vaddr + interpOff,
      p_paddr: loads[0].p_vaddr + interpOff,
      p_filesz: n,
      p_memsz: n,
      p_flags: PF_R,
      p_align: 1,
    });
  }
  if (dynPh) phdrs.push(dynPh);
  if (gnuStack)
    phdrs.push({
      p_type: PT_GNU_STACK,
      p_offset: 0,
      p_vaddr: 0,
      p_paddr: 0,
      p_filesz: 0,
      p_memsz: 0,
      p_flags: gnuStack === "rwx" ? PF_R | PF_W | PF_X : PF_R | PF_W,
      p_align: 16,
    });
  if (options.relro) {
    const w = loads.find((p) => p.p_flags & PF_W) ?? loads[loads.length - 1];
    const size = Math.min(w.p_memsz, int(1, 2 * PAGE_SIZE));
    phdrs.push({
      p_type: PT_GNU_RELRO,
      p_offset: w.p_offset,
      p_vaddr: w.p_vaddr,
      p_paddr: w.p_vaddr,
      p_filesz: Math.min(size, w.p_filesz),
      p_memsz: size,
      p_flags: PF_R,
      p_align: 1,
    });
  }

  /* Symbols: one function in the first executable segment (or the first), one object per writable segment. */
  const symbols = new Map<string, number>();
  const textSeg = loads.find((p) => p.p_flags & PF_X) ?? loads[0];
  const entry = textSeg.p_vaddr + Math.floor(rnd() * Math.max(1, textSeg.p_filesz));
  symbols.set("main", entry);
  loads.forEach((p, i) => {
    if (p.p_flags & PF_W) symbols.set(`object_${i}`, p.p_vaddr + Math.floor(rnd() * p.p_memsz));
  });

  /* Section data after the segments: .symtab, .strtab, .shstrtab, then the section headers. */
  const strtab: number[] = [0];
  const symEntries: Array<{ name: number; value: number; info: number; shndx: number }> = [];
  for (const [name, value] of symbols) {
    const at = strtab.length;
    strtab.push(...enc.encode(name), 0);
    symEntries.push({
      name: at,
      value,
      info: (STB_GLOBAL << 4) | (name === "main" ? STT_FUNC : STT_OBJECT),
      shndx: 0xfff1,
    });
  }
  const shstr: number[] = [0];
  const shname = (s: string) => {
    const at = shstr.length;
    shstr.push(...enc.encode(s), 0);
    return at;
  };
  const nSymtab = shname(".symtab");
  const nStrtab = shname(".strtab");
  const nShstr = shname(".shstrtab");
  const symOff = Math.ceil(fileCursor / 4) * 4;
  const symSize = (symEntries.length + 1) * ELF32_SYM_SIZE;
  const strOff = symOff + symSize;
  const shstrOff = strOff + strtab.length;
  const shOff = Math.ceil((shstrOff + shstr.length) / 4) * 4;
  const fileSize = shOff + 4 * ELF32_SHDR_SIZE;

  const bytes = new Uint8Array(fileSize);
  const v = new DataView(bytes.buffer);
  /* Segment contents: seeded bytes (the headers are written over the first segment's start below). */
  for (const p of loads) for (let k = 0; k < p.p_filesz; k++) bytes[p.p_offset + k] = Math.floor(rnd() * 256);
  if (dynPh && dynBytes) bytes.set(dynBytes, dynPh.p_offset);
  if (interpBytes) bytes.set(interpBytes, interpOff);

  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0], 0);
  bytes.fill(0, 8, 16);
  v.setUint16(16, type, true);
  v.setUint16(18, EM_386, true);
  v.setUint32(20, 1, true);
  v.setUint32(24, entry, true);
  v.setUint32(28, ELF32_EHDR_SIZE, true);
  v.setUint32(32, shOff, true);
  v.setUint32(36, 0, true);
  v.setUint16(40, ELF32_EHDR_SIZE, true);
  v.setUint16(42, ELF32_PHDR_SIZE, true);
  v.setUint16(44, phdrs.length, true);
  v.setUint16(46, ELF32_SHDR_SIZE, true);
  v.setUint16(48, 4, true);
  v.setUint16(50, 3, true);
  phdrs.forEach((p, i) => {
    writePhdr(v, ELF32_EHDR_SIZE + i * ELF32_PHDR_SIZE, p);
  });

  symEntries.forEach((s, i) => {
    const at = symOff + (i + 1) * ELF32_SYM_SIZE;
    v.setUint32(at, s.name, true);
    v.setUint32(at + 4, s.value, true);
    v.setUint32(at + 8, 4, true);
    v.setUint8(at + 12, s.info);
    v.setUint16(at + 14, s.shndx, true);
  });
  bytes.set(strtab, strOff);
  bytes.set(shstr, shstrOff);
  const shdr = (
    i: number,
    name: number,
    type: number,
    off: number,
    size: number,
    link: number,
    entsize: number,
  ) => {
    const at = shOff + i * ELF32_SHDR_SIZE;
    v.setUint32(at, name, true);
    v.setUint32(at + 4, type, true);
    v.setUint32(at + 16, off, true);
    v.setUint32(at + 20, size, true);
    v.setUint32(at + 24, link, true);
    v.setUint32(at + 28, 1, true);
    v.setUint32(at + 32, type === SHT_SYMTAB ? 4 : 1, true);
    v.setUint32(at + 36, entsize, true);
  };
  shdr(1, nSymtab, SHT_SYMTAB, symOff, symSize, 2, ELF32_SYM_SIZE);
  shdr(2, nStrtab, SHT_STRTAB, strOff, strtab.length, 0, 0);
  shdr(3, nShstr, SHT_STRTAB, shstrOff, shstr.length, 0, 0);

  return { seed, bytes, type, phdrs, loads, entry, interp, needed, soname, symbols };
}

/** Writes one Elf32_Phdr at `at`. */
export function writePhdr(v: DataView, at: number, p: Elf32_Phdr): void {
  v.setUint32(at, p.p_type, true);
  v.setUint32(at + 4, p.p_offset, true);
  v.setUint32(at + 8, p.p_vaddr, true);
  v.setUint32(at + 12, p.p_paddr, true);
  v.setUint32(at + 16, p.p_filesz, true);
  v.setUint32(at + 20, p.p_memsz, true);
  v.setUint32(at + 24, p.p_flags, true);
  v.setUint32(at + 28, p.p_align, true);
}

/* --------------------------------------------------------------------- malformed files ---- */

/** What exec must answer for a corrupted file. */
export interface ElfExpectation {
  readonly errno: number;
  readonly when: "refused" | "killed";
  readonly by: "kernel" | "model";
  /** A word the one-line reason must contain. */
  readonly mentions: string;
}

/** One way to break a valid file, and exec's answer to it. */
export interface ElfCorruption {
  readonly name: string;
  readonly expect: ElfExpectation;
  /** Returns the corrupted copy (never changes `g.bytes`). */
  readonly apply: (g: GeneratedElf) => Uint8Array;
}

function patched(g: GeneratedElf, f: (v: DataView, b: Uint8Array) => void): Uint8Array {
  const b = g.bytes.slice();
  f(new DataView(b.buffer), b);
  return b;
}
/** Index in the program header table of the `k`-th PT_LOAD. */
function loadIndex(g: GeneratedElf, k: number): number {
  let seen = -1;
  return g.phdrs.findIndex((p) => p.p_type === PT_LOAD && ++seen === k);
}
function patchLoad(g: GeneratedElf, k: number, change: Partial<Elf32_Phdr>): Uint8Array {
  const i = loadIndex(g, k);
  return patched(g, (v) => writePhdr(v, ELF32_EHDR_SIZE + i * ELF32_PHDR_SIZE, { ...g.phdrs[i], ...change }));
}

const K = (
  errno: number,
  mentions: string,
  when: "refused" | "killed" = "refused",
  by: "kernel" | "model" = "kernel",
) => ({ errno, mentions, when, by }) as const;

/**
 * The corruptions the malformed-file tests run over generated files: each breaks one thing and
 * names the answer 2.6.11 (or, where labelled, the model) gives.
 */
export const ELF_CORRUPTIONS: readonly ElfCorruption[] = [
  {
    name: "bad magic",
    expect: K(Errno.ENOEXEC, "magic"),
    apply: (g) => patched(g, (_v, b) => void (b[1] = 0x45 ^ 0x20)),
  },
  {
    name: "64-bit class",
    expect: K(Errno.ENOEXEC, "ELFCLASS64", "refused", "model"),
    apply: (g) => patched(g, (_v, b) => void (b[4] = 2)),
  },
  {
    name: "big-endian",
    expect: K(Errno.ENOEXEC, "EI_DATA", "refused", "model"),
    apply: (g) => patched(g, (_v, b) => void (b[5] = 2)),
  },
  {
    name: "x86-64 machine",
    expect: K(Errno.ENOEXEC, "e_machine"),
    apply: (g) => patched(g, (v) => v.setUint16(18, 62, true)),
  },
  {
    name: "relocatable object",
    expect: K(Errno.ENOEXEC, "ET_REL"),
    apply: (g) => patched(g, (v) => v.setUint16(16, 1, true)),
  },
  {
    name: "core file",
    expect: K(Errno.ENOEXEC, "ET_CORE"),
    apply: (g) => patched(g, (v) => v.setUint16(16, 4, true)),
  },
  {
    name: "phentsize 56",
    expect: K(Errno.ENOEXEC, "e_phentsize"),
    apply: (g) => patched(g, (v) => v.setUint16(42, 56, true)),
  },
  {
    name: "no program headers",
    expect: K(Errno.ENOEXEC, "e_phnum"),
    apply: (g) => patched(g, (v) => v.setUint16(44, 0, true)),
  },
  {
    name: "too many program headers",
    expect: K(Errno.ENOEXEC, "e_phnum"),
    apply: (g) => patched(g, (v) => v.setUint16(44, 2049, true)),
  },
  {
    name: "program headers truncated",
    expect: K(Errno.EIO, "truncated"),
    apply: (g) => patched(g, (v, b) => v.setUint32(28, b.length - 16, true)),
  },
  {
    name: "p_filesz > p_memsz",
    expect: K(0, "p_filesz", "killed"),
    apply: (g) => patchLoad(g, 0, { p_memsz: g.loads[0].p_filesz - 1 }),
  },
  {
    name: "segment past TASK_SIZE",
    expect: K(0, "TASK_SIZE", "killed"),
    apply: (g) => patchLoad(g, g.loads.length - 1, { p_memsz: 0xc0000000 }),
  },
  {
    name: "offset not congruent to vaddr",
    expect: K(Errno.EINVAL, "page-aligned", "killed"),
    apply: (g) => patchLoad(g, 0, { p_vaddr: g.loads[0].p_vaddr + 8, p_paddr: g.loads[0].p_vaddr + 8 }),
  },
  {
    name: "overlapping segments",
    expect: K(Errno.ENOEXEC, "overlap", "refused", "model"),
    apply: (g) => {
      /* Needs two segments: the first grows over the second's start (in bss, no file data change). */
      const a = g.loads[0];
      const b = g.loads[1] ?? a;
      return patchLoad(g, 0, { p_memsz: b.p_vaddr + b.p_memsz - a.p_vaddr + PAGE_SIZE });
    },
  },
  {
    name: "segment data past end of file",
    expect: K(Errno.ENOEXEC, "end of the file", "refused", "model"),
    apply: (g) => {
      const k = g.loads.length - 1;
      const p = g.loads[k];
      const filesz = g.bytes.length - p.p_offset + 1;
      return patchLoad(g, k, { p_filesz: filesz, p_memsz: Math.max(p.p_memsz, filesz) });
    },
  },
];

/** The interpreter corruptions need a PT_INTERP: applied to files generated with `interp` set. */
export const ELF_INTERP_CORRUPTIONS: readonly ElfCorruption[] = [
  {
    name: "PT_INTERP not NUL-terminated",
    expect: K(Errno.ENOEXEC, "NUL"),
    apply: (g) => patched(g, (_v, b) => void (b[g.phdrs[0].p_offset + g.phdrs[0].p_filesz - 1] = 0x41)),
  },
  {
    name: "PT_INTERP longer than PATH_MAX",
    expect: K(Errno.ENOEXEC, "PATH_MAX"),
    apply: (g) => patched(g, (v) => writePhdr(v, ELF32_EHDR_SIZE, { ...g.phdrs[0], p_filesz: 4097 })),
  },
  {
    name: "PT_INTERP of one byte",
    expect: K(Errno.ENOEXEC, "PATH_MAX"),
    apply: (g) => patched(g, (v) => writePhdr(v, ELF32_EHDR_SIZE, { ...g.phdrs[0], p_filesz: 1 })),
  },
  {
    name: "PT_INTERP past end of file",
    expect: K(Errno.EIO, "truncated"),
    apply: (g) =>
      patched(g, (v, b) => writePhdr(v, ELF32_EHDR_SIZE, { ...g.phdrs[0], p_offset: b.length - 4 })),
  },
];
