/*
 * Reading ftrace kmem text (replay-trace.ts) and the gfp name table (replay-gfp.ts): line
 * accounting, malformed lines (first ten kept with their numbers, then a count), the formats of
 * `trace`, `trace_pipe` and older kernels, gzip, and the decisions taken before the model runs.
 */
import { gzipSync } from "node:zlib";
import {
  __GFP_COMP,
  __GFP_HIGHMEM,
  __GFP_NOWARN,
  __GFP_REPEAT,
  __GFP_ZERO,
  GFP_ATOMIC,
  GFP_HIGHUSER,
  GFP_KERNEL,
  GFP_NOFS,
} from "@i386mm/page-alloc";
import { describe, expect, it } from "vitest";
import { traceBytes } from "../src/node.js";
import { decodeGfp, slubKmallocName } from "../src/replay-gfp.js";
import {
  KIND_KFREE,
  KIND_OTHER,
  KIND_PAGE_ALLOC,
  MAX_MALFORMED_SHOWN,
  OP_CACHE_FREE,
  OP_KFREE,
  OP_PAGE_FREE,
  OP_SKIP,
  parseTrace,
  WHY_BACKS_OBJECTS,
  WHY_BATCHED_DUP,
  WHY_BEFORE_WINDOW,
  WHY_FREE_NULL,
  WHY_TRACE_FAILED,
} from "../src/replay-trace.js";

const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const ev = (rest: string, ts = "1.000000", cpu = "000") =>
  `            init-1       [${cpu}] .....     ${ts}: ${rest}`;

describe("gfp_flags: 6.1 names to 2.6.11 bits", () => {
  it("maps composites and single flags, drops what 2.6.11 has no bit for", () => {
    expect(decodeGfp("GFP_KERNEL").bits).toBe(GFP_KERNEL);
    expect(decodeGfp("GFP_KERNEL_ACCOUNT|__GFP_ZERO")).toMatchObject({
      bits: GFP_KERNEL | __GFP_ZERO,
      dropped: [],
    });
    expect(decodeGfp("GFP_NOFS|__GFP_ZERO").bits).toBe(GFP_NOFS | __GFP_ZERO);
    expect(decodeGfp("GFP_HIGHUSER_MOVABLE|__GFP_COMP").bits).toBe(GFP_HIGHUSER | __GFP_COMP);
    expect(decodeGfp("GFP_ATOMIC|__GFP_NOWARN").bits).toBe(GFP_ATOMIC | __GFP_NOWARN);
    expect(decodeGfp("GFP_NOWAIT|__GFP_NOWARN").bits).toBe(__GFP_NOWARN);
    expect(decodeGfp("__GFP_RETRY_MAYFAIL").bits).toBe(__GFP_REPEAT);
    expect(decodeGfp("none").bits).toBe(0);
    const d = decodeGfp(
      "__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC|__GFP_RECLAIMABLE",
    );
    expect(d.dropped).toEqual(["__GFP_NOMEMALLOC", "__GFP_RECLAIMABLE"]);
    expect(decodeGfp("GFP_KERNEL|__GFP_FROB").unknown).toEqual(["__GFP_FROB"]);
    // a hex remainder is read with 6.1's bit values: 0x2 HIGHMEM, 0x100 ZERO
    expect(decodeGfp("GFP_KERNEL|0x102").bits).toBe(GFP_KERNEL | __GFP_HIGHMEM | __GFP_ZERO);
  });

  it("names the 6.1 kmalloc cache the flags select (kmalloc_type)", () => {
    expect(slubKmallocName(64, decodeGfp("GFP_KERNEL").family)).toBe("kmalloc-64");
    expect(slubKmallocName(8, decodeGfp("GFP_KERNEL_ACCOUNT").family)).toBe("kmalloc-cg-8");
    expect(slubKmallocName(1024, decodeGfp("GFP_KERNEL|__GFP_RECLAIMABLE").family)).toBe("kmalloc-rcl-1k");
    expect(slubKmallocName(4096, decodeGfp("GFP_DMA|__GFP_ACCOUNT").family)).toBe("dma-kmalloc-4k");
  });
});

describe("parseTrace", () => {
  it("accounts for every line: events + comments + blank + lost markers + malformed", () => {
    const text = [
      "# tracer: nop",
      "",
      ev("kfree: call_site=x+0x1/0x2 ptr=00000000"),
      "CPU:0 [LOST 12 EVENTS]",
      ev("sched_switch: prev_comm=a prev_pid=1"),
      "garbage",
      ev("kfree: call_site=x+0x1/0x2"),
    ].join("\n");
    const t = parseTrace(bytes(text));
    expect([t.lines, t.n, t.comments, t.blank, t.lostMarkers, t.lostEvents, t.malformed]).toEqual([
      7, 2, 1, 1, 1, 12, 2,
    ]);
    expect(t.lines).toBe(t.n + t.comments + t.blank + t.lostMarkers + t.malformed);
    expect(t.kind[0]).toBe(KIND_KFREE);
    expect([t.op[0], t.why[0]]).toEqual([OP_SKIP, WHY_FREE_NULL]);
    expect(t.kind[1]).toBe(KIND_OTHER);
    expect(t.otherEvents.get("sched_switch")).toBe(1);
    expect(t.malformedShown.map((m) => [m.line, m.reason])).toEqual([
      [6, "no [CPU] field"],
      [7, "kfree without ptr="],
    ]);
  });

  it("keeps the first ten malformed lines with their line numbers and counts the rest", () => {
    const lines = ["# header"];
    for (let i = 0; i < 25; i++)
      lines.push(i % 2 ? ev(`mm_page_free: pfn=0x${i.toString(16)}`) : `junk ${i}`);
    const t = parseTrace(bytes(lines.join("\n")));
    expect(t.malformed).toBe(25);
    expect(t.malformedShown).toHaveLength(MAX_MALFORMED_SHOWN);
    expect(t.malformedShown.map((m) => m.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(t.malformedShown[1]).toMatchObject({ reason: "mm_page_free without an order in 0..10" });
    expect(t.malformedShown[0].text).toBe("junk 0");
  });

  it("reads trace_pipe lines (no header, no flags column), CRLF, older decimal pfns and *_node events, and gzip", () => {
    const text = [
      "  bash-100 [001] 2.500000: mm_page_alloc: page=c1050000 pfn=20480 order=0 migratetype=0 gfp_flags=GFP_KERNEL\r",
      "kworker/0:1-23 [000] d..1. 2.6: kmalloc_node: call_site=c10a1234 ptr=c2000000 bytes_req=40 bytes_alloc=64 gfp_flags=GFP_KERNEL node=0",
      "kworker/0:1-23 [000] d..1. 2.7: kmem_cache_alloc_node: call_site=c10a1234 ptr=c2000400 bytes_req=40 bytes_alloc=40 gfp_flags=GFP_KERNEL node=0",
    ].join("\n");
    for (const input of [bytes(text), traceBytes(gzipSync(bytes(text)))]) {
      const t = parseTrace(input);
      expect(t.n).toBe(3);
      expect(t.malformed).toBe(0);
      expect(t.addr[0]).toBe(20480);
      expect(t.cpu[0]).toBe(1);
      expect([...t.kind.subarray(0, 3)]).toEqual([KIND_PAGE_ALLOC, 3, 5]);
    }
  });

  it("matches frees to allocs; decides skips before the replay (TRACE.md's rules)", () => {
    const text = [
      ev("mm_page_alloc: page=c7dc2400 pfn=0x3080 order=1 migratetype=0 gfp_flags=GFP_KERNEL"), // 0: slab page
      ev(
        "kmem_cache_alloc: call_site=a ptr=c3080040 bytes_req=100 bytes_alloc=104 gfp_flags=GFP_KERNEL node=-1",
      ),
      ev("mm_page_alloc: page=c7e15000 pfn=0x5000 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE"), // 2
      ev("mm_page_free: page=c7e15000 pfn=0x5000 order=0"), // 3: matched
      ev("mm_page_free_batched: page=c7e15000 pfn=0x5000 order=0"), // 4: duplicate
      ev("mm_page_free: page=c7ef0000 pfn=0x6000 order=0"), // 5: before the window
      ev("mm_page_alloc: page=00000000 pfn=0xffffffff order=2 migratetype=0 gfp_flags=GFP_NOWAIT"), // 6
      ev("kmem_cache_free: call_site=b ptr=c3080040 name=foo"), // 7
      ev("kmalloc: call_site=c ptr=c2121e40 bytes_req=33 bytes_alloc=64 gfp_flags=GFP_KERNEL node=-1"), // 8
      ev("kmem_cache_free: call_site=d ptr=c2121e40 name=kmalloc-64"), // 9: of a kmalloc'ed object
      ev("mm_page_free: page=c7dc2400 pfn=0x3080 order=1"), // 10: the slab page's free
    ].join("\n");
    const t = parseTrace(bytes(text));
    expect([t.op[0], t.why[0]]).toEqual([OP_SKIP, WHY_BACKS_OBJECTS]);
    expect([t.op[3], t.match[3]]).toEqual([OP_PAGE_FREE, 2]);
    expect([t.op[4], t.why[4]]).toEqual([OP_SKIP, WHY_BATCHED_DUP]);
    expect([t.op[5], t.why[5]]).toEqual([OP_SKIP, WHY_BEFORE_WINDOW]);
    expect([t.op[6], t.why[6]]).toEqual([OP_SKIP, WHY_TRACE_FAILED]);
    expect([t.op[7], t.match[7]]).toEqual([OP_CACHE_FREE, 1]);
    expect([t.op[9], t.match[9]]).toEqual([OP_KFREE, 8]);
    expect([t.op[10], t.why[10]]).toEqual([OP_SKIP, WHY_BACKS_OBJECTS]);
    expect(t.cacheSizes).toHaveLength(1);
    expect(t.cacheSizes[0]).toMatchObject({ size: 100, requests: 1, bytes_req: 100, bytes_alloc: 104 });
    expect(t.cacheSizes[0].names.get("foo")).toBe(1);
    expect(t.slubKmalloc).toEqual([
      {
        cache: "kmalloc-64",
        size: 64,
        requests: 1,
        bytes_req: 33,
        bytes_alloc: 64,
        live: 0,
        live_bytes_req: 0,
        live_bytes_alloc: 0,
      },
    ]);
  });

  it("a pointer handed out again and again stays cheap to match (no V8 Map bucket chains)", () => {
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) {
      lines.push(
        ev(
          `kmem_cache_alloc: call_site=a ptr=c2182000 bytes_req=4096 bytes_alloc=4096 gfp_flags=GFP_KERNEL node=-1`,
        ),
      );
      lines.push(ev("kmem_cache_free: call_site=b ptr=c2182000 name=names_cache"));
    }
    const t = parseTrace(bytes(lines.join("\n")));
    expect(t.n).toBe(40000);
    for (let i = 1; i < t.n; i += 2) expect(t.match[i]).toBe(i - 1);
  });
});
