import { oracleText } from "@i386mm/fixtures";
import { describe, expect, it } from "vitest";
import { E820_RAM, qemuE820, validateE820 } from "../src/e820.js";

// The first "BIOS-e820:" block of each real boot (fixtures/oracle, 6.1's format:
// "BIOS-e820: [mem 0x<start>-0x<end inclusive>] usable|reserved").
const boots = [
  ["686-128M.log", 128 << 20],
  ["686-1024M.log", 1024 << 20],
  ["686-pae-2048M.log", 2048 * 2 ** 20],
] as const;

function oracleMap(file: string): string[] {
  const lines = oracleText(file).split("\n");
  const start = lines.findIndex((l) => l.includes("BIOS-provided physical RAM map:"));
  const out: string[] = [];
  for (let i = start + 1; i < lines.length && lines[i]!.includes("BIOS-e820:"); i++)
    out.push(lines[i]!.replace(/^.*BIOS-e820: /, "").trimEnd());
  return out;
}

const hex16 = (n: number) => `0x${n.toString(16).padStart(16, "0")}`;

describe("qemuE820 against the oracle boots", () => {
  it.each(boots)("%s: every range and type matches", (file, mem) => {
    const ours = validateE820(qemuE820(mem)).map.map(
      (e) =>
        `[mem ${hex16(e.addr)}-${hex16(e.addr + e.size - 1)}] ${e.type === E820_RAM ? "usable" : "reserved"}`,
    );
    const want = oracleMap(file);
    expect(want.length).toBeGreaterThan(0);
    expect(ours).toEqual(want);
  });
});
