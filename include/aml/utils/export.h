/**
 * @file export.h
 * @brief Marks the declarations that libaml exports.
 *
 * libaml is built with hidden visibility: only declarations marked
 * ::AML_EXPORT in an installed header are part of its ABI. Everything
 * else in the library is internal (internal names start with `aml__`).
 */
#ifndef AML_UTILS_EXPORT_H
#define AML_UTILS_EXPORT_H

/** Exports a public function or variable from the shared library. */
#if defined(__GNUC__) || defined(__clang__)
#define AML_EXPORT __attribute__((visibility("default")))
#else
#define AML_EXPORT
#endif

#endif /* AML_UTILS_EXPORT_H */
