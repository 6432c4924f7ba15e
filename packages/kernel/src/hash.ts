/*
 * hash.ts — machineHash: one 64-bit digest of a whole Kernel's state (the model's tool; the kernel
 * has none), for determinism (the same options, seed and scenario give the same hash on every
 * run and machine) and for "a failed call changed nothing" (the hash before and after agree).
 * What it covers: everything reachable from the Kernel object — simulated RAM (by content: every
 * non-zero word of every frame), mem_map's typed arrays, zones, buddy and per-CPU lists, slab caches and
 * their slab tables, vmalloc's list, pkmap counts and kmap_atomic slots, TLBs, the page cache's
 * mappings, inodes, dentries and buffer heads, every task, mm and VMA — walked depth first in
 * property order (insertion order for Map and Set), each object once (a second visit hashes its
 * visit number, so shared structure and cycles hash as what they are). Functions are skipped.
 * Not covered: ECMAScript #private fields (unreachable by design; the layers keep only derived
 * indexes there) and WeakMap contents. Numbers hash by their float64 bits, strings by UTF-16
 * code units, typed arrays by their words. Two FNV-1a-style 32-bit lanes with different primes
 * and seeds give the 64 bits. Deterministic: no clock, no address, no random choice.
 */
import { PAGE_SIZE, PhysicalMemory } from "@i386mm/hw-i386";
import type { Kernel } from "./boot.js";

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The running digest: two independent 32-bit lanes. */
class Digest {
  a = 0x811c9dc5;
  b = 0x01000193 ^ 0x5bd1e995;

  word(x: number): void {
    this.a = Math.imul(this.a ^ x, 0x01000193);
    this.b = Math.imul(this.b ^ x, 0x5bd1e995) ^ (this.b >>> 15);
  }

  num(n: number): void {
    f64[0] = n;
    this.word(u32[0]!);
    this.word(u32[1]!);
  }

  str(s: string): void {
    this.word(s.length | 0x40000000);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  words(w: ArrayLike<number>): void {
    this.word(w.length | 0x20000000);
    for (let i = 0; i < w.length; i++) this.word(w[i]! | 0);
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, "0") + (this.b >>> 0).toString(16).padStart(8, "0");
  }
}

/** Tags so that differently shaped values never hash alike. */
const T = {
  undef: 1,
  nul: 2,
  bool: 3,
  num: 4,
  str: 5,
  big: 6,
  seen: 7,
  arr: 8,
  map: 9,
  set: 10,
  obj: 11,
  typed: 12,
  ram: 13,
};

/**
 * Simulated RAM by content: its size, then (frame, word, value) for every non-zero word of every
 * frame that exists, so a frame never written and a frame written with zeros hash alike (how the
 * host happens to back it is not machine state).
 */
function hashRam(d: Digest, ram: PhysicalMemory): void {
  d.word(T.ram);
  d.num(ram.size);
  d.num(ram.limit);
  const frames = Math.floor(ram.limit / PAGE_SIZE);
  for (let pfn = 0; pfn < frames; pfn++) {
    const pa = pfn * PAGE_SIZE;
    if (!ram.exists(pa, PAGE_SIZE)) continue;
    const w = ram.frameWords(pa);
    for (let i = 0; i < w.length; i++) {
      const x = w[i]!;
      if (x !== 0) {
        d.word(pfn);
        d.word(i);
        d.word(x);
      }
    }
  }
}

function hashTyped(d: Digest, v: ArrayBufferView): void {
  d.word(T.typed);
  d.str(v.constructor.name);
  if (v instanceof Float64Array || v instanceof Float32Array) {
    d.word(v.length);
    for (let i = 0; i < v.length; i++) d.num(v[i]!);
    return;
  }
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    d.word(v.length);
    for (let i = 0; i < v.length; i++) d.str(v[i]!.toString(16));
    return;
  }
  if (v.byteOffset % 4 === 0 && v.byteLength % 4 === 0)
    d.words(new Int32Array(v.buffer, v.byteOffset, v.byteLength / 4));
  else d.words(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

function walk(d: Digest, root: unknown, skip: ReadonlySet<unknown>): void {
  const seen = new Map<object, number>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    switch (typeof v) {
      case "undefined":
        d.word(T.undef);
        continue;
      case "boolean":
        d.word(T.bool);
        d.word(v ? 1 : 0);
        continue;
      case "number":
        d.word(T.num);
        d.num(v);
        continue;
      case "string":
        d.word(T.str);
        d.str(v);
        continue;
      case "bigint":
        d.word(T.big);
        d.str(v.toString(16));
        continue;
      case "function":
      case "symbol":
        continue;
    }
    if (v === null) {
      d.word(T.nul);
      continue;
    }
    const o = v as object;
    if (skip.has(o)) {
      d.word(T.undef);
      continue;
    }
    const visit = seen.get(o);
    if (visit !== undefined) {
      d.word(T.seen);
      d.word(visit);
      continue;
    }
    seen.set(o, seen.size);
    if (o instanceof PhysicalMemory) {
      hashRam(d, o);
      continue;
    }
    if (ArrayBuffer.isView(o)) {
      hashTyped(d, o);
      continue;
    }
    if (o instanceof ArrayBuffer) {
      hashTyped(d, new Uint8Array(o));
      continue;
    }
    if (o instanceof WeakMap || o instanceof WeakSet || o instanceof WeakRef) continue;
    // children are pushed in reverse so that they are hashed in order
    const push = (items: unknown[]) => {
      for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
    };
    if (Array.isArray(o)) {
      d.word(T.arr);
      d.word(o.length);
      push(o);
    } else if (o instanceof Map) {
      d.word(T.map);
      d.word(o.size);
      const items: unknown[] = [];
      for (const [k, x] of o) items.push(k, x);
      push(items);
    } else if (o instanceof Set) {
      d.word(T.set);
      d.word(o.size);
      push([...o]);
    } else {
      d.word(T.obj);
      const keys = Object.keys(o);
      d.word(keys.length);
      const items: unknown[] = [];
      for (const key of keys) {
        const x = (o as Record<string, unknown>)[key];
        if (typeof x === "function") continue;
        items.push(key, x);
      }
      push(items);
    }
  }
}

/** Options of {@link machineHash}. */
export interface MachineHashOptions {
  /**
   * Include the printk log (dmesg and the WARN_ON lines); default true. A test of "a refused call
   * changes nothing" leaves it out: the kernel's own warnings about the call are expected there.
   */
  readonly printk?: boolean;
}

/**
 * The whole state of `k` as 16 hex digits (see the file comment for what it covers). Equal
 * states give equal hashes on every run and every machine; O(RAM + structures).
 */
export function machineHash(k: Kernel, opts: MachineHashOptions = {}): string {
  const d = new Digest();
  const skip = new Set<unknown>(opts.printk === false ? [k.machine.dmesg, k.machine.warnings] : []);
  walk(d, k, skip);
  return d.hex();
}
