/*
 * elf-ld-so.ts — the mapping part of glibc's dynamic loader (ld-linux.so.2, glibc 2.36 as Debian
 * 12 ships it), as the system calls it makes: elf/dl-load.c (open_verify's header checks,
 * _dl_map_object_from_fd's load commands), elf/dl-map-segments.h (_dl_map_segment,
 * _dl_map_segments) and elf/dl-reloc.c (_dl_protect_relro). The model does not run x86 code: this
 * is what ld.so asks the kernel for, step by step, so the model's mm can play it.
 *
 * Every call goes through a {@link DlSyscalls} the caller supplies (the model's sys_mmap2,
 * sys_mprotect, sys_munmap and a user-memory writer) and is appended to a trace of
 * {@link DlCall}s with its result. Addresses come from the kernel's answers, so the same library
 * lands where the model's get_unmapped_area puts it, as in a real process.
 *
 * Invariants: a library's loadcmds are in p_vaddr order and page-congruent (refused otherwise, as
 * glibc refuses); the reservation mmap covers [l_map_start, l_map_start + maplength); every later
 * mmap is MAP_FIXED inside it.
 *
 *   reserve (1 mmap, first segment's prot, whole span)       then per later segment: MAP_FIXED file map
 *   | seg0 file | seg1 file ........ | seg2 file | bss ... |   last page's tail zeroed (memset),
 *   l_map_start                                      l_map_end   rest of bss: MAP_FIXED|MAP_ANONYMOUS
 */

import { PAGE_SIZE } from "@i386mm/hw-i386";
import {
  EI_CLASS,
  EI_DATA,
  EI_OSABI,
  EI_VERSION,
  ELF32_PHDR_SIZE,
  ELFCLASS32,
  ELFDATA2LSB,
  ELFMAG,
  type ElfFile,
  EM_386,
  EM_486,
  ET_DYN,
  ET_EXEC,
  EV_CURRENT,
  elf_prot,
  PT_DYNAMIC,
} from "./elf.js";

/* include/asm-i386/mman.h values glibc passes (the same numbers as packages/vma's mmap constants). */
const PROT_NONE = 0;
const PROT_WRITE = 2;
const MAP_PRIVATE = 0x02;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_DENYWRITE = 0x0800;
/** glibc's MAP_COPY on Linux: MAP_PRIVATE | MAP_DENYWRITE (the kernel's do_mmap2 drops MAP_DENYWRITE). */
export const MAP_COPY = MAP_PRIVATE | MAP_DENYWRITE;

/** What the loader model needs from the kernel. Results are addresses or negative errno values. */
export interface DlSyscalls {
  /** sys_mmap2 with a byte offset (page-aligned); `fd` is -1 for anonymous memory. */
  mmap(addr: number, length: number, prot: number, flags: number, fd: number, offset: number): number;
  mprotect(addr: number, length: number, prot: number): number;
  munmap(addr: number, length: number): number;
  /** Stores `length` zero bytes at user address `addr` (memset in ld.so: may fault pages in). */
  memset(addr: number, length: number): void;
}

/** One call the loader made, with its result (the trace to replay or print, strace-style). */
export type DlCall =
  | {
      readonly call: "mmap2";
      readonly addr: number;
      readonly length: number;
      readonly prot: number;
      readonly flags: number;
      readonly fd: number;
      readonly offset: number;
      readonly result: number;
    }
  | {
      readonly call: "mprotect";
      readonly addr: number;
      readonly length: number;
      readonly prot: number;
      readonly result: number;
    }
  | { readonly call: "munmap"; readonly addr: number; readonly length: number; readonly result: number }
  | { readonly call: "memset"; readonly addr: number; readonly length: number };

/** Prints a call the way `strace`/`qemu-i386 -strace` do (mmap2's offset in pages). */
export function formatDlCall(c: DlCall): string {
  const h = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
  const r = (v: number) => (v < 0 ? `-1 errno=${-v}` : v > 0xffff ? h(v) : String(v));
  switch (c.call) {
    case "mmap2":
      return `mmap2(${c.addr ? h(c.addr) : "NULL"},${c.length},${protNames(c.prot)},${mapNames(c.flags)},${c.fd},${
        c.offset ? `0x${(c.offset / PAGE_SIZE).toString(16)}` : "0"
      }) = ${r(c.result)}`;
    case "mprotect":
      return `mprotect(${h(c.addr)},${c.length},${protNames(c.prot)}) = ${r(c.result)}`;
    case "munmap":
      return `munmap(${h(c.addr)},${c.length}) = ${r(c.result)}`;
    case "memset":
      return `memset(${h(c.addr)},0,${c.length})`;
  }
}

function protNames(prot: number): string {
  const n = [prot & 4 ? "PROT_EXEC" : "", prot & 1 ? "PROT_READ" : "", prot & 2 ? "PROT_WRITE" : ""].filter(
    Boolean,
  );
  return n.length ? n.join("|") : "PROT_NONE";
}
function mapNames(flags: number): string {
  /* qemu-i386's order of the flag names. */
  const names: Array<[number, string]> = [
    [0x01, "MAP_SHARED"],
    [MAP_PRIVATE, "MAP_PRIVATE"],
    [MAP_ANONYMOUS, "MAP_ANONYMOUS"],
    [MAP_DENYWRITE, "MAP_DENYWRITE"],
    [MAP_FIXED, "MAP_FIXED"],
    [0x0100, "MAP_GROWSDOWN"],
    [0x1000, "MAP_EXECUTABLE"],
    [0x2000, "MAP_LOCKED"],
    [0x4000, "MAP_NORESERVE"],
    [0x8000, "MAP_POPULATE"],
  ];
  return names
    .filter(([bit]) => flags & bit)
    .map(([, n]) => n)
    .join("|");
}

/** A call log around a {@link DlSyscalls}: every call is forwarded and recorded. */
export class DlTrace implements DlSyscalls {
  readonly calls: DlCall[] = [];
  constructor(private readonly sys: DlSyscalls) {}
  mmap(addr: number, length: number, prot: number, flags: number, fd: number, offset: number): number {
    const result = this.sys.mmap(addr, length, prot, flags, fd, offset);
    this.calls.push({ call: "mmap2", addr, length, prot, flags, fd, offset, result });
    return result;
  }
  mprotect(addr: number, length: number, prot: number): number {
    const result = this.sys.mprotect(addr, length, prot);
    this.calls.push({ call: "mprotect", addr, length, prot, result });
    return result;
  }
  munmap(addr: number, length: number): number {
    const result = this.sys.munmap(addr, length);
    this.calls.push({ call: "munmap", addr, length, result });
    return result;
  }
  memset(addr: number, length: number): void {
    this.sys.memset(addr, length);
    this.calls.push({ call: "memset", addr, length });
  }
}

/* --------------------------------------------------------------------- elf/dl-load.c ---- */

/** glibc's struct loadcmd: one PT_LOAD, page-rounded. */
export interface LoadCmd {
  /** ALIGN_DOWN(p_vaddr, pagesize). */
  readonly mapstart: number;
  /** ALIGN_UP(p_vaddr + p_filesz, pagesize). */
  readonly mapend: number;
  /** p_vaddr + p_filesz. */
  readonly dataend: number;
  /** p_vaddr + p_memsz. */
  readonly allocend: number;
  /** The largest power-of-two p_align of all PT_LOADs (glibc ≥ 2.35 aligns the whole object to it). */
  readonly mapalign: number;
  /** ALIGN_DOWN(p_offset, pagesize). */
  readonly mapoff: number;
  readonly prot: number;
}

/** What _dl_map_object_from_fd derives from the program headers before mapping anything. */
export interface DlObjectLayout {
  readonly type: number;
  readonly loadcmds: readonly LoadCmd[];
  /** loadcmds[last].allocend - loadcmds[0].mapstart. */
  readonly maplength: number;
  /** Some segment does not start on the page where the previous one's file data ends. */
  readonly has_holes: boolean;
  /** PT_GNU_RELRO (unbiased), or null. */
  readonly relro: { readonly vaddr: number; readonly memsz: number } | null;
}

/** A refusal by the loader: glibc's own message (what ld.so prints after "error while loading shared libraries: NAME: "). */
export interface DlError {
  readonly errstring: string;
  /** glibc source of the check. */
  readonly where: string;
}

function isDlError(x: unknown): x is DlError {
  return typeof x === "object" && x !== null && "errstring" in x;
}

function alignDown(v: number, a: number): number {
  return v - (v % a);
}
function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

/**
 * open_verify's header checks (elf/dl-load.c), in its order, with glibc's messages. A file for
 * another class or machine is not an error there (the search goes on to the next directory):
 * those come back with `skip: true`.
 */
export function dl_open_verify(file: ElfFile): (DlError & { readonly skip?: boolean }) | null {
  const where = "glibc elf/dl-load.c: open_verify";
  const id = file.ehdr.e_ident;
  if (file.size < 52) return { errstring: "file too short", where };
  if (!ELFMAG.every((m, i) => id[i] === m)) return { errstring: "invalid ELF header", where };
  if (id[EI_CLASS] !== ELFCLASS32)
    return {
      errstring: `wrong ELF class: ELFCLASS${id[EI_CLASS] === 2 ? 64 : id[EI_CLASS]}`,
      where,
      skip: true,
    };
  if (id[EI_DATA] !== ELFDATA2LSB) return { errstring: "ELF file data encoding not little-endian", where };
  if (id[EI_VERSION] !== EV_CURRENT)
    return { errstring: "ELF file version ident does not match current one", where };
  /* VALID_ELF_OSABI on Linux: ELFOSABI_SYSV (0) or ELFOSABI_GNU (3). */
  if (id[EI_OSABI] !== 0 && id[EI_OSABI] !== 3) return { errstring: "ELF file OS ABI invalid", where };
  if (file.ehdr.e_version !== EV_CURRENT)
    return { errstring: "ELF file version does not match current one", where };
  if (file.ehdr.e_machine !== EM_386 && file.ehdr.e_machine !== EM_486)
    return {
      errstring: `machine ${file.ehdr.e_machine} is not i386 (elf_machine_matches_host)`,
      where,
      skip: true,
    };
  if (file.ehdr.e_type !== ET_DYN && file.ehdr.e_type !== ET_EXEC)
    return { errstring: "only ET_DYN and ET_EXEC can be loaded", where };
  if (file.ehdr.e_phentsize !== ELF32_PHDR_SIZE)
    return { errstring: "ELF file's phentsize not the expected size", where };
  if (file.phdrs.length !== file.ehdr.e_phnum) return { errstring: "cannot read file data", where };
  return null;
}

/**
 * _dl_map_object_from_fd's scan of the program headers: one loadcmd per PT_LOAD, has_holes,
 * maplength and the RELRO range, refusing what glibc refuses ("ELF load command address/offset not
 * page-aligned", "object file has no loadable segments", "cannot dynamically load executable",
 * "object file has no dynamic section").
 */
export function dl_object_layout(
  file: ElfFile,
  options: { mainProgram?: boolean } = {},
): DlObjectLayout | DlError {
  const where = "glibc elf/dl-load.c: _dl_map_object_from_fd";
  const raw: Omit<LoadCmd, "mapalign">[] = [];
  let alignMax = 0;
  let has_holes = false;
  for (const { phdr: ph } of file.loads) {
    if ((ph.p_vaddr - ph.p_offset) % PAGE_SIZE !== 0)
      return { errstring: "ELF load command address/offset not page-aligned", where };
    const c = {
      mapstart: alignDown(ph.p_vaddr, PAGE_SIZE),
      mapend: alignUp(ph.p_vaddr + ph.p_filesz, PAGE_SIZE),
      dataend: ph.p_vaddr + ph.p_filesz,
      allocend: ph.p_vaddr + ph.p_memsz,
      mapoff: alignDown(ph.p_offset, PAGE_SIZE),
      prot: elf_prot(ph.p_flags),
    };
    const prev = raw[raw.length - 1];
    if (prev && prev.mapend !== c.mapstart) has_holes = true;
    if (ph.p_align > alignMax && (ph.p_align & (ph.p_align - 1)) === 0) alignMax = ph.p_align;
    raw.push(c);
  }
  if (raw.length === 0) return { errstring: "object file has no loadable segments", where };
  if (file.ehdr.e_type !== ET_DYN && !options.mainProgram)
    return { errstring: "cannot dynamically load executable", where };
  const dyn = file.phdrs.find((p) => p.p_type === PT_DYNAMIC);
  if ((file.ehdr.e_type === ET_DYN && !dyn) || (dyn && dyn.p_filesz === 0))
    return { errstring: "object file has no dynamic section", where };
  const loadcmds = raw.map((c) => ({ ...c, mapalign: alignMax }));
  return {
    type: file.ehdr.e_type,
    loadcmds,
    maplength: loadcmds[loadcmds.length - 1].allocend - loadcmds[0].mapstart,
    has_holes,
    relro: file.relro,
  };
}

/* ------------------------------------------------------------ elf/dl-map-segments.h ---- */

/** Where a mapped object ended up (struct link_map's l_addr, l_map_start, l_map_end). */
export interface DlMapped {
  /** Load bias: run-time address minus link-time address. */
  readonly l_addr: number;
  readonly l_map_start: number;
  readonly l_map_end: number;
}

/**
 * _dl_map_segment: the reservation. With mapalign ≤ pagesize one mmap of the whole span with the
 * first segment's protection and file offset; with a larger alignment, a PROT_NONE anonymous
 * over-allocation, the aligned MAP_FIXED file mapping inside it, and munmaps of the two ends.
 */
function _dl_map_segment(
  c: LoadCmd,
  mappref: number,
  maplength: number,
  fd: number,
  sys: DlSyscalls,
): number {
  if (c.mapalign <= PAGE_SIZE) return sys.mmap(mappref, maplength, c.prot, MAP_COPY, fd, c.mapoff);
  const maplen = maplength >= c.mapalign ? maplength + c.mapalign : 2 * c.mapalign;
  const map_start = sys.mmap(mappref, maplen, PROT_NONE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (map_start < 0) return map_start;
  const aligned = sys.mmap(
    alignUp(map_start, c.mapalign),
    maplength,
    c.prot,
    MAP_COPY | MAP_FIXED,
    fd,
    c.mapoff,
  );
  if (aligned < 0) {
    sys.munmap(map_start, maplen);
    return aligned;
  }
  if (aligned - map_start) sys.munmap(map_start, aligned - map_start);
  const map_end = alignUp(aligned + maplength, PAGE_SIZE);
  if (map_start + maplen - map_end) sys.munmap(map_end, map_start + maplen - map_end);
  return aligned;
}

/**
 * _dl_map_segments: reserve the whole span (ET_DYN: anywhere the kernel likes, preferring
 * `mappref`; ET_EXEC: each segment at its own address), PROT_NONE over the holes, then per
 * segment a MAP_FIXED file mapping (the first is already in place), the zeroed tail of the last
 * file page (made writable for the memset if the segment is not) and MAP_ANONYMOUS pages for the
 * rest of the bss. Returns where the object went, or glibc's error.
 */
export function _dl_map_segments(
  layout: DlObjectLayout,
  fd: number,
  sys: DlSyscalls,
  mappref = 0,
): DlMapped | DlError {
  const where = "glibc elf/dl-map-segments.h: _dl_map_segments";
  const cmds = layout.loadcmds;
  let l_addr = 0;
  let l_map_start: number;
  let i = 0;
  if (layout.type === ET_DYN) {
    l_map_start = _dl_map_segment(cmds[0], mappref, layout.maplength, fd, sys);
    if (l_map_start < 0) return { errstring: "failed to map segment from shared object", where };
    l_addr = l_map_start - cmds[0].mapstart;
    if (layout.has_holes) {
      const c = cmds[0];
      const r = sys.mprotect(l_addr + c.mapend, cmds[cmds.length - 1].mapstart - c.mapend, PROT_NONE);
      if (r < 0) return { errstring: "cannot change memory protections", where };
    }
  } else {
    l_map_start = cmds[0].mapstart;
  }
  for (; i < cmds.length; i++) {
    const c = cmds[i];
    const mapped = layout.type === ET_DYN && i === 0;
    if (!mapped && c.mapend > c.mapstart) {
      const r = sys.mmap(
        l_addr + c.mapstart,
        c.mapend - c.mapstart,
        c.prot,
        MAP_FIXED | MAP_COPY,
        fd,
        c.mapoff,
      );
      if (r < 0) return { errstring: "failed to map segment from shared object", where };
    }
    if (c.allocend > c.dataend) {
      const zero = l_addr + c.dataend;
      const zeroend = l_addr + c.allocend;
      let zeropage = alignUp(zero, PAGE_SIZE);
      if (zeroend < zeropage) zeropage = zeroend;
      if (zeropage > zero) {
        const page = alignDown(zero, PAGE_SIZE);
        if (!(c.prot & PROT_WRITE) && sys.mprotect(page, PAGE_SIZE, c.prot | PROT_WRITE) < 0)
          return { errstring: "cannot change memory protections", where };
        sys.memset(zero, zeropage - zero);
        if (!(c.prot & PROT_WRITE)) sys.mprotect(page, PAGE_SIZE, c.prot);
      }
      if (zeroend > zeropage) {
        const r = sys.mmap(
          zeropage,
          zeroend - zeropage,
          c.prot,
          MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED,
          -1,
          0,
        );
        if (r < 0) return { errstring: "cannot map zero-fill pages", where };
      }
    }
  }
  return { l_addr, l_map_start, l_map_end: l_map_start + layout.maplength };
}

/* ------------------------------------------------------------------- elf/dl-reloc.c ---- */

/**
 * _dl_protect_relro: after relocation, PROT_READ on the whole pages of PT_GNU_RELRO
 * [ALIGN_DOWN(l_addr + vaddr), ALIGN_DOWN(l_addr + vaddr + memsz)); nothing if that is empty.
 * Returns null or glibc's error.
 */
export function _dl_protect_relro(
  l_addr: number,
  relro: { readonly vaddr: number; readonly memsz: number } | null,
  sys: DlSyscalls,
): DlError | null {
  if (!relro) return null;
  const start = alignDown(l_addr + relro.vaddr, PAGE_SIZE);
  const end = alignDown(l_addr + relro.vaddr + relro.memsz, PAGE_SIZE);
  if (start !== end && sys.mprotect(start, end - start, 1) < 0)
    return {
      errstring: "cannot apply additional memory protection after relocation",
      where: "glibc elf/dl-reloc.c: _dl_protect_relro",
    };
  return null;
}

/**
 * The mapping half of _dl_map_object for one library file already found and opened as `fd`:
 * open_verify's checks, the load commands, _dl_map_segments. (RELRO is protected later, after
 * relocation: call {@link _dl_protect_relro} with the returned l_addr.)
 */
export function _dl_map_object_from_file(
  file: ElfFile,
  fd: number,
  sys: DlSyscalls,
  mappref = 0,
): (DlMapped & { readonly layout: DlObjectLayout }) | DlError {
  const bad = dl_open_verify(file);
  if (bad) return bad;
  const layout = dl_object_layout(file);
  if (isDlError(layout)) return layout;
  const mapped = _dl_map_segments(layout, fd, sys, mappref);
  if (isDlError(mapped)) return mapped;
  return { ...mapped, layout };
}

/** Debian's i386 ld.so system search directories, in order (no /etc/ld.so.cache in the model's filesystems). */
export const DL_SYSTEM_DIRS: readonly string[] = [
  "/lib/i386-linux-gnu/",
  "/usr/lib/i386-linux-gnu/",
  "/lib/",
  "/usr/lib/",
];

/** True when `x` is a loader error rather than a result. */
export function dl_failed(x: unknown): x is DlError {
  return isDlError(x);
}
