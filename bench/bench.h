/* bench.h - `unevict bench ...`: benchmarks that print figures. */
#ifndef UNEV_BENCH_H
#define UNEV_BENCH_H

int unev_bench_main(int argc, char **argv);
/* bench scan, bench exit-storm: -ENOENT for another name. */
int bench_reclaim_main(const char *name, int argc, char **argv);

#endif
