/*
 * plot.c - CSV to picture with gnuplot (plot.h): the CSV is read here into
 * a plain numeric table in a temporary directory, and a generated script
 * draws one panel per column group, stacked, with gnuplot as a subprocess.
 */
#include "plot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct table {
	size_t nr_cols, nr_rows;
	char **header;		/* nr_cols names */
	char ***rows;		/* nr_rows arrays of nr_cols fields */
};

static void table_free(struct table *t)
{
	for (size_t r = 0; r < t->nr_rows; r++) {
		for (size_t c = 0; c < t->nr_cols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	for (size_t c = 0; c < t->nr_cols; c++)
		free(t->header[c]);
	free(t->rows);
	free(t->header);
}

static int plot_error(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int plot_error(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* One RFC 4180 record from @f (quoted fields may span lines); *line counts
 * lines.  1 a record, 0 end of file, -EINVAL malformed, -ENOMEM. */
static int read_record(FILE *f, unsigned int *line, char ***fields, size_t *nr)
{
	size_t cap = 16, len = 0, fcap = 64;
	char *field = malloc(fcap);
	char **v = malloc(cap * sizeof(*v));
	bool quoted = false, any = false;
	int ch, ret = 1;

	*nr = 0;
	if (!field || !v)
		goto nomem;
	for (;;) {
		ch = fgetc(f);
		if (ch == EOF && !any) {
			ret = 0;
			break;
		}
		any = true;
		if (quoted) {
			if (ch == EOF) {
				ret = -EINVAL;
				break;
			}
			if (ch == '"') {
				ch = fgetc(f);
				if (ch != '"') {
					quoted = false;
					ungetc(ch, f);
					continue;
				}
			}
			if (ch == '\n')
				(*line)++;
		} else if (ch == '"' && len == 0) {
			quoted = true;
			continue;
		} else if (ch == ',' || ch == '\n' || ch == EOF) {
			field[len] = 0;
			if (*nr == cap) {
				char **nv = realloc(v, (cap *= 2) * sizeof(*v));

				if (!nv)
					goto nomem;
				v = nv;
			}
			v[(*nr)++] = field;
			if (ch != ',') {
				(*line)++;
				*fields = v;
				return 1;
			}
			len = 0;
			field = malloc(fcap = 64);
			if (!field)
				goto nomem;
			continue;
		}
		if (len + 1 >= fcap) {
			char *nf = realloc(field, fcap *= 2);

			if (!nf)
				goto nomem;
			field = nf;
		}
		field[len++] = (char)ch;
	}
	goto out;
nomem:
	ret = -ENOMEM;
out:
	free(field);
	for (size_t i = 0; i < *nr; i++)
		free(v[i]);
	free(v);
	*nr = 0;
	return ret;
}

static int table_read(const char *path, struct table *t, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	unsigned int line = 0;
	size_t cap = 0, nr;
	char **fields;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!f)
		return plot_error(err, errlen, -EINVAL, "%s: %s", path, strerror(errno));
	ret = read_record(f, &line, &t->header, &t->nr_cols);
	if (ret <= 0) {
		fclose(f);
		return plot_error(err, errlen, -EINVAL, "%s:1: no header line", path);
	}
	for (;;) {
		unsigned int start = line + 1;	/* where the record begins */

		ret = read_record(f, &line, &fields, &nr);
		if (ret < 0) {
			ret = plot_error(err, errlen, ret, "%s:%u: %s", path, start,
					 ret == -EINVAL ? "a quoted field does not end"
							: "out of memory");
			goto out;
		}
		if (!ret)
			break;
		if (nr != t->nr_cols) {
			for (size_t i = 0; i < nr; i++)
				free(fields[i]);
			free(fields);
			ret = plot_error(err, errlen, -EINVAL, "%s:%u: %zu fields, the header has %zu",
					 path, line, nr, t->nr_cols);
			goto out;
		}
		if (t->nr_rows == cap) {
			char ***nrows = realloc(t->rows, (cap = cap ? cap * 2 : 64) * sizeof(*nrows));

			if (!nrows) {
				ret = -ENOMEM;
				goto out;
			}
			t->rows = nrows;
		}
		t->rows[t->nr_rows++] = fields;
	}
	if (!t->nr_rows)
		ret = plot_error(err, errlen, -EINVAL, "%s:2: no rows to draw", path);
out:
	fclose(f);
	if (ret)
		table_free(t);
	return ret;
}

/* The panel of a column: its name up to the last '.'; without a dot,
 * "meminfo (kB)" for a *_kB column (kB do not share an axis with pages)
 * or "machine".  The series title is the rest. */
static void panel_of(const char *name, char *buf, size_t len)
{
	const char *dot = strrchr(name, '.');
	size_t n = strlen(name);

	if (dot)
		snprintf(buf, len, "%.*s", (int)(dot - name), name);
	else
		snprintf(buf, len, "%s",
			 n > 3 && !strcmp(name + n - 3, "_kB") ? "meminfo (kB)" : "machine");
}

static const char *series_of(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : name;
}

static bool same_panel(const char *a, const char *b)
{
	char pa[256], pb[256];

	panel_of(a, pa, sizeof(pa));
	panel_of(b, pb, sizeof(pb));
	return !strcmp(pa, pb);
}

static bool drawn(const struct table *t, size_t c)
{
	return c > 0 && strcmp(t->header[c], "text");
}

/* Every value of @col's panel positive, the largest 100 times the smallest. */
static bool wide_range(const struct table *t, const char *col)
{
	double lo = 0, hi = 0;

	for (size_t k = 1; k < t->nr_cols; k++) {
		if (!drawn(t, k) || !same_panel(t->header[k], col))
			continue;
		for (size_t r = 0; r < t->nr_rows; r++) {
			char *end;
			double v = strtod(t->rows[r][k], &end);

			if (!t->rows[r][k][0] || *end)
				continue;
			if (v <= 0)
				return false;
			if (lo == 0 || v < lo)
				lo = v;
			if (v > hi)
				hi = v;
		}
	}
	return lo > 0 && hi >= 100 * lo;
}

/* gnuplot's string quoting: single quotes, doubled. */
static void gp_string(FILE *f, const char *s, size_t len)
{
	fputc('\'', f);
	for (size_t i = 0; i < len && s[i]; i++) {
		if (s[i] == '\'')
			fputc('\'', f);
		fputc(s[i], f);
	}
	fputc('\'', f);
}

static int write_data(const struct table *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return plot_error(err, errlen, -EIO, "%s: %s", path, strerror(errno));
	for (size_t r = 0; r < t->nr_rows; r++) {
		for (size_t c = 0; c < t->nr_cols; c++) {
			const char *v = t->rows[r][c];
			char *end;

			if (c && !drawn(t, c))
				continue;
			strtod(v, &end);
			fprintf(f, "%s%s", c ? " " : "", *v && !*end ? v : "NaN");
		}
		fputc('\n', f);
	}
	if (fclose(f))
		return plot_error(err, errlen, -EIO, "%s: %s", path, strerror(errno));
	return 0;
}

static int write_script(const struct table *t, const char *path, const char *data,
			const char *out, bool svg, const char *title, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	size_t panels = 0, c, k, col;
	bool steps = !strcmp(t->header[0], "line");

	if (!f)
		return plot_error(err, errlen, -EIO, "%s: %s", path, strerror(errno));
	for (c = 1; c < t->nr_cols; c++) {
		bool first = true;

		if (!drawn(t, c))
			continue;
		for (k = 1; k < c; k++)
			if (drawn(t, k) && same_panel(t->header[k], t->header[c]))
				first = false;
		panels += first;
	}
	if (svg)
		fprintf(f, "set terminal svg size 1000,%zu dynamic font 'sans,12' background '#ffffff'\n",
			60 + 300 * panels);
	else
		fprintf(f, "set terminal pngcairo size 1000,%zu font 'sans,11' background '#ffffff'\n",
			60 + 300 * panels);
	fputs("set output ", f);
	gp_string(f, out, strlen(out));
	fputs("\nset datafile missing 'NaN'\nset termoption noenhanced\nset grid\nset key outside right top\n"
	      "set lmargin 12\nset rmargin 36\nset offsets 0,0,graph 0.05,0\n"
	      "set xlabel ", f);
	gp_string(f, steps ? "scenario line (state after the statement)" : t->header[0],
		  SIZE_MAX);
	fprintf(f, "\nset multiplot layout %zu,1 title ", panels);
	gp_string(f, title, strlen(title));
	fputs(" font 'sans,14'\n", f);
	for (c = 1; c < t->nr_cols; c++) {
		bool first = true, any = false;

		if (!drawn(t, c))
			continue;
		for (k = 1; k < c; k++)
			if (drawn(t, k) && same_panel(t->header[k], t->header[c]))
				first = false;
		if (!first)
			continue;
		char panel[256];
		unsigned int series = 0;

		panel_of(t->header[c], panel, sizeof(panel));
		/* a sweep whose figures span decades (scanned per reclaimed: 1 to
		 * 340) is unreadable on a linear axis */
		fputs(wide_range(t, t->header[c]) ? "set logscale y\nset yrange [*:*]\n"
						  : "unset logscale y\nset yrange [0:*]\n", f);
		fputs("set title ", f);
		gp_string(f, panel, SIZE_MAX);
		fputs("\nplot ", f);
		/* the data file's columns: x, then the drawn columns in order */
		for (k = 1, col = 2; k < t->nr_cols; k++) {
			const char *name = t->header[k];

			if (!drawn(t, k))
				continue;
			if (same_panel(name, t->header[c])) {
				fprintf(f, "%s", any ? ", \\\n     " : "");
				gp_string(f, data, strlen(data));
				/* equal series overlap: a dash pattern and a width
				 * each, so the one below still shows */
				fprintf(f, " using 1:%zu with %s lw %.1f dt %u title ", col,
					steps ? "steps" : "linespoints pt 7 ps 1",
					3.5 - 0.4 * (series % 6), series % 5 + 1);
				gp_string(f, series_of(name), SIZE_MAX);
				series++;
				any = true;
			}
			col++;
		}
		fputc('\n', f);
	}
	fputs("unset multiplot\n", f);
	if (fclose(f))
		return plot_error(err, errlen, -EIO, "%s: %s", path, strerror(errno));
	return 0;
}

/* gnuplot on PATH? */
static bool have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)n, path);
		if (n && access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static int run_gnuplot(const char *script, const char *log, char *err, size_t errlen)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return plot_error(err, errlen, -EIO, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* gnuplot's complaints go to a file, shown if it fails */
		if (!freopen(log, "w", stderr))
			_exit(126);
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return plot_error(err, errlen, -EIO, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char msg[512] = "";
		FILE *f = fopen(log, "r");

		if (f) {
			size_t n = fread(msg, 1, sizeof(msg) - 1, f);

			msg[n] = 0;
			fclose(f);
		}
		return plot_error(err, errlen, -EIO, "gnuplot failed (%s %d): %s",
				  WIFEXITED(status) ? "exit" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), msg);
	}
	return 0;
}

int timeline_plot(const char *csv_path, const char *out_path, const char *title, char *err,
		  size_t errlen)
{
	char dir[] = "/tmp/unevict-plot.XXXXXX", data[64], script[64], log[64];
	const char *ext = strrchr(out_path, '.');
	struct table t;
	bool svg;
	int ret;

	if (!ext || (strcmp(ext, ".svg") && strcmp(ext, ".png")))
		return plot_error(err, errlen, -EINVAL, "%s: the picture must be .svg or .png",
				  out_path);
	svg = !strcmp(ext, ".svg");
	if (!have_gnuplot())
		return plot_error(err, errlen, -ENOENT,
				  "gnuplot not found on PATH (Debian: apt-get install gnuplot-nox)");
	ret = table_read(csv_path, &t, err, errlen);
	if (ret)
		return ret;
	if (!mkdtemp(dir)) {
		table_free(&t);
		return plot_error(err, errlen, -EIO, "mkdtemp: %s", strerror(errno));
	}
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	snprintf(log, sizeof(log), "%s/gnuplot.log", dir);
	ret = write_data(&t, data, err, errlen);
	if (!ret)
		ret = write_script(&t, script, data, out_path, svg, title ? title : csv_path, err,
				   errlen);
	if (!ret)
		ret = run_gnuplot(script, log, err, errlen);
	table_free(&t);
	unlink(data);
	if (!getenv("UNEVICT_KEEP_PLOT_SCRIPT"))
		unlink(script);
	unlink(log);
	rmdir(dir);
	return ret;
}

static void plot_usage(FILE *f)
{
	fputs("usage: unevict plot CSV -o OUT.svg|OUT.png [--title TEXT]\n"
	      "\n"
	      "Draw a timeline (unevict run --timeline, unevict replay --timeline) or a\n"
	      "sweep (unevict bench scan --csv) with gnuplot: the first column is the x\n"
	      "axis, one panel per node, per memcg and for the machine's counters (a\n"
	      "sweep: one panel per figure, a line per design).\n"
	      "\n"
	      "  -o, --output FILE   the picture; .svg or .png\n"
	      "  --title TEXT        the title above the panels (default: the CSV's name)\n"
	      "\n"
	      "exit status: 0 drawn, 2 bad input, 3 gnuplot missing (apt-get install\n"
	      "gnuplot-nox), 1 gnuplot failed.\n",
	      f);
}

int plot_main(int argc, char **argv)
{
	const char *csv = NULL, *out = NULL, *title = NULL;
	char err[1024];
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			plot_usage(stdout);
			return 0;
		} else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) &&
			   i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--title") && i + 1 < argc) {
			title = argv[++i];
		} else if (argv[i][0] != '-' && !csv) {
			csv = argv[i];
		} else {
			fprintf(stderr, "unevict plot: unexpected '%s'\n\n", argv[i]);
			plot_usage(stderr);
			return 2;
		}
	}
	if (!csv || !out) {
		plot_usage(stderr);
		return 2;
	}
	ret = timeline_plot(csv, out, title, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "unevict plot: %s\n", err);
		return ret == -ENOENT ? 3 : ret == -EINVAL ? 2 : 1;
	}
	return 0;
}
