/*
 * Writes to ext2 and their write-back: images built with Debian's mke2fs at test time (1 KiB and
 * 4 KiB blocks), overwritten through the page cache, synced, then checked by e2fsck -fn and
 * debugfs -R "cat". Without e2fsprogs these tests are skipped with a notice (under .ci/run, which installs it, they fail instead); the committed image's
 * write test below still runs (read back by a fresh mount instead of debugfs).
 */
import { readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { missingTool } from "@i386mm/fixtures";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IS_ERR } from "../src/err.js";
import { ext2_get_inode } from "../src/ext2/inode.js";
import { type address_space, O_RDWR } from "../src/fs.js";
import { checkPageCacheInvariants } from "../src/invariants.js";
import { FileBackend } from "../src/node.js";
import { debugfsCat, e2fsck, mountBytes, mountDisk, smallImageBytes, tools } from "./ext2-helpers.js";
import { entryBytes, type ImageEntry, lcg } from "./fixtures/image-spec.mjs";
import { mkImage } from "./fixtures/make-image.mjs";

const have = tools.mke2fs !== null && tools.e2fsck !== null && tools.debugfs !== null;
if (!have) missingTool("e2fsprogs (mke2fs, e2fsck, debugfs)", "apt-get install e2fsprogs");

function spec(seed: number): ImageEntry[] {
  return [
    { path: "a.txt", data: lcg(700, seed) },
    { path: "sub/indirect.bin", data: lcg(60 * 1024 + 123, seed + 1) },
    { path: "sub/double.bin", data: lcg(300 * 1024 + 7, seed + 2) },
    {
      path: "holes",
      size: 200 * 1024,
      pieces: [
        { offset: 0, data: lcg(5000, seed + 3) },
        { offset: 150 * 1024, data: lcg(9000, seed + 4) },
      ],
    },
  ];
}

/** Write `bytes` at `pos` of `path` through the page cache; returns the result of pwrite. */
function pwrite(
  pc: ReturnType<typeof mountDisk>["pc"],
  path: string,
  pos: number,
  bytes: Uint8Array,
): number {
  const f = pc.filp_open(path, O_RDWR);
  if (IS_ERR(f)) throw new Error(`open ${path}: ${f}`);
  const n = pc.sys_pwrite64(f, bytes, bytes.length, pos);
  pc.fput(f);
  return n;
}

describe.skipIf(!have)("ext2 write-back checked by e2fsprogs", () => {
  for (const blockSize of [1024, 4096]) {
    it(`${blockSize}-byte blocks: overwritten bytes reach the image; e2fsck -fn is clean; debugfs prints them`, () => {
      const img = mkImage(spec(blockSize), { blockSize, sizeBytes: 4 * 1024 * 1024 });
      const backend = new FileBackend(img);
      const { pc, err, machine } = mountDisk(backend, 0, { memBytes: 1024 * 1024 * 1024 });
      expect(err).toBe(0);
      const want = new Map(spec(blockSize).map((e) => [e.path, entryBytes(e).slice()]));
      const edits: [string, number, number][] = [
        ["a.txt", 100, 300],
        ["sub/indirect.bin", 12 * 1024 - 50, 5000], // crosses into the indirect range
        ["sub/double.bin", 268 * 1024 - 10, 9000], // crosses into the double-indirect range
        ["holes", 1000, 2000],
        ["holes", 150 * 1024 + 10, 4000],
      ];
      let seed = 99;
      for (const [path, pos, len] of edits) {
        const bytes = lcg(len, seed++);
        expect(pwrite(pc, `/mnt/${path}`, pos, bytes)).toBe(len);
        want.get(path)?.set(bytes, pos);
      }
      checkPageCacheInvariants(pc);
      // nothing reached the image before sync
      expect(Buffer.from(debugfsCat(img, "/a.txt")).equals(Buffer.from(entryBytes(spec(blockSize)[0])))).toBe(
        true,
      );
      expect(pc.sys_sync()).toBe(0);
      checkPageCacheInvariants(pc);
      const fsck = e2fsck(img);
      expect(fsck.status, fsck.out).toBe(0);
      for (const [path, bytes] of want)
        expect(Buffer.from(debugfsCat(img, `/${path}`)).equals(Buffer.from(bytes)), path).toBe(true);
      // a clean umount leaves the state valid again
      expect(pc.sys_umount("/mnt")).toBe(0);
      expect(e2fsck(img).status).toBe(0);
      expect(machine.dmesg.filter((l) => l.includes("EXT2-fs error"))).toEqual([]);
      backend.close();
      rmSync(dirname(img), { recursive: true, force: true });
    });
  }

  it("random overwrites against a plain copy, with syncs and evictions (fast-check, seed 1205)", () => {
    const img = mkImage(spec(7), { blockSize: 1024, sizeBytes: 4 * 1024 * 1024 });
    const backend = new FileBackend(img);
    const { pc, err } = mountDisk(backend, 0, { memBytes: 1024 * 1024 * 1024 });
    expect(err).toBe(0);
    const file = "/mnt/sub/double.bin";
    const model = entryBytes(spec(7)[2]).slice();
    const size = model.length;
    const f = pc.filp_open(file, O_RDWR);
    if (IS_ERR(f)) throw new Error("open");
    // The expected image: what is on disk now, with every write applied at the blocks bmap names.
    const expected = new Uint8Array(readFileSync(img));
    const bs = 1024;
    const bmap = pc.ext2.ext2_aops.bmap as (m: address_space, b: number) => number;
    const devOffset = (pos: number) => bmap(f.f_mapping, Math.floor(pos / bs)) * bs + (pos % bs);
    // Bytes allowed to differ: the superblock (s_wtime, free counts) and the file's raw inode (times).
    const raw = ext2_get_inode(pc.ext2, f.f_dentry.d_inode!.i_sb, f.f_dentry.d_inode!.i_ino);
    if (IS_ERR(raw)) throw new Error("raw inode");
    const inodeAt = raw.bh.b_blocknr * bs + raw.off;
    pc.brelse(raw.bh);
    const allowed = (i: number) => (i >= 1024 && i < 2048) || (i >= inodeAt && i < inodeAt + 128);
    const cmd = fc.oneof(
      fc.record({
        op: fc.constant("read" as const),
        pos: fc.nat(size - 1),
        len: fc.integer({ min: 1, max: 20000 }),
      }),
      fc.record({
        op: fc.constant("write" as const),
        pos: fc.nat(size - 1),
        len: fc.integer({ min: 1, max: 9000 }),
        seed: fc.nat(),
      }),
      fc.record({ op: fc.constant("sync" as const) }),
      fc.record({ op: fc.constant("evict" as const) }),
    );
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 5, maxLength: 25 }), (cmds) => {
        for (const c of cmds) {
          if (c.op === "read") {
            const buf = new Uint8Array(c.len);
            const n = pc.sys_pread64(f, buf, c.len, c.pos);
            expect(n).toBe(Math.min(c.len, size - c.pos));
            expect(
              Buffer.from(buf.subarray(0, n)).equals(Buffer.from(model.subarray(c.pos, c.pos + n))),
            ).toBe(true);
          } else if (c.op === "write") {
            const len = Math.min(c.len, size - c.pos);
            const bytes = lcg(len, c.seed);
            expect(pc.sys_pwrite64(f, bytes, len, c.pos)).toBe(len);
            model.set(bytes, c.pos);
            for (let i = 0; i < len; i++) expected[devOffset(c.pos + i)] = bytes[i];
          } else if (c.op === "sync") {
            pc.sys_sync();
            const disk = readFileSync(img);
            let diff = -1;
            for (let i = 0; i < disk.length && diff < 0; i++)
              if (disk[i] !== expected[i] && !allowed(i)) diff = i;
            expect(diff, `image differs at byte ${diff}`).toBe(-1);
          } else {
            pc.invalidate_mapping_pages(f.f_mapping, 0, 0xffffffff);
            for (const b of pc.all_bdevs) pc.invalidate_bdev(b);
          }
          checkPageCacheInvariants(pc);
        }
      }),
      { seed: 1205, numRuns: 12 },
    );
    pc.fput(f);
    pc.sys_sync();
    expect(e2fsck(img).status).toBe(0);
    expect(Buffer.from(debugfsCat(img, "/sub/double.bin")).equals(Buffer.from(model))).toBe(true);
    backend.close();
    rmSync(dirname(img), { recursive: true, force: true });
  });
});

describe("ext2 writes on the committed image (no e2fsprogs needed)", () => {
  it("overwrites bytes in a double-indirect file; after sync a fresh mount of the image reads them", () => {
    const { pc, backend } = mountBytes(smallImageBytes(), 0, { memBytes: 1024 * 1024 * 1024 });
    const path = "/mnt/dir/nested/file.bin";
    const want = lcg(280 * 1024, 11);
    const bytes = lcg(20000, 5);
    expect(pwrite(pc, path, 260 * 1024, bytes)).toBe(20000);
    want.set(bytes, 260 * 1024);
    checkPageCacheInvariants(pc);
    expect(pc.sys_sync()).toBe(0);
    checkPageCacheInvariants(pc);
    const again = mountBytes(backend.bytes, 0);
    const got = again.pc.readFile(path);
    expect(IS_ERR(got) ? got : Buffer.from(got).equals(Buffer.from(want))).toBe(true);
  });
});
