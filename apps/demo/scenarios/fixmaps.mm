# Lab 9 - Fix-mapped linear addresses
# Kernel: include/asm-i386/fixmap.h fix_to_virt, virt_to_fix, set_fixmap, set_fixmap_nocache,
#         clear_fixmap; arch/i386/mm/pgtable.c __set_fixmap, set_pte_pfn
#         (ULK3 ch. 2, "Fix-Mapped Linear Addresses")
#
# A fix-mapped address is a constant linear address at the top of the 4 GiB space whose frame
# the kernel chooses at run time: fix_to_virt(idx) = FIXADDR_TOP - (idx << PAGE_SHIFT), with
# FIXADDR_TOP = 0xfffff000, so a higher index is a lower address. enum fixed_addresses in this
# 2.6.11 build: FIX_HOLE, FIX_VSYSCALL, FIX_APIC_BASE, FIX_IO_APIC_BASE_0..7, FIX_KMAP_BEGIN..END
# (13 types x 8 CPUs), FIX_ACPI_BEGIN..END, FIX_PCIE_MCFG, then the boot-time FIX_BTMAP slots
# and FIX_WP_TEST. set_fixmap writes the pte in swapper_pg_dir and invalidates the TLB entry.
# An index beyond the enum does not even link in the kernel (__this_fixmap_does_not_exist).
#
# Questions
#  Q1. Compute fix_to_virt(FIX_APIC_BASE) by hand.
#  Q2. What is the difference between the ptes of step 2 and step 3 (look at the flags)?
#  Q3. Why does a non-constant bad index only fail at run time in the model?

echo Step 1 - the fixmap indices and their addresses
FIX_APIC_BASE
fix_to_virt(FIX_APIC_BASE)
fix_to_virt(FIX_VSYSCALL)
virt_to_fix(0xffffd000)
assert virt_to_fix(fix_to_virt(FIX_IO_APIC_BASE_0)) == FIX_IO_APIC_BASE_0
__end_of_permanent_fixed_addresses
__end_of_fixed_addresses

echo
echo Step 2 - map the local APIC's registers (physical 0xfee00000) uncached, as the kernel does
set_fixmap_nocache(FIX_APIC_BASE, 0xfee00000)
translate fix_to_virt(FIX_APIC_BASE)

echo
echo Step 3 - an ordinary cached mapping of a RAM page, e.g. for ACPI tables
set_fixmap(FIX_ACPI_BEGIN, 0x000f5000)
translate fix_to_virt(FIX_ACPI_BEGIN) + 0x9d0

echo
echo Step 4 - clear it: the next access faults
clear_fixmap(FIX_ACPI_BEGIN)
translate fix_to_virt(FIX_ACPI_BEGIN)

echo
echo Step 5 - out of range
expect_error fix_to_virt(__end_of_fixed_addresses)
expect_error virt_to_fix(0xc0000000)
check
