/*
 * buddy-view.ts — each zone's free_area[0..10] (mm/page_alloc.c): free blocks per order as
 * /proc/buddyinfo counts them, with a bar per order for the pages they hold, the zone's free pages
 * and watermarks, and the per-CPU hot/cold list lengths. A cell the last step changed shows its
 * difference (+1, -1); clicking a cell selects every block on that list.
 */

import { MAX_ORDER } from "@i386mm/page-alloc";
import { Owner, ownerCss } from "../model/owners.js";
import type { Selection } from "../model/selection.js";
import type { Changes, Snapshot } from "../model/snapshot.js";
import { h, replace, size } from "./dom.js";

export interface BuddyEvents {
  selectOrder(zone: string, order: number): void;
  hoverText(text: string | null, x: number, y: number): void;
}

export class BuddyView {
  constructor(
    private readonly body: HTMLElement,
    private readonly ev: BuddyEvents,
  ) {}

  update(snap: Snapshot, changes: Changes, sel: Selection | null): void {
    const head = h(
      "tr",
      {},
      h("th", {}, "zone"),
      ...Array.from({ length: MAX_ORDER }, (_, o) =>
        h("th", { title: `order ${o}: blocks of ${1 << o} pages (${size(4096 << o)})` }, String(o)),
      ),
      h("th", { title: "free_pages: pages in the buddy lists" }, "free"),
      h("th", { title: "pages_min / pages_low / pages_high" }, "min/low/high"),
      h(
        "th",
        { title: "per-CPU lists: hot + cold pages per CPU (zone->pageset[cpu].pcp)" },
        "per-CPU hot+cold",
      ),
    );
    const rows = snap.zones.map((z) => {
      const maxPages = Math.max(1, ...z.nr_free.map((n, o) => n << o));
      const cells = z.nr_free.map((n, o) => {
        const key = `${z.key}/${o}`;
        const d = changes.buddy.get(key);
        const pct = Math.round((100 * (n << o)) / maxPages);
        const cell = h(
          "td",
          {
            class: `order${d !== undefined ? " changed" : ""}${sel?.zoneOrder === key ? " selected" : ""}`,
            "data-zone": z.name,
            "data-node": z.node,
            "data-order": o,
            "data-count": n,
            onclick: () => this.ev.selectOrder(z.key, o),
          },
          h("span", { class: "count" }, String(n)),
          d !== undefined ? h("sup", { class: d > 0 ? "up" : "down" }, d > 0 ? `+${d}` : String(d)) : null,
          h("div", { class: "bar", style: `width:${pct}%;background:${ownerCss(Owner.FREE, o)}` }),
        );
        cell.addEventListener("mousemove", (e) =>
          this.ev.hoverText(
            `${z.name} free_area[${o}]: ${n} free block${n === 1 ? "" : "s"} of ${1 << o} page${o ? "s" : ""} (${size(4096 << o)}) = ${n << o} pages, ${size((n << o) * 4096)}${d !== undefined ? `; last step ${d > 0 ? "+" : ""}${d}` : ""}. Click: select every block on the list.`,
            e.clientX,
            e.clientY,
          ),
        );
        cell.addEventListener("mouseleave", () => this.ev.hoverText(null, 0, 0));
        return cell;
      });
      const pcpChanged = z.pcp.some((_, cpu) => changes.buddy.has(`${z.key}/pcp${cpu}`));
      return h(
        "tr",
        { "data-zone-row": z.key },
        h(
          "th",
          { class: "zone" },
          z.name,
          snap.zones.some((x) => x.node !== 0) ? h("small", {}, ` node ${z.node}`) : null,
        ),
        ...cells,
        h("td", { class: "free", "data-free-pages": z.free_pages }, String(z.free_pages)),
        h("td", { class: "wmark" }, `${z.pages_min}/${z.pages_low}/${z.pages_high}`),
        h(
          "td",
          { class: `pcp${pcpChanged ? " changed" : ""}` },
          z.pcp.map(([hot, cold], cpu) => `cpu${cpu} ${hot}+${cold}`).join(", "),
        ),
      );
    });
    replace(
      this.body,
      h(
        "table",
        { class: "buddy", "data-testid": "buddy-table" },
        h("thead", {}, head),
        h("tbody", {}, ...rows),
      ),
    );
  }
}
