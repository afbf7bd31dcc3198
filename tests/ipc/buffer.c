/* A buffer of a shareable area, exported by one process and opened by
 * another: the same bytes both ways, pages placed by the exporting area's
 * policy also where the opener touches them first (move_pages(2) in both
 * processes, page by page the same nodes), the opener's numa_maps and
 * `aml show` naming the mapping shared with the policy. In the guests,
 * the opener runs on the first node, the exporter on the last. */
#include "ipc_test.h"
#include "numa_check.h"

#define PAGES 256

static size_t page;
static int nodes[64], cpus[64], nnodes;

/* Node of every page of the buffer, by move_pages(2). */
static void page_nodes(const char *p, int *status)
{
	void *pages[PAGES];

	for (int i = 0; i < PAGES; i++)
		pages[i] = (void *)(p + (size_t)i * page);
	CHECK(move_pages(0, PAGES, pages, NULL, status, 0) == 0);
}

/* Pages placed as `area` says: bind on its node, interleave round-robin
 * over all of its nodes, each equally (checked also by the library). */
static void check_placed(struct aml_area *area, int policy, char *p,
			 const int *status)
{
	int count[64] = {0};

	CHECK_EQ(aml_area_linux_check_binding(
		     (struct aml_area_linux_data *)area->data, p, PAGES * page),
		 1);
	for (int i = 0; i < PAGES; i++) {
		CHECK(status[i] >= 0 && status[i] < 64);
		count[status[i]]++;
	}
	if (policy == AML_AREA_LINUX_POLICY_BIND) {
		CHECK_EQ(count[nodes[nnodes - 1]], PAGES);
		return;
	}
	for (int k = 0; k < nnodes; k++)
		CHECK_EQ(count[nodes[k]], PAGES / nnodes);
	for (int i = 1; i < PAGES; i++)
		CHECK(status[i] != status[i - 1] || nnodes == 1);
}

/* What the opener's numa_maps says of the mapping. */
static void check_numa_maps(const char *p, int policy)
{
	char line[1024], want[64];

	CHECK(numa_maps_line(p, line, sizeof(line)));
	printf("opener numa_maps: %s", line);
	if (policy == AML_AREA_LINUX_POLICY_BIND)
		snprintf(want, sizeof(want), " bind:%d ", nodes[nnodes - 1]);
	else
		snprintf(want, sizeof(want), " interleave:");
	CHECK(strstr(line, want) != NULL);
	CHECK(strstr(line, "file=/memfd:aml-shared") != NULL);
}

/* The opener: read the exporter's half, write its own, report nodes. */
static int opener(struct link *l, struct aml_area *area, int policy)
{
	struct aml_ipc_handle h;
	int status[PAGES];
	size_t size = 0;
	char *p, go;

	check_pin(cpus[0]);
	FROM_PARENT(l, &h, sizeof(h));
	p = aml_ipc_open(&h, &size);
	CHECK(p != NULL);
	CHECK_EQ(size, PAGES * page);
	for (size_t i = 0; i < size / 2; i++)
		CHECK_EQ(p[i], (char)(i % 251));
	/* First touch of the second half, here on the first node. */
	for (size_t i = size / 2; i < size; i++)
		p[i] = (char)(i % 241);
	page_nodes(p, status);
	check_placed(area, policy, p, status);
	check_numa_maps(p, policy);
	TO_PARENT(l, status, sizeof(status));
	FROM_PARENT(l, &go, 1); /* the exporter looked at us */
	/* The exporter's later write shows here. */
	CHECK_EQ(p[0], 'x');
	CHECK_EQ(aml_ipc_close(p, size), AML_SUCCESS);
	return 0;
}

/* `aml show PID` draws the opener's mapping as shared, with its policy. */
static void check_show(pid_t pid, const char *p, int policy)
{
	char cmd[256], line[1024], start[32];
	int seen = 0;
	FILE *f;

	if (access(AML_CLI, X_OK) != 0) {
		printf("aml show: %s not built, not checked\n", AML_CLI);
		return;
	}
	snprintf(cmd, sizeof(cmd), "%s show %d", AML_CLI, (int)pid);
	snprintf(start, sizeof(start), "%012lx-", (unsigned long)(uintptr_t)p);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, start, strlen(start)) == 0) {
			printf("aml show of the opener: %s", line);
			CHECK(strstr(line, " rw-s ") != NULL);
			CHECK(strstr(line, "aml shared") != NULL);
			CHECK(strstr(line, policy == AML_AREA_LINUX_POLICY_BIND
					       ? " bind:"
					       : " interleave:") != NULL);
			seen = 1;
		}
	CHECK_EQ(pclose(f), 0);
	CHECK(seen);
}

static void share(struct aml_area *area, int policy)
{
	const size_t size = PAGES * page;
	struct aml_ipc_handle h;
	int status[PAGES], theirs[PAGES];
	struct link l;
	char *p, go = 'q';
	pid_t pid;

	link_open(&l);
	fflush(stdout);
	/* Forked before the buffer exists: the child inherits nothing. */
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		link_side(&l, 1);
		const int rc = opener(&l, area, policy);

		fflush(stdout);
		_exit(rc);
	}
	link_side(&l, 0);
	check_pin(cpus[nnodes - 1]);
	p = aml_area_mmap(area, size, NULL);
	CHECK(p != NULL);
	for (size_t i = 0; i < size / 2; i++)
		p[i] = (char)(i % 251);
	CHECK_EQ(aml_ipc_handle_get(p, size, &h), AML_SUCCESS);
	TO_CHILD(&l, &h, sizeof(h));
	FROM_CHILD(&l, theirs, sizeof(theirs));
	for (size_t i = size / 2; i < size; i++)
		CHECK_EQ(p[i], (char)(i % 241));
	page_nodes(p, status);
	check_placed(area, policy, p, status);
	/* The same pages: the same node for every one, seen from both. */
	CHECK(memcmp(status, theirs, sizeof(status)) == 0);
	check_show(pid, p, policy);
	p[0] = 'x';
	TO_CHILD(&l, &go, 1);
	CHECK_EQ(reap(pid), 0);
	CHECK_EQ(aml_area_munmap(area, p, size), AML_SUCCESS);
	close(l.to_child[1]);
	close(l.to_parent[0]);
}

int main(void)
{
	const int policies[] = {AML_AREA_LINUX_POLICY_BIND,
				AML_AREA_LINUX_POLICY_INTERLEAVE};
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_SHARED};

	page = (size_t)sysconf(_SC_PAGESIZE);
	nnodes = check_cpu_nodes(nodes, cpus, 64);
	CHECK(nnodes >= 1);
	for (int i = 0; i < 2; i++) {
		struct aml_bitmap mask;
		struct aml_area *area;

		aml_bitmap_zero(&mask);
		for (int k = i == 0 ? nnodes - 1 : 0; k < nnodes; k++)
			aml_bitmap_set(&mask, (unsigned int)nodes[k]);
		CHECK_EQ(aml_area_linux_create_attr(&area, &mask, policies[i],
						    &attr),
			 AML_SUCCESS);
		share(area, policies[i]);
		aml_area_linux_destroy(&area);
	}
	printf("exported and opened: bind and interleave over %d node(s)\n",
	       nnodes);
	return 0;
}
