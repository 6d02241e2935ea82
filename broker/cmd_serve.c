/* cocobroker serve --config FILE: the key broker service (broker/server/). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "server/server.h"

int cmd_serve(int argc, char **argv)
{
	const char *config = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: cocobroker serve --config FILE\n\n"
			       "Serve POST /v1/unlock over mutual TLS 1.3 (see cocobroker(8)).\n"
			       "SIGTERM: finish in-flight requests and stop; SIGHUP: reload FILE.\n");
			return CB_EXIT_OK;
		} else {
			fprintf(stderr, "cocobroker serve: unexpected argument \"%s\"\n", argv[i]);
			return CB_EXIT_USAGE;
		}
	}
	if (!config) {
		fprintf(stderr, "usage: cocobroker serve --config FILE\n");
		return CB_EXIT_USAGE;
	}
	return server_run(config);
}
