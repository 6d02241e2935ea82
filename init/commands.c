/* The operator commands: `unlock` (attest + unlock, then exit) and `report`. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/hex.h"
#include "flow.h"
#include "libtsm.h"
#include "log.h"

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
	struct cb_err err = { .code = CB_ERR_USAGE };

	snprintf(err.detail, sizeof(err.detail), fmt, arg ? arg : "");
	fprintf(stderr, "cocoboot %s: %s (see cocoboot(8))\n", cmd, err.detail);
	return cb_error_exit_status(CB_ERR_USAGE);
}

static const char unlock_usage[] =
	"usage: cocoboot unlock [--url URL]... [--volume DEV] [--name NAME] [--ca FILE]\n"
	"                       [--timeout SECONDS] [--keyhash SALT:HASH] [--no-cmdline]\n"
	"Attest, fetch the volume key and open the LUKS2 volume as /dev/mapper/NAME, then exit.\n"
	"Options override rd.cocoboot.* from /proc/cmdline (ignored with --no-cmdline).\n"
	"See cocoboot(8) and cocoboot.cmdline(7).\n";

static const char report_usage[] =
	"usage: cocoboot report --inblob HEX --out FILE [--aux FILE] [--privlevel N]\n"
	"Fetch a raw attestation report through configfs-tsm with INBLOB (1-64 bytes) as its\n"
	"report data; write the outblob to FILE and the auxblob (certificates) to --aux.\n";

int cb_cmd_unlock(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' }, { "volume", required_argument, NULL, 'v' },
		{ "name", required_argument, NULL, 'n' }, { "ca", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' }, { "no-cmdline", no_argument, NULL, 'N' },
		{ "keyhash", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct cb_config cfg;
	struct cb_err err = { 0 };
	int use_cmdline = 1, urls_given = 0, c;

	/* First pass: --help, and whether the kernel command line is wanted. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(unlock_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--no-cmdline"))
			use_cmdline = 0;
	}
	cb_config_defaults(&cfg);
	if (use_cmdline && cb_config_from_kernel(&cfg, &err) < 0)
		goto fail;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *key;

		switch (c) {
		case 'u':
			if (!urls_given++)
				cfg.n_urls = 0;  /* --url replaces the command line's URLs */
			key = "url";
			break;
		case 'v': key = "volume"; break;
		case 'n': key = "name"; break;
		case 'c': key = "ca"; break;
		case 't': key = "timeout"; break;
		case 'k': key = "keyhash"; break;
		case 'N':
		case 'h': continue;
		default:
			return usage_error("unlock", "unknown option%s", NULL);
		}
		if (cb_config_set(&cfg, key, optarg, &err) < 0) {
			err.code = CB_ERR_USAGE;
			goto fail;
		}
	}
	if (optind != argc)
		return usage_error("unlock", "unexpected argument '%s'", argv[optind]);
	if (cb_attest_and_unlock(&cfg, &err) < 0)
		goto fail;
	return 0;
fail:
	cb_log_error(&err);
	return cb_error_exit_status(err.code);
}

static int parse_hex(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 || n / 2 > cap || hex_decode(out, n / 2, hex) < 0)
		return -1;
	*len = n / 2;
	return 0;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return -1;
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return close(fd);
}

int cb_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "inblob", required_argument, NULL, 'i' }, { "out", required_argument, NULL, 'o' },
		{ "aux", required_argument, NULL, 'a' }, { "privlevel", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	uint8_t inblob[TSM_INBLOB_MAX];
	size_t inblob_len = 0;
	const char *hex = NULL, *out = NULL, *aux = NULL;
	struct tsm_report_req req = { 0 };
	struct tsm_report rep;
	char errbuf[TSM_ERRBUF_SIZE] = "";
	struct cb_err err = { 0 };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': hex = optarg; break;
		case 'o': out = optarg; break;
		case 'a': aux = optarg; break;
		case 'h': fputs(report_usage, stdout); return 0;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v < 0 || v > 3)
				return usage_error("report", "--privlevel must be 0-3, got '%s'", optarg);
			req.privlevel = (unsigned int)v;
			req.use_privlevel = true;
			break;
		}
		default:
			return usage_error("report", "unknown option%s", NULL);
		}
	}
	if (!hex || !out || optind != argc)
		return usage_error("report", "usage: cocoboot report --inblob HEX --out FILE [--aux FILE] [--privlevel N]%s",
				   NULL);
	if (parse_hex(hex, inblob, sizeof(inblob), &inblob_len) < 0)
		return usage_error("report", "--inblob must be 1 to 64 bytes of hex, got '%.80s'", hex);
	req.inblob = inblob;
	req.inblob_len = inblob_len;
	if (tsm_report_get(&req, &rep, errbuf) < 0) {
		cb_fail(&err, CB_ERR_REPORT, "configfs-tsm: %s", errbuf);
		goto fail;
	}
	if (write_file(out, rep.outblob, rep.outblob_len) < 0 ||
	    (aux && rep.auxblob && write_file(aux, rep.auxblob, rep.auxblob_len) < 0)) {
		cb_fail(&err, CB_ERR_REPORT, "cannot write %s", out);
		tsm_report_free(&rep);
		goto fail;
	}
	printf("provider %s\noutblob %zu bytes -> %s\n", rep.provider, rep.outblob_len, out);
	if (rep.auxblob)
		printf("auxblob %zu bytes%s%s\n", rep.auxblob_len, aux ? " -> " : " (not written: no --aux)",
		       aux ? aux : "");
	tsm_report_free(&rep);
	return 0;
fail:
	cb_log_error(&err);
	return cb_error_exit_status(err.code);
}
