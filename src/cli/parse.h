/*
 * Parsers shared by the aml command, the preload library and their fuzz
 * targets: node lists (numactl's forms), sizes with suffixes, interleave
 * weights. They never allocate (the preload library runs them while it is
 * the process's allocator) and describe every rejection in one line.
 */
#ifndef AML_CLI_PARSE_H
#define AML_CLI_PARSE_H

#include <stddef.h>

#include "aml.h"

/* Room for one error message. */
#define AML_CLI_ERRLEN 160

/*
 * Parse a node list: "all", "N", "N-M", "N,M,...", combinations of those,
 * and "!LIST" for every node of `present` except LIST. Every node named
 * must be in `present`.
 * Returns 0 and fills `out` (not empty), or -1 with a message in `err`.
 */
int aml_cli_parse_nodes(const char *s, const struct aml_bitmap *present,
			struct aml_bitmap *out, char *err, size_t errlen);

/* Parse one node of `present` ("2"). Returns 0 or -1 with `err`. */
int aml_cli_parse_node(const char *s, const struct aml_bitmap *present,
		       int *node, char *err, size_t errlen);

/*
 * Parse a size: a decimal count of bytes with an optional suffix K, M, G
 * or T (powers of 1024; "KiB", "KB", "k" are accepted too). Returns 0, or
 * -1 with `err` for an empty string, a bad suffix or an overflow.
 */
int aml_cli_parse_size(const char *s, size_t *out, char *err, size_t errlen);

/*
 * Parse weights "N:W,N:W,...": node N of `present`, weight W in 1-255,
 * each node once. Fills `weights[N]` (an array of AML_BITMAP_MAX entries,
 * zeroed first) and the set of nodes named. Returns 0 or -1 with `err`.
 */
int aml_cli_parse_weights(const char *s, const struct aml_bitmap *present,
			  unsigned char *weights, struct aml_bitmap *nodes,
			  char *err, size_t errlen);

/*
 * The machine's nodes (/sys/devices/system/node/online; node 0 alone when
 * the file is missing, as on a kernel without NUMA). Returns 0 or -1.
 */
int aml_cli_online_nodes(struct aml_bitmap *nodes);

/* Replace control characters (from quoted input) with '?'. Returns s. */
char *aml_cli_one_line(char *s);

/* Write `nodes` as a list ("0-3,5") into buf. Returns buf. */
char *aml_cli_format_nodes(const struct aml_bitmap *nodes, char *buf,
			   size_t len);

#endif /* AML_CLI_PARSE_H */
