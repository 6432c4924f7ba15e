/*
 * invariants.ts — the whole-machine check: every layer's own checker, bottom first, on one
 * Kernel, with each problem prefixed by its layer ("slab: cache size-32 ..."), then the model's
 * cross-layer checks (machine-check.ts: one owner per allocated frame, references, page tables,
 * totals, /proc/meminfo), prefixed "machine: ".
 * Invariant: a layer that lands adds its checker to LAYER_CHECKS (one line) and its pages to the
 * owners of machine-check.ts.
 */
import { checkMachineInvariants, InvariantError } from "@i386mm/hw-i386";
import { checkKmapInvariants } from "@i386mm/kmap";
import { checkPageAllocInvariants } from "@i386mm/page-alloc";
import { checkPageCacheInvariants } from "@i386mm/page-cache";
import { checkSlabInvariants } from "@i386mm/slab";
import { checkVmaInvariants } from "@i386mm/vma";
import type { Kernel, LayerName } from "./boot.js";
import { machineProblems } from "./machine-check.js";

/** Each layer's checker, bottom first. */
const LAYER_CHECKS: readonly (readonly [LayerName, (k: Kernel) => void])[] = [
  ["hw-i386", (k) => checkMachineInvariants(k.machine)],
  ["page-alloc", (k) => checkPageAllocInvariants(k.pa)],
  ["slab", (k) => checkSlabInvariants(k.slab)],
  ["kmap", (k) => checkKmapInvariants(k.km)],
  // references direct callers took on page-cache pages (get_page) are the "extra" ones
  // and the buffer heads direct callers hold are theirs, not leaked
  [
    "page-cache",
    (k) =>
      checkPageCacheInvariants(k.pc, {
        extraRefs: (page) => k.direct.refsOf(page),
        heldBh: (addr) => k.directBuffers.heldHead(addr),
      }),
  ],
  ["vma", (k) => checkVmaInvariants(k.vm)],
];

/**
 * Every broken invariant of every layer of `k`, each as "<layer>: <problem>" (empty when all
 * hold). A checker that fails with anything but an InvariantError is rethrown.
 */
export function kernelProblems(k: Kernel): string[] {
  const problems: string[] = [];
  for (const [layer, check] of LAYER_CHECKS) {
    try {
      check(k);
    } catch (e) {
      if (!(e instanceof InvariantError)) throw e;
      problems.push(...e.problems.map((p) => `${layer}: ${p}`));
    }
  }
  try {
    problems.push(...machineProblems(k).map((p) => `machine: ${p}`));
  } catch (e) {
    // structures a layer's checker already found broken may throw the cross-layer walk off
    if (problems.length === 0) throw e;
    problems.push(`machine: the cross-layer check stopped: ${(e as Error).message}`);
  }
  return problems;
}

/**
 * checkInvariants for the whole machine: throws one InvariantError listing every broken invariant
 * of every layer and every broken cross-layer statement; returns when all hold.
 */
export function checkKernelInvariants(k: Kernel): void {
  const problems = kernelProblems(k);
  if (problems.length > 0) throw new InvariantError(problems);
}
