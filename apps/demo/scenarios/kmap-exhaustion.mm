# Lab 7 - Permanent kernel mappings: kmap exhaustion and the pkmap flush
# Kernel: mm/highmem.c kmap_high, map_new_virtual, flush_all_zero_pkmaps, kunmap_high;
#         arch/i386/mm/highmem.c kmap, kunmap (ULK3 ch. 8, "Permanent Kernel Mappings")
# i386mm: --mem 1G --pae
#
# High memory has no permanent kernel address. kmap(page) borrows one of LAST_PKMAP slots of the
# pkmap window at PKMAP_BASE (1024 slots, one page table; 512 under PAE). pkmap_count[slot] is
# 0 (free and flushed), 1 (unused but maybe still in some TLB) or n+1 for n users. Slots are
# searched round-robin from last_pkmap_nr; when the search wraps to slot 0,
# flush_all_zero_pkmaps() unmaps every count-1 slot and flushes the TLBs at once - one flush per
# round instead of one per kunmap. When every slot is in use, kmap sleeps until a kunmap.
# This lab runs on a PAE machine, where LAST_PKMAP = 512.
#
# Questions
#  Q1. Why does the first kmap get slot 1 (PKMAP_BASE + 4096), not slot 0?
#  Q2. After kunmap(h[0]), why does translate still find the mapping?
#  Q3. What makes step 4's kmap fail, and what would the kernel do instead?
#  Q4. In step 5, which event unmaps h[1]'s old slot?

echo Step 1 - the pkmap window
LAST_PKMAP
PKMAP_BASE
h[0] = alloc_page(GFP_HIGHUSER)
k0 = kmap(h[0])
assert k0 == PKMAP_BASE + 4096

echo
echo Step 2 - kunmap drops the count to 1: the slot stays mapped until the next flush
kunmap(h[0])
page_address(h[0])
translate k0

echo
echo Step 3 - map LAST_PKMAP highmem pages: every slot becomes busy (the wrap flushes slot 1 first)
for (i = 1; i < LAST_PKMAP + 1; i++) h[i] = alloc_page(GFP_HIGHUSER)
for (i = 1; i < LAST_PKMAP + 1; i++) k[i] = kmap(h[i])
translate k0

echo
echo Step 4 - one more: no free slot; the kernel would sleep on pkmap_map_wait
x = alloc_page(GFP_HIGHUSER)
expect_error kmap(x)

echo
echo Step 5 - release one and retry: the next search wraps, flushes the count-1 slot and takes it
kunmap(h[1])
kx = kmap(x)
assert kx == k[1]
page_address(h[1])
kunmap(x)
for (i = 2; i < LAST_PKMAP + 1; i++) kunmap(h[i])
check
