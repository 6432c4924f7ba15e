/* ext2 test set-up: images from the committed fixture, or built with mke2fs at test time. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { ByteArrayBackend } from "../src/block-dev.js";
import { IS_ERR } from "../src/err.js";
import type { BlockBackend } from "../src/fs.js";
import { findTool } from "./fixtures/make-image.mjs";
import { type BootOpts, boot } from "./helpers.js";

/** The committed 1 MiB, 1 KiB-block image (test/fixtures/small-1k.img; see test/fixtures/README.md). */
export function smallImageBytes(): Uint8Array {
  return new Uint8Array(readFileSync(new URL("./fixtures/small-1k.img", import.meta.url)));
}

/** mke2fs, e2fsck and debugfs when installed (e2fsprogs), else null. */
export const tools = {
  mke2fs: findTool("mke2fs"),
  e2fsck: findTool("e2fsck"),
  debugfs: findTool("debugfs"),
};

/** `e2fsck -fn img`: exit status and output (0 = clean). */
export function e2fsck(img: string): { status: number; out: string } {
  try {
    const out = execFileSync(tools.e2fsck as string, ["-fn", img], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, out: `${err.stdout}${err.stderr}` };
  }
}

/** `debugfs -R "cat PATH" img`: the file's bytes as e2fsprogs reads them. */
export function debugfsCat(img: string, path: string): Uint8Array {
  return new Uint8Array(
    execFileSync(tools.debugfs as string, ["-R", `cat ${path}`, img], {
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 1 << 28,
    }),
  );
}

/** Boot a machine, add `backend` as hda and mount it on /mnt (flags e.g. MS_RDONLY). */
export function mountDisk(backend: BlockBackend, flags = 0, opts: BootOpts = {}) {
  const env = boot({ memBytes: opts.memBytes ?? 128 * 1024 * 1024, ...opts });
  const { pc } = env;
  const disk = pc.add_disk("hda", backend);
  if (IS_ERR(disk)) throw new Error(`add_disk ${disk}`);
  pc.sys_mkdir("/mnt");
  const err = pc.sys_mount("/dev/hda", "/mnt", "ext2", flags);
  return { ...env, disk, err };
}

/** mountDisk over a copy of the image bytes (a ByteArrayBackend). */
export function mountBytes(bytes: Uint8Array, flags = 0, opts: BootOpts = {}) {
  const backend = new ByteArrayBackend(bytes.slice());
  return { ...mountDisk(backend, flags, opts), backend };
}
