/* The Linux copy engine: pinned worker threads copying NUMA-aware parts. */
#include "aml/dma/linux.h"

#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dma/handles.h"
#include "internal.h"

/* Destination pages sampled to find each part's node. */
#define SEGMENTS_MAX 32
/* Smaller parts cost more in hand-offs than they gain in bandwidth. */
#define PART_MIN ((size_t)64 << 10)
/* Bits in the node mask read back from get_mempolicy(2). */
#define POLICY_BITS 1024
#define LONG_BITS (8 * sizeof(unsigned long))

struct linux_req;

/* A piece of a copy (src != NULL) or memset that one thread runs. */
struct linux_part {
	struct linux_req *req;
	char *dst;
	const char *src;
	size_t size;
	int byte;
	int node; /* the node of the worker that must run it, or -1 */
	struct linux_part *next;
};

struct linux_req {
	size_t left;  /* parts not finished */
	int consumed; /* a wait or cancel has taken it */
	size_t nparts;
	struct linux_part parts[];
};

struct linux_worker {
	pthread_t thread;
	struct aml_dma_linux_data *d;
	int index, cpu, node;
};

struct aml_dma_linux_data {
	pthread_mutex_t lock;
	pthread_cond_t work; /* parts were queued, or stop was set */
	pthread_cond_t done; /* a request's last part finished */
	struct linux_part *head, *tail;
	int stop;
	unsigned int nworkers;
	struct linux_worker *workers;
	int nnodes;	  /* entries of workers_on */
	int *workers_on;  /* node -> workers pinned there */
	int worker_nodes; /* nodes having a worker */
	size_t page;
	_Atomic size_t threshold;
	atomic_int recording;
	struct aml_dma_linux_record *log;
	size_t log_max, log_n;
	struct aml__dma_handles handles;
};

/* Log one finished part; the caller holds d->lock. */
static void linux_log(struct aml_dma_linux_data *d, void *dst, size_t size,
		      int cpu, int node, int worker)
{
	if (d->log != NULL && d->log_n < d->log_max)
		d->log[d->log_n] = (struct aml_dma_linux_record){
		    .dst = dst,
		    .size = size,
		    .cpu = cpu,
		    .node = node,
		    .worker = worker,
		};
	d->log_n++;
}

static void linux_move(char *dst, const char *src, int byte, size_t size)
{
	if (src != NULL)
		memcpy(dst, src, size);
	else
		memset(dst, byte, size);
}

/* A copy or memset that stays on the calling thread. */
static void linux_run_here(struct aml_dma_linux_data *d, char *dst,
			   const char *src, int byte, size_t size)
{
	if (size == 0)
		return;
	linux_move(dst, src, byte, size);
	if (!atomic_load_explicit(&d->recording, memory_order_relaxed))
		return;
	pthread_mutex_lock(&d->lock);
	linux_log(d, dst, size, sched_getcpu(), -1, -1);
	pthread_mutex_unlock(&d->lock);
}

/* First queued part that a thread on `node` may run (of request `r` only,
 * unless NULL); the caller holds d->lock. */
static struct linux_part *linux_take(struct aml_dma_linux_data *d, int node,
				     const struct linux_req *r)
{
	struct linux_part *p, *prev = NULL;

	for (p = d->head; p != NULL; prev = p, p = p->next)
		if ((p->node < 0 || p->node == node) &&
		    (r == NULL || p->req == r))
			break;
	if (p == NULL)
		return NULL;
	if (prev == NULL)
		d->head = p->next;
	else
		prev->next = p->next;
	if (d->tail == p)
		d->tail = prev;
	return p;
}

/* Run a part taken from the queue; the caller holds d->lock, which is
 * released meanwhile. `worker` is -1 for a submitting or waiting thread. */
static void linux_do_part(struct aml_dma_linux_data *d, struct linux_part *p,
			  int worker)
{
	int cpu;

	pthread_mutex_unlock(&d->lock);
	cpu = sched_getcpu();
	linux_move(p->dst, p->src, p->byte, p->size);
	pthread_mutex_lock(&d->lock);
	if (atomic_load_explicit(&d->recording, memory_order_relaxed))
		linux_log(d, p->dst, p->size, cpu, p->node, worker);
	if (--p->req->left == 0)
		pthread_cond_broadcast(&d->done);
}

static void *linux_worker_main(void *arg)
{
	struct linux_worker *w = arg;
	struct aml_dma_linux_data *d = w->d;
	struct linux_part *p;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		p = linux_take(d, w->node, NULL);
		if (p != NULL) {
			linux_do_part(d, p, w->index);
			continue;
		}
		if (d->stop)
			break;
		pthread_cond_wait(&d->work, &d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* The node of the CPU the calling thread runs on, or -1. */
static int linux_here(const struct aml_dma_linux_data *d)
{
	const int cpu = sched_getcpu();
	const int node = cpu >= 0 && d->nnodes > 1 ? numa_node_of_cpu(cpu) : 0;

	return node < d->nnodes ? node : -1;
}

/* A thread waiting for `r` copies the parts of it that no worker took yet
 * and that are meant for its node, then waits for the others; the caller
 * holds d->lock. Waiters helping makes a hand-off to busy workers cost no
 * more than copying alone. */
static void linux_help_and_wait(struct aml_dma_linux_data *d,
				struct linux_req *r)
{
	const int node = linux_here(d);
	struct linux_part *p;

	while ((p = linux_take(d, node, r)) != NULL)
		linux_do_part(d, p, -1);
	while (r->left > 0)
		pthread_cond_wait(&d->done, &d->lock);
}

/* The node a destination page is on, or will be on by its policy; -1 when
 * unknown or when no worker runs there. */
static int linux_page_node(const struct aml_dma_linux_data *d, void *page,
			   int status)
{
	unsigned long mask[POLICY_BITS / LONG_BITS];
	int mode, node = status;

	if (node < 0) {
		memset(mask, 0, sizeof(mask));
		if (get_mempolicy(&mode, mask, POLICY_BITS, page,
				  MPOL_F_ADDR) != 0)
			return -1;
		mode &= 0xff;
		if (mode != MPOL_BIND && mode != MPOL_PREFERRED &&
		    mode != 5 /* MPOL_PREFERRED_MANY */)
			return -1;
		for (int i = 0; node < 0 && i < POLICY_BITS; i++)
			if ((mask[i / LONG_BITS] >> (i % LONG_BITS)) & 1)
				node = i;
	}
	if (node < 0 || node >= d->nnodes || d->workers_on[node] == 0)
		return -1;
	return node;
}

/* Offset in [0, size] of the first `align` boundary at or after `off`. */
static size_t linux_boundary(const char *base, size_t off, size_t align,
			     size_t size)
{
	const uintptr_t a = (uintptr_t)base + off;
	const size_t b =
	    (size_t)((a + align - 1) / align * align - (uintptr_t)base);

	return b < size ? b : size;
}

/* Cut [dst, dst + size) into at most SEGMENTS_MAX segments and find each
 * one's node: `ends[i]` is the end offset of segment i. Returns the count. */
static size_t linux_segments(const struct aml_dma_linux_data *d, char *dst,
			     size_t size, size_t *ends, int *nodes)
{
	void *pages[SEGMENTS_MAX];
	int status[SEGMENTS_MAX];
	size_t n = size / PART_MIN, len, start = 0;

	n = n < 1 ? 1 : n > SEGMENTS_MAX ? SEGMENTS_MAX : n;
	if (d->worker_nodes <= 1)
		n = 1;
	len = (size + n - 1) / n;
	for (size_t i = 0; i < n; i++) {
		ends[i] = linux_boundary(dst, (i + 1) * len, d->page, size);
		pages[i] =
		    (void *)((uintptr_t)(dst + start) / d->page * d->page);
		status[i] = -1;
		start = ends[i];
	}
	ends[n - 1] = size;
	if (d->worker_nodes <= 1 ||
	    move_pages(0, (unsigned long)n, pages, NULL, status, 0) != 0) {
		for (size_t i = 0; i < n; i++)
			nodes[i] = -1;
		return n;
	}
	for (size_t i = 0; i < n; i++)
		nodes[i] = linux_page_node(d, pages[i], status[i]);
	return n;
}

/* Parts that split a run of `len` bytes bound for `node`: two for each
 * thread that may copy them (its workers and a waiting thread), so that
 * threads that finish first take more, none under PART_MIN bytes. */
static size_t linux_run_parts(const struct aml_dma_linux_data *d, int node,
			      size_t len)
{
	size_t n = node < 0 ? d->nworkers : (size_t)d->workers_on[node];
	const size_t most = len / PART_MIN;

	n = 2 * (n + 1);
	n = n < most ? n : most;
	return n < 1 ? 1 : n;
}

/* Append the parts of the run [off, end) bound for `node`. */
static void linux_split_run(const struct aml_dma_linux_data *d,
			    struct linux_req *r, char *dst, const char *src,
			    int byte, size_t off, size_t end, int node)
{
	const size_t n = linux_run_parts(d, node, end - off);
	const size_t len = (end - off + n - 1) / n;
	size_t a = off, b;

	for (size_t i = 0; i < n && a < end; i++, a = b) {
		b = i + 1 == n ? end : linux_boundary(dst, a + len, 64, end);
		r->parts[r->nparts++] = (struct linux_part){
		    .req = r,
		    .dst = dst + a,
		    .src = src ? src + a : NULL,
		    .size = b - a,
		    .byte = byte,
		    .node = node,
		};
	}
}

/* A request whose parts cover [dst, dst + size), each aimed at the node of
 * its destination pages. */
static struct linux_req *linux_plan(const struct aml_dma_linux_data *d,
				    char *dst, const char *src, int byte,
				    size_t size)
{
	size_t ends[SEGMENTS_MAX], nseg, most = 0, start = 0;
	int nodes[SEGMENTS_MAX];
	struct linux_req *r;

	nseg = linux_segments(d, dst, size, ends, nodes);
	for (size_t i = 0; i < nseg; i++)
		most += linux_run_parts(d, nodes[i], size);
	r = calloc(1, sizeof(*r) + most * sizeof(r->parts[0]));
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < nseg; i++) {
		/* Neighbours bound for the same node make one run. */
		if (i + 1 < nseg && nodes[i + 1] == nodes[i])
			continue;
		if (ends[i] > start)
			linux_split_run(d, r, dst, src, byte, start, ends[i],
					nodes[i]);
		start = ends[i];
	}
	r->left = r->nparts;
	return r;
}

/* Queue a request's parts for the workers; the caller holds d->lock. */
static void linux_queue(struct aml_dma_linux_data *d, struct linux_req *r)
{
	for (size_t i = 0; i < r->nparts; i++) {
		struct linux_part *p = &r->parts[i];

		p->next = NULL;
		if (d->tail != NULL)
			d->tail->next = p;
		else
			d->head = p;
		d->tail = p;
	}
	if (r->nparts > 0)
		pthread_cond_broadcast(&d->work);
}

/* Whether a copy of `size` bytes stays on the calling thread. */
static int linux_stays_here(struct aml_dma_linux_data *d, size_t size)
{
	return d->nworkers == 0 || size == 0 ||
	       size < atomic_load_explicit(&d->threshold, memory_order_relaxed);
}

/* Run a copy or memset to completion, splitting it if it is large. */
static int linux_run(struct aml_dma_linux_data *d, char *dst, const char *src,
		     int byte, size_t size)
{
	struct linux_req *r;

	if (linux_stays_here(d, size)) {
		linux_run_here(d, dst, src, byte, size);
		return AML_SUCCESS;
	}
	r = linux_plan(d, dst, src, byte, size);
	if (r == NULL)
		return -AML_ENOMEM;
	pthread_mutex_lock(&d->lock);
	linux_queue(d, r);
	linux_help_and_wait(d, r);
	pthread_mutex_unlock(&d->lock);
	free(r);
	return AML_SUCCESS;
}

static int linux_copy(struct aml_dma_data *data, void *dst, const void *src,
		      size_t size)
{
	return linux_run((struct aml_dma_linux_data *)data, dst, src, 0, size);
}

static int linux_memset(struct aml_dma_data *data, void *dst, int byte,
			size_t size)
{
	return linux_run((struct aml_dma_linux_data *)data, dst, NULL, byte,
			 size);
}

static int linux_async_copy(struct aml_dma_data *data,
			    struct aml_dma_request **req, void *dst,
			    const void *src, size_t size)
{
	struct aml_dma_linux_data *d = (struct aml_dma_linux_data *)data;
	const int here = linux_stays_here(d, size);
	struct linux_req *r;
	int err;

	r = here ? calloc(1, sizeof(*r)) : linux_plan(d, dst, src, 0, size);
	if (r == NULL)
		return -AML_ENOMEM;
	if (here)
		linux_run_here(d, dst, src, 0, size);
	pthread_mutex_lock(&d->lock);
	err = aml__dma_handles_add(&d->handles, r, req);
	if (err == AML_SUCCESS)
		linux_queue(d, r);
	pthread_mutex_unlock(&d->lock);
	if (err != AML_SUCCESS)
		free(r);
	return err;
}

/* Drop the parts of `r` that no worker took yet; the caller holds
 * d->lock. */
static void linux_unqueue(struct aml_dma_linux_data *d, struct linux_req *r)
{
	struct linux_part **link = &d->head;

	d->tail = NULL;
	while (*link != NULL) {
		if ((*link)->req == r) {
			*link = (*link)->next;
			r->left--;
			continue;
		}
		d->tail = *link;
		link = &(*link)->next;
	}
}

/* Wait for (or cancel) a request and release it. */
static int linux_finish(struct aml_dma_data *data, struct aml_dma_request *req,
			int cancel)
{
	struct aml_dma_linux_data *d = (struct aml_dma_linux_data *)data;
	struct linux_req *r;

	pthread_mutex_lock(&d->lock);
	r = aml__dma_handles_get(&d->handles, req);
	if (r == NULL || r->consumed) {
		pthread_mutex_unlock(&d->lock);
		return -AML_EINVAL;
	}
	r->consumed = 1;
	if (cancel) {
		linux_unqueue(d, r);
		while (r->left > 0)
			pthread_cond_wait(&d->done, &d->lock);
	} else {
		linux_help_and_wait(d, r);
	}
	aml__dma_handles_remove(&d->handles, req);
	pthread_mutex_unlock(&d->lock);
	free(r);
	return AML_SUCCESS;
}

static int linux_wait(struct aml_dma_data *data, struct aml_dma_request *req)
{
	return linux_finish(data, req, 0);
}

static int linux_cancel(struct aml_dma_data *data, struct aml_dma_request *req)
{
	return linux_finish(data, req, 1);
}

struct aml_dma_ops aml_dma_linux_ops = {
    .copy = linux_copy,
    .async_copy = linux_async_copy,
    .wait = linux_wait,
    .cancel = linux_cancel,
    .memset = linux_memset,
};

/* Pin worker i to a CPU this process may use, spreading workers over the
 * nodes that have such CPUs. */
static int linux_place_workers(struct aml_dma_linux_data *d)
{
	int cpus[CPU_SETSIZE], ncpus = 0, first[CPU_SETSIZE + 1], k = 0;
	const int numa = numa_available() >= 0;
	cpu_set_t set;

	d->nnodes = numa ? numa_max_node() + 1 : 1;
	d->workers_on = calloc((size_t)d->nnodes, sizeof(int));
	if (d->workers_on == NULL)
		return -AML_ENOMEM;
	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return -AML_FAILURE;
	/* CPUs grouped by node; first[j] starts the j-th node's group. */
	for (int node = 0; node < d->nnodes; node++) {
		first[k] = ncpus;
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set) &&
			    (!numa || numa_node_of_cpu(c) == node))
				cpus[ncpus++] = c;
		if (ncpus > first[k])
			k++;
	}
	first[k] = ncpus;
	if (k == 0)
		return -AML_FAILURE;
	for (unsigned int i = 0; i < d->nworkers; i++) {
		const int g = (int)(i % (unsigned int)k);
		const int n = first[g + 1] - first[g];
		struct linux_worker *w = &d->workers[i];

		w->cpu = cpus[first[g] + (int)(i / (unsigned int)k) % n];
		w->node = numa ? numa_node_of_cpu(w->cpu) : 0;
		if (d->workers_on[w->node]++ == 0)
			d->worker_nodes++;
	}
	return AML_SUCCESS;
}

static int linux_start_workers(struct aml_dma_linux_data *d)
{
	pthread_attr_t attr;
	cpu_set_t one;
	int err = AML_SUCCESS;

	for (unsigned int i = 0; i < d->nworkers; i++) {
		struct linux_worker *w = &d->workers[i];

		w->d = d;
		w->index = (int)i;
		CPU_ZERO(&one);
		CPU_SET(w->cpu, &one);
		pthread_attr_init(&attr);
		pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		if (pthread_create(&w->thread, &attr, linux_worker_main, w))
			err = -AML_ENOMEM;
		pthread_attr_destroy(&attr);
		if (err != AML_SUCCESS) {
			d->nworkers = i; /* destroy joins the ones started */
			return err;
		}
	}
	return AML_SUCCESS;
}

static void linux_free_req(void *r)
{
	free(r);
}

/* Finish queued work, stop the workers, free everything. */
static void linux_fini(struct aml_dma_linux_data *d)
{
	pthread_mutex_lock(&d->lock);
	d->stop = 1;
	pthread_cond_broadcast(&d->work);
	pthread_mutex_unlock(&d->lock);
	for (unsigned int i = 0; i < d->nworkers; i++)
		pthread_join(d->workers[i].thread, NULL);
	aml__dma_handles_fini(&d->handles, linux_free_req);
	pthread_cond_destroy(&d->done);
	pthread_cond_destroy(&d->work);
	pthread_mutex_destroy(&d->lock);
	free(d->workers);
	free(d->workers_on);
}

int aml_dma_linux_create(struct aml_dma **dma, unsigned int nworkers)
{
	struct aml_dma_linux_data *d;
	struct aml_dma *ret;
	int err;

	if (dma == NULL)
		return -AML_EINVAL;
	*dma = NULL;
	ret = AML_INNER_MALLOC(struct aml_dma, struct aml_dma_linux_data);
	if (ret == NULL)
		return -AML_ENOMEM;
	d = AML_INNER_MALLOC_GET_FIELD(ret, 2, struct aml_dma,
				       struct aml_dma_linux_data);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->work, NULL);
	pthread_cond_init(&d->done, NULL);
	d->page = (size_t)sysconf(_SC_PAGESIZE);
	atomic_init(&d->threshold, AML_DMA_LINUX_THRESHOLD);
	atomic_init(&d->recording, 0);
	d->nworkers = nworkers;
	d->workers = calloc(nworkers ? nworkers : 1, sizeof(*d->workers));
	err = d->workers ? linux_place_workers(d) : -AML_ENOMEM;
	if (err != AML_SUCCESS)
		d->nworkers = 0;
	else
		err = linux_start_workers(d);
	if (err != AML_SUCCESS) {
		linux_fini(d);
		free(ret);
		return err;
	}
	ret->ops = &aml_dma_linux_ops;
	ret->data = (struct aml_dma_data *)d;
	*dma = ret;
	return AML_SUCCESS;
}

void aml_dma_linux_destroy(struct aml_dma **dma)
{
	if (dma == NULL || *dma == NULL)
		return;
	linux_fini((struct aml_dma_linux_data *)(*dma)->data);
	free(*dma);
	*dma = NULL;
}

/* The engine's data, or NULL if `dma` is not a Linux engine. */
static struct aml_dma_linux_data *linux_data(struct aml_dma *dma)
{
	if (dma == NULL || dma->ops != &aml_dma_linux_ops)
		return NULL;
	return (struct aml_dma_linux_data *)dma->data;
}

int aml_dma_linux_set_threshold(struct aml_dma *dma, size_t bytes)
{
	struct aml_dma_linux_data *d = linux_data(dma);

	if (d == NULL)
		return -AML_EINVAL;
	atomic_store_explicit(&d->threshold, bytes, memory_order_relaxed);
	return AML_SUCCESS;
}

int aml_dma_linux_record(struct aml_dma *dma, struct aml_dma_linux_record *log,
			 size_t max)
{
	struct aml_dma_linux_data *d = linux_data(dma);

	if (d == NULL || (log == NULL && max > 0))
		return -AML_EINVAL;
	pthread_mutex_lock(&d->lock);
	d->log = log;
	d->log_max = log ? max : 0;
	if (log != NULL)
		d->log_n = 0;
	atomic_store(&d->recording, log != NULL);
	pthread_mutex_unlock(&d->lock);
	return AML_SUCCESS;
}

size_t aml_dma_linux_recorded(struct aml_dma *dma)
{
	struct aml_dma_linux_data *d = linux_data(dma);
	size_t n;

	if (d == NULL)
		return 0;
	pthread_mutex_lock(&d->lock);
	n = d->log_n;
	pthread_mutex_unlock(&d->lock);
	return n;
}

int aml_dma_linux_worker_cpu(struct aml_dma *dma, unsigned int i)
{
	struct aml_dma_linux_data *d = linux_data(dma);

	if (d == NULL)
		return -AML_EINVAL;
	if (i >= d->nworkers)
		return -AML_EDOM;
	return d->workers[i].cpu;
}
