/* A replica set shared by OPENERS processes, each on a node of its own
 * (round-robin over the nodes with CPUs): each reads, through
 * aml_replicaset_local(), the copy on its node (move_pages(2) on the
 * pointer it gets); the machine holds one copy per node, not one per
 * process (each node's Shmem in its meminfo, before and after; the sum of
 * the processes' Pss); sharing kept the exporter's pointers and bytes; a
 * sync from one opener reaches all; a destroy in one process leaves the
 * others' copies. */
/* CTest labels: threads */
#include "ipc_test.h"
#include "numa_check.h"

#include <aml/higher/replicaset.h>

#define OPENERS 4

static size_t size;
static int nodes[64], cpus[64], nnodes;

struct report {
	long long pss;
	int node;
};

/* Every byte of a copy is `byte`. Reading maps each page here, where
 * move_pages(2) can see it. */
static void check_bytes(const char *c, char byte)
{
	for (size_t i = 0; i < size; i++)
		if (c[i] != byte)
			CHECK_EQ(c[i], byte);
}

/* Every page of every copy on its node, holding `byte`. */
static void check_copies(struct aml_replicaset *rs, char byte)
{
	for (int k = 0; k < nnodes; k++) {
		char *c = aml_replicaset_on_node(rs, nodes[k]);
		size_t total;

		CHECK(c != NULL);
		check_bytes(c, byte);
		CHECK_EQ(check_pages_on(c, size, nodes[k], &total), total);
	}
}

/* Pss of every copy of the set in this process. */
static long long set_pss(struct aml_replicaset *rs)
{
	long long pss = 0;

	for (int k = 0; k < nnodes; k++)
		pss += pss_bytes(aml_replicaset_on_node(rs, nodes[k]), size);
	return pss;
}

static int opener(struct link *l, int i)
{
	struct aml_replicaset *rs;
	struct aml_ipc_handle h;
	struct report r = {.node = nodes[i % nnodes]};
	size_t total;
	char *local, step;

	check_pin(cpus[i % nnodes]);
	FROM_PARENT(l, &h, sizeof(h));
	CHECK_EQ(aml_replicaset_ipc_open(&rs, &h), AML_SUCCESS);
	local = aml_replicaset_local(rs);
	CHECK(local != NULL);
	check_bytes(local, 's');
	/* Its own node's copy, by the kernel's word. */
	CHECK_EQ(check_pages_on(local, size, r.node, &total), total);
	CHECK(local == aml_replicaset_on_node(rs, r.node));
	check_copies(rs, 's');
	TO_PARENT(l, &r, sizeof(r));
	/* Pss once every process maps the set. */
	FROM_PARENT(l, &step, 1);
	r.pss = set_pss(rs);
	TO_PARENT(l, &r, sizeof(r));
	FROM_PARENT(l, &step, 1);
	if (i == 0) {
		/* A write and a sync here reach every process. */
		memset(local, 'y', size);
		CHECK_EQ(aml_replicaset_sync(rs, r.node), AML_SUCCESS);
		aml_replicaset_destroy(&rs);
		TO_PARENT(l, &step, 1);
		return 0;
	}
	FROM_PARENT(l, &step, 1); /* opener 0 and the exporter are done */
	check_copies(rs, 'y');
	aml_replicaset_destroy(&rs);
	return 0;
}

static long long node_shmem(long long *per)
{
	long long all = 0;

	for (int k = 0; k < nnodes; k++)
		all += per[k] = shmem_bytes(nodes[k]);
	return all;
}

/* Each node holds one more copy than before, give or take a page; the
 * machine one per node. Exactly so in the guests, where nothing else
 * runs; on a host that runs other tests meanwhile, whose shared memory
 * comes and goes, only clearly less than a set per process. */
static void check_one_per_node(const long long *before, int procs)
{
	const int quiet = getenv("AML_VM_TOPOLOGY") != NULL;
	long long after[64], grown = 0;

	node_shmem(after);
	for (int k = 0; k < nnodes; k++) {
		const long long d = after[k] - before[k];

		printf("node %d: Shmem %+lld kB for %d processes\n", nodes[k],
		       d / 1024, procs);
		grown += d;
		if (quiet)
			CHECK(d > (long long)size * 7 / 8 &&
			      d < (long long)size * 9 / 8);
		else
			CHECK(d < (long long)size * procs / 2);
	}
	printf("shared set: %lld kB in all, against %lld kB for a set per "
	       "process (ratio %.3f)\n",
	       grown / 1024, (long long)procs * nnodes * (long long)size / 1024,
	       (double)grown / ((double)procs * nnodes * (double)size));
}

static pid_t spawn(struct link *l, int i)
{
	pid_t pid;

	link_open(l);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		link_side(l, 1);
		int rc = opener(l, i);
		fflush(stdout);
		_exit(rc);
	}
	link_side(l, 0);
	return pid;
}

/* The exporter's set: made private, then shared; pointers kept. */
static struct aml_replicaset *make_shared(struct aml_ipc_handle *h)
{
	struct aml_replicaset *rs;
	struct aml_ipc_handle again;
	char *src = malloc(size), *before[64];

	CHECK(src != NULL);
	memset(src, 's', size);
	CHECK_EQ(aml_replicaset_create(&rs, size, NULL), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_init(rs, src), AML_SUCCESS);
	for (int k = 0; k < nnodes; k++)
		before[k] = aml_replicaset_on_node(rs, nodes[k]);
	CHECK_EQ(aml_replicaset_ipc_handle_get(rs, h), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_ipc_handle_get(rs, &again), AML_SUCCESS);
	CHECK(memcmp(h, &again, sizeof(again)) == 0);
	for (int k = 0; k < nnodes; k++)
		CHECK(aml_replicaset_on_node(rs, nodes[k]) == before[k]);
	check_copies(rs, 's');
	free(src);
	return rs;
}

int main(void)
{
	struct link l[OPENERS];
	pid_t pids[OPENERS];
	struct aml_replicaset *rs;
	struct aml_ipc_handle h;
	long long base[64], pss;
	char step = 'n';

	size = getenv("AML_VM_TOPOLOGY") ? (size_t)8 << 20 : (size_t)16 << 20;
	nnodes = check_cpu_nodes(nodes, cpus, 64);
	CHECK(nnodes >= 1);
	for (int i = 0; i < OPENERS; i++)
		pids[i] = spawn(&l[i], i);
	check_pin(cpus[0]);
	node_shmem(base);
	rs = make_shared(&h);
	for (int i = 0; i < OPENERS; i++)
		TO_CHILD(&l[i], &h, sizeof(h));
	for (int i = 0; i < OPENERS; i++) {
		struct report r;

		FROM_CHILD(&l[i], &r, sizeof(r));
		printf("opener %d on node %d: its own node's copy\n", i,
		       r.node);
	}
	pss = set_pss(rs);
	for (int i = 0; i < OPENERS; i++) {
		struct report r;

		TO_CHILD(&l[i], &step, 1);
		FROM_CHILD(&l[i], &r, sizeof(r));
		pss += r.pss;
	}
	check_one_per_node(base, OPENERS + 1);
	printf("Pss of the copies, summed over the %d processes: %lld kB "
	       "(%d copies of %zu kB)\n",
	       OPENERS + 1, pss / 1024, nnodes, size / 1024);
	CHECK(pss > (long long)nnodes * (long long)size * 9 / 10 &&
	      pss < (long long)nnodes * (long long)size * 11 / 10);
	TO_CHILD(&l[0], &step, 1);
	FROM_CHILD(&l[0], &step, 1);
	CHECK_EQ(reap(pids[0]), 0);
	check_copies(rs, 'y');
	aml_replicaset_destroy(&rs);
	for (int i = 1; i < OPENERS; i++) {
		TO_CHILD(&l[i], &step, 1);
		TO_CHILD(&l[i], &step, 1);
		CHECK_EQ(reap(pids[i]), 0);
	}
	return 0;
}
