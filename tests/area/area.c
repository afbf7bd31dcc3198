/* The generic area API, with a user's area filled by hand. */
#include <aml.h>
#include <aml/area/linux.h>

#include "check.h"

/* A user's area: anonymous mappings, counting the calls it receives. */
struct counting_data {
	int nmmap, nmunmap, nfprintf;
	const void *last_opts;
	int munmap_ret;
};

static void *counting_mmap(const struct aml_area_data *data, size_t size,
			   struct aml_area_mmap_options *opts)
{
	struct counting_data *d = (struct counting_data *)data;
	void *p;

	d->nmmap++;
	d->last_opts = opts;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		aml_errno = AML_ENOMEM;
		return NULL;
	}
	return p;
}

static int counting_munmap(const struct aml_area_data *data, void *ptr,
			   size_t size)
{
	struct counting_data *d = (struct counting_data *)data;

	d->nmunmap++;
	if (d->munmap_ret != AML_SUCCESS)
		return d->munmap_ret;
	return munmap(ptr, size) == 0 ? AML_SUCCESS : -AML_EINVAL;
}

static int counting_fprintf(const struct aml_area_data *data, FILE *stream,
			    const char *prefix)
{
	struct counting_data *d = (struct counting_data *)data;

	d->nfprintf++;
	return fprintf(stream, "%scounting area\n", prefix);
}

/* The user's area as the tutorials build it: one block, freed with free(). */
static struct aml_area *counting_create(int with_fprintf)
{
	struct aml_area *area;
	struct aml_area_ops *ops;
	struct counting_data *data;

	area = AML_INNER_MALLOC(struct aml_area, struct aml_area_ops,
				struct counting_data);
	CHECK(area != NULL);
	ops = AML_INNER_MALLOC_GET_FIELD(area, 2, struct aml_area,
					 struct aml_area_ops,
					 struct counting_data);
	data = AML_INNER_MALLOC_GET_FIELD(area, 3, struct aml_area,
					  struct aml_area_ops,
					  struct counting_data);
	ops->mmap = counting_mmap;
	ops->munmap = counting_munmap;
	ops->fprintf = with_fprintf ? counting_fprintf : NULL;
	area->ops = ops;
	area->data = (struct aml_area_data *)data;
	return area;
}

/* Output of aml_area_fprintf into a string the caller frees. */
static char *print_area(const char *prefix, const struct aml_area *area,
			int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK(f != NULL);
	*ret = aml_area_fprintf(f, prefix, area);
	CHECK(fclose(f) == 0);
	return buf;
}

static void test_user_area(void)
{
	struct aml_area *area = counting_create(1);
	struct counting_data *d = (struct counting_data *)area->data;
	struct aml_area_linux_mmap_options opts;
	const size_t size = 3 * 4096 + 5;
	unsigned char *buf;
	char *s;
	int n;

	/* mmap and munmap reach the user's operations, with the options. */
	buf = aml_area_mmap(area, size, NULL);
	CHECK(buf != NULL);
	CHECK_EQ(d->nmmap, 1);
	CHECK(d->last_opts == NULL);
	memset(buf, 0x5a, size);
	CHECK_EQ(buf[size - 1], 0x5a);
	CHECK_EQ(aml_area_munmap(area, buf, size), AML_SUCCESS);
	CHECK_EQ(d->nmunmap, 1);
	buf = aml_area_mmap(area, 1, (struct aml_area_mmap_options *)&opts);
	CHECK(buf != NULL);
	CHECK(d->last_opts == &opts);

	/* The implementation's munmap result is returned as is. */
	d->munmap_ret = -AML_EBUSY;
	CHECK_EQ(aml_area_munmap(area, buf, 1), -AML_EBUSY);
	d->munmap_ret = AML_SUCCESS;
	CHECK_EQ(aml_area_munmap(area, buf, 1), AML_SUCCESS);
	CHECK_EQ(d->nmunmap, 3);

	/* The implementation's mmap failure (and its aml_errno) too. */
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(area, SIZE_MAX, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_ENOMEM);

	/* fprintf uses the area's operation, with the prefix; its count
	 * of characters becomes AML_SUCCESS. */
	s = print_area("pre> ", area, &n);
	CHECK(strcmp(s, "pre> counting area\n") == 0);
	CHECK_EQ(n, AML_SUCCESS);
	CHECK_EQ(d->nfprintf, 1);
	free(s);
	s = print_area(NULL, area, &n);
	CHECK(strcmp(s, "counting area\n") == 0);
	CHECK_EQ(n, AML_SUCCESS);
	free(s);

	/* Arguments the generic layer rejects never reach the operations. */
	d->nmmap = d->nmunmap = 0;
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(area, 0, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	CHECK_EQ(aml_area_munmap(area, NULL, 0), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(area, NULL, 4096), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(area, &n, 0), -AML_EINVAL);
	CHECK_EQ(d->nmmap, 0);
	CHECK_EQ(d->nmunmap, 0);

	free(area);
}

static void test_generic_fprintf(void)
{
	struct aml_area *area = counting_create(0);
	char expect[256];
	char *s;
	int n;

	/* Without an fprintf operation, one generic line. */
	s = print_area("## ", area, &n);
	CHECK(s != NULL);
	CHECK_EQ(n, AML_SUCCESS);
	CHECK(strlen(s) > 4);
	CHECK(strncmp(s, "## area: ", 9) == 0);
	CHECK_EQ(s[strlen(s) - 1], '\n');
	CHECK(strchr(s, '\n') == s + strlen(s) - 1);
	snprintf(expect, sizeof(expect), "%p", (void *)area);
	CHECK(strstr(s, expect) != NULL);
	free(s);

	s = print_area(NULL, area, &n);
	CHECK(strncmp(s, "area: ", 6) == 0);
	CHECK_EQ(n, AML_SUCCESS);
	free(s);

	/* A prefix without a space at its end is set apart with ": ". */
	s = print_area("area", area, &n);
	CHECK(strncmp(s, "area: area: ", 12) == 0);
	free(s);

	/* Same for an area without ops at all. */
	struct aml_area bare = {NULL, NULL};
	s = print_area("", &bare, &n);
	CHECK_EQ(n, AML_SUCCESS);
	CHECK(strncmp(s, "area: ", 6) == 0);
	free(s);

	/* Invalid arguments. */
	CHECK_EQ(aml_area_fprintf(NULL, "", area), -AML_EINVAL);
	CHECK_EQ(aml_area_fprintf(stdout, "", NULL), -AML_EINVAL);

	/* A stream that cannot be written. */
	char ro[16] = "";
	FILE *f = fmemopen(ro, sizeof(ro), "r");
	CHECK(f != NULL);
	CHECK_EQ(aml_area_fprintf(f, "x", area), -AML_FAILURE);
	fclose(f);
	free(area);
}

static void test_invalid(void)
{
	struct aml_area_ops no_ops = {NULL, NULL, NULL};
	struct aml_area empty = {&no_ops, NULL};
	struct aml_area nothing = {NULL, NULL};
	int x;

	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(NULL, 4096, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(&nothing, 4096, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(&empty, 4096, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);
	aml_errno = AML_SUCCESS;
	CHECK(aml_area_mmap(&aml_area_linux, 0, NULL) == NULL);
	CHECK_EQ(aml_errno, AML_EINVAL);

	CHECK_EQ(aml_area_munmap(NULL, &x, 4096), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(NULL, NULL, 0), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(&nothing, &x, 4096), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(&empty, &x, 4096), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(&aml_area_linux, NULL, 0), AML_SUCCESS);
	CHECK_EQ(aml_area_munmap(&aml_area_linux, NULL, 4096), -AML_EINVAL);
	CHECK_EQ(aml_area_munmap(&aml_area_linux, &x, 0), -AML_EINVAL);
}

/* The default Linux area through the generic API, without aml_init(). */
static void test_default_area(void)
{
	const size_t size = 5 * 4096;
	char *buf = aml_area_mmap(&aml_area_linux, size, NULL);
	char *s;
	int n;

	CHECK(buf != NULL);
	memset(buf, 1, size);
	CHECK_EQ(buf[size - 1], 1);
	CHECK_EQ(aml_area_munmap(&aml_area_linux, buf, size), AML_SUCCESS);
	s = print_area("", &aml_area_linux, &n);
	CHECK(strstr(s, "linux") != NULL);
	CHECK_EQ(n, AML_SUCCESS);
	free(s);
}

int main(void)
{
	test_invalid();
	test_user_area();
	test_generic_fprintf();
	test_default_area();
	return 0;
}
