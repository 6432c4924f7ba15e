/*
 * invariants.ts — checkDemoInvariants: what the demo itself promises about a booted kernel's
 * name table, on top of the layers' own check...Invariants (which `check` runs):
 *   - every callable name is spelled as the kernel spells it (snake_case, PageX, or a CAPS
 *     macro); (the layers' static steps are #private methods or "/internal" exports, so the
 *     name table cannot pick one up by accident);
 *   - a binding's C prototype carries its own name, and NOT_BOUND names nothing callable;
 *   - every constant is an exact integer and every typed constant exists;
 *   - the page a `struct page *` variable holds is inside mem_map.
 * Plain-language problems are collected and thrown together as hw-i386's InvariantError.
 */

import { InvariantError } from "@i386mm/hw-i386";
import { isKernelName } from "./bindings.js";
import { NOT_BOUND } from "./free-bindings.js";
import type { Interpreter } from "./interpreter.js";
import type { Kernel } from "./kernel.js";
import type { Value } from "./values.js";

/**
 * Check the demo's invariants for `kernel` (and, when given, the variables of `interp`); throws
 * InvariantError listing every broken one, returns nothing when all hold. Does not run the
 * layers' checks: `kernel.check()` does.
 */
export function checkDemoInvariants(kernel: Kernel, interp?: Interpreter): void {
  const problems: string[] = [];
  for (const [name, b] of kernel.bindings) {
    if (b.name !== name) problems.push(`binding '${name}' calls itself '${b.name}'`);
    if (!isKernelName(name) && !/^_*[A-Z][A-Z0-9_]*$/.test(name))
      problems.push(`'${name}' is callable but is not spelled like a kernel name`);
    if (name in NOT_BOUND) problems.push(`'${name}' is listed in NOT_BOUND but is callable`);
    if (b.sig && b.sig.name !== name) problems.push(`'${name}' has the prototype of '${b.sig.name}'`);
  }
  for (const [name, v] of kernel.constants)
    if (!Number.isSafeInteger(v)) problems.push(`constant ${name} = ${v} is not an exact integer`);
  for (const name of kernel.constantKinds.keys())
    if (!kernel.constants.has(name)) problems.push(`constant kind given for unknown constant ${name}`);
  if (interp) {
    const pages = kernel.pa.mem_map.nr_pages;
    const visit = (where: string, v: Value): void => {
      if (v.t === "num" && v.kind === "page" && !(Number.isInteger(v.v) && v.v >= 0 && v.v < pages))
        problems.push(`${where} holds pfn ${v.v}, outside mem_map (0..${pages - 1})`);
      if (v.t === "array") for (const [i, x] of v.items) visit(`${where}[${i}]`, x);
    };
    for (const [name, v] of interp.vars) visit(`variable ${name}`, v);
  }
  if (problems.length) throw new InvariantError(problems);
}
