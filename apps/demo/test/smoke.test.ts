import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

describe("smoke", () => {
  it("boots", async () => {
    const r = await runCli(["boot"]);
    console.log(r.all);
    expect(r.code).toBe(0);
  });
  it("runs", async () => {
    const r = await runCli(
      ["run", "-"],
      "p = alloc_pages(GFP_KERNEL, 3)\n__free_pages(p, 3)\nx = kmalloc(33, GFP_KERNEL)\nksize(x)\nk = kmap(alloc_page(GFP_HIGHUSER))\ntranslate PAGE_OFFSET\ntranslate PAGE_OFFSET\ncat /proc/buddyinfo\ncheck\nfoo(1)\n__free_pages(p, 3)\n",
    );
    console.log(r.all);
  });
});
