# Lab 17 - The User Mode stack grows on demand: expand_stack and the esp - 32 rule
# Kernel: arch/i386/mm/fault.c do_page_fault; mm/mmap.c expand_stack, acct_stack_growth,
#         find_vma; fs/exec.c setup_arg_pages (ULK3 ch. 9 "Handling a Faulty Address Inside the
#         Address Space")
# i386mm: --mem 64M
#
# exec leaves a stack VMA with VM_GROWSDOWN just below 0xc0000000 (the arguments, environment
# and auxiliary vector pages, plus what setup_arg_pages adds). An access below the VMA's start is
# not necessarily a bug: do_page_fault allows it when it is at most 32 bytes below the stack
# pointer (a pusha stores 32 bytes below esp before esp moves), and then expand_stack extends
# the VMA down, within RLIMIT_STACK. Anything further below esp is SIGSEGV (SEGV_MAPERR).
# touch(..., esp=X) makes the access with the user stack pointer at X; a SIGSEGV kills the
# process, so the failing accesses run in forked children.
#
# Questions
#  Q1. How many pages does the stack VMA have right after exec? Where do they come from?
#  Q2. What is the largest distance below esp that is still allowed, and why 32?
#  Q3. Why does the child with stack=32K die even though its access is right below esp?
#  Q4. Which si_code does each SIGSEGV carry, and what would SEGV_ACCERR mean?

p = exec("/bin/memorylayout-static")
s = find_vma(p, 0xbffff000)
lo = s->vm_start
KSTK_ESP(p)

echo
echo Step 1 - a push just below the stack VMA, with esp there too: the stack grows a page
touch(p, lo - 4, "w", esp=lo - 4)
find_vma(p, lo - 4)

echo
echo Step 2 - exactly 32 bytes below esp is still a stack access
touch(p, lo - 4096 - 32, "w", esp=lo - 4096)
find_vma(p, lo - 4096 - 32)

echo
echo Step 3 - 36 bytes below esp is not: SIGSEGV (in a child, which dies)
c = fork(p)
expect_error touch(c, lo - 8192 - 36, "w", esp=lo - 8192)
expect_error exit(c)

echo
echo Step 4 - RLIMIT_STACK: a 32 KiB limit stops the growth
q = exec("/bin/memorylayout-static", stack=32K)
t = find_vma(q, 0xbffff000)
tlo = t->vm_start
expect_error touch(q, tlo - 0x8000, "w", esp=tlo - 0x8000)
cat /proc/$p/maps
exit(p)
check
