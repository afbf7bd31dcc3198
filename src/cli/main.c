#include <stdio.h>
#include <string.h>

#include "aml.h"
#include "cli.h"

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} commands[] = {{"run", aml_cli_run},
			{"show", aml_cli_show},
			{"nodes", aml_cli_nodes}};

	if (argc < 2)
		return aml_cli_usage_error(NULL, "no command given");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		aml_cli_help(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("aml %s\n", aml_version_string);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		char name[16];

		if (strcmp(argv[1], commands[i].name))
			continue;
		/* getopt_long's messages start with argv[0]. */
		snprintf(name, sizeof(name), "aml %s", commands[i].name);
		argv[1] = name;
		return commands[i].run(argc - 1, argv + 1);
	}
	return aml_cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
