/*
 * The explorer's model without a page: frame owners, buddy counts, slab objects, the kernel layout,
 * processes and walks, selections, and the step controls (forward, back by replay, run to end,
 * edits) on a booted kernel — the same objects the page draws, checked against the kernel's own
 * views (/proc/buddyinfo) and structures.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, scenarioFlags } from "@i386mm/demo";
import * as demoNode from "@i386mm/demo/node";
import { main, SCENARIO_DIR } from "@i386mm/demo/node";
import { fixturePath } from "@i386mm/fixtures";
import { PAGE_OFFSET } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { HOST_FILES, USERLAND_FILES } from "../src/files.js";
import { describeFrame } from "../src/model/describe.js";
import { Explorer } from "../src/model/explorer.js";
import { Owner } from "../src/model/owners.js";
import { walkAddress } from "../src/model/process.js";
import { resolveSelection, sourceOfValue } from "../src/model/selection.js";
import { cacheSlabs, ObjState } from "../src/model/slabs.js";
import { fixSlots, kernelRegions, pkmapSlots, vmallocPieces } from "../src/model/vlayout.js";

/** The page's files, read from the repository instead of fetched (src/files.ts's lists). */
const FILES = {
  userland: {
    paths: Object.keys(USERLAND_FILES),
    read: (p: string) =>
      USERLAND_FILES[p] ? new Uint8Array(readFileSync(fixturePath(USERLAND_FILES[p]!))) : null,
  },
  host: {
    read: (p: string) =>
      HOST_FILES[p] ? new Uint8Array(readFileSync(fixturePath(HOST_FILES[p]!))) : "No such file or directory",
  },
};
const M128 = { memBytes: 128 << 20, pae: false, cpus: 1, nodes: 1 } as const;
const sheet = (name: string) => readFileSync(join(SCENARIO_DIR, `${name}.mm`), "utf8");
const image = readFileSync(fixturePath("elf/memorylayout.ext2"));

/** /proc/buddyinfo's numbers for a zone, from the interpreter's own view. */
function buddyinfo(ex: Explorer, zone: string): number[] {
  const line = ex.session.kernel
    .view("buddyinfo")!
    .lines.find((l) => l.includes(`zone ${zone.padStart(8)}`))!;
  return line.trim().split(/\s+/).slice(4).map(Number);
}

/** Run statements until the one whose source contains `text` has run. */
function stepTo(ex: Explorer, text: string): void {
  for (;;) {
    const rec = ex.forward();
    if (!rec) throw new Error(`no statement ${text}`);
    if (rec.action.t === "line" && rec.action.source.includes(text)) return;
  }
}

describe("frames, buddy and the buddy lab sheet", () => {
  it("the buddy view's counts are /proc/buddyinfo's, and a split and merge show in counts and owners", () => {
    const ex = new Explorer(M128, "buddy-split-merge.mm", sheet("buddy-split-merge"), null);
    const normal = () => ex.snapshot.zones.find((z) => z.name === "Normal")!;
    expect(normal().nr_free).toEqual(buddyinfo(ex, "Normal"));
    const before = [...normal().nr_free];
    stepTo(ex, "p1 = alloc_pages(GFP_KERNEL, 1)");
    const after = normal().nr_free;
    expect(after).toEqual(buddyinfo(ex, "Normal"));
    // expand(): the smallest order n >= 1 with a block lost one, orders 1..n-1 gained one each.
    const n = before.findIndex((c, o) => o >= 1 && c > 0);
    expect(after[n]).toBe(before[n]! - 1);
    for (let o = 1; o < n; o++) expect(after[o]).toBe(before[o]! + 1);
    expect(ex.changes.buddy.get(`0:Normal/${n}`)).toBe(-1);
    const p1 = ex.session.interp.vars.get("p1")!;
    const pfn = (p1 as { v: number }).v;
    expect(ex.snapshot.frames.owner[pfn]).toBe(Owner.KERNEL);
    expect(ex.snapshot.frames.owner[pfn + 1]).toBe(Owner.KERNEL);
    expect(ex.changes.frames.has(pfn)).toBe(true);
    stepTo(ex, "__free_pages(p2, 1)");
    expect(normal().nr_free).toEqual(before);
    expect(ex.snapshot.frames.owner[pfn]).toBe(Owner.FREE);
    expect(ex.snapshot.frames.order[pfn]).toBe(n);
    expect(
      describeFrame(ex.session.kernel, ex.snapshot.frames, pfn).rows.find((r) => r[0] === "owner")![1],
    ).toMatch(new RegExp(`free block of order ${n}: .* on Normal free_area\\[${n}\\]`));
  });

  it("every frame has one owner, and the free ones add up to the zones' free_pages plus the per-CPU lists", () => {
    const ex = new Explorer(M128, "x.mm", "", null);
    const fm = ex.snapshot.frames;
    const free = ex.snapshot.zones.reduce((a, z) => a + z.free_pages, 0);
    const pcp = ex.snapshot.zones.reduce((a, z) => a + z.pcp.reduce((b, [h, c]) => b + h + c, 0), 0);
    expect(fm.counts[Owner.FREE]).toBe(free);
    expect(fm.counts[Owner.PCP]).toBe(pcp);
    expect([...fm.owner].every((o) => o < 10)).toBe(true);
    expect(fm.counts.reduce((a, b) => a + b, 0)).toBe(fm.nr);
    // The kernel image and mem_map are reserved; the boot-time caches are slab.
    expect(fm.owner[0x100]).toBe(Owner.RESERVED);
    expect(fm.counts[Owner.SLAB]).toBeGreaterThan(0);
    // The kernel's own page tables for pkmap / fixmaps are page-table frames.
    expect(fm.counts[Owner.PAGETABLE]).toBeGreaterThan(0);
  });
});

describe("slab, vmalloc, kmap and the kernel layout", () => {
  const text = [
    'c = kmem_cache_create("webtest", 200, 0, SLAB_HWCACHE_ALIGN, NULL, NULL)',
    "a = kmem_cache_alloc(c, GFP_KERNEL)",
    "b = kmem_cache_alloc(c, GFP_KERNEL)",
    "kmem_cache_free(c, b)",
    "v = vmalloc(3 * PAGE_SIZE)",
    "h = alloc_page(GFP_HIGHUSER)",
    "k = kmap(h)",
    "kmap_atomic(h, KM_USER0)",
  ].join("\n");

  it("shows a cache's slab with its objects' states, a vmalloc area with its guard page, a pkmap slot and a KM slot", () => {
    const ex = new Explorer({ ...M128, memBytes: 1 << 30 }, "x.mm", text, null);
    ex.runToEnd();
    const k = ex.session.kernel;
    const num = (name: string) => (ex.session.interp.vars.get(name) as { v: number }).v;
    const c = ex.snapshot.caches.find((x) => x.name === "webtest")!;
    expect(c.objsize).toBe(224);
    expect(c.partial).toBe(1);
    const { slabs } = cacheSlabs(k, c.cache);
    const s = slabs[0]!;
    const ia = (num("a") - s.s_mem) / c.objsize;
    const ib = (num("b") - s.s_mem) / c.objsize;
    expect(s.objects[ia]).toBe(ObjState.USED);
    // b went back to the per-CPU array: free to the cache, still counted in use by the slab.
    expect(s.objects[ib]).toBe(ObjState.CACHED);
    expect(s.objects.filter((o) => o === ObjState.FREE).length).toBe(c.num - s.inuse);
    const apfn = (num("a") - PAGE_OFFSET) / 4096;
    expect(ex.snapshot.frames.owner[Math.floor(apfn)]).toBe(Owner.SLAB);
    const sel = resolveSelection(k, null, ex.snapshot, { kind: "object", addr: num("a") })!;
    expect(sel.cache).toBe("webtest");
    expect(sel.pfns.has(Math.floor(apfn))).toBe(true);

    const pieces = vmallocPieces(k);
    const area = pieces.find((p) => p.kind === "area" && p.start === num("v"))!;
    expect(area.end - area.start).toBe(3 * 4096);
    const guard = pieces[pieces.indexOf(area) + 1]!;
    expect(guard.kind).toBe("guard");
    expect(guard.end - guard.start).toBe(4096);
    for (const p of area.area!.pages!) expect(ex.snapshot.frames.owner[p!]).toBe(Owner.VMALLOC);

    const slot = pkmapSlots(k).slots.find((x) => x.addr === num("k"))!;
    expect(slot.count).toBe(2);
    expect(slot.pfn).toBe(num("h"));
    const km = fixSlots(k).find((f) => f.name.includes("KM_USER0, CPU 0"))!;
    expect(km.pfn).toBe(num("h"));
    const regions = kernelRegions(k).map((r) => r.kind);
    expect(regions).toEqual(["lowmem", "gap", "vmalloc", "gap", "pkmap", "unused", "fixmap"]);
    const hsel = resolveSelection(k, null, ex.snapshot, { kind: "frame", pfn: num("h") })!;
    expect(hsel.vaddrs).toContain(num("k"));
    expect(hsel.vaddrs).toContain(km.addr);
  });
});

describe("processes", () => {
  it("runs memorylayout in both layouts: VMAs, user frames, page tables, walks", () => {
    const ex = new Explorer(M128, "x.mm", "", () => image.slice());
    const r1 = ex.act({ t: "exec", program: "memorylayout-static", layout: "flexible" });
    const r2 = ex.act({ t: "exec", program: "memorylayout-static", layout: "classic" });
    expect(r1.error).toBeNull();
    expect(r2.error).toBeNull();
    const [flex, classic] = ex.snapshot.tasks;
    expect(flex!.layout).toBe("flexible");
    expect(classic!.layout).toBe("classic");
    expect(classic!.mmap_base).toBe(0x40000000);
    for (const t of [flex!, classic!]) {
      // glibc 2.36's static link: a read-only first segment at 0x08048000, then the text.
      const first = t.vmas.find((v) => v.start === 0x08048000)!;
      expect(first.perms).toBe("r--p");
      expect(first.label).toBe("memorylayout-static");
      expect(t.vmas.some((v) => v.perms === "r-xp" && v.label === "memorylayout-static")).toBe(true);
      expect(t.vmas.some((v) => v.label === "[heap]")).toBe(true);
      expect(t.vmas.some((v) => v.label === "[stack]")).toBe(true);
    }
    // The classic layout puts the program's anonymous mmaps above 0x40000000, the flexible one
    // below the stack.
    const anon = (t: typeof flex) => t!.vmas.filter((v) => v.label === "[anon]").map((v) => v.start);
    expect(anon(classic).some((a) => a >= 0x40000000 && a < 0x80000000)).toBe(true);
    expect(anon(flex).some((a) => a >= 0xb0000000)).toBe(true);
    const fm = ex.snapshot.frames;
    expect(fm.counts[Owner.USER]).toBeGreaterThan(0);
    const vm = ex.session.vm;
    const task = [...vm.tasks.values()].find((t) => t.pid === flex!.pid)!;
    // The played program never read its first page: not present, demand paging would fill it.
    const w0 = walkAddress(ex.session.kernel, vm, task, 0x08048000);
    expect(w0.steps.map((s) => s.level)).toEqual(["pgd", "pte"]);
    expect(w0.pfn).toBeNull();
    expect(w0.note).toMatch(/first access faults/);
    // A read through the MMU (a step): the fault maps the page-cache page; the TLB now has it.
    const rec = ex.act({ t: "access", pid: flex!.pid, va: 0x08048000, write: false });
    expect(rec.error).toBeNull();
    const w = walkAddress(ex.session.kernel, vm, task, 0x08048000);
    expect(w.pfn).not.toBeNull();
    expect(w.tlb[0]!.state).toBe("hit");
    const fm2 = ex.snapshot.frames;
    expect(fm2.owner[w.pfn!]).toBe(Owner.PAGECACHE);
    expect(fm2.userMaps.get(w.pfn!)!.map((u) => u.pid)).toContain(flex!.pid);
    const ptePfn = Math.floor(w.steps[1]!.tablePa / 4096);
    expect(fm2.owner[ptePfn]).toBe(Owner.PAGETABLE);
    expect(fm2.pageTables.get(ptePfn)!.owner).toContain(`pid ${flex!.pid}`);
    const sel = resolveSelection(ex.session.kernel, vm, ex.snapshot, {
      kind: "vma",
      pid: flex!.pid,
      start: 0x08048000,
    })!;
    expect(sel.pfns.has(w.pfn!)).toBe(true);
    // An access through the MMU is a step, and back undoes it by replaying the two execs.
    const before = ex.snapshot.frames.owner.slice();
    ex.act({ t: "exit", pid: classic!.pid });
    expect(ex.snapshot.tasks.length).toBe(1);
    expect(ex.back()).toBe(true);
    expect(ex.snapshot.tasks.length).toBe(2);
    expect(ex.snapshot.frames.owner).toEqual(before);
  });
});

describe("step controls", () => {
  it("back replays to the same state, run to end runs everything, an edit replays the prefix", () => {
    const text = sheet("buddy-split-merge");
    const ex = new Explorer(M128, "buddy-split-merge.mm", text, null);
    ex.forward();
    ex.forward();
    ex.forward();
    const owners = ex.snapshot.frames.owner.slice();
    const zones = JSON.stringify(ex.snapshot.zones);
    ex.forward();
    ex.back();
    expect(ex.records.length).toBe(3);
    expect(ex.snapshot.frames.owner).toEqual(owners);
    expect(JSON.stringify(ex.snapshot.zones)).toBe(zones);
    const n = ex.runToEnd();
    expect(ex.atEnd).toBe(true);
    expect(n).toBeGreaterThan(10);
    // The sheet ends with "check"; its expected error is not an error.
    expect(ex.records.at(-1)!.output.join("\n")).toMatch(/all invariants hold/);
    // Editing line 3 of the sheet's statements: only the steps before it stay.
    const lines = text.split("\n");
    const i = lines.findIndex((l) => l.startsWith("p2 = alloc_pages"));
    lines[i] = "p2 = alloc_pages(GFP_KERNEL, 2)";
    ex.setText(lines.join("\n"));
    expect(ex.records.every((r) => r.action.t !== "line" || r.action.index < i)).toBe(true);
    expect(ex.nextStatement).toBe(i);
  });

  it("errors carry the line and the kernel-style message", () => {
    const ex = new Explorer(
      M128,
      "lab.mm",
      "p = alloc_pages(GFP_KERNEL, 0)\n__free_pages(p, 0)\n__free_pages(p, 0)\nnosuch(1)\n",
      null,
    );
    ex.runToEnd();
    const errs = ex.records.filter((r) => r.error);
    expect(errs.map((r) => r.line)).toEqual([3, 4]);
    expect(errs[0]!.error).toMatch(/^lab\.mm:3: kernel BUG at mm\/page_alloc\.c: /);
    expect(errs[1]!.error).toMatch(/^lab\.mm:4: error: .*'nosuch'/);
  });
});

describe("process sheets", () => {
  it("the page ships exactly the CLI's binaries", () => {
    // SHIPPED_FILES is on @i386mm/demo/node's face once #15's last commits land.
    const shipped = (demoNode as Record<string, unknown>).SHIPPED_FILES;
    if (shipped) expect(USERLAND_FILES).toEqual(shipped);
    expect(Object.keys(USERLAND_FILES)).toContain("/bin/memorylayout-static");
  });

  it("process-layouts: both layouts' tasks and VMAs in the process view, their frames owned by users", () => {
    const ex = new Explorer(M128, "process-layouts.mm", sheet("process-layouts"), null, FILES);
    stepTo(ex, "c = run_memorylayout(");
    expect(ex.records.filter((r) => r.error)).toEqual([]);
    const tasks = ex.snapshot.tasks;
    expect(tasks.map((t) => t.layout).sort()).toEqual(["classic", "flexible"]);
    for (const t of tasks) {
      const labels = t.vmas.map((v) => v.label);
      expect(labels).toContain("[heap]");
      expect(labels).toContain("[stack]");
      expect(t.vmas.some((v) => v.start === 0x08048000)).toBe(true);
    }
    expect(tasks.find((t) => t.layout === "classic")!.mmap_base).toBe(0x40000000);
    expect(ex.snapshot.frames.counts[Owner.USER]).toBeGreaterThan(0);
    expect([...ex.changes.vmas].length).toBeGreaterThan(0);
  });
});

describe("variables select what they point at", () => {
  it("a page, a slab object, a vmalloc address, a kmap address, a fixmap address, a cache", () => {
    // 1 GiB: a highmem page, so kmap() takes a pkmap slot.
    const ex = new Explorer(
      { ...M128, memBytes: 1 << 30 },
      "vars.mm",
      [
        "p = alloc_pages(GFP_KERNEL, 0)",
        "x = kmalloc(100, GFP_KERNEL)",
        "v = vmalloc(3 * PAGE_SIZE)",
        "h = alloc_page(GFP_HIGHUSER)",
        "k = kmap(h)",
        "a = kmap_atomic(h, KM_USER0)",
        'c = kmem_cache_create("lab_cache", 100, 0, 0)',
        "n = 3",
      ].join("\n"),
      null,
    );
    ex.runToEnd();
    expect(ex.records.filter((r) => r.error)).toEqual([]);
    const k = ex.session.kernel;
    const src = (name: string) => sourceOfValue(k, ex.session.interp.vars.get(name)!);
    const sel = (name: string) => resolveSelection(k, k.vm, ex.snapshot, src(name)!)!;
    const v = (name: string) => (ex.session.interp.vars.get(name) as { v: number }).v;
    expect(src("p")).toEqual({ kind: "frame", pfn: v("p") });
    expect(sel("p").pfns).toEqual(new Set([v("p")]));
    expect(src("x")).toEqual({ kind: "object", addr: v("x") });
    expect(sel("x").cache).toBe("size-128");
    expect(src("v")).toEqual({ kind: "area", addr: v("v") });
    expect(sel("v").pfns.size).toBe(3);
    expect(src("k")?.kind).toBe("pkmap");
    expect(sel("k").pfns).toEqual(new Set([v("h")]));
    expect(src("a")?.kind).toBe("fix");
    expect(sel("a").pfns).toEqual(new Set([v("h")]));
    expect(src("c")).toEqual({ kind: "cache", name: "lab_cache" });
    expect(src("n")).toBeNull();
  });
});

describe("the scenario language is the CLI's", () => {
  // The transcript the page shows is `i386mm run`'s: its standard output, with its error lines
  // (standard error) at their statements. Every shipped sheet (the page's menu), at its own
  // flags, and two at the 128 MiB the end-to-end test boots.
  const shipped = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".mm"))
    .map((f) => [f.slice(0, -3), [] as string[]] as const);
  expect(shipped.length).toBeGreaterThan(10);
  for (const [name, extra] of [
    ...shipped,
    ["buddy-split-merge", ["--mem", "128M"]],
    ["slab-colouring", ["--mem", "128M"]],
  ] as const) {
    it(`${name}${extra.length ? ` ${extra.join(" ")}` : ""}: the same lines as i386mm run`, async () => {
      const text = sheet(name);
      const inv = parseArgs(["run", ...scenarioFlags(text), ...extra]);
      const ex = new Explorer(
        { memBytes: inv.memBytes, pae: inv.pae, cpus: inv.cpus, nodes: inv.nodes },
        name,
        text,
        null,
        FILES,
      );
      ex.runToEnd();
      let out = "";
      let err = "";
      await main(["run", name, ...extra], {
        out: (s) => (out += s),
        err: (s) => (err += s),
        cwd: process.cwd(),
      });
      const web = ex.records.flatMap((r) => r.output);
      const errors = ex.records.filter((r) => r.error).flatMap((r) => r.error!.split("\n"));
      expect(web.filter((l) => !errors.includes(l)).join("\n")).toBe(out.replace(/\n$/, ""));
      expect(errors.join("\n")).toBe(err.replace(/\n$/, ""));
    });
  }
});
