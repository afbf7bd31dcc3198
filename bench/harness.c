/* bench_run(): calibration, side-by-side samples, medians and the table
 * shared by every benchmark program (see bench.h). */
#include "bench.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Calibration stops doubling a sample once it lasts this share of the
 * aimed sample duration. */
#define BENCH_CALIBRATE_SHARE 0.25

static int bench_present(const struct bench_method *m)
{
	return m->run != NULL;
}

/* Raw seconds per operation of one sample of `iters` operations (what
 * after() does is not timed); `*verdict` receives the worst verdict. */
static double bench_sample(const struct bench_method *m, void *data,
			   size_t size, long iters, int *verdict)
{
	const double t0 = bench_now();
	double t;
	int v = 1;

	for (long i = 0; i < iters; i++) {
		const int r = m->run(m->arg, data, size, i);

		if (r < v)
			v = r;
	}
	t = (bench_now() - t0) / (double)iters;
	if (m->after != NULL) {
		const int r = m->after(m->arg, data, size, iters);

		if (r < v)
			v = r;
	}
	*verdict = v;
	return t;
}

/* Raw seconds per operation of `m`: samples double in length until one
 * lasts long enough to time (or reaches `max` operations), which also
 * warms the method up; then the median of three at that length. */
static double bench_time_one(const struct bench_method *m, void *data,
			     size_t size, double target, long max)
{
	double t[3];
	long n = 1;
	int v;

	while (n <= max / 2 && bench_sample(m, data, size, n, &v) * (double)n <
				   target * BENCH_CALIBRATE_SHARE)
		n *= 2;
	for (int k = 0; k < 3; k++)
		t[k] = bench_sample(m, data, size, n, &v);
	return bench_median(t, 3);
}

/* Operations per sample so that the slowest calibrated method takes about
 * `target` seconds, within [1, max]. */
static long bench_calibrate(const struct bench_spec *spec, void *data,
			    size_t size, double target, long max)
{
	const size_t n = spec->calibrate_reference ? 1 : spec->nmethods;
	double slowest = 0;
	int v;

	/* Warm up the methods not calibrated (first faults, caches, lazy
	 * binding); the others warm up while calibrating. */
	for (size_t m = n; m < spec->nmethods; m++)
		if (bench_present(&spec->methods[m]))
			bench_sample(&spec->methods[m], data, size, 1, &v);
	for (size_t m = 0; m < n; m++) {
		double t;

		if (!bench_present(&spec->methods[m]))
			continue;
		t = bench_time_one(&spec->methods[m], data, size, target, max);
		if (t > slowest)
			slowest = t;
	}
	if (slowest <= 0 || target / slowest >= (double)max)
		return max;
	if (target / slowest < 1)
		return 1;
	return (long)(target / slowest);
}

/* Samples of every method at one size, side by side: `times[m][r]` is
 * method m's time per operation in repetition r. */
static void bench_repeat(const struct bench_spec *spec,
			 struct bench_results *res, size_t s, void *data,
			 double **times)
{
	const size_t nm = spec->nmethods;
	const size_t size = res->sizes[s];

	for (size_t m = 0; m < nm; m++)
		res->verdict[m][s] = 1;
	for (int r = 0; r < res->opts.reps; r++) {
		/* Rotate the order so that no method always runs first. */
		for (size_t k = 0; k < nm; k++) {
			const size_t m = (k + (size_t)r) % nm;
			const struct bench_method *mt = &spec->methods[m];
			int v;

			if (!bench_present(mt))
				continue;
			times[m][r] =
			    bench_sample(mt, data, size, res->iters[s], &v);
			if (mt->share != NULL)
				times[m][r] /= mt->share(size);
			if (v < res->verdict[m][s])
				res->verdict[m][s] = v;
		}
	}
}

/* Medians of the samples of size `s` into `res`. */
static void bench_reduce(const struct bench_spec *spec,
			 struct bench_results *res, size_t s, double **times,
			 double *scratch)
{
	const size_t reps = (size_t)res->opts.reps;

	for (size_t m = 0; m < spec->nmethods; m++) {
		res->ratio[m][s] = -1;
		if (!bench_present(&spec->methods[m]))
			continue;
		for (size_t r = 0; r < reps; r++)
			scratch[r] = times[m][r] / times[0][r];
		res->ratio[m][s] = bench_median(scratch, reps);
		if (res->verdict[m][s] != 1 && !spec->methods[m].wrong_expected)
			res->failed = 1;
	}
	res->ref_s[s] = bench_median(times[0], reps);
}

static int bench_width(const struct bench_method *m)
{
	const int len = (int)strlen(m->name);

	return len < 9 ? 9 : len;
}

static void bench_print_header(const struct bench_spec *spec,
			       const struct bench_results *res)
{
	char ref[64];

	bench_print_machine(stdout, spec->title);
	if (spec->legend != NULL)
		fputs(spec->legend, stdout);
	printf("# time: median per operation (%s) of %s, in us; ratios: "
	       "median over %d repetitions\n#   of time / %s time in the "
	       "same repetition (below 1: faster); verdicts in column "
	       "order\n",
	       spec->unit, spec->methods[0].name, res->opts.reps,
	       spec->methods[0].name);
	snprintf(ref, sizeof(ref), "%s us", spec->methods[0].name);
	printf("%6s %8s %12s", "size", "iters", ref);
	for (size_t m = 1; m < spec->nmethods; m++)
		printf(" %*s", bench_width(&spec->methods[m]),
		       spec->methods[m].name);
	printf("  verdicts\n");
}

static void bench_print_line(const struct bench_spec *spec,
			     const struct bench_results *res, size_t s)
{
	char buf[24];

	printf("%6s %8ld %12.3f", bench_size_str(res->sizes[s], buf),
	       res->iters[s], res->ref_s[s] * 1e6);
	for (size_t m = 1; m < spec->nmethods; m++) {
		const int w = bench_width(&spec->methods[m]);

		if (res->ratio[m][s] < 0)
			printf(" %*s", w, "n/a");
		else
			printf(" %*.3fx", w - 1, res->ratio[m][s]);
	}
	printf(" ");
	for (size_t m = 0; m < spec->nmethods; m++)
		if (bench_present(&spec->methods[m]))
			printf(" %s", bench_verdict(res->verdict[m][s]));
	printf("\n");
	fflush(stdout);
}

static void bench_print_summary(const struct bench_spec *spec,
				const struct bench_results *res)
{
	printf("summary: median ratio over sizes vs %s:",
	       spec->methods[0].name);
	for (size_t m = 1; m < spec->nmethods; m++) {
		double v[BENCH_MAX_SIZES];

		if (res->nsizes == 0 || res->ratio[m][0] < 0) {
			printf(" %s n/a", spec->methods[m].name);
			continue;
		}
		memcpy(v, res->ratio[m], res->nsizes * sizeof(*v));
		printf(" %s %.3fx", spec->methods[m].name,
		       bench_median(v, res->nsizes));
	}
	printf("\n");
}

/* Calibrate, sample and print the size res->sizes[s]. */
static void bench_size(const struct bench_spec *spec, struct bench_results *res,
		       size_t s, double **times, double *scratch)
{
	const size_t size = res->sizes[s];
	const double target =
	    res->opts.quick ? spec->quick_sample_s : spec->sample_s;
	long max = LONG_MAX;
	void *data = spec->prepare != NULL ? spec->prepare(size) : NULL;

	if (spec->max_bytes != 0)
		max =
		    spec->max_bytes > size ? (long)(spec->max_bytes / size) : 1;
	res->iters[s] = bench_calibrate(spec, data, size, target, max);
	bench_repeat(spec, res, s, data, times);
	bench_reduce(spec, res, s, times, scratch);
	if (spec->release != NULL)
		spec->release(data, size);
	bench_print_line(spec, res, s);
}

static double *bench_calloc(size_t n)
{
	double *v = calloc(n, sizeof(double));

	if (v == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	return v;
}

/* The sizes of `spec` up to --max, into `res`. */
static void bench_pick_sizes(const struct bench_spec *spec,
			     struct bench_results *res)
{
	const size_t *sizes = spec->sizes != NULL ? spec->sizes : bench_sizes;
	const size_t n = spec->sizes != NULL ? spec->nsizes : bench_nsizes;

	res->nsizes = 0;
	for (size_t s = 0; s < n && res->nsizes < BENCH_MAX_SIZES; s++)
		if (sizes[s] <= res->opts.max)
			res->sizes[res->nsizes++] = sizes[s];
}

void bench_run(const struct bench_spec *spec, int argc, char **argv,
	       struct bench_results *res)
{
	double *times[BENCH_MAX_METHODS] = {NULL};
	double *scratch;
	size_t reps;

	memset(res, 0, sizeof(*res));
	bench_parse(argc, argv, spec->help, spec->reps, spec->quick_reps,
		    &res->opts);
	if (spec->nmethods < 1 || spec->nmethods > BENCH_MAX_METHODS ||
	    !bench_present(&spec->methods[0])) {
		fprintf(stderr, "%s: bad method table\n", spec->name);
		exit(2);
	}
	reps = (size_t)res->opts.reps;
	scratch = bench_calloc(reps);
	for (size_t m = 0; m < spec->nmethods; m++)
		times[m] = bench_calloc(reps);
	if (spec->setup != NULL)
		spec->setup();
	bench_pick_sizes(spec, res);
	bench_print_header(spec, res);
	for (size_t s = 0; s < res->nsizes; s++)
		bench_size(spec, res, s, times, scratch);
	bench_print_summary(spec, res);
	if (spec->teardown != NULL)
		spec->teardown();
	for (size_t m = 0; m < spec->nmethods; m++)
		free(times[m]);
	free(scratch);
}

long bench_last(const struct bench_results *res)
{
	return (long)res->nsizes - 1;
}

const char *bench_met(int cond)
{
	return cond ? "met" : "MISSED";
}

int bench_status(const struct bench_results *res)
{
	if (!res->failed)
		return 0;
	printf("error: a method that must be right gave a verdict other "
	       "than ok\n");
	return 1;
}
