/* Minimal assertions for AML's tests: a failed check prints where and
 * exits 1; a test that cannot run exits 77 (skipped). */
#ifndef AML_TESTS_CHECK_H
#define AML_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n",         \
				__FILE__, __LINE__, #cond);                  \
			exit(1);                                             \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		long long check_a_ = (long long)(a);                         \
		long long check_b_ = (long long)(b);                         \
		if (check_a_ != check_b_) {                                  \
			fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n",   \
				__FILE__, __LINE__, #a, #b, check_a_,        \
				check_b_);                                   \
			exit(1);                                             \
		}                                                            \
	} while (0)

#define SKIP(...)                                                            \
	do {                                                                 \
		fprintf(stderr, "skipped: " __VA_ARGS__);                    \
		fprintf(stderr, "\n");                                       \
		exit(77);                                                    \
	} while (0)

#endif /* AML_TESTS_CHECK_H */
