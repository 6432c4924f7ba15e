/*
 * buddy-ref.c: the repository's C reference binary buddy allocator, for bench/results.mjs.
 *
 * A plain buddy system as mm/page_alloc.c draws it, and nothing else: one descriptor per frame,
 * MAX_ORDER 11 doubly linked free lists (struct list_head through each block's head descriptor),
 * split on allocation (expand), coalesce with the buddy at index ^ (1 << order) on free. No zones,
 * watermarks, per-CPU lists, reference counts or checks: the floor the model is measured against.
 *
 * Usage: buddy-ref FRAMES RUNS < trace
 *   trace: the lines of bench/page-trace.mjs ("a ID ORDER" allocate, "f ID" free).
 * Replays the whole trace RUNS times (every block is freed at the end of a trace, so each run
 * starts from all-free memory) and prints one line of JSON:
 *   {"frames":F,"ops":N,"failed":K,"ns":[run 1 ns/op, ...],"best":ns/op}
 * Built by bench/results.mjs with the system C compiler: cc -O2 -o buddy-ref buddy-ref.c
 */
#define _POSIX_C_SOURCE 199309L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ORDER 11

struct list_head {
	struct list_head *next, *prev;
};

/* A page descriptor: the list links, the order of a free block's head, whether it heads one. */
struct page {
	struct list_head lru;
	unsigned int order;
	unsigned int buddy; /* 1: head of a free block of `order` */
};

struct free_area {
	struct list_head free_list;
	unsigned long nr_free;
};

static struct page *mem_map;
static struct free_area free_area[MAX_ORDER];
static unsigned long nr_frames;
static unsigned long free_pages;

static inline void list_init(struct list_head *h) { h->next = h->prev = h; }
static inline void list_add(struct list_head *n, struct list_head *h)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}
static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = 0;
}
#define lru_to_page(l) ((struct page *)((char *)(l) - offsetof(struct page, lru)))

/* __rmqueue + expand: the head pfn of a 2^order block, or -1. */
static long alloc_block(unsigned int order)
{
	for (unsigned int cur = order; cur < MAX_ORDER; cur++) {
		struct free_area *area = &free_area[cur];
		if (area->free_list.next == &area->free_list)
			continue;
		struct page *page = lru_to_page(area->free_list.next);
		list_del(&page->lru);
		page->buddy = 0;
		area->nr_free--;
		free_pages -= 1UL << order;
		unsigned long size = 1UL << cur;
		while (cur > order) {
			cur--;
			size >>= 1;
			struct page *b = page + size;
			list_add(&b->lru, &free_area[cur].free_list);
			free_area[cur].nr_free++;
			b->order = cur;
			b->buddy = 1;
		}
		return page - mem_map;
	}
	return -1;
}

/* __free_pages_bulk: merge with free buddies of the same order, then onto the free list. */
static void free_block(unsigned long pfn, unsigned int order)
{
	free_pages += 1UL << order;
	while (order < MAX_ORDER - 1) {
		unsigned long buddy_idx = pfn ^ (1UL << order);
		if (buddy_idx >= nr_frames)
			break;
		struct page *buddy = mem_map + buddy_idx;
		if (!buddy->buddy || buddy->order != order)
			break;
		list_del(&buddy->lru);
		buddy->buddy = 0;
		free_area[order].nr_free--;
		pfn &= buddy_idx;
		order++;
	}
	struct page *page = mem_map + pfn;
	page->order = order;
	page->buddy = 1;
	list_add(&page->lru, &free_area[order].free_list);
	free_area[order].nr_free++;
}

static double clock_ns(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}
#define now_ns() clock_ns(CLOCK_MONOTONIC)
/* CPU time of this process: on a loaded machine, the time it ran, not the time it waited. */
#define cpu_ns() clock_ns(CLOCK_PROCESS_CPUTIME_ID)

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s FRAMES RUNS < trace\n", argv[0]);
		return 2;
	}
	nr_frames = strtoul(argv[1], 0, 10);
	int runs = atoi(argv[2]);

	/* Parse the trace: op[i] = order for "a", -1 for "f"; id[i] = block id. */
	size_t cap = 1 << 20, n = 0;
	signed char *op = malloc(cap);
	int32_t *id = malloc(cap * sizeof *id);
	int32_t ids = 0;
	char line[128];
	while (fgets(line, sizeof line, stdin)) {
		if (line[0] != 'a' && line[0] != 'f')
			continue;
		if (n == cap) {
			cap *= 2;
			op = realloc(op, cap);
			id = realloc(id, cap * sizeof *id);
		}
		char *p = line + 2;
		long v = strtol(p, &p, 10);
		id[n] = (int32_t)v;
		op[n] = line[0] == 'a' ? (signed char)strtol(p, 0, 10) : -1;
		if (v >= ids)
			ids = (int32_t)v + 1;
		n++;
	}
	signed char *order = calloc(ids, 1);
	for (size_t i = 0; i < n; i++)
		if (op[i] >= 0)
			order[id[i]] = op[i];
	long *handle = malloc(ids * sizeof *handle);

	/* Boot: every frame free, in the largest aligned blocks. */
	mem_map = calloc(nr_frames, sizeof *mem_map);
	if (!mem_map || !op || !id || !order || !handle) {
		fprintf(stderr, "buddy-ref: out of memory for %lu frames\n", nr_frames);
		return 1;
	}
	for (int o = 0; o < MAX_ORDER; o++)
		list_init(&free_area[o].free_list);
	for (unsigned long pfn = 0; pfn < nr_frames; pfn++)
		free_block(pfn, 0);

	long failed = 0;
	double best = 0, cpu_best = 0;
	double *cpu = malloc(runs * sizeof *cpu);
	printf("{\"frames\":%lu,\"ops\":%zu,\"ns\":[", nr_frames, n);
	for (int r = 0; r < runs; r++) {
		failed = 0;
		double t0 = now_ns(), c0 = cpu_ns();
		for (size_t i = 0; i < n; i++) {
			int o = op[i];
			if (o >= 0) {
				long pfn = alloc_block(o);
				failed += pfn < 0;
				handle[id[i]] = pfn;
			} else {
				long pfn = handle[id[i]];
				if (pfn >= 0)
					free_block(pfn, order[id[i]]);
			}
		}
		double per = (now_ns() - t0) / n;
		cpu[r] = (cpu_ns() - c0) / n;
		if (r == 0 || per < best)
			best = per;
		if (r == 0 || cpu[r] < cpu_best)
			cpu_best = cpu[r];
		printf("%s%.3f", r ? "," : "", per);
	}
	if (free_pages != nr_frames) {
		fprintf(stderr, "buddy-ref: %lu of %lu frames free after the trace\n", free_pages, nr_frames);
		return 1;
	}
	printf("],\"cpu\":[");
	for (int r = 0; r < runs; r++)
		printf("%s%.3f", r ? "," : "", cpu[r]);
	printf("],\"failed\":%ld,\"best\":%.3f,\"cpuBest\":%.3f}\n", failed, best, cpu_best);
	return 0;
}
