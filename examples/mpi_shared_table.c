/* One copy per NUMA node of a read-only table, for all the MPI ranks of a
 * machine. The ranks of a node (MPI_Comm_split_type with
 * MPI_COMM_TYPE_SHARED) each run on a NUMA node of their own, round-robin,
 * allocating from it. The first of them builds a replica set
 * (one copy per NUMA node), fills it, and sends its handle to the others
 * with MPI_Bcast; they open it. Every rank then reads the table through
 * aml_replicaset_local(): the copy on its own node. With --private each
 * rank builds a set of its own instead, for comparison. Each rank checks
 * where its copy's pages are; the first rank prints the memory the
 * replicas take on the machine (the ranks' Pss summed: pages shared by k
 * processes count 1/k in each).
 *
 *   mpirun -np 4 ./example_mpi_shared_table [--private]
 */
#include <aml.h>
#include <aml/higher/ipc.h>
#include <aml/higher/replicaset.h>
#include <mpi.h>

#define ENTRIES ((size_t)1 << 21) /* 16 MiB of doubles */

/* Pss (kB) of this process's mappings overlapping [p, p + size). */
static long long pss_kb(const void *p, size_t size)
{
	char line[512];
	unsigned long s, e;
	long long total = 0, kb;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2)
			in = e > (uintptr_t)p && s < (uintptr_t)p + size;
		else if (in && sscanf(line, "Pss: %lld kB", &kb) == 1)
			total += kb;
	}
	fclose(f);
	return total;
}

/* Run on, and allocate from, the k-th node that has CPUs (k modulo). */
static int bind_to_node(int k)
{
	int nodes[256], n = 0;

	for (int node = 0; node <= numa_max_node() && n < 256; node++) {
		struct bitmask *cpus = numa_allocate_cpumask();

		if (numa_node_to_cpus(node, cpus) == 0 &&
		    numa_bitmask_weight(cpus) > 0)
			nodes[n++] = node;
		numa_free_cpumask(cpus);
	}
	if (n == 0)
		return 0;
	numa_run_on_node(nodes[k % n]);
	numa_set_preferred(nodes[k % n]);
	return nodes[k % n];
}

/* The table: entry i is i / 2 (its sum over all entries is known). */
static int build(struct aml_replicaset **rs)
{
	double *src = malloc(ENTRIES * sizeof(*src));
	int err;

	if (src == NULL)
		return -AML_ENOMEM;
	for (size_t i = 0; i < ENTRIES; i++)
		src[i] = (double)i / 2;
	err = aml_replicaset_create(rs, ENTRIES * sizeof(*src), NULL);
	if (err == AML_SUCCESS)
		err = aml_replicaset_init(*rs, src);
	free(src);
	return err;
}

/* The set of this rank: built by the node's first rank and shared, or
 * built here. */
static int get_table(struct aml_replicaset **rs, MPI_Comm node_comm, int local,
		     int private)
{
	struct aml_ipc_handle h;
	int err = AML_SUCCESS;

	if (private)
		return build(rs);
	if (local == 0) {
		err = build(rs);
		if (err == AML_SUCCESS)
			err = aml_replicaset_ipc_handle_get(*rs, &h);
		if (err != AML_SUCCESS)
			memset(&h, 0, sizeof(h)); /* the others fail too */
	}
	/* 64 plain bytes: MPI carries them like any others. */
	MPI_Bcast(&h, sizeof(h), MPI_BYTE, 0, node_comm);
	if (local != 0)
		err = aml_replicaset_ipc_open(rs, &h);
	return err;
}

/* Read the table from this rank's copy; 0 if the sum and the pages'
 * node are right. */
static int use_table(struct aml_replicaset *rs, int rank, int node)
{
	const double *t = aml_replicaset_local(rs);
	double sum = 0;
	void *page = (void *)t;
	int where = -1;

	for (size_t i = 0; i < ENTRIES; i++)
		sum += t[i];
	move_pages(0, 1, &page, NULL, &where, 0);
	printf("rank %d on node %d: its copy is on node %d, sum %s\n", rank,
	       node, where,
	       sum == (double)ENTRIES * (ENTRIES - 1) / 4 ? "right" : "WRONG");
	return sum == (double)ENTRIES * (ENTRIES - 1) / 4 && where == node ? 0
									   : 1;
}

int main(int argc, char *argv[])
{
	const int private = argc > 1 && strcmp(argv[1], "--private") == 0;
	struct aml_replicaset *rs = NULL;
	long long kb = 0, total = 0;
	int rank, local, nlocal, node, err, bad = 0, nbad = 0;
	MPI_Comm node_comm;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
			    MPI_INFO_NULL, &node_comm);
	MPI_Comm_rank(node_comm, &local);
	MPI_Comm_size(node_comm, &nlocal);
	node = bind_to_node(local);
	err = get_table(&rs, node_comm, local, private);
	if (err != AML_SUCCESS)
		fprintf(stderr, "rank %d: table: %s\n", rank,
			aml_strerror(err));
	bad = err != AML_SUCCESS || use_table(rs, rank, node);
	/* Every rank has read its table (its pages are mapped there) before
	 * the memory is counted. */
	MPI_Barrier(node_comm);
	if (err == AML_SUCCESS) {
		for (int n = 0; n <= numa_max_node(); n++)
			if (aml_replicaset_on_node(rs, n) != NULL)
				kb += pss_kb(aml_replicaset_on_node(rs, n),
					     ENTRIES * sizeof(double));
	}
	MPI_Reduce(&kb, &total, 1, MPI_LONG_LONG, MPI_SUM, 0, node_comm);
	MPI_Reduce(&bad, &nbad, 1, MPI_INT, MPI_SUM, 0, node_comm);
	if (local == 0)
		printf("replica memory on this machine: %lld kB for %d ranks "
		       "(%s), %d rank(s) wrong\n",
		       total, nlocal,
		       private ? "a set per rank" : "one shared set", nbad);
	/* Each rank's destroy unmaps its own view only: the copies live
	 * while any rank maps them. */
	aml_replicaset_destroy(&rs);
	MPI_Comm_free(&node_comm);
	MPI_Finalize();
	return bad;
}
