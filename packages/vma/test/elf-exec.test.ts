// exec of the real memorylayout binaries and of generated ELF files through the page cache: the
// VMAs load_elf_binary builds, the stack create_elf_tables writes (read back from simulated RAM
// byte for byte), refusals that leave the caller's address space and memory untouched, fatal
// signals after the point of no return, and exit giving every frame back.
import { Errno } from "@i386mm/hw-i386";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ELF_ET_DYN_BASE, ELF_PAGESTART, ET_DYN, PF_W, PF_X, PT_GNU_STACK, readElf } from "../src/elf.js";
import {
  AT_BASE,
  AT_ENTRY,
  AT_NULL,
  AT_PAGESZ,
  AT_PHDR,
  AT_PHENT,
  AT_PHNUM,
  AT_PLATFORM,
  AT_SYSINFO,
  AT_SYSINFO_EHDR,
  VSYSCALL_BASE,
} from "../src/elf-binfmt.js";
import { do_execve, install_file } from "../src/elf-exec.js";
import { ELF_CORRUPTIONS, generateElf } from "../src/elf-gen.js";
import { exec_ext2_image, exec_host_file, memorylayout_from_host, mount_ext2_image } from "../src/elf-run.js";
import { do_exit, do_fork, release_task } from "../src/fork.js";
import { checkVmaInvariants } from "../src/invariants.js";
import { do_mmap_pgoff } from "../src/mmap.js";
import { proc_pid_auxv, proc_pid_auxv_json, proc_pid_maps } from "../src/proc.js";
import { schedule_to } from "../src/sched.js";
import { user_read } from "../src/uaccess.js";
import { find_vma } from "../src/vma.js";
import { bootExec, fixture } from "./elf-helpers.js";
import { settle } from "./helpers.js";

const word = (b: Uint8Array, i: number) => new DataView(b.buffer, b.byteOffset).getUint32(i * 4, true);
const cstr = (b: Uint8Array) => new TextDecoder().decode(b.subarray(0, b.indexOf(0)));

describe("exec of the real binaries", () => {
  it("memorylayout-static: segments at the linker's addresses, bss by set_brk, the stack below 0xc0000000", () => {
    const { vm, task } = bootExec();
    const r = do_execve(vm, "/memorylayout-static", ["/memorylayout-static"], ["HOME=/", "TERM=linux"]);
    expect(r.problem).toBeNull();
    expect(r.retval).toBe(0);
    expect(proc_pid_maps(task)).toBe(
      [
        "08048000-08049000 r--p 00000000 00:01 2          /memorylayout-static",
        "08049000-080b7000 r-xp 00001000 00:01 2          /memorylayout-static",
        "080b7000-080e9000 r--p 0006f000 00:01 2          /memorylayout-static",
        "080e9000-080ee000 rw-p 000a0000 00:01 2          /memorylayout-static",
        "080ee000-080f3000 rw-p 080ee000 00:00 0 ",
        "bffeb000-c0000000 rw-p bffeb000 00:00 0 ",
        "ffffe000-fffff000 ---p 00000000 00:00 0 ",
        "",
      ].join("\n"),
    );
    const mm = task.mm!;
    expect([mm.start_code, mm.end_code, mm.start_data, mm.end_data]).toEqual([
      0x08048000, 0x080b62cc, 0x080e9cac, 0x080ed2b8,
    ]);
    expect([mm.start_brk, mm.brk]).toEqual([0x080f3000, 0x080f3000]);
    // padzero: the rest of the last file page reads as zeros, whatever the file holds there.
    expect(
      [...(user_read(vm, 0x080ed2b8, 0x080ee000 - 0x080ed2b8) as Uint8Array)].every((b) => b === 0),
    ).toBe(true);
    // The text is the file's bytes, through the page cache.
    const file = fixture("memorylayout-static");
    expect(user_read(vm, 0x08049000, 64)).toEqual(file.subarray(0x1000, 0x1040));
    checkVmaInvariants(vm);
  });

  it("the initial stack, read back from RAM: argc, argv, envp, auxv, the platform string, the strings", () => {
    const { vm, task } = bootExec();
    const argv = ["/memorylayout-dynamic", "one", "two words"];
    const envp = ["HOME=/", "TERM=linux", "LANG=C"];
    const r = do_execve(vm, "/memorylayout-dynamic", argv, envp);
    expect(r.problem).toBeNull();
    const mm = task.mm!;
    expect(r.sp % 16).toBe(0);
    expect(task.regs.esp).toBe(r.sp);
    expect(task.regs.eip).toBe(r.entry);
    const stack = user_read(vm, r.sp, 0xc0000000 - r.sp) as Uint8Array;
    let i = 0;
    expect(word(stack, i++)).toBe(3);
    const at = (addr: number) => cstr(stack.subarray(addr - r.sp));
    const argvp = [0, 1, 2].map(() => word(stack, i++));
    expect(word(stack, i++)).toBe(0);
    expect(argvp.map(at)).toEqual(argv);
    expect(argvp[0]).toBe(mm.arg_start);
    const envpp = [0, 1, 2].map(() => word(stack, i++));
    expect(word(stack, i++)).toBe(0);
    expect(envpp.map(at)).toEqual(envp);
    expect([mm.arg_end, mm.env_start]).toEqual([envpp[0], envpp[0]]);
    const auxv: Array<[number, number]> = [];
    for (;;) {
      const t = word(stack, i++);
      const v = word(stack, i++);
      auxv.push([t, v]);
      if (t === AT_NULL) break;
    }
    expect(auxv).toEqual(r.auxv);
    // /proc/PID/auxv: mm->saved_auxv, the same words as on the stack; a fork's child inherits it
    expect(proc_pid_auxv_json(task)).toEqual(auxv);
    const words = stack.subarray((i - auxv.length * 2) * 4, i * 4);
    expect(proc_pid_auxv(task)).toEqual(words);
    const child = do_fork(vm, 0)!;
    expect(proc_pid_auxv(child)).toEqual(words);
    const A = new Map(auxv);
    const exe = readElf(fixture("memorylayout-dynamic"));
    expect(A.get(AT_SYSINFO)).toBe(0xffffe400);
    expect(A.get(AT_SYSINFO_EHDR)).toBe(VSYSCALL_BASE);
    expect(A.get(AT_PAGESZ)).toBe(4096);
    expect(A.get(AT_PHDR)).toBe(r.load_bias + exe.ehdr.e_phoff);
    expect([A.get(AT_PHENT), A.get(AT_PHNUM)]).toEqual([32, exe.ehdr.e_phnum]);
    expect(A.get(AT_ENTRY)).toBe(r.load_bias + exe.ehdr.e_entry);
    expect(A.get(AT_BASE)).toBe(r.interp_load_addr);
    expect(at(A.get(AT_PLATFORM)!)).toBe("i686");
    // The program headers are where AT_PHDR says: the first 32 bytes are the file's.
    expect(user_read(vm, A.get(AT_PHDR)!, 32)).toEqual(
      fixture("memorylayout-dynamic").subarray(exe.ehdr.e_phoff, exe.ehdr.e_phoff + 32),
    );
    // Above the strings: the file name exec was given, then 4 zero bytes at the very top.
    expect(at(0xc0000000 - 4 - "/memorylayout-dynamic".length - 1)).toBe("/memorylayout-dynamic");
    expect(word(stack, (0xc0000000 - 4 - r.sp) / 4)).toBe(0);
    // The PIE at ELF_ET_DYN_BASE, the interpreter just below mmap_base (only its first segment asked for).
    expect(r.load_bias).toBe(ELF_ET_DYN_BASE);
    expect(r.interp_load_addr).toBe(0xb7fff000);
    expect(r.entry).toBe(r.interp_load_addr + readElf(fixture("rootfs/lib/ld-linux.so.2")).ehdr.e_entry);
  });
});

describe("refusals and deaths", () => {
  /** A task with something mapped, so "untouched" means something; `files` installed before counting frames. */
  function busy(files: Record<string, Uint8Array> = {}) {
    const env = bootExec({ binaries: false });
    const { vm, pc } = env;
    for (const [p, b] of Object.entries(files)) {
      install_file(pc, p, b);
      pc.readFile(p);
    }
    const a = do_mmap_pgoff(vm, null, 0, 3 * 4096, 3, 0x22, 0);
    vm.current.mm!.start_brk = 0x1234000;
    settle(vm);
    return { ...env, a, maps: proc_pid_maps(env.task), mm: env.task.mm, buddy: vm.pa.buddyinfo() };
  }
  const untouched = (s: ReturnType<typeof busy>) => {
    expect(s.task.mm).toBe(s.mm);
    expect(proc_pid_maps(s.task)).toBe(s.maps);
    expect(s.task.pending).toEqual([]);
    settle(s.vm);
    expect(s.vm.pa.buddyinfo()).toBe(s.buddy);
    checkVmaInvariants(s.vm);
  };

  it("a missing file, a missing interpreter, a non-ELF interpreter: -ENOENT, -ENOENT, -ELIBBAD, nothing changed", () => {
    const s = busy({
      "/needs-missing": generateElf(3, { type: ET_DYN, interp: "/lib/missing.so.1" }).bytes,
      "/lib/text.so": new TextEncoder().encode("#!/bin/sh\n".repeat(20)),
      "/needs-text": generateElf(4, { interp: "/lib/text.so" }).bytes,
    });
    const { vm } = s;
    expect(do_execve(vm, "/nope", ["/nope"], []).retval).toBe(-Errno.ENOENT);
    const r = do_execve(vm, "/needs-missing", ["x"], []);
    expect(r.retval).toBe(-Errno.ENOENT);
    expect(r.problem?.reason).toContain("/lib/missing.so.1");
    const t = do_execve(vm, "/needs-text", ["x"], []);
    expect(t.retval).toBe(-Errno.ELIBBAD);
    expect(t.problem?.reason).toBe("interpreter /lib/text.so is not an ELF file");
    untouched(s);
  });

  it("every header corruption before the point of no return: -errno with one line, nothing changed", () => {
    const refusals = ELF_CORRUPTIONS.filter((k) => k.expect.when === "refused");
    const s = busy(
      Object.fromEntries(refusals.map((c, i) => [`/bad${i}`, c.apply(generateElf(5, { loads: 3 }))])),
    );
    refusals.forEach((c, i) => {
      const r = do_execve(s.vm, `/bad${i}`, [`/bad${i}`], ["A=1"]);
      expect(r.retval, c.name).toBe(-c.expect.errno);
      expect(r.problem?.reason).toContain(c.expect.mentions);
    });
    untouched(s);
  });

  it("after the point of no return: the task is killed (SIGKILL, or SIGSEGV for padzero) and its memory comes back", () => {
    const { vm, pc, task: shell } = bootExec({ binaries: false });
    const names = ["p_filesz > p_memsz", "segment past TASK_SIZE", "offset not congruent to vaddr"];
    const bad = names.map((n) =>
      ELF_CORRUPTIONS.find((k) => k.name === n)!.apply(generateElf(8, { loads: 3 })),
    );
    bad.forEach((b, i) => {
      install_file(pc, `/dies${i}`, b);
      pc.readFile(`/dies${i}`);
    });
    settle(vm);
    const before = vm.pa.buddyinfo();
    for (const name of ["p_filesz > p_memsz", "segment past TASK_SIZE", "offset not congruent to vaddr"]) {
      const i = names.indexOf(name);
      const { task, exec, died } = exec_host_file(vm, `/dies${i}`, null, [`/dies${i}`], [], {
        checks: { modelChecks: false },
      });
      expect(exec.pointOfNoReturn, name).toBe(true);
      expect(exec.signal).toBe("SIGKILL");
      expect(died).toBe(true);
      expect(task.mm).toBeNull();
      schedule_to(vm, shell);
      release_task(vm, task);
    }
    // The files stay in the page cache; everything else is back.
    settle(vm);
    expect(vm.pa.buddyinfo()).toBe(before);
  });
});

describe("generated executables (property)", () => {
  it("40 seeds: the maps agree with the program headers, invariants hold, exit gives every frame back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.nat(3), (seed, kind) => {
        // Three runs in four end with a RW segment, as real executables do; the others take their chance.
        const g = generateElf(seed, { maxFilesz: 9000, maxBss: 20000, ...(kind ? { lastFlags: 6 } : {}) });
        const { vm, pc, task: shell } = bootExec({ binaries: false });
        install_file(pc, "/prog", g.bytes);
        pc.readFile("/prog"); // every page of the file in the page cache before counting
        settle(vm);
        const before = vm.pa.buddyinfo();
        const { task, exec } = exec_host_file(vm, "/prog", null, ["/prog", `${seed}`], ["S=1"]);
        // 2.6.11's padzero fails on a read-only last file page: SIGSEGV after the point of no return.
        const top = g.loads.reduce((a, p) => (p.p_vaddr + p.p_filesz > a.p_vaddr + a.p_filesz ? p : a));
        const segv = !(top.p_flags & PF_W) && (top.p_vaddr + top.p_filesz) % 4096 !== 0;
        if (segv) {
          expect(exec.signal, `seed ${seed}`).toBe("SIGSEGV");
          expect(exec.problem?.reason).toContain("padzero");
        } else {
          expect(exec.problem, `seed ${seed}`).toBeNull();
          const bias = g.type === ET_DYN ? ELF_PAGESTART(ELF_ET_DYN_BASE - g.loads[0].p_vaddr) : 0;
          const stack = g.phdrs.find((p) => p.p_type === PT_GNU_STACK);
          const rie = !stack || stack.p_flags & PF_X; /* READ_IMPLIES_EXEC */
          for (const p of g.loads) {
            const start = ELF_PAGESTART(bias + p.p_vaddr);
            for (let a = start; a < bias + p.p_vaddr + p.p_filesz; a += 4096) {
              const v = find_vma(task.mm!, a)!;
              expect(v.vm_start, `seed ${seed} ${a.toString(16)}`).toBeLessThanOrEqual(a);
              expect(v.vm_flags & 7).toBe(
                (p.p_flags & 4 ? 1 : 0) |
                  (p.p_flags & 2 ? 2 : 0) |
                  (p.p_flags & 1 || (rie && p.p_flags & 4) ? 4 : 0),
              );
              expect(v.vm_pgoff + (a - v.vm_start) / 4096).toBe(
                Math.floor(p.p_offset / 4096) + (a - start) / 4096,
              );
            }
            const n = Math.min(p.p_filesz, 48);
            if (n > 0)
              expect(user_read(vm, bias + p.p_vaddr, n)).toEqual(
                g.bytes.subarray(p.p_offset, p.p_offset + n),
              );
            if (p.p_flags & PF_W && p.p_memsz > p.p_filesz) {
              const z = user_read(
                vm,
                bias + p.p_vaddr + p.p_filesz,
                Math.min(p.p_memsz - p.p_filesz, 300),
              ) as Uint8Array;
              expect(
                [...z].every((b) => b === 0),
                `seed ${seed}: bss reads zero`,
              ).toBe(true);
            }
          }
          checkVmaInvariants(vm);
          do_exit(vm, 0);
        }
        schedule_to(vm, shell);
        release_task(vm, task);
        settle(vm);
        expect(vm.pa.buddyinfo(), `seed ${seed}`).toBe(before);
      }),
      { seed: 1414, numRuns: 40 },
    );
  });
});

describe("exec from an ext2 image (fixtures/elf/memorylayout.ext2 through the block layer)", () => {
  it("the static and the dynamic build run from the image: the same maps as from the RAM file system, the image's device and inodes", () => {
    const fromRam = bootExec();
    const ram = memorylayout_from_host(fromRam.vm, {}, "/memorylayout-static");
    const disk = bootExec({ binaries: false });
    expect(mount_ext2_image(disk.vm, fixture("memorylayout.ext2"), "/mnt", { libs: true })).toBe(0);
    const img = memorylayout_from_host(disk.vm, {}, "/mnt/memorylayout-static");
    const strip = (l: string) => l.slice(0, 32); // range, perms, offset
    expect(img.report.maps.map(strip)).toEqual(ram.report.maps.map(strip));
    expect(img.report.maps[0]).toMatch(
      /^08048000-08049000 r--p 00000000 03:00 \d+ +\/mnt\/memorylayout-static$/,
    );
    // The origin directory "/mnt" (5 bytes) takes the same 16-byte chunk as "/" (2 bytes): the same heap.
    expect(img.report.values.get("heap_malloc16")).toBe(ram.report.values.get("heap_malloc16"));
    checkVmaInvariants(disk.vm);
    const dyn = memorylayout_from_host(disk.vm, {}, "/mnt/memorylayout-dynamic");
    expect(dyn.error).toBeNull();
    expect(dyn.report.maps.some((l) => l.endsWith("/mnt/lib/i386-linux-gnu/libc.so.6"))).toBe(true);
    expect(dyn.report.maps.some((l) => l.endsWith("/mnt/lib/ld-linux.so.2"))).toBe(true);
    checkVmaInvariants(disk.vm);
    // The one call: exec from the (already mounted) image in a new task.
    const one = exec_ext2_image(disk.vm, fixture("memorylayout.ext2"), "/memorylayout-staticpie");
    if (typeof one === "number") throw new Error(`mount: ${one}`);
    expect([one.exec.retval, one.died, one.exec.load_bias]).toEqual([0, false, 0x80000000]);
  });
});
