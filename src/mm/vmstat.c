/*
 * vmstat.c - the counters and their /proc text (mm/vmstat.c,
 * fs/proc/meminfo.c, fs/proc/array.c, fs/proc/task_mmu.c).
 *
 * Events are exact sums; gauges are folded at once (as after a write to
 * /proc/sys/vm/stat_refresh), and each node has one zone, so the nr_zone_*
 * and nr_* views of a list are equal.  Rendering writes into a growing
 * buffer: the model never prints.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

struct text {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void text_printf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap + (size_t)n + 1) * 2;
		char *nb = realloc(t->buf, cap);

		if (!nb) {
			t->failed = true;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
}

static char *text_finish(struct text *t)
{
	if (t->failed || !t->buf) {
		free(t->buf);
		return t->failed ? NULL : calloc(1, 1);
	}
	return t->buf;
}

static uint64_t lru_pages(const struct unev_machine *m, int lru)
{
	uint64_t sum = 0;

	for (unsigned int n = 0; n < m->cfg.nodes; n++)
		sum += m->nodes[n].nr_lru[lru];
	return sum;
}

#define NODE_SUM(field)                                                   \
	static int64_t sum_##field(const struct unev_machine *m)          \
	{                                                                 \
		int64_t s = 0;                                            \
		for (unsigned int n = 0; n < m->cfg.nodes; n++)           \
			s += m->nodes[n].field;                           \
		return s;                                                 \
	}
NODE_SUM(nr_mlock)
NODE_SUM(nr_anon_mapped)
NODE_SUM(nr_file_pages)
NODE_SUM(nr_shmem)
NODE_SUM(nr_file_mapped)
NODE_SUM(nr_anon_thps)
NODE_SUM(nr_file_thps)
NODE_SUM(nr_file_pmdmapped)
NODE_SUM(nr_free_pages)
NODE_SUM(managed_pages)

/* One /proc/vmstat line: its name and how to read it. */
enum vmstat_source { VS_LRU, VS_EVENT, VS_MLOCK, VS_ANON, VS_MAPPED, VS_FILE, VS_SHMEM, VS_FREE,
		     VS_ANON_THPS, VS_FILE_THPS, VS_FILE_PMDMAPPED };
struct vmstat_field {
	const char *name;
	enum vmstat_source src;
	int arg;
};

/* In the order /proc/vmstat prints them on 6.18 (the fields the model knows). */
static const struct vmstat_field vmstat_fields[] = {
	{ "nr_free_pages", VS_FREE, 0 },
	{ "nr_zone_inactive_anon", VS_LRU, UNEV_LRU_INACTIVE_ANON },
	{ "nr_zone_active_anon", VS_LRU, UNEV_LRU_ACTIVE_ANON },
	{ "nr_zone_inactive_file", VS_LRU, UNEV_LRU_INACTIVE_FILE },
	{ "nr_zone_active_file", VS_LRU, UNEV_LRU_ACTIVE_FILE },
	{ "nr_zone_unevictable", VS_LRU, UNEV_LRU_UNEVICTABLE },
	{ "nr_mlock", VS_MLOCK, 0 },
	{ "nr_inactive_anon", VS_LRU, UNEV_LRU_INACTIVE_ANON },
	{ "nr_active_anon", VS_LRU, UNEV_LRU_ACTIVE_ANON },
	{ "nr_inactive_file", VS_LRU, UNEV_LRU_INACTIVE_FILE },
	{ "nr_active_file", VS_LRU, UNEV_LRU_ACTIVE_FILE },
	{ "nr_unevictable", VS_LRU, UNEV_LRU_UNEVICTABLE },
	{ "nr_anon_pages", VS_ANON, 0 },
	{ "nr_mapped", VS_MAPPED, 0 },
	{ "nr_file_pages", VS_FILE, 0 },
	{ "nr_shmem", VS_SHMEM, 0 },
	{ "nr_file_hugepages", VS_FILE_THPS, 0 },		/* in THPs */
	{ "nr_file_pmdmapped", VS_FILE_PMDMAPPED, 0 },		/* in THPs */
	{ "nr_anon_transparent_hugepages", VS_ANON_THPS, 0 },	/* in THPs */
	{ "pswpin", VS_EVENT, PSWPIN },
	{ "pswpout", VS_EVENT, PSWPOUT },
	{ "pgalloc_normal", VS_EVENT, PGALLOC },
	{ "pgfree", VS_EVENT, PGFREE },
	{ "pgactivate", VS_EVENT, PGACTIVATE },
	{ "pgdeactivate", VS_EVENT, PGDEACTIVATE },
	{ "pglazyfree", VS_EVENT, PGLAZYFREE },
	{ "pgfault", VS_EVENT, PGFAULT },
	{ "pglazyfreed", VS_EVENT, PGLAZYFREED },
	{ "pgrefill", VS_EVENT, PGREFILL },
	{ "pgsteal_kswapd", VS_EVENT, PGSTEAL_KSWAPD },
	{ "pgsteal_direct", VS_EVENT, PGSTEAL_DIRECT },
	{ "pgscan_kswapd", VS_EVENT, PGSCAN_KSWAPD },
	{ "pgscan_direct", VS_EVENT, PGSCAN_DIRECT },
	{ "pgscan_anon", VS_EVENT, PGSCAN_ANON },
	{ "pgscan_file", VS_EVENT, PGSCAN_FILE },
	{ "pgsteal_anon", VS_EVENT, PGSTEAL_ANON },
	{ "pgsteal_file", VS_EVENT, PGSTEAL_FILE },
	{ "oom_kill", VS_EVENT, OOM_KILL },
	{ "pgmigrate_success", VS_EVENT, PGMIGRATE_SUCCESS },
	{ "pgmigrate_fail", VS_EVENT, PGMIGRATE_FAIL },
	{ "compact_migrate_scanned", VS_EVENT, COMPACTMIGRATE_SCANNED },
	{ "compact_free_scanned", VS_EVENT, COMPACTFREE_SCANNED },
	{ "compact_isolated", VS_EVENT, COMPACTISOLATED },
	{ "compact_stall", VS_EVENT, COMPACTSTALL },
	{ "compact_fail", VS_EVENT, COMPACTFAIL },
	{ "compact_success", VS_EVENT, COMPACTSUCCESS },
	{ "unevictable_pgs_culled", VS_EVENT, UNEVICTABLE_PGCULLED },
	{ "unevictable_pgs_scanned", VS_EVENT, UNEVICTABLE_PGSCANNED },
	{ "unevictable_pgs_rescued", VS_EVENT, UNEVICTABLE_PGRESCUED },
	{ "unevictable_pgs_mlocked", VS_EVENT, UNEVICTABLE_PGMLOCKED },
	{ "unevictable_pgs_munlocked", VS_EVENT, UNEVICTABLE_PGMUNLOCKED },
	{ "unevictable_pgs_cleared", VS_EVENT, UNEVICTABLE_PGCLEARED },
	{ "unevictable_pgs_stranded", VS_EVENT, UNEVICTABLE_PGSTRANDED },
	{ "thp_fault_alloc", VS_EVENT, THP_FAULT_ALLOC },
	{ "thp_fault_fallback", VS_EVENT, THP_FAULT_FALLBACK },
	{ "thp_fault_fallback_charge", VS_EVENT, THP_FAULT_FALLBACK_CHARGE },
	{ "thp_file_mapped", VS_EVENT, THP_FILE_MAPPED },
	{ "thp_deferred_split_page", VS_EVENT, THP_DEFERRED_SPLIT_PAGE },
	{ "thp_split_pmd", VS_EVENT, THP_SPLIT_PMD },
	{ "thp_split_page", VS_EVENT, THP_SPLIT_PAGE },
	{ "thp_split_page_failed", VS_EVENT, THP_SPLIT_PAGE_FAILED },
	{ "thp_swpout_fallback", VS_EVENT, THP_SWPOUT_FALLBACK },
	{ "thp_collapse_alloc", VS_EVENT, THP_COLLAPSE_ALLOC },
	{ "thp_collapse_alloc_failed", VS_EVENT, THP_COLLAPSE_ALLOC_FAILED },
};
#define NR_VMSTAT_FIELDS (sizeof(vmstat_fields) / sizeof(vmstat_fields[0]))

static uint64_t vmstat_value(const struct unev_machine *m, const struct vmstat_field *f)
{
	switch (f->src) {
	case VS_LRU: return lru_pages(m, f->arg);
	case VS_EVENT: return m->events[f->arg];
	case VS_MLOCK: return (uint64_t)sum_nr_mlock(m);
	case VS_ANON: return (uint64_t)sum_nr_anon_mapped(m);
	case VS_MAPPED: return (uint64_t)sum_nr_file_mapped(m);
	case VS_FILE: return (uint64_t)sum_nr_file_pages(m);
	case VS_SHMEM: return (uint64_t)sum_nr_shmem(m);
	case VS_FREE: return (uint64_t)sum_nr_free_pages(m);
	case VS_ANON_THPS: return (uint64_t)sum_nr_anon_thps(m) / HPAGE_PMD_NR;
	/* vmstat_item_print_in_thp */
	case VS_FILE_THPS: return (uint64_t)sum_nr_file_thps(m) / HPAGE_PMD_NR;
	case VS_FILE_PMDMAPPED: return (uint64_t)sum_nr_file_pmdmapped(m) / HPAGE_PMD_NR;
	}
	return 0;
}

int unev_vmstat_read(const struct unev_machine *m, const char *name, uint64_t *val)
{
	for (size_t i = 0; i < NR_VMSTAT_FIELDS; i++) {
		if (!strcmp(vmstat_fields[i].name, name)) {
			*val = vmstat_value(m, &vmstat_fields[i]);
			return 0;
		}
	}
	return -ENOENT;
}

char *unev_proc_vmstat(const struct unev_machine *m)
{
	struct text t = { 0 };

	for (size_t i = 0; i < NR_VMSTAT_FIELDS; i++)
		text_printf(&t, "%s %llu\n", vmstat_fields[i].name,
			    (unsigned long long)vmstat_value(m, &vmstat_fields[i]));
	return text_finish(&t);
}

/* /proc/meminfo, in kB, in the kernel's order (meminfo_proc_show). */
struct meminfo_field {
	const char *name;
	uint64_t pages;
	bool count;                   /* a number, not pages shown in kB */
};

static size_t meminfo_fields(const struct unev_machine *m, struct meminfo_field *f)
{
	uint64_t ia = lru_pages(m, UNEV_LRU_INACTIVE_ANON), aa = lru_pages(m, UNEV_LRU_ACTIVE_ANON);
	uint64_t ifl = lru_pages(m, UNEV_LRU_INACTIVE_FILE), af = lru_pages(m, UNEV_LRU_ACTIVE_FILE);
	size_t n = 0;

	f[n++] = (struct meminfo_field){ .name = "MemTotal", (uint64_t)sum_managed_pages(m) };
	f[n++] = (struct meminfo_field){ .name = "MemFree", (uint64_t)sum_nr_free_pages(m) };
	f[n++] = (struct meminfo_field){ .name = "Cached", (uint64_t)sum_nr_file_pages(m) };
	f[n++] = (struct meminfo_field){ .name = "Active", aa + af };
	f[n++] = (struct meminfo_field){ .name = "Inactive", ia + ifl };
	f[n++] = (struct meminfo_field){ .name = "Active(anon)", aa };
	f[n++] = (struct meminfo_field){ .name = "Inactive(anon)", ia };
	f[n++] = (struct meminfo_field){ .name = "Active(file)", af };
	f[n++] = (struct meminfo_field){ .name = "Inactive(file)", ifl };
	f[n++] = (struct meminfo_field){ .name = "Unevictable", lru_pages(m, UNEV_LRU_UNEVICTABLE) };
	f[n++] = (struct meminfo_field){ .name = "Mlocked", (uint64_t)sum_nr_mlock(m) };
	f[n++] = (struct meminfo_field){ .name = "AnonPages", (uint64_t)sum_nr_anon_mapped(m) };
	f[n++] = (struct meminfo_field){ .name = "Mapped", (uint64_t)sum_nr_file_mapped(m) };
	f[n++] = (struct meminfo_field){ .name = "Shmem", (uint64_t)sum_nr_shmem(m) };
	f[n++] = (struct meminfo_field){ .name = "AnonHugePages", (uint64_t)sum_nr_anon_thps(m) };
	f[n++] = (struct meminfo_field){ .name = "FileHugePages", (uint64_t)sum_nr_file_thps(m) };
	f[n++] = (struct meminfo_field){ .name = "FilePmdMapped", (uint64_t)sum_nr_file_pmdmapped(m) };
	/* hugetlb_report_meminfo: the pool in huge pages, then its size */
	f[n++] = (struct meminfo_field){ .name = "HugePages_Total", m->hstate.nr_huge_pages, true };
	f[n++] = (struct meminfo_field){ .name = "HugePages_Free", m->hstate.free_huge_pages, true };
	f[n++] = (struct meminfo_field){ .name = "HugePages_Rsvd", m->hstate.resv_huge_pages, true };
	f[n++] = (struct meminfo_field){ .name = "HugePages_Surp", m->hstate.surplus_huge_pages, true };
	f[n++] = (struct meminfo_field){ .name = "Hugepagesize", HPAGE_NR_PAGES };
	f[n++] = (struct meminfo_field){ .name = "Hugetlb", m->hstate.nr_huge_pages * HPAGE_NR_PAGES };
	return n;
}
#define NR_MEMINFO_FIELDS 23

static uint64_t meminfo_value(const struct meminfo_field *f)
{
	return f->count ? f->pages : f->pages * (PAGE_SIZE / 1024);
}

int unev_meminfo_read(const struct unev_machine *m, const char *name, uint64_t *kb)
{
	struct meminfo_field f[NR_MEMINFO_FIELDS];
	size_t n = meminfo_fields(m, f);

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(f[i].name, name)) {
			*kb = meminfo_value(&f[i]);
			return 0;
		}
	}
	return -ENOENT;
}

char *unev_proc_meminfo(const struct unev_machine *m)
{
	struct meminfo_field f[NR_MEMINFO_FIELDS];
	size_t n = meminfo_fields(m, f);
	struct text t = { 0 };

	for (size_t i = 0; i < n; i++) {
		char label[32];

		snprintf(label, sizeof(label), "%s:", f[i].name);
		if (f[i].count)
			text_printf(&t, "%-18s%5llu\n", label, (unsigned long long)f[i].pages);
		else
			text_printf(&t, "%-15s %8llu kB\n", label,
				    (unsigned long long)meminfo_value(&f[i]));
	}
	return text_finish(&t);
}

/* /proc/PID/status memory lines (task_mem). */
static size_t status_fields(const struct mm_struct *mm, struct meminfo_field *f)
{
	size_t n = 0;

	f[n++] = (struct meminfo_field){ .name = "VmSize", mm->total_vm };
	f[n++] = (struct meminfo_field){ .name = "VmLck", mm->locked_vm };
	f[n++] = (struct meminfo_field){ .name = "VmRSS", mm->rss_anon + mm->rss_file + mm->rss_shmem };
	f[n++] = (struct meminfo_field){ .name = "RssAnon", mm->rss_anon };
	f[n++] = (struct meminfo_field){ .name = "RssFile", mm->rss_file };
	f[n++] = (struct meminfo_field){ .name = "RssShmem", mm->rss_shmem };
	f[n++] = (struct meminfo_field){ .name = "VmPTE", mm->nr_pgtables };
	f[n++] = (struct meminfo_field){ .name = "VmSwap", mm->swapents };
	f[n++] = (struct meminfo_field){ .name = "HugetlbPages", mm->hugetlb_usage };
	return n;
}

static const struct task_struct *task_get(const struct unev_machine *m, int pid)
{
	if (!unev_task_alive(m, pid))
		return NULL;
	return m->tasks[pid - 1];
}

int unev_status_read(const struct unev_machine *m, int pid, const char *name, uint64_t *kb)
{
	const struct task_struct *t = task_get(m, pid);
	struct meminfo_field f[12];
	size_t n;

	if (!t)
		return -ESRCH;
	n = status_fields(t->mm, f);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(f[i].name, name)) {
			*kb = f[i].pages * (PAGE_SIZE / 1024);
			return 0;
		}
	}
	return -ENOENT;
}

char *unev_proc_status(const struct unev_machine *m, int pid)
{
	const struct task_struct *t = task_get(m, pid);
	struct meminfo_field f[12];
	struct text tx = { 0 };
	size_t n;

	if (!t)
		return NULL;
	text_printf(&tx, "Pid:\t%d\n", t->pid);
	n = status_fields(t->mm, f);
	for (size_t i = 0; i < n; i++)
		text_printf(&tx, "%s:\t%8llu kB\n", f[i].name,
			    (unsigned long long)(f[i].pages * (PAGE_SIZE / 1024)));
	return text_finish(&tx);
}

/* mem_size_stats: bytes, with PSS in bytes << PSS_SHIFT as the kernel does. */
#define PSS_SHIFT 12
struct mem_size_stats {
	uint64_t resident, anonymous, referenced, swap;
	uint64_t shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t pss, pss_dirty, pss_locked, swap_pss;
	uint64_t lazyfree;		/* MADV_FREE'd anon pages not written since */
	uint64_t anonymous_thp;		/* PMD-mapped anonymous THPs */
	uint64_t file_thp;		/* PMD-mapped page-cache folios (not shmem) */
};

/* smaps_page_accumulate */
static void smaps_page_accumulate(struct mem_size_stats *mss, uint64_t pss, bool dirty,
				  bool locked, bool private)
{
	mss->pss += pss;
	if (dirty) {
		mss->pss_dirty += pss;
		if (private)
			mss->private_dirty += PAGE_SIZE;
		else
			mss->shared_dirty += PAGE_SIZE;
	} else {
		if (private)
			mss->private_clean += PAGE_SIZE;
		else
			mss->shared_clean += PAGE_SIZE;
	}
	if (locked)
		mss->pss_locked += pss;
}

/* smaps_pte_entry + smaps_account: a folio with one reference is wholly
 * ours; otherwise each page counts PAGE_SIZE / mapcount.  The zero page is
 * not a normal page and counts nowhere; a swap entry counts in Swap. */
static int smaps_pte(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
		     uint64_t *pte, void *arg)
{
	struct mem_size_stats *mss = arg;
	bool locked = vma->vm_flags & VM_LOCKED;
	uint32_t pfn = pte_pfn(*pte);
	const struct folio *f;
	bool dirty;

	(void)addr;
	if (*pte & PTE_SWAP) {
		uint32_t count = swap_count(m, *pte >> PAGE_SHIFT);

		mss->swap += PAGE_SIZE;
		mss->swap_pss += (PAGE_SIZE << PSS_SHIFT) / (count ? count : 1);
		return 0;
	}
	if (pfn == m->zero_pfn)
		return 0;
	f = page_folio(m, pfn);
	dirty = (*pte & PTE_DIRTY) || folio_test(f, PG_dirty);
	/* smaps_pmd_entry: a PMD-mapped THP counts in AnonHugePages too;
	 * its pages are accounted as one compound page (smaps_account) */
	if ((*pte & PTE_PMD) && folio_test_anon(f))
		mss->anonymous_thp += PAGE_SIZE;
	else if ((*pte & PTE_PMD) && !folio_test(f, PG_swapbacked))
		mss->file_thp += PAGE_SIZE;
	if (folio_test_anon(f)) {
		mss->anonymous += PAGE_SIZE;
		/* smaps_account: lazyfree until written again */
		if (!folio_test(f, PG_swapbacked) && !dirty)
			mss->lazyfree += PAGE_SIZE;
	}
	mss->resident += PAGE_SIZE;
	if ((*pte & PTE_YOUNG) || folio_test(f, PG_referenced))
		mss->referenced += PAGE_SIZE;
	/* a large folio's page counts by its own mappings, PMDs and PTEs
	 * (folio_precise_page_mapcount: 1 wholly ours, a page fork left
	 * mapped twice half) */
	if (folio_test_large(f) && !folio_test(f, PG_hugetlb)) {
		int32_t mc = folio_precise_page_mapcount(m, f, pfn);

		smaps_page_accumulate(mss, (PAGE_SIZE << PSS_SHIFT) / (mc >= 2 ? (uint64_t)mc : 1),
				      dirty, locked, mc < 2);
		return 0;
	}
	if (f->refcount == 1 ||
	    (folio_test_large(f) && f->mapcount <= (int32_t)folio_nr_pages(f))) {
		smaps_page_accumulate(mss, PAGE_SIZE << PSS_SHIFT, dirty, locked, true);
		return 0;
	}
	smaps_page_accumulate(mss, (PAGE_SIZE << PSS_SHIFT) /
				       (f->mapcount >= 2 ? (uint64_t)f->mapcount : 1),
			      dirty, locked, f->mapcount < 2);
	return 0;
}

struct smaps_value {
	const char *name;
	uint64_t kb;
};

#define NR_SMAPS_VALUES 22
/* show_smap's fields in its order, those always 0 here included. */
static const char *const smaps_names[NR_SMAPS_VALUES] = {
	"Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty", "Shared_Clean",
	"Shared_Dirty", "Private_Clean", "Private_Dirty", "Referenced", "Anonymous", "KSM",
	"LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb",
	"Private_Hugetlb", "Swap", "SwapPss", "Locked",
};

static size_t smaps_values(struct unev_machine *m, struct vm_area_struct *vma,
			   struct smaps_value *v)
{
	struct mem_size_stats mss = { 0 };
	/* vma_kernel_pagesize, vma_mmu_pagesize: a hugetlb VMA's are huge */
	uint64_t page_kb = (is_vm_hugetlb_page(vma) ? HPAGE_SIZE : PAGE_SIZE) >> 10;
	const uint64_t kb[NR_SMAPS_VALUES] = {
		(vma->vm_end - vma->vm_start) >> 10, page_kb, page_kb, 0, 0, 0, 0,
	};
	uint64_t vals[NR_SMAPS_VALUES], shared_hugetlb = 0, private_hugetlb = 0;

	/* smaps_hugetlb_range: a huge page counts in *_Hugetlb only */
	if (is_vm_hugetlb_page(vma)) {
		hugetlb_smaps(m, vma, &private_hugetlb, &shared_hugetlb);
	} else if (vma_is_driver(vma)) {	/* a device's pages: no folio of ours */
		driver_smaps(vma, &mss.resident, &mss.pss, &mss.shared_clean, &mss.private_clean);
		mss.referenced = mss.resident;
	} else {
		walk_page_range_all(m, vma, vma->vm_start, vma->vm_end, smaps_pte, &mss);
	}
	memcpy(vals, kb, sizeof(vals));
	vals[3] = mss.resident >> 10;
	vals[4] = (mss.pss >> PSS_SHIFT) >> 10;
	vals[5] = (mss.pss_dirty >> PSS_SHIFT) >> 10;
	vals[6] = mss.shared_clean >> 10;
	vals[7] = mss.shared_dirty >> 10;
	vals[8] = mss.private_clean >> 10;
	vals[9] = mss.private_dirty >> 10;
	vals[10] = mss.referenced >> 10;
	vals[11] = mss.anonymous >> 10;
	vals[13] = mss.lazyfree >> 10;
	vals[14] = mss.anonymous_thp >> 10;
	vals[16] = mss.file_thp >> 10;
	vals[17] = shared_hugetlb >> 10;
	vals[18] = private_hugetlb >> 10;
	vals[19] = mss.swap >> 10;
	vals[20] = (mss.swap_pss >> PSS_SHIFT) >> 10;
	vals[21] = (mss.pss_locked >> PSS_SHIFT) >> 10;
	for (size_t i = 0; i < NR_SMAPS_VALUES; i++)
		v[i] = (struct smaps_value){ smaps_names[i], vals[i] };
	return NR_SMAPS_VALUES;
}

int unev_smaps_read(const struct unev_machine *cm, int pid, uint64_t start, uint64_t end,
		    const char *name, uint64_t *kb)
{
	/* reading walks page tables but changes nothing */
	struct unev_machine *m = (struct unev_machine *)cm;
	const struct task_struct *t = task_get(m, pid);
	size_t field = NR_SMAPS_VALUES;

	if (!t)
		return -ESRCH;
	for (size_t j = 0; j < NR_SMAPS_VALUES; j++)
		if (!strcmp(smaps_names[j], name))
			field = j;
	if (field == NR_SMAPS_VALUES)
		return -ENOENT;
	*kb = 0;
	for (unsigned int i = 0; i < t->mm->nr_vmas; i++) {
		struct vm_area_struct *vma = t->mm->vmas[i];
		struct smaps_value v[NR_SMAPS_VALUES];

		/* every VMA that overlaps the range counts, whole, as the
		 * kernel's file shows it (SCENARIO.md: merged regions) */
		if (vma->vm_end <= start || vma->vm_start >= end)
			continue;
		smaps_values(m, vma, v);
		*kb += v[field].kb;
	}
	return 0;
}

/* struct numa_maps (fs/proc/task_mmu.c): one VMA's counts, in pages. */
struct numa_maps {
	uint64_t pages, anon, active, writeback, mapcount_max, dirty, swapcache;
	uint64_t node[64];
};

/* gather_pte_stats + can_gather_numa_stats + gather_stats: a present PTE
 * of a normal page (not the zero page); an unevictable folio counts as
 * active. */
static int numa_maps_pte(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
			 uint64_t *pte, void *arg)
{
	struct numa_maps *md = arg;
	const struct folio *f;

	(void)vma;
	(void)addr;
	if (pte_pfn(*pte) == m->zero_pfn)
		return 0;
	f = page_folio(m, pte_pfn(*pte));
	md->pages++;
	if ((*pte & PTE_DIRTY) || folio_test(f, PG_dirty))
		md->dirty++;
	if (folio_test(f, PG_swapcache))
		md->swapcache++;
	if (folio_test(f, PG_active) || folio_test(f, PG_unevictable))
		md->active++;
	if (folio_test_anon(f))
		md->anon++;
	if ((uint64_t)f->mapcount > md->mapcount_max)
		md->mapcount_max = (uint64_t)f->mapcount;
	md->node[f->node]++;
	return 0;
}

int unev_numa_maps_read(const struct unev_machine *cm, int pid, uint64_t start, uint64_t end,
			const char *field, uint64_t *pages)
{
	/* reading walks page tables but changes nothing */
	struct unev_machine *m = (struct unev_machine *)cm;
	const struct task_struct *t = task_get(m, pid);
	unsigned int node = 0;
	char *e;

	if (!t)
		return -ESRCH;
	if (field[0] == 'N' && field[1] >= '0' && field[1] <= '9') {
		unsigned long n = strtoul(field + 1, &e, 10);

		if (*e || n >= 64)
			return -ENOENT;
		node = (unsigned int)n;
	} else if (strcmp(field, "mapped") && strcmp(field, "anon") && strcmp(field, "dirty") &&
		   strcmp(field, "active") && strcmp(field, "swapcache") &&
		   strcmp(field, "writeback") && strcmp(field, "mapmax")) {
		return -ENOENT;
	}
	*pages = 0;
	for (unsigned int i = 0; i < t->mm->nr_vmas; i++) {
		struct vm_area_struct *vma = t->mm->vmas[i];
		struct numa_maps md = { 0 };
		uint64_t v;

		/* every VMA that overlaps the range counts, whole (as smaps) */
		if (vma->vm_end <= start || vma->vm_start >= end)
			continue;
		if (is_vm_hugetlb_page(vma))
			return -EOPNOTSUPP;
		walk_page_range(m, vma, vma->vm_start, vma->vm_end, numa_maps_pte, &md);
		v = field[0] == 'N'		   ? md.node[node]
		    : !strcmp(field, "mapped")	   ? md.pages
		    : !strcmp(field, "anon")	   ? md.anon
		    : !strcmp(field, "dirty")	   ? md.dirty
		    : !strcmp(field, "active")	   ? md.active
		    : !strcmp(field, "swapcache") ? md.swapcache
		    : !strcmp(field, "writeback") ? md.writeback
						   : md.mapcount_max;
		if (!strcmp(field, "mapmax"))	/* a maximum, not a sum */
			*pages = v > *pages ? v : *pages;
		else
			*pages += v;
	}
	return 0;
}

/* show_smap_vma_flags mnemonics for the flags the model has. */
static void vma_flags_text(struct text *t, uint64_t f)
{
	static const struct { uint64_t flag; const char *mn; } names[] = {
		{ VM_READ, "rd" }, { VM_WRITE, "wr" }, { VM_EXEC, "ex" }, { VM_SHARED, "sh" },
		{ VM_MAYREAD, "mr" }, { VM_MAYWRITE, "mw" }, { VM_MAYEXEC, "me" },
		{ VM_MAYSHARE, "ms" }, { VM_PFNMAP, "pf" }, { VM_LOCKED, "lo" }, { VM_IO, "io" },
		{ VM_DONTCOPY, "dc" }, { VM_DONTEXPAND, "de" }, { VM_LOCKONFAULT, "lf" }, { VM_ACCOUNT, "ac" },
		{ VM_HUGETLB, "ht" },	/* bit order, as show_smap_vma_flags */
		{ VM_WIPEONFORK, "wf" }, { VM_DONTDUMP, "dd" }, { VM_MIXEDMAP, "mm" },
		{ VM_HUGEPAGE, "hg" }, { VM_NOHUGEPAGE, "nh" }, { VM_DROPPABLE, "dp" },
	};

	text_printf(t, "VmFlags:");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].flag)
			text_printf(t, " %s", names[i].mn);
	text_printf(t, "\n");
}

char *unev_proc_smaps(const struct unev_machine *cm, int pid, uint64_t start, uint64_t end)
{
	struct unev_machine *m = (struct unev_machine *)cm;
	const struct task_struct *task = task_get(m, pid);
	struct text t = { 0 };

	if (!task)
		return NULL;
	for (unsigned int i = 0; i < task->mm->nr_vmas; i++) {
		struct vm_area_struct *vma = task->mm->vmas[i];
		struct smaps_value v[NR_SMAPS_VALUES];
		size_t n;
		uint64_t f = vma->vm_flags;

		if (vma->vm_end <= start || vma->vm_start >= end)
			continue;
		text_printf(&t, "%08llx-%08llx %c%c%c%c %08llx 00:%02x %u",
			    (unsigned long long)vma->vm_start, (unsigned long long)vma->vm_end,
			    f & VM_READ ? 'r' : '-', f & VM_WRITE ? 'w' : '-',
			    f & VM_EXEC ? 'x' : '-', f & VM_MAYSHARE ? 's' : 'p',
			    0ULL, vma->mapping ? 1 : 0, vma->mapping ? vma->mapping->id : 0);
		if (vma->mapping)
			text_printf(&t, "%*s%s", 18, "", vma->mapping->name);
		else if (vma->vm_start >= task->mm->start_brk && vma->vm_end <= task->mm->brk + PAGE_SIZE &&
			 vma->vm_start < BRK_START + (1ULL << 40))
			text_printf(&t, "%*s[heap]", 26, "");
		text_printf(&t, "\n");
		n = smaps_values(m, vma, v);
		for (size_t j = 0; j < n; j++) {
			char label[32];

			snprintf(label, sizeof(label), "%s:", v[j].name);
			text_printf(&t, "%-16s%8llu kB\n", label, (unsigned long long)v[j].kb);
		}
		vma_flags_text(&t, f);
	}
	return text_finish(&t);
}

int unev_lru_read(const struct unev_machine *m, const char *name, uint64_t *pages)
{
	for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++) {
		if (!strcmp(unev_lru_name(lru), name)) {
			*pages = lru_pages(m, lru);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * /sys/devices/system/node/nodeN/vmstat for the LRU lists and nr_mlock
 * (node_read_vmstat): the five list names of unev_lru_name, or "nr_mlock",
 * in pages.  -ENOENT for a node the machine lacks or an unknown name.
 */
int unev_node_read(const struct unev_machine *m, int node, const char *name, uint64_t *pages)
{
	if (node < 0 || (unsigned int)node >= m->cfg.nodes)
		return -ENOENT;
	if (!strcmp(name, "nr_mlock")) {
		*pages = (uint64_t)m->nodes[node].nr_mlock;
		return 0;
	}
	for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++) {
		if (!strcmp(unev_lru_name(lru), name)) {
			*pages = m->nodes[node].nr_lru[lru];
			return 0;
		}
	}
	return -ENOENT;
}

int unev_pagemap_read(const struct unev_machine *cm, int pid, uint64_t start, uint64_t end,
		      uint64_t *frames)
{
	/* pagemap_read walks page tables but changes nothing */
	struct unev_machine *m = (struct unev_machine *)cm;
	const struct task_struct *t = task_get(m, pid);

	if (!t)
		return -ESRCH;
	start &= PAGE_MASK;
	for (uint64_t addr = start; addr < end; addr += PAGE_SIZE) {
		uint64_t *pte = pte_lookup(t->mm, addr, false);

		frames[(addr - start) >> PAGE_SHIFT] =
			pte && (*pte & PTE_PRESENT) ? pte_pfn(*pte) : UNEV_PFN_NONE;
	}
	return 0;
}
