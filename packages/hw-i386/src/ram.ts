/*
 * ram.ts — physical RAM of the simulated PC, backed lazily per 4 KiB frame.
 * Models the memory bus: what exists is every range of the e820 map (RAM, ROM/reserved, ACPI);
 * anything else (the 640 KiB-1 MiB VGA/ROM hole, the PCI hole, beyond the top) raises a
 * MachineCheckError instead of returning a value. Little-endian, like the CPU.
 * Invariants: a frame that was never written (or was zeroFrame'd) has no host backing and
 * reads as zeros; host memory grows only with frames written. The frame table is two-level
 * (2 MiB chunks of 512 frames); its directory reaches only as far as the highest chunk ever
 * written (grown by doubling), so it costs nothing per installed frame: a fresh 64 GiB machine
 * has an empty one. What exists is kept as the few maximal spans of adjacent e820 ranges.
 *
 *   pa ─► pfn = pa / 4096 ─► dir[pfn >>> 9] (Int32Array, 0 or past its end = never written) ─► chunk[pfn & 511] ─► frame | zeros
 */

import type { E820Map } from "./e820.js";
import { MachineCheckError } from "./errors.js";
import { PAGE_SIZE } from "./page.js";
import type { Pfn, PhysAddr } from "./types.js";

const FRAME_SIZE = PAGE_SIZE;
const CHUNK_FRAMES_SHIFT = 9;
const CHUNK_FRAMES = 1 << CHUNK_FRAMES_SHIFT;
const CHUNK_BYTES = CHUNK_FRAMES * FRAME_SIZE;

/** Entries of a chunk directory's first allocation (grown by doubling from there). */
const DIR_INITIAL = 64;

/** The physical memory bus of one Machine. */
export class PhysicalMemory {
  /** Bytes of RAM installed (the machine's memBytes). */
  readonly size: number;
  /** End (exclusive) of the highest physical range that exists. */
  readonly limit: number;
  /** Frames that currently have host backing (written at least once). */
  framesBacked = 0;
  // The bus as maximal spans of adjacent or overlapping e820 ranges, sorted: [spanStart[i], spanEnd[i]).
  readonly #spanStart: number[];
  readonly #spanEnd: number[];
  // The span the last check found: the fast paths test this one first (accesses cluster in a span).
  #hitStart = 0;
  #hitEnd = 0;
  /** Number of 2 MiB chunks up to `limit` (the most the directory can grow to). */
  readonly #nChunks: number;
  // Chunk directory: dir[chunk] = 1-based index into the dense, push-only chunk lists (0 = no
  // frame of the chunk was ever written; so is every chunk past its end). Grown by doubling up to
  // the highest chunk written, so its host cost follows the memory written, not the memory
  // installed; a typed directory keeps lookups fast however sparse the written chunks are.
  #dir = new Int32Array(0);
  readonly #w32: (Uint32Array | undefined)[][] = [[]];
  readonly #b8: (Uint8Array | undefined)[][] = [[]];
  readonly #zeroWords = new Uint32Array(FRAME_SIZE / 4);

  /** `size` = installed RAM; `map` = the ranges that exist on the bus (every e820 entry). */
  constructor(size: number, map: E820Map) {
    this.size = size;
    const ranges = map.map
      .filter((e) => e.size > 0)
      .map((e) => [e.addr, e.addr + e.size] as const)
      .sort((a, b) => a[0] - b[0]);
    this.#spanStart = [];
    this.#spanEnd = [];
    for (const [s, e] of ranges) {
      const last = this.#spanEnd.length - 1;
      if (last >= 0 && s <= this.#spanEnd[last]!) this.#spanEnd[last] = Math.max(this.#spanEnd[last]!, e);
      else {
        this.#spanStart.push(s);
        this.#spanEnd.push(e);
      }
    }
    this.limit = Math.max(0, ...this.#spanEnd);
    this.#nChunks = Math.ceil(this.limit / CHUNK_BYTES);
  }

  /** True when every byte of [pa, pa+len) exists on the bus. */
  exists(pa: number, len = 1): boolean {
    if (pa < 0 || len < 0 || pa + len > this.limit || !Number.isSafeInteger(pa)) return false;
    if (len === 0) return true;
    const end = pa + len;
    if (pa >= this.#hitStart && end <= this.#hitEnd) return true;
    // The (few, sorted) spans: an access may cross adjacent e820 ranges, never a hole.
    for (let i = 0; i < this.#spanStart.length; i++) {
      const s = this.#spanStart[i]!;
      const e = this.#spanEnd[i]!;
      if (s <= pa && end <= e) {
        this.#hitStart = s;
        this.#hitEnd = e;
        return true;
      }
    }
    return false;
  }

  #check(call: string, pa: number, len: number): void {
    if (!this.exists(pa, len))
      throw new MachineCheckError(
        `PhysicalMemory.${call}`,
        pa,
        `${len}-byte physical access beyond RAM or into a memory-map hole`,
      );
  }

  /** The chunk's index in the chunk lists, 0 when no frame of it was ever written. */
  #chunkIndex(c: number): number {
    const dir = this.#dir;
    return c < dir.length ? dir[c]! : 0;
  }
  /** The frame's words, or undefined when never written. */
  #frame32(pfn: number): Uint32Array | undefined {
    const ci = this.#chunkIndex(pfn >>> CHUNK_FRAMES_SHIFT);
    return ci === 0 ? undefined : this.#w32[ci]![pfn & (CHUNK_FRAMES - 1)];
  }
  #frame8(pfn: number): Uint8Array | undefined {
    const ci = this.#chunkIndex(pfn >>> CHUNK_FRAMES_SHIFT);
    return ci === 0 ? undefined : this.#b8[ci]![pfn & (CHUNK_FRAMES - 1)];
  }
  /** Back a frame on first write. */
  #back(pfn: number): Uint8Array {
    const c = pfn >>> CHUNK_FRAMES_SHIFT;
    let ci = this.#chunkIndex(c);
    if (ci === 0) {
      if (c >= this.#dir.length) {
        const grown = new Int32Array(
          Math.min(this.#nChunks, Math.max(c + 1, 2 * this.#dir.length, DIR_INITIAL)),
        );
        grown.set(this.#dir);
        this.#dir = grown;
      }
      ci = this.#b8.length;
      this.#b8.push(new Array<Uint8Array | undefined>(CHUNK_FRAMES).fill(undefined));
      this.#w32.push(new Array<Uint32Array | undefined>(CHUNK_FRAMES).fill(undefined));
      this.#dir[c] = ci;
    }
    const chunk8 = this.#b8[ci]!;
    const chunk32 = this.#w32[ci]!;
    const i = pfn & (CHUNK_FRAMES - 1);
    let f = chunk8[i];
    if (f === undefined) {
      const buf = new ArrayBuffer(FRAME_SIZE);
      f = new Uint8Array(buf);
      chunk8[i] = f;
      chunk32[i] = new Uint32Array(buf);
      this.framesBacked++;
    }
    return f;
  }

  /** Read one byte. */
  read8(pa: number): number {
    this.#check("read8", pa, 1);
    const pfn = Math.floor(pa / FRAME_SIZE);
    const f = this.#frame8(pfn);
    return f === undefined ? 0 : f[pa - pfn * FRAME_SIZE]!;
  }
  /** Read a little-endian 16-bit value (may be unaligned). */
  read16(pa: number): number {
    return this.read8(pa) | (this.read8(pa + 1) << 8);
  }
  /** Read a little-endian 32-bit value as an unsigned number. Aligned reads take the fast path. */
  read32(pa: number): number {
    if ((pa & 3) === 0 && pa >= 0) {
      if (pa < this.#hitStart || pa + 4 > this.#hitEnd) this.#check("read32", pa, 4);
      const pfn = Math.floor(pa / FRAME_SIZE);
      const ci = this.#chunkIndex(pfn >>> CHUNK_FRAMES_SHIFT);
      if (ci === 0) return 0;
      const f = this.#w32[ci]![pfn & (CHUNK_FRAMES - 1)];
      return f === undefined ? 0 : f[(pa - pfn * FRAME_SIZE) >>> 2]!;
    }
    this.#check("read32", pa, 4);
    return (
      (this.read8(pa) |
        (this.read8(pa + 1) << 8) |
        (this.read8(pa + 2) << 16) |
        (this.read8(pa + 3) << 24)) >>>
      0
    );
  }
  /**
   * The 32-bit words of the frame holding `pa` (after checking that the 8 bytes at `pa` exist),
   * for readers that take several words from one table (the MMU walk). An unbacked frame gives a
   * shared all-zero array: read it, never write it.
   */
  frameWords(pa: number): Uint32Array {
    if (!(pa >= this.#hitStart && pa + 8 <= this.#hitEnd)) this.#check("read", pa, 8);
    const pfn = Math.floor(pa / FRAME_SIZE);
    const ci = this.#chunkIndex(pfn >>> CHUNK_FRAMES_SHIFT);
    if (ci === 0) return this.#zeroWords;
    return this.#w32[ci]![pfn & (CHUNK_FRAMES - 1)] ?? this.#zeroWords;
  }
  /** Read a little-endian 64-bit value. */
  read64(pa: number): bigint {
    this.#check("read64", pa, 8);
    return (BigInt(this.read32(pa + 4)) << 32n) | BigInt(this.read32(pa));
  }
  /** Write one byte (value truncated to 8 bits). */
  write8(pa: number, v: number): void {
    this.#check("write8", pa, 1);
    const pfn = Math.floor(pa / FRAME_SIZE);
    this.#back(pfn)[pa - pfn * FRAME_SIZE] = v;
  }
  /** Write a little-endian 16-bit value. */
  write16(pa: number, v: number): void {
    this.#check("write16", pa, 2);
    this.write8(pa, v & 0xff);
    this.write8(pa + 1, (v >>> 8) & 0xff);
  }
  /** Write a little-endian 32-bit value (truncated to 32 bits). */
  write32(pa: number, v: number): void {
    if ((pa & 3) === 0 && pa >= 0) {
      if (pa < this.#hitStart || pa + 4 > this.#hitEnd) this.#check("write32", pa, 4);
      const pfn = Math.floor(pa / FRAME_SIZE);
      let f = this.#frame32(pfn);
      if (f === undefined) {
        this.#back(pfn);
        f = this.#frame32(pfn)!;
      }
      f[(pa - pfn * FRAME_SIZE) >>> 2] = v;
      return;
    }
    this.#check("write32", pa, 4);
    for (let i = 0; i < 4; i++) this.write8(pa + i, (v >>> (8 * i)) & 0xff);
  }
  /** Write a little-endian 64-bit value. */
  write64(pa: number, v: bigint): void {
    this.#check("write64", pa, 8);
    const u = BigInt.asUintN(64, v);
    this.write32(pa, Number(u & 0xffffffffn));
    this.write32(pa + 4, Number(u >> 32n));
  }
  /** Copy `len` bytes out of RAM. */
  readBytes(pa: number, len: number): Uint8Array {
    this.#check("readBytes", pa, len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const pfn = Math.floor(a / FRAME_SIZE);
      const off = a - pfn * FRAME_SIZE;
      const n = Math.min(FRAME_SIZE - off, len - done);
      const f = this.#frame8(pfn);
      if (f !== undefined) out.set(f.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }
  /** Copy bytes into RAM. */
  writeBytes(pa: number, bytes: Uint8Array): void {
    this.#check("writeBytes", pa, bytes.length);
    let done = 0;
    while (done < bytes.length) {
      const a = pa + done;
      const pfn = Math.floor(a / FRAME_SIZE);
      const off = a - pfn * FRAME_SIZE;
      const n = Math.min(FRAME_SIZE - off, bytes.length - done);
      this.#back(pfn).set(bytes.subarray(done, done + n), off);
      done += n;
    }
  }
  /** memset: `len` bytes at `pa` set to `byte`. Filling whole unbacked frames with 0 allocates nothing. */
  fill(pa: number, len: number, byte: number): void {
    this.#check("fill", pa, len);
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const pfn = Math.floor(a / FRAME_SIZE);
      const off = a - pfn * FRAME_SIZE;
      const n = Math.min(FRAME_SIZE - off, len - done);
      if ((byte & 0xff) === 0 && n === FRAME_SIZE) this.#release(pfn);
      else if ((byte & 0xff) !== 0 || this.#frame8(pfn) !== undefined)
        this.#back(pfn).fill(byte, off, off + n);
      done += n;
    }
  }
  /** clear_page: zero one frame (drops its host backing). */
  zeroFrame(pfn: Pfn): void {
    this.#check("zeroFrame", pfn * FRAME_SIZE, FRAME_SIZE);
    this.#release(pfn);
  }
  /** copy_page: copy frame `src` to frame `dst`. */
  copyFrame(dst: Pfn, src: Pfn): void {
    this.#check("copyFrame", src * FRAME_SIZE, FRAME_SIZE);
    this.#check("copyFrame", dst * FRAME_SIZE, FRAME_SIZE);
    const s = this.#frame8(src);
    if (s === undefined) this.#release(dst);
    else if (dst !== src) this.#back(dst).set(s);
  }
  /** Count backed frames by scanning the frame table (for invariant checks). */
  countBackedFrames(): number {
    let n = 0;
    for (const chunk of this.#b8) for (const f of chunk) if (f !== undefined) n++;
    return n;
  }
  /** True when the frame has host backing (has been written and not zeroed since). */
  isBacked(pfn: Pfn): boolean {
    return this.#frame8(pfn) !== undefined;
  }
  /** Physical address of a byte: `pfn * 4096 + off`, for callers holding a pfn. */
  static frameAddr(pfn: Pfn, off = 0): PhysAddr {
    return (pfn * FRAME_SIZE + off) as PhysAddr;
  }
  #release(pfn: number): void {
    const c = pfn >>> CHUNK_FRAMES_SHIFT;
    const i = pfn & (CHUNK_FRAMES - 1);
    const ci = this.#chunkIndex(c);
    if (ci === 0 || this.#b8[ci]![i] === undefined) return;
    this.#b8[ci]![i] = undefined;
    this.#w32[ci]![i] = undefined;
    this.framesBacked--;
  }
}
