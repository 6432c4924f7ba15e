/*
 * Every public kernel function of hw-i386, page-alloc, slab and kmap is callable from a scenario
 * by its kernel name: each function of the layers' public faces (their index.ts) and each
 * kernel-named method of the layer objects is bound (or is a build/boot constant such as
 * LAST_PKMAP), or is listed in NOT_BOUND with a reason.
 * The free-function bindings are then exercised through the language.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as hw from "@i386mm/hw-i386";
import * as kmapPkg from "@i386mm/kmap";
import * as pageAlloc from "@i386mm/page-alloc";
import * as pageCachePkg from "@i386mm/page-cache";
import * as slabPkg from "@i386mm/slab";
import * as vmaPkg from "@i386mm/vma";
import { describe, expect, it } from "vitest";
import { isKernelName } from "../src/bindings.js";
import { NOT_BOUND as FREE_NOT_BOUND } from "../src/free-bindings.js";
import { Interpreter, type RunEvent } from "../src/interpreter.js";
import { checkDemoInvariants } from "../src/invariants.js";
import { bootKernel } from "../src/kernel.js";
import { SCENARIO_DIR } from "../src/main.js";
import { PROCESS_NOT_BOUND } from "../src/process-bindings.js";
import { VIEW_NAMES } from "../src/views.js";

const PACKAGES: [string, Record<string, unknown>][] = [
  ["hw-i386", hw],
  ["page-alloc", pageAlloc],
  ["slab", slabPkg],
  ["kmap", kmapPkg],
  ["page-cache", pageCachePkg],
  ["vma", vmaPkg],
];
const NOT_BOUND: Readonly<Record<string, string>> = { ...FREE_NOT_BOUND, ...PROCESS_NOT_BOUND };

const isClass = (v: unknown): boolean =>
  typeof v === "function" && /^class[\s{]/.test(Function.prototype.toString.call(v));
/** A C macro spelled in capitals (PAGE_ALIGN, PFN_UP, OFF_SLAB, LAST_PKMAP). */
const isMacroName = (name: string): boolean => /^_*[A-Z][A-Z0-9_]*$/.test(name);
/** The model's own helpers are camelCase (qemuE820, lookupPte, checkSlabInvariants). */
const isCamelCase = (name: string): boolean =>
  /[a-z0-9][A-Z]/.test(name) && !/^_*(Set|Clear)?Page[A-Z]/.test(name);

const kernel = bootKernel({ memBytes: 64 * 2 ** 20, cpus: 2 });

function methodNames(obj: object): string[] {
  const names = new Set<string>();
  for (let p = Object.getPrototypeOf(obj); p && p !== Object.prototype; p = Object.getPrototypeOf(p))
    for (const k of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (k !== "constructor" && d && typeof d.value === "function") names.add(k);
    }
  return [...names];
}

describe("every public kernel function is bound by its kernel name", () => {
  for (const [pkg, ns] of PACKAGES) {
    it(`exported functions of @i386mm/${pkg}`, () => {
      const missing: string[] = [];
      let bound = 0;
      for (const [name, v] of Object.entries(ns)) {
        if (typeof v !== "function" || isClass(v) || isCamelCase(name)) continue;
        expect(
          isKernelName(name) || isMacroName(name),
          `${name} is neither camelCase nor a kernel name`,
        ).toBe(true);
        if (kernel.bindings.has(name) || kernel.constants.has(name)) bound++;
        else if (!(name in NOT_BOUND)) missing.push(name);
      }
      expect(
        missing,
        `exported by @i386mm/${pkg} but not callable: bind it in apps/demo/src/free-bindings.ts or list it in NOT_BOUND with a reason`,
      ).toEqual([]);
      // A face may have no free kernel functions (slab's are all SlabAllocator methods).
      expect(bound).toBeGreaterThanOrEqual(0);
    });
  }

  it("kernel-named public methods of PageAllocator, SlabAllocator and Kmap", () => {
    const missing: string[] = [];
    for (const obj of [kernel.pa, kernel.slab, kernel.km, kernel.pc])
      for (const name of methodNames(obj))
        if (
          isKernelName(name) &&
          !kernel.bindings.has(name) &&
          !(VIEW_NAMES as readonly string[]).includes(name)
        )
          missing.push(name);
    expect(missing).toEqual([]);
  });

  it("no static step of a layer is callable: the layers' internal methods are #private (or symbol-keyed)", () => {
    const root = resolve(SCENARIO_DIR, "../../../packages");
    const files = [
      "page-alloc/src/page-alloc.ts",
      "slab/src/slab-allocator.ts",
      "kmap/src/kmap.ts",
      ...["base", "filemap", "buffer", "vfs", "block-dev", "page-cache"].map((f) => `page-cache/src/${f}.ts`),
    ];
    const priv = new Set<string>();
    for (const f of files) {
      const text = readFileSync(resolve(root, f), "utf8");
      // TypeScript's `private` keeps a method on the prototype, where the name table would find it.
      // A protected step shared along page-cache's class chain is keyed by a symbol instead.
      expect(text, f).not.toMatch(/^\s+(?:private|protected)\s+(?!\[|abstract \[)/m);
      for (const m of text.matchAll(/^\s+(?:static\s+)?(?:readonly\s+)?#([A-Za-z_$][\w$]*)\s*[(<]/gm))
        priv.add(m[1]!);
    }
    expect(priv.size).toBeGreaterThan(10);
    for (const n of ["init_mount_tree", "sync_sb_blockdev", "flush_disks", "b_end_io_call"]) priv.add(n);
    for (const obj of [kernel.pa, kernel.slab, kernel.km, kernel.pc])
      for (const n of priv) expect(methodNames(obj), n).not.toContain(n);
    for (const n of priv)
      expect(kernel.bindings.get(n)?.layer ?? "unbound", n).not.toMatch(
        /^(page-alloc|slab|kmap|page-cache)$/,
      );
  });

  it("every GFP_*, __GFP_*, SLAB_*, FIX_*, KM_* constant a layer exports is known by name", () => {
    const missing: string[] = [];
    let n = 0;
    for (const [, ns] of PACKAGES)
      for (const [name, v] of Object.entries(ns))
        if (typeof v === "number" && /^(__)?(GFP|SLAB|FIX|KM)_/.test(name)) {
          n++;
          if (kernel.constants.get(name) !== v) missing.push(name);
        }
    expect(missing).toEqual([]);
    expect(n).toBeGreaterThan(80);
  });

  it("checkDemoInvariants holds after boot and after a scenario, and reports a broken name table", () => {
    expect(() => checkDemoInvariants(kernel)).not.toThrow();
    const k = bootKernel({ memBytes: 64 * 2 ** 20 });
    const it = new Interpreter(k);
    it.runScript("p = alloc_pages(GFP_KERNEL, 0)\nq[0] = p\nx = kmalloc(64, GFP_KERNEL)");
    expect(() => checkDemoInvariants(k, it)).not.toThrow();
    it.vars.set("bad", { t: "num", kind: "page", v: 1e9 });
    k.bindings.set("cache_grow", { ...k.bindings.get("kmalloc")!, name: "cache_grow" });
    k.constants.set("HALF", 0.5);
    let problems: readonly string[] = [];
    try {
      checkDemoInvariants(k, it);
    } catch (e) {
      problems = (e as { problems: readonly string[] }).problems;
    }
    expect(problems).toEqual([
      "'cache_grow' has the prototype of 'kmalloc'",
      "constant HALF = 0.5 is not an exact integer",
      "variable bad holds pfn 1000000000, outside mem_map (0..16351)",
    ]);
  });

  it("NOT_BOUND names real exports that are indeed not bound, each with a reason", () => {
    const exported = new Set(PACKAGES.flatMap(([, ns]) => Object.keys(ns)));
    for (const [name, why] of Object.entries(NOT_BOUND)) {
      expect(exported.has(name), `${name} is not exported by any layer (stale exclusion)`).toBe(true);
      expect(kernel.bindings.has(name), `${name} is excluded but bound`).toBe(false);
      expect(why.length).toBeGreaterThan(10);
    }
  });
});

function run(script: string, opts: { memBytes?: number; pae?: boolean } = {}): RunEvent[] {
  const k = bootKernel({ memBytes: opts.memBytes ?? 64 * 2 ** 20, pae: opts.pae ?? false, cpus: 2 });
  k.drainMessages(); // the boot log; the scenario's own kernel messages follow
  return new Interpreter(k).runScript(script);
}
const results = (evs: RunEvent[]): string[] =>
  evs.filter((e) => e.t === "result").map((e) => (e as { text: string }).text);
const errors = (evs: RunEvent[]): string[] =>
  evs
    .filter((e) => e.t === "error")
    .map((e) => `${e.line}: ${(e as { report: { message: string } }).report.message}`);

describe("free functions through the language", () => {
  it("reads a pte with pte_val(*ptep) and rejects pte_val(ptep)", () => {
    const evs = run(`set_fixmap(FIX_ACPI_BEGIN, 0x5000)
ptep = lookup_address(fix_to_virt(FIX_ACPI_BEGIN))
e = pte_val(*ptep)
pte_pfn(*ptep)
pte_present(e) && pte_write(e) && !pte_user(e)
pte_val(ptep)
*e
clear_fixmap(FIX_ACPI_BEGIN)
pte_none(*ptep)`);
    const r = results(evs);
    expect(r).toHaveLength(5);
    expect(r[0]).toMatch(/^ptep = 0xc[0-9a-f]{7}$/);
    // PAGE_KERNEL | _PAGE_GLOBAL (the CPU has PGE) | A | D: 0x163, frame 0x5000.
    expect(r.slice(1)).toEqual(["e = 0x00005163", "0x5", "1 (true)", "1 (true)"]);
    expect(errors(evs)).toEqual([
      `6: pte_val: argument 1 (x) must be a pte_t, not the pte_t * ${r[0]!.slice(7)} (dereference it: *ptep)`,
      "7: cannot dereference the entry 0x5163: a scenario reads memory only through a pte_t * (from lookup_address)",
    ]);
  });

  it("macros and helpers of each layer", () => {
    const evs = run(`PAGE_ALIGN(0x1001)
PFN_UP(0x1001)
PFN_PHYS(0x10)
PKMAP_ADDR(1)
PKMAP_NR(PKMAP_BASE + 0x3000)
__fix_to_virt(FIX_APIC_BASE)
int_sqrt(1000)
ALIGN(33, 32)
p = alloc_pages(GFP_KERNEL, 0)
q = pfn_to_page(page_to_pfn(p) ^ 1)
page_is_buddy(q, 0)
is_highmem(page_zone(p))
fill_contig_page_info(page_zone(p), 3)
est = cache_estimate(0, 100, 32, 0)
est->num
OFF_SLAB(kmem_cache_create("big", 4096, 0, 0, NULL))
irq_enter()
in_irq()
in_interrupt()
irq_exit()
in_irq()
print_memory_map("BIOS-e820")
extfrag_index()
__free_pages(p, 0)
drain_cpu_pages(1)
check`);
    expect(errors(evs)).toEqual([]);
    const r = results(evs);
    expect(r.slice(0, 8)).toEqual([
      "0x00002000",
      "0x2",
      "0x00010000",
      "0xff801000",
      "3",
      "0xffffd000",
      "31 (0x1f)",
      "64 (0x40)",
    ]);
    expect(r[11]).toBe("0 (false)");
    expect(r[12]).toMatch(/^\{ free_pages \d+, free_blocks_total \d+, free_blocks_suitable \d+ \}$/);
    // mm/slab.c cache_estimate: 39 * 100 + ALIGN(sizeof(struct slab) 24 + 39 * 2, 32) = 4028 <= 4096.
    expect(r.slice(13, 15)).toEqual(["est = { num 39, left_over 68 }", "39 (0x27)"]);
    expect(r[15]).toBe("1 (true)");
    expect(r.slice(16, 19)).toEqual(["1 (true)", "1 (true)", "0 (false)"]);
    const dmesg = evs.filter((e) => e.t === "dmesg").map((e) => (e as { text: string }).text);
    // print_memory_map prints 2.6.11's format (the boot log shows 6.1's, to compare with the oracle).
    expect(dmesg).toEqual([
      " BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)",
      " BIOS-e820: 000000000009fc00 - 00000000000a0000 (reserved)",
      " BIOS-e820: 00000000000f0000 - 0000000000100000 (reserved)",
      " BIOS-e820: 0000000000100000 - 0000000003fe0000 (usable)",
      " BIOS-e820: 0000000003fe0000 - 0000000004000000 (reserved)",
      " BIOS-e820: 00000000fffc0000 - 0000000100000000 (reserved)",
    ]);
    const frag = evs.find((e) => e.t === "view") as { name: string; lines: string[] } | undefined;
    expect(frag?.name).toBe("extfrag_index");
    expect(frag?.lines[0]).toMatch(/^Node 0, zone {6}DMA( -?\d\.\d{3}){11} ?$/);
    expect(evs.at(-1)).toMatchObject({ t: "result", text: expect.stringMatching(/all invariants hold/) });
  });

  it("unsigned long arguments wrap to 32 bits as on i386; slabinfo_write returns a count or -errno", () => {
    const evs = run(
      'wait_table_size(0x7fffffffffff)\nint_sqrt(0x1fffffffffffff)\nslabinfo_write("size-64 1000000000 1 0")',
    );
    expect(errors(evs)).toEqual([]);
    // 0x7fffffffffff wraps to 0xffffffff: 2^24 waitqueues, capped at 4096; sqrt(0xffffffff) = 65535.
    expect(results(evs)).toEqual(["4096 (0x1000)", "65535 (0xffff)", "-12 (-ENOMEM)"]);
  });

  it("cache_estimate refuses arguments kmem_cache_create never passes (its loop would not end)", () => {
    const evs = run(
      "cache_estimate(4096, 100, 0, 0)\ncache_estimate(0, 0, 0, 0)\ncache_estimate(0, 100, 3, 0)\ncache_estimate(5, 100, 32, 0)",
    );
    expect(errors(evs)).toEqual([
      "1: cache_estimate: gfporder 4096 is outside 0..MAX_GFP_ORDER (5) at 0x1000",
      "2: cache_estimate: object size 0 does not fit 1 page(s) at 0x0",
      "3: cache_estimate: align 3 is not a power of two up to PAGE_SIZE at 0x3",
    ]);
    // 1284 * 100 + ALIGN(24 + 1284 * 2, 32) = 130992 <= 131072 (32 pages).
    expect(results(evs)).toEqual(["{ num 1284, left_over 80 }"]);
  });

  it("a NULL structure pointer is an oops naming the call and its kernel file", () => {
    const evs = run(
      "kmem_cache_alloc(NULL, GFP_KERNEL)\nfill_contig_page_info(NULL, 3)\nset_pte(0xc0000001, 0)\ncheck",
    );
    const reports = evs
      .filter((e) => e.t === "error")
      .map((e) => (e as Extract<RunEvent, { t: "error" }>).report);
    expect(reports.map((r) => [r.kind, r.type, r.file])).toEqual([
      ["BUG", "Oops", "mm/slab.c"],
      ["BUG", "KernelBugError", "mm/vmstat.c"],
      ["BUG", "KernelBugError", "include/asm-i386/pgtable-2level.h"],
    ]);
    expect(reports[0]!.message).toMatch(
      /^kmem_cache_alloc: Unable to handle kernel NULL pointer dereference \(a NULL structure pointer/,
    );
    expect(evs.at(-1)).toMatchObject({ t: "result", text: expect.stringMatching(/all invariants hold/) });
  });
});

describe("process and file bindings (#15)", () => {
  const run = (text: string) => {
    const k = bootKernel({ memBytes: 64 * 2 ** 20 });
    const i = new Interpreter(k);
    const ev = i.runScript(text);
    return { i, ev, results: ev.filter((e) => e.t === "result").map((e) => (e as { text: string }).text) };
  };
  it("a NOT_BOUND reason names no export that is bound after all", () => {
    const k = bootKernel({ memBytes: 64 * 2 ** 20 });
    for (const n of Object.keys(PROCESS_NOT_BOUND)) expect(k.bindings.has(n), n).toBe(false);
  });
  it("without the front end's binaries, exec reports the missing file", () => {
    const { i, ev } = run('exec("/bin/memorylayout-static")');
    expect(i.errors).toBe(1);
    expect(JSON.stringify(ev)).toMatch(/ENOENT: \/bin\/memorylayout-static: open_exec failed/);
  });
  it("keyword arguments are checked against the binding", () => {
    const { i, ev } = run('exec("/x", layout=sideways)\nexec("/x", stack="big")\nbrk(1, 0, layout=classic)');
    expect(i.errors).toBe(3);
    const text = JSON.stringify(ev);
    expect(text).toMatch(/layout= must be classic or flexible, not 'sideways'/);
    expect(text).toMatch(/stack= must be a number or unlimited/);
    expect(text).toMatch(/brk: takes no keyword arguments/);
  });
  it("the vma layer's kernel calls run in the named process (a file installed by the scenario's page cache)", () => {
    const k = bootKernel({ memBytes: 64 * 2 ** 20 });
    const i = new Interpreter(k);
    // An ELF of the generator, as a host file would be: exec it, then the kernel-named calls.
    const elf = vmaPkg.generateElf(5).bytes; // seed 5 execs (7, for one, is killed by padzero, as 2.6.11 would)
    vmaPkg.install_file(k.pc, "/bin/gen", elf);
    const ev = i.runScript(
      [
        'p = exec("/bin/gen")',
        "a = sys_mmap2(p, 0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
        "handle_mm_fault(p, a, 1)",
        "put_user(p, 0x1234, a)",
        "get_user(p, a)",
        "get_user(p, 0x10)",
        "sys_mprotect(p, a, 4096, PROT_READ)",
        "mmap_layout_name(p)",
        "c = do_fork(p, 0)",
        "do_exit(c, 0)",
        "release_task(c)",
        "check",
      ].join("\n"),
    );
    expect(i.errors, JSON.stringify(ev.filter((e) => e.t === "error"))).toBe(0);
    const texts = ev.filter((e) => e.t === "result").map((e) => (e as { text: string }).text);
    expect(texts).toContain(`${0x1234} (0x1234)`);
    expect(texts).toContain("-14 (-EFAULT)");
    expect(texts).toContain('"flexible"');
  });
});
