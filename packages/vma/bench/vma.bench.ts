/*
 * Item 9 of the vma issue: find_vma over 10,000 VMAs, mmap + munmap of one anonymous page,
 * anonymous page faults, and fork + exit of a process with 100 MiB touched, on a booted 1 GiB
 * non-PAE machine (the PAE variants follow). Loops of 1024 operations per sample where noted:
 * divide by 1024 for one operation. Figures go in the README's table.
 */
import { Machine } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "@i386mm/slab";
import { bench, describe } from "vitest";
// The built package, loaded natively (see the root vitest.project.ts): what a user's program runs.
import {
  create_task,
  do_exit,
  do_fork,
  do_mmap_pgoff,
  do_munmap,
  find_vma,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_NORESERVE,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
  release_task,
  schedule_to,
  user_access,
  VmSystem,
} from "../dist/index.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function boot(pae = false, memBytes = 1024 << 20) {
  const machine = new Machine({ memBytes, pae });
  const slab = new SlabAllocator(new PageAllocator(machine));
  const vm = new VmSystem(slab, new Kmap(slab));
  const t = create_task(vm, "bench")!;
  schedule_to(vm, t);
  return { vm, t };
}

for (const pae of [false, true])
  describe(`find_vma over 10,000 VMAs (${pae ? "PAE" : "2-level"}), 1024 lookups per sample`, () => {
    const { vm, t } = boot(pae);
    const mm = t.mm!;
    // 10,000 one-page VMAs with a page between them (so nothing merges)
    for (let i = 0; i < 10000; i++)
      do_mmap_pgoff(vm, null, 0x10000000 + i * 0x2000, 0x1000, RW, ANON | MAP_FIXED, 0);
    if (mm.map_count !== 10000) throw new Error(`map_count ${mm.map_count}`);
    let x = 12345;
    const addrs = Array.from({ length: 1024 }, () => {
      x = (x * 1103515245 + 12345) >>> 0;
      return 0x10000000 + (x % 20000) * 0x1000;
    });
    bench("tree walk (mmap_cache missed: a different VMA each time)", () => {
      for (let i = 0; i < 1024; i++) {
        mm.mmap_cache = null;
        find_vma(mm, addrs[i]!);
      }
    });
    bench("mmap_cache hit", () => {
      for (let i = 0; i < 1024; i++) find_vma(mm, 0x10000000);
    });
  });

describe("mmap + munmap of one anonymous page, 1024 pairs per sample", () => {
  for (const pae of [false, true]) {
    const { vm, t } = boot(pae);
    bench(`${pae ? "PAE" : "2-level"}: do_mmap_pgoff + do_munmap`, () => {
      for (let i = 0; i < 1024; i++) {
        const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
        do_munmap(vm, t.mm!, a, 4096);
      }
    });
  }
});

describe("anonymous write faults (do_anonymous_page: GFP_HIGHUSER page zeroed through kmap_atomic), 1024 per sample", () => {
  for (const pae of [false, true]) {
    const { vm, t } = boot(pae);
    const SIZE = 512 << 20;
    let base = do_mmap_pgoff(vm, null, 0, SIZE, RW, ANON | MAP_NORESERVE, 0);
    let next = base;
    bench(`${pae ? "PAE" : "2-level"}: user write to an untouched page (fault, handle, retry)`, () => {
      if (next + 1024 * 4096 > base + SIZE) {
        // every 128 samples: give the 512 MiB back and start over (amortized into the figure)
        do_munmap(vm, t.mm!, base, SIZE);
        base = do_mmap_pgoff(vm, null, 0, SIZE, RW, ANON | MAP_NORESERVE, 0);
        next = base;
      }
      for (let i = 0; i < 1024; i++, next += 4096) user_access(vm, next, { write: true });
    });
  }
});

describe("fork + exit of a process with 100 MiB touched", () => {
  for (const pae of [false, true]) {
    const { vm, t } = boot(pae);
    const a = do_mmap_pgoff(vm, null, 0, 100 << 20, RW, ANON, 0);
    for (let p = a; p < a + (100 << 20); p += 4096) user_access(vm, p, { write: true });
    bench(
      `${pae ? "PAE" : "2-level"}: do_fork (dup_mmap: 25,600 ptes write-protected and copied) + child do_exit + parent runs again`,
      () => {
        const c = do_fork(vm, 0)!;
        schedule_to(vm, c);
        do_exit(vm, 0);
        schedule_to(vm, t);
        release_task(vm, c);
      },
      { iterations: 10 },
    );
  }
});
