/*
 * filemap.c - address spaces and the page cache: lookup and insertion,
 * read and write, truncation and hole punching, and the file rmap
 * (mm/filemap.c, mm/truncate.c, mm/memory.c unmap_mapping_range).
 *
 * A page-cache folio holds one reference for the cache; new ones enter the
 * LRU through the per-CPU lru_add batch (filemap_add_folio ->
 * folio_add_lru), so a ramfs folio is culled when that batch is processed.
 *
 * A large folio (an ext4 write on 6.18: ext4_large_folios) is found at each
 * of its indices, as the xarray's multi-index entry finds it: every slot
 * holds the head's pfn, and the page of an index is head + index - f->index.
 */
#include <stdio.h>

#include "internal.h"

static uint64_t cache_chunks(uint64_t slots)
{
	return (slots + CACHE_CHUNK - 1) >> CACHE_CHUNK_SHIFT;
}

struct address_space *mapping_create(struct unev_machine *m, enum mapping_kind kind,
				     uint64_t size, const char *name)
{
	struct address_space *as;
	uint64_t slots = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (m->nr_mappings == m->cap_mappings) {
		unsigned int cap = m->cap_mappings ? m->cap_mappings * 2 : 16;
		struct address_space **n = realloc(m->mappings, cap * sizeof(*n));

		if (!n)
			return NULL;
		m->mappings = n;
		m->cap_mappings = cap;
	}
	as = calloc(1, sizeof(*as));
	if (!as)
		return NULL;
	/* one pointer per chunk: an 8 TiB file is 2 Mi chunks, 16 MiB the
	 * host gives lazily (calloc), and nothing more until pages come */
	as->chunks = calloc(cache_chunks(slots) ? cache_chunks(slots) : 1, sizeof(*as->chunks));
	if (!as->chunks) {
		free(as);
		return NULL;
	}
	as->nr_slots = slots;
	as->size = size;
	as->kind = kind;
	as->refcount = 1;
	snprintf(as->name, sizeof(as->name), "%s", name);
	/* ramfs_get_inode: unevictable from creation, for the inode's life */
	if (kind == MAPPING_RAMFS)
		mapping_set_unevictable(as);
	m->mappings[m->nr_mappings++] = as;
	as->id = m->nr_mappings;
	return as;
}

/* shmem_zero_setup: a MAP_SHARED|MAP_ANONYMOUS mapping's object. */
struct address_space *shmem_object_create(struct unev_machine *m, uint64_t size)
{
	return mapping_create(m, MAPPING_SHMEM, size, "/dev/zero (deleted)");
}

void mapping_get(struct address_space *as)
{
	as->refcount++;
}

static int page_cache_grow(struct address_space *as, uint64_t slots)
{
	uint64_t old = cache_chunks(as->nr_slots), nr = cache_chunks(slots);
	uint32_t **n;

	if (slots <= as->nr_slots)
		return 0;
	if (slots > UINT32_MAX)
		return -EFBIG;
	if (nr > old) {
		n = realloc(as->chunks, nr * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memset(n + old, 0, (nr - old) * sizeof(*n));
		as->chunks = n;
	}
	as->nr_slots = slots;
	return 0;
}

/* xas_create: room for an entry at @index (the cache grows to it, its chunk
 * is allocated), so the store that follows cannot fail. */
int page_cache_prepare(struct address_space *as, uint64_t index)
{
	uint32_t **chunk;
	int err = page_cache_grow(as, index + 1);

	if (err)
		return err;
	chunk = &as->chunks[index >> CACHE_CHUNK_SHIFT];
	if (*chunk)
		return 0;
	*chunk = malloc(CACHE_CHUNK * sizeof(**chunk));
	if (!*chunk)
		return -ENOMEM;
	for (uint64_t i = 0; i < CACHE_CHUNK; i++)
		(*chunk)[i] = PFN_NIL;
	return 0;
}

/* xa_store: PFN_NIL erases; any other entry needs page_cache_prepare first
 * or a chunk that holds an entry already. */
void cache_entry_store(struct address_space *as, uint64_t index, uint32_t e)
{
	uint32_t *chunk = as->chunks[index >> CACHE_CHUNK_SHIFT];

	if (chunk)
		chunk[index & (CACHE_CHUNK - 1)] = e;
}

/* The first index at or after @index whose chunk was ever used, or
 * nr_slots: walks skip what no page ever entered (xa_find). */
uint64_t cache_next_chunk(const struct address_space *as, uint64_t index)
{
	while (index < as->nr_slots && !as->chunks[index >> CACHE_CHUNK_SHIFT])
		index = ((index >> CACHE_CHUNK_SHIFT) + 1) << CACHE_CHUNK_SHIFT;
	return index < as->nr_slots ? index : as->nr_slots;
}

void page_cache_free(struct address_space *as)
{
	for (uint64_t i = 0; i < cache_chunks(as->nr_slots); i++)
		free(as->chunks[i]);
	free(as->chunks);
	free(as->ra);	/* the open files' read state goes with the cache */
	as->ra = NULL;
	as->nr_ra = 0;
}

/* filemap_remove_folio: the folio leaves the cache (mapping = NULL, as
 * truncation leaves it) and the cache's reference goes; a per-CPU batch may
 * still hold it until it is processed. */
void filemap_delete_folio(struct unev_machine *m, struct address_space *as, uint64_t index)
{
	struct folio *f = pfn_to_page(m, cache_entry(as, index));
	struct pglist_data *pgdat = &m->nodes[f->node];
	long nr = (long)folio_nr_pages(f);

	for (long i = 0; i < nr; i++)
		cache_entry_store(as, f->index + (uint64_t)i, PFN_NIL);
	as->nrpages -= (uint64_t)nr;
	f->mapping = 0;
	node_stat_mod(m, f->node, &pgdat->nr_file_pages, -nr);
	if (as->kind == MAPPING_SHMEM)
		node_stat_mod(m, f->node, &pgdat->nr_shmem, -nr);
	else if (f->order >= HPAGE_PMD_ORDER)	/* filemap_unaccount_folio */
		node_stat_mod(m, f->node, &pgdat->nr_file_thps, -nr);
	folio_put(m, f);
}

/*
 * truncate_inode_partial_folio: a large folio that the bytes [lstart,
 * lend) cut through is split (or zeroed in part), which the model does
 * not do: the caller refuses the call (-EOPNOTSUPP) before it changes
 * anything.
 */
static int truncate_cuts_large_folio(struct unev_machine *m, const struct address_space *as,
				     uint64_t lstart, uint64_t lend)
{
	uint64_t edge[2] = { lstart, lend - 1 };

	for (unsigned int i = 0; i < 2; i++) {
		uint32_t e = cache_entry(as, edge[i] >> PAGE_SHIFT);
		const struct folio *f;
		uint64_t fstart, fend;

		if (e == PFN_NIL || !cache_entry_is_folio(e))
			continue;
		f = pfn_to_page(m, e);
		if (!folio_test_large(f))
			continue;
		fstart = (uint64_t)f->index << PAGE_SHIFT;
		fend = fstart + (folio_nr_pages(f) << PAGE_SHIFT);
		if ((i == 0 && lstart != fstart) || (i == 1 && lend != fend))
			return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * truncate_inode_pages_range / shmem_undo_range: entries go a folio batch
 * at a time, and releasing the first batch (__folio_batch_release) drains
 * this CPU's LRU and mlock batches: so truncation, unlike munmap, flushes
 * the munlocks its unmapping queued (observed: tests/scenarios/files).
 */
void truncate_inode_pages_range(struct unev_machine *m, struct address_space *as,
				uint64_t start, uint64_t end)
{
	unsigned int in_batch = 0;
	bool drained = false;

	if (end > as->nr_slots)
		end = as->nr_slots;
	for (uint64_t i = cache_next_chunk(as, start); i < end; i = cache_next_chunk(as, i + 1)) {
		uint32_t e = cache_entry(as, i);

		if (cache_entry_is_swap(e)) {
			/* shmem_free_swap */
			swap_entry_free(m, ((uint64_t)(e & ~SHMEM_SWAP_ENTRY) << PAGE_SHIFT) | PTE_SWAP);
			cache_entry_store(as, i, PFN_NIL);
		} else if (e != PFN_NIL) {
			filemap_delete_folio(m, as, i);
		} else {
			continue;
		}
		if (++in_batch == m->batch_size) {
			if (!drained)
				lru_add_drain(m);
			drained = true;
			in_batch = 0;
		}
	}
	if (in_batch && !drained)
		lru_add_drain(m);
}

/* The last reference (iput -> evict): the page cache is truncated. */
void mapping_put(struct unev_machine *m, struct address_space *as)
{
	if (--as->refcount > 0)
		return;
	if (as->kind == MAPPING_HUGETLB)	/* hugetlbfs_evict_inode */
		hugetlb_inode_release(m, as);
	if (as->kind == MAPPING_SECRETMEM)	/* secretmem_release */
		secretmem_release(m, as);
	truncate_inode_pages_range(m, as, 0, as->nr_slots);
	page_cache_free(as);
	free(as->i_mmap);
	m->mappings[as->id - 1] = NULL;
	free(as);
}

int i_mmap_insert(struct address_space *as, struct vm_area_struct *vma)
{
	if (as->nr_i_mmap == as->cap_i_mmap) {
		unsigned int cap = as->cap_i_mmap ? as->cap_i_mmap * 2 : 4;
		struct vm_area_struct **n = realloc(as->i_mmap, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		as->i_mmap = n;
		as->cap_i_mmap = cap;
	}
	as->i_mmap[as->nr_i_mmap++] = vma;
	return 0;
}

void i_mmap_remove(struct address_space *as, struct vm_area_struct *vma)
{
	for (unsigned int i = 0; i < as->nr_i_mmap; i++) {
		if (as->i_mmap[i] == vma) {
			as->i_mmap[i] = as->i_mmap[--as->nr_i_mmap];
			return;
		}
	}
}

/* Is any slot of [index, index + nr) taken (filemap_add_folio's -EEXIST)? */
static bool cache_range_used(const struct address_space *as, uint64_t index, uint64_t nr)
{
	for (uint64_t i = index; i < index + nr; i++)
		if (cache_entry(as, i) != PFN_NIL)
			return true;
	return false;
}

/* filemap_alloc_folio above order 0: __GFP_NORETRY, so none when the node
 * is below its low watermark (no reclaim for it here), then the charge. */
static struct folio *filemap_alloc_large_folio(struct unev_machine *m, unsigned int order)
{
	int node = numa_node_id(m);
	struct pglist_data *pgdat = &m->nodes[node];
	struct folio *f = NULL;

	if (pgdat->nr_free_pages >= pgdat->wmark_low + (1ULL << order))
		f = folio_alloc(m, node, order);
	if (!f)
		return NULL;
	prep_compound_page(m, f);
	if (mem_cgroup_charge(m, f)) {
		folio_put(m, f);
		return NULL;
	}
	return f;
}

/*
 * __filemap_get_folio with FGP_CREAT and an order: the order falls to the
 * alignment of @index, then one at a time while the range holds a folio
 * already or no folio of it can be had, down to a page.
 */
static int filemap_add_folio(struct unev_machine *m, struct address_space *as, uint64_t index,
			     unsigned int order, struct folio **out)
{
	struct folio *f = NULL;
	uint64_t nr;
	int err;

	if (order && (index & ((1ULL << order) - 1)))
		order = (unsigned int)__builtin_ctzll(index);
	for (; order > 0 && !f; order--) {
		if (index + (1ULL << order) > UINT32_MAX ||
		    cache_range_used(as, index, 1ULL << order))
			continue;
		for (uint64_t i = 0; i < 1ULL << order; i += CACHE_CHUNK)
			if ((err = page_cache_prepare(as, index + i)))
				return err;
		if ((err = page_cache_prepare(as, index + (1ULL << order) - 1)))
			return err;
		f = filemap_alloc_large_folio(m, order);
		if (f)
			break;
	}
	if (!f) {
		err = page_cache_prepare(as, index);
		if (err)
			return err;
		f = alloc_user_folio(m, numa_node_id(m));
		if (!f)
			return -ENOMEM;
	}
	nr = folio_nr_pages(f);
	if (as->kind == MAPPING_SHMEM)
		folio_set(f, PG_swapbacked);
	f->mapping = as->id;
	f->index = (uint32_t)index;
	for (uint64_t i = 0; i < nr; i++)
		cache_entry_store(as, index + i, page_to_pfn(m, f));
	as->nrpages += nr;
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_pages, (long)nr);
	if (as->kind == MAPPING_SHMEM)
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_shmem, (long)nr);
	else if (f->order >= HPAGE_PMD_ORDER)	/* __filemap_add_folio: folio_test_pmd_mappable */
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_thps, (long)nr);
	folio_add_lru(m, f);
	*out = f;
	return 0;
}

int filemap_get_folio(struct unev_machine *m, struct address_space *as, uint64_t index,
		      bool create, struct folio **out)
{
	uint32_t e = cache_entry(as, index);

	if (cache_entry_is_swap(e))
		return shmem_swapin(m, as, index, out);
	if (e != PFN_NIL) {
		*out = pfn_to_page(m, e);
		return 0;
	}
	if (!create)
		return -ENOENT;
	return filemap_add_folio(m, as, index, 0, out);
}

/* unmap_mapping_range: zap every PTE of [start, end) (page offsets) in every
 * VMA of the file; private COW copies too when @even_cows (truncation). */
struct zap_file_ctx {
	bool even_cows;
	uint64_t end;
};

static int zap_file_pte(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
			uint64_t *pte, void *arg)
{
	struct zap_file_ctx *ctx = arg;
	uint32_t pfn = pte_pfn(*pte);
	struct folio *f;

	if (*pte & PTE_PMD) {	/* a page-cache folio's PMD goes whole */
		zap_huge_pmd(m, vma, pte - ((addr >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1)));
		return 0;
	}
	if (pfn != m->zero_pfn) {
		f = page_folio(m, pfn);
		if (folio_test_anon(f) && !ctx->even_cows)
			return 0;
		if (folio_test_large(f)) {	/* zap_present_folio_ptes: one batch */
			uint64_t stop = (addr | (PTRS_PER_TABLE * PAGE_SIZE - 1)) + 1;
			unsigned int nr = folio_pte_batch(m, f, pte,
				(unsigned int)(((ctx->end < stop ? ctx->end : stop) - addr) >> PAGE_SHIFT));

			memset(pte, 0, nr * sizeof(*pte));
			mm_counter_inc(vma->mm, f, -(int64_t)nr);
			folio_remove_rmap_ptes(m, f, pfn, nr, vma);
			f->refcount -= (int32_t)nr - 1;
			folio_put(m, f);
			return 0;
		}
		*pte = 0;
		mm_counter_inc(vma->mm, f, -1);
		folio_remove_rmap_pte(m, f, pfn, vma);
		folio_put(m, f);
		return 0;
	}
	if (ctx->even_cows)
		*pte = 0;
	return 0;
}

void unmap_mapping_range(struct unev_machine *m, struct address_space *as, uint64_t start,
			 uint64_t end, bool even_cows)
{
	struct zap_file_ctx ctx = { .even_cows = even_cows };

	for (unsigned int i = 0; i < as->nr_i_mmap; i++) {
		struct vm_area_struct *vma = as->i_mmap[i];
		uint64_t vstart = vma->vm_pgoff, vend = vma->vm_pgoff + vma_pages(vma);
		uint64_t s = start > vstart ? start : vstart, e = end < vend ? end : vend;

		if (s >= e)
			continue;
		/* unmap_mapping_range_vma -> zap_page_range_single, which
		 * drains this CPU first up to 6.12 (unmap_drains_batches) */
		if (m->profile->unmap_drains_batches)
			lru_add_drain(m);
		ctx.end = vma->vm_start + ((e - vstart) << PAGE_SHIFT);
		walk_page_range(m, vma, vma->vm_start + ((s - vstart) << PAGE_SHIFT), ctx.end,
				zap_file_pte, &ctx);
	}
}

/* ---- the file system calls ---- */

static const enum mapping_kind fs_kind[] = {
	[UNEV_FS_DISK] = MAPPING_DISK,
	[UNEV_FS_TMPFS] = MAPPING_SHMEM,
	[UNEV_FS_RAMFS] = MAPPING_RAMFS,
};

int unev_file_create(struct unev_machine *m, const char *name, enum unev_fs fs,
		     uint64_t size, int *ino)
{
	struct address_space *as;

	if ((unsigned int)fs > UNEV_FS_RAMFS)
		return -EINVAL;
	if (PAGE_ALIGN(size) >> PAGE_SHIFT > UINT32_MAX || PAGE_ALIGN(size) < size)
		return -EFBIG;
	as = mapping_create(m, fs_kind[fs], size, name);
	if (!as)
		return -ENOMEM;
	as->is_file = true;
	*ino = (int)as->id;
	return 0;
}

struct address_space *file_lookup(struct unev_machine *m, int ino)
{
	struct address_space *as;

	if (ino < 1 || (unsigned int)ino > m->nr_mappings)
		return NULL;
	as = m->mappings[ino - 1];
	return as && as->is_file ? as : NULL;
}

/* The calling task becomes current and @ino must name a file. */
static int file_call_begin(struct unev_machine *m, int pid, int ino, struct address_space **as)
{
	if (!task_lookup(m, pid))
		return -ESRCH;
	*as = file_lookup(m, ino);
	return *as ? 0 : -EBADF;
}

/* file_ra_state.prev_pos of @t's open file description of @as (the tasks
 * of one declared task share it): -1 until a read goes through it. */
static int64_t *file_prev_pos(struct address_space *as, const struct task_struct *t)
{
	struct file_ra *n;

	for (unsigned int i = 0; i < as->nr_ra; i++)
		if (as->ra[i].files == t->files)
			return &as->ra[i].prev_pos;
	n = realloc(as->ra, (as->nr_ra + 1) * sizeof(*n));
	if (!n)
		return NULL;
	as->ra = n;
	n[as->nr_ra].files = t->files;
	n[as->nr_ra].prev_pos = -1;
	return &n[as->nr_ra++].prev_pos;
}

/*
 * filemap_read / shmem_file_read_iter: up to i_size.  A tmpfs hole reads
 * as the zero page and allocates nothing (SGP_READ); other file systems
 * read the page into the cache (readahead beyond the range is not modelled).
 * Each folio read is marked accessed: shmem marks a page read from its
 * first byte; filemap_read marks every folio but the first when that one
 * holds the byte before the file's prev_pos (the same folio read again).
 */
static int unev_sys_pread_call(struct unev_machine *m, int pid, int ino, uint64_t off, uint64_t len)
{
	struct address_space *as;
	struct task_struct *t;
	int64_t *prev_pos = NULL;
	uint64_t end;

	int err = file_call_begin(m, pid, ino, &as);

	if (err)
		return err;
	if (off + len < off)
		return -EINVAL;
	if (len == 0 || off >= as->size)
		return 0;
	t = task_lookup(m, pid);
	if (as->kind != MAPPING_SHMEM) {
		prev_pos = file_prev_pos(as, t);
		if (!prev_pos)
			return -ENOMEM;
	}
	end = off + len < as->size ? off + len : as->size;
	for (uint64_t idx = off >> PAGE_SHIFT, next; idx <= (end - 1) >> PAGE_SHIFT; idx = next) {
		struct folio *f;
		bool first = idx == off >> PAGE_SHIFT;
		int err = filemap_get_folio(m, as, idx, as->kind != MAPPING_SHMEM, &f);
		uint64_t prev_idx;

		next = idx + 1;
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		next = f->index + folio_nr_pages(f);	/* a folio is read once */
		if (as->kind == MAPPING_SHMEM) {
			if (!first || (off & (PAGE_SIZE - 1)) == 0)
				folio_mark_accessed(m, f);
			continue;
		}
		prev_idx = *prev_pos < 1 ? UINT64_MAX : (uint64_t)(*prev_pos - 1) >> PAGE_SHIFT;
		if (!first || prev_idx < f->index || prev_idx >= next)	/* pos_same_folio */
			folio_mark_accessed(m, f);
	}
	if (prev_pos)
		*prev_pos = (int64_t)end;
	return 0;
}

int unev_sys_pread(struct unev_machine *m, int pid, int ino, uint64_t off, uint64_t len)
{
	int ret = unev_sys_pread_call(m, pid, ino, off, len);

	syscall_exit(m);
	return ret;
}

/*
 * The folio order ext4's write_begin asks for @bytes (fgf_set_order: the
 * log2 of the length, less a page's; ext4's EXT4_MAX_PAGECACHE_ORDER is 9
 * with 4 KiB blocks), on a kernel with ext4 large folios; else a page.
 */
static unsigned int write_begin_order(const struct unev_machine *m,
				      const struct address_space *as, uint64_t bytes)
{
	unsigned int shift = 63 - (unsigned int)__builtin_clzll(bytes);

	if (as->kind != MAPPING_DISK || !m->profile->ext4_large_folios || shift <= PAGE_SHIFT)
		return 0;
	return shift - PAGE_SHIFT < HPAGE_PMD_ORDER ? shift - PAGE_SHIFT : HPAGE_PMD_ORDER;
}

/*
 * generic_perform_write / shmem_write_begin: the write goes in chunks of
 * the largest folio the mapping takes (2 MiB with ext4 large folios, else
 * a page), each to the folio write_begin finds or adds at its first page
 * (through the lru_add batch; a large one empties the batch at once), and
 * no further than that folio's end; i_size grows to cover it.
 * shmem_get_folio(SGP_WRITE) marks a cached folio accessed and a new one
 * referenced; a disk or ramfs write_begin (FGP_WRITEBEGIN) marks nothing.
 */
static int unev_sys_pwrite_call(struct unev_machine *m, int pid, int ino, uint64_t off, uint64_t len)
{
	struct address_space *as;
	uint64_t end, chunk;

	int err = file_call_begin(m, pid, ino, &as);

	if (err)
		return err;
	if (len == 0)
		return 0;
	end = off + len;
	if (end < off || (PAGE_ALIGN(end) >> PAGE_SHIFT) > UINT32_MAX)
		return -EFBIG;
	chunk = write_begin_order(m, as, HPAGE_SIZE) ? HPAGE_SIZE : PAGE_SIZE;
	for (uint64_t pos = off, bytes; pos < end; pos += bytes) {
		uint64_t idx = pos >> PAGE_SHIFT, fend;
		struct folio *f;
		bool cached = cache_entry(as, idx) != PFN_NIL;	/* or swapped out */
		int err;

		bytes = chunk - (pos & (chunk - 1));
		if (bytes > end - pos)
			bytes = end - pos;
		err = cached ? filemap_get_folio(m, as, idx, true, &f)
			     : filemap_add_folio(m, as, idx, write_begin_order(m, as, bytes), &f);
		if (err)
			return err;
		if (as->kind == MAPPING_SHMEM && cached)
			folio_mark_accessed(m, f);
		else if (as->kind == MAPPING_SHMEM)
			folio_set(f, PG_referenced);
		folio_set(f, PG_dirty);
		fend = ((uint64_t)f->index + folio_nr_pages(f)) << PAGE_SHIFT;
		if (bytes > fend - pos)
			bytes = fend - pos;
	}
	if (end > as->size)
		as->size = end;
	return 0;
}

int unev_sys_pwrite(struct unev_machine *m, int pid, int ino, uint64_t off, uint64_t len)
{
	int ret = unev_sys_pwrite_call(m, pid, ino, off, len);

	syscall_exit(m);
	return ret;
}

/* truncate_pagecache: unmap (COWs too), drop the cache, unmap again for
 * racing COWs; growing only moves i_size. */
static int unev_sys_ftruncate_call(struct unev_machine *m, int pid, int ino, uint64_t size)
{
	struct address_space *as;
	uint64_t holebegin;

	int err = file_call_begin(m, pid, ino, &as);

	if (err)
		return err;
	if ((PAGE_ALIGN(size) >> PAGE_SHIFT) > UINT32_MAX || PAGE_ALIGN(size) < size)
		return -EFBIG;
	if (size >= as->size) {
		as->size = size;
		return page_cache_grow(as, PAGE_ALIGN(size) >> PAGE_SHIFT);
	}
	err = truncate_cuts_large_folio(m, as, size, (uint64_t)as->nr_slots << PAGE_SHIFT);
	if (err)
		return err;
	holebegin = PAGE_ALIGN(size) >> PAGE_SHIFT;
	as->size = size;
	unmap_mapping_range(m, as, holebegin, UINT64_MAX, true);
	truncate_inode_pages_range(m, as, holebegin, as->nr_slots);
	return 0;
}

int unev_sys_ftruncate(struct unev_machine *m, int pid, int ino, uint64_t size)
{
	int ret = unev_sys_ftruncate_call(m, pid, ino, size);

	syscall_exit(m);
	return ret;
}

/* The pages [off, off+len) leave @as: whole pages only, partial ones are
 * zeroed in place.  tmpfs keeps private COW copies ("hole-punching leaves
 * COWed pages", shmem_fallocate); a disk file system goes through
 * truncate_pagecache_range, which zaps them too. */
static void punch_hole_range(struct unev_machine *m, struct address_space *as, uint64_t off,
			     uint64_t len)
{
	uint64_t start = PAGE_ALIGN(off) >> PAGE_SHIFT, end = (off + len) >> PAGE_SHIFT;

	if (off + len > as->size)
		end = PAGE_ALIGN(as->size) >> PAGE_SHIFT;
	if (start >= end)
		return;
	unmap_mapping_range(m, as, start, end, as->kind != MAPPING_SHMEM);
	truncate_inode_pages_range(m, as, start, end);
}

/* vfs_fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE), for fallocate(2)
 * and madvise_remove: the range is checked before the file system is asked,
 * and ramfs has no ->fallocate (EOPNOTSUPP). */
int vfs_fallocate_punch_hole(struct unev_machine *m, struct address_space *as, uint64_t off,
			     uint64_t len)
{
	if (len == 0 || off + len < off)
		return -EINVAL;
	if (as->kind == MAPPING_RAMFS)
		return -EOPNOTSUPP;
	/* not -EOPNOTSUPP, ramfs's answer: the caller's run stops */
	if (off < as->size &&
	    truncate_cuts_large_folio(m, as, off, off + len < as->size ? off + len : as->size))
		return -ENOTRECOVERABLE;
	punch_hole_range(m, as, off, len);
	return 0;
}

static int unev_sys_punch_hole_call(struct unev_machine *m, int pid, int ino, uint64_t off, uint64_t len)
{
	struct address_space *as;
	int err = file_call_begin(m, pid, ino, &as);

	if (err)
		return err;
	return vfs_fallocate_punch_hole(m, as, off, len);
}

int unev_sys_punch_hole(struct unev_machine *m, int pid, int ino, uint64_t off, uint64_t len)
{
	int ret = unev_sys_punch_hole_call(m, pid, ino, off, len);

	syscall_exit(m);
	return ret;
}
