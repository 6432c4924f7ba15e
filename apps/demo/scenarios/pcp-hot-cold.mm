# Lab 3 - The per-CPU page lists: hot and cold
# Kernel: mm/page_alloc.c buffered_rmqueue, rmqueue_bulk, free_hot_cold_page, free_pages_bulk,
#         zone_batchsize (ULK3 ch. 8, "The Per-CPU Page Frame Cache")
# i386mm: --mem 256M --cpus 2
#
# Every zone has, per CPU, two lists of single pages: hot (pcp[0]) and cold (pcp[1]), each with
# count, low, high and batch. An order-0 allocation refills the list with `batch` pages from the
# buddy system when count <= low, then takes the page at the head. A free pushes the page on the
# head of the hot list (cold with free_cold_page) and, once count >= high, gives `batch` pages
# back to the buddy system from the tail. The list is LIFO: the page freed last is handed out
# first, while it is still in the CPU's cache. Each CPU has its own lists.
#
# Questions
#  Q1. Step 2 allocates and frees one page twice. Why is it the same page both times?
#  Q2. In step 3, what happened to the cold list's count on the first __GFP_COLD allocation?
#  Q3. In step 4, how many frees does it take before the hot list spills back to the buddy lists?
#  Q4. Step 5 runs on CPU 1: whose lists does it use?

echo Step 1 - the per-CPU lists of ZONE_NORMAL at boot (pcp 0 = hot, pcp 1 = cold)
cat /proc/zoneinfo

echo
echo Step 2 - LIFO: a freed page is the next one handed out
a = alloc_page(GFP_KERNEL)
__free_page(a)
b = alloc_page(GFP_KERNEL)
assert b == a
__free_page(b)

echo
echo Step 3 - a cache-cold page comes from the cold list, which refills in batches
c = alloc_page(GFP_KERNEL|__GFP_COLD)
cat /proc/zoneinfo

echo
echo Step 4 - allocate 64 pages, then free them all: the hot list overflows its high mark
for (i = 0; i < 64; i++) x[i] = alloc_page(GFP_KERNEL)
for (i = 0; i < 64; i++) __free_page(x[i])
cat /proc/zoneinfo

echo
echo Step 5 - on CPU 1 the same calls use CPU 1's lists
cpu 1
d = alloc_page(GFP_KERNEL)
cat /proc/zoneinfo
__free_page(d)
cpu 0
__free_page(c)
check
