/*
 * live_sysctl.c - `sysctl nr_hugepages=N` on the live side, only in the
 * throwaway guest of `conform --kernel` (docs/VM.md): a run never changes
 * the sysctls of the machine it runs on.  The guest is known by the token
 * LIVE_VM_GUEST_TOKEN on its kernel command line, which the VM runner puts
 * there (src/vm/runner.c) and no host has.  The value before the first
 * write is put back when the run ends, so the next run starts with the
 * pool the guest booted with.
 */
#include "live.h"

#ifdef __linux__

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

bool live_in_vm_guest(void)
{
	char cmdline[4096], *tok, *save = NULL;

	if (live_read_file("/proc/cmdline", cmdline, sizeof(cmdline)))
		return false;
	for (tok = strtok_r(cmdline, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, LIVE_VM_GUEST_TOKEN))
			return true;
	return false;
}

static int read_nr_hugepages(uint64_t *value)
{
	char text[64], *end;
	int ret = live_read_file(NR_HUGEPAGES, text, sizeof(text));

	if (ret)
		return ret;
	errno = 0;
	*value = strtoull(text, &end, 10);
	return errno || end == text ? -EINVAL : 0;
}

/*
 * set_max_huge_pages takes what the buddy allocator gives: a pool that
 * comes out smaller than asked stops the run there (the model's machine
 * has no other user of memory, the guest may).
 */
int live_run_sysctl(struct live *lv, const struct scenario_statement *st)
{
	const struct scenario_sysctl *sc = &st->sysctl;
	uint64_t want, got;
	char *end;
	int ret;

	/* native_scenario_check let through nr_hugepages only, in the guest */
	errno = 0;
	want = strtoull(sc->value, &end, 10);
	if (errno || end == sc->value || *end)
		return live_stop_here(lv, st, "sysctl %s: '%s' is not a number", sc->name, sc->value);
	if (!lv->hugepages_saved) {
		ret = read_nr_hugepages(&lv->saved_nr_hugepages);
		if (ret)
			return live_driver_error(lv, st, "reading %s: %s", NR_HUGEPAGES, strerror(-ret));
		lv->hugepages_saved = true;
	}
	ret = live_write_text(NR_HUGEPAGES, sc->value);
	if (!ret)
		ret = read_nr_hugepages(&got);
	if (ret)
		return live_driver_error(lv, st, "setting %s to %s: %s", NR_HUGEPAGES, sc->value,
					 strerror(-ret));
	if (got != want)
		return live_stop_here(lv, st, "the kernel made a pool of %llu huge pages, not %llu",
				      (unsigned long long)got, (unsigned long long)want);
	return 0;
}

/* After the tasks are gone: the pool the run found. */
void live_sysctl_restore(struct live *lv)
{
	char text[32];

	if (!lv->hugepages_saved)
		return;
	snprintf(text, sizeof(text), "%llu", (unsigned long long)lv->saved_nr_hugepages);
	live_write_text(NR_HUGEPAGES, text);
	lv->hugepages_saved = false;
}

#endif /* __linux__ */
