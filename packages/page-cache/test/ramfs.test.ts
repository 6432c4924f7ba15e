/* ramfs and the VFS face: files created from bytes, looked up, read through the page cache. */
import { Errno, type Page } from "@i386mm/hw-i386";
import { describe, expect, it } from "vitest";
import { IS_ERR, PTR_ERR } from "../src/err.js";
import {
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  PAGECACHE_TAG_DIRTY,
  S_IFBLK,
  S_ISDIR,
  S_ISLNK,
  S_ISREG,
} from "../src/fs.js";
import { checkPageCacheInvariants } from "../src/invariants.js";
import { radix_tree_tag_get } from "../src/radix-tree.js";
import { boot, bytesOf } from "./helpers.js";

describe("ramfs as the root file system", () => {
  it("boots with rootfs mounted at / (an empty directory)", () => {
    const { pc } = boot();
    const root = pc.stat("/");
    expect(IS_ERR(root)).toBe(false);
    if (IS_ERR(root)) return;
    expect(S_ISDIR(root.i_mode)).toBe(true);
    expect(pc.rootmnt?.mnt_sb.s_type.name).toBe("rootfs");
    const names = pc.readdir("/");
    expect(IS_ERR(names) ? names : names.map((d) => d.name)).toEqual([".", ".."]);
  });

  it("puts a host file in with one call and reads it back through the page cache", () => {
    const { pc, pa } = boot();
    const data = bytesOf(3 * 4096 + 123, 7);
    expect(pc.sys_mkdir("/bin")).toBe(0);
    expect(pc.writeFile("/bin/prog", data, 0o755)).toBe(0);
    const inode = pc.stat("/bin/prog");
    if (IS_ERR(inode)) throw new Error(`stat ${inode}`);
    expect(S_ISREG(inode.i_mode)).toBe(true);
    expect(inode.i_size).toBe(data.length);
    expect(inode.i_mapping.nrpages).toBe(4);
    expect(pc.nr_pagecache).toBe(4);
    // Every cached page points back at the mapping, is uptodate and dirty (ramfs never writes back).
    for (let index = 0; index < 4; index++) {
      const page = pc.find_get_page(inode.i_mapping, index) as Page;
      expect(page).not.toBeNull();
      expect(pc.page_mapping(page)).toBe(inode.i_mapping);
      expect(pa.mem_map.index[page]).toBe(index);
      expect(pc.PageUptodate(page)).toBe(true);
      expect(pc.PageDirty(page)).toBe(true);
      expect(radix_tree_tag_get(inode.i_mapping.page_tree, index, PAGECACHE_TAG_DIRTY)).toBe(1);
      expect(pa.page_count(page)).toBe(2); // the cache's reference + ours
      pc.page_cache_release(page);
    }
    const back = pc.readFile("/bin/prog");
    expect(IS_ERR(back) ? back : Array.from(back)).toEqual(Array.from(data));
    // sync writes nothing back for a memory-backed mapping: the pages stay dirty
    expect(pc.sys_sync()).toBe(0);
    const p0 = pc.find_get_page(inode.i_mapping, 0) as Page;
    expect(pc.PageDirty(p0)).toBe(true);
    expect(pa.PageHighMem(p0)).toBe(true); // file pages of a 1 GiB machine come from ZONE_HIGHMEM
    pc.page_cache_release(p0);
    checkPageCacheInvariants(pc);
  });

  it("reads at offsets, short at end of file and 0 bytes past it", () => {
    const { pc } = boot();
    const data = bytesOf(10000, 3);
    pc.writeFile("/f", data);
    const f = pc.filp_open("/f", O_RDONLY);
    if (IS_ERR(f)) throw new Error("open");
    const buf = new Uint8Array(5000);
    expect(pc.sys_pread64(f, buf, 5000, 4000)).toBe(5000);
    expect(Array.from(buf)).toEqual(Array.from(data.subarray(4000, 9000)));
    expect(pc.sys_pread64(f, buf, 5000, 9000)).toBe(1000);
    expect(pc.sys_pread64(f, buf, 5000, 10000)).toBe(0);
    expect(pc.sys_pread64(f, buf, 5000, 123456)).toBe(0);
    expect(pc.kernel_read(f, 0, buf, 128)).toBe(128);
    expect(Array.from(buf.subarray(0, 128))).toEqual(Array.from(data.subarray(0, 128)));
    pc.fput(f);
  });

  it("writes in the middle of a file, past its end (a hole reads as zeros) and keeps i_size right", () => {
    const { pc } = boot();
    pc.writeFile("/f", bytesOf(100, 1));
    const f = pc.filp_open("/f", O_RDWR);
    if (IS_ERR(f)) throw new Error("open");
    expect(pc.sys_pwrite64(f, new Uint8Array([9, 9, 9]), 3, 50)).toBe(3);
    expect(pc.sys_pwrite64(f, new Uint8Array([7]), 1, 3 * 4096 + 10)).toBe(1);
    const inode = f.f_dentry.d_inode!;
    expect(inode.i_size).toBe(3 * 4096 + 11);
    const all = pc.readFile("/f");
    if (IS_ERR(all)) throw new Error("read");
    const expected = new Uint8Array(3 * 4096 + 11);
    expected.set(bytesOf(100, 1));
    expected.set([9, 9, 9], 50);
    expected[3 * 4096 + 10] = 7;
    expect(Array.from(all)).toEqual(Array.from(expected));
    pc.fput(f);
  });

  it("answers path errors as the kernel does", () => {
    const { pc } = boot();
    pc.writeFile("/file", bytesOf(10));
    pc.sys_mkdir("/d");
    expect(PTR_ERR(pc.stat("/nope") as never)).toBe(-Errno.ENOENT);
    expect(PTR_ERR(pc.stat("/file/x") as never)).toBe(-Errno.ENOTDIR);
    expect(PTR_ERR(pc.stat("/file/") as never)).toBe(-Errno.ENOTDIR);
    expect(PTR_ERR(pc.stat(`/${"a".repeat(256)}`) as never)).toBe(-Errno.ENAMETOOLONG);
    expect(PTR_ERR(pc.filp_open("/file", O_WRONLY | O_CREAT | O_EXCL) as never)).toBe(-Errno.EEXIST);
    expect(PTR_ERR(pc.filp_open("/d", O_WRONLY) as never)).toBe(-Errno.EISDIR);
    expect(pc.sys_mkdir("/d")).toBe(-Errno.EEXIST);
    expect(pc.sys_mkdir("/x/y")).toBe(-Errno.ENOENT);
    expect(IS_ERR(pc.stat("/d/../file"))).toBe(false);
    expect(IS_ERR(pc.stat("/../../file"))).toBe(false);
  });

  it("follows symlinks (relative, absolute, chained) and stops loops with -ELOOP", () => {
    const { pc } = boot();
    pc.sys_mkdir("/a");
    pc.writeFile("/a/target", bytesOf(20, 5));
    expect(pc.sys_symlink("target", "/a/rel")).toBe(0);
    expect(pc.sys_symlink("/a/target", "/abs")).toBe(0);
    expect(pc.sys_symlink("/abs", "/chain")).toBe(0);
    expect(pc.sys_symlink("/loop2", "/loop1")).toBe(0);
    expect(pc.sys_symlink("/loop1", "/loop2")).toBe(0);
    for (const p of ["/a/rel", "/abs", "/chain"]) {
      const data = pc.readFile(p);
      expect(IS_ERR(data) ? data : Array.from(data)).toEqual(Array.from(bytesOf(20, 5)));
    }
    expect(pc.sys_readlink("/a/rel")).toBe("target");
    const l = pc.stat("/chain", false);
    expect(!IS_ERR(l) && S_ISLNK(l.i_mode)).toBe(true);
    expect(PTR_ERR(pc.stat("/loop1") as never)).toBe(-Errno.ELOOP);
  });

  it("unlink frees the inode and its pages once the last user is gone", () => {
    const { pc, pa } = boot();
    const free0 = pa.nr_free_pages();
    pc.writeFile("/f", bytesOf(8192, 2));
    expect(pc.nr_pagecache).toBe(2);
    const f = pc.filp_open("/f", O_RDONLY);
    if (IS_ERR(f)) throw new Error("open");
    expect(pc.sys_unlink("/f")).toBe(0);
    expect(PTR_ERR(pc.stat("/f") as never)).toBe(-Errno.ENOENT);
    const buf = new Uint8Array(8192);
    expect(pc.sys_read(f, buf)).toBe(8192); // still readable while open
    pc.fput(f);
    expect(pc.nr_pagecache).toBe(0);
    expect(pa.nr_free_pages()).toBe(free0);
    checkPageCacheInvariants(pc);
  });

  it("make device nodes (mknod) and refuses writes while a program is executing (-ETXTBSY)", () => {
    const { pc } = boot();
    expect(pc.sys_mknod("/hda", S_IFBLK | 0o600, (3 << 8) | 0)).toBe(0);
    pc.writeFile("/prog", bytesOf(100), 0o755);
    const exe = pc.open_exec("/prog");
    if (IS_ERR(exe)) throw new Error("open_exec");
    expect(PTR_ERR(pc.filp_open("/prog", O_WRONLY) as never)).toBe(-Errno.ETXTBSY);
    pc.allow_write_access(exe);
    pc.fput(exe);
    const w = pc.filp_open("/prog", O_WRONLY);
    expect(IS_ERR(w)).toBe(false);
    pc.writeFile("/data", bytesOf(10), 0o644);
    expect(PTR_ERR(pc.open_exec("/data") as never)).toBe(-Errno.EACCES);
  });

  it("serves filemap_nopage: the page at an offset, SIGBUS past end of file", () => {
    const { pc } = boot();
    pc.writeFile("/lib.so", bytesOf(5000, 9));
    const f = pc.filp_open("/lib.so", O_RDONLY);
    if (IS_ERR(f)) throw new Error("open");
    const page = pc.filemap_nopage(f, 1);
    expect(page).not.toBeNull();
    expect(IS_ERR(page)).toBe(false);
    const bytes = pc.copy_from_page(page as Page, 0, 904);
    expect(Array.from(bytes)).toEqual(Array.from(bytesOf(5000, 9).subarray(4096)));
    pc.page_cache_release(page as Page);
    expect(pc.filemap_nopage(f, 2)).toBeNull();
    pc.fput(f);
  });
});

describe("truncation and the mm's unmap_mapping_range hook", () => {
  it("vmtruncate calls unmap_mapping_range (page past the size) before the pages leave the cache", () => {
    const { pc } = boot();
    expect(pc.writeFile("/f", bytesOf(3 * 4096, 3))).toBe(0);
    const inode = pc.stat("/f");
    if (IS_ERR(inode)) throw new Error(`stat ${inode}`);
    const mapping = inode.i_mapping;
    // the default (no process layer): only the truncate_count bump
    expect(pc.sys_truncate("/f", 2 * 4096 + 1)).toBe(0);
    expect(mapping.truncate_count).toBe(1);
    const calls: [number, number, number, number][] = [];
    pc.unmap_mapping_range = (m, holebegin, holelen, even_cows) => {
      expect(m).toBe(mapping);
      calls.push([holebegin, holelen, even_cows, mapping.nrpages]);
    };
    expect(pc.sys_truncate("/f", 4096 + 10)).toBe(0);
    expect(calls).toEqual([[2 * 4096 + 9, 0, 1, 3]]); // called while the pages were still cached
    expect(mapping.nrpages).toBe(2);
    expect(pc.sys_truncate("/f", 3 * 4096)).toBe(0); // growing unmaps nothing
    expect(calls.length).toBe(1);
    checkPageCacheInvariants(pc);
  });
});
