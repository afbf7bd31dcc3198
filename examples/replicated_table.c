/* A read-only lookup table replicated on every NUMA node: one thread per
 * node (pinned to a CPU of that node) reads the copy that
 * aml_replicaset_local() gives it, and says which node's copy it used and
 * where that copy's pages are. */
#define _GNU_SOURCE /* sched_setaffinity */
#include <aml.h>
#include <aml/area/linux-inspect.h>
#include <aml/higher/replicaset.h>
#include <sched.h>

#define ENTRIES ((size_t)1 << 18) /* 1 MiB of uint32_t */
#define MAX_THREADS 64

static struct aml_replicaset *table;

struct reader {
	int cpu, node;
	pthread_t thread;
};

/* The node whose copy `p` is, or -1. */
static int copy_node(const void *p)
{
	for (int n = 0; n <= numa_max_node(); n++)
		if (aml_replicaset_on_node(table, n) == p)
			return n;
	return -1;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	const uint32_t *copy;
	uint64_t sum = 0;
	cpu_set_t one;
	char map[12];

	CPU_ZERO(&one);
	CPU_SET(r->cpu, &one);
	sched_setaffinity(0, sizeof(one), &one);
	copy = aml_replicaset_local(table);
	for (size_t i = 0; i < ENTRIES; i += 7)
		sum += copy[(i * 2654435761u) % ENTRIES];
	aml_linux_page_map(copy, 8 * 4096, map, sizeof(map));
	printf("thread on cpu %d (node %d) used the copy on node %d "
	       "(pages: %s), checksum %" PRIu64 "\n",
	       r->cpu, r->node, copy_node(copy), map, sum);
	return NULL;
}

/* One CPU of each node this process may run on. */
static int pick_cpus(struct reader *readers)
{
	int n = 0, seen[MAX_THREADS];
	cpu_set_t set;

	sched_getaffinity(0, sizeof(set), &set);
	for (int c = 0; c < CPU_SETSIZE && n < MAX_THREADS; c++) {
		const int node = numa_node_of_cpu(c);
		int dup = 0;

		if (!CPU_ISSET(c, &set))
			continue;
		for (int i = 0; i < n; i++)
			dup |= seen[i] == node;
		if (dup)
			continue;
		seen[n] = node;
		readers[n++] = (struct reader){.cpu = c, .node = node};
	}
	return n;
}

int main(void)
{
	struct reader readers[MAX_THREADS];
	uint32_t *src = malloc(ENTRIES * sizeof(uint32_t));
	int n, err;

	if (src == NULL || numa_available() < 0) {
		fprintf(stderr, "needs memory and NUMA support\n");
		return 1;
	}
	for (size_t i = 0; i < ENTRIES; i++)
		src[i] = (uint32_t)(i * i);
	err = aml_replicaset_create(&table, ENTRIES * sizeof(uint32_t), NULL);
	if (err == AML_SUCCESS)
		err = aml_replicaset_init(table, src);
	if (err != AML_SUCCESS) {
		fprintf(stderr, "replicaset: %s\n", aml_strerror(err));
		return 1;
	}
	n = pick_cpus(readers);
	printf("a %zu KiB table copied on every node this process may use; "
	       "%d reader thread(s)\n",
	       ENTRIES * sizeof(uint32_t) >> 10, n);
	for (int i = 0; i < n; i++)
		pthread_create(&readers[i].thread, NULL, reader_main,
			       &readers[i]);
	for (int i = 0; i < n; i++)
		pthread_join(readers[i].thread, NULL);
	aml_replicaset_destroy(&table);
	free(src);
	return 0;
}
