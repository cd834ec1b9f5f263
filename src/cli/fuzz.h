/*
 * fuzz.h - `unevict fuzz`: generated scenarios on the model (with the
 * invariant checker) and through `unevict conform` (fuzz.c).
 */
#ifndef CLI_FUZZ_H
#define CLI_FUZZ_H

/* argv[0] is "fuzz".  Exit status: 0 nothing found, 1 a finding (a
 * crash, sanitizer report, invariant failure, timeout, a generated
 * program that does not parse, or with --fail-on-diff a live
 * difference), 2 bad usage. */
int fuzz_main(int argc, char **argv);

#endif /* CLI_FUZZ_H */
