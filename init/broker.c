/*
 * Talking to cocobroker (design.md, "The path of one boot" and "Trust and
 * binding"). Trust in the broker comes only from the CA bundle pinned in the
 * measured initramfs; the system trust store is never consulted. Trust in us
 * comes from the report, which binds the TLS exporter and our ephemeral SPKI.
 *
 * Certificate validity times and the host-controlled clock: the guest clock
 * is set by the host, so it can neither be trusted to extend trust nor be
 * allowed to block boot on its own. Rule: "not yet valid" is ignored (a clock
 * behind real time is normal this early); "expired" is judged against the
 * later of the guest clock and COCOBOOT_TIME_FLOOR, the build time of this
 * binary, so a host cannot revive a certificate that had expired before the
 * initramfs was built by turning the clock back. Revocation is re-pinning.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "backoff.h"
#include "proto/binding.h"
#include "broker.h"
#include "ca_bundle.h"
#include "certtime.h"
#include "proto/client_cert.h"
#include "event_log.h"
#include "verdict.h"
#include "libtsm/libtsm.h"
#include "log.h"
#include "net.h"
#include "proto/request.h"
#include "proto/http_client.h"

#ifndef COCOBOOT_TIME_FLOOR
#define COCOBOOT_TIME_FLOOR 0
#endif

/* The fleet policy of a first boot (cb_broker_enrol_key), NULL for an unlock: one request at a time. */
static const char *enrol_fleet;

#define CONNECT_TIMEOUT_MS 5000u
#define IO_TIMEOUT_MS 15000u
#define ANSWER_MAX (COCO_MAX_BODY + 8192)

struct session_env {
	mbedtls_x509_crt ca;
	struct coco_client_identity id;
	mbedtls_ssl_config conf;
};

static int verify_times(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	(void)ctx;
	(void)depth;
	cb_cert_time_rule(crt, (long long)COCOBOOT_TIME_FLOOR, flags);
	return 0;
}

static int env_init(struct session_env *env, const struct cb_config *cfg, struct cb_err *err)
{
	int rc;

	memset(env, 0, sizeof(*env));
	mbedtls_x509_crt_init(&env->ca);
	mbedtls_ssl_config_init(&env->conf);
	/* One random generator for everything: PSA's (TLS 1.3 uses it anyway), seeded from getrandom(). */
	if (psa_crypto_init() != PSA_SUCCESS)
		return cb_fail(err, CB_ERR_KEYGEN, "PSA crypto initialisation (random generator seeding) failed");
	if (cb_ca_bundle_load(&env->ca, cfg->ca, err) < 0)
		return -1;
	rc = coco_client_identity_generate(&env->id, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
	if (rc)
		return cb_fail(err, CB_ERR_KEYGEN, "ephemeral key/certificate generation failed (-0x%04x)", (unsigned)-rc);

	rc = mbedtls_ssl_config_defaults(&env->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					 MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc)
		return cb_fail(err, CB_ERR_KEYGEN, "TLS configuration failed (-0x%04x)", (unsigned)-rc);
	mbedtls_ssl_conf_min_tls_version(&env->conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_max_tls_version(&env->conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_authmode(&env->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&env->conf, &env->ca, NULL);
	mbedtls_ssl_conf_verify(&env->conf, verify_times, NULL);
	mbedtls_ssl_conf_rng(&env->conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
	rc = mbedtls_ssl_conf_own_cert(&env->conf, &env->id.cert, &env->id.key);
	if (rc)
		return cb_fail(err, CB_ERR_KEYGEN, "client certificate setup failed (-0x%04x)", (unsigned)-rc);
	return 0;
}

static void env_free(struct session_env *env)
{
	mbedtls_ssl_config_free(&env->conf);
	coco_client_identity_free(&env->id);
	mbedtls_x509_crt_free(&env->ca);
	mbedtls_psa_crypto_free();
}

static void describe_verify_failure(uint32_t flags, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s(verify flags 0x%x)",
		 flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED ? "not issued by the pinned CA " : "",
		 flags & MBEDTLS_X509_BADCERT_CN_MISMATCH ? "name does not match the URL host " : "",
		 flags & MBEDTLS_X509_BADCERT_EXPIRED ? "expired " : "",
		 flags & (MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK)
			 ? "unacceptable key or signature algorithm " : "",
		 (unsigned)flags);
}

static int write_all(mbedtls_ssl_context *ssl, const unsigned char *p, size_t len)
{
	while (len) {
		int n = mbedtls_ssl_write(ssl, p, len);

		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n <= 0)
			return n ? n : -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Report for INBLOB, encoded as the request body (malloc'ed into *BODY). */
static int attest_and_encode(const char *uuid, const uint8_t inblob[COCO_INBLOB_LEN], char **body, size_t *body_len,
			     int *final, struct cb_err *err)
{
	struct tsm_report_req req = { .inblob = inblob, .inblob_len = COCO_INBLOB_LEN, .privlevel = -1 };
	struct tsm_report rep;
	char errbuf[TSM_ERRBUF_SIZE] = "";
	struct coco_unlock_request ureq;
	uint8_t *log = NULL;
	size_t cap;
	int rc;

	rc = tsm_report_get(&req, &rep, errbuf);
	/* No provider (not a confidential VM, or its driver missing): no later attempt can have one. */
	if (rc == -ENXIO)
		*final = 1;
	if (rc < 0)
		return cb_fail(err, CB_ERR_REPORT, "configfs-tsm: %s", errbuf);
	cb_log("report: provider %s, %zu bytes of evidence, %zu auxiliary, %u attempt(s)", rep.provider,
	       rep.outblob_len, rep.auxblob_len, rep.attempts);
	if (!coco_provider_is_valid(rep.provider)) {
		cb_fail(err, CB_ERR_REPORT, "provider '%.64s' is not one the protocol knows", rep.provider);
		tsm_report_free(&rep);
		return -1;
	}
	ureq = (struct coco_unlock_request){ .volume = uuid, .provider = rep.provider, .outblob = rep.outblob,
					     .outblob_len = rep.outblob_len, .auxblob = rep.auxblob,
					     .auxblob_len = rep.auxblob_len, .enrol = enrol_fleet };
	/* TDX: the RTMRs mean something only with the log that built them */
	if (!strcmp(rep.provider, COCO_PROVIDER_TDX)) {
		rc = event_log_read(CCEL_LOG_PATH, &log, &ureq.event_log_len, err);
		if (rc < 0) {
			*final = 1; /* the firmware's log does not change: retrying cannot help */
			tsm_report_free(&rep);
			return -1;
		}
		ureq.event_log = log;
		cb_log("event log: %zu bytes%s", ureq.event_log_len, log ? "" : " (no CCEL table: none sent)");
	}
	cap = coco_request_encoded_max(rep.outblob_len, rep.auxblob_len + ureq.event_log_len + 3) + 1;
	*body = malloc(cap);
	rc = *body ? coco_request_encode(&ureq, *body, cap, body_len) : COCO_PROTO_TOO_LARGE;
	tsm_report_free(&rep);
	free(log);
	if (rc != COCO_PROTO_OK) {
		free(*body);
		*body = NULL;
		return cb_fail(err, CB_ERR_REPORT, "evidence does not fit a request (%d)", rc);
	}
	return 0;
}

/* TCP connection and TLS 1.3 handshake with URL. 0, or -1 with ERR (*FINAL set when retrying cannot help). */
static int open_session(struct session_env *env, const struct cb_url *url, unsigned remaining_ms,
			mbedtls_ssl_context *ssl, mbedtls_net_context *net, int *final, struct cb_err *err)
{
	char why[160];
	unsigned connect_ms = remaining_ms < CONNECT_TIMEOUT_MS ? remaining_ms : CONNECT_TIMEOUT_MS;
	/* A stalled broker must not hold the boot much past the total timeout. */
	unsigned io_ms = remaining_ms < IO_TIMEOUT_MS ? (remaining_ms > 1000 ? remaining_ms : 1000) : IO_TIMEOUT_MS;
	int rc;

	net->fd = cb_tcp_connect(url->host, url->port, connect_ms ? connect_ms : 1, io_ms, why, sizeof(why));
	if (net->fd < 0)
		return cb_fail(err, CB_ERR_BROKER_UNREACHABLE, "%s", why);
	if ((rc = mbedtls_ssl_setup(ssl, &env->conf)) != 0 || (rc = mbedtls_ssl_set_hostname(ssl, url->host)) != 0) {
		*final = 1;
		return cb_fail(err, CB_ERR_KEYGEN, "TLS session setup failed (-0x%04x)", (unsigned)-rc);
	}
	mbedtls_ssl_set_bio(ssl, net, mbedtls_net_send, mbedtls_net_recv, NULL);
	while ((rc = mbedtls_ssl_handshake(ssl)) != 0) {
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
			describe_verify_failure(mbedtls_ssl_get_verify_result(ssl), why, sizeof(why));
			return cb_fail(err, CB_ERR_BROKER_UNTRUSTED, "%s:%s: %s", url->host, url->port, why);
		}
		return cb_fail(err, CB_ERR_BROKER_UNREACHABLE, "TLS 1.3 handshake with %s:%s failed (-0x%04x)",
			       url->host, url->port, (unsigned)-rc);
	}
	cb_log("TLS 1.3 session with %s:%s (%s)", url->host, url->port, mbedtls_ssl_get_ciphersuite(ssl));
	return 0;
}

/* The session-bound report as POST /v1/unlock. 0, or -1 with ERR (*FINAL as for open_session). */
static int send_request(struct session_env *env, mbedtls_ssl_context *ssl, const struct cb_url *url,
			const char *uuid, int *final, struct cb_err *err)
{
	uint8_t inblob[COCO_INBLOB_LEN];
	char host_header[CB_URL_HOST_MAX + 10], head[512], *body = NULL;
	size_t body_len = 0;
	int rc = coco_binding_for_session(ssl, env->id.cert.pk_raw.p, env->id.cert.pk_raw.len, inblob), head_len;

	if (rc)
		return cb_fail(err, CB_ERR_REPORT, "session binding failed (-0x%04x)", (unsigned)-rc);
	rc = attest_and_encode(uuid, inblob, &body, &body_len, final, err);
	mbedtls_platform_zeroize(inblob, sizeof(inblob));
	if (rc < 0)
		return -1;
	snprintf(host_header, sizeof(host_header), "%s%s%s:%s", strchr(url->host, ':') ? "[" : "", url->host,
		 strchr(url->host, ':') ? "]" : "", url->port);
	head_len = coco_http_request_head(head, sizeof(head), host_header, body_len);
	if (head_len < 0) {
		*final = 1;
		rc = cb_fail(err, CB_ERR_BROKER_PROTOCOL, "request head does not fit");
	} else if ((rc = write_all(ssl, (const unsigned char *)head, (size_t)head_len)) != 0 ||
		   (rc = write_all(ssl, (const unsigned char *)body, body_len)) != 0) {
		rc = cb_fail(err, CB_ERR_BROKER_UNREACHABLE, "sending the request to %s:%s failed (-0x%04x)",
			     url->host, url->port, (unsigned)-rc);
	}
	free(body);
	return rc;
}

/* More of the answer into ANSWER: 1 read, 0 end of the stream (*EOF set), -1 connection lost (ERR). */
static int read_more(mbedtls_ssl_context *ssl, const struct cb_url *url, struct secret *answer, int *eof,
		     struct cb_err *err)
{
	int n;

	if (*eof || answer->len >= answer->cap) {
		*eof = 1;
		return 0;
	}
	do
		n = mbedtls_ssl_read(ssl, answer->data + answer->len, answer->cap - answer->len);
	while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (n == 0)
		/* The transport ended without a close_notify while the answer is
		 * still incomplete (a complete one ends the reading before): nothing
		 * authenticated says the broker meant to stop, so this is a lost
		 * connection, worth another attempt. */
		return cb_fail(err, CB_ERR_BROKER_UNREACHABLE,
			       "connection to %s:%s lost after %zu bytes of the answer (no TLS close_notify)",
			       url->host, url->port, answer->len);
	if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
		*eof = 1;
		return 0;
	}
	if (n < 0)
		return cb_fail(err, CB_ERR_BROKER_UNREACHABLE, "reading the answer from %s:%s failed (-0x%04x)",
			       url->host, url->port, (unsigned)-n);
	answer->len += (size_t)n;
	return 1;
}

/* Read until the answer means something (verdict.h). The answer may carry the key: it is received into locked memory. */
static enum cb_verdict read_answer(mbedtls_ssl_context *ssl, const struct cb_url *url, struct secret *key,
				   unsigned *retry_after_ms, struct cb_err *err)
{
	struct secret answer = { 0 };
	enum cb_verdict verdict = CB_VERDICT_INCOMPLETE;
	int eof = 0;

	if (secret_alloc(&answer, ANSWER_MAX) < 0) {
		cb_fail(err, CB_ERR_SETUP, "cannot lock memory for the answer");
		return CB_VERDICT_FINAL;
	}
	while (verdict == CB_VERDICT_INCOMPLETE) {
		if (read_more(ssl, url, &answer, &eof, err) < 0) {
			verdict = CB_VERDICT_RETRY;
			break;
		}
		verdict = cb_answer_verdict((const char *)answer.data, answer.len, eof, key, retry_after_ms, err);
	}
	secret_free(&answer);
	return verdict;
}

/* One connection to one broker. */
static enum cb_verdict try_broker(struct session_env *env, const struct cb_url *url, const char *uuid,
				  unsigned remaining_ms, struct secret *key, unsigned *retry_after_ms,
				  struct cb_err *err)
{
	mbedtls_ssl_context ssl;
	mbedtls_net_context net;
	enum cb_verdict verdict = CB_VERDICT_RETRY;
	int final = 0;

	*retry_after_ms = 0;
	mbedtls_ssl_init(&ssl);
	mbedtls_net_init(&net);
	if (open_session(env, url, remaining_ms, &ssl, &net, &final, err) == 0 &&
	    send_request(env, &ssl, url, uuid, &final, err) == 0)
		verdict = read_answer(&ssl, url, key, retry_after_ms, err);
	else if (final)
		verdict = CB_VERDICT_FINAL;
	if (verdict == CB_VERDICT_KEY)
		mbedtls_ssl_close_notify(&ssl);
	mbedtls_ssl_free(&ssl);
	mbedtls_net_free(&net);
	return verdict;
}

/* The last failure, prefixed with the number of attempts it took. */
static void gave_up(struct cb_err *err, unsigned attempts)
{
	char last[sizeof(err->detail)];

	memcpy(last, err->detail, sizeof(last));
	snprintf(err->detail, sizeof(err->detail), "gave up after %u attempt(s): %.*s", attempts,
		 (int)sizeof(last) - 40, last);
}

/* Jittered exponential backoff (at least Retry-After), never past the deadline. */
static void wait_to_retry(struct cb_backoff *backoff, unsigned retry_after_ms,
			  unsigned long long deadline_ms, unsigned attempts, const struct cb_err *err)
{
	unsigned long long now = cb_now_ms();
	uint32_t random = 0;
	unsigned delay;

	mbedtls_psa_get_random(MBEDTLS_PSA_RANDOM_STATE, (unsigned char *)&random, sizeof(random));
	delay = cb_backoff_next_ms(backoff, random, retry_after_ms, now >= deadline_ms ? 0 : (unsigned)(deadline_ms - now));
	cb_log("attempt %u failed (%s: %s); next in %u ms", attempts, cb_error_name(err->code), err->detail, delay);
	if (delay)
		usleep(delay * 1000u);
}

int cb_broker_fetch_key(const struct cb_config *cfg, const char *uuid, unsigned long long deadline_ms,
			struct secret *key, struct cb_err *err)
{
	struct session_env *env = calloc(1, sizeof(*env));
	struct cb_backoff backoff;
	unsigned attempts = 0;
	int rc = -1;

	if (!env)
		return cb_fail(err, CB_ERR_SETUP, "out of memory");
	if (cfg->n_urls == 0) {
		free(env);
		return cb_fail(err, CB_ERR_CMDLINE, "no broker URL: set rd.cocoboot.url=https://HOST[:PORT]");
	}
	/* A name the initramfs cannot resolve is a build mistake, not a network hiccup: say so at once. */
	for (unsigned i = 0; i < cfg->n_urls; i++)
		if (!cb_host_resolvable(cfg->urls[i].host)) {
			cb_fail(err, CB_ERR_CMDLINE,
				"broker host %s is neither an IP address nor in /etc/hosts (cocoboot does no DNS)",
				cfg->urls[i].host);
			free(env);
			return -1;
		}
	if (env_init(env, cfg, err) < 0)
		goto out;
	cb_log("ephemeral P-256 client key and certificate ready; pinned CA %s", cfg->ca);
	cb_backoff_init(&backoff, 500, 8000);
	for (;;) {
		const struct cb_url *url = &cfg->urls[attempts % cfg->n_urls];
		unsigned long long now = cb_now_ms();
		unsigned retry_after_ms;
		enum cb_verdict v;

		if (now >= deadline_ms) {
			gave_up(err, attempts);
			break;
		}
		attempts++;
		cb_log("attempt %u: https://%s%s%s:%s", attempts, strchr(url->host, ':') ? "[" : "", url->host,
		       strchr(url->host, ':') ? "]" : "", url->port);
		v = try_broker(env, url, uuid, (unsigned)(deadline_ms - now), key, &retry_after_ms, err);
		if (v == CB_VERDICT_KEY) {
			cb_log("volume key received (%zu bytes, kept in locked memory)", key->len);
			rc = 0;
			break;
		}
		if (v == CB_VERDICT_FINAL)
			break;
		wait_to_retry(&backoff, retry_after_ms, deadline_ms, attempts, err);
	}
out:
	env_free(env);
	free(env);
	return rc;
}

int cb_broker_enrol_key(const struct cb_config *cfg, const char *uuid, unsigned long long deadline_ms,
			struct secret *key, struct cb_err *err)
{
	int rc;

	enrol_fleet = cfg->enrol;
	rc = cb_broker_fetch_key(cfg, uuid, deadline_ms, key, err);
	enrol_fleet = NULL;
	return rc;
}
