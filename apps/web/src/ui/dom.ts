/*
 * dom.ts — the explorer's whole DOM toolkit: h() builds an element from a tag, attributes and
 * children (no framework: the heavy views draw on canvases, the rest are small tables rebuilt
 * after each step), and a few helpers.
 */

/** Attributes that are set as properties (their live value), not as HTML attributes. */
const PROPERTIES = new Set(["value", "checked", "disabled", "selected", "spellcheck"]);

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** `h("td", { class: "x", "data-order": 3, onclick: fn }, "text", child)`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (k === "class") el.className = String(v);
    else if (k === "style") el.setAttribute("style", String(v));
    else if (v === true) el.setAttribute(k, "");
    else if (PROPERTIES.has(k)) (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, String(v));
  }
  append(el, ...children);
  return el;
}

/** Append children (strings become text nodes; null/false are skipped). */
export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Replace an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** `0x` hex. */
export function hx(n: number, width = 0): string {
  return `0x${(n >>> 0).toString(16).padStart(width, "0")}`;
}

/** Bytes as the kernel prints sizes: 4 KiB, 8 MiB, 1.5 GiB. */
export function size(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}

/** A panel: a titled section with a toolbar slot and a body. */
export function panel(
  id: string,
  title: string,
  help: string,
): { root: HTMLElement; tools: HTMLElement; body: HTMLElement } {
  const tools = h("div", { class: "tools" });
  const body = h("div", { class: "body" });
  const root = h(
    "section",
    { class: "panel", id },
    h("header", {}, h("h2", {}, title), h("span", { class: "help", title: help }, "?"), tools),
    body,
  );
  return { root, tools, body };
}
