/*
 * Bad input at the public entry points of every layer (issue #20 point 3), table-driven: wrong
 * types, NaN, negative, fractional, huge, unaligned, freed, foreign and kernel-vs-user addresses,
 * strings where numbers go, very long names. Each call must end as the kernel ends it — a NULL,
 * a -errno, or a typed kernel-style error (KernelBugError and its kin, ConfigError, a layer's own
 * named class) — never an untyped JS exception (TypeError, RangeError, a bare Error), and a call
 * that fails must leave the whole machine state as it was (machineHash, the printk log aside),
 * and after every call, failed or not, the whole-machine check must hold (kernelProblems).
 * The cases run one after another on one machine; KNOWN lists the ones that still fail, each
 * with its reason, so the table says exactly what is left to fix.
 */
import { PAGE_OFFSET, type VirtAddr } from "@i386mm/hw-i386";
import { KM_USER0, type km_type } from "@i386mm/kmap";
import { GFP_HIGHUSER, GFP_KERNEL, type Page } from "@i386mm/page-alloc";
import { IS_ERR, O_RDWR } from "@i386mm/page-cache";
import {
  create_task,
  do_brk,
  get_unmapped_area,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  old_mmap,
  PROT_READ,
  schedule_to,
  sys_brk,
  sys_mmap2,
  sys_mprotect,
  sys_munmap,
  sys_remap_file_pages,
  user_read,
  user_write,
} from "@i386mm/vma";
import { describe, expect, it } from "vitest";
import { boot, kernelProblems, machineHash } from "../src/index.js";

/** Values that are not what a parameter wants. */
const NUMS: readonly [string, unknown][] = [
  ["NaN", Number.NaN],
  ["-1", -1],
  ["1.5", 1.5],
  ["2^32", 2 ** 32],
  ['"12"', "12"],
  ["undefined", undefined],
];

const JS_ERRORS = new Set(["Error", "TypeError", "RangeError", "ReferenceError", "SyntaxError"]);

/** How a call ended. */
type Outcome = "null" | "errno" | "typed-error" | "js-error" | "done";

function outcome(run: () => unknown): { o: Outcome; detail: string } {
  try {
    const r = run();
    if (r === null || r === undefined) return { o: r === null ? "null" : "done", detail: String(r) };
    if (typeof r === "number" && r < 0 && r >= -4095) return { o: "errno", detail: String(r) };
    if (typeof r === "number" && r === 0) return { o: "done", detail: "0" };
    return { o: "done", detail: typeof r === "object" ? "object" : String(r) };
  } catch (e) {
    const name = e instanceof Error ? e.constructor.name : typeof e;
    const msg = e instanceof Error ? e.message : String(e);
    return { o: JS_ERRORS.has(name) ? "js-error" : "typed-error", detail: `${name}: ${msg}` };
  }
}

/** Cases whose outcome differs from the rule on purpose, with why. */
const KNOWN = new Map<string, string>([
  [
    "filp_open(a name with NUL)",
    "-ENOENT, and the failed lookup leaves a negative dentry in the dcache, as 2.6.11's d_lookup/d_add(NULL) does: a real state change",
  ],
]);
describe("bad input at every layer's entry points", () => {
  it("ends as NULL, -errno or a typed error, and a failed call changes nothing", () => {
    const k = boot({ mem: "16M" });
    const held = k.direct.alloc_page(GFP_KERNEL)!;
    const freed = k.direct.alloc_page(GFP_KERNEL)!;
    k.direct.__free_page(freed);
    const cache = k.slab.kmem_cache_create("bad-input", 64, 0, 0, null)!;
    const obj = k.slab.kmem_cache_alloc(cache, GFP_KERNEL)!;
    const t = create_task(k.vm, "bad")!;
    schedule_to(k.vm, t);
    const f = k.pc.filp_open("/", O_RDWR);
    const cases: [string, () => unknown][] = [];
    const add = (name: string, run: () => unknown) => cases.push([name, run]);
    // the value as whatever the parameter's type is (a plain number, a Page, a VirtAddr): unchecked on purpose
    const n = (v: unknown) => v as never;
    for (const [vn, v] of NUMS) {
      add(`alloc_pages(GFP_KERNEL, ${vn})`, () => k.direct.alloc_pages(GFP_KERNEL, n(v)));
      add(`alloc_pages(${vn}, 0)`, () => {
        // a gfp_mask is bits: a non-number is no bit at all (gfp 0); a page it gets is given back
        const p = k.direct.alloc_pages(n(v), 0);
        if (p !== null) k.direct.__free_pages(p, 0);
        return p;
      });
      add(`__free_pages(${vn}, 0)`, () => k.pa.__free_pages(n(v) as Page, 0));
      add(`free_pages(${vn}, 0)`, () => k.pa.free_pages(n(v), 0));
      add(`put_page(${vn})`, () => k.pa.put_page(n(v) as Page));
      add(`kmalloc(${vn}, GFP_KERNEL)`, () => k.slab.kmalloc(n(v), GFP_KERNEL));
      add(`kfree(${vn})`, () => k.slab.kfree(n(v)));
      add(`kmem_cache_create("x-${vn}", ${vn}, 0, 0, NULL)`, () =>
        k.slab.kmem_cache_create(`x-${vn}`, n(v), 0, 0, null),
      );
      add(`kmem_cache_free(cache, ${vn})`, () => k.slab.kmem_cache_free(cache, n(v) as never));
      add(`vmalloc(${vn})`, () => k.slab.vmalloc(n(v)));
      add(`vfree(${vn})`, () => k.slab.vfree(n(v)));
      add(`kmap(${vn})`, () => k.km.kmap(n(v) as Page));
      add(`kunmap(${vn})`, () => k.km.kunmap(n(v) as Page));
      add(`kmap_atomic(page, ${vn})`, () => k.km.kmap_atomic(held, n(v) as km_type));
      add(`kunmap_atomic(${vn}, KM_USER0)`, () => k.km.kunmap_atomic(n(v), KM_USER0));
      add(`sys_truncate("/", ${vn})`, () => k.pc.sys_truncate("/", n(v)));
      if (!IS_ERR(f))
        add(`sys_pread64(/, buf, ${vn}, 0)`, () => k.pc.sys_pread64(f, new Uint8Array(8), n(v), 0));
      add(`mmap2(0, ${vn}, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)`, () =>
        sys_mmap2(k.vm, 0, n(v), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      );
      add(`mmap2(${vn}, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS)`, () =>
        sys_mmap2(k.vm, n(v), 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      );
      add(`mmap2(0, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, pgoff ${vn})`, () =>
        sys_mmap2(k.vm, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, n(v)),
      );
      add(`mmap2(0, 4096, ${vn}, MAP_PRIVATE|MAP_ANONYMOUS)`, () =>
        sys_mmap2(k.vm, 0, 4096, n(v), MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      );
      add(`mmap2(0, 4096, PROT_READ, ${vn})`, () => sys_mmap2(k.vm, 0, 4096, PROT_READ, n(v), -1, 0));
      add(`mmap2(.., MAP_ANONYMOUS, fd ${vn})`, () =>
        sys_mmap2(k.vm, 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, n(v), 0),
      );
      add(`old_mmap(${vn})`, () => old_mmap(k.vm, n(v)));
      add(`do_brk(${vn}, 4096)`, () => do_brk(k.vm, n(v), 4096));
      add(`get_unmapped_area(NULL, 0, ${vn}, 0, 0)`, () => get_unmapped_area(k.vm, null, 0, n(v), 0, 0));
      add(`remap_file_pages(${vn}, 4096, 0, 0, 0)`, () => sys_remap_file_pages(k.vm, n(v), 4096, 0, 0, 0));
      add(`munmap(0x40000000, ${vn})`, () => sys_munmap(k.vm, 0x40000000, n(v)));
      add(`mprotect(0x40000000, ${vn}, PROT_READ)`, () => sys_mprotect(k.vm, 0x40000000, n(v), PROT_READ));
      add(`munmap(${vn}, 4096)`, () => sys_munmap(k.vm, n(v), 4096));
      add(`mprotect(${vn}, 4096, PROT_READ)`, () => sys_mprotect(k.vm, n(v), 4096, PROT_READ));
      add(`brk(${vn})`, () => sys_brk(k.vm, n(v)));
      add(`user_read(${vn}, 1)`, () => user_read(k.vm, n(v), 1));
    }
    // freed, foreign, unaligned, kernel-vs-user
    add("__free_pages(a freed page, 0)", () => k.direct.__free_pages(freed, 0));
    add("__free_pages(a held page, order 3)", () => k.pa.__free_pages(held, 3));
    add("kfree(an object twice)", () => {
      const x = k.slab.kmalloc(100, GFP_KERNEL)!;
      k.slab.kfree(x);
      return k.slab.kfree(x);
    });
    add("kfree(unaligned inside an object)", () => k.slab.kfree((obj + 3) as VirtAddr));
    add("kfree(a page-allocator page)", () => k.slab.kfree((PAGE_OFFSET + held * 4096) as VirtAddr));
    const foreign = k.slab.kmalloc(64, GFP_KERNEL)!;
    add("kmem_cache_free(cache, an object of another cache)", () => k.slab.kmem_cache_free(cache, foreign));
    add("vfree(a kmalloc address)", () => k.slab.vfree(obj));
    add("vfree(a user address)", () => k.slab.vfree(0x08048000 as VirtAddr));
    add("kunmap(a page never kmapped)", () => k.km.kunmap(k.direct.alloc_page(GFP_HIGHUSER)!));
    add("kunmap_atomic(a user address)", () => k.km.kunmap_atomic(0x08048000, KM_USER0));
    add("munmap(a kernel address)", () => sys_munmap(k.vm, PAGE_OFFSET, 4096));
    add("mmap2 at a kernel address, MAP_FIXED", () =>
      sys_mmap2(k.vm, PAGE_OFFSET, 4096, PROT_READ, 0x32, -1, 0),
    );
    add("user_write(a kernel address)", () => user_write(k.vm, PAGE_OFFSET + 0x1000, [1]));
    add("user_read(an unmapped user address)", () => user_read(k.vm, 0x1000, 1));
    add("brk below the data segment", () => sys_brk(k.vm, 1));
    // C-valid values at the edge: a hint whose PAGE_ALIGN wraps past 4G (2.6.11 then tries 0)
    add("mmap2 with the hint 0xffffffff", () =>
      sys_mmap2(k.vm, 0xffffffff, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
    );
    add("mmap2 with the length 0xffffffff", () =>
      sys_mmap2(k.vm, 0, 0xffffffff, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
    );
    add("mprotect wrapping past 4G", () => sys_mprotect(k.vm, 0xfffff000, 0x2000, PROT_READ));
    add("filp_open(a 5000-byte name)", () => k.pc.filp_open(`/${"a".repeat(5000)}`, O_RDWR));
    add("sys_mkdir(a 300-byte component)", () => k.pc.sys_mkdir(`/${"b".repeat(300)}`));
    add("filp_open(a name with NUL)", () => k.pc.filp_open("/a\0b", O_RDWR));
    add("kmem_cache_create(a duplicate name)", () => k.slab.kmem_cache_create("bad-input", 64, 0, 0, null));
    add("kmem_cache_create(a huge alignment)", () =>
      k.slab.kmem_cache_create("huge-align", 64, 1 << 30, 0, null),
    );

    const rows: string[] = [];
    let bad = 0;
    let changed = 0;
    let h = machineHash(k, { printk: false });
    let lastProblems = "";
    for (const [name, run] of cases) {
      if (process.env.BAD_INPUT_TRACE) process.stderr.write(`${name}\n`);
      const r = outcome(run);
      const after = machineHash(k, { printk: false });
      // a call that went through must leave a consistent machine (no NaN-sized VMA, no lost page)
      const problems = kernelProblems(k).join("; ");
      if (problems !== "" && problems !== lastProblems)
        rows.push(`${name}: ${r.o} ${r.detail}, and then: ${problems}`);
      lastProblems = problems;
      const failed = r.o !== "done";
      const drift = failed && after !== h;
      const known = KNOWN.get(name);
      if ((r.o === "js-error" || drift) && known === undefined) {
        if (r.o === "js-error") bad++;
        if (drift) changed++;
        rows.push(`${name}: ${r.o}${drift ? " (and the state changed)" : ""} ${r.detail}`);
      }
      h = after;
    }
    console.info(`bad-input table: ${cases.length} cases`);
    expect(rows, `${bad} untyped JS exceptions, ${changed} failed calls that changed the state`).toEqual([]);
  }, 120_000);
});
