import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { Interpreter, type RunEvent } from "../src/interpreter.js";
import { checkDemoInvariants } from "../src/invariants.js";
import { bootKernel, type Kernel } from "../src/kernel.js";
import { completions } from "../src/main.js";
import { runCli } from "./helpers.js";

let k: Kernel;
beforeAll(() => {
  k = bootKernel({ memBytes: 128 << 20 });
});

const results = (evs: RunEvent[]): string[] =>
  evs.filter((e) => e.t === "result").map((e) => (e as { text: string }).text);
const errors = (evs: RunEvent[]): string[] =>
  evs.filter((e) => e.t === "error").map((e) => (e as Extract<RunEvent, { t: "error" }>).report.message);

describe("interpreter", () => {
  it("prints pages as pfn, zone, flags, count and address; addresses in hex", () => {
    const it = new Interpreter(k);
    const evs = it.runScript(
      "p = alloc_pages(GFP_KERNEL, 0)\na = page_address(p)\n__free_pages(p, 0)\nn = nr_free_pages()",
    );
    const [page, addr] = results(evs);
    expect(page).toMatch(
      /^p = \(struct page \*\)0xc1[0-9a-f]{6} pfn 0x[0-9a-f]+ phys 0x[0-9a-f]{8} Normal flags 0x[0-9a-f]+ count 1 address 0xc[0-9a-f]{7}$/,
    );
    expect(addr).toMatch(/^a = 0xc[0-9a-f]{7}$/);
    expect(it.errors).toBe(0);
  });

  it("knows every constant family the book names", () => {
    const names = `GFP_ATOMIC GFP_NOIO GFP_NOFS GFP_KERNEL GFP_USER GFP_HIGHUSER GFP_DMA __GFP_DMA
      __GFP_HIGHMEM __GFP_WAIT __GFP_HIGH __GFP_IO __GFP_FS __GFP_COLD __GFP_NOWARN __GFP_REPEAT
      __GFP_NOFAIL __GFP_NORETRY __GFP_NO_GROW __GFP_COMP __GFP_ZERO SLAB_DEBUG_FREE
      SLAB_DEBUG_INITIAL SLAB_RED_ZONE SLAB_POISON SLAB_NO_REAP SLAB_HWCACHE_ALIGN SLAB_CACHE_DMA
      SLAB_MUST_HWCACHE_ALIGN SLAB_STORE_USER SLAB_RECLAIM_ACCOUNT SLAB_PANIC SLAB_DESTROY_BY_RCU
      SLAB_CTOR_CONSTRUCTOR SLAB_CTOR_ATOMIC SLAB_CTOR_VERIFY SLAB_KERNEL SLAB_ATOMIC SLAB_DMA
      KM_BOUNCE_READ KM_SKB_SUNRPC_DATA KM_SKB_DATA_SOFTIRQ KM_USER0 KM_USER1 KM_BIO_SRC_IRQ
      KM_BIO_DST_IRQ KM_PTE0 KM_PTE1 KM_IRQ0 KM_IRQ1 KM_SOFTIRQ0 KM_SOFTIRQ1 KM_TYPE_NR FIX_HOLE
      FIX_VSYSCALL FIX_APIC_BASE FIX_IO_APIC_BASE_0 FIX_IO_APIC_BASE_END FIX_KMAP_BEGIN FIX_KMAP_END
      FIX_ACPI_BEGIN FIX_ACPI_END FIX_PCIE_MCFG FIX_BTMAP_END FIX_BTMAP_BEGIN FIX_WP_TEST
      __end_of_fixed_addresses __end_of_permanent_fixed_addresses VM_IOREMAP VM_ALLOC VM_MAP
      PAGE_KERNEL PAGE_KERNEL_RO PAGE_KERNEL_NOCACHE PAGE_SHARED PAGE_NONE MAX_ORDER PAGE_OFFSET
      PG_slab PG_highmem PG_reserved PG_private LAST_PKMAP PKMAP_BASE VMALLOC_START high_memory`;
    for (const name of names.split(/\s+/)) expect(k.constants.has(name), name).toBe(true);
    expect(k.constants.get("GFP_KERNEL")).toBe(0xd0);
    expect(k.constants.get("GFP_ATOMIC")).toBe(0x20);
    expect(k.constants.get("KM_USER0")).toBe(3);
    expect(k.constants.get("FIX_KMAP_BEGIN")).toBe(11);
    expect(k.constants.get("PG_slab")).toBe(7);
  });

  it("binds the public kernel functions of every layer", () => {
    for (const name of [
      "alloc_pages",
      "__get_free_pages",
      "free_pages",
      "pfn_to_page",
      "kmem_cache_create",
      "kmalloc",
      "ksize",
      "vmalloc",
      "vfree",
      "kmap",
      "kunmap",
      "kmap_atomic",
      "fix_to_virt",
      "set_fixmap",
      "__flush_tlb_one",
    ]) {
      expect(k.bindings.has(name), name).toBe(true);
    }
    expect(k.bindings.get("kmalloc")!.layer).toBe("slab");
    expect(k.bindings.get("kmap")!.layer).toBe("kmap");
    expect(k.bindings.get("alloc_pages")!.layer).toBe("page-alloc");
    // No camelCase helpers leak into the language.
    for (const name of k.bindings.keys()) expect(name).not.toMatch(/^[a-z]+[A-Z]/);
  });

  it("combines constants with |, evaluates C operators", () => {
    const it = new Interpreter(k);
    const evs = it.runScript(
      "x = GFP_KERNEL | __GFP_ZERO\ny = (1 << 12) + 0x10 - 4 * 2\nz = ~0 & 0xfff\nw = 7 % 3 == 1 && !0",
    );
    expect(results(evs)).toEqual([
      "x = 32976 (0x80d0)",
      "y = 4104 (0x1008)",
      "z = 4095 (0xfff)",
      "w = 1 (true)",
    ]);
  });

  it("reports errors with their line, goes on, and stops under strict", () => {
    const loose = new Interpreter(k);
    const evs = loose.runScript("x = nope\ny = 1\nz = (");
    expect(loose.errors).toBe(2);
    expect(evs.filter((e) => e.t === "error").map((e) => e.line)).toEqual([1, 3]);
    expect(results(evs)).toEqual(["y = 1"]);
    const strict = new Interpreter(k, { strict: true });
    const evs2 = strict.runScript("x = nope\ny = 1");
    expect(strict.stopped).toBe(true);
    expect(results(evs2)).toEqual([]);
  });

  it("turns a kernel BUG into a report naming the call and file, leaving variables alone", () => {
    const it = new Interpreter(k);
    const evs = it.runScript(
      "p = alloc_pages(GFP_KERNEL, 1)\n__free_pages(p, 1)\np2 = p\nq = __free_pages(p, 1)\n__free_pages(p, 1)",
    );
    const bug = evs.find((e) => e.t === "error" && e.report.kind === "BUG") as Extract<
      RunEvent,
      { t: "error" }
    >;
    expect(bug.line).toBe(5);
    expect(bug.report.file).toBe("mm/page_alloc.c");
    expect(bug.report.message).toMatch(/^__free_pages: /);
    expect(errors(evs)[0]).toBe("void value not ignored as it ought to be");
    expect(it.vars.has("q")).toBe(false);
  });

  it("checks argument types the way the C prototypes declare them", () => {
    const it = new Interpreter(k);
    const evs = it.runScript(
      "a = __get_free_pages(GFP_KERNEL, 0)\nkmap(a)\nfree_pages(pfn_to_page(1), 0)\nkmalloc(32)\nkmem_cache_alloc(1, GFP_KERNEL)\nfree_pages(a, 0)",
    );
    expect(errors(evs)).toEqual([
      expect.stringMatching(
        /^kmap: argument 1 \(page\) must be a struct page \*, not the addr 0x[0-9a-f]+ \(use virt_to_page\(addr\) for its struct page\)$/,
      ),
      expect.stringMatching(
        /^free_pages: argument 1 \(addr\) must be an address, not a struct page \* \(use page_address/,
      ),
      "kmalloc: too few arguments (kmalloc(size, flags) takes 2, got 1)",
      "kmem_cache_alloc: argument 1 (cachep) must be a kmem_cache_t *, not the integer 1",
    ]);
  });

  it("folds long loops, keeps arrays and reads struct fields with ->", () => {
    const it = new Interpreter(k);
    const evs = it.runScript(
      'c = kmem_cache_create("t_fold", 100, 0, SLAB_HWCACHE_ALIGN, NULL)\nfor (i = 0; i < 40; i++) o[i] = kmem_cache_alloc(c, GFP_KERNEL)\nn = c->num\nfor (i = 0; i < 40; i++) kmem_cache_free(c, o[i])\nkmem_cache_shrink(c)\nkmem_cache_destroy(c)',
    );
    const r = results(evs);
    expect(r[1]).toMatch(/^o\[0\] = 0xc/);
    expect(r[2]).toMatch(/^o\[1\] = 0xc/);
    expect(evs.some((e) => e.t === "echo" && e.text.includes("37 more iteration(s)"))).toBe(true);
    expect(r[3]).toMatch(/^o\[39\] = 0xc/);
    expect(r).toContain("n = 31 (0x1f)");
    expect(it.errors).toBe(0);
  });

  it("expect_error passes when the statement fails and fails when it succeeds", () => {
    const it = new Interpreter(k);
    const evs = it.runScript(
      "expect_error fix_to_virt(__end_of_fixed_addresses)\nexpect_error fix_to_virt(0)",
    );
    expect(evs.filter((e) => e.t === "expected")).toHaveLength(1);
    expect(it.errors).toBe(1);
  });

  it("shows kernel messages printed by a call", () => {
    const kk = bootKernel({ memBytes: 16 << 20 });
    kk.drainMessages();
    const it = new Interpreter(kk);
    const evs = it.runScript("for (i = 0; i < 100; i++) p[i] = alloc_pages(GFP_ATOMIC, 9)");
    expect(evs.some((e) => e.t === "dmesg" && /page allocation failure/.test(e.text))).toBe(true);
  });

  it("keeps every layer's invariants through random scenarios (fast-check, seed 2026)", () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant("page" as const), order: fc.nat(5), high: fc.boolean() }),
      fc.record({ t: fc.constant("kmalloc" as const), size: fc.integer({ min: 1, max: 5000 }) }),
      fc.record({ t: fc.constant("vmalloc" as const), pages: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ t: fc.constant("free" as const), which: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const kk = bootKernel({ memBytes: 1 << 30 });
        const live: string[] = [];
        const lines: string[] = [];
        ops.forEach((o, i) => {
          if (o.t === "page") {
            lines.push(`v${i} = alloc_pages(${o.high ? "GFP_HIGHUSER" : "GFP_KERNEL"}, ${o.order})`);
            live.push(`__free_pages(v${i}, ${o.order})`);
          } else if (o.t === "kmalloc") {
            lines.push(`v${i} = kmalloc(${o.size}, GFP_KERNEL)`);
            live.push(`kfree(v${i})`);
          } else if (o.t === "vmalloc") {
            lines.push(`v${i} = vmalloc(${o.pages * 4096})`);
            live.push(`vfree(v${i})`);
          } else if (live.length) {
            lines.push(live.splice(o.which % live.length, 1)[0]!);
          }
          lines.push("check");
        });
        lines.push(...live, "check");
        const it = new Interpreter(kk);
        const evs = it.runScript(lines.join("\n"));
        if (it.errors) throw new Error(errors(evs).join("; "));
        checkDemoInvariants(kk, it);
      }),
      { seed: 2026, numRuns: 15 },
    );
  });
});

describe("C details", () => {
  it("array elements are expressions; echo interpolates $a[i]; the loop variable ends at the bound", () => {
    const it = new Interpreter(k);
    const evs = it.runScript(`for (i = 0; i < 3; i++) q[i] = i * 10
q[2]
q[1] + 1
echo i=$i q0=$q[0] q1=$q[1] missing=$q[7]
for (j = 5; j < 2; j++) q[j] = 1
echo j=$j`);
    expect(errors(evs)).toEqual([]);
    expect(results(evs).slice(3)).toEqual(["20 (0x14)", "11 (0xb)"]);
    const echoes = evs.filter((e) => e.t === "echo").map((e) => (e as { text: string }).text);
    expect(echoes).toEqual(["i=3 q0=0 q1=10 (0xa) missing=$q[7]", "j=5"]);
  });

  it("address constants print as addresses, pfn variables as pfns", () => {
    const it = new Interpreter(k);
    const evs = it.runScript("PKMAP_BASE\nhigh_memory + 0x1000\nmax_low_pfn\nswapper_pg_dir\nLAST_PKMAP");
    expect(errors(evs)).toEqual([]);
    expect(results(evs)).toEqual(["0xff800000", "0xc7fe1000", "0x7fe0", "0x003d4000", "1024 (0x400)"]);
  });

  it("a failed assert quotes the condition as written", () => {
    const it = new Interpreter(k);
    const evs = it.runScript("assert nr_free_pages() > 100000000   # never");
    expect(errors(evs)).toEqual(["assertion failed: nr_free_pages() > 100000000"]);
  });

  it("REPL `help NAME` prints a prototype, a constant or why a name is not callable", async () => {
    const r = await runCli(
      ["run", "--mem", "64M"],
      "help kmem_cache_create\nhelp kmap_atomic\nhelp GFP_KERNEL\nhelp __rmqueue\nhelp cache_grow\nhelp nope\n",
    );
    expect(r.out.split("\n").slice(0, 7)).toEqual([
      "kmem_cache_t *kmem_cache_create(const char *name, size_t size, size_t align, unsigned long flags, " +
        "void (*ctor)(void *, kmem_cache_t *, unsigned long), void (*dtor)(void *, kmem_cache_t *, unsigned long));" +
        "    /* mm/slab.c (slab) */",
      "void *kmap_atomic(struct page *page, enum km_type type);    /* arch/i386/mm/highmem.c (kmap) */",
      "void *kmap_atomic(struct page *page);    /* later kernels' form (the seed's): the slot is the next one of this CPU's stack; release in LIFO order */",
      "GFP_KERNEL = 208 (0xd0)",
      "__rmqueue: a static step inside page-alloc; not callable from a scenario",
      // SlabAllocator's static steps are #private: invisible to the scenario language.
      "cache_grow: no such kernel function or constant in this build",
      "nope: no such kernel function or constant in this build",
    ]);
  });

  it("REPL Tab completion: kernel names, constants, variables, statement words, /proc views", () => {
    const it = new Interpreter(k);
    it.runScript("my_page = alloc_pages(GFP_KERNEL, 0)");
    expect(completions(k, it, "x = kmem_cache_a")).toEqual([["kmem_cache_alloc"], "kmem_cache_a"]);
    expect(completions(k, it, "p = alloc_pages(GFP_HIGH")[0]).toEqual(["GFP_HIGHUSER"]);
    expect(completions(k, it, "__free_pages(my_")).toEqual([["my_page"], "my_"]);
    expect(completions(k, it, "transl")).toEqual([["translate"], "transl"]);
    expect(completions(k, it, "cat /proc/b")).toEqual([["/proc/buddyinfo"], "/proc/b"]);
    expect(completions(k, it, "kmap(")).toEqual([[], ""]);
  });
});
