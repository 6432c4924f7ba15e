/* ext2 read from a real image (the committed fixture, made by Debian's mke2fs): every file, through the page cache. */
import { Errno } from "@i386mm/hw-i386";
import { GFP_HIGHUSER, GFP_KERNEL } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { PageCacheWouldSleepError } from "../src/base.js";
import { IS_ERR, PTR_ERR } from "../src/err.js";
import { EXT2_I } from "../src/ext2/inode.js";
import { MS_RDONLY, O_RDONLY, O_WRONLY, S_ISDIR, S_ISLNK, S_ISREG } from "../src/fs.js";
import { checkPageCacheInvariants } from "../src/invariants.js";
import { mountBytes, smallImageBytes } from "./ext2-helpers.js";
import { entryBytes, smallImageSpec } from "./fixtures/image-spec.mjs";

describe("ext2 on the committed image (1 KiB blocks)", () => {
  it("mounts and reads every file, directory and symlink the image was made from", () => {
    const { pc, err, pa, machine } = mountBytes(smallImageBytes(), MS_RDONLY);
    expect(err).toBe(0);
    for (const e of smallImageSpec()) {
      const path = `/mnt/${e.path}`;
      if ("symlink" in e) {
        expect(pc.sys_readlink(path)).toBe(e.symlink);
        const l = pc.stat(path, false);
        expect(!IS_ERR(l) && S_ISLNK(l.i_mode)).toBe(true);
        continue;
      }
      const st = pc.stat(path);
      if (IS_ERR(st)) throw new Error(`${path}: ${st}`);
      if ("dir" in e) {
        expect(S_ISDIR(st.i_mode)).toBe(true);
        continue;
      }
      expect(S_ISREG(st.i_mode)).toBe(true);
      const want = entryBytes(e);
      expect(st.i_size).toBe(want.length);
      if (want.length > 4 * 1024 * 1024) continue; // the 70 MiB sparse file: read in pieces below
      const got = pc.readFile(path);
      if (IS_ERR(got)) throw new Error(`${path}: ${got}`);
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
    }
    expect(machine.dmesg.filter((l) => l.includes("EXT2-fs error"))).toEqual([]);
    checkPageCacheInvariants(pc);
    const m = pa.meminfo();
    expect(Number(/Cached: +(\d+)/.exec(m)?.[1])).toBeGreaterThan(280);
    expect(Number(/Buffers: +(\d+)/.exec(m)?.[1])).toBeGreaterThan(0);
  });

  it("reads holes as zeros and the triple-indirect block of a sparse file", () => {
    const { pc } = mountBytes(smallImageBytes(), MS_RDONLY);
    const sparse = smallImageSpec().find((e) => e.path === "sparse");
    if (!sparse || !("pieces" in sparse)) throw new Error("spec");
    const f = pc.filp_open("/mnt/sparse", O_RDONLY);
    if (IS_ERR(f)) throw new Error("open");
    const inode = f.f_dentry.d_inode!;
    expect(EXT2_I(inode).i_data[14]).not.toBe(0); // the triple-indirect pointer is in use
    for (const p of sparse.pieces) {
      const start = Math.max(0, p.offset - 100);
      const pre = p.offset - start;
      const buf = new Uint8Array(p.data.length + 200);
      const n = pc.sys_pread64(f, buf, buf.length, start);
      expect(n).toBe(Math.min(buf.length, sparse.size - start));
      expect(buf.subarray(0, pre).every((b) => b === 0)).toBe(true);
      expect(Array.from(buf.subarray(pre, pre + p.data.length))).toEqual(Array.from(p.data));
    }
    const hole = new Uint8Array(8192);
    expect(pc.sys_pread64(f, hole, 8192, 30 * 1024 * 1024)).toBe(8192);
    expect(hole.every((b) => b === 0)).toBe(true);
    expect(pc.sys_pread64(f, hole, 10, sparse.size)).toBe(0);
    pc.fput(f);
    checkPageCacheInvariants(pc);
  });

  it("lists directories (readdir) with their d_type", () => {
    const { pc } = mountBytes(smallImageBytes(), MS_RDONLY);
    const many = pc.readdir("/mnt/dir/many");
    if (IS_ERR(many)) throw new Error(`${many}`);
    expect(many.length).toBe(102);
    expect(many.slice(0, 2).map((d) => d.name)).toEqual([".", ".."]);
    expect(many.filter((d) => d.type === 8).length).toBe(100);
    const root = pc.readdir("/mnt");
    if (IS_ERR(root)) throw new Error(`${root}`);
    const names = new Map(root.map((d) => [d.name, d.type]));
    expect(names.get("lost+found")).toBe(4);
    expect(names.get("link-fast")).toBe(10);
    expect(names.get("dir")).toBe(4);
  });

  it("answers path errors as the kernel does", () => {
    const { pc } = mountBytes(smallImageBytes(), MS_RDONLY);
    expect(PTR_ERR(pc.stat("/mnt/nope") as never)).toBe(-Errno.ENOENT);
    expect(PTR_ERR(pc.stat("/mnt/hello.txt/x") as never)).toBe(-Errno.ENOTDIR);
    expect(PTR_ERR(pc.stat(`/mnt/${"n".repeat(256)}`) as never)).toBe(-Errno.ENAMETOOLONG);
    expect(PTR_ERR(pc.filp_open("/mnt/hello.txt", O_WRONLY) as never)).toBe(-Errno.EROFS);
    expect(pc.sys_mkdir("/mnt/new")).toBe(-Errno.EROFS);
    // ".." out of the mount root goes back to the root file system
    expect(IS_ERR(pc.stat("/mnt/../mnt/dir/../hello.txt"))).toBe(false);
  });

  it("refuses to create, remove or grow (no allocation yet): -ENOSPC / -EROFS, nothing changed", () => {
    const { pc, backend } = mountBytes(smallImageBytes(), 0);
    const before = backend.bytes.slice();
    expect(pc.writeFile("/mnt/newfile", new Uint8Array(10))).toBe(-Errno.ENOSPC);
    expect(pc.sys_mkdir("/mnt/newdir")).toBe(-Errno.ENOSPC);
    expect(pc.sys_unlink("/mnt/hello.txt")).toBe(-Errno.EROFS);
    expect(pc.sys_truncate("/mnt/hello.txt", 3)).toBe(-Errno.EROFS);
    const f = pc.filp_open("/mnt/hello.txt", O_WRONLY);
    if (IS_ERR(f)) throw new Error(`${f}`);
    expect(pc.sys_pwrite64(f, new Uint8Array(20), 20, 0)).toBe(-Errno.ENOSPC); // past i_size (12 bytes)
    const s = pc.filp_open("/mnt/sparse", O_WRONLY);
    if (IS_ERR(s)) throw new Error(`${s}`);
    expect(pc.sys_pwrite64(s, new Uint8Array(10), 10, 5 * 1024 * 1024)).toBe(-Errno.ENOSPC); // into a hole
    pc.fput(s);
    pc.fput(f);
    expect(pc.sys_umount("/mnt")).toBe(0);
    // the mount counted itself and wrote the superblock back clean: only superblock bytes differ
    const changed: number[] = [];
    for (let i = 0; i < before.length; i++) if (before[i] !== backend.bytes[i]) changed.push(i);
    expect(changed.every((i) => i >= 1024 && i < 2048)).toBe(true);
  });
});

describe("a page another path holds locked", () => {
  it("a read that would sleep on it reports PageCacheWouldSleepError and leaks no reference", () => {
    const { pc, pa } = mountBytes(smallImageBytes(), MS_RDONLY, { memBytes: 1024 * 1024 * 1024 });
    const st = pc.stat("/mnt/hello.txt");
    if (IS_ERR(st)) throw new Error("stat");
    const page = pa.alloc_pages(GFP_HIGHUSER, 0);
    if (page === null) throw new Error("alloc");
    expect(pc.add_to_page_cache(page, st.i_mapping, 0, GFP_KERNEL)).toBe(0); // locked, not uptodate
    expect(pa.page_count(page)).toBe(2);
    expect(() => pc.readFile("/mnt/hello.txt")).toThrow(PageCacheWouldSleepError);
    expect(pa.page_count(page)).toBe(2);
    expect(pc.open_files.size).toBe(0);
    pc.unlock_page(page);
    pc.page_cache_release(page);
    const got = pc.readFile("/mnt/hello.txt");
    expect(IS_ERR(got) ? got : new TextDecoder().decode(got)).toBe("hello, ext2\n");
    checkPageCacheInvariants(pc);
  });
});
