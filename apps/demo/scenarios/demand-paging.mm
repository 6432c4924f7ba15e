# Lab 15 - Demand paging and the zero page
# Kernel: arch/i386/mm/fault.c do_page_fault; mm/memory.c handle_mm_fault, handle_pte_fault,
#         do_anonymous_page, do_no_page, do_wp_page; mm/filemap.c filemap_nopage
#         (ULK3 ch. 9 "Page Fault Exception Handler", "Demand Paging")
# i386mm: --mem 64M
#
# mmap only creates a VMA: no frame, no page-table entry. The first access faults and
# do_page_fault finds the VMA; handle_mm_fault then picks the handler from the empty pte: an
# anonymous VMA gets do_anonymous_page, which on a read maps the one shared zero page read-only
# (no memory used) and on a write allocates a zeroed frame; a file VMA gets do_no_page, which
# takes the page from the page cache (filemap_nopage). A write to the zero page later is a
# copy-on-write fault (do_wp_page). touch(pid, addr, "r"|"w"|"x") is one user-mode access
# through the MMU; it prints the path the handler took.
#
# Questions
#  Q1. How many frames does the 3-page mmap use after Step 1? After Step 3?
#  Q2. What is special about the zero page's page_count, and why is it never freed?
#  Q3. Why is the instruction fetch from a PROT_READ page allowed here (no NX without PAE)?
#  Q4. The text page fault is a minor fault. When would it be major?
#  Q5. Why is the file page written in Step 5 copied at once (do_no_page's early COW), and why
#      may the scenario close the descriptor right after mmap?

p = exec("/bin/memorylayout-static")
a = mmap(p, 0, 12288, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
echo Step 1 - the mapping exists, but no page does
follow_page(p, a, 0)
translate p a
cat /proc/$p/statm

echo
echo Step 2 - read first: the zero page, mapped read-only
touch(p, a, "r")
z = follow_page(p, a, 0)
translate p a
echo ... then a write to it: copy-on-write of the zero page
touch(p, a, "w")
follow_page(p, a, 0)

echo
echo Step 3 - write first: a new zeroed frame at once (demand zero)
touch(p, a + 4096, "w")
echo ... and an instruction fetch from a PROT_READ page is a read on a non-PAE i386
r = mmap(p, 0, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
touch(p, r, "x")
cat /proc/$p/statm

echo
echo Step 4 - a text page of the program comes from the page cache (do_no_page)
touch(p, 0x08049000, "x")
touch(p, 0x08049000, "r")
cat /proc/$p/status

echo
echo Step 5 - mmap of a file: its pages come from the page cache; a private write copies at once
fd = open("/bin/memorylayout-static", O_RDONLY)
m = mmap(p, 0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd, 4096)
close(fd)
touch(p, m, "r")
touch(p, m + 4096, "w")
echo ... and a write to the page mapped read-only above is an ordinary COW fault
touch(p, m, "w")
exit(p)
check
