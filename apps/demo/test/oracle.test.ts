/*
 * Comparisons with real kernels: fixtures/oracle holds boots of Debian's 6.1 i386 kernels under
 * QEMU's `pc` machine. Where the 2.6.11 profile prints the same thing, it must match byte for
 * byte (the BIOS-e820 map, the Zone ranges format and the DMA zone, buddyinfo's and slabinfo's
 * format); where 2.6.11 and 6.1 differ (README "2.6.11 versus the 6.1 oracle"), the test pins
 * the documented difference.
 */
import { oracleBootLines, oracleSection } from "@i386mm/fixtures";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

/** The boot log (dmesg timestamps stripped) and the named sections of one oracle capture. */
function oracle(file: string): { boot: string[]; section(name: string): string[] } {
  return { boot: oracleBootLines(file), section: (name) => oracleSection(file, name) };
}

const CAPTURES = [
  { file: "686-128M.log", argv: ["--mem", "128M"], mib: 128 },
  { file: "686-1024M.log", argv: ["--mem", "1G"], mib: 1024 },
  { file: "686-pae-2048M.log", argv: ["--mem", "2G", "--pae"], mib: 2048 },
];

/** `i386mm boot` with 6.1's formats where 2.6.11's differ (the default log is 2.6.11's). */
async function boot(argv: string[]): Promise<string[]> {
  const r = await runCli(["boot", "--boot-log", "6.1", ...argv]);
  expect(r.code).toBe(0);
  return r.out.split("\n");
}

describe.each(CAPTURES)("$file", ({ file, argv, mib }) => {
  const o = oracle(file);

  it("prints the same BIOS-e820 map, byte for byte", async () => {
    const model = (await boot(argv)).filter((l) => l.startsWith("BIOS-e820:"));
    const real = o.boot.filter((l) => l.startsWith("BIOS-e820:"));
    expect(real.length).toBeGreaterThan(0);
    expect(model).toEqual(real);
  });

  it("prints Zone ranges in the same format with the same DMA end and HighMem end", async () => {
    const lines = await boot(argv);
    const zr = (ls: string[]): string[] => {
      const i = ls.indexOf("Zone ranges:");
      return ls.slice(i + 1, i + 4);
    };
    const model = zr(lines);
    const real = zr(o.boot);
    const FORMAT = /^ {2}(DMA {6}|Normal {3}|HighMem {2})(\[mem 0x[0-9a-f]{16}-0x[0-9a-f]{16}\]|empty)$/;
    for (const l of [...model, ...real]) expect(l).toMatch(FORMAT);
    // DMA ends at 16 MiB in both; 6.1 starts it at 0x1000 (page 0 is removed from memblock),
    // 2.6.11 at 0 (zone_sizes_init counts from pfn 0).
    expect(model[0]).toBe("  DMA      [mem 0x0000000000000000-0x0000000000ffffff]");
    expect(real[0]).toBe("  DMA      [mem 0x0000000000001000-0x0000000000ffffff]");
    const end = (l: string): string => l.replace(/^.*-(0x[0-9a-f]{16})\]$/, "$1");
    if (mib <= 896) {
      // No high memory: Normal runs to the end of RAM in both kernels.
      expect(model.slice(1)).toEqual(real.slice(1));
    } else {
      // High memory ends at the end of RAM in both; lowmem ends at 896 MiB in 2.6.11 and lower in 6.1.
      expect(end(model[2]!)).toBe(end(real[2]!));
      expect(end(model[1]!)).toBe("0x0000000037ffffff");
      expect(Number.parseInt(end(real[1]!), 16)).toBeLessThan(0x37ffffff);
    }
  });

  it("places VMALLOC_START 8..16 MiB above high_memory (6.1: exactly 8 MiB, no rounding)", async () => {
    const lines = await boot(argv);
    const addr = (name: string): [number, number] => {
      const m = new RegExp(`^ {4}${name} *: 0x([0-9a-f]{8}) - 0x([0-9a-f]{8})`).exec(
        lines.find((l) => l.includes(`${name} `) && l.includes(" - ")) ?? "",
      );
      if (!m) throw new Error(`no ${name} line`);
      return [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16)];
    };
    const [, highMemory] = addr("lowmem");
    const [vmallocStart] = addr("vmalloc");
    expect(vmallocStart - highMemory).toBeGreaterThanOrEqual(8 << 20);
    expect(vmallocStart - highMemory).toBeLessThan(16 << 20);
    expect(vmallocStart % (8 << 20)).toBe(0);
    // The oracle: /proc/kcore's program headers give the direct map and the vmalloc area.
    const phdrs = o.section("kcore-phdrs").filter((l) => l.startsWith("phdr LOAD"));
    const seg = phdrs.map((l) => {
      const m = /vaddr=0x([0-9a-f]+) memsz=0x[0-9a-f]+ end=0x([0-9a-f]+)/.exec(l)!;
      return [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16)] as const;
    });
    const lowmem = seg.find(([s]) => s === 0xc0000000)!;
    const vmalloc = seg.find(([s]) => s !== 0xc0000000)!;
    expect(vmalloc[0] - lowmem[1]).toBe(8 << 20);
  });

  it("prints /proc/buddyinfo in the kernel's format", async () => {
    const r = await runCli(["cat", "/proc/buddyinfo", ...argv]);
    const LINE = /^Node \d+, zone {1,8}(DMA|Normal|HighMem)( {1,6}\d+){11} $/;
    const model = r.out.split("\n").slice(0, -1);
    const real = o.section("buddyinfo");
    for (const l of [...model, ...real]) expect(l).toMatch(LINE);
    // Same zones listed (populated zones only, same order).
    const zones = (ls: string[]): string[] => ls.map((l) => l.replace(LINE, "$1"));
    expect(zones(model)).toEqual(zones(real));
    // Column widths: "Node %d, zone %8s " then 11 x "%6lu ".
    for (const l of model) expect(l.length).toBe(real[0]!.length);
  });

  it("prints the slabinfo 2.1 header exactly as the kernel does", async () => {
    const r = await runCli(["cat", "slabinfo", ...argv]);
    expect(r.out.split("\n").slice(0, 2)).toEqual(o.section("slabinfo").slice(0, 2));
  });

  it("uses the same total RAM pages in the e820 sense; the Memory: line follows 2.6.11's format", async () => {
    const lines = await boot(argv);
    const mem = lines.find((l) => l.startsWith("Memory:"))!;
    expect(mem).toMatch(
      /^Memory: \d+k\/\d+k available \(\d+k kernel code, \d+k reserved, \d+k data, \d+k init, \d+k highmem\)$/,
    );
    const real = o.boot.find((l) => l.startsWith("Memory:"))!;
    expect(real).toMatch(/^Memory: \d+K\/\d+K available \(/);
  });
});
