/* aml run --tier on an unchanged program (cli_hot: a malloc'd buffer
 * whose second eighth it writes over and over): its buffer starts on the
 * slow tier, the tiering thread in it moves the hot part to the fast
 * tier, as an independent move_pages(2) query of the program's pages
 * shows from outside, and `aml show PID` prints the tiering's counters.
 * The program's contents are intact (it checks them). Needs two tiers: a
 * guest (vmhmat: fast 0-1, the CPU nodes; slow 2-3). */
#include <numaif.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "area/linux_test.h"
#include "check.h"

#define FAST "0-1"
#define SLOW "2-3"

/* Pages of the other process's [addr, addr + size) on nodes lo-hi. */
static size_t pages_on(pid_t pid, uintptr_t addr, size_t size, int lo, int hi)
{
	size_t n = size / 4096, on = 0;
	void **pages = malloc(n * sizeof(*pages));
	int *status = malloc(n * sizeof(*status));

	CHECK(pages != NULL && status != NULL);
	for (size_t i = 0; i < n; i++)
		pages[i] = (void *)(addr + i * 4096);
	CHECK(move_pages(pid, n, pages, NULL, status, 0) == 0);
	for (size_t i = 0; i < n; i++)
		on += status[i] >= lo && status[i] <= hi;
	free(pages);
	free(status);
	return on;
}

/* `aml show PID` into `out`; returns its tiering line, or NULL. */
static char *show(pid_t pid, char *out, size_t len)
{
	char cmd[512];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "%s show %d", AML_CLI, (int)pid);
	f = popen(cmd, "r");
	CHECK(f != NULL);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	CHECK(pclose(f) == 0);
	return strstr(out, "\ntiering (");
}

static pid_t start(FILE **out)
{
	int fds[2];
	pid_t pid;

	CHECK(pipe(fds) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(AML_CLI, "aml", "run", "--tier=" FAST ":" SLOW,
		      "--fast-capacity=8M", "--preload=" AML_PRELOAD_PATH,
		      AML_CLI_HOT, "4", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	*out = fdopen(fds[0], "r");
	CHECK(*out != NULL);
	return pid;
}

int main(void)
{
	static char text[1 << 16];
	unsigned long addr;
	size_t size, hot_off, hot_size, hot_fast = 0;
	char *line = NULL;
	FILE *out;
	pid_t pid;
	int status, nodes[8];

	if (test_nodes(nodes, 8) < 4 || !AML_PRELOAD_PATH[0])
		SKIP("needs 4 nodes (vmhmat) and the preload library");
	pid = start(&out);
	CHECK(fscanf(out, "buffer %lx %zu %zu %zu", &addr, &size, &hot_off,
		     &hot_size) == 4);
	CHECK(pages_on(pid, addr, size, 2, 3) > size / 4096 / 2);
	for (int i = 0; i < 40 && hot_fast * 10 < hot_size / 4096 * 9; i++) {
		usleep(100000);
		hot_fast = pages_on(pid, addr + hot_off, hot_size, 0, 1);
	}
	line = show(pid, text, sizeof(text));
	printf("hot pages on the fast tier: %zu of %zu\n%s", hot_fast,
	       hot_size / 4096, line ? line + 1 : text);
	CHECK(hot_fast * 10 >= hot_size / 4096 * 9);
	CHECK(line != NULL);
	CHECK(strstr(line, "running): fast " FAST ", slow " SLOW) != NULL);
	CHECK(pages_on(pid, addr, size, 0, 1) * 4096 <= (8 << 20));
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fclose(out);
	return 0;
}
