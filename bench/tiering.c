/* The tiering engine on a GUPS-like workload: random read-modify-write
 * updates of 8-byte words, 90% of them in a hot set, 10% anywhere in the
 * buffer, about one update per page per epoch (so that a cold page is
 * touched in one epoch of ten).
 *
 * 1. Sampling cost (any machine): the same epochs of updates without a
 *    tiering and under a tiering of one tier (measuring only, stepped
 *    after each epoch, untimed) of each method that works here; the
 *    ratio is the program's slowdown from being measured, and the engine's
 *    own time per epoch per GiB managed is printed under the table.
 * 2. Hot-set capture (two tiers: the allowed nodes, first half fast):
 *    a buffer 4x the fast capacity on the slow tier, its hot set half the
 *    capacity, moved twice; per epoch the share of the hot set on the fast
 *    tier (independent move_pages(2) query) and the bytes migrated.
 * AML_BENCH_TIERING=capture in the environment runs part 2 alone;
 * AML_BENCH_TIERING=kernel (root, a kernel with memory tiers) runs it on
 * the kernel's tiers with AML's engine and then under the kernel's own
 * tiering (NUMA balancing mode 2 with demotion, at its default scan
 * period and at 100 ms), each in a process of its own, side by side in
 * one table; kernel+damon adds a column for AML's engine measuring with
 * DAMON (reported, not judged: above 1024 pages its regions span several
 * pages).
 * AML_BENCH_CAPACITY (default 16M, 4M with --quick) sets the capacity. */
#include <aml.h>
#include <aml/higher/tiering.h>
#include <glob.h>
#include <numa.h>
#include <numaif.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define HOT_SHARE 0.9
#define EPOCHS 15
/* Updates per page per epoch: in the cost table (an epoch of 100 ms of a
 * program doing tens of millions of updates a second touches a page many
 * times), and in the capture run (a cold page in one epoch of ten). */
#define COST_UPDATES 16
#define CAPTURE_UPDATES 1
/* Epochs run before the cost table's samples (a tiering of one tier
 * settles in about five). */
#define WARMUP 12

static size_t psize;

struct buffer {
	uint64_t *words;
	size_t size;
	struct aml_tiering *t;
	unsigned long long rng;
};

/* One buffer per method: a tiering of one tier for each but the first. */
struct data {
	struct buffer b[BENCH_MAX_METHODS];
};

static struct bench_method table[];
static const enum aml_tiering_method methods_id[] = {
    AML_TIERING_METHOD_AUTO, AML_TIERING_METHOD_UFFD_WP,
    AML_TIERING_METHOD_SOFT_DIRTY, AML_TIERING_METHOD_DAMON};
#define NMETHODS 4

static uint64_t next(unsigned long long *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One epoch: `per_page` updates per page, HOT_SHARE of them in [hot,
 * hot + hot_n) words. Returns a checksum so that nothing is optimised
 * away. */
static uint64_t updates(struct buffer *b, size_t hot, size_t hot_n,
			size_t per_page)
{
	size_t nwords = b->size / 8, n = b->size / psize * per_page, i;
	uint64_t sum = 0;

	for (size_t k = 0; k < n; k++) {
		uint64_t r = next(&b->rng);

		if ((r & 1023) < (uint64_t)(HOT_SHARE * 1024))
			i = hot + (r >> 10) % hot_n;
		else
			i = (r >> 10) % nwords;
		b->words[i] += r;
		sum += b->words[i];
	}
	return sum;
}

static int map_buffer(struct buffer *b, size_t size)
{
	b->size = size;
	b->rng = 88172645463325252ULL + size;
	b->words = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->words == MAP_FAILED)
		return -1;
	memset(b->words, 1, size);
	return 0;
}

/* One epoch of the cost table: COST_UPDATES per page, in a hot eighth
 * in the middle of the buffer. */
static uint64_t cost_epoch(struct buffer *b)
{
	size_t nwords = b->size / 8, hot_n = nwords / 8;

	return updates(b, nwords / 2 - hot_n / 2, hot_n, COST_UPDATES);
}

static void *prepare(size_t size)
{
	struct data *d = calloc(1, sizeof(*d));
	struct aml_bitmap all;
	int nodes[BENCH_MAX_NODES], n = bench_nodes(nodes);

	aml_bitmap_zero(&all);
	for (int i = 0; i < n; i++)
		aml_bitmap_set(&all, (unsigned int)nodes[i]);
	for (int m = 0; d && m < NMETHODS; m++) {
		struct aml_tiering_attr a = {.fast = &all,
					     .method = methods_id[m],
					     .flags = AML_TIERING_MEASURE_ONLY};

		if (table[m].run == NULL)
			continue;
		if (map_buffer(&d->b[m], size) != 0)
			exit(1);
		if (m > 0 && (aml_tiering_create(&d->b[m].t, &a) != 0 ||
			      aml_tiering_add(d->b[m].t, d->b[m].words, size)))
			aml_tiering_destroy(&d->b[m].t);
		/* Untimed epochs first: the steady state of a long run. */
		for (int e = 0; e < WARMUP; e++) {
			cost_epoch(&d->b[m]);
			if (d->b[m].t != NULL)
				aml_tiering_step(d->b[m].t);
		}
	}
	return d;
}

/* The engine's time per epoch per GiB, per size and method (ms). */
static double engine_ms[BENCH_MAX_SIZES][NMETHODS];
static size_t engine_epochs[BENCH_MAX_SIZES][NMETHODS], nmeasured;

static void release(void *data, size_t size)
{
	struct data *d = data;

	for (int m = 1; m < NMETHODS; m++) {
		struct aml_tiering_stats s;

		if (d->b[m].t == NULL)
			continue;
		aml_tiering_get_stats(d->b[m].t, &s);
		engine_epochs[nmeasured][m] = s.epochs;
		if (s.epochs)
			engine_ms[nmeasured][m] = s.total_ns / 1e6 / s.epochs /
						  ((double)size / (1 << 30));
		aml_tiering_destroy(&d->b[m].t);
	}
	nmeasured++;
	for (int m = 0; m < NMETHODS; m++)
		if (d->b[m].words != NULL)
			munmap(d->b[m].words, size);
	free(d);
}

static void print_engine(const struct bench_results *res)
{
	char buf[24];

	printf("engine time per epoch per GiB managed (ms, mean over the "
	       "epochs of the run):\n");
	for (size_t k = 0; k < nmeasured && k < res->nsizes; k++) {
		printf("  %6s", bench_size_str(res->sizes[k], buf));
		for (int m = 1; m < NMETHODS; m++)
			if (engine_epochs[k][m])
				printf("  %s %.2f (%zu epochs)", table[m].name,
				       engine_ms[k][m], engine_epochs[k][m]);
			else
				printf("  %s n/a", table[m].name);
		printf("\n");
	}
}

static int run(const void *arg, void *data, size_t size, long i)
{
	struct buffer *b = &((struct data *)data)->b[*(const int *)arg];

	(void)size;
	(void)i;
	if (b->t == NULL && *(const int *)arg > 0)
		return -1;
	cost_epoch(b);
	return 1;
}

/* Untimed: the epoch's measurement. */
static int after(const void *arg, void *data, size_t size, long count)
{
	struct buffer *b = &((struct data *)data)->b[*(const int *)arg];

	(void)size;
	(void)count;
	return b->t == NULL || aml_tiering_step(b->t) == AML_SUCCESS ? 1 : -1;
}

static int run(const void *arg, void *data, size_t size, long i);
static int after(const void *arg, void *data, size_t size, long count);
static const int idx[NMETHODS] = {0, 1, 2, 3};
static struct bench_method table[NMETHODS] = {
    {.name = "no tiering", .run = run, .arg = &idx[0]},
    {.name = "uffd-wp", .run = run, .after = after, .arg = &idx[1]},
    {.name = "soft-dirty", .run = run, .after = after, .arg = &idx[2]},
    {.name = "damon", .run = run, .after = after, .arg = &idx[3]},
};

static const size_t sizes[] = {16 << 20, 256 << 20, (size_t)1 << 30};

/* A column for each method that works here; n/a for the others. */
static void setup(void)
{
	struct aml_bitmap all;
	int nodes[BENCH_MAX_NODES], n = bench_nodes(nodes);

	psize = (size_t)sysconf(_SC_PAGESIZE);
	aml_bitmap_zero(&all);
	for (int i = 0; i < n; i++)
		aml_bitmap_set(&all, (unsigned int)nodes[i]);
	for (int m = 1; m < NMETHODS; m++) {
		struct aml_tiering_attr a = {.fast = &all,
					     .method = methods_id[m],
					     .flags = AML_TIERING_MEASURE_ONLY};
		struct aml_tiering *t;

		if (aml_tiering_create(&t, &a) != AML_SUCCESS)
			table[m].run = NULL;
		aml_tiering_destroy(&t);
	}
}

static struct bench_spec spec = {
    .name = "tiering",
    .help = "tiering: sampling cost and hot-set capture on a GUPS-like "
	    "workload",
    .title = "tiering: one epoch of GUPS-like updates (16 per page, 90% "
	     "in a hot eighth), without a tiering and measured by each method",
    .legend = "# ratio: time of the epoch's updates under a tiering of one "
	      "tier (stepped after\n# each epoch, untimed) / without: the "
	      "program's slowdown from being measured.\n# soft-dirty clears "
	      "the bits of the whole process: its faults also slow the\n# "
	      "other columns, so its ratio understates its cost.\n",
    .unit = "epoch of updates",
    .methods = table,
    .nmethods = NMETHODS,
    .sizes = sizes,
    .nsizes = 3,
    .reps = 11,
    .quick_reps = 3,
    .sample_s = 0.02,
    .quick_sample_s = 0.01,
    .max_bytes = 1,
    .setup = setup,
    .prepare = prepare,
    .release = release,
};

/* Share of pages [first, first + n) of `p` on a node of `fast`. */
static double on_fast(const void *p, size_t first, size_t n,
		      const struct aml_bitmap *fast)
{
	void **pages = malloc(n * sizeof(*pages));
	int *status = malloc(n * sizeof(*status));
	size_t on = 0;

	for (size_t i = 0; pages && status && i < n; i++)
		pages[i] = (char *)p + (first + i) * psize;
	if (pages == NULL || status == NULL ||
	    move_pages(0, n, pages, NULL, status, 0) != 0)
		exit(1);
	for (size_t i = 0; i < n; i++)
		on += status[i] >= 0 &&
		      aml_bitmap_isset(fast, (unsigned int)status[i]) == 1;
	free(pages);
	free(status);
	return (double)on / (double)n;
}

static size_t env_size(const char *name, size_t dflt)
{
	const char *v = getenv(name);
	char *end;
	double x;

	if (v == NULL || *v == '\0')
		return dflt;
	x = strtod(v, &end);
	if (*end == 'K' || *end == 'k')
		x *= 1024;
	else if (*end == 'M' || *end == 'm')
		x *= 1 << 20;
	else if (*end == 'G' || *end == 'g')
		x *= 1 << 30;
	return (size_t)x;
}

/* The kernel's counters of its tiering (/proc/vmstat). */
static const char *const vm_names[] = {
    "numa_pte_updates",	  "numa_hint_faults", "pgpromote_candidate",
    "pgpromote_success",  "pgdemote_kswapd",  "pgdemote_direct",
    "pgdemote_khugepaged"};
#define NVM 7
/* Index of the first counter of pages moved (promoted, then demoted). */
#define VM_MOVED 3

static void vmstat(unsigned long long v[NVM])
{
	char name[64];
	unsigned long long x;
	FILE *f = fopen("/proc/vmstat", "r");

	memset(v, 0, NVM * sizeof(*v));
	while (f && fscanf(f, "%63s %llu", name, &x) == 2)
		for (int i = 0; i < NVM; i++)
			if (!strcmp(name, vm_names[i]))
				v[i] = x;
	if (f)
		fclose(f);
}

/* The kernel's settings a kernel pass changes, restored after it. */
#define SCAN "/sys/kernel/debug/sched/numa_balancing/"
static const char *const knob_path[] = {
    "/proc/sys/kernel/numa_balancing", "/sys/kernel/mm/numa/demotion_enabled",
    SCAN "scan_delay_ms", SCAN "scan_period_min_ms"};
#define NKNOBS 4
static char knob_saved[NKNOBS][32];

static int knob(int i, char *get, const char *set)
{
	FILE *f = fopen(knob_path[i], get ? "r" : "w");
	int ok;

	if (f == NULL)
		return -1;
	ok = get ? fgets(get, 32, f) != NULL : fputs(set, f) >= 0;
	if (get && ok)
		get[strcspn(get, "\n")] = '\0';
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* NUMA balancing in tiering mode with demotion; with `fast_scan`, its
 * scan delay and shortest period 100 ms (debugfs). */
static int kernel_on(int fast_scan)
{
	int n = fast_scan ? NKNOBS : 2;

	if (fast_scan && access(SCAN, F_OK) != 0)
		(void)mount("none", "/sys/kernel/debug", "debugfs", 0, NULL);
	for (int i = 0; i < n; i++)
		if (knob(i, knob_saved[i], NULL) != 0)
			return -1;
	return knob(0, NULL, "2") || knob(1, NULL, "true") ||
	       (fast_scan && (knob(2, NULL, "100") || knob(3, NULL, "100")));
}

static void kernel_off(int fast_scan)
{
	for (int i = 0; i < (fast_scan ? NKNOBS : 2); i++)
		(void)knob(i, NULL, knob_saved[i]);
}

#define PHASES 3
#define NEPOCHS (PHASES * EPOCHS)
/* Beside the kernel, an epoch lasts this long: after its updates the
 * program computes without touching memory (NUMA balancing scans on the
 * program's CPU time). */
#define KERNEL_EPOCH_S 0.2

enum pass_kind { PASS_AML, PASS_KERNEL, PASS_KERNEL_FAST };

/* One column of the capture table: AML's engine with one method, or the
 * kernel's tiering. */
struct pass {
	const char *name;
	enum pass_kind kind;
	enum aml_tiering_method method;
	int ran;
	double capture[NEPOCHS], moved_mib[NEPOCHS];
	int reached[PHASES];
	size_t max_fast, worst_churn;
	double engine_ms;
	size_t busy;
	unsigned long long vm[NVM]; /* the kernel's counters during it */
};

struct capture {
	struct aml_bitmap fast, slow;
	size_t cap, nhot, size;
	double epoch_s; /* 0: epochs as fast as they go */
	void *filler;
	size_t filler_size;
};

static size_t hot_first(const struct capture *c, int ph)
{
	size_t npages = c->size / psize;

	return ph == 0 ? 0 : ph == 1 ? npages * 3 / 8 : npages - c->nhot;
}

/* Pages moved so far: by the tiering `t`, or by the kernel. */
static unsigned long long moved_pages(struct aml_tiering *t)
{
	unsigned long long v[NVM], n = 0;
	struct aml_tiering_stats s;

	if (t != NULL) {
		aml_tiering_get_stats(t, &s);
		return s.promoted + s.demoted;
	}
	vmstat(v);
	for (int i = VM_MOVED; i < NVM; i++)
		n += v[i];
	return n;
}

static void compute_until(double end)
{
	while (bench_now() < end)
		for (volatile int i = 0; i < 1000; i++)
			;
}

/* Epoch `e`: the updates, the rest of the epoch computing, the step of
 * AML's tiering `t` if any, then the measurements. */
static void pass_epoch(const struct capture *c, struct pass *p,
		       struct buffer *b, struct aml_tiering *t, int e)
{
	int ph = e / EPOCHS, k = e % EPOCHS + 1;
	size_t hot = hot_first(c, ph), npages = c->size / psize, fast_pages;
	unsigned long long before = moved_pages(t), moved;
	double t0 = bench_now();

	updates(b, hot * psize / 8, c->nhot * psize / 8, CAPTURE_UPDATES);
	compute_until(t0 + c->epoch_s);
	if (t != NULL)
		aml_tiering_step(t);
	moved = moved_pages(t) - before;
	p->capture[e] = on_fast(b->words, hot, c->nhot, &c->fast);
	p->moved_mib[e] = (double)moved * psize / (1 << 20);
	fast_pages =
	    (size_t)(on_fast(b->words, 0, npages, &c->fast) * (double)npages +
		     0.5);
	p->max_fast = fast_pages > p->max_fast ? fast_pages : p->max_fast;
	if (p->reached[ph] < 0 && p->capture[e] >= 0.9)
		p->reached[ph] = k;
	if (p->reached[ph] > 0 && k > 10 && moved > p->worst_churn)
		p->worst_churn = moved;
}

/* The buffer, placed on the slow tier, its policy then the default one
 * (so that the kernel's tiering may move it too). */
static int map_slow(const struct capture *c, struct buffer *b)
{
	b->size = c->size;
	b->rng = 2463534242ULL;
	b->words = mmap(NULL, b->size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->words == MAP_FAILED ||
	    madvise(b->words, b->size, MADV_NOHUGEPAGE) != 0 ||
	    mbind(b->words, b->size, MPOL_BIND, c->slow.mask,
		  AML_BITMAP_MAX + 1, 0) != 0)
		return -1;
	memset(b->words, 1, b->size);
	return mbind(b->words, b->size, MPOL_DEFAULT, NULL, 0, 0);
}

static int pass_tiering(const struct capture *c, const struct pass *p,
			struct buffer *b, struct aml_tiering **t)
{
	struct aml_tiering_attr a = {.fast = &c->fast,
				     .slow = &c->slow,
				     .fast_capacity = c->cap,
				     .method = p->method};

	if (aml_tiering_create(t, &a) != AML_SUCCESS)
		return -1;
	return aml_tiering_add(*t, b->words, b->size);
}

static void pass_run(const struct capture *c, struct pass *p)
{
	struct buffer b = {0};
	struct aml_tiering *t = NULL;
	struct aml_tiering_stats s;
	unsigned long long v0[NVM];

	for (int ph = 0; ph < PHASES; ph++)
		p->reached[ph] = -1;
	if (map_slow(c, &b) != 0 ||
	    (p->kind == PASS_AML && pass_tiering(c, p, &b, &t) != 0)) {
		printf("%s: could not be set up here: not run\n", p->name);
	} else {
		vmstat(v0);
		for (int e = 0; e < NEPOCHS; e++)
			pass_epoch(c, p, &b, t, e);
		vmstat(p->vm);
		for (int i = 0; i < NVM; i++)
			p->vm[i] -= v0[i];
		p->ran = 1;
		if (t != NULL && aml_tiering_get_stats(t, &s) == 0 && s.epochs)
			p->engine_ms = s.total_ns / 1e6 / s.epochs;
		if (t != NULL) {
			p->name = aml_tiering_method_name(s.method);
			p->busy = s.busy;
		}
	}
	aml_tiering_destroy(&t);
	if (b.words != NULL && b.words != MAP_FAILED)
		munmap(b.words, b.size);
}

/* pass_run() in a child process of its own, so that each pass starts
 * with the kernel's NUMA balancing state of a new process (whose scan
 * delay and period are set when it is forked: the kernel's settings
 * come first). */
static void pass_fork(const struct capture *c, struct pass *p)
{
	int fast_scan = p->kind == PASS_KERNEL_FAST;
	struct pass *shared;
	pid_t pid;
	int status;

	if (p->kind != PASS_AML && kernel_on(fast_scan) != 0) {
		printf("%s: the kernel's settings could not be changed: not "
		       "run\n",
		       p->name);
		kernel_off(fast_scan);
		return;
	}
	shared = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		exit(1);
	*shared = *p;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		pass_run(c, shared);
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		printf("%s: its process failed\n", p->name);
	*p = *shared;
	munmap(shared, sizeof(*p));
	if (p->kind != PASS_AML)
		kernel_off(fast_scan);
}

/* The kernel's memory tiers, printed: the nodes of the highest (the one
 * of smallest number) into `fast`, the others into `slow`. Returns the
 * number of tiers. */
static int kernel_tiers(struct aml_bitmap *fast, struct aml_bitmap *slow)
{
	glob_t g;
	int n = 0, best = -1;
	char list[256];

	aml_bitmap_zero(fast);
	aml_bitmap_zero(slow);
	if (glob("/sys/devices/virtual/memory_tiering/memory_tier*", 0, NULL,
		 &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int id = atoi(strrchr(g.gl_pathv[i], 'r') + 1);

		best = best < 0 || id < best ? id : best;
	}
	printf("the kernel's memory tiers:");
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char path[300];
		FILE *f;
		struct aml_bitmap b;
		int id = atoi(strrchr(g.gl_pathv[i], 'r') + 1);

		snprintf(path, sizeof(path), "%s/nodelist", g.gl_pathv[i]);
		f = fopen(path, "r");
		if (f == NULL || fgets(list, sizeof(list), f) == NULL)
			list[0] = '\0';
		if (f)
			fclose(f);
		list[strcspn(list, "\n")] = '\0';
		printf(" memory_tier%d nodes %s;", id, list);
		if (aml_bitmap_from_string(&b, list) == 0)
			for (unsigned int k = 0; k < AML_BITMAP_MAX; k++)
				if (aml_bitmap_isset(&b, k))
					aml_bitmap_set(id == best ? fast : slow,
						       k);
		n++;
	}
	printf("\n");
	globfree(&g);
	return n;
}

/* Pages of the kernel's promotion watermark on nodes of `fast`
 * (/proc/zoneinfo): the free memory it keeps on a node it promotes to. */
static size_t promo_pages(const struct aml_bitmap *fast)
{
	char line[256];
	int node = -1;
	size_t sum = 0, x;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d,", &node) == 1)
			continue;
		if (node >= 0 && aml_bitmap_isset(fast, (unsigned int)node) &&
		    sscanf(line, " promo %zu", &x) == 1)
			sum += x;
	}
	if (f)
		fclose(f);
	return sum;
}

static long long fast_free(const struct capture *c)
{
	long long free_b, total = 0;

	for (unsigned int n = 0; n < AML_BITMAP_MAX; n++)
		if (aml_bitmap_isset(&c->fast, n) &&
		    numa_node_size64((int)n, &free_b) >= 0)
			total += free_b;
	return total;
}

/* Locked memory on the fast nodes leaving about the capacity free (and
 * the promotion watermark): the kernel's tiering then has the room that
 * AML's is given. */
static void fill_fast(struct capture *c)
{
	long long keep = (long long)(c->cap + promo_pages(&c->fast) * psize);
	long long total = fast_free(c);

	if (total <= keep)
		return;
	c->filler_size = (size_t)(total - keep);
	c->filler = mmap(NULL, c->filler_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->filler == MAP_FAILED ||
	    mbind(c->filler, c->filler_size, MPOL_BIND, c->fast.mask,
		  AML_BITMAP_MAX + 1, 0) != 0 ||
	    madvise(c->filler, c->filler_size, MADV_DONTFORK) != 0 ||
	    mlock(c->filler, c->filler_size) != 0) {
		printf("(could not lock the fast nodes' memory: the kernel's "
		       "tiering has all of it)\n");
		if (c->filler != MAP_FAILED)
			munmap(c->filler, c->filler_size);
		c->filler = NULL;
		return;
	}
	/* The kernel took some for itself meanwhile: give that back. */
	for (int k = 0; k < 4 && (total = fast_free(c)) < keep; k++) {
		size_t back =
		    ((size_t)(keep - total) + psize - 1) / psize * psize;

		back = back < c->filler_size ? back : c->filler_size;
		c->filler_size -= back;
		munmap((char *)c->filler + c->filler_size, back);
	}
	printf("%.1f MiB of the fast nodes locked, %.1f MiB left free (the "
	       "promotion watermark: %.1f MiB)\n",
	       c->filler_size / 1048576.0, total / 1048576.0,
	       promo_pages(&c->fast) * psize / 1048576.0);
}

static int capture_setup(struct capture *c, int quick, int kernel)
{
	int nodes[BENCH_MAX_NODES], n = bench_nodes(nodes);

	memset(c, 0, sizeof(*c));
	if (n < 2)
		return -1;
	if (!kernel || kernel_tiers(&c->fast, &c->slow) < 2) {
		if (kernel)
			printf("the kernel has fewer than two memory tiers: "
			       "its tiering has nowhere to demote to\n");
		aml_bitmap_zero(&c->fast);
		aml_bitmap_zero(&c->slow);
		for (int i = 0; i < n; i++)
			aml_bitmap_set(i < (n + 1) / 2 ? &c->fast : &c->slow,
				       (unsigned int)nodes[i]);
	}
	c->cap = env_size("AML_BENCH_CAPACITY", quick ? 4 << 20 : 16 << 20);
	c->nhot = c->cap / 2 / psize;
	c->size = 4 * c->cap;
	if (kernel) {
		c->epoch_s = KERNEL_EPOCH_S;
		fill_fast(c);
	}
	return 0;
}

static void print_table(const struct capture *c, const struct pass *p, int np)
{
	char cap[24], size[24];

	printf("\nhot-set capture: fast %s, slow %s, capacity %s, buffer %s "
	       "(4x), hot set 1/2 capacity, moved twice; epochs of %.0f ms\n"
	       "per epoch: the share of the hot set on the fast tier, MiB "
	       "migrated\nepoch phase",
	       aml_bitmap_to_string(&c->fast), aml_bitmap_to_string(&c->slow),
	       bench_size_str(c->cap, cap), bench_size_str(c->size, size),
	       c->epoch_s * 1e3);
	for (int i = 0; i < np; i++)
		printf(" %14s", p[i].name);
	printf("\n");
	for (int e = 0; e < NEPOCHS; e++) {
		printf("%5d %5d", e + 1, e / EPOCHS);
		for (int i = 0; i < np; i++)
			if (p[i].ran)
				printf(" %6.1f%% %6.2f", 100 * p[i].capture[e],
				       p[i].moved_mib[e]);
			else
				printf(" %14s", "n/a");
		printf("\n");
	}
}

/* One line per column: its targets (judged for AML's engine with the
 * method it picks by itself only);
 * returns 1 if AML's missed one. */
static int print_summary(const struct capture *c, const struct pass *p)
{
	int ok = 1, aml = p->kind == PASS_AML && p->method == 0;
	size_t allowed = c->cap / psize, npages = c->size / psize;

	if (!p->ran)
		return 0;
	for (int ph = 0; ph < PHASES; ph++)
		ok &= p->reached[ph] > 0 && p->reached[ph] <= 10;
	printf("%s: epochs to 90%% capture after each move %d, %d, %d "
	       "(-1: never; target 10: %s); most pages on fast %zu, capacity "
	       "%zu (%s); most migrated per epoch once converged %.1f%% "
	       "(target 5%%: %s)",
	       p->name, p->reached[0], p->reached[1], p->reached[2],
	       aml ? bench_met(ok) : "not judged", p->max_fast, allowed,
	       aml ? bench_met(p->max_fast <= allowed) : "not judged",
	       100.0 * p->worst_churn / npages,
	       aml ? bench_met(p->worst_churn * 20 <= npages) : "not judged");
	if (p->kind == PASS_AML)
		printf("; engine %.2f ms per epoch; %zu page moves refused",
		       p->engine_ms, p->busy);
	else
		for (int i = 0; i < NVM; i++)
			printf("%s %s +%llu", i ? "," : ";", vm_names[i],
			       p->vm[i]);
	printf("\n");
	return aml &&
	       (!ok || p->max_fast > allowed || p->worst_churn * 20 > npages);
}

/* Part 2: returns 1 if AML's engine missed a target. `kernel`: 0 AML's
 * engine alone, 1 beside the kernel's tiering, 2 with DAMON's column too. */
static int capture_run(int quick, int kernel)
{
	struct pass p[] = {
	    {.name = "aml", .kind = PASS_AML},
	    {.name = "kernel", .kind = PASS_KERNEL},
	    {.name = "kernel 100ms", .kind = PASS_KERNEL_FAST},
	    {.name = "damon",
	     .kind = PASS_AML,
	     .method = AML_TIERING_METHOD_DAMON},
	};
	int np = kernel == 2 ? 4 : kernel ? 3 : 1, failed = 0;
	struct capture c;

	if (capture_setup(&c, quick, kernel) != 0) {
		printf("\nhot-set capture: needs two nodes: not run\n");
		return 0;
	}
	for (int i = 0; i < np; i++)
		pass_fork(&c, &p[i]);
	print_table(&c, p, np);
	for (int i = 0; i < np; i++)
		failed |= print_summary(&c, &p[i]);
	if (c.filler != NULL)
		munmap(c.filler, c.filler_size);
	return failed;
}

int main(int argc, char **argv)
{
	const char *mode = getenv("AML_BENCH_TIERING");
	int kernel = !mode			     ? 0
		     : !strcmp(mode, "kernel")	     ? 1
		     : !strcmp(mode, "kernel+damon") ? 2
						     : 0;
	struct bench_results res;

	memset(&res, 0, sizeof(res));
	if (kernel || (mode && !strcmp(mode, "capture"))) {
		bench_parse(argc, argv, spec.help, spec.reps, spec.quick_reps,
			    &res.opts);
		psize = (size_t)sysconf(_SC_PAGESIZE);
		bench_print_machine(stdout, "tiering: hot-set capture");
	} else {
		bench_run(&spec, argc, argv, &res);
		print_engine(&res);
	}
	return capture_run(res.opts.quick, kernel) | bench_status(&res);
}
