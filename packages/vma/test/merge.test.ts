/* Every case of vma_merge (mm/mmap.c's drawing), split_vma, and anon_vma compatibility. */
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
  split_vma,
  sys_mprotect,
  user_write,
  VM_READ,
  VM_WRITE,
  type VmSystem,
  vma_list,
} from "../src/index.js";
import { bootVm } from "./helpers.js";

const P = 4096;
const A = 0x40000000;
const RO = PROT_READ;
const RW = PROT_READ | PROT_WRITE;
const RX = PROT_READ | PROT_EXEC;

function setup() {
  const vm = bootVm();
  const t = create_task(vm, "t")!;
  schedule_to(vm, t);
  return vm;
}
/**
 * mmap pages [from, to) of the window at A with `prot`. MAP_NORESERVE keeps writable VMAs free of
 * VM_ACCOUNT, so that after mprotect their flags can equal a read-only neighbour's.
 */
function map(vm: VmSystem, from: number, to: number, prot: number, extra = MAP_NORESERVE) {
  const flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | extra;
  expect(do_mmap_pgoff(vm, null, A + from * P, (to - from) * P, prot, flags, 0)).toBe(A + from * P);
}
/** The VMAs as [first page, end page, "r"/"w" flags] relative to A. */
function layout(vm: VmSystem) {
  checkVmaInvariants(vm);
  return vma_list(vm.current.mm!).map((v) => [
    (v.vm_start - A) / P,
    (v.vm_end - A) / P,
    `${v.vm_flags & VM_READ ? "r" : "-"}${v.vm_flags & VM_WRITE ? "w" : "-"}${v.vm_flags & 4 ? "x" : "-"}`,
  ]);
}

describe("vma_merge from mmap (the new range is unmapped)", () => {
  it("case 1: the new range fills the hole between prev and next", () => {
    const vm = setup();
    map(vm, 0, 1, RW);
    map(vm, 2, 3, RW);
    map(vm, 1, 2, RW);
    expect(layout(vm)).toEqual([[0, 3, "rw-"]]);
  });
  it("case 2: it extends prev", () => {
    const vm = setup();
    map(vm, 0, 1, RW);
    map(vm, 1, 3, RW);
    expect(layout(vm)).toEqual([[0, 3, "rw-"]]);
  });
  it("case 3: it extends next downwards (next's vm_pgoff moves with its start)", () => {
    const vm = setup();
    map(vm, 2, 3, RW);
    map(vm, 0, 2, RW);
    expect(layout(vm)).toEqual([[0, 3, "rw-"]]);
    expect(vm.current.mm!.mmap!.vm_pgoff).toBe(A / P);
  });
  it("no merge: different flags, or both neighbours already have different anon_vmas", () => {
    const vm = setup();
    map(vm, 0, 1, RW);
    map(vm, 1, 2, RO);
    expect(layout(vm)).toHaveLength(2);
    const vm2 = setup();
    map(vm2, 0, 1, RW);
    map(vm2, 2, 3, RW);
    user_write(vm2, A, [1]);
    user_write(vm2, A + 2 * P, [1]);
    map(vm2, 1, 2, RW); // prev and next have distinct anon_vmas: only case 2 applies
    expect(layout(vm2)).toEqual([
      [0, 2, "rw-"],
      [2, 3, "rw-"],
    ]);
  });
});

describe("vma_merge from mprotect (the range is mapped, inside one VMA)", () => {
  it("case 4: the end of prev takes next's flags: prev shrinks, next grows down", () => {
    const vm = setup();
    map(vm, 0, 2, RW);
    map(vm, 2, 3, RO);
    expect(sys_mprotect(vm, A + P, P, RO)).toBe(0);
    expect(layout(vm)).toEqual([
      [0, 1, "rw-"],
      [1, 3, "r--"],
    ]);
  });
  it("case 5: the start of next takes prev's flags: prev grows, next shrinks", () => {
    const vm = setup();
    map(vm, 0, 1, RO);
    map(vm, 1, 3, RW);
    expect(sys_mprotect(vm, A + P, P, RO)).toBe(0);
    expect(layout(vm)).toEqual([
      [0, 2, "r--"],
      [2, 3, "rw-"],
    ]);
  });
  it("case 6: all of next takes the flags of both neighbours: three become one", () => {
    const vm = setup();
    map(vm, 0, 1, RO);
    map(vm, 1, 2, RW);
    map(vm, 2, 3, RO);
    expect(sys_mprotect(vm, A + P, P, RO)).toBe(0);
    expect(layout(vm)).toEqual([[0, 3, "r--"]]);
    expect(vm.current.mm!.map_count).toBe(1);
  });
  it("case 7: all of next takes prev's flags only", () => {
    const vm = setup();
    map(vm, 0, 1, RO);
    map(vm, 1, 2, RW);
    map(vm, 2, 3, RX);
    expect(sys_mprotect(vm, A + P, P, RO)).toBe(0);
    expect(layout(vm)).toEqual([
      [0, 2, "r--"],
      [2, 3, "r-x"],
    ]);
  });
  it("case 8: all of next takes the flags of the one after it", () => {
    const vm = setup();
    map(vm, 0, 1, RX);
    map(vm, 1, 2, RW);
    map(vm, 2, 3, RO);
    expect(sys_mprotect(vm, A + P, P, RO)).toBe(0);
    expect(layout(vm)).toEqual([
      [0, 1, "r-x"],
      [1, 3, "r--"],
    ]);
  });
  it("a charged (VM_ACCOUNT) writable VMA made read-only keeps VM_ACCOUNT: no merge with a never-writable neighbour", () => {
    const vm = setup();
    map(vm, 0, 1, RO);
    map(vm, 1, 2, RW, 0);
    expect(sys_mprotect(vm, A + P, P, RO)).toBe(0);
    expect(layout(vm)).toEqual([
      [0, 1, "r--"],
      [1, 2, "r--"],
    ]);
  });
  it("no neighbour fits: split at both ends", () => {
    const vm = setup();
    map(vm, 0, 3, RW);
    expect(sys_mprotect(vm, A + P, P, RO)).toBe(0);
    expect(layout(vm)).toEqual([
      [0, 1, "rw-"],
      [1, 2, "r--"],
      [2, 3, "rw-"],
    ]);
  });
});

describe("split_vma", () => {
  it("new_below takes the lower part; the upper part's vm_pgoff advances; file and anon_vma are shared", () => {
    const vm = setup();
    map(vm, 0, 4, RW);
    user_write(vm, A, [1]);
    const mm = vm.current.mm!;
    const v = mm.mmap!;
    expect(split_vma(vm, mm, v, A + P, true)).toBe(0);
    expect(split_vma(vm, mm, mm.mmap!.vm_next!, A + 3 * P, false)).toBe(0);
    const l = vma_list(mm);
    expect(l.map((x) => [(x.vm_start - A) / P, x.vm_pgoff - A / P])).toEqual([
      [0, 0],
      [1, 1],
      [3, 3],
    ]);
    expect(new Set(l.map((x) => x.anon_vma)).size).toBe(1);
    expect(l[0]!.anon_vma!.head.size).toBe(3);
    // these three are mergeable neighbours left by split_vma's caller (not an mm operation):
    // the invariant checker names them
    expect(() => checkVmaInvariants(vm)).toThrow(/could be merged/);
  });
});
