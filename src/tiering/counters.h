/*
 * The counters a tiering publishes after each epoch, in a memory file of
 * its process (memfd_create(2), named AML__TIERING_COUNTERS_NAME, kept
 * open), so that `aml show PID` can read them from outside: it finds the
 * file among /proc/PID/fd/ (the link reads "/memfd:aml-tiering
 * (deleted)"), opens it there and reads this structure at offset 0. The
 * writer makes `seq` odd while it writes; a reader retries until it reads
 * the same even `seq` before and after the rest. Nothing is left behind:
 * the file goes with its process. Not installed; shared by the library
 * and the aml command.
 */
#ifndef AML_TIERING_COUNTERS_H
#define AML_TIERING_COUNTERS_H

#include <stdint.h>

#define AML__TIERING_COUNTERS_NAME "aml-tiering"
#define AML__TIERING_COUNTERS_MAGIC 0x31676e6972656974ULL /* "tiering1" */

struct aml__tiering_counters {
	uint64_t magic;
	uint64_t seq;
	int64_t pid; /* the process that wrote them (a child after fork is
			not it) */
	char method[16];
	char fast[64], slow[64]; /* node lists, "0-1" */
	uint64_t fast_capacity, max_migrate, interval_ms;
	uint64_t running; /* the tiering's thread is started */
	uint64_t epochs, pages_fast, pages_slow, promoted, demoted, busy;
	uint64_t pages_managed, pages_hot, pages_huge, epoch_ns, total_ns;
};

#endif /* AML_TIERING_COUNTERS_H */
