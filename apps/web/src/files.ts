/*
 * files.ts — which repository files the page ships for the scenario language's process and file
 * statements (vite.config.ts turns each into an asset URL): model path -> path under fixtures/.
 */

/**
 * The files the scenario language's exec() finds in the model's /bin and /lib (the CLI's
 * SHIPPED_FILES in @i386mm/demo/node; test/model.test.ts checks the two lists agree), and the
 * host files a lab sheet mounts. The page fetches them before the first statement that needs them.
 */
export const USERLAND_FILES: Readonly<Record<string, string>> = {
  "/bin/memorylayout-static": "elf/memorylayout-static",
  "/bin/memorylayout-staticpie": "elf/memorylayout-staticpie",
  "/bin/memorylayout-dynamic": "elf/memorylayout-dynamic",
  "/lib/ld-linux.so.2": "elf/rootfs/lib/ld-linux.so.2",
  "/lib/i386-linux-gnu/libc.so.6": "elf/rootfs/lib/i386-linux-gnu/libc.so.6",
};
export const HOST_FILES: Readonly<Record<string, string>> = {
  "fixtures/elf/memorylayout.ext2": "elf/memorylayout.ext2",
};
