# Lab 14 - vma_merge and split_vma: what mprotect and munmap do to the VMA list
# Kernel: mm/mmap.c vma_merge, split_vma, do_munmap, find_vma; mm/mprotect.c sys_mprotect,
#         mprotect_fixup (ULK3 ch. 9 "Memory Regions", "Allocating a Linear Address Interval",
#         "Releasing a Linear Address Interval")
# i386mm: --mem 64M
#
# A process's regions are vm_area_structs in a list and a red-black tree. vma_merge joins a new
# or changed region with a neighbour when they touch and agree (flags, file and offset,
# anon_vma): two mmaps side by side become one VMA. mprotect of part of a region splits it
# (split_vma: one VMA becomes two or three), then tries to merge each piece with its
# neighbours; giving the middle its old protection back merges the three again. munmap of the
# middle splits the region and leaves two.
#
# Questions
#  Q1. Why is the second mmap placed right below the first, and why is map_count unchanged?
#  Q2. How many vm_area_structs does the first mprotect allocate? The second one free?
#  Q3. Which vma_merge case (mm/mmap.c's comment draws 8) joins the three pieces back?
#  Q4. Touch a page before mprotect (add touch(p, a, "w")): do the pieces still merge? Why?

p = exec("/bin/memorylayout-static")
echo Step 1 - two anonymous mmaps side by side merge into one VMA
n0 = map_count(p)
a = mmap(p, 0, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
b = mmap(p, 0, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
assert b + 16384 == a
map_count(p)
find_vma(p, b)

echo
echo Step 2 - mprotect of one page in the middle splits it in three
mprotect(p, a, 4096, PROT_READ)
map_count(p)
cat /proc/$p/maps
find_vma(p, a)

echo
echo Step 3 - giving the page its protection back merges the three again
mprotect(p, a, 4096, PROT_READ|PROT_WRITE)
map_count(p)
find_vma(p, a)

echo
echo Step 4 - munmap of the middle leaves two regions and a hole
munmap(p, a, 4096)
map_count(p)
find_vma_intersection(p, a, a + 4096)
find_vma(p, a)
cat /proc/$p/maps
exit(p)
check
