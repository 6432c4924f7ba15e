/*
 * @i386mm/demo — the scenario language as a library: boot a kernel (bootKernel), run statements
 * (Interpreter), print results and errors as the CLI does. This entry loads in a browser (the web
 * explorer, apps/web, runs it there): nothing it imports touches Node. The CLI itself (main, the
 * REPL, reading script and e820 files) is "@i386mm/demo/node".
 */
export * from "./args.js";
export * from "./bindings.js";
export * from "./boot-log.js";
export * from "./e820-text.js";
export * from "./file-bindings.js";
export * from "./free-bindings.js";
export * from "./help.js";
export * from "./interpreter.js";
export * from "./invariants.js";
export * from "./kernel.js";
export * from "./kernel-api.js";
export * from "./kwargs.js";
export * from "./lexer.js";
export * from "./parser.js";
export * from "./process-bindings.js";
export * from "./report.js";
export * from "./size.js";
export * from "./tour.js";
export * from "./translate.js";
export * from "./usage-error.js";
export * from "./values.js";
export * from "./views.js";
