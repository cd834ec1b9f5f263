/*
 * generate.c - random but valid .uvs programs (generate.h).
 *
 * The generator keeps a rough picture of what it declared (tasks and their
 * regions, files, shm segments, memcgs) so that every name it writes is
 * declared and bound where scenario_check() wants it.  What the calls do
 * at run time is left to chance, with one care: a region is only used
 * later when the call that binds it cannot fail (the interpreter stops a
 * run that names a region whose mmap failed), so a program runs to its
 * end unless a task is OOM-killed.  Sizes stay small (a few thousand
 * pages): the model allocates a machine's memory map up front.
 *
 * The random numbers are splitmix64 (Steele, Lea, Flood 2014): one 64-bit
 * state, the same sequence on every host.
 */
#include "generate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_MAX_TASKS 6
#define GEN_MAX_REGIONS 16
#define GEN_MAX_OBJECTS 4
#define GEN_NAME 16
#define SCENARIO_GEN_MCL_CURRENT 1

enum gen_region_kind { REGION_ANON, REGION_FILE, REGION_SHM, REGION_BRK };

struct gen_region {
	char name[GEN_NAME];
	uint64_t pages;		/* as far as the generator knows */
	enum gen_region_kind kind;
	bool unmapped;		/* munmap/shmdt of the whole region ran */
	bool regrown;		/* the heap grew after it was unmapped */
};

/* a PMD-sized THP in pages */
#define HUGE_PAGES 512

struct gen_task {
	char name[GEN_NAME];
	bool alive;
	unsigned int cpu;
	int memcg;		/* index into memcgs, -1 for none */
	bool cap_ipc_lock;
	bool uid;		/* not root: shmat of a 0600 segment fails (EACCES) */
	uint64_t memlock_pages;	/* 0 = unlimited */
	bool future;		/* mlockall(MCL_FUTURE) may be in force */
	uint64_t mapped_pages;	/* every region bound, an upper bound */
	struct gen_region regions[GEN_MAX_REGIONS];
	unsigned int nr_regions;
};

struct gen_file {
	char name[GEN_NAME];
	int fs;			/* 0 disk, 1 tmpfs, 2 ramfs */
	uint64_t pages;
};

struct gen_shm {
	char name[GEN_NAME];
	uint64_t pages;
	bool removed;
};

struct gen_memcg {
	char name[GEN_NAME];
	bool limited;
	bool all_cpu0;		/* reclaim memcg= runs live only then */
};

struct gen {
	const struct scenario_gen_options *o;
	uint64_t rng;
	char *buf;
	size_t len, cap;
	bool oom;
	unsigned int cpus;
	struct gen_task tasks[GEN_MAX_TASKS];
	unsigned int nr_tasks;
	struct gen_file files[GEN_MAX_OBJECTS];
	unsigned int nr_files;
	struct gen_shm shms[GEN_MAX_OBJECTS];
	unsigned int nr_shms;
	struct gen_memcg memcgs[GEN_MAX_OBJECTS];
	unsigned int nr_memcgs;
	unsigned int next_region, next_child;
	bool last_was_call;
	bool zero_page_off;	/* machine zero_page=off */
	bool thp;		/* a THP region was made (model profile) */
	bool no_thp;		/* design=none: the model refuses madvise hugepage */
};

static uint64_t gen_next(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [lo, hi]. */
static uint64_t gen_range(struct gen *g, uint64_t lo, uint64_t hi)
{
	return lo + gen_next(g) % (hi - lo + 1);
}

/* true with probability pct percent */
static bool gen_chance(struct gen *g, unsigned int pct)
{
	return gen_next(g) % 100 < pct;
}

static void emit(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (g->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			g->oom = true;
			return;
		}
		if ((size_t)n < g->cap - g->len) {
			g->len += (size_t)n;
			return;
		}
		char *nb = realloc(g->buf, g->cap * 2 + (size_t)n);

		if (!nb) {
			g->oom = true;
			return;
		}
		g->buf = nb;
		g->cap = g->cap * 2 + (size_t)n;
	}
}

static bool live(const struct gen *g)
{
	return g->o->profile == SCENARIO_GEN_LIVE;
}

/*
 * A size in pages, most often small: the batches (15 and 31 folios) and
 * their edges are where the counters disagree, large sizes only cost time.
 */
static uint64_t gen_pages(struct gen *g)
{
	uint64_t max = g->o->max_pages ? g->o->max_pages : 2048;
	uint64_t r = gen_next(g) % 100, n;

	if (r < 40)
		n = gen_range(g, 1, 16);
	else if (r < 60)
		n = gen_range(g, 14, 34);
	else if (r < 90)
		n = gen_range(g, 1, 300);
	else
		n = gen_range(g, 1, max);
	return n > max ? max : n;
}

/* A page count as the language writes it: pages, or bytes now and then. */
static void emit_size(struct gen *g, uint64_t pages)
{
	if (pages % 256 == 0 && gen_chance(g, 30))
		emit(g, "%lluM", (unsigned long long)(pages / 256));
	else if (gen_chance(g, 20))
		emit(g, "%lluK", (unsigned long long)(pages * 4));
	else
		emit(g, "%llup", (unsigned long long)pages);
}

/* " OFF LEN" inside (or now and then across the end of) a range of pages. */
static void emit_range(struct gen *g, uint64_t pages)
{
	uint64_t off, len;

	if (!pages)
		pages = 1;
	off = gen_range(g, 0, pages - 1);
	len = gen_range(g, 1, pages - off);
	/* past the end: the live helper's [vvar]/[vdso] may lie there (a
	 * known difference, issue 13) */
	if (gen_chance(g, 8) && !g->o->avoid_known)
		len += gen_range(g, 1, 4);
	if (gen_chance(g, 8)) {
		/* unaligned: the call gets exactly these bytes */
		uint64_t in = gen_range(g, 1, 4095);
		uint64_t cut = gen_range(g, g->o->avoid_known ? in : 0, 4095);

		emit(g, " %llu %llu", (unsigned long long)(off * 4096 + in),
		     (unsigned long long)(len * 4096 - cut));
		return;
	}
	emit(g, " %llup %llup", (unsigned long long)off, (unsigned long long)len);
}

/* REGION [OFF LEN] */
static void emit_region_range(struct gen *g, const struct gen_region *r)
{
	emit(g, " %s", r->name);
	if (gen_chance(g, 45))
		emit_range(g, r->pages);
}

static const char *gen_prot(struct gen *g)
{
	uint64_t r = gen_next(g) % 10;

	return r < 6 ? "rw" : r < 9 ? "r" : "none";
}

static struct gen_region *pick_region(struct gen *g, struct gen_task *t)
{
	struct gen_region *r;
	unsigned int i, tries;

	if (!t->nr_regions)
		return NULL;
	for (tries = 0; tries < 8; tries++) {
		i = (unsigned int)gen_range(g, 0, t->nr_regions - 1);
		r = &t->regions[i];
		if (g->o->avoid_known && r->unmapped)
			continue;
		/* an unmapped region now and then: the calls' error paths */
		if (!r->unmapped || gen_chance(g, 15))
			return r;
	}
	return NULL;
}

/* Bind a region name in t, replacing the oldest when full. */
static struct gen_region *add_region(struct gen *g, struct gen_task *t, const char *name,
				     uint64_t pages, enum gen_region_kind kind)
{
	struct gen_region *r;

	if (t->nr_regions == GEN_MAX_REGIONS) {
		memmove(&t->regions[0], &t->regions[1],
			(GEN_MAX_REGIONS - 1) * sizeof(t->regions[0]));
		t->nr_regions--;
	}
	r = &t->regions[t->nr_regions++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->pages = pages;
	r->kind = kind;
	r->unmapped = false;
	r->regrown = false;
	t->mapped_pages += pages;
	(void)g;
	return r;
}

/* Can t lock `pages` more pages for sure (RLIMIT_MEMLOCK, counting
 * every region it has as locked)? */
static bool lock_fits(const struct gen_task *t, uint64_t pages)
{
	return t->cap_ipc_lock || !t->memlock_pages ||
	       t->mapped_pages + pages <= t->memlock_pages;
}

static void gen_machine(struct gen *g)
{
	g->cpus = 1;
	if (live(g)) {
		if (gen_chance(g, 50)) {
			g->cpus = 2;
			emit(g, "machine cpus=2\n");
		}
		return;
	}
	if (!gen_chance(g, 70))
		return;
	emit(g, "machine");
	if (gen_chance(g, 30))
		emit(g, " nodes=%llu", (unsigned long long)gen_range(g, 1, 3));
	if (gen_chance(g, 40))
		emit(g, " mem=%lluM", (unsigned long long)(16ULL << gen_range(g, 0, 6)));
	if (gen_chance(g, 60)) {
		g->cpus = (unsigned int)gen_range(g, 1, 4);
		emit(g, " cpus=%u", g->cpus);
	}
	if (gen_chance(g, 25))
		emit(g, " swap=%lluM", (unsigned long long)gen_range(g, 1, 256));
	if (gen_chance(g, 15) && !g->o->no_unobservable) {
		static const char *const designs[] = {"mlock-count", "rmap-walk", "none"};

		uint64_t d = gen_range(g, 0, 2);

		/* design none stands for kernels before THP: its runs would
		 * stop at the first THP region (interp's refusal) */
		g->no_thp = d == 2;
		emit(g, " design=%s", designs[d]);
	} else if (gen_chance(g, 20) && !g->o->no_unobservable) {
		/* kernel profiles (src/mm/profile.c); the design follows */
		static const char *const kernels[] = {"5.10", "6.1", "6.12", "6.18"};

		emit(g, " kernel=%s", kernels[gen_range(g, 0, 3)]);
	}
	if (gen_chance(g, 15)) {
		/* a host without the zero page: a read fault allocates */
		g->zero_page_off = true;
		emit(g, " zero_page=off");
	}
	if (gen_chance(g, 10))
		emit(g, " thp=%s", gen_chance(g, 50) ? "never" : "madvise");
	emit(g, "\n");
}

static void gen_sysctls(struct gen *g)
{
	if (live(g) || !gen_chance(g, 15))
		return;
	if (gen_chance(g, 50))
		emit(g, "sysctl swappiness=%llu\n", (unsigned long long)gen_range(g, 0, 200));
	else
		emit(g, "sysctl compact_unevictable_allowed=%llu\n",
		     (unsigned long long)gen_range(g, 0, 1));
}

static void gen_memcg_decl(struct gen *g)
{
	struct gen_memcg *m;

	if (g->o->no_memcg || g->nr_memcgs == GEN_MAX_OBJECTS)
		return;
	m = &g->memcgs[g->nr_memcgs];
	snprintf(m->name, sizeof(m->name), "g%u", g->nr_memcgs);
	m->all_cpu0 = true;
	emit(g, "memcg %s", m->name);
	if (g->nr_memcgs && gen_chance(g, 30))
		emit(g, " parent=%s", g->memcgs[gen_range(g, 0, g->nr_memcgs - 1)].name);
	m->limited = !g->o->avoid_known && gen_chance(g, 50);
	if (m->limited) {
		emit(g, " limit=");
		emit_size(g, gen_range(g, 16, 1024));
	}
	emit(g, "\n");
	g->nr_memcgs++;
}

static void gen_file_decl(struct gen *g)
{
	static const char *const fs[] = {"disk", "tmpfs", "ramfs"};
	struct gen_file *f;

	if (g->o->no_files || g->nr_files == GEN_MAX_OBJECTS)
		return;
	f = &g->files[g->nr_files];
	snprintf(f->name, sizeof(f->name), "f%u", g->nr_files);
	f->fs = (int)gen_range(g, 0, 2);
	f->pages = 0;
	emit(g, "file %s", f->name);
	if (f->fs || gen_chance(g, 50))
		emit(g, " fs=%s", fs[f->fs]);
	if (gen_chance(g, 70)) {
		f->pages = gen_pages(g);
		emit(g, " size=");
		emit_size(g, f->pages);
	}
	emit(g, "\n");
	g->nr_files++;
}

static void gen_shm_decl(struct gen *g)
{
	struct gen_shm *s;

	if (g->o->no_shm || g->nr_shms == GEN_MAX_OBJECTS)
		return;
	s = &g->shms[g->nr_shms];
	snprintf(s->name, sizeof(s->name), "s%u", g->nr_shms);
	s->pages = gen_pages(g);
	s->removed = false;
	emit(g, "shm %s ", s->name);
	emit_size(g, s->pages);
	emit(g, "\n");
	g->nr_shms++;
}

static struct gen_task *new_task(struct gen *g, const char *name)
{
	struct gen_task *t = &g->tasks[g->nr_tasks++];

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->alive = true;
	t->memcg = -1;
	t->memlock_pages = (8ULL << 20) / 4096;
	return t;
}

static void gen_task_decl(struct gen *g)
{
	static const uint64_t memlocks[] = {16, 256, 1024, 2048};	/* pages */
	struct gen_task *t;
	char name[GEN_NAME];

	if (g->nr_tasks == GEN_MAX_TASKS)
		return;
	snprintf(name, sizeof(name), "t%u", g->nr_tasks);
	t = new_task(g, name);
	t->cpu = (unsigned int)gen_range(g, 0, g->cpus - 1);
	t->cap_ipc_lock = gen_chance(g, 20);
	emit(g, "task %s", t->name);
	if (g->nr_memcgs && gen_chance(g, 60)) {
		t->memcg = (int)gen_range(g, 0, g->nr_memcgs - 1);
		/* live: a memcg's reclaim runs on CPU 0, so do its tasks */
		if (live(g))
			t->cpu = 0;
		emit(g, " memcg=%s", g->memcgs[t->memcg].name);
	}
	if (t->cpu)
		g->memcgs[t->memcg < 0 ? 0 : t->memcg].all_cpu0 &= t->memcg < 0;
	if (t->cpu || gen_chance(g, 30))
		emit(g, " cpu=%u", t->cpu);
	if (gen_chance(g, 30)) {
		if (!live(g) && gen_chance(g, 20)) {
			t->memlock_pages = 0;
			emit(g, " memlock=unlimited");
		} else if (!g->o->avoid_known || t->cap_ipc_lock) {
			t->memlock_pages = memlocks[gen_range(g, 0, 3)];
			emit(g, " memlock=");
			emit_size(g, t->memlock_pages);
		}
	}
	if (t->cap_ipc_lock)
		emit(g, " cap_ipc_lock");
	t->uid = gen_chance(g, 10);
	if (t->uid)
		emit(g, " uid=1000");
	emit(g, "\n");
}

static struct gen_task *pick_task(struct gen *g)
{
	unsigned int i, n = 0, alive[GEN_MAX_TASKS];

	for (i = 0; i < g->nr_tasks; i++)
		if (g->tasks[i].alive)
			alive[n++] = i;
	return n ? &g->tasks[alive[gen_range(g, 0, n - 1)]] : NULL;
}

static void call_mmap(struct gen *g, struct gen_task *t)
{
	uint64_t pages = gen_pages(g);
	bool locked = gen_chance(g, 15), populate = gen_chance(g, 15);
	bool file = g->nr_files && gen_chance(g, 30);
	bool shared = gen_chance(g, 25);
	bool sure;
	char name[GEN_NAME];

	snprintf(name, sizeof(name), "r%u", ++g->next_region);
	emit(g, "%s: mmap %s ", t->name, name);
	emit_size(g, pages);
	if (gen_chance(g, 40))
		emit(g, " prot=%s", gen_prot(g));
	if (shared || gen_chance(g, 20))
		emit(g, " %s", shared ? "shared" : "private");
	if (file) {
		struct gen_file *f = &g->files[gen_range(g, 0, g->nr_files - 1)];

		emit(g, " file=%s", f->name);
		if (gen_chance(g, 30))
			emit(g, " off=%llup",
			     (unsigned long long)gen_range(g, 0, f->pages ? f->pages : 4));
	} else if (gen_chance(g, 10)) {
		emit(g, " anon");
	}
	if (locked)
		emit(g, " locked");
	if (populate)
		emit(g, " populate");
	emit(g, "\n");
	/* MAP_LOCKED (or mlockall(MCL_FUTURE)) past RLIMIT_MEMLOCK: EAGAIN */
	sure = !((locked || t->future) && !lock_fits(t, pages));
	/* a memcg's limit may kill the task in a populating mmap */
	if (t->memcg >= 0 && g->memcgs[t->memcg].limited && (locked || populate || t->future))
		sure = false;
	if (sure)
		add_region(g, t, name, pages, file ? REGION_FILE : REGION_ANON);
}

/*
 * A THP region (model profile): 2 or 4 MiB aligned to 2 MiB, MADV_HUGEPAGE
 * and touched, whole or in part, so that the calls drawn after it
 * (mprotect, munmap, mlock, madvise of part, fork) meet PMD-mapped and
 * PTE-mapped THPs: the fork of a PTE-mapped one broke the large-folio
 * invariant (per-page mapcounts) before the fuzzer had THPs to try.
 */
static void call_thp(struct gen *g, struct gen_task *t)
{
	uint64_t pages = HUGE_PAGES * gen_range(g, 1, 2);
	char name[GEN_NAME];
	struct gen_region *r;

	snprintf(name, sizeof(name), "r%u", ++g->next_region);
	emit(g, "%s: mmap %s %lluM align=2M\n", t->name, name, (unsigned long long)(pages / 256));
	emit(g, "%s: madvise %s hugepage\n", t->name, name);
	r = add_region(g, t, name, pages, REGION_ANON);
	emit(g, "%s: touch", t->name);
	emit_region_range(g, r);
	emit(g, "\n");
	g->thp = true;
}

static void call_on_region(struct gen *g, struct gen_task *t)
{
	static const char *const advice[] = {
		"dontneed", "free", "pageout", "cold", "willneed", "remove",
		"dontneed_locked", "populate_read", "populate_write",
		/* the model profile only: THP ranges (issue 11); no collapse,
		 * which the model refuses on file and shared regions */
		"hugepage", "nohugepage",
	};
	struct gen_region *r = pick_region(g, t);
	uint64_t what = gen_next(g) % 100;

	if (!r) {
		call_mmap(g, t);
		return;
	}
	emit(g, "%s:", t->name);
	if (what < 12) {
		emit(g, " munmap %s", r->name);
		if (gen_chance(g, 45)) {
			emit_range(g, r->pages);
		} else {
			r->unmapped = true;
			r->regrown = false;
		}
	} else if (what < 27) {
		emit(g, " mlock");
		emit_region_range(g, r);
	} else if (what < 37) {
		emit(g, " mlock2");
		emit_region_range(g, r);
		if (gen_chance(g, 60))
			emit(g, " onfault");
	} else if (what < 50) {
		emit(g, " munlock");
		emit_region_range(g, r);
	} else if (what < 60) {
		emit(g, " mprotect");
		emit_region_range(g, r);
		emit(g, " %s", gen_prot(g));
	} else if (what < 67 && (!g->o->avoid_known || !r->unmapped)) {
		uint64_t newpages = gen_range(g, 1, r->pages * 2 + 1);

		emit(g, " mremap %s ", r->name);
		emit_size(g, newpages);
		if (gen_chance(g, 50)) {
			emit(g, " maymove");
			r->pages = newpages;
		} else if (newpages < r->pages) {
			r->pages = newpages;
		}
	} else if (what < 75) {
		uint64_t a = gen_range(g, 0, live(g) || g->no_thp ? 8 : 10);

		if (a == 7 && g->zero_page_off && g->o->no_unobservable)
			a = 8;	/* populate_read: read faults */
		emit(g, " madvise");
		emit_region_range(g, r);
		emit(g, " %s", advice[a]);
	} else if (r->kind == REGION_SHM && what < 80) {
		emit(g, " shmdt %s", r->name);
		r->unmapped = true;
	} else {
		/* a read fault without the zero page: what the live host
		 * (which has one) cannot show */
		bool no_reads = g->zero_page_off && g->o->no_unobservable;
		/* msync in a few of them, with the same draws (issue 11) */
		bool sync = what >= 96;

		emit(g, sync ? " msync" : " touch");
		emit_region_range(g, r);
		if (gen_chance(g, 30)) {
			bool first = gen_chance(g, 50);

			if (sync)
				emit(g, first ? " sync invalidate" : " async");
			else
				emit(g, first && !no_reads ? " read" : " write");
		}
	}
	emit(g, "\n");
}

static void call_file(struct gen *g, struct gen_task *t)
{
	struct gen_file *f = &g->files[gen_range(g, 0, g->nr_files - 1)];
	uint64_t what = gen_next(g) % 10;
	uint64_t pages = f->pages ? f->pages : 8;

	if (what < 4) {
		emit(g, "%s: read %s", t->name, f->name);
		emit_range(g, pages);
	} else if (what < 8) {
		emit(g, "%s: write %s", t->name, f->name);
		emit_range(g, pages + 4);
		if (f->pages < pages + 4)
			f->pages = pages + 4;
	} else if (what < 9) {
		uint64_t n = gen_range(g, 0, pages + 8);

		emit(g, "%s: truncate %s %llup", t->name, f->name, (unsigned long long)n);
		f->pages = n;
	} else {
		emit(g, "%s: punch %s", t->name, f->name);
		emit_range(g, pages);
	}
	emit(g, "\n");
}

static void call_shm(struct gen *g, struct gen_task *t)
{
	struct gen_shm *s = &g->shms[gen_range(g, 0, g->nr_shms - 1)];
	uint64_t what = gen_next(g) % 10;

	if (what < 5) {
		char name[GEN_NAME];
		bool rdonly = gen_chance(g, 15);

		snprintf(name, sizeof(name), "r%u", ++g->next_region);
		emit(g, "%s: shmat %s %s%s\n", t->name, s->name, name, rdonly ? " rdonly" : "");
		/* a segment removed may be gone already (EINVAL) */
		if (!s->removed && !t->uid)
			add_region(g, t, name, s->pages, REGION_SHM);
	} else if (what < 9) {
		emit(g, "%s: shmctl %s %s\n", t->name, s->name, what < 7 ? "lock" : "unlock");
	} else {
		emit(g, "%s: shmctl %s rmid\n", t->name, s->name);
		s->removed = true;
	}
}

static void call_mlockall(struct gen *g, struct gen_task *t)
{
	int flags;

	if (gen_chance(g, 30)) {
		emit(g, "%s: munlockall\n", t->name);
		t->future = false;
		return;
	}
	flags = (int)gen_range(g, 0, 7);
	/* MCL_CURRENT: the helper's image (image-dependent live), and the
	 * known RLIMIT_MEMLOCK-with-image difference without CAP_IPC_LOCK */
	if (g->o->no_image || g->o->no_unobservable || (g->o->avoid_known && !t->cap_ipc_lock))
		flags &= ~SCENARIO_GEN_MCL_CURRENT;
	emit(g, "%s: mlockall%s%s%s\n", t->name, flags & 1 ? " current" : "",
	     flags & 2 ? " future" : "", flags & 4 ? " onfault" : "");
	if (flags & 2)
		t->future = true;
}

static void call_brk(struct gen *g, struct gen_task *t)
{
	struct gen_region *heap = NULL;
	unsigned int i;
	uint64_t pages = gen_range(g, 1, 64);

	for (i = 0; i < t->nr_regions; i++)
		if (t->regions[i].kind == REGION_BRK)
			heap = &t->regions[i];
	if (heap && heap->pages && gen_chance(g, 30)) {
		pages = gen_range(g, 1, heap->pages);
		emit(g, "%s: brk -%llup\n", t->name, (unsigned long long)pages);
		/* brk finds no VMA below an unmapped heap's break: the
		 * break stays (ENOMEM); a regrown top is unmapped instead */
		if (!heap->unmapped || heap->regrown)
			heap->pages -= pages;
		return;
	}
	emit(g, "%s: brk %llup\n", t->name, (unsigned long long)pages);
	/* a failed brk leaves the region unbound (interp.c: call_brk) */
	if (t->future && !lock_fits(t, pages))
		return;
	if (t->memcg >= 0 && g->memcgs[t->memcg].limited && t->future)
		return;
	if (heap) {
		heap->pages += pages;
		heap->regrown = heap->unmapped;
	}
	else if (!t->nr_regions || strcmp(t->regions[0].name, "brk"))
		add_region(g, t, "brk", pages, REGION_BRK);
}

static void call_fork(struct gen *g, struct gen_task *t)
{
	struct gen_task *c;
	char name[GEN_NAME];

	if (g->nr_tasks == GEN_MAX_TASKS) {
		call_on_region(g, t);
		return;
	}
	snprintf(name, sizeof(name), "c%u", ++g->next_child);
	emit(g, "%s: fork %s\n", t->name, name);
	c = new_task(g, name);
	/* the child: the parent's regions, CPU, memcg, limits; no MCL_FUTURE */
	memcpy(c->regions, t->regions, sizeof(c->regions));
	c->nr_regions = t->nr_regions;
	c->mapped_pages = t->mapped_pages;
	c->cpu = t->cpu;
	c->memcg = t->memcg;
	c->cap_ipc_lock = t->cap_ipc_lock;
	c->uid = t->uid;
	c->memlock_pages = t->memlock_pages;
	/* fork may fail (a memcg's limit): the child may not exist */
	if (t->memcg >= 0 && g->memcgs[t->memcg].limited)
		c->alive = false;
}

static bool image_task(const struct gen *g, const struct gen_task *t)
{
	/* a memcg task's exec charges its image: a later `reclaim memcg=` is
	 * image-dependent live (tests/fuzz-found/live-69-*) */
	return (g->o->no_image || g->o->no_unobservable) && t->memcg >= 0;
}

static void gen_call(struct gen *g, struct gen_task *t)
{
	uint64_t what = gen_next(g) % 100;

	g->last_was_call = true;
	if (what < 16 || !t->nr_regions) {
		uint64_t max = g->o->max_pages ? g->o->max_pages : 2048;

		if (!live(g) && !g->no_thp && max >= 2 * HUGE_PAGES && gen_chance(g, 20))
			call_thp(g, t);
		else
			call_mmap(g, t);
	} else if (what < 70) {
		call_on_region(g, t);
	} else if (what < 78 && g->nr_files) {
		call_file(g, t);
	} else if (what < 84 && g->nr_shms) {
		call_shm(g, t);
	} else if (what < 88) {
		call_mlockall(g, t);
	} else if (what < 91) {
		call_brk(g, t);
	} else if (what < 95 && !g->o->no_fork && (!g->o->avoid_known || g->thp) &&
		   !image_task(g, t)) {
		/* fork's known differences are live ones (issue 13): the model
		 * profile forks over its THPs with --avoid-known too */
		call_fork(g, t);
	} else if (what < 97 && !image_task(g, t)) {
		emit(g, "%s: exec\n", t->name);
		t->nr_regions = 0;
		t->mapped_pages = 0;
		t->future = false;
	} else if (what < 99 || g->nr_tasks < 2) {
		call_on_region(g, t);
	} else {
		emit(g, "%s: exit\n", t->name);
		t->alive = false;
	}
}

static void gen_expect(struct gen *g)
{
	static const char *const vmstat[] = {
		"nr_mlock", "nr_unevictable", "unevictable_pgs_mlocked",
		"unevictable_pgs_munlocked", "unevictable_pgs_culled",
		"unevictable_pgs_rescued", "unevictable_pgs_cleared",
		"unevictable_pgs_stranded", "unevictable_pgs_scanned", "nr_shmem",
	};
	static const char *const status[] = {"VmLck", "VmRSS", "VmSize"};
	static const char *const smaps[] = {"Locked", "Rss", "Anonymous"};
	static const char *const memcg[] = {"unevictable", "usage", "inactive_anon",
					    "active_anon", "inactive_file"};
	struct gen_task *t = pick_task(g);
	uint64_t what = gen_next(g) % 100;

	if (what < 50) {
		emit(g, "expect vmstat %s >= 0\n", vmstat[gen_range(g, 0, 9)]);
	} else if (what < 60) {
		emit(g, "expect meminfo %s >= 0 kB\n", gen_chance(g, 50) ? "Mlocked" : "Unevictable");
	} else if (what < 72 && t) {
		emit(g, "expect %s status %s >= 0\n", t->name, status[gen_range(g, 0, 2)]);
	} else if (what < 87 && t && t->nr_regions) {
		emit(g, "expect %s smaps %s %s >= 0 kB\n", t->name,
		     t->regions[gen_range(g, 0, t->nr_regions - 1)].name, smaps[gen_range(g, 0, 2)]);
	} else if (what < 94 && g->nr_memcgs) {
		emit(g, "expect memcg %s %s >= 0\n", g->memcgs[gen_range(g, 0, g->nr_memcgs - 1)].name,
		     memcg[gen_range(g, 0, 4)]);
	} else if (!live(g) && !g->o->no_unobservable) {
		emit(g, "expect lru unevictable >= 0\n");
	} else {
		emit(g, "expect vmstat nr_mlock >= 0\n");
	}
}

static void gen_kernel(struct gen *g)
{
	if (gen_chance(g, 60)) {
		emit(g, "drain\n");
		return;
	}
	if (g->nr_memcgs && gen_chance(g, 70)) {
		unsigned int i = (unsigned int)gen_range(g, 0, g->nr_memcgs - 1);

		if (live(g) && !g->memcgs[i].all_cpu0) {
			emit(g, "drain\n");
			return;
		}
		emit(g, "reclaim %lluK memcg=%s\n", (unsigned long long)(gen_range(g, 1, 64) * 4),
		     g->memcgs[i].name);
		return;
	}
	if (live(g)) {
		emit(g, "drain\n");
		return;
	}
	/* a compaction of the whole machine (live only in a VM) */
	if (gen_chance(g, 25)) {
		emit(g, "compact\n");
		return;
	}
	emit(g, "reclaim %lluK\n", (unsigned long long)(gen_range(g, 1, 256) * 4));
}

static void gen_statement(struct gen *g)
{
	uint64_t what = gen_next(g) % 100;
	struct gen_task *t = pick_task(g);
	bool was_call = g->last_was_call;

	g->last_was_call = false;
	if (was_call && what < 30) {
		emit(g, "expect ok\n");
		g->last_was_call = false;
		return;
	}
	if (what < 4) {
		uint64_t d = gen_next(g) % 4;

		if (d == 0)
			gen_task_decl(g);
		else if (d == 1)
			gen_file_decl(g);
		else if (d == 2)
			gen_shm_decl(g);
		else
			gen_memcg_decl(g);
		return;
	}
	if (what < 12) {
		gen_kernel(g);
		return;
	}
	if (what < 25) {
		gen_expect(g);
		return;
	}
	if (what < 26 && !live(g) && t) {
		emit(g, "print %s status\n", t->name);
		return;
	}
	if (t)
		gen_call(g, t);
}

int scenario_generate(const struct scenario_gen_options *o, uint64_t seed, char **text)
{
	struct gen *g = calloc(1, sizeof(*g));
	unsigned int i, n, max = o->max_statements ? o->max_statements : 40;

	if (!g)
		return -ENOMEM;
	g->o = o;
	g->rng = seed;
	g->cap = 4096;
	g->buf = malloc(g->cap);
	if (!g->buf) {
		free(g);
		return -ENOMEM;
	}
	g->buf[0] = '\0';
	emit(g, "# unevict fuzz: seed %llu, profile %s\n", (unsigned long long)seed,
	     live(g) ? "live" : "model");
	gen_machine(g);
	gen_sysctls(g);
	n = (unsigned int)gen_range(g, 0, 2);
	for (i = 0; i < n && !g->o->no_memcg && gen_chance(g, 40); i++)
		gen_memcg_decl(g);
	n = (unsigned int)gen_range(g, 0, 2);
	for (i = 0; i < n; i++)
		gen_file_decl(g);
	n = (unsigned int)gen_range(g, 0, 1);
	for (i = 0; i < n; i++)
		gen_shm_decl(g);
	n = (unsigned int)gen_range(g, 1, 3);
	for (i = 0; i < n; i++)
		gen_task_decl(g);
	n = (unsigned int)gen_range(g, max / 4 + 1, max);
	for (i = 0; i < n; i++)
		gen_statement(g);
	if (g->oom) {
		free(g->buf);
		free(g);
		return -ENOMEM;
	}
	*text = g->buf;
	free(g);
	return 0;
}
