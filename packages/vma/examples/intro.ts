import { Machine } from "@i386mm/hw-i386";
import { Kmap } from "@i386mm/kmap";
import { PageAllocator } from "@i386mm/page-alloc";
import { SlabAllocator } from "@i386mm/slab";
import * as vma from "../src/index.js";

const slab = new SlabAllocator(new PageAllocator(new Machine({ memBytes: 256 << 20 })));
const vm = new vma.VmSystem(slab, new Kmap(slab)); // the mm_struct, vm_area_struct and pgd caches
const task = vma.create_task(vm, "demo")!; // an empty mm in the flexible layout
vma.schedule_to(vm, task); // switch_mm: CR3 = __pa(its pgd)
const rw = vma.PROT_READ | vma.PROT_WRITE;
const buf = vma.do_mmap_pgoff(vm, null, 0, 8192, rw, vma.MAP_PRIVATE | vma.MAP_ANONYMOUS, 0);
vma.user_write(vm, buf, [42]); // the page fault maps a zeroed private page
console.log(buf.toString(16), task.min_flt, vma.proc_pid_maps(task).split("\n")[0]!.trimEnd());
