#include <stdatomic.h>

#include "area/linux-internal.h"
#include "internal.h"

/* Most threads the touching fallback starts. */
#define POPULATE_MAX_THREADS 64
/* Fewest pages worth a thread of their own. */
#define POPULATE_PAGES_PER_THREAD 512

/* How pages are populated, decided once per process. */
static pthread_once_t populate_once = PTHREAD_ONCE_INIT;
static int populate_madvise; /* MADV_POPULATE_* work */
static unsigned int populate_ncpus;

/*
 * Probe MADV_POPULATE_WRITE on a scratch page: EINVAL means a kernel older
 * than 5.14. AML_LINUX_POPULATE=touch in the environment forces the
 * fallback, to test it on any kernel.
 */
static void populate_probe(void)
{
	const size_t psize = aml_linux_page_size();
	const char *env = getenv("AML_LINUX_POPULATE");
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	void *p;

	populate_ncpus = ncpus < 1 ? 1 : (unsigned int)ncpus;
	if (populate_ncpus > POPULATE_MAX_THREADS)
		populate_ncpus = POPULATE_MAX_THREADS;
	if (env != NULL && strcmp(env, "touch") == 0)
		return;
	p = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	populate_madvise = madvise(p, psize, MADV_POPULATE_WRITE) == 0 ||
			   errno != EINVAL;
	munmap(p, psize);
}

struct touch_job {
	char *start;
	size_t npages;
	size_t psize;
	int writable;
	pthread_t thread;
	int started;
};

static void *touch_pages(void *arg)
{
	struct touch_job *j = arg;

	for (size_t i = 0; i < j->npages; i++) {
		char *p = j->start + i * j->psize;

		/* An atomic add of 0 faults the page in for writing without
		 * changing it, even if another thread writes it too. */
		if (j->writable)
			__atomic_fetch_add(p, 0, __ATOMIC_RELAXED);
		else
			(void)*(volatile char *)p;
	}
	return NULL;
}

static int populate_touch(char *start, size_t npages, int writable,
			  unsigned int nthreads)
{
	const size_t psize = aml_linux_page_size();
	struct touch_job jobs[POPULATE_MAX_THREADS];
	size_t per, first = 0;

	if (nthreads == 0)
		nthreads = populate_ncpus;
	if (nthreads > POPULATE_MAX_THREADS)
		nthreads = POPULATE_MAX_THREADS;
	if (nthreads > npages / POPULATE_PAGES_PER_THREAD)
		nthreads = (unsigned int)(npages / POPULATE_PAGES_PER_THREAD);
	if (nthreads == 0)
		nthreads = 1;
	per = (npages + nthreads - 1) / nthreads;
	for (unsigned int t = 0; t < nthreads; t++, first += per) {
		struct touch_job *j = &jobs[t];

		j->start = start + first * psize;
		j->npages = first >= npages	    ? 0
			    : npages - first < per ? npages - first
						    : per;
		j->psize = psize;
		j->writable = writable;
		/* The caller does slice 0, and any no thread could start. */
		j->started = t > 0 && pthread_create(&j->thread, NULL,
						     touch_pages, j) == 0;
	}
	for (unsigned int t = 0; t < nthreads; t++)
		if (!jobs[t].started)
			touch_pages(&jobs[t]);
	for (unsigned int t = 0; t < nthreads; t++)
		if (jobs[t].started)
			pthread_join(jobs[t].thread, NULL);
	return AML_SUCCESS;
}

int aml_linux_populate(void *ptr, size_t size, int writable,
		       unsigned int nthreads)
{
	const size_t psize = aml_linux_page_size();
	char *start;
	size_t npages;

	if (ptr == NULL || size == 0)
		return -AML_EINVAL;
	pthread_once(&populate_once, populate_probe);
	start = (char *)((uintptr_t)ptr & ~(uintptr_t)(psize - 1));
	npages = aml_linux_npages(ptr, size);
	if (!populate_madvise)
		return populate_touch(start, npages, writable, nthreads);
	if (madvise(start, npages * psize,
		    writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0)
		return AML_SUCCESS;
	/* ENOMEM also says "not mapped": keep errno for the caller. */
	if (errno == ENOMEM)
		return -AML_ENOMEM;
	if (errno == EINVAL)
		return -AML_EINVAL;
	return -AML_FAILURE;
}
