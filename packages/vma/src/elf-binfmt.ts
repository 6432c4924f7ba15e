/*
 * elf-binfmt.ts — fs/binfmt_elf.c of 2.6.11 for i386: load_elf_binary (in the kernel's order:
 * header checks, program headers, PT_INTERP, PT_GNU_STACK, the interpreter's header, then
 * flush_old_exec — the point of no return — the personality, the layout, setup_arg_pages, the
 * PT_LOAD loop with elf_map, set_brk and padzero, load_elf_interp, create_elf_tables,
 * MMAP_PAGE_ZERO), with elf.ts's checks for every refusal and every kill.
 *
 * The executable and the interpreter are page-cache files: read with kernel_read, mapped with
 * do_mmap (the file is the VMA's vm_file: generic_file_mmap / filemap_nopage, filemap.ts).
 * Everything written to user memory (padzero, the tables) goes through the MMU into simulated RAM.
 * Invariant: before the point of no return nothing of the caller's address space changes; after it,
 * a failure queues SIGKILL or SIGSEGV on the task as the kernel does, and the result says which.
 *
 *   top of the new stack (STACK_TOP = 0xc0000000), after create_elf_tables:
 *   | NULL(4) | filename | envp strings | argv strings | "i686" | pad | auxv pairs .. AT_NULL |
 *   | envp[] NULL | argv[] NULL | argc | <- bprm->p = start_stack (16-byte aligned)
 */

import { Errno, PAGE_SIZE, TASK_SIZE } from "@i386mm/hw-i386";
import { IS_ERR, type PageCache, PTR_ERR, type file as pc_file } from "@i386mm/page-cache";
import {
  MAP_DENYWRITE,
  MAP_EXECUTABLE,
  MAP_FIXED,
  MAP_PRIVATE,
  MAX_ARG_PAGES,
  MMAP_PAGE_ZERO,
  PROT_EXEC,
  PROT_READ,
  READ_IMPLIES_EXEC,
  SIGKILL,
  SIGSEGV,
  STACK_TOP,
} from "./constants.js";
import {
  BINPRM_BUF_SIZE,
  ELF_ET_DYN_BASE,
  ELF_MIN_ALIGN,
  ELF_PAGEALIGN,
  ELF_PAGEOFFSET,
  ELF_PAGESTART,
  ELF32_PHDR_SIZE,
  type Elf32_Ehdr,
  type Elf32_Phdr,
  type ElfCheckOptions,
  type ElfProblem,
  type ElfReader,
  ET_DYN,
  ET_EXEC,
  elf_check_arch,
  elf_check_ehdr,
  elf_check_interp_buf,
  elf_executable_stack,
  elf_map_args,
  elf_model_segment_problems,
  elf_parse_ehdr,
  elf_prot,
  elf_read_implies_exec,
  elf_read_interp,
  elf_read_phdrs,
  elf_segment_problem,
  PT_LOAD,
} from "./elf.js";
import { exec_mmap, type linux_binprm, setup_arg_pages } from "./exec.js";
import type { mm_struct, vm_file } from "./mm-types.js";
import { do_brk, do_mmap } from "./mmap.js";
import { arch_pick_mmap_layout } from "./mmap-layout.js";
import { clear_user, copy_from_user, copy_to_user } from "./uaccess.js";
import type { VmSystem } from "./vm.js";

/* ------------------------------------------------------------------ constants ---- */

/** Auxiliary vector types (include/linux/elf.h, include/asm-i386/elf.h). */
export const AT_NULL = 0;
export const AT_IGNORE = 1;
export const AT_EXECFD = 2;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_FLAGS = 8;
export const AT_ENTRY = 9;
export const AT_NOTELF = 10;
export const AT_UID = 11;
export const AT_EUID = 12;
export const AT_GID = 13;
export const AT_EGID = 14;
export const AT_PLATFORM = 15;
export const AT_HWCAP = 16;
export const AT_CLKTCK = 17;
export const AT_SECURE = 23;
export const AT_SYSINFO = 32;
export const AT_SYSINFO_EHDR = 33;

/** Names of the auxv types, for views. */
export const AT_NAMES: Readonly<Record<number, string>> = {
  [AT_NULL]: "AT_NULL",
  [AT_PHDR]: "AT_PHDR",
  [AT_PHENT]: "AT_PHENT",
  [AT_PHNUM]: "AT_PHNUM",
  [AT_PAGESZ]: "AT_PAGESZ",
  [AT_BASE]: "AT_BASE",
  [AT_FLAGS]: "AT_FLAGS",
  [AT_ENTRY]: "AT_ENTRY",
  [AT_UID]: "AT_UID",
  [AT_EUID]: "AT_EUID",
  [AT_GID]: "AT_GID",
  [AT_EGID]: "AT_EGID",
  [AT_PLATFORM]: "AT_PLATFORM",
  [AT_HWCAP]: "AT_HWCAP",
  [AT_CLKTCK]: "AT_CLKTCK",
  [AT_SECURE]: "AT_SECURE",
  [AT_SYSINFO]: "AT_SYSINFO",
  [AT_SYSINFO_EHDR]: "AT_SYSINFO_EHDR",
  [AT_EXECFD]: "AT_EXECFD",
};

/** include/asm-i386/fixmap.h: the vsyscall page's fixmap address (FIX_VSYSCALL), VSYSCALL_BASE. */
export const VSYSCALL_BASE = 0xffffe000;
/**
 * VSYSCALL_ENTRY: &__kernel_vsyscall in the vsyscall DSO (arch/i386/kernel/vsyscall-sysenter.S,
 * linked at VSYSCALL_BASE + 0x400 by vsyscall.lds).
 */
export const VSYSCALL_ENTRY = 0xffffe400;
/** include/asm-i386/param.h: CLOCKS_PER_SEC (USER_HZ). */
export const CLOCKS_PER_SEC = 100;
/** ELF_PLATFORM = system_utsname.machine: "i686" for a family-6 CPU such as QEMU's qemu32. */
export const ELF_PLATFORM = "i686";
/**
 * ELF_HWCAP = boot_cpu_data.x86_capability[0], CPUID.1:EDX. The model's CPU is QEMU's qemu32
 * (its PPRO_FEATURES: FPU DE PSE TSC MSR PAE MCE CX8 APIC SEP PGE CMOV PAT MMX FXSR SSE SSE2);
 * PSE, PAE and PGE follow the Machine's features.
 */
export function elf_hwcap(features: { pse: boolean; pae: boolean; pge: boolean }): number {
  const FPU = 1 << 0;
  const DE = 1 << 2;
  const TSC = 1 << 4;
  const MSR = 1 << 5;
  const MCE = 1 << 7;
  const CX8 = 1 << 8;
  const APIC = 1 << 9;
  const SEP = 1 << 11;
  const CMOV = 1 << 15;
  const PAT = 1 << 16;
  const MMX = 1 << 23;
  const FXSR = 1 << 24;
  const SSE = 1 << 25;
  const SSE2 = 1 << 26;
  const base = FPU | DE | TSC | MSR | MCE | CX8 | APIC | SEP | CMOV | PAT | MMX | FXSR | SSE | SSE2;
  return (
    (base | (features.pse ? 1 << 3 : 0) | (features.pae ? 1 << 6 : 0) | (features.pge ? 1 << 13 : 0)) >>> 0
  );
}

/* ----------------------------------------------------------------- binprm ---- */

/** struct linux_binprm as do_execve fills it for the binary loaders. */
export interface binprm extends linux_binprm {
  /** The first BINPRM_BUF_SIZE bytes of the file (prepare_binprm). */
  buf: Uint8Array;
  /** The opened executable (open_exec: write access denied); mapped as a VMA's vm_file. */
  file: pc_file;
  /** The name exec was given. */
  filename: string;
  argc: number;
  envc: number;
  /** The new address space (mm_alloc'ed by do_execve; installed by flush_old_exec). */
  mm: mm_struct;
}

/** What load_elf_binary leaves for its caller and for views. */
export interface ElfLoadResult {
  /** 0, or -errno (before the point of no return the caller's mm is untouched). */
  retval: number;
  /** What went wrong, in one line, whose check it was. */
  problem: ElfProblem | null;
  /** The signal the kernel queued after the point of no return, if any. */
  signal: "SIGKILL" | "SIGSEGV" | null;
  /** Past flush_old_exec: the caller's old address space is gone. */
  pointOfNoReturn: boolean;
  /** Where execution starts (the interpreter's entry for a dynamic program), the stack pointer. */
  entry: number;
  sp: number;
  load_bias: number;
  interp_load_addr: number;
  /** The auxiliary vector as written to the stack (type, value) pairs, AT_NULL last. */
  auxv: Array<[number, number]>;
}

/** What load_elf_binary works with: the mm layer and its page cache. */
export interface BinfmtContext {
  readonly vm: VmSystem;
  readonly pc: PageCache;
  /** Checks options: the model's extra refusals (default on). */
  readonly checks?: ElfCheckOptions;
}

/** An ElfReader over kernel_read of a page-cache file. */
export function kernelReader(pc: PageCache, f: pc_file): ElfReader {
  return (offset, length) => {
    const buf = new Uint8Array(Math.max(0, length));
    const n = pc.kernel_read(f, offset, buf, length);
    return n <= 0 ? new Uint8Array(0) : buf.subarray(0, n);
  };
}

const BAD_ADDR = (x: number) => x < 0 || x > TASK_SIZE;
const LOAD = "fs/binfmt_elf.c: load_elf_binary";

/* ------------------------------------------------------- set_brk, padzero ---- */

/** set_brk(start, end): do_brk the page-aligned [start, end) (the bss past the file pages), then start_brk = brk = end. */
function set_brk(vm: VmSystem, start: number, end: number): number {
  start = ELF_PAGEALIGN(start);
  end = ELF_PAGEALIGN(end);
  if (end > start) {
    const addr = do_brk(vm, start, end - start);
    if (BAD_ADDR(addr)) return addr;
  }
  const mm = vm.current.mm!;
  mm.start_brk = mm.brk = end;
  return 0;
}

/** padzero(elf_bss): zero the rest of the last file page after the data (clear_user); -EFAULT if it faults. */
function padzero(vm: VmSystem, elf_bss: number): number {
  let nbyte = ELF_PAGEOFFSET(elf_bss);
  if (nbyte) {
    nbyte = ELF_MIN_ALIGN - nbyte;
    if (clear_user(vm, elf_bss, nbyte)) return -Errno.EFAULT;
  }
  return 0;
}

/** elf_map: do_mmap of one segment's file pages (ELF_PAGESTART(addr), filesz + page offset, offset - page offset). */
function elf_map(
  vm: VmSystem,
  file: vm_file,
  addr: number,
  ph: Elf32_Phdr,
  prot: number,
  type: number,
): number {
  const { start, len, offset } = elf_map_args(addr, ph);
  return do_mmap(vm, file, start, len, prot, type, offset);
}

/* --------------------------------------------------------- load_elf_interp ---- */

/**
 * load_elf_interp: map the interpreter's PT_LOADs (an ET_DYN's first wherever get_unmapped_area
 * puts it — only that segment's size is asked for, as in 2.6.11 — the others MAP_FIXED after it),
 * zero its bss tail, do_brk the rest of its bss. Returns its entry (biased) or an error (BAD_ADDR).
 */
export function load_elf_interp(
  ctx: BinfmtContext,
  ex: Elf32_Ehdr,
  interpreter: pc_file,
  out: { interp_load_addr: number; problem: string | null },
): number {
  const { vm, pc } = ctx;
  const fail = (why: string, err = -1): number => {
    out.problem = why;
    return err;
  };
  if (ex.e_type !== ET_EXEC && ex.e_type !== ET_DYN)
    return fail(`e_type ${ex.e_type} is neither ET_EXEC nor ET_DYN`);
  if (!elf_check_arch(ex)) return fail(`e_machine ${ex.e_machine} is not EM_386 or EM_486`);
  if (interpreter.f_op.mmap !== "generic_file_mmap") return fail("the file system cannot mmap it");
  if (ex.e_phentsize !== ELF32_PHDR_SIZE) return fail(`e_phentsize ${ex.e_phentsize}, not 32`);
  if (ex.e_phnum < 1 || ex.e_phnum > 65536 / ELF32_PHDR_SIZE)
    return fail(`e_phnum ${ex.e_phnum} is outside 1..2048`);
  if (ex.e_phnum * ELF32_PHDR_SIZE > ELF_MIN_ALIGN)
    return fail(`${ex.e_phnum} program headers do not fit in one page`);
  const phdrs = elf_read_phdrs(ex, kernelReader(pc, interpreter));
  if (!Array.isArray(phdrs)) return fail(phdrs.reason, -Errno.EIO);
  let load_addr = 0;
  let load_addr_set = false;
  let last_bss = 0;
  let elf_bss = 0;
  for (let i = 0; i < phdrs.length; i++) {
    const ph = phdrs[i];
    if (ph.p_type !== PT_LOAD) continue;
    let type = MAP_PRIVATE | MAP_DENYWRITE;
    if (ex.e_type === ET_EXEC || load_addr_set) type |= MAP_FIXED;
    const map_addr = elf_map(vm, interpreter, (load_addr + ph.p_vaddr) >>> 0, ph, elf_prot(ph.p_flags), type);
    if (BAD_ADDR(map_addr)) return fail(`elf_map of program header ${i} failed (${map_addr})`, map_addr);
    if (!load_addr_set && ex.e_type === ET_DYN) {
      load_addr = map_addr - ELF_PAGESTART(ph.p_vaddr);
      load_addr_set = true;
    }
    const p = elf_segment_problem(i, ph, load_addr, true);
    if (p) return fail(p.reason, -Errno.ENOMEM);
    elf_bss = Math.max(elf_bss, load_addr + ph.p_vaddr + ph.p_filesz);
    last_bss = Math.max(last_bss, load_addr + ph.p_vaddr + ph.p_memsz);
  }
  if (padzero(vm, elf_bss)) return fail("padzero faulted", -Errno.EFAULT);
  elf_bss = ELF_PAGESTART(elf_bss + ELF_MIN_ALIGN - 1);
  if (last_bss > elf_bss) {
    const e = do_brk(vm, elf_bss, last_bss - elf_bss);
    if (BAD_ADDR(e)) return fail(`do_brk of the bss failed (${e})`, e);
  }
  out.interp_load_addr = load_addr;
  return (ex.e_entry + load_addr) >>> 0;
}

/* -------------------------------------------------------- create_elf_tables ---- */

/**
 * create_elf_tables: below the argument strings, the platform string, then (16-byte aligned) argc,
 * argv[], NULL, envp[], NULL and the auxiliary vector, written to user memory (the stack VMA's
 * pages, faulted in as the kernel's __put_user does). Sets arg_end, env_start and env_end;
 * returns the new bprm->p (the initial stack pointer) or -EFAULT.
 */
export function create_elf_tables(
  vm: VmSystem,
  bprm: binprm,
  exec: Elf32_Ehdr,
  load_addr: number,
  interp_load_addr: number,
  auxvOut: Array<[number, number]>,
): number {
  const mm = vm.current.mm!;
  const tsk = vm.current;
  let p = bprm.p;
  const plat = new TextEncoder().encode(`${ELF_PLATFORM}\0`);
  p -= plat.length; /* STACK_ALLOC(p, len) (no CONFIG_X86_HT sibling shuffle: one CPU thread) */
  const u_platform = p;
  if (copy_to_user(vm, u_platform, plat)) return -Errno.EFAULT;
  const auxv: Array<[number, number]> = [
    [AT_SYSINFO, VSYSCALL_ENTRY] /* ARCH_DLINFO first */,
    [AT_SYSINFO_EHDR, VSYSCALL_BASE],
    [AT_HWCAP, elf_hwcap(vm.machine.features)],
    [AT_PAGESZ, PAGE_SIZE],
    [AT_CLKTCK, CLOCKS_PER_SEC],
    [AT_PHDR, (load_addr + exec.e_phoff) >>> 0],
    [AT_PHENT, ELF32_PHDR_SIZE],
    [AT_PHNUM, exec.e_phnum],
    [AT_BASE, interp_load_addr],
    [AT_FLAGS, 0],
    [AT_ENTRY, exec.e_entry],
    [AT_UID, tsk.uid],
    [AT_EUID, tsk.uid],
    [AT_GID, 0],
    [AT_EGID, 0],
    [AT_SECURE, 0],
    [AT_PLATFORM, u_platform],
    [AT_NULL, 0],
  ];
  const ei_words = auxv.length * 2;
  let sp = p - ei_words * 4; /* STACK_ADD(p, ei_index) */
  const items = bprm.argc + 1 + (bprm.envc + 1) + 1;
  sp = ((sp - items * 4) & ~15) >>> 0; /* STACK_ROUND */
  const words: number[] = [bprm.argc];
  let s = mm.arg_start;
  const strlen = (at: number) => {
    const r = copy_from_user(vm, at, Math.min(PAGE_SIZE * MAX_ARG_PAGES, STACK_TOP - at));
    const nul = r.bytes.indexOf(0);
    return nul < 0 ? 0 : nul + 1; /* strnlen_user */
  };
  for (let i = 0; i < bprm.argc; i++) {
    words.push(s);
    s += strlen(s);
  }
  words.push(0);
  mm.arg_end = mm.env_start = s;
  for (let i = 0; i < bprm.envc; i++) {
    words.push(s);
    s += strlen(s);
  }
  words.push(0);
  mm.env_end = s;
  for (const [t, v] of auxv) words.push(t, v);
  const bytes = new Uint8Array(words.length * 4);
  const dv = new DataView(bytes.buffer);
  words.forEach((w, i) => {
    dv.setUint32(i * 4, w >>> 0, true);
  });
  if (copy_to_user(vm, sp, bytes)) return -Errno.EFAULT;
  auxvOut.push(...auxv);
  mm.saved_auxv = auxv.flat(); /* memcpy of elf_info into mm->saved_auxv */
  return sp;
}

/* --------------------------------------------------------- load_elf_binary ---- */

function signal(vm: VmSystem, sig: number): void {
  vm.current.pending.push({ si_signo: sig, si_errno: 0, si_code: 0, si_addr: 0 });
}

/**
 * load_elf_binary(bprm): the ELF loader. Before flush_old_exec it only reads; a problem there
 * returns -errno with the caller's mm untouched. After it, a failure queues SIGKILL (or SIGSEGV
 * for padzero and the interpreter) exactly where the kernel does.
 */
export function load_elf_binary(ctx: BinfmtContext, bprm: binprm): ElfLoadResult {
  const { vm, pc } = ctx;
  const res: ElfLoadResult = {
    retval: 0,
    problem: null,
    signal: null,
    pointOfNoReturn: false,
    entry: 0,
    sp: 0,
    load_bias: 0,
    interp_load_addr: 0,
    auxv: [],
  };
  const refuse = (p: ElfProblem): ElfLoadResult => ({ ...res, retval: -p.errno, problem: p });
  const read = kernelReader(pc, bprm.file);
  const ex = elf_parse_ehdr(bprm.buf);

  /* First of all, some simple consistency checks. */
  const head = elf_check_ehdr(ex, ctx.checks);
  if (head) return refuse(head);
  if (bprm.file.f_op.mmap !== "generic_file_mmap")
    return refuse({
      errno: Errno.ENOEXEC,
      reason: "the file system cannot mmap the file",
      by: "kernel",
      where: LOAD,
      when: "refused",
    });
  const phdrs = elf_read_phdrs(ex, read);
  if (!Array.isArray(phdrs)) return refuse(phdrs);

  /* The interpreter: its path, opened, its first bytes checked. */
  const interpPath = elf_read_interp(phdrs, read);
  if (interpPath !== null && typeof interpPath !== "string") return refuse(interpPath);
  let interpreter: pc_file | null = null;
  let interp_ex: Elf32_Ehdr | null = null;
  const dropInterp = () => {
    if (interpreter) {
      pc.allow_write_access(interpreter);
      pc.fput(interpreter);
    }
  };
  if (typeof interpPath === "string") {
    const f = pc.open_exec(interpPath);
    if (IS_ERR(f)) {
      const e = -PTR_ERR(f);
      return refuse({
        errno: e,
        reason: `interpreter ${interpPath}: open_exec failed (${e === Errno.ENOENT ? "no such file" : `errno ${e}`})`,
        by: "kernel",
        where: `${LOAD} (open_exec)`,
        when: "refused",
      });
    }
    interpreter = f;
    const buf = kernelReader(pc, f)(0, BINPRM_BUF_SIZE);
    const bad = elf_check_interp_buf(buf, interpPath, ctx.checks);
    if (bad) {
      dropInterp();
      return refuse(bad);
    }
    interp_ex = elf_parse_ehdr(buf);
  }
  const executable_stack = elf_executable_stack(phdrs);
  if (ctx.checks?.modelChecks ?? true) {
    const m = elf_model_segment_problems(phdrs, bprm.file.f_dentry.d_inode!.i_size);
    if (m.length) {
      dropInterp();
      return refuse(m[0]);
    }
  }

  /* flush_old_exec: the point of no return. */
  exec_mmap(vm, bprm.mm);
  res.pointOfNoReturn = true;
  const mm = vm.current.mm!;
  mm.start_data = mm.end_data = mm.end_code = 0;
  mm.def_flags = 0;
  if (elf_read_implies_exec(executable_stack)) vm.current.personality |= READ_IMPLIES_EXEC;
  arch_pick_mmap_layout(vm, mm);
  mm.rss = 0;
  mm.free_area_cache = mm.mmap_base;
  /* What the kernel returns on these paths: retval as it stands (0 after the PT_LOAD checks). */
  const kill = (sig: "SIGKILL" | "SIGSEGV", reason: string, errno = 0, retval = 0): ElfLoadResult => {
    signal(vm, sig === "SIGKILL" ? SIGKILL : SIGSEGV);
    dropInterp();
    return {
      ...res,
      retval,
      signal: sig,
      problem: { errno, reason, by: "kernel", where: LOAD, when: "killed", signal: sig },
    };
  };
  const r = setup_arg_pages(vm, bprm, STACK_TOP, executable_stack);
  if (r < 0) return kill("SIGKILL", `setup_arg_pages failed (${r})`, -r, r);
  mm.start_stack = bprm.p;

  /* Map the PT_LOAD segments. */
  let load_addr = 0;
  let load_bias = 0;
  let load_addr_set = false;
  let elf_bss = 0;
  let elf_brk = 0;
  let start_code = 0xffffffff;
  let end_code = 0;
  let start_data = 0;
  let end_data = 0;
  for (let i = 0; i < phdrs.length; i++) {
    const ph = phdrs[i];
    if (ph.p_type !== PT_LOAD) continue;
    if (elf_brk > elf_bss) {
      /* A PT_LOAD with p_memsz > p_filesz came before this one: its bss now. */
      if (set_brk(vm, elf_bss + load_bias, elf_brk + load_bias))
        return kill("SIGKILL", `set_brk of program header ${i}'s predecessor failed`);
      let nbyte = ELF_PAGEOFFSET(elf_bss);
      if (nbyte) {
        nbyte = Math.min(ELF_MIN_ALIGN - nbyte, elf_brk - elf_bss);
        clear_user(vm, elf_bss + load_bias, nbyte); /* may fail on odd protections: not checked */
      }
    }
    const prot = elf_prot(ph.p_flags);
    let flags = MAP_PRIVATE | MAP_DENYWRITE | MAP_EXECUTABLE;
    const vaddr = ph.p_vaddr;
    if (ex.e_type === ET_EXEC || load_addr_set) flags |= MAP_FIXED;
    else if (ex.e_type === ET_DYN) load_bias = ELF_PAGESTART(ELF_ET_DYN_BASE - vaddr);
    const error = elf_map(vm, bprm.file, (load_bias + vaddr) >>> 0, ph, prot, flags);
    if (BAD_ADDR(error))
      return kill("SIGKILL", `elf_map of program header ${i} failed (${error})`, error < 0 ? -error : 0);
    if (!load_addr_set) {
      load_addr_set = true;
      load_addr = (ph.p_vaddr - ph.p_offset) >>> 0;
      if (ex.e_type === ET_DYN) {
        load_bias += error - ELF_PAGESTART(load_bias + vaddr);
        load_addr = (load_addr + load_bias) >>> 0;
      }
    }
    const k = ph.p_vaddr;
    if (k < start_code) start_code = k;
    if (start_data < k) start_data = k;
    const bad = elf_segment_problem(i, ph);
    if (bad) return kill("SIGKILL", bad.reason);
    const fileEnd = ph.p_vaddr + ph.p_filesz;
    if (fileEnd > elf_bss) elf_bss = fileEnd;
    if (ph.p_flags & 1 && end_code < fileEnd) end_code = fileEnd;
    if (end_data < fileEnd) end_data = fileEnd;
    const memEnd = ph.p_vaddr + ph.p_memsz;
    if (memEnd > elf_brk) elf_brk = memEnd;
  }
  const e_entry = (ex.e_entry + load_bias) >>> 0;
  elf_bss += load_bias;
  elf_brk += load_bias;
  start_code += load_bias;
  end_code += load_bias;
  start_data += load_bias;
  end_data += load_bias;
  res.load_bias = load_bias;

  /* The bss and the break: before the interpreter, so it cannot land where the bss goes. */
  if (set_brk(vm, elf_bss, elf_brk)) return kill("SIGKILL", "set_brk of the bss failed");
  if (padzero(vm, elf_bss))
    return kill(
      "SIGSEGV",
      "padzero: the tail of the last file page could not be zeroed",
      Errno.EFAULT,
      -Errno.EFAULT,
    );

  let elf_entry = e_entry;
  if (interpreter && interp_ex) {
    const out = { interp_load_addr: 0, problem: null as string | null };
    elf_entry = load_elf_interp(ctx, interp_ex, interpreter, out);
    if (BAD_ADDR(elf_entry)) {
      vm.machine.printk(`Unable to load interpreter ${(interpPath as string).slice(0, 128)}`);
      return kill(
        "SIGSEGV",
        `interpreter ${interpPath as string}: ${out.problem}`,
        Errno.ENOEXEC,
        -Errno.ENOEXEC,
      );
    }
    res.interp_load_addr = out.interp_load_addr;
    dropInterp();
    interpreter = null;
  }

  /* compute_creds, create_elf_tables, the mm's bounds. */
  const exForTables = { ...ex, e_entry };
  const sp = create_elf_tables(vm, bprm, exForTables, load_addr, res.interp_load_addr, res.auxv);
  /* 2.6.11 ignores create_elf_tables' result; the model stops here rather than start a broken stack. */
  if (sp < 0)
    return kill("SIGSEGV", "create_elf_tables faulted (the model's stop; 2.6.11 ignores it)", Errno.EFAULT);
  bprm.p = sp;
  mm.end_code = end_code >>> 0;
  mm.start_code = start_code >>> 0;
  mm.start_data = start_data >>> 0;
  mm.end_data = end_data >>> 0;
  mm.start_stack = bprm.p;
  if (vm.current.personality & MMAP_PAGE_ZERO)
    do_mmap(vm, null, 0, PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_FIXED | MAP_PRIVATE, 0);
  /* start_thread(regs, elf_entry, bprm->p) */
  vm.current.regs.eip = elf_entry;
  vm.current.regs.esp = bprm.p;
  res.entry = elf_entry;
  res.sp = bprm.p;
  return res;
}
