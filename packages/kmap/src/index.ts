export * from "./errors.js";
export * from "./fixmap.js";
export * from "./invariants.js";
export * from "./kaccess.js";
export * from "./kmap.js";
export * from "./kmap-atomic.js";
export * from "./kmap-types.js";
export * from "./pkmap.js";
