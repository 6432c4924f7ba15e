/*
 * CONFIG_DEBUG_SLAB object checks (mm/slab.c: poison_obj, check_poison_obj, print_objinfo,
 * dump_line, dbg_redzone1/2, dbg_userword, slab_error). Patterns are written into simulated RAM:
 * RED_INACTIVE/RED_ACTIVE words around the object, POISON_FREE (0x6b) / POISON_INUSE (0x5a)
 * over the object with POISON_END (0xa5) as its last byte. Messages go to machine.printk in the
 * kernel's formats (%p prints 8 lowercase hex digits, as 2.6.11's vsprintf).
 * Object layout with RED_ZONE|STORE_USER: [redzone1][real object (reallen)][pad][redzone2][user].
 */
import type { PhysicalMemory } from "@i386mm/hw-i386";
import { BYTES_PER_WORD, POISON_END, POISON_FREE, SLAB_RED_ZONE, SLAB_STORE_USER } from "./constants.js";
import type { kmem_cache_t } from "./kmem-cache.js";

/** The pieces of the allocator the debug checks need. */
export interface DebugEnv {
  ram: PhysicalMemory;
  pageOffset: number;
  printk(line: string): void;
}

/** %p of 2.6.11: zero-padded 8 lowercase hex digits, no 0x. */
export function fmtp(v: number): string {
  return (v >>> 0).toString(16).padStart(8, "0");
}

/** dbg_redzone1: address of the first red-zone word. */
export function dbg_redzone1(cachep: kmem_cache_t, objp: number): number {
  return objp + cachep.dbghead - BYTES_PER_WORD;
}

/** dbg_redzone2: address of the second red-zone word. */
export function dbg_redzone2(cachep: kmem_cache_t, objp: number): number {
  if (cachep.flags & SLAB_STORE_USER) return objp + cachep.objsize - 2 * BYTES_PER_WORD;
  return objp + cachep.objsize - BYTES_PER_WORD;
}

/** dbg_userword: address of the last-user word. */
export function dbg_userword(cachep: kmem_cache_t, objp: number): number {
  return objp + cachep.objsize - BYTES_PER_WORD;
}

/** Read a kernel word at a lowmem address. */
export function rd32(env: DebugEnv, va: number): number {
  return env.ram.read32(va - env.pageOffset) >>> 0;
}

/** Write a kernel word at a lowmem address. */
export function wr32(env: DebugEnv, va: number, v: number): void {
  env.ram.write32(va - env.pageOffset, v >>> 0);
}

/** poison_obj(cachep, objp, val): fill the real object, last byte POISON_END. */
export function poison_obj(env: DebugEnv, cachep: kmem_cache_t, objp: number, val: number): void {
  const size = cachep.reallen;
  const pa = objp + cachep.dbghead - env.pageOffset;
  env.ram.fill(pa, size, val);
  env.ram.write8(pa + size - 1, POISON_END);
}

/** slab_error(cachep, msg) from function `fn`. */
export function slab_error(env: DebugEnv, fn: string, cachep: kmem_cache_t, msg: string): void {
  env.printk(`slab error in ${fn}(): cache \`${cachep.name}': ${msg}`);
}

function dump_line(env: DebugEnv, realobj: number, offset: number, limit: number): void {
  let s = `${offset.toString(16).padStart(3, "0")}:`;
  for (let i = 0; i < limit; i++) {
    s += ` ${env.ram
      .read8(realobj - env.pageOffset + offset + i)
      .toString(16)
      .padStart(2, "0")}`;
  }
  env.printk(s);
}

/** print_objinfo(cachep, objp, lines). */
export function print_objinfo(env: DebugEnv, cachep: kmem_cache_t, objp: number, lines: number): void {
  if (cachep.flags & SLAB_RED_ZONE) {
    env.printk(
      `Redzone: 0x${rd32(env, dbg_redzone1(cachep, objp)).toString(16)}/0x${rd32(env, dbg_redzone2(cachep, objp)).toString(16)}.`,
    );
  }
  if (cachep.flags & SLAB_STORE_USER) {
    env.printk(`Last user: [<${fmtp(rd32(env, dbg_userword(cachep, objp)))}>]`);
  }
  const realobj = objp + cachep.dbghead;
  const size = cachep.reallen;
  for (let i = 0; i < size && lines; i += 16, lines--) {
    dump_line(env, realobj, i, Math.min(16, size - i));
  }
}

/**
 * check_poison_obj: every byte of a free object must still be POISON_FREE (last POISON_END).
 * Prints "Slab corruption: ..." plus up to 6 hexdump lines and the neighbours, as the kernel.
 * Returns true when the object was intact.
 */
export function check_poison_obj(env: DebugEnv, cachep: kmem_cache_t, objp: number, s_mem: number): boolean {
  const realobj = objp + cachep.dbghead;
  const size = cachep.reallen;
  const base = realobj - env.pageOffset;
  let lines = 0;
  for (let i = 0; i < size; i++) {
    const exp = i === size - 1 ? POISON_END : POISON_FREE;
    if (env.ram.read8(base + i) !== exp) {
      if (lines === 0) {
        env.printk(`Slab corruption: start=${fmtp(realobj)}, len=${size}`);
        print_objinfo(env, cachep, objp, 0);
      }
      i = Math.floor(i / 16) * 16;
      dump_line(env, realobj, i, Math.min(16, size - i));
      i += 16;
      lines++;
      if (lines > 5) break;
      // as in the kernel, the loop's own i++ follows: scanning resumes at line start + 17
    }
  }
  if (lines === 0) return true;
  const objnr = Math.floor((objp - s_mem) / cachep.objsize);
  if (objnr) {
    const p = s_mem + (objnr - 1) * cachep.objsize;
    env.printk(`Prev obj: start=${fmtp(p + cachep.dbghead)}, len=${size}`);
    print_objinfo(env, cachep, p, 2);
  }
  if (objnr + 1 < cachep.num) {
    const p = s_mem + (objnr + 1) * cachep.objsize;
    env.printk(`Next obj: start=${fmtp(p + cachep.dbghead)}, len=${size}`);
    print_objinfo(env, cachep, p, 2);
  }
  return false;
}
