/*
 * size.ts — RAM sizes as QEMU's `-m` reads them: `128M`, `1G`, `65536K`, `2GiB`, `512MB`, and a
 * bare number of MiB (`4096`, like `qemu -m 4096`).
 * Invariant: a parsed size is an exact integer number of bytes; anything else (`12X`, `1.5G`,
 * `-1M`, empty) is a ConfigError. Whether a PC can have that much RAM is the Machine's check.
 */
import { ConfigError } from "@i386mm/hw-i386";

const UNITS: Readonly<Record<string, number>> = {
  "": 2 ** 20,
  K: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30,
  T: 2 ** 40,
};

/** `"128M"`, `"1G"`, `"1024K"`, `"4096"` (MiB) -> bytes. Throws ConfigError for anything else. */
export function parseMemSize(text: string): number {
  const m = /^(\d+)([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!m)
    throw new ConfigError("mem", `malformed size '${text}' (use e.g. 128M, 1G, 1024K or a number of MiB)`);
  const n = Number(m[1]) * (UNITS[(m[2] ?? "").toUpperCase()] ?? 0);
  if (!Number.isSafeInteger(n)) throw new ConfigError("mem", `size '${text}' is too large`);
  return n;
}
