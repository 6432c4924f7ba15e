/*
 * e820-text.ts — a BIOS memory map read from text, for `--e820 FILE`: the lines a real kernel
 * printed at boot, pasted from dmesg. Two formats are accepted, with or without dmesg's
 * `[    0.000000] ` time stamp: 6.1's (arch/x86/kernel/e820.c e820__print_table)
 *   BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable          (inclusive end)
 * and 2.6.11's (arch/i386/kernel/setup.c print_memory_map)
 *    BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)              (exclusive end)
 * Other lines are ignored, so a whole boot log can be given; the first block of BIOS-e820
 * lines is the map (a log that repeats its dmesg repeats the block). Types: usable, reserved,
 * ACPI data, ACPI NVS (E820_RAM .. E820_NVS). Invariant: parsing never boots anything; a line that
 * looks like an e820 line but cannot be read is an error naming its line number.
 */

import { E820_ACPI, E820_NVS, E820_RAM, E820_RESERVED, type E820Entry } from "@i386mm/hw-i386";

const TYPES: Readonly<Record<string, number>> = {
  usable: E820_RAM,
  reserved: E820_RESERVED,
  "ACPI data": E820_ACPI,
  "ACPI NVS": E820_NVS,
};

/** A line that mentions BIOS-e820 but is not a map entry we can read. */
export class E820TextError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "E820TextError";
  }
}

/**
 * Read the `BIOS-e820:` lines of `text` (6.1 or 2.6.11 format) into e820 entries, in the order
 * given. Throws {@link E820TextError} for an unreadable BIOS-e820 line or when there is none.
 */
export function parseE820Text(text: string): E820Entry[] {
  const out: E820Entry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/^\[\s*\d+\.\d+\]\s*/, "").trim();
    if (/physical RAM map/.test(line)) continue;
    if (!line.startsWith("BIOS-e820:")) {
      // The map is one block of lines; a log that repeats its dmesg repeats the block.
      if (out.length) break;
      continue;
    }
    const modern = /^BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] (.+)$/i.exec(line);
    const old = /^BIOS-e820: ([0-9a-f]{8,16}) - ([0-9a-f]{8,16}) \((.+)\)$/i.exec(line);
    const m = modern ?? old;
    if (!m) throw new E820TextError(i + 1, `not a BIOS-e820 map line: '${line}'`);
    const start = Number.parseInt(m[1]!, 16);
    const end = Number.parseInt(m[2]!, 16) + (modern ? 1 : 0);
    const type = TYPES[m[3]!.trim()];
    if (type === undefined)
      throw new E820TextError(
        i + 1,
        `unsupported e820 type '${m[3]}' (usable, reserved, ACPI data, ACPI NVS)`,
      );
    if (!Number.isSafeInteger(end) || end <= start)
      throw new E820TextError(i + 1, `empty or reversed range in '${line}'`);
    out.push({ addr: start, size: end - start, type });
  }
  if (out.length === 0) throw new E820TextError(lines.length, "no BIOS-e820 lines found");
  return out;
}
