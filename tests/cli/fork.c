/*
 * fork under the preload library: the child frees and reallocates what
 * the parent allocated (large and small), allocates its own, and forks
 * while another thread allocates large blocks (the library's lock must
 * not be held in the child).
 *
 * Sanitizer builds cannot preload the library (the sanitizer owns malloc):
 * there the program runs as it is. Under ASan it forks without the other
 * thread: GCC 12's ASan allocator does not take its locks around fork, so
 * a child forked while the other thread was inside it spins forever.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "preloaded.h"

static atomic_int stop;

static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		char *p = malloc(256 << 10);

		CHECK(p != NULL);
		p[0] = 1;
		free(p);
	}
	return NULL;
}

static int child(char *big, char *small)
{
	char *mine;

	for (size_t i = 0; i < (4 << 20); i += 4096)
		if (big[i] != 7)
			return 2;
	if (strcmp(small, "small") != 0)
		return 3;
	big = realloc(big, 8 << 20);
	if (big == NULL || big[4096] != 7)
		return 4;
	free(big);
	free(small);
	mine = malloc(1 << 20);
	if (mine == NULL)
		return 5;
	memset(mine, 1, 1 << 20);
	free(mine);
	return 0;
}

int main(int argc, char **argv)
{
	char *big, *small;
	pthread_t t;
	int status;

	(void)argc;
	preload_self(argv);
	big = malloc(4 << 20);
	small = strdup("small");
	CHECK(big != NULL && small != NULL);
	memset(big, 7, 4 << 20);
	if (CHECK_UNDER_ASAN)
		atomic_store(&stop, 1);
	CHECK(pthread_create(&t, NULL, churn, NULL) == 0);
	for (int i = 0; i < 20; i++) {
		pid_t pid = fork();

		CHECK(pid >= 0);
		if (pid == 0)
			_exit(child(big, small));
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status));
		CHECK_EQ(WEXITSTATUS(status), 0);
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	CHECK(big[123] == 7);
	free(big);
	free(small);
	printf("20 forks: ok (preloaded: %d)\n", preloaded());
	return 0;
}
