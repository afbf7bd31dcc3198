/* CTest labels: threads */
/* The threaded-touch fallback of population (for kernels before 5.14),
 * forced on any kernel: the same checks as linux_populate.c. */
#define main populate_main
#include "linux_populate.c"
#undef main

int main(void)
{
	CHECK_EQ(setenv("AML_LINUX_POPULATE", "touch", 1), 0);
	return populate_main();
}
