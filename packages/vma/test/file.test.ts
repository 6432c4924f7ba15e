/* File-backed mappings through the page cache: private and shared, COW, offsets, SIGBUS, truncation, fork. */
import { Errno } from "@i386mm/hw-i386";
import { type file, IS_ERR, O_RDONLY, O_RDWR, O_WRONLY } from "@i386mm/page-cache";
import { describe, expect, it } from "vitest";
import {
  checkVmaInvariants,
  create_task,
  do_exit,
  do_fork,
  do_mmap_pgoff,
  follow_pte,
  MAP_DENYWRITE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  proc_pid_maps,
  SIGBUS,
  schedule_to,
  sys_munmap,
  user_access,
  user_read,
  user_write,
  vma_list,
  vmtruncate,
} from "../src/index.js";
import { entry_get } from "../src/pgtable.js";
import { bootVmWithFiles } from "./helpers.js";

const RW = PROT_READ | PROT_WRITE;

function setup(pae = false) {
  const { vm, pc } = bootVmWithFiles({ pae });
  const bytes = new Uint8Array(3 * 4096 + 100);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 12)) & 0xff;
  expect(pc.writeFile("/data", bytes)).toBeGreaterThanOrEqual(0);
  const t = create_task(vm, "t")!;
  schedule_to(vm, t);
  const open = (flags: number) => {
    const f = pc.filp_open("/data", flags);
    if (IS_ERR(f)) throw new Error(`open ${f}`);
    return f as file;
  };
  return { vm, pc, t, bytes, open };
}
const pfn = (vm: ReturnType<typeof setup>["vm"], a: number) => {
  const p = follow_pte(vm, vm.current.mm!, a);
  const pte = p < 0 ? 0 : entry_get(vm, p);
  return pte === 0 ? -1 : Math.floor(pte / 4096);
};

for (const pae of [false, true])
  describe(`file mappings (${pae ? "PAE" : "2-level"})`, () => {
    it("MAP_PRIVATE read maps the page-cache page read-only (count = cache + pte); a write copies it", () => {
      const { vm, pc, t, bytes, open } = setup(pae);
      const f = open(O_RDONLY);
      const a = do_mmap_pgoff(vm, f, 0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, 1);
      expect(a > 0).toBe(true);
      expect(f.f_count).toBe(2);
      expect(Array.from(user_read(vm, a + 10, 4) as Uint8Array)).toEqual(
        Array.from(bytes.subarray(4106, 4110)),
      );
      const page = pfn(vm, a) as never;
      expect(pc.page_mapping(page)).toBe(f.f_mapping);
      expect(vm.pa.page_count(page)).toBe(2);
      expect(vm.pa.page_mapcount(page)).toBe(1);
      expect(t.mm!.rss).toBe(1);
      expect(t.mm!.anon_rss).toBe(0);
      expect(user_write(vm, a + 10, [0xee])).toBeNull(); // do_wp_page: count 2, copy
      expect(pfn(vm, a)).not.toBe(page);
      expect(vm.pa.page_count(page)).toBe(1);
      expect(vm.pa.page_mapcount(page)).toBe(0);
      expect(t.mm!.anon_rss).toBe(1);
      expect((pc.readFile("/data") as Uint8Array)[4106]).toBe(bytes[4106]); // the file is unchanged
      // a first write to another page copies at once (do_no_page's early COW)
      expect(user_write(vm, a + 4096, [1])).toBeNull();
      expect(pc.page_mapping(pfn(vm, a + 4096) as never)).toBeNull();
      checkVmaInvariants(vm);
      sys_munmap(vm, a, 2 * 4096);
      expect(f.f_count).toBe(1);
      checkVmaInvariants(vm);
    });

    it("MAP_SHARED writes reach the page cache (and other mappings); munmap marks the page dirty", () => {
      const { vm, pc, open } = setup(pae);
      const f = open(O_RDWR);
      const a = do_mmap_pgoff(vm, f, 0, 4096, RW, MAP_SHARED, 0);
      const b = do_mmap_pgoff(vm, f, 0, 4096, PROT_READ, MAP_SHARED, 0);
      expect(user_write(vm, a + 5, [0xab])).toBeNull();
      expect((user_read(vm, b + 5, 1) as Uint8Array)[0]).toBe(0xab);
      expect(pfn(vm, a)).toBe(pfn(vm, b));
      expect(vm.pa.page_mapcount(pfn(vm, a) as never)).toBe(2);
      expect(f.f_mapping.i_mmap.size).toBe(2);
      expect(f.f_mapping.i_mmap_writable).toBe(2);
      checkVmaInvariants(vm);
      const page = pfn(vm, a) as never;
      sys_munmap(vm, a, 4096);
      expect(pc.PageDirty(page)).toBe(true);
      expect((pc.readFile("/data") as Uint8Array)[5]).toBe(0xab);
      checkVmaInvariants(vm);
    });

    it("file modes: shared writable needs FMODE_WRITE, any mapping needs FMODE_READ; a read-only file's shared mapping loses VM_MAYWRITE", () => {
      const { vm, open } = setup(pae);
      const ro = open(O_RDONLY);
      expect(do_mmap_pgoff(vm, ro, 0, 4096, RW, MAP_SHARED, 0)).toBe(-Errno.EACCES);
      expect(do_mmap_pgoff(vm, open(O_WRONLY), 0, 4096, PROT_READ, MAP_PRIVATE, 0)).toBe(-Errno.EACCES);
      const a = do_mmap_pgoff(vm, ro, 0, 4096, PROT_READ, MAP_SHARED, 0);
      const v = vma_list(vm.current.mm!).find((x) => x.vm_start === a)!;
      expect(v.vm_flags & (0x8 | 0x20 | 0x80)).toBe(0x80); // !VM_SHARED, !VM_MAYWRITE, VM_MAYSHARE
      expect(proc_pid_maps(vm.current)).toContain("r--s 00000000");
    });

    it("vm_pgoff: an offset mapping sees the file from that page; beyond i_size is SIGBUS", () => {
      const { vm, t, bytes, open } = setup(pae);
      const f = open(O_RDONLY);
      const a = do_mmap_pgoff(vm, f, 0, 4 * 4096, PROT_READ, MAP_PRIVATE, 2);
      expect((user_read(vm, a + 7, 1) as Uint8Array)[0]).toBe(bytes[2 * 4096 + 7]);
      expect((user_read(vm, a + 4096 + 99, 1) as Uint8Array)[0]).toBe(bytes[3 * 4096 + 99]);
      expect((user_read(vm, a + 4096 + 100, 1) as Uint8Array)[0]).toBe(0); // the rest of the last page
      expect(user_access(vm, a + 2 * 4096)).toBe("SIGBUS");
      expect(t.pending[0]!.si_signo).toBe(SIGBUS);
      const line = proc_pid_maps(t).split("\n")[0]!;
      expect(line.slice(18, 31)).toBe("r--p 00002000");
      expect(line.endsWith(" /data")).toBe(true);
      expect(line.indexOf("/data")).toBe(49);
    });

    it("a page not in the page cache is read at fault time: a major fault (maj_flt, pgmajfault)", () => {
      const { vm, pc, t, open } = setup(pae);
      expect(pc.sys_truncate("/data", 8 * 4096)).toBe(0); // pages 4..7 are a hole, not cached
      const f = open(O_RDONLY);
      const a = do_mmap_pgoff(vm, f, 0, 8 * 4096, PROT_READ, MAP_PRIVATE, 0);
      user_read(vm, a, 1); // cached: minor
      expect([t.min_flt, t.maj_flt]).toEqual([1, 0]);
      expect(Array.from(user_read(vm, a + 6 * 4096, 4) as Uint8Array)).toEqual([0, 0, 0, 0]); // read in: major
      expect([t.min_flt, t.maj_flt]).toEqual([1, 1]);
      expect(vm.page_state.pgmajfault).toBe(1);
      checkVmaInvariants(vm);
    });

    it("MAP_DENYWRITE: -ETXTBSY while open for writing; else writers are denied until unmap", () => {
      const { vm, open } = setup(pae);
      const w = open(O_RDWR);
      const ro = open(O_RDONLY);
      expect(do_mmap_pgoff(vm, ro, 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_DENYWRITE, 0)).toBe(
        -Errno.ETXTBSY,
      );
      const inode = ro.f_dentry.d_inode!;
      const wc = inode.i_writecount;
      expect(wc).toBeGreaterThan(0);
      // without the writer
      const { vm: vm2, open: open2 } = setup(pae);
      const r2 = open2(O_RDONLY);
      const a = do_mmap_pgoff(vm2, r2, 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_DENYWRITE, 0);
      expect(r2.f_dentry.d_inode!.i_writecount).toBe(-1);
      sys_munmap(vm2, a, 4096);
      expect(r2.f_dentry.d_inode!.i_writecount).toBe(0);
      void w;
      void vm;
    });

    it("fork shares file pages (mapcount 2, one more file reference); exit gives them back", () => {
      const { vm, open } = setup(pae);
      const f = open(O_RDONLY);
      const a = do_mmap_pgoff(vm, f, 0, 4096, PROT_READ, MAP_PRIVATE, 0);
      user_read(vm, a, 1);
      const page = pfn(vm, a) as never;
      const c = do_fork(vm, 0)!;
      expect(f.f_count).toBe(3);
      expect(vm.pa.page_mapcount(page)).toBe(2);
      expect(vm.pa.page_count(page)).toBe(3);
      schedule_to(vm, c);
      checkVmaInvariants(vm);
      do_exit(vm, 0);
      expect(f.f_count).toBe(2);
      expect(vm.pa.page_mapcount(page)).toBe(1);
    });

    it("adjacent mappings of contiguous file offsets merge; MAP_POPULATE maps a shared file range at once", () => {
      const { vm, open } = setup(pae);
      const f = open(O_RDWR);
      const a = do_mmap_pgoff(vm, f, 0x50000000, 4096, PROT_READ, MAP_SHARED | 0x10, 0);
      do_mmap_pgoff(vm, f, 0x50001000, 4096, PROT_READ, MAP_SHARED | 0x10, 1);
      expect(vm.current.mm!.map_count).toBe(1);
      expect(f.f_count).toBe(2); // the merged request's reference was dropped
      const b = do_mmap_pgoff(vm, f, 0, 3 * 4096, RW, MAP_SHARED | MAP_POPULATE, 0);
      expect(vm.current.mm!.rss).toBe(3);
      expect(pfn(vm, b + 4096)).not.toBe(-1);
      void a;
      checkVmaInvariants(vm);
    });

    it("vmtruncate unmaps the truncated pages (even private copies): a later access is SIGBUS", () => {
      const { vm, t, open } = setup(pae);
      const f = open(O_RDWR);
      const a = do_mmap_pgoff(vm, f, 0, 3 * 4096, RW, MAP_SHARED, 0);
      const p = do_mmap_pgoff(vm, f, 0, 3 * 4096, RW, MAP_PRIVATE, 0);
      for (let i = 0; i < 3; i++) {
        user_read(vm, a + i * 4096, 1);
        user_write(vm, p + i * 4096, [1]);
      }
      expect(t.mm!.rss).toBe(6);
      expect(vmtruncate(vm, f, 4096)).toBe(0);
      expect(t.mm!.rss).toBe(2);
      checkVmaInvariants(vm);
      expect(user_access(vm, a + 4096)).toBe("SIGBUS");
      expect(user_access(vm, p + 2 * 4096)).toBe("SIGBUS");
      expect((user_read(vm, p, 1) as Uint8Array)[0]).toBe(1);
      expect(f.f_mapping.host.i_size).toBe(4096);
      // the pte of the writable shared page is gone, only the first page remains mapped
      expect(pfn(vm, a + 4096)).toBe(-1);
    });

    it("truncation through the page cache (sys_truncate) unmaps first, in every process, COW copies too", () => {
      const { vm, pc, t, open } = setup(pae);
      const f = open(O_RDWR);
      const a = do_mmap_pgoff(vm, f, 0, 3 * 4096, RW, MAP_SHARED, 0);
      const p = do_mmap_pgoff(vm, f, 0, 3 * 4096, RW, MAP_PRIVATE, 0);
      for (let i = 0; i < 3; i++) {
        user_read(vm, a + i * 4096, 1);
        user_write(vm, p + i * 4096, [i + 1]); // private copies
      }
      const child = do_fork(vm, 0)!; // a second mm maps the same pages
      expect(child.mm!.rss).toBe(6);
      const mapping = f.f_mapping;
      const before = mapping.truncate_count;
      const cached = pc.nr_pagecache;
      expect(pc.sys_truncate("/data", 4096 + 10)).toBe(0);
      expect(mapping.truncate_count).toBe(before + 1); // one unmap_mapping_range
      expect([t.mm!.rss, child.mm!.rss]).toEqual([4, 4]); // pages 0 and 1 stay in both
      expect(pc.nr_pagecache).toBe(cached - 2); // pages 2 and 3 left the cache: no pte pins them
      checkVmaInvariants(vm);
      expect(pfn(vm, a + 2 * 4096)).toBe(-1);
      expect(pfn(vm, p + 2 * 4096)).toBe(-1);
      expect(user_access(vm, a + 2 * 4096)).toBe("SIGBUS");
      expect((user_read(vm, p + 4096, 1) as Uint8Array)[0]).toBe(2); // a kept private copy
      schedule_to(vm, child);
      expect(pfn(vm, a + 2 * 4096)).toBe(-1);
      expect(user_access(vm, p + 2 * 4096)).toBe("SIGBUS");
      expect((user_read(vm, a + 4096 + 9, 1) as Uint8Array).length).toBe(1);
      checkVmaInvariants(vm);
    });
  });
