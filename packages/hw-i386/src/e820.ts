/*
 * e820.ts — the BIOS memory map (INT 15h AX=E820) the kernel reads at boot
 * (include/asm-i386/e820.h, arch/i386/kernel/setup.c: copy_e820_map, print_memory_map).
 * qemuE820(memBytes) reproduces the map QEMU's `pc` machine + SeaBIOS hands the kernel
 * (fixtures/oracle logs). Invariants of a valid map (validateE820): every entry is non-empty,
 * 1 KiB aligned like real BIOS maps (0x9fc00), of a known type, inside the 36-bit physical
 * space; entries do not overlap; the stored map is sorted by address.
 *
 *   0        0x9fc00 0xa0000   0xf0000 0x100000          top-128K  top   0xfffc0000  4 GiB  (4 GiB + rest)
 *   | RAM (usable) |EBDA| hole (VGA,ROM)|BIOS| RAM (usable) ...  |SeaBIOS|  hole  |BIOS flash| RAM above 4G
 */

import { E820Error } from "./errors.js";

/** Usable RAM. */
export const E820_RAM = 1;
/** Reserved by the firmware. */
export const E820_RESERVED = 2;
/** ACPI tables (reclaimable after parsing). */
export const E820_ACPI = 3;
/** ACPI non-volatile storage. */
export const E820_NVS = 4;
/** Most entries the kernel keeps (include/asm-i386/e820.h). */
export const E820MAX = 32;

/** One e820 entry (struct e820entry): `addr` and `size` in bytes (exact integers up to 2^53). */
export interface E820Entry {
  /** First byte of the range. */
  readonly addr: number;
  /** Length in bytes (> 0). */
  readonly size: number;
  /** E820_RAM, E820_RESERVED, E820_ACPI or E820_NVS. */
  readonly type: number;
}
/** struct e820map: the validated, sorted map a Machine carries. */
export interface E820Map {
  /** Number of entries. */
  readonly nr_map: number;
  /** The entries, sorted by address, non-overlapping. */
  readonly map: readonly E820Entry[];
}

/** Physical address limit of the modelled CPU: MAXPHYADDR = 36 bits (64 GiB). */
export const MAX_PHYS_ADDR = 2 ** 36;

/** Where QEMU's `pc` machine (gigabyte-aligned, i440fx >= 1.7) splits RAM below/above 4 GiB. */
const QEMU_LOWMEM_SPLIT = 0xc0000000;
/** QEMU relocates RAM above 4 GiB only once it reaches this much (pc_piix.c). */
const QEMU_MAX_LOWMEM = 0xe0000000;
/** SeaBIOS keeps the last 128 KiB below the top of low RAM for its tables. */
const SEABIOS_HIGH_RESERVE = 0x20000;

/**
 * The map QEMU's `pc` machine with SeaBIOS gives for `memBytes` of RAM, as in the oracle logs
 * (1 GiB → usable 0x100000-0x3ffdffff). RAM of 3.5 GiB or more is split: 3 GiB below 4 GiB and
 * the rest from 0x100000000 (QEMU's gigabyte alignment). [U: the split is QEMU's documented
 * behaviour, not shown by the oracle logs, which stop at 2 GiB.] RAM above 4 GiB is clipped at
 * the 36-bit physical limit (64 GiB), so a 64 GiB machine reports 63 GiB usable above 1 MiB.
 */
export function qemuE820(memBytes: number): E820Entry[] {
  if (!Number.isSafeInteger(memBytes) || memBytes < 2 * 1024 * 1024 || memBytes % 0x10000 !== 0) {
    throw new E820Error("qemuE820", undefined, "RAM size must be a multiple of 64 KiB and at least 2 MiB", {
      size: memBytes,
    });
  }
  const lowmem = memBytes >= QEMU_MAX_LOWMEM ? QEMU_LOWMEM_SPLIT : memBytes;
  const above4g = memBytes - lowmem;
  const map: E820Entry[] = [
    { addr: 0, size: 0x9fc00, type: E820_RAM },
    { addr: 0x9fc00, size: 0x400, type: E820_RESERVED },
    { addr: 0xf0000, size: 0x10000, type: E820_RESERVED },
    { addr: 0x100000, size: lowmem - SEABIOS_HIGH_RESERVE - 0x100000, type: E820_RAM },
    { addr: lowmem - SEABIOS_HIGH_RESERVE, size: SEABIOS_HIGH_RESERVE, type: E820_RESERVED },
    { addr: 0xfffc0000, size: 0x40000, type: E820_RESERVED },
  ];
  // RAM relocated above 4 GiB ends at the CPU's 36-bit limit: with 64 GiB installed, the 1 GiB
  // hidden under the PCI hole is lost (real QEMU refuses such a machine for a 36-bit CPU).
  const top = Math.min(2 ** 32 + above4g, MAX_PHYS_ADDR);
  if (above4g > 0) map.push({ addr: 2 ** 32, size: top - 2 ** 32, type: E820_RAM });
  return map;
}

/**
 * Check a BIOS map and return it sorted as an E820Map. Throws E820Error naming the first bad
 * entry: empty, not 1 KiB aligned, unknown type, beyond the 36-bit physical space, overlapping
 * another entry, or more than E820MAX entries. (The kernel's sanitize_e820_map would merge
 * overlaps; the model refuses them so a test's map means exactly what it says.)
 */
export function validateE820(entries: readonly E820Entry[]): E820Map {
  if (entries.length === 0) throw new E820Error("validateE820", undefined, "empty memory map");
  if (entries.length > E820MAX)
    throw new E820Error(
      "validateE820",
      undefined,
      `${entries.length} entries, more than E820MAX (${E820MAX})`,
    );
  for (const e of entries) {
    if (!Number.isSafeInteger(e.addr) || !Number.isSafeInteger(e.size) || e.addr < 0)
      throw new E820Error("validateE820", e.addr, "entry address/size is not a non-negative integer");
    if (e.size <= 0) throw new E820Error("validateE820", e.addr, `empty or negative range (size ${e.size})`);
    if (e.addr % 1024 !== 0 || e.size % 1024 !== 0)
      throw new E820Error("validateE820", e.addr, `range not 1 KiB aligned (size 0x${e.size.toString(16)})`);
    if (e.type !== E820_RAM && e.type !== E820_RESERVED && e.type !== E820_ACPI && e.type !== E820_NVS)
      throw new E820Error("validateE820", e.addr, `unknown type ${e.type}`);
    if (e.addr + e.size > MAX_PHYS_ADDR)
      throw new E820Error("validateE820", e.addr, "range ends beyond the 36-bit physical address space");
  }
  const sorted = [...entries].sort((a, b) => a.addr - b.addr).map((e) => ({ ...e }));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (cur.addr < prev.addr + prev.size)
      throw new E820Error(
        "validateE820",
        cur.addr,
        `range overlaps [0x${prev.addr.toString(16)}-0x${(prev.addr + prev.size - 1).toString(16)}]`,
      );
  }
  return { nr_map: sorted.length, map: sorted };
}

/** End (exclusive) of the highest range of any type. */
export function e820_end(map: E820Map): number {
  let end = 0;
  for (const e of map.map) end = Math.max(end, e.addr + e.size);
  return end;
}

/** Total bytes of E820_RAM. */
export function e820_ram_bytes(map: E820Map): number {
  let n = 0;
  for (const e of map.map) if (e.type === E820_RAM) n += e.size;
  return n;
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, "0");
}

/**
 * The lines arch/i386/kernel/setup.c: print_memory_map prints, 2.6.11 format:
 * `" BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)"` (end exclusive), after the caller's
 * `"BIOS-provided physical RAM map:"` header. (6.1 prints `BIOS-e820: [mem 0x...-0x...] usable`.)
 */
export function print_memory_map(map: E820Map, who = "BIOS-e820"): string[] {
  return map.map.map((e) => {
    const kind =
      e.type === E820_RAM
        ? "(usable)"
        : e.type === E820_RESERVED
          ? "(reserved)"
          : e.type === E820_ACPI
            ? "(ACPI data)"
            : e.type === E820_NVS
              ? "(ACPI NVS)"
              : `type ${e.type}`;
    return ` ${who}: ${hex16(e.addr)} - ${hex16(e.addr + e.size)} ${kind}`;
  });
}
