/*
 * fremap.ts — mm/fremap.c: install_page (put a given page into a pte, as a populate method
 * does) and sys_remap_file_pages, which do_mmap_pgoff calls for MAP_POPULATE. As in 2.6.11 only
 * shared mappings with a populate method are prefaulted (private ones are left to demand
 * faults); nonlinear remapping (a pgoff other than the linear one) is not modelled: -EINVAL.
 */

import { Errno, PAGE_MASK, PAGE_SIZE, type Page } from "@i386mm/hw-i386";
import { PG_reserved } from "@i386mm/page-alloc";
import { VM_NONLINEAR, VM_RESERVED, VM_SHARED } from "./constants.js";
import { update_mem_hiwater, zap_page_range } from "./memory.js";
import type { mm_struct, vm_area_struct } from "./mm-types.js";
import { entry_get, mk_user_pte, pmd_offset, pte_alloc_map } from "./pgtable.js";
import { page_add_file_rmap } from "./rmap.js";
import { ulongs } from "./syscall-args.js";
import type { VmSystem } from "./vm.js";
import { find_vma } from "./vma.js";

/**
 * install_page(mm, vma, addr, page, prot): map `page` (whose reference the caller passes on) at
 * addr, replacing what was there. 0 or -ENOMEM.
 */
export function install_page(
  vm: VmSystem,
  mm: mm_struct,
  vma: vm_area_struct,
  addr: number,
  page: Page,
  prot: number,
): number {
  const pmdp = pmd_offset(vm, mm, addr);
  if (pmdp < 0) return -Errno.ENOMEM;
  let ptep = pte_alloc_map(vm, mm, pmdp, addr);
  if (ptep < 0) return -Errno.ENOMEM;
  if (entry_get(vm, ptep) !== 0) {
    zap_page_range(vm, vma, addr, PAGE_SIZE); // zap_pte: drop the old mapping first
    ptep = pte_alloc_map(vm, mm, pmdp, addr);
  }
  if (!(vm.pa.mem_map.flags[page]! & (1 << PG_reserved))) mm.rss++;
  update_mem_hiwater(mm);
  vm.machine.paging.writeEntry(vm.machine.ram, ptep, 0, mk_user_pte(vm, page, prot));
  page_add_file_rmap(vm, page);
  return 0;
}

/**
 * sys_remap_file_pages(start, size, prot, pgoff, flags): prefault [start, start + size) of one
 * shared VMA through its populate method. -EINVAL otherwise (prot must be 0).
 */
export function sys_remap_file_pages(
  vm: VmSystem,
  start: number,
  size: number,
  prot: number,
  pgoff: number,
  flags: number,
): number {
  if (!ulongs(start, size, prot, pgoff, flags)) return -Errno.EINVAL; // the model's check (syscall-args.ts)
  const mm = vm.current.mm!;
  if (prot !== 0) return -Errno.EINVAL;
  start = (start & PAGE_MASK) >>> 0;
  size = (size & PAGE_MASK) >>> 0;
  const end = start + size;
  if (end <= start) return -Errno.EINVAL;
  const vma = find_vma(mm, start);
  if (
    vma === null ||
    !(vma.vm_flags & VM_SHARED) ||
    !(vma.vm_private_data === null || vma.vm_flags & (VM_NONLINEAR | VM_RESERVED)) ||
    vma.vm_ops?.populate === undefined ||
    start < vma.vm_start ||
    end > vma.vm_end
  )
    return -Errno.EINVAL;
  if (pgoff !== (start - vma.vm_start) / PAGE_SIZE + vma.vm_pgoff) return -Errno.EINVAL; // nonlinear: not modelled
  return vma.vm_ops.populate(vma, start, size, vma.vm_page_prot, pgoff, flags !== 0);
}
