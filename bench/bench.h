/* The benchmark harness of AML: every bench/<name>.c program is a table
 * of methods (ways to do one operation, the first being the reference)
 * handed to bench_run(), which does the rest the same way for all:
 *
 *   - options: --quick (few repetitions, short samples: a smoke run),
 *     --reps N, --max SIZE (largest size, e.g. 64M), --help;
 *   - the machine (kernel, CPUs, NUMA nodes, page size, THP, load);
 *   - per size: calibration (operations per sample so that the slowest
 *     method, or the reference alone, takes about `sample_s`), then
 *     `reps` repetitions in each of which every method takes one sample,
 *     in a rotating order, so that the methods are measured side by side;
 *   - one table line per size: the reference's median time per operation,
 *     each other method's ratio (median over repetitions of its time /
 *     the reference's time in the same repetition), and each method's
 *     verdict (ok, WRONG, error) in column order;
 *   - a summary line: each method's median ratio over the sizes.
 *
 * A program then prints its own conclusions from the results (targets
 * met or missed) and returns bench_status(). The smallest program:
 *
 *   static int raw_op(const void *arg, void *data, size_t size, long i)
 *   { ...; return 1; }
 *   static int aml_op(const void *arg, void *data, size_t size, long i)
 *   { ...; return 1; }
 *   static const struct bench_method methods[] = {
 *           {.name = "raw", .run = raw_op}, {.name = "aml", .run = aml_op},
 *   };
 *   static const struct bench_spec spec = {
 *           .name = "thing", .title = "thing: what is measured",
 *           .methods = methods, .nmethods = 2, .reps = 11,
 *           .quick_reps = 3, .sample_s = 0.01,
 *   };
 *   int main(int argc, char **argv)
 *   {
 *           struct bench_results res;
 *
 *           bench_run(&spec, argc, argv, &res);
 *           return bench_status(&res);
 *   }
 *
 * Around it are helpers the programs share: the allowed nodes, a mask of
 * them for mbind(2), an AML interleave area, hwloc's topology, and an
 * independent check (move_pages(2)) that a buffer is interleaved. */
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
/* Most methods in one program, most sizes in one run. */
#define BENCH_MAX_METHODS 8
#define BENCH_MAX_SIZES 16

/* One way to do the measured operation: a column of the table. */
struct bench_method {
	/* Column title. */
	const char *name;
	/* The timed operation on `size` bytes, the `i`th of its sample
	 * (0 <= i < the sample's operation count). `arg` is this method's
	 * arg below (one function can serve several methods), `data` what
	 * the spec's prepare() returned for this size. Returns a verdict: 1
	 * right, 0 wrong, -1 failed (could not do or check it). NULL: this
	 * method is not built here, its column says n/a. */
	int (*run)(const void *arg, void *data, size_t size, long i);
	/* Optional, untimed, after each sample of `count` operations: checks
	 * what the sample did and releases what it kept; returns a verdict
	 * like run(). */
	int (*after)(const void *arg, void *data, size_t size, long count);
	/* Optional: the share of the operation one run() does at `size`
	 * (e.g. 0.25 when it only does the first quarter); its time is
	 * divided by it. */
	double (*share)(size_t size);
	/* Handed to run() and after(). */
	const void *arg;
	/* A wrong verdict is expected on some machines: it is printed but
	 * does not fail the run. */
	int wrong_expected;
};

/* A benchmark program. */
struct bench_spec {
	const char *name;   /* program name, e.g. "alloc" */
	const char *help;   /* one line for --help */
	const char *title;  /* first line of the output */
	const char *legend; /* "# ..." lines saying what the methods are */
	const char *unit;   /* what one operation is, e.g. "allocate + free" */
	const struct bench_method *methods; /* [0] is the reference */
	size_t nmethods;
	/* Sizes to measure, ascending (default: bench_sizes). */
	const size_t *sizes;
	size_t nsizes;
	int reps, quick_reps;  /* repetitions, default and --quick */
	double sample_s;       /* aimed duration of one sample */
	double quick_sample_s; /* the same with --quick */
	/* Calibrate on the reference alone (when it is the steadiest). */
	int calibrate_reference;
	/* A sample holds at most this many bytes at once (0: no limit): its
	 * operation count is capped at max(1, max_bytes / size). */
	size_t max_bytes;
	/* Optional hooks: setup() after the options are read, teardown() at
	 * the end; prepare() before measuring a size (its result is the
	 * methods' `data`), release() after. */
	void (*setup)(void);
	void (*teardown)(void);
	void *(*prepare)(size_t size);
	void (*release)(void *data, size_t size);
};

struct bench_opts {
	int quick;  /* --quick: few repetitions, for a smoke run */
	int reps;   /* repetitions (medians are taken over them) */
	size_t max; /* largest size measured, bytes */
};

/* What bench_run() measured. Methods absent here have ratio -1. */
struct bench_results {
	struct bench_opts opts;
	size_t nsizes;		       /* sizes measured */
	size_t sizes[BENCH_MAX_SIZES]; /* their byte counts */
	double ref_s[BENCH_MAX_SIZES]; /* reference's median time per op */
	long iters[BENCH_MAX_SIZES];   /* operations per sample */
	/* ratio[m][s]: median over repetitions of method m's time / the
	 * reference's time at size s */
	double ratio[BENCH_MAX_METHODS][BENCH_MAX_SIZES];
	/* verdict[m][s]: worst verdict of method m at size s */
	int verdict[BENCH_MAX_METHODS][BENCH_MAX_SIZES];
	int failed; /* a method not wrong_expected had a verdict other than 1 */
};

/* Run the benchmark `spec` with the command line `argv`: parse the options
 * (exits on --help or a bad one), set up, print the machine and the table,
 * the summary of median ratios, tear down; fill `res`. Exits with a message
 * if an operation fails in a way that stops the run. */
void bench_run(const struct bench_spec *spec, int argc, char **argv,
	       struct bench_results *res);

/* The last size measured, index into res->sizes (the one summaries quote);
 * -1 when none was. */
long bench_last(const struct bench_results *res);

/* "met" when `cond`, else "MISSED". */
const char *bench_met(int cond);

/* Print the final error line when res->failed; returns the exit status
 * of the program (0 or 1). */
int bench_status(const struct bench_results *res);

/* Parse --quick, --reps N, --max SIZE (e.g. 64M) and --help. `reps` and
 * `quick_reps` are the defaults. Exits on --help or a bad argument. */
void bench_parse(int argc, char **argv, const char *what, int reps,
		 int quick_reps, struct bench_opts *o);

/* Monotonic time in seconds. */
double bench_now(void);

/* Median of `v[0..n)`; reorders `v`. 0 for n == 0. */
double bench_median(double *v, size_t n);

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
unsigned long bench_nodemask(const int *nodes, int nnodes, unsigned long *mask);

/* Incremental strict round-robin check: feed it each page's node. Pages go
 * round robin by base page, or by 2 MiB unit when backed by huge pages. */
struct bench_rr {
	int rank[BENCH_MAX_NODES]; /* rank of a node among `nodes`, or -1 */
	long nnodes;
	long r0, h0;	     /* rank of page 0 / unit 0; -1 until known */
	unsigned long start; /* address of page 0 */
	size_t bad_small, bad_huge;
};

void bench_rr_init(struct bench_rr *rr, const void *start, const int *nodes,
		   int nnodes);

/* Page `i` (address start + i * page size) is on `node` (a move_pages(2)
 * status: negative when not placed). */
static inline void bench_rr_page(struct bench_rr *rr, size_t i,
				 unsigned long addr, int node)
{
	const long r =
	    (node >= 0 && node < BENCH_MAX_NODES) ? rr->rank[node] : -1;
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
