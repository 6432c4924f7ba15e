// The translate benchmarks again, on the built package (dist/) in plain Node, outside the test
// runner's module transform, with the RAM word accesses. Run after `pnpm exec tsc -b packages/hw-i386`:
//   node packages/hw-i386/bench/plain-node.mjs 2level   (or: pae)   [DIST_DIR]
// One mode per process, so the JIT sees one mode only. Prints the median over 15 rounds of ns per
// translation or access (1024 per call). DIST_DIR (default: this package's dist/) compares two
// builds: a copy of dist/ made before a change against dist/ after it, alternated, one per process.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = path.resolve(
  process.argv[3] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../dist"),
);
const hw = await import(pathToFileURL(path.join(dist, "index.js")).href);

function setup(pae) {
  const m = new hw.Machine({ memBytes: 256 << 20, pae });
  let next = 0x100000;
  const alloc = () => {
    const pa = next;
    next += 4096;
    return pa;
  };
  for (let i = 0; i < 1024; i++)
    hw.set_pte_at(m, 0x9000, 0xc1000000 + i * 4096, hw.pfn_pte(0x2000 + i, hw.PAGE_KERNEL_EXEC), alloc);
  const cpu = m.cpus[0];
  hw.write_cr3(cpu, 0x9000);
  for (let i = 0; i < 1024; i++) hw.translate_raw(m, cpu, 0xc1000000 + i * 4096, hw.PF_WRITE);
  return { m, cpu };
}

let sink = 0;
function measure(f) {
  for (let k = 0; k < 3000; k++) f();
  const rounds = [];
  for (let r = 0; r < 15; r++) {
    const n = 2000;
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) f();
    rounds.push(Number(process.hrtime.bigint() - t0) / n / 1024);
  }
  rounds.sort((a, b) => a - b);
  return rounds[7].toFixed(1);
}

for (const pae of [process.argv[2] === "pae"]) {
  const { m, cpu } = setup(pae);
  const hit = () => {
    for (let i = 0; i < 1024; i++) sink = (sink + hw.translate_raw(m, cpu, 0xc1000000 + i * 4096 + 8, 0)) | 0;
  };
  const miss = () => {
    const tlb = cpu.tlb;
    for (let i = 0; i < 1024; i++) {
      const va = 0xc1000000 + i * 4096;
      tlb.drop(va >>> 12);
      sink = (sink + hw.translate_raw(m, cpu, va + 8, 0)) | 0;
    }
  };
  const ram = m.ram;
  for (let i = 0; i < 1024; i++) ram.write32(0x4000000 + i * 4096, i);
  const read = () => {
    for (let i = 0; i < 1024; i++) sink = (sink + ram.read32(0x4000000 + i * 4096)) | 0;
  };
  const readUnbacked = () => {
    for (let i = 0; i < 1024; i++) sink = (sink + ram.read32(0x8000000 + i * 4096)) | 0;
  };
  const write = () => {
    for (let i = 0; i < 1024; i++) ram.write32(0x4000000 + i * 4096 + 4, i);
  };
  console.log(`${pae ? "PAE    " : "2-level"}  TLB hit ${measure(hit)} ns   TLB miss ${measure(miss)} ns`);
  console.log(
    `RAM read32 backed ${measure(read)} ns   read32 never written ${measure(readUnbacked)} ns   write32 ${measure(write)} ns`,
  );
}
if (sink === 1) console.log("");
