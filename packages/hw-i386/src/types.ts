/*
 * types.ts — branded address types shared by every layer.
 * PhysAddr (up to 64 GiB), VirtAddr (32-bit, kept unsigned), Pfn (page frame number) and
 * Page (a `struct page *`, whose value is its pfn, i.e. its index in mem_map).
 * Brands exist for the compiler only: the casts below cost nothing at run time except the
 * `>>> 0` that keeps a virtual address unsigned.
 */

/** A physical address: a non-negative integer below 2^36 (64 GiB with PAE). */
export type PhysAddr = number & { readonly __brand: "PhysAddr" };
/** A 32-bit linear/virtual address, always unsigned (0 .. 0xffffffff). */
export type VirtAddr = number & { readonly __brand: "VirtAddr" };
/** A page frame number: physical address >> PAGE_SHIFT. */
export type Pfn = number & { readonly __brand: "Pfn" };
/** A `struct page *`: the pfn of the frame it describes (index into mem_map). `null` is NULL. */
export type Page = number & { readonly __brand: "Page" };

/** Cast a number to a Pfn. */
export const asPfn = (n: number): Pfn => n as Pfn;
/** Cast a number to a PhysAddr. */
export const asPhys = (n: number): PhysAddr => n as PhysAddr;
/** Cast a number to a VirtAddr, truncated to 32 bits unsigned as the CPU would. */
export const asVirt = (n: number): VirtAddr => (n >>> 0) as VirtAddr;
/** Cast a pfn to a Page (`pfn_to_page` on flat memory). */
export const asPage = (n: number): Page => n as Page;
