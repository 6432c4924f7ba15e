# Lab 12 - brk and the heap
# Kernel: mm/mmap.c sys_brk, do_brk, do_munmap, vma_merge; fs/binfmt_elf.c set_brk
#         (ULK3 ch. 9 "Managing the Heap")
# i386mm: --mem 64M
#
# After exec, start_brk = brk = the page-aligned end of the bss (set_brk). sys_brk(addr) moves
# the break: growing calls do_brk, which maps anonymous pages right after the old break (and
# vma_merge usually extends the bss VMA); shrinking calls do_munmap. sys_brk refuses (returns
# the unchanged break) below end_code's page, past RLIMIT_DATA, or into an existing mapping.
# brk(pid, 0) asks for the current break, as glibc's sbrk(0) does. The new pages are only
# reserved: each is allocated at its first touch (demand paging).
#
# Questions
#  Q1. Why did the first brk not add a VMA to maps? (Look at the bss line before and after.)
#  Q2. brk(b0 + 0x880) returned a page-aligned break? What did the kernel round, and why does
#      glibc then correct its own pointer (fixtures/elf/README.md)?
#  Q3. What does sys_brk return when it refuses, and how does glibc notice?
#  Q4. How many frames does VmRSS count after Step 4, and why not 0x21 pages' worth?

echo Step 1 - a fresh process: the break is at the end of the bss
p = exec("/bin/memorylayout-static")
cat /proc/$p/maps
b0 = brk(p, 0)

echo
echo Step 2 - grow by 0x880 bytes (glibc's TLS block) and by 0x21000 (malloc's first heap)
b1 = brk(p, b0 + 0x880)
b2 = brk(p, b1 + 0x21000)
cat /proc/$p/maps
map_count(p)

echo
echo Step 3 - refusals: below the start of the heap, and into a mapping
m = mmap(p, b2 + 0x10000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)
brk(p, b2 + 0x20000)
brk(p, 0x08048000)

echo
echo Step 4 - the heap is demand-paged: touch two of its pages
touch(p, b0, "w")
touch(p, b1 + 0x10000, "w")
cat /proc/$p/status

echo
echo Step 5 - shrink the break: do_munmap gives the pages back
brk(p, b0)
cat /proc/$p/maps
exit(p)
check
