/*
 * invariants.ts — checkPageCacheInvariants: every statement the page cache keeps between calls,
 * checked against the structures themselves (page_trees, mem_map, buffer heads in RAM):
 *  - each page_tree is a well-formed radix tree (node counts, tag summaries);
 *  - every page in a tree has page->mapping = that address_space and page->index = its key, and is
 *    not free; nrpages equals the tree's entries; nr_pagecache equals their sum;
 *  - the DIRTY tag is set exactly on PG_dirty pages, the WRITEBACK tag on PG_writeback pages; a
 *    mapping with dirty pages has its inode on its superblock's dirty list;
 *  - PG_private <=> page->private is the first of a b_this_page ring of PAGE_SIZE / b_size buffers
 *    (b_size x n = PAGE_SIZE), each with b_page = the page and b_data at offsets 0, b_size, ...; a
 *    block device's buffers are mapped to consecutive blocks from index x n;
 *  - a dirty buffer sits on a dirty or writeback page; every live buffer head is on some page's
 *    ring (or is one of the model's on-stack stand-ins);
 *  - references: page_count = 1 (the cache) + 1 if it has buffers + page_mapcount + the caller's
 *    extra references; b_count = the per-CPU LRU entries + the holds of mounted file systems;
 *  - between calls no page or buffer is locked or under writeback.
 * Problems are listed in plain language in an InvariantError (hw-i386).
 */
import { InvariantError, PAGE_OFFSET, PAGE_SIZE, type Page } from "@i386mm/hw-i386";
import type { BlockDevices } from "./block-dev.js";
import { BH_Dirty, BH_Lock, BH_Mapped, type buffer_head } from "./buffer.js";
import type { ext2_sb_info } from "./ext2/ext2_fs.js";
import { PAGECACHE_TAG_DIRTY, PAGECACHE_TAG_WRITEBACK } from "./fs.js";
import { checkRadixTree, radix_tree_entries, radix_tree_tag_get } from "./radix-tree.js";

/** Options of {@link checkPageCacheInvariants}. */
export interface PageCacheInvariantOptions {
  /**
   * References to a page held outside the page cache (a caller's find_get_page, or a layer above
   * that does not count through page_mapcount); default none.
   */
  extraRefs?: (page: Page) => number;
  /** References to a buffer head held by the caller (a __bread not yet brelse'd); default none. */
  extraBhRefs?: (bh: buffer_head) => number;
  /**
   * Buffer heads a caller outside the page cache holds, on no page's ring yet (alloc_buffer_head,
   * alloc_page_buffers called directly): not leaked; default none.
   */
  heldBh?: (addr: number) => boolean;
}

/** Check every page-cache invariant; throws InvariantError listing each broken one. */
export function checkPageCacheInvariants(pc: BlockDevices, opts: PageCacheInvariantOptions = {}): void {
  const problems: string[] = [];
  const m = pc.mem_map;
  const pa = pc.pa;
  const seenBh = new Set<number>();
  // Who holds buffer references: the per-CPU LRUs and mounted ext2 superblocks.
  const bhHolds = new Map<number, number>();
  const hold = (bh: buffer_head | null | undefined) => {
    if (bh) bhHolds.set(bh.addr, (bhHolds.get(bh.addr) ?? 0) + 1);
  };
  for (const lru of pc.bh_lrus) for (const bh of lru) hold(bh);
  for (const sb of pc.super_blocks) {
    if (sb.s_type.name !== "ext2" || !sb.s_fs_info) continue;
    const sbi = sb.s_fs_info as ext2_sb_info;
    hold(sbi.s_sbh);
    for (const g of sbi.s_group_desc) hold(g);
  }
  let total = 0;
  for (const [addr, mapping] of pc.mappings) {
    const what = `mapping 0x${addr.toString(16)} (inode ${mapping.host.i_ino} of ${mapping.host.i_sb.s_id})`;
    if (mapping.addr !== addr) problems.push(`${what}: registered under another address than its own`);
    problems.push(...checkRadixTree(mapping.page_tree, what));
    const entries = radix_tree_entries(mapping.page_tree);
    if (entries.length !== mapping.nrpages)
      problems.push(`${what}: nrpages ${mapping.nrpages} but ${entries.length} pages in its tree`);
    total += entries.length;
    let anyDirty = false;
    for (const { index, item: page } of entries) {
      const where = `${what}, index ${index}, pfn ${page}`;
      if (m.mapping[page] !== addr)
        problems.push(`${where}: page->mapping is 0x${m.mapping[page].toString(16)}`);
      if (m.index[page] !== index) problems.push(`${where}: page->index is ${m.index[page]}`);
      const count = pa.page_count(page);
      if (count < 1) {
        problems.push(`${where}: page in the cache is free (count ${count})`);
        continue;
      }
      const dirty = pc.PageDirty(page);
      if (dirty) anyDirty = true;
      const tagD = radix_tree_tag_get(mapping.page_tree, index, PAGECACHE_TAG_DIRTY) === 1;
      if (dirty !== tagD) problems.push(`${where}: PG_dirty ${dirty} but the DIRTY tag ${tagD}`);
      const wb = pc.PageWriteback(page);
      const tagW = radix_tree_tag_get(mapping.page_tree, index, PAGECACHE_TAG_WRITEBACK) === 1;
      if (wb !== tagW) problems.push(`${where}: PG_writeback ${wb} but the WRITEBACK tag ${tagW}`);
      if (wb) problems.push(`${where}: still under writeback between calls`);
      if (pc.PageLocked(page)) problems.push(`${where}: still locked between calls`);
      const priv = pc.PagePrivate(page);
      const expected = 1 + (priv ? 1 : 0) + pa.page_mapcount(page) + (opts.extraRefs?.(page) ?? 0);
      if (count !== expected)
        problems.push(
          `${where}: page_count ${count}, but the references held are ${expected} (cache 1, buffers ${priv ? 1 : 0}, ptes ${pa.page_mapcount(page)}, extra ${expected - 1 - (priv ? 1 : 0) - pa.page_mapcount(page)})`,
        );
      if (!priv) {
        if (m.private[page] !== 0)
          problems.push(`${where}: page->private 0x${m.private[page].toString(16)} without PG_private`);
        continue;
      }
      const head = pc.bhByAddr(m.private[page]);
      if (!head) {
        problems.push(
          `${where}: PG_private but page->private 0x${m.private[page].toString(16)} is no buffer_head`,
        );
        continue;
      }
      const isBdev = pc.all_bdevs.some((b) => b.bd_inode.i_data === mapping);
      const size = head.b_size;
      const n = PAGE_SIZE / size;
      if (![512, 1024, 2048, 4096].includes(size)) problems.push(`${where}: buffer size ${size}`);
      const ring: buffer_head[] = [];
      let bh: buffer_head | null = head;
      while (bh && ring.length <= 8) {
        ring.push(bh);
        bh = bh.b_this_page;
        if (bh === head) break;
      }
      if (bh !== head) problems.push(`${where}: b_this_page does not come back to the first buffer`);
      if (ring.length * size !== PAGE_SIZE)
        problems.push(`${where}: ${ring.length} buffers of ${size} bytes do not make a page`);
      const highmem = pa.PageHighMem(page);
      const base = highmem ? 0 : (pa.page_address(page) as number);
      ring.forEach((b, k) => {
        seenBh.add(b.addr);
        const bw = `${where}, buffer ${k}`;
        if (b.b_page !== page) problems.push(`${bw}: b_page is pfn ${b.b_page}`);
        if (b.b_size !== size) problems.push(`${bw}: b_size ${b.b_size}, not ${size}`);
        if (b.b_data !== base + k * size)
          problems.push(`${bw}: b_data 0x${b.b_data.toString(16)}, not 0x${(base + k * size).toString(16)}`);
        if (!highmem && b.b_data < PAGE_OFFSET) problems.push(`${bw}: lowmem b_data below PAGE_OFFSET`);
        if (isBdev && b.test(BH_Mapped) && b.b_blocknr !== index * n + k)
          problems.push(`${bw}: block device buffer maps block ${b.b_blocknr}, not ${index * n + k}`);
        if (b.test(BH_Dirty) && !dirty && !wb) problems.push(`${bw}: dirty buffer on a clean page`);
        if (b.test(BH_Lock)) problems.push(`${bw}: still locked between calls`);
        const want = (bhHolds.get(b.addr) ?? 0) + (opts.extraBhRefs?.(b) ?? 0);
        if (b.b_count !== want)
          problems.push(`${bw}: b_count ${b.b_count}, but ${want} references are held (LRU and mounts)`);
      });
    }
    if (anyDirty && !mapping.host.i_sb.s_dirty.has(mapping.host))
      problems.push(`${what}: has dirty pages but its inode is not on the superblock's dirty list`);
  }
  if (total !== pc.nr_pagecache)
    problems.push(`nr_pagecache ${pc.nr_pagecache} but the trees hold ${total} pages`);
  const standIns = new Set<number>([pc.scratch_bh.addr]);
  const ext2 = (pc as unknown as { ext2?: { probe_bh: buffer_head } }).ext2;
  if (ext2) standIns.add(ext2.probe_bh.addr);
  for (const addr of pc.buffer_heads.keys())
    if (!seenBh.has(addr) && !standIns.has(addr) && !opts.heldBh?.(addr))
      problems.push(`buffer_head 0x${addr.toString(16)} is on no page's ring (leaked)`);
  if (problems.length) throw new InvariantError(problems);
}
