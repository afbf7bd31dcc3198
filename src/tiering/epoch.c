#include "epoch.h"

#include <string.h>
#include <time.h>

#include "aml.h"

/* Pages counted in one epoch's ranking. */
struct census {
	size_t fast, slow, hot, huge, managed;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

static int measure(struct aml_tiering *t)
{
	const struct aml__tiering_method *m = t->method;
	int rc = m->begin ? m->begin(t->mstate) : AML_SUCCESS;

	for (struct aml__tiering_range *r = t->ranges; r && !rc; r = r->next)
		rc = m->sample(t->mstate, r);
	if (rc == AML_SUCCESS && m->end != NULL)
		rc = m->end(t->mstate);
	for (struct aml__tiering_range *r = t->ranges; r && !rc; r = r->next)
		rc = aml__tiering_pages_refresh(r);
	return rc == AML_SUCCESS ? AML_SUCCESS : -AML_FAILURE;
}

static int tier_of(const struct aml_tiering *t, int node)
{
	return node >= 0 && node < AML_BITMAP_MAX ? t->tier[node]
						  : AML__TIER_NONE;
}

static unsigned int backoff(const struct aml__tiering_range *r, size_t i)
{
	return r->flags[i] & AML__TIERING_BACKOFF;
}

/* New heat of the unit at page `i` (`u` pages), kept on each of them. */
static unsigned int unit_heat(struct aml__tiering_range *r, size_t i, size_t u)
{
	uint8_t w = 0;
	uint16_t h;

	for (size_t j = 0; j < u; j++)
		w = r->weight[i + j] > w ? r->weight[i + j] : w;
	h = aml__tiering_heat(r->heat[i], w);
	for (size_t j = 0; j < u; j++)
		r->heat[i + j] = h;
	return h;
}

/* One unit into the histograms and the census. */
static void rank_unit(struct aml_tiering *t, struct aml__tiering_range *r,
		      size_t i, size_t u, struct census *c)
{
	unsigned int heat = unit_heat(r, i, u), b = backoff(r, i);
	size_t bytes = u * aml__tiering_page_size();
	int tier = tier_of(t, r->node[i]);

	if (b > 0)
		r->flags[i] =
		    (uint8_t)((r->flags[i] & ~AML__TIERING_BACKOFF) | (b - 1));
	c->huge += (r->flags[i] & AML__TIERING_HUGE) ? u : 0;
	if (r->node[i] == AML__TIERING_NO_NODE)
		return;
	c->hot += heat >= AML__TIERING_HOT ? u : 0;
	if (tier == AML__TIER_FAST) {
		c->fast += u;
		t->hist.used += bytes;
		t->hist.fast[heat] += b ? 0 : bytes;
		return;
	}
	c->slow += u;
	if (heat >= AML__TIERING_HOT && !b)
		t->hist.slow[heat] += bytes;
}

static void rank(struct aml_tiering *t, struct census *c)
{
	memset(&t->hist, 0, sizeof(t->hist));
	memset(c, 0, sizeof(*c));
	for (struct aml__tiering_range *r = t->ranges; r; r = r->next) {
		c->managed += r->npages;
		for (size_t i = 0, u; i < r->npages; i += u) {
			u = aml__tiering_unit_pages(r, i);
			rank_unit(t, r, i, u, c);
		}
	}
}

/* Queue the demotions of the plan. */
static void demote(struct aml_tiering *t, struct aml__tiering_plan *p,
		   struct aml__tiering_moved *done)
{
	size_t page = aml__tiering_page_size();

	for (struct aml__tiering_range *r = t->ranges; r; r = r->next)
		for (size_t i = 0, u; i < r->npages; i += u) {
			int node = r->node[i];

			u = aml__tiering_unit_pages(r, i);
			if (tier_of(t, node) != AML__TIER_FAST ||
			    backoff(r, i) ||
			    !aml__tiering_plan_demotes(p, r->heat[i], u * page))
				continue;
			aml__tiering_queue(&t->batch, r, i, t->to_slow[node],
					   done);
		}
	aml__tiering_flush(&t->batch, done);
}

/* Queue the promotions of the plan that fit in `room` bytes. */
static void promote(struct aml_tiering *t, struct aml__tiering_plan *p,
		    size_t room, struct aml__tiering_moved *done)
{
	size_t page = aml__tiering_page_size();

	for (struct aml__tiering_range *r = t->ranges; r; r = r->next)
		for (size_t i = 0, u; i < r->npages; i += u) {
			int node = r->node[i];

			u = aml__tiering_unit_pages(r, i);
			if (node == AML__TIERING_NO_NODE || u * page > room ||
			    tier_of(t, node) == AML__TIER_FAST ||
			    backoff(r, i) ||
			    !aml__tiering_plan_promotes(p, r->heat[i],
							u * page))
				continue;
			room -= u * page;
			aml__tiering_queue(&t->batch, r, i, t->to_fast[node],
					   done);
		}
	aml__tiering_flush(&t->batch, done);
}

static void account(struct aml_tiering *t, const struct census *c,
		    const struct aml__tiering_moved *down,
		    const struct aml__tiering_moved *up, unsigned long long ns)
{
	struct aml_tiering_stats *s = &t->stats;

	pthread_mutex_lock(&t->stats_lock);
	s->epochs++;
	s->pages_fast = c->fast - down->pages + up->pages;
	s->pages_slow = c->slow + down->pages - up->pages;
	s->promoted += up->pages;
	s->demoted += down->pages;
	s->busy += down->busy + up->busy;
	s->pages_managed = c->managed;
	s->pages_hot = c->hot;
	s->pages_huge = c->huge;
	s->epoch_ns = ns;
	s->total_ns += ns;
	aml__tiering_publish(&t->pub, s, atomic_load(&t->running));
	pthread_mutex_unlock(&t->stats_lock);
}

int aml__tiering_epoch(struct aml_tiering *t)
{
	unsigned long long start = now_ns();
	struct aml__tiering_moved down = {0}, up = {0};
	struct aml__tiering_plan plan;
	struct census c;
	size_t used, page = aml__tiering_page_size();

	if (measure(t) != AML_SUCCESS)
		return -AML_FAILURE;
	rank(t, &c);
	aml__tiering_plan(&t->hist, t->capacity, t->max_migrate, &plan);
	if (t->measure_only)
		plan.demote_total = plan.promote_total = 0;
	if (plan.demote_total > 0)
		demote(t, &plan, &down);
	used = t->hist.used - down.pages * page;
	if (plan.promote_total > 0 && used < t->capacity)
		promote(t, &plan, t->capacity - used, &up);
	account(t, &c, &down, &up, now_ns() - start);
	return AML_SUCCESS;
}
