/*
 * machine.ts — the simulated PC: one physical RAM shared by 1..NR_CPUS processors, the e820
 * map the BIOS reports, the paging mode the kernel was built for, and the kernel log.
 * CPUs start as head.S leaves them: protected mode with paging and CR0.WP on, CR4.PAE set for
 * a PAE kernel, EFER.NXE set when the CPU has NX; CR4.PSE/PGE and the real CR3 are set later
 * by the page allocator's pagetable_init. Everything a Machine owns hangs off it: two Machines
 * never share state. `current` is the CPU the simulated kernel path runs on.
 */

import {
  Cpu,
  type CpuFeatures,
  CR0_AFTER_HEAD_S,
  DEFAULT_CPU_FEATURES,
  EFER_NX,
  PREEMPT_MASK,
  X86_CR4_PAE,
  X86_CR4_PGE,
  X86_CR4_PSE,
} from "./cpu.js";
import { type E820Entry, type E820Map, qemuE820, validateE820 } from "./e820.js";
import { ConfigError, InvariantError, KernelHangError, KernelPanicError } from "./errors.js";
import { NR_CPUS } from "./layout.js";
import { PAGE_SIZE } from "./page.js";
import { PAGING_2LEVEL, PAGING_PAE, type PagingMode } from "./paging.js";
import { PhysicalMemory } from "./ram.js";

/** Options of {@link Machine}. */
export interface MachineOptions {
  /**
   * Installed RAM in bytes: 4 MiB .. 64 GiB (the CPU's 36-bit physical space), a multiple of 64
   * KiB. A non-PAE kernel boots on more than 4 GiB too and uses the first 4 GiB (2.6.11's
   * find_max_low_pfn: "Warning only 4GB will be used.").
   */
  memBytes: number;
  /** Build for PAE 3-level paging (CONFIG_X86_PAE / HIGHMEM64G). Default false. */
  pae?: boolean;
  /** Number of CPUs, 1..NR_CPUS. Default 1. */
  cpus?: number;
  /** A custom BIOS map instead of qemuE820(memBytes); validated. */
  e820?: E820Entry[];
  /** CPUID overrides on top of qemu32's (pse, pae, pge, invlpg; no nx). */
  features?: Partial<CpuFeatures>;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** The simulated PC. */
export class Machine {
  /** Physical RAM, shared by every CPU. */
  readonly ram: PhysicalMemory;
  /** The processors; cpus[i].id === i. */
  readonly cpus: Cpu[];
  /** The validated BIOS memory map. */
  readonly e820: E820Map;
  /** Kernel built for PAE. */
  readonly pae: boolean;
  /** Entry format and index split of the kernel's page tables. */
  readonly paging: PagingMode;
  /** The kernel's nx_enabled: PAE and a CPU with NX (so _PAGE_NX is usable). */
  readonly nx_enabled: boolean;
  /** CPUID features of every CPU. */
  readonly features: Readonly<CpuFeatures>;
  /** Index of the CPU the simulated kernel path runs on. */
  current = 0;
  /** printk output, one line per entry. */
  readonly dmesg: string[] = [];
  /** WARN_ON output (also in dmesg). */
  readonly warnings: string[] = [];
  /**
   * The model's own checks (ModelCheckError) where 2.6.11 checks nothing: on by default; off,
   * the layers do what 2.6.11 does and the corruption is left for the invariant checks to find.
   */
  modelChecks = true;
  /** Set when the machine stopped (panic, or a loop 2.6.11 never leaves); null while it runs. */
  halted: { readonly kind: "panic" | "hang"; readonly call: string; readonly message: string } | null = null;

  constructor(opts: MachineOptions) {
    const pae = opts.pae ?? false;
    const ncpu = opts.cpus ?? 1;
    const features: CpuFeatures = { ...DEFAULT_CPU_FEATURES, ...opts.features };
    // The hardware does not depend on the kernel's paging mode: RAM up to the 36-bit physical
    // space either way (a non-PAE kernel ignores what lies above 4 GiB).
    const max = 64 * GiB;
    if (!Number.isSafeInteger(opts.memBytes) || opts.memBytes < 4 * MiB || opts.memBytes > max)
      throw new ConfigError("Machine", `memBytes ${opts.memBytes} outside 4 MiB..64 GiB`);
    if (opts.memBytes % 0x10000 !== 0)
      throw new ConfigError("Machine", "memBytes must be a multiple of 64 KiB");
    if (!Number.isInteger(ncpu) || ncpu < 1 || ncpu > NR_CPUS)
      throw new ConfigError("Machine", `cpus ${ncpu} outside 1..NR_CPUS (${NR_CPUS})`);
    if (pae && !features.pae)
      throw new ConfigError("Machine", "a PAE kernel needs a CPU with PAE (mem_init would panic)");
    this.pae = pae;
    this.features = Object.freeze(features);
    this.paging = pae ? PAGING_PAE : PAGING_2LEVEL;
    this.nx_enabled = pae && features.nx;
    this.e820 = validateE820(opts.e820 ?? qemuE820(opts.memBytes));
    this.ram = new PhysicalMemory(opts.memBytes, this.e820);
    this.cpus = [];
    for (let i = 0; i < ncpu; i++) {
      const cpu = new Cpu(i, this.ram, this.features);
      cpu.initRegisters(CR0_AFTER_HEAD_S, pae ? X86_CR4_PAE : 0, this.nx_enabled ? EFER_NX : 0);
      this.cpus.push(cpu);
    }
  }

  /** Run the following kernel path on CPU `n`. */
  setCurrentCpu(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.cpus.length)
      throw new ConfigError("setCurrentCpu", `no CPU ${n} (machine has ${this.cpus.length})`);
    this.current = n;
  }

  /** The CPU the kernel path runs on. */
  get cpu(): Cpu {
    return this.cpus[this.current]!;
  }

  /** printk: append one line to dmesg. */
  printk(s: string): void {
    this.dmesg.push(s);
  }

  /** WARN_ON: append to warnings and dmesg. */
  warn(s: string): void {
    this.warnings.push(s);
    this.dmesg.push(s);
  }

  /**
   * panic(message) (kernel/panic.c): print "Kernel panic - not syncing: <message>", stop the
   * machine (halted) and throw KernelPanicError from the calling kernel function `call`.
   */
  panic(call: string, message: string): never {
    this.printk(`Kernel panic - not syncing: ${message}`);
    this.halted = { kind: "panic", call, message };
    throw new KernelPanicError(call, undefined, message);
  }

  /**
   * Stop the machine where 2.6.11 would loop forever (`call` names the loop, `why` what it waits
   * for): the model cannot wait for an event nobody will cause. Throws KernelHangError.
   */
  hang(call: string, why: string): never {
    this.halted = { kind: "hang", call, message: why };
    throw new KernelHangError(call, undefined, `the kernel would loop here forever: ${why}`);
  }
}

/** smp_processor_id(): the CPU the current kernel path runs on. */
export function smp_processor_id(machine: Machine): number {
  return machine.current;
}

/**
 * Check the hardware invariants: CPU ids and the current CPU, CR4.PAE matching the kernel's
 * mode, CR3 alignment, preempt counts, each TLB's bookkeeping, and the RAM's backed-frame count.
 * Scans every TLB (4 MiB each): meant for tests, not hot loops.
 */
export function checkMachineInvariants(machine: Machine): void {
  const problems: string[] = [];
  machine.cpus.forEach((c, i) => {
    if (c.id !== i) problems.push(`cpus[${i}] has id ${c.id}`);
    if (c.paeMode !== machine.pae) problems.push(`CPU ${i}: CR4.PAE does not match the kernel's paging mode`);
    if (c.cr3 % (machine.pae ? 32 : PAGE_SIZE) !== 0)
      problems.push(
        `CPU ${i}: CR3 0x${c.cr3.toString(16)} is not ${machine.pae ? "32-byte" : "page"} aligned`,
      );
    if (c.preempt_count < 0) problems.push(`CPU ${i}: preempt_count is negative`);
    if ((c.preempt_count & PREEMPT_MASK) === PREEMPT_MASK) problems.push(`CPU ${i}: preempt count saturated`);
    problems.push(
      ...c.tlb.problems(i, (c.cr4 & X86_CR4_PGE) !== 0, c.paeMode || (c.cr4 & X86_CR4_PSE) !== 0),
    );
  });
  const backed = machine.ram.countBackedFrames();
  if (backed !== machine.ram.framesBacked)
    problems.push(`RAM counts ${machine.ram.framesBacked} backed frames but holds ${backed}`);
  if (machine.current < 0 || machine.current >= machine.cpus.length)
    problems.push(`current CPU ${machine.current} does not exist`);
  if (problems.length > 0) throw new InvariantError(problems);
}
