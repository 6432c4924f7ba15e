/*
 * Every call the issue lists, in the book's syntax, runs without error and prints its result in
 * the expected form (pages as struct page, addresses in hex, caches as kmem_cache_t).
 */
import { expect, it } from "vitest";
import { Interpreter, type RunEvent } from "../src/interpreter.js";
import { bootKernel } from "../src/kernel.js";

const SCRIPT = `
p = alloc_pages(GFP_KERNEL, 3)
__free_pages(p, 3)
a = __get_free_pages(GFP_KERNEL|__GFP_ZERO, 2)
free_pages(a, 2)
q = alloc_pages(GFP_HIGHUSER, 0)
page_address(q)
pfn_to_page(0x1234)
c = kmem_cache_create("foo", 100, 0, SLAB_HWCACHE_ALIGN, NULL)
o = kmem_cache_alloc(c, GFP_KERNEL)
x = kmalloc(200, GFP_KERNEL)
ksize(x)
kfree(x)
v = vmalloc(65536)
k = kmap(q)
kunmap(q)
t = kmap_atomic(q, KM_USER0)
kunmap_atomic(t, KM_USER0)
fix_to_virt(FIX_KMAP_BEGIN)
set_fixmap(FIX_APIC_BASE, 0xfee00000)
cat /proc/buddyinfo
cat /proc/zoneinfo
cat /proc/meminfo
cat /proc/pagetypeinfo
cat /proc/slabinfo
cat /proc/vmallocinfo
translate 0xc0123456
check
echo done
`;

it("runs every example of the issue", () => {
  const k = bootKernel({ memBytes: 1 << 30 });
  const interp = new Interpreter(k);
  const evs = interp.runScript(SCRIPT);
  const errs = evs.filter((e): e is Extract<RunEvent, { t: "error" }> => e.t === "error");
  expect(errs.map((e) => `${e.line}: ${e.report.message}`)).toEqual([]);
  const text = (line: number): string =>
    evs
      .filter((e) => e.line === line && e.t === "result")
      .map((e) => (e as { text: string }).text)
      .join("\n");
  expect(text(2)).toMatch(
    /^p = \(struct page \*\)0x[0-9a-f]{8} pfn 0x[0-9a-f]+ phys .* count 1 address 0xc[0-9a-f]{7}$/,
  );
  expect(text(4)).toMatch(/^a = 0xc[0-9a-f]{7}$/);
  expect(text(7)).toBe("NULL");
  expect(text(8)).toMatch(/^\(struct page \*\)0x[0-9a-f]{8} pfn 0x1234 phys 0x01234000 Normal /);
  expect(text(9)).toMatch(/^c = \(kmem_cache_t \*\)"foo" objsize 128, 31 per slab/);
  expect(text(12)).toBe("256 (0x100)");
  expect(text(14)).toMatch(/^v = 0xf8800000$/);
  expect(text(15)).toMatch(/^k = 0xff8[0-9a-f]{5}$/);
  expect(text(17)).toMatch(/^t = 0xffff1000$/);
  expect(text(19)).toBe("0xffff4000");
  const views = evs.filter((e) => e.t === "view").map((e) => (e as { name: string }).name);
  expect(views).toEqual([
    "buddyinfo",
    "zoneinfo",
    "meminfo",
    "pagetypeinfo",
    "slabinfo",
    "vmallocinfo",
    "translate",
  ]);
  expect(evs.at(-1)).toMatchObject({ t: "echo", text: "done" });
});
