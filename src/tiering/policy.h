/*
 * The policy of a tiering, apart from any page: heat (a decayed access
 * count), what counts as hot, and which heats to promote and demote in
 * an epoch given how much of each heat lies on each tier. Pure
 * arithmetic. Not installed.
 */
#ifndef AML_TIERING_POLICY_H
#define AML_TIERING_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* heat' = heat - heat / 4 + weight (0-255): a page accessed throughout
 * every epoch tends to 1020; one access alone fades by a quarter an
 * epoch. */
#define AML__TIERING_HEAT_MAX 1020
/* Hot: accessed in three epochs running (255, 446, 589) and more. */
#define AML__TIERING_HOT 576
/* A hot page replaces a fast one only if hotter by one epoch's access. */
#define AML__TIERING_MARGIN 255

static inline uint16_t aml__tiering_heat(uint16_t heat, uint8_t weight)
{
	unsigned int h = heat - heat / 4u + weight;

	return (uint16_t)(h > AML__TIERING_HEAT_MAX ? AML__TIERING_HEAT_MAX
						    : h);
}

/* Bytes per heat: hot ones on the slow tier, all on the fast tier. */
struct aml__tiering_hist {
	size_t slow[AML__TIERING_HEAT_MAX + 1];
	size_t fast[AML__TIERING_HEAT_MAX + 1];
	size_t used; /* bytes on the fast tier, units in back-off included */
};

/*
 * The epoch's moves: demote every fast unit colder than demote_level and
 * demote_bytes of those at demote_level; promote every hot slow unit
 * hotter than promote_level and promote_bytes of those at it (promotions
 * further limited to the room left once demotions are done).
 */
struct aml__tiering_plan {
	unsigned int demote_level, promote_level;
	size_t demote_bytes, promote_bytes;
	size_t demote_total, promote_total;
};

/* Plan with `capacity` bytes on the fast tier and `budget` bytes of
 * promotions and the demotions that make room for them; demotions of
 * the excess over capacity do not count against `budget`. */
void aml__tiering_plan(const struct aml__tiering_hist *h, size_t capacity,
		       size_t budget, struct aml__tiering_plan *p);

/* Whether a unit of `heat` is to be demoted (promoted); takes its `bytes`
 * from the plan's share at the cut level. */
int aml__tiering_plan_demotes(struct aml__tiering_plan *p, unsigned int heat,
			      size_t bytes);
int aml__tiering_plan_promotes(struct aml__tiering_plan *p, unsigned int heat,
			       size_t bytes);

#endif /* AML_TIERING_POLICY_H */
