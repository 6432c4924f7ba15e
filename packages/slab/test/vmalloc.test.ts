import {
  _PAGE_KERNEL,
  _PAGE_NX,
  asVirt,
  KernelPanicError,
  lookupPte,
  Machine,
  PAGE_KERNEL,
  peek,
  pte_flags,
  translate,
} from "@i386mm/hw-i386";
import { __GFP_NORETRY, __GFP_NOWARN, GFP_KERNEL, PageAllocator } from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { checkSlabInvariants } from "../src/invariants.js";
import { SlabAllocator } from "../src/slab-allocator.js";
import { VM_ALLOC, VM_MAP } from "../src/vmalloc.js";
import { boot, snapshot } from "./helpers.js";

describe("vmalloc area bounds", () => {
  it("derives VMALLOC_START from high_memory and VMALLOC_END from PKMAP_BASE", () => {
    const { slab, pa } = boot();
    expect(pa.high_memory).toBe(0xc3fe0000); // QEMU's e820: RAM ends 128 KiB short of 64 MiB
    expect(slab.vm.VMALLOC_START).toBe(0xc4800000); // 8 MiB gap, 8 MiB aligned
    expect(slab.vm.VMALLOC_END).toBe(0xff7fe000); // PKMAP_BASE (0xff800000) - 2 pages
    const pae = boot({ pae: true, cpus: 1 });
    expect(pae.slab.vm.VMALLOC_END).toBe(0xffbfe000);
  });
});

describe("vmalloc / vfree", () => {
  it("maps pages in swapper_pg_dir so the MMU reaches the right frames; guard page unmapped", () => {
    const { slab, pa, machine } = boot();
    const a = slab.vmalloc(3 * 4096 + 1)!;
    expect(a).toBe(slab.vm.VMALLOC_START);
    const area = slab.vm.vmlist[0];
    expect([area.size, area.nr_pages, area.flags]).toEqual([5 * 4096, 4, VM_ALLOC]);
    for (let i = 0; i < 4; i++) {
      const r = peek(machine, pa.swapper_pg_dir, a + i * 4096 + 123);
      expect(r).toEqual({ phys: area.pages![i]! * 4096 + 123 });
    }
    expect("fault" in peek(machine, pa.swapper_pg_dir, a + 4 * 4096)).toBe(true);
    // bytes written through the frame are seen at the virtual address
    const phys = (peek(machine, pa.swapper_pg_dir, a + 8192) as { phys: number }).phys;
    machine.ram.write32(phys, 0x11223344);
    const t = translate(machine, machine.cpus[0], a + 8192, { write: false });
    expect("phys" in translate(machine, machine.cpus[1], a + 8192, {})).toBe(true); // CPU 1's TLB too
    expect("phys" in t && machine.ram.read32(t.phys!)).toBe(0x11223344);
    // the page-pointer array (kmalloc'ed) holds struct page addresses
    expect(machine.ram.read32(area.pagesAddr - 0xc0000000) >>> 0).toBe(
      pa.page_descriptor_address(area.pages![0]!),
    );
    // the next area starts after one guard page
    const b = slab.vmalloc(4096)!;
    expect(b).toBe(a + 5 * 4096);
    checkSlabInvariants(slab);
    const pages = area.pages!.slice();
    const cached = (cpu: number) => {
      let n = 0;
      machine.cpus[cpu].tlb.forEach((va) => {
        if (va >>> 12 === (a + 8192) >>> 12) n++;
      });
      return n;
    };
    expect([cached(0), cached(1)]).toEqual([1, 1]); // both CPUs cached the translation
    slab.vfree(a);
    expect([cached(0), cached(1)]).toEqual([0, 0]); // flush_tlb_all reached every CPU
    for (const pg of pages) expect(pa.page_count(pg!)).toBe(0); // back in the page allocator
    for (let i = 0; i < 5; i++) expect("fault" in peek(machine, pa.swapper_pg_dir, a + i * 4096)).toBe(true);
    // the TLB entry filled by translate above is gone on every CPU
    expect("fault" in translate(machine, machine.cpus[0], a + 8192, {})).toBe(true);
    expect("fault" in translate(machine, machine.cpus[1], a + 8192, {})).toBe(true);
    // first fit reuses the hole
    expect(slab.vmalloc(8192)).toBe(a);
    checkSlabInvariants(slab);
  });

  it("vfree of an address vmalloc never returned prints and WARNs as 2.6.11's __vunmap; nothing changes", () => {
    const { slab, machine } = boot();
    const a = slab.vmalloc(10000)!;
    const before = snapshot(slab);
    slab.vfree(asVirt(a + 4096));
    expect(machine.dmesg.slice(-2)).toEqual([
      `Trying to vfree() nonexistent vm area (${(a + 4096).toString(16)})`,
      "Badness in __vunmap at mm/vmalloc.c:368",
    ]);
    slab.vfree(asVirt(a + 1));
    expect(machine.dmesg.slice(-2)).toEqual([
      `Trying to vfree() bad address (${(a + 1).toString(16)})`,
      "Badness in __vunmap at mm/vmalloc.c:360",
    ]);
    expect(machine.warnings.at(-1)).toBe("Badness in __vunmap at mm/vmalloc.c:360");
    slab.vunmap(asVirt(0xd0000000));
    expect(machine.dmesg.at(-2)).toBe("Trying to vfree() nonexistent vm area (d0000000)");
    expect(snapshot(slab)).toBe(before);
    slab.vfree(null);
    slab.vfree(a);
    const after = snapshot(slab);
    slab.vfree(a); // double vfree: the same WARN, nothing freed twice
    expect(machine.dmesg.at(-1)).toBe("Badness in __vunmap at mm/vmalloc.c:368");
    expect(snapshot(slab)).toBe(after);
    checkSlabInvariants(slab);
  });

  it("vfree in interrupt context is a BUG", () => {
    const { slab, machine } = boot();
    const a = slab.vmalloc(4096)!;
    machine.cpus[0].preempt_count += 1 << 16;
    expect(() => slab.vfree(a)).toThrow(/interrupt/);
    machine.cpus[0].preempt_count -= 1 << 16;
    slab.vfree(a);
  });

  it("vmalloc(0) and sizes beyond num_physpages return NULL", () => {
    const { slab, pa } = boot();
    expect(slab.vmalloc(0)).toBeNull();
    expect(slab.vmalloc((pa.num_physpages + 1) * 4096)).toBeNull();
  });

  it("asks the OOM killer for pages it cannot get: with nothing to kill, 2.6.11 panics (#21 point 5)", () => {
    const { slab, machine } = boot({ memBytes: 16 << 20, cpus: 1 });
    // 15 MiB is below num_physpages, so __vmalloc goes on page by page with GFP_KERNEL|__GFP_HIGHMEM.
    expect(() => slab.vmalloc(15 << 20)).toThrow(KernelPanicError);
    expect(machine.dmesg.at(-1)).toBe(
      "Kernel panic - not syncing: Out of memory and no killable processes...",
    );
  });

  it("__vmalloc with __GFP_NORETRY runs out with NULL and leaves nothing behind", () => {
    const { slab, pa } = boot({ memBytes: 16 << 20, cpus: 1 });
    const before = snapshot(slab);
    expect(slab.__vmalloc(15 << 20, GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, PAGE_KERNEL)).toBeNull();
    expect(slab.vm.vmlist.length).toBe(0);
    checkSlabInvariants(slab);
    expect(pa.nr_free_pages()).toBeGreaterThan(0);
    expect(snapshot(slab).split("|")[2]).toBe(before.split("|")[2]);
  });

  it("vmalloc's page array goes to vmalloc itself above one page (vpages)", () => {
    const { slab } = boot();
    const a = slab.vmalloc(1100 * 4096)!; // 4400-byte array > PAGE_SIZE
    const area = slab.vm.vmlist.find((v) => v.addr === a)!;
    expect(slab.vm.vmlist.length).toBe(2);
    expect(slab.vm.vmlist[0].addr).toBe(a);
    expect(area.pagesAddr).toBe(slab.vm.vmlist[1].addr);
    expect(slab.vmallocinfo()).toMatch(/ pages=1100 vmalloc vpages\n/);
    checkSlabInvariants(slab);
    slab.vfree(a);
    expect(slab.vm.vmlist.length).toBe(0);
    checkSlabInvariants(slab);
  });

  it("vmalloc_to_page walks swapper_pg_dir to the page behind each vmalloc address", () => {
    const { slab } = boot();
    const v = slab.vmalloc(3 * 4096)!;
    const area = slab.vm.vmlist.find((a) => a.addr === v)!;
    for (let i = 0; i < 3; i++) {
      expect(slab.vmalloc_to_page(asVirt(v + i * 4096 + 123))).toBe(area.pages![i]);
    }
    expect(slab.vmalloc_to_page(asVirt(v + 3 * 4096))).toBeNull(); // the guard page
    expect(slab.vmalloc_to_page(asVirt(0xc0100000))).toBeNull(); // direct map: a 4 MiB page, no pte
    slab.vfree(v);
    expect(slab.vmalloc_to_page(v)).toBeNull(); // unmapped again
    checkSlabInvariants(slab);
  });

  it("vmap maps existing pages; vunmap leaves them allocated", () => {
    const { slab, pa, machine } = boot();
    const pages = [pa.alloc_page(GFP_KERNEL)!, pa.alloc_page(GFP_KERNEL)!];
    const v = slab.vmap(pages, 2, VM_MAP, PAGE_KERNEL)!;
    expect(peek(machine, pa.swapper_pg_dir, v + 4096)).toEqual({ phys: pages[1] * 4096 });
    expect(slab.vmallocinfo()).toBe(`0x${v.toString(16)}-0x${(v + 3 * 4096).toString(16)}   12288 vmap\n`);
    slab.vunmap(v);
    expect(pa.page_count(pages[0])).toBe(1);
    expect("fault" in peek(machine, pa.swapper_pg_dir, v)).toBe(true);
    pa.__free_page(pages[0]);
    pa.__free_page(pages[1]);
  });

  it("accepts the unaligned and empty areas 2.6.11's __get_vm_area creates (no PAGE_ALIGN of size)", () => {
    const { slab, pa } = boot();
    const start = slab.vm.VMALLOC_START;
    const odd = slab.get_vm_area(3, 0)!; // 3 bytes + the guard page
    expect([odd.addr, odd.size]).toEqual([start, 4099]);
    const page = pa.alloc_page(GFP_KERNEL)!;
    const empty = slab.vmap([page], 0, VM_MAP, PAGE_KERNEL)!; // count 0: a lone guard page
    expect(empty).toBe(start + 4099); // the next area starts right after, unaligned
    checkSlabInvariants(slab);
    // ... and, unaligned, can never be vunmapped: __vunmap refuses it ("Trying to vfree() bad address")
    slab.vunmap(empty);
    expect(slab.machine.dmesg.slice(-2)).toEqual([
      `Trying to vfree() bad address (${empty.toString(16)})`,
      "Badness in __vunmap at mm/vmalloc.c:360",
    ]);
    const lone = slab.remove_vm_area(empty)!;
    expect(lone.size).toBe(4096);
    slab.kfree(lone.desc);
    expect(slab.remove_vm_area(odd.addr)).toBe(odd);
    slab.kfree(odd.desc);
    pa.__free_page(page);
    checkSlabInvariants(slab);
  });

  it("keeps 2.6.11's missing end check after the last area (get_vm_area past VMALLOC_END)", () => {
    const { slab } = boot();
    const room = slab.vm.VMALLOC_END - slab.vm.VMALLOC_START;
    const big = slab.get_vm_area(room + (4 << 20), VM_ALLOC)!; // still below 4 GiB
    expect(big).not.toBeNull();
    expect(big.addr + big.size).toBeGreaterThan(slab.vm.VMALLOC_END);
    // with an area in the list, a candidate that must skip past it is checked against end
    expect(slab.get_vm_area(room, VM_ALLOC)).toBeNull();
    expect(slab.machine.dmesg.at(-1)).toBe(
      "allocation failed: out of vmalloc space - use vmalloc=<size> to increase size.",
    );
    expect(slab.remove_vm_area(big.addr)).toBe(big);
    slab.kfree(big.desc);
    checkSlabInvariants(slab);
  });

  it("vmallocinfo uses 6.1's line format", () => {
    const { slab } = boot();
    slab.vmalloc(4096);
    slab.vmalloc(5 * 4096);
    expect(slab.vmallocinfo()).toBe(
      "0xc4800000-0xc4802000    8192 pages=1 vmalloc\n0xc4802000-0xc4808000   24576 pages=5 vmalloc\n",
    );
  });
});

describe("/proc/meminfo's vmalloc lines (get_vmalloc_info, 2.6.11 fs/proc/mmu.c)", () => {
  it("VmallocUsed adds area sizes with their guard pages; VmallocChunk is the largest gap", () => {
    const { slab } = boot();
    const kb = (name: string) =>
      Number(
        slab
          .meminfo()
          .split("\n")
          .find((l) => l.startsWith(`${name}:`))!
          .slice(14, 22),
      );
    const total = (slab.vm.VMALLOC_END - slab.vm.VMALLOC_START) / 1024;
    expect([kb("VmallocTotal"), kb("VmallocUsed"), kb("VmallocChunk")]).toEqual([total, 0, total]);
    const a = slab.vmalloc(4096)!; // 2 pages with the guard
    const b = slab.vmalloc(3 * 4096)!; // 4 pages
    slab.vmalloc(4096); // 2 pages
    expect(kb("VmallocUsed")).toBe(32);
    expect(kb("VmallocChunk")).toBe(total - 32);
    slab.vfree(a);
    slab.vfree(b);
    // The hole of 6 pages before the third area is smaller than the space after it.
    expect(kb("VmallocUsed")).toBe(8);
    expect(kb("VmallocChunk")).toBe(total - 32);
    expect(slab.vm.get_vmalloc_info()).toEqual({ used: 8192, largest_chunk: (total - 32) * 1024 });
    // Slab: every PG_slab page the caches hold (nr_slab).
    // Slab (nr_slab) agrees with /proc/slabinfo: num_slabs x pagesperslab over every cache.
    let pages = 0;
    for (const l of slab.slabinfo().split("\n").slice(2)) {
      const f = l.split(/\s+/);
      if (f.length > 14) pages += Number(f[5]) * Number(f[14]);
    }
    expect(pages).toBeGreaterThan(0);
    expect(kb("Slab")).toBe(pages * 4);
  });
});

describe("vmalloc with high memory", () => {
  it("vmalloc may use highmem pages, vmalloc_32 never does", () => {
    const { slab, pa, machine } = boot({ memBytes: 1024 << 20, cpus: 1 });
    const a = slab.vmalloc(64 * 4096)!;
    const area = slab.vm.vmlist.find((v) => v.addr === a)!;
    expect(area.pages!.some((p) => pa.PageHighMem(p!))).toBe(true);
    const b = slab.vmalloc_32(16 * 4096)!;
    const area32 = slab.vm.vmlist.find((v) => v.addr === b)!;
    expect(area32.pages!.every((p) => !pa.PageHighMem(p!))).toBe(true);
    for (let i = 0; i < 64; i++)
      expect(peek(machine, pa.swapper_pg_dir, a + i * 4096)).toEqual({ phys: area.pages![i]! * 4096 });
    checkSlabInvariants(slab);
    slab.vfree(a);
    slab.vfree(b);
    checkSlabInvariants(slab);
  });
});

describe("vmalloc PTEs carry the run-time PAGE_KERNEL (#21 point 1)", () => {
  it("is global (0x163) where pagetable_init found PGE, as kmap's and the fixmaps' PTEs; NX only with nx_enabled", () => {
    for (const pae of [false, true]) {
      const { slab, pa, machine } = boot({ pae, cpus: 1 });
      const walk = (va: number): number => lookupPte(machine, pa.swapper_pg_dir, va)!.pte;
      for (const [a, flags] of [
        [slab.vmalloc(4096)!, 0x163],
        [slab.vmalloc_32(4096)!, 0x163],
        [slab.vmalloc_exec(4096)!, 0x163],
      ] as const) {
        expect(pte_flags(walk(a)), `pae ${pae}`).toBe(flags);
      }
      // A caller's own prot is used as given, minus an NX the CPU cannot honour (__supported_pte_mask).
      const v = slab.__vmalloc(4096, GFP_KERNEL, _PAGE_KERNEL)!;
      expect(pte_flags(walk(v))).toBe(0x063);
    }
    const nx = new Machine({ memBytes: 64 << 20, pae: true, features: { nx: true } });
    const nxSlab = new SlabAllocator(new PageAllocator(nx));
    const a = nxSlab.vmalloc(4096)!;
    expect(pte_flags(lookupPte(nx, nxSlab.pa.swapper_pg_dir, a)!.pte)).toBe(_PAGE_NX + 0x163);
    expect(pte_flags(lookupPte(nx, nxSlab.pa.swapper_pg_dir, nxSlab.vmalloc_exec(4096)!)!.pte)).toBe(0x163);
    const noPge = new Machine({ memBytes: 64 << 20, features: { pge: false } });
    const s2 = new SlabAllocator(new PageAllocator(noPge));
    expect(pte_flags(lookupPte(noPge, s2.pa.swapper_pg_dir, s2.vmalloc(4096)!)!.pte)).toBe(0x063);
  });
});

describe("ioremap / iounmap", () => {
  it("computes the end in 32-bit unsigned long: a range wrapping past 4 GiB is refused (#21 point 6)", () => {
    const { slab } = boot();
    expect(slab.ioremap(0xfffff000, 0x2000)).toBeNull(); // last_addr wraps to 0xfff < phys_addr
    expect(slab.__ioremap(0xffffffff, 2, 0)).toBeNull();
    expect(slab.vm.vmlist.length).toBe(0);
    const top = slab.ioremap(0xfffff000, 0x1000)!; // the last page of the 4 GiB space is fine
    expect(slab.vm.vmlist[0]!.phys_addr).toBe(0xfffff000);
    slab.iounmap(top);
    // A physical address above 4 GiB cannot be passed: the unsigned long argument keeps its low
    // 32 bits (C truncates it at the call), so 0x100000000 asks for physical page 0.
    const low = slab.ioremap(0x100000000, 0x1000)!;
    expect(slab.vm.vmlist[0]!.phys_addr).toBe(0);
    slab.iounmap(low);
    checkSlabInvariants(slab);
  });

  it("maps device memory with phys= in vmallocinfo, refuses RAM in use, keeps the ISA hole direct", () => {
    const { slab, pa, machine } = boot();
    const v = slab.ioremap(0xfed00000 + 0x10, 0x400)!; // an HPET-like MMIO window
    expect(v % 4096).toBe(0x10);
    expect(peek(machine, pa.swapper_pg_dir, v)).toEqual({ phys: 0xfed00010 });
    expect(slab.vmallocinfo()).toBe("0xc4800000-0xc4802000    8192 phys=0xfed00000 ioremap\n");
    expect(slab.ioremap(0xb8000, 4000)).toBe(0xc00b8000); // VGA text: already mapped
    const page = pa.alloc_page(GFP_KERNEL)!;
    expect(slab.ioremap(page * 4096, 4096)).toBeNull(); // RAM in use is not PG_reserved
    pa.__free_page(page);
    expect(slab.ioremap(0x1000, 0)).toBeNull();
    slab.iounmap(v);
    expect(slab.vm.vmlist.length).toBe(0);
    expect("fault" in peek(machine, pa.swapper_pg_dir, v)).toBe(true);
    slab.iounmap(asVirt(0xd0000000));
    expect(machine.dmesg.at(-1)).toBe("__iounmap: bad address d0000000");
    checkSlabInvariants(slab);
  });
});

describe("vmalloc under PAE", () => {
  it("maps through the pgd -> pmd -> pte levels of swapper_pg_dir and unmaps on vfree", () => {
    const { slab, pa, machine } = boot({ pae: true, cpus: 2, memBytes: 1024 << 20 });
    const a = slab.vmalloc(40 * 4096)!;
    const area = slab.vm.vmlist.find((v) => v.addr === a)!;
    for (let i = 0; i < 40; i++)
      expect(peek(machine, pa.swapper_pg_dir, a + i * 4096)).toEqual({ phys: area.pages![i]! * 4096 });
    checkSlabInvariants(slab);
    slab.vfree(a);
    expect("fault" in peek(machine, pa.swapper_pg_dir, a)).toBe(true);
    checkSlabInvariants(slab);
  });
});
