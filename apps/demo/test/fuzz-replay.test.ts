/*
 * A whole-machine fuzz run printed as a scenario replays in the scenario language (#20 point 2):
 * `i386mm run FILE` runs every line of the fuzzer's scenario — its set-up (an ext2 disk, a raw
 * disk, files, two programs, a process), its operations and the end of the run — without a parse
 * error or an unknown name, its assertions (the fuzzer's expectations) hold, and a failing run's
 * scenario stops at the same whole-machine check the fuzzer failed. Seeded: the operations come
 * from fast-check's generator with a fixed seed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { machineHash } from "@i386mm/kernel";
import {
  type FuzzConfig,
  type FuzzMachineOptions,
  type FuzzOp,
  fuzzImages,
  fuzzOpArb,
  fuzzScenario,
  runOps,
} from "@i386mm/kernel/fuzz";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

const ext2Image = new Uint8Array(
  readFileSync(new URL("../../../packages/kernel/test/fixtures/ext2-512k.img", import.meta.url)),
);
const dir = mkdtempSync(join(tmpdir(), "i386mm-fuzz-replay-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const machine: FuzzMachineOptions = { ext2Image, images: { hda: "run.hda.img", hdb: "run.hdb.img" } };

/** Write the scenario and its disk images into `dir`, run it as `i386mm run`, and list its failing lines. */
async function replay(name: string, scenario: string) {
  writeFileSync(join(dir, name), scenario);
  for (const img of fuzzImages(machine)) writeFileSync(join(dir, img.name), img.bytes);
  const r = await runCli(["run", name], undefined, dir);
  const failing = [...r.all.matchAll(new RegExp(`^${name.replace(".", "\\.")}:(\\d+): (.*)$`, "gm"))].map(
    (m) => ({ line: Number(m[1]), text: m[2]! }),
  );
  return { ...r, failing, lines: scenario.split("\n") };
}

/** `n` operations drawn by fast-check from `seed` (the fuzzer's own generator). */
const draw = (seed: number, n: number): FuzzOp[] => fc.sample(fuzzOpArb, { seed, numRuns: n });

describe("a fuzz run's scenario replays in the scenario language", () => {
  it("a passing run: every line runs, every assertion of the fuzzer holds", async () => {
    const config: FuzzConfig = { pae: true, cpus: 2 };
    const ops = draw(20261128, 60);
    runOps(config, ops, machine); // the fuzzer passes it
    const text = fuzzScenario(config, ops, machine);
    expect(text).not.toMatch(/no (process|file) calls in the scenario language/);
    expect(text).toMatch(/^# i386mm: --mem 80M --highmem 8M --pae --cpus 2$/m);
    const r = await replay("pass.mm", text);
    expect(r.failing, r.err).toEqual([]);
    expect(r.code).toBe(0);
    // the set-up, process calls, file calls and the end of the run all ran
    for (const call of ["mount(", "attach_disk(", "exec(", "pwrite64(", "exit(", "umount("])
      expect(text).toContain(call);
  }, 120_000);

  it("a passing run without the tags in kernel memory: the scenario's check --hash is the fuzzer's final state hash", async () => {
    const config: FuzzConfig = { pae: false, cpus: 2 };
    const ops = draw(20261129, 40);
    const plain = { ...machine, reference: false };
    const m = runOps(config, ops, plain);
    const text = fuzzScenario(config, ops, plain);
    writeFileSync(join(dir, "hash.mm"), text);
    for (const img of fuzzImages(machine)) writeFileSync(join(dir, img.name), img.bytes);
    const r = await runCli(["check", "hash.mm", "--hash"], undefined, dir);
    expect(r.code, r.all.slice(-2000)).toBe(0);
    expect(r.out).toContain(`hash: ${machineHash(m.k)}`);
    // the scenario says so itself
    expect(text).toContain(`prints hash: ${machineHash(m.k)}`);
  }, 120_000);

  it("a failing run: the scenario stops at the whole-machine check the fuzzer failed", async () => {
    const config: FuzzConfig = { pae: false, cpus: 1 };
    // a planted bug after some random steps: a held page's reference dropped behind its holder's back
    const ops: FuzzOp[] = [
      ...draw(77, 25),
      { k: "alloc_pages", gfp: "GFP_KERNEL", order: 0 },
      { k: "planted_put_page" },
      ...draw(78, 5),
    ];
    let message = "";
    try {
      runOps(config, ops, machine);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^whole-machine check:/);
    const text = fuzzScenario(config, ops, machine, message);
    const r = await replay("fail.mm", text);
    // no parse error, no unknown name: the first failing line is the check after the planted call
    expect(r.failing.length, r.all.slice(-2000)).toBeGreaterThan(0);
    const first = r.failing[0]!;
    expect(r.lines[first.line - 2]).toMatch(/^page_cache_release\(p\d+\)/);
    expect(r.lines[first.line - 1]).toBe("check");
    expect(first.text).toMatch(/^check: \d+ invariant\(s\) broken/);
    // the same problems the fuzzer reported
    const problems = message
      .split("\n")
      .slice(1)
      .map((l) => l.trim());
    for (const p of problems) expect(r.all).toContain(p);
    expect(r.code).toBe(1);
  }, 120_000);
});

describe("the bindings the fuzzer's scenarios need", () => {
  it('"\\xHH" strings, attach_disk, pwrite64/pread64, fsync and invalidate_mapping_pages', async () => {
    writeFileSync(join(dir, "raw.img"), new Uint8Array(64 * 1024).fill(0x5a));
    const script = [
      'attach_disk("raw.img", disk="hdb")',
      'fd = open("/dev/hdb", O_RDWR)',
      'assert pread64(fd, 3, 4095) == "ZZZ"',
      'assert pwrite64(fd, "\\x00\\xffA", 4095) == 3',
      'assert pread64(fd, 4, 4094) == "Z\\x00\\xffA"',
      "assert fsync(fd) == 0",
      "assert invalidate_mapping_pages(fd, 0, 0xffffffff) >= 1",
      'assert pread64(fd, 2, 4096) == "\\xffA"',
      'expect_error attach_disk("raw.img", disk="hdb")',
      "check",
    ].join("\n");
    const r = await runCli(["run", "-", "--mem", "32M"], script, dir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const bad = await runCli(["run", "-", "--mem", "32M"], 'x = "\\x4"', dir);
    expect(bad.err).toContain("\\x needs two hex digits");
  });

  it("user_write/user_read: a byte stored and loaded by user code; a fault's signal is stepped over", async () => {
    const script = [
      'pid = exec("/bin/memorylayout-static")',
      "a = mmap(pid, 0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)",
      "assert user_read(pid, a) == 0",
      "assert user_write(pid, a + 4096, 200) == 0",
      "assert user_read(pid, a + 4096) == 200",
      "assert mprotect(pid, a, 8192, PROT_READ) == 0",
      'assert user_write(pid, a, 1) == "SIGSEGV"',
      'assert user_read(pid, 0x1000) == "SIGSEGV"',
      "assert user_read(pid, a + 4096) == 200",
      "expect_error user_write(pid, a, 256)",
      "exit(pid)",
      "check",
    ].join("\n");
    const r = await runCli(["run", "-", "--mem", "32M"], script, dir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });

  it("--highmem SIZE boots with that much high memory (highmem=)", async () => {
    const r = await runCli(["boot", "--mem", "80M", "--highmem", "8M"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^8MB HIGHMEM available\.$/m);
  });
});
