/*
 * main.ts — the page's entry: the lab sheets and the disk image from the build (virtual modules
 * made by vite.config.ts), the App, and `window.i386mm` for the end-to-end test and the console.
 */

import { ext2Url, hostUrls, userlandUrls } from "virtual:i386mm-assets";

const scriptStart = performance.now();

import sheets from "virtual:i386mm-lab-sheets";
import { App } from "./ui/app.js";
import "./style.css";

const app = new App(document.getElementById("app")!, {
  sheets,
  async loadImage() {
    const r = await fetch(ext2Url);
    if (!r.ok) throw new Error(`${ext2Url}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  },
  userlandPaths: Object.keys(userlandUrls),
  async loadFiles() {
    const fetchAll = async (urls: Readonly<Record<string, string>>) =>
      new Map(
        await Promise.all(
          Object.entries(urls).map(async ([p, url]) => {
            const r = await fetch(url);
            if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
            return [p, new Uint8Array(await r.arrayBuffer())] as const;
          }),
        ),
      );
    return { userland: await fetchAll(userlandUrls), host: await fetchAll(hostUrls) };
  },
});
app.timings.script = scriptStart;
app.timings.constructed = performance.now();
(window as unknown as { i386mm: App }).i386mm = app;
app.start(new URLSearchParams(location.search));
