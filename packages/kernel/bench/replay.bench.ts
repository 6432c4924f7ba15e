// Replay speed on the shipped real trace (fixtures/traces/686-128M-A.trace.gz, 406,935 events):
// the event loop through the model's kernel API, on a freshly booted 128 MiB machine each time,
// plotting off (every: the default ~20 samples). Parsing is measured on its own. One bench call =
// one whole replay, so events/s = 406,935 x the printed hz. Target (issue #16): >= 2,000,000 events/s.
import { readFileSync } from "node:fs";
import { KMEM_TRACE } from "@i386mm/fixtures";
import { afterAll, bench, describe } from "vitest";
// The built package, loaded natively (see the root vitest.project.ts): what a user's program runs.
import { boot, type Kernel, parseTrace, Replay } from "../dist/index.js";
import { traceBytes } from "../dist/node.js";

const raw = readFileSync(KMEM_TRACE);
const text = traceBytes(raw);
const trace = parseTrace(text);
const RUNS = 12;
// Boot the machines up front: a replay must start from a fresh boot, and booting is not replaying.
const pool: Kernel[] = Array.from({ length: RUNS + 2 }, () => boot({ mem: "128M" }));
const rates: number[] = [];

describe(`replay of 686-128M-A.trace.gz (${trace.n.toLocaleString("en-US")} events), 128 MiB, plotting off`, () => {
  bench(
    "replay (event loop, kernel API calls, fragmentation samples)",
    () => {
      const rp = new Replay(pool.pop() ?? boot({ mem: "128M" }), trace).run();
      rates.push(rp.eventsPerSecond);
    },
    { time: 0, iterations: RUNS - 2, warmupTime: 0, warmupIterations: 2 },
  );
  bench(
    "gunzip + parse (for scale; not part of the replay figure)",
    () => {
      parseTrace(traceBytes(raw));
    },
    { time: 0, iterations: 3, warmupTime: 0, warmupIterations: 1 },
  );
});

afterAll(() => {
  if (!rates.length) return;
  const sorted = [...rates].sort((a, b) => b - a);
  const fmt = (v: number) => `${(v / 1e6).toFixed(2)}M`;
  console.log(
    `replay events/s over ${rates.length} runs: best ${fmt(sorted[0]!)}, median ${fmt(sorted[Math.floor(sorted.length / 2)]!)}`,
  );
});
