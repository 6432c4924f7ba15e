# Lab 10 - A page-table walk, the TLB, and a stale entry
# Kernel: include/asm-i386/pgtable.h, tlbflush.h (__flush_tlb_one = invlpg);
#         arch/i386/mm/pageattr.c lookup_address (ULK3 ch. 2, "Paging in Linux", "Translation
#         Lookaside Buffers")
#
# Without PAE a linear address splits 10 | 10 | 12: the pgd index (bits 31-22), the pte index
# (bits 21-12) and the offset. The kernel maps lowmem with 4 MiB pages (PSE) and global entries
# (PGE), so such a walk stops at the pgd. A fixmap address is mapped by a 4 KiB pte. The CPU
# caches each translation in its TLB; the kernel must invalidate the entry (invlpg,
# __flush_tlb_one) whenever it changes a pte that may be cached - otherwise the CPU keeps using
# the old frame.
#
# Questions
#  Q1. Split 0xc0123456 into pgd index, pte index and offset by hand. Why does the walk stop at
#      the pgd entry? What do its flags P RW A D PS G mean?
#  Q2. In step 3, which frame does the CPU use after set_pte, and which frame do the tables say?
#  Q3. Which single instruction repairs it in step 4?

echo Step 1 - a lowmem address: one pgd entry with PS set maps 4 MiB
pgd_index(0xc0123456)
pte_index(0xc0123456)
translate 0xc0123456
translate 0xc0123456

echo
echo Step 2 - a 4 KiB mapping: a fixmap slot, two levels; first access misses, second hits
set_fixmap(FIX_ACPI_BEGIN, 0x1000)
v = fix_to_virt(FIX_ACPI_BEGIN)
translate v
translate v

echo
echo Step 3 - change the pte behind the TLB's back (set_pte without __flush_tlb_one)
ptep = lookup_address(v)
pte_val(*ptep)
set_pte(ptep, pfn_pte(0x2, PAGE_KERNEL))
translate v

echo
echo Step 4 - invlpg: the next access walks again and sees frame 0x2
__flush_tlb_one(v)
translate v
clear_fixmap(FIX_ACPI_BEGIN)

echo
echo Step 5 - a write to a read-only mapping faults (protection violation, write)
set_fixmap(FIX_ACPI_BEGIN, 0x3000)
set_pte(lookup_address(v), pfn_pte(0x3, PAGE_KERNEL_RO))
__flush_tlb_one(v)
translate v, write
clear_fixmap(FIX_ACPI_BEGIN)
check
