/* Linux areas inside a cgroup v2 cpuset that narrows the memory nodes to
 * the second and third allowed nodes (nodes 1-2 of the vm4 guest): a
 * nodemask outside the cpuset gives -AML_EDOM, a NULL mask means exactly
 * the cpuset's nodes, and bind and interleave place pages on them only
 * (checked with move_pages(2)); then the placement and policy tests run
 * again inside the cpuset. Needs root, cgroup v2 with the cpuset controller
 * and three nodes: skipped otherwise. */
#include <libgen.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "linux_test.h"

#define NPAGES 64
#define CGROOT "/sys/fs/cgroup"

static char cgroup[PATH_MAX];	/* the test's cgroup */
static char previous[PATH_MAX]; /* the cgroup the process came from */

static int write_file(const char *dir, const char *file, const char *value)
{
	char path[PATH_MAX * 2];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	if (f == NULL)
		return 0;
	ok = fputs(value, f) >= 0;
	return (fclose(f) == 0) && ok;
}

/* Mount cgroup v2 on /sys/fs/cgroup unless some cgroup v2 is mounted
 * there already; 0 when there is none to be had. */
static int cgroup2_mounted(void)
{
	char line[1024];
	int found = 0;
	FILE *f = fopen("/proc/mounts", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, " " CGROOT " cgroup2 ") != NULL)
			found = 1;
	fclose(f);
	return found || mount("cgroup2", CGROOT, "cgroup2", 0, NULL) == 0;
}

/* The cgroup this process is in, under CGROOT. */
static int own_cgroup(char *out, size_t len)
{
	char line[PATH_MAX];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = snprintf(out, len, "%s%s", CGROOT,
				 strcmp(line + 3, "/") == 0 ? "" : line + 3) <
			(int)len;
	}
	fclose(f);
	return found;
}

/* Cgroups the cpuset controller counts (/proc/cgroups); -1 if unknown. */
static int cpuset_cgroups(void)
{
	char line[256];
	int n = -1, count;
	FILE *f = fopen("/proc/cgroups", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "cpuset %*d %d", &count) == 1)
			n = count;
	fclose(f);
	return n;
}

static int cgroups_before = -1; /* cpuset_cgroups() before ours */

static void leave_cpuset(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	write_file(previous, "cgroup.procs", pid);
	rmdir(cgroup);
	/*
	 * The kernel releases the cpuset after rmdir returns, and the last
	 * cpuset's release patches kernel text (a static key). Under QEMU's
	 * software emulation, a later test faulting on text being patched
	 * crashed a guest kernel: end only once the release is done
	 * (at most 5 s).
	 */
	for (int i = 0; i < 500 && cgroups_before >= 0 &&
			cpuset_cgroups() > cgroups_before;
	     i++)
		usleep(10000);
}

/* Move this process into a new cpuset of nodes `mems` ("1-2"). */
static void enter_cpuset(const char *mems)
{
	char pid[32];

	if (!cgroup2_mounted())
		SKIP("no cgroup v2 at " CGROOT);
	if (!own_cgroup(previous, sizeof(previous)))
		SKIP("not in a cgroup v2 hierarchy");
	if (!write_file(previous, "cgroup.subtree_control", "+cpuset"))
		SKIP("cannot enable the cpuset controller under %s", previous);
	cgroups_before = cpuset_cgroups();
	if (snprintf(cgroup, sizeof(cgroup), "%s/aml-cpuset-%d", previous,
		     (int)getpid()) >= (int)sizeof(cgroup) ||
	    mkdir(cgroup, 0755) != 0)
		SKIP("cannot create %s", cgroup);
	CHECK_EQ(atexit(leave_cpuset), 0);
	CHECK(write_file(cgroup, "cpuset.mems", mems));
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	CHECK(write_file(cgroup, "cgroup.procs", pid));
}

/* Map NPAGES through a new area, write them, and ask the kernel where
 * each lies. */
static void place(const struct aml_bitmap *mask,
		  enum aml_area_linux_policy policy, int *status)
{
	const size_t psize = test_page_size();
	struct aml_area *area;
	void *pages[NPAGES];
	char *buf;

	CHECK_EQ(aml_area_linux_create(&area, mask, policy), AML_SUCCESS);
	buf = aml_area_mmap(area, NPAGES * psize, NULL);
	CHECK(buf != NULL);
	CHECK_EQ(madvise(buf, NPAGES * psize, MADV_NOHUGEPAGE), 0);
	for (int i = 0; i < NPAGES; i++) {
		pages[i] = buf + i * psize;
		memset(pages[i], i, psize);
		status[i] = -1;
	}
	CHECK_EQ(move_pages(0, NPAGES, pages, NULL, status, 0), 0);
	CHECK_EQ(
	    aml_area_linux_check_binding(test_data(area), buf, NPAGES * psize),
	    1);
	CHECK_EQ(aml_area_munmap(area, buf, NPAGES * psize), AML_SUCCESS);
	aml_area_linux_destroy(&area);
}

static struct aml_bitmap mask_of(int a, int b)
{
	struct aml_bitmap m;

	aml_bitmap_zero(&m);
	aml_bitmap_set(&m, (unsigned int)a);
	if (b >= 0)
		aml_bitmap_set(&m, (unsigned int)b);
	return m;
}

static void check_masks(const int *nodes, int nn)
{
	struct aml_bitmap m;
	struct aml_area *area = NULL;
	int inside[AML_BITMAP_MAX];

	/* mems_allowed is the cpuset's. */
	CHECK_EQ(test_nodes(inside, AML_BITMAP_MAX), 2);
	CHECK_EQ(inside[0], nodes[1]);
	CHECK_EQ(inside[1], nodes[2]);
	/* A node outside the cpuset, alone or with one inside. */
	m = mask_of(nodes[0], -1);
	CHECK_EQ(aml_area_linux_create(&area, &m, AML_AREA_LINUX_POLICY_BIND),
		 -AML_EDOM);
	CHECK(area == NULL);
	m = mask_of(nodes[0], nodes[1]);
	CHECK_EQ(
	    aml_area_linux_create(&area, &m, AML_AREA_LINUX_POLICY_INTERLEAVE),
	    -AML_EDOM);
	if (nn > 3) {
		m = mask_of(nodes[2], nodes[3]);
		CHECK_EQ(aml_area_linux_create(&area, &m,
					       AML_AREA_LINUX_POLICY_BIND),
			 -AML_EDOM);
	}
}

static void check_placement(const int *nodes)
{
	const struct aml_bitmap both = mask_of(nodes[1], nodes[2]);
	const struct aml_bitmap last = mask_of(nodes[2], -1);
	int status[NPAGES], on[2] = {0, 0};

	/* NULL: interleave over exactly the cpuset's two nodes. */
	place(NULL, AML_AREA_LINUX_POLICY_INTERLEAVE, status);
	for (int i = 0; i < NPAGES; i++) {
		CHECK(status[i] == nodes[1] || status[i] == nodes[2]);
		on[status[i] == nodes[2]]++;
		if (i > 0)
			CHECK(status[i] != status[i - 1]);
	}
	CHECK_EQ(on[0], NPAGES / 2);
	place(&both, AML_AREA_LINUX_POLICY_INTERLEAVE, status);
	for (int i = 1; i < NPAGES; i++)
		CHECK(status[i] != status[i - 1]);
	place(&last, AML_AREA_LINUX_POLICY_BIND, status);
	for (int i = 0; i < NPAGES; i++)
		CHECK_EQ(status[i], nodes[2]);
	place(NULL, AML_AREA_LINUX_POLICY_BIND, status);
	for (int i = 0; i < NPAGES; i++)
		CHECK(status[i] == nodes[1] || status[i] == nodes[2]);
}

/* Run a sibling test program inside the cpuset; a missing one is left
 * out (only in builds without it). */
static void run_sibling(const char *name)
{
	char self[PATH_MAX], path[PATH_MAX * 2];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int status;
	pid_t pid;

	CHECK(len > 0);
	self[len] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dirname(self), name);
	if (access(path, X_OK) != 0) {
		fprintf(stderr, "%s: not found, not run\n", path);
		return;
	}
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execl(path, name, (char *)NULL);
		_exit(127);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	fprintf(stderr, "%s inside the cpuset: exit %d\n", name,
		WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	CHECK(WIFEXITED(status));
	CHECK(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 77);
}

int main(void)
{
	int nodes[AML_BITMAP_MAX], nn = test_nodes(nodes, AML_BITMAP_MAX);
	char mems[64];

	if (geteuid() != 0)
		SKIP("creating a cgroup needs root");
	if (nn < 3)
		SKIP("%d allowed node(s), the cpuset needs 3", nn);
	snprintf(mems, sizeof(mems), "%d,%d", nodes[1], nodes[2]);
	enter_cpuset(mems);
	check_masks(nodes, nn);
	check_placement(nodes);
	run_sibling("test_area_placement");
	run_sibling("test_area_linux_policies");
	return 0;
}
