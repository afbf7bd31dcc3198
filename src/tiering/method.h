/*
 * The interface of an access-measuring method: each file of this folder
 * that measures access (uffd.c, softdirty.c, damon.c) fills one table;
 * the engine (epoch.c) calls it and knows no method. Not installed.
 */
#ifndef AML_TIERING_METHOD_H
#define AML_TIERING_METHOD_H

#include "aml/higher/tiering.h"
#include "tiering/range.h"

struct aml__tiering_method {
	enum aml_tiering_method id;
	const char *name;
	/* AML_SUCCESS if the method works in this process, else
	 * -AML_ENOTSUP. */
	int (*probe)(void);
	/* A method state for one tiering, whose epochs last about
	 * `interval_ms`. Returns AML_SUCCESS or a negated AML code. */
	int (*open)(void **state, unsigned int interval_ms);
	void (*close)(void *state);
	/* Watch one more range, or stop watching one. */
	int (*add)(void *state, struct aml__tiering_range *r);
	void (*remove)(void *state, struct aml__tiering_range *r);
	/* Optional: called once per epoch before and after sampling every
	 * range. */
	int (*begin)(void *state);
	int (*end)(void *state);
	/* Fill r->weight with each page's access since the last sample (0
	 * none, 255 throughout the epoch), and measure anew. Returns
	 * AML_SUCCESS or a negated AML code. */
	int (*sample)(void *state, struct aml__tiering_range *r);
};

extern const struct aml__tiering_method aml__tiering_uffd;
extern const struct aml__tiering_method aml__tiering_softdirty;
extern const struct aml__tiering_method aml__tiering_damon;

#endif /* AML_TIERING_METHOD_H */
