# Lab 19 - exit gives every frame back
# Kernel: kernel/exit.c do_exit; kernel/fork.c mmput, exit_mm; mm/mmap.c exit_mmap;
#         mm/memory.c unmap_vmas, zap_pte_range, free_pgtables; arch/i386/mm/pgtable.c pgd_free
#         (ULK3 ch. 9 "Deleting a Process Address Space", ch. 3 "Destroying Processes")
# i386mm: --mem 64M
#
# When the last user of an mm_struct goes (mmput), exit_mmap unmaps every VMA: zap_pte_range
# drops each mapped frame's count (anonymous frames go back to the buddy system, page-cache
# pages stay cached), the page tables are freed, then the VMAs and finally the page directory
# and the mm_struct (mmdrop, once no CPU uses it as a lazy TLB mm). Nothing leaks: after the
# per-CPU page lists are drained, the free pages are exactly what they were before the
# process existed. The binary's page-cache pages are made by a first run, before the count.
#
# Questions
#  Q1. Which frames does the process use at its peak (text, data, heap, page tables, pgd)?
#  Q2. Why must drain_local_pages() run before comparing nr_free_pages()?
#  Q3. Why does the first (warm-up) run not count? What stays in memory after it?
#  Q4. Which frames does the forked child add, and which of them does its exit free?

echo Step 1 - warm up: the first exec reads the binary into the page cache
w = exec("/bin/memorylayout-static")
exit(w)
drain_local_pages()
before = nr_free_pages()
cat /proc/buddyinfo

echo
echo Step 2 - a process and a forked child use memory
p = exec("/bin/memorylayout-static")
a = mmap(p, 0, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
for (i = 0; i < 16; i++) touch(p, a + i * 4096, "w")
touch(p, 0x08049000, "x")
c = fork(p)
touch(c, a, "w")
cat /proc/$p/status
nr_free_pages()

echo
echo Step 3 - both exit; the per-CPU lists are drained; every frame is back
exit(c)
exit(p)
drain_local_pages()
after = nr_free_pages()
assert after == before
cat /proc/buddyinfo
check
