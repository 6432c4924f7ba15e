/*
 * @i386mm/demo — the scenario language as a library: boot a kernel (bootKernel), run statements
 * (Interpreter), print results and errors as the CLI does. This entry loads in a browser (the web
 * explorer, apps/web, runs it there): nothing it imports touches Node. The CLI itself (main, the
 * REPL, reading script and e820 files) is "@i386mm/demo/node".
 *
 * A hand-picked face (no `export *`): what the README's API table lists, and the types those
 * signatures name. The modules' helpers (the lexer's token kinds, the parser's limits, the
 * binding tables' internals, the value constructors) stay inside. Every export and its signature
 * is recorded in apps/demo/api.txt, compared by the test run (scripts/test/api-report.test.ts).
 */

// The command line's arguments (the CLI that reads them is @i386mm/demo/node).
export { type Command, DEFAULT_MEM, type Invocation, parseArgs } from "./args.js";
// The kernel functions the language binds, and what it deliberately does not.
export { isKernelName, type ParamType, prototype, SIGNATURES, type Signature } from "./bindings.js";
export { bootJson, bootLines } from "./boot-log.js";
export { E820TextError, parseE820Text } from "./e820-text.js";
export { fileBindings } from "./file-bindings.js";
export { type BindingContext, freeBindings, NOT_BOUND, pteSlot, readPte } from "./free-bindings.js";
export { HELP, OVERVIEW } from "./help.js";
// Running scenarios.
export {
  Interpreter,
  type InterpreterOptions,
  type RunEvent,
  ScenarioError,
} from "./interpreter.js";
export { checkDemoInvariants } from "./invariants.js";
// Booting a kernel and its state.
export { type BootOptions, bootKernel, Kernel } from "./kernel.js";
export type {
  Binding,
  ErrorReport,
  KernelApi,
  ObjectFieldValue,
  TypedResult,
  ViewOutput,
} from "./kernel-api.js";
export { convertKwargs, KwargError, type KwParam } from "./kwargs.js";
export { ScenarioSyntaxError, tokenize } from "./lexer.js";
export { type Expr, type KwArg, parseLine, parseScenario, type ScenarioLine, type Stmt } from "./parser.js";
export {
  describeProcessObject,
  type HostFiles,
  PROCESS_NOT_BOUND,
  type ProcessContext,
  ProcessError,
  processBindings,
  procPidView,
  type Userland,
} from "./process-bindings.js";
export { formatError, scenarioFlags } from "./report.js";
export { formatSize, MAX_MEM, MIN_MEM, parseSize } from "./size.js";
export { tourScript } from "./tour.js";
// The views: the translate view, and JSON forms parsed back from the printed /proc text.
export { describeErrorCode, entryFlags, translateView } from "./translate.js";
export { EXIT_OK, EXIT_SCENARIO, EXIT_USAGE, UsageError } from "./usage-error.js";
// How results and errors print.
export { type FormatContext, formatPage, formatValue, hex, type PageInfo, type Value } from "./values.js";
export {
  type BuddyinfoRow,
  type Pagetypeinfo,
  parseBuddyinfo,
  parseMeminfo,
  parsePagetypeinfo,
  parseSlabinfo,
  parseVmallocinfo,
  parseZoneinfo,
  VIEW_NAMES,
  viewJson,
  type ZoneinfoZone,
} from "./views.js";
