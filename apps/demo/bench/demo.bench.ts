/*
 * What a user waits for: booting the composed kernel, parsing scenario text, and the
 * interpreter's cost per kernel call on top of the layers (alloc/free pairs, kmalloc/kfree,
 * translate), plus a whole shipped scenario through main().
 */
import { bench, describe } from "vitest";
// The built package, loaded natively (see the root vitest.project.ts): what `i386mm` runs.
import { bootKernel, Interpreter, parseScenario } from "../dist/index.js";
import { main } from "../dist/node.js";

const io = { out: () => {}, err: () => {}, cwd: process.cwd() };

// Each boot allocates a machine's mem_map and page tables: few iterations keep the heap small.
const BOOT = { time: 300, iterations: 5, warmupIterations: 1 };
describe("bootKernel", () => {
  bench(
    "boot 128M",
    () => {
      bootKernel({ memBytes: 128 << 20 });
    },
    BOOT,
  );
  bench(
    "boot 1G",
    () => {
      bootKernel({ memBytes: 1 << 30 });
    },
    BOOT,
  );
  bench(
    "boot 2G PAE",
    () => {
      bootKernel({ memBytes: 2 ** 31, pae: true });
    },
    BOOT,
  );
});

const ALLOC_FREE = Array.from(
  { length: 500 },
  (_, i) => `p${i % 8} = alloc_pages(GFP_KERNEL, ${i % 4})\n__free_pages(p${i % 8}, ${i % 4})`,
).join("\n");
const KMALLOC = Array.from(
  { length: 500 },
  (_, i) => `x = kmalloc(${((i * 37) % 4000) + 1}, GFP_KERNEL)\nkfree(x)`,
).join("\n");

describe("scenario language", () => {
  bench("parse 1000 statements", () => {
    parseScenario(ALLOC_FREE);
  });
  const k = bootKernel({ memBytes: 1 << 30 });
  bench("run 1000 alloc_pages/__free_pages statements", () => {
    new Interpreter(k).runScript(ALLOC_FREE);
  });
  bench("run 1000 kmalloc/kfree statements", () => {
    new Interpreter(k).runScript(KMALLOC);
  });
  bench("run 1000 translate statements (TLB hits)", () => {
    new Interpreter(k).runScript("for (i = 0; i < 1000; i++) translate PAGE_OFFSET + 0x1000");
  });
});

describe("CLI", () => {
  bench("main(run kmalloc-sizes) incl. boot", async () => {
    await main(["run", "kmalloc-sizes"], io);
  });
  bench("main(boot) 1G", async () => {
    await main(["boot"], io);
  });
});
