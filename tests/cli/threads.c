/*
 * 8 threads allocate, fill, grow across the threshold (realloc both ways),
 * check and free, under the preload library; objects are freed by another
 * thread than their allocator half of the time.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "preloaded.h"

#define NTHREADS 8
#define ROUNDS 2000
#define SLOTS 64

static void *shared[NTHREADS][SLOTS];
static size_t shared_size[NTHREADS][SLOTS];
static pthread_barrier_t barrier;

static size_t pick_size(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	/* Mostly small, a few over the 64 KiB threshold, up to 1 MiB. */
	return (*s >> 40) % 8 == 0 ? 32768 + (*s >> 20) % (1 << 20)
				   : 16 + (*s >> 30) % 4096;
}

static void fill(unsigned char *p, size_t n, unsigned char v)
{
	memset(p, v, n);
}

static void check_fill(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i += 61)
		CHECK(p[i] == v);
	CHECK(n == 0 || p[n - 1] == v);
}

static void *work(void *arg)
{
	int id = (int)(intptr_t)arg;
	uint64_t s = (uint64_t)id + 1;
	void *mine[SLOTS] = {0};
	size_t size[SLOTS] = {0};

	for (int r = 0; r < ROUNDS; r++) {
		int k = r % SLOTS;
		size_t n = pick_size(&s);

		if (mine[k] != NULL) {
			check_fill(mine[k], size[k], (unsigned char)k);
			/* Grow or shrink, maybe across the threshold. */
			mine[k] = realloc(mine[k], n);
			CHECK(mine[k] != NULL);
			check_fill(mine[k], n < size[k] ? n : size[k],
				   (unsigned char)k);
			if (r % 3 == 0) {
				free(mine[k]);
				mine[k] = malloc(n);
				CHECK(mine[k] != NULL);
			}
		} else {
			mine[k] = r % 2 ? calloc(1, n) : malloc(n);
			CHECK(mine[k] != NULL);
		}
		fill(mine[k], n, (unsigned char)k);
		size[k] = n;
	}
	/* Hand the objects over: the next thread frees them. */
	for (int k = 0; k < SLOTS; k++) {
		shared[id][k] = mine[k];
		shared_size[id][k] = size[k];
	}
	pthread_barrier_wait(&barrier);
	for (int k = 0; k < SLOTS; k++) {
		int from = (id + 1) % NTHREADS;

		check_fill(shared[from][k], shared_size[from][k],
			   (unsigned char)k);
		free(shared[from][k]);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[NTHREADS];

	(void)argc;
	preload_self(argv);
	pthread_barrier_init(&barrier, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, work, (void *)(intptr_t)i) ==
		      0);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	printf("%d threads x %d rounds: ok (preloaded: %d)\n", NTHREADS, ROUNDS,
	       preloaded());
	return 0;
}
