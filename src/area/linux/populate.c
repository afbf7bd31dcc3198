#include <sched.h>
#include <stdatomic.h>

#include "aml/area/linux.h"

#include "area/linux/populate.h"
#include "area/linux/sys.h"

/* Most threads population starts. */
#define POPULATE_MAX_THREADS 64
/* Largest piece: small enough that a slow thread holds up little. */
#define POPULATE_MAX_PIECE ((size_t)32 << 20)
/*
 * Automatic thread counts give each thread at least this much, and ranges
 * below twice it stay with the calling thread. Measured on x86-64 (Linux
 * 6.18, 2 CPUs, interleaved anonymous memory): up to 8 MiB, two threads
 * took 1.0-1.7x the time of one (starting a thread and waking a CPU cost
 * as much as they save, and such ranges are zeroed in cache at about
 * 4 GiB/s); from 12-16 MiB on, 0.6-0.8x when the second CPU was free.
 */
#define POPULATE_MIN_PER_THREAD ((size_t)8 << 20)

/* How pages are populated, decided once per process. */
static pthread_once_t populate_once = PTHREAD_ONCE_INIT;
static int populate_madvise; /* MADV_POPULATE_* work */

/*
 * Probe MADV_POPULATE_WRITE on a scratch page: EINVAL means a kernel older
 * than 5.14. AML_LINUX_POPULATE=touch in the environment forces the
 * fallback, to test it on any kernel.
 */
static void populate_probe(void)
{
	const size_t psize = aml__linux_page_size();
	const char *env = getenv("AML_LINUX_POPULATE");
	void *p;

	if (env != NULL && strcmp(env, "touch") == 0)
		return;
	p = mmap(NULL, psize, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	populate_madvise =
	    madvise(p, psize, MADV_POPULATE_WRITE) == 0 || errno != EINVAL;
	munmap(p, psize);
}

/*
 * One population, shared by its threads: each takes the next piece until
 * none is left or one failed. The calling thread works too, so that the
 * work gets done even if no thread could start.
 */
struct populate_job {
	char *start; /* page aligned */
	char *end;
	char *base; /* piece i is [base + i * piece, + piece) within range */
	size_t piece;
	size_t npieces;
	int writable;
	atomic_size_t next;
	/* The first failure: its AML code and errno, set once. */
	atomic_int err;
	int err_errno;
};

/* Fault pages in by touching them (kernels before 5.14). */
static void populate_touch(char *start, char *end, int writable)
{
	const size_t psize = aml__linux_page_size();

	for (char *p = start; p < end; p += psize) {
		/* An atomic add of 0 faults the page in for writing without
		 * changing it, even if another thread writes it too. */
		if (writable)
			__atomic_fetch_add(p, 0, __ATOMIC_RELAXED);
		else
			(void)*(volatile char *)p;
	}
}

static int populate_madvise_range(char *start, char *end, int writable)
{
	if (madvise(start, (size_t)(end - start),
		    writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0)
		return AML_SUCCESS;
	/* ENOMEM also says "not mapped": keep errno for the caller. */
	if (errno == ENOMEM)
		return -AML_ENOMEM;
	if (errno == EINVAL)
		return -AML_EINVAL;
	return -AML_FAILURE;
}

static void populate_fail(struct populate_job *j, int err)
{
	int none = AML_SUCCESS;

	/* Only the first failure writes errno; join orders it for the
	 * caller. */
	if (atomic_compare_exchange_strong(&j->err, &none, err))
		j->err_errno = errno;
}

static void *populate_worker(void *arg)
{
	struct populate_job *j = arg;

	while (atomic_load(&j->err) == AML_SUCCESS) {
		const size_t i = atomic_fetch_add(&j->next, 1);
		char *s, *e;
		int err;

		if (i >= j->npieces)
			break;
		s = j->base + i * j->piece;
		e = s + j->piece;
		if (s < j->start)
			s = j->start;
		if (e > j->end || e < s)
			e = j->end;
		if (!populate_madvise) {
			populate_touch(s, e, j->writable);
			continue;
		}
		err = populate_madvise_range(s, e, j->writable);
		if (err != AML_SUCCESS)
			populate_fail(j, err);
	}
	return NULL;
}

/* The CPUs the calling thread may run on, at least 1. */
static unsigned int populate_ncpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return (unsigned int)CPU_COUNT(&set);
	/* More CPUs than cpu_set_t holds. */
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : (unsigned int)n;
}

/* Threads for `len` bytes: `nthreads`, or 0 for automatic; at most one per
 * piece. */
static unsigned int populate_nthreads(size_t len, unsigned int nthreads)
{
	const size_t pieces = len / aml__linux_pmd_size() + 1;

	if (nthreads == 0) {
		if (len < 2 * POPULATE_MIN_PER_THREAD)
			return 1;
		nthreads = populate_ncpus();
		if (nthreads > len / POPULATE_MIN_PER_THREAD)
			nthreads =
			    (unsigned int)(len / POPULATE_MIN_PER_THREAD);
	}
	if (nthreads > POPULATE_MAX_THREADS)
		nthreads = POPULATE_MAX_THREADS;
	if (nthreads > pieces)
		nthreads = (unsigned int)pieces;
	return nthreads;
}

/* Cut the range into pieces: a few per thread, for balance. */
static void populate_split(struct populate_job *j, unsigned int nthreads)
{
	const size_t len = (size_t)(j->end - j->start);
	/* Pieces aligned to the PMD size: no transparent huge page is
	 * faulted by two threads. */
	const size_t align = aml__linux_pmd_size();
	size_t piece;

	if (nthreads == 1) {
		j->base = j->start;
		j->piece = len;
		j->npieces = 1;
		return;
	}
	piece = len / ((size_t)nthreads * 4);
	if (piece > POPULATE_MAX_PIECE)
		piece = POPULATE_MAX_PIECE;
	piece = (piece + align - 1) & ~(align - 1);
	if (piece == 0)
		piece = align;
	j->base = (char *)((uintptr_t)j->start & ~(uintptr_t)(align - 1));
	j->piece = piece;
	j->npieces = ((size_t)(j->end - j->base) + piece - 1) / piece;
}

int aml__linux_populate_run(void *ptr, size_t size, int writable,
			    unsigned int nthreads)
{
	const size_t psize = aml__linux_page_size();
	pthread_t threads[POPULATE_MAX_THREADS];
	unsigned int started = 0;
	struct populate_job j;

	if (ptr == NULL || size == 0)
		return -AML_EINVAL;
	pthread_once(&populate_once, populate_probe);
	j.start = (char *)((uintptr_t)ptr & ~(uintptr_t)(psize - 1));
	j.end = j.start + aml_linux_npages(ptr, size) * psize;
	j.writable = writable;
	atomic_init(&j.next, 0);
	atomic_init(&j.err, AML_SUCCESS);
	j.err_errno = 0;
	nthreads = populate_nthreads((size_t)(j.end - j.start), nthreads);
	populate_split(&j, nthreads);
	/* A thread that cannot start leaves its share to the others. */
	for (unsigned int t = 1; t < nthreads; t++)
		if (pthread_create(&threads[started], NULL, populate_worker,
				   &j) == 0)
			started++;
	populate_worker(&j);
	for (unsigned int t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	if (atomic_load(&j.err) != AML_SUCCESS)
		errno = j.err_errno;
	return atomic_load(&j.err);
}

/* Whether a page faulted at `addr` lands by the faulting CPU: the policy
 * of its mapping, or without one the calling thread's (which threads it
 * starts inherit). Unknown counts as yes. */
static int populate_local_at(void *addr)
{
	struct aml_bitmap nodes;
	int mode;

	if (aml__linux_policy_at(addr, &mode, &nodes) != 0)
		return 1;
	if (mode == MPOL_DEFAULT && aml__linux_policy_at(NULL, &mode, &nodes))
		return 1;
	return aml__linux_policy_by_cpu(mode, &nodes);
}

int aml_linux_populate(void *ptr, size_t size, int writable,
		       unsigned int nthreads)
{
	const size_t psize = aml__linux_page_size();
	char *last;

	if (ptr == NULL || size == 0)
		return -AML_EINVAL;
	/* Below the size worth a thread, no query: one thread anyway. */
	if (nthreads == 0 && size >= 2 * POPULATE_MIN_PER_THREAD) {
		last = (char *)ptr + size - 1;
		last = (char *)((uintptr_t)last & ~(uintptr_t)(psize - 1));
		if (populate_local_at(ptr) || populate_local_at(last))
			nthreads = 1;
	}
	return aml__linux_populate_run(ptr, size, writable, nthreads);
}
