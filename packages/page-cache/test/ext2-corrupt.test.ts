/*
 * Corrupt and truncated images: refused at mount or lookup with the kernel's messages and errno
 * values (-EINVAL, -EIO, -ENOENT), never a JS exception; the rest of the file system stays usable.
 * Each case patches a copy of the committed image at a place found by mounting it cleanly first.
 */
import { Errno } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { IS_ERR, PTR_ERR } from "../src/err.js";
import { EXT2_I } from "../src/ext2/inode.js";
import { MS_RDONLY, O_RDONLY } from "../src/fs.js";
import { checkPageCacheInvariants } from "../src/invariants.js";
import { mountBytes, smallImageBytes } from "./ext2-helpers.js";

const BS = 1024;
const le32 = (b: Uint8Array, o: number) =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const set32 = (b: Uint8Array, o: number, v: number) => {
  for (let i = 0; i < 4; i++) b[o + i] = (v >>> (8 * i)) & 0xff;
};
const set16 = (b: Uint8Array, o: number, v: number) => {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
};

/** Where things are in the clean image, found through a clean mount. */
function locate() {
  const img = smallImageBytes();
  const { pc } = mountBytes(img, MS_RDONLY);
  const root = pc.stat("/mnt");
  const file = pc.stat("/mnt/dir/nested/file.bin");
  if (IS_ERR(root) || IS_ERR(file)) throw new Error("clean image does not mount");
  const rootBlock = EXT2_I(root).i_data[0];
  const name = new TextEncoder().encode("hello.txt");
  let entry = -1;
  for (let o = rootBlock * BS; o < (rootBlock + 1) * BS - name.length && entry < 0; o++)
    if (name.every((c, i) => img[o + i] === c) && img[o - 2] === name.length) entry = o - 8;
  // the root inode: group 0's inode table (bg_inode_table at byte 8 of the first descriptor), inode 2
  const inodeTable = le32(img, 2 * BS + 8);
  const inodeSize = img[1024 + 88] | (img[1024 + 89] << 8);
  return { img, rootBlock, entry, ind: EXT2_I(file).i_data[12], rootInode: inodeTable * BS + inodeSize };
}

function patched(fn: (b: Uint8Array, at: ReturnType<typeof locate>) => void) {
  const at = locate();
  const b = at.img.slice();
  fn(b, at);
  return b;
}

describe("a corrupt or truncated image", () => {
  it('bad magic: the mount is -EINVAL, "Can\'t find an ext2 filesystem"', () => {
    const { err, machine } = mountBytes(patched((b) => set16(b, 1024 + 56, 0x1234)));
    expect(err).toBe(-Errno.EINVAL);
    expect(machine.dmesg).toContain("VFS: Can't find an ext2 filesystem on dev hda.");
  });

  it("truncated (block count past the device): -EINVAL with the geometry named", () => {
    const { err, machine, pc } = mountBytes(smallImageBytes().slice(0, 512 * 1024));
    expect(err).toBe(-Errno.EINVAL);
    expect(
      machine.dmesg.some((l) => l.includes("block count 1024 exceeds size of device (512 blocks)")),
    ).toBe(true);
    checkPageCacheInvariants(pc);
    expect(pc.nr_blockdev_pages()).toBe(0); // the failed mount closed the device, emptying its cache
  });

  it("an unsupported incompatible feature or a group descriptor outside its group: -EINVAL", () => {
    const a = mountBytes(patched((b) => set32(b, 1024 + 96, le32(b, 1024 + 96) | 0x40)));
    expect(a.err).toBe(-Errno.EINVAL);
    expect(a.machine.dmesg.some((l) => l.includes("unsupported optional features (40)"))).toBe(true);
    const g = mountBytes(
      patched((b) => set32(b, 2 * BS + 8, 9000)),
      MS_RDONLY,
    ); // group 0 is blocks 1..8192
    expect(g.err).toBe(-Errno.EINVAL);
    expect(g.machine.dmesg).toContain("EXT2-fs: group descriptors corrupted!");
  });

  it('a root inode that is not a directory: -EINVAL, "corrupt root inode"', () => {
    const { err, machine, pc } = mountBytes(
      patched((b, at) => set16(b, at.rootInode, 0o100644)),
      MS_RDONLY,
    );
    expect(err).toBe(-Errno.EINVAL);
    expect(machine.dmesg).toContain("EXT2-fs: corrupt root inode, run e2fsck");
    checkPageCacheInvariants(pc);
  });

  it("a directory entry whose inode is past the inode table: the page is refused (lookup -ENOENT, readdir -EIO)", () => {
    const { err, pc, machine } = mountBytes(
      patched((b, at) => set32(b, at.entry, 100000)),
      MS_RDONLY,
    );
    expect(err).toBe(0);
    expect(PTR_ERR(pc.stat("/mnt/hello.txt") as never)).toBe(-Errno.ENOENT);
    expect(PTR_ERR(pc.readdir("/mnt") as never)).toBe(-Errno.EIO);
    expect(machine.dmesg.some((l) => l.includes("bad entry in directory #2: inode out of bounds"))).toBe(
      true,
    );
    checkPageCacheInvariants(pc);
  });

  it("a directory entry naming a reserved inode number: the lookup is -EIO (bad inode number)", () => {
    const { pc, machine } = mountBytes(
      patched((b, at) => set32(b, at.entry, 5)),
      MS_RDONLY,
    );
    expect(PTR_ERR(pc.stat("/mnt/hello.txt") as never)).toBe(-Errno.EIO);
    expect(machine.dmesg.some((l) => l.includes("ext2_get_inode: bad inode number: 5"))).toBe(true);
    // other names still work
    expect(IS_ERR(pc.stat("/mnt/dir/nested/file.bin"))).toBe(false);
    // inode 0 marks an unused entry: the name is simply not there
    const z = mountBytes(
      patched((b, at) => set32(b, at.entry, 0)),
      MS_RDONLY,
    );
    expect(PTR_ERR(z.pc.stat("/mnt/hello.txt") as never)).toBe(-Errno.ENOENT);
  });

  it('a rec_len running off the block: "directory entry across blocks", lookups in that page fail', () => {
    const { pc, machine } = mountBytes(
      patched((b, at) => set16(b, at.entry + 4, 2000)),
      MS_RDONLY,
    );
    expect(PTR_ERR(pc.stat("/mnt/hello.txt") as never)).toBe(-Errno.ENOENT);
    expect(machine.dmesg.some((l) => l.includes("directory entry across blocks"))).toBe(true);
    const z = mountBytes(
      patched((b, at) => set16(b, at.entry + 4, 0)),
      MS_RDONLY,
    );
    expect(PTR_ERR(z.pc.readdir("/mnt") as never)).toBe(-Errno.EIO);
  });

  it("an indirect block pointing at itself (a loop) or past the disk: reads there are -EIO, the rest reads fine", () => {
    for (const target of ["self", "far"] as const) {
      const { pc, machine } = mountBytes(
        patched((b, at) => set32(b, at.ind * BS, target === "self" ? at.ind : 5_000_000)),
        MS_RDONLY,
      );
      const f = pc.filp_open("/mnt/dir/nested/file.bin", O_RDONLY);
      if (IS_ERR(f)) throw new Error("open");
      const buf = new Uint8Array(4096);
      expect(pc.sys_pread64(f, buf, 4096, 0)).toBe(4096); // direct blocks
      expect(pc.sys_pread64(f, buf, 4096, 12 * 1024)).toBe(-Errno.EIO); // block 12 via the bad pointer
      expect(
        machine.dmesg.some((l) => l.includes(target === "self" ? "indirect block loop" : "out of range")),
      ).toBe(true);
      pc.fput(f);
      checkPageCacheInvariants(pc);
    }
  });

  it("reads past the end of a file give 0 bytes", () => {
    const { pc } = mountBytes(smallImageBytes(), MS_RDONLY);
    const f = pc.filp_open("/mnt/hello.txt", O_RDONLY);
    if (IS_ERR(f)) throw new Error("open");
    expect(pc.sys_pread64(f, new Uint8Array(10), 10, 12)).toBe(0);
    expect(pc.sys_pread64(f, new Uint8Array(10), 10, 1 << 30)).toBe(0);
    pc.fput(f);
  });
});
