/*
 * explorer.ts — the explorer's state machine without the page: the scenario text, the session
 * running it, the position of the next statement, and the snapshot the views draw with what the
 * last step changed. Forward runs the next statement; back rebuilds from boot and replays every
 * step but the last; run-to-end steps until the text is used up; editing a line that already ran
 * replays the steps before it. The page (ui/) and the tests drive the same object.
 */

import {
  type Action,
  type FrontEndFiles,
  type ImageSource,
  type MachineOptions,
  Session,
  type StepRecord,
} from "./session.js";
import { type Changes, diffSnapshots, type Snapshot, takeSnapshot } from "./snapshot.js";

/** Longest run-to-end, in statements (a loop in the text cannot hang the page). */
export const MAX_RUN_STEPS = 5000;

export class Explorer {
  session: Session;
  lines: string[];
  /** Index of the first line not yet considered. */
  nextLine = 0;
  snapshot: Snapshot;
  changes: Changes;
  /** Milliseconds of the last snapshot (reading every structure). */
  get snapshotMs(): number {
    return this.snapshot.ms;
  }

  constructor(
    public opts: MachineOptions,
    public file: string,
    text: string,
    readonly image: ImageSource | null,
    readonly files: FrontEndFiles = {},
  ) {
    this.lines = splitLines(text);
    this.session = new Session(opts, file, image, files);
    this.snapshot = takeSnapshot(this.session.kernel, this.session.vm);
    this.changes = diffSnapshots(null, this.snapshot);
  }

  get text(): string {
    return this.lines.join("\n");
  }

  /** The steps taken since boot. */
  get records(): readonly StepRecord[] {
    return this.session.records;
  }

  /** The editor line (0-based) the next forward step will run, or -1 at the end. */
  get nextStatement(): number {
    return Session.nextStatement(this.lines, this.nextLine);
  }

  get atEnd(): boolean {
    return this.nextStatement < 0;
  }

  /** Take a new snapshot and diff it against the one shown. */
  refresh(): void {
    const next = takeSnapshot(this.session.kernel, this.session.vm);
    this.changes = diffSnapshots(this.snapshot, next);
    this.snapshot = next;
  }

  /** Run the next statement; null at the end of the text. */
  forward(): StepRecord | null {
    const i = this.nextStatement;
    if (i < 0) return null;
    const rec = this.session.run({ t: "line", index: i, source: this.lines[i]! });
    this.nextLine = i + 1;
    this.refresh();
    return rec;
  }

  /** Run every remaining statement; returns how many ran. Views are refreshed once, at the end. */
  runToEnd(): number {
    let n = 0;
    for (let i = this.nextStatement; i >= 0 && n < MAX_RUN_STEPS; i = this.nextStatement) {
      this.session.run({ t: "line", index: i, source: this.lines[i]! });
      this.nextLine = i + 1;
      n++;
    }
    if (n > 0) this.refresh();
    return n;
  }

  /** A process action (exec, exit, access), recorded as a step. */
  act(action: Exclude<Action, { t: "line" }>): StepRecord {
    const rec = this.session.run(action);
    this.refresh();
    return rec;
  }

  /** Undo the last step: boot again and replay the others. False when nothing ran. */
  back(): boolean {
    const actions = this.session.records.map((r) => r.action);
    if (actions.length === 0) return false;
    this.#replay(actions.slice(0, -1));
    return true;
  }

  /** Boot again (new machine options, or the same) and run nothing. */
  reset(opts: MachineOptions = this.opts): void {
    this.opts = opts;
    this.#replay([]);
  }

  /**
   * New text in the editor (or a lab sheet loaded). Steps whose line still reads the same stay;
   * from the first statement that changed, the machine is rebuilt from boot with the steps before.
   */
  setText(text: string, file = this.file): void {
    const lines = splitLines(text);
    const actions = this.session.records.map((r) => r.action);
    let keep = actions.length;
    for (let i = 0; i < actions.length; i++) {
      const a = actions[i]!;
      if (a.t === "line" && lines[a.index] !== a.source) {
        keep = i;
        break;
      }
    }
    this.lines = lines;
    const newFile = file !== this.file;
    if (newFile) {
      this.file = file;
      keep = 0;
    }
    if (keep < actions.length || newFile) this.#replay(actions.slice(0, keep));
  }

  #replay(actions: readonly Action[]): void {
    const session = new Session(this.opts, this.file, this.image, this.files);
    let next = 0;
    for (const a of actions) {
      if (a.t === "line") {
        session.run({ ...a, source: this.lines[a.index] ?? a.source });
        next = a.index + 1;
      } else session.run(a);
    }
    this.session = session;
    this.nextLine = next;
    this.refresh();
  }
}

function splitLines(text: string): string[] {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r/g, "")
    .split("\n");
}
