/*
 * elf-glibc.ts — the memory system calls of a glibc 2.36 i386 process after exec, played instead
 * of run: glibc's break handling (misc/sbrk.c __sbrk, sysdeps/unix/sysv/linux/brk.c __brk,
 * elf/dl-early_allocate.c), the parts of malloc/malloc.c these programs reach (ptmalloc_init,
 * tcache_init, _int_malloc splitting the top chunk, sysmalloc growing it by brk with top_pad and
 * the alignment correction, or mmapping requests over mmap_threshold), the static start-up
 * (__libc_setup_tls, _dl_non_dynamic_init), ld.so's mapping of DT_NEEDED libraries (elf/rtld.c,
 * elf/dl-load.c through elf-ld-so.ts) and fixtures/elf/memorylayout.c's main.
 *
 * Everything goes through a {@link UserSyscalls} (the model's sys_brk, sys_mmap2, sys_mprotect,
 * sys_munmap and a user-memory writer), so the same play runs on the model's mm or on a replay of
 * a real strace. Sizes glibc computes are computed; the few it takes from places the model does
 * not run (the static TLS block, _dl_init_paths' allocations, rtld's minimal-malloc page) are
 * constants measured under qemu-i386 for glibc 2.36-9 and named as such (GLIBC_236_I386).
 * Invariant: every address returned is one the kernel handed out (brk or mmap), never invented.
 */

import { PAGE_SIZE } from "@i386mm/hw-i386";
import type { ElfFile } from "./elf.js";
import { _dl_map_object_from_file, _dl_protect_relro, type DlSyscalls, dl_failed } from "./elf-ld-so.js";

/** What the played process asks of the kernel. Results: addresses or -errno (brk: the new break). */
export interface UserSyscalls extends DlSyscalls {
  /** sys_brk: returns the (possibly unchanged) break. */
  brk(addr: number): number;
  /** A one-byte store by the program at `addr` (a page fault in the model). */
  touch(addr: number): void;
}

/** Facts of glibc 2.36 on i386 the model uses (malloc/malloc.c defaults; measured ones marked). */
export const GLIBC_236_I386 = {
  /** sizeof(size_t). */
  SIZE_SZ: 4,
  /** MALLOC_ALIGNMENT: 16 on i386 since glibc 2.26 (sysdeps/i386/malloc-alignment.h). */
  MALLOC_ALIGNMENT: 16,
  /** MINSIZE: the smallest chunk. */
  MINSIZE: 16,
  /** DEFAULT_TOP_PAD: extra bytes asked of sbrk each time the heap grows (M_TOP_PAD). */
  DEFAULT_TOP_PAD: 128 * 1024,
  /** DEFAULT_MMAP_THRESHOLD_MIN: requests from this size get their own mmap (M_MMAP_THRESHOLD). */
  DEFAULT_MMAP_THRESHOLD: 128 * 1024,
  /** sizeof(tcache_perthread_struct): 64 uint16 counts + 64 entry pointers. */
  TCACHE_STRUCT: 64 * 2 + 64 * 4,
  /** Measured: __libc_setup_tls's _dl_early_allocate size for these binaries (PT_TLS p_memsz 0x30). */
  STATIC_TLS_BLOCK: 0x880,
  /** Measured: chunk bytes _dl_non_dynamic_init → _dl_init_paths allocates (no LD_LIBRARY_PATH). */
  STATIC_INIT_PATHS_CHUNKS: 0x130,
  /** Measured: rtld's __minimal_malloc maps this much before the first library (its link_map does not fit in ld.so's last page). */
  RTLD_MINIMAL_MALLOC_MAP: 2 * PAGE_SIZE,
} as const;

const G = GLIBC_236_I386;
const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_NONE = 0;
const MAP_PRIVATE = 0x02;
const MAP_ANONYMOUS = 0x20;
const MAP_NORESERVE = 0x4000;

const alignUp = (v: number, a: number) => Math.ceil(v / a) * a;

/* ------------------------------------------------------------------ the break ---- */

/** glibc's program break: __curbrk with __brk / __sbrk / _dl_early_allocate. */
export class GlibcBrk {
  /** __curbrk (null until __brk has run in this libc). */
  curbrk: number | null = null;
  constructor(private readonly sys: UserSyscalls) {}

  /** __brk(addr): the system call; sets __curbrk; -1 (ENOMEM) if the kernel did not move the break to addr. */
  brk(addr: number): number {
    const r = this.sys.brk(addr);
    this.curbrk = r;
    return r < addr ? -1 : 0;
  }

  /** __sbrk(increment): old break or -1; learns the break first when __curbrk is unknown; sbrk(0) is then free. */
  sbrk(increment: number): number {
    if (this.curbrk === null && this.brk(0) < 0) return -1;
    const old = this.curbrk!;
    if (increment === 0) return old;
    if (this.brk(old + increment) < 0) return -1;
    return old;
  }

  /**
   * _dl_early_allocate(size): with __curbrk unknown, two raw brk calls that leave __curbrk unset
   * (so the first __sbrk asks again), else __sbrk. Returns the block or null.
   */
  early_allocate(size: number): number | null {
    if (this.curbrk !== null) {
      const r = this.sbrk(size);
      return r < 0 ? null : r;
    }
    const previous = this.sys.brk(0);
    const result = this.sys.brk(previous + size);
    return result === previous ? null : previous;
  }
}

/* ------------------------------------------------------------------- malloc ---- */

/** request2size: the chunk size for a request of n bytes. */
export function request2size(n: number): number {
  const size = (n + G.SIZE_SZ + G.MALLOC_ALIGNMENT - 1) & ~(G.MALLOC_ALIGNMENT - 1);
  return Math.max(G.MINSIZE, size);
}

/**
 * glibc's malloc on the main arena, as far as a program that never frees reaches it: the first
 * call initialises (ptmalloc_init, tcache_init allocating the tcache struct), chunks are split off
 * the top chunk, sysmalloc grows the top with sbrk or gives big requests their own mmap.
 */
export class GlibcMalloc {
  /** Start of the top chunk (0 before the first sysmalloc) and its size. */
  top = 0;
  topSize = 0;
  private initialised = false;
  /** Every chunk handed out: mem pointer and chunk size (for tests and views). */
  readonly chunks: Array<{ mem: number; size: number; mmapped: boolean }> = [];
  constructor(
    private readonly brk: GlibcBrk,
    private readonly sys: UserSyscalls,
  ) {}

  /** malloc(n): the user pointer, or 0. */
  malloc(n: number): number {
    if (!this.initialised) {
      this.initialised = true; /* ptmalloc_init → tcache_key_initialize (getrandom): no memory call */
      this.#_int_malloc(G.TCACHE_STRUCT); /* tcache_init */
    }
    return this.#_int_malloc(n);
  }

  /** A chunk of exactly `chunkSize` bytes (for allocations the model knows only by their total). */
  mallocChunk(chunkSize: number): number {
    return this.malloc(chunkSize - G.SIZE_SZ);
  }

  #_int_malloc(n: number): number {
    const nb = request2size(n);
    if (this.topSize >= nb + G.MINSIZE) {
      const p = this.top;
      this.top += nb;
      this.topSize -= nb;
      this.chunks.push({ mem: p + 2 * G.SIZE_SZ, size: nb, mmapped: false });
      return p + 2 * G.SIZE_SZ;
    }
    return this.#sysmalloc(nb);
  }

  /** sysmalloc: an mmap of its own for nb ≥ mmap_threshold, else grow the top through sbrk. */
  #sysmalloc(nb: number): number {
    if (nb >= G.DEFAULT_MMAP_THRESHOLD) {
      /* MALLOC_ALIGNMENT (16) != CHUNK_HDR_SZ (8): room for realigning the chunk. */
      const size = alignUp(nb + G.SIZE_SZ + G.MALLOC_ALIGNMENT - 1, PAGE_SIZE);
      const mm = this.sys.mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (mm >= 0) {
        const misalign = (mm + 2 * G.SIZE_SZ) % G.MALLOC_ALIGNMENT;
        const p = mm + (misalign ? G.MALLOC_ALIGNMENT - misalign : 0);
        this.chunks.push({ mem: p + 2 * G.SIZE_SZ, size, mmapped: true });
        return p + 2 * G.SIZE_SZ;
      }
    }
    const oldEnd = this.top + this.topSize;
    let size = nb + G.DEFAULT_TOP_PAD + G.MINSIZE;
    const contiguousGrow = this.topSize > 0;
    if (contiguousGrow) size -= this.topSize;
    size = alignUp(size, PAGE_SIZE);
    const brk = this.brk.sbrk(size);
    if (brk < 0) return 0;
    if (contiguousGrow && brk === oldEnd) {
      this.topSize += size;
    } else {
      /* First heap (or foreign sbrk): align the chunk, then round the end to a page with a second sbrk. */
      let correction = 0;
      let aligned = brk;
      const front = (brk + 2 * G.SIZE_SZ) % G.MALLOC_ALIGNMENT;
      if (front) {
        correction = G.MALLOC_ALIGNMENT - front;
        aligned += correction;
      }
      correction += this.topSize;
      const endMisalign = brk + size + correction;
      correction += alignUp(endMisalign, PAGE_SIZE) - endMisalign;
      const snd = this.brk.sbrk(correction);
      const sndBrk = snd < 0 ? brk + size : snd;
      this.top = aligned;
      this.topSize = sndBrk + (snd < 0 ? 0 : correction) - aligned;
    }
    return this.#_int_malloc(nb - G.SIZE_SZ);
  }
}

/* ------------------------------------------------------- process start-up ---- */

/** The part of the process image the start-up code needs. */
export interface PlayedImage {
  /** The executable's parsed file and its load bias (0 for ET_EXEC). */
  readonly exe: ElfFile;
  readonly exeBias: number;
  /** The path exec was given (/proc/self/exe's target). */
  readonly exePath: string;
}

/** glibc's state of a played process after start-up. */
export interface GlibcProcess {
  readonly brk: GlibcBrk;
  readonly malloc: GlibcMalloc;
}

/**
 * A static (or static-pie) glibc program up to main: __libc_setup_tls takes the TLS block from
 * the break, _dl_non_dynamic_init mallocs the origin directory (the first malloc: the heap is made
 * here) and the search paths, then makes RELRO read-only.
 */
export function glibc_static_start(sys: UserSyscalls, img: PlayedImage): GlibcProcess {
  const brk = new GlibcBrk(sys);
  const malloc = new GlibcMalloc(brk, sys);
  brk.early_allocate(G.STATIC_TLS_BLOCK); /* __libc_setup_tls */
  /* _dl_get_origin: dirname of /proc/self/exe ("/" for a file in the root). */
  const slash = img.exePath.lastIndexOf("/");
  malloc.malloc((slash <= 0 ? 1 : slash) + 1);
  malloc.mallocChunk(G.STATIC_INIT_PATHS_CHUNKS); /* _dl_init_paths */
  _dl_protect_relro(img.exeBias, img.exe.relro, sys);
  return { brk, malloc };
}

/** A library ld.so can open: its parsed file and a descriptor number. */
export interface DlOpenable {
  readonly file: ElfFile;
  readonly fd: number;
  readonly path: string;
}

/** What the dynamic start-up did: the libraries mapped (path, load bias) in load order. */
export interface RtldResult extends GlibcProcess {
  readonly loaded: ReadonlyArray<{
    readonly path: string;
    readonly soname: string | null;
    readonly l_addr: number;
  }>;
  /** glibc's error message when a library could not be found or mapped, else null. */
  readonly error: string | null;
}

/**
 * ld.so's start-up after exec mapped the program and the interpreter (elf/rtld.c dl_main): learn
 * the break, then breadth-first over DT_NEEDED (the program's, then each new library's), skipping
 * names already loaded (by DT_SONAME, as the interpreter is), open each through `open`, its link_map
 * from the minimal malloc (one anonymous mapping before the first library), _dl_map_object's
 * mapping; after relocation RELRO read-only for the libraries (last loaded first), the program and
 * ld.so itself. The program's libc then has no break yet (__curbrk unknown).
 */
export function rtld_start(
  sys: UserSyscalls,
  img: PlayedImage,
  interp: { readonly file: ElfFile; readonly l_addr: number },
  open: (name: string) => DlOpenable | null,
): RtldResult {
  sys.brk(0); /* _dl_sysdep_start: the initial break */
  const loaded: Array<{ path: string; soname: string | null; l_addr: number; file: ElfFile }> = [];
  const known = new Set<string>([interp.file.dynamic?.soname ?? ""]);
  const queue = [...(img.exe.dynamic?.needed ?? [])];
  let minimalMalloc = false;
  let error: string | null = null;
  while (queue.length) {
    const name = queue.shift()!;
    if (known.has(name)) continue;
    const lib = open(name);
    if (!lib) {
      error = `${name}: cannot open shared object file: No such file or directory`;
      break;
    }
    if (!minimalMalloc) {
      minimalMalloc = true;
      sys.mmap(0, G.RTLD_MINIMAL_MALLOC_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    const m = _dl_map_object_from_file(lib.file, lib.fd, sys);
    if (dl_failed(m)) {
      error = `${name}: ${m.errstring}`;
      break;
    }
    known.add(name);
    if (lib.file.dynamic?.soname) known.add(lib.file.dynamic.soname);
    loaded.push({
      path: lib.path,
      soname: lib.file.dynamic?.soname ?? null,
      l_addr: m.l_addr,
      file: lib.file,
    });
    queue.push(...(lib.file.dynamic?.needed ?? []));
  }
  if (!error) {
    for (const l of [...loaded].reverse()) _dl_protect_relro(l.l_addr, l.file.relro, sys);
    _dl_protect_relro(img.exeBias, img.exe.relro, sys);
    _dl_protect_relro(interp.l_addr, interp.file.relro, sys);
  }
  const brk = new GlibcBrk(sys);
  return {
    brk,
    malloc: new GlibcMalloc(brk, sys),
    loaded: loaded.map(({ path, soname, l_addr }) => ({ path, soname, l_addr })),
    error,
  };
}

/* ----------------------------------------------- fixtures/elf/memorylayout.c ---- */

/** The values memorylayout.c collects in main before printing (names as it prints them). */
export interface MemorylayoutMain {
  readonly brk_initial_sbrk0: number;
  readonly heap_malloc16: number;
  readonly brk_after_malloc16: number;
  readonly mmap_malloc_1MiB: number;
  readonly mmap_anon_4KiB: number;
  readonly mmap_anon_4KiB_second: number;
  readonly mmap_anon_64MiB_noreserve: number;
}

/**
 * memorylayout.c's main up to its printing: sbrk(0), malloc(16), sbrk(0), malloc(1 MiB), two 4 KiB
 * anonymous mmaps, a 64 MiB PROT_NONE MAP_NORESERVE mmap, then one store into each of the four
 * first allocations (a page fault each).
 */
export function memorylayout_main(sys: UserSyscalls, p: GlibcProcess): MemorylayoutMain {
  const brk_initial_sbrk0 = p.brk.sbrk(0);
  const heap_malloc16 = p.malloc.malloc(16);
  const brk_after_malloc16 = p.brk.sbrk(0);
  const mmap_malloc_1MiB = p.malloc.malloc(1 << 20);
  const anon = () => sys.mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const mmap_anon_4KiB = anon();
  const mmap_anon_4KiB_second = anon();
  const mmap_anon_64MiB_noreserve = sys.mmap(
    0,
    64 << 20,
    PROT_NONE,
    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
    -1,
    0,
  );
  for (const a of [heap_malloc16, mmap_malloc_1MiB, mmap_anon_4KiB, mmap_anon_4KiB_second])
    if (a > 0) sys.touch(a);
  return {
    brk_initial_sbrk0,
    heap_malloc16,
    brk_after_malloc16,
    mmap_malloc_1MiB,
    mmap_anon_4KiB,
    mmap_anon_4KiB_second,
    mmap_anon_64MiB_noreserve,
  };
}
