/* Tiering beside the kernel's own (a guest whose kernel has memory tiers,
 * as root): bench_tiering's hot-set capture per epoch, AML's engine (each
 * method that works) and the kernel's NUMA balancing in tiering mode on
 * the same workload, in one table. Fails when AML's engine misses its
 * targets (90% capture within 10 epochs of each move, never above the
 * capacity, at most 5% of the pages migrated per epoch once converged);
 * the kernel's figures are reported, not judged. */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

int main(void)
{
	glob_t g;
	size_t tiers = 0;

	if (glob("/sys/devices/virtual/memory_tiering/memory_tier*", 0, NULL,
		 &g) == 0)
		tiers = g.gl_pathc;
	globfree(&g);
	if (tiers < 2)
		SKIP("the kernel shows %zu memory tier(s): it cannot tier here",
		     tiers);
	if (geteuid() != 0)
		SKIP("setting the kernel's NUMA balancing needs root");
	CHECK(setenv("AML_BENCH_TIERING", "kernel", 1) == 0);
	CHECK(setenv("AML_BENCH_CAPACITY", "4M", 0) == 0);
	fflush(stdout);
	execl(AML_BENCH_TIERING_PATH, "bench_tiering", "--quick", (char *)NULL);
	perror(AML_BENCH_TIERING_PATH);
	return 1;
}
