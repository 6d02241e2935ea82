/*
 * Test client for cocobroker: what the guest does, on the host. It opens a
 * mutual TLS 1.3 session with an ephemeral self-signed identity (proto/),
 * computes the session binding (proto/), builds evidence (a simulated SNP
 * report signed with the TEST VCEK, or files), POSTs /v1/unlock (proto/)
 * and prints the answer:
 *   status=200 key_bytes=64        status=403 error=binding-mismatch
 * Exit 0 when an HTTP answer came back, 3 when the exchange failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha512.h>
#include <mbedtls/ssl.h>
#include <psa/crypto.h>

#include "proto/binding.h"
#include "proto/client_cert.h"
#include "proto/request.h"
#include "proto/answer.h"
#include "proto/http_client.h"
#include "common/cc_eventlog.h"
#include "sim_snp.h"
#include "sim_tdx.h"

/* what the guest's trimmed mbedTLS offers (init/mbedtls_config_guest.h) */
static const uint16_t guest_groups[] = { MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
					 MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE };

struct options {
	const char *host, *port, *ca, *servername, *volume, *provider, *enrol;
	const char *sim_keydir, *sim_tdx_keydir, *sim_vcek_der, *outblob, *auxblob, *save_prefix, *raw_body, *key_out;
	const char *client_key_out, *event_log, *rtmr_log;
	struct sim_snp_opts sim;
	int bind_other_key, no_client_cert, stall_after_head, print_ekm;
	int hold_s;
	long pad_body;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: unlock-client --connect HOST:PORT --ca PEM --volume UUID EVIDENCE [options]\n"
		"evidence:  --sim-snp KEYDIR | --sim-tdx KEYDIR | --outblob FILE [--auxblob FILE] [--provider P]\n"
		"TDX:       --event-log FILE (sent; the simulated quote's RTMRs are its replay)\n"
		"           --rtmr-log FILE (the quote's RTMRs from this log instead)\n"
		"sim knobs: --sim-debug --sim-vmpl N --sim-other-measurement --sim-bad-signature\n"
		"           --sim-ucode-delta N --sim-host-data BYTE --sim-sig-algo N --sim-vcek-der FILE\n"
		"options:   --servername NAME (default localhost) --save-evidence PREFIX --key-out FILE\n"
		"           --enrol FLEET (a first boot under that fleet policy)\n"
		"           --client-key-out FILE (with a key: the client key id the broker audits)\n"
		"           --bind-other-key --no-client-cert --raw-body FILE --pad-body BYTES\n"
		"           --stall-after-head (send the request head, never the body)\n"
		"           --print-ekm (print the session's exporter value and stop)\n"
		"           --hold-after-answer SECONDS (keep the connection open after the answer)\n");
	exit(2);
}

static void parse(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->servername = "localhost";
	o->provider = COCO_PROVIDER_SNP;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define OPT(name, dst) if (!strcmp(a, name)) { if (!v) usage(); dst = v; i++; continue; }
#define FLAG(name, dst) if (!strcmp(a, name)) { dst = 1; continue; }
		if (!strcmp(a, "--connect")) {
			char *colon;
			if (!v || !(colon = strrchr(v, ':')))
				usage();
			o->host = strndup(v, (size_t)(colon - v));
			o->port = colon + 1;
			i++;
			continue;
		}
		OPT("--ca", o->ca) OPT("--servername", o->servername) OPT("--volume", o->volume)
		OPT("--provider", o->provider) OPT("--enrol", o->enrol) OPT("--sim-snp", o->sim_keydir) OPT("--sim-tdx", o->sim_tdx_keydir) OPT("--outblob", o->outblob)
		OPT("--auxblob", o->auxblob) OPT("--save-evidence", o->save_prefix)
		OPT("--event-log", o->event_log) OPT("--rtmr-log", o->rtmr_log)
		OPT("--raw-body", o->raw_body) OPT("--key-out", o->key_out) OPT("--client-key-out", o->client_key_out)
		FLAG("--sim-debug", o->sim.debug) FLAG("--sim-other-measurement", o->sim.other_measurement)
		FLAG("--sim-bad-signature", o->sim.bad_signature) FLAG("--bind-other-key", o->bind_other_key)
		FLAG("--no-client-cert", o->no_client_cert) FLAG("--stall-after-head", o->stall_after_head)
		FLAG("--print-ekm", o->print_ekm)
		if (!strcmp(a, "--sim-vmpl") && v) { o->sim.vmpl = (uint32_t)atoi(v); i++; continue; }
		if (!strcmp(a, "--sim-ucode-delta") && v) { o->sim.ucode_delta = atoi(v); i++; continue; }
		if (!strcmp(a, "--sim-host-data") && v) { o->sim.host_data_byte = atoi(v); i++; continue; }
		if (!strcmp(a, "--sim-sig-algo") && v) { o->sim.signature_algo = (uint32_t)atoi(v); i++; continue; }
		OPT("--sim-vcek-der", o->sim_vcek_der)
		if (!strcmp(a, "--hold-after-answer") && v) { o->hold_s = atoi(v); i++; continue; }
		if (!strcmp(a, "--pad-body") && v) { o->pad_body = atol(v); i++; continue; }
		fprintf(stderr, "unlock-client: unknown option %s\n", a);
		usage();
	}
	if (!o->host || !o->ca || !o->volume)
		usage();
	if (!o->raw_body && !o->pad_body && !o->sim_keydir && !o->sim_tdx_keydir && !o->outblob && !o->print_ekm)
		usage();
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);

	if (!f || !buf) {
		fprintf(stderr, "unlock-client: %s: %s\n", path, strerror(errno));
		exit(3);
	}
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* The simulated TDX module's side: RTMR[mr - 1] = SHA-384(RTMR || digest) for
 * every extended event of the log in PATH (the broker replays the same way;
 * the logs come from tests/broker/make-ccel.py). */
static int extend_rtmr(void *arg, const struct cc_event *e)
{
	uint8_t (*rtmr)[48] = arg, cat[96];

	if (e->type == CC_EV_NO_ACTION || e->mr_index == 0) /* MRTD is not extended */
		return 0;
	if (e->mr_index > 4)
		return -1;
	memcpy(cat, rtmr[e->mr_index - 1], 48);
	memcpy(cat + 48, e->sha384, 48);
	return mbedtls_sha512(cat, sizeof(cat), rtmr[e->mr_index - 1], 1);
}

static int replay_file(const char *path, uint8_t rtmr[4][48])
{
	size_t len;
	uint8_t *log = slurp(path, &len);
	const char *detail = "";
	long r = cc_eventlog_walk(log, len, extend_rtmr, rtmr, &detail);

	free(log);
	if (r < 0)
		fprintf(stderr, "unlock-client: %s: %s\n", path, r == -1 ? detail : "MR index above 4");
	return r < 0 ? -1 : 0;
}

static void spill(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "unlock-client: cannot write %s\n", path);
		exit(3);
	}
}

static void die_tls(const char *what, int ret)
{
	char msg[128];

	mbedtls_strerror(ret, msg, sizeof(msg));
	printf("tls-error=%s (%s)\n", what, msg);
	exit(3);
}

static int send_all(mbedtls_ssl_context *ssl, const char *p, size_t n)
{
	while (n) {
		int w = mbedtls_ssl_write(ssl, (const unsigned char *)p, n);
		if (w == MBEDTLS_ERR_SSL_WANT_WRITE || w == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (w <= 0)
			return w;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_x509_crt ca;
	mbedtls_net_context net;
	struct coco_client_identity id, other;
	uint8_t inblob[COCO_INBLOB_LEN];
	uint8_t *outblob = NULL, *auxblob = NULL;
	size_t outblob_len = 0, auxblob_len = 0, body_len = 0;
	char *body = NULL, head[512];
	static char answer[128 * 1024];
	size_t got = 0;
	struct coco_http_response resp;
	struct coco_unlock_answer ans;
	int ret;

	parse(argc, argv, &o);
	if (psa_crypto_init() != PSA_SUCCESS)
		return 3;
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0))
		return 3;
	if ((ret = coco_client_identity_generate(&id, mbedtls_ctr_drbg_random, &drbg)))
		die_tls("identity", ret);

	mbedtls_x509_crt_init(&ca);
	if ((ret = mbedtls_x509_crt_parse_file(&ca, o.ca)))
		die_tls("ca", ret);
	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
				    MBEDTLS_SSL_PRESET_DEFAULT);
	mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	mbedtls_ssl_conf_groups(&conf, guest_groups);
	if (!o.no_client_cert && (ret = mbedtls_ssl_conf_own_cert(&conf, &id.cert, &id.key)))
		die_tls("own cert", ret);
	mbedtls_ssl_init(&ssl);
	if ((ret = mbedtls_ssl_setup(&ssl, &conf)) || (ret = mbedtls_ssl_set_hostname(&ssl, o.servername)))
		die_tls("setup", ret);
	mbedtls_net_init(&net);
	if ((ret = mbedtls_net_connect(&net, o.host, o.port, MBEDTLS_NET_PROTO_TCP)))
		die_tls("connect", ret);
	mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, NULL);
	while ((ret = mbedtls_ssl_handshake(&ssl)) != 0)
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE)
			die_tls("handshake", ret);

	if (o.print_ekm) {
		/* interop check: the exporter value as this side derives it */
		uint8_t ekm[COCO_EKM_LEN];
		if ((ret = coco_binding_ekm(&ssl, ekm)))
			die_tls("exporter", ret);
		printf("ekm=");
		for (int i = 0; i < COCO_EKM_LEN; i++)
			printf("%02X", ekm[i]);
		printf("\n");
		return 0;
	}

	/* the binding: this session's exporter and our own (or, to test, another) SPKI */
	if (o.bind_other_key) {
		if ((ret = coco_client_identity_generate(&other, mbedtls_ctr_drbg_random, &drbg)) ||
		    (ret = coco_binding_for_session(&ssl, other.cert.pk_raw.p, other.cert.pk_raw.len, inblob)))
			die_tls("binding", ret);
		coco_client_identity_free(&other);
	} else if ((ret = coco_binding_for_session(&ssl, id.cert.pk_raw.p, id.cert.pk_raw.len, inblob))) {
		die_tls("binding", ret);
	}

	if (o.sim_keydir) {
		struct sim_snp sim;
		if (sim_snp_load(&sim, o.sim_keydir, mbedtls_ctr_drbg_random, &drbg))
			return 3;
		if (o.sim_vcek_der) {
			/* present another certificate for the VCEK key (chain tests) */
			uint8_t *der = slurp(o.sim_vcek_der, &sim.vcek_der_len);
			if (sim.vcek_der_len > sizeof(sim.vcek_der))
				return 3;
			memcpy(sim.vcek_der, der, sim.vcek_der_len);
			free(der);
		}
		outblob = malloc(SNP_REPORT_LEN);
		auxblob = malloc(8192);
		outblob_len = SNP_REPORT_LEN;
		if (sim_snp_report(&sim, &o.sim, inblob, outblob, mbedtls_ctr_drbg_random, &drbg) ||
		    !(auxblob_len = sim_snp_certtable(&sim, auxblob, 8192))) {
			fprintf(stderr, "unlock-client: cannot make the simulated report\n");
			return 3;
		}
		sim_snp_free(&sim);
	} else if (o.sim_tdx_keydir) {
		struct sim_tdx tdx;
		if (sim_tdx_load(&tdx, o.sim_tdx_keydir, mbedtls_ctr_drbg_random, &drbg))
			return 3;
		if ((o.rtmr_log || o.event_log) && replay_file(o.rtmr_log ? o.rtmr_log : o.event_log, tdx.rtmr))
			return 3;
		outblob = malloc(32768);
		outblob_len = sim_tdx_quote(&tdx, o.sim.debug, inblob, outblob, 32768, mbedtls_ctr_drbg_random, &drbg);
		sim_tdx_free(&tdx);
		if (!outblob_len) {
			fprintf(stderr, "unlock-client: cannot make the simulated quote\n");
			return 3;
		}
		o.provider = COCO_PROVIDER_TDX;
	} else if (o.outblob) {
		outblob = slurp(o.outblob, &outblob_len);
		if (o.auxblob)
			auxblob = slurp(o.auxblob, &auxblob_len);
	}
	if (o.save_prefix && outblob) {
		char path[1024];
		snprintf(path, sizeof(path), "%s.outblob", o.save_prefix);
		spill(path, outblob, outblob_len);
		snprintf(path, sizeof(path), "%s.auxblob", o.save_prefix);
		spill(path, auxblob, auxblob_len);
	}

	if (o.raw_body) {
		body = (char *)slurp(o.raw_body, &body_len);
	} else if (o.pad_body) {
		/* a syntactically fine body that is simply too large */
		body_len = (size_t)o.pad_body;
		body = malloc(body_len);
		memset(body, ' ', body_len);
		memcpy(body, "{\"volume\":\"", 11);
		body[body_len - 2] = '"';
		body[body_len - 1] = '}';
	} else {
		size_t log_len = 0;
		uint8_t *log = o.event_log ? slurp(o.event_log, &log_len) : NULL;
		size_t cap = coco_request_encoded_max(outblob_len, auxblob_len + log_len + 3);
		struct coco_unlock_request req = {
			.volume = o.volume, .provider = o.provider, .outblob = outblob,
			.outblob_len = outblob_len, .auxblob = auxblob, .auxblob_len = auxblob_len, .enrol = o.enrol,
			.event_log = log, .event_log_len = log_len,
		};
		body = malloc(cap);
		ret = coco_request_encode(&req, body, cap, &body_len);
		free(log);
		if (ret) {
			fprintf(stderr, "unlock-client: cannot encode the request (%d)\n", ret);
			return 3;
		}
	}
	ret = coco_http_request_head(head, sizeof(head), o.servername, body_len > COCO_MAX_BODY ? 0 : body_len);
	if (ret < 0)
		return 3;
	if (body_len > COCO_MAX_BODY) /* the helper refuses to announce it: do it by hand */
		ret = snprintf(head, sizeof(head), "POST " COCO_UNLOCK_PATH " HTTP/1.1\r\nHost: %s\r\n"
			       "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", o.servername, body_len);
	if (send_all(&ssl, head, (size_t)ret))
		die_tls("send", -1);
	if (o.stall_after_head) {
		/* wait for the broker to give up on us */
		unsigned char b;
		int r;
		do
			r = mbedtls_ssl_read(&ssl, &b, 1);
		while (r == MBEDTLS_ERR_SSL_WANT_READ);
		printf("stalled: broker closed the connection (%d)\n", r);
		return 0;
	}
	if (send_all(&ssl, body, body_len) && body_len <= COCO_MAX_BODY)
		die_tls("send", -1);

	for (;;) {
		ret = mbedtls_ssl_read(&ssl, (unsigned char *)answer + got, sizeof(answer) - got);
		if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE ||
		    ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue;
		if (ret <= 0)
			break;
		got += (size_t)ret;
		if (coco_http_response_parse(answer, got, &resp) != COCO_PROTO_INCOMPLETE)
			break;
	}
	if (coco_http_response_parse(answer, got, &resp) != COCO_PROTO_OK) {
		printf("no-answer (%zu bytes)\n", got);
		return 3;
	}
	printf("status=%d", resp.status);
	if (resp.retry_after)
		printf(" retry_after=%u", resp.retry_after);
	if (coco_answer_parse(resp.body, resp.body_len, &ans) == COCO_PROTO_OK) {
		if (ans.key_len) {
			printf(" key_bytes=%zu", ans.key_len);
			if (o.key_out)
				spill(o.key_out, ans.key, ans.key_len);
			if (o.client_key_out) {
				char kid[COCO_CLIENT_KEY_ID_LEN + 1];

				if (coco_client_key_id(id.cert.pk_raw.p, id.cert.pk_raw.len, kid))
					die_tls("client key id", -1);
				kid[COCO_CLIENT_KEY_ID_LEN] = '\n';
				spill(o.client_key_out, kid, sizeof(kid));
			}
		}
		if (ans.error[0])
			printf(" error=%s", ans.error);
	} else {
		printf(" body-unparsed");
	}
	printf("\n");
	if (o.hold_s > 0) {
		/* the broker's side of a connection the guest has not closed yet (test-broker.sh looks at its memory) */
		fflush(stdout);
		sleep((unsigned)o.hold_s);
	}
	mbedtls_platform_zeroize(&ans, sizeof(ans));
	mbedtls_platform_zeroize(answer, sizeof(answer));
	mbedtls_ssl_close_notify(&ssl);
	mbedtls_net_free(&net);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	mbedtls_x509_crt_free(&ca);
	coco_client_identity_free(&id);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	free(outblob);
	free(auxblob);
	free(body);
	return 0;
}
