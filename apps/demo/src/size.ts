/*
 * size.ts — memory sizes on the command line, as QEMU's `-m` reads them.
 * `128M`, `1G`, `1024K`, `2GiB`, `512MB` and a bare number (MiB, like `qemu -m 4096`).
 * Invariants: a parsed size is an exact integer number of bytes; anything else (`12X`, `1.5G`,
 * `-1M`, empty) is a usage error (exit code 2), and so is a size the modelled PC cannot have:
 * below MIN_MEM, above the 36-bit physical address space, or not a multiple of 64 KiB
 * (QEMU's RAM granularity, hw-i386 qemuE820).
 */

import { ConfigError } from "@i386mm/hw-i386";
import { parseMemSize } from "@i386mm/kernel";
import { UsageError } from "./usage-error.js";

/** Smallest machine the demo boots: 16 MiB (the DMA zone plus a little Normal memory). */
export const MIN_MEM = 16 << 20;
/** Largest: 64 GiB, the 36-bit physical address space of a PAE CPU (MAXPHYADDR = 36). */
export const MAX_MEM = 2 ** 36;

/** The syntax alone (@i386mm/kernel's parseMemSize): `128M`, `1G`, `1024K`, `4096` (MiB) -> bytes. Throws UsageError if malformed. */
export function parseSizeText(text: string, flag = "--mem"): number {
  try {
    return parseMemSize(text);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${flag}: ${e.detail}`);
    throw e;
  }
}

/**
 * Parse a machine's RAM size such as `128M`, `1G`, `65536K`, `4096` (MiB) into bytes.
 * Throws {@link UsageError} for malformed text or a size the hardware cannot have.
 */
export function parseSize(text: string, flag = "--mem"): number {
  const n = parseSizeText(text, flag);
  if (n < MIN_MEM)
    throw new UsageError(`${flag}: ${text} is less than the smallest machine (${formatSize(MIN_MEM)})`);
  if (n > MAX_MEM)
    throw new UsageError(
      `${flag}: ${text} is more than a 36-bit physical address space holds (${formatSize(MAX_MEM)})`,
    );
  if (n % 0x10000 !== 0)
    throw new UsageError(`${flag}: ${text} is not a multiple of 64K (QEMU's RAM granularity)`);
  return n;
}

/** Bytes as the shortest exact `K`/`M`/`G` form: 1073741824 -> "1G", 1536 MiB -> "1536M". */
export function formatSize(bytes: number): string {
  for (const [u, k] of [
    ["G", 2 ** 30],
    ["M", 2 ** 20],
    ["K", 2 ** 10],
  ] as const) {
    if (bytes >= k && bytes % k === 0) return `${bytes / k}${u}`;
  }
  return `${bytes}`;
}
