/*
 * sys-i386.ts — the mmap system calls of arch/i386/kernel/sys_i386.c (2.6.11): do_mmap2 (drop
 * MAP_EXECUTABLE and MAP_DENYWRITE, which user space may not pass; look the descriptor up unless
 * MAP_ANONYMOUS: -EBADF), sys_mmap2 (offset in pages) and old_mmap (the six arguments read from
 * a user-space struct mmap_arg_struct; -EFAULT if unreadable, -EINVAL for an unaligned offset).
 */

import { Errno, PAGE_MASK, PAGE_SHIFT } from "@i386mm/hw-i386";
import { MAP_ANONYMOUS, MAP_DENYWRITE, MAP_EXECUTABLE } from "./constants.js";
import type { vm_file } from "./mm-types.js";
import { do_mmap_pgoff } from "./mmap.js";
import { is_int, is_ulong, ulongs } from "./syscall-args.js";
import { copy_from_user } from "./uaccess.js";
import type { VmSystem } from "./vm.js";

/** do_mmap2(addr, len, prot, flags, fd, pgoff). */
function do_mmap2(
  vm: VmSystem,
  addr: number,
  len: number,
  prot: number,
  flags: number,
  fd: number,
  pgoff: number,
) {
  let file: vm_file | null = null;
  flags &= ~(MAP_EXECUTABLE | MAP_DENYWRITE);
  if (!(flags & MAP_ANONYMOUS)) {
    file = vm.current.files.get(fd) ?? null; // fget
    if (file === null) return -Errno.EBADF;
  }
  return do_mmap_pgoff(vm, file, addr, len, prot, flags, pgoff);
}

/** sys_mmap2(addr, len, prot, flags, fd, pgoff): mmap with the offset in pages. */
export function sys_mmap2(
  vm: VmSystem,
  addr: number,
  len: number,
  prot: number,
  flags: number,
  fd: number,
  pgoff: number,
): number {
  if (!ulongs(addr, len, prot, flags, pgoff) || !is_int(fd)) return -Errno.EINVAL; // the model's check
  return do_mmap2(vm, addr, len, prot, flags, fd, pgoff);
}

/** sizeof(struct mmap_arg_struct): six unsigned longs. */
export const SIZEOF_MMAP_ARG_STRUCT = 24;

/** old_mmap(arg): the old mmap, its arguments in user memory at `arg`. */
export function old_mmap(vm: VmSystem, arg: number): number {
  if (!is_ulong(arg)) return -Errno.EFAULT; // the model's check: no pointer to read
  const r = copy_from_user(vm, arg, SIZEOF_MMAP_ARG_STRUCT);
  if (r.left !== 0) return -Errno.EFAULT;
  const v = new DataView(r.bytes.buffer);
  const a = (i: number) => v.getUint32(i * 4, true);
  const offset = a(5);
  if (offset & ~PAGE_MASK) return -Errno.EINVAL;
  return do_mmap2(vm, a(0), a(1), a(2), a(3), a(4), offset >>> PAGE_SHIFT);
}
