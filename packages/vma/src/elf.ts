/*
 * elf.ts — i386 ELF files as exec sees them: the structures of include/linux/elf.h (Elf32_Ehdr,
 * Elf32_Phdr, Elf32_Shdr, Elf32_Sym, Elf32_Dyn), a reader of them, and the checks
 * fs/binfmt_elf.c (load_elf_binary, load_elf_interp, elf_map) and fs/exec.c make, each as an
 * {@link ElfProblem}: the errno, one line of reason, whose check it is (2.6.11's or the model's)
 * and whether exec refuses the file (old address space untouched) or kills the task after the
 * point of no return (flush_old_exec).
 *
 * The file is read through an {@link ElfReader} (offset, length) → bytes, short at end of file,
 * as kernel_read is; exec passes a page-cache reader, tests pass {@link bytesReader}.
 * Invariants: parsing never throws on any input (every malformed case is a problem, not an
 * exception); every value read is an unsigned 32-bit number; nothing here changes any state.
 *
 *   Elf32_Ehdr (52 bytes)                           Elf32_Phdr (32 bytes), e_phnum of them at e_phoff
 *   0 e_ident[16]: 7f 'E' 'L' 'F' class data ver..  0 p_type    4 p_offset  8 p_vaddr  12 p_paddr
 *  16 e_type  18 e_machine  20 e_version            16 p_filesz 20 p_memsz  24 p_flags 28 p_align
 *  24 e_entry 28 e_phoff    32 e_shoff  36 e_flags
 *  40 e_ehsize 42 e_phentsize 44 e_phnum 46 e_shentsize 48 e_shnum 50 e_shstrndx
 */

import { Errno, PAGE_SIZE, TASK_SIZE } from "@i386mm/hw-i386";
// include/linux/limits.h: the longest PT_INTERP path load_elf_binary accepts (with its NUL).
import { PATH_MAX } from "@i386mm/page-cache";
import { EXSTACK_DEFAULT, EXSTACK_DISABLE_X, EXSTACK_ENABLE_X } from "./exec.js";

export { EXSTACK_DEFAULT, EXSTACK_DISABLE_X, EXSTACK_ENABLE_X };

/* ---------------------------------------------------------------- include/linux/elf.h ---- */

/** Size of e_ident. */
export const EI_NIDENT = 16;
/** e_ident[EI_CLASS]: ELFCLASS32 or ELFCLASS64. */
export const EI_CLASS = 4;
/** e_ident[EI_DATA]: byte order. */
export const EI_DATA = 5;
/** e_ident[EI_VERSION]: EV_CURRENT. */
export const EI_VERSION = 6;
/** e_ident[EI_OSABI]. */
export const EI_OSABI = 7;
/** "\x7fELF" (ELFMAG, SELFMAG = 4 bytes). */
export const ELFMAG = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46);
/** 32-bit objects. */
export const ELFCLASS32 = 1;
/** 64-bit objects. */
export const ELFCLASS64 = 2;
/** Two's complement, little-endian. */
export const ELFDATA2LSB = 1;
/** Current ELF version. */
export const EV_CURRENT = 1;

/** Relocatable object. */
export const ET_REL = 1;
/** Executable at a fixed address (text at 0x08048000 on i386 because the linker put it there). */
export const ET_EXEC = 2;
/** Shared object or position-independent executable. */
export const ET_DYN = 3;
/** Core file. */
export const ET_CORE = 4;

/** Intel 80386. */
export const EM_386 = 3;
/** Intel 80486 (also accepted by elf_check_arch on i386). */
export const EM_486 = 6;
/** AMD x86-64 (what a 64-bit file on this kind of machine says). */
export const EM_X86_64 = 62;

/** Program header types. */
export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_SHLIB = 5;
export const PT_PHDR = 6;
export const PT_TLS = 7;
/** GNU extensions (PT_LOOS + 0x474e550 ...). 2.6.11 knows PT_GNU_STACK; the others are glibc's. */
export const PT_GNU_EH_FRAME = 0x6474e550;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PT_GNU_PROPERTY = 0x6474e553;

/** Segment permission bits (p_flags). */
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

/** Section types. */
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;
/** Section index meaning "undefined symbol". */
export const SHN_UNDEF = 0;

/** Symbol types and bindings (ELF32_ST_TYPE / ELF32_ST_BIND). */
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_TLS = 6;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

/** Dynamic section tags. */
export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_STRTAB = 5;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_RUNPATH = 29;
export const DT_FLAGS_1 = 0x6ffffffb;
/** DT_FLAGS_1 bit: the object is a position-independent executable. */
export const DF_1_PIE = 0x08000000;

/** Sizes of the 32-bit structures. */
export const ELF32_EHDR_SIZE = 52;
export const ELF32_PHDR_SIZE = 32;
export const ELF32_SHDR_SIZE = 40;
export const ELF32_SYM_SIZE = 16;
export const ELF32_DYN_SIZE = 8;

/** include/linux/binfmts.h: bytes of the file prepare_binprm reads into bprm->buf. */
export const BINPRM_BUF_SIZE = 128;
/** ELF_EXEC_PAGESIZE = ELF_MIN_ALIGN on i386. */
export const ELF_MIN_ALIGN = PAGE_SIZE;
/** include/asm-i386/elf.h: where the first segment of an ET_DYN executable is placed (TASK_SIZE / 3 * 2). */
export const ELF_ET_DYN_BASE = Math.floor(TASK_SIZE / 3) * 2;

/** Name of an errno value (hw-i386's Errno table), for messages. */
export function errnoName(errno: number): string {
  for (const [name, value] of Object.entries(Errno)) if (value === errno) return name;
  return `errno ${errno}`;
}

/** ELF_PAGESTART: round down to ELF_MIN_ALIGN (unsigned 32-bit). */
export function ELF_PAGESTART(v: number): number {
  return (v - (v % ELF_MIN_ALIGN)) >>> 0;
}
/** ELF_PAGEOFFSET: offset within the ELF page. */
export function ELF_PAGEOFFSET(v: number): number {
  return (v >>> 0) % ELF_MIN_ALIGN;
}
/** ELF_PAGEALIGN: round up to ELF_MIN_ALIGN (wraps at 2^32 as the kernel's unsigned long does). */
export function ELF_PAGEALIGN(v: number): number {
  return ELF_PAGESTART(((v >>> 0) + ELF_MIN_ALIGN - 1) >>> 0);
}

/* ------------------------------------------------------------------------- structures ---- */

/** The ELF file header (include/linux/elf.h: elf32_hdr). */
export interface Elf32_Ehdr {
  readonly e_ident: Uint8Array;
  readonly e_type: number;
  readonly e_machine: number;
  readonly e_version: number;
  readonly e_entry: number;
  readonly e_phoff: number;
  readonly e_shoff: number;
  readonly e_flags: number;
  readonly e_ehsize: number;
  readonly e_phentsize: number;
  readonly e_phnum: number;
  readonly e_shentsize: number;
  readonly e_shnum: number;
  readonly e_shstrndx: number;
}

/** One program header (elf32_phdr). */
export interface Elf32_Phdr {
  readonly p_type: number;
  readonly p_offset: number;
  readonly p_vaddr: number;
  readonly p_paddr: number;
  readonly p_filesz: number;
  readonly p_memsz: number;
  readonly p_flags: number;
  readonly p_align: number;
}

/** One section header (elf32_shdr), with its name resolved from the section-name string table. */
export interface Elf32_Shdr {
  readonly name: string;
  readonly sh_name: number;
  readonly sh_type: number;
  readonly sh_flags: number;
  readonly sh_addr: number;
  readonly sh_offset: number;
  readonly sh_size: number;
  readonly sh_link: number;
  readonly sh_info: number;
  readonly sh_addralign: number;
  readonly sh_entsize: number;
}

/** One symbol (elf32_sym), with its name resolved and the table it came from. */
export interface Elf32_Sym {
  readonly name: string;
  readonly st_name: number;
  readonly st_value: number;
  readonly st_size: number;
  readonly st_info: number;
  readonly st_other: number;
  readonly st_shndx: number;
  readonly table: ".symtab" | ".dynsym";
}

/** ELF32_ST_BIND. */
export function ELF32_ST_BIND(info: number): number {
  return info >>> 4;
}
/** ELF32_ST_TYPE. */
export function ELF32_ST_TYPE(info: number): number {
  return info & 0xf;
}

/** What PT_DYNAMIC says (the tags the loader model needs). */
export interface ElfDynamicInfo {
  /** DT_NEEDED names in order. */
  readonly needed: readonly string[];
  readonly soname: string | null;
  readonly runpath: string | null;
  readonly rpath: string | null;
  /** DT_FLAGS_1 (0 when absent). */
  readonly flags_1: number;
}

/* ------------------------------------------------------------------------- problems ---- */

/**
 * One thing wrong with a file, as exec reacts to it.
 * - `refused`: exec returns -errno before the point of no return; the caller's address space is untouched.
 * - `killed`: found after flush_old_exec; the old address space is gone and the task dies with `signal`.
 */
export interface ElfProblem {
  /** Positive errno value (ENOEXEC, EIO, EINVAL, ENOMEM, ENOENT, ELIBBAD, ...). */
  readonly errno: number;
  /** One line: what is wrong, with the numbers. */
  readonly reason: string;
  /** "kernel": a check 2.6.11 makes; "model": one the model adds (`where` says what 2.6.11 does instead). */
  readonly by: "kernel" | "model";
  /** Kernel file and function making the check, or for a model check what 2.6.11 would do. */
  readonly where: string;
  readonly when: "refused" | "killed";
  /** For `killed`: the signal the kernel sends. */
  readonly signal?: "SIGKILL" | "SIGSEGV";
}

function refused(
  errno: number,
  reason: string,
  where: string,
  by: "kernel" | "model" = "kernel",
): ElfProblem {
  return { errno, reason, by, where, when: "refused" };
}
function killed(errno: number, reason: string, where: string, signal: "SIGKILL" | "SIGSEGV"): ElfProblem {
  return { errno, reason, by: "kernel", where, when: "killed", signal };
}

/**
 * One line for a problem: `ENOEXEC: <reason> (<whose check>)` for a refusal,
 * `SIGKILL: <reason> (<whose check>[, do_mmap's errno])` for a task killed after the point of no return.
 */
export function formatElfProblem(p: ElfProblem): string {
  const whose = p.by === "kernel" ? p.where : `model's check; ${p.where}`;
  if (p.when === "refused") return `${errnoName(p.errno)}: ${p.reason} (${whose})`;
  return `${p.signal}: ${p.reason} (${whose}${p.errno ? `, ${errnoName(p.errno)}` : ""})`;
}

/* --------------------------------------------------------------------------- reading ---- */

/** Reads up to `length` bytes at `offset`; fewer (possibly none) at end of file, as kernel_read. */
export type ElfReader = (offset: number, length: number) => Uint8Array;

/** An {@link ElfReader} over bytes in memory. */
export function bytesReader(bytes: Uint8Array): ElfReader {
  return (offset, length) => {
    if (offset >= bytes.length || length <= 0) return new Uint8Array(0);
    return bytes.subarray(offset, Math.min(bytes.length, offset + length));
  };
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes an Elf32_Ehdr from the first bytes of a file (zero-filled past the end, as bprm->buf is). */
export function elf_parse_ehdr(buf: Uint8Array): Elf32_Ehdr {
  const b = new Uint8Array(ELF32_EHDR_SIZE);
  b.set(buf.subarray(0, ELF32_EHDR_SIZE));
  const v = view(b);
  return {
    e_ident: b.slice(0, EI_NIDENT),
    e_type: v.getUint16(16, true),
    e_machine: v.getUint16(18, true),
    e_version: v.getUint32(20, true),
    e_entry: v.getUint32(24, true),
    e_phoff: v.getUint32(28, true),
    e_shoff: v.getUint32(32, true),
    e_flags: v.getUint32(36, true),
    e_ehsize: v.getUint16(40, true),
    e_phentsize: v.getUint16(42, true),
    e_phnum: v.getUint16(44, true),
    e_shentsize: v.getUint16(46, true),
    e_shnum: v.getUint16(48, true),
    e_shstrndx: v.getUint16(50, true),
  };
}

function parsePhdr(v: DataView, at: number): Elf32_Phdr {
  return {
    p_type: v.getUint32(at, true),
    p_offset: v.getUint32(at + 4, true),
    p_vaddr: v.getUint32(at + 8, true),
    p_paddr: v.getUint32(at + 12, true),
    p_filesz: v.getUint32(at + 16, true),
    p_memsz: v.getUint32(at + 20, true),
    p_flags: v.getUint32(at + 24, true),
    p_align: v.getUint32(at + 28, true),
  };
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

function hasElfMagic(ident: Uint8Array): boolean {
  return ELFMAG.every((m, i) => ident[i] === m);
}

/** include/asm-i386/elf.h: elf_check_arch — EM_386 or EM_486. */
export function elf_check_arch(ehdr: Elf32_Ehdr): boolean {
  return ehdr.e_machine === EM_386 || ehdr.e_machine === EM_486;
}

/** Options of the checks. */
export interface ElfCheckOptions {
  /**
   * Also make the model's own checks (ELF class, byte order and version bytes; PT_LOAD segments
   * out of order or overlapping; segment data past the end of the file), refusing such files
   * before the point of no return. Default true; false follows 2.6.11 exactly.
   */
  readonly modelChecks?: boolean;
}

const LOAD_ELF_BINARY = "fs/binfmt_elf.c: load_elf_binary";
const LOAD_ELF_INTERP = "fs/binfmt_elf.c: load_elf_interp";

/**
 * load_elf_binary's first consistency checks on bprm->buf, in its order: ELF magic, e_type
 * ET_EXEC or ET_DYN, elf_check_arch, e_phentsize, 1 ≤ e_phnum ≤ 65536/sizeof(elf_phdr) — all
 * -ENOEXEC before the point of no return. With model checks, the class/byte-order/version bytes
 * come right after the magic (2.6.11 reads any file as 32-bit little-endian).
 */
export function elf_check_ehdr(ehdr: Elf32_Ehdr, options: ElfCheckOptions = {}): ElfProblem | null {
  const model = options.modelChecks ?? true;
  const E = Errno.ENOEXEC;
  if (!hasElfMagic(ehdr.e_ident)) {
    const got = Array.from(ehdr.e_ident.subarray(0, 4), (x) => x.toString(16).padStart(2, "0")).join(" ");
    return refused(E, `bad ELF magic: ${got}, not 7f 45 4c 46`, `${LOAD_ELF_BINARY} (memcmp ELFMAG)`);
  }
  if (model) {
    const p = identProblem(ehdr, "exec");
    if (p) return p;
  }
  if (ehdr.e_type !== ET_EXEC && ehdr.e_type !== ET_DYN)
    return refused(
      E,
      `e_type ${ehdr.e_type} (${typeName(ehdr.e_type)}) is neither ET_EXEC nor ET_DYN`,
      LOAD_ELF_BINARY,
    );
  if (!elf_check_arch(ehdr))
    return refused(
      E,
      `e_machine ${ehdr.e_machine} is not EM_386 or EM_486`,
      `${LOAD_ELF_BINARY} (elf_check_arch)`,
    );
  if (ehdr.e_phentsize !== ELF32_PHDR_SIZE)
    return refused(E, `e_phentsize ${ehdr.e_phentsize}, not sizeof(struct elf_phdr) = 32`, LOAD_ELF_BINARY);
  if (ehdr.e_phnum < 1 || ehdr.e_phnum > 65536 / ELF32_PHDR_SIZE)
    return refused(
      E,
      `e_phnum ${ehdr.e_phnum} is outside 1..2048 (65536 / sizeof(struct elf_phdr))`,
      LOAD_ELF_BINARY,
    );
  return null;
}

function typeName(t: number): string {
  return ["ET_NONE", "ET_REL", "ET_EXEC", "ET_DYN", "ET_CORE"][t] ?? "unknown";
}

/** The model's e_ident checks (class, byte order, version), for the executable or its interpreter. */
function identProblem(ehdr: Elf32_Ehdr, whose: "exec" | "interp"): ElfProblem | null {
  const cls = ehdr.e_ident[EI_CLASS];
  const data = ehdr.e_ident[EI_DATA];
  const ver = ehdr.e_ident[EI_VERSION];
  const after =
    whose === "exec"
      ? "2.6.11 does not look at e_ident past the magic and reads the header as 32-bit little-endian"
      : "2.6.11 does not look at the interpreter's e_ident past the magic";
  const E = whose === "exec" ? Errno.ENOEXEC : Errno.ELIBBAD;
  const what = whose === "exec" ? "" : "interpreter: ";
  if (cls !== ELFCLASS32)
    return refused(
      E,
      `${what}EI_CLASS ${cls} (${cls === ELFCLASS64 ? "ELFCLASS64, a 64-bit file" : "invalid"}), not ELFCLASS32`,
      after,
      "model",
    );
  if (data !== ELFDATA2LSB)
    return refused(E, `${what}EI_DATA ${data}, not ELFDATA2LSB (little-endian)`, after, "model");
  if (ver !== EV_CURRENT) return refused(E, `${what}EI_VERSION ${ver}, not EV_CURRENT (1)`, after, "model");
  return null;
}

/**
 * kernel_read of the program header table. A short read is -EIO (load_elf_binary: `retval != size`
 * → -EIO), before the point of no return.
 */
export function elf_read_phdrs(ehdr: Elf32_Ehdr, read: ElfReader): Elf32_Phdr[] | ElfProblem {
  const size = ehdr.e_phnum * ELF32_PHDR_SIZE;
  const raw = read(ehdr.e_phoff, size);
  if (raw.length !== size)
    return refused(
      Errno.EIO,
      `program header table truncated: ${ehdr.e_phnum} entries at ${hex(ehdr.e_phoff)} need ${size} bytes, the file has ${raw.length} there`,
      `${LOAD_ELF_BINARY} (kernel_read)`,
    );
  const v = view(raw);
  const out: Elf32_Phdr[] = [];
  for (let i = 0; i < ehdr.e_phnum; i++) out.push(parsePhdr(v, i * ELF32_PHDR_SIZE));
  return out;
}

/**
 * load_elf_binary's PT_INTERP handling (the first PT_INTERP only): 2 ≤ p_filesz ≤ PATH_MAX else
 * -ENOEXEC, a short read -EIO, the last byte must be NUL else -ENOEXEC. Returns the path.
 */
export function elf_read_interp(phdrs: readonly Elf32_Phdr[], read: ElfReader): string | null | ElfProblem {
  const ph = phdrs.find((p) => p.p_type === PT_INTERP);
  if (!ph) return null;
  if (ph.p_filesz > PATH_MAX || ph.p_filesz < 2)
    return refused(
      Errno.ENOEXEC,
      `PT_INTERP p_filesz ${ph.p_filesz} is outside 2..PATH_MAX (4096)`,
      LOAD_ELF_BINARY,
    );
  const raw = read(ph.p_offset, ph.p_filesz);
  if (raw.length !== ph.p_filesz)
    return refused(
      Errno.EIO,
      `PT_INTERP path truncated: ${ph.p_filesz} bytes at ${hex(ph.p_offset)}, the file has ${raw.length}`,
      `${LOAD_ELF_BINARY} (kernel_read)`,
    );
  if (raw[raw.length - 1] !== 0)
    return refused(Errno.ENOEXEC, "PT_INTERP path is not NUL-terminated", LOAD_ELF_BINARY);
  const nul = raw.indexOf(0);
  return new TextDecoder("latin1").decode(raw.subarray(0, nul));
}

/**
 * The checks load_elf_binary makes on the interpreter's first BINPRM_BUF_SIZE bytes before the
 * point of no return: a short read is -EIO; neither ELF magic nor an a.out magic, or an ELF file
 * failing elf_check_arch, is -ELIBBAD. (An a.out interpreter is not modelled: refused by the model.)
 */
export function elf_check_interp_buf(
  buf: Uint8Array,
  path: string,
  options: ElfCheckOptions = {},
): ElfProblem | null {
  if (buf.length < BINPRM_BUF_SIZE)
    return refused(
      Errno.EIO,
      `interpreter ${path} is ${buf.length} bytes, shorter than BINPRM_BUF_SIZE (128)`,
      `${LOAD_ELF_BINARY} (kernel_read of the interpreter)`,
    );
  const ehdr = elf_parse_ehdr(buf);
  if (!hasElfMagic(ehdr.e_ident)) {
    const magic = (buf[0] | (buf[1] << 8)) & 0xffff; /* N_MAGIC of struct exec (a_info & 0xffff) */
    if (magic === 0o407 || magic === 0o413 || magic === 0o314)
      return refused(
        Errno.ENOEXEC,
        `interpreter ${path} is an a.out file`,
        "2.6.11 would load it with load_aout_interp, which the model does not have",
        "model",
      );
    return refused(Errno.ELIBBAD, `interpreter ${path} is not an ELF file`, LOAD_ELF_BINARY);
  }
  if ((options.modelChecks ?? true) && identProblem(ehdr, "interp")) return identProblem(ehdr, "interp");
  if (!elf_check_arch(ehdr))
    return refused(
      Errno.ELIBBAD,
      `interpreter ${path}: e_machine ${ehdr.e_machine} is not EM_386 or EM_486`,
      `${LOAD_ELF_BINARY} (elf_check_arch)`,
    );
  return null;
}

/** PT_GNU_STACK's verdict (load_elf_binary): EXSTACK_ENABLE_X / EXSTACK_DISABLE_X, or EXSTACK_DEFAULT without one. */
export function elf_executable_stack(phdrs: readonly Elf32_Phdr[]): number {
  const ph = phdrs.find((p) => p.p_type === PT_GNU_STACK);
  if (!ph) return EXSTACK_DEFAULT;
  return ph.p_flags & PF_X ? EXSTACK_ENABLE_X : EXSTACK_DISABLE_X;
}

/** include/asm-i386/elf.h: elf_read_implies_exec — READ_IMPLIES_EXEC unless PT_GNU_STACK says no-exec. */
export function elf_read_implies_exec(executable_stack: number): boolean {
  return executable_stack !== EXSTACK_DISABLE_X;
}

/** PROT_* bits from p_flags (PF_R → PROT_READ 1, PF_W → PROT_WRITE 2, PF_X → PROT_EXEC 4). */
export function elf_prot(p_flags: number): number {
  return (p_flags & PF_R ? 1 : 0) | (p_flags & PF_W ? 2 : 0) | (p_flags & PF_X ? 4 : 0);
}

/**
 * What elf_map(file, addr, phdr) asks of do_mmap: start ELF_PAGESTART(addr), length
 * p_filesz + ELF_PAGEOFFSET(p_vaddr), file offset p_offset - ELF_PAGEOFFSET(p_vaddr) (unsigned).
 */
export function elf_map_args(addr: number, ph: Elf32_Phdr): { start: number; len: number; offset: number } {
  const pageoff = ELF_PAGEOFFSET(ph.p_vaddr);
  return { start: ELF_PAGESTART(addr), len: ph.p_filesz + pageoff, offset: (ph.p_offset - pageoff) >>> 0 };
}

/**
 * The checks do_mmap (include/linux/mm.h) and do_mmap_pgoff make on elf_map's arguments that do
 * not depend on the address space: the offset must be page-aligned and offset + PAGE_ALIGN(len)
 * must not wrap (-EINVAL); a length over TASK_SIZE is -EINVAL; a MAP_FIXED range must end at or
 * below TASK_SIZE (-ENOMEM). Null when do_mmap would go on to map it (a zero length maps nothing).
 */
export function elf_map_problem(
  index: number,
  addr: number,
  ph: Elf32_Phdr,
  fixed: boolean,
  where = LOAD_ELF_BINARY,
): ElfProblem | null {
  const { start, len, offset } = elf_map_args(addr, ph);
  const at = `${where} (elf_map → do_mmap)`;
  const signal = where === LOAD_ELF_BINARY ? "SIGKILL" : "SIGSEGV";
  const alignedLen = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (offset % PAGE_SIZE !== 0 || offset + alignedLen > 0xffffffff)
    return killed(
      Errno.EINVAL,
      `program header ${index}: p_offset ${hex(ph.p_offset)} and p_vaddr ${hex(ph.p_vaddr)} differ modulo the page size (mmap offset ${hex(offset)} not page-aligned)`,
      at,
      signal,
    );
  if (len === 0) return null;
  if (alignedLen > TASK_SIZE)
    return killed(
      Errno.EINVAL,
      `program header ${index}: ${hex(len)} bytes of file data exceed TASK_SIZE`,
      at,
      signal,
    );
  if (fixed && start > TASK_SIZE - alignedLen)
    return killed(
      Errno.ENOMEM,
      `program header ${index}: file mapping ${hex(start)}-${hex(start + alignedLen)} ends past TASK_SIZE (0xc0000000)`,
      `${at} → get_unmapped_area`,
      signal,
    );
  return null;
}

/**
 * load_elf_binary's check after mapping each PT_LOAD (on the unbiased p_vaddr; load_elf_interp
 * adds load_addr first): k > TASK_SIZE, p_filesz > p_memsz, p_memsz > TASK_SIZE or
 * TASK_SIZE - p_memsz < k kill the task ("set_brk can never work").
 */
export function elf_segment_problem(
  index: number,
  ph: Elf32_Phdr,
  base = 0,
  interp = false,
): ElfProblem | null {
  const k = (base + ph.p_vaddr) >>> 0;
  const where = interp ? LOAD_ELF_INTERP : LOAD_ELF_BINARY;
  const errno = interp ? Errno.ENOMEM : 0;
  const signal = interp ? "SIGSEGV" : "SIGKILL";
  if (ph.p_filesz > ph.p_memsz)
    return killed(
      errno,
      `program header ${index}: p_filesz ${hex(ph.p_filesz)} > p_memsz ${hex(ph.p_memsz)}`,
      where,
      signal,
    );
  if (k > TASK_SIZE || ph.p_memsz > TASK_SIZE || TASK_SIZE - ph.p_memsz < k)
    return killed(
      errno,
      `program header ${index}: ${hex(k)} + p_memsz ${hex(ph.p_memsz)} goes past TASK_SIZE (0xc0000000)`,
      where,
      signal,
    );
  return null;
}

/**
 * The model's checks on the PT_LOAD segments (before the point of no return, -ENOEXEC):
 * ascending p_vaddr, no two segments overlapping in memory, file data inside the file.
 * 2.6.11 maps such segments anyway: a later MAP_FIXED mapping replaces an earlier one's pages, and
 * data past the end of the file faults with SIGBUS when touched.
 */
export function elf_model_segment_problems(phdrs: readonly Elf32_Phdr[], fileSize: number): ElfProblem[] {
  const out: ElfProblem[] = [];
  const loads = phdrs.map((p, i) => ({ p, i })).filter(({ p }) => p.p_type === PT_LOAD);
  const E = Errno.ENOEXEC;
  for (let j = 1; j < loads.length; j++) {
    const a = loads[j - 1];
    const b = loads[j];
    if (b.p.p_vaddr < a.p.p_vaddr)
      out.push(
        refused(
          E,
          `PT_LOAD out of order: program header ${b.i} at ${hex(b.p.p_vaddr)} follows program header ${a.i} at ${hex(a.p.p_vaddr)}`,
          "2.6.11 maps them in table order",
          "model",
        ),
      );
  }
  const sorted = [...loads].sort((x, y) => x.p.p_vaddr - y.p.p_vaddr);
  for (let j = 1; j < sorted.length; j++) {
    const a = sorted[j - 1];
    const b = sorted[j];
    if (a.p.p_vaddr + a.p.p_memsz > b.p.p_vaddr)
      out.push(
        refused(
          E,
          `PT_LOAD program headers ${a.i} (${hex(a.p.p_vaddr)}-${hex(a.p.p_vaddr + a.p.p_memsz)}) and ${b.i} (from ${hex(b.p.p_vaddr)}) overlap`,
          "2.6.11 maps both; the later MAP_FIXED mapping replaces the earlier one's pages",
          "model",
        ),
      );
  }
  for (const { p, i } of loads)
    if (p.p_filesz > 0 && p.p_offset + p.p_filesz > fileSize)
      out.push(
        refused(
          E,
          `program header ${i}: file data ${hex(p.p_offset)}-${hex(p.p_offset + p.p_filesz)} runs past the end of the file (${hex(fileSize)} bytes)`,
          "2.6.11 maps it; touching the pages past the end of the file raises SIGBUS",
          "model",
        ),
      );
  return out;
}

/* ------------------------------------------------------------ sections, symbols, dynamic ---- */

function readCString(bytes: Uint8Array, at: number): string | null {
  if (at >= bytes.length) return null;
  let end = at;
  while (end < bytes.length && bytes[end] !== 0) end++;
  if (end === bytes.length) return null;
  return new TextDecoder("latin1").decode(bytes.subarray(at, end));
}

/**
 * Section headers and their names. The kernel never reads them; problems here are notes, and
 * symbols are then unavailable. Returns [] for e_shoff = 0 or e_shnum = 0.
 */
export function elf_read_shdrs(
  ehdr: Elf32_Ehdr,
  read: ElfReader,
): { shdrs: Elf32_Shdr[]; note: string | null } {
  if (ehdr.e_shoff === 0 || ehdr.e_shnum === 0) return { shdrs: [], note: null };
  if (ehdr.e_shentsize !== ELF32_SHDR_SIZE)
    return { shdrs: [], note: `e_shentsize ${ehdr.e_shentsize}, not 40: section headers ignored` };
  const size = ehdr.e_shnum * ELF32_SHDR_SIZE;
  const raw = read(ehdr.e_shoff, size);
  if (raw.length !== size)
    return {
      shdrs: [],
      note: `section header table at ${hex(ehdr.e_shoff)} truncated: section headers ignored`,
    };
  const v = view(raw);
  const bare = [];
  for (let i = 0; i < ehdr.e_shnum; i++) {
    const at = i * ELF32_SHDR_SIZE;
    bare.push({
      sh_name: v.getUint32(at, true),
      sh_type: v.getUint32(at + 4, true),
      sh_flags: v.getUint32(at + 8, true),
      sh_addr: v.getUint32(at + 12, true),
      sh_offset: v.getUint32(at + 16, true),
      sh_size: v.getUint32(at + 20, true),
      sh_link: v.getUint32(at + 24, true),
      sh_info: v.getUint32(at + 28, true),
      sh_addralign: v.getUint32(at + 32, true),
      sh_entsize: v.getUint32(at + 36, true),
    });
  }
  let names: Uint8Array | null = null;
  let note: string | null = null;
  const strsec = bare[ehdr.e_shstrndx];
  if (strsec && strsec.sh_type === SHT_STRTAB) names = read(strsec.sh_offset, strsec.sh_size);
  else if (ehdr.e_shstrndx !== 0)
    note = `e_shstrndx ${ehdr.e_shstrndx} is not a string table: sections unnamed`;
  const shdrs = bare.map((s) => ({ ...s, name: (names && readCString(names, s.sh_name)) ?? "" }));
  return { shdrs, note };
}

/** The symbols of one symbol table section (SHT_SYMTAB or SHT_DYNSYM) with names from its sh_link string table. */
export function elf_read_symbols(shdrs: readonly Elf32_Shdr[], index: number, read: ElfReader): Elf32_Sym[] {
  const sec = shdrs[index];
  const strsec = shdrs[sec.sh_link];
  if (!strsec || sec.sh_entsize !== ELF32_SYM_SIZE) return [];
  const raw = read(sec.sh_offset, sec.sh_size - (sec.sh_size % ELF32_SYM_SIZE));
  const strings = read(strsec.sh_offset, strsec.sh_size);
  const v = view(raw);
  const table = sec.sh_type === SHT_DYNSYM ? ".dynsym" : ".symtab";
  const out: Elf32_Sym[] = [];
  for (let at = 0; at + ELF32_SYM_SIZE <= raw.length; at += ELF32_SYM_SIZE) {
    const st_name = v.getUint32(at, true);
    out.push({
      name: readCString(strings, st_name) ?? "",
      st_name,
      st_value: v.getUint32(at + 4, true),
      st_size: v.getUint32(at + 8, true),
      st_info: v.getUint8(at + 12),
      st_other: v.getUint8(at + 13),
      st_shndx: v.getUint16(at + 14, true),
      table,
    });
  }
  return out;
}

/** The file offset holding virtual address `vaddr` (through the PT_LOAD segments' file data), or null. */
export function elf_vaddr_to_offset(phdrs: readonly Elf32_Phdr[], vaddr: number): number | null {
  for (const p of phdrs)
    if (p.p_type === PT_LOAD && vaddr >= p.p_vaddr && vaddr < p.p_vaddr + p.p_filesz)
      return p.p_offset + (vaddr - p.p_vaddr);
  return null;
}

/** Reads PT_DYNAMIC: DT_NEEDED, DT_SONAME, DT_RUNPATH, DT_RPATH, DT_FLAGS_1 (strings from DT_STRTAB). Null without PT_DYNAMIC. */
export function elf_read_dynamic(phdrs: readonly Elf32_Phdr[], read: ElfReader): ElfDynamicInfo | null {
  const ph = phdrs.find((p) => p.p_type === PT_DYNAMIC);
  if (!ph || ph.p_filesz === 0) return null;
  const raw = read(ph.p_offset, ph.p_filesz - (ph.p_filesz % ELF32_DYN_SIZE));
  const v = view(raw);
  const tags: Array<[number, number]> = [];
  for (let at = 0; at + ELF32_DYN_SIZE <= raw.length; at += ELF32_DYN_SIZE) {
    const tag = v.getUint32(at, true);
    if (tag === DT_NULL) break;
    tags.push([tag, v.getUint32(at + 4, true)]);
  }
  const strtab = tags.find(([t]) => t === DT_STRTAB)?.[1];
  const strsz = tags.find(([t]) => t === DT_STRSZ)?.[1] ?? 0;
  const strOff = strtab === undefined ? null : elf_vaddr_to_offset(phdrs, strtab);
  const strings = strOff === null ? new Uint8Array(0) : read(strOff, strsz);
  const str = (off: number) => readCString(strings, off) ?? "";
  const one = (tag: number) => {
    const e = tags.find(([t]) => t === tag);
    return e ? str(e[1]) : null;
  };
  return {
    needed: tags.filter(([t]) => t === DT_NEEDED).map(([, off]) => str(off)),
    soname: one(DT_SONAME),
    runpath: one(DT_RUNPATH),
    rpath: one(DT_RPATH),
    flags_1: tags.find(([t]) => t === DT_FLAGS_1)?.[1] ?? 0,
  };
}

/* ------------------------------------------------------------------------ the whole file ---- */

/** A parsed ELF file: every structure, what exec needs from it, and what is wrong with it. */
export interface ElfFile {
  readonly size: number;
  readonly ehdr: Elf32_Ehdr;
  /** Empty when the header or the program header table could not be read. */
  readonly phdrs: readonly Elf32_Phdr[];
  readonly shdrs: readonly Elf32_Shdr[];
  /** PT_LOAD entries in table order, with their index in the table. */
  readonly loads: readonly { readonly index: number; readonly phdr: Elf32_Phdr }[];
  /** The PT_INTERP path, or null. */
  readonly interp: string | null;
  /** EXSTACK_DEFAULT / EXSTACK_DISABLE_X / EXSTACK_ENABLE_X from PT_GNU_STACK. */
  readonly executable_stack: number;
  /** PT_GNU_RELRO's range (unbiased), or null. */
  readonly relro: { readonly vaddr: number; readonly memsz: number } | null;
  readonly dynamic: ElfDynamicInfo | null;
  /** .symtab then .dynsym symbols (empty for a stripped file). */
  readonly symbols: readonly Elf32_Sym[];
  /**
   * Everything exec would object to, in the order it meets them: refusals before the point of no
   * return first (kernel's, then the model's), then what kills the task after it.
   */
  readonly problems: readonly ElfProblem[];
  /** Things worth knowing that no loader objects to (unreadable section headers, ...). */
  readonly notes: readonly string[];
}

/** The first problem exec meets (the one it reports), or null for a file exec loads. */
export function elf_verdict(file: ElfFile): ElfProblem | null {
  return file.problems[0] ?? null;
}

/**
 * Parses and validates a whole i386 ELF executable or shared object as load_elf_binary would
 * load it (without an interpreter: that is a second file, see {@link elf_check_interp_buf} and
 * {@link elf_check_interp_file}). Never throws.
 */
export function readElf(bytes: Uint8Array, options: ElfCheckOptions = {}): ElfFile {
  const read = bytesReader(bytes);
  const ehdr = elf_parse_ehdr(read(0, BINPRM_BUF_SIZE));
  const problems: ElfProblem[] = [];
  const notes: string[] = [];
  const empty = (): ElfFile => ({
    size: bytes.length,
    ehdr,
    phdrs: [],
    shdrs: [],
    loads: [],
    interp: null,
    executable_stack: EXSTACK_DEFAULT,
    relro: null,
    dynamic: null,
    symbols: [],
    problems,
    notes,
  });
  const head = elf_check_ehdr(ehdr, options);
  if (head) {
    problems.push(head);
    return empty();
  }
  const phdrs = elf_read_phdrs(ehdr, read);
  if (!Array.isArray(phdrs)) {
    problems.push(phdrs);
    return empty();
  }
  const interp = elf_read_interp(phdrs, read);
  if (interp !== null && typeof interp !== "string") problems.push(interp);
  if (options.modelChecks ?? true) problems.push(...elf_model_segment_problems(phdrs, bytes.length));
  problems.push(...elf_loading_problems(ehdr, phdrs));

  const { shdrs, note } = elf_read_shdrs(ehdr, read);
  if (note) notes.push(note);
  const symbols: Elf32_Sym[] = [];
  for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
    const i = shdrs.findIndex((s) => s.sh_type === type);
    if (i >= 0) symbols.push(...elf_read_symbols(shdrs, i, read));
  }
  const relroPh = phdrs.find((p) => p.p_type === PT_GNU_RELRO);
  return {
    size: bytes.length,
    ehdr,
    phdrs,
    shdrs,
    loads: phdrs.map((phdr, index) => ({ index, phdr })).filter(({ phdr }) => phdr.p_type === PT_LOAD),
    interp: typeof interp === "string" ? interp : null,
    executable_stack: elf_executable_stack(phdrs),
    relro: relroPh ? { vaddr: relroPh.p_vaddr, memsz: relroPh.p_memsz } : null,
    dynamic: elf_read_dynamic(phdrs, read),
    symbols,
    problems,
    notes,
  };
}

/**
 * What kills the task after the point of no return, statically (load_elf_binary's mapping loop):
 * elf_map failures and the TASK_SIZE / p_filesz > p_memsz check, per PT_LOAD in table order. For
 * ET_DYN the later segments are placed relative to the first (load_bias = ELF_PAGESTART(
 * ELF_ET_DYN_BASE - vaddr), as in a fresh address space); the first only needs to fit below TASK_SIZE.
 */
export function elf_loading_problems(ehdr: Elf32_Ehdr, phdrs: readonly Elf32_Phdr[]): ElfProblem[] {
  const out: ElfProblem[] = [];
  let bias = 0;
  let first = true;
  phdrs.forEach((ph, i) => {
    if (ph.p_type !== PT_LOAD) return;
    const fixed = ehdr.e_type === ET_EXEC || !first;
    if (ehdr.e_type === ET_DYN && first) bias = ELF_PAGESTART(ELF_ET_DYN_BASE - ph.p_vaddr);
    first = false;
    const p = elf_map_problem(i, (bias + ph.p_vaddr) >>> 0, ph, fixed) ?? elf_segment_problem(i, ph);
    if (p) out.push(p);
  });
  return out;
}

/**
 * load_elf_interp's checks on an interpreter file (after the point of no return: the kernel prints
 * "Unable to load interpreter", sends SIGSEGV and returns -ENOEXEC): e_type, elf_check_arch,
 * e_phentsize, e_phnum, the header table within one page, a short read (-EIO), and each
 * PT_LOAD's elf_map and TASK_SIZE checks with the interpreter's own load address.
 */
export function elf_check_interp_file(bytes: Uint8Array): ElfProblem | null {
  const read = bytesReader(bytes);
  const ehdr = elf_parse_ehdr(read(0, BINPRM_BUF_SIZE));
  const dead = (reason: string, errno: number = Errno.ENOEXEC) =>
    killed(errno, `interpreter: ${reason}`, LOAD_ELF_INTERP, "SIGSEGV");
  if (ehdr.e_type !== ET_EXEC && ehdr.e_type !== ET_DYN)
    return dead(`e_type ${ehdr.e_type} is neither ET_EXEC nor ET_DYN`);
  if (!elf_check_arch(ehdr)) return dead(`e_machine ${ehdr.e_machine} is not EM_386 or EM_486`);
  if (ehdr.e_phentsize !== ELF32_PHDR_SIZE) return dead(`e_phentsize ${ehdr.e_phentsize}, not 32`);
  if (ehdr.e_phnum < 1 || ehdr.e_phnum > 65536 / ELF32_PHDR_SIZE)
    return dead(`e_phnum ${ehdr.e_phnum} is outside 1..2048`);
  if (ehdr.e_phnum * ELF32_PHDR_SIZE > ELF_MIN_ALIGN)
    return dead(`${ehdr.e_phnum} program headers do not fit in one page (at most 128)`);
  const phdrs = elf_read_phdrs(ehdr, read);
  if (!Array.isArray(phdrs)) return dead(phdrs.reason, Errno.EIO);
  /* An ET_DYN interpreter's first segment goes wherever get_unmapped_area puts it; the static
   * check places it at 0, so only the span relative to the first segment is checked. */
  let first = true;
  for (let i = 0; i < phdrs.length; i++) {
    const ph = phdrs[i];
    if (ph.p_type !== PT_LOAD) continue;
    const fixed = ehdr.e_type === ET_EXEC || !first;
    first = false;
    const p =
      elf_map_problem(i, ph.p_vaddr, ph, fixed, LOAD_ELF_INTERP) ?? elf_segment_problem(i, ph, 0, true);
    if (p) return { ...p, reason: `interpreter: ${p.reason}` };
  }
  return null;
}

/** The symbol called `name` (.symtab first, then .dynsym; defined symbols before undefined), or undefined. */
export function elf_lookup_symbol(file: ElfFile, name: string): Elf32_Sym | undefined {
  let undef: Elf32_Sym | undefined;
  for (const s of file.symbols) {
    if (s.name !== name) continue;
    if (s.st_shndx !== SHN_UNDEF) return s;
    undef ??= s;
  }
  return undef;
}

/** The PT_LOAD segment containing `vaddr` in memory (p_vaddr ≤ vaddr < p_vaddr + p_memsz), or undefined. */
export function elf_segment_of(
  file: ElfFile,
  vaddr: number,
): { index: number; phdr: Elf32_Phdr } | undefined {
  return file.loads.find(({ phdr }) => vaddr >= phdr.p_vaddr && vaddr < phdr.p_vaddr + phdr.p_memsz);
}
