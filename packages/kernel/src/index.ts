/*
 * @i386mm/kernel — one call that boots the layers together, and the whole-machine check.
 */
export { boot, type Kernel, type KernelOptions, LAYERS, type LayerName } from "./boot.js";
export { checkKernelInvariants, kernelProblems } from "./invariants.js";
export { parseMemSize } from "./size.js";
