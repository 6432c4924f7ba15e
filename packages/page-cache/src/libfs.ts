/*
 * libfs.ts — the library file-system helpers of fs/libfs.c and the page-cache symlinks of
 * fs/namei.c that ramfs is built from: simple_lookup, dcache_readdir, simple_readpage,
 * simple_prepare_write, simple_commit_write, simple_unlink, simple_statfs, page_symlink,
 * page_follow_link, page_readlink. Each is made for one PageCache (closures over `pc`).
 * Contract: a page handed to prepare/commit_write is locked; commit_write dirties it and moves i_size.
 */
import { Errno, type Page } from "@i386mm/hw-i386";
import type { PageCacheBase } from "./base.js";
import { PAGE_CACHE_SIZE } from "./base.js";
import { ERR_PTR, type ErrPtr, IS_ERR } from "./err.js";
import type { Filemap } from "./filemap.js";
import {
  type dentry,
  type dirent,
  type file,
  type inode,
  type kstatfs,
  NAME_MAX,
  type nameidata,
  S_IFMT,
  type super_block,
} from "./fs.js";
import type { Vfs } from "./vfs.js";

/** DT_* of a mode (fs_types / the d_type readdir reports). */
export function dt_type(mode: number): number {
  return (mode & S_IFMT) >>> 12;
}

/** simple_lookup: a name not in the dcache does not exist (d_add a negative dentry); -ENAMETOOLONG past NAME_MAX. */
export function simple_lookup(pc: Vfs) {
  return (_dir: inode, dentry: dentry, _nd: nameidata | null): dentry | null | ErrPtr => {
    if (new TextEncoder().encode(dentry.d_name).length > NAME_MAX) return ERR_PTR(-Errno.ENAMETOOLONG);
    pc.d_add(dentry, null);
    return null;
  };
}

/**
 * dcache_readdir: ".", "..", then the directory's positive children in the order they were
 * hashed; f_pos counts entries.
 */
export function dcache_readdir(file: file, filldir: (d: dirent) => boolean): number {
  const dentry = file.f_dentry;
  const inode = dentry.d_inode as inode;
  const entries: dirent[] = [
    { name: ".", offset: 0, ino: inode.i_ino, type: 4 },
    { name: "..", offset: 1, ino: (dentry.d_parent.d_inode ?? inode).i_ino, type: 4 },
  ];
  for (const child of dentry.d_subdirs.values())
    if (child.d_inode)
      entries.push({
        name: child.d_name,
        offset: entries.length,
        ino: child.d_inode.i_ino,
        type: dt_type(child.d_inode.i_mode),
      });
  while (file.f_pos < entries.length) {
    const d = entries[file.f_pos];
    if (!filldir(d)) break;
    file.f_pos++;
  }
  return 0;
}

/** simple_readpage: a page with nothing behind it reads as zeros (clear_highpage), uptodate, unlocked. */
export function simple_readpage(pc: Filemap) {
  return (_file: file | null, page: Page): number => {
    pc.zero_page_range(page, 0, PAGE_CACHE_SIZE);
    pc.SetPageUptodate(page);
    pc.unlock_page(page);
    return 0;
  };
}

/** simple_prepare_write: a page not yet uptodate gets the parts outside [from, to) zeroed (kmap_atomic + memset). */
export function simple_prepare_write(pc: PageCacheBase) {
  return (_file: file | null, page: Page, from: number, to: number): number => {
    if (!pc.PageUptodate(page) && to - from !== PAGE_CACHE_SIZE) {
      pc.zero_page_range(page, 0, from);
      pc.zero_page_range(page, to, PAGE_CACHE_SIZE - to);
    }
    return 0;
  };
}

/** simple_commit_write: uptodate, i_size grown to cover the write, set_page_dirty. */
export function simple_commit_write(pc: Filemap) {
  return (_file: file | null, page: Page, _from: number, to: number): number => {
    const mapping = pc.page_mapping(page);
    if (!mapping) return -Errno.EINVAL;
    const inode = mapping.host;
    const pos = pc.page_index(page) * PAGE_CACHE_SIZE + to;
    if (!pc.PageUptodate(page)) pc.SetPageUptodate(page);
    if (pos > inode.i_size) inode.i_size = pos;
    pc.set_page_dirty(page);
    return 0;
  };
}

/** simple_unlink: one link fewer; the dentry's pin (ramfs's extra dget) is dropped. */
export function simple_unlink(pc: Vfs) {
  return (dir: inode, dentry: dentry): number => {
    const inode = dentry.d_inode as inode;
    inode.i_ctime = dir.i_ctime = dir.i_mtime = pc.get_seconds();
    inode.i_nlink--;
    pc.dput(dentry);
    return 0;
  };
}

/** simple_rmdir: only an empty directory (-ENOTEMPTY), then unlink it. */
export function simple_rmdir(pc: Vfs) {
  const unlink = simple_unlink(pc);
  return (dir: inode, dentry: dentry): number => {
    for (const child of dentry.d_subdirs.values()) if (child.d_inode) return -Errno.ENOTEMPTY;
    (dentry.d_inode as inode).i_nlink--;
    unlink(dir, dentry);
    dir.i_nlink--;
    return 0;
  };
}

/** simple_statfs: type and block size only (ramfs has no fixed capacity). */
export function simple_statfs(sb: super_block): kstatfs {
  return {
    f_type: sb.s_magic,
    f_bsize: PAGE_CACHE_SIZE,
    f_blocks: 0,
    f_bfree: 0,
    f_bavail: 0,
    f_files: 0,
    f_ffree: 0,
    f_namelen: NAME_MAX,
  };
}

/**
 * page_symlink(inode, symname): store the link body in page 0 of the inode's page cache through
 * a_ops->prepare_write/commit_write (i_size = its length); -ENAMETOOLONG past a page.
 */
export function page_symlink(pc: Filemap, inode: inode, symname: string): number {
  const body = new TextEncoder().encode(symname);
  if (body.length + 1 > PAGE_CACHE_SIZE) return -Errno.ENAMETOOLONG;
  const mapping = inode.i_mapping;
  const page = pc.find_or_create_page(mapping, 0, pc.mapping_gfp_mask(mapping));
  if (page === null) return -Errno.ENOMEM;
  const a = mapping.a_ops;
  let err = a.prepare_write ? a.prepare_write(null, page, 0, body.length) : -Errno.EINVAL;
  if (!err) {
    pc.copy_to_page(page, 0, body);
    err = a.commit_write ? a.commit_write(null, page, 0, body.length) : -Errno.EINVAL;
  }
  pc.unlock_page(page);
  pc.page_cache_release(page);
  if (!err) pc.mark_inode_dirty(inode);
  return err;
}

/** page_getlink: the link body from page 0 (read_cache_page with a_ops->readpage), up to i_size. */
export function page_getlink(pc: Filemap, dentry: dentry): string | ErrPtr {
  const inode = dentry.d_inode as inode;
  const mapping = inode.i_mapping;
  const readpage = mapping.a_ops.readpage;
  if (!readpage) return ERR_PTR(-Errno.EINVAL);
  const page = pc.read_cache_page(mapping, 0, (f: file | null, p: Page) => readpage(f, p), null);
  if (IS_ERR(page)) return page;
  if (!pc.PageUptodate(page)) {
    pc.page_cache_release(page);
    return ERR_PTR(-Errno.EIO);
  }
  const len = Math.min(inode.i_size, PAGE_CACHE_SIZE - 1);
  const bytes = pc.copy_from_page(page, 0, len);
  pc.page_cache_release(page);
  const nul = bytes.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}
