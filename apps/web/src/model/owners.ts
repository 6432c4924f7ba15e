/*
 * owners.ts — who a physical frame belongs to, as the explorer colours it: the buddy lists (by the
 * order of the free block), a per-CPU list, slab, vmalloc, the page cache (file pages) and the
 * buffer cache (block-device pages), a user process (anonymous pages), page tables, PG_reserved,
 * and any other kernel allocation (alloc_pages, kmap'ed pages, the tail of a high-order block).
 * Colours are fixed here so every view and the legend agree; the end-to-end test reads them back
 * from the drawn canvas.
 */

/** A frame's owner class. */
export const Owner = {
  FREE: 0,
  PCP: 1,
  SLAB: 2,
  VMALLOC: 3,
  PAGECACHE: 4,
  BUFFERS: 5,
  USER: 6,
  PAGETABLE: 7,
  RESERVED: 8,
  KERNEL: 9,
} as const;
export type Owner = (typeof Owner)[keyof typeof Owner];
export const OWNER_COUNT = 10;

/** Legend text per owner. */
export const OWNER_LABEL: readonly string[] = [
  "free (buddy, by order)",
  "free (per-CPU list)",
  "slab",
  "vmalloc",
  "page cache",
  "buffers (block device)",
  "user process (anonymous)",
  "page tables",
  "reserved",
  "kernel (other allocation)",
];

/** Short names (data attributes, test hooks). */
export const OWNER_NAME: readonly string[] = [
  "free",
  "pcp",
  "slab",
  "vmalloc",
  "pagecache",
  "buffers",
  "user",
  "pagetable",
  "reserved",
  "kernel",
];

/** Colour of a free frame by the order of its block: light (order 0) to dark (order 10). */
export const FREE_ORDER_RGB: readonly (readonly [number, number, number])[] = Array.from(
  { length: 11 },
  (_, o) => {
    // #d9f0d3 -> #0b4d22
    const t = o / 10;
    const a = [0xd9, 0xf0, 0xd3];
    const b = [0x0b, 0x4d, 0x22];
    return [0, 1, 2].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * t)) as unknown as readonly [
      number,
      number,
      number,
    ];
  },
);

/** Colour per owner (FREE uses FREE_ORDER_RGB instead). */
export const OWNER_RGB: readonly (readonly [number, number, number])[] = [
  [0x5a, 0xae, 0x61], // free (legend swatch: order 5)
  [0x80, 0xcd, 0xc1], // pcp
  [0xf1, 0xa3, 0x40], // slab
  [0x99, 0x8e, 0xc3], // vmalloc
  [0x67, 0xa9, 0xcf], // page cache
  [0x21, 0x66, 0xac], // buffers
  [0xd6, 0x60, 0x4d], // user
  [0xe6, 0xc8, 0x1e], // page tables
  [0x40, 0x40, 0x40], // reserved
  [0xa8, 0xa8, 0xa8], // kernel
];

/** CSS colour of an owner (and, for free frames, the block order). */
export function ownerCss(owner: number, order = 5): string {
  const [r, g, b] = owner === Owner.FREE ? FREE_ORDER_RGB[Math.min(order, 10)]! : OWNER_RGB[owner]!;
  return `rgb(${r}, ${g}, ${b})`;
}

/** Packed 0xAABBGGRR (little-endian ImageData words) per owner and order: WORDS[owner * 11 + order]. */
const WORDS = new Uint32Array(OWNER_COUNT * 11);
for (let o = 0; o < OWNER_COUNT; o++)
  for (let k = 0; k < 11; k++) {
    const [r, g, b] = o === Owner.FREE ? FREE_ORDER_RGB[k]! : OWNER_RGB[o]!;
    WORDS[o * 11 + k] = ((0xff << 24) | (b << 16) | (g << 8) | r) >>> 0;
  }

/** The ImageData word of an owner and (for free frames) block order. */
export function ownerWord(owner: number, order: number): number {
  return WORDS[owner * 11 + (order > 10 ? 0 : order)]!;
}
