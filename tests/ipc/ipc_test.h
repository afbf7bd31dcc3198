/* What the tests of <aml/higher/ipc.h> share: processes that talk through
 * pipes, and what the machine says of its memory, read independently of
 * the library. */
#ifndef AML_TESTS_IPC_TEST_H
#define AML_TESTS_IPC_TEST_H

#include <aml.h>
#include <aml/area/linux.h>
#include <aml/higher/ipc.h>
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

#include "check.h"

/* A pipe each way between a parent and one child. */
struct link {
	int to_child[2], to_parent[2];
};

static inline void link_open(struct link *l)
{
	CHECK(pipe(l->to_child) == 0 && pipe(l->to_parent) == 0);
}

/* Keep the ends of one side. */
static inline void link_side(struct link *l, int child)
{
	close(child ? l->to_child[1] : l->to_child[0]);
	close(child ? l->to_parent[0] : l->to_parent[1]);
}

static inline void send_bytes(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		CHECK(w > 0);
		c += w;
		n -= (size_t)w;
	}
}

/* 1 when all came, 0 at the end of the pipe. */
static inline int recv_bytes(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r == 0)
			return 0;
		CHECK(r > 0);
		c += r;
		n -= (size_t)r;
	}
	return 1;
}

/* Send one byte to the child / parent; wait for one. */
#define TO_CHILD(l, p, n) send_bytes((l)->to_child[1], p, n)
#define TO_PARENT(l, p, n) send_bytes((l)->to_parent[1], p, n)
#define FROM_PARENT(l, p, n) CHECK(recv_bytes((l)->to_child[0], p, n))
#define FROM_CHILD(l, p, n) CHECK(recv_bytes((l)->to_parent[0], p, n))

/* Wait for `pid`; its exit status, or 128 + signal. */
static inline int reap(pid_t pid)
{
	int st;

	CHECK(waitpid(pid, &st, 0) == pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A "Name: N kB" line of a meminfo file, in bytes; -1 if absent. */
static inline long long meminfo_bytes(const char *file, const char *name)
{
	char line[256];
	long long kb = -1;
	FILE *f = fopen(file, "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *at = strstr(line, name);

		if (at != NULL && at[strlen(name)] == ':') {
			kb = atoll(at + strlen(name) + 1);
			break;
		}
	}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/* Shmem of the machine, or of one node. */
static inline long long shmem_bytes(int node)
{
	char path[96];

	if (node < 0)
		return meminfo_bytes("/proc/meminfo", "Shmem");
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo",
		 node);
	return meminfo_bytes(path, "Shmem");
}

/* Entries of a directory (without . and ..); -1 if it does not exist. */
static inline int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n +=
		    strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Open file descriptors of this process. */
static inline int open_fds(void)
{
	/* Less the one opendir() holds. */
	return dir_entries("/proc/self/fd") - 1;
}

/* Proportional set size (Pss) of the mappings of this process that
 * overlap [p, p + size), in bytes, from /proc/self/smaps. */
static inline long long pss_bytes(const void *p, size_t size)
{
	char line[512];
	unsigned long s, e;
	long long total = 0, kb;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		/* A mapping's first line; its fields ("Pss:") are no
		 * hexadecimal range. */
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			in = e > (uintptr_t)p && s < (uintptr_t)p + size;
			continue;
		}
		if (in && sscanf(line, "Pss: %lld kB", &kb) == 1)
			total += kb * 1024;
	}
	fclose(f);
	return total;
}

/* The line of /proc/self/numa_maps of the mapping starting at `p`. */
static inline int numa_maps_line(const void *p, char *out, size_t len)
{
	char line[1024], start[32];
	FILE *f = fopen("/proc/self/numa_maps", "r");
	int found = 0;

	CHECK(f != NULL);
	snprintf(start, sizeof(start), "%lx ", (unsigned long)(uintptr_t)p);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, start, strlen(start)) == 0) {
			snprintf(out, len, "%s", line);
			found = 1;
		}
	fclose(f);
	return found;
}

#endif /* AML_TESTS_IPC_TEST_H */
