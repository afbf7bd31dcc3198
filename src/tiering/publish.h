/* Publishing a tiering's counters (counters.h). Not installed. */
#ifndef AML_TIERING_PUBLISH_H
#define AML_TIERING_PUBLISH_H

#include "aml/higher/tiering.h"
#include "aml/utils/bitmap.h"
#include "tiering/counters.h"

struct aml__tiering_publisher {
	int fd;
	struct aml__tiering_counters *c; /* NULL: not published */
};

/* Create the file and write what does not change; without memfd the
 * tiering works unpublished (c stays NULL). */
void aml__tiering_publish_open(struct aml__tiering_publisher *p,
			       const struct aml_bitmap *fast,
			       const struct aml_bitmap *slow,
			       const char *method,
			       const struct aml_tiering_stats *s,
			       size_t max_migrate, unsigned int interval_ms);

void aml__tiering_publish(struct aml__tiering_publisher *p,
			  const struct aml_tiering_stats *s, int running);

void aml__tiering_publish_close(struct aml__tiering_publisher *p);

#endif /* AML_TIERING_PUBLISH_H */
