#include "config.h"

#include <stdio.h>
#include <string.h>

#include "aml/area/hwloc.h"
#include "aml/area/linux.h"
#include "aml/higher/tiering.h"
#include "cli/parse.h"

static const struct {
	const char *name;
	enum aml_preload_policy policy;
	int criterion;
} policies[] = {
    {"default", AML_PRELOAD_DEFAULT, 0},
    {"bind", AML_PRELOAD_BIND, 0},
    {"preferred", AML_PRELOAD_PREFERRED, 0},
    {"interleave", AML_PRELOAD_INTERLEAVE, 0},
    {"weighted", AML_PRELOAD_WEIGHTED, 0},
    {"bandwidth", AML_PRELOAD_BEST, AML_AREA_HWLOC_BANDWIDTH},
    {"latency", AML_PRELOAD_BEST, AML_AREA_HWLOC_LATENCY},
    {"capacity", AML_PRELOAD_BEST, AML_AREA_HWLOC_CAPACITY},
    {"local", AML_PRELOAD_BEST, AML_AREA_HWLOC_LOCAL},
    {"tier", AML_PRELOAD_TIER, 0},
};

static int fail_var(char *err, size_t errlen, const char *var,
		    const char *value, const char *why)
{
	snprintf(err, errlen, "%s='%s': %s", var, value, why);
	aml_cli_one_line(err);
	return -1;
}

static int parse_policy(struct aml_preload_config *c, const char *v, char *err,
			size_t errlen)
{
	if (v == NULL || *v == '\0')
		v = "interleave";
	for (size_t i = 0; i < sizeof(policies) / sizeof(*policies); i++) {
		if (strcmp(v, policies[i].name) != 0)
			continue;
		c->policy = policies[i].policy;
		c->criterion = policies[i].criterion;
		return 0;
	}
	return fail_var(err, errlen, "AML_PRELOAD_POLICY", v,
			"unknown policy (default, bind, preferred, interleave, "
			"weighted, bandwidth, latency, capacity, local, tier)");
}

static int parse_flag(int *flag, const char *var, const char *v, char *err,
		      size_t errlen)
{
	*flag = 0;
	if (v == NULL || *v == '\0' || strcmp(v, "0") == 0)
		return 0;
	if (strcmp(v, "1") == 0) {
		*flag = 1;
		return 0;
	}
	return fail_var(err, errlen, var, v, "expected 0 or 1");
}

/* AML_PRELOAD_TIER: "FAST:SLOW", two disjoint node lists. */
static int parse_tiers(struct aml_preload_config *c, const char *v,
		       const struct aml_bitmap *present, char *err,
		       size_t errlen)
{
	char why[AML_CLI_ERRLEN], fast[256];
	const char *colon = v ? strchr(v, ':') : NULL;

	if (colon == NULL || (size_t)(colon - v) >= sizeof(fast))
		return fail_var(err, errlen, "AML_PRELOAD_TIER", v ? v : "",
				"expected FAST:SLOW, two node lists");
	memcpy(fast, v, (size_t)(colon - v));
	fast[colon - v] = '\0';
	if (aml_cli_parse_nodes(fast, present, &c->fast, why, sizeof(why)) ||
	    aml_cli_parse_nodes(colon + 1, present, &c->nodes, why,
				sizeof(why)))
		return fail_var(err, errlen, "AML_PRELOAD_TIER", v, why);
	for (unsigned int i = 0; i < AML_BITMAP_MAX; i++)
		if (aml_bitmap_isset(&c->fast, i) &&
		    aml_bitmap_isset(&c->nodes, i))
			return fail_var(err, errlen, "AML_PRELOAD_TIER", v,
					"the tiers share a node");
	return 0;
}

/* AML_PRELOAD_FAST_CAPACITY, with the tier policy only. */
static int parse_capacity(struct aml_preload_config *c, const char *v,
			  char *err, size_t errlen)
{
	char why[AML_CLI_ERRLEN];

	if (v == NULL || *v == '\0')
		return 0;
	if (c->policy != AML_PRELOAD_TIER)
		return fail_var(err, errlen, "AML_PRELOAD_FAST_CAPACITY", v,
				"only with the tier policy");
	if (aml_cli_parse_size(v, &c->fast_capacity, why, sizeof(why)) != 0)
		return fail_var(err, errlen, "AML_PRELOAD_FAST_CAPACITY", v,
				why);
	return 0;
}

/* AML_PRELOAD_NODES, or AML_PRELOAD_WEIGHTS for the weighted policy. */
static int parse_nodes(struct aml_preload_config *c, const char *nodes,
		       const char *weights, const struct aml_bitmap *present,
		       char *err, size_t errlen)
{
	char why[AML_CLI_ERRLEN];

	if (c->policy == AML_PRELOAD_WEIGHTED) {
		if (weights == NULL)
			return fail_var(err, errlen, "AML_PRELOAD_WEIGHTS", "",
					"the weighted policy needs weights");
		if (aml_cli_parse_weights(weights, present, c->weights,
					  &c->nodes, why, sizeof(why)) != 0)
			return fail_var(err, errlen, "AML_PRELOAD_WEIGHTS",
					weights, why);
		return 0;
	}
	if (nodes == NULL || *nodes == '\0') {
		aml_bitmap_copy(&c->nodes, present);
		if (c->policy == AML_PRELOAD_PREFERRED)
			return fail_var(err, errlen, "AML_PRELOAD_NODES", "",
					"the preferred policy needs a node");
		return 0;
	}
	if (aml_cli_parse_nodes(nodes, present, &c->nodes, why, sizeof(why)))
		return fail_var(err, errlen, "AML_PRELOAD_NODES", nodes, why);
	if (c->policy == AML_PRELOAD_PREFERRED &&
	    aml_bitmap_nset(&c->nodes) != 1)
		return fail_var(err, errlen, "AML_PRELOAD_NODES", nodes,
				"the preferred policy takes one node");
	return 0;
}

int aml_preload_config_parse(struct aml_preload_config *c,
			     const char *(*get)(const char *name),
			     const struct aml_bitmap *present, char *err,
			     size_t errlen)
{
	const char *size = get("AML_PRELOAD_MIN_SIZE");
	char why[AML_CLI_ERRLEN];

	memset(c, 0, sizeof(*c));
	c->min_size = AML_PRELOAD_DEFAULT_MIN_SIZE;
	if (parse_policy(c, get("AML_PRELOAD_POLICY"), err, errlen) != 0)
		return -1;
	if (c->policy == AML_PRELOAD_TIER
		? parse_tiers(c, get("AML_PRELOAD_TIER"), present, err, errlen)
		: parse_nodes(c, get("AML_PRELOAD_NODES"),
			      get("AML_PRELOAD_WEIGHTS"), present, err, errlen))
		return -1;
	if (parse_capacity(c, get("AML_PRELOAD_FAST_CAPACITY"), err, errlen))
		return -1;
	if (size != NULL &&
	    aml_cli_parse_size(size, &c->min_size, why, sizeof(why)) != 0)
		return fail_var(err, errlen, "AML_PRELOAD_MIN_SIZE", size, why);
	if (parse_flag(&c->all, "AML_PRELOAD_ALL", get("AML_PRELOAD_ALL"), err,
		       errlen) != 0)
		return -1;
	return parse_flag(&c->populate, "AML_PRELOAD_POPULATE",
			  get("AML_PRELOAD_POPULATE"), err, errlen);
}

int aml_preload_area_create(const struct aml_preload_config *c,
			    struct aml_area **out)
{
	static const enum aml_area_linux_policy linux_policy[] = {
	    [AML_PRELOAD_DEFAULT] = AML_AREA_LINUX_POLICY_DEFAULT,
	    [AML_PRELOAD_BIND] = AML_AREA_LINUX_POLICY_BIND,
	    [AML_PRELOAD_PREFERRED] = AML_AREA_LINUX_POLICY_PREFERRED,
	    [AML_PRELOAD_INTERLEAVE] = AML_AREA_LINUX_POLICY_INTERLEAVE,
	    [AML_PRELOAD_WEIGHTED] = AML_AREA_LINUX_POLICY_WEIGHTED_INTERLEAVE,
	    /* Large allocations start on the slow tier. */
	    [AML_PRELOAD_TIER] = AML_AREA_LINUX_POLICY_BIND,
	};
	struct aml_area_linux_attr attr = {0};

	if (c->policy == AML_PRELOAD_BEST)
		return aml_area_hwloc_create_best(
		    out, (enum aml_area_hwloc_criterion)c->criterion, NULL,
		    AML_AREA_HWLOC_FALLBACK_PREFERRED);
	if (c->populate)
		attr.flags = AML_AREA_LINUX_FLAG_POPULATE;
	if (c->policy == AML_PRELOAD_WEIGHTED)
		attr.weights = c->weights;
	return aml_area_linux_create_attr(
	    out, c->policy == AML_PRELOAD_DEFAULT ? NULL : &c->nodes,
	    linux_policy[c->policy], &attr);
}

void aml_preload_area_destroy(const struct aml_preload_config *c,
			      struct aml_area **area)
{
	if (c->policy == AML_PRELOAD_BEST)
		aml_area_hwloc_destroy(area);
	else
		aml_area_linux_destroy(area);
}

int aml_preload_tiering_create(const struct aml_preload_config *c,
			       struct aml_tiering **t)
{
	struct aml_tiering_attr attr = {
	    .fast = &c->fast,
	    .slow = &c->nodes,
	    .fast_capacity = c->fast_capacity,
	};

	return aml_tiering_create(t, &attr);
}
