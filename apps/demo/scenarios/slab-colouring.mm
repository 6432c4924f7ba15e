# Lab 4 - Slab colouring and the three slab lists
# Kernel: mm/slab.c kmem_cache_create, cache_estimate, cache_grow, cache_alloc_refill, free_block
#         (ULK3 ch. 8, "Slab Coloring" and "Allocating a Slab to a Cache")
#
# kmem_cache_create("lab_obj", 192, 0, SLAB_HWCACHE_ALIGN, NULL) on a 32-byte cache line: objects
# of 192 bytes, 20 per 4 KiB slab; the slab descriptor (struct slab, 24 bytes, plus a 2-byte
# kmem_bufctl_t per object, rounded to 64) sits at the start of the page, on-slab. That leaves
# 4096 - 20*192 - 64 = 192 bytes unused: colour = 192 / 32 = 6 colours. Each new slab starts its
# objects colour_next * 32 bytes further in (0, 32, ..., 160, then 0 again), so objects at the
# same index in different slabs fall in different cache lines.
# A cache keeps its slabs on three lists: slabs_full, slabs_partial and slabs_free. Objects come
# to the caller through a per-CPU array (limit 120, batchcount 60 for objects <= 256 bytes),
# refilled from the cache's shared array first, then partial slabs, free slabs, cache_grow.
# A free goes the other way: into the per-CPU array; when it is full, cache_flusharray moves
# batchcount objects to the shared array (this is an SMP build: limit 8 x batchcount = 480),
# and only what the shared array cannot take goes back to its slab (free_block).
#
# Questions
#  Q1. Verify num and colour from the numbers above against step 1's line.
#  Q2. For each slab of step 3, colouroff = slab_size (64) + colour * 32. Which colour does each have?
#  Q3. In step 4 every object was freed, yet all 7 slabs are still full and free_objects is 0.
#      Where are the 140 objects? (Count the per-CPU and the shared array.) How many more frees
#      would it take before free_block puts an object back in a slab?
#  Q4. What does kmem_cache_shrink do to the free slabs, and why does destroy then succeed?

echo Step 1 - the cache and its geometry
c = kmem_cache_create("lab_obj", 192, 0, SLAB_HWCACHE_ALIGN, NULL)
assert c->num == 20
assert c->colour == 6

echo
echo Step 2 - 140 objects: 7 slabs' worth (the per-CPU array takes them in batches)
for (i = 0; i < 140; i++) o[i] = kmem_cache_alloc(c, GFP_KERNEL)
c

echo
echo Step 3 - the struct slab of the slab holding every 20th object: note colouroff
for (i = 0; i < 7; i++) s[i] = GET_PAGE_SLAB(virt_to_page(o[20 * i]))
cat /proc/slabinfo

echo
echo Step 4 - free everything: into the per-CPU array, which spills batches into the shared array
for (i = 0; i < 140; i++) kmem_cache_free(c, o[i])
c

echo
echo Step 5 - shrink drains the arrays and releases the free slabs; then the cache can go
kmem_cache_shrink(c)
c
kmem_cache_destroy(c)
check
