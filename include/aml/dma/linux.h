/**
 * @file linux.h
 * @brief The Linux copy engine: a pool of pinned worker threads.
 *
 * `aml_dma_linux_create(&dma, n)` starts `n` worker threads, each pinned to
 * one CPU that the creating thread may run on (its affinity when it calls);
 * workers are spread over the NUMA nodes that have such CPUs (worker `i` goes
 * to the `i % k`-th of the `k` nodes). A copy or memset of at least the
 * engine's threshold (see aml_dma_linux_set_threshold()) is split into parts
 * that the workers copy in parallel. Where the destination's pages are placed,
 * or its memory policy binds or prefers one node, each part is copied by a
 * worker on a CPU of that part's node, so that the stores are local and pages
 * that are not placed yet are first touched on the right node; parts whose node
 * has no worker, or is unknown, go to any worker. A thread that waits for a
 * copy (the caller of aml_dma_copy() or aml_dma_memset(), or of
 * aml_dma_wait()) copies the parts no worker has taken yet that are meant
 * for its own node or for any node, so that a copy never waits long for
 * busy workers. Smaller copies, and every copy of an engine with 0
 * workers, run on the calling thread (an asynchronous one is then complete
 * when aml_dma_async_copy() returns).
 *
 * Requests are handles checked against a generation count, so a request
 * waited on twice, or after a cancel, is rejected with -::AML_EINVAL
 * without touching freed memory.
 */
#ifndef AML_DMA_LINUX_H
#define AML_DMA_LINUX_H

#include <stddef.h>

#include "aml/dma.h"
#include "aml/utils/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup aml_dma_linux Linux copy engine
 * @brief Parallel, NUMA-aware memcpy and memset.
 * @{
 */

/** The Linux engine's operations (for writing an engine on top of it). */
AML_EXPORT extern struct aml_dma_ops aml_dma_linux_ops;

/**
 * Create a Linux engine with `nworkers` worker threads.
 * @param[out] dma: receives the engine; NULL after any failure.
 * @param nworkers: worker threads; 0 runs every copy on the calling thread.
 *        More workers than CPUs share CPUs.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `dma`; -::AML_ENOMEM when
 * memory or threads are short.
 * Thread safety: safe.
 */
AML_EXPORT int aml_dma_linux_create(struct aml_dma **dma,
				    unsigned int nworkers);

/**
 * Destroy an engine made by aml_dma_linux_create() and set `*dma` to NULL.
 * Requests still in flight are *finished*: every submitted copy completes
 * (none is cut short), then the workers stop and every request that was
 * not waited on is released; their handles are invalid afterwards. `NULL`
 * and a pointer to NULL are accepted.
 * Thread safety: no other thread may use the engine during or after the
 * call.
 */
AML_EXPORT void aml_dma_linux_destroy(struct aml_dma **dma);

/**
 * Set the size from which copies and memsets are split across the workers
 * (smaller ones run on the calling thread). The default,
 * ::AML_DMA_LINUX_THRESHOLD, was measured with bench/copy.c.
 * @param dma: a Linux engine.
 * @param bytes: the threshold; 0 sends every copy to the workers.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `dma`.
 * Thread safety: safe; copies already submitted keep their split.
 */
AML_EXPORT int aml_dma_linux_set_threshold(struct aml_dma *dma, size_t bytes);

/** Default threshold of aml_dma_linux_set_threshold(), bytes. */
#define AML_DMA_LINUX_THRESHOLD ((size_t)4 << 20)

/** One part of a copy or memset, as aml_dma_linux_record() logs it. */
struct aml_dma_linux_record {
	/** First byte of the part in the destination. */
	void *dst;
	/** Bytes in the part. */
	size_t size;
	/** The CPU the part was copied on (sched_getcpu() when it ran). */
	int cpu;
	/** The node the engine aimed the part at; -1 for any worker. */
	int node;
	/** The worker that ran it; -1 for a submitting or waiting thread. */
	int worker;
};

/**
 * Start logging every part the engine runs into `log` (at most `max`
 * entries; later ones are counted but not stored), or stop logging with a
 * NULL `log` (the count is kept until the next start). Meant for tests and
 * tuning: it shows which CPU copied which part of a destination.
 * @return ::AML_SUCCESS; -::AML_EINVAL for a NULL `dma`, or a NULL `log`
 * with `max` > 0.
 * Thread safety: safe; `log` must stay valid until logging stops.
 */
AML_EXPORT int aml_dma_linux_record(struct aml_dma *dma,
				    struct aml_dma_linux_record *log,
				    size_t max);

/**
 * The number of parts run since logging started (may exceed the `max`
 * given to aml_dma_linux_record()); 0 for a NULL `dma`.
 * Thread safety: safe.
 */
AML_EXPORT size_t aml_dma_linux_recorded(struct aml_dma *dma);

/**
 * The CPU worker `i` is pinned to.
 * @return the CPU; -::AML_EINVAL for a NULL `dma`; -::AML_EDOM for `i`
 * not below the worker count.
 * Thread safety: safe.
 */
AML_EXPORT int aml_dma_linux_worker_cpu(struct aml_dma *dma, unsigned int i);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* AML_DMA_LINUX_H */
