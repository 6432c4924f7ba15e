# Lab 8 - Temporary kernel mappings: kmap_atomic slots per CPU
# Kernel: arch/i386/mm/highmem.c kmap_atomic, kunmap_atomic, kmap_atomic_to_page;
#         include/asm-i386/kmap_types.h (ULK3 ch. 8, "Temporary Kernel Mappings")
# i386mm: --mem 1G --cpus 2
#
# kmap_atomic(page, type) never sleeps: each CPU owns KM_TYPE_NR (13) fixmap slots, one per use
# (KM_USER0, KM_USER1, KM_PTE0, KM_IRQ0, ...). The slot is fixmap index
# FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu; it disables preemption, writes the pte and
# invalidates that one TLB entry. kunmap_atomic only re-enables preemption: the pte stays and is
# overwritten by the next kmap_atomic of the same type. Two users of the same type on one CPU
# must not nest - that is what the different types are for. A lowmem page needs no slot.
#
# Questions
#  Q1. Compute the address of KM_USER0 on CPU 0 and CPU 1 by hand; compare with steps 1 and 3.
#  Q2. Why is preempt_count 1 between kmap_atomic and kunmap_atomic?
#  Q3. After step 2, what does the KM_USER0 slot of CPU 0 still map? Why is that harmless?

echo Step 1 - KM_USER0 on CPU 0
h = alloc_page(GFP_HIGHUSER)
t = kmap_atomic(h, KM_USER0)
assert t == fix_to_virt(FIX_KMAP_BEGIN + KM_USER0)
preempt_count()
kmap_atomic_to_page(t)
assert kmap_atomic_to_page(t) == h
translate t

echo
echo Step 2 - a second type nests safely; then unmap both (in reverse order)
h2 = alloc_page(GFP_HIGHUSER)
t2 = kmap_atomic(h2, KM_USER1)
preempt_count()
kunmap_atomic(t2, KM_USER1)
kunmap_atomic(t, KM_USER0)
preempt_count()
translate t

echo
echo Step 3 - CPU 1 has its own 13 slots, KM_TYPE_NR pages lower
cpu 1
u = kmap_atomic(h, KM_USER0)
assert u == fix_to_virt(FIX_KMAP_BEGIN + KM_USER0 + KM_TYPE_NR)
kunmap_atomic(u, KM_USER0)
cpu 0

echo
echo Step 4 - a lowmem page is already mapped: kmap_atomic returns its direct-map address
l = alloc_page(GFP_KERNEL)
la = kmap_atomic(l, KM_USER0)
assert la == page_address(l)
kunmap_atomic(la, KM_USER0)
__free_page(l)
__free_page(h)
__free_page(h2)
check
