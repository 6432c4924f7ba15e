/*
 * vlayout-view.ts — the kernel's linear addresses from PAGE_OFFSET to 4 GiB. The top bar is to
 * scale, except that regions too small to see at that scale (the pkmap window, the fixmaps, the
 * gaps) get a minimum width and a ≈ mark: to scale where it helps, not where it hides. Below it the
 * vmalloc area to its own scale with every vm_struct and its guard page, the pkmap slots by
 * pkmap_count, and the fixmap slots with what each maps now. Selected addresses are marked.
 */

import type { Kernel } from "@i386mm/demo";
import type { Selection } from "../model/selection.js";
import type { Changes, Snapshot } from "../model/snapshot.js";
import { areaKind, kernelRegions, type Region } from "../model/vlayout.js";
import { h, hx, replace, size } from "./dom.js";

export interface LayoutEvents {
  selectArea(addr: number): void;
  selectPkmap(nr: number): void;
  selectFix(idx: number): void;
  selectFrame(pfn: number): void;
  hoverText(text: string | null, x: number, y: number): void;
}

const REGION_COLOUR: Record<Region["kind"], string> = {
  lowmem: "#9ecae1",
  gap: "#ffffff",
  vmalloc: "#998ec3",
  pkmap: "#fdb863",
  fixmap: "#e08214",
  unused: "#f0f0f0",
};
const MIN_W = 4;

export class LayoutView {
  private showAllFix = false;

  constructor(
    private readonly body: HTMLElement,
    private readonly ev: LayoutEvents,
  ) {}

  update(k: Kernel, snap: Snapshot, changes: Changes, sel: Selection | null): void {
    const regions = kernelRegions(k);
    const marks = sel?.vaddrs ?? [];
    replace(
      this.body,
      h("h3", {}, "0xC0000000 – 0xFFFFFFFF (1 GiB; small regions widened, marked ≈)"),
      this.overview(regions, marks),
      this.vmalloc(k, snap, changes, sel),
      this.pkmap(snap, changes, sel),
      this.fixmap(snap, changes, sel),
    );
  }

  private hover(el: HTMLElement, text: () => string): void {
    el.addEventListener("mousemove", (e) => this.ev.hoverText(text(), e.clientX, e.clientY));
    el.addEventListener("mouseleave", () => this.ev.hoverText(null, 0, 0));
  }

  /** Widths in percent: to scale, small regions raised to MIN_W px of a 1000 px bar. */
  private overview(regions: Region[], marks: readonly number[]): HTMLElement {
    const total = 2 ** 32 - 0xc0000000;
    const raw = regions.map((r) => ((r.end - r.start) / total) * 1000);
    const widened = raw.map((w) => Math.max(w, MIN_W));
    const extra = widened.reduce((a, b) => a + b, 0) - 1000;
    const big = raw.reduce((a, w) => (w > 100 ? a + w : a), 0);
    const widths = widened.map((w, i) => (raw[i]! > 100 ? w - (extra * raw[i]!) / big : w) / 10);
    const bar = h("div", { class: "vbar", "data-testid": "kernel-layout" });
    let left = 0;
    regions.forEach((r, i) => {
      const scaled = raw[i]! >= MIN_W;
      const el = h(
        "div",
        {
          class: `region ${r.kind}`,
          style: `left:${left}%;width:${widths[i]}%${r.kind === "gap" ? "" : `;background:${REGION_COLOUR[r.kind]}`}`,
          "data-region": r.kind,
        },
        widths[i]! > 8 ? `${r.name} ${size(r.end - r.start)}` : scaled ? "" : "≈",
      );
      this.hover(
        el,
        () =>
          `${r.name}: ${hx(r.start, 8)}-${hx(r.end - 1, 8)} (${size(r.end - r.start)})${scaled ? "" : " — widened to be visible, not to scale"}`,
      );
      bar.append(el);
      left += widths[i]!;
    });
    // Address marks (selection): place by region, proportionally inside it.
    for (const a of marks) {
      let x = 0;
      for (let i = 0; i < regions.length; i++) {
        const r = regions[i]!;
        if (a >= r.start && a < r.end) {
          x += ((a - r.start) / (r.end - r.start)) * widths[i]!;
          bar.append(h("div", { class: "vmark", style: `left:${x}%`, title: hx(a, 8) }));
          break;
        }
        x += widths[i]!;
      }
    }
    const scale = h(
      "div",
      { class: "vscale" },
      ...regions.map((r) => h("span", { title: r.name }, `${r.name.split(" ")[0]} ${hx(r.start, 8)}`)),
    );
    return h("div", { class: "overview" }, bar, scale);
  }

  private vmalloc(k: Kernel, snap: Snapshot, changes: Changes, sel: Selection | null): HTMLElement {
    const l = k.pa.layout;
    const span = l.VMALLOC_END - l.VMALLOC_START;
    const bar = h("div", { class: "vbar vmalloc", "data-testid": "vmalloc-bar" });
    for (const p of snap.vmalloc) {
      if (p.kind === "hole") continue;
      const left = ((p.start - l.VMALLOC_START) / span) * 100;
      const width = ((p.end - p.start) / span) * 100;
      const area = p.area!;
      const el = h("div", {
        class: `piece ${p.kind}${changes.vmalloc.has(area.addr) ? " changed" : ""}${sel?.source.kind === "area" && sel.source.addr === area.addr ? " selected" : ""}`,
        style: `left:${left}%;width:max(${p.kind === "guard" ? 1 : 2}px, ${width}%)`,
        onclick: () => this.ev.selectArea(area.addr),
      });
      this.hover(el, () =>
        p.kind === "guard"
          ? `guard page ${hx(p.start, 8)}: never mapped, so a run past the area's end faults`
          : `${areaKind(area)} area ${hx(area.addr, 8)}-${hx(area.addr + area.size, 8)}: ${area.nr_pages} pages + 1 guard page (vm_struct ${hx(area.desc, 8)})`,
      );
      bar.append(el);
    }
    for (const a of sel?.vaddrs ?? [])
      if (a >= l.VMALLOC_START && a < l.VMALLOC_END)
        bar.append(h("div", { class: "vmark", style: `left:${((a - l.VMALLOC_START) / span) * 100}%` }));
    const areas = snap.vmalloc.filter((p) => p.kind === "area");
    const list = h(
      "table",
      { class: "areas", "data-testid": "vmalloc-areas" },
      h("tr", {}, h("th", {}, "area"), h("th", {}, "size"), h("th", {}, "pages"), h("th", {}, "kind")),
      ...areas.map((p) =>
        h(
          "tr",
          {
            class: `${changes.vmalloc.has(p.area!.addr) ? "changed" : ""}${sel?.source.kind === "area" && sel.source.addr === p.area!.addr ? " selected" : ""}`,
            onclick: () => this.ev.selectArea(p.area!.addr),
          },
          h("td", {}, `${hx(p.area!.addr, 8)}-${hx(p.area!.addr + p.area!.size, 8)}`),
          h("td", {}, size(p.area!.size)),
          h("td", {}, `${p.area!.nr_pages} + guard`),
          h("td", {}, areaKind(p.area!)),
        ),
      ),
    );
    return h(
      "div",
      { class: "sub" },
      h(
        "h3",
        {},
        `vmalloc ${hx(l.VMALLOC_START, 8)}-${hx(l.VMALLOC_END, 8)} (${size(span)}, to scale; guard pages dark)`,
      ),
      bar,
      areas.length ? list : h("p", { class: "hint" }, "vmlist is empty."),
    );
  }

  private pkmap(snap: Snapshot, changes: Changes, sel: Selection | null): HTMLElement {
    const { slots, last_pkmap_nr } = snap.pkmap;
    const grid = h("div", { class: "pkmap", "data-testid": "pkmap-grid" });
    const used = slots.filter((s) => s.count > 1).length;
    const dirty = slots.filter((s) => s.count === 1).length;
    for (const s of slots) {
      const cls = s.count === 0 ? "free" : s.count === 1 ? "flush" : "used";
      const el = h("div", {
        class: `slot ${cls}${changes.pkmap.has(s.nr) ? " changed" : ""}${sel?.vaddrs.includes(s.addr) ? " selected" : ""}${s.nr === last_pkmap_nr ? " last" : ""}`,
        "data-slot": s.nr,
        onclick: () => this.ev.selectPkmap(s.nr),
      });
      this.hover(
        el,
        () =>
          `pkmap slot ${s.nr} at ${hx(s.addr, 8)}: pkmap_count ${s.count} (${s.count === 0 ? "free" : s.count === 1 ? "unmapped but not yet flushed: reused after flush_all_zero_pkmaps" : `mapped, ${s.count - 1} user(s)`})${s.pfn >= 0 ? `, pte -> frame ${hx(s.pfn)}` : ""}${s.nr === last_pkmap_nr ? "; last_pkmap_nr (the search starts after it)" : ""}`,
      );
      grid.append(el);
    }
    return h(
      "div",
      { class: "sub" },
      h("h3", {}, `pkmap: ${slots.length} slots (LAST_PKMAP), ${used} in use, ${dirty} waiting for a flush`),
      grid,
    );
  }

  private fixmap(snap: Snapshot, changes: Changes, sel: Selection | null): HTMLElement {
    const shown = snap.fix.filter((s) => this.showAllFix || s.pfn >= 0 || changes.fix.has(s.idx));
    const toggle = h(
      "button",
      {
        type: "button",
        onclick: () => {
          this.showAllFix = !this.showAllFix;
          this.update2(snap, changes, sel);
        },
      },
      this.showAllFix ? "mapped only" : `all ${snap.fix.length}`,
    );
    const table = h(
      "table",
      { class: "fix", "data-testid": "fixmap-table" },
      h("tr", {}, h("th", {}, "idx"), h("th", {}, "fixmap"), h("th", {}, "address"), h("th", {}, "maps")),
      ...shown.map((s) =>
        h(
          "tr",
          {
            class: `${changes.fix.has(s.idx) ? "changed" : ""}${sel?.source.kind === "fix" && sel.source.idx === s.idx ? " selected" : ""}${s.boot ? " boot" : ""}`,
            onclick: () => this.ev.selectFix(s.idx),
          },
          h("td", {}, String(s.idx)),
          h("td", {}, s.name),
          h("td", {}, hx(s.addr, 8)),
          h("td", {}, s.pfn >= 0 ? `frame ${hx(s.pfn)}` : "-"),
        ),
      ),
    );
    this.fixHost = h(
      "div",
      { class: "sub" },
      h("h3", {}, "fixmaps (fix_to_virt: index 0 at the top, addresses grow down) ", toggle),
      shown.length
        ? table
        : h("p", { class: "hint" }, "No fixmap slot maps a page now (kmap_atomic, set_fixmap fill them)."),
    );
    return this.fixHost;
  }

  private fixHost: HTMLElement | null = null;

  private update2(snap: Snapshot, changes: Changes, sel: Selection | null): void {
    const old = this.fixHost;
    const next = this.fixmap(snap, changes, sel);
    old?.replaceWith(next);
  }
}
