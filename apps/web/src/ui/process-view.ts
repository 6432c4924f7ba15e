/*
 * process-view.ts — processes (@i386mm/vma): run a program from the ext2 image in the flexible or
 * the classic layout (or both, side by side), each process's VMAs drawn from 3 GiB down to 0 —
 * a thin to-scale strip beside a column where every VMA is tall enough to read and the gaps are
 * squeezed — and a page-table walk of any address, in a process's tables or the kernel's:
 * pgd -> pmd -> pte -> frame with each entry's flag bits, and each CPU's TLB for that page.
 */

import type { Kernel } from "@i386mm/demo";
import { PAGE_OFFSET } from "@i386mm/hw-i386";
import type { VmSystem } from "@i386mm/vma";
import { userTasks, type VmaInfo, walkAddress } from "../model/process.js";
import type { Selection } from "../model/selection.js";
import { PROGRAMS, type Program } from "../model/session.js";
import type { Changes, Snapshot, TaskView } from "../model/snapshot.js";
import { h, hx, replace, size } from "./dom.js";

export interface ProcessEvents {
  exec(program: Program, layouts: readonly ("flexible" | "classic")[]): void;
  exit(pid: number): void;
  access(pid: number | null, va: number, write: boolean): void;
  selectVma(pid: number, start: number): void;
  selectFrame(pfn: number): void;
  hoverText(text: string | null, x: number, y: number): void;
}

const USER_TOP = 0xc0000000;

function vmaColour(v: VmaInfo): string {
  if (v.label === "[stack]") return "#d6604d";
  if (v.label === "[heap]") return "#f4a582";
  if (v.path && v.perms.includes("x")) return "#4393c3";
  if (v.path) return "#92c5de";
  if (v.perms.startsWith("---")) return "#e0e0e0";
  return "#fddbc7";
}

export class ProcessView {
  private readonly program: HTMLSelectElement;
  private readonly tasksEl: HTMLElement;
  private readonly walkEl: HTMLElement;
  private readonly walkAddr: HTMLInputElement;
  private readonly walkWho: HTMLSelectElement;
  private walkTarget: { pid: number | null; va: number } | null = null;
  private last: {
    k: Kernel;
    vm: VmSystem | null;
    snap: Snapshot;
    changes: Changes;
    sel: Selection | null;
  } | null = null;

  constructor(
    body: HTMLElement,
    tools: HTMLElement,
    private readonly ev: ProcessEvents,
  ) {
    this.program = h(
      "select",
      { "aria-label": "program" },
      ...PROGRAMS.map((p) => h("option", { value: p }, p)),
    );
    const exec = (layouts: ("flexible" | "classic")[]) => () =>
      this.ev.exec(this.program.value as Program, layouts);
    tools.append(
      this.program,
      h(
        "button",
        { type: "button", "data-action": "exec-both", onclick: exec(["flexible", "classic"]) },
        "exec in both layouts",
      ),
      h(
        "button",
        { type: "button", "data-action": "exec-flexible", onclick: exec(["flexible"]) },
        "flexible",
      ),
      h("button", { type: "button", "data-action": "exec-classic", onclick: exec(["classic"]) }, "classic"),
    );
    this.tasksEl = h("div", { class: "tasks", "data-testid": "vma-view" });
    this.walkAddr = h("input", {
      type: "text",
      value: "0x08048000",
      size: 12,
      "aria-label": "address to walk",
    });
    this.walkWho = h("select", { "aria-label": "address space" });
    const doWalk = () => {
      const va = Number.parseInt(this.walkAddr.value.trim(), 16);
      if (!Number.isFinite(va)) return;
      this.walkTarget = {
        pid: this.walkWho.value === "kernel" ? null : Number(this.walkWho.value),
        va: va >>> 0,
      };
      this.renderWalk();
    };
    this.walkAddr.addEventListener("change", doWalk);
    this.walkWho.addEventListener("change", doWalk);
    this.walkEl = h("div", { class: "walk", "data-testid": "page-walk" });
    const access = (write: boolean) => () => {
      doWalk();
      if (this.walkTarget) this.ev.access(this.walkTarget.pid, this.walkTarget.va, write);
    };
    body.append(
      this.tasksEl,
      h(
        "div",
        { class: "walk-form" },
        h("h3", {}, "Page-table walk"),
        h("label", {}, "address ", this.walkAddr),
        h("label", {}, " in ", this.walkWho),
        h("button", { type: "button", "data-action": "walk", onclick: doWalk }, "walk"),
        h(
          "button",
          {
            type: "button",
            "data-action": "access-read",
            title: "a read through the MMU (a step: it may fault and fill the TLB)",
            onclick: access(false),
          },
          "read it",
        ),
        h(
          "button",
          {
            type: "button",
            "data-action": "access-write",
            title: "a write through the MMU (a step)",
            onclick: access(true),
          },
          "write it",
        ),
      ),
      this.walkEl,
    );
  }

  update(k: Kernel, vm: VmSystem | null, snap: Snapshot, changes: Changes, sel: Selection | null): void {
    this.last = { k, vm, snap, changes, sel };
    // The walk's address space list.
    const cur = this.walkWho.value;
    replace(
      this.walkWho,
      h("option", { value: "kernel" }, "the kernel (swapper_pg_dir)"),
      ...snap.tasks.map((t) => h("option", { value: String(t.pid) }, `pid ${t.pid} ${t.comm} (${t.layout})`)),
    );
    if ([...this.walkWho.options].some((o) => o.value === cur)) this.walkWho.value = cur;
    else if (snap.tasks.length) this.walkWho.value = String(snap.tasks[snap.tasks.length - 1]!.pid);
    if (sel?.walk && sel.source.kind !== "frame") {
      this.walkTarget = sel.walk;
      this.walkAddr.value = hx(sel.walk.va, 8);
      this.walkWho.value = sel.walk.pid === null ? "kernel" : String(sel.walk.pid);
    }
    if (snap.tasks.length === 0) {
      replace(
        this.tasksEl,
        h(
          "p",
          { class: "hint" },
          "No process yet. Run one of the memorylayout programs (fixtures/elf's ext2 image, mounted at /mnt): exec maps it with load_elf_binary, then its glibc start-up and main are played (brk, mmap2, mprotect), so the VMAs are the real program's. 'exec in both layouts' runs it once with vm.legacy_va_layout = 0 (flexible: mmaps grow down from below the stack) and once with 1 (classic: mmaps grow up from 0x40000000).",
        ),
      );
    } else {
      replace(this.tasksEl, ...snap.tasks.map((t) => this.column(t, changes, sel)));
    }
    this.renderWalk();
  }

  private column(t: TaskView, changes: Changes, sel: Selection | null): HTMLElement {
    // Squeezed column: VMAs from high to low, gaps as thin separators with their size.
    const items: HTMLElement[] = [];
    const vmas = [...t.vmas].reverse();
    let prevStart = USER_TOP;
    for (const v of vmas) {
      const gap = prevStart - v.end;
      if (gap > 0) items.push(h("div", { class: "gap" }, `${size(gap)} unmapped`));
      const key = `${t.pid}:${v.start}`;
      const el = h(
        "div",
        {
          class: `vma${changes.vmas.has(key) ? " changed" : ""}${sel?.vmas.has(key) ? " selected" : ""}`,
          style: `background:${vmaColour(v)}`,
          "data-pid": t.pid,
          "data-start": hx(v.start, 8),
          "data-label": v.label,
          "data-perms": v.perms,
          onclick: () => this.ev.selectVma(t.pid, v.start),
        },
        h("span", { class: "range" }, `${hx(v.start, 8)}-${hx(v.end, 8)}`),
        ` ${v.perms} `,
        h("b", {}, v.label),
        h("span", { class: "res" }, ` ${size(v.end - v.start)}, ${v.resident} resident`),
      );
      el.addEventListener("mousemove", (e) =>
        this.ev.hoverText(
          `vm_area_struct ${hx(v.start, 8)}-${hx(v.end, 8)} ${v.perms}\nvm_flags ${hx(v.flags)} ${v.flagNames}\nvm_pgoff ${hx(v.pgoff)}${v.path ? `\nvm_file ${v.path}` : ""}\n${(v.end - v.start) / 4096} pages, ${v.resident} present in the page tables`,
          e.clientX,
          e.clientY,
        ),
      );
      el.addEventListener("mouseleave", () => this.ev.hoverText(null, 0, 0));
      items.push(el);
      prevStart = v.start;
    }
    if (prevStart > 0) items.push(h("div", { class: "gap" }, `${size(prevStart)} unmapped`));
    // To-scale strip: 0..3 GiB, high addresses on top.
    const strip = h("div", { class: "strip", title: "0 - 3 GiB to scale" });
    for (const v of t.vmas) {
      const top = ((USER_TOP - v.end) / USER_TOP) * 100;
      const height = ((v.end - v.start) / USER_TOP) * 100;
      strip.append(h("div", { style: `top:${top}%;height:max(1px,${height}%);background:${vmaColour(v)}` }));
    }
    return h(
      "div",
      { class: "task", "data-pid": t.pid, "data-layout": t.layout },
      h(
        "h3",
        {},
        `pid ${t.pid} ${t.comm} — ${t.layout} layout (mmap_base ${hx(t.mmap_base, 8)}) `,
        h("button", { type: "button", "data-action": "exit", onclick: () => this.ev.exit(t.pid) }, "exit"),
      ),
      h(
        "div",
        { class: "cols" },
        strip,
        h(
          "div",
          { class: "vmas" },
          h("div", { class: "top" }, `${hx(USER_TOP, 8)} (TASK_SIZE)`),
          ...items,
          h("div", { class: "top" }, "0x00000000"),
        ),
      ),
    );
  }

  private renderWalk(): void {
    if (!this.last) return;
    const { k, vm } = this.last;
    if (!this.walkTarget) {
      replace(
        this.walkEl,
        h(
          "p",
          { class: "hint" },
          "Type an address and press walk: the entries the MMU reads, in simulated RAM.",
        ),
      );
      return;
    }
    const { pid, va } = this.walkTarget;
    const task = pid === null || !vm ? null : (userTasks(vm).find((t) => t.pid === pid) ?? null);
    if (pid !== null && !task) {
      replace(this.walkEl, h("p", { class: "hint" }, `pid ${pid} has exited.`));
      return;
    }
    const w = walkAddress(k, vm, task, va);
    const steps = w.steps.map((s) =>
      h(
        "div",
        { class: `wstep${s.present ? "" : " absent"}`, "data-level": s.level },
        h("div", { class: "lvl" }, `${s.level}[${s.idx}]`),
        h(
          "div",
          { class: "ent" },
          `@${hx(s.entryPa, 8)} = ${hx(s.entry % 2 ** 32, 8)}${k.machine.paging.pae && s.entry >= 2 ** 32 ? ` (high ${hx(Math.floor(s.entry / 2 ** 32))})` : ""}`,
        ),
        h(
          "div",
          { class: "bits" },
          ...s.bits
            .filter((b) => !(b.name === "PS" && s.level === "pte"))
            .map((b) => h("span", { class: b.set ? "on" : "off", title: b.title }, b.name)),
        ),
        h(
          "div",
          { class: "to" },
          !s.present
            ? "not present"
            : s.large
              ? `large page at ${hx(s.entry - (s.entry % 4096), 8)}`
              : s.level === "pte"
                ? "frame"
                : `table ${hx(s.entry - (s.entry % 4096), 8)}`,
        ),
      ),
    );
    const frame =
      w.pfn === null
        ? h("div", { class: "wframe absent" }, w.note)
        : h(
            "div",
            { class: "wframe", onclick: () => this.ev.selectFrame(w.pfn!) },
            `frame ${hx(w.pfn)} — phys ${hx(w.phys!, 8)}`,
            h("small", {}, " (click: select it)"),
          );
    replace(
      this.walkEl,
      h(
        "div",
        { class: "wtitle" },
        `${hx(w.va, 8)} in ${w.who}, cr3 ${hx(w.cr3, 8)}${w.vma ? `, VMA ${hx(w.vma.start, 8)}-${hx(w.vma.end, 8)} ${w.vma.perms} ${w.vma.label}` : ""}${va >= PAGE_OFFSET && pid !== null ? " (kernel half: the entries are swapper_pg_dir's)" : ""}`,
      ),
      h("div", { class: "wsteps" }, ...steps, frame),
      h(
        "ul",
        { class: "tlb", "data-testid": "tlb" },
        ...w.tlb.map((t) => h("li", { class: t.state.replace(" ", "-") }, t.text)),
      ),
    );
  }
}
