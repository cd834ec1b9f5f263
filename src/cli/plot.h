/*
 * plot.h - `unevict plot CSV -o OUT.svg|OUT.png`: a timeline (run
 * --timeline, replay) or a sweep (bench scan --csv) drawn by gnuplot.
 *
 * The CSV's first column is the x axis; a column named "text" is a label
 * and not drawn; every other column is a series, drawn in the panel named
 * by its name up to the last '.' ("node0.unevictable": panel node0, series
 * unevictable; "memcg.p.active_file": panel memcg.p; a name without a dot
 * goes to the panel "machine").
 */
#ifndef CLI_PLOT_H
#define CLI_PLOT_H

#include <stddef.h>

/* Draw @csv_path into @out_path (.svg or .png) under @title (NULL: the
 * file's name).  0; -ENOENT when gnuplot is not installed; -EINVAL for a
 * bad CSV ("FILE:LINE: message") or output name; -EIO when gnuplot failed;
 * the message in err. */
int timeline_plot(const char *csv_path, const char *out_path, const char *title, char *err,
		  size_t errlen);

/* `unevict plot` (main.c): argv[0] is "plot". */
int plot_main(int argc, char **argv);

#endif /* CLI_PLOT_H */
