import { readFileSync } from "node:fs";
import { it } from "vitest";
import { runCli } from "./helpers.js";

it("runs", async () => {
  const r = await runCli(["run", "-"], readFileSync(process.env.SMOKE ?? "/tmp/t1.mm", "utf8"));
  console.log(r.all);
});
