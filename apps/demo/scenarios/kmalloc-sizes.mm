# Lab 5 - kmalloc size classes and internal fragmentation
# Kernel: mm/slab.c __kmalloc, kfree, ksize, kmem_cache_sizes_init; include/linux/kmalloc_sizes.h
#         (ULK3 ch. 8, "General and Specific Caches")
#
# kmalloc(size, flags) serves a request from the smallest general cache that fits: size-32,
# size-64, size-96, size-128, size-192, size-256, size-512, ... size-131072 (size-96 and size-192
# exist because L1_CACHE_BYTES is 32 here). __GFP_DMA selects the "size-N(DMA)" twin. The
# difference between the cache's object size (ksize) and the request is internal fragmentation.
# Requests above 131072 bytes fail: use the page allocator or vmalloc.
#
# Questions
#  Q1. Fill in the table: request, cache, ksize, bytes wasted. What is the worst case in %?
#  Q2. Which zone does the DMA object's page come from?
#  Q3. What does kmalloc(131073, GFP_KERNEL) return, and why is it not a BUG?

echo Step 1 - kmalloc(33) is served by size-64: 31 bytes (48%) wasted
x = kmalloc(33, GFP_KERNEL)
ksize(x)
assert ksize(x) == 64
GET_PAGE_CACHE(virt_to_page(x))

echo
echo Step 2 - one request per size class boundary
a = kmalloc(1, GFP_KERNEL)
ksize(a)
b = kmalloc(65, GFP_KERNEL)
ksize(b)
d = kmalloc(129, GFP_KERNEL)
ksize(d)
e = kmalloc(200, GFP_KERNEL)
ksize(e)
f = kmalloc(257, GFP_KERNEL)
ksize(f)
g = kmalloc(4097, GFP_KERNEL)
ksize(g)
h = kmalloc(131072, GFP_KERNEL)
ksize(h)

echo
echo Step 3 - too big: NULL, an expected failure
z = kmalloc(131073, GFP_KERNEL)
assert z == NULL

echo
echo Step 4 - a DMA object comes from size-64(DMA), on a page of ZONE_DMA
y = kmalloc(40, GFP_KERNEL|GFP_DMA)
GET_PAGE_CACHE(virt_to_page(y))
virt_to_page(y)

echo
echo Step 5 - zeroed arrays: kcalloc(10, 12) = 120 bytes, from size-128
k = kcalloc(10, 12, GFP_KERNEL)
ksize(k)

echo
echo Step 6 - the general caches now
cat /proc/slabinfo
kfree(x)
kfree(a)
kfree(b)
kfree(d)
kfree(e)
kfree(f)
kfree(g)
kfree(h)
kfree(y)
kfree(k)
kfree(NULL)
check
