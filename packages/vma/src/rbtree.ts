/*
 * rbtree.ts — red-black trees as lib/rbtree.c and include/linux/rbtree.h (2.6.11) have them.
 * The tree does not compare keys: the caller walks down to the insertion point itself (as
 * find_vma_prepare does), links the node there with rb_link_node and calls rb_insert_color to
 * rebalance. rb_erase unlinks and rebalances. rb_first/rb_last/rb_next/rb_prev walk in order.
 * A node carries its owner (`entry`, the kernel's rb_entry / container_of).
 * Invariants (checked by rb_check): the root is black; a red node has no red child; every path
 * from a node down to a NULL link has the same number of black nodes; parent links agree with
 * child links. Height is therefore at most 2 log2(n + 1): lookups are O(log n).
 */

/** Node colour: red. */
export const RB_RED = 0;
/** Node colour: black. */
export const RB_BLACK = 1;

/** struct rb_node, embedded in its owner (`entry`). */
export class rb_node<T> {
  /** Parent node, null at the root. */
  rb_parent: rb_node<T> | null = null;
  /** RB_RED or RB_BLACK. */
  rb_color: number = RB_RED;
  /** Right child (greater keys). */
  rb_right: rb_node<T> | null = null;
  /** Left child (smaller keys). */
  rb_left: rb_node<T> | null = null;
  /** The structure this node is embedded in (rb_entry). */
  readonly entry: T;
  constructor(entry: T) {
    this.entry = entry;
  }
}

/** struct rb_root. */
export interface rb_root<T> {
  /** The root node, null for an empty tree (RB_ROOT). */
  rb_node: rb_node<T> | null;
}

/** RB_ROOT: an empty tree. */
export function RB_ROOT<T>(): rb_root<T> {
  return { rb_node: null };
}

/** Where a node is to be linked: under `parent` on its left or right, or as the root (parent null). */
export type rb_link<T> = { parent: rb_node<T> | null; left: boolean };

/** rb_link_node: put `node` (red, no children) into the empty slot `link`. */
export function rb_link_node<T>(node: rb_node<T>, link: rb_link<T>, root: rb_root<T>): void {
  node.rb_parent = link.parent;
  node.rb_color = RB_RED;
  node.rb_left = node.rb_right = null;
  if (link.parent === null) root.rb_node = node;
  else if (link.left) link.parent.rb_left = node;
  else link.parent.rb_right = node;
}

function replaceChild<T>(
  parent: rb_node<T> | null,
  old: rb_node<T>,
  now: rb_node<T> | null,
  root: rb_root<T>,
): void {
  if (parent === null) root.rb_node = now;
  else if (parent.rb_left === old) parent.rb_left = now;
  else parent.rb_right = now;
}

/** __rb_rotate_left: `node`'s right child takes its place. */
function rotate_left<T>(node: rb_node<T>, root: rb_root<T>): void {
  const right = node.rb_right!;
  node.rb_right = right.rb_left;
  if (right.rb_left !== null) right.rb_left.rb_parent = node;
  right.rb_left = node;
  right.rb_parent = node.rb_parent;
  replaceChild(node.rb_parent, node, right, root);
  node.rb_parent = right;
}

/** __rb_rotate_right: `node`'s left child takes its place. */
function rotate_right<T>(node: rb_node<T>, root: rb_root<T>): void {
  const left = node.rb_left!;
  node.rb_left = left.rb_right;
  if (left.rb_right !== null) left.rb_right.rb_parent = node;
  left.rb_right = node;
  left.rb_parent = node.rb_parent;
  replaceChild(node.rb_parent, node, left, root);
  node.rb_parent = left;
}

/** rb_insert_color: restore the red-black rules after rb_link_node put a red `node` in. */
export function rb_insert_color<T>(node: rb_node<T>, root: rb_root<T>): void {
  let parent: rb_node<T> | null;
  while ((parent = node.rb_parent) !== null && parent.rb_color === RB_RED) {
    const gparent = parent.rb_parent!; // a red node is never the root
    if (parent === gparent.rb_left) {
      const uncle = gparent.rb_right;
      if (uncle !== null && uncle.rb_color === RB_RED) {
        uncle.rb_color = RB_BLACK;
        parent.rb_color = RB_BLACK;
        gparent.rb_color = RB_RED;
        node = gparent;
        continue;
      }
      if (parent.rb_right === node) {
        rotate_left(parent, root);
        const tmp = parent;
        parent = node;
        node = tmp;
      }
      parent.rb_color = RB_BLACK;
      gparent.rb_color = RB_RED;
      rotate_right(gparent, root);
    } else {
      const uncle = gparent.rb_left;
      if (uncle !== null && uncle.rb_color === RB_RED) {
        uncle.rb_color = RB_BLACK;
        parent.rb_color = RB_BLACK;
        gparent.rb_color = RB_RED;
        node = gparent;
        continue;
      }
      if (parent.rb_left === node) {
        rotate_right(parent, root);
        const tmp = parent;
        parent = node;
        node = tmp;
      }
      parent.rb_color = RB_BLACK;
      gparent.rb_color = RB_RED;
      rotate_left(gparent, root);
    }
  }
  root.rb_node!.rb_color = RB_BLACK;
}

/** __rb_erase_color: fix a "double black" at `node` (possibly null) under `parent`. */
function erase_color<T>(node: rb_node<T> | null, parent: rb_node<T> | null, root: rb_root<T>): void {
  while ((node === null || node.rb_color === RB_BLACK) && node !== root.rb_node) {
    const p = parent!;
    if (p.rb_left === node) {
      let other = p.rb_right!;
      if (other.rb_color === RB_RED) {
        other.rb_color = RB_BLACK;
        p.rb_color = RB_RED;
        rotate_left(p, root);
        other = p.rb_right!;
      }
      if (
        (other.rb_left === null || other.rb_left.rb_color === RB_BLACK) &&
        (other.rb_right === null || other.rb_right.rb_color === RB_BLACK)
      ) {
        other.rb_color = RB_RED;
        node = p;
        parent = node.rb_parent;
      } else {
        if (other.rb_right === null || other.rb_right.rb_color === RB_BLACK) {
          other.rb_left!.rb_color = RB_BLACK;
          other.rb_color = RB_RED;
          rotate_right(other, root);
          other = p.rb_right!;
        }
        other.rb_color = p.rb_color;
        p.rb_color = RB_BLACK;
        if (other.rb_right !== null) other.rb_right.rb_color = RB_BLACK;
        rotate_left(p, root);
        node = root.rb_node;
        break;
      }
    } else {
      let other = p.rb_left!;
      if (other.rb_color === RB_RED) {
        other.rb_color = RB_BLACK;
        p.rb_color = RB_RED;
        rotate_right(p, root);
        other = p.rb_left!;
      }
      if (
        (other.rb_left === null || other.rb_left.rb_color === RB_BLACK) &&
        (other.rb_right === null || other.rb_right.rb_color === RB_BLACK)
      ) {
        other.rb_color = RB_RED;
        node = p;
        parent = node.rb_parent;
      } else {
        if (other.rb_left === null || other.rb_left.rb_color === RB_BLACK) {
          other.rb_right!.rb_color = RB_BLACK;
          other.rb_color = RB_RED;
          rotate_left(other, root);
          other = p.rb_left!;
        }
        other.rb_color = p.rb_color;
        p.rb_color = RB_BLACK;
        if (other.rb_left !== null) other.rb_left.rb_color = RB_BLACK;
        rotate_right(p, root);
        node = root.rb_node;
        break;
      }
    }
  }
  if (node !== null) node.rb_color = RB_BLACK;
}

/** rb_erase: unlink `node` from the tree and rebalance. */
export function rb_erase<T>(node: rb_node<T>, root: rb_root<T>): void {
  let child: rb_node<T> | null;
  let parent: rb_node<T> | null;
  let color: number;
  if (node.rb_left === null) child = node.rb_right;
  else if (node.rb_right === null) child = node.rb_left;
  else {
    // two children: the in-order successor takes node's place
    const old = node;
    let succ = node.rb_right;
    while (succ.rb_left !== null) succ = succ.rb_left;
    child = succ.rb_right;
    parent = succ.rb_parent;
    color = succ.rb_color;
    if (child !== null) child.rb_parent = parent;
    if (parent === old) {
      parent.rb_right = child;
      parent = succ;
    } else parent!.rb_left = child;
    succ.rb_parent = old.rb_parent;
    succ.rb_color = old.rb_color;
    succ.rb_right = old.rb_right;
    succ.rb_left = old.rb_left;
    replaceChild(old.rb_parent, old, succ, root);
    old.rb_left!.rb_parent = succ;
    if (old.rb_right !== null) old.rb_right.rb_parent = succ;
    if (color === RB_BLACK) erase_color(child, parent, root);
    old.rb_parent = old.rb_left = old.rb_right = null;
    return;
  }
  parent = node.rb_parent;
  color = node.rb_color;
  if (child !== null) child.rb_parent = parent;
  replaceChild(parent, node, child, root);
  if (color === RB_BLACK) erase_color(child, parent, root);
  node.rb_parent = node.rb_left = node.rb_right = null;
}

/** rb_first: the leftmost (smallest) node, or null. */
export function rb_first<T>(root: rb_root<T>): rb_node<T> | null {
  let n = root.rb_node;
  if (n === null) return null;
  while (n.rb_left !== null) n = n.rb_left;
  return n;
}

/** rb_last: the rightmost (greatest) node, or null. */
export function rb_last<T>(root: rb_root<T>): rb_node<T> | null {
  let n = root.rb_node;
  if (n === null) return null;
  while (n.rb_right !== null) n = n.rb_right;
  return n;
}

/** rb_next: the in-order successor, or null. */
export function rb_next<T>(node: rb_node<T>): rb_node<T> | null {
  if (node.rb_right !== null) {
    let n = node.rb_right;
    while (n.rb_left !== null) n = n.rb_left;
    return n;
  }
  let n = node;
  while (n.rb_parent !== null && n === n.rb_parent.rb_right) n = n.rb_parent;
  return n.rb_parent;
}

/** rb_prev: the in-order predecessor, or null. */
export function rb_prev<T>(node: rb_node<T>): rb_node<T> | null {
  if (node.rb_left !== null) {
    let n = node.rb_left;
    while (n.rb_right !== null) n = n.rb_right;
    return n;
  }
  let n = node;
  while (n.rb_parent !== null && n === n.rb_parent.rb_left) n = n.rb_parent;
  return n.rb_parent;
}

/** rb_replace_node: put `victim`'s position, colour and children on `replacement` (no rebalance). */
export function rb_replace_node<T>(victim: rb_node<T>, replacement: rb_node<T>, root: rb_root<T>): void {
  replaceChild(victim.rb_parent, victim, replacement, root);
  if (victim.rb_left !== null) victim.rb_left.rb_parent = replacement;
  if (victim.rb_right !== null) victim.rb_right.rb_parent = replacement;
  replacement.rb_parent = victim.rb_parent;
  replacement.rb_color = victim.rb_color;
  replacement.rb_left = victim.rb_left;
  replacement.rb_right = victim.rb_right;
}

/**
 * The model's check of the red-black rules (lib/rbtree.c states them in comments; DEBUG_MM_RB's
 * browse_rb checks order). Returns one sentence per broken rule; `count` receives the node count.
 */
export function rb_check<T>(root: rb_root<T>, out: { count: number; height: number }): string[] {
  const problems: string[] = [];
  out.count = 0;
  out.height = 0;
  const top = root.rb_node;
  if (top === null) return problems;
  if (top.rb_parent !== null) problems.push("rbtree: the root has a parent");
  if (top.rb_color !== RB_BLACK) problems.push("rbtree: the root is red");
  // iterative post-order walk computing black heights, so deep (broken) trees cannot overflow the stack
  const blackHeight = new Map<rb_node<T>, number>();
  const stack: [rb_node<T>, number][] = [[top, 1]];
  while (stack.length > 0) {
    const [n, depth] = stack[stack.length - 1]!;
    const l = n.rb_left;
    const r = n.rb_right;
    if ((l !== null && !blackHeight.has(l)) || (r !== null && !blackHeight.has(r))) {
      if (r !== null && !blackHeight.has(r)) stack.push([r, depth + 1]);
      if (l !== null && !blackHeight.has(l)) stack.push([l, depth + 1]);
      if (stack.length > 4 * 1024 * 1024) {
        problems.push("rbtree: cycle");
        return problems;
      }
      continue;
    }
    stack.pop();
    out.count++;
    if (depth > out.height) out.height = depth;
    if (l !== null && l.rb_parent !== n) problems.push("rbtree: a left child's parent link is wrong");
    if (r !== null && r.rb_parent !== n) problems.push("rbtree: a right child's parent link is wrong");
    if (
      n.rb_color === RB_RED &&
      ((l !== null && l.rb_color === RB_RED) || (r !== null && r.rb_color === RB_RED))
    )
      problems.push("rbtree: a red node has a red child");
    const bl = l === null ? 1 : blackHeight.get(l)!;
    const br = r === null ? 1 : blackHeight.get(r)!;
    if (bl !== br) problems.push("rbtree: black heights differ below a node");
    blackHeight.set(n, Math.max(bl, br) + (n.rb_color === RB_BLACK ? 1 : 0));
  }
  return problems;
}
