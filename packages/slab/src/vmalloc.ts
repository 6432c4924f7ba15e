/*
 * Noncontiguous memory areas (mm/vmalloc.c, 2.6.11): the vm_struct list `vmlist`, first-fit
 * __get_vm_area with one guard page per area, map_vm_area / unmap_vm_area on the master kernel
 * page table (swapper_pg_dir, in simulated RAM through hw-i386's set_pte_at / pte_clear),
 * __vmalloc, vmalloc, vmalloc_32, vmalloc_exec, vmap, vunmap, vfree, remove_vm_area.
 * Descriptors (28-byte vm_struct) and page-pointer arrays are kmalloc'ed (or vmalloc'ed above
 * one page) in RAM; the page pointers are written there as struct page addresses.
 * 2.6.11 quirk kept on purpose: a candidate after the last area is never checked against `end`,
 * so get_vm_area can hand out space past VMALLOC_END (see README).
 * Invariants: vmlist sorted by addr and disjoint; every area's last page (the guard) unmapped;
 * for VM_ALLOC areas pte(addr + i*PAGE_SIZE) maps pages[i].
 */
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
  _PAGE_RW,
  type AllocTable,
  asVirt,
  Errno,
  flush_tlb_kernel_range,
  in_interrupt,
  kernelProt,
  lookupPte,
  type Machine,
  mk_pte,
  PAGE_OFFSET,
  PAGE_SHIFT,
  PAGE_SIZE,
  type PhysAddr,
  pte_clear,
  pte_mask_supported,
  pte_pfn,
  pte_phys,
  pte_present,
  set_pte_at,
  type VirtAddr,
  VMALLOC_END,
  VMALLOC_START,
  X86_CR4_PGE,
} from "@i386mm/hw-i386";
import { __GFP_HIGHMEM, __GFP_REPEAT, GFP_KERNEL, type Page } from "@i386mm/page-alloc";
import { fmtp } from "./debug.js";
import { VmallocError } from "./errors.js";
import type { SlabAllocator } from "./slab-allocator.js";

/** vm_struct->flags: ioremap() area. */
export const VM_IOREMAP = 0x1;
/** vm_struct->flags: vmalloc() area. */
export const VM_ALLOC = 0x2;
/** vm_struct->flags: vmap()ed pages. */
export const VM_MAP = 0x4;
/** IOREMAP_MAX_ORDER = 7 + PAGE_SHIFT (128 pages). */
export const IOREMAP_MAX_ORDER = 7 + PAGE_SHIFT;
/** sizeof(struct vm_struct): addr, size, flags, pages, nr_pages, phys_addr, next. */
export const SIZEOF_VM_STRUCT = 28;

/** struct vm_struct (include/linux/vmalloc.h). */
export interface vm_struct {
  /** First virtual address of the area. */
  addr: VirtAddr;
  /** Bytes, including the one guard page. */
  size: number;
  flags: number;
  /** The struct page * array (JS copy; the kernel's lives at `pagesAddr`), null for vmap areas. */
  pages: (Page | null)[] | null;
  nr_pages: number;
  phys_addr: number;
  /** Address of this descriptor (a kmalloc'ed object). */
  readonly desc: VirtAddr;
  /** Address of the page-pointer array in kernel memory (0 when none). */
  pagesAddr: number;
  /**
   * Bytes the caller asked for (the size given to vmalloc, ioremap, vmap or get_vm_area, before
   * page rounding): a model addition for /proc/fraginfo; 2.6.11 keeps only the rounded size.
   */
  req_size: number;
}

function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/** ALIGN in 32-bit unsigned arithmetic (wraps to 0 like an unsigned long). */
function align32(x: number, a: number): number {
  return ((x + a - 1) & ~(a - 1)) >>> 0;
}

/** vmlist and the vmalloc entry points of one SlabAllocator. */
export class VmallocState {
  /** vmlist, sorted by address. */
  readonly vmlist: vm_struct[] = [];
  /** VMALLOC_START derived from high_memory (8..16 MiB above it, 8 MiB aligned). */
  readonly VMALLOC_START: number;
  /** VMALLOC_END: PKMAP_BASE - 2 pages (CONFIG_HIGHMEM). */
  readonly VMALLOC_END: number;
  readonly #s: SlabAllocator;
  readonly #allocTable: AllocTable;

  constructor(s: SlabAllocator) {
    this.#s = s;
    this.VMALLOC_START = VMALLOC_START(s.pa.high_memory) >>> 0;
    this.VMALLOC_END = VMALLOC_END(s.machine.pae) >>> 0;
    // pte_alloc_one_kernel: __get_free_page(GFP_KERNEL | __GFP_REPEAT), zeroed by set_pte_at
    this.#allocTable = () => {
      const va = s.pa.__get_free_page(GFP_KERNEL | __GFP_REPEAT);
      return va ? ((va - PAGE_OFFSET) as PhysAddr) : null;
    };
  }

  get #machine(): Machine {
    return this.#s.machine;
  }

  get #cr3(): PhysAddr {
    return this.#s.pa.swapper_pg_dir;
  }

  /**
   * vmalloc_to_page (mm/memory.c in 2.6.11): walk swapper_pg_dir for `addr` and return the page
   * its pte maps, or null when a level is empty or the pte is not present. Meant for vmalloc,
   * vmap and ioremap addresses; a direct-map address sits under a 4 MiB / 2 MiB page, which has
   * no pte (the kernel would misread the large entry as a table), so it gives null here too.
   */
  vmalloc_to_page(addr: VirtAddr): Page | null {
    const l = lookupPte(this.#machine, this.#cr3, addr >>> 0);
    if (l === null || l.large || !pte_present(l.pte)) return null;
    return pte_pfn(l.pte) as number as Page;
  }

  /** Physical address behind a kernel virtual address (direct map or swapper_pg_dir), or -1. */
  kernelPhys(va: number): number {
    if (va >= PAGE_OFFSET && va < this.#s.pa.high_memory) return va - PAGE_OFFSET;
    const l = lookupPte(this.#machine, this.#cr3, va);
    if (l === null || (l.pte & 1) === 0) return -1;
    return pte_phys(l.pte) + (va & (PAGE_SIZE - 1));
  }

  #writeKernel32(va: number, v: number): void {
    const p = this.kernelPhys(va);
    if (p < 0) throw new VmallocError("vmalloc", va, "page-pointer array is not mapped");
    this.#machine.ram.write32(p, v >>> 0);
  }

  /** __get_vm_area(size, flags, start, end): first fit, one guard page; null when full. */
  __get_vm_area(size: number, flags: number, start: number, end: number): vm_struct | null {
    let align = 1;
    if (flags & VM_IOREMAP) {
      let bit = fls(size);
      if (bit > IOREMAP_MAX_ORDER) bit = IOREMAP_MAX_ORDER;
      else if (bit < PAGE_SHIFT) bit = PAGE_SHIFT;
      align = 2 ** bit;
    }
    let addr = align32(start, align);
    const desc = this.#s.kmalloc(SIZEOF_VM_STRUCT, GFP_KERNEL);
    if (desc === null) return null;
    size = (size + PAGE_SIZE) >>> 0;
    if (size === 0) {
      this.#s.kfree(desc);
      return null;
    }
    const list = this.vmlist;
    let i = 0;
    let ok = true;
    for (; i < list.length; i++) {
      const tmp = list[i];
      if (tmp.addr < addr) {
        if (tmp.addr + tmp.size >= addr) addr = align32(tmp.size + tmp.addr, align);
        continue;
      }
      if ((size + addr) >>> 0 < addr) {
        ok = false;
        break;
      }
      if (size + addr <= tmp.addr) break;
      addr = align32(tmp.size + tmp.addr, align);
      if (addr > (end - size) >>> 0) {
        ok = false;
        break;
      }
    }
    // 2.6.11: falling off the end of the list goes straight to `found:` with no end check.
    if (!ok) {
      this.#s.kfree(desc);
      this.#machine.printk("allocation failed: out of vmalloc space - use vmalloc=<size> to increase size.");
      return null;
    }
    const area: vm_struct = {
      addr: asVirt(addr),
      size,
      flags,
      pages: null,
      nr_pages: 0,
      phys_addr: 0,
      desc,
      pagesAddr: 0,
      req_size: size - PAGE_SIZE,
    };
    list.splice(i, 0, area);
    return area;
  }

  /** get_vm_area(size, flags) = __get_vm_area(size, flags, VMALLOC_START, VMALLOC_END). */
  get_vm_area(size: number, flags: number): vm_struct | null {
    return this.__get_vm_area(size, flags, this.VMALLOC_START, this.VMALLOC_END);
  }

  /** map_vm_area(area, prot, pages): map all but the guard page; 0 or -ENOMEM. */
  map_vm_area(area: vm_struct, prot: number, pages: readonly (Page | null)[]): number {
    const n = (area.size - PAGE_SIZE) / PAGE_SIZE;
    for (let i = 0; i < n; i++) {
      const va = (area.addr + i * PAGE_SIZE) >>> 0;
      const old = lookupPte(this.#machine, this.#cr3, va);
      if (old !== null && old.pte !== 0)
        this.#machine.warn(`WARNING: map_area_pte: pte not none at ${fmtp(va)}`);
      const page = pages[i];
      if (page === null || page === undefined) return -Errno.ENOMEM;
      // mk_pte = pfn_pte: under PAE it keeps NX only if __supported_pte_mask has it (nx_enabled).
      const pte = pte_mask_supported(mk_pte(page, prot), this.#machine.nx_enabled);
      if (set_pte_at(this.#machine, this.#cr3, va, pte, this.#allocTable) !== 0) return -Errno.ENOMEM;
    }
    return 0;
  }

  /** unmap_vm_area(area): clear every pte of the area (guard included), then flush_tlb_all. */
  unmap_vm_area(area: vm_struct): void {
    const n = area.size / PAGE_SIZE;
    for (let i = 0; i < n; i++) {
      const va = (area.addr + i * PAGE_SIZE) >>> 0;
      const old = pte_clear(this.#machine, this.#cr3, va);
      if (old !== 0 && (old & 1) === 0) this.#machine.printk("Whee.. Swapped out page in kernel page table");
    }
    flush_tlb_kernel_range(this.#machine, area.addr, area.addr + area.size);
  }

  /** remove_vm_area(addr): unlink and unmap the area starting exactly at addr, or null. */
  remove_vm_area(addr: number): vm_struct | null {
    const i = this.vmlist.findIndex((a) => a.addr === addr >>> 0);
    if (i < 0) return null;
    const area = this.vmlist[i];
    this.unmap_vm_area(area);
    this.vmlist.splice(i, 1);
    return area;
  }

  #isVmallocAddr(va: number): boolean {
    return !(va >= PAGE_OFFSET && va < this.#s.pa.high_memory);
  }

  /** __vunmap(addr, deallocate_pages) as vfree/vunmap call it. */
  #__vunmap(call: string, addr: number | null, dealloc: boolean): void {
    if (!addr) return;
    addr >>>= 0;
    // Both refusals are a printk and a WARN_ON(1) in 2.6.11 (mm/vmalloc.c __vunmap, lines 360
    // and 368): the kernel reports, dumps the stack and returns; nothing is freed.
    if (addr & (PAGE_SIZE - 1)) {
      this.#machine.printk(`Trying to vfree() bad address (${fmtp(addr)})`);
      this.#machine.warn("Badness in __vunmap at mm/vmalloc.c:360");
      return;
    }
    const area = this.vmlist.find((a) => a.addr === addr);
    if (area === undefined) {
      this.#machine.printk(`Trying to vfree() nonexistent vm area (${fmtp(addr)})`);
      this.#machine.warn("Badness in __vunmap at mm/vmalloc.c:368");
      return;
    }
    if (dealloc && area.pages !== null) {
      for (let i = 0; i < area.nr_pages; i++)
        if (area.pages[i] === null) throw new VmallocError(call, addr, `pages[${i}] is NULL`);
    }
    this.remove_vm_area(addr);
    if (dealloc && area.pages !== null) {
      for (let i = 0; i < area.nr_pages; i++) this.#s.pa.__free_page(area.pages[i]!);
      // The kernel picks vfree vs kfree from nr_pages, which a failed __vmalloc has shrunk:
      // it would kfree a vmalloc'ed array. The model frees the array where it really lives.
      if (area.pagesAddr !== 0) {
        if (this.#isVmallocAddr(area.pagesAddr)) this.vfree(asVirt(area.pagesAddr));
        else this.#s.kfree(asVirt(area.pagesAddr));
      }
    }
    this.#s.kfree(area.desc);
  }

  /** vfree(addr): BUG in interrupt context; unmap, flush every TLB, free pages and array. */
  vfree(addr: VirtAddr | null): void {
    if (in_interrupt(this.#machine.cpus[this.#machine.current]))
      throw new VmallocError("vfree", addr === null ? undefined : addr >>> 0, "called in interrupt context");
    this.#__vunmap("vfree", addr, true);
  }

  /** vunmap(addr): BUG in interrupt context; unmap without freeing the pages. */
  vunmap(addr: VirtAddr | null): void {
    if (in_interrupt(this.#machine.cpus[this.#machine.current]))
      throw new VmallocError("vunmap", addr === null ? undefined : addr >>> 0, "called in interrupt context");
    this.#__vunmap("vunmap", addr, false);
  }

  /** vmap(pages, count, flags, prot): map existing pages contiguously; null on failure. */
  vmap(pages: readonly Page[], count: number, flags: number, prot: number): VirtAddr | null {
    if (count > this.#s.pa.num_physpages) return null;
    const area = this.get_vm_area(count * PAGE_SIZE, flags);
    if (area === null) return null;
    if (this.map_vm_area(area, prot, pages)) {
      this.vunmap(area.addr);
      return null;
    }
    return area.addr;
  }

  /** __vmalloc(size, gfp_mask, prot): allocate and map PAGE_ALIGN(size) bytes; null on failure. */
  __vmalloc(size: number, gfp_mask: number, prot: number): VirtAddr | null {
    const req_size = size;
    size = Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
    if (!(size > 0) || size / PAGE_SIZE > this.#s.pa.num_physpages) return null;
    const area = this.get_vm_area(size, VM_ALLOC);
    if (area === null) return null;
    area.req_size = req_size;
    const nr_pages = size / PAGE_SIZE;
    const array_size = nr_pages * 4;
    area.nr_pages = nr_pages;
    let arr: number | null;
    if (array_size > PAGE_SIZE) arr = this.__vmalloc(array_size, gfp_mask, this.#runtimeProt().PAGE_KERNEL);
    else arr = this.#s.kmalloc(array_size, gfp_mask & ~__GFP_HIGHMEM);
    if (arr === null) {
      this.remove_vm_area(area.addr);
      this.#s.kfree(area.desc);
      return null;
    }
    area.pagesAddr = arr;
    for (let off = 0; off < array_size; off += 4) this.#writeKernel32(arr + off, 0);
    area.pages = new Array<Page | null>(nr_pages).fill(null);
    for (let i = 0; i < nr_pages; i++) {
      const page = this.#s.pa.alloc_page(gfp_mask);
      if (page === null) {
        area.nr_pages = i;
        this.vfree(area.addr);
        return null;
      }
      area.pages[i] = page;
      this.#writeKernel32(arr + 4 * i, this.#s.pa.page_descriptor_address(page));
    }
    if (this.map_vm_area(area, prot, area.pages)) {
      this.vfree(area.addr);
      return null;
    }
    return area.addr;
  }

  /** vmalloc(size) = __vmalloc(size, GFP_KERNEL | __GFP_HIGHMEM, PAGE_KERNEL). */
  vmalloc(size: number): VirtAddr | null {
    return this.__vmalloc(size, GFP_KERNEL | __GFP_HIGHMEM, this.#runtimeProt().PAGE_KERNEL);
  }

  /** vmalloc_exec(size) = __vmalloc(size, GFP_KERNEL | __GFP_HIGHMEM, PAGE_KERNEL_EXEC). */
  vmalloc_exec(size: number): VirtAddr | null {
    return this.__vmalloc(size, GFP_KERNEL | __GFP_HIGHMEM, this.#runtimeProt().PAGE_KERNEL_EXEC);
  }

  /** vmalloc_32(size) = __vmalloc(size, GFP_KERNEL, PAGE_KERNEL): lowmem pages only. */
  vmalloc_32(size: number): VirtAddr | null {
    return this.__vmalloc(size, GFP_KERNEL, this.#runtimeProt().PAGE_KERNEL);
  }

  /**
   * __ioremap(phys_addr, size, flags) (arch/i386/mm/ioremap.c): map device memory (or reserved
   * RAM) into the vmalloc area with PRESENT|RW|DIRTY|ACCESSED|flags. The ISA hole 0xa0000-0xfffff
   * is already mapped by the direct map; RAM that is not PG_reserved cannot be remapped (NULL).
   * The lowmem change_page_attr of ioremap_nocache is not modelled.
   */
  __ioremap(phys_addr: number, size: number, flags: number): VirtAddr | null {
    // phys_addr and size are unsigned long: 32 bits on i386, so the end wraps past 4 GiB and
    // a larger argument has already been truncated by the C call.
    phys_addr >>>= 0;
    size >>>= 0;
    const last_addr = (phys_addr + size - 1) >>> 0;
    if (!size || last_addr < phys_addr) return null;
    if (phys_addr >= 0xa0000 && last_addr < 0x100000) return asVirt(phys_addr + PAGE_OFFSET);
    const pa = this.#s.pa;
    if (phys_addr <= pa.high_memory - 1 - PAGE_OFFSET) {
      const first = Math.floor(phys_addr / PAGE_SIZE);
      const last = Math.floor(Math.min(last_addr, pa.high_memory - 1 - PAGE_OFFSET) / PAGE_SIZE);
      for (let pfn = first; pfn <= last; pfn++) if (!pa.PageReserved(pfn as Page)) return null;
    }
    const offset = phys_addr % PAGE_SIZE;
    const req_size = size;
    phys_addr -= offset;
    size = Math.ceil((last_addr + 1) / PAGE_SIZE) * PAGE_SIZE - phys_addr;
    const area = this.get_vm_area(size, VM_IOREMAP | (flags << 20));
    if (area === null) return null;
    area.req_size = req_size;
    area.phys_addr = phys_addr;
    // remap_area_pages
    const prot = _PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED | flags;
    for (let off = 0; off < size; off += PAGE_SIZE) {
      const r = set_pte_at(
        this.#machine,
        this.#cr3,
        (area.addr + off) >>> 0,
        mk_pte((phys_addr + off) / PAGE_SIZE, prot),
        this.#allocTable,
      );
      if (r !== 0) {
        this.vunmap(area.addr);
        return null;
      }
    }
    return asVirt(area.addr + offset);
  }

  /** ioremap(phys, size) = __ioremap(phys, size, 0). */
  ioremap(phys_addr: number, size: number): VirtAddr | null {
    return this.__ioremap(phys_addr, size, 0);
  }

  /** iounmap(addr): addresses in the direct map are ignored; else remove the area and its descriptor. */
  iounmap(addr: number): void {
    if (addr <= this.#s.pa.high_memory) return;
    const p = this.remove_vm_area((addr & ~(PAGE_SIZE - 1)) >>> 0);
    if (p === null) {
      this.#machine.printk(`__iounmap: bad address ${fmtp(addr)}`);
      return;
    }
    this.#s.kfree(p.desc);
  }

  /**
   * PAGE_KERNEL and PAGE_KERNEL_EXEC as the running kernel has them: pagetable_init ORs
   * _PAGE_GLOBAL into __PAGE_KERNEL(_EXEC) when the CPU has PGE (arch/i386/mm/init.c), and
   * PAGE_KERNEL's NX survives only where __supported_pte_mask keeps it (nx_enabled).
   */
  #runtimeProt(): { PAGE_KERNEL: number; PAGE_KERNEL_EXEC: number } {
    const boot = this.#machine.cpus[0];
    return kernelProt({ pge: (boot.cr4 & X86_CR4_PGE) !== 0, nx_enabled: this.#machine.nx_enabled });
  }

  /**
   * get_vmalloc_info (2.6.11: fs/proc/mmu.c), for /proc/meminfo: `used` adds up the size of
   * every area in [VMALLOC_START, VMALLOC_END) (guard pages included), `largest_chunk` is the
   * largest gap before an area or after the last one; with no area at all, the whole range.
   */
  get_vmalloc_info(): { used: number; largest_chunk: number } {
    const START = this.VMALLOC_START;
    const END = this.VMALLOC_END;
    if (this.vmlist.length === 0) return { used: 0, largest_chunk: END - START };
    let used = 0;
    let largest_chunk = 0;
    let prev_end = START;
    for (const v of this.vmlist) {
      if (v.addr < START) continue;
      if (v.addr >= END) break;
      used += v.size;
      if (v.addr - prev_end > largest_chunk) largest_chunk = v.addr - prev_end;
      prev_end = v.addr + v.size;
    }
    if (END - prev_end > largest_chunk) largest_chunk = END - prev_end;
    return { used, largest_chunk };
  }

  /**
   * /proc/vmallocinfo. 2.6.11 has no such file: this uses 6.1's line format
   * ("0x%pK-0x%pK %7ld [pages=N] [phys=...] ioremap|vmalloc|vmap [vpages]") with the fields the
   * model has (no caller symbol).
   */
  vmallocinfo(): string {
    let out = "";
    for (const v of this.vmlist) {
      out += `0x${fmtp(v.addr)}-0x${fmtp(v.addr + v.size)} ${String(v.size).padStart(7)}`;
      if (v.nr_pages) out += ` pages=${v.nr_pages}`;
      if (v.phys_addr) out += ` phys=0x${v.phys_addr.toString(16).padStart(this.#machine.pae ? 16 : 8, "0")}`;
      if (v.flags & VM_IOREMAP) out += " ioremap";
      if (v.flags & VM_ALLOC) out += " vmalloc";
      if (v.flags & VM_MAP) out += " vmap";
      if (v.pagesAddr && this.#isVmallocAddr(v.pagesAddr)) out += " vpages";
      out += "\n";
    }
    return out;
  }
}
