// The ELF reader and exec's checks: on the real i386 binaries of fixtures/elf (compared with what
// binutils' readelf and a real run under qemu-i386 say about them), on seeded generated files
// (every structure read back as written), and on each corruption of ELF_CORRUPTIONS (the errno,
// the moment and whose check, as 2.6.11 or the model answers).
import { Errno } from "@i386mm/hw-i386";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BINPRM_BUF_SIZE,
  DF_1_PIE,
  ET_DYN,
  ET_EXEC,
  EXSTACK_DEFAULT,
  EXSTACK_DISABLE_X,
  EXSTACK_ENABLE_X,
  elf_check_ehdr,
  elf_check_interp_buf,
  elf_check_interp_file,
  elf_lookup_symbol,
  elf_parse_ehdr,
  elf_read_implies_exec,
  elf_segment_of,
  elf_verdict,
  formatElfProblem,
  PF_R,
  PF_W,
  PF_X,
  PT_LOAD,
  readElf,
} from "../src/elf.js";
import { ELF_CORRUPTIONS, ELF_INTERP_CORRUPTIONS, generateElf } from "../src/elf-gen.js";
import { fixture, fixtureText } from "./elf-helpers.js";

const hex = (v: number) => `0x${v.toString(16)}`;

/** `name 0xADDR` lines of a memorylayout report. */
function reportValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = line.match(/^(\w+) 0x([0-9a-f]+)$/);
    if (m) out.set(m[1], Number.parseInt(m[2], 16));
  }
  return out;
}

describe("the real binaries of fixtures/elf", () => {
  const loads = (f: ReturnType<typeof readElf>) =>
    f.loads.map(({ phdr: p }) => [
      hex(p.p_offset),
      hex(p.p_vaddr),
      hex(p.p_filesz),
      hex(p.p_memsz),
      p.p_flags,
    ]);

  it("memorylayout-static: ET_EXEC at 0x08048000, program headers as readelf -l prints them", () => {
    const f = readElf(fixture("memorylayout-static"));
    expect(f.problems).toEqual([]);
    expect(f.ehdr.e_type).toBe(ET_EXEC);
    expect(hex(f.ehdr.e_entry)).toBe("0x80498c0");
    expect(f.phdrs.length).toBe(8);
    expect(loads(f)).toEqual([
      ["0x0", "0x8048000", "0x1e8", "0x1e8", PF_R],
      ["0x1000", "0x8049000", "0x6d2cc", "0x6d2cc", PF_R | PF_X],
      ["0x6f000", "0x80b7000", "0x3195b", "0x3195b", PF_R],
      ["0xa0cac", "0x80e9cac", "0x360c", "0x8404", PF_R | PF_W],
    ]);
    expect(f.interp).toBeNull();
    expect(f.executable_stack).toBe(EXSTACK_DISABLE_X);
    expect(elf_read_implies_exec(f.executable_stack)).toBe(false);
    expect(f.relro).toEqual({ vaddr: 0x080e9cac, memsz: 0x2354 });
    expect(f.dynamic).toBeNull();
  });

  it("memorylayout-staticpie: ET_DYN without PT_INTERP, linked at 0", () => {
    const f = readElf(fixture("memorylayout-staticpie"));
    expect(f.problems).toEqual([]);
    expect(f.ehdr.e_type).toBe(ET_DYN);
    expect(f.interp).toBeNull();
    expect(loads(f)[0]).toEqual(["0x0", "0x0", "0x2b8c", "0x2b8c", PF_R]);
    expect(loads(f)[3]).toEqual(["0xa6bcc", "0xa6bcc", "0x370c", "0x8504", PF_R | PF_W]);
    expect(f.dynamic?.needed).toEqual([]);
    expect(f.dynamic!.flags_1 & DF_1_PIE).toBe(DF_1_PIE);
  });

  it("memorylayout-dynamic: PIE with PT_INTERP /lib/ld-linux.so.2 and DT_NEEDED libc.so.6", () => {
    const f = readElf(fixture("memorylayout-dynamic"));
    expect(f.problems).toEqual([]);
    expect(f.ehdr.e_type).toBe(ET_DYN);
    expect(f.interp).toBe("/lib/ld-linux.so.2");
    expect(f.dynamic?.needed).toEqual(["libc.so.6"]);
    expect(f.dynamic?.soname).toBeNull();
    expect(f.dynamic!.flags_1 & DF_1_PIE).toBe(DF_1_PIE);
    expect(loads(f)).toEqual([
      ["0x0", "0x0", "0x574", "0x574", PF_R],
      ["0x1000", "0x1000", "0x774", "0x774", PF_R | PF_X],
      ["0x2000", "0x2000", "0x46c", "0x46c", PF_R],
      ["0x2ee8", "0x3ee8", "0x158", "0x2198", PF_R | PF_W],
    ]);
    expect(f.relro).toEqual({ vaddr: 0x3ee8, memsz: 0x118 });
  });

  it("libc.so.6 and ld-linux.so.2: sonames, dependencies, RELRO", () => {
    const libc = readElf(fixture("rootfs/lib/i386-linux-gnu/libc.so.6"));
    expect(libc.problems).toEqual([]);
    expect(libc.dynamic?.soname).toBe("libc.so.6");
    expect(libc.dynamic?.needed).toEqual(["ld-linux.so.2"]);
    expect(libc.relro).toEqual({ vaddr: 0x21b2f4, memsz: 0x1d0c });
    const ld = readElf(fixture("rootfs/lib/ld-linux.so.2"));
    expect(ld.problems).toEqual([]);
    expect(ld.dynamic?.soname).toBe("ld-linux.so.2");
    expect(ld.dynamic?.needed).toEqual([]);
    expect(
      elf_check_interp_buf(
        fixture("rootfs/lib/ld-linux.so.2").subarray(0, BINPRM_BUF_SIZE),
        "/lib/ld-linux.so.2",
      ),
    ).toBeNull();
    expect(elf_check_interp_file(fixture("rootfs/lib/ld-linux.so.2"))).toBeNull();
  });

  it.each(["static", "staticpie", "dynamic"])(
    "memorylayout-%s: .symtab addresses of main and the globals are those the binary printed under qemu-i386",
    (build) => {
      const f = readElf(fixture(`memorylayout-${build}`));
      const ran = reportValues(fixtureText(`strace/memorylayout-${build}.out`));
      const main = elf_lookup_symbol(f, "main")!;
      const data = elf_lookup_symbol(f, "data_initialized_global")!;
      const bss = elf_lookup_symbol(f, "bss_uninitialized_global")!;
      expect(main.table).toBe(".symtab");
      // Static binaries run where they were linked; the PIEs' load bias is the text's page difference.
      const bias = ran.get("text_main")! - main.st_value;
      expect(bias % 4096).toBe(0);
      if (build === "static") expect(bias).toBe(0);
      expect(data.st_value + bias).toBe(ran.get("data_initialized_global"));
      expect(bss.st_value + bias).toBe(ran.get("bss_uninitialized_global"));
      // Each symbol lies in the segment its section says: text in R+X, data in the file part of RW, bss past it.
      expect(elf_segment_of(f, main.st_value)!.phdr.p_flags & PF_X).toBe(PF_X);
      const dataSeg = elf_segment_of(f, data.st_value)!.phdr;
      expect(dataSeg.p_flags & PF_W).toBe(PF_W);
      expect(data.st_value).toBeLessThan(dataSeg.p_vaddr + dataSeg.p_filesz);
      expect(bss.st_value).toBeGreaterThanOrEqual(dataSeg.p_vaddr + dataSeg.p_filesz);
    },
  );
});

describe("generated files read back as written", () => {
  it("200 seeds: program headers, interpreter, dynamic section, symbols; no problems", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.boolean(),
        fc.boolean(),
        (seed, withInterp, lib) => {
          const g = generateElf(seed, {
            interp: withInterp ? "/lib/ld-linux.so.2" : null,
            ...(lib
              ? { type: ET_DYN, needed: ["libc.so.6", "libm.so.6"], soname: "libgen.so.1", relro: true }
              : {}),
          });
          const f = readElf(g.bytes);
          expect(f.problems.map(formatElfProblem), `seed ${seed}`).toEqual([]);
          expect(f.phdrs).toEqual(g.phdrs);
          expect(f.loads.map((l) => l.phdr)).toEqual(g.loads);
          expect(f.interp).toBe(g.interp);
          expect(f.ehdr.e_entry).toBe(g.entry);
          if (lib) {
            expect(f.dynamic?.needed).toEqual(["libc.so.6", "libm.so.6"]);
            expect(f.dynamic?.soname).toBe("libgen.so.1");
            expect(f.relro).not.toBeNull();
          }
          for (const [name, value] of g.symbols) expect(elf_lookup_symbol(f, name)?.st_value).toBe(value);
          const stack = f.phdrs.find((p) => p.p_type === 0x6474e551);
          expect(f.executable_stack).toBe(
            !stack ? EXSTACK_DEFAULT : stack.p_flags & PF_X ? EXSTACK_ENABLE_X : EXSTACK_DISABLE_X,
          );
          // Every PT_LOAD's file bytes are in the file.
          for (const p of g.loads) expect(p.p_offset + p.p_filesz).toBeLessThanOrEqual(g.bytes.length);
        },
      ),
      { seed: 14, numRuns: 200 },
    );
  });

  it("is deterministic: the same seed gives the same bytes", () => {
    expect(Buffer.compare(generateElf(99).bytes, generateElf(99).bytes)).toBe(0);
    expect(Buffer.compare(generateElf(99).bytes, generateElf(100).bytes)).not.toBe(0);
  });
});

describe("malformed files: exec's answer, whose check it is, and one line of reason", () => {
  const seeds = [1, 2, 3, 5, 8, 13, 21, 34];
  for (const c of ELF_CORRUPTIONS) {
    it(`${c.name} → ${c.expect.when === "refused" ? `-${errno(c.expect.errno)}` : "killed"} (${c.expect.by})`, () => {
      for (const seed of seeds) {
        const g = generateElf(seed, { loads: 2 + (seed % 4) });
        // Kernel expectations are checked as 2.6.11 alone would answer; the model's with its checks on.
        const f = readElf(c.apply(g), { modelChecks: c.expect.by === "model" });
        const v = elf_verdict(f);
        expect(v, `seed ${seed}`).not.toBeNull();
        expect(
          { errno: v!.errno, when: v!.when, by: v!.by },
          `seed ${seed}: ${formatElfProblem(v!)}`,
        ).toEqual({
          errno: c.expect.errno,
          when: c.expect.when,
          by: c.expect.by,
        });
        expect(v!.reason).toContain(c.expect.mentions);
        expect(formatElfProblem(v!)).not.toContain("\n");
      }
    });
  }
  for (const c of ELF_INTERP_CORRUPTIONS) {
    it(`${c.name} → -${errno(c.expect.errno)}`, () => {
      for (const seed of seeds) {
        const g = generateElf(seed, { interp: "/lib/ld-linux.so.2" });
        const v = elf_verdict(readElf(c.apply(g)));
        expect(v?.errno, `seed ${seed}`).toBe(c.expect.errno);
        expect(v?.when).toBe("refused");
        expect(v?.reason).toContain(c.expect.mentions);
      }
    });
  }

  it("the model's checks can be switched off: an overlapping file is then what 2.6.11 loads", () => {
    const g = generateElf(7, { loads: 3 });
    const bad = ELF_CORRUPTIONS.find((c) => c.name === "overlapping segments")!.apply(g);
    expect(elf_verdict(readElf(bad))?.by).toBe("model");
    expect(elf_verdict(readElf(bad, { modelChecks: false }))).toBeNull();
  });

  it("an empty file, a short file and a text file are bad magic, not exceptions", () => {
    for (const bytes of [
      new Uint8Array(0),
      Uint8Array.of(0x7f, 0x45),
      new TextEncoder().encode("#!/bin/sh\necho hi\n"),
    ]) {
      const v = elf_verdict(readElf(bytes));
      expect(v).toMatchObject({ errno: Errno.ENOEXEC, when: "refused", by: "kernel" });
      expect(v!.reason).toContain("magic");
    }
  });

  it("header checks run in load_elf_binary's order (type before machine before phentsize)", () => {
    const g = generateElf(3);
    const b = g.bytes.slice();
    const v = new DataView(b.buffer);
    v.setUint16(16, 1, true);
    v.setUint16(18, 62, true);
    v.setUint16(42, 56, true);
    expect(elf_check_ehdr(elf_parse_ehdr(b))?.reason).toContain("e_type");
    v.setUint16(16, ET_EXEC, true);
    expect(elf_check_ehdr(elf_parse_ehdr(b))?.reason).toContain("e_machine");
    v.setUint16(18, 6, true); // EM_486 passes elf_check_arch
    expect(elf_check_ehdr(elf_parse_ehdr(b))?.reason).toContain("e_phentsize");
  });

  it("random bytes never throw: every file gets a verdict or none", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 1000 }), (noise, seed) => {
        const g = generateElf(seed, { maxFilesz: 2048, maxBss: 4096 });
        // Overwrite the start (headers and program headers) with noise, keeping the magic half the time.
        const b = g.bytes.slice();
        b.set(noise.subarray(0, Math.min(noise.length, b.length)));
        if (seed % 2) b.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
        const f = readElf(b);
        for (const p of f.problems)
          expect(formatElfProblem(p)).toMatch(/^(E[A-Z]+|SIGKILL|SIGSEGV|errno \d+):/);
      }),
      { seed: 1414, numRuns: 300 },
    );
  });
});

describe("the interpreter's header (load_elf_binary before the point of no return, load_elf_interp after)", () => {
  const ld = fixture("rootfs/lib/ld-linux.so.2");
  const buf = (b: Uint8Array) => b.subarray(0, BINPRM_BUF_SIZE);

  it("shorter than BINPRM_BUF_SIZE → -EIO; not ELF → -ELIBBAD; wrong machine → -ELIBBAD", () => {
    expect(elf_check_interp_buf(ld.subarray(0, 100), "/lib/ld-linux.so.2")?.errno).toBe(Errno.EIO);
    const text = new Uint8Array(200).fill(0x41);
    expect(elf_check_interp_buf(text, "/x")).toMatchObject({ errno: Errno.ELIBBAD, by: "kernel" });
    const x64 = ld.slice(0, 200);
    new DataView(x64.buffer).setUint16(18, 62, true);
    expect(elf_check_interp_buf(x64, "/x")?.errno).toBe(Errno.ELIBBAD);
    const aout = new Uint8Array(200);
    aout.set([0x0b, 0x01]); // ZMAGIC 0413
    expect(elf_check_interp_buf(aout, "/x")).toMatchObject({ errno: Errno.ENOEXEC, by: "model" });
  });

  it("load_elf_interp's own checks kill the task with SIGSEGV", () => {
    const rel = ld.slice();
    new DataView(rel.buffer).setUint16(16, 1, true);
    expect(elf_check_interp_buf(buf(rel), "/lib/ld-linux.so.2")).toBeNull(); // passes the early check
    expect(elf_check_interp_file(rel)).toMatchObject({ when: "killed", signal: "SIGSEGV" });
    const many = ld.slice();
    new DataView(many.buffer).setUint16(44, 129, true); // 129 * 32 > one page
    expect(elf_check_interp_file(many)?.reason).toContain("one page");
    const past = ld.slice();
    const v = new DataView(past.buffer);
    // The last PT_LOAD of ld.so grows past TASK_SIZE.
    const phoff = v.getUint32(28, true);
    let last = -1;
    for (let i = 0; i < v.getUint16(44, true); i++)
      if (v.getUint32(phoff + i * 32, true) === PT_LOAD) last = i;
    v.setUint32(phoff + last * 32 + 20, 0xc0000000, true);
    expect(elf_check_interp_file(past)).toMatchObject({ errno: Errno.ENOMEM, signal: "SIGSEGV" });
  });
});

function errno(n: number): string {
  return Object.entries(Errno).find(([, v]) => v === n)?.[0] ?? String(n);
}
