/*
 * Durability of user data (issue #20 point 6), with fault injection at the block device: after a
 * sync the disk equals the page cache's view of the file (checked by mounting the disk on a
 * second machine); an I/O error mid-writeback is reported (fsync -EIO) and leaves the data dirty
 * in the page cache, so that a later sync, once the device works again, writes it: never a clean
 * page whose bytes the disk does not have.
 */
import { readFileSync } from "node:fs";
import {
  type BlockBackend,
  BlockBackendError,
  ByteArrayBackend,
  IS_ERR,
  MS_RDONLY,
  O_RDWR,
} from "@i386mm/page-cache";
import { describe, expect, it } from "vitest";
import { boot, checkKernelInvariants, type Kernel } from "../src/index.js";

const MiB = 2 ** 20;
const EIO = -5;
const IMAGE = new Uint8Array(readFileSync(new URL("./fixtures/ext2-512k.img", import.meta.url)));

/** A disk whose writes can be made to fail (an I/O error from the device), the rest of it a byte array. */
class FaultyBackend implements BlockBackend {
  readonly inner: ByteArrayBackend;
  /** Writes still allowed before they start failing (Infinity: never fail). */
  writesLeft = Number.POSITIVE_INFINITY;
  failed = 0;
  constructor(bytes: Uint8Array) {
    this.inner = new ByteArrayBackend(bytes);
  }
  get size(): number {
    return this.inner.size;
  }
  get readOnly(): boolean {
    return false;
  }
  read(pos: number, dst: Uint8Array): void {
    this.inner.read(pos, dst);
  }
  write(pos: number, src: Uint8Array): void {
    if (this.writesLeft <= 0) {
      this.failed++;
      throw new BlockBackendError("injected I/O error");
    }
    this.writesLeft--;
    this.inner.write(pos, src);
  }
  flush(): void {}
}

function mount(disk: BlockBackend): Kernel {
  const k = boot({ mem: 32 * MiB });
  expect(IS_ERR(k.pc.add_disk("hda", disk))).toBe(false);
  expect(k.pc.sys_mkdir("/mnt")).toBe(0);
  expect(k.pc.sys_mount("/dev/hda", "/mnt", "ext2", 0)).toBe(0);
  return k;
}

/** "/mnt/e" as a second machine reads it from a copy of the disk's bytes. */
function onDisk(bytes: Uint8Array): Uint8Array {
  const k = boot({ mem: 16 * MiB });
  expect(IS_ERR(k.pc.add_disk("hda", new ByteArrayBackend(bytes.slice())))).toBe(false);
  expect(k.pc.sys_mkdir("/mnt")).toBe(0);
  expect(k.pc.sys_mount("/dev/hda", "/mnt", "ext2", MS_RDONLY)).toBe(0);
  const got = k.pc.readFile("/mnt/e");
  if (IS_ERR(got)) throw new Error(`readFile ${got}`);
  return got;
}

const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe("durability with fault injection", () => {
  it("after sync the disk holds what the page cache shows", () => {
    const disk = new FaultyBackend(IMAGE.slice());
    const k = mount(disk);
    const f = k.pc.filp_open("/mnt/e", O_RDWR);
    if (IS_ERR(f)) throw new Error("open");
    const data = pattern(20000, 3);
    expect(k.pc.sys_pwrite64(f, data, data.length, 7000)).toBe(data.length);
    expect(k.pc.sys_sync()).toBe(0);
    const view = k.pc.readFile("/mnt/e") as Uint8Array;
    expect(Buffer.from(onDisk(disk.inner.bytes)).equals(Buffer.from(view))).toBe(true);
    expect(Buffer.from(view.subarray(7000, 27000)).equals(Buffer.from(data))).toBe(true);
    checkKernelInvariants(k);
  });

  it("an I/O error mid-writeback is reported, the data stays dirty, and the next sync writes it", () => {
    const disk = new FaultyBackend(IMAGE.slice());
    const k = mount(disk);
    const f = k.pc.filp_open("/mnt/e", O_RDWR);
    if (IS_ERR(f)) throw new Error("open");
    const data = pattern(30000, 9);
    expect(k.pc.sys_pwrite64(f, data, data.length, 1000)).toBe(data.length);
    disk.writesLeft = 3; // the device fails partway through the writeback
    expect(k.pc.vfs_fsync(f)).toBe(EIO);
    expect(disk.failed).toBeGreaterThan(0);
    expect(k.machine.dmesg.join("\n")).toMatch(/I\/O error/);
    checkKernelInvariants(k);
    // nothing the page cache shows was silently dropped: every page the disk lacks is still dirty
    const mapping = f.f_mapping;
    const pages = k.pc.find_get_pages(mapping, 0, 1 << 20);
    const stale = onDisk(disk.inner.bytes);
    const now = k.pc.readFile("/mnt/e");
    expect(IS_ERR(now), `readFile after the failed fsync: ${now}`).toBe(false);
    for (const page of pages) {
      const index = k.pa.mem_map.index[page]!;
      const start = index * 4096;
      const view = (now as Uint8Array).subarray(start, start + 4096);
      const same = Buffer.from(view).equals(Buffer.from(stale.subarray(start, start + 4096)));
      if (!same) expect(k.pc.PageDirty(page), `page ${index} differs from the disk`).toBe(true);
      k.pc.page_cache_release(page);
    }
    // eviction keeps dirty pages: the data survives it
    k.pc.invalidate_mapping_pages(mapping, 0, 0xffffffff);
    const view = k.pc.readFile("/mnt/e") as Uint8Array;
    expect(Buffer.from(view.subarray(1000, 31000)).equals(Buffer.from(data))).toBe(true);
    // the device recovers: the next sync writes everything; the disk equals the page cache
    disk.writesLeft = Number.POSITIVE_INFINITY;
    expect(k.pc.sys_sync()).toBe(0);
    expect(k.pc.vfs_fsync(f)).toBe(0);
    expect(Buffer.from(onDisk(disk.inner.bytes)).equals(Buffer.from(view))).toBe(true);
    k.pc.fput(f);
    checkKernelInvariants(k);
  });
});
