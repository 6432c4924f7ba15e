export * from "./bad-page.js";
export {
  type BootedMemory,
  type BootOptions,
  boot,
  highpagesFast,
  highpagesOneByOne,
  type KernelImage,
  type KernelImageSizes,
  layoutKernelImage,
  TYPICAL_2_6_11_IMAGE,
} from "./boot.js";
export * from "./bootmem.js";
export * from "./buddy.js";
export * from "./gfp.js";
export * from "./highmem.js";
export * from "./invariants.js";
export * from "./layout.js";
export * from "./mem-map.js";
export * from "./mmzone.js";
export * from "./page-alloc.js";
export * from "./page-flags.js";
export * from "./pcp.js";
export * from "./proc.js";
export * from "./watermark.js";
export * from "./zonelist.js";
