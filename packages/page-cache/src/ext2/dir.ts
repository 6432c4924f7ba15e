/*
 * dir.ts — fs/ext2/dir.c of 2.6.11: directories are files whose pages (read through the page
 * cache with ext2_readpage) hold ext2_dir_entry_2 records. ext2_get_page reads a page and checks
 * every record once (ext2_check_page: rec_len at least 12, 4-aligned, large enough for the name,
 * not crossing a block; inode number within s_inodes_count; PG_checked, PG_error on failure);
 * ext2_find_entry / ext2_inode_by_name search by name; ext2_readdir lists them.
 * A directory page is read by copying it out through kmap (it may be a highmem page).
 */
import { Errno, type Page } from "@i386mm/hw-i386";
import { PAGE_CACHE_SIZE } from "../base.js";
import { ERR_PTR, type ErrPtr, IS_ERR } from "../err.js";
import type { dirent, file, inode } from "../fs.js";
import {
  DE,
  EXT2_DIR_REC_LEN,
  EXT2_FEATURE_INCOMPAT_FILETYPE,
  EXT2_FT_MAX,
  ext2_filetype_table,
  SB,
} from "./ext2_fs.js";
import type { Ext2Fs } from "./index.js";
import { EXT2_I } from "./inode.js";
import { es32, ext2_error } from "./super.js";

/** A directory page: the page and a copy of its bytes (kmap + read). */
export interface DirPage {
  page: Page;
  data: Uint8Array;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

/** dir_pages(inode). */
function dir_pages(inode: inode): number {
  return Math.ceil(inode.i_size / PAGE_CACHE_SIZE);
}
/** ext2_last_byte(inode, page_nr): bytes of the directory in that page. */
function ext2_last_byte(inode: inode, page_nr: number): number {
  return Math.min(inode.i_size - page_nr * PAGE_CACHE_SIZE, PAGE_CACHE_SIZE);
}

/** ext2_check_page(page): validate every record once (SetPageChecked; SetPageError on a bad one). */
function ext2_check_page(fs: Ext2Fs, dir: inode, page: Page, kaddr: Uint8Array): void {
  const pc = fs.pc;
  const sb = dir.i_sb;
  const chunk_size = sb.s_blocksize;
  const max_inumber = es32(fs, sb, SB.s_inodes_count);
  const index = pc.page_index(page);
  let limit = PAGE_CACHE_SIZE;
  const fail = () => {
    pc.SetPageChecked(page);
    pc.SetPageError(page);
  };
  if (Math.floor(dir.i_size / PAGE_CACHE_SIZE) === index) {
    limit = dir.i_size % PAGE_CACHE_SIZE;
    if (limit & (chunk_size - 1)) {
      ext2_error(
        fs,
        sb,
        "ext2_check_page",
        `size of directory #${dir.i_ino} is not a multiple of chunk size`,
      );
      fail();
      return;
    }
    if (!limit) {
      pc.SetPageChecked(page);
      return;
    }
  }
  let offs = 0;
  for (; offs <= limit - EXT2_DIR_REC_LEN(1); ) {
    const rec_len = u16(kaddr, offs + DE.rec_len);
    const name_len = kaddr[offs + DE.name_len];
    const ino = u32(kaddr, offs + DE.inode);
    let error: string | null = null;
    if (rec_len < EXT2_DIR_REC_LEN(1)) error = "rec_len is smaller than minimal";
    else if (rec_len & 3) error = "unaligned directory entry";
    else if (rec_len < EXT2_DIR_REC_LEN(name_len)) error = "rec_len is too small for name_len";
    else if (((offs + rec_len - 1) ^ offs) & ~(chunk_size - 1)) error = "directory entry across blocks";
    else if (ino > max_inumber) error = "inode out of bounds";
    if (error) {
      ext2_error(
        fs,
        sb,
        "ext2_check_page",
        `bad entry in directory #${dir.i_ino}: ${error} - offset=${index * PAGE_CACHE_SIZE + offs}, inode=${ino}, rec_len=${rec_len}, name_len=${name_len}`,
      );
      fail();
      return;
    }
    offs += rec_len;
  }
  if (offs !== limit) {
    ext2_error(
      fs,
      sb,
      "ext2_check_page",
      `entry in directory #${dir.i_ino} spans the page boundaryoffset=${index * PAGE_CACHE_SIZE + offs}, inode=${u32(kaddr, offs)}`,
    );
    fail();
    return;
  }
  pc.SetPageChecked(page);
}

/**
 * ext2_get_page(dir, n): page n of the directory, read (read_cache_page with a_ops->readpage),
 * checked, with a reference; ERR_PTR(-EIO) when unreadable or corrupt.
 */
export function ext2_get_page(fs: Ext2Fs, dir: inode, n: number): DirPage | ErrPtr {
  const pc = fs.pc;
  const mapping = dir.i_mapping;
  const readpage = mapping.a_ops.readpage;
  if (!readpage) return ERR_PTR(-Errno.EIO);
  const page = pc.read_cache_page(mapping, n, (f: file | null, p: Page) => readpage(f, p), null);
  if (IS_ERR(page)) return page;
  pc.wait_on_page_locked(page);
  if (pc.PageUptodate(page)) {
    const data = pc.copy_from_page(page, 0, PAGE_CACHE_SIZE); // kmap(page)
    if (!pc.PageChecked(page)) ext2_check_page(fs, dir, page, data);
    if (!pc.PageError(page)) return { page, data };
  }
  pc.page_cache_release(page); // ext2_put_page
  return ERR_PTR(-Errno.EIO);
}

/** ext2_put_page. */
export function ext2_put_page(fs: Ext2Fs, p: DirPage): void {
  fs.pc.page_cache_release(p.page);
}

/**
 * ext2_find_entry(dir, name): the record named `name` (its inode number), starting where the last
 * search ended (i_dir_start_lookup). Corrupt pages are skipped (their error is in dmesg), as in
 * 2.6.11; a zero rec_len ends the search. 0 when absent.
 */
export function ext2_inode_by_name(fs: Ext2Fs, dir: inode, name: Uint8Array): number {
  const ei = EXT2_I(dir);
  const reclen = EXT2_DIR_REC_LEN(name.length);
  const npages = dir_pages(dir);
  let start = ei.i_dir_start_lookup;
  if (start >= npages) start = 0;
  if (npages === 0) return 0;
  let n = start;
  do {
    const p = ext2_get_page(fs, dir, n);
    if (!IS_ERR(p)) {
      const kaddr = p.data;
      const last = ext2_last_byte(dir, n) - reclen;
      let de = 0;
      while (de <= last) {
        const rec_len = u16(kaddr, de + DE.rec_len);
        if (rec_len === 0) {
          ext2_error(fs, dir.i_sb, "ext2_find_entry", "zero-length directory entry");
          ext2_put_page(fs, p);
          return 0;
        }
        const ino = u32(kaddr, de + DE.inode);
        if (ino && kaddr[de + DE.name_len] === name.length) {
          let same = true;
          for (let i = 0; i < name.length; i++) if (kaddr[de + DE.name + i] !== name[i]) same = false;
          if (same) {
            ei.i_dir_start_lookup = n;
            ext2_put_page(fs, p);
            return ino;
          }
        }
        de += rec_len;
      }
      ext2_put_page(fs, p);
    }
    if (++n >= npages) n = 0;
  } while (n !== start);
  return 0;
}

const decoder = new TextDecoder();

/**
 * ext2_readdir(filp, filldir): the live records from f_pos on (offsets are byte positions in the
 * directory), d_type from the file_type byte when the filetype feature is on. -EIO on a corrupt
 * page or a zero rec_len.
 */
export function ext2_readdir(fs: Ext2Fs, filp: file, filldir: (d: dirent) => boolean): number {
  const inode = filp.f_dentry.d_inode as inode;
  const sb = inode.i_sb;
  let offset = filp.f_pos % PAGE_CACHE_SIZE;
  let n = Math.floor(filp.f_pos / PAGE_CACHE_SIZE);
  const npages = dir_pages(inode);
  const types = es32(fs, sb, SB.s_feature_incompat) & EXT2_FEATURE_INCOMPAT_FILETYPE;
  if (filp.f_pos > inode.i_size - EXT2_DIR_REC_LEN(1)) return 0;
  for (; n < npages; n++, offset = 0) {
    const p = ext2_get_page(fs, inode, n);
    if (IS_ERR(p)) {
      ext2_error(fs, sb, "ext2_readdir", `bad page in #${inode.i_ino}`);
      filp.f_pos += PAGE_CACHE_SIZE - offset;
      return -Errno.EIO;
    }
    const kaddr = p.data;
    const limit = ext2_last_byte(inode, n) - EXT2_DIR_REC_LEN(1);
    for (let de = offset; de <= limit; ) {
      const rec_len = u16(kaddr, de + DE.rec_len);
      if (rec_len === 0) {
        ext2_error(fs, sb, "ext2_readdir", "zero-length directory entry");
        ext2_put_page(fs, p);
        return -Errno.EIO;
      }
      const ino = u32(kaddr, de + DE.inode);
      if (ino) {
        const ft = kaddr[de + DE.file_type];
        const d_type = types && ft < EXT2_FT_MAX ? ext2_filetype_table[ft] : 0;
        const name = decoder.decode(kaddr.subarray(de + DE.name, de + DE.name + kaddr[de + DE.name_len]));
        if (!filldir({ name, offset: n * PAGE_CACHE_SIZE + de, ino, type: d_type })) {
          ext2_put_page(fs, p);
          return 0;
        }
      }
      filp.f_pos += rec_len;
      de += rec_len;
    }
    ext2_put_page(fs, p);
  }
  return 0;
}
