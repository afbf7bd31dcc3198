/* An ordinary program (libc only) for test_cli_tier: a 32 MiB buffer
 * from malloc, whose second 4 MiB it writes over and over for SECONDS
 * seconds (argument 1). It prints "buffer ADDRESS SIZE HOT_OFFSET
 * HOT_SIZE" first, and exits 0 if every byte is as written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIZE ((size_t)32 << 20)
#define HOT_OFF ((size_t)4 << 20)
#define HOT_SIZE ((size_t)4 << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3, end = now() + seconds;
	unsigned char *buf = malloc(SIZE);
	unsigned long rounds = 0;

	if (buf == NULL)
		return 1;
	memset(buf, 7, SIZE);
	printf("buffer %p %zu %zu %zu\n", (void *)buf, SIZE, HOT_OFF, HOT_SIZE);
	fflush(stdout);
	for (; now() < end; rounds++)
		for (size_t i = HOT_OFF; i < HOT_OFF + HOT_SIZE; i += 4096)
			buf[i + rounds % 4096] = (unsigned char)(7 + 1);
	for (size_t i = 0; i < SIZE; i++)
		if (buf[i] !=
		    (i >= HOT_OFF && i < HOT_OFF + HOT_SIZE &&
			     i % 4096 < (rounds < 4096 ? rounds : 4096)
			 ? 8
			 : 7))
			return 2;
	free(buf);
	return 0;
}
