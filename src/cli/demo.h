/* demo.h - the scenario `unevict demo` runs (demo.c). */
#ifndef UNEVICT_CLI_DEMO_H
#define UNEVICT_CLI_DEMO_H

/* The .uvs text of the built-in story: 300 pages mlocked, then munlocked. */
const char *demo_scenario_text(void);

#endif /* UNEVICT_CLI_DEMO_H */
