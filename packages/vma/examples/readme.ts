import { Machine } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "@i386mm/slab";
import {
  checkVmaInvariants,
  create_task,
  do_exit,
  do_fork,
  do_mmap_pgoff,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
  proc_pid_maps,
  schedule_to,
  user_read,
  user_write,
  VmSystem,
} from "../src/index.js";

export function example() {
  const machine = new Machine({ memBytes: 256 << 20 });
  const slab = new SlabAllocator(new PageAllocator(machine));
  const vm = new VmSystem(slab, new Kmap(slab)); // the pgd, mm_struct, vm_area_struct, anon_vma caches

  const parent = create_task(vm, "demo")!; // an empty mm, flexible layout: mmap_base 0xb8000000
  schedule_to(vm, parent); // switch_mm: CR3 = __pa(parent's pgd)
  const buf = do_mmap_pgoff(vm, null, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
  user_read(vm, buf, 1); // read fault: the shared zero page, mapped read-only
  user_write(vm, buf, [42]); // write fault: do_wp_page replaces it with a private zeroed page

  const child = do_fork(vm, 0)!; // dup_mmap: the page is now write-protected in both
  schedule_to(vm, child);
  user_write(vm, buf, [7]); // copy-on-write: the child gets its own copy
  const maps = proc_pid_maps(child);
  do_exit(vm, 0); // exit_mmap gives the child's frames and page tables back

  schedule_to(vm, parent);
  const parentSees = (user_read(vm, buf, 1) as Uint8Array)[0]; // still 42
  checkVmaInvariants(vm); // throws InvariantError if any rule is broken
  return { buf, parentSees, maps, faults: parent.min_flt, child: child.min_flt };
}
