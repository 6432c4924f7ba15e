import { ORACLE_LOGS, oracleText } from "@i386mm/fixtures";
import { describe, expect, it } from "vitest";
import { DEFAULT_CPU_FEATURES } from "../src/cpu.js";
import { MAX_PHYS_ADDR } from "../src/e820.js";

// The modelled CPU is QEMU's qemu32 as the oracle boots saw it: /proc/cpuinfo's flags and
// address sizes, and the kernel's NX notice (fixtures/oracle/*.log).

describe.each(ORACLE_LOGS)("default CPU vs %s", (file) => {
  const log = oracleText(file);
  it("has the same paging features (pse, pae, pge; no nx, no pse36) and 36 physical address bits", () => {
    const flags = /^flags\s*:\s*(.*)$/m.exec(log)![1]!.trim().split(/\s+/);
    expect(DEFAULT_CPU_FEATURES.pse).toBe(flags.includes("pse"));
    expect(DEFAULT_CPU_FEATURES.pae).toBe(flags.includes("pae"));
    expect(DEFAULT_CPU_FEATURES.pge).toBe(flags.includes("pge"));
    expect(DEFAULT_CPU_FEATURES.nx).toBe(flags.includes("nx"));
    expect(flags.includes("pse36")).toBe(false); // bits 21:13 of a 4 MiB PDE are reserved (mmu.ts)
    expect(log).toContain("NX (Execute Disable) protection missing in CPU!");
    const bits = Number(/^address sizes\s*:\s*(\d+) bits physical/m.exec(log)![1]);
    expect(2 ** bits).toBe(MAX_PHYS_ADDR);
  });
});
