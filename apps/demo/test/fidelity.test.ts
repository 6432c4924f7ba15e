/*
 * fidelity.test.ts — issue #21, point by point, as a user sees it: each test runs the built CLI
 * (`node apps/demo/dist/cli.js`, built by global-setup.ts) on a small scenario and checks the
 * output against what 2.6.11 does (the kernel file and function are named in each test), or the
 * label where the model deliberately differs.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { SCENARIO_DIR } from "../src/main.js";

const ROOT = resolve(SCENARIO_DIR, "../../..");
const CLI = join(ROOT, "apps/demo/dist/cli.js");

/** Run `i386mm <argv>` with `script` on stdin; stdout and stderr interleaved as a user reads them. */
function run(argv: string[], script = ""): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...argv], {
    cwd: ROOT,
    input: script,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** The printed result lines of statement `n` (1-based) of a `run -` transcript. */
function resultOf(out: string, n: number): string[] {
  const lines = out.split("\n");
  const at = lines.findIndex((l) => l.startsWith(`[${String(n).padStart(3)}]`));
  const res: string[] = [];
  for (let i = at + 1; i < lines.length && !/^\[\s*\d+\]/.test(lines[i]!); i++) res.push(lines[i]!.trim());
  return res.filter((l) => l !== "");
}

describe("issue #21: the CLI against 2.6.11", () => {
  beforeAll(() => {
    const err = inject("cliBuildError");
    if (err) throw new Error(err);
  });

  it("1. vmalloc PTEs carry _PAGE_GLOBAL like the fixmap and kmap PTEs (run-time PAGE_KERNEL)", () => {
    const r = run(["run", "-", "--mem", "128M"], "v = vmalloc(4096)\ntranslate v\n");
    expect(r.out).toMatch(/pte\[\s*0\] @0x[0-9a-f]{8} = 0x[0-9a-f]{5}163 {2}P RW A D G/);
  });

  it("2. no NX in 2-level mode: PAGE_KERNEL is 0x163, pfn_pte wraps at 32 bits; PAE prints NX as bit 63", () => {
    const s = "PAGE_KERNEL\n_PAGE_NX\npfn_pte(0x100000, PAGE_KERNEL)\nPAGE_COPY\n";
    const two = run(["run", "-", "--mem", "128M"], s);
    expect([1, 2, 3, 4].map((n) => resultOf(two.out, n)[0])).toEqual([
      "0x00000163",
      "0x00000000",
      "0x00000163",
      "0x00000025",
    ]);
    const pae = run(["run", "-", "--mem", "128M", "--pae"], s);
    expect([1, 2, 3, 4].map((n) => resultOf(pae.out, n)[0])).toEqual([
      "0x8000000000000163", // __PAGE_KERNEL keeps NX; pfn_pte's __supported_pte_mask strips it
      "0x8000000000000000",
      "0x100000163",
      "0x8000000000000025",
    ]);
    // The lab sheet's pte after set_pte(ptep, pfn_pte(0x2, PAGE_KERNEL)) is global like set_fixmap's.
    const lab = run(["run", "page-walk-tlb"]);
    expect(lab.out).toContain("= 0x00002163  P RW A D G");
    expect(lab.out).not.toContain("0x00002063");
  });

  it("3. vfree of an address that is no area start prints and WARNs (mm/vmalloc.c __vunmap), no BUG", () => {
    const r = run(["run", "-", "--mem", "128M"], "v = vmalloc(8192)\nvfree(v + 4096)\nvfree(v + 1)\ncheck\n");
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(resultOf(r.out, 2)).toEqual([
      expect.stringMatching(/^printk: Trying to vfree\(\) nonexistent vm area \([0-9a-f]{8}\)$/),
      "printk: Badness in __vunmap at mm/vmalloc.c:368",
    ]);
    expect(resultOf(r.out, 3)[1]).toBe("printk: Badness in __vunmap at mm/vmalloc.c:360");
  });

  it("4. __get_free_pages(GFP_HIGHUSER, 0) is 0 (page_address of an unmapped highmem page); free_pages(__va(highmem)) frees it", () => {
    const r = run(
      ["run", "-", "--mem", "1G"],
      "a = __get_free_pages(GFP_HIGHUSER, 0)\np = alloc_pages(GFP_HIGHUSER, 0)\nva = __va(page_to_pfn(p) << 12)\nvirt_addr_valid(va)\nfree_pages(va, 0)\npage_count(p)\n",
    );
    expect(r.err).toBe("");
    expect(resultOf(r.out, 1)).toEqual(["a = 0x00000000"]);
    expect(resultOf(r.out, 4)).toEqual(["1 (true)"]);
    expect(resultOf(r.out, 6)).toEqual(["0"]);
  });

  it("5. exhausted memory: GFP_KERNEL runs the OOM killer, which finds nothing and panics; GFP_NOFS retries forever", () => {
    const oom = run(
      ["run", "-", "--mem", "16M"],
      "for (i = 0; i < 100000; i++) p[i] = alloc_pages(GFP_KERNEL|__GFP_NOFAIL, 0)\ncat /proc/meminfo\nx = kmalloc(32, GFP_ATOMIC)\n",
    );
    expect(oom.code).toBe(1);
    expect(oom.out).toContain("printk: Free pages:");
    expect(oom.out).toContain(
      "printk: Kernel panic - not syncing: Out of memory and no killable processes...",
    );
    expect(oom.err).toMatch(
      /^<stdin>:1: Kernel panic - not syncing: Out of memory and no killable processes\.\.\. \[KernelPanicError\]$/m,
    );
    expect(oom.out).toContain("MemTotal:"); // a panicked machine's /proc can still be read
    expect(oom.err).toMatch(/^<stdin>:3: the machine panicked in out_of_memory and runs nothing more/m);
    expect(oom.out).not.toContain("page allocation failure");
    const hang = run(
      ["run", "-", "--mem", "16M"],
      "for (i = 0; i < 100000; i++) p[i] = alloc_pages(GFP_NOFS, 0)\n",
    );
    expect(hang.err).toMatch(
      /^<stdin>:1: i386mm: machine stopped: __alloc_pages: the kernel would loop here forever: order 0, gfp_mask 0x50: nothing left to reclaim/m,
    );
    const atomic = run(
      ["run", "-", "--mem", "16M"],
      "for (i = 0; i < 4100; i++) p[i] = alloc_pages(GFP_ATOMIC, 0)\n",
    );
    expect(atomic.err).toBe(""); // no __GFP_WAIT: NULL, as 2.6.11 returns it
    expect(atomic.out).toContain("page allocation failure. order:0, mode:0x20");
  });

  it("6. ioremap computes phys_addr + size - 1 in 32 bits: a wrapping range is NULL; a 64-bit argument is truncated", () => {
    const r = run(
      ["run", "-", "--mem", "128M"],
      "ioremap(0xfffff000, 0x2000)\nioremap(0x100000000, 0x1000)\n",
    );
    expect(resultOf(r.out, 1)).toEqual(["NULL"]);
    expect(resultOf(r.out, 2)[0]).toBe(
      "warning: ioremap: argument 1 (offset): 0x100000000 does not fit unsigned long; C passes 0x0",
    );
  });

  it("7. --nodes 2: the boot says what 2.6.11's NUMA KVA remap would reserve, which the model does not do", () => {
    const r = run(["boot", "--nodes", "2"]);
    expect(r.out).toContain("896MB LOWMEM available."); // the model's: 2.6.11 would end lowmem lower
    // discontig.c: node 1 spans 132064 pages: (132064 + 1) * 32 + sizeof(pg_data_t) > 4 MiB, rounded up to 8 MiB = 2048 pages.
    expect(r.out).toContain(
      `i386mm: 2.6.11's NUMA setup_memory would print "Reserving 2048 pages of KVA for lmem_map of node 1" and "Shrinking node 1 from 262112 pages to 260064 pages"`,
    );
    expect(r.out).toMatch(/^i386mm: \.\.\. and end lowmem 8MB lower \(max_low_pfn - 2048\)/m);
    expect(run(["boot"]).out).not.toContain("NUMA");
  });

  it("8. more than 4G without PAE boots and uses 4G (find_max_low_pfn's warning); 64G PAE says what the map leaves out", () => {
    for (const mem of ["4G", "6144M", "8G"]) {
      const r = run(["boot", "--mem", mem]);
      expect(r.code, mem).toBe(0);
      expect(r.out, mem).toContain("Warning only 4GB will be used.\nUse a PAE enabled kernel.\n");
      expect(r.out, mem).toMatch(/^Memory: \d+k\/4194304k available/m);
    }
    // QEMU puts RAM from 3 GiB on above 4 GiB: 8G = 3G low + 5G from 0x100000000.
    expect(run(["boot", "--mem", "8G"]).out).toContain(
      " BIOS-e820: 0000000100000000 - 0000000240000000 (usable)",
    );
    const big = run(["boot", "--mem", "64G", "--pae"]);
    expect(big.code).toBe(0);
    expect(big.out).toContain(" BIOS-e820: 0000000100000000 - 0000001000000000 (usable)");
    expect(big.out).toMatch(
      /^i386mm: 1024MB of the RAM QEMU would relocate above 4GB lies beyond the CPU's 36-bit physical space/m,
    );
    expect(run(["boot", "--mem", "65G"]).code).toBe(2);
  });

  it("9. misuse 2.6.11 does not check is the model's check, with what 2.6.11 would do; --no-model-checks frees as 2.6.11 and check finds the leak", () => {
    const s =
      "p = alloc_pages(GFP_KERNEL, 2)\n__free_pages(p, 0)\nx = kmalloc(64, GFP_KERNEL)\nkfree(x + 4)\nkfree(x)\nkfree(x)\n" +
      'c = kmem_cache_create("foo", 100, 0, 0, NULL)\nz = kmalloc(128, GFP_KERNEL)\nkmem_cache_free(c, z)\nr = __get_free_page(GFP_KERNEL)\nkfree(r)\n';
    const r = run(["run", "-", "--mem", "128M"], s);
    expect(r.err).not.toContain("kernel BUG");
    for (const [line, what, would] of [
      [
        2,
        "__free_pages: block allocated with order 2 freed with order 0",
        "free the first 1 page(s) and leak the other 3",
      ],
      [
        4,
        "kfree: pointer is not the start of an object of cache `size-64'",
        "push it as it is onto the per-CPU array",
      ],
      [
        6,
        "kfree: double free: object of cache 'size-64' is not allocated",
        "push it onto the per-CPU array a second time",
      ],
      [
        9,
        "kmem_cache_free: object of cache `size-128' freed to cache `foo'",
        "push it onto the per-CPU array of `foo'",
      ],
      [11, "kfree: its page is not a slab page", "oops on it"],
    ] as const) {
      expect(r.err).toMatch(
        new RegExp(
          `^<stdin>:${line}: i386mm check \\(not 2\\.6\\.11's\\): ${what.replace(/[()`.*+?]/g, "\\$&")}`,
          "m",
        ),
      );
      expect(r.err).toContain(would);
    }
    expect(r.err).toContain("--no-model-checks does that"); // the page allocator's case
    expect(r.err).toContain("the model refuses it even with --no-model-checks"); // the slab cases
    // CONFIG_DEBUG_SLAB is not the default build; its own BUGs are tested in packages/slab.
    const off = run(
      ["run", "-", "--mem", "128M", "--no-model-checks"],
      "p = alloc_pages(GFP_KERNEL, 2)\n__free_pages(p, 0)\ncheck\n",
    );
    expect(off.err).not.toContain("__free_pages");
    expect(off.err).toMatch(/^<stdin>:3: .*invariant/m);
    // kfree(p + 4) too: the pointer goes onto the per-CPU array, the next kmalloc returns it.
    const k = run(
      ["run", "-", "--mem", "128M", "--no-model-checks"],
      "x = kmalloc(64, GFP_KERNEL)\nkfree(x + 4)\ncheck\ny = kmalloc(64, GFP_KERNEL)\nassert y == x + 4\n",
    );
    expect(k.err).not.toMatch(/^<stdin>:[245]:/m);
    expect(k.err).toMatch(/^<stdin>:3: .*invariant/m);
    expect(k.err).toContain("which is not the start of an object");
  });

  it("10. the boot log is 2.6.11's by default (print_memory_map), 6.1's formats with --boot-log 6.1; added lines say so", () => {
    const r = run(["boot", "--mem", "128M"]);
    const lines = r.out.split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "BIOS-provided physical RAM map:",
      " BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)",
      " BIOS-e820: 000000000009fc00 - 00000000000a0000 (reserved)",
    ]);
    expect(r.out).not.toContain("[mem ");
    expect(r.out).not.toContain("Zone ranges:");
    // Every line 2.6.11 does not print is the model's and says so, or follows the line that does.
    const layout = lines.indexOf("virtual kernel memory layout:");
    expect(lines[layout - 1]).toMatch(
      /^i386mm: the next lines are the layout block 2\.6\.28 \.\. 4\.x print here \(2\.6\.11 does not\)/,
    );
    expect(lines.filter((l) => l.startsWith("min_free_kbytes"))).toEqual([]);
    expect(r.out).toMatch(/^i386mm: min_free_kbytes \d+ /m);
    const six = run(["boot", "--mem", "128M", "--boot-log", "6.1"]).out;
    expect(six).toContain("BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n");
    expect(six).toContain("Zone ranges:\n  DMA      [mem 0x0000000000000000-0x0000000000ffffff]\n");
    expect(six).not.toContain(" BIOS-e820: 0000000000000000");
    expect(run(["boot", "--boot-log", "2.4"]).code).toBe(2);
  });

  it("11. zoneinfo, pagetypeinfo and vmallocinfo say they are not 2.6.11's; meminfo prints 2.6.11's 23 lines, computed", () => {
    const notes = {
      zoneinfo: "/proc/zoneinfo is not in 2.6.11 (it appeared in 2.6.13)",
      pagetypeinfo: "/proc/pagetypeinfo is not in 2.6.11 (it appeared in 2.6.24",
      vmallocinfo: "/proc/vmallocinfo is not in 2.6.11 (it appeared in 2.6.28)",
    };
    for (const [name, note] of Object.entries(notes)) {
      const r = run(["cat", name, "--mem", "128M"]);
      expect(r.code).toBe(0);
      expect(r.err).toContain(`i386mm: note: ${note}`); // beside the file: stdout keeps its bytes
      expect(r.out).not.toContain("note:");
    }
    const pt = run(["cat", "pagetypeinfo", "--mem", "128M"]).out;
    expect(pt).toMatch(/^Node {4}0, zone {6}DMA, type {3}i386mm:all /m);
    expect(pt).not.toMatch(/type +all /);
    const json = JSON.parse(run(["cat", "zoneinfo", "--mem", "128M", "--json"]).out);
    expect(json.note).toContain("2.6.13");
    // meminfo: every one of meminfo_read_proc's lines; vmalloc's figures follow the areas.
    const r = run(
      ["run", "-", "--mem", "128M"],
      "cat /proc/meminfo\nv = vmalloc(3 * 4096)\ncat /proc/meminfo\n",
    );
    const before = resultOf(r.out, 1);
    const after = resultOf(r.out, 3);
    expect(before.map((l) => l.split(":")[0])).toEqual(
      "MemTotal MemFree Buffers Cached SwapCached Active Inactive HighTotal HighFree LowTotal LowFree SwapTotal SwapFree Dirty Writeback Mapped Slab CommitLimit Committed_AS PageTables VmallocTotal VmallocUsed VmallocChunk".split(
        " ",
      ),
    );
    const kb = (ls: string[], name: string) =>
      Number(/(\d+) kB$/.exec(ls.find((l) => l.startsWith(`${name}:`))!)![1]);
    expect(kb(after, "VmallocUsed") - kb(before, "VmallocUsed")).toBe(16); // 3 pages + the guard page
    expect(kb(before, "CommitLimit")).toBe(Math.floor(kb(before, "MemTotal") / 4 / 2) * 4);
  });

  it("12. the slab-colouring lab sheet asks where the freed objects are (the shared array), not why slabs stay partial", () => {
    const r = run(["run", "slab-colouring"]);
    expect(r.out).toContain(
      "slabs full 7 partial 0 free 0, free_objects 0, cpu0 array 80/120 (batch 60), shared array 60/480",
    );
    const sheet = readFileSync(join(SCENARIO_DIR, "slab-colouring.mm"), "utf8");
    expect(sheet).toContain("yet all 7 slabs are still full and free_objects is 0");
    expect(sheet).not.toMatch(/why are some slabs partial/);
  });

  it("13. any input gives a line-numbered error, never a JS stack trace (spawned REPL keeps going)", () => {
    const deep = `x = ${"(".repeat(600)}1${")".repeat(600)}`;
    const r = run(
      ["run", "--mem", "128M"],
      `${deep}\nx = ${"-".repeat(10_000)}1\ny = ${Array.from({ length: 3000 }, () => "1").join(" + ")}\nkmem_cache_alloc(NULL, GFP_KERNEL)\nz = 1\n`,
    );
    expect(r.err).toMatch(/^<stdin>:1: error: syntax error at column \d+: expression nested too deeply/m);
    expect(r.out).toContain("x = 1");
    expect(r.out).toContain("y = 3000");
    expect(r.err).toMatch(
      /^<stdin>:4: kernel BUG at mm\/slab\.c: kmem_cache_alloc: Unable to handle kernel NULL pointer dereference/m,
    );
    expect(r.err).not.toMatch(/Cannot read|RangeError|TypeError|\.js:\d+/);
    expect(r.out).toContain("z = 1");
  });

  it("14. help prints 2.6.11's prototypes", () => {
    const r = run(
      ["run", "--mem", "128M"],
      ["kmalloc", "__get_free_pages", "free_pages", "vmalloc", "ksize", "alloc_pages"]
        .map((n) => `help ${n}`)
        .join("\n"),
    );
    expect(r.out.split("\n").slice(0, 6)).toEqual([
      "void *kmalloc(size_t size, int flags);    /* include/linux/slab.h (slab) */",
      "unsigned long __get_free_pages(unsigned int gfp_mask, unsigned int order);    /* mm/page_alloc.c (page-alloc) */",
      "void free_pages(unsigned long addr, unsigned int order);    /* mm/page_alloc.c (page-alloc) */",
      "void *vmalloc(unsigned long size);    /* mm/vmalloc.c (slab) */",
      "unsigned int ksize(const void *objp);    /* mm/slab.c (slab) */",
      "struct page *alloc_pages(unsigned int gfp_mask, unsigned int order);    /* include/linux/gfp.h, a macro (page-alloc) */",
    ]);
  });

  it("15. the small things: translate of a page, a BOM, pfn_to_page(-1), kmalloc(4294967296), BUG files, NULL %s", () => {
    const r = run(
      ["run", "-", "--mem", "128M"],
      "\uFEFFp = alloc_page(GFP_KERNEL)\ntranslate p\npfn_to_page(-1)\nkmalloc(4294967296, GFP_KERNEL)\nset_fixmap(1000, 0)\nalloc_pages(__GFP_HIGHMEM|__GFP_ZERO, 0)\nkmem_cache_create(NULL, 32, 0, 0, NULL)\n",
    );
    expect(resultOf(r.out, 1)[0]).toMatch(/^p = \(struct page \*\)/); // the BOM is not part of line 1
    expect(r.err).toMatch(
      /^<stdin>:2: error: translate: the address must be a virtual address, not a struct page \*/m,
    );
    expect(resultOf(r.out, 3)).toEqual(["(struct page *) pfn 0xffffffff (not in mem_map)"]);
    expect(resultOf(r.out, 4)).toEqual([
      "warning: kmalloc: argument 1 (size): 0x100000000 does not fit size_t; C passes 0x0",
      expect.stringMatching(/^0xc[0-9a-f]{7}$/), // kmalloc(0): a size-32 object, as __kmalloc gives
    ]);
    expect(r.err).toMatch(/^<stdin>:5: kernel BUG at arch\/i386\/mm\/pgtable\.c: __set_fixmap:/m);
    expect(r.err).toMatch(/^<stdin>:6: kernel BUG at mm\/page_alloc\.c: prep_zero_page:/m);
    expect(resultOf(r.out, 7)[0]).toBe("printk: kmem_cache_create: Early error in slab <NULL>");
  });

  it("16. the seed's forms: kmap_atomic(page) / kunmap_atomic(addr) as a per-CPU stack, kmem_getpages with nodeid, node{} with a view", () => {
    const r = run(
      ["run", "-", "--mem", "1G"],
      [
        "h1 = alloc_page(GFP_HIGHUSER)",
        "h2 = alloc_page(GFP_HIGHUSER)",
        "a = kmap_atomic(h1)",
        "b = kmap_atomic(h2)",
        "assert a == fix_to_virt(FIX_KMAP_BEGIN) && b == fix_to_virt(FIX_KMAP_BEGIN + 1)",
        "kunmap_atomic(a)",
        "kunmap_atomic(b)",
        "kunmap_atomic(a)",
        'c = kmem_cache_create("seed", 100, 0, 0, NULL)',
        "s = kmem_getpages(c, GFP_KERNEL, 0)",
        "kmem_freepages(c, virt_to_page(s))",
        "NODE_DATA(0)",
        "pgdat_list->node_zones[ZONE_NORMAL]",
      ].join("\n"),
    );
    expect(r.err).toMatch(
      /^<stdin>:6: i386mm check \(not 2\.6\.11's\): kunmap_atomic: not the top of CPU 0's kmap_atomic stack \(slot 1 at 0xffff3000\)/m,
    );
    expect(r.err).toMatch(/^ {4}2\.6\.11 would clear slot 1's pte anyway/m);
    expect(r.err).not.toMatch(/^<stdin>:(7|8|10|11|12|13):/m);
    expect(resultOf(r.out, 10)[0]).toMatch(/^s = 0xc[0-9a-f]{7}$/);
    expect(resultOf(r.out, 12)[0]).toMatch(
      /^\(pg_data_t \*\)node 0 node_start_pfn 0x0 present \d+ spanned \d+ nr_zones 3 zones \[DMA 4096, Normal \d+, HighMem \d+\]/,
    );
    expect(resultOf(r.out, 13)[0]).toMatch(/^\(struct zone \*\)"Normal" node 0/);
  });
});
