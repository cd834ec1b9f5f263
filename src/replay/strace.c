/*
 * strace.c - strace's text output as system-call records (strace.h).
 *
 * One pass over the text.  A line is "[PID ][TIME ]BODY"; the body is a
 * call "NAME(ARGS) = RESULT", its first or second half around another
 * pid's lines, or a process event.  Only the calls the replay models have
 * their arguments read; every other call keeps its name, so it can be
 * counted and listed.
 */
#include "strace.h"

#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sys_names[TRACE_NR_SYS] = {
	[TRACE_OTHER] = "?",
	[TRACE_MMAP] = "mmap",
	[TRACE_MUNMAP] = "munmap",
	[TRACE_BRK] = "brk",
	[TRACE_MPROTECT] = "mprotect",
	[TRACE_MREMAP] = "mremap",
	[TRACE_MADVISE] = "madvise",
	[TRACE_MLOCK] = "mlock",
	[TRACE_MLOCK2] = "mlock2",
	[TRACE_MUNLOCK] = "munlock",
	[TRACE_MLOCKALL] = "mlockall",
	[TRACE_MUNLOCKALL] = "munlockall",
	[TRACE_SHMGET] = "shmget",
	[TRACE_SHMAT] = "shmat",
	[TRACE_SHMDT] = "shmdt",
	[TRACE_SHMCTL] = "shmctl",
	[TRACE_CLONE] = "clone",
	[TRACE_CLONE3] = "clone3",
	[TRACE_FORK] = "fork",
	[TRACE_VFORK] = "vfork",
	[TRACE_EXECVE] = "execve",
	[TRACE_EXECVEAT] = "execveat",
	[TRACE_EXIT] = "exit",
	[TRACE_EXIT_GROUP] = "exit_group",
};

const char *trace_sys_name(enum trace_sys sys)
{
	return sys < TRACE_NR_SYS ? sys_names[sys] : "?";
}

/* The symbolic constants strace prints for the arguments we read (Linux's
 * x86_64 values, include/uapi). */
struct trace_constant {
	const char *name;
	size_t len;
	uint64_t value;
};
#define C(name, value) {name, sizeof(name) - 1, value}

static const struct trace_constant constants[] = {
	C("PROT_NONE", 0x0), C("PROT_READ", 0x1), C("PROT_WRITE", 0x2), C("PROT_EXEC", 0x4),
	C("PROT_SEM", 0x8), C("PROT_GROWSDOWN", 0x01000000), C("PROT_GROWSUP", 0x02000000),
	C("PROT_BTI", 0x10), C("PROT_MTE", 0x20),
	C("MAP_SHARED", 0x01), C("MAP_PRIVATE", 0x02), C("MAP_SHARED_VALIDATE", 0x03),
	C("MAP_FIXED", 0x10), C("MAP_ANONYMOUS", 0x20), C("MAP_32BIT", 0x40),
	C("MAP_GROWSDOWN", 0x100), C("MAP_DENYWRITE", 0x800), C("MAP_EXECUTABLE", 0x1000),
	C("MAP_LOCKED", 0x2000), C("MAP_NORESERVE", 0x4000), C("MAP_POPULATE", 0x8000),
	C("MAP_NONBLOCK", 0x10000), C("MAP_STACK", 0x20000), C("MAP_HUGETLB", 0x40000),
	C("MAP_SYNC", 0x80000), C("MAP_FIXED_NOREPLACE", 0x100000),
	C("MAP_UNINITIALIZED", 0x4000000), C("MAP_HUGE_2MB", 21ULL << 26),
	C("MAP_HUGE_1GB", 30ULL << 26),
	C("MLOCK_ONFAULT", 0x01),
	C("MCL_CURRENT", 1), C("MCL_FUTURE", 2), C("MCL_ONFAULT", 4),
	C("MREMAP_MAYMOVE", 1), C("MREMAP_FIXED", 2), C("MREMAP_DONTUNMAP", 4),
	C("MADV_NORMAL", 0), C("MADV_RANDOM", 1), C("MADV_SEQUENTIAL", 2),
	C("MADV_WILLNEED", 3), C("MADV_DONTNEED", 4), C("MADV_FREE", 8), C("MADV_REMOVE", 9),
	C("MADV_DONTFORK", 10), C("MADV_DOFORK", 11), C("MADV_MERGEABLE", 12),
	C("MADV_UNMERGEABLE", 13), C("MADV_HUGEPAGE", 14), C("MADV_NOHUGEPAGE", 15),
	C("MADV_DONTDUMP", 16), C("MADV_DODUMP", 17), C("MADV_WIPEONFORK", 18),
	C("MADV_KEEPONFORK", 19), C("MADV_COLD", 20), C("MADV_PAGEOUT", 21),
	C("MADV_POPULATE_READ", 22), C("MADV_POPULATE_WRITE", 23),
	C("MADV_DONTNEED_LOCKED", 24), C("MADV_COLLAPSE", 25), C("MADV_HWPOISON", 100),
	C("MADV_SOFT_OFFLINE", 101), C("MADV_GUARD_INSTALL", 102), C("MADV_GUARD_REMOVE", 103),
	C("IPC_PRIVATE", 0), C("IPC_CREAT", 01000), C("IPC_EXCL", 02000), C("IPC_NOWAIT", 04000),
	C("IPC_RMID", 0), C("IPC_SET", 1), C("IPC_STAT", 2), C("IPC_INFO", 3), C("IPC_64", 0x100),
	C("SHM_HUGETLB", 04000), C("SHM_NORESERVE", 010000), C("SHM_RDONLY", 010000),
	C("SHM_RND", 020000), C("SHM_REMAP", 040000), C("SHM_EXEC", 0100000),
	C("SHM_LOCK", 11), C("SHM_UNLOCK", 12), C("SHM_STAT", 13), C("SHM_INFO", 14),
	C("SHM_STAT_ANY", 15),
	C("S_IRUSR", 0400), C("S_IWUSR", 0200), C("S_IXUSR", 0100), C("S_IRGRP", 040),
	C("S_IWGRP", 020), C("S_IXGRP", 010), C("S_IROTH", 04), C("S_IWOTH", 02), C("S_IXOTH", 01),
	C("CLONE_VM", 0x100), C("CLONE_VFORK", 0x4000), C("CLONE_THREAD", 0x10000),
};

static int constant_lookup(const char *s, size_t n, uint64_t *v)
{
	for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
		if (constants[i].len == n && !memcmp(constants[i].name, s, n)) {
			*v = constants[i].value;
			return 0;
		}
	return -ENOENT;
}

static int intern(char ***v, size_t *nr, size_t *cap, const char *s, size_t n)
{
	char *copy;

	for (size_t i = 0; i < *nr; i++)
		if (!strncmp((*v)[i], s, n) && !(*v)[i][n])
			return (int)i;
	if (*nr == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		char **nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	copy = strndup(s, n);
	if (!copy)
		return -ENOMEM;
	(*v)[*nr] = copy;
	return (int)(*nr)++;
}

static int two_digits(const char *s, unsigned int *v)
{
	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
		return -EINVAL;
	*v = (unsigned int)(s[0] - '0') * 10 + (unsigned int)(s[1] - '0');
	return 0;
}

/* By hand, not sscanf: it is read on every line of a million-line trace. */
int trace_parse_time(const char *s, uint64_t *usec)
{
	unsigned int h, m, sec;
	uint64_t frac = 0, scale = 1000000;

	if (two_digits(s, &h) || s[2] != ':' || two_digits(s + 3, &m) || s[5] != ':' ||
	    two_digits(s + 6, &sec) || h > 23 || m > 59 || sec > 60)
		return -EINVAL;
	s += 8;
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*s - '0') * scale;
			}
		}
	}
	if (*s && *s != ' ')
		return -EINVAL;
	*usec = ((uint64_t)h * 3600 + m * 60 + sec) * 1000000 + frac;
	return 0;
}

/* ---- one call's text: NAME(ARGS) = RESULT ---- */

struct parse_state {
	const char *name;	/* the trace's name, for messages */
	struct trace *t;
	char *err;
	size_t errlen;
	/* calls started and not yet resumed, by pid (open addressing) */
	struct pending_call {
		int pid;	/* 0 = free slot */
		uint32_t line;
		uint64_t usec;	/* when it started */
		long reserved;	/* index of the record kept for it, or -1 */
		char *text;
	} *pending;
	size_t pending_cap, pending_nr;
	char *scratch;
	size_t scratch_cap;
};

static int fail(struct parse_state *ps, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct parse_state *ps, uint32_t line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->name, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * One argument: "NULL", a number (decimal, 0x hex, 0 octal, negative), a
 * flag word "A|B|0x40", each optionally followed by "<path>" (-y) or a
 * C comment holding the names (-X verbose).  0, or -EINVAL for anything else
 * (unless @lenient: unknown names count as 0, as for clone's SIGCHLD).
 */
static int parse_value(const char *s, const char *end, uint64_t *val, const char **path,
		       size_t *path_len, bool lenient)
{
	uint64_t v = 0;
	bool any = false;

	*path = NULL;
	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	if (end - s >= 4 && !memcmp(s, "NULL", 4) && (end - s == 4 || s[4] == ' ')) {
		*val = 0;
		return 0;
	}
	while (s < end) {
		uint64_t term;

		if (*s == '/' && s + 1 < end && s[1] == '*')
			break;	/* -X verbose: the names again, in a comment */
		if (isdigit((unsigned char)*s) || *s == '-') {
			char *e;
			bool neg = *s == '-';

			errno = 0;
			term = strtoull(neg ? s + 1 : s, &e, 0);
			if (errno || e == (neg ? s + 1 : s))
				return -EINVAL;
			if (neg)
				term = (uint64_t)-(int64_t)term;
			s = e;
			if (s < end && *s == '<') {	/* -y: fd<path> */
				const char *q = end;

				while (q > s && q[-1] != '>')
					q--;
				if (q <= s + 1)
					return -EINVAL;
				*path = s + 1;
				*path_len = (size_t)(q - 1 - (s + 1));
				s = q;
			}
		} else if (isalpha((unsigned char)*s) || *s == '_') {
			const char *w = s;

			while (s < end && (isalnum((unsigned char)*s) || *s == '_'))
				s++;
			if (constant_lookup(w, (size_t)(s - w), &term)) {
				if (!lenient)
					return -EINVAL;
				term = 0;
			}
		} else {
			return -EINVAL;
		}
		v |= term;
		any = true;
		while (s < end && *s == ' ')
			s++;
		if (s < end && *s == '|')
			s++;
		else if (s < end && !(*s == '/' && s + 1 < end && s[1] == '*'))
			return -EINVAL;
	}
	if (!any)
		return -EINVAL;
	*val = v;
	return 0;
}

/* Where the argument list that starts after '(' at @p ends (its ')'), and
 * the top-level commas on the way; NULL without a closing ')'. */
static const char *split_args(const char *p, const char **starts, size_t *nr)
{
	int depth = 0;

	*nr = 0;
	starts[(*nr)++] = p;
	for (; *p; p++) {
		char c = *p;

		if (c == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return NULL;
		} else if (c == '<' && p > starts[0] && isdigit((unsigned char)p[-1])) {
			const char *q = strchr(p, '>');

			/* -y path: may hold commas and parentheses */
			while (q && q[1] && q[1] != ',' && q[1] != ')' && q[1] != ' ')
				q = strchr(q + 1, '>');
			if (!q)
				return NULL;
			p = q;
		} else if (c == '(' || c == '[' || c == '{') {
			depth++;
		} else if (c == ']' || c == '}') {
			depth--;
		} else if (c == ')') {
			if (depth == 0)
				return p;
			depth--;
		} else if (c == ',' && depth == 0 && *nr < 16) {
			starts[(*nr)++] = p + 1;
		}
	}
	return NULL;
}

static enum trace_sys sys_lookup(const char *s, size_t n)
{
	for (int i = 1; i < TRACE_NR_SYS; i++)
		if (!strncmp(sys_names[i], s, n) && !sys_names[i][n])
			return (enum trace_sys)i;
	return TRACE_OTHER;
}

/* The arguments each modelled call has (the rest are not read). */
static unsigned int sys_nargs(enum trace_sys sys)
{
	switch (sys) {
	case TRACE_MMAP:
		return 6;
	case TRACE_MREMAP:
		return 4;	/* new_address only with MREMAP_FIXED: read apart */
	case TRACE_MUNMAP:
	case TRACE_MLOCK:
	case TRACE_MUNLOCK:
	case TRACE_SHMDT:
		return sys == TRACE_SHMDT ? 1 : 2;
	case TRACE_MPROTECT:
	case TRACE_MADVISE:
	case TRACE_MLOCK2:
	case TRACE_SHMGET:
	case TRACE_SHMAT:
	case TRACE_SHMCTL:
		return sys == TRACE_SHMCTL ? 2 : 3;
	case TRACE_BRK:
	case TRACE_MLOCKALL:
		return 1;
	default:
		return 0;
	}
}

static int parse_result(const char *p, struct trace_call *c)
{
	char *e;

	while (*p == ' ')
		p++;
	if (*p != '=')
		return -EINVAL;
	for (p++; *p == ' '; p++)
		;
	if (*p == '?') {
		c->ret_unknown = true;
		return 0;
	}
	if (p[0] == '-' && p[1] == '1' && p[2] == ' ' && isupper((unsigned char)p[3])) {
		char word[32];
		size_t n = 0;
		int value;

		for (p += 3; (isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_') &&
			     n + 1 < sizeof(word); p++)
			word[n++] = *p;
		word[n] = 0;
		if (scenario_errno_from_name(word, &value))
			return -EINVAL;
		c->err = value;
		return 0;
	}
	errno = 0;
	if (*p == '-')
		c->ret = (uint64_t)strtoll(p, &e, 0);
	else
		c->ret = strtoull(p, &e, 0);
	if (errno || e == p)
		return -EINVAL;
	return 0;
}

static int parse_call(struct parse_state *ps, const char *text, uint32_t line,
		      struct trace_call *c)
{
	const char *p = text, *close, *starts[17];
	size_t nr;
	int id;

	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (p == text || *p != '(')
		return fail(ps, line, "not a system call line: '%.60s'", text);
	c->sys = (uint16_t)sys_lookup(text, (size_t)(p - text));
	id = c->sys ? c->sys : intern(&ps->t->names, &ps->t->nr_names, &ps->t->cap_names, text,
				      (size_t)(p - text));
	if (id < 0)
		return id;
	c->name = (uint16_t)id;
	close = split_args(p + 1, starts, &nr);
	if (!close)
		return fail(ps, line, "%.*s: no closing ')'", (int)(p - text), text);
	if (parse_result(close + 1, c))
		return fail(ps, line, "%.*s: unreadable result '%.40s'", (int)(p - text), text,
			    close + 1);
	if (c->sys == TRACE_CLONE || c->sys == TRACE_CLONE3) {
		/* clone(child_stack=..., flags=A|B|SIGCHLD, ...), clone3({flags=...}, N) */
		const char *f = strstr(p, "flags=");
		const char *fe, *path;
		size_t pl;

		c->nargs = 1;
		c->arg[0] = 0;
		if (f && f < close) {
			f += 6;
			for (fe = f; fe < close && *fe != ',' && *fe != '}'; fe++)
				;
			if (parse_value(f, fe, &c->arg[0], &path, &pl, true))
				c->bad_args = true;
		}
		return 0;
	}
	c->nargs = (uint8_t)sys_nargs(c->sys);
	if (c->sys == TRACE_MREMAP && nr >= 5)
		c->nargs = 5;
	if (c->nargs > nr) {
		c->bad_args = true;
		return 0;
	}
	for (unsigned int i = 0; i < c->nargs; i++) {
		const char *end = i + 1 < nr ? starts[i + 1] - 1 : close;
		const char *path;
		size_t pl;

		if (parse_value(starts[i], end, &c->arg[i], &path, &pl, false)) {
			c->bad_args = true;
			return 0;
		}
		if (path && c->sys == TRACE_MMAP && i == 4) {
			id = intern(&ps->t->paths, &ps->t->nr_paths, &ps->t->cap_paths, path, pl);
			if (id < 0)
				return id;
			c->path = id;
		}
	}
	return 0;
}

/* ---- records and pending halves ---- */

static struct trace_call *new_record(struct trace *t)
{
	struct trace_call *c;

	if (t->nr_calls == t->cap_calls) {
		size_t cap = t->cap_calls ? t->cap_calls * 2 : 1024;
		struct trace_call *v = realloc(t->calls, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->calls = v;
		t->cap_calls = cap;
	}
	c = &t->calls[t->nr_calls++];
	memset(c, 0, sizeof(*c));
	c->path = -1;
	c->usec = UINT64_MAX;
	return c;
}

static struct pending_call *pending_slot(struct parse_state *ps, int pid, bool insert)
{
	size_t mask, i;

	if (insert && (ps->pending_nr + 1) * 2 > ps->pending_cap) {
		size_t cap = ps->pending_cap ? ps->pending_cap * 2 : 64;
		struct pending_call *old = ps->pending, *v = calloc(cap, sizeof(*v));
		size_t oldcap = ps->pending_cap;

		if (!v)
			return NULL;
		ps->pending = v;
		ps->pending_cap = cap;
		for (i = 0; i < oldcap; i++)
			if (old[i].pid) {
				size_t j = (size_t)old[i].pid & (cap - 1);

				while (v[j].pid)
					j = (j + 1) & (cap - 1);
				v[j] = old[i];
			}
		free(old);
	}
	if (!ps->pending_cap)
		return NULL;
	mask = ps->pending_cap - 1;
	for (i = (size_t)pid & mask;; i = (i + 1) & mask) {
		/* pid 0 (no -f) is kept as -1 so that 0 marks a free slot */
		int key = pid ? pid : -1;

		if (ps->pending[i].pid == key)
			return &ps->pending[i];
		if (!ps->pending[i].pid) {
			if (!insert)
				return NULL;
			ps->pending[i].pid = key;
			ps->pending_nr++;
			return &ps->pending[i];
		}
	}
}

/* Removing from open addressing: re-insert the cluster after the hole. */
static void pending_remove(struct parse_state *ps, struct pending_call *pc)
{
	size_t mask = ps->pending_cap - 1, i = (size_t)(pc - ps->pending);

	free(pc->text);
	pc->pid = 0;
	pc->text = NULL;
	ps->pending_nr--;
	for (i = (i + 1) & mask; ps->pending[i].pid; i = (i + 1) & mask) {
		struct pending_call moved = ps->pending[i];
		size_t j;

		ps->pending[i].pid = 0;
		j = (size_t)(moved.pid < 0 ? 0 : moved.pid) & mask;
		while (ps->pending[j].pid)
			j = (j + 1) & mask;
		ps->pending[j] = moved;
	}
}

static bool starts_process(enum trace_sys sys)
{
	return sys == TRACE_CLONE || sys == TRACE_CLONE3 || sys == TRACE_FORK ||
	       sys == TRACE_VFORK;
}

static int body_unfinished(struct parse_state *ps, char *body, size_t n, int pid,
			   uint32_t line, uint64_t usec)
{
	struct pending_call *pc;
	const char *p = body;

	while (n && body[n - 1] == ' ')
		n--;
	body[n] = 0;
	pc = pending_slot(ps, pid, true);
	if (!pc)
		return -ENOMEM;
	if (pc->text)	/* a second start without a resume: strace lost one */
		return fail(ps, line, "pid %d starts a call while one is unfinished", pid);
	pc->text = strdup(body);
	if (!pc->text)
		return -ENOMEM;
	pc->line = line;
	pc->usec = usec;
	pc->reserved = -1;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (starts_process(sys_lookup(body, (size_t)(p - body)))) {
		struct trace_call *c = new_record(ps->t);

		if (!c)
			return -ENOMEM;
		c->line = line;
		c->pid = pid;
		c->usec = usec;	/* until it resumes */
		c->pending = true;
		c->sys = (uint16_t)sys_lookup(body, (size_t)(p - body));
		c->name = c->sys;
		pc->reserved = (long)(c - ps->t->calls);
	}
	return 0;
}

static int body_resumed(struct parse_state *ps, const char *body, int pid, uint32_t line,
			uint64_t usec)
{
	const char *name = body + 5, *rest = strstr(name, " resumed>");
	struct pending_call *pc = pending_slot(ps, pid, false);
	struct trace_call *c;
	size_t need;
	int ret, id;

	if (!rest)
		return fail(ps, line, "unreadable resumed line");
	if (!pc || !pc->text) {
		/* the start was before the trace began: count it, by name */
		c = new_record(ps->t);
		if (!c)
			return -ENOMEM;
		id = intern(&ps->t->names, &ps->t->nr_names, &ps->t->cap_names, name,
			    (size_t)(rest - name));
		if (id < 0)
			return id;
		c->sys = TRACE_EV_ORPHAN;
		c->name = (uint16_t)id;
		c->line = line;
		c->pid = pid;
		c->usec = usec;
		return 0;
	}
	rest += strlen(" resumed>");
	need = strlen(pc->text) + strlen(rest) + 1;
	if (need > ps->scratch_cap) {
		char *s = realloc(ps->scratch, need * 2);

		if (!s)
			return -ENOMEM;
		ps->scratch = s;
		ps->scratch_cap = need * 2;
	}
	strcpy(ps->scratch, pc->text);
	strcat(ps->scratch, rest);
	if (pc->reserved >= 0) {
		c = &ps->t->calls[pc->reserved];
		c->pending = false;
	} else {
		c = new_record(ps->t);
		if (!c)
			return -ENOMEM;
		c->line = pc->line;
		c->pid = pid;
	}
	c->usec = usec;
	ret = parse_call(ps, ps->scratch, pc->line, c);
	pending_remove(ps, pc);
	return ret;
}

static int parse_line(struct parse_state *ps, char *s, size_t n, uint32_t line)
{
	struct trace_call *c;
	uint64_t usec = UINT64_MAX;
	int pid = 0;
	char *body;

	if (n && s[n - 1] == '\r')
		s[--n] = 0;
	body = s;
	if (!strncmp(body, "[pid ", 5)) {
		pid = atoi(body + 5);
		body = strchr(body, ']');
		if (!body)
			return fail(ps, line, "unreadable pid");
		body++;
	} else if (isdigit((unsigned char)*body)) {
		char *e = body;

		while (isdigit((unsigned char)*e))
			e++;
		if (*e == ' ') {
			pid = atoi(body);
			body = e;
		}
	}
	while (*body == ' ')
		body++;
	if (isdigit((unsigned char)*body)) {	/* -t / -tt / -ttt */
		char *e = body;

		if (!trace_parse_time(body, &usec)) {
			while (*e && *e != ' ')
				e++;
		} else {
			while (isdigit((unsigned char)*e) || *e == '.')
				e++;
			if (*e != ' ')
				return fail(ps, line, "not strace output: '%.60s'", s);
		}
		body = e;
		while (*body == ' ')
			body++;
	}
	n = strlen(body);
	if (!n)
		return 0;
	if (!strncmp(body, "+++ ", 4)) {
		if (strstr(body, "exited with") || strstr(body, "killed by") ||
		    strstr(body, "superseded by execve")) {
			c = new_record(ps->t);
			if (!c)
				return -ENOMEM;
			c->sys = TRACE_EV_EXITED;
			c->line = line;
			c->pid = pid;
			c->usec = usec;
			return 0;
		}
		return fail(ps, line, "unknown process event '%.60s'", body);
	}
	if (!strncmp(body, "--- ", 4))
		return 0;	/* a signal: no memory changes hands */
	if (!strncmp(body, "<... ", 5))
		return body_resumed(ps, body, pid, line, usec);
	if (n >= 16 && !strcmp(body + n - 16, "<unfinished ...>"))
		return body_unfinished(ps, body, n - 16, pid, line, usec);
	c = new_record(ps->t);
	if (!c)
		return -ENOMEM;
	c->line = line;
	c->pid = pid;
	c->usec = usec;
	return parse_call(ps, body, line, c);
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nr_names; i++)
		free(t->names[i]);
	for (size_t i = 0; i < t->nr_paths; i++)
		free(t->paths[i]);
	free(t->names);
	free(t->paths);
	free(t->calls);
	free(t);
}

int strace_parse(const char *name, const char *text, size_t len, struct trace **out,
		 char *err, size_t errlen)
{
	struct parse_state ps = {.name = name, .err = err, .errlen = errlen};
	char *buf = NULL, *p, *end, *next;
	uint32_t line = 0;
	size_t nr_before;
	int ret = -ENOMEM;

	ps.t = calloc(1, sizeof(*ps.t));
	if (!ps.t)
		goto out;
	for (int i = 0; i < TRACE_NR_SYS; i++)
		if (intern(&ps.t->names, &ps.t->nr_names, &ps.t->cap_names, sys_names[i],
			   strlen(sys_names[i])) < 0)
			goto out;
	buf = malloc(len + 1);
	if (!buf)
		goto out;
	memcpy(buf, text, len);
	buf[len] = 0;
	if (memchr(buf, 0, len)) {
		snprintf(err, errlen, "%s: a NUL byte: not strace's text output", name);
		ret = -EINVAL;
		goto out;
	}
	for (p = buf, end = buf + len; p < end; p = next) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		next = nl ? nl + 1 : end;	/* parse_line may cut the line */
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (nl)
			*nl = 0;
		line++;
		nr_before = ps.t->nr_calls;
		ret = parse_line(&ps, p, n, line);
		if (ret == -EINVAL && !nl && n) {
			ps.t->cut_last_line = true;
			ps.t->nr_calls = nr_before;
			ret = 0;
		}
		if (ret) {
			if (ret == -ENOMEM)
				snprintf(err, errlen, "%s: out of memory", name);
			goto out;
		}
	}
	ps.t->nr_lines = line;
	/* calls still unfinished at the end (a killed tracee, a detached
	 * strace): kept, marked pending, so the replay can count them */
	for (size_t i = 0; i < ps.pending_cap; i++) {
		struct pending_call *pc = &ps.pending[i];
		struct trace_call *c;
		const char *q = pc->text;

		if (!pc->pid || !pc->text || pc->reserved >= 0)
			continue;
		c = new_record(ps.t);
		if (!c)
			goto out;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		c->line = pc->line;
		c->usec = pc->usec;
		c->pid = pc->pid < 0 ? 0 : pc->pid;
		c->pending = true;
		c->sys = (uint16_t)sys_lookup(pc->text, (size_t)(q - pc->text));
		ret = intern(&ps.t->names, &ps.t->nr_names, &ps.t->cap_names, pc->text,
			     (size_t)(q - pc->text));
		if (ret < 0)
			goto out;
		c->name = (uint16_t)ret;
	}
	ret = 0;
	*out = ps.t;
	ps.t = NULL;
out:
	for (size_t i = 0; i < ps.pending_cap; i++)
		free(ps.pending[i].text);
	free(ps.pending);
	free(ps.scratch);
	free(buf);
	trace_free(ps.t);
	return ret;
}
