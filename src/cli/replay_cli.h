/* replay_cli.h - `unevict replay` and `unevict bench replay` (replay.c). */
#ifndef UNEV_REPLAY_CLI_H
#define UNEV_REPLAY_CLI_H

int replay_main(int argc, char **argv);
int bench_replay_main(int argc, char **argv);

#endif
