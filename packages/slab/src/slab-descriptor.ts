/*
 * struct slab, its kmem_bufctl_t free chain and the three slab lists (mm/slab.c: struct slab,
 * slab_bufctl, alloc_slabmgmt, list_add/list_del on cachep->lists).
 * Every descriptor lives in simulated RAM (on-slab inside the slab's pages, off-slab in an object
 * of slabp_cache). The bufctl array exists only in RAM. The list links, colouroff, s_mem, inuse
 * and free are kept in struct-of-arrays columns indexed by a slab handle (the value stored in
 * page->lru.prev, SET_PAGE_SLAB) and mirrored into the RAM descriptor on every change, with the
 * kernel's layout, so a hexdump of the slab shows what the kernel would hold.
 * List heads (slabs_partial/full/free) are sentinel handles whose `desc` is the address of the
 * list_head inside the kmem_cache_t descriptor (0 for the static cache_cache: not mirrored).
 * Invariant: a non-sentinel handle is on exactly one list or on none (being built or destroyed).
 */
import type { PhysicalMemory } from "@i386mm/hw-i386";
import * as K from "./constants.js";

// module-local copies (plain values under every module loader, for the refill/free paths)
const SIZEOF_STRUCT_SLAB: number = K.SIZEOF_STRUCT_SLAB;
const SLAB_COLOUROFF: number = K.SLAB_COLOUROFF;
const SLAB_FREE: number = K.SLAB_FREE;
const SLAB_INUSE: number = K.SLAB_INUSE;
const SLAB_LIST_NEXT: number = K.SLAB_LIST_NEXT;
const SLAB_LIST_PREV: number = K.SLAB_LIST_PREV;
const SLAB_S_MEM: number = K.SLAB_S_MEM;

/** Handle 0 is never used so that 0 can mean "no slab" in page->lru.prev. */
export const NO_SLAB = 0;

/**
 * The slab descriptors of one SlabAllocator: struct slab as typed-array columns, plus the
 * list_head links of every slab and every list head.
 */
export class SlabTable {
  /** Virtual address of struct slab (or of the list_head for a sentinel); 0 = not in RAM. */
  desc: Uint32Array;
  /** slabp->s_mem: address of object 0 (includes the colour offset). */
  s_mem: Uint32Array;
  /** slabp->colouroff: s_mem - slab start. */
  colouroff: Uint32Array;
  /** slabp->inuse: objects handed out of this slab (in arrays or to callers). */
  inuse: Int32Array;
  /** slabp->free: index of the first free object or BUFCTL_END. */
  free: Uint16Array;
  /** Owning cache id (the handle stored in page->lru.next). */
  cache: Int32Array;
  /** list_head links (handles). */
  next: Int32Array;
  prev: Int32Array;
  #freeHandles: number[] = [];
  #top = 1;
  readonly #ram: PhysicalMemory;
  readonly #pageOffset: number;

  constructor(ram: PhysicalMemory, pageOffset: number, capacity = 256) {
    this.#ram = ram;
    this.#pageOffset = pageOffset;
    this.desc = new Uint32Array(capacity);
    this.s_mem = new Uint32Array(capacity);
    this.colouroff = new Uint32Array(capacity);
    this.inuse = new Int32Array(capacity);
    this.free = new Uint16Array(capacity);
    this.cache = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
  }

  /** Number of handle slots ever used (for walks). */
  get highWater(): number {
    return this.#top;
  }

  /** Take a fresh handle for a slab or a list head. */
  alloc(desc: number, cache: number): number {
    let h = this.#freeHandles.pop();
    if (h === undefined) {
      if (this.#top === this.desc.length) this.#grow();
      h = this.#top++;
    }
    this.desc[h] = desc;
    this.cache[h] = cache;
    this.s_mem[h] = 0;
    this.colouroff[h] = 0;
    this.inuse[h] = 0;
    this.free[h] = 0;
    this.next[h] = h;
    this.prev[h] = h;
    return h;
  }

  /** Return a handle (the slab was destroyed or the cache freed). */
  release(h: number): void {
    this.desc[h] = 0;
    this.cache[h] = 0;
    this.next[h] = 0;
    this.prev[h] = 0;
    this.#freeHandles.push(h);
  }

  /** INIT_LIST_HEAD(head) and mirror it. */
  initHead(h: number): void {
    this.next[h] = h;
    this.prev[h] = h;
    this.#syncLinks(h);
  }

  #grow(): void {
    const n = this.desc.length * 2;
    const g32 = (a: Uint32Array) => {
      const b = new Uint32Array(n);
      b.set(a);
      return b;
    };
    const gi32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.desc = g32(this.desc);
    this.s_mem = g32(this.s_mem);
    this.colouroff = g32(this.colouroff);
    this.inuse = gi32(this.inuse);
    const f = new Uint16Array(n);
    f.set(this.free);
    this.free = f;
    this.cache = gi32(this.cache);
    this.next = gi32(this.next);
    this.prev = gi32(this.prev);
  }

  /** Write list.next / list.prev of h into RAM (addresses of the neighbouring list_heads). */
  #syncLinks(h: number): void {
    const d = this.desc[h];
    if (d === 0) return;
    const pa = d - this.#pageOffset;
    this.#ram.write32(pa + SLAB_LIST_NEXT, this.desc[this.next[h]]);
    this.#ram.write32(pa + SLAB_LIST_PREV, this.desc[this.prev[h]]);
  }

  /** list_add(h, head): insert right after head. */
  list_add(h: number, head: number): void {
    const n = this.next[head];
    this.next[h] = n;
    this.prev[h] = head;
    this.prev[n] = h;
    this.next[head] = h;
    this.#syncLinks(h);
    this.#syncLinks(head);
    if (n !== head) this.#syncLinks(n);
  }

  /** list_add_tail(h, head): insert right before head. */
  list_add_tail(h: number, head: number): void {
    const p = this.prev[head];
    this.next[h] = head;
    this.prev[h] = p;
    this.next[p] = h;
    this.prev[head] = h;
    this.#syncLinks(h);
    this.#syncLinks(head);
    if (p !== head) this.#syncLinks(p);
  }

  /** list_del(h): unlink; h points to itself afterwards (the kernel poisons it; we self-link). */
  list_del(h: number): void {
    const n = this.next[h];
    const p = this.prev[h];
    this.next[p] = n;
    this.prev[n] = p;
    this.next[h] = h;
    this.prev[h] = h;
    this.#syncLinks(p);
    if (n !== p) this.#syncLinks(n);
  }

  /** list_empty(head). */
  list_empty(head: number): boolean {
    return this.next[head] === head;
  }

  /** Count the members of a list. */
  list_count(head: number): number {
    let n = 0;
    for (let h = this.next[head]; h !== head; h = this.next[h]) n++;
    return n;
  }

  /** Write colouroff, s_mem, inuse and free of slab h into its RAM descriptor. */
  syncFields(h: number): void {
    const pa = this.desc[h] - this.#pageOffset;
    this.#ram.write32(pa + SLAB_COLOUROFF, this.colouroff[h]);
    this.#ram.write32(pa + SLAB_S_MEM, this.s_mem[h]);
    this.#ram.write32(pa + SLAB_INUSE, this.inuse[h]);
    this.#ram.write16(pa + SLAB_FREE, this.free[h]);
    this.#ram.write16(pa + SLAB_FREE + 2, 0);
  }

  /** Mirror inuse and free only (the fields the alloc/free paths change). */
  syncCounts(h: number): void {
    const pa = this.desc[h] - this.#pageOffset;
    this.#ram.write32(pa + SLAB_INUSE, this.inuse[h]);
    this.#ram.write16(pa + SLAB_FREE, this.free[h]);
  }

  /** slab_bufctl(slabp)[i] (read from RAM). */
  bufctl(h: number, i: number): number {
    return this.#ram.read16(this.desc[h] - this.#pageOffset + SIZEOF_STRUCT_SLAB + 2 * i);
  }

  /** slab_bufctl(slabp)[i] = v (written to RAM). */
  setBufctl(h: number, i: number, v: number): void {
    this.#ram.write16(this.desc[h] - this.#pageOffset + SIZEOF_STRUCT_SLAB + 2 * i, v);
  }
}
