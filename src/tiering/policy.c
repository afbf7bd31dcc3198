#include "policy.h"

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* Walks the fast tier from its coldest heat up. */
struct fast_cursor {
	const struct aml__tiering_hist *h;
	unsigned int level;
	size_t left; /* bytes not yet taken at `level` */
};

/* The next level with bytes left; 0 when there is none. */
static int next_fast(struct fast_cursor *c)
{
	while (c->left == 0 && c->level < AML__TIERING_HEAT_MAX)
		c->left = c->h->fast[++c->level];
	return c->left > 0;
}

static void take_fast(struct fast_cursor *c, struct aml__tiering_plan *p,
		      size_t x)
{
	if (c->level > p->demote_level || p->demote_bytes == 0) {
		p->demote_level = c->level;
		p->demote_bytes = 0;
	}
	p->demote_bytes += x;
	p->demote_total += x;
	c->left -= x;
}

/* Demote the coldest `excess` bytes (or all there are). */
static void demote_excess(struct fast_cursor *c, struct aml__tiering_plan *p,
			  size_t excess)
{
	while (excess > 0 && next_fast(c)) {
		size_t x = excess < c->left ? excess : c->left;

		take_fast(c, p, x);
		excess -= x;
	}
}

static void promote(struct aml__tiering_plan *p, unsigned int level, size_t x)
{
	if (level != p->promote_level) {
		p->promote_level = level;
		p->promote_bytes = 0;
	}
	p->promote_bytes += x;
	p->promote_total += x;
}

void aml__tiering_plan(const struct aml__tiering_hist *h, size_t capacity,
		       size_t budget, struct aml__tiering_plan *p)
{
	struct fast_cursor c = {.h = h, .level = 0, .left = h->fast[0]};
	size_t room = h->used < capacity ? capacity - h->used : 0;

	*p = (struct aml__tiering_plan){.promote_level =
					    AML__TIERING_HEAT_MAX + 1};
	demote_excess(&c, p, h->used > capacity ? h->used - capacity : 0);
	for (unsigned int hs = AML__TIERING_HEAT_MAX;
	     hs >= AML__TIERING_HOT && budget > 0; hs--) {
		size_t left = h->slow[hs], x;

		while (left > 0 && budget > 0) {
			if (room > 0) {
				x = min3(left, room, budget);
				room -= x;
			} else {
				if (!next_fast(&c) ||
				    c.level + AML__TIERING_MARGIN > hs)
					return;
				x = min3(left, c.left, budget / 2);
				if (x == 0)
					return;
				take_fast(&c, p, x);
				budget -= x;
			}
			promote(p, hs, x);
			left -= x;
			budget -= x;
		}
	}
}

int aml__tiering_plan_demotes(struct aml__tiering_plan *p, unsigned int heat,
			      size_t bytes)
{
	if (p->demote_bytes == 0 && p->demote_level == 0)
		return 0;
	if (heat < p->demote_level)
		return 1;
	if (heat > p->demote_level || p->demote_bytes == 0)
		return 0;
	/* Demoting a little more than planned only leaves more room. */
	p->demote_bytes = bytes < p->demote_bytes ? p->demote_bytes - bytes : 0;
	return 1;
}

int aml__tiering_plan_promotes(struct aml__tiering_plan *p, unsigned int heat,
			       size_t bytes)
{
	if (heat < AML__TIERING_HOT || heat < p->promote_level)
		return 0;
	if (heat > p->promote_level)
		return 1;
	if (p->promote_bytes < bytes)
		return 0;
	p->promote_bytes -= bytes;
	return 1;
}
