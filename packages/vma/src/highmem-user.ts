/*
 * highmem-user.ts — zeroing and copying user pages, which may live in high memory:
 * include/linux/highmem.h (clear_user_highpage, alloc_zeroed_user_highpage, copy_user_highpage)
 * over kmap_atomic's KM_USER0 / KM_USER1 slots. The bytes are reached the way the kernel's
 * memset/memcpy reach them: through the kmap_atomic address, translated by the current CPU's
 * MMU (a kernel-mode write, so the fixmap pte gets its A/D bits), then the frame is cleared or
 * copied in RAM in one go.
 */

import {
  KernelBugError,
  PAGE_SIZE,
  type Page,
  PF_WRITE,
  type Pfn,
  translate_raw,
  type VirtAddr,
} from "@i386mm/hw-i386";
import { KM_USER0, KM_USER1 } from "@i386mm/kmap";
import { GFP_HIGHUSER } from "@i386mm/page-alloc";
import type { vm_area_struct } from "./mm-types.js";
import type { VmSystem } from "./vm.js";

/** The frame a kernel address reaches on the current CPU, as a load or store through the MMU would. */
function kernelFrame(vm: VmSystem, kaddr: VirtAddr, write: boolean, call: string): Pfn {
  const m = vm.machine;
  const phys = translate_raw(m, m.cpus[m.current]!, kaddr, write ? PF_WRITE : 0);
  if (phys < 0) throw new KernelBugError(call, kaddr, "Unable to handle kernel paging request");
  return Math.floor(phys / PAGE_SIZE) as Pfn;
}

/** clear_user_highpage(page, vaddr): zero a user page through KM_USER0. */
export function clear_user_highpage(vm: VmSystem, page: Page, _vaddr: number): void {
  const addr = vm.km.kmap_atomic(page, KM_USER0);
  vm.machine.ram.zeroFrame(kernelFrame(vm, addr, true, "clear_user_highpage"));
  vm.km.kunmap_atomic(addr, KM_USER0);
}

/** alloc_zeroed_user_highpage(vma, vaddr): a GFP_HIGHUSER page, zeroed; null when memory runs out. */
export function alloc_zeroed_user_highpage(vm: VmSystem, _vma: vm_area_struct, vaddr: number): Page | null {
  const page = vm.pa.alloc_pages(GFP_HIGHUSER, 0);
  if (page !== null) clear_user_highpage(vm, page, vaddr);
  return page;
}

/** copy_user_highpage(to, from, vaddr): copy a user page, source through KM_USER0, target through KM_USER1. */
export function copy_user_highpage(vm: VmSystem, to: Page, from: Page, _vaddr: number): void {
  const vfrom = vm.km.kmap_atomic(from, KM_USER0);
  const vto = vm.km.kmap_atomic(to, KM_USER1);
  const src = kernelFrame(vm, vfrom, false, "copy_user_highpage");
  const dst = kernelFrame(vm, vto, true, "copy_user_highpage");
  vm.machine.ram.copyFrame(dst, src);
  vm.km.kunmap_atomic(vfrom, KM_USER0);
  vm.km.kunmap_atomic(vto, KM_USER1);
}
