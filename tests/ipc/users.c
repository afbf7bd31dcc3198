/* Only the same user opens a handle: root's handle opened as user nobody,
 * nobody's opened by root, give AML_EPERM (buffers and replica sets);
 * two processes of nobody that are siblings (neither the other's
 * ancestor) share, under every Yama ptrace_scope that can be set back
 * (0, 1, 2), where pidfd_getfd(2) is refused from 1 on. Needs root (the
 * CI runs it so, and the guests); skipped otherwise. */
#include "ipc_test.h"

#include <aml/higher/replicaset.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define NOBODY 65534
#define YAMA "/proc/sys/kernel/yama/ptrace_scope"

static size_t page;

/* Become nobody. A process that changed its user is not dumpable (its
 * /proc/PID/fd is root's) until it execs or says so. */
static void become_nobody(int dumpable)
{
	CHECK(setgroups(0, NULL) == 0);
	CHECK(setresgid(NOBODY, NOBODY, NOBODY) == 0);
	CHECK(setresuid(NOBODY, NOBODY, NOBODY) == 0);
	CHECK(prctl(PR_SET_DUMPABLE, dumpable) == 0);
}

/* A shared buffer of one page holding `byte`, and its handle. */
static char *export_buffer(struct aml_area **area, struct aml_ipc_handle *h,
			   char byte)
{
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_SHARED};
	char *p;

	CHECK_EQ(aml_area_linux_create_attr(area, NULL,
					    AML_AREA_LINUX_POLICY_BIND, &attr),
		 AML_SUCCESS);
	p = aml_area_mmap(*area, page, NULL);
	CHECK(p != NULL);
	p[0] = byte;
	CHECK_EQ(aml_ipc_handle_get(p, page, h), AML_SUCCESS);
	return p;
}

/* The handles of a buffer and of a replica set. */
struct handles {
	struct aml_ipc_handle buffer, replicas;
};

/* Open both; what each gave (AML_SUCCESS or the code). */
static void open_both(const struct handles *h, int want, char byte)
{
	struct aml_replicaset *rs;
	size_t n;
	char *p;

	aml_errno = 0;
	p = aml_ipc_open(&h->buffer, &n);
	if (want == AML_SUCCESS) {
		CHECK(p != NULL && p[0] == byte);
		CHECK_EQ(aml_ipc_close(p, n), AML_SUCCESS);
	} else {
		CHECK(p == NULL);
		CHECK_EQ(aml_errno, want);
	}
	CHECK_EQ(aml_replicaset_ipc_open(&rs, &h->replicas),
		 want == AML_SUCCESS ? AML_SUCCESS : -want);
	if (rs != NULL) {
		CHECK_EQ(*(char *)aml_replicaset_local(rs), byte);
		aml_replicaset_destroy(&rs);
	}
}

/* Export both, send the handles, wait for the word to end. */
static int exporter(struct link *l, char byte)
{
	struct aml_replicaset *rs;
	struct aml_area *area;
	struct handles h;
	char *p, src[64], go;

	p = export_buffer(&area, &h.buffer, byte);
	memset(src, byte, sizeof(src));
	CHECK_EQ(aml_replicaset_create(&rs, sizeof(src), NULL), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_init(rs, src), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_ipc_handle_get(rs, &h.replicas), AML_SUCCESS);
	TO_PARENT(l, &h, sizeof(h));
	FROM_PARENT(l, &go, 1);
	aml_replicaset_destroy(&rs);
	CHECK_EQ(aml_area_munmap(area, p, page), AML_SUCCESS);
	aml_area_linux_destroy(&area);
	return 0;
}

/* Fork a process that becomes nobody (or stays root) and runs `fn`. */
static pid_t spawn(struct link *l, int nobody, int dumpable,
		   int (*fn)(struct link *, int), int arg)
{
	pid_t pid;

	link_open(l);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		link_side(l, 1);
		if (nobody)
			become_nobody(dumpable);
		int rc = fn(l, arg);
		fflush(stdout);
		_exit(rc);
	}
	link_side(l, 0);
	return pid;
}

static int run_exporter(struct link *l, int byte)
{
	return exporter(l, (char)byte);
}

/* Open the handles the parent sends; `want` is the expected result. */
static int run_opener(struct link *l, int want)
{
	struct handles h;
	char byte;

	FROM_PARENT(l, &byte, 1);
	FROM_PARENT(l, &h, sizeof(h));
	open_both(&h, want, byte);
	return 0;
}

static void finish(struct link *l, pid_t pid)
{
	char go = 'q';

	TO_CHILD(l, &go, 1);
	CHECK_EQ(reap(pid), 0);
	close(l->to_child[1]);
	close(l->to_parent[0]);
}

/* Exporter as `e_nobody`, opener as `o_nobody`; the opener expects `want`. */
static void pair(int e_nobody, int e_dumpable, int o_nobody, int want)
{
	struct link le, lo;
	struct handles h;
	const char byte = 'a' + (char)(e_nobody * 2 + o_nobody);
	pid_t e = spawn(&le, e_nobody, e_dumpable, run_exporter, byte);
	pid_t o = spawn(&lo, o_nobody, 1, run_opener, want);

	FROM_CHILD(&le, &h, sizeof(h));
	TO_CHILD(&lo, &byte, 1);
	TO_CHILD(&lo, &h, sizeof(h));
	CHECK_EQ(reap(o), 0);
	close(lo.to_child[1]);
	close(lo.to_parent[0]);
	finish(&le, e);
}

/* pidfd_getfd(2) of a sibling's descriptor: 0 if it works, else errno. */
static int try_pidfd_getfd(pid_t pid, int fd)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_getfd)
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), got, err;

	if (pidfd < 0)
		return errno;
	got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	err = got < 0 ? errno : 0;
	if (got >= 0)
		close(got);
	close(pidfd);
	return err;
#else
	(void)pid;
	(void)fd;
	return ENOSYS;
#endif
}

static int run_getfd(struct link *l, int unused)
{
	pid_t pid;
	int fd, err;

	(void)unused;
	FROM_PARENT(l, &pid, sizeof(pid));
	FROM_PARENT(l, &fd, sizeof(fd));
	err = try_pidfd_getfd(pid, fd);
	TO_PARENT(l, &err, sizeof(err));
	return 0;
}

/* Under each Yama scope, siblings of one user share; pidfd_getfd(2),
 * which Yama governs, is refused from scope 1 on. */
static void yama(void)
{
	char old[16] = "";
	FILE *f = fopen(YAMA, "r");

	if (f == NULL) {
		printf("no Yama here (%s): scopes not tried\n", YAMA);
		return;
	}
	CHECK(fgets(old, sizeof(old), f) != NULL);
	fclose(f);
	printf("Yama ptrace_scope here: %s", old);
	for (int scope = 0; scope <= 2; scope++) {
		struct link le, lg;
		struct handles h;
		pid_t e, g;
		int fd = 3, err;

		f = fopen(YAMA, "w");
		CHECK(f != NULL && fprintf(f, "%d\n", scope) > 0);
		CHECK(fclose(f) == 0);
		pair(1, 1, 1, AML_SUCCESS);
		/* pidfd_getfd of the exporter's object, by a sibling. */
		e = spawn(&le, 1, 1, run_exporter, 'y');
		g = spawn(&lg, 1, 1, run_getfd, 0);
		FROM_CHILD(&le, &h, sizeof(h));
		/* Bytes 12-15: the exporter's descriptor (src/ipc/handle.c). */
		memcpy(&fd, h.buffer.bytes + 12, sizeof(fd));
		TO_CHILD(&lg, &e, sizeof(e));
		TO_CHILD(&lg, &fd, sizeof(fd));
		FROM_CHILD(&lg, &err, sizeof(err));
		CHECK_EQ(reap(g), 0);
		finish(&le, e);
		printf("ptrace_scope %d: siblings share; pidfd_getfd: %s\n",
		       scope, err ? strerror(err) : "works");
		if (err != ENOSYS)
			CHECK(scope == 0 ? err == 0 : err == EPERM);
	}
	f = fopen(YAMA, "w");
	CHECK(f != NULL && fputs(old, f) >= 0);
	CHECK(fclose(f) == 0);
}

int main(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	if (geteuid() != 0)
		SKIP("needs root, to run processes as user nobody");
	pair(0, 1, 1, AML_EPERM); /* root's, opened by nobody */
	pair(1, 1, 0, AML_EPERM); /* nobody's, opened by root */
	pair(1, 1, 1, AML_SUCCESS);
	pair(0, 1, 0, AML_SUCCESS);
	/* A process that made itself non-dumpable cannot be reached. */
	pair(1, 0, 1, AML_EPERM);
	printf("root and nobody: AML_EPERM both ways; same user: shared\n");
	yama();
	return 0;
}
