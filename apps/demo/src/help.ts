/*
 * help.ts — the text `--help` prints for each command, with examples a user can paste.
 * Kept in one place so the README's usage section and the tests quote the same words.
 */

import type { Command } from "./args.js";

const COMMON = `  --mem SIZE    installed RAM: 128M, 1G, 1024K, 2GiB, or a number of MiB (default 1G)
  --e820 FILE   boot from the BIOS-e820 lines of a real boot log (6.1 or 2.6.11 format; - for
                stdin, e.g. dmesg | i386mm boot --e820 -) instead of QEMU's map for --mem
  --pae         build for PAE (3-level paging, up to 64G of RAM; without it RAM above 4G
                is ignored, as 2.6.11 does: "Warning only 4GB will be used.")
  --cpus N      simulated CPUs, 1..8 (default 1)
  --nodes N     memory nodes, 1 or 2 (default 1)
  --json        machine-readable output
  -h, --help    this text`;

/** What `i386mm --help` and `i386mm help` print: the commands, the flags, examples. */
export const OVERVIEW = `i386mm — an executable model of Linux 2.6.11 i386 memory management

Usage: i386mm [command] [flags]

Commands:
  boot          boot a machine and print the boot log
  run [SCRIPT]  run a scenario of kernel calls (a REPL when SCRIPT is absent)
  cat VIEW      boot, then print /proc/VIEW (buddyinfo, zoneinfo, meminfo, fraginfo, ...)
  replay TRACE  replay a real kernel's ftrace kmem events; fragmentation over time
  exec ELF      exec an i386 program in a new process: its memory layout and /proc/PID/maps
  tour          the guided tour (what 'i386mm' alone runs)
  check         the whole-machine check (after a SCRIPT); --hash: the state's hash
  help [CMD]    this text, or a command's

Flags:
${COMMON}

Examples:
  i386mm                                 guided tour of a 1G machine
  i386mm boot --mem 2G --pae             boot log of a 2G PAE machine
  i386mm run apps/demo/scenarios/buddy-split-merge.mm
  i386mm run buddy-split-merge --strict  a shipped scenario by name
  i386mm cat /proc/buddyinfo --mem 128M --json
  i386mm replay fixtures/traces/686-128M-A.trace.gz --every 100000
  i386mm exec fixtures/elf/memorylayout-static --compare
  i386mm check --mem 128M --hash         whole-machine check and state hash

Exit codes: 0 ok, 1 errors in a scenario, 2 bad usage.`;

/** Help text per command. */
export const HELP: Record<Command, string> = {
  tour: `Usage: i386mm [tour] [--mem SIZE | --e820 FILE] [--pae] [--cpus N] [--nodes N] [--no-model-checks] [--boot-log FMT] [--json]

Boot a machine (1G by default), print its boot log, then walk one section per layer: the
direct map and the TLB (hw-i386), the buddy allocator (page-alloc), a slab cache and kmalloc
(slab), vmalloc and its guard page, kmap, kmap_atomic and a fixmap (kmap), and finally every
layer's invariant check. Each step shows the kernel call, as a scenario line, and its result.

Flags:
  --mem SIZE    installed RAM: 128M, 1G, 1024K, 2GiB, or a number of MiB (default 1G)
  --e820 FILE   boot from the BIOS-e820 lines of a real boot log instead of QEMU's map
  --pae         build for PAE (3-level paging, up to 64G of RAM)
  --cpus N      simulated CPUs, 1..8 (default 1)
  --nodes N     memory nodes, 1 or 2 (default 1)
  --no-model-checks  the model's own misuse checks off (see 'i386mm help run')
  --boot-log FMT     2.6.11 (default) or 6.1: the boot log's formats (see 'i386mm help boot')
  --json        machine-readable output
  -h, --help    this text

Examples:
  i386mm                            the tour on 1G, 2-level paging
  i386mm tour --mem 2G --pae        the same walk with PAE (3-level) page tables
  i386mm tour --json`,
  boot: `Usage: i386mm boot [--mem SIZE | --e820 FILE] [--highmem SIZE] [--pae] [--cpus N] [--nodes N] [--boot-log FMT] [--json]

Boot the model from QEMU's e820 map for SIZE of RAM and print the boot log as 2.6.11 prints it:
the BIOS-e820 map, HIGHMEM/LOWMEM available, each zone's pages, Built N zonelists and the
Memory: line. Lines 2.6.11 does not print start with "i386mm:" (the virtual kernel memory layout
block of later kernels, min_free_kbytes). Every number is computed by the model.

Flags:
${COMMON}
  --highmem SIZE  the kernel's highmem= boot option: force SIZE of high memory (honoured when
                  at least 64M of low memory remain, as 2.6.11's find_max_low_pfn does)
  --boot-log FMT  2.6.11 (default) or 6.1: with 6.1, the BIOS-e820 lines and the Zone ranges
                block in 6.1's formats, to compare with a 6.1 capture (the other lines are
                2.6.11's: 6.1 does not print them)

Examples:
  i386mm boot                       1G, 2-level paging
  i386mm boot --mem 128M            no high memory
  i386mm boot --mem 2G --pae --json
  i386mm boot --e820 fixtures/oracle/686-1024M.log    the map a real 6.1 kernel printed`,
  run: `Usage: i386mm run [--mem SIZE | --e820 FILE] [--highmem SIZE] [--pae] [--cpus N] [--nodes N] [--strict] [--no-model-checks] [--boot-log FMT] [--json] [-i] [SCRIPT]

Run a scenario: one kernel call per line in the book's C syntax. Without SCRIPT, read
statements interactively (a REPL; 'help' lists what it knows, 'quit' leaves). SCRIPT is a
file, '-' for stdin, or the name of a shipped scenario (apps/demo/scenarios/NAME.mm).

Statements:
  p = alloc_pages(GFP_KERNEL, 3)          call a kernel function, keep the result
  __free_pages(p, 3)                      results print: addresses in hex, pages as pfn/flags/address
  c = kmem_cache_create("foo", 100, 0, SLAB_HWCACHE_ALIGN, NULL)
  x[i] = kmalloc(32, GFP_KERNEL)          arrays; for (i = 0; i < 8; i++) <statement>
  cat /proc/buddyinfo                     views: buddyinfo zoneinfo meminfo pagetypeinfo slabinfo vmallocinfo
  translate 0xc0123456 [, write|user|fetch]   page-table walk through the TLB
  check                                   run every invariant check
  echo text $var                          print text
  assert p != NULL                        fail the line when false
  expect_error kmap(x)                    the statement must fail (shown, not counted)
  cpu 1                                   run the next statements on CPU 1
  pid = exec("/bin/memorylayout-static", layout=classic, stack=8M)    a process
  a = mmap(pid, 0, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
  touch(pid, a, "w")                      an access through the MMU: the fault path taken
  child = fork(pid)   exit(pid)   find_vma(pid, a)   translate pid a   cat /proc/$pid/maps
  user_write(pid, a, 7)   user_read(pid, a)   a byte stored/loaded by user code (a fault's
                                          signal is handled, not fatal: its name is the result)
  mount("fixtures/elf/memorylayout.ext2")  fd = open("/mnt/memorylayout-static", O_RDONLY)
  attach_disk("raw.img")                  a host file as the next disk, unmounted (/dev/hdb)
  pwrite64(fd, "\\x01\\xff", 4096)   pread64(fd, 16, 0)   fsync(fd)   sys_truncate("/f", 0)
  # comment

Flags:
${COMMON}
  --highmem SIZE  the kernel's highmem= boot option: force SIZE of high memory (honoured when
                  at least 64M of low memory remain, as 2.6.11's find_max_low_pfn does)
  --strict      stop at the first error
  --no-model-checks  behave as 2.6.11 where the model adds a check the kernel does not have (a
                block freed with the wrong order, kfree of a pointer that is no object, ...):
                the kernel's corruption happens, and 'check' finds it. By default such a
                misuse is refused and reported as "i386mm check (not 2.6.11's)"
  --boot-log FMT  2.6.11 (default) or 6.1: the boot messages' formats (see 'i386mm help boot')
  -i, --interactive  the REPL's banner and prompt even when stdin is not a terminal

Examples:
  i386mm run apps/demo/scenarios/slab-colouring.mm
  i386mm run fork-cow                    a shipped process lab sheet
  echo 'x = kmalloc(33, GFP_KERNEL)' | i386mm run - --json
  i386mm run --mem 128M                  a REPL (prompt when stdin is a terminal)
  i386mm run --mem 128M -i               a REPL with its prompt, e.g. in a pty-less console`,
  cat: `Usage: i386mm cat VIEW [--mem SIZE | --e820 FILE] [--pae] [--cpus N] [--nodes N] [--json]

Boot, then print one /proc view exactly as the kernel formats it.
Views: buddyinfo zoneinfo meminfo pagetypeinfo slabinfo vmallocinfo (with or without /proc/),
and the model's own fraginfo (external and internal fragmentation; format in the README).

Flags:
${COMMON}

Examples:
  i386mm cat /proc/buddyinfo
  i386mm cat slabinfo --mem 2G --pae
  i386mm cat zoneinfo --json`,
  replay: `Usage: i386mm replay TRACE [--mem SIZE] [--pae] [--cpus N] [--nodes N] [--every N] [--svg FILE] [--json]

Replay a real kernel's allocation trace against a freshly booted model: the ftrace text
(/sys/kernel/tracing/trace or trace_pipe, plain or .gz) of the kmem events mm_page_alloc,
mm_page_free, mm_page_free_batched, kmalloc, kfree, kmem_cache_alloc and kmem_cache_free.
Each traced page or object is mapped to the model's own (alloc_pages, kmalloc,
kmem_cache_alloc: the model decides where it goes). Prints how every line was accounted
(served, failed, skipped with the reason; malformed lines with their numbers), external
fragmentation per zone over time, internal fragmentation (the model's size-N classes beside
the traced kernel's SLUB kmalloc-N) and /proc/fraginfo at the end. On a terminal a progress
bar runs on stderr.

Flags:
  --mem SIZE    the model's RAM (default 128M, the shipped trace's machine)
  --pae         build for PAE (3-level paging, up to 64G of RAM)
  --cpus N      simulated CPUs, 1..8 (default 1); traced CPU c runs on CPU c mod N
  --nodes N     memory nodes, 1 or 2 (default 1)
  --every N     sample external fragmentation every N events (default: about 20 samples)
  --svg FILE    also write a plot: free pages per order (stacked), unusable index per
                order, internal waste per kmalloc class and object size
  --json        the whole report as JSON
  -h, --help    this text

Examples:
  i386mm replay fixtures/traces/686-128M-A.trace.gz
  i386mm replay fixtures/traces/686-128M-A.trace.gz --every 200000 --json --svg /tmp/replay.svg`,
  exec: `Usage: i386mm exec ELF [--mem SIZE] [--pae] [--cpus N] [--layout classic|flexible] [--stack-limit SIZE|unlimited] [--image DISK.IMG] [--compare] [--json]

Boot a machine, exec an i386 ELF program in a new process (fs/exec.c do_execve, binfmt_elf's
load_elf_binary: the model maps its segments, the stack, the interpreter) and show the
process's address space. ELF is a host file (copied into the model's RAM file system at
/NAME), or with --image a path inside an ext2 image, which is attached as disk hda and mounted
at /mnt through the page cache (its /lib serves the interpreter and libc). A dynamic host
program gets glibc 2.36's ld.so and libc from fixtures/elf/rootfs.

For a memorylayout build (fixtures/elf/memorylayout.c) the program then runs to the end of
main() (its glibc start-up and system calls played against the model) and the output is what
the real-kernel captures in fixtures/oracle hold: the memorylayout report (one name and address
per line, then /proc/PID/maps as main saw it), followed by the seed's memory region layout
table filled with this run's addresses. Any other program is stopped at its first instruction:
entry point, initial stack pointer, load bias, /proc/PID/maps and /proc/PID/status.

Flags:
  --layout L          classic (vm.legacy_va_layout = 1: mmaps from 0x40000000 upwards) or
                      flexible (0, the default: mmaps from below the stack downwards)
  --stack-limit SIZE  RLIMIT_STACK, as ulimit -s: 8M (default), 8192K, 8192 (KiB), unlimited
                      (an unlimited stack forces the classic layout, as in 2.6.11)
  --image FILE        ELF is a path inside this ext2 image
  --compare           run both layouts and print them side by side, with the seed's table
  --mem SIZE          installed RAM (default 1G)
  --pae               PAE (3-level) page tables
  --cpus N            simulated CPUs, 1..8
  --json              the runs as JSON (exec result, report values, maps, status, table)
  -h, --help          this text

Examples:
  i386mm exec fixtures/elf/memorylayout-static
  i386mm exec fixtures/elf/memorylayout-dynamic --layout classic
  i386mm exec fixtures/elf/memorylayout-static --compare
  i386mm exec /memorylayout-staticpie --image fixtures/elf/memorylayout.ext2 --stack-limit unlimited
  i386mm exec fixtures/elf/memorylayout-static --json

Exit codes: 0 ok, 1 the kernel refused the program or the image, 2 bad usage (unreadable file).`,
  check: `Usage: i386mm check [SCRIPT] [--hash] [--mem SIZE | --e820 FILE] [--highmem SIZE] [--pae] [--cpus N] [--nodes N] [--json]

Boot, run SCRIPT quietly when given, then the whole-machine check: every layer's own
checker and the model's cross-layer ones (every allocated frame has exactly one owner, counts
agree with the references, every present pte agrees with its frame's descriptor, free + owned
pages = present pages, /proc/meminfo agrees with mem_map). Exit status 0 when all hold and the
script ran without errors, 1 otherwise.

Flags:
${COMMON}
  --highmem SIZE  the kernel's highmem= boot option: force SIZE of high memory (honoured when
                  at least 64M of low memory remain, as 2.6.11's find_max_low_pfn does)
  --hash        also print the hash of the whole machine state (RAM, mem_map, zones, slab,
                kmap, page cache, processes): the same options and script give the same hash
                on every run and every machine

Examples:
  i386mm check --mem 128M --hash
  i386mm check apps/demo/scenarios/buddy-split-merge.mm --hash
  i386mm check slab-colouring --json`,
  help: `Usage: i386mm help [COMMAND]

Print the overview, or the help of boot, run, cat, replay, exec, tour or check.

Examples:
  i386mm help
  i386mm help run`,
};
