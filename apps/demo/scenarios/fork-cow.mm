# Lab 16 - fork and copy-on-write
# Kernel: kernel/fork.c do_fork, copy_mm, dup_mmap; mm/memory.c copy_page_range, do_wp_page;
#         mm/rmap.c page_dup_rmap (ULK3 ch. 9 "Copy On Write", ch. 3 "Creating Processes")
# i386mm: --mem 64M
#
# fork copies the page tables, not the pages: copy_page_range gives the child the parent's
# frames and, for a private writable mapping, clears the RW bit in both ptes, so each frame's
# page_count and mapcount go up by one. The first write by either process faults: do_wp_page
# copies the frame if someone else still uses it (page_count > 1), or, for the last user,
# simply makes the pte writable again (reuse).
#
# Questions
#  Q1. Fill in: page_count and page_mapcount of the parent's frame before fork, after fork,
#      after the child's write, after the parent's write.
#  Q2. Why is the parent's second write a "reuse" and not a copy?
#  Q3. The untouched page b: what does each process see when it reads it, and is anything copied?
#  Q4. What does translate show about the RW bit before and after the writes?

p = exec("/bin/memorylayout-static")
a = mmap(p, 0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
touch(p, a, "w")
pg = follow_page(p, a, 0)
echo Step 1 - one process, one writable frame
page_count(pg)
page_mapcount(pg)

echo
echo Step 2 - fork: the child shares the frame; both ptes lose RW
c = fork(p)
page_count(pg)
page_mapcount(pg)
translate p a, write
cat /proc/$c/maps

echo
echo Step 3 - the child writes: copy-on-write gives it its own frame
touch(c, a, "w")
follow_page(c, a, 0)
page_count(pg)
page_mapcount(pg)

echo
echo Step 4 - the parent writes: it is the last user, so the frame is reused
touch(p, a, "w")
assert follow_page(p, a, 0) == pg
page_count(pg)

echo
echo Step 5 - the untouched page: both read the zero page
touch(p, a + 4096, "r")
touch(c, a + 4096, "r")
exit(c)
exit(p)
check
