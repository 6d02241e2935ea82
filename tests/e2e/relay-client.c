/*
 * relay-client: a hostile host's client for the e2e binding tests. It opens a
 * mutual TLS 1.3 session with the broker (proto/ identity and binding), writes
 * the report data a genuine guest should be made to sign, waits for that
 * guest's evidence, and posts it (proto/ encoding):
 *   --mode honest     report data bound to this session and key (control: 200)
 *   --mode other-key  bound to this session but another client key
 *   --mode replay     bound to an earlier session of the same key; posted on a new one
 * Prints "status=N error=CODE" or "status=200 key_bytes=N" (the key itself is
 * never printed). Exit 0 when an answer came back.
 * usage: relay-client --connect HOST:PORT --ca CA.pem --volume UUID --mode M
 *        --inblob-out FILE --evidence PREFIX   (waits for PREFIX.ready, then
 *        reads PREFIX.outblob and PREFIX.auxblob)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <psa/crypto.h>

#include "proto/binding.h"
#include "proto/client_cert.h"
#include "proto/request.h"
#include "proto/answer.h"
#include "proto/http_client.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_x509_crt ca;
static mbedtls_ssl_config conf;
static struct coco_client_identity me, other;
static const char *host, *port;

static void die(const char *what, int rc)
{
	fprintf(stderr, "relay-client: %s failed (-0x%04x)\n", what, (unsigned)-rc);
	exit(3);
}

static void connect_session(mbedtls_ssl_context *ssl, mbedtls_net_context *net)
{
	int rc;

	mbedtls_ssl_init(ssl);
	mbedtls_net_init(net);
	if ((rc = mbedtls_net_connect(net, host, port, MBEDTLS_NET_PROTO_TCP)))
		die("connect", rc);
	if ((rc = mbedtls_ssl_setup(ssl, &conf)) || (rc = mbedtls_ssl_set_hostname(ssl, host)))
		die("TLS setup", rc);
	mbedtls_ssl_set_bio(ssl, net, mbedtls_net_send, mbedtls_net_recv, NULL);
	while ((rc = mbedtls_ssl_handshake(ssl)))
		if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
			die("handshake", rc);
}

static void close_session(mbedtls_ssl_context *ssl, mbedtls_net_context *net)
{
	mbedtls_ssl_close_notify(ssl);
	mbedtls_ssl_free(ssl);
	mbedtls_net_free(net);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = malloc(1 << 20);

	if (!f || !buf) {
		fprintf(stderr, "relay-client: cannot read %s\n", path);
		exit(3);
	}
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	const char *ca_path = NULL, *volume = NULL, *mode = NULL, *inblob_out = NULL, *evidence = NULL;
	mbedtls_ssl_context ssl;
	mbedtls_net_context net;
	uint8_t inblob[COCO_INBLOB_LEN];
	char path[512], head[512], answer[70000];
	size_t out_len, aux_len, body_len, got = 0;
	unsigned char *outblob, *auxblob;
	char *body;
	struct coco_unlock_request req;
	struct coco_http_response resp;
	struct coco_unlock_answer ans;
	int rc, head_len;
	FILE *f;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--connect")) {
			char *colon = strrchr(argv[i + 1], ':');

			if (!colon)
				return 2;
			*colon = '\0';
			host = argv[i + 1];
			port = colon + 1;
		} else if (!strcmp(argv[i], "--ca")) ca_path = argv[i + 1];
		else if (!strcmp(argv[i], "--volume")) volume = argv[i + 1];
		else if (!strcmp(argv[i], "--mode")) mode = argv[i + 1];
		else if (!strcmp(argv[i], "--inblob-out")) inblob_out = argv[i + 1];
		else if (!strcmp(argv[i], "--evidence")) evidence = argv[i + 1];
		else return 2;
	}
	if (!host || !ca_path || !volume || !mode || !inblob_out || !evidence ||
	    (strcmp(mode, "honest") && strcmp(mode, "other-key") && strcmp(mode, "replay"))) {
		fprintf(stderr, "usage: relay-client --connect H:P --ca CA --volume UUID --mode honest|other-key|replay "
				"--inblob-out FILE --evidence PREFIX\n");
		return 2;
	}

	psa_crypto_init();
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_x509_crt_init(&ca);
	mbedtls_ssl_config_init(&conf);
	if ((rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0)))
		die("rng", rc);
	if ((rc = mbedtls_x509_crt_parse_file(&ca, ca_path)))
		die("CA", rc);
	if ((rc = coco_client_identity_generate(&me, mbedtls_ctr_drbg_random, &drbg)) ||
	    (rc = coco_client_identity_generate(&other, mbedtls_ctr_drbg_random, &drbg)))
		die("identity", rc);
	mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_max_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	if ((rc = mbedtls_ssl_conf_own_cert(&conf, &me.cert, &me.key)))
		die("own cert", rc);

	connect_session(&ssl, &net);
	{
		const struct coco_client_identity *bound = !strcmp(mode, "other-key") ? &other : &me;

		if ((rc = coco_binding_for_session(&ssl, bound->cert.pk_raw.p, bound->cert.pk_raw.len, inblob)))
			die("binding", rc);
	}
	if (!strcmp(mode, "replay")) {
		/* The evidence will belong to this session; it is used on the next one. */
		close_session(&ssl, &net);
	}
	f = fopen(inblob_out, "w");
	if (!f)
		die("writing the inblob", -1);
	for (size_t i = 0; i < sizeof(inblob); i++)
		fprintf(f, "%02x", inblob[i]);
	fclose(f);

	snprintf(path, sizeof(path), "%s.ready", evidence);
	while (access(path, F_OK) != 0)
		usleep(100000);
	snprintf(path, sizeof(path), "%s.outblob", evidence);
	outblob = slurp(path, &out_len);
	snprintf(path, sizeof(path), "%s.auxblob", evidence);
	auxblob = slurp(path, &aux_len);
	if (!strcmp(mode, "replay"))
		connect_session(&ssl, &net);

	req = (struct coco_unlock_request){ .volume = volume, .provider = COCO_PROVIDER_SNP, .outblob = outblob,
					    .outblob_len = out_len, .auxblob = auxblob, .auxblob_len = aux_len };
	body = malloc(coco_request_encoded_max(out_len, aux_len) + 1);
	if (!body || coco_request_encode(&req, body, coco_request_encoded_max(out_len, aux_len) + 1, &body_len))
		die("encode", -1);
	head_len = coco_http_request_head(head, sizeof(head), host, body_len);
	if (head_len < 0 || mbedtls_ssl_write(&ssl, (unsigned char *)head, (size_t)head_len) != head_len)
		die("send", -1);
	for (size_t done = 0; done < body_len;) {
		int n = mbedtls_ssl_write(&ssl, (unsigned char *)body + done, body_len - done);

		if (n <= 0)
			die("send", n);
		done += (size_t)n;
	}
	for (;;) {
		int n = mbedtls_ssl_read(&ssl, (unsigned char *)answer + got, sizeof(answer) - 1 - got);

		if (n > 0)
			got += (size_t)n;
		rc = coco_http_response_parse(answer, got, &resp);
		if (rc != COCO_PROTO_INCOMPLETE || n <= 0)
			break;
	}
	if (rc != COCO_PROTO_OK)
		die("answer", rc);
	memset(&ans, 0, sizeof(ans));
	coco_answer_parse(resp.body, resp.body_len, &ans);
	if (ans.key_len)
		printf("status=%d key_bytes=%zu\n", resp.status, ans.key_len);
	else
		printf("status=%d error=%s\n", resp.status, ans.error);
	mbedtls_platform_zeroize(&ans, sizeof(ans));
	close_session(&ssl, &net);
	return 0;
}
