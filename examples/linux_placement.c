/* See where pages are: an interleaved buffer populated at mmap time (pages
 * placed by the policy before any write), its page map, then the buffer
 * migrated onto one node. Works on any number of nodes. */
#include <aml.h>
#include <aml/area/linux-inspect.h>
#include <aml/area/linux.h>

int main(void)
{
	const size_t size = (size_t)64 * sysconf(_SC_PAGESIZE);
	struct aml_area_linux_attr attr = {
		.flags = AML_AREA_LINUX_FLAG_POPULATE};
	struct aml_area *interleave, *bind;
	struct aml_linux_placement where;
	struct aml_bitmap first;
	size_t moved, failed;
	char map[80];
	void *buf;
	int err;

	err = aml_area_linux_create_attr(&interleave, NULL,
					 AML_AREA_LINUX_POLICY_INTERLEAVE,
					 &attr);
	if (err != AML_SUCCESS) {
		fprintf(stderr, "create: %s\n", aml_strerror(err));
		return 1;
	}
	buf = aml_area_mmap(interleave, size, NULL);
	if (buf == NULL) {
		aml_perror("aml_area_mmap");
		return 1;
	}
	aml_area_fprintf(stdout, "", interleave);
	/* e.g. 0101010101... on two nodes; '.' would be a page not placed */
	if (aml_linux_page_map(buf, size, map, sizeof(map)) < 0)
		return 1;
	printf("page map: %s\n", map);
	if (aml_linux_placement_fprintf(stdout, "  ", buf, size) < 0)
		return 1;

	/* Move the whole buffer to the first node it uses. */
	if (aml_linux_inspect(buf, size, 0, &where) != AML_SUCCESS)
		return 1;
	aml_bitmap_zero(&first);
	aml_bitmap_set(&first, (unsigned)aml_bitmap_first(&where.nodes));
	err = aml_area_linux_create(&bind, &first, AML_AREA_LINUX_POLICY_BIND);
	if (err == AML_SUCCESS)
		err = aml_area_linux_migrate(bind, buf, size, &moved, &failed,
					     NULL);
	if (err != AML_SUCCESS) {
		fprintf(stderr, "migrate: %s\n", aml_strerror(err));
		return 1;
	}
	printf("migrated: %zu pages moved, %zu could not move\n", moved,
	       failed);
	aml_linux_page_map(buf, size, map, sizeof(map));
	printf("page map: %s\n", map);

	aml_area_munmap(interleave, buf, size);
	aml_area_linux_destroy(&bind);
	aml_area_linux_destroy(&interleave);
	return failed == 0 ? 0 : 1;
}
