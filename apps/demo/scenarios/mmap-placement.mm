# Lab 13 - Where mmap puts a region: top-down, bottom-up, hints and MAP_FIXED
# Kernel: mm/mmap.c do_mmap_pgoff, get_unmapped_area, arch_get_unmapped_area (bottom-up),
#         arch_get_unmapped_area_topdown, free_area_cache, do_munmap; arch/i386/kernel/sys_i386.c
#         sys_mmap2 (ULK3 ch. 9 "Creating a Memory Region", "Finding a free interval")
# i386mm: --mem 64M
#
# Without MAP_FIXED the address is only a hint: get_unmapped_area takes it if the interval is
# free and below TASK_SIZE, otherwise it searches. The flexible layout searches top-down from
# free_area_cache (initially mmap_base), the classic one bottom-up from free_area_cache
# (initially TASK_UNMAPPED_BASE). An munmap that opens a hole above the cache moves the cache
# back, so the next mmap reuses the hole. MAP_FIXED takes the address as given (page-aligned, or
# -EINVAL) and first unmaps whatever was there.
#
# Questions
#  Q1. In which order do a, b, c lie in each layout? Draw both address spaces.
#  Q2. After munmap(b), where does d go in each layout, and which variable says so?
#  Q3. Why did the hint 0x50000000 work but the hint 0x08049000 not?
#  Q4. What happened to the middle of region c after the MAP_FIXED mapping?

echo Step 1 - flexible: three regions, top-down from mmap_base
f = exec("/bin/memorylayout-static", layout=flexible)
mmap_base(f)
a = mmap(f, 0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
b = mmap(f, 0, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
c = mmap(f, 0, 16384, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
echo Step 2 - munmap(b) opens a hole; the next mmap of that size reuses it
munmap(f, b, 8192)
d = mmap(f, 0, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
assert d == b

echo
echo Step 3 - classic: the same calls, bottom-up from 0x40000000
k = exec("/bin/memorylayout-static", layout=classic)
mmap_base(k)
ka = mmap(k, 0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
kb = mmap(k, 0, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
kc = mmap(k, 0, 16384, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
cat /proc/$k/maps

echo
echo Step 4 - hints: a free address is taken, a busy one is not
h = mmap(f, 0x50000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
i = mmap(f, 0x08049000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)

echo
echo Step 5 - MAP_FIXED replaces the middle page of c; an unaligned MAP_FIXED is -EINVAL
x = mmap(f, c + 4096, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
mmap(f, c + 100, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
cat /proc/$f/maps
exit(f)
exit(k)
check
