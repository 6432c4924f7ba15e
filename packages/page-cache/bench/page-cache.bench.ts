/*
 * The page cache's costs on a booted 1 GiB, 1-CPU, non-PAE machine: cached read throughput of an
 * ext2 file, a cold read of a 16 MiB ext2 file (caches dropped first: every page allocated, read
 * by an mpage bio from the disk and copied out through kmap_atomic), and buffer lookups
 * (__find_get_block through the per-CPU LRU, and past it). Images are made with mke2fs (e2fsprogs)
 * when the bench starts. Figures go in the README's table.
 */

import { readFileSync } from "node:fs";
import { missingTool } from "@i386mm/fixtures";
import { Machine } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "@i386mm/slab";
import { bench, describe } from "vitest";
// The built package, loaded natively (see the root vitest.project.ts): what a user's program runs.
import { ByteArrayBackend, IS_ERR, O_RDONLY, PageCache } from "../dist/index.js";
import { lcg } from "../test/fixtures/image-spec.mjs";
import { findTool, mkImage } from "../test/fixtures/make-image.mjs";

const MiB = 1024 * 1024;
const haveMkfs = findTool("mke2fs") !== null;
if (!haveMkfs) missingTool("mke2fs (e2fsprogs)", "apt-get install e2fsprogs");

function setup(image: Uint8Array) {
  const machine = new Machine({ memBytes: 1024 * MiB });
  const pa = new PageAllocator(machine);
  const pc = new PageCache(new SlabAllocator(pa), new Kmap(pa));
  pc.add_disk("hda", new ByteArrayBackend(image));
  pc.sys_mkdir("/mnt");
  if (pc.sys_mount("/dev/hda", "/mnt", "ext2", 1 /* MS_RDONLY */)) throw new Error("mount");
  return pc;
}

describe.skipIf(!haveMkfs)("ext2 reads", () => {
  const data = { one: lcg(MiB, 1), big: lcg(16 * MiB, 2) };
  const img = haveMkfs
    ? new Uint8Array(
        readFileSync(
          mkImage(
            [
              { path: "one", data: data.one },
              { path: "big", data: data.big },
            ],
            { blockSize: 4096, sizeBytes: 24 * MiB },
          ),
        ),
      )
    : new Uint8Array(0);
  const pc = haveMkfs ? setup(img) : (null as unknown as PageCache);
  const open = (name: "one" | "big") => {
    const f = pc.filp_open(`/mnt/${name}`, O_RDONLY);
    if (IS_ERR(f)) throw new Error(`open /mnt/${name}: ${f}`);
    return f;
  };
  const one = haveMkfs ? open("one") : (null as unknown as ReturnType<typeof open>);
  const big = haveMkfs ? open("big") : (null as unknown as ReturnType<typeof open>);
  const buf = new Uint8Array(16 * MiB);
  // warm the cache, and check once that the bytes read are the file's
  if (haveMkfs) {
    if (pc.sys_pread64(one, buf, MiB, 0) !== MiB) throw new Error("short read");
    if (Buffer.compare(buf.subarray(0, MiB), data.one) !== 0) throw new Error("/mnt/one read wrong bytes");
  }
  bench("cached read of a 1 MiB file (256 page-cache hits, kmap_atomic copies)", () => {
    if (pc.sys_pread64(one, buf, MiB, 0) !== MiB) throw new Error("short read");
  });
  bench(
    "cold read of a 16 MiB file (caches dropped: 4096 pages allocated, read by mpage bios, copied)",
    () => {
      pc.invalidate_mapping_pages(big.f_mapping, 0, 0xffffffff);
      for (const b of pc.all_bdevs) pc.invalidate_bdev(b);
      if (pc.sys_pread64(big, buf, 16 * MiB, 0) !== 16 * MiB) throw new Error("short read");
    },
    { time: 3000, iterations: 5 },
  );
});

describe("buffer lookups (__find_get_block)", () => {
  const image = lcg(8 * MiB, 3);
  const machine = new Machine({ memBytes: 1024 * MiB });
  const pa = new PageAllocator(machine);
  const pc = new PageCache(new SlabAllocator(pa), new Kmap(pa));
  const disk = pc.add_disk("hda", new ByteArrayBackend(image));
  if (IS_ERR(disk)) throw new Error("add_disk");
  const bdev = pc.bdget((disk.major << 8) | disk.first_minor);
  if (!bdev) throw new Error("bdget");
  pc.blkdev_get(bdev, 1);
  pc.set_blocksize(bdev, 1024);
  for (let b = 0; b < 4096; b++) pc.brelse(pc.__bread(bdev, b, 1024)); // 1024 pages, 4 buffers each
  bench("LRU hit (the same block again)", () => {
    pc.brelse(pc.__find_get_block(bdev, 100, 1024));
  });
  let i = 0;
  bench("LRU miss (4096 blocks in turn: radix lookup + b_this_page walk + LRU install)", () => {
    pc.brelse(pc.__find_get_block(bdev, i, 1024));
    i = (i + 1) & 4095;
  });
});
