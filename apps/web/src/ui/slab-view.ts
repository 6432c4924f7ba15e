/*
 * slab-view.ts — the slab caches (mm/slab.c): one row per cache on cache_chain with its geometry
 * (object size, objects and pages per slab, colours x colour_off and the next colour) and its
 * three lists; a cache's slabs drawn to scale below, one line per slab: the colour offset
 * (hatched), the management area of an on-slab cache (struct slab + bufctl[]), then the objects,
 * each free (on the bufctl chain), cached (in a per-CPU or shared array) or in use.
 */

import type { Kernel } from "@i386mm/demo";
import type { Selection } from "../model/selection.js";
import { cacheSlabs, ObjState, type SlabDetail } from "../model/slabs.js";
import type { Changes, Snapshot } from "../model/snapshot.js";
import { h, hx, replace } from "./dom.js";

export interface SlabEvents {
  selectCache(name: string): void;
  selectObject(addr: number): void;
  hoverText(text: string | null, x: number, y: number): void;
}

const OBJ_COLOUR = ["#d9f0d3", "#80cdc1", "#f1a340"];
const OBJ_NAME = ["free", "cached in an array_cache", "in use"];
const ROW = 12;
const LABEL_W = 190;

export class SlabView {
  private readonly filter: HTMLInputElement;
  private readonly onlyUsed: HTMLInputElement;
  private readonly table: HTMLElement;
  private readonly detail: HTMLElement;
  private open: string | null = null;
  private last: { k: Kernel; snap: Snapshot; changes: Changes; sel: Selection | null } | null = null;

  constructor(
    body: HTMLElement,
    tools: HTMLElement,
    private readonly ev: SlabEvents,
  ) {
    this.filter = h("input", {
      type: "search",
      placeholder: "filter caches",
      size: 14,
      "aria-label": "filter caches",
    });
    this.onlyUsed = h("input", { type: "checkbox", checked: false });
    const rerender = () =>
      this.last && this.update(this.last.k, this.last.snap, this.last.changes, this.last.sel);
    this.filter.addEventListener("input", rerender);
    this.onlyUsed.addEventListener("change", rerender);
    tools.append(this.filter, h("label", {}, this.onlyUsed, " with slabs only"));
    this.table = h("div", { class: "slab-table" });
    this.detail = h("div", { class: "slab-detail" });
    body.append(this.table, this.detail);
  }

  update(k: Kernel, snap: Snapshot, changes: Changes, sel: Selection | null): void {
    this.last = { k, snap, changes, sel };
    if (sel?.cache && sel.source.kind !== "cache") this.open = sel.cache;
    if (sel?.source.kind === "cache") this.open = sel.source.name;
    const f = this.filter.value.trim().toLowerCase();
    const rows = snap.caches
      .filter((c) => (!f || c.name.toLowerCase().includes(f)) && (!this.onlyUsed.checked || c.total > 0))
      .map((c) =>
        h(
          "tr",
          {
            class: `${changes.caches.has(c.name) ? "changed" : ""}${sel?.cache === c.name ? " selected" : ""}`,
            "data-cache": c.name,
            onclick: () => this.ev.selectCache(c.name),
          },
          h("td", { class: "name" }, c.name),
          h("td", {}, String(c.objsize)),
          h("td", {}, String(c.num)),
          h("td", {}, String(c.pagesPerSlab)),
          h(
            "td",
            { title: "colours x colour_off (next colour)" },
            `${c.colour} x ${c.colourOff} (${c.colourNext})`,
          ),
          h("td", {}, `${c.active}/${c.total}`),
          h("td", {}, `${c.full}/${c.partial}/${c.free}`),
          h("td", {}, String(c.cached)),
          h("td", {}, c.offSlab ? "off" : "on"),
        ),
      );
    replace(
      this.table,
      h(
        "table",
        { class: "slabs", "data-testid": "slab-table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "cache"),
            h("th", { title: "bytes per object (objsize)" }, "size"),
            h("th", { title: "objects per slab (num)" }, "objs"),
            h("th", { title: "pages per slab (2^gfporder)" }, "pages"),
            h("th", { title: "colour: number of colours x colour_off bytes (colour_next)" }, "colour"),
            h("th", { title: "active / total objects" }, "active/total"),
            h("th", { title: "slabs: full / partial / free" }, "slabs f/p/e"),
            h("th", { title: "objects held in per-CPU and shared array caches" }, "arrays"),
            h("th", { title: "struct slab on the slab or off it" }, "mgmt"),
          ),
        ),
        h("tbody", {}, ...rows),
      ),
    );
    this.drawDetail(k, snap, sel);
  }

  private drawDetail(k: Kernel, snap: Snapshot, sel: Selection | null): void {
    const c = snap.caches.find((x) => x.name === this.open);
    if (!c) {
      replace(this.detail, h("p", { class: "hint" }, "Click a cache to see its slabs and objects."));
      return;
    }
    const { slabs, more } = cacheSlabs(k, c.cache, 200);
    const bytes = c.pagesPerSlab * 4096;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(300, this.detail.clientWidth || 600);
    const barW = width - LABEL_W - 8;
    const canvas = h("canvas", { class: "slab-canvas", "data-testid": "slab-canvas" });
    const height = Math.max(1, slabs.length) * ROW + 4;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext("2d")!;
    ctx.scale(dpr, dpr);
    ctx.font = "10px ui-monospace, monospace";
    ctx.textBaseline = "middle";
    const mgmt = c.offSlab ? 0 : c.cache.slab_size;
    const xOf = (off: number) => LABEL_W + (off / bytes) * barW;
    slabs.forEach((s, i) => {
      const y = i * ROW + 1;
      ctx.fillStyle = "#333";
      ctx.fillText(`${s.list.padEnd(7)} ${hx(s.desc, 8)} c${s.colour}`, 2, y + ROW / 2 - 1);
      // colour offset: hatched
      const cx0 = xOf(0);
      const cx1 = xOf(s.colour);
      ctx.fillStyle = "#eee";
      ctx.fillRect(cx0, y, Math.max(0, cx1 - cx0), ROW - 2);
      ctx.strokeStyle = "#bbb";
      for (let x = cx0; x < cx1; x += 3) {
        ctx.beginPath();
        ctx.moveTo(x, y + ROW - 2);
        ctx.lineTo(Math.min(cx1, x + 3), y);
        ctx.stroke();
      }
      if (mgmt) {
        ctx.fillStyle = "#555";
        ctx.fillRect(xOf(s.colour), y, Math.max(1, xOf(s.colour + mgmt) - xOf(s.colour)), ROW - 2);
      }
      const base = s.s_mem - s.start;
      for (let j = 0; j < c.num; j++) {
        const x0 = xOf(base + j * c.objsize);
        const x1 = xOf(base + (j + 1) * c.objsize);
        ctx.fillStyle = OBJ_COLOUR[s.objects[j]!]!;
        ctx.fillRect(x0, y, Math.max(1, x1 - x0 - (x1 - x0 > 3 ? 1 : 0)), ROW - 2);
        if (sel?.object === s.s_mem + j * c.objsize) {
          ctx.strokeStyle = "#000";
          ctx.lineWidth = 2;
          ctx.strokeRect(x0 - 1, y - 1, x1 - x0 + 2, ROW);
          ctx.lineWidth = 1;
        }
      }
      if (sel?.pfns.has(s.firstPfn) && sel.source.kind === "frame") {
        ctx.strokeStyle = "#000";
        ctx.setLineDash([3, 2]);
        ctx.strokeRect(LABEL_W - 1, y - 1, barW + 2, ROW);
        ctx.setLineDash([]);
      }
    });
    const at = (e: MouseEvent): { slab: SlabDetail; index: number } | null => {
      const r = canvas.getBoundingClientRect();
      const i = Math.floor((e.clientY - r.top - 1) / ROW);
      const s = slabs[i];
      if (!s) return null;
      const off = ((e.clientX - r.left - LABEL_W) / barW) * bytes - (s.s_mem - s.start);
      const index = Math.floor(off / c.objsize);
      return index >= 0 && index < c.num ? { slab: s, index } : null;
    };
    canvas.addEventListener("mousemove", (e) => {
      const hit = at(e);
      if (!hit) {
        this.ev.hoverText(null, 0, 0);
        return;
      }
      const s = hit.slab;
      const addr = s.s_mem + hit.index * c.objsize;
      this.ev.hoverText(
        `object #${hit.index} at ${hx(addr, 8)} of "${c.name}" (${c.objsize} bytes): ${OBJ_NAME[s.objects[hit.index]!]}\n` +
          `struct slab ${hx(s.desc, 8)} on slabs_${s.list}: inuse ${s.inuse}/${c.num}, colouroff ${s.colouroff} (colour ${s.colour}), s_mem ${hx(s.s_mem, 8)}, first page pfn ${hx(s.firstPfn)}`,
        e.clientX,
        e.clientY,
      );
    });
    canvas.addEventListener("mouseleave", () => this.ev.hoverText(null, 0, 0));
    canvas.addEventListener("click", (e) => {
      const hit = at(e);
      if (hit) this.ev.selectObject(hit.slab.s_mem + hit.index * c.objsize);
    });
    const legend = h(
      "div",
      { class: "legend small" },
      h("span", { class: "sw hatch" }),
      "colour offset ",
      c.offSlab ? null : h("span", { class: "sw", style: "background:#555" }),
      c.offSlab ? "(struct slab off the slab) " : "struct slab + bufctl[] ",
      ...ObjState_LIST.map((st) =>
        h("span", {}, h("span", { class: "sw", style: `background:${OBJ_COLOUR[st]}` }), `${OBJ_NAME[st]} `),
      ),
    );
    replace(
      this.detail,
      h(
        "h3",
        {},
        `"${c.name}": ${slabs.length + more} slab${slabs.length + more === 1 ? "" : "s"} of ${c.pagesPerSlab} page${c.pagesPerSlab > 1 ? "s" : ""}, ${c.num} objects of ${c.objsize} bytes each; colours ${c.colour} x ${c.colourOff} bytes, next ${c.colourNext}`,
      ),
      legend,
      slabs.length
        ? canvas
        : h("p", { class: "hint" }, "No slabs: the cache has not grown yet (or was shrunk)."),
      more ? h("p", { class: "hint" }, `and ${more} more slabs`) : null,
    );
  }
}

const ObjState_LIST = [ObjState.FREE, ObjState.CACHED, ObjState.USED];
