/*
 * userland-node.ts — the CLI's files for processes (Node only, "@i386mm/demo/node"):
 * the shipped binaries of fixtures/elf as the model's /bin and /lib (exec("/bin/memorylayout-static")
 * finds them there), and the host files mount("disk.img") reads, relative to the CLI's directory.
 * The model copies a file into its RAM file system only when a scenario first uses it.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { HostFiles, Userland } from "./process-bindings.js";

/** The repository's root (this file is apps/demo/src or apps/demo/dist). */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** A file under the repository's fixtures/ folder (the shipped binaries live in fixtures/elf). */
const fixturePath = (rel: string): string => resolve(REPO_ROOT, "fixtures", rel);

/** Model path -> file under fixtures/elf (see fixtures/elf/README.md for how each was built). */
export const SHIPPED_FILES: Readonly<Record<string, string>> = {
  "/bin/memorylayout-static": "elf/memorylayout-static",
  "/bin/memorylayout-staticpie": "elf/memorylayout-staticpie",
  "/bin/memorylayout-dynamic": "elf/memorylayout-dynamic",
  "/lib/ld-linux.so.2": "elf/rootfs/lib/ld-linux.so.2",
  "/lib/i386-linux-gnu/libc.so.6": "elf/rootfs/lib/i386-linux-gnu/libc.so.6",
};

/** The shipped memorylayout binaries and glibc 2.36's ld.so and libc, read on first use. */
export function shippedUserland(): Userland {
  const cache = new Map<string, Uint8Array>();
  return {
    paths: Object.keys(SHIPPED_FILES),
    read(path) {
      const rel = SHIPPED_FILES[path];
      if (rel === undefined) return null;
      let b = cache.get(path);
      if (b === undefined) {
        b = new Uint8Array(readFileSync(fixturePath(rel)));
        cache.set(path, b);
      }
      return b;
    },
  };
}

/**
 * Host files relative to `cwd`, or else to the repository's root (so a shipped lab sheet's
 * mount("fixtures/elf/memorylayout.ext2") works from any directory); the error text says why
 * one cannot be read.
 */
export function hostFiles(cwd: string): HostFiles {
  return {
    read(path) {
      let why = "No such file or directory";
      for (const full of [resolve(cwd, path), resolve(REPO_ROOT, path)]) {
        try {
          if (statSync(full).isDirectory()) return "is a directory";
          return new Uint8Array(readFileSync(full));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== "ENOENT") why = code === "EACCES" ? "Permission denied" : String((e as Error).message);
        }
      }
      return why;
    },
  };
}
