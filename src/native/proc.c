/*
 * proc.c - reading the live kernel's /proc text: pure functions over a
 * buffer, so the unit tests feed them text and the driver reads each file
 * once per expectation.
 */
#include "native.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The TASK_SIZE of x86-64 (47 bits): [vsyscall] sits above it, shown by
 * smaps but not a VMA of the mm, so not in total_vm. */
#define PROC_USER_TOP (1ULL << 47)

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

/* A number after "name" and any ':' or blanks; false if there is none. */
static bool parse_value(const char *p, int64_t *value)
{
	char *end;
	long long v;

	while (*p == ':' || *p == ' ' || *p == '\t')
		p++;
	if (!(*p == '-' || (*p >= '0' && *p <= '9')))
		return false;
	errno = 0;
	v = strtoll(p, &end, 10);
	if (errno || end == p)
		return false;
	*value = v;
	return true;
}

int proc_field(const char *text, const char *name, int64_t *value)
{
	size_t n = strlen(name);
	const char *p;

	for (p = text; *p; p = next_line(p)) {
		if (strncmp(p, name, n) || !(p[n] == ':' || p[n] == ' ' || p[n] == '\t'))
			continue;
		if (parse_value(p + n, value))
			return 0;
	}
	return -ENOENT;
}

const char *const proc_mlock_fields[PROC_MLOCK_FIELDS] = {
	"nr_mlock",
	"nr_unevictable",
	"unevictable_pgs_culled",
	"unevictable_pgs_scanned",
	"unevictable_pgs_rescued",
	"unevictable_pgs_mlocked",
	"unevictable_pgs_munlocked",
	"unevictable_pgs_cleared",
	"unevictable_pgs_stranded",
};

/* "start-end perms ..." heading a VMA in smaps: true with its range. */
static bool vma_header(const char *p, uint64_t *start, uint64_t *end)
{
	char *q;

	if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
		return false;
	*start = strtoull(p, &q, 16);
	if (*q != '-')
		return false;
	*end = strtoull(q + 1, &q, 16);
	return *q == ' ';
}

/* "Name: value" in a VMA's block: true when the line is that field. */
static bool field_line(const char *p, const char *field, size_t n, int64_t *value)
{
	return !strncmp(p, field, n) && p[n] == ':' && parse_value(p + n, value);
}

int proc_smaps_sum(const char *smaps, uint64_t start, uint64_t end,
		   const char *field, int64_t *sum)
{
	size_t n = strlen(field);
	bool inside = false, seen = false;
	uint64_t vs, ve;
	const char *p;
	int64_t v;

	*sum = 0;
	for (p = smaps; *p; p = next_line(p)) {
		if (vma_header(p, &vs, &ve))
			/* every VMA that overlaps the span, whole, as the
			 * file shows it (SCENARIO.md: merged regions) */
			inside = vs < end && ve > start;
		else if (field_line(p, field, n, &v)) {
			seen = true;
			if (inside)
				*sum += v;
		}
	}
	/* no VMA at all (every region unmapped) is 0, like the model's sum */
	return seen || !*smaps ? 0 : -ENOENT;
}

int proc_smaps_starts(const char *smaps, uint64_t start, uint64_t end, uint64_t *starts,
		      size_t max)
{
	size_t nr = 0;
	uint64_t vs, ve;
	const char *p;

	for (p = smaps; *p; p = next_line(p)) {
		if (!vma_header(p, &vs, &ve) || vs >= end || ve <= start)
			continue;
		if (nr == max)
			return -E2BIG;
		starts[nr++] = vs;
	}
	return (int)nr;
}

/* The counts show_numa_map prints on one line. */
struct numa_line {
	int64_t pages, anon, dirty, active, swapcache, writeback, mapmax, node;
	bool mapped_seen, active_seen;
};

/* " name=value" words of a numa_maps line; @node_name ("N1") picks a node */
static void numa_line_parse(const char *p, const char *node_name, struct numa_line *nl)
{
	static const struct {
		const char *name;
		size_t off;
	} words[] = {
		{"anon", offsetof(struct numa_line, anon)},
		{"dirty", offsetof(struct numa_line, dirty)},
		{"mapped", offsetof(struct numa_line, pages)},
		{"active", offsetof(struct numa_line, active)},
		{"swapcache", offsetof(struct numa_line, swapcache)},
		{"writeback", offsetof(struct numa_line, writeback)},
		{"mapmax", offsetof(struct numa_line, mapmax)},
	};
	const char *end = strchr(p, '\n');

	memset(nl, 0, sizeof(*nl));
	if (!end)
		end = p + strlen(p);
	while (p < end) {
		const char *w = p, *eq;
		size_t n;
		int64_t v;

		while (p < end && *p != ' ')
			p++;
		eq = memchr(w, '=', (size_t)(p - w));
		while (p < end && *p == ' ')
			p++;
		if (!eq || !parse_value(eq + 1, &v))
			continue;
		n = (size_t)(eq - w);
		if (n == strlen(node_name) && !strncmp(w, node_name, n))
			nl->node = v;
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (n == strlen(words[i].name) && !strncmp(w, words[i].name, n)) {
				*(int64_t *)((char *)nl + words[i].off) = v;
				nl->mapped_seen |= i == 2;
				nl->active_seen |= i == 3;
			}
	}
	/* show_numa_map: mapped= only when it differs from anon and dirty
	 * (each a part of it, so then the larger); active= only when below */
	if (!nl->mapped_seen)
		nl->pages = nl->anon > nl->dirty ? nl->anon : nl->dirty;
	if (!nl->active_seen)
		nl->active = nl->pages;
}

int proc_numa_maps_sum(const char *numa_maps, const uint64_t *starts, size_t nr,
		       const char *field, int64_t *sum)
{
	static const char *const fields[] = {"mapped", "anon", "dirty", "active",
					     "swapcache", "writeback", "mapmax"};
	bool node = field[0] == 'N' && field[1] >= '0' && field[1] <= '9';
	size_t f = sizeof(fields) / sizeof(fields[0]);
	const char *p;

	for (size_t i = 0; !node && i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i], field))
			f = i;
	if (!node && f == sizeof(fields) / sizeof(fields[0]))
		return -ENOENT;
	*sum = 0;
	for (p = numa_maps; *p; p = next_line(p)) {
		struct numa_line nl;
		uint64_t vs;
		char *q;
		size_t i;
		int64_t v;

		vs = strtoull(p, &q, 16);
		if (q == p || *q != ' ')
			continue;
		for (i = 0; i < nr && starts[i] != vs; i++)
			;
		if (i == nr)
			continue;
		numa_line_parse(q, node ? field : "", &nl);
		v = node ? nl.node
		    : f == 0 ? nl.pages
		    : f == 1 ? nl.anon
		    : f == 2 ? nl.dirty
		    : f == 3 ? nl.active
		    : f == 4 ? nl.swapcache
		    : f == 5 ? nl.writeback
			     : nl.mapmax;
		if (f == 6)
			*sum = v > *sum ? v : *sum;
		else
			*sum += v;
	}
	return 0;
}

/*
 * A VMA that overlaps a region is the region's, even one that spans two
 * regions (two adjacent locked mappings merge into one VMA): the image's
 * VMAs are apart from every region (the helper maps its own far from the
 * mmap area, with flags no scenario mapping has).
 */
static bool overlaps_a_region(uint64_t vs, uint64_t ve, const struct proc_span *regions,
			      size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (vs < regions[i].end && ve > regions[i].start)
			return true;
	return false;
}

/* " lo" among the two-letter words of a VmFlags line */
static bool has_vm_flag(const char *p, const char *flag)
{
	const char *nl = strchr(p, '\n');
	size_t len = nl ? (size_t)(nl - p) : strlen(p);
	size_t i;

	for (i = 0; i + 3 <= len; i++)
		if (p[i] == ' ' && p[i + 1] == flag[0] && p[i + 2] == flag[1] &&
		    (i + 3 == len || p[i + 3] == ' '))
			return true;
	return false;
}

void proc_smaps_image(const char *smaps, const struct proc_span *regions,
		      size_t nr_regions, struct proc_image *image)
{
	bool image_vma = false;
	int64_t size = 0, rss = 0, v;
	uint64_t vs, ve;
	const char *p;

	memset(image, 0, sizeof(*image));
	for (p = smaps; *p; p = next_line(p)) {
		if (vma_header(p, &vs, &ve)) {
			image_vma = ve <= PROC_USER_TOP &&
				    !overlaps_a_region(vs, ve, regions, nr_regions);
			size = (int64_t)((ve - vs) >> 10);
			rss = 0;
			if (image_vma) {
				image->vmas++;
				image->size_kb += size;
			}
		} else if (!image_vma) {
			continue;
		} else if (field_line(p, "Rss", 3, &v)) {
			image->rss_kb += v;
			rss = v;
		} else if (field_line(p, "Anonymous", 9, &v)) {
			image->anon_kb += v;
		} else if (!strncmp(p, "VmFlags:", 8) && has_vm_flag(p + 8, "lo")) {
			image->locked_size_kb += size;
			image->locked_rss_kb += rss;
		}
	}
}

bool proc_status_image_part(const char *field, const struct proc_image *image,
			    int64_t *part)
{
	if (!strcmp(field, "VmLck"))
		*part = image->locked_size_kb; /* locked_vm: VM_LOCKED VMAs */
	else if (!strcmp(field, "VmSize"))
		*part = image->size_kb; /* total_vm */
	else if (!strcmp(field, "VmRSS"))
		*part = image->rss_kb;
	else if (!strcmp(field, "RssAnon"))
		*part = image->anon_kb;
	else if (!strcmp(field, "HugetlbPages"))
		*part = 0; /* the helper's image maps no hugetlb page */
	else
		return false;
	return true;
}

bool proc_meminfo_image_free(const char *field)
{
	return !strncmp(field, "HugePages_", 10) || !strcmp(field, "Hugetlb") ||
	       !strcmp(field, "Hugepagesize");
}

/* ---- /proc/kpageflags ---- */

/* include/uapi/linux/kernel-page-flags.h */
#define KPF_UPTODATE 3
#define KPF_DIRTY 4
#define KPF_LRU 5
#define KPF_ACTIVE 6
#define KPF_SLAB 7
#define KPF_WRITEBACK 8
#define KPF_MMAP 11
#define KPF_ANON 12
#define KPF_SWAPCACHE 13
#define KPF_SWAPBACKED 14
#define KPF_UNEVICTABLE 18
#define KPF_PGTABLE 26
#define KPF_MLOCKED 33

#define KPF(bit) (1ULL << (bit))

const char *const proc_memcg_lru_names[PROC_NR_LRU] = {
	"inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable",
};

int proc_kpage_lru(uint64_t kpf)
{
	int lru;

	if (!(kpf & KPF(KPF_LRU)))
		return -1;
	if (kpf & KPF(KPF_UNEVICTABLE))
		return 4;
	lru = kpf & KPF(KPF_SWAPBACKED) ? 0 : 2;
	return kpf & KPF(KPF_ACTIVE) ? lru + 1 : lru;
}

bool proc_kpage_user(uint64_t kpf)
{
	const uint64_t user = KPF(KPF_UPTODATE) | KPF(KPF_DIRTY) | KPF(KPF_LRU) |
			      KPF(KPF_WRITEBACK) | KPF(KPF_MMAP) | KPF(KPF_ANON) |
			      KPF(KPF_SWAPCACHE) | KPF(KPF_SWAPBACKED) |
			      KPF(KPF_UNEVICTABLE) | KPF(KPF_MLOCKED);

	if (kpf & (KPF(KPF_PGTABLE) | KPF(KPF_SLAB)))
		return false;
	return (kpf & user) != 0;
}

void proc_memcg_count(struct proc_memcg_pages *p, uint64_t kpf)
{
	int lru = proc_kpage_lru(kpf);

	if (lru >= 0)
		p->lru[lru]++;
	if (proc_kpage_user(kpf))
		p->user++;
}

int proc_memcg_field(const struct proc_memcg_pages *own, uint64_t subtree_user,
		     const char *field, int64_t *bytes)
{
	size_t i;

	for (i = 0; i < PROC_NR_LRU; i++) {
		if (!strcmp(field, proc_memcg_lru_names[i])) {
			*bytes = (int64_t)(own->lru[i] * 4096);
			return 0;
		}
	}
	if (!strcmp(field, "usage")) {
		*bytes = (int64_t)(subtree_user * 4096);
		return 0;
	}
	return -ENOENT;
}

uint64_t proc_reclaim_limit(uint64_t usage, uint64_t kmem, uint64_t user, uint64_t size,
			    uint64_t *stock)
{
	uint64_t charged = kmem + user;

	/* the stock is what the page counter holds beyond what is charged */
	*stock = usage > charged ? usage - charged : 0;
	if (usage < charged)
		charged = usage; /* cannot be: take the counter's word */
	return charged > size ? charged - size : 0;
}

int proc_bracketed(const char *text, char *out, size_t len)
{
	const char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;

	if (!close || (size_t)(close - open) > len)
		return -ENOENT;
	memcpy(out, open + 1, (size_t)(close - open - 1));
	out[close - open - 1] = '\0';
	return 0;
}

bool proc_has_word(const char *list, const char *word, const char *separators)
{
	size_t len = strlen(word), n;
	const char *p = list;

	while (*p) {
		p += strspn(p, separators);
		n = strcspn(p, separators);
		if (n == len && !strncmp(p, word, len))
			return true;
		p += n;
	}
	return false;
}

int proc_memcg_hierarchy(const char *mounts, const char *v2_controllers)
{
	const char *line;
	bool v2 = false;
	char dev[256], dir[256], type[64], opts[512];

	for (line = mounts; *line; line = next_line(line)) {
		/* "DEV DIR TYPE OPTIONS 0 0" (proc_pid_mounts: show_vfsmnt) */
		if (sscanf(line, "%255s %255s %63s %511s", dev, dir, type, opts) != 4)
			continue;
		if (!strcmp(type, "cgroup") && !strcmp(dir, PROC_MEMCG_V1_ROOT) &&
		    proc_has_word(opts, "memory", ","))
			return PROC_MEMCG_V1;
		if (!strcmp(type, "cgroup2") && !strcmp(dir, PROC_MEMCG_V2_ROOT))
			v2 = true;
	}
	if (v2 && v2_controllers && proc_has_word(v2_controllers, "memory", " \t\n"))
		return PROC_MEMCG_V2;
	return -ENOENT;
}

int proc_memcg_source(enum proc_memcg_hier hier, const char *field, const char **file,
		      const char **key)
{
	struct proc_memcg_pages none = {0};
	int64_t bytes;

	*file = NULL;
	*key = field;
	if (!proc_memcg_field(&none, 0, field, &bytes))
		return 0;
	if (!strcmp(field, "hierarchical_memory_limit")) {
		if (hier != PROC_MEMCG_V1)
			return -EOPNOTSUPP;
		*file = "memory.stat";
		return 0;
	}
	if (!strcmp(field, "oom_kill")) {
		*file = hier == PROC_MEMCG_V1 ? "memory.oom_control" : "memory.events.local";
		return 0;
	}
	return -ENOENT;
}

const char *proc_memcg_limit_file(enum proc_memcg_hier hier)
{
	return hier == PROC_MEMCG_V1 ? "memory.limit_in_bytes" : "memory.max";
}
