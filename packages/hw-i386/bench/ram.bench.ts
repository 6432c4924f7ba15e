// Physical RAM word access (x1024 per call): backed frames low and at 60 GiB, unbacked frames.
import { bench, describe } from "vitest";
import { Machine } from "../src/machine.js";

const BATCH = 1024;
const m = new Machine({ memBytes: 64 * 2 ** 30, pae: true });
const LOW = 0x200000;
const HIGH = 60 * 2 ** 30;
// back 1024 frames at each place, 2 MiB apart (one frame per chunk: the sparse case)
for (let i = 0; i < BATCH; i++) {
  m.ram.write32(LOW + i * 4096, i);
  m.ram.write32(HIGH + i * 2 * 2 ** 20, i);
}
let sink = 0;

describe(`PhysicalMemory (x${BATCH} per call)`, () => {
  bench("read32, backed frames below 4 GiB", () => {
    for (let i = 0; i < BATCH; i++) sink = (sink + m.ram.read32(LOW + i * 4096)) | 0;
  });
  bench("read32, backed frames at 60 GiB, one per 2 MiB chunk", () => {
    for (let i = 0; i < BATCH; i++) sink = (sink + m.ram.read32(HIGH + i * 2 * 2 ** 20)) | 0;
  });
  bench("read32, never-written frames", () => {
    for (let i = 0; i < BATCH; i++) sink = (sink + m.ram.read32(0x10000000 + i * 4096)) | 0;
  });
  bench("write32, backed frames", () => {
    for (let i = 0; i < BATCH; i++) m.ram.write32(LOW + i * 4096 + 4, i);
  });
});
if (sink === -1) console.log(sink);
