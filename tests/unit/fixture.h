/*
 * fixture.h - the unit tests' one fixture: a machine with one task, a
 * teardown that always runs the model's invariant check before it frees
 * the machine, and one reader per /proc file the tests read (vmstat,
 * meminfo, status, smaps, mincore).  Include after <cmocka.h>.
 */
#ifndef UNEV_TEST_FIXTURE_H
#define UNEV_TEST_FIXTURE_H

#include "unevict.h"

#include <stdint.h>

/* n pages, in bytes */
#define P(n) ((uint64_t)(n) * UNEV_PAGE_SIZE)

/*
 * A machine of cfg (NULL: the defaults); the test fails if it cannot be
 * made.  Ends with fixture_teardown, as every machine of a test does.
 */
static inline struct unev_machine *fixture_machine(const struct unev_machine_config *cfg)
{
	struct unev_machine_config def;
	struct unev_machine *m = NULL;

	if (!cfg) {
		unev_machine_config_default(&def);
		cfg = &def;
	}
	assert_int_equal(unev_machine_create(cfg, &m), 0);
	return m;
}

/* A machine of kernel's profile (NULL: the default) and mem_bytes of
 * memory, the other settings the defaults. */
static inline struct unev_machine *fixture_machine_kernel(const char *kernel, uint64_t mem_bytes)
{
	struct unev_machine_config cfg;

	unev_machine_config_default(&cfg);
	cfg.mem_bytes = mem_bytes;
	cfg.kernel = kernel;
	return fixture_machine(&cfg);
}

/* A task of tc (NULL: the default limits) on m: its pid. */
static inline int fixture_task(struct unev_machine *m, const struct unev_task_config *tc)
{
	struct unev_task_config def;
	int pid = 0;

	if (!tc) {
		unev_task_config_default(&def);
		tc = &def;
	}
	assert_int_equal(unev_task_create(m, tc, &pid), 0);
	return pid;
}

/*
 * A machine of cpus CPUs (0: the default) and mem_bytes of memory (0: the
 * default), and one task with the default limits.  0, or -1 for cmocka.
 */
static inline int fixture_setup(struct unev_machine **m, int *pid, unsigned int cpus,
				uint64_t mem_bytes)
{
	struct unev_machine_config cfg;
	struct unev_task_config tc;

	unev_machine_config_default(&cfg);
	if (cpus)
		cfg.cpus = cpus;
	if (mem_bytes)
		cfg.mem_bytes = mem_bytes;
	if (unev_machine_create(&cfg, m))
		return -1;
	unev_task_config_default(&tc);
	return unev_task_create(*m, &tc, pid) ? -1 : 0;
}

/* The model's invariants hold (src/mm/debug.c); else the test fails
 * with the broken one. */
static inline void fixture_check(const struct unev_machine *m)
{
	char msg[512];

	if (unev_check_invariants(m, msg, sizeof(msg)))
		fail_msg("invariant: %s", msg);
}

/* Every test ends with the invariants holding, whatever it asserted. */
static inline int fixture_teardown(struct unev_machine *m)
{
	if (!m)
		return 0;
	fixture_check(m);
	unev_machine_destroy(m);
	return 0;
}

/* What a cmocka test gets as its state from fixture_state_setup. */
struct fixture {
	struct unev_machine *m;
	int pid;
};

/* fixture_setup as a cmocka setup's body; the fixture is one per test
 * file (a static of this inline function in each file that calls it). */
static inline int fixture_state_setup(void **state, unsigned int cpus, uint64_t mem_bytes)
{
	static struct fixture fx;

	if (fixture_setup(&fx.m, &fx.pid, cpus, mem_bytes))
		return -1;
	*state = &fx;
	return 0;
}

/* A cmocka teardown for fixture_state_setup. */
static inline int fixture_state_teardown(void **state)
{
	struct fixture *fx = *state;

	return fixture_teardown(fx->m);
}

/*
 * The fixture most test files share: the file's statics m and pid, a
 * machine of mem_bytes (0: the default) with one task, made by setup()
 * and checked and freed by teardown() around each test.
 */
#define FIXTURE_FILE(mem_bytes)                                         \
	static struct unev_machine *m;                                  \
	static int pid;                                                 \
	static int setup(void **state)                                  \
	{                                                               \
		(void)state;                                            \
		return fixture_setup(&m, &pid, 0, (mem_bytes));         \
	}                                                               \
	static int teardown(void **state)                               \
	{                                                               \
		(void)state;                                            \
		return fixture_teardown(m);                             \
	}

/* A /proc/vmstat counter of the model; the test fails if there is none. */
static inline uint64_t fixture_vmstat(struct unev_machine *m, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(unev_vmstat_read(m, name, &v), 0);
	return v;
}

/* A private anonymous read-write mapping of @len bytes (MAP_* @flags too)
 * by task @pid; the test fails if mmap does. */
static inline uint64_t fixture_map_anon(struct unev_machine *m, int pid, uint64_t len, int flags)
{
	uint64_t addr = 0;

	assert_int_equal(unev_sys_mmap(m, pid, 0, len, UNEV_PROT_READ | UNEV_PROT_WRITE,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | flags, &addr),
			 0);
	return addr;
}

/* A /proc/meminfo field (kB); the test fails if there is none. */
static inline uint64_t fixture_meminfo(struct unev_machine *m, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(unev_meminfo_read(m, name, &v), 0);
	return v;
}

/* A /proc/PID/status field (kB for the Vm* ones). */
static inline uint64_t fixture_status(struct unev_machine *m, int pid, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(unev_status_read(m, pid, name, &v), 0);
	return v;
}

/* A field of /proc/PID/smaps summed over the VMAs of [addr, addr + len). */
static inline uint64_t fixture_smaps(struct unev_machine *m, int pid, uint64_t addr,
				     uint64_t len, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(unev_smaps_read(m, pid, addr, addr + len, name, &v), 0);
	return v;
}

/* mincore's resident pages of [addr, addr + len). */
static inline uint64_t fixture_resident(struct unev_machine *m, int pid, uint64_t addr,
					uint64_t len)
{
	uint64_t n = UINT64_MAX;

	assert_int_equal(unev_sys_mincore(m, pid, addr, len, NULL, &n), 0);
	return n;
}

#endif /* UNEV_TEST_FIXTURE_H */
