/*
 * elf-exec.ts — fs/exec.c's do_execve around load_elf_binary (open_exec, mm_alloc, the argument
 * and environment strings copied into argument pages by copy_strings, prepare_binprm's first 128
 * bytes, search_binary_handler with binfmt_elf as the only format) over the VmSystem's page
 * cache (files are mapped through filemap.ts), and the helpers that copy host files into the RAM
 * file system.
 *
 * Invariants: a failing exec before the point of no return leaves the caller's mm and the file's
 * write-deny count as they were and frees every argument page; a fatal signal queued after it is
 * delivered (do_exit) by the one-call helper, as on the return to user mode.
 */

import { ConfigError, Errno, PAGE_SIZE, type Page } from "@i386mm/hw-i386";
import { GFP_HIGHUSER } from "@i386mm/page-alloc";
import { IS_ERR, type PageCache, PTR_ERR } from "@i386mm/page-cache";
import { MAX_ARG_PAGES, SIGKILL, SIGSEGV } from "./constants.js";
import type { ElfCheckOptions, ElfProblem } from "./elf.js";
import { type BinfmtContext, type binprm, type ElfLoadResult, load_elf_binary } from "./elf-binfmt.js";
import { do_exit, mm_alloc, mmdrop } from "./fork.js";
import type { VmSystem } from "./vm.js";

/* ----------------------------------------------------------------- do_execve ---- */

/** What do_execve did. */
export interface ExecResult extends ElfLoadResult {
  /** The file name exec was given. */
  readonly filename: string;
}

/**
 * copy_strings: copy each string (last first) with its NUL below bprm->p into the argument pages,
 * allocating GFP_HIGHUSER pages as needed (zeroing the parts around the strings, as the kernel
 * does for a new page). 0, -E2BIG (more than MAX_ARG_PAGES pages) or -ENOMEM.
 */
export function copy_strings(vm: VmSystem, strings: readonly string[], bprm: binprm): number {
  const enc = new TextEncoder();
  for (let i = strings.length - 1; i >= 0; i--) {
    const str = enc.encode(`${strings[i]}\0`);
    if (bprm.p < str.length) return -Errno.E2BIG;
    bprm.p -= str.length;
    let pos = bprm.p;
    let done = 0;
    while (done < str.length) {
      const index = Math.floor(pos / PAGE_SIZE);
      const offset = pos % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - offset, str.length - done);
      let page = bprm.page[index];
      if (page === null || page === undefined) {
        page = vm.pa.alloc_pages(GFP_HIGHUSER, 0);
        if (page === null) return -Errno.ENOMEM;
        bprm.page[index] = page;
        vm.machine.ram.zeroFrame(vm.pa.page_to_pfn(page)); /* memset before and after the string */
      }
      vm.machine.ram.writeBytes(page * PAGE_SIZE + offset, str.subarray(done, done + n));
      done += n;
      pos += n;
    }
  }
  return 0;
}

/** Options of {@link do_execve}. */
export interface ExecOptions {
  /** ELF check options (the model's extra refusals; default on). */
  readonly checks?: ElfCheckOptions;
}

/**
 * do_execve(filename, argv, envp) for the current task: -errno with nothing changed when the file
 * cannot be opened or loaded before the point of no return; otherwise load_elf_binary's result
 * (retval 0, or the fatal signal it queued).
 */
export function do_execve(
  vm: VmSystem,
  filename: string,
  argv: readonly string[],
  envp: readonly string[],
  options: ExecOptions = {},
): ExecResult {
  const none = (retval: number, problem: ElfProblem | null): ExecResult => ({
    filename,
    retval,
    problem,
    signal: null,
    pointOfNoReturn: false,
    entry: 0,
    sp: 0,
    load_bias: 0,
    interp_load_addr: 0,
    auxv: [],
  });
  const pc = pageCacheOf(vm, "do_execve");
  const file = pc.open_exec(filename);
  if (IS_ERR(file)) {
    const e = -PTR_ERR(file);
    return none(-e, {
      errno: e,
      reason: `${filename}: open_exec failed (${e === Errno.ENOENT ? "no such file" : e === Errno.EACCES ? "not an executable regular file" : `errno ${e}`})`,
      by: "kernel",
      where: "fs/exec.c: do_execve (open_exec)",
      when: "refused",
    });
  }
  const mm = mm_alloc(vm);
  const closeFile = () => {
    pc.allow_write_access(file);
    pc.fput(file);
  };
  if (mm === null) {
    closeFile();
    return none(-Errno.ENOMEM, null);
  }
  const bprm: binprm = {
    page: new Array<Page | null>(MAX_ARG_PAGES).fill(null),
    p: PAGE_SIZE * MAX_ARG_PAGES - 4,
    loader: 0,
    exec: 0,
    buf: new Uint8Array(128),
    file,
    filename,
    argc: argv.length,
    envc: envp.length,
    mm,
  };
  const freePages = () => {
    for (let i = 0; i < MAX_ARG_PAGES; i++) {
      const pg = bprm.page[i];
      if (pg !== null && pg !== undefined) vm.pa.__free_page(pg);
      bprm.page[i] = null;
    }
  };
  const fail = (retval: number, problem: ElfProblem | null): ExecResult => {
    freePages();
    mmdrop(vm, mm);
    closeFile();
    return none(retval, problem);
  };
  /* prepare_binprm: the first BINPRM_BUF_SIZE bytes (zero-filled past the end of a short file). */
  const n = pc.kernel_read(file, 0, bprm.buf, 128);
  if (n < 0) return fail(n, null);
  let r = copy_strings(vm, [filename], bprm);
  if (r === 0) {
    bprm.exec = bprm.p;
    r = copy_strings(vm, envp, bprm);
  }
  if (r === 0) r = copy_strings(vm, argv, bprm);
  if (r < 0) return fail(r, null);
  /* search_binary_handler: binfmt_elf is the only format. */
  const ctx: BinfmtContext = { vm, pc, checks: options.checks };
  const res = load_elf_binary(ctx, bprm);
  if (res.retval < 0 && !res.pointOfNoReturn) return { ...fail(res.retval, res.problem) };
  freePages(); /* free_arg_pages: those setup_arg_pages did not take */
  closeFile(); /* search_binary_handler: allow_write_access + fput(bprm->file) */
  return { ...res, filename };
}

/** The VmSystem's page cache (exec reads and maps files through it); without one, a ConfigError. */
export function pageCacheOf(vm: VmSystem, call: string): PageCache {
  if (vm.pc === null)
    throw new ConfigError(call, "this VmSystem was built without a page cache ({ pagecache })");
  return vm.pc;
}

/** The fatal signal do_execve left queued, delivered as on the return to user mode: the task exits. */
export function deliver_fatal_signal(vm: VmSystem, res: ExecResult): boolean {
  if (res.signal === null) return false;
  do_exit(vm, res.signal === "SIGKILL" ? SIGKILL : SIGSEGV);
  return true;
}

/* ------------------------------------------------------------ one-call helpers ---- */

/** mkdir -p in the page cache's namespace. */
export function mkdir_p(pc: PageCache, dir: string): void {
  let at = "";
  for (const part of dir.split("/").filter(Boolean)) {
    at += `/${part}`;
    pc.sys_mkdir(at); /* -EEXIST for those already there */
  }
}

/** Copies host bytes into the RAM filesystem at `path` (directories made, mode 0755). */
export function install_file(pc: PageCache, path: string, bytes: Uint8Array, mode = 0o755): number {
  mkdir_p(pc, path.slice(0, path.lastIndexOf("/")));
  return pc.writeFile(path, bytes, mode);
}
