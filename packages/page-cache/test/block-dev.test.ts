/* Block devices and buffer heads: the buffer cache of a disk, raw I/O through /dev/hda, limits. */
import { Errno, PAGE_OFFSET, type Page } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { ByteArrayBackend } from "../src/block-dev.js";
import { BH_Dirty, BH_Mapped, BH_Uptodate, buffer_dirty, buffer_uptodate } from "../src/buffer.js";
import { IS_ERR, PTR_ERR } from "../src/err.js";
import { O_RDONLY, O_RDWR, O_WRONLY } from "../src/fs.js";
import { checkPageCacheInvariants } from "../src/invariants.js";
import { boot, bytesOf } from "./helpers.js";

function withDisk(size = 256 * 1024, readOnly = false) {
  const env = boot({ memBytes: 128 * 1024 * 1024 });
  const image = bytesOf(size, 42);
  const backend = new ByteArrayBackend(image.slice(), readOnly);
  const disk = env.pc.add_disk("hda", backend);
  if (IS_ERR(disk)) throw new Error("add_disk");
  const bdev = env.pc.bdget(disk.major << 8)!;
  return { ...env, image, backend, disk, bdev };
}

describe("a disk and its block device", () => {
  it("appears as /dev/hda (3:0) with its capacity in 512-byte sectors", () => {
    const { pc, disk } = withDisk(100 * 512 + 100);
    expect(disk.capacity).toBe(100);
    const st = pc.stat("/dev/hda");
    expect(!IS_ERR(st) && st.i_rdev).toBe(0x300);
    expect(PTR_ERR(pc.add_disk("hda", new ByteArrayBackend(new Uint8Array(1024))) as never)).toBe(
      -Errno.EEXIST,
    );
  });

  for (const size of [512, 1024, 2048, 4096]) {
    it(`keeps ${size}-byte blocks in buffer heads: ${4096 / size} per 4 KiB page, consecutive, at offsets 0, ${size}, ...`, () => {
      const { pc, pa, bdev, image } = withDisk();
      expect(pc.blkdev_get(bdev, 1)).toBe(0);
      expect(pc.set_blocksize(bdev, size)).toBe(0);
      const per = 4096 / size;
      const block = 10 * per + per - 1; // the last block of page 10 of the device's cache
      const bh = pc.__bread(bdev, block, size)!;
      expect(bh).not.toBeNull();
      expect(Array.from(pc.bh_read(bh, 0, size))).toEqual(
        Array.from(image.subarray(block * size, (block + 1) * size)),
      );
      const page = bh.b_page;
      expect(pa.mem_map.index[page]).toBe(10);
      expect(pc.page_mapping(page)).toBe(bdev.bd_inode.i_mapping);
      expect(pc.PagePrivate(page)).toBe(true);
      expect(pa.mem_map.private[page]).toBe(pc.page_buffers(page).addr);
      const ring = pc.page_buffer_list(page);
      expect(ring.length).toBe(per);
      ring.forEach((b, k) => {
        expect(b.b_blocknr).toBe(10 * per + k);
        expect(b.b_size).toBe(size);
        expect(b.b_data).toBe((pa.page_address(page) as number) + k * size);
        expect(b.b_page).toBe(page);
        expect(b.test(BH_Mapped)).toBe(true);
      });
      // the block read is uptodate; its neighbours in the page were not read
      expect(buffer_uptodate(bh)).toBe(true);
      expect(bh.b_count).toBe(2); // ours + the per-CPU LRU's
      expect(pa.page_count(page)).toBe(2); // the cache + the buffers
      pc.brelse(bh);
      checkPageCacheInvariants(pc);
      expect(pc.nr_blockdev_pages()).toBe(1);
      const m = pa.meminfo();
      expect(m).toMatch(/^Buffers: +4 kB$/m);
      expect(m).toMatch(/^Cached: +0 kB$/m);
      // the buffer head is a slab object whose fields sit in RAM at the kernel's offsets
      expect(pc.ram.read32(bh.addr - PAGE_OFFSET + 20)).toBe(block);
      expect(pc.ram.read32(bh.addr - PAGE_OFFSET + 16)).toBe(size);
      pc.blkdev_put(bdev);
      expect(pc.nr_blockdev_pages()).toBe(0); // the last close empties the cache (kill_bdev)
    });
  }

  it("refuses block sizes the device cannot do", () => {
    const { pc, bdev } = withDisk();
    pc.blkdev_get(bdev, 1);
    for (const bad of [256, 768, 8192, 0, 3000]) expect(pc.set_blocksize(bdev, bad)).toBe(-Errno.EINVAL);
    expect(pc.__getblk(bdev, 0, 8192)).toBeNull();
  });

  it("counts sectors; a read past the end is -EIO/null and changes nothing", () => {
    const { pc, bdev, disk, machine } = withDisk(64 * 1024);
    pc.blkdev_get(bdev, 1);
    pc.set_blocksize(bdev, 1024);
    const bh = pc.__bread(bdev, 5, 1024)!;
    expect(disk.dkstats.sectors).toEqual([2, 0]);
    expect(disk.dkstats.ios).toEqual([1, 0]);
    pc.brelse(bh);
    const before = pc.nr_blockdev_pages();
    expect(pc.__bread(bdev, 64, 1024)).toBeNull(); // block 64 = sectors 128..129 of a 128-sector disk
    expect(machine.dmesg.some((l) => l.includes("attempt to access beyond end of device"))).toBe(true);
    expect(disk.dkstats.sectors).toEqual([2, 0]);
    expect(pc.nr_blockdev_pages()).toBeGreaterThanOrEqual(before);
  });

  it("writes through /dev/hda's page cache: dirty pages and buffers until sync writes them", () => {
    const { pc, image, backend, disk, bdev } = withDisk(64 * 1024);
    const f = pc.filp_open("/dev/hda", O_RDWR);
    if (IS_ERR(f)) throw new Error(`open ${f}`);
    expect(f.f_mapping).toBe(bdev.bd_inode.i_mapping);
    const data = bytesOf(3000, 9);
    expect(pc.sys_pwrite64(f, data, 3000, 5000)).toBe(3000);
    const page = pc.find_get_page(f.f_mapping, 1) as Page;
    expect(pc.PageDirty(page)).toBe(true);
    const dirty = pc.page_buffer_list(page).map(buffer_dirty);
    expect(dirty.some(Boolean)).toBe(true);
    pc.page_cache_release(page);
    expect(Array.from(backend.bytes.subarray(5000, 8000))).toEqual(Array.from(image.subarray(5000, 8000)));
    expect(pc.sys_sync()).toBe(0);
    expect(Array.from(backend.bytes.subarray(5000, 8000))).toEqual(Array.from(data));
    // the rest of the image is untouched
    expect(Array.from(backend.bytes.subarray(0, 5000))).toEqual(Array.from(image.subarray(0, 5000)));
    expect(Array.from(backend.bytes.subarray(8000))).toEqual(Array.from(image.subarray(8000)));
    expect(backend.flushes).toBe(1);
    expect(disk.dkstats.sectors[1]).toBeGreaterThan(0);
    const p2 = pc.find_get_page(f.f_mapping, 1) as Page;
    expect(pc.PageDirty(p2)).toBe(false);
    expect(pc.page_buffer_list(p2).some((b) => b.test(BH_Dirty))).toBe(false);
    expect(pc.page_buffer_list(p2).every((b) => b.test(BH_Uptodate))).toBe(true);
    pc.page_cache_release(p2);
    checkPageCacheInvariants(pc);
    // past the end of the device: -ENOSPC for a write, 0 bytes for a read
    expect(pc.sys_pwrite64(f, data, 10, 64 * 1024)).toBe(-Errno.ENOSPC);
    expect(pc.sys_pwrite64(f, data, 100, 64 * 1024 - 10)).toBe(10);
    expect(pc.sys_pread64(f, new Uint8Array(10), 10, 64 * 1024)).toBe(0);
    pc.fput(f);
  });

  it("a read-only disk opens for reading only", () => {
    const { pc } = withDisk(16 * 1024, true);
    expect(PTR_ERR(pc.filp_open("/dev/hda", O_WRONLY) as never)).toBe(-Errno.EACCES);
    const f = pc.filp_open("/dev/hda", O_RDONLY);
    expect(IS_ERR(f)).toBe(false);
  });
});
