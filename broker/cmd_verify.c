/*
 * cocobroker verify --provider sev_guest|tdx_guest --outblob FILE
 *     [--auxblob FILE] [--cert FILE]... [--collateral DIR] [--policy FILE]
 *     [--report-data HEX] [--at RFC3339] [--event-log FILE]
 * Claims JSON on stdout; exit 0 accepted, 1 rejected (reason code and detail
 * on stderr), 2 usage or I/O error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "broker/verify/internal.h"
#include "broker/verify/policy.h"
#include "broker/verify/verify.h"

#define MAX_INPUT (1024 * 1024)
#define MAX_CERTS 16


static void verify_usage(FILE *f)
{
	fprintf(f,
		"usage: cocobroker verify --provider sev_guest|tdx_guest --outblob FILE\n"
		"         [--auxblob FILE] [--cert FILE]... [--collateral DIR] [--policy FILE]\n"
		"         [--report-data HEX] [--at RFC3339] [--event-log FILE]\n"
		"         [--vendor-dir DIR] [--snp-cert-dir DIR]\n"
		"         [--test-snp-ark FILE [--test-snp-ask FILE]] [--test-tdx-root FILE]\n"
		"Prints the claims as JSON. Exit 0 accepted, 1 rejected (reason on stderr),\n"
		"2 usage or I/O error. --test-* trust TEST roots (never in production).\n"
		"--event-log: TDX, the CCEL event log, replayed against the quote's RTMRs.\n"
		"TDX without --collateral is refused unless --policy has \"allow_no_collateral\": true.\n");
}

struct verify_args {
	const char *provider, *outblob, *auxblob, *collateral, *policy, *report_data, *at, *event_log;
	const char *vendor_dir, *snp_cert_dir, *test_ark, *test_ask, *test_tdx_root;
	const char *certs[MAX_CERTS];
	size_t n_certs;
};

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	static const struct option opts[] = {
		{ "provider", required_argument, 0, 'p' }, { "outblob", required_argument, 0, 'o' },
		{ "auxblob", required_argument, 0, 'a' },  { "cert", required_argument, 0, 'c' },
		{ "collateral", required_argument, 0, 'C' }, { "policy", required_argument, 0, 'P' },
		{ "report-data", required_argument, 0, 'r' }, { "at", required_argument, 0, 't' },
		{ "vendor-dir", required_argument, 0, 'V' }, { "snp-cert-dir", required_argument, 0, 'D' },
		{ "test-snp-ark", required_argument, 0, 'K' }, { "test-snp-ask", required_argument, 0, 'S' },
		{ "test-tdx-root", required_argument, 0, 'T' }, { "event-log", required_argument, 0, 'e' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': a->provider = optarg; break;
		case 'o': a->outblob = optarg; break;
		case 'a': a->auxblob = optarg; break;
		case 'c':
			if (a->n_certs == MAX_CERTS) {
				fprintf(stderr, "cocobroker verify: at most %d --cert\n", MAX_CERTS);
				return -1;
			}
			a->certs[a->n_certs++] = optarg;
			break;
		case 'C': a->collateral = optarg; break;
		case 'P': a->policy = optarg; break;
		case 'r': a->report_data = optarg; break;
		case 't': a->at = optarg; break;
		case 'V': a->vendor_dir = optarg; break;
		case 'D': a->snp_cert_dir = optarg; break;
		case 'K': a->test_ark = optarg; break;
		case 'S': a->test_ask = optarg; break;
		case 'T': a->test_tdx_root = optarg; break;
		case 'e': a->event_log = optarg; break;
		case 'h': verify_usage(stdout); exit(CB_EXIT_OK);
		default: return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cocobroker verify: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (!a->provider || !a->outblob) {
		fprintf(stderr, "cocobroker verify: --provider and --outblob are required\n");
		return -1;
	}
	if (cb_provider_from_string(a->provider) == CB_PROVIDER_NONE) {
		fprintf(stderr, "cocobroker verify: --provider must be sev_guest or tdx_guest\n");
		return -1;
	}
	if (a->test_ask && !a->test_ark) {
		fprintf(stderr, "cocobroker verify: --test-snp-ask needs --test-snp-ark\n");
		return -1;
	}
	return 0;
}

static int read_input(const char *what, const char *path, uint8_t **data, size_t *len)
{
	if (cb_read_file(path, MAX_INPUT, data, len) != 0) {
		fprintf(stderr, "cocobroker verify: cannot read %s %s: %s\n", what, path, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	struct verify_args a = { 0 };
	if (parse_args(argc, argv, &a)) {
		verify_usage(stderr);
		return CB_EXIT_USAGE;
	}
	int rc = CB_EXIT_USAGE;
	uint8_t *outblob = NULL, *auxblob = NULL, *evlog = NULL, *certdata[MAX_CERTS] = { 0 };
	size_t outlen = 0, auxlen = 0, evlen = 0;
	cb_buf certs[MAX_CERTS];
	cb_trust *trust = NULL;
	cb_policy *policy = NULL;
	cb_refusal why = { 0 };
	uint8_t expected[64];
	cb_evidence ev = { .provider = a.provider, .collateral_dir = a.collateral,
			   .snp_cert_dir = a.snp_cert_dir };

	if (a.report_data) {
		if (hex_decode(expected, 64, a.report_data) != 0) {
			fprintf(stderr, "cocobroker verify: --report-data must be 128 hex digits\n");
			goto out;
		}
		ev.expected_report_data = expected;
	}
	if (a.at && cb_parse_rfc3339(a.at, &ev.at) != 0) {
		fprintf(stderr, "cocobroker verify: --at \"%s\" is not an RFC 3339 time\n", a.at);
		goto out;
	}
	if (read_input("outblob", a.outblob, &outblob, &outlen) ||
	    (a.auxblob && read_input("auxblob", a.auxblob, &auxblob, &auxlen)) ||
	    (a.event_log && read_input("event log", a.event_log, &evlog, &evlen)))
		goto out;
	for (size_t i = 0; i < a.n_certs; i++) {
		if (read_input("certificate", a.certs[i], &certdata[i], &certs[i].len))
			goto out;
		certs[i].data = certdata[i];
	}
	if (a.policy && cb_policy_load(&policy, a.policy, &why) != 0) {
		fprintf(stderr, "cocobroker verify: policy %s: %s\n", a.policy, why.detail);
		goto out;
	}
	if (cb_trust_new(&trust, a.vendor_dir, &why) != 0 ||
	    (a.test_ark && cb_trust_add_test_snp(trust, a.test_ark, a.test_ask, &why) != 0) ||
	    (a.test_tdx_root && cb_trust_add_test_tdx(trust, a.test_tdx_root, &why) != 0)) {
		fprintf(stderr, "cocobroker verify: trust store: %s\n", why.detail);
		goto out;
	}
	if (cb_trust_has_test_roots(trust))
		fprintf(stderr, "cocobroker verify: WARNING: TEST roots are trusted\n");

	ev.outblob = outblob;
	ev.outblob_len = outlen;
	ev.auxblob = auxblob;
	ev.auxblob_len = auxlen;
	ev.certs = certs;
	ev.n_certs = a.n_certs;
	ev.event_log = evlog;
	ev.event_log_len = evlen;
	cb_claims claims;
	rc = CB_EXIT_REJECTED;
	if (cb_verify(trust, &ev, &claims, &why) != 0) {
		fprintf(stderr, "%s: %s\n", why.code, why.detail);
		goto out;
	}
	char *json = cb_claims_to_json(&claims);
	if (!json) {
		fprintf(stderr, "cocobroker verify: out of memory\n");
		rc = CB_EXIT_USAGE;
		goto out;
	}
	printf("%s\n", json);
	free(json);
	/* The broker's rule: TDX evidence whose collateral was not checked (no
	 * TCB status, no revocation) is refused unless the policy opts in with
	 * "tdx": {"allow_no_collateral": true}; cb_policy_check enforces that,
	 * so without a policy there is nobody to opt in. */
	if (claims.provider == CB_PROVIDER_TDX && !claims.collateral_checked && !a.policy) {
		fprintf(stderr, "%s: TDX evidence without collateral (no TCB status, no revocation check): "
			"give --collateral DIR, or a --policy with \"allow_no_collateral\": true\n",
			CB_REASON_COLLATERAL_INVALID);
		goto out;
	}
	if (a.policy && cb_policy_check(policy, &claims, &why) != 0) {
		fprintf(stderr, "%s: %s\n", why.code, why.detail);
		goto out;
	}
	rc = CB_EXIT_OK;
out:
	free(outblob);
	free(auxblob);
	free(evlog);
	for (size_t i = 0; i < a.n_certs; i++)
		free(certdata[i]);
	cb_policy_free(policy);
	cb_trust_free(trust);
	return rc;
}
