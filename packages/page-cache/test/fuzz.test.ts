/*
 * Model-based property tests (fast-check, fixed seeds; a failing seed is printed): the radix tree
 * against a Map, the raw block device against a byte array, a ramfs file against a byte array,
 * with the invariant checks after every step and the disk compared byte for byte after each sync.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteArrayBackend } from "../src/block-dev.js";
import { IS_ERR } from "../src/err.js";
import { O_RDWR } from "../src/fs.js";
import { checkPageCacheInvariants } from "../src/invariants.js";
import {
  checkRadixTree,
  INIT_RADIX_TREE,
  radix_tree_delete,
  radix_tree_entries,
  radix_tree_gang_lookup,
  radix_tree_gang_lookup_tag,
  radix_tree_insert,
  radix_tree_lookup,
  radix_tree_tag_clear,
  radix_tree_tag_get,
  radix_tree_tag_set,
} from "../src/radix-tree.js";
import { boot, bytesOf } from "./helpers.js";

describe("radix tree against a Map (lib/radix-tree.c semantics)", () => {
  it("insert, delete, tag, lookup and gang lookups agree; empty nodes are freed (seed 4242)", () => {
    const { pc } = boot({ memBytes: 64 * 1024 * 1024 });
    const index = fc.oneof(
      fc.nat(200),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(0, 63, 64, 4095, 4096, 0xffffffff),
    );
    const op = fc.oneof(
      fc.record({ op: fc.constant("ins" as const), i: index }),
      fc.record({ op: fc.constant("del" as const), i: index }),
      fc.record({ op: fc.constant("tag" as const), i: index, t: fc.integer({ min: 0, max: 1 }) }),
      fc.record({ op: fc.constant("untag" as const), i: index, t: fc.integer({ min: 0, max: 1 }) }),
      fc.record({
        op: fc.constant("gang" as const),
        i: index,
        n: fc.integer({ min: 1, max: 20 }),
        t: fc.integer({ min: -1, max: 1 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const root = INIT_RADIX_TREE<number>(pc.radix_nodes, 0);
        const model = new Map<number, { v: number; tags: [boolean, boolean] }>();
        let v = 1;
        for (const o of ops) {
          if (o.op === "ins") {
            const r = radix_tree_insert(root, o.i, v);
            expect(r).toBe(model.has(o.i) ? -17 : 0);
            if (r === 0) model.set(o.i, { v: v++, tags: [false, false] });
          } else if (o.op === "del") {
            expect(radix_tree_delete(root, o.i)).toBe(model.get(o.i)?.v ?? null);
            model.delete(o.i);
          } else if (o.op === "tag") {
            if (model.has(o.i)) {
              radix_tree_tag_set(root, o.i, o.t);
              (model.get(o.i) as { tags: boolean[] }).tags[o.t] = true;
            } else expect(() => radix_tree_tag_set(root, o.i, o.t)).toThrow();
          } else if (o.op === "untag") {
            expect(radix_tree_tag_clear(root, o.i, o.t)).toBe(model.get(o.i)?.v ?? null);
            if (model.has(o.i)) (model.get(o.i) as { tags: boolean[] }).tags[o.t] = false;
          } else {
            const keys = [...model.keys()]
              .filter((k) => k >= o.i && (o.t < 0 || model.get(k)?.tags[o.t]))
              .sort((a, b) => a - b)
              .slice(0, o.n);
            const got =
              o.t < 0
                ? radix_tree_gang_lookup(root, o.i, o.n)
                : radix_tree_gang_lookup_tag(root, o.i, o.n, o.t);
            expect(got).toEqual(keys.map((k) => model.get(k)?.v));
          }
          expect(checkRadixTree(root, "tree")).toEqual([]);
        }
        for (const [k, e] of model) {
          expect(radix_tree_lookup(root, k)).toBe(e.v);
          expect(radix_tree_tag_get(root, k, 0)).toBe(e.tags[0] ? 1 : 0);
          expect(radix_tree_tag_get(root, k, 1)).toBe(e.tags[1] ? 1 : 0);
        }
        expect(radix_tree_entries(root).map((e) => e.index)).toEqual([...model.keys()].sort((a, b) => a - b));
        for (const k of model.keys()) radix_tree_delete(root, k);
        expect(root.rnode).toBeNull();
        expect(root.height).toBe(0);
        expect(pc.radix_nodes.nr_nodes).toBe(0);
      }),
      { seed: 4242, numRuns: 60 },
    );
  });
});

describe("the raw block device against a byte array", () => {
  it("reads, writes, block-size changes, syncs and evictions through /dev/hda (seed 77)", () => {
    const size = 192 * 1024;
    fc.assert(
      fc.property(
        fc.constantFrom(512, 1024, 2048, 4096),
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant("read" as const),
              pos: fc.nat(size - 1),
              len: fc.integer({ min: 1, max: 9000 }),
            }),
            fc.record({
              op: fc.constant("write" as const),
              pos: fc.nat(size - 1),
              len: fc.integer({ min: 1, max: 9000 }),
              seed: fc.nat(),
            }),
            fc.record({ op: fc.constant("bread" as const), block: fc.nat(400) }),
            fc.record({ op: fc.constant("sync" as const) }),
            fc.record({ op: fc.constant("evict" as const) }),
          ),
          { maxLength: 30 },
        ),
        (blocksize, cmds) => {
          const { pc } = boot({ memBytes: 64 * 1024 * 1024 });
          const model = bytesOf(size, 3);
          const backend = new ByteArrayBackend(model.slice());
          pc.add_disk("hda", backend);
          const f = pc.filp_open("/dev/hda", O_RDWR);
          if (IS_ERR(f)) throw new Error("open");
          const bdev = f.f_dentry.d_inode?.i_bdev;
          if (!bdev) throw new Error("no bdev");
          expect(pc.set_blocksize(bdev, blocksize)).toBe(0);
          for (const c of cmds) {
            if (c.op === "read") {
              const buf = new Uint8Array(c.len);
              const n = pc.sys_pread64(f, buf, c.len, c.pos);
              expect(n).toBe(Math.min(c.len, size - c.pos));
              expect(
                Buffer.from(buf.subarray(0, n)).equals(Buffer.from(model.subarray(c.pos, c.pos + n))),
              ).toBe(true);
            } else if (c.op === "write") {
              const len = Math.min(c.len, size - c.pos);
              const bytes = bytesOf(len, c.seed);
              expect(pc.sys_pwrite64(f, bytes, c.len, c.pos)).toBe(len);
              model.set(bytes, c.pos);
            } else if (c.op === "bread") {
              const bh = pc.__bread(bdev, c.block, blocksize);
              if (c.block * blocksize >= size) expect(bh).toBeNull();
              else {
                expect(bh).not.toBeNull();
                if (bh) {
                  const start = c.block * blocksize;
                  expect(
                    Buffer.from(pc.bh_read(bh, 0, blocksize)).equals(
                      Buffer.from(model.subarray(start, start + blocksize)),
                    ),
                  ).toBe(true);
                  pc.brelse(bh);
                }
              }
            } else if (c.op === "sync") {
              pc.sys_sync();
              expect(Buffer.from(backend.bytes).equals(Buffer.from(model))).toBe(true);
            } else pc.invalidate_bdev(bdev);
            checkPageCacheInvariants(pc);
          }
          pc.fput(f); // the last close writes back and empties the cache
          expect(Buffer.from(backend.bytes).equals(Buffer.from(model))).toBe(true);
          expect(pc.nr_blockdev_pages()).toBe(0);
          checkPageCacheInvariants(pc);
        },
      ),
      { seed: 77, numRuns: 15 },
    );
  });
});

describe("a ramfs file against a byte array", () => {
  it("writes, reads, truncates and evictions on highmem pages (seed 31)", () => {
    const { pc } = boot({ memBytes: 1024 * 1024 * 1024 });
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant("write" as const),
              pos: fc.nat(60000),
              len: fc.integer({ min: 1, max: 9000 }),
              seed: fc.nat(),
            }),
            fc.record({
              op: fc.constant("read" as const),
              pos: fc.nat(70000),
              len: fc.integer({ min: 1, max: 9000 }),
            }),
            fc.record({ op: fc.constant("truncate" as const), len: fc.nat(70000) }),
            fc.record({ op: fc.constant("evict" as const) }),
          ),
          { maxLength: 25 },
        ),
        (cmds) => {
          const mappings0 = pc.mappings.size;
          let model = new Uint8Array(0);
          expect(pc.writeFile("/f", model)).toBe(0);
          const f = pc.filp_open("/f", O_RDWR);
          if (IS_ERR(f)) throw new Error("open");
          for (const c of cmds) {
            if (c.op === "write") {
              const bytes = bytesOf(c.len, c.seed);
              expect(pc.sys_pwrite64(f, bytes, c.len, c.pos)).toBe(c.len);
              if (c.pos + c.len > model.length) {
                const m = new Uint8Array(c.pos + c.len);
                m.set(model);
                model = m;
              }
              model.set(bytes, c.pos);
            } else if (c.op === "read") {
              const buf = new Uint8Array(c.len);
              const n = pc.sys_pread64(f, buf, c.len, c.pos);
              expect(n).toBe(Math.max(0, Math.min(c.len, model.length - c.pos)));
              expect(
                Buffer.from(buf.subarray(0, n)).equals(Buffer.from(model.subarray(c.pos, c.pos + n))),
              ).toBe(true);
            } else if (c.op === "truncate") {
              expect(pc.sys_truncate("/f", c.len)).toBe(0);
              const m = new Uint8Array(c.len);
              m.set(model.subarray(0, Math.min(c.len, model.length)));
              model = m;
            } else {
              // written ramfs pages stay dirty (memory-backed, never written back), so eviction keeps
              // them; only clean pages (holes that were read) may go, and read back as zeros
              const dirty = pc.find_get_pages(f.f_mapping, 0, 1 << 20).filter((p) => {
                const d = pc.PageDirty(p);
                pc.page_cache_release(p);
                return d;
              }).length;
              const n = f.f_mapping.nrpages;
              const gone = pc.invalidate_mapping_pages(f.f_mapping, 0, 0xffffffff);
              expect(f.f_mapping.nrpages).toBe(n - gone);
              expect(f.f_mapping.nrpages).toBeGreaterThanOrEqual(dirty);
            }
            expect(f.f_dentry.d_inode?.i_size).toBe(model.length);
            checkPageCacheInvariants(pc);
          }
          pc.fput(f);
          expect(pc.sys_unlink("/f")).toBe(0);
          checkPageCacheInvariants(pc);
          expect(pc.nr_pagecache).toBe(0); // every page of the unlinked file went back
          expect(pc.mappings.size).toBe(mappings0);
        },
      ),
      { seed: 31, numRuns: 20 },
    );
  });
});
