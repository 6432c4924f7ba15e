import { oracleSection as oracle } from "@i386mm/fixtures";
import { GFP_KERNEL } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { VM_ALLOC, VM_IOREMAP, type vm_struct } from "../src/vmalloc.js";
import { boot } from "./helpers.js";

const oracleSection = (name: string): string[] => oracle("686-1024M.log", name);

// one /proc/slabinfo data line, columns as s_show prints them (names up to 17 characters)
const LINE =
  /^.{17} [ \d]{5}\d [ \d]{5}\d [ \d]{5}\d [ \d]{3}\d [ \d]{3}\d : tunables [ \d]{3}\d [ \d]{3}\d [ \d]{3}\d : slabdata [ \d]{5}\d [ \d]{5}\d [ \d]{5}\d$/;

describe("/proc/slabinfo", () => {
  it("prints the 2.1 header byte for byte as the real kernel (oracle)", () => {
    const { slab } = boot();
    const ours = slab.slabinfo().split("\n");
    const oracle = oracleSection("slabinfo");
    expect(ours[0]).toBe(oracle[0]);
    expect(ours[1]).toBe(oracle[1]);
  });

  it("uses the kernel's column widths (checked against the oracle's lines)", () => {
    const oracle = oracleSection("slabinfo")
      .slice(2)
      .filter((l) => /^\S{1,17} /.test(l) && l.length > 0);
    expect(oracle.length).toBeGreaterThan(20);
    for (const l of oracle) expect(l).toMatch(LINE);
    const { slab } = boot();
    const ours = slab.slabinfo().trimEnd().split("\n").slice(2);
    for (const l of ours) expect(l).toMatch(LINE);
  });

  it("matches the golden file for a 64 MiB, 2-CPU boot", async () => {
    const { slab } = boot();
    await expect(slab.slabinfo()).toMatchFileSnapshot("golden/slabinfo-64M-2cpu.golden");
  });

  it("counts objects in per-CPU arrays as active, and reports accounting errors", () => {
    const { slab, machine } = boot();
    const c = slab.kmem_cache_create("acct", 100, 0, 0, null)!;
    const p = slab.kmem_cache_alloc(c, GFP_KERNEL)!;
    const line = slab.slabinfo().split("\n")[2];
    // 16 objects left the slab (15 sit in the array): all count as active
    expect(line).toBe(
      "acct                  16     39    100   39    1 : tunables  120   60    8 : slabdata      1      1      0",
    );
    slab.kmem_cache_free(c, p);
    c.lists.free_objects += 1;
    slab.slabinfo();
    expect(machine.dmesg.at(-1)).toBe("slab: cache acct error: free_objects accounting error");
    c.lists.free_objects -= 1;
  });

  it("slabinfo_write retunes a cache and rejects bad input with -EINVAL", () => {
    const { slab } = boot();
    const c = slab.kmem_cache_create("tune", 64, 0, 0, null)!;
    expect(slab.slabinfo_write("tune 32 16 2")).toBe(12);
    expect([c.limit, c.batchcount, c.lists.shared!.limit]).toEqual([32, 16, 32]);
    expect(slab.slabinfo()).toMatch(/^tune .* : tunables {3}32 {3}16 {4}2 : /m);
    expect(slab.slabinfo_write("tune 0 1 0")).toBe(-22);
    expect(slab.slabinfo_write("tune 4 8 0")).toBe(-22);
    expect(slab.slabinfo_write("tune 8 4 -1")).toBe(-22);
    expect(slab.slabinfo_write("nosuch 8 4 0")).toBe(-22);
    expect(slab.slabinfo_write("tune")).toBe(-22);
    expect(slab.slabinfo_write(`tune 8 4 0${" ".repeat(130)}`)).toBe(-22);
  });
});

describe("/proc/vmallocinfo", () => {
  it("formats lines as 6.1 does (oracle lines minus the caller symbol)", () => {
    const { slab } = boot();
    const oracle = oracleSection("vmallocinfo");
    const vm = oracle.find((l) => l.includes(" pages=") && l.endsWith(" vmalloc"))!;
    const io = oracle.find((l) => l.includes(" phys=") && l.endsWith(" ioremap"))!;
    const strip = (l: string) => l.replace(/ [\w.]+\+0x[0-9a-f]+\/0x[0-9a-f]+/, "");
    const parse = (l: string) => {
      const m = /^0x([0-9a-f]+)-0x([0-9a-f]+) +(\d+)/.exec(l)!;
      return { addr: Number.parseInt(m[1], 16), size: Number(m[3]) };
    };
    const mk = (l: string, flags: number, nr_pages: number, phys: number): vm_struct => ({
      ...parse(l),
      addr: parse(l).addr as never,
      flags,
      pages: null,
      nr_pages,
      phys_addr: phys,
      desc: 0 as never,
      pagesAddr: 0,
      req_size: 0,
    });
    const pages = Number(/pages=(\d+)/.exec(vm)![1]);
    const phys = Number.parseInt(/phys=0x([0-9a-f]+)/.exec(io)![1], 16);
    slab.vm.vmlist.push(mk(io, VM_IOREMAP, 0, phys));
    expect(slab.vmallocinfo()).toBe(`${strip(io)}\n`);
    slab.vm.vmlist.length = 0;
    slab.vm.vmlist.push(mk(vm, VM_ALLOC, pages, 0));
    expect(slab.vmallocinfo()).toBe(`${strip(vm)}\n`);
    slab.vm.vmlist.length = 0;
  });
});
