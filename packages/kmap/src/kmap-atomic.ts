/*
 * Temporary kernel mappings: arch/i386/mm/highmem.c (kmap_atomic, kunmap_atomic,
 * kmap_atomic_to_page) and arch/i386/mm/init.c (kmap_init: kmap_pte, kmap_prot).
 * Slot of (type, cpu) is fixmap index FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu; its PTE is
 * kmap_pte - idx (higher index = lower address = the entry before it in the same page table).
 * kmap_atomic always raises the CPU's preempt_count (even for lowmem pages: do_page_fault checks
 * in_atomic) and kunmap_atomic lowers it; the model counts the pairs per CPU and BUGs on an
 * unmatched kunmap_atomic. Without CONFIG_DEBUG_HIGHMEM (the profile) kunmap_atomic leaves the
 * PTE in place and a reused slot is silently overwritten; with the `debug_highmem` option
 * kmap_atomic BUGs on a slot whose PTE is still set and kunmap_atomic checks and clears it.
 */
import {
  __fix_to_virt,
  __flush_tlb_one,
  asPfn,
  asVirt,
  type Cpu,
  FIX_KMAP_BEGIN,
  FIX_KMAP_END,
  FIXADDR_START,
  KM_TYPE_NR,
  lookupPte,
  type Machine,
  ModelCheckError,
  mk_pte,
  NR_CPUS,
  PAGE_MASK,
  PAGE_OFFSET,
  type Page,
  type PhysAddr,
  preempt_disable,
  preempt_enable,
  pte_none,
  pte_pfn,
  smp_processor_id,
  type VirtAddr,
} from "@i386mm/hw-i386";
import type { PageAllocator } from "@i386mm/page-alloc";
import { KmapError } from "./errors.js";
import { virt_to_fix } from "./fixmap.js";
import { type km_type, km_type_names } from "./kmap-types.js";

/*
 * The kmap_atomic window inside the fixmap (default profile: KM_TYPE_NR 13, NR_CPUS 8):
 *
 *   fix index   11          12          ...  23          24 ...   114
 *   address     0xffff4000  0xffff3000  ...  0xfffe8000  ...      0xfff8d000
 *               cpu0 type0  cpu0 type1  ...  cpu0 t12    cpu1 t0  cpu7 t12
 *   pte         kmap_pte    kmap_pte-1  ...  kmap_pte-12 ...      kmap_pte-103
 *
 *   e.g. KM_USER0 (3) on CPU 0 -> idx 3 -> fix 14 -> 0xffff1000; on CPU 1 -> idx 16 -> 0xfffe4000
 */

/** The per-CPU kmap_atomic slots of one machine. */
export class KmapAtomic {
  /** Model CONFIG_DEBUG_HIGHMEM's checks: BUG on a slot still mapped, clear the PTE on kunmap_atomic. */
  readonly debug_highmem: boolean;
  /** Physical address of the page table holding the kmap_atomic PTEs. */
  readonly kmap_pte_table: PhysAddr;
  /** kmap_pte: entry index (in that table) of FIX_KMAP_BEGIN's PTE; slot idx uses kmap_pte - idx. */
  readonly kmap_pte: number;
  /**
   * Slot usage, indexed by idx = type + KM_TYPE_NR * cpu: pfn + 1 of the high page a kmap_atomic
   * mapped there and no kunmap_atomic has released yet, 0 when the slot is not in use.
   */
  readonly km_slot_page: Int32Array;
  /** Per CPU: kmap_atomic calls (lowmem ones included) not yet matched by kunmap_atomic. */
  readonly km_depth: Int32Array;
  /**
   * Per CPU: the later kernels' kmap_atomic_idx, the depth of the stack of slots the one-argument
   * kmap_atomic(page) takes (slot type = depth before the push); kunmap_atomic(addr) pops it.
   */
  readonly km_stack: Int32Array;
  /** Per slot idx: 1 while the one-argument form holds it (it is then below km_stack[cpu]). */
  readonly km_stack_slot: Uint8Array;

  readonly #machine: Machine;
  readonly #pa: PageAllocator;
  readonly #kmap_prot: number;

  /** kmap_init: locate kmap_pte in swapper_pg_dir; KmapError if boot did not build the fixmap tables. */
  constructor(pa: PageAllocator, kmap_prot: number, debug_highmem: boolean) {
    this.#pa = pa;
    this.#machine = pa.machine;
    this.#kmap_prot = kmap_prot;
    this.debug_highmem = debug_highmem;
    this.km_slot_page = new Int32Array(KM_TYPE_NR * NR_CPUS);
    this.km_depth = new Int32Array(NR_CPUS);
    this.km_stack = new Int32Array(NR_CPUS);
    this.km_stack_slot = new Uint8Array(KM_TYPE_NR * NR_CPUS);
    const kmap_vstart = __fix_to_virt(FIX_KMAP_BEGIN);
    const first = lookupPte(this.#machine, pa.swapper_pg_dir, kmap_vstart);
    if (first === null || first.large) {
      throw new KmapError("kmap_init", kmap_vstart, "no page table for the kmap_atomic fixmap slots");
    }
    this.kmap_pte_table = first.tablePa;
    this.kmap_pte = first.idx;
    /* the kernel indexes kmap_pte - idx: every slot's PTE must sit in that same table */
    for (let idx = 0; idx <= FIX_KMAP_END - FIX_KMAP_BEGIN; idx++) {
      const va = __fix_to_virt(FIX_KMAP_BEGIN + idx);
      const at = lookupPte(this.#machine, pa.swapper_pg_dir, va);
      if (at === null || at.large || at.tablePa !== first.tablePa || at.idx !== first.idx - idx) {
        throw new KmapError("kmap_init", va, `kmap_atomic slot ${idx} is not at kmap_pte - ${idx}`);
      }
    }
  }

  /** The linear address of slot (type, cpu): __fix_to_virt(FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu). */
  slot_vaddr(type: number, cpu: number): VirtAddr {
    return asVirt(__fix_to_virt(FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu));
  }

  /** The raw PTE of slot idx (= type + KM_TYPE_NR * cpu), read from RAM. */
  slot_pte(idx: number): number {
    return this.#machine.paging.readEntry(this.#machine.ram, this.kmap_pte_table, this.kmap_pte - idx);
  }

  /**
   * kmap_atomic(page, type): disable preemption; a lowmem page returns page_address, a high page
   * is mapped at this CPU's `type` slot (PTE written, that TLB entry invalidated). Never fails;
   * with debug_highmem a slot whose PTE is still set is a BUG (KmapError, nothing changed).
   */
  kmap_atomic(page: Page, type?: km_type): VirtAddr {
    if (type === undefined) return this.#kmap_atomic_push(page);
    checkType("kmap_atomic", type);
    const cpuId = smp_processor_id(this.#machine);
    const cpu = this.#machine.cpus[cpuId];
    if (!this.#pa.PageHighMem(page)) return this.#kmap_atomic_lowmem(page, cpu, cpuId);
    const idx = type + KM_TYPE_NR * cpuId;
    const vaddr = asVirt(__fix_to_virt(FIX_KMAP_BEGIN + idx));
    if (this.debug_highmem && !pte_none(this.slot_pte(idx))) {
      throw new KmapError(
        "kmap_atomic",
        vaddr,
        `slot ${km_type_names[type]} of CPU ${cpuId} is still mapped (pte not none; missing kunmap_atomic?)`,
      );
    }
    if (this.km_stack_slot[idx]) {
      throw new KmapError(
        "kmap_atomic",
        vaddr,
        `slot ${km_type_names[type]} of CPU ${cpuId} is held by a one-argument kmap_atomic(page) (its stack reached slot ${type}); the two forms share the slots`,
      );
    }
    this.#kmap_atomic_slot(page, cpu, cpuId, idx, vaddr);
    return vaddr;
  }

  /**
   * kunmap_atomic(kvaddr, type): re-enable preemption. With debug_highmem, a fixmap address must be
   * this CPU's `type` slot (else BUG) and its PTE is cleared and flushed. BUG (KmapError, nothing
   * changed) when this CPU has no kmap_atomic outstanding (preempt_count would underflow).
   */
  kunmap_atomic(kvaddr: number, type?: km_type): void {
    if (type === undefined) {
      this.#kunmap_atomic_pop(kvaddr);
      return;
    }
    checkType("kunmap_atomic", type);
    const cpuId = smp_processor_id(this.#machine);
    const cpu = this.#machine.cpus[cpuId];
    const vaddr = (kvaddr & PAGE_MASK) >>> 0;
    if (this.km_depth[cpuId] === 0) {
      throw new KmapError(
        "kunmap_atomic",
        vaddr,
        `no kmap_atomic outstanding on CPU ${cpuId} (preempt_count would underflow)`,
      );
    }
    const idx = type + KM_TYPE_NR * cpuId;
    const slot = __fix_to_virt(FIX_KMAP_BEGIN + idx);
    if (this.debug_highmem && vaddr >= FIXADDR_START) {
      if (vaddr !== slot) {
        throw new KmapError(
          "kunmap_atomic",
          vaddr,
          `address is not the ${km_type_names[type]} slot of CPU ${cpuId} (0x${slot.toString(16)})`,
        );
      }
      /* force other users of this slot to oops if they use it without remapping */
      this.#machine.paging.writeEntry(this.#machine.ram, this.kmap_pte_table, this.kmap_pte - idx, 0);
      __flush_tlb_one(cpu, vaddr);
    }
    if (vaddr === slot && !this.km_stack_slot[idx]) this.km_slot_page[idx] = 0;
    this.km_depth[cpuId]--;
    preempt_enable(cpu);
  }

  /*
   * The later kernels' form, which the seed notes use: kmap_atomic(page) and kunmap_atomic(addr)
   * with no km_type. 2.6.37 made the type unused and takes the slot from a per-CPU stack
   * (kmap_atomic_idx_push / kmap_atomic_idx_pop in include/linux/highmem.h); later kernels dropped
   * the argument. A lowmem page takes no slot. Slots must be released in LIFO order: the kernel
   * clears the top slot whatever address it is given (a WARN_ON_ONCE with CONFIG_DEBUG_HIGHMEM);
   * the model refuses a release out of order while machine.modelChecks is on.
   *
   *   CPU 0: kmap_atomic(a) -> slot 0, kmap_atomic(b) -> slot 1, kunmap_atomic(b's), kunmap_atomic(a's)
   */

  /** Both forms, a lowmem page: its permanent address, with preemption (page faults) disabled. */
  #kmap_atomic_lowmem(page: Page, cpu: Cpu, cpuId: number): VirtAddr {
    const vaddr = this.#pa.page_address(page);
    if (vaddr === null)
      throw new KmapError("kmap_atomic", undefined, `lowmem pfn 0x${page.toString(16)} has no address`);
    preempt_disable(cpu);
    this.km_depth[cpuId]++;
    return vaddr;
  }

  /** Both forms, a highmem page: map it at fixmap slot `idx` and flush that address's TLB entry. */
  #kmap_atomic_slot(page: Page, cpu: Cpu, cpuId: number, idx: number, vaddr: VirtAddr): void {
    /* even !CONFIG_PREEMPT needs this, for in_atomic in do_page_fault */
    preempt_disable(cpu);
    this.km_depth[cpuId]++;
    this.#machine.paging.writeEntry(
      this.#machine.ram,
      this.kmap_pte_table,
      this.kmap_pte - idx,
      mk_pte(page, this.#kmap_prot),
    );
    __flush_tlb_one(cpu, vaddr);
    this.km_slot_page[idx] = page + 1;
  }

  /** kmap_atomic(page): map at the next slot of this CPU's stack (later kernels' form). */
  #kmap_atomic_push(page: Page): VirtAddr {
    const cpuId = smp_processor_id(this.#machine);
    const cpu = this.#machine.cpus[cpuId];
    if (!this.#pa.PageHighMem(page)) return this.#kmap_atomic_lowmem(page, cpu, cpuId);
    const type = this.km_stack[cpuId];
    if (type >= KM_TYPE_NR) {
      throw new KmapError(
        "kmap_atomic",
        undefined,
        `CPU ${cpuId}'s kmap_atomic stack is full: ${KM_TYPE_NR} slots held (kmap_atomic_idx_push: BUG_ON(idx > KM_TYPE_NR))`,
      );
    }
    const idx = type + KM_TYPE_NR * cpuId;
    const vaddr = asVirt(__fix_to_virt(FIX_KMAP_BEGIN + idx));
    if (this.km_slot_page[idx] !== 0) {
      throw new KmapError(
        "kmap_atomic",
        vaddr,
        `the stack's next slot (${type}) of CPU ${cpuId} is held by kmap_atomic(page, ${km_type_names[type]}); the two forms share the slots`,
      );
    }
    this.#kmap_atomic_slot(page, cpu, cpuId, idx, vaddr);
    this.km_stack_slot[idx] = 1;
    this.km_stack[cpuId]++;
    return vaddr;
  }

  /** kunmap_atomic(addr): release the top slot of this CPU's stack (later kernels' form). */
  #kunmap_atomic_pop(kvaddr: number): void {
    const cpuId = smp_processor_id(this.#machine);
    const cpu = this.#machine.cpus[cpuId];
    const vaddr = (kvaddr & PAGE_MASK) >>> 0;
    if (this.km_depth[cpuId] === 0) {
      throw new KmapError(
        "kunmap_atomic",
        vaddr,
        `no kmap_atomic outstanding on CPU ${cpuId} (preempt_count would underflow)`,
      );
    }
    if (vaddr >= __fix_to_virt(FIX_KMAP_END) && vaddr <= __fix_to_virt(FIX_KMAP_BEGIN)) {
      const type = this.km_stack[cpuId] - 1;
      if (type < 0) {
        throw new KmapError(
          "kunmap_atomic",
          vaddr,
          `CPU ${cpuId}'s kmap_atomic stack is empty (no one-argument kmap_atomic to release)`,
        );
      }
      const idx = type + KM_TYPE_NR * cpuId;
      const top = __fix_to_virt(FIX_KMAP_BEGIN + idx);
      if (vaddr !== top && this.#machine.modelChecks) {
        throw new ModelCheckError(
          "kunmap_atomic",
          vaddr,
          `not the top of CPU ${cpuId}'s kmap_atomic stack (slot ${type} at 0x${top.toString(16)}): slots are released in LIFO order`,
          `clear slot ${type}'s pte anyway (a WARN_ON_ONCE only with CONFIG_DEBUG_HIGHMEM) and leave 0x${vaddr.toString(16)} mapped`,
        );
      }
      /* kpte_clear_flush: the later kernels always clear the slot */
      this.#machine.paging.writeEntry(this.#machine.ram, this.kmap_pte_table, this.kmap_pte - idx, 0);
      __flush_tlb_one(cpu, top);
      this.km_slot_page[idx] = 0;
      this.km_stack_slot[idx] = 0;
      this.km_stack[cpuId]--;
    } else if (this.debug_highmem && (vaddr < PAGE_OFFSET || vaddr >= this.#pa.high_memory)) {
      throw new KmapError("kunmap_atomic", vaddr, "BUG_ON: neither a kmap_atomic slot nor a lowmem address");
    }
    this.km_depth[cpuId]--;
    preempt_enable(cpu); // pagefault_enable()
  }

  /**
   * kmap_atomic_to_page(ptr): the page behind an address kmap_atomic returned; below FIXADDR_START
   * it is virt_to_page, otherwise the page in that slot's PTE. KmapError outside the kmap slots.
   */
  kmap_atomic_to_page(ptr: number): Page {
    const vaddr = ptr >>> 0;
    if (vaddr < FIXADDR_START) return this.#pa.virt_to_page(vaddr);
    const fix = virt_to_fix(vaddr);
    if (fix < FIX_KMAP_BEGIN || fix > FIX_KMAP_END) {
      throw new KmapError("kmap_atomic_to_page", vaddr, `fixmap index ${fix} is not a kmap_atomic slot`);
    }
    return asPfn(pte_pfn(this.slot_pte(fix - FIX_KMAP_BEGIN))) as number as Page;
  }
}

/** enum km_type range check (the kernel trusts its callers; a bad type would hit another CPU's slot). */
function checkType(call: string, type: number): void {
  if (!Number.isInteger(type) || type < 0 || type >= KM_TYPE_NR) {
    throw new KmapError(call, undefined, `km_type ${type} is not below KM_TYPE_NR (${KM_TYPE_NR})`);
  }
}
