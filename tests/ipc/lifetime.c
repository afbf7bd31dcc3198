/* Lifetime of shared memory. 1. The exporter exits first: its openers
 * keep reading and writing (a buffer and a replica set), its handles go
 * stale (AML_EINVAL), and an opener's own handle of the set opens it for a
 * newcomer. 2. Every process killed with SIGKILL at random points, for
 * ROUNDS rounds of an exporter making and dropping buffers and replica
 * sets while two openers open and close them: afterwards nothing is left,
 * no file in /dev/shm, no shared memory in /proc/meminfo, no descriptor
 * in this process. */
#include "ipc_test.h"

#include <aml/higher/replicaset.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <time.h>

#define ROUNDS 100
/* Live objects of the exporter of a round, at most. */
#define LIVE 4

static size_t page, size;

struct message {
	int replicas; /* 0: a buffer's handle, 1: a replica set's */
	struct aml_ipc_handle h;
};

static struct aml_area *shared_area(void)
{
	struct aml_area_linux_attr attr = {.flags = AML_AREA_LINUX_FLAG_SHARED};
	struct aml_area *area;

	CHECK_EQ(aml_area_linux_create_attr(
		     &area, NULL, AML_AREA_LINUX_POLICY_INTERLEAVE, &attr),
		 AML_SUCCESS);
	return area;
}

static pid_t spawn(struct link *l, int (*fn)(struct link *))
{
	pid_t pid;

	link_open(l);
	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		link_side(l, 1);
		int rc = fn(l);
		fflush(stdout);
		_exit(rc);
	}
	link_side(l, 0);
	return pid;
}

/* Part 1: the exporter, which leaves without unmapping anything. */
static int first_exporter(struct link *l)
{
	struct aml_area *area = shared_area();
	struct aml_replicaset *rs;
	struct message m[2];
	char *p = aml_area_mmap(area, size, NULL), go;

	CHECK(p != NULL);
	memset(p, 'e', size);
	CHECK_EQ(aml_ipc_handle_get(p, size, &m[0].h), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_create(&rs, size, NULL), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_init(rs, p), AML_SUCCESS);
	CHECK_EQ(aml_replicaset_ipc_handle_get(rs, &m[1].h), AML_SUCCESS);
	TO_PARENT(l, m, sizeof(m));
	FROM_PARENT(l, &go, 1);
	return 0;
}

/* Part 1: an opener. Steps, each on the parent's word: open; write and
 * re-share the set (first opener) or check and open the re-shared set
 * (second); check again after the first destroyed its set. */
static int first_opener(struct link *l)
{
	struct aml_replicaset *rs, *rs2;
	struct aml_ipc_handle again;
	struct message m[2];
	size_t n;
	char *p, *copy, role;

	FROM_PARENT(l, m, sizeof(m));
	FROM_PARENT(l, &role, 1);
	p = aml_ipc_open(&m[0].h, &n);
	CHECK(p != NULL && n == size && p[size - 1] == 'e');
	CHECK_EQ(aml_replicaset_ipc_open(&rs, &m[1].h), AML_SUCCESS);
	TO_PARENT(l, &role, 1);
	FROM_PARENT(l, &role, 1); /* the exporter has exited */
	copy = aml_replicaset_local(rs);
	CHECK(copy[0] == 'e' && copy[size - 1] == 'e');
	if (role == '1') {
		memset(p, '1', size / 2);
		/* Into every copy: the other opener may read another node's. */
		for (int node = 0; node < 64; node++)
			if ((copy = aml_replicaset_on_node(rs, node)) != NULL)
				copy[1] = '1';
		CHECK_EQ(aml_replicaset_ipc_handle_get(rs, &again),
			 AML_SUCCESS);
		TO_PARENT(l, &again, sizeof(again));
		FROM_PARENT(l, &role, 1);
		aml_replicaset_destroy(&rs);
		CHECK_EQ(aml_ipc_close(p, n), AML_SUCCESS);
		return 0;
	}
	FROM_PARENT(l, &again, sizeof(again));
	CHECK(p[0] == '1' && p[size / 2 - 1] == '1' && p[size / 2] == 'e');
	CHECK_EQ(aml_replicaset_ipc_open(&rs2, &again), AML_SUCCESS);
	CHECK_EQ(((char *)aml_replicaset_local(rs2))[1], '1');
	TO_PARENT(l, &role, 1);
	FROM_PARENT(l, &role, 1); /* the first opener has left */
	CHECK(copy[1] == '1' && p[0] == '1');
	aml_replicaset_destroy(&rs2);
	aml_replicaset_destroy(&rs);
	CHECK_EQ(aml_ipc_close(p, n), AML_SUCCESS);
	return 0;
}

static void exporter_exits_first(void)
{
	struct link le, l1, l2;
	struct aml_ipc_handle again;
	struct message m[2];
	struct aml_replicaset *rs;
	pid_t e = spawn(&le, first_exporter), o1 = spawn(&l1, first_opener),
	      o2 = spawn(&l2, first_opener);
	char c = '1', d = '2', go = 'g';

	FROM_CHILD(&le, m, sizeof(m));
	TO_CHILD(&l1, m, sizeof(m));
	TO_CHILD(&l1, &c, 1);
	TO_CHILD(&l2, m, sizeof(m));
	TO_CHILD(&l2, &d, 1);
	FROM_CHILD(&l1, &c, 1);
	FROM_CHILD(&l2, &d, 1);
	TO_CHILD(&le, &go, 1);
	CHECK_EQ(reap(e), 0);
	/* Gone with their exporter: its handles. */
	aml_errno = 0;
	CHECK(aml_ipc_open(&m[0].h, NULL) == NULL && aml_errno == AML_EINVAL);
	CHECK_EQ(aml_replicaset_ipc_open(&rs, &m[1].h), -AML_EINVAL);
	TO_CHILD(&l1, &c, 1);
	TO_CHILD(&l2, &d, 1);
	FROM_CHILD(&l1, &again, sizeof(again));
	TO_CHILD(&l2, &again, sizeof(again));
	FROM_CHILD(&l2, &d, 1);
	TO_CHILD(&l1, &c, 1);
	CHECK_EQ(reap(o1), 0);
	TO_CHILD(&l2, &d, 1);
	CHECK_EQ(reap(o2), 0);
	printf("exporter exited first: its openers kept working, its handles "
	       "stale, an opener's handle shared the set on\n");
}

/* Part 2. Counters of the work done, in memory shared with the workers. */
static atomic_long *opened;

/* Make and drop objects forever, sending each handle down the pipe
 * (without waiting: a full pipe drops the message). */
static void busy_exporter(int out)
{
	struct aml_area *area = shared_area();
	void *live[LIVE] = {0};
	struct aml_replicaset *sets[LIVE] = {0};

	CHECK(fcntl(out, F_SETFL, O_NONBLOCK) == 0);
	/* Openers killed first: EPIPE, not SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	for (unsigned long i = 0;; i++) {
		const int k = (int)(i % LIVE);
		struct message m = {.replicas = (int)(i & 1)};

		if (live[k] != NULL)
			CHECK_EQ(aml_area_munmap(area, live[k], size),
				 AML_SUCCESS);
		aml_replicaset_destroy(&sets[k]);
		live[k] = aml_area_mmap(area, size, NULL);
		CHECK(live[k] != NULL);
		memset(live[k], (int)i, size);
		if (m.replicas) {
			CHECK_EQ(aml_replicaset_create(&sets[k], page, NULL),
				 AML_SUCCESS);
			CHECK_EQ(aml_replicaset_init(sets[k], live[k]),
				 AML_SUCCESS);
			CHECK_EQ(aml_replicaset_ipc_handle_get(sets[k], &m.h),
				 AML_SUCCESS);
		} else {
			CHECK_EQ(aml_ipc_handle_get(live[k], size, &m.h),
				 AML_SUCCESS);
		}
		/* One message is less than PIPE_BUF: written whole or not. */
		if (write(out, &m, sizeof(m)) < 0)
			CHECK(errno == EAGAIN || errno == EPIPE);
	}
}

/* Open what comes, touch it, keep up to LIVE objects open. */
static void busy_opener(int in)
{
	void *live[LIVE] = {0};
	struct aml_replicaset *sets[LIVE] = {0};
	size_t n[LIVE];

	for (unsigned long i = 0;; i++) {
		const int k = (int)(i % LIVE);
		struct message m;
		char *p = NULL;

		/* The exporter killed first: wait for our turn. */
		while (!recv_bytes(in, &m, sizeof(m)))
			pause();
		if (live[k] != NULL)
			CHECK_EQ(aml_ipc_close(live[k], n[k]), AML_SUCCESS);
		aml_replicaset_destroy(&sets[k]);
		live[k] = NULL;
		aml_errno = 0;
		if (m.replicas) {
			int err = aml_replicaset_ipc_open(&sets[k], &m.h);

			/* The exporter may have dropped it meanwhile. */
			CHECK(err == AML_SUCCESS || err == -AML_EINVAL);
			if (err == AML_SUCCESS)
				p = aml_replicaset_local(sets[k]);
		} else {
			p = live[k] = aml_ipc_open(&m.h, &n[k]);
			CHECK(p != NULL || aml_errno == AML_EINVAL);
		}
		if (p == NULL)
			continue;
		p[1] = p[0];
		atomic_fetch_add(opened, 1);
	}
}

static pid_t worker(void (*fn)(int), int fd, int other)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(other);
		fn(fd);
		_exit(1);
	}
	return pid;
}

static void sleep_us(long us)
{
	struct timespec t = {us / 1000000, (us % 1000000) * 1000};

	nanosleep(&t, NULL);
}

/* Wait until an opener has opened one more object than `since`. */
static void wait_open(long since)
{
	for (int i = 0; i < 10000 && atomic_load(opened) == since; i++)
		sleep_us(1000);
	CHECK(atomic_load(opened) > since);
}

/* One round: an exporter and two openers, reading its pipe; each killed
 * at a random moment, in random order. With `busy`, the moment comes
 * after the first open of the round (a loaded machine may otherwise kill
 * them all before any did anything). */
static void round_of_kills(unsigned int *seed, int busy)
{
	const long since = atomic_load(opened);
	int p[2];
	pid_t pids[3];

	CHECK(pipe(p) == 0);
	pids[0] = worker(busy_exporter, p[1], p[0]);
	pids[1] = worker(busy_opener, p[0], p[1]);
	pids[2] = worker(busy_opener, p[0], p[1]);
	close(p[0]);
	close(p[1]);
	if (busy)
		wait_open(since);
	sleep_us(rand_r(seed) % 20000);
	for (int i = 0; i < 3; i++) {
		const int j = i + (int)(rand_r(seed) % (unsigned int)(3 - i));
		const pid_t t = pids[i];

		pids[i] = pids[j];
		pids[j] = t;
		CHECK(kill(pids[i], SIGKILL) == 0);
		sleep_us(rand_r(seed) % 2000);
	}
	/* A worker that failed a check exits 1 before it is killed. */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(reap(pids[i]), 128 + SIGKILL);
}

int main(void)
{
	unsigned int seed = (unsigned int)time(NULL);
	long long before, after = 0, slack;
	int fds, shm;

	page = (size_t)sysconf(_SC_PAGESIZE);
	/* Small in the guests (256 MiB a node); large enough here to stand
	 * out of other processes' shared memory. */
	size = getenv("AML_VM_TOPOLOGY") ? (size_t)2 << 20 : (size_t)4 << 20;
	exporter_exits_first();
	opened = mmap(NULL, page, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(opened != MAP_FAILED);
	atomic_store(opened, 0);
	fds = open_fds();
	shm = dir_entries("/dev/shm");
	before = shmem_bytes(-1);
	printf("seed %u\n", seed);
	for (int r = 0; r < ROUNDS; r++)
		round_of_kills(&seed, r % 4 == 0);
	/* The kernel frees a dead process's objects before it is reaped;
	 * its counters may lag a little. In the guests nothing else runs: a
	 * single object left shows. A host may run other tests meanwhile,
	 * whose shared memory comes and goes: there, less than a round's
	 * objects (a leak in every round would leave 100 times more). */
	slack = getenv("AML_VM_TOPOLOGY") ? (long long)size / 2
					  : (long long)size * LIVE * 2;
	for (int i = 0; i < 30; i++) {
		after = shmem_bytes(-1);
		if (after < before + slack)
			break;
		sleep_us(100000);
	}
	printf("%d rounds of SIGKILL, %ld opens: Shmem %lld kB before, %lld "
	       "kB after; /dev/shm entries %d and %d; descriptors %d and %d\n",
	       ROUNDS, atomic_load(opened), before / 1024, after / 1024, shm,
	       dir_entries("/dev/shm"), fds, open_fds());
	CHECK(atomic_load(opened) >= ROUNDS / 4);
	CHECK(after < before + slack);
	CHECK_EQ(dir_entries("/dev/shm"), shm);
	CHECK_EQ(open_fds(), fds);
	return 0;
}
