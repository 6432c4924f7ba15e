/*
 * What may merge (mm/mmap.c, 2.6.11): is_mergeable_vma (the same flags, the same file, no close
 * method), is_mergeable_anon_vma, can_vma_merge_before/after (file offsets contiguous with the
 * request's), VM_SPECIAL never merging, and find_mergeable_anon_vma (a first anonymous page
 * shares a touching neighbour's anon_vma when only READ/WRITE/EXEC and nothing else sets them
 * apart, so that a later mprotect can merge the two). merge.test.ts has vma_merge's eight cases.
 */
import { KernelBugError } from "@i386mm/hw-i386";
import { type file, IS_ERR, O_RDWR } from "@i386mm/page-cache";
import { describe, expect, it } from "vitest";
import {
  checkVmaInvariants,
  create_task,
  do_mmap_pgoff,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_NORESERVE,
  MAP_PRIVATE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  schedule_to,
  sys_mprotect,
  user_write,
  VM_DONTCOPY,
  VM_DONTEXPAND,
  VM_IO,
  VM_RESERVED,
  type VmSystem,
  vma_list,
  vma_merge,
} from "../src/index.js";
import { find_mergeable_anon_vma } from "../src/vma.js";
import { bootVm, bootVmWithFiles } from "./helpers.js";

const P = 4096;
const A = 0x40000000;
const RO = PROT_READ;
const RW = PROT_READ | PROT_WRITE;
const RWX = PROT_READ | PROT_WRITE | PROT_EXEC;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE;

function anonProcess() {
  const vm = bootVm();
  const t = create_task(vm, "t")!;
  schedule_to(vm, t);
  return { vm, mm: t.mm! };
}
/** A process and two 16-page ramfs files, /f and /g, opened read-write. */
function fileProcess() {
  const { vm, pc } = bootVmWithFiles();
  expect(pc.writeFile("/f", new Uint8Array(16 * P).fill(7))).toBeGreaterThanOrEqual(0);
  expect(pc.writeFile("/g", new Uint8Array(16 * P).fill(9))).toBeGreaterThanOrEqual(0);
  const t = create_task(vm, "t")!;
  schedule_to(vm, t);
  const open = (name: string) => {
    const f = pc.filp_open(name, O_RDWR);
    if (IS_ERR(f)) throw new Error(`open ${name}: ${f}`);
    return f as file;
  };
  return { vm, f: open("/f"), g: open("/g") };
}
/** mmap pages [from, to) of the window at A (anonymous, or file pages from pgoff). */
function map(vm: VmSystem, from: number, to: number, prot: number, f: file | null = null, pgoff = 0) {
  const flags = f === null ? ANON : MAP_PRIVATE | MAP_FIXED;
  expect(do_mmap_pgoff(vm, f, A + from * P, (to - from) * P, prot, flags, pgoff)).toBe(A + from * P);
}
/** The VMAs as [first page, end page, vm_pgoff] relative to A (file pgoff as it is). */
function spans(vm: VmSystem, file = false) {
  checkVmaInvariants(vm);
  return vma_list(vm.current.mm!).map((v) => [
    (v.vm_start - A) / P,
    (v.vm_end - A) / P,
    file ? v.vm_pgoff : v.vm_pgoff - A / P,
  ]);
}

describe("is_mergeable_vma and VM_SPECIAL", () => {
  it("a VMA with VM_IO, VM_DONTCOPY, VM_DONTEXPAND or VM_RESERVED is never extended, up or down", () => {
    for (const special of [VM_IO, VM_DONTCOPY, VM_DONTEXPAND, VM_RESERVED, 0]) {
      const { vm, mm } = anonProcess();
      map(vm, 0, 1, RW);
      map(vm, 3, 4, RW);
      const [lo, hi] = vma_list(mm);
      lo!.vm_flags |= special;
      hi!.vm_flags |= special;
      const flags = lo!.vm_flags;
      // behind lo (case 2), then the rest of the hole up to hi (case 1; with lo unchanged, case 3)
      const behind = vma_merge(vm, mm, lo!, A + P, A + 2 * P, flags, null, null, A / P + 1);
      const hole = vma_merge(vm, mm, lo!, A + 2 * P, A + 3 * P, flags, null, null, A / P + 2);
      const got = vma_list(mm).map((v) => [(v.vm_start - A) / P, (v.vm_end - A) / P]);
      if (special === 0) {
        expect([behind, hole]).toEqual([lo, lo]);
        expect(got).toEqual([[0, 4]]);
      } else {
        expect([behind, hole], `flag ${special.toString(16)}`).toEqual([null, null]);
        expect(got).toEqual([
          [0, 1],
          [3, 4],
        ]);
      }
    }
  });

  it("a VMA whose vm_ops has a close method is not merged with, on either side", () => {
    const { vm, mm } = anonProcess();
    map(vm, 0, 1, RW);
    map(vm, 4, 5, RW);
    const [lo, hi] = vma_list(mm);
    lo!.vm_ops = { close: () => {} };
    hi!.vm_ops = { close: () => {} };
    map(vm, 1, 2, RW); // not behind lo
    map(vm, 3, 4, RW); // not in front of hi
    map(vm, 2, 3, RW); // but between the two new ones
    expect(spans(vm).map(([s, e]) => [s, e])).toEqual([
      [0, 1],
      [1, 4],
      [4, 5],
    ]);
    // vm_ops without a close method merge as none do
    const other = anonProcess();
    map(other.vm, 0, 1, RW);
    other.mm.mmap!.vm_ops = { open: () => {} };
    map(other.vm, 1, 2, RW);
    expect(spans(other.vm).map(([s, e]) => [s, e])).toEqual([[0, 2]]);
  });
});

describe("can_vma_merge_before/after: file offsets", () => {
  it("a mapping merges behind a VMA of the same file only where its offset continues it, and in front where it leads into it", () => {
    const { vm, f, g } = fileProcess();
    map(vm, 10, 11, RO, f, 4);
    map(vm, 9, 10, RO, f, 3); // case 3: in front, offsets 3 then 4
    map(vm, 11, 12, RO, f, 6); // offset 5 would continue: 6 does not
    map(vm, 12, 14, RO, f, 7); // behind the offset-6 VMA (case 2)
    map(vm, 8, 9, RO, f, 1); // 2 would lead into offset 3: 1 does not
    map(vm, 14, 15, RO, g, 9); // another file, though its offset continues
    // offsets that continue across a hole: nothing merges over it, up or down
    map(vm, 20, 21, RO, f, 0);
    map(vm, 22, 23, RO, f, 1);
    map(vm, 30, 31, RO, f, 1);
    map(vm, 28, 29, RO, f, 0);
    map(vm, 40, 41, RO, f, 0);
    map(vm, 43, 44, RO, f, 2);
    map(vm, 41, 42, RO, f, 1); // behind [40,41) only: [43,44) continues its offset, past a hole
    expect(spans(vm, true)).toEqual([
      [8, 9, 1],
      [9, 11, 3],
      [11, 14, 6],
      [14, 15, 9],
      [20, 21, 0],
      [22, 23, 1],
      [28, 29, 0],
      [30, 31, 1],
      [40, 42, 0],
      [43, 44, 2],
    ]);
  });

  it("filling a hole joins both neighbours only when both offsets fit; else the predecessor alone, or the successor", () => {
    const { vm, f } = fileProcess();
    map(vm, 0, 1, RO, f, 0);
    map(vm, 2, 3, RO, f, 2);
    map(vm, 1, 2, RO, f, 1); // case 1
    map(vm, 10, 11, RO, f, 0);
    map(vm, 12, 13, RO, f, 5);
    map(vm, 11, 12, RO, f, 1); // case 2: the successor's offset 5 does not follow
    map(vm, 20, 21, RO, f, 0);
    map(vm, 22, 24, RO, f, 4);
    map(vm, 21, 22, RO, f, 3); // case 3: offset 3 does not follow the predecessor's 0
    expect(spans(vm, true)).toEqual([
      [0, 3, 0],
      [10, 12, 0],
      [12, 13, 5],
      [20, 21, 0],
      [21, 24, 3],
    ]);
  });
});

describe("is_mergeable_anon_vma", () => {
  it("mprotect merges a VMA with a neighbour that has the same anon_vma or none, never another one", () => {
    const { vm, mm } = anonProcess();
    // [0,1) rw with anon_vma X; [1,2) r-- with none; [2,3) rw with its own anon_vma Y
    map(vm, 0, 1, RW);
    map(vm, 1, 2, RO);
    map(vm, 2, 3, RW);
    map(vm, 3, 4, RO);
    expect(user_write(vm, A, [1])).toBeNull();
    expect(user_write(vm, A + 2 * P, [1])).toBeNull();
    const [x, , y] = vma_list(mm);
    expect(x!.anon_vma).not.toBeNull();
    expect(y!.anon_vma).not.toBeNull();
    expect(y!.anon_vma).not.toBe(x!.anon_vma);
    // [2,3) made read-only: its own anon_vma against none on both sides: merges with [1,2) and [3,4)
    expect(sys_mprotect(vm, A + 2 * P, P, RO)).toBe(0);
    expect(spans(vm).map(([s, e]) => [s, e])).toEqual([
      [0, 1],
      [1, 4],
    ]);
    expect(vma_list(mm)[1]!.anon_vma).toBe(y!.anon_vma);
    // [0,1) made read-only: X against Y: no merge
    expect(sys_mprotect(vm, A, P, RO)).toBe(0);
    expect(spans(vm).map(([s, e]) => [s, e])).toEqual([
      [0, 1],
      [1, 4],
    ]);
  });
});

describe("find_mergeable_anon_vma", () => {
  it("the first write fault shares a touching neighbour's anon_vma when only rwx differ (behind it, then in front of it)", () => {
    const { vm, mm } = anonProcess();
    map(vm, 0, 1, RW);
    map(vm, 1, 2, RWX);
    map(vm, 2, 3, RW); // touching [1,2) from above, no anon_vma yet: not in the way
    map(vm, 5, 6, RWX);
    map(vm, 6, 8, RW);
    expect(user_write(vm, A, [1])).toBeNull();
    expect(user_write(vm, A + P, [1])).toBeNull(); // the VMA before has one: shared
    expect(user_write(vm, A + 7 * P, [1])).toBeNull();
    expect(user_write(vm, A + 5 * P, [1])).toBeNull(); // the VMA after has one: shared
    const [a, b, , c, d] = vma_list(mm);
    expect(b!.anon_vma).toBe(a!.anon_vma);
    expect(c!.anon_vma).toBe(d!.anon_vma);
    expect(c!.anon_vma).not.toBe(a!.anon_vma);
    // so mprotect can merge them later
    expect(sys_mprotect(vm, A + P, P, RW)).toBe(0);
    expect(sys_mprotect(vm, A + 5 * P, P, RW)).toBe(0);
    expect(spans(vm).map(([s, e]) => [s, e])).toEqual([
      [0, 3],
      [5, 8],
    ]);
  });

  it("no sharing across a hole, with a neighbour that has none yet, or when flags besides rwx differ", () => {
    const { vm, mm } = anonProcess();
    map(vm, 0, 1, RW);
    map(vm, 2, 3, RWX); // a hole between
    map(vm, 3, 4, RWX); // touches [2,3), which has none yet; merged with it at mmap
    expect(
      do_mmap_pgoff(vm, null, A + 5 * P, P, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0), // VM_ACCOUNT
    ).toBe(A + 5 * P);
    map(vm, 6, 7, RWX);
    expect(user_write(vm, A + 2 * P, [1])).toBeNull(); // [0,1) has no anon_vma yet, and is not touching
    expect(user_write(vm, A, [1])).toBeNull();
    expect(user_write(vm, A + 6 * P, [1])).toBeNull();
    expect(user_write(vm, A + 5 * P, [1])).toBeNull(); // charged: VM_ACCOUNT sets it apart
    const avs = vma_list(mm).map((v) => v.anon_vma);
    expect(avs).toHaveLength(4);
    expect(new Set(avs).size).toBe(4);
  });

  it("file pages: shared only with a touching private mapping of the same file at the following or preceding offset", () => {
    const { vm, f, g } = fileProcess();
    map(vm, 0, 1, RW, f, 2);
    map(vm, 1, 2, RWX, f, 3); // follows
    map(vm, 2, 3, RW, f, 9); // does not
    map(vm, 3, 4, RWX, g, 10); // another file
    map(vm, 8, 9, RWX, f, 4); // precedes the next one
    map(vm, 9, 10, RW, f, 5);
    map(vm, 10, 11, RWX, f, 7); // does not follow the one before it
    map(vm, 12, 13, RWX, f, 1); // does not precede the next one
    map(vm, 13, 14, RW, f, 3);
    map(vm, 15, 16, RWX, f, 0); // the next one is another file
    map(vm, 16, 17, RW, g, 1);
    map(vm, 20, 21, RWX, f, 0); // offsets continue across a hole, up and down
    map(vm, 22, 23, RW, f, 1);
    map(vm, 24, 25, RW, f, 0);
    map(vm, 26, 27, RWX, f, 1);
    for (const p of [0, 1, 2, 3, 9, 8, 10, 13, 12, 16, 15, 22, 20, 24, 26])
      expect(user_write(vm, A + p * P, [1]), `page ${p}`).toBeNull();
    const av = vma_list(vm.current.mm!).map((v) => v.anon_vma);
    expect(av).toHaveLength(15);
    expect(av[1]).toBe(av[0]);
    expect(av[4]).toBe(av[5]);
    expect(new Set(av).size).toBe(13);
  });

  it("kernel BUG when the VMA is not the one its mm has at that address", () => {
    const { vm, mm } = anonProcess();
    map(vm, 0, 2, RW);
    const real = mm.mmap!;
    const stray = Object.assign(Object.create(Object.getPrototypeOf(real)), real, { vm_next: null });
    expect(() => find_mergeable_anon_vma(stray)).toThrow(KernelBugError);
    try {
      find_mergeable_anon_vma(stray);
    } catch (e) {
      const bug = e as KernelBugError;
      expect([bug.call, bug.addr, bug.detail]).toEqual([
        "find_mergeable_anon_vma",
        A,
        "kernel BUG: VMA not in its mm",
      ]);
    }
    expect(find_mergeable_anon_vma(real)).toBeNull();
  });
});
