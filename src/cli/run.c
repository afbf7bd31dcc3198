/*
 * aml run: check everything, then exec the program with libaml-preload.so
 * in LD_PRELOAD and the placement in AML_PRELOAD_* variables. Nothing runs
 * before every option, the placement's area and the program are known to
 * be good.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aml/higher/tiering.h"
#include "cli.h"
#include "cli/parse.h"
#include "preload/config.h"

#define PRELOAD_NAME "libaml-preload.so"

/* The preload library's variables, in the order of run_env's values. */
enum {
	POLICY,
	NODES,
	WEIGHTS,
	MIN_SIZE,
	ALL,
	POPULATE,
	TIER,
	FAST_CAPACITY,
	NVARS
};
static const char *const env_names[NVARS] = {
    "AML_PRELOAD_POLICY",   "AML_PRELOAD_NODES",	 "AML_PRELOAD_WEIGHTS",
    "AML_PRELOAD_MIN_SIZE", "AML_PRELOAD_ALL",	 "AML_PRELOAD_POPULATE",
    "AML_PRELOAD_TIER",	    "AML_PRELOAD_FAST_CAPACITY",
};

/* What the options set: each variable's value (NULL: unset). */
struct run_env {
	const char *values[NVARS];
	/* The option that set each variable, for messages. */
	const char *options[NVARS];
	const char *preload;
};

enum {
	OPT_INTERLEAVE = 256,
	OPT_BIND,
	OPT_PREFERRED,
	OPT_WEIGHTS,
	OPT_BEST,
	OPT_MIN_SIZE,
	OPT_ALL,
	OPT_POPULATE,
	OPT_PRELOAD,
	OPT_TIER,
	OPT_FAST_CAPACITY
};

static const struct option options[] = {
    {"interleave", required_argument, NULL, OPT_INTERLEAVE},
    {"bind", required_argument, NULL, OPT_BIND},
    {"preferred", required_argument, NULL, OPT_PREFERRED},
    {"weights", required_argument, NULL, OPT_WEIGHTS},
    {"best", required_argument, NULL, OPT_BEST},
    {"min-size", required_argument, NULL, OPT_MIN_SIZE},
    {"all-allocations", no_argument, NULL, OPT_ALL},
    {"populate", no_argument, NULL, OPT_POPULATE},
    {"preload", required_argument, NULL, OPT_PRELOAD},
    {"tier", required_argument, NULL, OPT_TIER},
    {"fast-capacity", required_argument, NULL, OPT_FAST_CAPACITY},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int set_placement(struct run_env *e, const char *policy,
			 const char *nodes, const char *option)
{
	int var = !strcmp(policy, "weighted") ? WEIGHTS
		  : !strcmp(policy, "tier")   ? TIER
					      : NODES;

	if (e->values[POLICY] != NULL)
		return aml_cli_usage_error("run",
					   "give one placement option only");
	if (nodes != NULL && *nodes == '\0')
		return aml_cli_usage_error("run", "%s: empty value", option);
	e->values[POLICY] = policy;
	e->options[POLICY] = option;
	e->values[var] = nodes;
	e->options[var] = option;
	return 0;
}

static int best_policy(struct run_env *e, const char *criterion)
{
	static const char *const names[] = {"bandwidth", "latency", "capacity",
					    "local"};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(criterion, names[i]))
			return set_placement(e, names[i], NULL, "--best");
	return aml_cli_usage_error(
	    "run", "--best=%s: expected bandwidth, latency, capacity or local",
	    criterion);
}

static int parse_option(struct run_env *e, int opt)
{
	switch (opt) {
	case OPT_INTERLEAVE:
		return set_placement(e, "interleave", optarg, "--interleave");
	case OPT_BIND:
		return set_placement(e, "bind", optarg, "--bind");
	case OPT_PREFERRED:
		return set_placement(e, "preferred", optarg, "--preferred");
	case OPT_WEIGHTS:
		return set_placement(e, "weighted", optarg, "--weights");
	case OPT_BEST:
		return best_policy(e, optarg);
	case OPT_MIN_SIZE:
		e->values[MIN_SIZE] = optarg;
		e->options[MIN_SIZE] = "--min-size";
		return 0;
	case OPT_ALL:
		e->values[ALL] = "1";
		return 0;
	case OPT_POPULATE:
		e->values[POPULATE] = "1";
		return 0;
	case OPT_PRELOAD:
		e->preload = optarg;
		return 0;
	case OPT_TIER:
		return set_placement(e, "tier", optarg, "--tier");
	case OPT_FAST_CAPACITY:
		e->values[FAST_CAPACITY] = optarg;
		e->options[FAST_CAPACITY] = "--fast-capacity";
		return 0;
	case 'h':
		aml_cli_help(stdout);
		return -1;
	default:
		/* getopt_long printed the problem. */
		return AML_CLI_EXIT_USAGE;
	}
}

/* The variables as the preload library will see them. */
static struct run_env *current;
static const char *get_option(const char *name)
{
	for (size_t i = 0; i < NVARS; i++)
		if (!strcmp(name, env_names[i]))
			return current->values[i];
	return NULL;
}

/*
 * The library's message names a variable ("AML_PRELOAD_NODES='0-': ...");
 * say the option instead ("--bind=0-: ...").
 */
static int config_error(const struct run_env *e, const char *err)
{
	for (size_t i = 0; i < NVARS; i++) {
		size_t n = strlen(env_names[i]);
		const char *rest;

		if (strncmp(err, env_names[i], n) || err[n] != '=' ||
		    e->options[i] == NULL || e->values[i] == NULL)
			continue;
		rest = strstr(err, "': ");
		if (rest != NULL)
			return aml_cli_usage_error("run", "%s=%s: %s",
						   e->options[i], e->values[i],
						   rest + 3);
	}
	return aml_cli_usage_error("run", "%s", err);
}

/* Make the tiering once: its nodes and a way to measure access. */
static int check_tiering(const struct aml_preload_config *config)
{
	struct aml_tiering *t;
	int rc = aml_preload_tiering_create(config, &t);

	aml_tiering_destroy(&t);
	if (rc == -AML_ENOTSUP)
		return aml_cli_usage_error(
		    "run",
		    "--tier: no way to measure access here (see "
		    "<aml/higher/tiering.h>: soft-dirty bits, or Linux 6.7 "
		    "for userfaultfd write-protection)");
	if (rc != AML_SUCCESS)
		return aml_cli_usage_error("run", "--tier: %s",
					   aml_strerror(rc));
	return 0;
}

/* --all-allocations: a heap on the area, as the library will make. */
static int check_heap(struct aml_area *area)
{
	struct aml_allocator *heap;
	int rc = aml_allocator_heap_create(&heap, area, NULL);

	aml_allocator_heap_destroy(&heap);
	if (rc == -AML_ENOTSUP)
		return aml_cli_usage_error("run", "--all-allocations: %s",
					   AML_PRELOAD_HEAP_MISSING);
	if (rc != AML_SUCCESS)
		return aml_cli_usage_error("run", "--all-allocations: %s",
					   aml_strerror(rc));
	return 0;
}

/* Parse the settings as the library will, and make the area once. */
static int check_placement(struct run_env *e)
{
	struct aml_preload_config config;
	char err[AML_CLI_ERRLEN * 2];
	struct aml_bitmap present;
	struct aml_area *area = NULL;
	int rc;

	aml_cli_online_nodes(&present);
	current = e;
	if (aml_preload_config_parse(&config, get_option, &present, err,
				     sizeof(err)) != 0)
		return config_error(e, err);
	rc = aml_preload_area_create(&config, &area);
	if (rc != AML_SUCCESS && config.policy == AML_PRELOAD_BEST)
		return aml_cli_usage_error(
		    "run",
		    "--best=%s: not available here (%s): the firmware "
		    "publishes no such value for these CPUs; try "
		    "--best=capacity or --best=local",
		    e->values[POLICY], aml_strerror(rc));
	if (rc != AML_SUCCESS)
		return aml_cli_usage_error(
		    "run", "this placement is not available here: %s",
		    aml_strerror(rc));
	rc = config.all ? check_heap(area) : 0;
	aml_preload_area_destroy(&config, &area);
	if (rc != 0)
		return rc;
	return config.policy == AML_PRELOAD_TIER ? check_tiering(&config) : 0;
}

/* Whether `path` names a readable file. */
static int exists(const char *path)
{
	return access(path, R_OK) == 0;
}

/* The preload library: --preload, AML_PRELOAD_LIBRARY, or near aml. */
static int find_preload(struct run_env *e, char *out, size_t len)
{
	static const char *const near[] = {
	    "%s/" PRELOAD_NAME, "%s/../preload/" PRELOAD_NAME,
	    "%s/../lib/" PRELOAD_NAME, AML_CLI_LIBDIR "/" PRELOAD_NAME};
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (e->preload == NULL)
		e->preload = getenv("AML_PRELOAD_LIBRARY");
	if (e->preload != NULL) {
		snprintf(out, len, "%s", e->preload);
		return exists(out) ? 0 : -1;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	for (size_t i = 0; i < sizeof(near) / sizeof(*near); i++) {
		snprintf(out, len, near[i], self);
		if (exists(out))
			return 0;
	}
	return -1;
}

/* Find PROGRAM as execvp would; 0, or 126/127 with one line said. */
static int find_program(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	int denied = 0;

	if (*prog == '\0')
		return fprintf(stderr, "aml run: empty program name\n"), 127;
	if (strchr(prog, '/') != NULL) {
		snprintf(out, len, "%s", prog);
		if (access(out, X_OK) == 0)
			return 0;
		fprintf(stderr, "aml run: %s: %s\n", prog, strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? 127 : 126;
	}
	for (p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p; p = end) {
		end = strchrnul(p, ':');
		snprintf(out, len, "%.*s%s%s", (int)(end - p), p,
			 end > p ? "/" : "", prog);
		if (access(out, X_OK) == 0)
			return 0;
		denied |= errno == EACCES;
		if (*end == ':')
			end++;
	}
	fprintf(stderr, "aml run: %s: %s\n", prog,
		denied ? "permission denied" : "command not found");
	return denied ? 126 : 127;
}

static int export_env(const struct run_env *e, const char *preload)
{
	const char *old = getenv("LD_PRELOAD");
	char buf[PATH_MAX * 2];

	for (size_t i = 0; i < NVARS; i++)
		if ((e->values[i] ? setenv(env_names[i], e->values[i], 1)
				  : unsetenv(env_names[i])) != 0)
			return -1;
	if (old != NULL && *old != '\0')
		snprintf(buf, sizeof(buf), "%s:%s", preload, old);
	else
		snprintf(buf, sizeof(buf), "%s", preload);
	return setenv("LD_PRELOAD", buf, 1);
}

int aml_cli_run(int argc, char **argv)
{
	struct run_env e = {0};
	char preload[PATH_MAX], prog[PATH_MAX];
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1)
		if ((rc = parse_option(&e, opt)) != 0)
			return rc < 0 ? 0 : rc;
	if (optind >= argc)
		return aml_cli_usage_error("run", "no program given");
	if (e.values[POLICY] == NULL)
		set_placement(&e, "interleave", "all", "--interleave");
	if ((rc = check_placement(&e)) != 0)
		return rc;
	if (find_preload(&e, preload, sizeof(preload)) != 0)
		return aml_cli_usage_error(
		    "run", "cannot find %s (give --preload=PATH)",
		    e.preload ? e.preload : PRELOAD_NAME);
	if ((rc = find_program(argv[optind], prog, sizeof(prog))) != 0)
		return rc;
	if (export_env(&e, preload) != 0)
		return perror("aml run: setenv"), 1;
	execv(prog, argv + optind);
	fprintf(stderr, "aml run: %s: %s\n", argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
