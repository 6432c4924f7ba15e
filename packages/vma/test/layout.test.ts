/*
 * arch_pick_mmap_layout and both get_unmapped_area searches, against 2.6.11's rules and against
 * the oracle's memorylayout runs on 6.1 (fixtures/memorylayout-686-1024M.txt). The model has no
 * vDSO (2.6.11 maps its vsyscall page in the fixmap, not as a VMA): each replay first maps six
 * pages where 6.1 put [vvar] and [vdso], so the addresses that follow can be compared directly.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ADDR_COMPAT_LAYOUT,
  checkVmaInvariants,
  create_task,
  do_mmap_pgoff,
  do_munmap,
  INIT_RLIMITS,
  MAP_ANONYMOUS,
  MAP_NORESERVE,
  MAP_PRIVATE,
  map_entry_of,
  mmap_layout_name,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  RLIM_INFINITY,
  RLIMIT_STACK,
  schedule_to,
  show_map,
  type VmSystem,
  vma_list,
} from "../src/index.js";
import { bootVm } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const oracle = readFileSync(
  new URL("./fixtures/memorylayout-686-1024M.txt", import.meta.url),
  "utf8",
).replace(/\r\n/g, "\n");

/** A section's "name 0xADDR" values and its maps lines. */
function section(name: string) {
  const body = oracle.split(`===== BEGIN ${name} =====`)[1]!.split(`===== END ${name} =====`)[0]!;
  const vals = new Map<string, number>();
  for (const m of body.matchAll(/^(\w+) 0x([0-9a-f]+)$/gm)) vals.set(m[1]!, Number.parseInt(m[2]!, 16));
  const maps = body.split("--- /proc/self/maps ---\n")[1]!.split("--- end maps ---")[0]!.trim().split("\n");
  return { vals, maps };
}

function proc(vm: VmSystem, stack = 8 << 20, personality = 0) {
  const rlim = INIT_RLIMITS();
  rlim[RLIMIT_STACK]!.rlim_cur = stack;
  const t = create_task(vm, "memorylayout", { rlim, personality })!;
  schedule_to(vm, t);
  return t;
}

/** memorylayout's mmaps: malloc(1 MiB) (glibc maps 0x101000), two 4 KiB, 64 MiB PROT_NONE noreserve. */
function replay(vm: VmSystem) {
  const vdso = do_mmap_pgoff(vm, null, 0, 6 * 4096, PROT_READ, ANON, 0); // stands for 6.1's [vvar] + [vdso]
  const malloc = do_mmap_pgoff(vm, null, 0, 0x101000, RW, ANON, 0);
  const a = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
  const b = do_mmap_pgoff(vm, null, 0, 4096, RW, ANON, 0);
  const big = do_mmap_pgoff(vm, null, 0, 64 << 20, PROT_NONE, ANON | MAP_NORESERVE, 0);
  return { vdso, malloc, a, b, big };
}

describe("arch_pick_mmap_layout (2.6.11)", () => {
  const cases: [string, number, number, number, string, number][] = [
    ["8 MiB stack (default)", 8 << 20, 0, 0, "flexible", 0xb8000000],
    ["1 MiB stack: gap at least 128 MiB", 1 << 20, 0, 0, "flexible", 0xb8000000],
    ["200 MiB stack", 200 << 20, 0, 0, "flexible", 0xc0000000 - (200 << 20)],
    ["3 GiB stack: gap at most 5/6 of TASK_SIZE", 0xc0000000, 0, 0, "flexible", 0x20000000],
    ["unlimited stack: legacy", RLIM_INFINITY, 0, 0, "legacy", 0x40000000],
    ["ADDR_COMPAT_LAYOUT personality: legacy", 8 << 20, ADDR_COMPAT_LAYOUT, 0, "legacy", 0x40000000],
    ["vm.legacy_va_layout = 1: legacy", 8 << 20, 0, 1, "legacy", 0x40000000],
  ];
  for (const [name, stack, pers, sysctl, layout, base] of cases)
    it(name, () => {
      const vm = bootVm();
      vm.sysctl_legacy_va_layout = sysctl;
      const t = proc(vm, stack, pers);
      expect(mmap_layout_name(t.mm!)).toBe(layout);
      expect(t.mm!.mmap_base).toBe(base);
    });

  it("opt-in randomization (2.6.12's mmap_base): seeded, page aligned, within 1 MiB below the base", () => {
    const bases = [1, 2, 1].map((seed) => proc(bootVm({ vm: { randomize: { seed } } })).mm!.mmap_base);
    expect(bases[0]).toBe(bases[2]);
    expect(bases[0]).not.toBe(bases[1]);
    for (const b of bases) {
      expect(b % 4096).toBe(0);
      expect(b <= 0xb8000000 && b > 0xb8000000 - (1 << 20)).toBe(true);
    }
  });
});

describe("get_unmapped_area against the oracle's memorylayout runs", () => {
  it("flexible layout: top-down from 0xb8000000, as run a (and merged like it)", () => {
    const vm = bootVm({ memBytes: 256 << 20 });
    const t = proc(vm);
    const r = replay(vm);
    const o = section("memorylayout-a-norand-flexible-static");
    expect(r.vdso).toBe(0xb7ffa000);
    expect(r.malloc + 16).toBe(o.vals.get("mmap_malloc_1MiB"));
    expect(r.a).toBe(o.vals.get("mmap_anon_4KiB"));
    expect(r.b).toBe(o.vals.get("mmap_anon_4KiB_second"));
    expect(r.big).toBe(o.vals.get("mmap_anon_64MiB_noreserve"));
    // the maps lines of these VMAs: 6.1's text, except that 2.6.11 prints an anonymous VMA's
    // vm_pgoff (= its start address >> 12 at creation) as the offset where 6.1 prints 0
    const mine = vma_list(t.mm!).map((v) => show_map(map_entry_of(v)).trimEnd());
    const theirs = o.maps.filter((l) => l.startsWith("b3ef7000") || l.startsWith("b7ef7000"));
    expect(theirs).toHaveLength(2);
    for (const line of theirs) {
      const start = line.slice(0, 8);
      expect(mine).toContain(`${line.slice(0, 23)}${start}${line.slice(31)}`.trimEnd());
    }
    checkVmaInvariants(vm);
  });

  it("classic layout (vm.legacy_va_layout=1): bottom-up from 0x40000000, as run b", () => {
    const vm = bootVm({ memBytes: 256 << 20 });
    vm.sysctl_legacy_va_layout = 1;
    proc(vm);
    const r = replay(vm);
    const o = section("memorylayout-b-norand-legacy-sysctl-static");
    expect(r.vdso).toBe(o.vals.get("vdso_AT_SYSINFO_EHDR")! - 0x4000);
    expect(r.malloc + 16).toBe(o.vals.get("mmap_malloc_1MiB"));
    expect(r.a).toBe(o.vals.get("mmap_anon_4KiB"));
    expect(r.b).toBe(o.vals.get("mmap_anon_4KiB_second"));
    expect(r.big).toBe(o.vals.get("mmap_anon_64MiB_noreserve"));
  });

  it("unlimited stack: 2.6.11 takes the classic layout where 6.1 stays top-down (run c)", () => {
    const vm = bootVm({ memBytes: 256 << 20 });
    proc(vm, RLIM_INFINITY);
    const r = replay(vm);
    const o = section("memorylayout-c-norand-stack-unlimited-static");
    expect(o.vals.get("mmap_anon_4KiB")).toBe(0x1fef8000); // 6.1: top-down below a 5/6 TASK_SIZE gap
    expect(r.a).toBe(0x40107000); // 2.6.11: bottom-up, as run b
  });
});

describe("free_area_cache", () => {
  it("bottom-up: the search resumes after the last hole found; an unmap below the cache moves it down", () => {
    const vm = bootVm();
    vm.sysctl_legacy_va_layout = 1;
    const t = proc(vm);
    const mm = t.mm!;
    const a = do_mmap_pgoff(vm, null, 0, 0x3000, RW, ANON, 0);
    const b = do_mmap_pgoff(vm, null, 0, 0x1000, PROT_READ, ANON, 0);
    expect([a, b]).toEqual([0x40000000, 0x40003000]);
    expect(mm.free_area_cache).toBe(0x40004000);
    do_munmap(vm, mm, a, 0x1000);
    expect(mm.free_area_cache).toBe(0x40000000);
    expect(do_mmap_pgoff(vm, null, 0, 0x1000, PROT_READ, ANON, 0)).toBe(0x40000000);
    // a request that does not fit below the cache restarts from TASK_UNMAPPED_BASE
    expect(do_mmap_pgoff(vm, null, 0, 0x2000, PROT_READ, ANON, 0)).toBe(0x40004000);
  });

  it("top-down: the cache follows the lowest allocation; an unmap above it moves it up; a hint that fits is taken", () => {
    const vm = bootVm();
    const t = proc(vm);
    const mm = t.mm!;
    const a = do_mmap_pgoff(vm, null, 0, 0x2000, RW, ANON, 0);
    const b = do_mmap_pgoff(vm, null, 0, 0x1000, PROT_READ, ANON, 0);
    expect([a, b]).toEqual([0xb7ffe000, 0xb7ffd000]);
    expect(mm.free_area_cache).toBe(0xb7ffd000);
    do_munmap(vm, mm, a, 0x2000);
    expect(mm.free_area_cache).toBe(0xb8000000);
    expect(do_mmap_pgoff(vm, null, 0x12345678, 0x1000, RW, ANON, 0)).toBe(0x12346000);
    expect(do_mmap_pgoff(vm, null, 0, 0x1000, RW, ANON, 0)).toBe(0xb7fff000);
  });

  it("top-down falls back to bottom-up from TASK_UNMAPPED_BASE when nothing fits below mmap_base, and restores the cache", () => {
    const vm = bootVm();
    const t = proc(vm, 0x9f000000); // mmap_base = 0x21000000
    const mm = t.mm!;
    expect(mm.mmap_base).toBe(0x21000000);
    const r = do_mmap_pgoff(vm, null, 0, 0x30000000, PROT_NONE, ANON | MAP_NORESERVE, 0);
    expect(r).toBe(0x40000000);
    expect(mm.free_area_cache).toBe(0x21000000);
  });
});
