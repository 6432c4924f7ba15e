/*
 * The whole-machine check's cross-layer statements (machine-check.ts): a machine busy at every
 * layer passes and every owner is seen; each statement, broken on purpose, is reported in words.
 */
import { _PAGE_PRESENT, _PAGE_RW, PAGE_SIZE, type Page, set_pte_at, type VirtAddr } from "@i386mm/hw-i386";
import { KM_USER0 } from "@i386mm/kmap";
import { GFP_HIGHUSER, GFP_KERNEL } from "@i386mm/page-alloc";
import { ByteArrayBackend, O_CREAT, O_RDWR } from "@i386mm/page-cache";
import {
  create_task,
  do_fork,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
  schedule_to,
  sys_mmap2,
  user_read,
  user_write,
} from "@i386mm/vma";
import { describe, expect, it } from "vitest";
import {
  boot,
  checkKernelInvariants,
  type Kernel,
  kernelProblems,
  machineOwnership,
  machineProblems,
  OWNER_NAMES,
  Owner,
} from "../src/index.js";

const MiB = 2 ** 20;

/** A machine with highmem (80M low + 16M high) and something held by every kind of owner. */
function busy(pae = false): { k: Kernel; keep: Record<string, number> } {
  const k = boot({ mem: 96 * MiB, pae, cpus: 2, pageAlloc: { highmem: 16 * MiB } });
  const keep: Record<string, number> = {};
  const c = k.slab.kmem_cache_create("test-objs", 600, 0, 0, null)!;
  keep.obj = k.slab.kmem_cache_alloc(c, GFP_KERNEL)!;
  keep.kmalloc = k.slab.kmalloc(5000, GFP_KERNEL)!;
  keep.vmalloc = k.slab.vmalloc(5 * PAGE_SIZE)!;
  keep.direct = k.direct.alloc_pages(GFP_KERNEL, 2)!;
  const high = k.direct.alloc_page(GFP_HIGHUSER)!;
  keep.high = high;
  keep.kmap = k.km.kmap(high);
  const high2 = k.direct.alloc_page(GFP_HIGHUSER)!;
  keep.vmap = k.slab.vmap([high2], 1, 0, 0x163)!;
  // a file in ramfs and one process with anonymous, shared-anonymous and file mappings, forked
  expect(k.pc.writeFile("/data", new Uint8Array(3 * PAGE_SIZE).fill(7))).toBe(0);
  const t = create_task(k.vm, "busy")!;
  schedule_to(k.vm, t);
  const f = k.pc.filp_open("/data", O_RDWR | O_CREAT, 0o644);
  if (typeof f === "number") throw new Error(`open ${f}`);
  t.files.set(3, f);
  const anon = sys_mmap2(k.vm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  const shm = sys_mmap2(k.vm, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  const file = sys_mmap2(k.vm, 0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0);
  const priv = sys_mmap2(k.vm, 0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 3, 0);
  for (const a of [anon, shm, file, priv]) expect(a > 0 && a < 0xc0000000).toBe(true);
  expect(user_write(k.vm, anon, [1])).toBeNull();
  expect(user_write(k.vm, anon + PAGE_SIZE, [2])).toBeNull();
  expect(user_write(k.vm, shm, [3])).toBeNull();
  expect(user_write(k.vm, file, [4])).toBeNull();
  expect(user_read(k.vm, priv + PAGE_SIZE, 1)).toBeInstanceOf(Uint8Array);
  expect(user_write(k.vm, priv + 2 * PAGE_SIZE, [5])).toBeNull(); // COW of a file page
  expect(do_fork(k.vm, 0)).not.toBeNull();
  expect(user_write(k.vm, anon, [9])).toBeNull(); // COW after fork
  keep.anon = anon;
  return { k, keep };
}

describe("the whole-machine check on a busy machine", () => {
  it.each([false, true])("passes with every owner present (PAE %s)", (pae) => {
    const { k } = busy(pae);
    expect(kernelProblems(k)).toEqual([]);
    checkKernelInvariants(k);
    const own = machineOwnership(k);
    for (const o of [
      Owner.Slab,
      Owner.Vmalloc,
      Owner.PageCache,
      Owner.Shmem,
      Owner.KernelPageTable,
      Owner.UserPageTable,
      Owner.Anon,
      Owner.Direct,
    ])
      expect(own.counts[o], OWNER_NAMES[o]).toBeGreaterThan(0);
    expect(own.counts[Owner.None]).toBe(0);
    let zonesPresent = 0;
    for (const z of k.pa.zones) zonesPresent += z.present_pages;
    expect(own.free + own.pcp + own.reserved + own.allocated).toBe(zonesPresent);
  });

  it("counts a block device's page cache as the buffers, as /proc/meminfo does", () => {
    const k = boot({ mem: 32 * MiB });
    expect(k.pc.add_disk("hda", new ByteArrayBackend(new Uint8Array(256 * 1024).fill(1)))).not.toBeNull();
    const f = k.pc.filp_open("/dev/hda", O_RDWR, 0);
    if (typeof f === "number") throw new Error(`open ${f}`);
    expect(k.pc.kernel_read(f, 0, new Uint8Array(3 * PAGE_SIZE), 3 * PAGE_SIZE)).toBe(3 * PAGE_SIZE);
    const own = machineOwnership(k);
    expect(own.counts[Owner.Buffers]).toBe(3);
    expect(k.pa.meminfo()).toMatch(/Buffers:\s+12 kB/);
    expect(kernelProblems(k)).toEqual([]);
    k.pc.fput(f); // the last close of a block device drops its pages (blkdev_put: kill_bdev)
    expect(machineOwnership(k).counts[Owner.Buffers]).toBe(0);
    expect(kernelProblems(k)).toEqual([]);
  });
});

describe("each cross-layer statement, broken, is named", () => {
  const problemsOf = (k: Kernel) => machineProblems(k).join("\n");

  it("a page taken from the page allocator by no one the check knows is lost", () => {
    const k = boot({ mem: 32 * MiB });
    const p = k.pa.alloc_pages(GFP_KERNEL, 1)!;
    expect(problemsOf(k)).toMatch(new RegExp(`pfn 0x${p.toString(16)} .*allocated but no one holds it`));
    expect(problemsOf(k)).toMatch(/owned \d+ \+ reserved \d+ = \d+, not present_pages/);
    k.pa.__free_pages(p, 1);
    expect(machineProblems(k)).toEqual([]);
  });

  it("a frame two holders claim has two owners", () => {
    const { k, keep } = busy();
    const area = k.slab.vm.vmlist.find((a) => a.addr === keep.vmalloc)!;
    area.pages![1] = keep.direct as Page; // the area now names a direct caller's page as its own
    expect(problemsOf(k)).toMatch(/has two owners: vmalloc and direct caller's order-2 block/);
  });

  it("a reference no holder accounts for breaks the counts", () => {
    const { k, keep } = busy();
    const vpage = k.slab.vmalloc_to_page(keep.vmalloc as VirtAddr)!;
    k.pa.get_page(vpage);
    expect(problemsOf(k)).toMatch(/held by vmalloc: page_count 2, references held 1/);
    k.pa.put_page(vpage);
    const d = keep.direct as Page;
    k.pa.get_page(d);
    expect(problemsOf(k)).toMatch(/direct caller's page with page_count 2, 1 references held/);
    k.pa.put_page(d);
    k.direct.get_page(d); // the same reference, through the record: accounted
    expect(machineProblems(k)).toEqual([]);
    k.direct.put_page(d);
    expect(machineProblems(k)).toEqual([]);
  });

  it("a _mapcount without a pte mapping the page is caught", () => {
    const { k, keep } = busy();
    k.pa.mem_map._mapcount[keep.direct!]++;
    expect(problemsOf(k)).toMatch(/page_mapcount 1 but 0 user ptes map it/);
  });

  it("a kernel pte in the vmalloc range outside every vm_struct is caught", () => {
    const k = boot({ mem: 32 * MiB });
    const p = k.direct.alloc_page(GFP_KERNEL)!;
    const va = k.slab.vm.VMALLOC_START + 64 * PAGE_SIZE;
    set_pte_at(k.machine, k.pa.swapper_pg_dir, va, p * PAGE_SIZE + (_PAGE_PRESENT | _PAGE_RW), () => {
      const t = k.direct.__get_free_page(GFP_KERNEL);
      return (t - 0xc0000000) as never;
    });
    expect(problemsOf(k)).toMatch(/in the vmalloc range but in no vm_struct/);
  });

  it("a pkmap slot in use over a page no one holds is caught", () => {
    const k = boot({ mem: 96 * MiB, pageAlloc: { highmem: 16 * MiB } });
    const p = k.pa.alloc_page(GFP_HIGHUSER)!; // outside the record
    k.km.kmap(p);
    expect(problemsOf(k)).toMatch(/pkmap slot \d+ in use: maps pfn 0x[0-9a-f]+, which no one holds/);
  });

  it("a kmap_atomic slot in use over a page no one holds is caught", () => {
    const k = boot({ mem: 96 * MiB, pageAlloc: { highmem: 16 * MiB } });
    const p = k.pa.alloc_page(GFP_HIGHUSER)!;
    k.km.kmap_atomic(p, KM_USER0);
    expect(problemsOf(k)).toMatch(/kmap_atomic slot \d+ in use: maps pfn 0x[0-9a-f]+, which no one holds/);
  });

  it("a user pte onto a page held by the slab is caught", () => {
    const { k, keep } = busy();
    const slabPfn = k.pa.virt_to_page(keep.obj as never);
    const mm = k.vm.current.mm!;
    const pte = slabPfn * PAGE_SIZE + (_PAGE_PRESENT | 4);
    set_pte_at(k.machine, k.vm.pgd_pa(mm), keep.anon! + 3 * PAGE_SIZE, pte);
    expect(problemsOf(k)).toMatch(/maps a page held by slab, not by a file, shmem or a direct caller/);
  });

  it("a /proc/meminfo figure that differs from mem_map is caught", () => {
    const k = boot({ mem: 32 * MiB });
    (k.pa as unknown as { totalram_pages: number }).totalram_pages += 1;
    expect(problemsOf(k)).toMatch(/\/proc\/meminfo MemTotal is \d+ kB, mem_map adds up to \d+ kB/);
  });

  it("a zone's free_pages that differs from its lists is caught", () => {
    const k = boot({ mem: 32 * MiB });
    k.pa.zones[1]!.free_pages -= 1;
    expect(problemsOf(k)).toMatch(/zone Normal: free_pages \d+, the buddy lists hold \d+/);
  });
});

describe("k.direct, the record of direct callers", () => {
  it("follows alloc and free through every entry point", () => {
    const k = boot({ mem: 32 * MiB });
    const a = k.direct.__get_free_pages(GFP_KERNEL, 1);
    const b = k.direct.get_zeroed_page(GFP_KERNEL);
    const c = k.direct.alloc_page(GFP_KERNEL)!;
    expect(k.direct.blocks).toBe(3);
    expect([...k.direct.heldBlocks()].map(([, o]) => o).sort()).toEqual([0, 0, 1]);
    expect(machineProblems(k)).toEqual([]);
    k.direct.free_pages(a, 1);
    k.direct.free_page(b);
    k.direct.get_page(c);
    k.direct.put_page(c);
    expect(k.direct.blocks).toBe(1);
    k.direct.__free_page(c);
    expect(k.direct.blocks).toBe(0);
    expect(machineProblems(k)).toEqual([]);
  });

  it("records nothing for a call the page allocator refuses", () => {
    const k = boot({ mem: 32 * MiB });
    expect(k.direct.alloc_pages(GFP_KERNEL, 11)).toBeNull();
    const p = k.direct.alloc_page(GFP_KERNEL)!;
    expect(() => k.direct.__free_pages(p, 3)).toThrow();
    expect(k.direct.blocks).toBe(1);
    expect(machineProblems(k)).toEqual([]);
  });
});
