#include "publish.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1U
#endif

/* "0-1,4" into buf (no allocation). */
static void node_list(const struct aml_bitmap *b, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < AML_BITMAP_MAX && at + 1 < len; i++) {
		int j = i;

		if (!aml_bitmap_isset(b, i))
			continue;
		while (j + 1 < AML_BITMAP_MAX && aml_bitmap_isset(b, j + 1))
			j++;
		at += (size_t)snprintf(buf + at, len - at,
				       j > i ? "%s%d-%d" : "%s%d",
				       at ? "," : "", i, j);
		i = j;
	}
}

void aml__tiering_publish_open(struct aml__tiering_publisher *p,
			       const struct aml_bitmap *fast,
			       const struct aml_bitmap *slow,
			       const char *method,
			       const struct aml_tiering_stats *s,
			       size_t max_migrate, unsigned int interval_ms)
{
	size_t len = sizeof(*p->c);
	void *m;

	p->c = NULL;
	p->fd = memfd_create(AML__TIERING_COUNTERS_NAME, MFD_CLOEXEC);
	if (p->fd < 0)
		return;
	m = ftruncate(p->fd, (off_t)len) == 0
		? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0)
		: MAP_FAILED;
	if (m == MAP_FAILED) {
		close(p->fd);
		p->fd = -1;
		return;
	}
	p->c = m;
	p->c->pid = getpid();
	snprintf(p->c->method, sizeof(p->c->method), "%s", method);
	node_list(fast, p->c->fast, sizeof(p->c->fast));
	node_list(slow, p->c->slow, sizeof(p->c->slow));
	p->c->fast_capacity = s->fast_capacity;
	p->c->max_migrate = max_migrate;
	p->c->interval_ms = interval_ms;
	__atomic_store_n(&p->c->magic, AML__TIERING_COUNTERS_MAGIC,
			 __ATOMIC_RELEASE);
}

/* Each field a release store, so that readers that see it see the odd
 * sequence number before it (a reader in another process checks it). */
#define PUT(field, v)                                                          \
	__atomic_store_n(&c->field, (uint64_t)(v), __ATOMIC_RELEASE)

void aml__tiering_publish(struct aml__tiering_publisher *p,
			  const struct aml_tiering_stats *s, int running)
{
	struct aml__tiering_counters *c = p->c;
	uint64_t seq;

	if (c == NULL)
		return;
	seq = __atomic_load_n(&c->seq, __ATOMIC_RELAXED);
	PUT(seq, seq + 1);
	PUT(running, running);
	PUT(epochs, s->epochs);
	PUT(pages_fast, s->pages_fast);
	PUT(pages_slow, s->pages_slow);
	PUT(promoted, s->promoted);
	PUT(demoted, s->demoted);
	PUT(busy, s->busy);
	PUT(pages_managed, s->pages_managed);
	PUT(pages_hot, s->pages_hot);
	PUT(pages_huge, s->pages_huge);
	PUT(epoch_ns, s->epoch_ns);
	PUT(total_ns, s->total_ns);
	PUT(seq, seq + 2);
}

void aml__tiering_publish_close(struct aml__tiering_publisher *p)
{
	if (p->c != NULL)
		munmap(p->c, sizeof(*p->c));
	if (p->fd >= 0)
		close(p->fd);
	p->c = NULL;
	p->fd = -1;
}
