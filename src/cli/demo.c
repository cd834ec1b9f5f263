/*
 * demo.c - the built-in scenario of `unevict demo`: the seed document's
 * story (Documentation/mm/unevictable-lru.rst, "mlocked pages") in 300
 * pages.  Every expectation holds on the model and, per KERNEL-SEMANTICS.md
 * §2-§5 and tests/scenarios/core (observed on 6.18.44), on Linux 6.18 too,
 * except the `lru` lines, which only the model can show.
 * `unevict demo --script` prints it, to be copied and changed.
 */
#include "demo.h"

static const char demo_text[] =
	"# unevict demo: the life of 300 mlocked pages (Linux 6.18, mlock-count design)\n"
	"machine mem=1G cpus=1\n"
	"task a cpu=0 memlock=8M\n"
	"\n"
	"# 1. A private anonymous mapping of 300 pages. Nothing is resident yet:\n"
	"#    mmap only creates a VMA.\n"
	"a: mmap r1 300p\n"
	"expect ok\n"
	"expect a status VmLck = 0 kB\n"
	"\n"
	"# 2. Touch every page: 300 write faults, each a new anonymous folio added\n"
	"#    with folio_add_lru. They wait in this CPU's lru_add batch, which is\n"
	"#    processed each time it fills up (31 folios): 9 batches reach the\n"
	"#    inactive anon list, the last 21 folios are still in the batch.\n"
	"a: touch r1\n"
	"expect ok\n"
	"expect lru inactive_anon = 279\n"
	"# drain is lru_add_drain_all(): every CPU's batches are emptied.\n"
	"drain\n"
	"expect lru inactive_anon = 300\n"
	"expect lru unevictable = 0\n"
	"expect vmstat nr_mlock = 0\n"
	"print meminfo\n"
	"\n"
	"# 3. mlock: mlock_fixup marks the VMA VM_LOCKED (locked_vm += 300 pages,\n"
	"#    VmLck 1200 kB), then the page walk calls mlock_folio on every page:\n"
	"#    PG_mlocked is set and counted at once (unevictable_pgs_mlocked,\n"
	"#    nr_mlock), and the folio is queued; lru_add_drain after the walk runs\n"
	"#    __mlock_folio, which moves each folio from the inactive anon list to\n"
	"#    the unevictable list with mlock_count 1 (unevictable_pgs_culled).\n"
	"a: mlock r1\n"
	"expect ok\n"
	"expect vmstat unevictable_pgs_mlocked = 300\n"
	"expect vmstat unevictable_pgs_culled = 300\n"
	"expect vmstat nr_mlock = 300\n"
	"expect vmstat nr_unevictable = 300\n"
	"expect meminfo Mlocked = 1200 kB\n"
	"expect meminfo Unevictable = 1200 kB\n"
	"expect a status VmLck = 1200 kB\n"
	"expect a smaps r1 Locked = 1200 kB\n"
	"# Reclaim never scans the unevictable list: the pages are out of its way.\n"
	"expect lru unevictable = 300\n"
	"expect lru inactive_anon = 0\n"
	"print meminfo\n"
	"print a smaps\n"
	"\n"
	"# 4. munlock: VM_LOCKED is cleared (VmLck 0), the walk queues munlock_folio\n"
	"#    for every page, and the drain after it runs __munlock_folio:\n"
	"#    mlock_count 1 -> 0, PG_mlocked cleared (unevictable_pgs_munlocked) and\n"
	"#    the folio, evictable again, goes back to the inactive anon list\n"
	"#    (unevictable_pgs_rescued).\n"
	"a: munlock r1\n"
	"expect ok\n"
	"expect vmstat unevictable_pgs_munlocked = 300\n"
	"expect vmstat unevictable_pgs_rescued = 300\n"
	"expect vmstat nr_mlock = 0\n"
	"expect vmstat nr_unevictable = 0\n"
	"expect meminfo Mlocked = 0 kB\n"
	"expect meminfo Unevictable = 0 kB\n"
	"expect a status VmLck = 0 kB\n"
	"expect a smaps r1 Locked = 0 kB\n"
	"expect lru unevictable = 0\n"
	"expect lru inactive_anon = 300\n"
	"print a smaps\n";

const char *demo_scenario_text(void)
{
	return demo_text;
}
