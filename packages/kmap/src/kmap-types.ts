/*
 * enum km_type (include/asm-i386/kmap_types.h, 2.6.11, without CONFIG_DEBUG_HIGHMEM): the
 * per-CPU kmap_atomic slots, one fixmap page each, named by the path that may use them.
 * Slot of (type, cpu) = FIX_KMAP_BEGIN + type + KM_TYPE_NR * cpu. A path must only use a type
 * that no interrupt or softirq that can preempt it also uses (hence KM_IRQ0/1, KM_SOFTIRQ0/1).
 * The debug build puts a __KM_FENCE_n before each member (KM_TYPE_NR 27); the default profile's
 * fixmap is sized for 13, so the model keeps these values and models only the debug checks.
 */
import { KM_TYPE_NR } from "@i386mm/hw-i386";

/** Number of km_type values, kmap_atomic slots per CPU (13 in 2.6.11); hw-i386's layout constant. */
export { KM_TYPE_NR };

/** Bounce-buffer copy on read completion (mm/highmem.c bounce_copy_vec). */
export const KM_BOUNCE_READ = 0;
/** net/sunrpc skb data copy. */
export const KM_SKB_SUNRPC_DATA = 1;
/** skb data in softirq (networking). */
export const KM_SKB_DATA_SOFTIRQ = 2;
/** First user slot (copy_user_highpage, clear_user_highpage, file read/write). */
export const KM_USER0 = 3;
/** Second user slot (the destination of copy_user_highpage). */
export const KM_USER1 = 4;
/** bio source in interrupt context. */
export const KM_BIO_SRC_IRQ = 5;
/** bio destination in interrupt context. */
export const KM_BIO_DST_IRQ = 6;
/** pte_offset_map with CONFIG_HIGHPTE. */
export const KM_PTE0 = 7;
/** pte_offset_map_nested with CONFIG_HIGHPTE. */
export const KM_PTE1 = 8;
/** Hard interrupt handlers. */
export const KM_IRQ0 = 9;
/** Hard interrupt handlers, second slot. */
export const KM_IRQ1 = 10;
/** Softirq handlers. */
export const KM_SOFTIRQ0 = 11;
/** Softirq handlers, second slot. */
export const KM_SOFTIRQ1 = 12;

/** A value of enum km_type. */
export type km_type = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12;

/** enum km_type as an object (name -> value), in the header's order. */
export const km_type = {
  KM_BOUNCE_READ,
  KM_SKB_SUNRPC_DATA,
  KM_SKB_DATA_SOFTIRQ,
  KM_USER0,
  KM_USER1,
  KM_BIO_SRC_IRQ,
  KM_BIO_DST_IRQ,
  KM_PTE0,
  KM_PTE1,
  KM_IRQ0,
  KM_IRQ1,
  KM_SOFTIRQ0,
  KM_SOFTIRQ1,
} as const;

/** km_type names by value, for messages and views. */
export const km_type_names: readonly string[] = Object.keys(km_type);
