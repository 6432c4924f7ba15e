/*
 * file-bindings.ts — files in the scenario language, over @i386mm/page-cache (the VFS, ramfs,
 * ext2, block devices, buffer heads, the page cache):
 *
 *   mount("disk.img")                   the host file becomes disk hda (then hdb, ...) and its ext2
 *                                       file system is mounted at /mnt (at="/mnt2" for another)
 *   fd = open("/mnt/hello.txt", O_RDONLY)      read(fd, 100)      write(fd, "text")
 *   lseek(fd, 0, SEEK_SET)   close(fd)   sync()   umount("/mnt")
 *   attach_disk("raw.img")              the host file becomes the next disk (hda, hdb, ...), unmounted:
 *                                       open("/dev/hdb", O_RDWR) reads and writes it raw
 *   pwrite64(fd, "\x01\x02", 4096)      pread64(fd, 100, 0)      fsync(fd)     the positioned calls
 *   invalidate_mapping_pages(fd, 0, 0xffffffff)   drop the clean, unmapped page-cache pages of fd
 *   p = page_cache_alloc(fd)            a page with the file's gfp mask, held by the scenario
 *   set_blocksize(fd, 512)              the block size of an open block device (/dev/hda)
 *   p = find_get_page(fd, 0)            the page-cache page of the open file at that index
 *   page_buffer_list(p)                 its buffer heads, one line each
 *
 * The descriptors are the scenario's own (the shell's): mmap(pid, ..., fd, off) hands one to the
 * process for the call, as if inherited. read returns the bytes as a string, the language having
 * no buffers; every call returns what the system call returns (-errno on failure). mount is the
 * exception: like mount(8) it fails the line when the kernel refuses the image.
 */

import { Errno } from "@i386mm/hw-i386";
import { __GFP_COLD } from "@i386mm/page-alloc";
import * as pcPkg from "@i386mm/page-cache";
import { ByteArrayBackend, IS_ERR, PTR_ERR } from "@i386mm/page-cache";
import { type Binding, TypedResult } from "./kernel-api.js";
import {
  argNumber,
  bindingDefiner,
  fdTables,
  type ProcessContext,
  ProcessError,
} from "./process-bindings.js";
import { hex, num } from "./values.js";

type File = pcPkg.file;

const BH_NAMES: readonly (readonly [number, string])[] = [
  [pcPkg.BH_Uptodate, "Uptodate"],
  [pcPkg.BH_Dirty, "Dirty"],
  [pcPkg.BH_Lock, "Lock"],
  [pcPkg.BH_Req, "Req"],
  [pcPkg.BH_Mapped, "Mapped"],
  [pcPkg.BH_New, "New"],
  [pcPkg.BH_Async_Read, "Async_Read"],
  [pcPkg.BH_Async_Write, "Async_Write"],
  [pcPkg.BH_Delay, "Delay"],
  [pcPkg.BH_Boundary, "Boundary"],
  [pcPkg.BH_Write_EIO, "Write_EIO"],
];

/** The disk names mount gives images, in order (IDE: hda .. hdd). */
const DISKS = ["hda", "hdb", "hdc", "hdd"];

const errno = (r: number): TypedResult => new TypedResult(num(r, "errno"));

/** Every file binding of this kernel (see the file comment). */
export function fileBindings(ctx: ProcessContext): Binding[] {
  const { pc } = ctx;
  let fds = fdTables.get(ctx);
  if (!fds) {
    fds = new Map();
    fdTables.set(ctx, fds);
  }
  const table = fds;
  const out: Binding[] = [];
  const def = bindingDefiner(out, "page-cache");
  const n = argNumber;
  const fileOf = (a: readonly unknown[]): File | null =>
    (table.get(n(a, 0))?.file as File | undefined) ?? null;
  /** read and pread64: `count` bytes into a buffer, returned as a string (the language has no buffers). */
  const readCall = (a: readonly unknown[], read: (f: File, buf: Uint8Array, count: number) => number) => {
    const f = fileOf(a);
    if (!f) return errno(-Errno.EBADF);
    const count = n(a, 1);
    if (!Number.isInteger(count) || count < 0 || count > 1 << 20)
      throw new ProcessError(`count ${count} is outside 0..1M (the scenario's buffer)`);
    const buf = new Uint8Array(count);
    const r = read(f, buf, count);
    if (r < 0) return errno(r);
    let v = "";
    for (let i = 0; i < r; i += 8192) v += String.fromCharCode(...buf.subarray(i, Math.min(r, i + 8192)));
    return new TypedResult({ t: "str", v });
  };
  /** write and pwrite64: the string's bytes (each character's low 8 bits). */
  const writeCall = (a: readonly unknown[], write: (f: File, buf: Uint8Array) => number) => {
    const f = fileOf(a);
    if (!f) return errno(-Errno.EBADF);
    const buf = Uint8Array.from(String(a[1] ?? ""), (c) => c.charCodeAt(0) & 0xff);
    const r = write(f, buf);
    return r < 0 ? errno(r) : r;
  };
  /** The host file `image` plugged in as disk `name` (default the first free one): its name. */
  const attach = (image: string, name?: string): string => {
    if (!ctx.host) throw new ProcessError(`${image}: this front end reads no host files`);
    const bytes = ctx.host.read(image);
    if (typeof bytes === "string") throw new ProcessError(`${image}: ${bytes}`);
    const free = (d: string) => ![...pc.disks.values()].some((g) => g.disk_name === d);
    const disk = name ?? DISKS.find(free);
    if (disk === undefined) throw new ProcessError(`${image}: no free disk (${DISKS.join(", ")} in use)`);
    if (!DISKS.includes(disk) || !free(disk))
      throw new ProcessError(`${image}: disk=${disk}: not a free disk of ${DISKS.join(", ")}`);
    const g = pc.add_disk(disk, new ByteArrayBackend(bytes));
    if (IS_ERR(g)) throw new ProcessError(`${image}: add_disk ${disk}: ${errName(PTR_ERR(g))}`);
    return disk;
  };

  def(
    "fs/namespace.c",
    "errno",
    "mount",
    [["str", "image"]],
    (a, kw) => {
      const image = String(a[0] ?? "");
      const at = String(kw.at ?? "/mnt");
      const type = String(kw.type ?? "ext2");
      const disk = attach(image);
      const mk = pc.sys_mkdir(at);
      if (mk < 0 && mk !== -Errno.EEXIST) throw new ProcessError(`${at}: ${errName(mk)}`);
      const r = pc.sys_mount(`/dev/${disk}`, at, type, 0);
      if (r < 0)
        throw new ProcessError(
          `/dev/${disk} (${image}) on ${at}: ${errName(r)}${
            r === -Errno.EINVAL ? `: wrong fs type or bad superblock (not ${type}?)` : ""
          }`,
        );
      return 0;
    },
    [
      { name: "at", type: "str", doc: "the mount point (default /mnt; made if missing)" },
      { name: "type", type: "str", doc: "the file system type (default ext2)" },
    ],
  );
  def(
    "drivers/block/genhd.c",
    "struct",
    "attach_disk",
    [["str", "image"]],
    (a, kw) => {
      // The front end's act of plugging a disk in (mount's first half, without the file system):
      // the host file's bytes become the next IDE disk, registered by add_disk.
      return `/dev/${attach(String(a[0] ?? ""), kw.disk === undefined ? undefined : String(kw.disk))}`;
    },
    [{ name: "disk", type: "str", doc: "the disk's name, hda .. hdd (default the first free one)" }],
  );
  def("fs/namespace.c", "errno", "umount", [["str", "dir"]], (a) => pc.sys_umount(String(a[0] ?? "")));
  def(
    "fs/open.c",
    "int",
    "open",
    [
      ["str", "pathname"],
      ["int", "flags"],
    ],
    (a, kw) => {
      const path = String(a[0] ?? "");
      const f = pc.filp_open(path, n(a, 1), kw.mode === undefined ? 0o644 : Number(kw.mode));
      if (IS_ERR(f)) return errno(PTR_ERR(f));
      let fd = 3;
      while (table.has(fd)) fd++;
      table.set(fd, { file: f, path });
      return fd;
    },
    [{ name: "mode", type: "int", doc: "the new file's mode with O_CREAT (default 0644)" }],
  );
  def("fs/open.c", "errno", "close", [["int", "fd"]], (a) => {
    const e = table.get(n(a, 0));
    if (!e) return -Errno.EBADF;
    table.delete(n(a, 0));
    pc.fput(e.file as File);
    return 0;
  });
  def(
    "fs/read_write.c",
    "int",
    "read",
    [
      ["int", "fd"],
      ["int", "count"],
    ],
    (a) => readCall(a, (f, buf, count) => pc.sys_read(f, buf, count)),
  );
  def(
    "fs/read_write.c",
    "int",
    "write",
    [
      ["int", "fd"],
      ["str", "data"],
    ],
    (a) => writeCall(a, (f, buf) => pc.sys_write(f, buf, buf.length)),
  );
  def(
    "fs/read_write.c",
    "int",
    "lseek",
    [
      ["int", "fd"],
      ["int", "offset"],
      ["int", "whence"],
    ],
    (a) => {
      const f = fileOf(a);
      if (!f) return errno(-Errno.EBADF);
      const r = pc.sys_lseek(f, n(a, 1), n(a, 2));
      return r < 0 ? errno(r) : r;
    },
  );
  def(
    "fs/read_write.c",
    "int",
    "pread64",
    [
      ["int", "fd"],
      ["int", "count"],
      ["int", "pos"],
    ],
    (a) => readCall(a, (f, buf, count) => pc.sys_pread64(f, buf, count, n(a, 2))),
  );
  def(
    "fs/read_write.c",
    "int",
    "pwrite64",
    [
      ["int", "fd"],
      ["str", "data"],
      ["int", "pos"],
    ],
    (a) => writeCall(a, (f, buf) => pc.sys_pwrite64(f, buf, buf.length, n(a, 2))),
  );
  def("fs/buffer.c", "errno", "fsync", [["int", "fd"]], (a) => {
    const f = fileOf(a);
    return f ? pc.vfs_fsync(f) : -Errno.EBADF;
  });
  def(
    "mm/truncate.c",
    "int",
    "invalidate_mapping_pages",
    [
      ["int", "fd"],
      ["int", "start"],
      ["int", "end"],
    ],
    (a) => {
      // The mapping is the open file's (f_mapping), as find_get_page(fd, index) finds it.
      const f = fileOf(a);
      if (!f) throw new ProcessError(`fd ${n(a, 0)} is not open (-EBADF)`);
      return pc.invalidate_mapping_pages(f.f_mapping, n(a, 1), n(a, 2));
    },
  );
  // page_cache_alloc(mapping) is alloc_pages(mapping_gfp_mask(mapping), 0) (include/linux/pagemap.h):
  // the mapping is the open file's; the page goes to the scenario through the record of direct
  // callers, as alloc_pages does, so that `check` knows who holds it.
  for (const [name, cold] of [
    ["page_cache_alloc", 0],
    ["page_cache_alloc_cold", __GFP_COLD],
  ] as const)
    def("include/linux/pagemap.h", "page", name, [["int", "fd"]], (a) => {
      const f = fileOf(a);
      if (!f) throw new ProcessError(`fd ${n(a, 0)} is not open (-EBADF)`);
      const page = ctx.direct.alloc_pages(pc.mapping_gfp_mask(f.f_mapping) | cold, 0);
      return page === null ? null : (page as number);
    });
  def("fs/buffer.c", "errno", "sync", [], () => pc.sys_sync());
  def(
    "fs/block_dev.c",
    "errno",
    "set_blocksize",
    [
      ["int", "fd"],
      ["int", "size"],
    ],
    (a) => {
      const e = table.get(n(a, 0));
      if (!e) return -Errno.EBADF;
      const bdev = pc.lookup_bdev(e.path);
      if (IS_ERR(bdev)) return -Errno.ENOTBLK;
      // The BLKBSZSET ioctl claims the device first: a mounted one is busy.
      if (bdev.bd_holder) return -Errno.EBUSY;
      return pc.set_blocksize(bdev, n(a, 1));
    },
  );
  def(
    "mm/filemap.c",
    "page",
    "find_get_page",
    [
      ["int", "fd"],
      ["int", "index"],
    ],
    (a) => {
      const f = fileOf(a);
      if (!f) throw new ProcessError(`fd ${n(a, 0)} is not open (-EBADF)`);
      const p = pc.find_get_page(f.f_mapping, n(a, 1));
      if (p === null) return null;
      // The scenario holds no reference: the one find_get_page took is dropped (page_cache_release).
      pc.page_cache_release(p);
      return p as number;
    },
  );
  def("fs/buffer.c", "struct", "page_buffer_list", [["page", "page"]], (a) => {
    const page = n(a, 0) as pcPkg.buffer_head["b_page"];
    if (!pc.PagePrivate(page)) throw new ProcessError(`pfn ${hex(page)} has no buffers (PG_private clear)`);
    const list = pc.page_buffer_list(page);
    const lines = list.map((bh, i) => {
      const state = BH_NAMES.filter(([bit]) => (bh.b_state & (1 << bit)) !== 0).map(([, s]) => s);
      const block = bh.b_blocknr >>> 0 === 0xffffffff ? "unmapped" : String(bh.b_blocknr);
      return `bh[${i}] ${hex(bh.addr, 8)} b_blocknr ${block} b_size ${bh.b_size} b_count ${bh.b_count} data +${hex(i * bh.b_size)} ${state.join("|") || "-"}`;
    });
    return `${lines.join("\n")}\n${list.length} buffer(s) of ${list[0]?.b_size ?? 0} bytes on pfn ${hex(page)}\n`;
  });
  return out;
}

function errName(r: number): string {
  const name = Object.entries(Errno).find(([, v]) => v === -r)?.[0];
  return `${r}${name ? ` (-${name})` : ""}`;
}

/** `cat /proc/diskstats` (page-cache's block layer), or null for another name. */
export function fileView(ctx: ProcessContext, name: string): { lines: string[]; json: unknown } | null {
  if (name !== "diskstats") return null;
  const lines = ctx.pc.diskstats().replace(/\n$/, "").split("\n").filter(Boolean);
  return { lines, json: { lines } };
}
