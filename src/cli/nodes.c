/*
 * aml nodes: the machine's memories, from sysfs (CPUs), libnuma (sizes,
 * distances) and the hwloc area's ranking (bandwidth and latency that the
 * firmware publishes, ACPI HMAT).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aml.h"
#include "aml/area/hwloc.h"
#include "cli.h"
#include "cli/parse.h"

struct node_info {
	int id;
	char cpus[256];
	long long total, free;
};

/* Nodes shown: the first 64. */
#define MAX_NODES 64

/* Values of one attribute, [initiator node][target node]; 0: unknown. */
typedef uint64_t matrix_t[MAX_NODES][MAX_NODES];

static void read_node(int id, struct node_info *n)
{
	char path[96];
	FILE *f;

	n->id = id;
	n->cpus[0] = '\0';
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 id);
	f = fopen(path, "r");
	if (f != NULL) {
		if (fgets(n->cpus, sizeof(n->cpus), f) == NULL)
			n->cpus[0] = '\0';
		n->cpus[strcspn(n->cpus, "\n")] = '\0';
		fclose(f);
	}
	n->total = numa_node_size64(id, &n->free);
}

/* Fill row `from` of `m` with `criterion` seen from node `from`'s CPUs. */
static int read_row(enum aml_area_hwloc_criterion criterion,
		    const struct node_info *from, uint64_t *row)
{
	struct aml_bitmap cpus;
	int nodes[MAX_NODES];
	uint64_t values[MAX_NODES];
	size_t n = MAX_NODES;

	if (aml_bitmap_from_string(&cpus, from->cpus) != 0 ||
	    aml_area_hwloc_targets(criterion, &cpus, nodes, values, &n) != 0)
		return 0;
	for (size_t i = 0; i < n && i < MAX_NODES; i++)
		if (nodes[i] >= 0 && nodes[i] < MAX_NODES)
			row[nodes[i]] = values[i];
	return 1;
}

static int read_matrix(enum aml_area_hwloc_criterion criterion,
		       const struct node_info *nodes, int count, matrix_t m)
{
	int known = 0;

	memset(m, 0, sizeof(matrix_t));
	for (int i = 0; i < count; i++)
		if (nodes[i].cpus[0] != '\0' && nodes[i].id < MAX_NODES)
			known |= read_row(criterion, &nodes[i], m[nodes[i].id]);
	return known;
}

static void print_matrix(const char *title, const struct node_info *nodes,
			 int count, matrix_t m)
{
	printf("\n%s (rows: from the CPUs of node; columns: to node)\n", title);
	printf("%8s", "");
	for (int j = 0; j < count; j++)
		printf("%10d", nodes[j].id);
	putchar('\n');
	for (int i = 0; i < count; i++) {
		const uint64_t *row = m[nodes[i].id];

		if (nodes[i].cpus[0] == '\0')
			continue;
		printf("%8d", nodes[i].id);
		for (int j = 0; j < count; j++)
			if (row[nodes[j].id])
				printf("%10llu",
				       (unsigned long long)row[nodes[j].id]);
			else
				printf("%10s", "-");
		putchar('\n');
	}
}

static void print_text(const struct node_info *nodes, int count, matrix_t bw,
		       matrix_t lat, int have_bw, int have_lat)
{
	char total[32], freem[32];

	printf("%-5s %-16s %12s %12s  %s\n", "node", "cpus", "total", "free",
	       "kind");
	for (int i = 0; i < count; i++)
		printf("%-5d %-16s %12s %12s  %s\n", nodes[i].id,
		       nodes[i].cpus[0] ? nodes[i].cpus : "-",
		       aml_cli_human_size((unsigned long long)nodes[i].total,
					  total, sizeof(total)),
		       aml_cli_human_size((unsigned long long)nodes[i].free,
					  freem, sizeof(freem)),
		       nodes[i].cpus[0] ? "cpu+memory" : "memory-only");
	if (have_bw)
		print_matrix("bandwidth, MiB/s", nodes, count, bw);
	if (have_lat)
		print_matrix("latency, ns", nodes, count, lat);
	if (!have_bw && !have_lat)
		printf("\nbandwidth, latency: not published by this machine's "
		       "firmware (no ACPI HMAT)\n");
	printf("\ndistances\n%8s", "");
	for (int j = 0; j < count; j++)
		printf("%6d", nodes[j].id);
	putchar('\n');
	for (int i = 0; i < count; i++) {
		printf("%8d", nodes[i].id);
		for (int j = 0; j < count; j++)
			printf("%6d", numa_distance(nodes[i].id, nodes[j].id));
		putchar('\n');
	}
}

static void json_row(const char *name, const uint64_t *row, int count,
		     const struct node_info *nodes)
{
	int first = 1;

	printf(", \"%s\": {", name);
	for (int j = 0; j < count; j++) {
		if (!row[nodes[j].id])
			continue;
		printf("%s\"%d\": %llu", first ? "" : ", ", nodes[j].id,
		       (unsigned long long)row[nodes[j].id]);
		first = 0;
	}
	putchar('}');
}

static void print_json(const struct node_info *nodes, int count, matrix_t bw,
		       matrix_t lat)
{
	printf("{\"nodes\": [");
	for (int i = 0; i < count; i++) {
		printf(
		    "%s\n  {\"node\": %d, \"cpus\": \"%s\", \"total\": %lld, "
		    "\"free\": %lld, \"memory_only\": %s",
		    i ? "," : "", nodes[i].id, nodes[i].cpus, nodes[i].total,
		    nodes[i].free, nodes[i].cpus[0] ? "false" : "true");
		json_row("bandwidth_mibps_to", bw[nodes[i].id], count, nodes);
		json_row("latency_ns_to", lat[nodes[i].id], count, nodes);
		printf(", \"distances\": [");
		for (int j = 0; j < count; j++)
			printf("%s%d", j ? ", " : "",
			       numa_distance(nodes[i].id, nodes[j].id));
		printf("]}");
	}
	printf("\n]}\n");
}

int aml_cli_nodes(int argc, char **argv)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	static struct node_info nodes[MAX_NODES];
	static matrix_t bw, lat;
	struct aml_bitmap online;
	int opt, json = 0, count = 0, have_bw, have_lat;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'j')
			json = 1;
		else if (opt == 'h')
			return aml_cli_help(stdout), 0;
		else
			return AML_CLI_EXIT_USAGE;
	}
	if (optind < argc)
		return aml_cli_usage_error("nodes", "unexpected argument '%s'",
					   argv[optind]);
	aml_cli_online_nodes(&online);
	for (int n = 0; n < MAX_NODES && count < MAX_NODES; n++)
		if (aml_bitmap_isset(&online, n) == 1)
			read_node(n, &nodes[count++]);
	have_bw = read_matrix(AML_AREA_HWLOC_BANDWIDTH, nodes, count, bw);
	have_lat = read_matrix(AML_AREA_HWLOC_LATENCY, nodes, count, lat);
	if (json)
		print_json(nodes, count, bw, lat);
	else
		print_text(nodes, count, bw, lat, have_bw, have_lat);
	return 0;
}
