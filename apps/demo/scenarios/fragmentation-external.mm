# Lab 11 - External fragmentation: free pages that cannot be used
# Kernel: mm/page_alloc.c __alloc_pages, zone_watermark_ok, __rmqueue, __free_pages_bulk;
#         the unusable free space and fragmentation indexes of mm/vmstat.c (2.6.35+) (ULK3 ch. 8,
#         "The Buddy System Algorithm": why the buddy system exists)
# i386mm: --mem 16M
#
# A 16 MiB machine has one zone, DMA. The lab takes every page it can as single pages, gives
# back every other one, and then asks for 8 contiguous pages (order 3). More than a thousand
# pages are free, yet the request fails: each free page sits between two allocated ones, so no
# free block is bigger than one page. That is external fragmentation, the problem the buddy
# system keeps small by merging buddies as soon as both are free.
# /proc/fraginfo (the model's own view, see the README) shows it per order:
#   unusable  = the share of free pages in blocks too small for the order (1.000: all of them);
#   extfrag   = -1.000 while a big enough block is free; otherwise near 0 when the failure is for
#               lack of memory and near 1 when it is for fragmentation;
#   can alloc = would zone_watermark_ok let a GFP_KERNEL request of that order through now.
#
# Questions
#  Q1. After step 3, how many pages are free, and in blocks of which order (buddyinfo)?
#  Q2. Why does the order-3 request of step 4 fail? Read the order-3 column of fraginfo.
#  Q3. In step 5 every page comes back. Which pages merge with which, and why does order 3 work now?

echo Step 1 - no reserve: min_free_kbytes 0 lets GFP_KERNEL take every page (the lab is about fragmentation, not watermarks)
set_min_free_kbytes(0)
cat /proc/buddyinfo

echo
echo Step 2 - take every free page as a single page (order 0); the last calls find nothing left
for (i = 0; i < 3200; i++) p[i] = alloc_pages(GFP_KERNEL|__GFP_NORETRY|__GFP_NOWARN, 0)
assert p[3000] != NULL
assert nr_free_pages() == 0

echo
echo Step 3 - give back every other page: each one's buddy stays allocated, so nothing merges
for (i = 0; i < 1500; i++) __free_pages(p[2 * i], 0)
drain_local_pages()
cat /proc/buddyinfo

echo
echo Step 4 - an order-3 request (8 contiguous pages) fails, with 1500 pages free
q = alloc_pages(GFP_KERNEL|__GFP_NORETRY|__GFP_NOWARN, 3)
assert q == NULL
assert nr_free_pages() > 8
cat /proc/fraginfo
echo A single page is still easy to get:
s = alloc_pages(GFP_KERNEL, 0)
__free_pages(s, 0)

echo
echo Step 5 - give back the other half: every page meets its buddy, blocks merge up, order 3 works again
for (i = 0; i < 1500; i++) __free_pages(p[2 * i + 1], 0)
drain_local_pages()
cat /proc/buddyinfo
q = alloc_pages(GFP_KERNEL|__GFP_NORETRY|__GFP_NOWARN, 3)
assert q != NULL
__free_pages(q, 3)
check
