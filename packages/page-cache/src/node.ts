/*
 * node.ts — `@i386mm/page-cache/node`: a disk backed by a real image file on the host, with
 * positioned reads and writes and fsync on flush (what `sync` ends with). Node-only (node:fs), so
 * it lives outside the main entry, which must load in a browser.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { BlockBackendError } from "./base.js";
import type { BlockBackend } from "./fs.js";

/** Options of {@link FileBackend}. */
export interface FileBackendOptions {
  /** Open the image read-only (O_RDONLY): the disk refuses writes. */
  readOnly?: boolean;
}

/** A disk image file as a BlockBackend (size rounded down to whole 512-byte sectors). */
export class FileBackend implements BlockBackend {
  readonly path: string;
  readonly size: number;
  readonly readOnly: boolean;
  #fd: number;

  /** Open `path` (read-write unless opts.readOnly). */
  constructor(path: string, opts: FileBackendOptions = {}) {
    this.path = path;
    this.readOnly = opts.readOnly ?? false;
    this.#fd = openSync(path, this.readOnly ? "r" : "r+");
    const st = fstatSync(this.#fd);
    this.size = st.size - (st.size % 512);
  }

  /** pread: exactly dst.length bytes at pos. */
  read(pos: number, dst: Uint8Array): void {
    let done = 0;
    while (done < dst.length) {
      const n = readSync(this.#fd, dst, done, dst.length - done, pos + done);
      if (n <= 0) throw new BlockBackendError(`${this.path}: short read at ${pos + done}`);
      done += n;
    }
  }

  /** pwrite: all of src at pos. */
  write(pos: number, src: Uint8Array): void {
    if (this.readOnly) throw new BlockBackendError(`${this.path}: opened read-only`);
    let done = 0;
    while (done < src.length) done += writeSync(this.#fd, src, done, src.length - done, pos + done);
  }

  /** fsync. */
  flush(): void {
    if (!this.readOnly) fsyncSync(this.#fd);
  }

  /** Close the file (the disk must not be used afterwards). */
  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}
