/* Many requests in flight on one Linux engine from 4 threads: each thread
 * submits a batch, another thread waits on (or cancels) it, every waited
 * copy is checked; synchronous copies and memsets run meanwhile. Meant for
 * the sanitizer lanes (ASan/UBSan, TSan) too. */
#include <aml.h>
#include <aml/dma/linux.h>

#include "check.h"

#define NTHREADS 4
#define NREQ 48
#define ROUNDS 3
#define MAXSIZE ((size_t)256 << 10)

static struct aml_dma *dma;
static pthread_barrier_t barrier;
static struct aml_dma_request *reqs[NTHREADS][NREQ];
static unsigned char *src[NTHREADS], *dst[NTHREADS];
static size_t sizes[NTHREADS][NREQ];
static int cancelled[NTHREADS][NREQ];

static size_t req_size(int t, int i, int round)
{
	return 1 +
	       (size_t)((t * 7919 + i * 104729 + round * 31) % (int)MAXSIZE);
}

static void submit(int t, int round)
{
	for (int i = 0; i < NREQ; i++) {
		unsigned char *s = src[t] + (size_t)i * MAXSIZE;
		unsigned char *d = dst[t] + (size_t)i * MAXSIZE;

		sizes[t][i] = req_size(t, i, round);
		for (size_t k = 0; k < sizes[t][i]; k += 97)
			s[k] = (unsigned char)(k + i + round);
		s[sizes[t][i] - 1] = (unsigned char)(i ^ round);
		CHECK_EQ(
		    aml_dma_async_copy(dma, &reqs[t][i], d, s, sizes[t][i]),
		    AML_SUCCESS);
	}
}

/* Wait on (or cancel) the batch of thread `o`. */
static void finish(int o)
{
	for (int i = NREQ - 1; i >= 0; i--) {
		cancelled[o][i] = i % 7 == 3;
		if (cancelled[o][i])
			CHECK_EQ(aml_dma_cancel(dma, &reqs[o][i]), AML_SUCCESS);
		else
			CHECK_EQ(aml_dma_wait(dma, &reqs[o][i]), AML_SUCCESS);
		CHECK(reqs[o][i] == NULL);
	}
}

static void check_batch(int t)
{
	for (int i = 0; i < NREQ; i++)
		if (!cancelled[t][i])
			CHECK(memcmp(dst[t] + (size_t)i * MAXSIZE,
				     src[t] + (size_t)i * MAXSIZE,
				     sizes[t][i]) == 0);
}

/* Synchronous work of thread t on a buffer of its own. */
static void sync_work(unsigned char *a, unsigned char *b, size_t n, int t)
{
	memset(a, t, n);
	CHECK_EQ(aml_dma_copy(dma, b, a, n), AML_SUCCESS);
	CHECK(memcmp(a, b, n) == 0);
	CHECK_EQ(aml_dma_memset(dma, b, 0xff - t, n), AML_SUCCESS);
	CHECK_EQ(b[n - 1], 0xff - t);
}

static void *thread_main(void *arg)
{
	const int t = (int)(intptr_t)arg;
	const size_t n = (size_t)1 << 20;
	unsigned char *a = malloc(n), *b = malloc(n);

	CHECK(a && b);
	for (int round = 0; round < ROUNDS; round++) {
		submit(t, round);
		sync_work(a, b, n, t);
		pthread_barrier_wait(&barrier);
		finish((t + 1) % NTHREADS);
		pthread_barrier_wait(&barrier);
		check_batch(t);
		pthread_barrier_wait(&barrier);
	}
	free(a);
	free(b);
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];

	CHECK_EQ(aml_dma_linux_create(&dma, 3), AML_SUCCESS);
	CHECK_EQ(aml_dma_linux_set_threshold(dma, 64 << 10), AML_SUCCESS);
	CHECK(pthread_barrier_init(&barrier, NULL, NTHREADS) == 0);
	for (int t = 0; t < NTHREADS; t++) {
		src[t] = calloc(NREQ, MAXSIZE);
		dst[t] = calloc(NREQ, MAXSIZE);
		CHECK(src[t] && dst[t]);
	}
	for (int t = 0; t < NTHREADS; t++)
		CHECK(pthread_create(&th[t], NULL, thread_main,
				     (void *)(intptr_t)t) == 0);
	for (int t = 0; t < NTHREADS; t++)
		CHECK(pthread_join(th[t], NULL) == 0);
	/* Leave a batch in flight: destroy finishes it. */
	submit(0, ROUNDS);
	aml_dma_linux_destroy(&dma);
	for (int i = 0; i < NREQ; i++)
		CHECK(memcmp(dst[0] + (size_t)i * MAXSIZE,
			     src[0] + (size_t)i * MAXSIZE, sizes[0][i]) == 0);
	for (int t = 0; t < NTHREADS; t++) {
		free(src[t]);
		free(dst[t]);
	}
	pthread_barrier_destroy(&barrier);
	printf("%d threads x %d rounds x %d requests in flight: right\n",
	       NTHREADS, ROUNDS, NREQ);
	return 0;
}
