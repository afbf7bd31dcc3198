/*
 * The aml command: main.c dispatches to one file per subcommand (run.c,
 * show.c, nodes.c), which share cli.c: the help, usage errors, sizes.
 * Exit statuses: 0 success, 1 failure at run time, 2 bad usage (with one
 * line naming the problem), 126/127 for a program that cannot be run.
 */
#ifndef AML_CLI_H
#define AML_CLI_H

#include <stdio.h>

#define AML_CLI_EXIT_USAGE 2

/* `aml run`, `aml show`, `aml nodes` (run.c, show.c, nodes.c): argv[0] is
 * the subcommand. */
int aml_cli_run(int argc, char **argv);
int aml_cli_show(int argc, char **argv);
int aml_cli_nodes(int argc, char **argv);

/* The rest is cli.c's. Print "aml SUB: message" and return
 * AML_CLI_EXIT_USAGE. */
int aml_cli_usage_error(const char *sub, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print the full help (every subcommand) to `f`. */
void aml_cli_help(FILE *f);

/* "1.5 GiB": `bytes` in a readable unit, into buf. Returns buf. */
char *aml_cli_human_size(unsigned long long bytes, char *buf, size_t len);

#endif /* AML_CLI_H */
