# Lab 11 - One program, two layouts: classic and flexible
# Kernel: arch/i386/mm/mmap.c arch_pick_mmap_layout, mmap_base; mm/mmap.c arch_get_unmapped_area,
#         arch_get_unmapped_area_topdown; fs/binfmt_elf.c load_elf_binary
#         (ULK3 ch. 20 "Program Segments and Process Memory Regions", "Flexible memory region layout")
# i386mm: --mem 128M
#
# exec builds a new address space and arch_pick_mmap_layout chooses how mmap places regions:
# classic (vm.legacy_va_layout = 1, or an unlimited stack, or the ADDR_COMPAT_LAYOUT
# personality): bottom-up from TASK_UNMAPPED_BASE = TASK_SIZE/3 = 0x40000000; flexible (the
# default): top-down from mmap_base = TASK_SIZE - stack limit (at least 128 MiB, at most 5/6 of
# the address space). Text, data, bss, heap and stack sit where the ELF file and the stack say,
# in both. run_memorylayout execs fixtures/elf/memorylayout.c and plays its main(): a 16-byte
# malloc (heap), a 1 MiB malloc (mmap), two 4 KiB mmaps and a 64 MiB MAP_NORESERVE mmap.
#
# Questions
#  Q1. Which lines of the two reports differ, and which stay the same? Why?
#  Q2. Compute mmap_base for stack=8M by hand (TASK_SIZE 0xc0000000, a page of gap). Does it
#      match? What is it for stack=1G?
#  Q3. Why does stack=unlimited give the classic layout even with layout=flexible?
#  Q4. In which layout can the heap grow further before it meets a mapping?

echo Step 1 - the flexible layout (the 2.6.11 default): mmaps grow down from below the stack
f = run_memorylayout("/bin/memorylayout-static", layout=flexible)
memorylayout_report(f)
mmap_base(f)

echo
echo Step 2 - the classic layout of the same binary: mmaps grow up from 0x40000000
c = run_memorylayout("/bin/memorylayout-static", layout=classic)
memorylayout_report(c)
mmap_base(c)

echo
echo Step 3 - a bigger stack limit moves mmap_base down; an unlimited one forces classic
g = exec("/bin/memorylayout-static", layout=flexible, stack=1G)
mmap_base(g)
u = exec("/bin/memorylayout-static", layout=flexible, stack=unlimited)
mmap_base(u)
exit(g)
exit(u)

echo
echo Step 4 - the seed's memory region layout table, filled in by the model (a dynamic build: ld.so and libc too)
memorylayout_side_by_side("/bin/memorylayout-dynamic")
exit(f)
exit(c)
check
