# Lab 1 - The buddy system: splitting and merging blocks
# Kernel: mm/page_alloc.c __rmqueue, expand, __free_pages_bulk (ULK3 ch. 8, "The Buddy System")
#
# Each zone keeps eleven free lists, free_area[0..10]; list k holds blocks of 2^k contiguous
# pages, aligned to their size relative to the zone start. alloc_pages(gfp, k) takes the first
# block of the smallest non-empty order n >= k. If n > k, expand() splits it: the upper half
# goes on list n-1, the upper half of the rest on list n-2, ... down to k, and the caller gets
# the lowest-addressed 2^k pages. Freeing a block of order k merges it with its buddy - the
# block whose index differs in bit k (pfn XOR 2^k, relative to the zone) - as long as that buddy
# is a free block of the same order, then tries again one order up.
# Order-0 requests are served by the per-CPU lists first (lab 3), so this lab uses order >= 1.
#
# Questions
#  Q1. In step 1, which is the smallest order with a free block in zone Normal? Predict the
#      Normal line of /proc/buddyinfo after step 2 before you run it.
#  Q2. Why is p2 the buddy of p1 (page_to_pfn(p2) == page_to_pfn(p1) ^ 2)?
#  Q3. Step 4 frees p1 alone: why does nothing merge? Step 5 frees p2: how far up does it merge?

echo Step 1 - the free lists after boot (columns: orders 0..10, in blocks)
cat /proc/buddyinfo

echo
echo Step 2 - take one order-1 block (2 pages): the smallest free block is split
p1 = alloc_pages(GFP_KERNEL, 1)
cat /proc/buddyinfo

echo
echo Step 3 - a second order-1 block comes straight from free_area[1]: the buddy left by the split
p2 = alloc_pages(GFP_KERNEL, 1)
assert page_to_pfn(p2) == (page_to_pfn(p1) ^ 2)
cat /proc/buddyinfo

echo
echo Step 4 - free p1: its buddy p2 is still allocated, so p1 just goes on free_area[1]
__free_pages(p1, 1)
cat /proc/buddyinfo

echo
echo Step 5 - free p2: it merges with p1, then with each split-off half, back to the original block
__free_pages(p2, 1)
cat /proc/buddyinfo

echo
echo Step 6 - an order-3 allocation and its direct-map address (lowmem: page_address = __va(pfn << 12))
q = alloc_pages(GFP_KERNEL, 3)
a = page_address(q)
assert a == __va(page_to_pfn(q) << 12)
assert virt_to_page(a) == q
__free_pages(q, 3)

echo
echo Step 7 - misuse: freeing a block twice is a kernel BUG (put_page_testzero on a free page)
expect_error __free_pages(q, 3)
check
