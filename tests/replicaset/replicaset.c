/* Replicas: a copy on every allowed node, each copy's pages on its node
 * (move_pages(2)), contents right after init and sync; a thread pinned to
 * each node gets its node's copy from aml_replicaset_local(), and the
 * nearest node's copy (by the distances in sysfs) when its own node has
 * none; bad input. */
#include <aml.h>
#include <aml/higher/replicaset.h>
#include <limits.h>

#include "area/linux_test.h"
#include "check.h"
#include "numa_check.h"

#define SIZE ((size_t)(4 << 20) + 123)
#define MAXN 64

static int nodes[MAXN], nnodes, cpu_nodes[MAXN], cpus[MAXN], ncpu;

/* The distance from a to b in /sys/devices/system/node/nodeA/distance. */
static int sysfs_distance(int a, int b)
{
	char path[80];
	int d = INT_MAX, v;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/distance",
		 a);
	f = fopen(path, "r");
	if (f == NULL)
		return a == b ? 0 : INT_MAX;
	for (int i = 0; i <= b && fscanf(f, "%d", &v) == 1; i++)
		if (i == b)
			d = v;
	fclose(f);
	return d;
}

/* The node with a copy (in `set`) nearest to `node`, ties to the lowest. */
static int expected_nearest(int node, const struct aml_bitmap *set)
{
	int best = -1, best_d = INT_MAX;

	for (int i = 0; i < nnodes; i++) {
		const int m = nodes[i];
		const int d = m == node ? 0 : sysfs_distance(node, m);

		if (aml_bitmap_isset(set, (unsigned int)m) == 1 &&
		    (best < 0 || d < best_d)) {
			best = m;
			best_d = d;
		}
	}
	return best;
}

struct probe {
	struct aml_replicaset *rs;
	int cpu;
	void *got;
};

static void *probe_main(void *arg)
{
	struct probe *p = arg;

	check_pin(p->cpu);
	p->got = aml_replicaset_local(p->rs);
	return NULL;
}

/* What aml_replicaset_local() gives a thread on `cpu`. */
static void *local_on(struct aml_replicaset *rs, int cpu)
{
	struct probe p = {.rs = rs, .cpu = cpu};
	pthread_t t;

	CHECK(pthread_create(&t, NULL, probe_main, &p) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	return p.got;
}

static void check_copies(struct aml_replicaset *rs, const char *src,
			 const struct aml_bitmap *set)
{
	for (int i = 0; i < nnodes; i++) {
		const int n = nodes[i];
		char *copy = aml_replicaset_on_node(rs, n);
		size_t total, on;

		if (aml_bitmap_isset(set, (unsigned int)n) != 1) {
			CHECK(copy == NULL);
			CHECK_EQ(aml_errno, AML_EDOM);
			continue;
		}
		CHECK(copy != NULL);
		CHECK(memcmp(copy, src, SIZE) == 0);
		on = check_pages_on(copy, SIZE, n, &total);
		CHECK_EQ(on, total);
	}
}

/* Threads on each CPU node get their copy, or the nearest one. */
static void check_local(struct aml_replicaset *rs, const struct aml_bitmap *set)
{
	for (int i = 0; i < ncpu; i++) {
		const int want = expected_nearest(cpu_nodes[i], set);
		void *got = local_on(rs, cpus[i]);

		CHECK(got == aml_replicaset_on_node(rs, want));
		printf(
		    "  thread on cpu %d (node %d) uses the copy on node %d\n",
		    cpus[i], cpu_nodes[i], want);
	}
}

/* `arg` is what create gets (NULL: every node), `set` the nodes expected. */
static void run_set(const struct aml_bitmap *arg, const struct aml_bitmap *set,
		    const char *src)
{
	struct aml_replicaset *rs;
	char *first, *last;
	int n0 = aml_bitmap_first(set);

	CHECK_EQ(aml_replicaset_create(&rs, SIZE, arg), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_init(rs, src), AML_SUCCESS);
	check_copies(rs, src, set);
	/* A fill from inside a copy (the last one filled) is refused before
	 * any copy changes. */
	last = aml_replicaset_on_node(rs, aml_bitmap_last(set));
	CHECK_EQ(aml_replicaset_init(rs, last + 1), -AML_EINVAL);
	check_copies(rs, src, set);
	check_local(rs, set);
	/* Change one copy, sync the others from it. */
	first = aml_replicaset_on_node(rs, n0);
	first[0] ^= 0x55;
	first[SIZE - 1] ^= 0x55;
	CHECK_EQ(aml_replicaset_sync(rs, n0), AML_SUCCESS);
	check_copies(rs, first, set);
	aml_replicaset_destroy(&rs);
	CHECK(rs == NULL);
}

static void bad_input(void)
{
	struct aml_replicaset *rs = (struct aml_replicaset *)1;
	struct aml_bitmap set;
	char src[16] = {0};

	CHECK_EQ(aml_replicaset_create(NULL, SIZE, NULL), -AML_EINVAL);
	CHECK_EQ(aml_replicaset_create(&rs, 0, NULL), -AML_EINVAL);
	CHECK(rs == NULL);
	aml_bitmap_zero(&set);
	CHECK_EQ(aml_replicaset_create(&rs, SIZE, &set), -AML_EINVAL);
	aml_bitmap_set(&set, AML_BITMAP_MAX - 1);
	CHECK_EQ(aml_replicaset_create(&rs, SIZE, &set), -AML_EDOM);
	CHECK(rs == NULL);
	aml_bitmap_zero(&set);
	aml_bitmap_set(&set, (unsigned int)nodes[nnodes - 1] + 1);
	CHECK_EQ(aml_replicaset_create(&rs, SIZE, &set), -AML_EDOM);
	CHECK(aml_replicaset_local(NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	CHECK(aml_replicaset_on_node(NULL, 0) == NULL);
	CHECK_EQ(aml_replicaset_init(NULL, src), -AML_EINVAL);
	CHECK_EQ(aml_replicaset_sync(NULL, 0), -AML_EINVAL);
	CHECK_EQ(aml_replicaset_create(&rs, sizeof(src), NULL), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_init(rs, NULL), -AML_EINVAL);
	CHECK(aml_replicaset_on_node(rs, -1) == NULL);
	CHECK_EQ(aml_errno, AML_EDOM);
	CHECK(aml_replicaset_on_node(rs, AML_BITMAP_MAX) == NULL);
	CHECK_EQ(aml_errno, AML_EDOM);
	CHECK_EQ(aml_replicaset_sync(rs, nodes[nnodes - 1] + 1), -AML_EDOM);
	CHECK_EQ(aml_replicaset_init(rs, aml_replicaset_on_node(rs, nodes[0])),
		 -AML_EINVAL);
	aml_replicaset_destroy(&rs);
	aml_replicaset_destroy(&rs);
	aml_replicaset_destroy(NULL);
}

int main(void)
{
	struct aml_bitmap all, set;
	char *src = malloc(SIZE);

	CHECK(src != NULL);
	for (size_t i = 0; i < SIZE; i++)
		src[i] = (char)(i * 11 + (i >> 9));
	nnodes = test_nodes(nodes, MAXN);
	aml_bitmap_zero(&all);
	for (int i = 0; i < nnodes; i++)
		aml_bitmap_set(&all, (unsigned int)nodes[i]);
	ncpu = check_cpu_nodes(cpu_nodes, cpus, MAXN);
	CHECK(ncpu > 0);
	bad_input();
	printf("every allowed node (%d):\n", nnodes);
	run_set(NULL, &all, src);
	run_set(&all, &all, src);
	if (nnodes < 2) {
		printf("one node: the nearest-copy rule is not exercised\n");
		free(src);
		return 0;
	}
	/* Leave out one CPU node at a time: its threads use the nearest. */
	for (int i = 0; i < ncpu; i++) {
		aml_bitmap_copy(&set, &all);
		aml_bitmap_clear(&set, (unsigned int)cpu_nodes[i]);
		printf("every node but %d:\n", cpu_nodes[i]);
		run_set(&set, &set, src);
	}
	free(src);
	return 0;
}
