# Lab 2 - Zones, fallback and watermarks
# Kernel: mm/page_alloc.c __alloc_pages, zone_watermark_ok, build_zonelists,
#         setup_per_zone_pages_min, setup_per_zone_lowmem_reserve (ULK3 ch. 8, "The Zoned Page
#         Frame Allocator")
# i386mm: --mem 64M
#
# A 64 MiB machine has ZONE_DMA (pfn 0..4095, the first 16 MiB) and ZONE_NORMAL (the rest); no
# high memory. GFP_KERNEL's zonelist is Normal -> DMA. __alloc_pages tries each zone of the list
# in turn; pass 1 wants the zone to stay above pages_low after the allocation, plus
# lowmem_reserve[classzone] (pages DMA keeps back from requests that could have used Normal).
# Pass 2 lowers the mark to pages_min; GFP_ATOMIC (__GFP_HIGH, cannot sleep) may go further:
# min - min/2 - (min - min/2)/4, about 3/8 of pages_min.
#
# Questions
#  Q1. From step 1, compute pages_low of Normal and DMA's protection against Normal requests.
#  Q2. At which point of step 2 do the 64-page blocks start coming from DMA (look at the zone of
#      the last block) - and how many pages does Normal have left then?
#  Q3. In step 4 GFP_KERNEL fails but GFP_ATOMIC succeeds. Which watermark lets it through?

echo Step 1 - the zones' watermarks (min/low/high) and lowmem_reserve ("protection")
cat /proc/zoneinfo

echo
echo Step 2 - fill ZONE_NORMAL with order-6 blocks (64 pages); the last ones fall back to DMA
for (i = 0; i < 200; i++) big[i] = alloc_pages(GFP_KERNEL, 6)
cat /proc/buddyinfo

echo
echo Step 3 - keep taking single pages without retrying (no OOM killer, no warning) until it fails
for (i = 0; i < 3000; i++) small[i] = alloc_pages(GFP_KERNEL|__GFP_NORETRY|__GFP_NOWARN, 0)
cat /proc/zoneinfo

echo
echo Step 4 - GFP_KERNEL cannot go below pages_min; GFP_ATOMIC may dig into the reserve
g = alloc_pages(GFP_KERNEL|__GFP_NORETRY|__GFP_NOWARN, 0)
assert g == NULL
a = alloc_pages(GFP_ATOMIC, 0)
assert a != NULL
page_zone(a)
check
