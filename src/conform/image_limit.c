/*
 * image_limit.c - the image rule for RLIMIT_MEMLOCK after mlockall
 * (docs/CONFORM.md "The mlockall rule", 5; issue 13).
 *
 * After a live mlockall(MCL_CURRENT), the task's own program image (text,
 * data, stack, the helper's shared slots: about 280 pages) is VM_LOCKED and
 * counted in mm->locked_vm, which every later RLIMIT_MEMLOCK check adds to
 * what a call asks: mmap(MAP_LOCKED) and mremap growing a locked mapping
 * (mlock_future_ok: EAGAIN), mlock and mlock2 (do_mlock: ENOMEM).  The
 * model's tasks have no image, so a call that fits the limit there can be
 * refused live.  Pure, for the unit tests.
 */
#include "judge.h"

#include <errno.h>

static bool limit_checked_call(const struct scenario_statement *st)
{
	if (st->kind != SCENARIO_CALL)
		return false;
	switch (st->call.kind) {
	case SCENARIO_CALL_MMAP:
	case SCENARIO_CALL_MREMAP:
	case SCENARIO_CALL_MLOCK:
	case SCENARIO_CALL_MLOCK2:
		return true;
	default:
		return false;
	}
}

/*
 * The live call failed with the limit's errno where the model's succeeded;
 * the task's image held locked pages; the regions' own locked pages fit
 * the limit; and locked_vm (image included) plus what the call asks does
 * not.  Then the refusal is the image's doing.  (An `expect ok|errno`
 * carries the measure of the call it checks.)
 */
bool image_explains_memlock(const struct scenario_statement *st, const struct outcome *model,
			    const struct outcome *live)
{
	bool expect = st->kind == SCENARIO_EXPECT && (st->expect.source == SCENARIO_EXPECT_OK ||
						      st->expect.source == SCENARIO_EXPECT_ERRNO);
	uint64_t regions;

	if (!(limit_checked_call(st) || expect) || !live->lock_measured || model->err != 0 ||
	    (live->err != -EAGAIN && live->err != -ENOMEM) || !live->image_locked_pages ||
	    live->image_locked_pages > live->locked_pages)
		return false;
	regions = live->locked_pages - live->image_locked_pages;
	return regions <= live->limit_pages &&
	       live->locked_pages + live->request_pages > live->limit_pages;
}
