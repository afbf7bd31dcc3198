/*
 * Tests of the preload library: each program re-executes itself once with
 * LD_PRELOAD=AML_PRELOAD_PATH (and AML_PRELOAD_MIN_SIZE=64K unless set),
 * so that it runs under the library from ctest and in the test guests
 * alike. AML_TEST_PRELOADED marks the second run. An empty
 * AML_PRELOAD_PATH (ASan builds: the sanitizer's runtime must come first
 * and owns malloc) runs the program as it is.
 */
#ifndef AML_TESTS_PRELOADED_H
#define AML_TESTS_PRELOADED_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline void preload_self(char **argv)
{
	if (getenv("AML_TEST_PRELOADED") != NULL || !AML_PRELOAD_PATH[0])
		return;
	if (access(AML_PRELOAD_PATH, R_OK) != 0) {
		fprintf(stderr, "skipped: no %s\n", AML_PRELOAD_PATH);
		exit(77);
	}
	setenv("AML_TEST_PRELOADED", "1", 1);
	setenv("LD_PRELOAD", AML_PRELOAD_PATH, 1);
	setenv("AML_PRELOAD_MIN_SIZE", "64K", 0);
	execv("/proc/self/exe", argv);
	perror("execv /proc/self/exe");
	exit(1);
}

/* Whether the library serves this process (its malloc is not libc's). */
static inline int preloaded(void)
{
	return getenv("AML_TEST_PRELOADED") != NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* AML_TESTS_PRELOADED_H */
