// Seeded kmalloc/kfree trace for benchmarks: lines "a ID BYTES" (kmalloc BYTES, remember the object
// as ID) and "f ID" (kfree it), in bench/page-trace.mjs's format. Usage:
//   node kmalloc-trace.mjs OPS SEED [LIVE] > trace.txt
// Sizes 8..8192 drawn like a kernel's kmalloc calls: mostly small (82 % at most 256 bytes), a tail of
// buffers up to two pages; each class is uniform in its range (so requests fall between the
// kmalloc caches' sizes, as real ones do). Lifetimes: most objects are short-lived (freed among the
// last 32 allocated: request buffers, temporary strings), the rest live long (a random live
// object is freed); the live set hovers around LIVE objects (default 2000). Every object is freed
// at the end, so a replay starts and ends with nothing allocated.
const [ops = 1000000, seed = 1, target = 2000] = process.argv.slice(2).map(Number);
let s = seed >>> 0 || 1;
const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 4294967296;
// [cumulative weight, smallest, largest]
const CLASSES = [
  [0.2, 8, 16],
  [0.38, 17, 32],
  [0.55, 33, 64],
  [0.7, 65, 128],
  [0.82, 129, 256],
  [0.9, 257, 512],
  [0.95, 513, 1024],
  [0.98, 1025, 2048],
  [0.995, 2049, 4096],
  [1, 4097, 8192],
];
const pickSize = () => {
  const r = rnd();
  let c = 0;
  while (r >= CLASSES[c][0]) c++;
  const [, lo, hi] = CLASSES[c];
  return lo + Math.floor(rnd() * (hi - lo + 1));
};
const live = [];
let next = 0;
const out = [];
for (let i = 0; i < ops; i++) {
  const p = live.length / target; // below the target: mostly allocate; above: mostly free
  if (live.length && rnd() < Math.min(0.95, 0.5 * p)) {
    const n = live.length;
    const j = rnd() < 0.7 ? n - 1 - Math.floor(rnd() * Math.min(32, n)) : Math.floor(rnd() * n);
    out.push(`f ${live[j]}`);
    live[j] = live[n - 1];
    live.pop();
  } else {
    out.push(`a ${next} ${pickSize()}`);
    live.push(next++);
  }
}
for (const id of live) out.push(`f ${id}`);
process.stdout.write(`${out.join("\n")}\n`);
