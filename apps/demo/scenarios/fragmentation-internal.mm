# Lab 12 - Internal fragmentation: kmalloc's size classes and the slab's leftovers
# Kernel: mm/slab.c __kmalloc, kmem_find_general_cachep, kmem_cache_create (cache_estimate,
#         colouring), include/linux/kmalloc_sizes.h; mm/vmalloc.c __get_vm_area (ULK3 ch. 8,
#         "General and Specific Caches", "Noncontiguous Memory Area Management")
# i386mm: --mem 64M
#
# kmalloc(size) hands out an object of the smallest general cache that holds `size` bytes:
# size-32, size-64, size-96, size-128, size-192, size-256, size-512, ... size-131072. The bytes
# between what the caller asked for and the class size are internal fragmentation: allocated,
# never used. The kernel forgets the asked size; the model records it, and /proc/fraginfo sums
# it per class (the columns perf kmem prints from a trace: bytes_req, bytes_alloc, frag).
# Inside a slab, more bytes go unused: the left-over of each slab (part of it used to colour
# slabs), and per object the padding of an alignment. vmalloc rounds to whole pages and adds a
# guard page; a request by size (get_order) gets a power of two of pages.
#
# Questions
#  Q1. Why does kmalloc(33) take 64 bytes, and kmalloc(65) 96? What would kmalloc(97) take?
#  Q2. In step 2, check the size-64 line: live, bytes_req, bytes_alloc, waste. Where do the
#      31 x 10 = 310 wasted bytes come from?
#  Q3. Step 3's cache keeps 100-byte objects: how many fit in a 4096-byte slab, and what are the
#      92 left-over bytes used for?
#  Q4. Step 4: vmalloc(5000) and __get_free_pages for 5000 bytes: how much does each waste?

echo Step 1 - kmalloc(33) comes from size-64: ksize says what the caller really got
p = kmalloc(33, GFP_KERNEL)
ksize(p)
assert ksize(p) == 64
kfree(p)

echo
echo Step 2 - ten kmalloc(33): 31 bytes wasted each, 310 for the class
for (i = 0; i < 10; i++) x[i] = kmalloc(33, GFP_KERNEL)
y = kmalloc(65, GFP_KERNEL)
cat /proc/fraginfo

echo
echo Step 3 - a cache of 100-byte objects: 39 per slab, 104 bytes of slab descriptor, 92 left over (2 colours of 32)
c = kmem_cache_create("lab-100", 100, 0, 0, NULL)
o = kmem_cache_alloc(c, GFP_KERNEL)
d = kmem_cache_create("lab-33-aligned", 33, 0, SLAB_HWCACHE_ALIGN, NULL)
e = kmem_cache_alloc(d, GFP_KERNEL)
echo lab-33-aligned: 33 rounds to 36 bytes, aligned to a 32-byte line: 64-byte objects, 28 bytes of padding each

echo
echo Step 4 - vmalloc rounds to pages and adds a guard page; get_order rounds to a power of two of pages
v = vmalloc(5000)
g = __get_free_pages(GFP_KERNEL, get_order(5000))
cat /proc/fraginfo

echo
echo Step 5 - give it all back: the live columns return to where they were
for (i = 0; i < 10; i++) kfree(x[i])
kfree(y)
kmem_cache_free(c, o)
kmem_cache_free(d, e)
vfree(v)
free_pages(g, get_order(5000))
check
