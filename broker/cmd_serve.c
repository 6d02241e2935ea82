/* cocobroker serve --config FILE: the key broker service (broker/server/). */
#include <stdio.h>
#include <string.h>

#include <openssl/opensslv.h>

#include "commands.h"
#include "broker/server/config.h"
#include "broker/server/log.h"
#include "broker/server/metrics.h"
#include "broker/server/server.h"

/* TDX evidence verified without collateral has no TCB status and no
 * revocation check; policies must opt in (allow_no_collateral), and the
 * operator should know at start.  A config that does not load is left to
 * server_run, which reports it. */
static void warn_tdx_without_collateral(const char *config)
{
	struct broker_config c = { 0 };
	char err[256];
	if (config_load(&c, config, err, sizeof err) != 0)
		return;
	if (!c.collateral_dir)
		log_event("warning", "tdx-without-collateral", "detail",
			  "no collateral_dir: TDX quotes get no TCB status and no PCK revocation check; "
			  "only volumes whose policy says \"tdx\": {\"allow_no_collateral\": true} release to TDX",
			  NULL);
	config_free(&c);
}

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
	warn_tdx_without_collateral(config);
	metrics_set_build_info(cocobroker_version(), "OpenSSL " OPENSSL_VERSION_STR);
	return server_run(config);
}
