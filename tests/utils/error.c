#include <aml.h>
#include <string.h>

#include "check.h"

static void *set_errno_in_thread(void *arg)
{
	(void)arg;
	aml_errno = AML_EBUSY;
	return NULL;
}

int main(void)
{
	pthread_t t;

	/* Every code has its own message, with either sign. */
	for (int i = 0; i < AML_ERROR_MAX; i++) {
		CHECK(aml_strerror(i) != NULL);
		CHECK(strcmp(aml_strerror(i), aml_strerror(-i)) == 0);
		CHECK(strcmp(aml_strerror(i), "Unknown error") != 0);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(aml_strerror(i), aml_strerror(j)) != 0);
	}
	CHECK(strcmp(aml_strerror(AML_ERROR_MAX), "Unknown error") == 0);
	CHECK(strcmp(aml_strerror(-AML_ERROR_MAX), "Unknown error") == 0);
	CHECK(strcmp(aml_strerror(1 << 30), "Unknown error") == 0);
	CHECK(strcmp(aml_strerror(-2147483647 - 1), "Unknown error") == 0);
	CHECK(strcmp(aml_strerror(-AML_EINVAL), "Invalid argument") == 0);
	/* It says what is out of bounds. */
	CHECK(strstr(aml_strerror(-AML_EDOM), "node") != NULL);

	/* aml_errno is per thread and assignable. */
	aml_errno = AML_EINVAL;
	CHECK(pthread_create(&t, NULL, set_errno_in_thread, NULL) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(aml_errno, AML_EINVAL);

	/* aml_perror writes "msg: message\n" on stderr. */
	FILE *tmp = tmpfile();
	CHECK(tmp != NULL);
	int saved = dup(2);
	CHECK(saved >= 0);
	CHECK(dup2(fileno(tmp), 2) == 2);
	aml_errno = AML_ENOMEM;
	aml_perror("here");
	aml_perror(NULL);
	fflush(stderr);
	CHECK(dup2(saved, 2) == 2);
	close(saved);
	char buf[128] = {0};
	rewind(tmp);
	CHECK(fread(buf, 1, sizeof(buf) - 1, tmp) > 0);
	CHECK(strcmp(buf, "here: Not enough memory\nNot enough memory\n") == 0);
	fclose(tmp);

	/* Lifecycle and version. */
	CHECK_EQ(aml_init(NULL, NULL), AML_SUCCESS);
	CHECK_EQ(aml_version_major, AML_VERSION_MAJOR);
	CHECK_EQ(aml_version_minor, AML_VERSION_MINOR);
	CHECK_EQ(aml_version_patch, AML_VERSION_PATCH);
	CHECK(strcmp(aml_version_string, AML_VERSION_STRING) == 0);
	CHECK_EQ(aml_finalize(), AML_SUCCESS);
	return 0;
}
