/*
 * conform.h - `unevict conform FILE...`: each scenario on the model and on
 * the live kernel, side by side (conform.c, docs/CONFORM.md).
 */
#ifndef CLI_CONFORM_H
#define CLI_CONFORM_H

/* argv[0] is "conform".  Exit status: 0 all agree, 1 a difference,
 * 2 bad input or the live side cannot run. */
int conform_main(int argc, char **argv);

#endif /* CLI_CONFORM_H */
