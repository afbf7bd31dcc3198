/*
 * Unchanged programs under `aml run`, checked from inside and outside:
 * - cli_sizes (16 B to 64 MiB with malloc, its own move_pages checks)
 *   under --interleave=all, --populate (interleave by default; every page
 *   in memory before the program touches it), --bind=1,
 *   --preferred=1, --weights=0:1,1:3, and --best=bandwidth, latency,
 *   capacity and local from CPU 1 where one node is best (bandwidth and
 *   latency only where the firmware publishes them: vmhmat), with
 *   --min-size=1M; while it
 *   waits, `aml show PID --json` must show its 64 MiB buffer placed that
 *   way and its small buffers' heap without a policy;
 * - coreutils sort (vm4 and the host) under --interleave=all
 *   --all-allocations, fed through a pipe: `aml show` of the running sort
 *   finds its memory spread over every node, and its output is right.
 * AML_CLI, AML_CLI_SIZES and SORT are the programs' paths (the same in
 * the test guests).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aml.h"
#include "aml/area/hwloc.h"
#include "check.h"

#define SORT_LINES 1000000

static int nnodes;

/* Start argv with pipes to its stdin (*in) and from its stdout (*out). */
static pid_t spawn(char *const argv[], int *in, int *out)
{
	int to[2], from[2];
	pid_t pid;

	CHECK(pipe(to) == 0 && pipe(from) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[1]);
		close(from[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	*in = to[1];
	*out = from[0];
	return pid;
}

static int wait_status(pid_t pid)
{
	int st;

	CHECK(waitpid(pid, &st, 0) == pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* `aml show PID --json`, whole, in a malloc'ed string. */
static char *show(pid_t pid)
{
	char spid[16], *argv[] = {AML_CLI, "show", spid, "--json", NULL};
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	int in, out;
	ssize_t n;
	pid_t child;

	snprintf(spid, sizeof(spid), "%d", (int)pid);
	child = spawn(argv, &in, &out);
	close(in);
	while ((n = read(out, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	close(out);
	CHECK_EQ(wait_status(child), 0);
	return buf;
}

/* The JSON line of the mapping holding `addr`, or NULL. */
static const char *mapping_of(const char *json, uintptr_t addr)
{
	for (const char *l = strstr(json, "{\"start\""); l;
	     l = strstr(l + 1, "{\"start\"")) {
		unsigned long start, end;

		if (sscanf(l, "{\"start\": \"%lx\", \"end\": \"%lx\"", &start,
			   &end) == 2 &&
		    start <= addr && addr < end)
			return l;
	}
	return NULL;
}

/* Pages of every node in one mapping's JSON line. */
static unsigned long pages_total(const char *line);

/* Pages of node `node` in one mapping's JSON line. */
static unsigned long pages_on(const char *line, int node)
{
	char key[16];
	const char *pages = strstr(line, "\"pages\": {"), *end, *at;

	snprintf(key, sizeof(key), "\"%d\": ", node);
	end = pages ? strchr(pages, '}') : NULL;
	at = pages ? strstr(pages, key) : NULL;
	return at && at < end ? strtoul(at + strlen(key), NULL, 10) : 0;
}

static unsigned long pages_total(const char *line)
{
	unsigned long total = 0;

	for (int n = 0; n < 64; n++)
		total += pages_on(line, n);
	return total;
}

static int starts(const char *line, const char *field, const char *prefix)
{
	const char *f = strstr(line, field);

	return f && !strncmp(f + strlen(field), prefix, strlen(prefix));
}

/*
 * The 64 MiB buffer at `big` under --weights=0:1,1:3: each run of 2 MiB
 * blocks is bound to its node, so the buffer spans several mappings.
 * 16384 pages, 1:3 in runs of 512: node 0 has 4096, give or take the
 * three runs by which the buffer's start may be off a cycle.
 */
static void check_show_weights(const char *json, uintptr_t big)
{
	unsigned long on0 = 0, on1 = 0, total = 0, start, end;
	int mappings = 0;

	for (uintptr_t a = big; a < big + ((size_t)64 << 20); a = end) {
		const char *m = mapping_of(json, a);

		CHECK(m != NULL);
		CHECK(sscanf(m, "{\"start\": \"%lx\", \"end\": \"%lx\"", &start,
			     &end) == 2);
		CHECK(starts(m, "\"policy\": \"", "bind:0") ||
		      starts(m, "\"policy\": \"", "bind:1"));
		on0 += pages_on(m, 0);
		on1 += pages_on(m, 1);
		total += pages_total(m);
		mappings++;
	}
	printf("aml show, 64 MiB buffer: %d mappings, %lu pages on node 0, "
	       "%lu on node 1\n",
	       mappings, on0, on1);
	CHECK_EQ(on0 + on1, total);
	CHECK(on0 >= 4096 - 1536 && on0 <= 4096 + 1536);
}

/* Outside view of cli_sizes's buffers, per `expect`. */
static void check_show(pid_t pid, uintptr_t big, uintptr_t small,
		       const char *expect)
{
	char *json = show(pid);
	const char *b = mapping_of(json, big), *s = mapping_of(json, small);
	int node, seen = 0;

	CHECK(b != NULL && s != NULL);
	printf("aml show, 64 MiB buffer: %.*s\n", (int)strcspn(b, "\n"), b);
	CHECK(starts(s, "\"policy\": \"", "default"));
	if (!strcmp(expect, "interleave")) {
		CHECK(starts(b, "\"policy\": \"", "interleave"));
		for (int n = 0; n < nnodes; n++)
			seen +=
			    pages_on(b, n) >= 16384UL / (2 * (unsigned)nnodes);
		CHECK_EQ(seen, nnodes);
	} else if (sscanf(expect, "bind:%d", &node) == 1) {
		CHECK(starts(b, "\"policy\": \"", "bind"));
		CHECK(pages_on(b, node) >= 16384);
		CHECK_EQ(pages_on(b, node), pages_total(b));
	} else if (sscanf(expect, "node:%d", &node) == 1) {
		CHECK(pages_on(b, node) >= 16384);
		CHECK_EQ(pages_on(b, node), pages_total(b));
	} else if (!strcmp(expect, "weights:1:3")) {
		check_show_weights(json, big);
	}
	free(json);
}

/* Run cli_sizes under `aml run OPTION --min-size=1M`, expecting `expect`. */
static void run_sizes(const char *option, const char *expect, const char *cpu)
{
	char *argv[] = {AML_CLI,	 "run",		(char *)option,
			"--min-size=1M", AML_CLI_SIZES, NULL};
	char line[256];
	void *big, *small;
	int in, out, shown = 0;
	FILE *f;
	pid_t pid;

	printf("== aml run %s --min-size=1M cli_sizes\n", option);
	setenv("AML_TEST_EXPECT", expect, 1);
	setenv("AML_TEST_WAIT", "1", 1);
	if (cpu)
		setenv("AML_TEST_CPU", cpu, 1);
	else
		unsetenv("AML_TEST_CPU");
	pid = spawn(argv, &in, &out);
	f = fdopen(out, "r");
	while (fgets(line, sizeof(line), f) != NULL) {
		fputs(line, stdout);
		if (sscanf(line, "ready %p %p", &big, &small) != 2)
			continue;
		check_show(pid, (uintptr_t)big, (uintptr_t)small, expect);
		shown = 1;
		CHECK(write(in, "\n", 1) == 1);
	}
	fclose(f);
	close(in);
	CHECK_EQ(wait_status(pid), 0);
	CHECK(shown);
}

/*
 * The one best node of `criterion` from CPU 1, or -1 when the firmware
 * publishes no such value or several nodes tie. (In vmhmat, from CPU 1:
 * bandwidth node 3, memory-only, 512 MiB; latency node 1; capacity node
 * 3.)
 */
static int best_node(enum aml_area_hwloc_criterion criterion)
{
	struct aml_bitmap cpu;
	uint64_t value[2];
	size_t n = 2;
	int node[2];

	aml_bitmap_zero(&cpu);
	aml_bitmap_set(&cpu, 1);
	if (aml_area_hwloc_targets(criterion, &cpu, node, value, &n) !=
		AML_SUCCESS ||
	    n == 0 || (n == 2 && value[0] == value[1]))
		return -1;
	return node[0];
}

/* cli_sizes on CPU 1 under --best=NAME, when one node is best. */
static void run_best(const char *name, enum aml_area_hwloc_criterion criterion)
{
	char option[32], expect[16];
	int best = best_node(criterion);

	if (best < 0) {
		printf("== --best=%s: no single best node from CPU 1\n", name);
		return;
	}
	snprintf(option, sizeof(option), "--best=%s", name);
	snprintf(expect, sizeof(expect), "node:%d", best);
	run_sizes(option, expect, "1");
}

/* Whether node `node` has no CPU. */
static int memory_only(int node)
{
	char path[64], cpus[8] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 node);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(cpus, sizeof(cpus), f) == NULL)
		cpus[0] = '\0';
	fclose(f);
	return cpus[0] == '\0' || cpus[0] == '\n';
}

static uint64_t next_random(uint64_t *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

/* Pages per node over the mappings with an interleave policy. */
static unsigned long interleaved(const char *json, unsigned long *per_node)
{
	unsigned long total = 0;

	memset(per_node, 0, 64 * sizeof(*per_node));
	for (const char *l = strstr(json, "{\"start\""); l;
	     l = strstr(l + 1, "{\"start\"")) {
		if (!starts(l, "\"policy\": \"", "interleave"))
			continue;
		for (int n = 0; n < nnodes && n < 64; n++) {
			per_node[n] += pages_on(l, n);
			total += pages_on(l, n);
		}
	}
	return total;
}

/*
 * While sort holds its input (at least half of it: sort may spill the rest
 * to temporary files): its memory, per `aml show`.
 */
static void check_sort_memory(pid_t pid, size_t bytes)
{
	unsigned long per_node[64], total = 0, last = 0;
	char *json;

	/* Until it stops growing: sort has read what we wrote. */
	for (int tries = 0; tries < 100; tries++) {
		json = show(pid);
		total = interleaved(json, per_node);
		free(json);
		if (total == last && total * 4096 >= bytes / 2)
			break;
		last = total;
		usleep(300000);
	}
	printf("sort's interleaved pages: %lu:", total);
	for (int n = 0; n < nnodes; n++)
		printf(" %d:%lu", n, per_node[n]);
	printf("\n");
	CHECK(total * 4096 >= bytes / 2);
	/*
	 * Transparent huge pages interleave by 2 MiB: a few MiB of them are
	 * lumpy (one huge page more or less per node is 1/4 of the share).
	 */
	for (int n = 0; n < nnodes; n++)
		CHECK(per_node[n] >= total / (8 * (unsigned long)nnodes));
}

/* Read sort's output and check it against the input's count and sum. */
static void check_sorted(int out, unsigned long lines, uint64_t sum)
{
	FILE *f = fdopen(out, "r");
	unsigned long long v, prev = 0, got_sum = 0, got = 0;

	CHECK(f != NULL);
	while (fscanf(f, "%llu", &v) == 1) {
		CHECK(v >= prev);
		prev = v;
		got_sum += v;
		got++;
	}
	fclose(f);
	CHECK_EQ(got, lines);
	CHECK_EQ(got_sum, sum);
}

static void run_sort(void)
{
	char *argv[] = {
	    AML_CLI, "run", "--interleave=all", "--all-allocations", SORT,
	    "-n",    NULL};
	uint64_t state = 42, sum = 0;
	size_t bytes = 0;
	char line[32];
	int in, out, n;
	pid_t pid;

	struct timespec start, end;

	clock_gettime(CLOCK_MONOTONIC, &start);
	printf("== aml run --interleave=all --all-allocations sort -n\n");
	signal(SIGPIPE, SIG_IGN);
	pid = spawn(argv, &in, &out);
	for (int i = 0; i < SORT_LINES; i++) {
		uint64_t v = next_random(&state);

		n = snprintf(line, sizeof(line), "%llu\n",
			     (unsigned long long)v);
		CHECK(write(in, line, (size_t)n) == n);
		sum += v;
		bytes += (size_t)n;
	}
	check_sort_memory(pid, bytes);
	close(in);
	check_sorted(out, SORT_LINES, sum);
	CHECK_EQ(wait_status(pid), 0);
	printf("sort: %d lines sorted right in %.1f s\n", SORT_LINES,
	       (double)(clock_gettime(CLOCK_MONOTONIC, &end), end.tv_sec) -
		   (double)start.tv_sec);
}

int main(void)
{
	const char *topology = getenv("AML_VM_TOPOLOGY");

	nnodes = numa_max_node() + 1;
	if (!AML_PRELOAD_PATH[0])
		SKIP("no preloading in sanitizer builds (the sanitizer's "
		     "runtime "
		     "must come first)");
	if (access(AML_CLI, X_OK) != 0 || access(AML_CLI_SIZES, X_OK) != 0)
		SKIP("%s or %s missing", AML_CLI, AML_CLI_SIZES);
	run_sizes("--interleave=all", "interleave", NULL);
	setenv("AML_TEST_POPULATED", "1", 1);
	run_sizes("--populate", "interleave", NULL);
	unsetenv("AML_TEST_POPULATED");
	if (nnodes >= 2) {
		run_sizes("--bind=1", "bind:1", NULL);
		run_sizes("--preferred=1", "node:1", NULL);
		run_sizes("--weights=0:1,1:3", "weights:1:3", NULL);
	}
	if (nnodes >= 2) {
		if (topology != NULL && !strcmp(topology, "vmhmat")) {
			CHECK_EQ(best_node(AML_AREA_HWLOC_BANDWIDTH), 3);
			CHECK(memory_only(3));
			CHECK_EQ(best_node(AML_AREA_HWLOC_LATENCY), 1);
		}
		run_best("bandwidth", AML_AREA_HWLOC_BANDWIDTH);
		run_best("latency", AML_AREA_HWLOC_LATENCY);
		run_best("capacity", AML_AREA_HWLOC_CAPACITY);
		run_best("local", AML_AREA_HWLOC_LOCAL);
	}
	if ((topology == NULL || !strcmp(topology, "vm4")) &&
	    access(SORT, X_OK) == 0)
		run_sort();
	return 0;
}
