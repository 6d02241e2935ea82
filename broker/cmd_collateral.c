/*
 * cocobroker collateral fetch|status --config FILE: get the endorsements
 * the verifiers need (AMD KDS, Intel PCS or a PCCS), verify them against the
 * pinned vendor roots and store them where `serve` reads them; or say when
 * the stored ones stop being current (broker/collateral/).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "broker/collateral/expiry.h"
#include "broker/collateral/fetch.h"
#include "commands.h"
#include "broker/server/config.h"
#include "broker/verify/internal.h"
#include "broker/verify/snp_report.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: cocobroker collateral fetch --config FILE [--at RFC3339] [--snp-report FILE --product NAME]...\n"
		   "                                    [--fmspc HEX]...\n"
		   "       cocobroker collateral status --config FILE [--at RFC3339]\n\n"
		   "fetch: get AMD KDS VCEK/VLEK chains, CRLs and VCEKs, Intel PCS TDX TCB info, QE identity and\n"
		   "  CRLs for what the configuration's \"collateral_fetch\" and the directories name, verify each\n"
		   "  against the pinned vendor roots and store it atomically in snp_cert_dir / collateral_dir.\n"
		   "  Exit 0 when every item stored or was unchanged, 1 when any failed (its old file is kept).\n"
		   "status: when the stored collateral stops being current; exit 1 when any is expired or within\n"
		   "  expiry_warning_days.\n"
		   "--at: judge \"current\" at this time instead of now (tests, recorded collateral).\n");
	return f == stdout ? CB_EXIT_OK : CB_EXIT_USAGE;
}

static void print_item(void *arg, enum fetch_result res, const char *item, const char *detail)
{
	(void)arg;
	if (res == FETCH_FAILED)
		fprintf(stderr, "FAILED %s: %s\n", item, detail);
	else
		printf("%-9s %s: %s\n", res == FETCH_STORED ? "stored" : "unchanged", item, detail);
}

/* chip id and REPORTED_TCB of a report; product as given */
static int chip_of_report(const char *path, const char *product, struct snp_chip *chip)
{
	uint8_t *data;
	size_t len;
	cb_snp_claims c;
	cb_refusal why;
	const char *p = product ? snp_product_canonical(product) : NULL;

	if (!p) {
		fprintf(stderr, "cocobroker collateral: --snp-report needs --product Milan|Genoa|Turin before it\n");
		return -1;
	}
	if (cb_read_file(path, 64 * 1024, &data, &len)) {
		fprintf(stderr, "cocobroker collateral: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = snp_report_parse(data, len, &c, &why);
	free(data);
	if (rc) {
		fprintf(stderr, "cocobroker collateral: %s: %s: %s\n", path, why.code, why.detail);
		return -1;
	}
	memset(chip, 0, sizeof *chip);
	snprintf(chip->product, sizeof chip->product, "%s", p);
	memcpy(chip->chip_id, c.chip_id, 64);
	chip->reported_tcb = c.reported_tcb.raw;
	return 0;
}

static int status(const struct broker_config *cfg, time_t at)
{
	struct expiry_entry e[EXPIRY_MAX];
	size_t n = expiry_scan(cfg->collateral_dir, cfg->snp_cert_dir, e, EXPIRY_MAX);
	int warn = cfg->collateral_fetch ? cfg->collateral_fetch->expiry_warning_days : 7, bad = 0;
	char line[256];

	for (size_t i = 0; i < n; i++) {
		enum expiry_state st = expiry_judge(&e[i], at, warn, line, sizeof line);
		if (st == EXPIRY_OK)
			printf("ok       %s\n", line);
		else
			fprintf(stderr, "%s %s\n", st == EXPIRY_SOON ? "EXPIRING" : "EXPIRED ", line);
		bad |= st != EXPIRY_OK;
	}
	if (!n)
		printf("no collateral stored\n");
	return bad ? CB_EXIT_REJECTED : CB_EXIT_OK;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int cmd_collateral(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, 0, 'c' }, { "at", required_argument, 0, 't' },
		{ "snp-report", required_argument, 0, 'r' }, { "product", required_argument, 0, 'p' },
		{ "fmspc", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	const char *config = NULL, *product = NULL, *sub;
	struct snp_chip chips[16];
	const char *fmspcs[16];
	size_t n_chips = 0, n_fmspcs = 0;
	time_t at = 0;
	int o;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(argc < 2 ? stderr : stdout);
	sub = argv[1];
	if (strcmp(sub, "fetch") && strcmp(sub, "status")) {
		fprintf(stderr, "cocobroker collateral: unknown subcommand \"%s\"\n", sub);
		return usage(stderr);
	}
	optind = 2;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c': config = optarg; break;
		case 't':
			if (cb_parse_rfc3339(optarg, &at)) {
				fprintf(stderr, "cocobroker collateral: --at \"%s\" is not an RFC 3339 time\n", optarg);
				return CB_EXIT_USAGE;
			}
			break;
		case 'p': product = optarg; break;
		case 'r':
			if (n_chips == 16 || chip_of_report(optarg, product, &chips[n_chips]))
				return CB_EXIT_USAGE;
			n_chips++;
			break;
		case 'f':
			if (n_fmspcs == 16)
				return CB_EXIT_USAGE;
			fmspcs[n_fmspcs++] = optarg;
			break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (!config || optind != argc)
		return usage(stderr);

	struct broker_config cfg;
	char err[512];
	if (config_load(&cfg, config, err, sizeof err)) {
		fprintf(stderr, "cocobroker collateral: %s\n", err);
		return CB_EXIT_USAGE;
	}
	if (!at)
		at = time(NULL);
	if (!strcmp(sub, "status")) {
		int rc = status(&cfg, at);
		config_free(&cfg);
		return rc;
	}

	int rc = CB_EXIT_USAGE;
	cb_trust *trust = NULL;
	cb_refusal why;
	if (!cfg.collateral_fetch &&
	    (!(cfg.collateral_fetch = malloc(sizeof *cfg.collateral_fetch)) || fetch_config_defaults(cfg.collateral_fetch))) {
		fprintf(stderr, "cocobroker collateral: out of memory\n");
		goto out;
	}
	struct collateral_fetch_config *fc = cfg.collateral_fetch;
	for (size_t i = 0; i < n_chips; i++)
		if (fetch_config_add_chip(fc, &chips[i])) {
			fprintf(stderr, "cocobroker collateral: too many SNP chips\n");
			goto out;
		}
	for (size_t i = 0; i < n_fmspcs; i++)
		if (fetch_config_add_fmspc(fc, fmspcs[i])) {
			fprintf(stderr, "cocobroker collateral: --fmspc \"%s\" is not 12 hex digits\n", fmspcs[i]);
			goto out;
		}
	if (!cfg.snp_cert_dir && (fc->n_snp_products || fc->n_snp_chips)) {
		fprintf(stderr, "cocobroker collateral: SNP products or chips named but no snp_cert_dir to store into\n");
		goto out;
	}
	if (!cfg.collateral_dir && fc->n_tdx_fmspcs) {
		fprintf(stderr, "cocobroker collateral: FMSPCs named but no collateral_dir to store into\n");
		goto out;
	}
	fetch_plan_from_disk(fc, cfg.snp_cert_dir, cfg.collateral_dir);
	if (!fc->n_snp_products && !fc->n_snp_chips && !cfg.collateral_dir) {
		fprintf(stderr, "cocobroker collateral: nothing to fetch: no SNP product, chip or collateral_dir\n");
		goto out;
	}
	if (http_init() || cb_trust_new(&trust, cfg.vendor_dir, &why)) {
		fprintf(stderr, "cocobroker collateral: %s\n", trust ? "libcurl does not initialise" : why.detail);
		rc = CB_EXIT_REJECTED;
		goto out;
	}
	struct fetch_run r = { .fc = fc, .trust = trust,
			       .snp_dir = fc->n_snp_products || fc->n_snp_chips ? cfg.snp_cert_dir : NULL,
			       .tdx_dir = cfg.collateral_dir, .at = at, .report = print_item,
			       .http = { .ca_file = fc->ca_file, .timeout_s = fc->timeout_seconds } };
	double t0 = mono();
	rc = fetch_all(&r) ? CB_EXIT_REJECTED : CB_EXIT_OK;
	printf("%u stored, %u unchanged, %u failed; %zu bytes received in %.1f ms\n", r.stored, r.unchanged, r.failed,
	       r.bytes, (mono() - t0) * 1e3);
	/* what the run left: said now, not at the first refused guest */
	struct expiry_entry e[EXPIRY_MAX];
	size_t n = expiry_scan(cfg.collateral_dir, r.snp_dir, e, EXPIRY_MAX);
	char line[256];
	for (size_t i = 0; i < n; i++) {
		enum expiry_state st = expiry_judge(&e[i], at, fc->expiry_warning_days, line, sizeof line);
		if (st != EXPIRY_OK)
			fprintf(stderr, "%s %s\n", st == EXPIRY_SOON ? "EXPIRING" : "EXPIRED ", line);
	}
out:
	cb_trust_free(trust);
	config_free(&cfg);
	return rc;
}
