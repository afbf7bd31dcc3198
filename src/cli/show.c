/*
 * aml show: the mappings of a process (/proc/PID/maps), their policy and
 * per-node page counts (/proc/PID/numa_maps: exact, and cheap because the
 * kernel skips unpopulated ranges), and a page map drawn from a bounded
 * sample of pages queried with move_pages(2) on the process, so that the
 * answer takes the same time for a 64 GiB sparse mapping as for a small
 * one.
 */
#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aml.h"
#include "cli.h"
#include "tiering/counters.h"

/* Nodes counted per mapping. */
#define MAX_NODES 64
/* Pages queried per character of a page map, at most. */
#define SAMPLES 8
/* Pages queried in all; above it, one page per character. */
#define SAMPLE_BUDGET (1UL << 20)
/* Pages per move_pages(2) call. */
#define BATCH 4096

struct mapping {
	unsigned long start, end;
	char perms[8];
	/* "heap", "stack", "anonymous", a file name, "[vdso]"... */
	char *backing;
	/* From numa_maps: "interleave:0-3", "bind:1", "default"... */
	char policy[64];
	unsigned long pages[MAX_NODES];
	unsigned long placed;
	char *map;
};

/* Tierings of the process seen: their published counters. */
#define MAX_TIERINGS 16

struct process {
	int pid;
	char name[64];
	struct mapping *maps;
	size_t count, cap;
	struct aml__tiering_counters tierings[MAX_TIERINGS];
	size_t ntierings;
};

static int open_error(const struct process *p, const char *file)
{
	if (errno == ENOENT || errno == ESRCH)
		fprintf(stderr, "aml show: no process %d\n", p->pid);
	else if (errno == EACCES || errno == EPERM)
		fprintf(stderr,
			"aml show: cannot read the memory of process %d: "
			"permission denied (another user's process: run as "
			"that user or as root)\n",
			p->pid);
	else
		fprintf(stderr, "aml show: cannot read %s: %s\n", file,
			strerror(errno));
	return 1;
}

static FILE *open_proc(const struct process *p, const char *what)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", p->pid, what);
	f = fopen(path, "r");
	if (f == NULL)
		open_error(p, path);
	return f;
}

static struct mapping *add_mapping(struct process *p)
{
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct mapping *m = realloc(p->maps, cap * sizeof(*m));

		if (m == NULL)
			return NULL;
		p->maps = m;
		p->cap = cap;
	}
	memset(&p->maps[p->count], 0, sizeof(*p->maps));
	return &p->maps[p->count++];
}

static const char *backing_of(const char *path)
{
	if (*path == '\0')
		return "anonymous";
	if (!strcmp(path, "[heap]"))
		return "heap";
	if (!strncmp(path, "[stack", 6))
		return "stack";
	return path;
}

static int read_maps(struct process *p)
{
	char *line = NULL, path[4096];
	size_t len = 0;
	FILE *f = open_proc(p, "maps");
	struct mapping *m = NULL;
	int rc = 0;

	if (f == NULL)
		return -1;
	while (getline(&line, &len, f) > 0) {
		path[0] = '\0';
		if ((m = add_mapping(p)) == NULL) {
			rc = -1;
			break;
		}
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095[^\n]",
			   &m->start, &m->end, m->perms, path) < 3) {
			p->count--;
			continue;
		}
		m->backing = strdup(backing_of(path));
		strcpy(m->policy, "-");
	}
	free(line);
	fclose(f);
	return rc;
}

/* Apply one numa_maps line's fields to its mapping. */
static void numa_fields(struct mapping *m, char *fields)
{
	char *save = NULL, *tok = strtok_r(fields, " \n", &save);
	unsigned long n, count;

	if (tok == NULL)
		return;
	snprintf(m->policy, sizeof(m->policy), "%s", tok);
	/* Two-word policies: "weighted interleave:0-3", "prefer (many):1". */
	if (!strcmp(tok, "weighted") ||
	    (!strcmp(tok, "prefer") && save && *save == '(')) {
		tok = strtok_r(NULL, " \n", &save);
		if (tok != NULL)
			snprintf(m->policy, sizeof(m->policy), "%s %s",
				 !strcmp(m->policy, "weighted") ? "weighted"
								: "prefer",
				 tok);
	}
	while ((tok = strtok_r(NULL, " \n", &save)) != NULL) {
		if (sscanf(tok, "N%lu=%lu", &n, &count) != 2 || n >= MAX_NODES)
			continue;
		m->pages[n] += count;
		m->placed += count;
	}
}

/* numa_maps lists the same mappings in the same order, by start. */
static int read_numa_maps(struct process *p)
{
	char *line = NULL, *fields;
	size_t len = 0, i = 0;
	unsigned long start;
	FILE *f = open_proc(p, "numa_maps");

	if (f == NULL)
		return -1;
	while (getline(&line, &len, f) > 0) {
		start = strtoul(line, &fields, 16);
		while (i < p->count && p->maps[i].start < start)
			i++;
		if (i < p->count && p->maps[i].start == start)
			numa_fields(&p->maps[i], fields);
	}
	free(line);
	fclose(f);
	return 0;
}

static void read_name(struct process *p)
{
	FILE *f;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", p->pid);
	f = fopen(path, "r");
	p->name[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(p->name, sizeof(p->name), f) == NULL)
		p->name[0] = '\0';
	p->name[strcspn(p->name, "\n")] = '\0';
	fclose(f);
}

/* Characters of a mapping's map and pages sampled per character. */
static void map_shape(const struct mapping *m, size_t width, size_t page,
		      int sparse, size_t *chars, size_t *samples)
{
	size_t npages = (m->end - m->start) / page;

	*chars = npages < width ? npages : width;
	*samples = 0;
	if (m->placed == 0 || *chars == 0)
		return;
	*samples = sparse ? 1 : (npages + *chars - 1) / *chars;
	if (*samples > SAMPLES)
		*samples = SAMPLES;
}

/* Address of sample `k` of character `c`. */
static void *sample_addr(const struct mapping *m, size_t page, size_t chars,
			 size_t samples, size_t c, size_t k)
{
	size_t npages = (m->end - m->start) / page;
	size_t lo = c * npages / chars, hi = (c + 1) * npages / chars;
	/* Pairs of adjacent pages, spread: page interleave shows as mixed. */
	size_t groups = (samples + 1) / 2;
	size_t at = lo + (k / 2) * (hi - lo) / groups + k % 2;

	if (at >= hi)
		at = hi - 1;
	return (void *)(m->start + at * page);
}

static char node_char(int node)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

	return node < (int)sizeof(digits) - 1 ? digits[node] : '#';
}

/* One character from the status of its samples. */
static char draw(const int *status, size_t samples)
{
	int node = -1;

	for (size_t k = 0; k < samples; k++) {
		if (status[k] < 0)
			continue;
		if (node >= 0 && status[k] != node)
			return '*';
		node = status[k];
	}
	return node < 0 ? '.' : node_char(node);
}

static int query(int pid, void **pages, int *status, size_t n)
{
	for (size_t i = 0; i < n; i += BATCH) {
		size_t count = n - i < BATCH ? n - i : BATCH;

		if (move_pages(pid, count, pages + i, NULL, status + i, 0) < 0)
			return -1;
	}
	return 0;
}

/* Fill every mapping's map: sample, query in batches, draw. */
static int page_maps(struct process *p, size_t width)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), total = 0, at = 0;
	size_t chars, samples;
	void **pages;
	int *status, sparse = 0, rc;

	/* Over the budget, one page per character. */
	for (int pass = 0; pass < 2 && !sparse; pass++) {
		sparse = pass;
		total = 0;
		for (size_t i = 0; i < p->count; i++) {
			map_shape(&p->maps[i], width, page, sparse, &chars,
				  &samples);
			total += chars * samples;
		}
		if (total <= SAMPLE_BUDGET)
			break;
	}
	pages = malloc((total + 1) * sizeof(*pages));
	status = malloc((total + 1) * sizeof(*status));
	if (pages == NULL || status == NULL)
		return free(pages), free(status), -1;
	for (size_t i = 0; i < p->count; i++) {
		struct mapping *m = &p->maps[i];

		map_shape(m, width, page, sparse, &chars, &samples);
		for (size_t c = 0; c < chars; c++)
			for (size_t k = 0; k < samples; k++)
				pages[at++] =
				    sample_addr(m, page, chars, samples, c, k);
	}
	rc = query(p->pid, pages, status, total);
	if (rc != 0)
		fprintf(stderr, "aml show: move_pages on process %d: %s\n",
			p->pid, strerror(errno));
	at = 0;
	for (size_t i = 0; i < p->count; i++) {
		struct mapping *m = &p->maps[i];

		map_shape(m, width, page, sparse, &chars, &samples);
		m->map = malloc(chars + 1);
		if (m->map == NULL)
			continue;
		for (size_t c = 0; c < chars; c++, at += samples)
			m->map[c] = samples && rc == 0
					? draw(status + at, samples)
				    : samples ? '?'
					      : '.';
		m->map[chars] = '\0';
	}
	free(pages);
	free(status);
	return rc;
}

static void print_map(const char *map, int colour)
{
	for (const char *c = map; *c; c++) {
		int node = -1;

		if (*c >= '0' && *c <= '9')
			node = *c - '0';
		else if (*c >= 'a' && *c <= 'z')
			node = *c - 'a' + 10;
		if (!colour || node < 0) {
			putchar(*c);
			continue;
		}
		/* Six colours, then bold ones. */
		printf("\033[%s3%dm%c\033[0m", node % 12 >= 6 ? "1;" : "",
		       1 + node % 6, *c);
	}
}

static void print_pages(const struct mapping *m, FILE *f, int json)
{
	int first = 1;

	for (int n = 0; n < MAX_NODES; n++) {
		if (!m->pages[n])
			continue;
		fprintf(f, json ? "%s\"%d\": %lu" : "%s%d:%lu",
			first  ? ""
			: json ? ", "
			       : " ",
			n, m->pages[n]);
		first = 0;
	}
	if (first && !json)
		fputs("-", f);
}

/* A file's base name, for the text table (JSON has the full path). */
static const char *short_name(const char *backing)
{
	const char *slash;

	if (backing == NULL)
		return "?";
	/* The objects of AML's shareable areas and shared replica sets
	 * (<aml/higher/ipc.h>). */
	if (!strncmp(backing, "/memfd:aml-shared", 17))
		return "aml shared";
	slash = strrchr(backing, '/');
	return slash != NULL && slash[1] != '\0' ? slash + 1 : backing;
}

/* The counters in descriptor `fd` as of one moment (the writer makes
 * the sequence number odd while it writes). Returns 0 or -1. */
static int read_counters(int fd, struct aml__tiering_counters *c)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint64_t seq;

		if (pread(fd, c, sizeof(*c), 0) != (ssize_t)sizeof(*c) ||
		    c->magic != AML__TIERING_COUNTERS_MAGIC)
			return -1;
		if (c->seq % 2 == 0 &&
		    pread(fd, &seq, sizeof(seq),
			  offsetof(struct aml__tiering_counters, seq)) ==
			(ssize_t)sizeof(seq) &&
		    seq == c->seq)
			return 0;
		usleep(100);
	}
	return -1;
}

/* The tierings' memory files among the process's descriptors (another
 * process's memfd opened through /proc/PID/fd/N); a child's inherited
 * copy, written by its parent, is not its own. */
static void read_tierings(struct process *p)
{
	char dir[64], path[320], link[256];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", p->pid);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && p->ntierings < MAX_TIERINGS) {
		struct aml__tiering_counters *c = &p->tierings[p->ntierings];
		ssize_t n;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, "/memfd:" AML__TIERING_COUNTERS_NAME " ",
			    strlen("/memfd:" AML__TIERING_COUNTERS_NAME " ")))
			continue;
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		if (read_counters(fd, c) == 0 && c->pid == p->pid)
			p->ntierings++;
		close(fd);
	}
	closedir(d);
}

static void print_tiering(const struct aml__tiering_counters *c)
{
	char size[32];

	printf("tiering (%s%s): fast %s, slow %s, capacity %s: %llu epochs, "
	       "%llu pages on fast, %llu on slow, %llu hot, %llu huge; %llu "
	       "promoted, %llu demoted, %llu busy; last epoch %.2f ms\n",
	       c->method, c->running ? ", running" : "", c->fast,
	       c->slow[0] ? c->slow : "-",
	       aml_cli_human_size(c->fast_capacity, size, sizeof(size)),
	       (unsigned long long)c->epochs,
	       (unsigned long long)c->pages_fast,
	       (unsigned long long)c->pages_slow,
	       (unsigned long long)c->pages_hot,
	       (unsigned long long)c->pages_huge,
	       (unsigned long long)c->promoted,
	       (unsigned long long)c->demoted, (unsigned long long)c->busy,
	       c->epoch_ns / 1e6);
}

static void print_tiering_json(const struct aml__tiering_counters *c)
{
	printf("{\"method\": \"%s\", \"running\": %s, \"fast\": \"%s\", "
	       "\"slow\": \"%s\", \"fast_capacity\": %llu, \"epochs\": %llu, "
	       "\"pages_fast\": %llu, \"pages_slow\": %llu, \"pages_hot\": "
	       "%llu, \"pages_huge\": %llu, \"pages_managed\": %llu, "
	       "\"promoted\": %llu, \"demoted\": %llu, \"busy\": %llu, "
	       "\"epoch_ns\": %llu, \"total_ns\": %llu}",
	       c->method, c->running ? "true" : "false", c->fast, c->slow,
	       (unsigned long long)c->fast_capacity,
	       (unsigned long long)c->epochs,
	       (unsigned long long)c->pages_fast,
	       (unsigned long long)c->pages_slow,
	       (unsigned long long)c->pages_hot,
	       (unsigned long long)c->pages_huge,
	       (unsigned long long)c->pages_managed,
	       (unsigned long long)c->promoted,
	       (unsigned long long)c->demoted, (unsigned long long)c->busy,
	       (unsigned long long)c->epoch_ns,
	       (unsigned long long)c->total_ns);
}

static void print_text(const struct process *p)
{
	unsigned long placed = 0;
	int colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	char size[32];

	for (size_t i = 0; i < p->count; i++)
		placed += p->maps[i].placed;
	printf("process %d (%s): %zu mappings, %lu pages placed\n", p->pid,
	       p->name, p->count, placed);
	printf("%-25s %10s %-5s %-24s %-16s %s\n", "address", "size", "perm",
	       "backing", "policy", "pages per node / map");
	for (size_t i = 0; i < p->count; i++) {
		const struct mapping *m = &p->maps[i];

		printf(
		    "%012lx-%012lx %10s %-5s %-24.24s %-16s ", m->start, m->end,
		    aml_cli_human_size(m->end - m->start, size, sizeof(size)),
		    m->perms, short_name(m->backing), m->policy);
		print_pages(m, stdout, 0);
		if (m->map != NULL && m->map[0] != '\0') {
			fputs(" ", stdout);
			print_map(m->map, colour);
		}
		putchar('\n');
	}
	for (size_t i = 0; i < p->ntierings; i++)
		print_tiering(&p->tierings[i]);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_string(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(const struct process *p)
{
	printf("{\"pid\": %d, \"name\": ", p->pid);
	json_string(p->name);
	printf(", \"mappings\": [");
	for (size_t i = 0; i < p->count; i++) {
		const struct mapping *m = &p->maps[i];

		printf("%s\n  {\"start\": \"0x%lx\", \"end\": \"0x%lx\", "
		       "\"size\": %lu, \"perms\": \"%s\", \"backing\": ",
		       i ? "," : "", m->start, m->end, m->end - m->start,
		       m->perms);
		json_string(m->backing);
		printf(", \"policy\": ");
		json_string(m->policy);
		printf(", \"pages\": {");
		print_pages(m, stdout, 1);
		printf("}, \"map\": ");
		json_string(m->map ? m->map : "");
		putchar('}');
	}
	printf("\n], \"tierings\": [");
	for (size_t i = 0; i < p->ntierings; i++) {
		printf("%s\n  ", i ? "," : "");
		print_tiering_json(&p->tierings[i]);
	}
	printf("\n]}\n");
}

static void release(struct process *p)
{
	for (size_t i = 0; i < p->count; i++) {
		free(p->maps[i].backing);
		free(p->maps[i].map);
	}
	free(p->maps);
}

static int parse_args(int argc, char **argv, struct process *p, int *json,
		      size_t *width)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"width", required_argument, NULL, 'w'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	char *end;
	long v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'j') {
			*json = 1;
		} else if (opt == 'w') {
			v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 100000)
				return aml_cli_usage_error(
				    "show", "--width=%s: expected 1 to 100000",
				    optarg);
			*width = (size_t)v;
		} else if (opt == 'h') {
			aml_cli_help(stdout);
			return -1;
		} else {
			return AML_CLI_EXIT_USAGE;
		}
	}
	p->pid = getpid();
	if (optind < argc) {
		v = strtol(argv[optind], &end, 10);
		if (*argv[optind] == '\0' || *end || v <= 0 || v > 1 << 30)
			return aml_cli_usage_error(
			    "show", "'%s' is not a process id", argv[optind]);
		p->pid = (int)v;
		optind++;
	}
	if (optind < argc)
		return aml_cli_usage_error("show", "unexpected argument '%s'",
					   argv[optind]);
	return 0;
}

int aml_cli_show(int argc, char **argv)
{
	struct process p = {0};
	size_t width = 64;
	int json = 0, rc;

	rc = parse_args(argc, argv, &p, &json, &width);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if (read_maps(&p) != 0 || read_numa_maps(&p) != 0) {
		release(&p);
		return 1;
	}
	read_name(&p);
	read_tierings(&p);
	rc = page_maps(&p, width) != 0;
	if (json)
		print_json(&p);
	else
		print_text(&p);
	release(&p);
	return rc;
}
