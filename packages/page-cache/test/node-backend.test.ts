/* The host-file disk backend (@i386mm/page-cache/node) and the block layer's limits on it. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Errno } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { BH_Uptodate } from "../src/buffer.js";
import { IS_ERR, PTR_ERR } from "../src/err.js";
import { O_RDWR, O_WRONLY } from "../src/fs.js";
import { checkPageCacheInvariants } from "../src/invariants.js";
import { FileBackend } from "../src/node.js";
import { PageCache } from "../src/page-cache.js";
import { boot, bytesOf } from "./helpers.js";

function imageFile(size: number, seed: number): { path: string; bytes: Uint8Array } {
  const path = join(mkdtempSync(join(tmpdir(), "i386mm-disk-")), "disk.img");
  const bytes = bytesOf(size, seed);
  writeFileSync(path, bytes);
  return { path, bytes };
}

describe("a disk image file on the host (FileBackend)", () => {
  it("raw writes through /dev/hda reach the file at sync (positioned writes, then fsync)", () => {
    const { path, bytes } = imageFile(128 * 1024 + 300, 5); // a trailing partial sector is not addressable
    const backend = new FileBackend(path);
    expect(backend.size).toBe(128 * 1024);
    const { pc } = boot({ memBytes: 64 * 1024 * 1024 });
    const disk = pc.add_disk("hda", backend);
    if (IS_ERR(disk)) throw new Error("add_disk");
    expect(disk.capacity).toBe(256);
    const f = pc.filp_open("/dev/hda", O_RDWR);
    if (IS_ERR(f)) throw new Error("open");
    const data = bytesOf(10000, 6);
    expect(pc.sys_pwrite64(f, data, 10000, 70000)).toBe(10000);
    expect(
      Buffer.from(readFileSync(path).subarray(70000, 80000)).equals(
        Buffer.from(bytes.subarray(70000, 80000)),
      ),
    ).toBe(true);
    expect(pc.sys_sync()).toBe(0);
    const after = readFileSync(path);
    expect(Buffer.from(after.subarray(70000, 80000)).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(after.subarray(0, 70000)).equals(Buffer.from(bytes.subarray(0, 70000)))).toBe(true);
    expect(after.length).toBe(bytes.length);
    expect(pc.diskstats()).toMatch(/^ {3}3 {4}0 hda \d+ 0 \d+ 0 \d+ 0 \d+ 0 0 0 0\n$/);
    pc.fput(f);
    checkPageCacheInvariants(pc);
    backend.close();
    rmSync(dirname(path), { recursive: true, force: true });
  });

  it("a read-only image refuses write opens; a buffer past the end of the disk fails its write with -EIO", () => {
    const { path, bytes } = imageFile(64 * 1024, 7);
    const ro = new FileBackend(path, { readOnly: true });
    const { pc, machine } = boot({ memBytes: 64 * 1024 * 1024 });
    const disk = pc.add_disk("hda", ro);
    if (IS_ERR(disk)) throw new Error("add_disk");
    expect(PTR_ERR(pc.filp_open("/dev/hda", O_WRONLY) as never)).toBe(-Errno.EACCES);
    const bdev = pc.bdget(0x300);
    if (!bdev) throw new Error("bdget");
    expect(pc.blkdev_get(bdev, 1)).toBe(0);
    expect(pc.set_blocksize(bdev, 1024)).toBe(0);
    // __getblk does not check the capacity (2.6.11 neither): the request does.
    const bh = pc.__getblk(bdev, 100, 1024);
    if (!bh) throw new Error("getblk");
    bh.set(BH_Uptodate);
    pc.mark_buffer_dirty(bh);
    const before = [...disk.dkstats.sectors];
    expect(pc.sync_dirty_buffer(bh)).toBe(-Errno.EIO);
    expect(machine.dmesg).toContain("attempt to access beyond end of device");
    expect(disk.dkstats.sectors).toEqual(before);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(bytes))).toBe(true);
    pc.brelse(bh);
    ro.close();
    rmSync(dirname(path), { recursive: true, force: true });
  });

  it("one page cache per page allocator", () => {
    const { pc, slab, km } = boot({ memBytes: 64 * 1024 * 1024 });
    expect(() => new PageCache(slab, km)).toThrow(/already set up/);
    checkPageCacheInvariants(pc);
  });
});
