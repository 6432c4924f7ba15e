// The memorylayout report format and the seed's table, on the real captures: every section of the
// three oracle logs parses and prints back byte for byte, and the classic (b) and flexible (a)
// runs fill the seed's table with the regions the book describes.
import { describe, expect, it } from "vitest";
import {
  formatMemorylayoutReport,
  layoutRegions,
  MEMORYLAYOUT_NAMES,
  parseMapsLine,
  parseMemorylayoutLog,
  parseMemorylayoutReport,
  seedLayoutTable,
} from "../src/elf-memorylayout.js";
import { fixtureText } from "./elf-helpers.js";

const LOGS = ["686-128M", "686-1024M", "686-pae-2048M"];

describe("memorylayout reports", () => {
  it.each(LOGS)("%s: 15 sections, each printed back byte for byte", (log) => {
    const text = fixtureText(`oracle/${log}.memorylayout.log`);
    const sections = parseMemorylayoutLog(text);
    expect(sections.size).toBe(15);
    for (const [name, report] of sections) {
      const raw = text
        .replace(/\r/g, "")
        .split(`===== BEGIN ${name} =====\n`)[1]
        .split(`===== END ${name} =====`)[0];
      expect(formatMemorylayoutReport(report), name).toBe(raw);
      expect([...report.values.keys()]).toEqual([...MEMORYLAYOUT_NAMES]);
    }
  });

  it("our binary's own output under qemu parses the same way", () => {
    const r = parseMemorylayoutReport(fixtureText("strace/memorylayout-static.out"));
    expect(r.values.get("text_main")).toBe(0x08049570);
    expect(r.values.get("rlimit_stack_cur")).toBe(0x00800000);
    expect(r.maps.length).toBeGreaterThan(3);
  });

  it("maps lines: labels, paths and anonymous lines", () => {
    expect(parseMapsLine("bffdf000-c0000000 rw-p 00000000 00:00 0          [stack]")).toEqual({
      start: 0xbffdf000,
      end: 0xc0000000,
      perms: "rw-p",
      offset: 0,
      dev: "00:00",
      inode: 0,
      path: "[stack]",
    });
    expect(parseMapsLine("b3ef7000-b7ef7000 ---p 00000000 00:00 0 ").path).toBe("");
  });
});

describe("the seed's table", () => {
  const sections = parseMemorylayoutLog(fixtureText("oracle/686-128M.memorylayout.log"));
  it("static binary: classic (vm.legacy_va_layout=1) and flexible side by side", () => {
    const classic = layoutRegions(
      sections.get("memorylayout-b-norand-legacy-sysctl-static")!,
      "/memorylayout-static",
    );
    const flexible = layoutRegions(
      sections.get("memorylayout-a-norand-flexible-static")!,
      "/memorylayout-static",
    );
    expect(classic.text).toBe("0x08049000-0x080b7000 (main 0x080497b7)");
    expect(classic.mmaps).toMatch(/^growing up: /);
    expect(flexible.mmaps).toMatch(/^growing down: 1 MiB malloc 0xb7ef9010/);
    expect(flexible.stack).toBe("0xbffdf000-0xc0000000 (local 0xbffffd38, argv 0xbffffeb4)");
    const table = seedLayoutTable(classic, flexible);
    expect(table.split("\n")[0]).toBe("| Type of memory region | Classical layout | Flexible layout |");
    expect(table).toContain("Start from 0x40000000");
    expect(table.trim().split("\n").length).toBe(7);
  });

  it("dynamic binary: the libraries are listed with where they landed", () => {
    const flexible = layoutRegions(
      sections.get("memorylayout-a-norand-flexible-dynamic")!,
      "/memorylayout-dynamic",
    );
    expect(flexible.mmaps).toContain("libc.so.6 0xb7d9b000");
    expect(flexible.mmaps).toContain("ld-linux.so.2 0xb7fcb000");
    expect(flexible.heap).toBe("0x00405000-0x00427000 (brk 0x00427000)");
  });
});
