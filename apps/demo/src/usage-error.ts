/*
 * usage-error.ts — the CLI's two failure classes and its exit codes.
 * EXIT_OK 0: everything ran; EXIT_SCENARIO 1: a scenario statement failed (BUG, syntax, unknown
 * name, failed check or assert); EXIT_USAGE 2: bad usage (unknown flag or command, unreadable file,
 * malformed or impossible size). A UsageError never reaches the kernel model: it is raised while
 * reading the command line, before anything boots.
 */

/** Exit status: success. */
export const EXIT_OK = 0;
/** Exit status: at least one scenario statement failed. */
export const EXIT_SCENARIO = 1;
/** Exit status: bad usage (flags, files, sizes). */
export const EXIT_USAGE = 2;

/** Bad command-line usage; main() prints `i386mm: <message>` and exits with {@link EXIT_USAGE}. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
