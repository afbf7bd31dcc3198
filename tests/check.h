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

/* Whether ThreadSanitizer instruments this build: its shadow memory
 * leaves too little address space for mappings of terabytes. */
#if defined(__SANITIZE_THREAD__)
#define CHECK_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CHECK_UNDER_TSAN 1
#endif
#endif
#ifndef CHECK_UNDER_TSAN
#define CHECK_UNDER_TSAN 0
#endif

/* Whether AddressSanitizer instruments this build: its shadow memory does
 * not fit under an address-space limit (RLIMIT_AS). */
#if defined(__SANITIZE_ADDRESS__)
#define CHECK_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHECK_UNDER_ASAN 1
#endif
#endif
#ifndef CHECK_UNDER_ASAN
#define CHECK_UNDER_ASAN 0
#endif

#endif /* AML_TESTS_CHECK_H */
