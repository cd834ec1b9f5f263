/*
 * report.c - a replay's counts, its results checked against the trace's,
 * and the scenario it emits (replay_internal.h).
 */
#include "replay_internal.h"

#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int replay_nomem(void)
{
	return -ENOMEM;
}


int replay_count_unmodelled(struct replay *r, const char *fmt, ...)
{
	struct replay_report *rep = r->rep;
	char buf[160];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rep->not_modelled++;
	for (i = 0; i < rep->nr_unmodelled; i++)
		if (!strcmp(rep->unmodelled[i].name, buf)) {
			rep->unmodelled[i].count++;
			return 0;
		}
	if (!(rep->nr_unmodelled & (rep->nr_unmodelled + 1)) || !rep->nr_unmodelled) {
		struct replay_count *v = realloc(rep->unmodelled,
						 (rep->nr_unmodelled + 1) * 2 * sizeof(*v));

		if (!v)
			return replay_nomem();
		rep->unmodelled = v;
	}
	rep->unmodelled[i].name = strdup(buf);
	if (!rep->unmodelled[i].name)
		return replay_nomem();
	rep->unmodelled[i].count = 1;
	rep->nr_unmodelled++;
	if (r->o->emit)
		fprintf(r->o->emit, "# trace line %u: %s not modelled\n", r->c ? r->c->line : 0,
			buf);
	return 0;
}

static const char *errname(int e, char *buf, size_t n)
{
	const char *s = e ? scenario_errno_name(e) : NULL;

	if (!e)
		return "0";
	if (s)
		snprintf(buf, n, "-1 %s", s);
	else
		snprintf(buf, n, "-1 errno %d", e);
	return buf;
}

/* Why the model may have answered differently, when it can be told. */
static const char *divergence_reason(struct replay *r, int model_err, int pid)
{
	const struct trace_call *c = r->c;

	if (model_err == ESRCH || (pid && !unev_task_alive(r->m, pid)))
		return "the model's task is gone (killed by the OOM killer of the memcg limit?)";
	if (model_err == ENOMEM && r->oom)
		return "the memcg limit (--memcg) was reached";
	if ((model_err == EAGAIN || model_err == ENOMEM || model_err == EPERM) &&
	    (c->sys == TRACE_MLOCK || c->sys == TRACE_MLOCK2 || c->sys == TRACE_MLOCKALL ||
	     c->sys == TRACE_MMAP || c->sys == TRACE_BRK || c->sys == TRACE_MREMAP))
		return "RLIMIT_MEMLOCK or CAP_IPC_LOCK differ from the traced program's (--task)";
	if (!model_err && c->err == EINVAL && c->sys == TRACE_MREMAP && c->nargs < 5 &&
	    (c->arg[3] & UNEV_MREMAP_DONTUNMAP))
		return "MREMAP_DONTUNMAP checks new_address, which strace shows only with "
		       "MREMAP_FIXED (glibc's mremap() passes whatever its register holds: "
		       "unaligned, it is EINVAL)";
	if (model_err == ENOMEM && c->sys == TRACE_MREMAP)
		return "the model placed the region elsewhere: no room to grow it in place";
	if (!model_err && (c->err == ENOMEM || c->err == EPERM || c->err == EAGAIN) &&
	    (c->sys == TRACE_MLOCK || c->sys == TRACE_MLOCK2 || c->sys == TRACE_MLOCKALL ||
	     c->sys == TRACE_MMAP || c->sys == TRACE_SHMCTL))
		return "the traced program had a smaller RLIMIT_MEMLOCK or no CAP_IPC_LOCK "
		       "(replay with --task \"memlock=SIZE\")";
	if (!model_err && c->err == ENOMEM)
		return "the live machine was short of memory or had a limit the model lacks";
	if (model_err == EOPNOTSUPP || model_err == EINVAL)
		return "a flag or case the model does not implement";
	return NULL;
}


/* Compare the model's answer (0 or -errno) with the one the trace shows
 * (0 or an errno: @trace_err). */
int replay_check_against(struct replay *r, int model_ret, int trace_err, int pid)
{
	const struct trace_call *c = r->c;
	struct replay_report *rep = r->rep;
	char a[48], b[48];
	const char *why;
	int model_err = -model_ret;

	if (c->ret_unknown) {
		rep->unchecked++;
		return 0;
	}
	if (model_err == trace_err) {
		rep->agreeing++;
		return 0;
	}
	why = divergence_reason(r, model_err, pid);
	return replay_add_divergence(r, "%s:%u: pid %d %s: the trace has = %s, the model %s%s%s",
			      r->name, c->line, c->pid, r->t->names[c->name],
			      errname(trace_err, a, sizeof(a)), errname(model_err, b, sizeof(b)),
			      why ? ": " : "", why ? why : "");
}

int replay_add_divergence(struct replay *r, const char *fmt, ...)
{
	struct replay_report *rep = r->rep;
	va_list ap;
	char *msg;
	int n;

	rep->diverging++;
	if (rep->nr_divergences >= REPLAY_MAX_DIVERGENCES)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return replay_nomem();
	if (!rep->divergences) {
		rep->divergences = calloc(REPLAY_MAX_DIVERGENCES, sizeof(*rep->divergences));
		if (!rep->divergences) {
			free(msg);
			return replay_nomem();
		}
	}
	rep->divergences[rep->nr_divergences].line = r->c->line;
	rep->divergences[rep->nr_divergences++].text = msg;
	if (r->o->emit)
		fprintf(r->o->emit, "# DIVERGES from the trace: %s\n", msg);
	return 0;
}

int replay_check_result(struct replay *r, int model_ret, int pid)
{
	return replay_check_against(r, model_ret, r->c->err, pid);
}

/* ---- emitting the scenario ---- */

void replay_emit(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->o->emit)
		return;
	va_start(ap, fmt);
	vfprintf(r->o->emit, fmt, ap);
	va_end(ap);
}

void replay_emit_expect(struct replay *r, int ret)
{
	const char *n = ret ? scenario_errno_name(-ret) : NULL;

	if (!r->o->emit)
		return;
	if (!ret)
		fputs("expect ok\n", r->o->emit);
	else if (n)
		fprintf(r->o->emit, "expect errno %s\n", n);
	else
		r->rep->emit_inexact = r->o->emit != NULL;
}

void replay_region_name(const struct replay *r, uint32_t region, char *buf, size_t n)
{
	if (r->regions[region].kind == REGION_HEAP)
		snprintf(buf, n, "brk");
	else if (r->regions[region].kind == REGION_LEFT)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "r%u", r->regions[region].name);
}

const char *replay_prot_word(int prot, char *buf)
{
	char *p = buf;

	if (!(prot & 7))
		return "none";
	if (prot & UNEV_PROT_READ)
		*p++ = 'r';
	if (prot & UNEV_PROT_WRITE)
		*p++ = 'w';
	if (prot & UNEV_PROT_EXEC)
		*p++ = 'x';
	*p = 0;
	return buf;
}
