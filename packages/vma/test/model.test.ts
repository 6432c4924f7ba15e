/*
 * Model-based tests: random sequences of mmap / munmap / mprotect / brk / touch / fork / exit /
 * truncate against a plain reference (model-harness.ts), checkVmaInvariants after every step. Fixed seeds;
 * fast-check prints the seed and the shrunk sequence on failure. Long runs:
 * `pnpm --filter @i386mm/vma fuzz` (VMA_FUZZ_RUNS, VMA_FUZZ_SEED).
 */
import { describe, it } from "vitest";
import { run } from "./model-harness.js";

const LONG = Number(process.env.VMA_FUZZ_RUNS ?? 0);
const SEED = Number(process.env.VMA_FUZZ_SEED ?? 0);
const TIMEOUT = LONG ? 3_600_000 : 60_000;

describe("model-based: random mmap/munmap/mprotect/brk/touch/fork/exit/truncate against a reference", () => {
  it("2-level paging, 1 CPU", () => run(false, 1, SEED || 0x5eed01, LONG || 30, LONG ? 120 : 60), TIMEOUT);
  it("PAE paging, 2 CPUs", () => run(true, 2, SEED + 1 || 0x5eed02, LONG || 20, LONG ? 120 : 60), TIMEOUT);
});
