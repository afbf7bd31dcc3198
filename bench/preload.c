/*
 * What the preload library costs, and how fast `aml show` answers.
 *
 * 1. Small allocations, which stay with the system allocator: the same
 *    workload runs in child processes with glibc alone, with
 *    libaml-preload.so (threshold 1 MiB) and with libaml-preload.so
 *    AML_PRELOAD_ALL=1 (every allocation on an AML heap), in rotating
 *    order in each repetition; ratios are medians over repetitions of
 *    (time / glibc's time in the same repetition). Target: <= 1.2x.
 * 2. `aml show PID` of a process with 10,000 mappings, and of one with a
 *    64 GiB sparse mapping (one page touched every 16 MiB). Target: < 1 s.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define OPS 4000000
#define RING 64

/* Small sizes, as programs ask for them. */
static const size_t small_sizes[] = {16,  24,  32,  48,	 64,
				     100, 128, 256, 512, 1000};

/* malloc + free through a ring of live objects; returns seconds. */
static double work_malloc(void)
{
	void *ring[RING] = {0};
	double t = bench_now();

	for (long i = 0; i < OPS; i++) {
		size_t k = (size_t)i % RING;

		free(ring[k]);
		ring[k] = malloc(small_sizes[(size_t)i % 10]);
		((volatile char *)ring[k])[0] = (char)i;
	}
	for (size_t k = 0; k < RING; k++)
		free(ring[k]);
	return bench_now() - t;
}

/* calloc, realloc growing to 4 KiB, free; returns seconds. */
static double work_realloc(void)
{
	double t = bench_now();

	for (long i = 0; i < OPS / 8; i++) {
		char *p = calloc(1, 16);

		for (size_t n = 32; n <= 4096; n *= 2)
			p = realloc(p, n);
		p[4095] = 1;
		free(p);
	}
	return bench_now() - t;
}

static int worker(const char *what)
{
	if (!strcmp(what, "malloc"))
		printf("%.9f\n", work_malloc());
	else if (!strcmp(what, "realloc"))
		printf("%.9f\n", work_realloc());
	else
		return 2;
	return 0;
}

/* Run this program as a worker in `env` (NULL: glibc alone); seconds. */
static double run_worker(const char *self, const char *what,
			 const char *preload, int all)
{
	char line[64] = "";
	int fd[2];
	pid_t pid;
	FILE *f;

	fflush(stdout);
	if (pipe(fd) != 0 || (pid = fork()) < 0)
		exit(1);
	if (pid == 0) {
		dup2(fd[1], 1);
		setenv("BENCH_PRELOAD_WORKER", what, 1);
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		if (all)
			setenv("AML_PRELOAD_ALL", "1", 1);
		execl(self, self, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	waitpid(pid, NULL, 0);
	return atof(line);
}

static void bench_small(const char *self, const char *preload, int reps)
{
	static const char *const what[] = {"malloc", "realloc"};
	static const char *const names[] = {"glibc", "preload", "preload+all"};

	printf("\nsmall allocations (stay with glibc), %d repetitions\n", reps);
	printf("%-10s %12s %12s %14s\n", "workload", "glibc ns/op", "preload",
	       "preload --all");
	for (int w = 0; w < 2; w++) {
		double *ratio[3], base = 0, t[3];

		for (int c = 0; c < 3; c++)
			ratio[c] = calloc((size_t)reps, sizeof(double));
		for (int r = 0; r < reps; r++) {
			for (int i = 0; i < 3; i++) {
				int c = (r + i) % 3;

				t[c] = run_worker(self, what[w],
						  c ? preload : NULL, c == 2);
			}
			for (int c = 0; c < 3; c++)
				ratio[c][r] = t[c] / t[0];
			ratio[0][r] = t[0];
		}
		base = bench_median(ratio[0], (size_t)reps);
		printf("%-10s %12.1f %11.3fx %13.3fx\n", what[w],
		       base * 1e9 / (w ? OPS / 8 : OPS),
		       bench_median(ratio[1], (size_t)reps),
		       bench_median(ratio[2], (size_t)reps));
		for (int c = 0; c < 3; c++)
			free(ratio[c]);
	}
	(void)names;
	printf("target: preload <= 1.2x glibc on small allocations\n");
}

/* A child holding 10,000 mappings (kind 0) or a sparse 64 GiB one. */
static pid_t hold(int kind, int *release)
{
	int in[2], out[2];
	char c;
	pid_t pid;

	fflush(stdout);
	if (pipe(in) != 0 || pipe(out) != 0 || (pid = fork()) < 0)
		exit(1);
	if (pid == 0) {
		close(in[1]);
		close(out[0]);
		if (kind == 0) {
			for (int i = 0; i < 10000; i++) {
				int prot =
				    i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
				char *p =
				    mmap(NULL, 16384, prot,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				if (p == MAP_FAILED)
					_exit(1);
				if (prot & PROT_WRITE)
					p[0] = 1;
			}
		} else {
			size_t size = (size_t)64 << 30;
			char *p = mmap(
			    NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

			if (p == MAP_FAILED)
				_exit(1);
			for (size_t o = 0; o < size; o += 16 << 20)
				p[o] = 1;
		}
		if (write(out[1], "r", 1) != 1 || read(in[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(in[0]);
	close(out[1]);
	if (read(out[0], &c, 1) != 1) {
		fprintf(stderr, "the mapping holder failed\n");
		exit(1);
	}
	close(out[0]);
	*release = in[1];
	return pid;
}

static double time_show(const char *aml, pid_t target)
{
	char spid[16];
	double t;
	int status;
	pid_t pid;

	fflush(stdout);
	t = bench_now();
	pid = fork();

	snprintf(spid, sizeof(spid), "%d", (int)target);
	if (pid < 0)
		exit(1);
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execl(aml, aml, "show", spid, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s show %s failed\n", aml, spid);
		exit(1);
	}
	return bench_now() - t;
}

static void bench_show(const char *aml, int reps)
{
	static const char *const what[] = {"10,000 mappings",
					   "64 GiB sparse mapping"};
	double *t = calloc((size_t)reps, sizeof(double));

	printf("\naml show PID, %d repetitions\n", reps);
	for (int k = 0; k < 2; k++) {
		int release;
		pid_t pid = hold(k, &release);

		for (int r = 0; r < reps; r++)
			t[r] = time_show(aml, pid);
		printf("%-24s median %.3f s\n", what[k],
		       bench_median(t, (size_t)reps));
		close(release);
		waitpid(pid, NULL, 0);
	}
	free(t);
	printf("target: under 1 s\n");
}

int main(int argc, char **argv)
{
	const char *what = getenv("BENCH_PRELOAD_WORKER");
	const char *preload = getenv("AML_PRELOAD_LIBRARY");
	const char *aml = getenv("AML_CLI");
	struct bench_opts o;
	char self[4096];
	ssize_t n;

	if (what != NULL)
		return worker(what);
	bench_parse(argc, argv,
		    "Cost of libaml-preload.so on small allocations; "
		    "time of `aml show`.",
		    15, 3, &o);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	bench_print_machine(stdout, "bench_preload");
	bench_small(self, preload ? preload : AML_PRELOAD_PATH, o.reps);
	bench_show(aml ? aml : AML_CLI_PATH, o.reps);
	return 0;
}
