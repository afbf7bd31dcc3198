/* Shared pieces of AML's benchmark programs: options, clock, medians,
 * machine description and an independent placement check. */
#ifndef AML_BENCH_H
#define AML_BENCH_H

#include <stddef.h>
#include <stdio.h>

#include <aml.h>
#ifdef BENCH_HAVE_HWLOC
#include <hwloc.h>
#endif

/* Largest node count the benchmarks handle. */
#define BENCH_MAX_NODES 1024

struct bench_opts {
	int quick;  /* --quick: few repetitions, for a smoke run */
	int reps;   /* repetitions (medians are taken over them) */
	size_t max; /* largest size measured, bytes */
};

/* Parse --quick, --reps N, --max SIZE (e.g. 64M) and --help. `reps` and
 * `quick_reps` are the defaults. Exits on --help or a bad argument. */
void bench_parse(int argc, char **argv, const char *what, int reps,
		 int quick_reps, struct bench_opts *o);

/* Monotonic time in seconds. */
double bench_now(void);

/* Median of `v[0..n)`; reorders `v`. 0 for n == 0. */
double bench_median(double *v, size_t n);

/* Print "summary: median ratio over sizes vs REF: name r.rrrx ..." for
 * competitors 1..ncomp-1: the median over `nsizes` sizes of each row of
 * `ratio` (16 sizes at most); a negative first ratio prints "n/a". Names
 * are read from an array of structs: `name0` is the first one's name
 * field, `stride` the size of a struct. */
void bench_print_medians(const char *ref, const char *const *name0,
			 size_t stride, double (*ratio)[16], size_t ncomp,
			 size_t nsizes);

/* The measured sizes, 4 KiB to 1 GiB by powers of 16. */
extern const size_t bench_sizes[];
extern const size_t bench_nsizes;

/* "4K", "64K", "1M"... in `buf` (at least 24 bytes). */
const char *bench_size_str(size_t size, char *buf);

/* Print the machine (kernel, CPUs, NUMA nodes, page size, THP, load) and
 * which optional competitors this program was built with. */
void bench_print_machine(FILE *out, const char *title);

/* The nodes this process may allocate on, ascending, into `nodes`;
 * returns how many (at least 1). */
int bench_nodes(int *nodes);

/* An AML area interleaving over every node this process may use; exits
 * with a message if it cannot be created. */
struct aml_area *bench_interleave_area(void);

#ifdef BENCH_HAVE_HWLOC
/* A loaded topology and the nodeset of `nodes`, for the hwloc columns;
 * bench_hwloc_close() releases both. */
void bench_hwloc_open(hwloc_topology_t *topo, hwloc_nodeset_t *set,
		      const int *nodes, int nnodes);
void bench_hwloc_close(hwloc_topology_t topo, hwloc_nodeset_t set);
#endif

/* Mask of `nodes` for mbind(2): fills `mask` (BENCH_MAX_NODES bits) and
 * returns the maxnode argument to pass. */
unsigned long bench_nodemask(const int *nodes, int nnodes,
			     unsigned long *mask);

/* Incremental strict round-robin check: feed it each page's node. Pages go
 * round robin by base page, or by 2 MiB unit when backed by huge pages. */
struct bench_rr {
	int rank[BENCH_MAX_NODES]; /* rank of a node among `nodes`, or -1 */
	long nnodes;
	long r0, h0;          /* rank of page 0 / unit 0; -1 until known */
	unsigned long start;  /* address of page 0 */
	size_t bad_small, bad_huge;
};

void bench_rr_init(struct bench_rr *rr, const void *start, const int *nodes,
		   int nnodes);

/* Page `i` (address start + i * page size) is on `node` (a move_pages(2)
 * status: negative when not placed). */
static inline void bench_rr_page(struct bench_rr *rr, size_t i,
				 unsigned long addr, int node)
{
	const long r = (node >= 0 && node < BENCH_MAX_NODES) ? rr->rank[node]
							     : -1;
	const long h = (long)(addr >> 21) - (long)(rr->start >> 21);

	if (r < 0) {
		rr->bad_small++;
		rr->bad_huge++;
		return;
	}
	if (rr->r0 < 0) {
		rr->r0 = ((r - (long)i) % rr->nnodes + rr->nnodes) % rr->nnodes;
		rr->h0 = ((r - h) % rr->nnodes + rr->nnodes) % rr->nnodes;
	}
	rr->bad_small += ((long)i + rr->r0) % rr->nnodes != r;
	rr->bad_huge += (h + rr->h0) % rr->nnodes != r;
}

/* 1 if every page fed was placed in round robin (by 2 MiB unit only if
 * the mapping holds transparent huge pages), else 0; `bad`, if not NULL,
 * receives the count of misplaced or unplaced pages. */
int bench_rr_ok(const struct bench_rr *rr, size_t *bad);

/* Whether every page of [ptr, ptr + size) is placed, and placed in strict
 * round robin over `nodes` (any starting node). Independent of AML: one
 * move_pages(2) query for the whole range. Returns 1 if so, 0 if not, -1
 * if the query failed. `bad`, if not NULL, receives the count of pages
 * not placed or on a wrong node. */
int bench_verify_interleave(void *ptr, size_t size, const int *nodes,
			    int nnodes, size_t *bad);

/* "ok", "WRONG" or "error" for a bench_verify_interleave() result. */
const char *bench_verdict(int verified);

#endif /* AML_BENCH_H */
