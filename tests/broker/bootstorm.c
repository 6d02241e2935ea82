/*
 * Boot-storm benchmark client: N guests booting at once against one broker,
 * or against several (a fleet sharing one PostgreSQL store).
 * Each connection does what a guest does (proto/): fresh ephemeral identity,
 * full TLS 1.3 handshake, binding, a simulated SNP report bound to it, POST
 * /v1/unlock; a 503 is retried after Retry-After with jitter, as the guest
 * does. Single-threaded, non-blocking, epoll. Prints numbers, never pass/fail.
 *
 *   bootstorm --connect HOST:PORT[,HOST:PORT...] --ca PEM --keys KEYDIR --volume UUID
 *             --expect-key FILE [--clients N] [--requests R] [--broker-pid PID] [--summary]
 *   --clients N concurrent connections (default 1000); --requests R in total
 *   (default N: one each; more: a finished slot starts the next request at once)
 *   --connect with several brokers: client i starts at broker i mod n, and
 *               every retry goes to the next one in the list
 *   --retry-errors  a connection refused or cut, a failed handshake or a
 *               broken answer is retried (on the next broker, after 0.1-0.3 s)
 *               instead of counted as an error, up to 200 times per client:
 *               what a guest does while a broker is killed or restarted
 *   --summary   also print one line "rps=.. p99_ms=.. errors=.. wrong=.." 
 *   --released-to FILE  append, for each release of the right key, the client
 *               key id the broker audits (coco_client_key_id), one per line
 *   bootstorm --ceiling        mbedTLS rates of the operations of one attestation
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/ssl.h>
#include <psa/crypto.h>

#include "proto/binding.h"
#include "proto/client_cert.h"
#include "proto/request.h"
#include "proto/answer.h"
#include "proto/http_client.h"
#include "sim_snp.h"

static mbedtls_ctr_drbg_context drbg;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ ceiling */

#define RATE(label, iters, stmt)                                                    \
	do {                                                                        \
		double t0 = now_s();                                                \
		for (int i_ = 0; i_ < (iters); i_++) {                              \
			stmt;                                                       \
		}                                                                   \
		double per = (now_s() - t0) / (iters);                              \
		printf("ceiling: %-34s %9.0f /s  (%.3f ms)\n", label, 1 / per, per * 1e3); \
		*out++ = per;                                                       \
	} while (0)

/* Fills cost[] with seconds per operation: ECDHE P-256, p256 sign, p256 verify, p384 verify, p384 sign, p256 keygen. */
static void ceiling(double cost[6])
{
	double *out = cost;
	mbedtls_ecp_group g256, g384, g25519;
	mbedtls_mpi d256, d384, da, r, s, z;
	mbedtls_ecp_point q256, q384, qa, qb;
	uint8_t hash[64] = { 1 };
	int iters = 200;

	mbedtls_ecp_group_init(&g256);
	mbedtls_ecp_group_init(&g384);
	mbedtls_ecp_group_init(&g25519);
	mbedtls_ecp_group_load(&g256, MBEDTLS_ECP_DP_SECP256R1);
	mbedtls_ecp_group_load(&g384, MBEDTLS_ECP_DP_SECP384R1);
	mbedtls_ecp_group_load(&g25519, MBEDTLS_ECP_DP_CURVE25519);
	mbedtls_mpi_init(&d256); mbedtls_mpi_init(&d384); mbedtls_mpi_init(&da);
	mbedtls_mpi_init(&r); mbedtls_mpi_init(&s); mbedtls_mpi_init(&z);
	mbedtls_ecp_point_init(&q256); mbedtls_ecp_point_init(&q384);
	mbedtls_ecp_point_init(&qa); mbedtls_ecp_point_init(&qb);
	mbedtls_ecp_gen_keypair(&g256, &d256, &q256, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ecp_gen_keypair(&g384, &d384, &q384, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ecp_gen_keypair(&g25519, &da, &qb, mbedtls_ctr_drbg_random, &drbg);

	/* the guest's mbedTLS offers only P-256/P-384, so TLS 1.3 runs ECDHE on P-256 */
	RATE("ECDHE P-256 (keygen + shared)", iters, {
		mbedtls_ecdh_gen_public(&g256, &da, &qa, mbedtls_ctr_drbg_random, &drbg);
		mbedtls_ecdh_compute_shared(&g256, &z, &q256, &da, mbedtls_ctr_drbg_random, &drbg);
	});
	RATE("ECDSA P-256 sign", iters,
	     mbedtls_ecdsa_sign(&g256, &r, &s, &d256, hash, 32, mbedtls_ctr_drbg_random, &drbg));
	RATE("ECDSA P-256 verify", iters, mbedtls_ecdsa_verify(&g256, hash, 32, &q256, &r, &s));
	mbedtls_ecdsa_sign(&g384, &r, &s, &d384, hash, 48, mbedtls_ctr_drbg_random, &drbg);
	RATE("ECDSA P-384 verify (SNP report)", iters, mbedtls_ecdsa_verify(&g384, hash, 48, &q384, &r, &s));
	RATE("ECDSA P-384 sign (simulated report)", iters,
	     mbedtls_ecdsa_sign(&g384, &r, &s, &d384, hash, 48, mbedtls_ctr_drbg_random, &drbg));
	RATE("ECDSA P-256 keygen (guest identity)", iters,
	     mbedtls_ecp_gen_keypair(&g256, &da, &qa, mbedtls_ctr_drbg_random, &drbg));

	mbedtls_ecp_group_free(&g256); mbedtls_ecp_group_free(&g384); mbedtls_ecp_group_free(&g25519);
	mbedtls_mpi_free(&d256); mbedtls_mpi_free(&d384); mbedtls_mpi_free(&da);
	mbedtls_mpi_free(&r); mbedtls_mpi_free(&s); mbedtls_mpi_free(&z);
	mbedtls_ecp_point_free(&q256); mbedtls_ecp_point_free(&q384);
	mbedtls_ecp_point_free(&qa); mbedtls_ecp_point_free(&qb);
}

/* ------------------------------------------------------------ the storm */

enum st { C_CONNECT, C_HANDSHAKE, C_SEND, C_RECV, C_WAIT_RETRY, C_DONE };

struct client {
	int fd;
	enum st st;
	double start, retry_at;
	int retries, broker;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	struct coco_client_identity id;
	char *req;
	size_t req_len, req_off;
	char ans[4096];
	size_t ans_len;
};

/* what the guest's trimmed mbedTLS offers (init/mbedtls_config_guest.h) */
static const uint16_t guest_groups[] = { MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
					 MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE };
#define MAX_BROKERS 16
static struct sockaddr_in broker_addr[MAX_BROKERS];
static int n_brokers, retry_errors;
static int served_by[MAX_BROKERS];
static mbedtls_x509_crt ca;
static struct sim_snp sim;
static const char *volume;
static uint8_t expected_key[64];
static int epfd;
static int n_ok, n_wrong, n_err, n_503, n_refused, n_conn_retries;
static double *latencies;
static int n_lat;
static char first_error[256];
static FILE *released_to;

static void note_error(const char *what, int code)
{
	if (!first_error[0])
		snprintf(first_error, sizeof(first_error), "%s (%d)", what, code);
}

static void client_reset(struct client *c)
{
	if (c->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	mbedtls_ssl_free(&c->ssl);
	mbedtls_ssl_config_free(&c->conf);
	coco_client_identity_free(&c->id);
	free(c->req);
	c->req = NULL;
}

static void arm(struct client *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
}

static int client_start(struct client *c)
{
	struct epoll_event e = { .events = EPOLLOUT, .data.ptr = c };
	int one = 1;

	mbedtls_ssl_config_init(&c->conf);
	mbedtls_ssl_init(&c->ssl);
	if (coco_client_identity_generate(&c->id, mbedtls_ctr_drbg_random, &drbg))
		return -1;
	mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
				    MBEDTLS_SSL_PRESET_DEFAULT);
	mbedtls_ssl_conf_min_tls_version(&c->conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_max_tls_version(&c->conf, MBEDTLS_SSL_VERSION_TLS1_3);
	mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&c->conf, &ca, NULL);
	mbedtls_ssl_conf_groups(&c->conf, guest_groups);
	if (mbedtls_ssl_conf_own_cert(&c->conf, &c->id.cert, &c->id.key) ||
	    mbedtls_ssl_setup(&c->ssl, &c->conf) || mbedtls_ssl_set_hostname(&c->ssl, "localhost"))
		return -1;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&broker_addr[c->broker], sizeof(broker_addr[c->broker])) &&
	    errno != EINPROGRESS)
		return -1;
	mbedtls_ssl_set_bio(&c->ssl, &c->fd, mbedtls_net_send, mbedtls_net_recv, NULL);
	c->st = C_CONNECT;
	c->ans_len = 0;
	epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &e);
	return 0;
}

static int requests_total, requests_started;

static int client_start(struct client *c);

/* A slot is done; with requests left it starts the next one at once. */
static void finish(struct client *c, int ok)
{
	if (ok)
		latencies[n_lat++] = now_s() - c->start;
	client_reset(c);
	c->st = C_DONE;
	if (requests_started < requests_total) {
		requests_started++;
		c->start = now_s();
		c->retries = 0;
		c->broker = requests_started % n_brokers;
		if (client_start(c)) {
			n_err++;
			note_error("start", errno);
			client_reset(c);
		}
	}
}

/* Try again later on the next broker (a 503, or with --retry-errors a broken connection). */
static void retry_later(struct client *c, double after)
{
	c->retries++;
	client_reset(c);
	c->broker = (c->broker + 1) % n_brokers;
	c->retry_at = now_s() + after * (0.5 + (double)rand() / RAND_MAX);
	c->st = C_WAIT_RETRY;
}

/* The connection failed in what; an error, or with --retry-errors a retry. */
static void failed(struct client *c, const char *what, int code)
{
	if (retry_errors && c->retries < 200) {
		n_conn_retries++;
		retry_later(c, 0.2);
		return;
	}
	n_err++;
	note_error(what, code);
	finish(c, 0);
}

static int build_request(struct client *c)
{
	uint8_t inblob[COCO_INBLOB_LEN], report[SNP_REPORT_LEN], aux[8192];
	size_t aux_len, cap;
	struct coco_unlock_request r;

	if (coco_binding_for_session(&c->ssl, c->id.cert.pk_raw.p, c->id.cert.pk_raw.len, inblob) ||
	    sim_snp_report(&sim, NULL, inblob, report, mbedtls_ctr_drbg_random, &drbg) ||
	    !(aux_len = sim_snp_certtable(&sim, aux, sizeof(aux))))
		return -1;
	r = (struct coco_unlock_request){ .volume = volume, .provider = COCO_PROVIDER_SNP, .outblob = report,
					  .outblob_len = sizeof(report), .auxblob = aux, .auxblob_len = aux_len };
	cap = 512 + coco_request_encoded_max(sizeof(report), aux_len);
	c->req = malloc(cap);
	{
		int h = coco_http_request_head(c->req, 512, "localhost", coco_request_encoded_max(sizeof(report), aux_len));
		size_t body_len;
		if (h < 0 || coco_request_encode(&r, c->req + 512, cap - 512, &body_len))
			return -1;
		/* the head with the real length, right before the body */
		h = coco_http_request_head(c->req, 512, "localhost", body_len);
		memmove(c->req + h, c->req + 512, body_len);
		c->req_len = (size_t)h + body_len;
	}
	c->req_off = 0;
	return 0;
}

static void step(struct client *c)
{
	int ret;

	if (c->st == C_CONNECT) {
		int err = 0;
		socklen_t l = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			failed(c, "connect", err);
			return;
		}
		c->st = C_HANDSHAKE;
	}
	if (c->st == C_HANDSHAKE) {
		ret = mbedtls_ssl_handshake(&c->ssl);
		if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
			arm(c, ret == MBEDTLS_ERR_SSL_WANT_READ ? EPOLLIN : EPOLLOUT);
			return;
		}
		if (ret || build_request(c)) {
			failed(c, "handshake", ret);
			return;
		}
		c->st = C_SEND;
	}
	if (c->st == C_SEND) {
		while (c->req_off < c->req_len) {
			ret = mbedtls_ssl_write(&c->ssl, (unsigned char *)c->req + c->req_off, c->req_len - c->req_off);
			if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
				arm(c, ret == MBEDTLS_ERR_SSL_WANT_READ ? EPOLLIN : EPOLLOUT);
				return;
			}
			if (ret <= 0) {
				failed(c, "send", ret);
				return;
			}
			c->req_off += (size_t)ret;
		}
		c->st = C_RECV;
		arm(c, EPOLLIN);
	}
	if (c->st == C_RECV) {
		struct coco_http_response h;
		struct coco_unlock_answer a;
		int pr;

		for (;;) {
			ret = mbedtls_ssl_read(&c->ssl, (unsigned char *)c->ans + c->ans_len, sizeof(c->ans) - c->ans_len);
			if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
				arm(c, ret == MBEDTLS_ERR_SSL_WANT_READ ? EPOLLIN : EPOLLOUT);
				return;
			}
			if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
				continue;
			if (ret <= 0)
				break;
			c->ans_len += (size_t)ret;
			if (coco_http_response_parse(c->ans, c->ans_len, &h) != COCO_PROTO_INCOMPLETE)
				break;
		}
		pr = coco_http_response_parse(c->ans, c->ans_len, &h);
		if (pr != COCO_PROTO_OK) {
			failed(c, "answer", pr);
			return;
		}
		if (h.status == 503) {
			n_503++;
			/* as the guest: Retry-After, stretched by random jitter */
			retry_later(c, h.retry_after ? h.retry_after : 1);
			return;
		}
		if (h.status != 200 || coco_answer_parse(h.body, h.body_len, &a) != COCO_PROTO_OK) {
			n_refused++;
			note_error("refused", h.status);
			finish(c, 0);
			return;
		}
		if (a.key_len == 64 && !memcmp(a.key, expected_key, 64)) {
			char id[COCO_CLIENT_KEY_ID_LEN + 1];

			n_ok++;
			served_by[c->broker]++;
			if (released_to && !coco_client_key_id(c->id.cert.pk_raw.p, c->id.cert.pk_raw.len, id))
				fprintf(released_to, "%s\n", id);
		} else
			n_wrong++;
		finish(c, 1);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long peak_rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	mbedtls_entropy_context entropy;
	const char *connect_to = NULL, *ca_path = NULL, *keys = NULL, *expect = NULL;
	int nclients = 1000, nrequests = 0, broker_pid = 0, only_ceiling = 0, summary = 0;
	double cost[6], t0, elapsed;
	struct client *cl;
	FILE *f;

	/* A broker that dies mid-write (fault tests kill it) must show up as a
	 * counted error, not kill the whole storm with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(argv[i], "--connect")) connect_to = v, i++;
		else if (!strcmp(argv[i], "--ca")) ca_path = v, i++;
		else if (!strcmp(argv[i], "--keys")) keys = v, i++;
		else if (!strcmp(argv[i], "--volume")) volume = v, i++;
		else if (!strcmp(argv[i], "--expect-key")) expect = v, i++;
		else if (!strcmp(argv[i], "--clients")) nclients = atoi(v), i++;
		else if (!strcmp(argv[i], "--requests")) nrequests = atoi(v), i++;
		else if (!strcmp(argv[i], "--summary")) summary = 1;
		else if (!strcmp(argv[i], "--retry-errors")) retry_errors = 1;
		else if (!strcmp(argv[i], "--broker-pid")) broker_pid = atoi(v), i++;
		else if (!strcmp(argv[i], "--ceiling")) only_ceiling = 1;
		else if (!strcmp(argv[i], "--released-to")) {
			if (!(released_to = fopen(v, "a"))) { perror(v); return 2; }
			setvbuf(released_to, NULL, _IOLBF, 0); /* lines survive a kill of this client */
			i++;
		}
		else { fprintf(stderr, "bootstorm: unknown option %s\n", argv[i]); return 2; }
	}
	psa_crypto_init();
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0);

	ceiling(cost);
	{
		/* broker work per attestation: ECDHE, CertificateVerify sign, client CertificateVerify
		 * verify (event loop); report verify (workers; chains are cached) */
		double hs = cost[0] + cost[1] + cost[2], ver = cost[3];
		/* the clients' share on this same machine: keygen, ECDHE, CertificateVerify sign,
		 * server signature + chain verify (2 x P-256), report signing */
		double cli = cost[5] + cost[0] + cost[1] + 2 * cost[2] + cost[4];
		printf("ceiling: broker handshake crypto (1 event-loop core)  %8.0f /s\n", 1 / hs);
		printf("ceiling: broker report verify (per worker core)       %8.0f /s\n", 1 / ver);
		printf("ceiling: broker crypto, 2 cores, ideal split          %8.0f /s\n", 2 / (hs + ver));
		printf("ceiling: broker + clients crypto, same 2 cores        %8.0f /s\n", 2 / (hs + ver + cli));
		cost[0] = 2 / (hs + ver + cli);
		cost[1] = 1 / hs;
	}
	if (only_ceiling)
		return 0;
	if (!connect_to || !ca_path || !keys || !volume || !expect) {
		fprintf(stderr, "bootstorm: --connect --ca --keys --volume --expect-key are required\n");
		return 2;
	}
	for (const char *p = connect_to; *p && n_brokers < MAX_BROKERS;) {
		size_t n = strcspn(p, ",");
		char one[80], *colon;

		snprintf(one, sizeof(one), "%.*s", (int)n, p);
		colon = strrchr(one, ':');
		if (!colon) {
			fprintf(stderr, "bootstorm: --connect: expected HOST:PORT, got %s\n", one);
			return 2;
		}
		*colon = '\0';
		broker_addr[n_brokers].sin_family = AF_INET;
		broker_addr[n_brokers].sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, one, &broker_addr[n_brokers].sin_addr) != 1) {
			fprintf(stderr, "bootstorm: --connect: %s is not an IPv4 address\n", one);
			return 2;
		}
		n_brokers++;
		p += n + (p[n] == ',');
	}
	mbedtls_x509_crt_init(&ca);
	if (mbedtls_x509_crt_parse_file(&ca, ca_path) || sim_snp_load(&sim, keys, mbedtls_ctr_drbg_random, &drbg))
		return 2;
	if (!(f = fopen(expect, "rb")) || fread(expected_key, 1, 64, f) != 64)
		return 2;
	fclose(f);

	epfd = epoll_create1(0);
	if (nrequests < nclients)
		nrequests = nclients;
	requests_total = nrequests;
	requests_started = nclients;
	cl = calloc((size_t)nclients, sizeof(*cl));
	latencies = calloc((size_t)nrequests, sizeof(double));
	t0 = now_s();
	for (int i = 0; i < nclients; i++) {
		cl[i].fd = -1;
		cl[i].start = now_s();
		cl[i].broker = i % n_brokers;
		if (client_start(&cl[i])) {
			n_err++;
			note_error("start", errno);
			finish(&cl[i], 0);
		}
	}
	for (;;) {
		struct epoll_event ev[256];
		int pending = 0, n;
		double t = now_s();

		for (int i = 0; i < nclients; i++) {
			if (cl[i].st == C_WAIT_RETRY && t >= cl[i].retry_at && client_start(&cl[i])) {
				n_err++;
				finish(&cl[i], 0);
			}
			pending += cl[i].st != C_DONE;
		}
		if (!pending)
			break;
		if (t - t0 > 600) {
			fprintf(stderr, "bootstorm: giving up after 600 s with %d clients unfinished\n", pending);
			n_err += pending;
			break;
		}
		n = epoll_wait(epfd, ev, 256, 50);
		for (int i = 0; i < n; i++)
			step(ev[i].data.ptr);
	}
	elapsed = now_s() - t0;
	qsort(latencies, (size_t)n_lat, sizeof(double), cmp_double);
	printf("bootstorm: clients                 %d concurrent, %d requests\n", nclients, nrequests);
	printf("bootstorm: released (right key)    %d\n", n_ok);
	printf("bootstorm: wrong releases          %d\n", n_wrong);
	printf("bootstorm: refused                 %d\n", n_refused);
	printf("bootstorm: errors                  %d%s%s\n", n_err, first_error[0] ? "  first: " : "", first_error);
	printf("bootstorm: 503 answers (retried)   %d\n", n_503);
	if (retry_errors)
		printf("bootstorm: connection failures (retried)  %d\n", n_conn_retries);
	if (n_brokers > 1) {
		printf("bootstorm: released by broker      ");
		for (int i = 0; i < n_brokers; i++)
			printf("%s%d", i ? " / " : "", served_by[i]);
		printf("\n");
	}
	printf("bootstorm: wall time               %.2f s\n", elapsed);
	printf("bootstorm: attestations/s          %.1f\n", n_ok / elapsed);
	if (n_lat) {
		printf("bootstorm: latency p50             %.0f ms\n", 1e3 * latencies[n_lat / 2]);
		printf("bootstorm: latency p99             %.0f ms\n", 1e3 * latencies[(int)ceil(n_lat * 0.99) - 1]);
		printf("bootstorm: latency max             %.0f ms\n", 1e3 * latencies[n_lat - 1]);
	}
	if (broker_pid)
		printf("bootstorm: broker peak RSS         %.1f MiB\n", peak_rss_kb(broker_pid) / 1024.0);
	printf("bootstorm: share of the crypto ceiling (broker + clients, 2 cores)  %.0f %%\n",
	       100.0 * (n_ok / elapsed) / cost[0]);
	printf("bootstorm: share of the event loop's handshake ceiling              %.0f %%\n",
	       100.0 * (n_ok / elapsed) / cost[1]);
	if (summary)
		printf("rps=%.1f p99_ms=%.0f errors=%d wrong=%d ok=%d retries_503=%d retries_conn=%d wall_s=%.2f\n",
		       n_ok / elapsed, n_lat ? 1e3 * latencies[(int)ceil(n_lat * 0.99) - 1] : 0.0, n_err + n_refused,
		       n_wrong, n_ok, n_503, n_conn_retries, elapsed);
	return 0;
}
