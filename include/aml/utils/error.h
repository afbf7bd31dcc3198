/**
 * @file error.h
 * @brief Error codes, the per-thread `aml_errno`, and their messages.
 *
 * Conventions, shared by every AML function:
 * - a function returning `int` returns ::AML_SUCCESS or a negated code
 *   (for instance `-AML_EINVAL`);
 * - a function returning a pointer returns NULL on failure and sets
 *   ::aml_errno to the positive code.
 */
#ifndef AML_UTILS_ERROR_H
#define AML_UTILS_ERROR_H

#include "aml/utils/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Success. */
#define AML_SUCCESS 0
/** Generic failure; `errno` says more. */
#define AML_FAILURE 1
/** Not enough memory. */
#define AML_ENOMEM 2
/** Invalid argument. */
#define AML_EINVAL 3
/** Value out of bounds, such as a node outside the allowed set. */
#define AML_EDOM 4
/** Not supported here: backend absent, kernel too old. */
#define AML_ENOTSUP 5
/** Resource busy. */
#define AML_EBUSY 6
/** Not permitted: another user's memory, a privilege the call needs. */
#define AML_EPERM 7
/** First unused error value. */
#define AML_ERROR_MAX 8

/** Storage class of ::aml_errno: thread-local in C and in C++. */
#if defined(__cplusplus) || !defined(__STDC_VERSION__) ||                    \
	__STDC_VERSION__ < 201112L
#define AML_THREAD_LOCAL __thread
#else
#define AML_THREAD_LOCAL _Thread_local
#endif

/**
 * Last error code (positive) set by an AML function that returns a pointer.
 * Each thread has its own; users may assign it. AML functions never clear it
 * on success.
 */
AML_EXPORT extern AML_THREAD_LOCAL int aml_errno;

/**
 * Message for an error code.
 * @param err: an AML error code, positive or negative (`-AML_EINVAL` and
 *        `AML_EINVAL` give the same message).
 * @return a static string; "Unknown error" for a code that is not an AML
 *         error code. Never NULL.
 * Thread safety: safe.
 */
AML_EXPORT const char *aml_strerror(const int err);

/**
 * Print `msg: <aml_strerror(aml_errno)>` and a newline on stderr, like
 * perror(3). With a NULL or empty `msg`, only the error message is printed.
 * Thread safety: safe; reads the calling thread's ::aml_errno.
 */
AML_EXPORT void aml_perror(const char *msg);

#ifdef __cplusplus
}
#endif

#endif /* AML_UTILS_ERROR_H */
