/*
 * The rule shared by kmap and kmap_high: both may sleep (waiting for a free pkmap slot), so
 * calling them in hard or soft interrupt context is a BUG (include/linux/kernel.h might_sleep;
 * the seed: "kmap cannot be used in interrupt context"). Internal to the package: Kmap and Pkmap
 * call it before touching any state, so a refused call changes nothing.
 */
import { in_interrupt, type Machine, type Page, smp_processor_id } from "@i386mm/hw-i386";
import { KmapError } from "./errors.js";

/** Throw KmapError naming `call` and the page when the current CPU is in interrupt context. */
export function refuseInInterrupt(machine: Machine, call: string, page: Page): void {
  if (in_interrupt(machine.cpus[smp_processor_id(machine)])) {
    throw new KmapError(
      call,
      undefined,
      `called in interrupt context for pfn 0x${page.toString(16)} (it may sleep)`,
    );
  }
}
