/*
 * @i386mm/demo/node — the command line in-process: main(argv, io) and what it reads from the host
 * (scenario files, the shipped lab sheets' folder, `--e820` files, standard input for the REPL).
 * Node only; the browser-safe scenario library is the main entry, "@i386mm/demo".
 */

export { type ExecInput, readExecInput, runExec } from "./exec-cmd.js";
export {
  completions,
  describeName,
  eventsToJson,
  type Io,
  main,
  readE820,
  SCENARIO_DIR,
  SCENARIO_EXT,
} from "./main.js";
export { hostFiles, SHIPPED_FILES, shippedUserland } from "./userland-node.js";
