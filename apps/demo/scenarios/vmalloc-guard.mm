# Lab 6 - vmalloc: virtually contiguous areas and their guard pages
# Kernel: mm/vmalloc.c __get_vm_area, __vmalloc, map_vm_area, vfree, __vunmap
#         (ULK3 ch. 8, "Noncontiguous Memory Area Management")
#
# The vmalloc area starts at VMALLOC_START = high_memory + 8..16 MiB (rounded to 8 MiB) and ends
# at VMALLOC_END = PKMAP_BASE - 2 pages. __get_vm_area finds the first gap (first fit) in vmlist,
# sorted by address, for size + one PAGE_SIZE guard page that is never mapped: running off the
# end of an area faults instead of scribbling over the next one. vmalloc() then takes one page at
# a time from alloc_page(GFP_KERNEL|__GFP_HIGHMEM): physically scattered, possibly highmem.
#
# Questions
#  Q1. Where does v1 start relative to high_memory? Why 8 MiB and rounded?
#  Q2. v2 starts exactly 64 KiB + 4 KiB after v1. Where does the extra page come from?
#  Q3. After vfree(v1), where does v3 (16 KiB) go, and why is it first fit?
#  Q4. Are the two first pages of v1 physically adjacent? (Compare the frames in step 2.)

echo Step 1 - the area's bounds
VMALLOC_START
VMALLOC_END
assert VMALLOC_START - high_memory >= 8 * 1024 * 1024
v1 = vmalloc(65536)
v2 = vmalloc(65536)
assert v2 == v1 + 65536 + 4096
cat /proc/vmallocinfo

echo
echo Step 2 - the first two pages of v1, walked through the page tables
translate v1
translate v1 + 4096

echo
echo Step 3 - the guard page after v1 is not mapped: an access faults
translate v1 + 65536

echo
echo Step 4 - vfree(v1) leaves a hole; the next small area fills it (first fit)
vfree(v1)
v3 = vmalloc(16384)
assert v3 == v1
cat /proc/vmallocinfo

echo
echo Step 5 - vmalloc_32 takes only lowmem pages; vmap maps pages you already have
w = vmalloc_32(8192)
p[0] = alloc_page(GFP_HIGHUSER)
p[1] = alloc_page(GFP_HIGHUSER)
m = vmap(p, 2, VM_MAP, PAGE_KERNEL)
translate m
cat /proc/vmallocinfo
vunmap(m)
__free_page(p[0])
__free_page(p[1])
vfree(w)
vfree(v2)
vfree(v3)
check
