/**
 * Zonelists: the fallback order an allocation walks, chosen by the GFP zone modifiers.
 * Models build_zonelists_node / build_zonelists / build_all_zonelists of mm/page_alloc.c (2.6.11).
 * Invariants: zonelist i of a node (i = gfp & GFP_ZONEMASK) lists, node by node starting with the
 * local one, HighMem (i = 2 only) -> Normal -> DMA (i = 1: DMA only), skipping empty zones.
 * Built once at boot; nothing changes a zonelist afterwards.
 */
import { __GFP_DMA, __GFP_HIGHMEM, GFP_ZONETYPES } from "./gfp.js";
import { type pg_data_t, ZONE_DMA, ZONE_HIGHMEM, ZONE_NORMAL, type Zone } from "./mmzone.js";

/** build_zonelists_node: append the node's zones from `k` down to DMA that have pages. */
export function build_zonelists_node(pgdat: pg_data_t, zones: Zone[], k: number): void {
  for (let z = k; z >= ZONE_DMA; z--) {
    const zone = pgdat.node_zones[z];
    if (zone.present_pages) zones.push(zone);
  }
}

/** build_zonelists: fill pgdat.node_zonelists[0..2], local node first, then the others in turn. */
export function build_zonelists(pgdat: pg_data_t, pgdats: readonly pg_data_t[]): void {
  pgdat.node_zonelists.length = 0;
  const n = pgdats.length;
  for (let i = 0; i < GFP_ZONETYPES; i++) {
    const zones: Zone[] = [];
    let k = ZONE_NORMAL;
    if (i & __GFP_HIGHMEM) k = ZONE_HIGHMEM;
    if (i & __GFP_DMA) k = ZONE_DMA;
    for (let d = 0; d < n; d++) build_zonelists_node(pgdats[(pgdat.node_id + d) % n], zones, k);
    pgdat.node_zonelists.push({ zones });
  }
}
