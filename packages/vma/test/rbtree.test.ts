/* lib/rbtree.c's algorithm against a sorted array: random inserts and erases, the rules checked each step. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  RB_ROOT,
  rb_check,
  rb_erase,
  rb_first,
  rb_insert_color,
  rb_last,
  rb_link_node,
  rb_next,
  rb_node,
  rb_prev,
  type rb_root,
} from "../src/rbtree.js";

function insert(root: rb_root<number>, key: number): rb_node<number> {
  let parent: rb_node<number> | null = null;
  let left = false;
  let n = root.rb_node;
  while (n !== null) {
    parent = n;
    left = key < n.entry;
    n = left ? n.rb_left : n.rb_right;
  }
  const node = new rb_node(key);
  rb_link_node(node, { parent, left }, root);
  rb_insert_color(node, root);
  return node;
}

describe("rbtree", () => {
  it("random inserts and erases keep order, colours and black heights; height <= 2 log2(n + 1)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(400)), { minLength: 1, maxLength: 400 }), (ops) => {
        const root = RB_ROOT<number>();
        const nodes = new Map<number, rb_node<number>>();
        for (const [ins, key] of ops) {
          if (ins && !nodes.has(key)) nodes.set(key, insert(root, key));
          else if (!ins && nodes.has(key)) {
            rb_erase(nodes.get(key)!, root);
            nodes.delete(key);
          }
          const out = { count: 0, height: 0 };
          expect(rb_check(root, out)).toEqual([]);
          expect(out.count).toBe(nodes.size);
          expect(out.height).toBeLessThanOrEqual(2 * Math.log2(nodes.size + 1) + 1e-9);
        }
        const sorted = [...nodes.keys()].sort((a, b) => a - b);
        const walk: number[] = [];
        for (let n = rb_first(root); n !== null; n = rb_next(n)) walk.push(n.entry);
        expect(walk).toEqual(sorted);
        const back: number[] = [];
        for (let n = rb_last(root); n !== null; n = rb_prev(n)) back.push(n.entry);
        expect(back).toEqual(sorted.reverse());
      }),
      { seed: 0x7b7e, numRuns: 60 },
    );
  });

  it("rb_check names a broken tree", () => {
    const root = RB_ROOT<number>();
    for (const k of [5, 3, 8, 1, 4]) insert(root, k);
    root.rb_node!.rb_color = 0; // a red root
    expect(rb_check(root, { count: 0, height: 0 })).toContain("rbtree: the root is red");
  });
});
