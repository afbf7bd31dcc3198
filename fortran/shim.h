/*
 * C helpers of the Fortran module (fortran/aml.f90 declares each again in
 * a bind(C) interface; keep both in step). Internal to libaml_fortran:
 * hidden, not installed.
 */
#ifndef AML_FORTRAN_SHIM_H
#define AML_FORTRAN_SHIM_H

#include <stddef.h>
#include <stdint.h>

struct aml_area;
struct aml_bitmap;

/* aml__fortran_release()'s answers besides AML_SUCCESS (aml.f90 has the
 * same values). */
#define AML__FORTRAN_UNKNOWN 1 /* no such address in the ledger */
#define AML__FORTRAN_OTHER_OWNER 2 /* held, but from another owner */
#define AML__FORTRAN_OTHER_SIZE 3 /* held, with another size */

/* The calling thread's aml_errno. */
int aml__fortran_errno(void);

/* A new bitmap (aml_bitmap_destroy() frees it) with the `n` bits of
 * `list` set. Returns AML_SUCCESS; -AML_EDOM for a negative entry or one
 * from AML_BITMAP_MAX on (its index in `*bad`); -AML_ENOMEM. */
int aml__fortran_bitmap(const int *list, size_t n, struct aml_bitmap **out,
			size_t *bad);

/* The nodes this process may allocate on, ascending: stores the first
 * `max` in `nodes` and returns how many there are; -AML_ENOMEM. */
int aml__fortran_nodes(int *nodes, int max);

/* numa_max_node(). */
int aml__fortran_max_node(void);

/* aml_linux_inspect() copied out: pages of nodes 0 to `ncounts` - 1 in
 * `counts`; page size, pages, unplaced and errors in `sizes[0..3]`; the
 * policy, whether it is uniform, and its nodes as a string allocated with
 * malloc(3) (NULL on failure). Returns as aml_linux_inspect(), or
 * -AML_ENOMEM. */
int aml__fortran_inspect(const void *ptr, size_t size, int64_t *counts,
			 int ncounts, int64_t *sizes, int *policy,
			 int *uniform, char **policy_nodes);

/* aml_area_linux_check_binding() on the area's data; -AML_EINVAL for a
 * NULL or non-Linux area. */
int aml__fortran_check_binding(const struct aml_area *area, void *ptr,
			       size_t size);

/* Record that `key` (`size` bytes) is held from `owner`, replacing a
 * stale record of the same key. Returns AML_SUCCESS or -AML_ENOMEM. */
int aml__fortran_hold(const void *key, size_t size, const void *owner);

/* Remove the record of `key` if it is held from `owner` with `size`
 * bytes: AML_SUCCESS. Otherwise nothing changes and the answer says why
 * (AML__FORTRAN_*; with OTHER_SIZE, `*held_size` receives the size held). */
int aml__fortran_release(const void *key, size_t size, const void *owner,
			 size_t *held_size);

/* The number of records held from `owner`. */
size_t aml__fortran_holders(const void *owner);

/* Remove every record held from `owner`: AML_SUCCESS or -AML_ENOMEM
 * (then none is removed). */
int aml__fortran_release_all(const void *owner);

#endif /* AML_FORTRAN_SHIM_H */
