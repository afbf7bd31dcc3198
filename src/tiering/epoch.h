/*
 * The tiering engine: its state and one epoch (measure, rank, migrate,
 * publish). tiering.c holds the public functions and the thread around
 * it. Not installed.
 */
#ifndef AML_TIERING_EPOCH_H
#define AML_TIERING_EPOCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "aml/higher/tiering.h"
#include "aml/utils/bitmap.h"
#include "tiering/method.h"
#include "tiering/pages.h"
#include "tiering/policy.h"
#include "tiering/publish.h"
#include "tiering/range.h"

/* Tier of a node. */
enum { AML__TIER_NONE, AML__TIER_FAST, AML__TIER_SLOW };

struct aml_tiering {
	/* Held by each epoch, add and remove: the ranges and their pages. */
	pthread_mutex_t lock;
	/* Held by start, stop and step: one of them at a time. */
	pthread_mutex_t op;
	/* The thread's sleep between epochs, and its stop request. */
	pthread_mutex_t ctl;
	pthread_cond_t wake;
	pthread_t thread;
	atomic_int running;
	int stopping;
	/* The counters, apart so that reading them never waits. */
	pthread_mutex_t stats_lock;
	struct aml_tiering_stats stats;

	struct aml_bitmap fast, slow;
	size_t capacity, max_migrate;
	int measure_only;
	unsigned int interval_ms;
	const struct aml__tiering_method *method;
	void *mstate;
	struct aml__tiering_range *ranges;
	/* Per node: its tier, and the nearest node of each tier. */
	int8_t tier[AML_BITMAP_MAX];
	int16_t to_fast[AML_BITMAP_MAX], to_slow[AML_BITMAP_MAX];
	/* Scratch of an epoch. */
	struct aml__tiering_hist hist;
	struct aml__tiering_batch batch;
	struct aml__tiering_publisher pub;
	size_t maplen; /* bytes of the mapping holding this */
};

/* One epoch; the caller holds t->lock. Returns AML_SUCCESS or
 * -AML_FAILURE (the measurement failed). */
int aml__tiering_epoch(struct aml_tiering *t);

#endif /* AML_TIERING_EPOCH_H */
