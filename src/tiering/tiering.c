/*
 * The public functions of <aml/higher/tiering.h>: checks, the choice of a
 * method, ranges, and the thread around the engine's epochs (epoch.c).
 */
#include "aml/higher/tiering.h"

#include <errno.h>
#include <numa.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "aml.h"
#include "area/linux/sys.h"
#include "tiering/epoch.h"

#define DEFAULT_INTERVAL_MS 100
#define MIN_MIGRATE ((size_t)2 << 20)

/* AUTO's order. */
static const struct aml__tiering_method *const methods[] = {
    &aml__tiering_uffd,
    &aml__tiering_softdirty,
    &aml__tiering_damon,
};
#define NMETHODS (sizeof(methods) / sizeof(*methods))

const char *aml_tiering_method_name(enum aml_tiering_method m)
{
	if (m == AML_TIERING_METHOD_AUTO)
		return "auto";
	for (size_t i = 0; i < NMETHODS; i++)
		if (methods[i]->id == m)
			return methods[i]->name;
	return "unknown";
}

/* Whether node `i` is in `b` (NULL: none). */
static int in(const struct aml_bitmap *b, unsigned int i)
{
	return b != NULL && aml_bitmap_isset(b, i);
}

static int check_tiers(const struct aml_tiering_attr *a)
{
	int one_tier = (a->flags & AML_TIERING_MEASURE_ONLY) != 0;
	struct aml_bitmap allowed;

	if (a->fast == NULL || aml_bitmap_iszero(a->fast) ||
	    (a->slow == NULL && !one_tier) ||
	    (a->slow != NULL && aml_bitmap_iszero(a->slow)) ||
	    (a->flags & ~AML_TIERING_MEASURE_ONLY) != 0 ||
	    (unsigned int)a->method > AML_TIERING_METHOD_DAMON)
		return -AML_EINVAL;
	for (unsigned int i = 0; i < AML_BITMAP_MAX; i++)
		if (in(a->fast, i) && in(a->slow, i))
			return -AML_EINVAL;
	if (aml__linux_mems_allowed(&allowed) != 0)
		return -AML_FAILURE;
	for (unsigned int i = 0; i < AML_BITMAP_MAX; i++)
		if ((in(a->fast, i) || in(a->slow, i)) &&
		    !aml_bitmap_isset(&allowed, i))
			return -AML_EDOM;
	return AML_SUCCESS;
}

/* The method asked for, or AUTO's (the environment may name one). */
static int choose(enum aml_tiering_method want,
		  const struct aml__tiering_method **out)
{
	const char *env = getenv("AML_TIERING_METHOD");

	if (want == AML_TIERING_METHOD_AUTO && env != NULL && *env != '\0') {
		want = (enum aml_tiering_method) - 1;
		for (size_t i = 0; i < NMETHODS; i++)
			if (!strcmp(env, methods[i]->name))
				want = methods[i]->id;
		if (want == (enum aml_tiering_method) - 1)
			return -AML_EINVAL;
	}
	for (size_t i = 0; i < NMETHODS; i++)
		if ((want == AML_TIERING_METHOD_AUTO ||
		     methods[i]->id == want) &&
		    methods[i]->probe() == AML_SUCCESS) {
			*out = methods[i];
			return AML_SUCCESS;
		}
	return -AML_ENOTSUP;
}

/* The node of `tier` nearest to `from` (ties: the lowest). */
static int16_t nearest(const struct aml_bitmap *tier, int from)
{
	int best = -1, best_d = 0;

	for (int n = 0; n < AML_BITMAP_MAX; n++) {
		int d;

		if (!aml_bitmap_isset(tier, (unsigned int)n))
			continue;
		d = numa_distance(from, n);
		if (d <= 0)
			d = 1 << 20;
		if (best < 0 || d < best_d) {
			best = n;
			best_d = d;
		}
	}
	return (int16_t)best;
}

static void node_tables(struct aml_tiering *t)
{
	int last = numa_max_node();

	for (int n = 0; n < AML_BITMAP_MAX; n++) {
		t->tier[n] = aml_bitmap_isset(&t->fast, (unsigned int)n)
				 ? AML__TIER_FAST
			     : aml_bitmap_isset(&t->slow, (unsigned int)n)
				 ? AML__TIER_SLOW
				 : AML__TIER_NONE;
		t->to_fast[n] = t->to_slow[n] = -1;
	}
	for (int n = 0; n <= last && n < AML_BITMAP_MAX; n++) {
		t->to_fast[n] = nearest(&t->fast, n);
		t->to_slow[n] = nearest(&t->slow, n);
	}
}

/* Half of the fast nodes' free memory. */
static size_t default_capacity(const struct aml_bitmap *fast)
{
	long long total = 0, free_bytes;

	for (int n = 0; n < AML_BITMAP_MAX; n++)
		if (aml_bitmap_isset(fast, (unsigned int)n) &&
		    numa_node_size64(n, &free_bytes) >= 0 && free_bytes > 0)
			total += free_bytes;
	return (size_t)total / 2;
}

static void settings(struct aml_tiering *t, const struct aml_tiering_attr *a)
{
	aml_bitmap_copy(&t->fast, a->fast);
	if (a->slow != NULL)
		aml_bitmap_copy(&t->slow, a->slow);
	t->measure_only = (a->flags & AML_TIERING_MEASURE_ONLY) != 0;
	t->capacity =
	    a->fast_capacity ? a->fast_capacity : default_capacity(a->fast);
	t->interval_ms = a->interval_ms ? a->interval_ms : DEFAULT_INTERVAL_MS;
	t->max_migrate = a->max_migrate ? a->max_migrate : t->capacity / 4;
	if (a->max_migrate == 0 && t->max_migrate < MIN_MIGRATE)
		t->max_migrate = MIN_MIGRATE;
	t->stats.fast_capacity = t->capacity;
	t->stats.method = t->method->id;
}

static void init_locks(struct aml_tiering *t)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&t->lock, NULL);
	pthread_mutex_init(&t->op, NULL);
	pthread_mutex_init(&t->ctl, NULL);
	pthread_mutex_init(&t->stats_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &ca);
	pthread_condattr_destroy(&ca);
}

int aml_tiering_create(struct aml_tiering **out,
		       const struct aml_tiering_attr *attr)
{
	const struct aml__tiering_method *m = NULL;
	struct aml_tiering *t;
	int rc;

	if (out == NULL)
		return -AML_EINVAL;
	*out = NULL;
	if (attr == NULL)
		return -AML_EINVAL;
	if ((rc = check_tiers(attr)) != AML_SUCCESS ||
	    (rc = choose(attr->method, &m)) != AML_SUCCESS)
		return rc;
	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return -AML_ENOMEM;
	t->maplen = sizeof(*t);
	t->method = m;
	settings(t, attr);
	rc = m->open(&t->mstate, t->interval_ms);
	if (rc != AML_SUCCESS) {
		munmap(t, t->maplen);
		return rc;
	}
	init_locks(t);
	node_tables(t);
	aml__tiering_publish_open(&t->pub, &t->fast, &t->slow, m->name,
				  &t->stats, t->max_migrate, t->interval_ms);
	*out = t;
	return AML_SUCCESS;
}

int aml_tiering_add(struct aml_tiering *t, void *ptr, size_t size)
{
	size_t page = aml__tiering_page_size(),
	       len = (size + page - 1) & ~(page - 1);
	struct aml__tiering_range *r;
	int rc;

	if (t == NULL || ptr == NULL || size == 0 || len < size ||
	    (uintptr_t)ptr % page != 0 || !aml__linux_range_ok(ptr, len) ||
	    msync(ptr, len, MS_ASYNC) != 0)
		return -AML_EINVAL;
	if ((rc = aml__tiering_range_new(&r, (uintptr_t)ptr, len)) != 0)
		return rc;
	pthread_mutex_lock(&t->lock);
	if (aml__tiering_range_overlaps(t->ranges, r->start, len))
		rc = -AML_EINVAL;
	else
		rc = t->method->add(t->mstate, r);
	if (rc == AML_SUCCESS)
		aml__tiering_range_insert(&t->ranges, r);
	pthread_mutex_unlock(&t->lock);
	if (rc != AML_SUCCESS)
		aml__tiering_range_free(r);
	return rc;
}

int aml_tiering_remove(struct aml_tiering *t, void *ptr, size_t size)
{
	size_t page = aml__tiering_page_size(),
	       len = (size + page - 1) & ~(page - 1);
	struct aml__tiering_range *r;

	if (t == NULL || size == 0 || len < size)
		return -AML_EINVAL;
	pthread_mutex_lock(&t->lock);
	r = aml__tiering_range_unlink(&t->ranges, (uintptr_t)ptr, len);
	if (r != NULL)
		t->method->remove(t->mstate, r);
	pthread_mutex_unlock(&t->lock);
	if (r == NULL)
		return -AML_EINVAL;
	aml__tiering_range_free(r);
	return AML_SUCCESS;
}

int aml_tiering_step(struct aml_tiering *t)
{
	int rc;

	if (t == NULL)
		return -AML_EINVAL;
	pthread_mutex_lock(&t->op);
	if (atomic_load(&t->running)) {
		pthread_mutex_unlock(&t->op);
		return -AML_EBUSY;
	}
	pthread_mutex_lock(&t->lock);
	rc = aml__tiering_epoch(t);
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_unlock(&t->op);
	return rc;
}

static void deadline(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void *thread_main(void *arg)
{
	struct aml_tiering *t = arg;
	struct timespec ts;

	pthread_mutex_lock(&t->ctl);
	while (!t->stopping) {
		pthread_mutex_unlock(&t->ctl);
		pthread_mutex_lock(&t->lock);
		/* A failed measurement is tried again next epoch. */
		(void)aml__tiering_epoch(t);
		pthread_mutex_unlock(&t->lock);
		deadline(&ts, t->interval_ms);
		pthread_mutex_lock(&t->ctl);
		while (!t->stopping && pthread_cond_timedwait(&t->wake, &t->ctl,
							      &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&t->ctl);
	return NULL;
}

int aml_tiering_start(struct aml_tiering *t)
{
	sigset_t all, old;
	int rc;

	if (t == NULL)
		return -AML_EINVAL;
	pthread_mutex_lock(&t->op);
	if (atomic_load(&t->running)) {
		pthread_mutex_unlock(&t->op);
		return -AML_EBUSY;
	}
	t->stopping = 0;
	/* The thread starts with every signal blocked: they are the
	 * program's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t->thread, NULL, thread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		atomic_store(&t->running, 1);
	pthread_mutex_unlock(&t->op);
	return rc == 0 ? AML_SUCCESS : -AML_ENOMEM;
}

int aml_tiering_stop(struct aml_tiering *t)
{
	if (t == NULL)
		return -AML_EINVAL;
	pthread_mutex_lock(&t->op);
	if (!atomic_load(&t->running)) {
		pthread_mutex_unlock(&t->op);
		return -AML_EINVAL;
	}
	pthread_mutex_lock(&t->ctl);
	t->stopping = 1;
	pthread_cond_signal(&t->wake);
	pthread_mutex_unlock(&t->ctl);
	pthread_join(t->thread, NULL);
	atomic_store(&t->running, 0);
	pthread_mutex_unlock(&t->op);
	return AML_SUCCESS;
}

int aml_tiering_get_stats(struct aml_tiering *t,
			  struct aml_tiering_stats *stats)
{
	if (t == NULL || stats == NULL)
		return -AML_EINVAL;
	pthread_mutex_lock(&t->stats_lock);
	*stats = t->stats;
	pthread_mutex_unlock(&t->stats_lock);
	return AML_SUCCESS;
}

void aml_tiering_destroy(struct aml_tiering **tp)
{
	struct aml_tiering *t;

	if (tp == NULL || *tp == NULL)
		return;
	t = *tp;
	*tp = NULL;
	(void)aml_tiering_stop(t);
	while (t->ranges != NULL) {
		struct aml__tiering_range *r = t->ranges;

		t->ranges = r->next;
		t->method->remove(t->mstate, r);
		aml__tiering_range_free(r);
	}
	t->method->close(t->mstate);
	aml__tiering_publish_close(&t->pub);
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->op);
	pthread_mutex_destroy(&t->ctl);
	pthread_mutex_destroy(&t->stats_lock);
	pthread_cond_destroy(&t->wake);
	munmap(t, t->maplen);
}
