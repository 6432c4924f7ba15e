// Seeded page-allocation trace for benchmarks: lines "a ID ORDER" (allocate a block of 2^ORDER pages, remember it as ID)
// and "f ID" (free it). Usage: node page-trace.mjs FRAMES OPS SEED > trace.txt
const [frames = 262144, ops = 1000000, seed = 1] = process.argv.slice(2).map(Number);
let s = seed >>> 0 || 1;
const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296;
const pickOrder = () => {
  const r = rnd();
  return r < 0.85
    ? 0
    : r < 0.93
      ? 1
      : r < 0.97
        ? 2
        : r < 0.99
          ? 3
          : r < 0.997
            ? 4 + Math.floor(rnd() * 3)
            : 7 + Math.floor(rnd() * 4);
};
const live = [];
let used = 0,
  next = 0;
const out = [];
for (let i = 0; i < ops; i++) {
  const fill = used / frames;
  if (live.length && (rnd() < 0.5 + (fill - 0.5) * 2 || fill > 0.8)) {
    const j = Math.floor(rnd() * live.length);
    const [id, o] = live[j];
    live[j] = live[live.length - 1];
    live.pop();
    used -= 1 << o;
    out.push(`f ${id}`);
  } else {
    const o = pickOrder();
    live.push([next, o]);
    used += 1 << o;
    out.push(`a ${next++} ${o}`);
  }
}
for (const [id] of live) out.push(`f ${id}`);
process.stdout.write(`${out.join("\n")}\n`);
