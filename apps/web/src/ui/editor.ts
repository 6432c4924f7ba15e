/*
 * editor.ts — the scenario editor: a plain textarea over a backdrop that numbers the lines and
 * marks the statements that ran, the next one, and the ones that failed (with the kernel-style
 * message on hover). Editing never runs anything; the explorer decides what to replay.
 */

import { h } from "./dom.js";

export interface LineMarks {
  readonly ran: ReadonlySet<number>;
  readonly next: number;
  readonly errors: ReadonlyMap<number, string>;
  readonly last: number;
}

export class Editor {
  readonly root: HTMLElement;
  readonly textarea: HTMLTextAreaElement;
  private readonly backdrop: HTMLElement;
  private marks: LineMarks = { ran: new Set(), next: -1, errors: new Map(), last: -1 };

  constructor(onInput: (text: string) => void) {
    this.textarea = h("textarea", {
      spellcheck: false,
      wrap: "off",
      "aria-label": "scenario",
      "data-testid": "editor",
    });
    this.backdrop = h("div", { class: "backdrop", "aria-hidden": "true" });
    this.root = h("div", { class: "editor" }, this.backdrop, this.textarea);
    let timer = 0;
    this.textarea.addEventListener("input", () => {
      this.paint();
      clearTimeout(timer);
      timer = window.setTimeout(() => onInput(this.textarea.value), 250);
    });
    this.textarea.addEventListener("scroll", () => {
      this.backdrop.scrollTop = this.textarea.scrollTop;
      this.backdrop.scrollLeft = this.textarea.scrollLeft;
    });
  }

  get text(): string {
    return this.textarea.value;
  }

  set text(t: string) {
    this.textarea.value = t;
    this.paint();
  }

  setMarks(marks: LineMarks): void {
    this.marks = marks;
    this.paint();
    // Keep the next statement in view.
    const line = marks.next >= 0 ? marks.next : marks.last;
    if (line >= 0) {
      const lh = Number.parseFloat(getComputedStyle(this.textarea).lineHeight) || 16;
      const y = line * lh;
      const ta = this.textarea;
      if (y < ta.scrollTop || y > ta.scrollTop + ta.clientHeight - 2 * lh)
        ta.scrollTop = Math.max(0, y - ta.clientHeight / 3);
      this.backdrop.scrollTop = ta.scrollTop;
    }
  }

  private paint(): void {
    const lines = this.textarea.value.split("\n");
    const m = this.marks;
    this.backdrop.replaceChildren(
      ...lines.map((l, i) => {
        const cls = [
          "line",
          m.ran.has(i) ? "ran" : "",
          i === m.next ? "next" : "",
          i === m.last ? "last" : "",
          m.errors.has(i) ? "error" : "",
          l.trim().startsWith("#") ? "comment" : "",
        ]
          .filter(Boolean)
          .join(" ");
        return h(
          "div",
          { class: cls, "data-line": i + 1, title: m.errors.get(i) ?? null },
          h("span", { class: "no" }, String(i + 1)),
          h("span", { class: "txt" }, l === "" ? " " : l),
        );
      }),
    );
  }
}
