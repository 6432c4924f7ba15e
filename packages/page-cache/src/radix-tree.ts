/*
 * radix-tree.ts — lib/radix-tree.c of 2.6.11: the page_tree of every address_space.
 * A tree of 64-slot nodes keyed by an unsigned 32-bit index (a page offset in the file), with two
 * tag bits per slot (PAGECACHE_TAG_DIRTY, PAGECACHE_TAG_WRITEBACK) propagated upwards: a node's tag
 * bit for a slot is set iff some item below that slot carries the tag, so "find the dirty pages"
 * skips clean subtrees. Functions follow the kernel's: radix_tree_extend, radix_tree_insert,
 * radix_tree_lookup, radix_tree_tag_set/clear/get, radix_tree_delete, radix_tree_gang_lookup(_tag),
 * radix_tree_tagged, radix_tree_preload/_end.
 * Invariants (checked by checkRadixTree): every node's count equals its non-empty slots; a
 * non-empty tree has height >= 1 (index 0 never sits in the root pointer: 2.6.11's insert extends
 * first); tag bits are set exactly on the paths to tagged items; an emptied tree has height 0.
 * Nodes are objects of the "radix_tree_node" slab cache (276 bytes on i386), so they are charged to
 * simulated memory and can fail with -ENOMEM; their slots and tags are kept in the JS node object.
 *
 *   height 1: index bits 5..0       -> rnode.slots[i]                          (64 items)
 *   height 2: bits 11..6, 5..0      -> rnode.slots[i].slots[j]                 (4096 items)
 *   ...       height 6 covers all 32 bits (6 x 6 >= 32): radix_tree_maxindex(6) = 0xffffffff
 */
import {
  Errno,
  KernelBugError,
  type Machine,
  preempt_disable,
  preempt_enable,
  type VirtAddr,
} from "@i386mm/hw-i386";
import { __GFP_WAIT } from "@i386mm/page-alloc";
import type { kmem_cache_t, SlabAllocator } from "@i386mm/slab";

/** log2 of the slots per node. */
export const RADIX_TREE_MAP_SHIFT = 6;
/** Slots per node. */
export const RADIX_TREE_MAP_SIZE = 1 << RADIX_TREE_MAP_SHIFT;
/** Mask of one level's index bits. */
export const RADIX_TREE_MAP_MASK = RADIX_TREE_MAP_SIZE - 1;
/** Tag kinds per slot (PAGECACHE_TAG_DIRTY and PAGECACHE_TAG_WRITEBACK). */
export const RADIX_TREE_TAGS = 2;
/** 32-bit words holding one tag's bits of a node. */
export const RADIX_TREE_TAG_LONGS = (RADIX_TREE_MAP_SIZE + 31) >> 5;
/** Bits of an index (unsigned long on i386). */
export const RADIX_TREE_INDEX_BITS = 32;
/** Deepest path plus slack: the per-CPU preload pool size (RADIX_TREE_INDEX_BITS / 6 + 2). */
export const RADIX_TREE_MAX_PATH = Math.floor(RADIX_TREE_INDEX_BITS / RADIX_TREE_MAP_SHIFT) + 2;
/** sizeof(struct radix_tree_node) on i386: count + 64 slot pointers + 2 x 2 tag words. */
export const SIZEOF_RADIX_TREE_NODE =
  4 + 4 * RADIX_TREE_MAP_SIZE + 4 * RADIX_TREE_TAGS * RADIX_TREE_TAG_LONGS;

/** One interior or leaf node: `count` non-empty slots, tag bits at tags[tag * 2 + (slot >> 5)]. */
export class radix_tree_node<T> {
  /** Non-empty slots. */
  count = 0;
  /** Child nodes (interior levels) or items (the bottom level); null = empty. */
  readonly slots: (radix_tree_node<T> | T | null)[] = new Array(RADIX_TREE_MAP_SIZE).fill(null);
  /** Tag bitmaps: tag t, slot s at bit (s & 31) of tags[t * RADIX_TREE_TAG_LONGS + (s >> 5)]. */
  readonly tags = new Uint32Array(RADIX_TREE_TAGS * RADIX_TREE_TAG_LONGS);
  /** Kernel address of the slab object holding this node. */
  readonly addr: VirtAddr;
  constructor(addr: VirtAddr) {
    this.addr = addr;
  }
}

/** radix_tree_node_cachep and the per-CPU radix_tree_preloads of one kernel. */
export class RadixTreeNodes {
  /** The "radix_tree_node" slab cache. */
  readonly cachep: kmem_cache_t;
  /** Per-CPU preloaded node objects (radix_tree_preloads: nr, nodes[RADIX_TREE_MAX_PATH]). */
  readonly preloads: VirtAddr[][];
  /** Nodes currently allocated (live in some tree). */
  nr_nodes = 0;
  readonly #slab: SlabAllocator;
  readonly #machine: Machine;

  /** radix_tree_init: create the node cache (SLAB_PANIC in the kernel: failure throws). */
  constructor(slab: SlabAllocator) {
    this.#slab = slab;
    this.#machine = slab.machine;
    const c = slab.kmem_cache_create("radix_tree_node", SIZEOF_RADIX_TREE_NODE, 0, 0, null);
    if (!c)
      throw new KernelBugError(
        "radix_tree_init",
        undefined,
        "kmem_cache_create(radix_tree_node) failed (SLAB_PANIC)",
      );
    this.cachep = c;
    this.preloads = this.#machine.cpus.map(() => []);
  }

  /** radix_tree_node_alloc: a node from the cache with the root's gfp mask, else (atomic roots) from this CPU's preload pool. */
  alloc<T>(root: radix_tree_root<T>): radix_tree_node<T> | null {
    let addr = this.#slab.kmem_cache_alloc(this.cachep, root.gfp_mask);
    if (addr === null && !(root.gfp_mask & __GFP_WAIT)) {
      const pool = this.preloads[this.#machine.current];
      addr = pool.pop() ?? null;
    }
    if (addr === null) return null;
    this.nr_nodes++;
    return new radix_tree_node<T>(addr);
  }

  /** radix_tree_node_free: the node's object back to the cache. */
  free<T>(node: radix_tree_node<T>): void {
    this.nr_nodes--;
    this.#slab.kmem_cache_free(this.cachep, node.addr);
  }

  /**
   * radix_tree_preload(gfp_mask): fill this CPU's pool to RADIX_TREE_MAX_PATH nodes so an insert
   * under a spinlock cannot fail. Returns 0 with preemption disabled (undo with
   * radix_tree_preload_end), or -ENOMEM with preemption enabled.
   */
  radix_tree_preload(gfp_mask: number): number {
    const cpu = this.#machine.cpus[this.#machine.current];
    preempt_disable(cpu);
    const pool = this.preloads[this.#machine.current];
    while (pool.length < RADIX_TREE_MAX_PATH) {
      preempt_enable(cpu);
      const node = this.#slab.kmem_cache_alloc(this.cachep, gfp_mask);
      if (node === null) return -Errno.ENOMEM;
      preempt_disable(cpu);
      pool.push(node);
    }
    return 0;
  }

  /** radix_tree_preload_end: preemption back on. */
  radix_tree_preload_end(): void {
    preempt_enable(this.#machine.cpus[this.#machine.current]);
  }
}

/** struct radix_tree_root: height, the gfp mask for node allocations, the top node. */
export interface radix_tree_root<T> {
  height: number;
  gfp_mask: number;
  rnode: radix_tree_node<T> | null;
  /** Where this tree's nodes come from (radix_tree_node_cachep and the preload pools). */
  readonly nodes: RadixTreeNodes;
}

/** INIT_RADIX_TREE(root, mask). */
export function INIT_RADIX_TREE<T>(nodes: RadixTreeNodes, gfp_mask: number): radix_tree_root<T> {
  return { height: 0, gfp_mask, rnode: null, nodes };
}

/** radix_tree_maxindex(height): the largest index a tree of this height holds. */
export function radix_tree_maxindex(height: number): number {
  const bits = height * RADIX_TREE_MAP_SHIFT;
  if (bits >= RADIX_TREE_INDEX_BITS) return 0xffffffff;
  return 2 ** bits - 1;
}

function tag_set<T>(node: radix_tree_node<T>, tag: number, offset: number): void {
  node.tags[tag * RADIX_TREE_TAG_LONGS + (offset >>> 5)] |= 1 << (offset & 31);
}
function tag_clear<T>(node: radix_tree_node<T>, tag: number, offset: number): void {
  node.tags[tag * RADIX_TREE_TAG_LONGS + (offset >>> 5)] &= ~(1 << (offset & 31));
}
function tag_get<T>(node: radix_tree_node<T>, tag: number, offset: number): boolean {
  return (node.tags[tag * RADIX_TREE_TAG_LONGS + (offset >>> 5)] & (1 << (offset & 31))) !== 0;
}
function any_tag_set<T>(node: radix_tree_node<T>, tag: number): boolean {
  for (let i = 0; i < RADIX_TREE_TAG_LONGS; i++) if (node.tags[tag * RADIX_TREE_TAG_LONGS + i]) return true;
  return false;
}

function checkIndex(call: string, index: number): void {
  if (!(Number.isInteger(index) && index >= 0 && index <= 0xffffffff))
    throw new KernelBugError(call, undefined, `index ${index} is not an unsigned long`);
}

/** radix_tree_extend: add levels on top until `index` fits, carrying the old top's tag summary up. */
function radix_tree_extend<T>(root: radix_tree_root<T>, index: number): number {
  let height = root.height + 1;
  while (index > radix_tree_maxindex(height)) height++;
  if (root.rnode === null) {
    root.height = height;
    return 0;
  }
  const tags: boolean[] = [];
  for (let tag = 0; tag < RADIX_TREE_TAGS; tag++) tags[tag] = any_tag_set(root.rnode, tag);
  do {
    const node = root.nodes.alloc(root);
    if (!node) return -Errno.ENOMEM;
    node.slots[0] = root.rnode;
    for (let tag = 0; tag < RADIX_TREE_TAGS; tag++) if (tags[tag]) tag_set(node, tag, 0);
    node.count = 1;
    root.rnode = node;
    root.height++;
  } while (height > root.height);
  return 0;
}

/**
 * radix_tree_insert(root, index, item): 0, -EEXIST when the index is occupied, or -ENOMEM when a
 * node cannot be allocated (nodes made before the failure stay, empty, as in the kernel).
 */
export function radix_tree_insert<T>(root: radix_tree_root<T>, index: number, item: T): number {
  checkIndex("radix_tree_insert", index);
  if ((index === 0 && root.rnode === null) || index > radix_tree_maxindex(root.height)) {
    const error = radix_tree_extend(root, index);
    if (error) return error;
  }
  let node: radix_tree_node<T> | null = null;
  let slot = root.rnode;
  let height = root.height;
  let shift = (height - 1) * RADIX_TREE_MAP_SHIFT;
  let offset = 0;
  do {
    if (slot === null) {
      slot = root.nodes.alloc(root);
      if (!slot) return -Errno.ENOMEM;
      if (node) {
        node.slots[offset] = slot;
        node.count++;
      } else root.rnode = slot;
    }
    offset = (index >>> shift) & RADIX_TREE_MAP_MASK;
    node = slot;
    slot = node.slots[offset] as radix_tree_node<T> | null;
    shift -= RADIX_TREE_MAP_SHIFT;
    height--;
  } while (height > 0);
  if (slot !== null) return -Errno.EEXIST;
  const leaf = node as radix_tree_node<T>;
  leaf.count++;
  leaf.slots[offset] = item;
  return 0;
}

/** radix_tree_lookup(root, index): the item, or null. */
export function radix_tree_lookup<T>(root: radix_tree_root<T>, index: number): T | null {
  let height = root.height;
  if (index > radix_tree_maxindex(height) || index < 0) return null;
  let shift = (height - 1) * RADIX_TREE_MAP_SHIFT;
  let slot: radix_tree_node<T> | T | null = root.rnode;
  while (height > 0) {
    if (slot === null) return null;
    slot = (slot as radix_tree_node<T>).slots[(index >>> shift) & RADIX_TREE_MAP_MASK];
    shift -= RADIX_TREE_MAP_SHIFT;
    height--;
  }
  return slot as T | null;
}

/** radix_tree_tag_set(root, index, tag): tag the item and every node on its path; BUG if absent. */
export function radix_tree_tag_set<T>(root: radix_tree_root<T>, index: number, tag: number): T {
  let height = root.height;
  if (index > radix_tree_maxindex(height) || radix_tree_lookup(root, index) === null)
    throw new KernelBugError("radix_tree_tag_set", undefined, `no item at index ${index}`);
  let shift = (height - 1) * RADIX_TREE_MAP_SHIFT;
  let slot: radix_tree_node<T> | T | null = root.rnode;
  while (height > 0) {
    const node = slot as radix_tree_node<T>;
    const offset = (index >>> shift) & RADIX_TREE_MAP_MASK;
    tag_set(node, tag, offset);
    slot = node.slots[offset];
    shift -= RADIX_TREE_MAP_SHIFT;
    height--;
  }
  return slot as T;
}

/** The path from the top node to the slot of `index` (struct radix_tree_path[]), with the item; null when absent. */
function radix_tree_path<T>(
  root: radix_tree_root<T>,
  index: number,
): { path: { node: radix_tree_node<T>; offset: number }[]; item: T } | null {
  let height = root.height;
  if (index > radix_tree_maxindex(height) || index < 0) return null;
  const path: { node: radix_tree_node<T>; offset: number }[] = [];
  let shift = (height - 1) * RADIX_TREE_MAP_SHIFT;
  let slot: radix_tree_node<T> | T | null = root.rnode;
  while (height > 0) {
    if (slot === null) return null;
    const node = slot as radix_tree_node<T>;
    const offset = (index >>> shift) & RADIX_TREE_MAP_MASK;
    path.push({ node, offset });
    slot = node.slots[offset];
    shift -= RADIX_TREE_MAP_SHIFT;
    height--;
  }
  return slot === null ? null : { path, item: slot as T };
}

/**
 * radix_tree_tag_clear(root, index, tag): clear the item's tag and, going up, each node's bit whose
 * subtree no longer holds the tag. Returns the item, or null when absent.
 */
export function radix_tree_tag_clear<T>(root: radix_tree_root<T>, index: number, tag: number): T | null {
  const found = radix_tree_path(root, index);
  if (found === null) return null;
  const { path, item } = found;
  for (let i = path.length - 1; i >= 0; i--) {
    tag_clear(path[i].node, tag, path[i].offset);
    if (any_tag_set(path[i].node, tag)) break;
  }
  return item;
}

/** radix_tree_tag_get(root, index, tag): the item's tag bit (0 when absent); BUG on a path whose upper bit is clear. */
export function radix_tree_tag_get<T>(root: radix_tree_root<T>, index: number, tag: number): number {
  let height = root.height;
  if (index > radix_tree_maxindex(height) || height === 0) return 0;
  let shift = (height - 1) * RADIX_TREE_MAP_SHIFT;
  let slot: radix_tree_node<T> | T | null = root.rnode;
  let saw_unset_tag = false;
  for (;;) {
    if (slot === null) return 0;
    const node = slot as radix_tree_node<T>;
    const offset = (index >>> shift) & RADIX_TREE_MAP_MASK;
    if (height === 1) {
      const ret = tag_get(node, tag, offset);
      if (ret && saw_unset_tag)
        throw new KernelBugError(
          "radix_tree_tag_get",
          undefined,
          `tag ${tag} set at index ${index} below a clear node bit`,
        );
      return ret ? 1 : 0;
    }
    if (!tag_get(node, tag, offset)) saw_unset_tag = true;
    slot = node.slots[offset];
    shift -= RADIX_TREE_MAP_SHIFT;
    height--;
  }
}

/** radix_tree_tagged(root, tag): does any item carry the tag (the top node's summary bits)? */
export function radix_tree_tagged<T>(root: radix_tree_root<T>, tag: number): boolean {
  return root.rnode !== null && any_tag_set(root.rnode, tag);
}

/**
 * radix_tree_delete(root, index): remove and return the item (null when absent): clear its tags up
 * the path as far as they summarise nothing else, then free every node left empty; a tree emptied
 * of its top node drops to height 0.
 */
export function radix_tree_delete<T>(root: radix_tree_root<T>, index: number): T | null {
  const found = radix_tree_path(root, index);
  if (found === null) return null;
  const { path, item: ret } = found;
  // Clear all tags associated with the just-deleted item, up as far as each still means something.
  const done = new Array<boolean>(RADIX_TREE_TAGS).fill(false);
  for (let i = path.length - 1; i >= 0; i--) {
    let nr_cleared = RADIX_TREE_TAGS;
    for (let tag = 0; tag < RADIX_TREE_TAGS; tag++) {
      if (done[tag]) continue;
      tag_clear(path[i].node, tag, path[i].offset);
      if (any_tag_set(path[i].node, tag)) {
        done[tag] = true;
        nr_cleared--;
      }
    }
    if (nr_cleared === 0) break;
  }
  let i = path.length - 1;
  path[i].node.slots[path[i].offset] = null;
  while (i >= 0 && --path[i].node.count === 0) {
    const empty = path[i].node;
    if (i === 0) root.rnode = null;
    else path[i - 1].node.slots[path[i - 1].offset] = null;
    root.nodes.free(empty);
    i--;
  }
  if (root.rnode === null) root.height = 0;
  return ret;
}

/**
 * __lookup / __lookup_tag: collect up to `max_items` items with index >= first_index in index
 * order (only tagged ones when `tag` >= 0); returns the items and their indices.
 */
function gang<T>(
  root: radix_tree_root<T>,
  first_index: number,
  max_items: number,
  tag: number,
  out: T[],
  idx?: number[],
): void {
  if (root.rnode === null || max_items <= 0 || first_index > radix_tree_maxindex(root.height)) return;
  const walk = (node: radix_tree_node<T>, height: number, base: number): boolean => {
    const shift = (height - 1) * RADIX_TREE_MAP_SHIFT;
    const span = 2 ** shift;
    let start = 0;
    if (first_index > base) start = Math.floor((first_index - base) / span);
    for (let i = start; i < RADIX_TREE_MAP_SIZE; i++) {
      const child = node.slots[i];
      if (child === null) continue;
      if (tag >= 0 && !tag_get(node, tag, i)) continue;
      const childBase = base + i * span;
      if (height === 1) {
        if (childBase < first_index) continue;
        out.push(child as T);
        idx?.push(childBase);
        if (out.length >= max_items) return true;
      } else if (walk(child as radix_tree_node<T>, height - 1, childBase)) return true;
    }
    return false;
  };
  walk(root.rnode, root.height, 0);
}

/** radix_tree_gang_lookup(root, first_index, max_items): up to max_items items from first_index on, in index order. */
export function radix_tree_gang_lookup<T>(
  root: radix_tree_root<T>,
  first_index: number,
  max_items: number,
): T[] {
  const out: T[] = [];
  gang(root, first_index, max_items, -1, out);
  return out;
}

/** radix_tree_gang_lookup_tag(root, first_index, max_items, tag): the same, only items carrying `tag`. */
export function radix_tree_gang_lookup_tag<T>(
  root: radix_tree_root<T>,
  first_index: number,
  max_items: number,
  tag: number,
): T[] {
  const out: T[] = [];
  gang(root, first_index, max_items, tag, out);
  return out;
}

/** Every (index, item) of the tree in index order (views and invariant checks: O(items)). */
export function radix_tree_entries<T>(root: radix_tree_root<T>): { index: number; item: T }[] {
  const items: T[] = [];
  const idx: number[] = [];
  gang(root, 0, Number.POSITIVE_INFINITY, -1, items, idx);
  return items.map((item, i) => ({ index: idx[i], item }));
}

/**
 * The tree's structural invariants, as plain-language problems (empty when all hold): node counts,
 * height of a non-empty tree, tag summaries (a node's bit set iff its subtree holds a tagged item).
 */
export function checkRadixTree<T>(root: radix_tree_root<T>, what: string): string[] {
  const problems: string[] = [];
  if (root.rnode === null) {
    if (root.height !== 0) problems.push(`${what}: empty tree has height ${root.height}, not 0`);
    return problems;
  }
  if (root.height < 1) problems.push(`${what}: non-empty tree has height 0`);
  // Returns, per tag, whether the subtree holds a tagged item (leaf bits are the truth).
  const visit = (node: radix_tree_node<T>, height: number, base: number): boolean[] => {
    let n = 0;
    const any = new Array<boolean>(RADIX_TREE_TAGS).fill(false);
    for (let i = 0; i < RADIX_TREE_MAP_SIZE; i++) {
      const child = node.slots[i];
      if (child === null) {
        for (let t = 0; t < RADIX_TREE_TAGS; t++)
          if (tag_get(node, t, i))
            problems.push(`${what}: tag ${t} set on empty slot ${i} of the node at index ${base}`);
        continue;
      }
      n++;
      if (height > 1) {
        const sub = visit(
          child as radix_tree_node<T>,
          height - 1,
          base + i * 2 ** ((height - 1) * RADIX_TREE_MAP_SHIFT),
        );
        for (let t = 0; t < RADIX_TREE_TAGS; t++) {
          if (sub[t] !== tag_get(node, t, i))
            problems.push(
              `${what}: node bit for tag ${t} at slot ${i} (index base ${base}) is ${tag_get(node, t, i) ? 1 : 0} but its subtree ${sub[t] ? "holds" : "holds no"} tagged item`,
            );
          if (sub[t]) any[t] = true;
        }
      } else for (let t = 0; t < RADIX_TREE_TAGS; t++) if (tag_get(node, t, i)) any[t] = true;
    }
    if (n !== node.count)
      problems.push(`${what}: node at index base ${base} has count ${node.count} but ${n} used slots`);
    if (n === 0) problems.push(`${what}: empty node left in the tree at index base ${base}`);
    return any;
  };
  visit(root.rnode, root.height, 0);
  return problems;
}
