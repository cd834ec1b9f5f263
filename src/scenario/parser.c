/*
 * parser.c - .uvs lines of words to a struct scenario (SCENARIO.md).
 *
 * Every statement of the contract is parsed, including those no executor
 * runs yet: whether an executor can run a statement is its own business
 * (interp.c, src/native), whether a line is a statement is ours.  Any line
 * that is not one is an error "FILE:LINE: what was expected, what was
 * found": nothing is skipped silently, nothing is guessed.
 *
 * Words after the statement's leading names are sorted into `key=value`
 * options, the statement's flag words (`locked`, `onfault`...), and
 * positional words, so options and flags may come in any order.
 */
#include "scenario.h"

#include "lexer.h"
#include "unevict.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file this big is not a scenario; refuse it rather than swap. */
#define SCENARIO_FILE_MAX (64u << 20)
/* Enough for any statement: the most options a statement takes. */
#define ARGS_MAX 8

struct parser {
	const char *name;
	unsigned int line;
	char **words;
	size_t nr_words;
	char *err;
	size_t errlen;
	struct scenario *s;
	size_t statements_cap;
	unsigned int machine_line;	/* 0 until `machine` is seen */
	char quoted[2][192];		/* words shown in one message */
};

/* The positional words, options and flags after a statement's names. */
struct args {
	char *pos[ARGS_MAX];
	size_t nr_pos;
	char *keys[ARGS_MAX];
	char *values[ARGS_MAX];
	size_t nr_opts;
	const char *flags[ARGS_MAX];
	size_t nr_flags;
};

static int parse_error(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int parse_error(struct parser *p, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%u: %s", p->name, p->line, msg);
	return -EINVAL;
}

/* 'word' for a message; slot 0 or 1 so two words fit in one message. */
static const char *quote(struct parser *p, int slot, const char *word)
{
	return scenario_quote(word, p->quoted[slot], sizeof(p->quoted[slot]));
}

/* The word at index i for "found ..." in a message. */
static const char *found(struct parser *p, size_t i)
{
	if (i >= p->nr_words)
		return "the end of the line";
	snprintf(p->quoted[1], sizeof(p->quoted[1]), "'%s'",
		 scenario_quote(p->words[i], p->quoted[0], sizeof(p->quoted[0])));
	return p->quoted[1];
}

/* ---- names of things ---- */

static const char *const call_names[] = {
	[SCENARIO_CALL_MMAP] = "mmap",
	[SCENARIO_CALL_MUNMAP] = "munmap",
	[SCENARIO_CALL_MLOCK] = "mlock",
	[SCENARIO_CALL_MLOCK2] = "mlock2",
	[SCENARIO_CALL_MUNLOCK] = "munlock",
	[SCENARIO_CALL_MLOCKALL] = "mlockall",
	[SCENARIO_CALL_MUNLOCKALL] = "munlockall",
	[SCENARIO_CALL_MPROTECT] = "mprotect",
	[SCENARIO_CALL_MREMAP] = "mremap",
	[SCENARIO_CALL_MADVISE] = "madvise",
	[SCENARIO_CALL_TOUCH] = "touch",
	[SCENARIO_CALL_READ] = "read",
	[SCENARIO_CALL_WRITE] = "write",
	[SCENARIO_CALL_TRUNCATE] = "truncate",
	[SCENARIO_CALL_PUNCH] = "punch",
	[SCENARIO_CALL_SHMAT] = "shmat",
	[SCENARIO_CALL_SHMDT] = "shmdt",
	[SCENARIO_CALL_SHMCTL] = "shmctl",
	[SCENARIO_CALL_FORK] = "fork",
	[SCENARIO_CALL_EXIT] = "exit",
	[SCENARIO_CALL_EXEC] = "exec",
	[SCENARIO_CALL_BRK] = "brk",
	[SCENARIO_CALL_MSYNC] = "msync",
	[SCENARIO_CALL_SETRLIMIT] = "setrlimit",
	[SCENARIO_CALL_GROW_STACK] = "grow_stack",
	[SCENARIO_CALL_MBIND] = "mbind",
};
#define NR_CALLS (sizeof(call_names) / sizeof(call_names[0]))

static const char *const statement_names[] = {
	[SCENARIO_MACHINE] = "machine",
	[SCENARIO_TASK] = "task",
	[SCENARIO_MEMCG] = "memcg",
	[SCENARIO_SYSCTL] = "sysctl",
	[SCENARIO_FILE] = "file",
	[SCENARIO_SHM] = "shm",
	[SCENARIO_CALL] = "call",
	[SCENARIO_DRAIN] = "drain",
	[SCENARIO_RECLAIM] = "reclaim",
	[SCENARIO_MIGRATE] = "migrate",
	[SCENARIO_COMPACT] = "compact",
	[SCENARIO_EXPECT] = "expect",
	[SCENARIO_PRINT] = "print",
};

static const char *const design_names[] = {
	[SCENARIO_DESIGN_MLOCK_COUNT] = "mlock-count",
	[SCENARIO_DESIGN_RMAP_WALK] = "rmap-walk",
	[SCENARIO_DESIGN_NONE] = "none",
};

static const char *const thp_names[] = {
	[SCENARIO_THP_MADVISE] = "madvise",
	[SCENARIO_THP_NEVER] = "never",
	[SCENARIO_THP_ALWAYS] = "always",
};

static const char *const advice_names[] = {
	[SCENARIO_ADVICE_DONTNEED] = "dontneed",
	[SCENARIO_ADVICE_FREE] = "free",
	[SCENARIO_ADVICE_PAGEOUT] = "pageout",
	[SCENARIO_ADVICE_COLD] = "cold",
	[SCENARIO_ADVICE_WILLNEED] = "willneed",
	[SCENARIO_ADVICE_REMOVE] = "remove",
	[SCENARIO_ADVICE_DONTNEED_LOCKED] = "dontneed_locked",
	[SCENARIO_ADVICE_POPULATE_READ] = "populate_read",
	[SCENARIO_ADVICE_POPULATE_WRITE] = "populate_write",
	[SCENARIO_ADVICE_GUARD_INSTALL] = "guard_install",
	[SCENARIO_ADVICE_GUARD_REMOVE] = "guard_remove",
	[SCENARIO_ADVICE_HUGEPAGE] = "hugepage",
	[SCENARIO_ADVICE_NOHUGEPAGE] = "nohugepage",
	[SCENARIO_ADVICE_COLLAPSE] = "collapse",
};
#define NR_ADVICES (sizeof(advice_names) / sizeof(advice_names[0]))

static const char *const operator_names[] = {
	[SCENARIO_OP_EQ] = "=", [SCENARIO_OP_NE] = "!=",
	[SCENARIO_OP_LT] = "<", [SCENARIO_OP_LE] = "<=",
	[SCENARIO_OP_GT] = ">", [SCENARIO_OP_GE] = ">=",
};
#define NR_OPERATORS (sizeof(operator_names) / sizeof(operator_names[0]))

/* The lists `expect lru LIST` may name: enum lru_list, in its order. */
static const char *const lru_list_names[] = {
	"inactive_anon", "active_anon", "inactive_file", "active_file",
	"unevictable",
};
#define NR_LRU_LISTS (sizeof(lru_list_names) / sizeof(lru_list_names[0]))

const char *scenario_call_name(enum scenario_call_kind kind)
{
	return (size_t)kind < NR_CALLS ? call_names[kind] : "?";
}

const char *scenario_statement_name(enum scenario_statement_kind kind)
{
	return (size_t)kind < sizeof(statement_names) / sizeof(statement_names[0])
		       ? statement_names[kind]
		       : "?";
}

const char *scenario_thp_name(enum scenario_thp thp)
{
	return (size_t)thp < sizeof(thp_names) / sizeof(thp_names[0]) ? thp_names[thp] : "?";
}

const char *scenario_design_name(enum scenario_design design)
{
	return (size_t)design < sizeof(design_names) / sizeof(design_names[0])
		       ? design_names[design]
		       : "?";
}

const char *scenario_advice_name(enum scenario_advice advice)
{
	return (size_t)advice < NR_ADVICES ? advice_names[advice] : "?";
}

const char *scenario_operator_name(enum scenario_operator op)
{
	return (size_t)op < NR_OPERATORS ? operator_names[op] : "?";
}

/* ---- words ---- */

static bool is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-';
}

/* SCENARIO.md names: [A-Za-z_][A-Za-z0-9_.-]* */
static bool is_name(const char *w)
{
	if (!is_name_start(*w))
		return false;
	for (w++; *w; w++)
		if (!is_name_char(*w))
			return false;
	return true;
}

/*
 * Field names of /proc files: a name, plus parentheses, because meminfo
 * says `Active(anon)` and `Inactive(file)`.
 */
static bool is_field_name(const char *w)
{
	if (!is_name_start(*w))
		return false;
	for (w++; *w; w++)
		if (!is_name_char(*w) && *w != '(' && *w != ')')
			return false;
	return true;
}

static int copy_checked(struct parser *p, char dst[SCENARIO_NAME_MAX],
			size_t i, const char *what, bool field)
{
	const char *w;

	if (i >= p->nr_words)
		return parse_error(p, "expected %s, found the end of the line",
				   what);
	w = p->words[i];
	if (!(field ? is_field_name(w) : is_name(w)))
		return parse_error(p, "expected %s, found %s", what, found(p, i));
	if (strlen(w) >= SCENARIO_NAME_MAX)
		return parse_error(p, "expected %s of at most %d characters, found '%s'",
				   what, SCENARIO_NAME_MAX - 1, quote(p, 0, w));
	strcpy(dst, w);
	return 0;
}

/* Word i must be a name (what: "a task name"...); copy it to dst. */
static int take_name(struct parser *p, char dst[SCENARIO_NAME_MAX], size_t i,
		     const char *what)
{
	return copy_checked(p, dst, i, what, false);
}

static int take_field(struct parser *p, char dst[SCENARIO_NAME_MAX], size_t i,
		      const char *what)
{
	return copy_checked(p, dst, i, what, true);
}

/* An option value that must be a name. */
static int option_name(struct parser *p, char dst[SCENARIO_NAME_MAX],
		       const char *key, const char *value)
{
	if (!is_name(value))
		return parse_error(p, "expected a name after '%s=', found '%s'",
				   key, quote(p, 0, value));
	if (strlen(value) >= SCENARIO_NAME_MAX)
		return parse_error(p, "expected a name of at most %d characters after '%s=', found '%s'",
				   SCENARIO_NAME_MAX - 1, key, quote(p, 0, value));
	strcpy(dst, value);
	return 0;
}

/* Unsigned decimal digits only; -EINVAL or -ERANGE past 64 bits. */
static int parse_decimal(const char *w, uint64_t *out, const char **end)
{
	uint64_t v = 0;

	if (*w < '0' || *w > '9')
		return -EINVAL;
	for (; *w >= '0' && *w <= '9'; w++) {
		unsigned int digit = (unsigned int)(*w - '0');

		if (v > (UINT64_MAX - digit) / 10)
			return -ERANGE;
		v = v * 10 + digit;
	}
	*out = v;
	*end = w;
	return 0;
}

int scenario_parse_size(const char *word, uint64_t *bytes)
{
	const char *end;
	unsigned int shift = 0;
	uint64_t v;
	int ret;

	ret = parse_decimal(word, &v, &end);
	if (ret)
		return ret;
	switch (*end) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case 'p':
		shift = 12; /* SCENARIO_PAGE_SIZE */
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

/* A size for `what` (e.g. "LEN"), with the error the user needs. */
static int size_value(struct parser *p, const char *w, const char *what,
		      uint64_t *out)
{
	int ret = scenario_parse_size(w, out);

	if (ret == -ERANGE)
		return parse_error(p, "size '%s' for %s does not fit in 64 bits",
				   quote(p, 0, w), what);
	if (ret)
		return parse_error(p, "expected a size for %s (a number with an optional K, M, G, T or p suffix), found '%s'",
				   what, quote(p, 0, w));
	return 0;
}

static int uint_value(struct parser *p, const char *w, const char *what,
		      unsigned int min, unsigned int max, unsigned int *out)
{
	const char *end;
	uint64_t v;
	int ret = parse_decimal(w, &v, &end);

	if (ret == 0 && *end)
		ret = -EINVAL;
	if (ret == -EINVAL)
		return parse_error(p, "expected a number for %s, found '%s'", what,
				   quote(p, 0, w));
	if (ret || v < min || v > max)
		return parse_error(p, "%s must be between %u and %u, found '%s'",
				   what, min, max, quote(p, 0, w));
	*out = (unsigned int)v;
	return 0;
}

/* `none`, or r, w and x each at most once in any order: rw, r, rwx, wr. */
static int prot_value(struct parser *p, const char *w, int *prot)
{
	int bits = 0;
	const char *c;

	if (!strcmp(w, "none")) {
		*prot = 0;
		return 0;
	}
	for (c = w; *c; c++) {
		int bit = *c == 'r' ? SCENARIO_PROT_READ
			  : *c == 'w' ? SCENARIO_PROT_WRITE
			  : *c == 'x' ? SCENARIO_PROT_EXEC
				      : 0;

		if (!bit || (bits & bit))
			break;
		bits |= bit;
	}
	if (*c || c == w)
		return parse_error(p, "expected a protection (none, or r, w and x combined: r, rw, rwx...), found '%s'",
				   quote(p, 0, w));
	*prot = bits;
	return 0;
}

/*
 * Sort words[first..] into options (their key must be in keys), flags
 * (words in flag_words) and at most max_pos positional words.  Each option
 * and flag may appear once.
 */
static int collect_args(struct parser *p, size_t first,
			const char *const *keys, const char *const *flag_words,
			size_t max_pos, const char *usage, struct args *a)
{
	size_t i, j;

	memset(a, 0, sizeof(*a));
	for (i = first; i < p->nr_words; i++) {
		char *w = p->words[i];
		char *eq = strchr(w, '=');
		const char *const *k;

		if (eq && eq != w) {
			*eq = '\0';
			for (k = keys; k && *k; k++)
				if (!strcmp(*k, w))
					break;
			if (!k || !*k)
				return parse_error(p, "unknown option '%s=' (usage: %s)",
						   quote(p, 0, w), usage);
			for (j = 0; j < a->nr_opts; j++)
				if (!strcmp(a->keys[j], w))
					return parse_error(p, "option '%s=' given twice",
							   w);
			if (!eq[1])
				return parse_error(p, "expected a value after '%s=', found nothing",
						   w);
			/* keys are distinct and fewer than ARGS_MAX */
			a->keys[a->nr_opts] = w;
			a->values[a->nr_opts++] = eq + 1;
			continue;
		}
		for (k = flag_words; k && *k; k++)
			if (!strcmp(*k, w))
				break;
		if (k && *k) {
			for (j = 0; j < a->nr_flags; j++)
				if (a->flags[j] == *k)
					return parse_error(p, "'%s' given twice", w);
			a->flags[a->nr_flags++] = *k;
			continue;
		}
		if (a->nr_pos == max_pos)
			return parse_error(p, "unexpected '%s' (usage: %s)",
					   quote(p, 0, w), usage);
		a->pos[a->nr_pos++] = w;
	}
	return 0;
}

static const char *option(const struct args *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->nr_opts; i++)
		if (!strcmp(a->keys[i], key))
			return a->values[i];
	return NULL;
}

static bool has_flag(const struct args *a, const char *flag)
{
	size_t i;

	for (i = 0; i < a->nr_flags; i++)
		if (!strcmp(a->flags[i], flag))
			return true;
	return false;
}

/* The statement is exactly nr words long. */
static int expect_words(struct parser *p, size_t nr, const char *usage)
{
	if (p->nr_words < nr)
		return parse_error(p, "expected more after '%s', found the end of the line (usage: %s)",
				   quote(p, 0, p->words[p->nr_words - 1]), usage);
	if (p->nr_words > nr)
		return parse_error(p, "unexpected '%s' (usage: %s)",
				   quote(p, 0, p->words[nr]), usage);
	return 0;
}

/* ---- set-up statements ---- */

static const char usage_machine[] =
	"machine [nodes=N] [mem=SIZE] [cpus=N] [swap=SIZE] [design=mlock-count|rmap-walk|none] "
	"[kernel=5.10|6.1|6.12|6.18|7.N] [zero_page=on|off] [thp=never|madvise|always] "
	"[cgroup=v1|v2]";

/* One of @names (NULL entries skipped) or an error naming them all. */
static int choice_value(struct parser *p, const char *v, const char *key,
			const char *const *names, size_t nr, const char *expected,
			unsigned int *out)
{
	for (size_t i = 0; i < nr; i++) {
		if (names[i] && !strcmp(names[i], v)) {
			*out = (unsigned int)i;
			return 0;
		}
	}
	return parse_error(p, "expected %s after '%s', found '%s'", expected, key,
			   quote(p, 0, v));
}

/*
 * kernel= picks a profile (src/mm/profile.c) and with it the design; a
 * design= written beside it must be that kernel's.  design= alone keeps
 * its meaning: rmap-walk is 5.10's, mlock-count 6.18's.
 */
static int parse_machine_kernel(struct parser *p, const char *v, struct scenario_machine *m)
{
	static const enum scenario_design designs[] = {
		[UNEV_DESIGN_MLOCK_COUNT] = SCENARIO_DESIGN_MLOCK_COUNT,
		[UNEV_DESIGN_RMAP_WALK] = SCENARIO_DESIGN_RMAP_WALK,
		[UNEV_DESIGN_NONE] = SCENARIO_DESIGN_NONE,
	};
	enum unev_design d;

	if (strlen(v) >= sizeof(m->kernel) || unev_kernel_lookup(v, &d))
		return parse_error(p, "expected a kernel release the model has a profile of (5.10, 6.1, 6.12, 6.18 or 7.N) after 'kernel=', found '%s'",
				   quote(p, 0, v));
	if (m->design_given && m->design != designs[d])
		return parse_error(p, "kernel=%s runs the %s design, not design=%s", v,
				   design_names[designs[d]], design_names[m->design]);
	snprintf(m->kernel, sizeof(m->kernel), "%s", v);
	m->design = designs[d];
	m->kernel_given = true;
	return 0;
}

static int parse_machine(struct parser *p, struct scenario_statement *st)
{
	static const char *const keys[] = {"nodes", "mem", "cpus", "swap",
					   "design", "kernel", "zero_page", "thp", "cgroup", NULL};
	static const char *const on_off[] = {"off", "on"};
	static const char *const cgroups[] = {"v1", "v2"};
	unsigned int choice = 0;	/* set by every successful lookup; 0 quiets gcc without LTO */
	struct scenario_machine *m = &st->machine;
	struct args a;
	const char *v;
	int ret;

	ret = collect_args(p, 1, keys, NULL, 0, usage_machine, &a);
	if (ret)
		return ret;
	m->nodes = 1;
	m->mem_bytes = 1ULL << 30;
	m->cpus = 1;
	m->swap_bytes = 0;
	m->design = SCENARIO_DESIGN_MLOCK_COUNT;
	snprintf(m->kernel, sizeof(m->kernel), "6.18");
	m->zero_page = true;
	m->thp = SCENARIO_THP_MADVISE;
	if ((v = option(&a, "nodes"))) {
		ret = uint_value(p, v, "nodes=", 1, UINT_MAX, &m->nodes);
		if (ret)
			return ret;
		m->nodes_given = true;
	}
	if ((v = option(&a, "cpus"))) {
		ret = uint_value(p, v, "cpus=", 1, UINT_MAX, &m->cpus);
		if (ret)
			return ret;
		m->cpus_given = true;
	}
	if ((v = option(&a, "mem"))) {
		ret = size_value(p, v, "mem=", &m->mem_bytes);
		if (ret)
			return ret;
		if (!m->mem_bytes)
			return parse_error(p, "mem= must not be 0");
		m->mem_given = true;
	}
	if ((v = option(&a, "swap"))) {
		ret = size_value(p, v, "swap=", &m->swap_bytes);
		if (ret)
			return ret;
		m->swap_given = true;
	}
	if ((v = option(&a, "design"))) {
		size_t d;

		for (d = 0; d < sizeof(design_names) / sizeof(design_names[0]); d++)
			if (!strcmp(design_names[d], v))
				break;
		if (d == sizeof(design_names) / sizeof(design_names[0]))
			return parse_error(p, "expected mlock-count, rmap-walk or none after 'design=', found '%s'",
					   quote(p, 0, v));
		m->design = (enum scenario_design)d;
		m->design_given = true;
		if (m->design == SCENARIO_DESIGN_RMAP_WALK)
			snprintf(m->kernel, sizeof(m->kernel), "5.10");
		else if (m->design == SCENARIO_DESIGN_NONE)
			snprintf(m->kernel, sizeof(m->kernel), "none");
	}
	if ((v = option(&a, "kernel"))) {
		ret = parse_machine_kernel(p, v, m);
		if (ret)
			return ret;
	}
	if ((v = option(&a, "zero_page"))) {
		ret = choice_value(p, v, "zero_page=", on_off, 2, "on or off", &choice);
		if (ret)
			return ret;
		m->zero_page = choice;
		m->zero_page_given = true;
	}
	if ((v = option(&a, "thp"))) {
		ret = choice_value(p, v, "thp=", thp_names, sizeof(thp_names) / sizeof(thp_names[0]),
				   "never, madvise or always", &choice);
		if (ret)
			return ret;
		m->thp = (enum scenario_thp)choice;
		m->thp_given = true;
	}
	if ((v = option(&a, "cgroup"))) {
		ret = choice_value(p, v, "cgroup=", cgroups, 2, "v1 or v2", &choice);
		if (ret)
			return ret;
		m->cgroup_v2 = choice;
		m->cgroup_given = true;
	}
	return 0;
}

static const char usage_task[] =
	"task NAME [cpu=N] [memcg=NAME] [memlock=SIZE|unlimited] [cap_ipc_lock] [uid=N]";

static int limit_value(struct parser *p, const char *v, const char *key, uint64_t *bytes,
		       bool *unlimited);

static int parse_task(struct parser *p, struct scenario_statement *st)
{
	static const char *const keys[] = {"cpu", "memcg", "memlock", "uid",
					   NULL};
	static const char *const flags[] = {"cap_ipc_lock", NULL};
	struct scenario_task *t = &st->task;
	struct args a;
	const char *v;
	int ret;

	ret = take_name(p, t->name, 1, "a task name");
	if (!ret)
		ret = collect_args(p, 2, keys, flags, 0, usage_task, &a);
	if (ret)
		return ret;
	t->memlock = SCENARIO_DEFAULT_MEMLOCK;
	t->cap_ipc_lock = has_flag(&a, "cap_ipc_lock");
	if ((v = option(&a, "cpu"))) {
		ret = uint_value(p, v, "cpu=", 0, UINT_MAX - 1, &t->cpu);
		if (ret)
			return ret;
	}
	if ((v = option(&a, "memcg"))) {
		ret = option_name(p, t->memcg, "memcg", v);
		if (ret)
			return ret;
		t->memcg_given = true;
	}
	if ((v = option(&a, "memlock"))) {
		ret = limit_value(p, v, "memlock", &t->memlock, &t->memlock_unlimited);
		if (ret)
			return ret;
		t->memlock_given = true;
	}
	if ((v = option(&a, "uid"))) {
		ret = uint_value(p, v, "uid=", 0, UINT_MAX - 1, &t->uid);
		if (ret)
			return ret;
		t->uid_given = true;
	}
	return 0;
}

static const char usage_memcg[] = "memcg NAME [parent=NAME] [limit=SIZE]";

static int parse_memcg(struct parser *p, struct scenario_statement *st)
{
	static const char *const keys[] = {"parent", "limit", NULL};
	struct scenario_memcg *mc = &st->memcg;
	struct args a;
	const char *v;
	int ret;

	ret = take_name(p, mc->name, 1, "a memcg name");
	if (!ret)
		ret = collect_args(p, 2, keys, NULL, 0, usage_memcg, &a);
	if (ret)
		return ret;
	if ((v = option(&a, "parent"))) {
		ret = option_name(p, mc->parent, "parent", v);
		if (ret)
			return ret;
		mc->parent_given = true;
	}
	if ((v = option(&a, "limit"))) {
		ret = size_value(p, v, "limit=", &mc->limit);
		if (ret)
			return ret;
		mc->limit_given = true;
	}
	return 0;
}

static int parse_sysctl(struct parser *p, struct scenario_statement *st)
{
	static const char usage[] = "sysctl NAME=VALUE";
	struct scenario_sysctl *sc = &st->sysctl;
	char *w, *eq;
	const char *c;
	int ret;

	ret = expect_words(p, 2, usage);
	if (ret)
		return ret;
	w = p->words[1];
	eq = strchr(w, '=');
	if (!eq || eq == w)
		return parse_error(p, "expected NAME=VALUE after 'sysctl', found '%s'",
				   quote(p, 0, w));
	*eq = '\0';
	if (!is_name(w) || strlen(w) >= SCENARIO_NAME_MAX)
		return parse_error(p, "expected a sysctl name before '=', found '%s'",
				   quote(p, 0, w));
	if (!eq[1])
		return parse_error(p, "expected a value after '%s=', found nothing", w);
	for (c = eq + 1; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '=')
			return parse_error(p, "expected a printable value after '%s=', found '%s'",
					   w, quote(p, 0, eq + 1));
	if (strlen(eq + 1) >= SCENARIO_NAME_MAX)
		return parse_error(p, "sysctl value '%s' is longer than %d characters",
				   quote(p, 0, eq + 1), SCENARIO_NAME_MAX - 1);
	strcpy(sc->name, w);
	strcpy(sc->value, eq + 1);
	return 0;
}

static const char usage_file[] = "file NAME [fs=tmpfs|ramfs|disk] [size=SIZE]";

static int parse_file_statement(struct parser *p, struct scenario_statement *st)
{
	static const char *const keys[] = {"fs", "size", NULL};
	struct scenario_file *f = &st->file;
	struct args a;
	const char *v;
	int ret;

	ret = take_name(p, f->name, 1, "a file name");
	if (!ret)
		ret = collect_args(p, 2, keys, NULL, 0, usage_file, &a);
	if (ret)
		return ret;
	f->fs = SCENARIO_FS_DISK;
	if ((v = option(&a, "fs"))) {
		if (!strcmp(v, "tmpfs"))
			f->fs = SCENARIO_FS_TMPFS;
		else if (!strcmp(v, "ramfs"))
			f->fs = SCENARIO_FS_RAMFS;
		else if (!strcmp(v, "disk"))
			f->fs = SCENARIO_FS_DISK;
		else
			return parse_error(p, "expected tmpfs, ramfs or disk after 'fs=', found '%s'",
					   quote(p, 0, v));
		f->fs_given = true;
	}
	if ((v = option(&a, "size"))) {
		ret = size_value(p, v, "size=", &f->size);
		if (ret)
			return ret;
		f->size_given = true;
	}
	return 0;
}

static int parse_shm(struct parser *p, struct scenario_statement *st)
{
	static const char usage[] = "shm NAME SIZE [hugetlb]";
	static const char *const flags[] = {"hugetlb", NULL};
	struct args a;
	int ret;

	ret = take_name(p, st->shm.name, 1, "a shm segment name");
	if (!ret && p->nr_words < 3)
		ret = expect_words(p, 3, usage);
	if (!ret)
		ret = size_value(p, p->words[2], "SIZE", &st->shm.size);
	/* hugetlb: SHM_HUGETLB, the segment's pages from the huge page pool */
	if (!ret)
		ret = collect_args(p, 3, NULL, flags, 0, usage, &a);
	if (!ret)
		st->shm.hugetlb = has_flag(&a, "hugetlb");
	return ret;
}

/* ---- task calls ---- */

/*
 * `flags=N` (mlock2, mlockall): the raw flags word, decimal or 0x hex, an
 * extension so a scenario can pass bits no keyword names.  It replaces
 * the flag words, so it may not be combined with them.
 */
static int raw_flags_option(struct parser *p, struct scenario_call *c,
			    const struct args *a)
{
	const char *v = option(a, "flags");
	const char *digits;
	uint64_t value = 0;
	int base;

	if (!v)
		return 0;
	if (a->nr_flags)
		return parse_error(p, "%s: 'flags=' replaces '%s': give one or the other",
				   call_names[c->kind], a->flags[0]);
	base = (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) ? 16 : 10;
	digits = base == 16 ? v + 2 : v;
	if (!*digits)
		return parse_error(p, "expected a number after 'flags=', found '%s'",
				   quote(p, 0, v));
	for (; *digits; digits++) {
		char ch = *digits;
		unsigned int d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned int)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (unsigned int)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = (unsigned int)(ch - 'A' + 10);
		else
			return parse_error(p, "expected a number after 'flags=', found '%s'",
					   quote(p, 0, v));
		value = value * (unsigned int)base + d;
		if (value > UINT32_MAX)
			return parse_error(p, "flags word '%s' does not fit in 32 bits",
					   quote(p, 0, v));
	}
	c->raw_flags_given = true;
	c->raw_flags = (unsigned int)value;
	return 0;
}

/* OFF LEN from two positional words. */
static int range_values(struct parser *p, char *off, char *len,
			struct scenario_call *c)
{
	int ret = size_value(p, off, "OFF", &c->off);

	if (!ret)
		ret = size_value(p, len, "LEN", &c->len);
	if (!ret)
		c->range_given = true;
	return ret;
}

/*
 * REGION [OFF LEN] plus trailing words taken by `nr_tail` (mprotect's PROT,
 * madvise's ADVICE): the positional words are either the tail alone, or
 * OFF LEN and the tail.
 */
static int region_range(struct parser *p, struct scenario_call *c,
			struct args *a, size_t nr_tail, const char *usage)
{
	if (a->nr_pos == nr_tail)
		return 0;
	if (a->nr_pos == nr_tail + 2)
		return range_values(p, a->pos[0], a->pos[1], c);
	if (a->nr_pos < nr_tail)
		return parse_error(p, "%s: expected more, found the end of the line (usage: %s)",
				   call_names[c->kind], usage);
	return parse_error(p, "%s: expected OFF and LEN after the region, found only '%s' (usage: %s)",
			   call_names[c->kind], quote(p, 0, a->pos[0]), usage);
}

static const char usage_mmap[] =
	"mmap REGION LEN [prot=rw|r|none] [private|shared|droppable] [anon|file=F [off=OFF]|secretmem|perf|io_uring] [locked] [populate] [hugetlb] "
	"[fixed=OTHER [fixed_off=OFF] [noreplace]] [align=SIZE]";

/*
 * fixed=OTHER [fixed_off=OFF] (an extension, README): the call passes the
 * address of region OTHER plus OFF, as a program passes an address it
 * knows, with MAP_FIXED (mmap) or MREMAP_FIXED (mremap).
 */
static int fixed_option(struct parser *p, struct scenario_call *c, const struct args *a)
{
	const char *v = option(a, "fixed");
	int ret;

	if (!v) {
		if (option(a, "fixed_off"))
			return parse_error(p, "%s: 'fixed_off=' needs 'fixed='", call_names[c->kind]);
		return 0;
	}
	ret = option_name(p, c->fixed, "fixed", v);
	if (!ret && (v = option(a, "fixed_off")))
		ret = size_value(p, v, "fixed_off=", &c->fixed_off);
	return ret;
}

/*
 * align=SIZE (an extension, README): an anonymous mapping of LEN placed at
 * a multiple of SIZE by the program itself (mmap of LEN + SIZE - 1p, then
 * munmap of the head and the tail), as kernels before 6.7 do not place a
 * 2 MiB anonymous mapping 2 MiB-aligned (thp_get_unmapped_area).
 */
static int align_option(struct parser *p, struct scenario_call *c, const char *v)
{
	int ret = size_value(p, v, "align=", &c->align);

	if (ret)
		return ret;
	if (c->align < SCENARIO_PAGE_SIZE || (c->align & (c->align - 1)) || c->align > (1ULL << 30))
		return parse_error(p, "mmap: align= is a power of two from 1p to 1G");
	if (c->fixed[0] || c->file[0] || c->secretmem || c->driver || c->hugetlb)
		return parse_error(p, "mmap: 'align=' is for an anonymous mapping placed by the kernel: it excludes 'fixed=', 'file=', 'secretmem', 'perf', 'io_uring' and 'hugetlb'");
	return 0;
}

static int parse_mmap(struct parser *p, struct scenario_call *c)
{
	static const char *const keys[] = {"prot", "file", "off", "fixed", "fixed_off", "align", NULL};
	static const char *const flags[] = {"private", "shared", "anon", "locked",
					    "populate", "hugetlb", "noreplace", "droppable", "secretmem",
					    "perf", "io_uring", NULL};
	struct args a;
	const char *v;
	int ret;

	ret = take_name(p, c->target, 2, "a REGION name after 'mmap'");
	if (!ret)
		ret = collect_args(p, 3, keys, flags, 1, usage_mmap, &a);
	if (ret)
		return ret;
	if (a.nr_pos != 1)
		return parse_error(p, "mmap: expected LEN after the region, found the end of the line (usage: %s)",
				   usage_mmap);
	ret = size_value(p, a.pos[0], "LEN", &c->size);
	if (ret)
		return ret;
	c->prot = SCENARIO_PROT_READ | SCENARIO_PROT_WRITE;
	if ((v = option(&a, "prot"))) {
		ret = prot_value(p, v, &c->prot);
		if (ret)
			return ret;
		c->prot_given = true;
	}
	if (has_flag(&a, "private") && has_flag(&a, "shared"))
		return parse_error(p, "mmap: 'private' and 'shared' exclude each other");
	/* droppable (an extension, README): MAP_DROPPABLE, a mapping type in
	 * the place of MAP_PRIVATE or MAP_SHARED */
	c->droppable = has_flag(&a, "droppable");
	if (c->droppable && (has_flag(&a, "private") || has_flag(&a, "shared")))
		return parse_error(p, "mmap: 'droppable' is a mapping type: it excludes 'private' and 'shared'");
	/* secretmem (an extension, README): a memfd_secret(2) file of LEN,
	 * mapped shared unless `private` is written (which the kernel refuses) */
	c->secretmem = has_flag(&a, "secretmem");
	if (c->secretmem && (has_flag(&a, "anon") || option(&a, "file") || c->droppable ||
			     has_flag(&a, "hugetlb")))
		return parse_error(p, "mmap: 'secretmem' is a file of its own: it excludes 'anon', 'file=', 'droppable' and 'hugetlb'");
	/* perf, io_uring (an extension, README): a device's buffer, mapped
	 * shared; the model keeps a perf ring's pages in 64 bits */
	if (has_flag(&a, "perf") && has_flag(&a, "io_uring"))
		return parse_error(p, "mmap: 'perf' and 'io_uring' exclude each other");
	c->driver = has_flag(&a, "perf") ? SCENARIO_DRIVER_PERF
		  : has_flag(&a, "io_uring") ? SCENARIO_DRIVER_IO_URING : SCENARIO_DRIVER_NONE;
	if (c->driver && (has_flag(&a, "anon") || option(&a, "file") || c->droppable ||
			  c->secretmem || has_flag(&a, "hugetlb") || has_flag(&a, "private") ||
			  has_flag(&a, "shared")))
		return parse_error(p, "mmap: '%s' is a shared mapping of a device's buffer: it excludes 'anon', 'file=', 'secretmem', 'droppable', 'hugetlb', 'private' and 'shared'",
				   c->driver == SCENARIO_DRIVER_PERF ? "perf" : "io_uring");
	if (c->driver == SCENARIO_DRIVER_PERF && (c->size == 0 || c->size > 65 * SCENARIO_PAGE_SIZE))
		return parse_error(p, "mmap: a perf ring is 1 to 65 pages here (1 + 2^n pages for the kernel)");
	if (c->driver == SCENARIO_DRIVER_IO_URING && c->size != SCENARIO_PAGE_SIZE)
		return parse_error(p, "mmap: io_uring maps the one-page SQ ring of 4 entries: LEN is 1p");
	c->shared = has_flag(&a, "shared") || (c->secretmem && !has_flag(&a, "private")) || c->driver;
	c->sharing_given = c->shared || has_flag(&a, "private") || c->droppable;
	if ((v = option(&a, "file"))) {
		if (has_flag(&a, "anon"))
			return parse_error(p, "mmap: 'anon' and 'file=' exclude each other");
		ret = option_name(p, c->file, "file", v);
		if (ret)
			return ret;
	}
	if ((v = option(&a, "off"))) {
		if (!c->file[0])
			return parse_error(p, "mmap: 'off=' needs 'file='");
		ret = size_value(p, v, "off=", &c->file_off);
		if (ret)
			return ret;
		c->file_off_given = true;
	}
	c->locked = has_flag(&a, "locked");
	c->populate = has_flag(&a, "populate");
	c->hugetlb = has_flag(&a, "hugetlb");
	c->noreplace = has_flag(&a, "noreplace");
	ret = fixed_option(p, c, &a);
	if (!ret && c->noreplace && !c->fixed[0])
		return parse_error(p, "mmap: 'noreplace' needs 'fixed='");
	if (!ret && (v = option(&a, "align")))
		ret = align_option(p, c, v);
	return ret;
}

/* munmap mlock mlock2 munlock touch: REGION [OFF LEN] [flags] */
static int parse_region_call(struct parser *p, struct scenario_call *c,
			     const char *const *flags, const char *usage)
{
	static const char *const mlock2_keys[] = {"flags", NULL};
	struct args a;
	int ret;

	ret = take_name(p, c->target, 2, "a REGION name");
	if (!ret)
		ret = collect_args(p, 3,
				   c->kind == SCENARIO_CALL_MLOCK2 ? mlock2_keys : NULL,
				   flags, 2, usage, &a);
	if (!ret)
		ret = region_range(p, c, &a, 0, usage);
	if (ret)
		return ret;
	if (c->kind == SCENARIO_CALL_MLOCK2) {
		c->onfault = has_flag(&a, "onfault");
		ret = raw_flags_option(p, c, &a);
		if (ret)
			return ret;
	}
	if (c->kind == SCENARIO_CALL_TOUCH) {
		if (has_flag(&a, "read") && has_flag(&a, "write"))
			return parse_error(p, "touch: 'read' and 'write' exclude each other");
		c->write = !has_flag(&a, "read");
	}
	return 0;
}

static int parse_mlockall(struct parser *p, struct scenario_call *c)
{
	static const char usage[] = "mlockall [current] [future] [onfault] | mlockall flags=N";
	static const char *const flags[] = {"current", "future", "onfault", NULL};
	static const char *const keys[] = {"flags", NULL};
	struct args a;
	int ret;

	ret = collect_args(p, 2, keys, flags, 0, usage, &a);
	if (!ret)
		ret = raw_flags_option(p, c, &a);
	if (ret)
		return ret;
	c->mlockall_flags = (has_flag(&a, "current") ? SCENARIO_MCL_CURRENT : 0) |
			    (has_flag(&a, "future") ? SCENARIO_MCL_FUTURE : 0) |
			    (has_flag(&a, "onfault") ? SCENARIO_MCL_ONFAULT : 0);
	return 0;
}

/* CALL REGION [OFF LEN] [nr_tail words] plus options and flags (mprotect,
 * madvise, msync) */
static int region_call_args(struct parser *p, struct scenario_call *c,
			    const char *const *keys, const char *const *flags, size_t nr_tail,
			    const char *usage, struct args *a)
{
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "a REGION name after '%s'", call_names[c->kind]);
	ret = take_name(p, c->target, 2, what);
	if (!ret)
		ret = collect_args(p, 3, keys, flags, nr_tail + 2, usage, a);
	if (!ret)
		ret = region_range(p, c, a, nr_tail, usage);
	return ret;
}

static int parse_mprotect(struct parser *p, struct scenario_call *c)
{
	static const char usage[] = "mprotect REGION [OFF LEN] PROT";
	struct args a;
	int ret;

	ret = region_call_args(p, c, NULL, NULL, 1, usage, &a);
	if (!ret)
		ret = prot_value(p, a.pos[a.nr_pos - 1], &c->prot);
	return ret;
}

static int parse_madvise(struct parser *p, struct scenario_call *c)
{
	static const char usage[] =
		"madvise REGION [OFF LEN] dontneed|free|pageout|cold|willneed|remove|dontneed_locked|populate_read|populate_write|guard_install|guard_remove|hugepage|nohugepage|collapse";
	struct args a;
	const char *w;
	size_t i;
	int ret;

	ret = region_call_args(p, c, NULL, NULL, 1, usage, &a);
	if (ret)
		return ret;
	w = a.pos[a.nr_pos - 1];
	for (i = 0; i < NR_ADVICES; i++) {
		if (!strcmp(advice_names[i], w)) {
			c->advice = (enum scenario_advice)i;
			return 0;
		}
	}
	return parse_error(p, "madvise: expected an advice (dontneed, free, pageout, cold, willneed, remove, dontneed_locked, populate_read, populate_write, guard_install, guard_remove), found '%s'",
			   quote(p, 0, w));
}

static int parse_mremap(struct parser *p, struct scenario_call *c)
{
	static const char usage[] =
		"mremap REGION NEWLEN [maymove] [fixed=OTHER [fixed_off=OFF]] [dontunmap]";
	static const char *const flags[] = {"maymove", "dontunmap", NULL};
	static const char *const keys[] = {"fixed", "fixed_off", NULL};
	struct args a;
	int ret;

	ret = take_name(p, c->target, 2, "a REGION name after 'mremap'");
	if (!ret)
		ret = collect_args(p, 3, keys, flags, 1, usage, &a);
	if (ret)
		return ret;
	if (a.nr_pos != 1)
		return parse_error(p, "mremap: expected NEWLEN after the region, found the end of the line (usage: %s)",
				   usage);
	c->maymove = has_flag(&a, "maymove");
	c->dontunmap = has_flag(&a, "dontunmap");
	ret = fixed_option(p, c, &a);
	if (ret)
		return ret;
	return size_value(p, a.pos[0], "NEWLEN", &c->size);
}

/* read write punch: FILE OFF LEN; truncate: FILE SIZE */
static int parse_file_call(struct parser *p, struct scenario_call *c)
{
	bool truncate = c->kind == SCENARIO_CALL_TRUNCATE;
	char usage[64];
	int ret;

	snprintf(usage, sizeof(usage), "%s FILE %s", call_names[c->kind],
		 truncate ? "SIZE" : "OFF LEN");
	ret = take_name(p, c->target, 2, "a FILE name");
	if (!ret)
		ret = expect_words(p, truncate ? 4 : 5, usage);
	if (ret)
		return ret;
	if (truncate)
		return size_value(p, p->words[3], "SIZE", &c->size);
	return range_values(p, p->words[3], p->words[4], c);
}

static int parse_shmat(struct parser *p, struct scenario_call *c)
{
	static const char usage[] = "shmat SHM REGION [rdonly]";
	static const char *const flags[] = {"rdonly", NULL};
	struct args a;
	int ret;

	ret = take_name(p, c->shm, 2, "a SHM segment name after 'shmat'");
	if (!ret)
		ret = take_name(p, c->target, 3, "a REGION name after the segment");
	if (!ret)
		ret = collect_args(p, 4, NULL, flags, 0, usage, &a);
	if (ret)
		return ret;
	c->rdonly = has_flag(&a, "rdonly");
	return 0;
}

static int parse_shmctl(struct parser *p, struct scenario_call *c)
{
	static const char usage[] = "shmctl SHM lock|unlock|rmid";
	const char *w;
	int ret;

	ret = take_name(p, c->target, 2, "a SHM segment name after 'shmctl'");
	if (!ret)
		ret = expect_words(p, 4, usage);
	if (ret)
		return ret;
	w = p->words[3];
	if (!strcmp(w, "lock"))
		c->shmctl_op = SCENARIO_SHMCTL_LOCK;
	else if (!strcmp(w, "unlock"))
		c->shmctl_op = SCENARIO_SHMCTL_UNLOCK;
	else if (!strcmp(w, "rmid"))
		c->shmctl_op = SCENARIO_SHMCTL_RMID;
	else
		return parse_error(p, "shmctl: expected lock, unlock or rmid, found '%s'",
				   quote(p, 0, w));
	return 0;
}

static int parse_brk(struct parser *p, struct scenario_call *c)
{
	static const char usage[] = "brk SIZE (SIZE may be negative)";
	const char *w;
	int ret;

	ret = expect_words(p, 3, usage);
	if (ret)
		return ret;
	w = p->words[2];
	if (*w == '-') {
		c->size_negative = true;
		w++;
	}
	ret = size_value(p, w, "brk SIZE", &c->size);
	if (!c->size)
		c->size_negative = false;
	return ret;
}

/* grow_stack SIZE: a whole number of pages, at least one */
static int parse_grow_stack(struct parser *p, struct scenario_call *c)
{
	static const char usage[] = "grow_stack SIZE (whole pages)";
	int ret = expect_words(p, 3, usage);

	if (!ret)
		ret = size_value(p, p->words[2], "grow_stack SIZE", &c->size);
	if (!ret && (c->size == 0 || c->size % SCENARIO_PAGE_SIZE))
		ret = parse_error(p, "grow_stack SIZE must be a whole number of pages, at least one");
	return ret;
}

/* msync REGION [OFF LEN] [async|sync] [invalidate] | msync REGION [OFF LEN] flags=N */
static int parse_msync(struct parser *p, struct scenario_call *c)
{
	static const char usage[] =
		"msync REGION [OFF LEN] [async|sync] [invalidate] | msync REGION [OFF LEN] flags=N";
	static const char *const flags[] = {"async", "sync", "invalidate", NULL};
	static const char *const keys[] = {"flags", NULL};
	struct args a;
	int ret;

	ret = region_call_args(p, c, keys, flags, 0, usage, &a);
	if (!ret)
		ret = raw_flags_option(p, c, &a);
	if (ret)
		return ret;
	/* both is a flags word the kernel refuses (EINVAL): flags=5 says it */
	if (has_flag(&a, "async") && has_flag(&a, "sync"))
		return parse_error(p, "msync: 'async' and 'sync' exclude each other (flags=5 passes both)");
	c->msync_flags = c->raw_flags_given ? (int)c->raw_flags
			 : (has_flag(&a, "async") ? SCENARIO_MS_ASYNC : 0) |
				   (has_flag(&a, "sync") ? SCENARIO_MS_SYNC : 0) |
				   (has_flag(&a, "invalidate") ? SCENARIO_MS_INVALIDATE : 0);
	return 0;
}

/* mbind (an extension, README): mbind(2) of the range with MPOL_BIND to
 * one node; `move` is MPOL_MF_MOVE, `strict` MPOL_MF_STRICT */
static int parse_mbind(struct parser *p, struct scenario_call *c)
{
	static const char usage[] = "mbind REGION [OFF LEN] node=N [move] [strict]";
	static const char *const flags[] = {"move", "strict", NULL};
	static const char *const keys[] = {"node", NULL};
	struct args a;
	const char *v;
	int ret;

	ret = region_call_args(p, c, keys, flags, 0, usage, &a);
	if (ret)
		return ret;
	v = option(&a, "node");
	if (!v)
		return parse_error(p, "mbind: expected 'node=N' (usage: %s)", usage);
	c->mbind_move = has_flag(&a, "move");
	c->mbind_strict = has_flag(&a, "strict");
	return uint_value(p, v, "node=", 0, 63, &c->mbind_node);
}

/* SIZE or `unlimited` after KEY= */
static int limit_value(struct parser *p, const char *v, const char *key, uint64_t *bytes,
		       bool *unlimited)
{
	int ret;

	if (!strcmp(v, "unlimited")) {
		*unlimited = true;
		return 0;
	}
	ret = scenario_parse_size(v, bytes);
	if (ret == -ERANGE)
		return parse_error(p, "size '%s' for %s= does not fit in 64 bits",
				   quote(p, 0, v), key);
	if (ret)
		return parse_error(p, "expected a size or 'unlimited' after '%s=', found '%s'", key,
				   quote(p, 0, v));
	return 0;
}

/* setrlimit memlock=SIZE|unlimited [max=SIZE|unlimited]: RLIMIT_MEMLOCK's
 * soft limit, and its hard limit with max= (an extension, README) */
static int parse_setrlimit(struct parser *p, struct scenario_call *c)
{
	static const char usage[] = "setrlimit memlock=SIZE|unlimited [max=SIZE|unlimited]";
	static const char *const keys[] = {"memlock", "max", NULL};
	struct args a;
	const char *v;
	int ret;

	ret = collect_args(p, 2, keys, NULL, 0, usage, &a);
	if (ret)
		return ret;
	v = option(&a, "memlock");
	if (!v)
		return parse_error(p, "setrlimit: expected 'memlock=' (usage: %s)", usage);
	ret = limit_value(p, v, "memlock", &c->memlock, &c->memlock_unlimited);
	if (ret || !(v = option(&a, "max")))
		return ret;
	c->memlock_max_given = true;
	return limit_value(p, v, "max", &c->memlock_max, &c->memlock_max_unlimited);
}

static int parse_call(struct parser *p, struct scenario_statement *st)
{
	static const char *const region_flags_none[] = {NULL};
	static const char *const mlock2_flags[] = {"onfault", NULL};
	static const char *const touch_flags[] = {"read", "write", NULL};
	struct scenario_call *c = &st->call;
	char *w = p->words[0];
	size_t n = strlen(w), i;
	char usage[80];

	w[n - 1] = '\0'; /* the colon */
	if (!is_name(w) || n - 1 >= SCENARIO_NAME_MAX)
		return parse_error(p, "expected a task name before ':', found '%s'",
				   quote(p, 0, w));
	strcpy(c->task, w);
	if (p->nr_words < 2)
		return parse_error(p, "expected a call after '%s:' (mmap, munmap, mlock, mlock2, munlock, mlockall, munlockall, mprotect, mremap, madvise, touch, read, write, truncate, punch, shmat, shmdt, shmctl, fork, exit, exec, brk, msync, setrlimit), found the end of the line",
				   quote(p, 0, w));
	for (i = 0; i < NR_CALLS; i++)
		if (!strcmp(call_names[i], p->words[1]))
			break;
	if (i == NR_CALLS)
		return parse_error(p, "unknown call '%s' (expected mmap, munmap, mlock, mlock2, munlock, mlockall, munlockall, mprotect, mremap, madvise, touch, read, write, truncate, punch, shmat, shmdt, shmctl, fork, exit, exec, brk, msync or setrlimit)",
				   quote(p, 0, p->words[1]));
	c->kind = (enum scenario_call_kind)i;
	switch (c->kind) {
	case SCENARIO_CALL_MMAP:
		return parse_mmap(p, c);
	case SCENARIO_CALL_MUNMAP:
	case SCENARIO_CALL_MLOCK:
	case SCENARIO_CALL_MUNLOCK:
		snprintf(usage, sizeof(usage), "%s REGION [OFF LEN]", call_names[i]);
		return parse_region_call(p, c, region_flags_none, usage);
	case SCENARIO_CALL_MLOCK2:
		return parse_region_call(p, c, mlock2_flags,
					 "mlock2 REGION [OFF LEN] [onfault|flags=N]");
	case SCENARIO_CALL_TOUCH:
		return parse_region_call(p, c, touch_flags,
					 "touch REGION [OFF LEN] [read|write]");
	case SCENARIO_CALL_MLOCKALL:
		return parse_mlockall(p, c);
	case SCENARIO_CALL_MPROTECT:
		return parse_mprotect(p, c);
	case SCENARIO_CALL_MREMAP:
		return parse_mremap(p, c);
	case SCENARIO_CALL_MADVISE:
		return parse_madvise(p, c);
	case SCENARIO_CALL_READ:
	case SCENARIO_CALL_WRITE:
	case SCENARIO_CALL_TRUNCATE:
	case SCENARIO_CALL_PUNCH:
		return parse_file_call(p, c);
	case SCENARIO_CALL_SHMAT:
		return parse_shmat(p, c);
	case SCENARIO_CALL_SHMDT: {
		int ret = take_name(p, c->target, 2, "a REGION name after 'shmdt'");

		return ret ? ret : expect_words(p, 3, "shmdt REGION");
	}
	case SCENARIO_CALL_SHMCTL:
		return parse_shmctl(p, c);
	case SCENARIO_CALL_FORK: {
		int ret = take_name(p, c->target, 2, "a CHILD task name after 'fork'");

		return ret ? ret : expect_words(p, 3, "fork CHILD");
	}
	case SCENARIO_CALL_MUNLOCKALL:
	case SCENARIO_CALL_EXIT:
	case SCENARIO_CALL_EXEC:
		snprintf(usage, sizeof(usage), "%s (no arguments)", call_names[i]);
		return expect_words(p, 2, usage);
	case SCENARIO_CALL_BRK:
		return parse_brk(p, c);
	case SCENARIO_CALL_MSYNC:
		return parse_msync(p, c);
	case SCENARIO_CALL_SETRLIMIT:
		return parse_setrlimit(p, c);
	case SCENARIO_CALL_GROW_STACK:
		return parse_grow_stack(p, c);
	case SCENARIO_CALL_MBIND:
		return parse_mbind(p, c);
	}
	return parse_error(p, "internal error: call '%s' has no parser",
			   call_names[i]);
}

/* ---- kernel-side statements ---- */

static int parse_reclaim(struct parser *p, struct scenario_statement *st)
{
	static const char usage[] = "reclaim SIZE [node=N] [memcg=NAME]";
	static const char *const keys[] = {"node", "memcg", NULL};
	struct scenario_reclaim *r = &st->reclaim;
	struct args a;
	const char *v;
	int ret;

	ret = collect_args(p, 1, keys, NULL, 1, usage, &a);
	if (ret)
		return ret;
	if (a.nr_pos != 1)
		return parse_error(p, "reclaim: expected SIZE, found the end of the line (usage: %s)",
				   usage);
	ret = size_value(p, a.pos[0], "SIZE", &r->size);
	if (ret)
		return ret;
	if ((v = option(&a, "node"))) {
		ret = uint_value(p, v, "node=", 0, UINT_MAX - 1, &r->node);
		if (ret)
			return ret;
		r->node_given = true;
	}
	if ((v = option(&a, "memcg"))) {
		ret = option_name(p, r->memcg, "memcg", v);
		if (ret)
			return ret;
		r->memcg_given = true;
	}
	return 0;
}

static int parse_migrate(struct parser *p, struct scenario_statement *st)
{
	static const char usage[] = "migrate TASK REGION [OFF LEN] node=N";
	static const char *const keys[] = {"node", NULL};
	struct scenario_migrate *mg = &st->migrate;
	struct scenario_call range = {0};
	struct args a;
	const char *v;
	int ret;

	ret = take_name(p, mg->task, 1, "a TASK name after 'migrate'");
	if (!ret)
		ret = take_name(p, mg->region, 2, "a REGION name after the task");
	if (!ret)
		ret = collect_args(p, 3, keys, NULL, 2, usage, &a);
	if (ret)
		return ret;
	if (a.nr_pos == 1)
		return parse_error(p, "migrate: expected OFF and LEN after the region, found only '%s' (usage: %s)",
				   quote(p, 0, a.pos[0]), usage);
	if (a.nr_pos == 2) {
		ret = range_values(p, a.pos[0], a.pos[1], &range);
		if (ret)
			return ret;
		mg->range_given = true;
		mg->off = range.off;
		mg->len = range.len;
	}
	v = option(&a, "node");
	if (!v)
		return parse_error(p, "migrate: expected 'node=N', found the end of the line (usage: %s)",
				   usage);
	return uint_value(p, v, "node=", 0, UINT_MAX - 1, &mg->node);
}

static int parse_compact(struct parser *p, struct scenario_statement *st)
{
	static const char usage[] = "compact [node=N]";
	static const char *const keys[] = {"node", NULL};
	struct args a;
	const char *v;
	int ret;

	ret = collect_args(p, 1, keys, NULL, 0, usage, &a);
	if (ret)
		return ret;
	if ((v = option(&a, "node"))) {
		ret = uint_value(p, v, "node=", 0, UINT_MAX - 1, &st->compact.node);
		if (ret)
			return ret;
		st->compact.node_given = true;
	}
	return 0;
}

/* ---- expectations and output ---- */

static int parse_operator_value(struct parser *p, struct scenario_expect *e, size_t i,
				bool kb_allowed);

/* FIELD OP VALUE [kB] from word i on; `kB` only where the file prints kB. */
static int parse_comparison(struct parser *p, struct scenario_expect *e,
			    size_t i, bool field_is_lru, bool kb_allowed)
{
	int ret;

	if (field_is_lru) {
		size_t l;

		if (i >= p->nr_words)
			return parse_error(p, "expected an LRU list (inactive_anon, active_anon, inactive_file, active_file, unevictable), found the end of the line");
		for (l = 0; l < NR_LRU_LISTS; l++)
			if (!strcmp(lru_list_names[l], p->words[i]))
				break;
		if (l == NR_LRU_LISTS)
			return parse_error(p, "expected an LRU list (inactive_anon, active_anon, inactive_file, active_file, unevictable), found %s",
					   found(p, i));
		strcpy(e->field, lru_list_names[l]);
	} else {
		ret = take_field(p, e->field, i, "a field name");
		if (ret)
			return ret;
	}
	return parse_operator_value(p, e, i + 1, kb_allowed);
}

/* OP VALUE [kB] from word i on (after the field, whose name e->field has). */
static int parse_operator_value(struct parser *p, struct scenario_expect *e, size_t i,
				bool kb_allowed)
{
	const char *end, *w;
	size_t op;
	int ret;

	if (i >= p->nr_words)
		return parse_error(p, "expected an operator (=, !=, <, <=, >, >=) after '%s', found the end of the line",
				   e->field);
	for (op = 0; op < NR_OPERATORS; op++)
		if (!strcmp(operator_names[op], p->words[i]))
			break;
	if (op == NR_OPERATORS)
		return parse_error(p, "expected an operator (=, !=, <, <=, >, >=), found %s",
				   found(p, i));
	e->op = (enum scenario_operator)op;
	i++;
	if (i >= p->nr_words)
		return parse_error(p, "expected a number after '%s', found the end of the line",
				   operator_names[op]);
	w = p->words[i];
	ret = parse_decimal(w, &e->value, &end);
	if (ret == -ERANGE)
		return parse_error(p, "value '%s' does not fit in 64 bits",
				   quote(p, 0, w));
	if (ret || *end)
		return parse_error(p, "expected a plain number (%s), found '%s'",
				   kb_allowed ? "in kB, as the kernel prints it"
					      : "in pages, as the kernel prints it",
				   quote(p, 0, w));
	i++;
	if (i < p->nr_words && kb_allowed && !strcmp(p->words[i], "kB")) {
		e->kb_written = true;
		i++;
	}
	if (i < p->nr_words && !kb_allowed && !strcmp(p->words[i], "kB"))
		return parse_error(p, "expected the end of the line, found 'kB': vmstat and lru values are pages");
	if (i < p->nr_words)
		return parse_error(p, "expected %s, found %s",
				   kb_allowed && !e->kb_written
					   ? "'kB' or the end of the line"
					   : "the end of the line",
				   found(p, i));
	return 0;
}

/*
 * expect TASK mincore REGION [OFF LEN] OP N: OFF LEN, when given, are the
 * two words before the operator; the value is pages, as mincore's vector
 * counts them.
 */
static int parse_expect_mincore(struct parser *p, struct scenario_expect *e)
{
	size_t i;
	int ret;

	e->source = SCENARIO_EXPECT_MINCORE;
	ret = take_name(p, e->region, 3, "a REGION name after 'mincore'");
	if (ret)
		return ret;
	for (i = 4; i < p->nr_words; i++)
		for (size_t op = 0; op < NR_OPERATORS; op++)
			if (!strcmp(operator_names[op], p->words[i]))
				goto found_op;
	return parse_error(p, "expected an operator (=, !=, <, <=, >, >=) after the region, found the end of the line (usage: expect TASK mincore REGION [OFF LEN] OP N)");
found_op:
	if (i == 6) {
		ret = size_value(p, p->words[4], "OFF", &e->off);
		if (!ret)
			ret = size_value(p, p->words[5], "LEN", &e->len);
		if (ret)
			return ret;
		e->range_given = true;
	} else if (i != 4) {
		return parse_error(p, "mincore: expected OFF and LEN or nothing between the region and the operator, found %s (usage: expect TASK mincore REGION [OFF LEN] OP N)",
				   found(p, 4));
	}
	strcpy(e->field, "mincore");
	return parse_operator_value(p, e, i, false);
}

static int parse_expect(struct parser *p, struct scenario_statement *st)
{
	struct scenario_expect *e = &st->expect;
	const char *w;
	int ret;

	if (p->nr_words < 2)
		return parse_error(p, "expected ok, errno, vmstat, meminfo, lru or TASK status|smaps|numa_maps|mincore|pagemap after 'expect', found the end of the line");
	w = p->words[1];
	if (!strcmp(w, "ok")) {
		e->source = SCENARIO_EXPECT_OK;
		return expect_words(p, 2, "expect ok");
	}
	if (!strcmp(w, "errno")) {
		e->source = SCENARIO_EXPECT_ERRNO;
		if (p->nr_words < 3)
			return parse_error(p, "expected an errno name (ENOMEM, EPERM...) after 'expect errno', found the end of the line");
		if (scenario_errno_from_name(p->words[2], &e->errno_value))
			return parse_error(p, "expected an errno name (ENOMEM, EPERM...), found unknown name %s",
					   found(p, 2));
		strcpy(e->field, p->words[2]); /* a known name: short */
		return expect_words(p, 3, "expect errno NAME");
	}
	if (!strcmp(w, "vmstat")) {
		e->source = SCENARIO_EXPECT_VMSTAT;
		return parse_comparison(p, e, 2, false, false);
	}
	if (!strcmp(w, "meminfo")) {
		e->source = SCENARIO_EXPECT_MEMINFO;
		return parse_comparison(p, e, 2, false, true);
	}
	if (!strcmp(w, "lru")) {
		e->source = SCENARIO_EXPECT_LRU;
		return parse_comparison(p, e, 2, true, false);
	}
	if (!strcmp(w, "memcg")) {	/* extension: memory.stat of a memcg, bytes */
		e->source = SCENARIO_EXPECT_MEMCG;
		ret = take_name(p, e->task, 2, "a memcg name after 'expect memcg'");
		return ret ? ret : parse_comparison(p, e, 3, false, false);
	}
	if (!is_name(w))
		return parse_error(p, "expected ok, errno, vmstat, meminfo, lru or TASK status|smaps|numa_maps|mincore|pagemap after 'expect', found %s",
				   found(p, 1));
	ret = take_name(p, e->task, 1, "a task name");
	if (ret)
		return ret;
	if (p->nr_words > 2 && !strcmp(p->words[2], "status")) {
		e->source = SCENARIO_EXPECT_STATUS;
		return parse_comparison(p, e, 3, false, true);
	}
	if (p->nr_words > 2 && !strcmp(p->words[2], "smaps")) {
		e->source = SCENARIO_EXPECT_SMAPS;
		ret = take_name(p, e->region, 3, "a REGION name after 'smaps'");
		return ret ? ret : parse_comparison(p, e, 4, false, true);
	}
	if (p->nr_words > 2 && !strcmp(p->words[2], "numa_maps")) {
		/* added 2026-11-28: pages, in every VMA overlapping the region */
		e->source = SCENARIO_EXPECT_NUMA_MAPS;
		ret = take_name(p, e->region, 3, "a REGION name after 'numa_maps'");
		return ret ? ret : parse_comparison(p, e, 4, false, false);
	}
	if (p->nr_words > 2 && !strcmp(p->words[2], "mincore"))
		return parse_expect_mincore(p, e);
	if (p->nr_words > 2 && !strcmp(p->words[2], "pagemap")) {
		/* issue 11: frames of the region's pages */
		e->source = SCENARIO_EXPECT_PAGEMAP;
		ret = take_name(p, e->region, 3, "a REGION name after 'pagemap'");
		if (!ret)
			ret = parse_comparison(p, e, 4, false, false);
		if (!ret && strcmp(e->field, "moved") && strcmp(e->field, "present"))
			return parse_error(p, "expected 'moved' or 'present' after 'pagemap %s', found %s",
					   e->region, found(p, 4));
		return ret;
	}
	return parse_error(p, "expected 'status', 'smaps', 'numa_maps', 'mincore' or 'pagemap' after 'expect %s' (or ok, errno, vmstat, meminfo, lru in its place), found %s",
			   quote(p, 0, w), found(p, 2));
}

static int parse_print(struct parser *p, struct scenario_statement *st)
{
	static const char usage[] =
		"print vmstat | print meminfo | print TASK status | print TASK smaps | print memcg NAME";
	struct scenario_print *pr = &st->print;
	int ret;

	if (p->nr_words < 2)
		return parse_error(p, "expected vmstat, meminfo or TASK after 'print', found the end of the line");
	if (!strcmp(p->words[1], "vmstat")) {
		pr->source = SCENARIO_PRINT_VMSTAT;
		return expect_words(p, 2, usage);
	}
	if (!strcmp(p->words[1], "meminfo")) {
		pr->source = SCENARIO_PRINT_MEMINFO;
		return expect_words(p, 2, usage);
	}
	if (!strcmp(p->words[1], "memcg")) {	/* extension: memory.stat */
		pr->source = SCENARIO_PRINT_MEMCG;
		ret = take_name(p, pr->task, 2, "a memcg name after 'print memcg'");
		return ret ? ret : expect_words(p, 3, "print memcg NAME");
	}
	ret = take_name(p, pr->task, 1, "vmstat, meminfo or a task name after 'print'");
	if (ret)
		return ret;
	if (p->nr_words < 3)
		return parse_error(p, "expected 'status' or 'smaps' after 'print %s', found the end of the line",
				   pr->task);
	if (!strcmp(p->words[2], "status"))
		pr->source = SCENARIO_PRINT_STATUS;
	else if (!strcmp(p->words[2], "smaps"))
		pr->source = SCENARIO_PRINT_SMAPS;
	else
		return parse_error(p, "expected 'status' or 'smaps' after 'print %s', found %s",
				   pr->task, found(p, 2));
	return expect_words(p, 3, usage);
}

/* ---- statements ---- */

static char *join_words(char **words, size_t nr)
{
	size_t len = 0, i;
	char *text, *out;

	for (i = 0; i < nr; i++)
		len += strlen(words[i]) + 1;
	text = malloc(len ? len : 1);
	if (!text)
		return NULL;
	out = text;
	*out = '\0';
	for (i = 0; i < nr; i++) {
		size_t n = strlen(words[i]);

		if (i)
			*out++ = ' ';
		memcpy(out, words[i], n);
		out += n;
		*out = '\0';
	}
	return text;
}

static int parse_statement(struct parser *p, struct scenario_statement *st)
{
	static const struct {
		const char *word;
		enum scenario_statement_kind kind;
		int (*parse)(struct parser *p, struct scenario_statement *st);
	} keywords[] = {
		{"machine", SCENARIO_MACHINE, parse_machine},
		{"task", SCENARIO_TASK, parse_task},
		{"memcg", SCENARIO_MEMCG, parse_memcg},
		{"sysctl", SCENARIO_SYSCTL, parse_sysctl},
		{"file", SCENARIO_FILE, parse_file_statement},
		{"shm", SCENARIO_SHM, parse_shm},
		{"drain", SCENARIO_DRAIN, NULL},
		{"reclaim", SCENARIO_RECLAIM, parse_reclaim},
		{"migrate", SCENARIO_MIGRATE, parse_migrate},
		{"compact", SCENARIO_COMPACT, parse_compact},
		{"expect", SCENARIO_EXPECT, parse_expect},
		{"print", SCENARIO_PRINT, parse_print},
	};
	const char *first = p->words[0];
	size_t n = strlen(first), i;

	if (n > 1 && first[n - 1] == ':') {
		st->kind = SCENARIO_CALL;
		return parse_call(p, st);
	}
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strcmp(keywords[i].word, first))
			continue;
		st->kind = keywords[i].kind;
		if (st->kind == SCENARIO_MACHINE) {
			if (p->machine_line)
				return parse_error(p, "'machine' given twice (first at line %u): a scenario has one machine",
						   p->machine_line);
			if (p->s->nr_statements)
				return parse_error(p, "'machine' must come before anything else, found it after line %u ('%s')",
						   p->s->statements[0].line,
						   quote(p, 0, p->s->statements[0].text));
			p->machine_line = p->line;
		}
		if (!keywords[i].parse)
			return expect_words(p, 1, keywords[i].word);
		return keywords[i].parse(p, st);
	}
	if (p->nr_words > 1 && p->words[1][0] == ':')
		return parse_error(p, "expected 'TASK: CALL' with the colon right after the task name, found '%s %s'",
				   quote(p, 0, first), quote(p, 1, p->words[1]));
	return parse_error(p, "unknown statement '%s' (expected machine, task, memcg, sysctl, file, shm, drain, reclaim, migrate, compact, expect, print, or 'TASK: CALL')",
			   quote(p, 0, first));
}

static int append_statement(struct parser *p)
{
	struct scenario *s = p->s;
	struct scenario_statement *st;
	int ret;

	if (s->nr_statements == p->statements_cap) {
		size_t cap = p->statements_cap ? p->statements_cap * 2 : 32;
		struct scenario_statement *grown =
			realloc(s->statements, cap * sizeof(*grown));

		if (!grown)
			return parse_error(p, "out of memory");
		s->statements = grown;
		p->statements_cap = cap;
	}
	st = &s->statements[s->nr_statements];
	memset(st, 0, sizeof(*st));
	st->line = p->line;
	/* Before parsing: parsers cut `key=value` words at the '='. */
	st->text = join_words(p->words, p->nr_words);
	if (!st->text)
		return parse_error(p, "out of memory");
	ret = parse_statement(p, st);
	if (ret) {
		free(st->text);
		return ret;
	}
	s->nr_statements++;
	return 0;
}

void scenario_free(struct scenario *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr_statements; i++)
		free(s->statements[i].text);
	free(s->statements);
	free(s->file_name);
	free(s);
}

int scenario_parse_buffer(const char *name, const char *text, size_t len,
			  struct scenario **out, char *err, size_t errlen)
{
	struct parser p = {.name = name, .err = err, .errlen = errlen};
	struct scenario_lexer lx;
	int ret;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	p.s = calloc(1, sizeof(*p.s));
	if (!p.s || !(p.s->file_name = strdup(name))) {
		free(p.s);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	scenario_lexer_init(&lx, name, text, len);
	while ((ret = scenario_lexer_next(&lx, err, errlen)) == 1) {
		p.line = lx.line;
		p.words = lx.words;
		p.nr_words = lx.nr_words;
		ret = append_statement(&p);
		if (ret)
			break;
	}
	scenario_lexer_release(&lx);
	if (ret) {
		scenario_free(p.s);
		return ret;
	}
	*out = p.s;
	return 0;
}

int scenario_parse_text(const char *name, const char *text,
			struct scenario **out, char *err, size_t errlen)
{
	return scenario_parse_buffer(name, text, strlen(text), out, err, errlen);
}

int scenario_parse_file(const char *path, struct scenario **out, char *err,
			size_t errlen)
{
	size_t len = 0, cap = 0;
	char *text = NULL;
	FILE *f;
	int ret;

	*out = NULL;
	f = fopen(path, "rb");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			char *grown;

			if (cap >= SCENARIO_FILE_MAX) {
				snprintf(err, errlen, "%s: larger than %u MiB: not a scenario",
					 path, SCENARIO_FILE_MAX >> 20);
				ret = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			grown = realloc(text, cap);
			if (!grown) {
				snprintf(err, errlen, "%s: out of memory", path);
				ret = -ENOMEM;
				goto out;
			}
			text = grown;
		}
		errno = 0;
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		/* e.g. EISDIR: fopen() accepts a directory, reading it fails */
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-ret));
		goto out;
	}
	ret = scenario_parse_buffer(path, text ? text : "", len, out, err, errlen);
out:
	free(text);
	fclose(f);
	return ret;
}
