/*
 * @i386mm/kernel — one call that boots the layers together, the whole-machine check, the model's
 * /proc/fraginfo and the replay of real kernel allocation traces.
 */
export { boot, type Kernel, type KernelOptions, LAYERS, type LayerName } from "./boot.js";
export { DirectPages } from "./direct.js";
export { DirectBuffers } from "./direct-buffers.js";
export { type FragInfo, type FragKernel, fraginfo, fraginfoText, fragPercent } from "./fraginfo.js";
export { type MachineHashOptions, machineHash } from "./hash.js";
export { checkKernelInvariants, kernelProblems } from "./invariants.js";
export {
  type MachineOwnership,
  machineOwnership,
  machineProblems,
  OWNER_NAMES,
  Owner,
} from "./machine-check.js";
export {
  defaultEvery,
  MAX_ERRORS_SHOWN,
  type ModelKmallocRow,
  Replay,
  type ReplayError,
  type ReplayKernel,
  type ReplayOptions,
  type Timeline,
  type ZoneSample,
} from "./replay.js";
export { type DecodedGfp, decodeGfp, slubKmallocName } from "./replay-gfp.js";
export {
  type KindOutcome,
  type ReplayReport,
  replayReport,
  replayReportText,
  type TracedSizeReport,
  type ZoneSampleReport,
} from "./replay-report.js";
export { replaySvg } from "./replay-svg.js";
export {
  KIND_NAMES,
  MAX_MALFORMED_SHOWN,
  type MalformedLine,
  type ParsedTrace,
  type ParseOptions,
  parseTrace,
  REASONS,
  type TracedCacheSize,
  type TracedClassRow,
} from "./replay-trace.js";
export { parseMemSize } from "./size.js";
