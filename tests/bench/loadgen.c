/*
 * TEST ONLY (make bench): the load generator. One thread, epoll,
 * non-blocking OpenSSL 3 clients; everything that can be made before the
 * timed run is made before it (client identities, the simulated report and
 * its signature nonces: evidence.h), so what it spends per request is a
 * TLS 1.3 client handshake and the request (binding, SHA-384, the end of
 * an ECDSA signature). It prints its own CPU time and how busy it was.
 *
 *   loadgen --connect IP:PORT --kind cocoboot|tang [--server-pid PID [--server-cpu N]] MODE
 *     cocoboot: --ca PEM --keys KEYDIR --volume UUID --expect-key FILE
 *               [--evidence good|bad-signature|unknown-volume|handshake-only]
 *     tang:     --tang-path /rec/KID --tang-body FILE
 *   MODE: --concurrency C --requests R   closed loop: C at a time, the next
 *                                        starts when one ends (C = R: a storm)
 *         --rate X --requests R          open loop: Poisson arrivals at X/s;
 *                                        latency counts from the arrival
 *
 * Each request is a fresh connection with its own identity. A 503 is
 * retried after Retry-After (stretched by 0.5-1.5, as the guest does);
 * anything else but the expected answer is counted as failed or wrong, and
 * the exit status is 1 then. Output: one line of name=value pairs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "proto/answer.h"
#include "proto/binding.h"
#include "proto/http_client.h"
#include "proto/request.h"
#include "evidence.h"
#include "proc_cpu.h"

#define PHASE_LIMIT_S 300
#define REQ_CAP       16384
#define ANS_CAP       4096

enum kind { KIND_COCOBOOT, KIND_TANG };
enum mode { EV_REQUEST, EV_HANDSHAKE_ONLY };
enum st { S_FREE, S_CONNECT, S_HANDSHAKE, S_SEND, S_RECV, S_CLOSE_WAIT, S_RETRY };

struct identity {
	EVP_PKEY *key;
	X509 *cert;
	uint8_t spki[256];
	size_t spki_len;
};

struct slot {
	enum st st;
	int fd;
	SSL *ssl;
	size_t req;             /* request index */
	double t0;              /* arrival (open loop) or first start (closed) */
	double retry_at;
	char out[REQ_CAP];
	size_t out_len, out_off;
	char in[ANS_CAP];
	size_t in_len;
};

static enum kind kind = KIND_COCOBOOT;
static enum mode ev_mode = EV_REQUEST;
static enum evidence_kind ev_kind = EVIDENCE_GOOD;
static struct sockaddr_in addr;
static SSL_CTX *ctx;
static struct identity *ids;
static struct evidence *evidence;
static const char *volume;
static uint8_t expected_key[64];
static char *tang_req;
static size_t tang_req_len;
static int epfd;
static size_t n_ok, n_wrong, n_failed, n_503, n_done;
static double *lat;
static size_t n_lat;
static char first_error[200];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double own_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void note(const char *what, long code)
{
	if (!first_error[0])
		snprintf(first_error, sizeof(first_error), "%s (%ld)", what, code);
}

/* ------------------------------------------------------------ set-up */

static int make_identity(struct identity *id)
{
	unsigned char serial[16], *p;
	ASN1_INTEGER *sn = NULL;
	BIGNUM *bn = NULL;
	X509_NAME *name;
	int len, ok = 0;

	id->key = EVP_EC_gen("P-256");
	id->cert = X509_new();
	if (!id->key || !id->cert || RAND_bytes(serial, sizeof(serial)) != 1)
		return -1;
	serial[0] = (serial[0] & 0x7f) | 0x01;
	name = X509_NAME_new();
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) && (sn = BN_to_ASN1_INTEGER(bn, NULL)) &&
	    X509_set_version(id->cert, X509_VERSION_3) && X509_set_serialNumber(id->cert, sn) && name &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"cocoboot ephemeral", -1, -1, 0) &&
	    X509_set_subject_name(id->cert, name) && X509_set_issuer_name(id->cert, name) &&
	    ASN1_TIME_set_string_X509(X509_getm_notBefore(id->cert), "20000101000000Z") &&
	    ASN1_TIME_set_string_X509(X509_getm_notAfter(id->cert), "99991231235959Z") &&
	    X509_set_pubkey(id->cert, id->key) && X509_sign(id->cert, id->key, EVP_sha256()) > 0)
		ok = 1;
	X509_NAME_free(name);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(id->cert), NULL);
	if (!ok || len <= 0 || (size_t)len > sizeof(id->spki))
		return -1;
	p = id->spki;
	id->spki_len = (size_t)i2d_X509_PUBKEY(X509_get_X509_PUBKEY(id->cert), &p);
	return 0;
}

static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(*buf = malloc((size_t)n + 1)) || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

static SSL_CTX *client_ctx(const char *ca)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());

	/* what the guest offers (init/mbedtls_config_guest.h): TLS 1.3, P-256 then P-384, ECDSA */
	if (!c || !SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) || !SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) ||
	    !SSL_CTX_set1_groups_list(c, "P-256:P-384") ||
	    !SSL_CTX_set1_sigalgs_list(c, "ECDSA+SHA256:ECDSA+SHA384") || !SSL_CTX_load_verify_file(c, ca)) {
		ERR_print_errors_fp(stderr);
		return NULL;
	}
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return c;
}

/* ------------------------------------------------------------ one request */

static void slot_close(struct slot *s)
{
	if (s->ssl) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
		s->fd = -1;
	}
}

static void arm(struct slot *s, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = s };

	epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &e);
}

static void done(struct slot *s, int ok)
{
	if (ok)
		lat[n_lat++] = now_s() - s->t0;
	slot_close(s);
	s->st = S_FREE;
	n_done++;
}

static void failed(struct slot *s, const char *what, long code)
{
	note(what, code);
	n_failed++;
	done(s, 0);
}

static int slot_connect(struct slot *s)
{
	struct epoll_event e = { .events = EPOLLOUT };
	int one = 1;

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(s->fd, (struct sockaddr *)&addr, sizeof(addr)) && errno != EINPROGRESS)
		return -1;
	e.data.ptr = s;
	epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &e);
	s->st = S_CONNECT;
	s->in_len = 0;
	s->out_off = 0;
	if (kind == KIND_TANG) {
		memcpy(s->out, tang_req, tang_req_len);
		s->out_len = tang_req_len;
		return 0;
	}
	{
		struct identity *id = &ids[s->req];
		if (!(s->ssl = SSL_new(ctx)) || SSL_use_certificate(s->ssl, id->cert) != 1 ||
		    SSL_use_PrivateKey(s->ssl, id->key) != 1 || !SSL_set1_host(s->ssl, "localhost") ||
		    !SSL_set_tlsext_host_name(s->ssl, "localhost") || !SSL_set_fd(s->ssl, s->fd))
			return -1;
	}
	return 0;
}

static void start(struct slot *s, size_t req, double t0)
{
	s->req = req;
	s->t0 = t0;
	if (slot_connect(s))
		failed(s, "connect", errno);
}

/* SSL_ERROR_WANT_*: wait for the socket; returns 1 when waiting. */
static int want(struct slot *s, int ret)
{
	int e = SSL_get_error(s->ssl, ret);

	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		arm(s, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
		return 1;
	}
	return 0;
}

static int build_request(struct slot *s)
{
	static const unsigned char empty[1];
	uint8_t ekm[COCO_EKM_LEN];
	struct identity *id = &ids[s->req];

	/* the exporter with an explicit empty context, as proto/binding.c asks mbedTLS for it */
	if (SSL_export_keying_material(s->ssl, ekm, sizeof(ekm), COCO_EXPORTER_LABEL, strlen(COCO_EXPORTER_LABEL),
				       empty, 0, 1) != 1)
		return -1;
	return evidence_request(evidence, ev_kind, volume, id->spki, id->spki_len, ekm, s->out, sizeof(s->out),
				&s->out_len);
}

static void judge(struct slot *s)
{
	struct coco_http_response h;
	struct coco_unlock_answer a;
	int want_status = kind == KIND_TANG ? 200 : ev_kind == EVIDENCE_GOOD ? 200
						 : ev_kind == EVIDENCE_UNKNOWN_VOLUME ? 404 : 403;

	if (coco_http_response_parse(s->in, s->in_len, &h) != COCO_PROTO_OK) {
		failed(s, "answer does not parse, bytes", (long)s->in_len);
		return;
	}
	if (h.status == 503) {
		/* as the guest: after Retry-After, stretched by random jitter */
		n_503++;
		slot_close(s);
		s->retry_at = now_s() + (h.retry_after ? h.retry_after : 1) * (0.5 + drand48());
		s->st = S_RETRY;
		return;
	}
	if (kind == KIND_TANG) {
		/* tang's answer to /rec is a JWK (the ECMR result point) */
		if (h.status == 200 && memmem(h.body, h.body_len, "\"kty\"", 5)) {
			n_ok++;
			done(s, 1);
		} else
			failed(s, "tang status", h.status);
		return;
	}
	memset(&a, 0, sizeof(a));
	if (h.status == 200 && coco_answer_parse(h.body, h.body_len, &a) == COCO_PROTO_OK) {
		if (want_status == 200 && a.key_len == 64 && !memcmp(a.key, expected_key, 64)) {
			n_ok++;
			done(s, 1);
		} else {
			/* a key where none was due, or not the volume's key */
			n_wrong++;
			note("wrong key released, status", h.status);
			done(s, 0);
		}
		return;
	}
	if (h.status == want_status) {
		n_ok++;
		done(s, 1);
		return;
	}
	failed(s, "status", h.status);
}

static void step(struct slot *s)
{
	int ret;

	if (s->st == S_CONNECT) {
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			failed(s, "connect", err);
			return;
		}
		s->st = kind == KIND_TANG ? S_SEND : S_HANDSHAKE;
		if (kind == KIND_TANG)
			arm(s, EPOLLOUT);
	}
	if (s->st == S_HANDSHAKE) {
		ret = SSL_connect(s->ssl);
		if (ret != 1) {
			if (!want(s, ret))
				failed(s, "handshake, ssl error", SSL_get_error(s->ssl, ret));
			return;
		}
		if (ev_mode == EV_HANDSHAKE_ONLY) {
			/* close_notify and our half closed: the server finishes its side and closes */
			SSL_shutdown(s->ssl);
			shutdown(s->fd, SHUT_WR);
			s->st = S_CLOSE_WAIT;
			arm(s, EPOLLIN);
			return;
		}
		if (build_request(s)) {
			failed(s, "building the request", 0);
			return;
		}
		s->st = S_SEND;
	}
	if (s->st == S_SEND) {
		while (s->out_off < s->out_len) {
			if (kind == KIND_TANG) {
				ssize_t n = send(s->fd, s->out + s->out_off, s->out_len - s->out_off, MSG_NOSIGNAL);
				if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
					arm(s, EPOLLOUT);
					return;
				}
				if (n <= 0) {
					failed(s, "send", errno);
					return;
				}
				s->out_off += (size_t)n;
				continue;
			}
			ret = SSL_write(s->ssl, s->out + s->out_off, (int)(s->out_len - s->out_off));
			if (ret <= 0) {
				if (!want(s, ret))
					failed(s, "send, ssl error", SSL_get_error(s->ssl, ret));
				return;
			}
			s->out_off += (size_t)ret;
		}
		s->st = S_RECV;
		arm(s, EPOLLIN);
	}
	if (s->st == S_RECV) {
		for (;;) {
			struct coco_http_response h;
			size_t room = sizeof(s->in) - s->in_len;
			ssize_t n;

			if (room == 0)
				break;
			if (kind == KIND_TANG) {
				n = recv(s->fd, s->in + s->in_len, room, 0);
				if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
					return;
			} else {
				n = SSL_read(s->ssl, s->in + s->in_len, (int)room);
				if (n <= 0 && want(s, (int)n))
					return;
			}
			if (n <= 0)
				break;
			s->in_len += (size_t)n;
			if (coco_http_response_parse(s->in, s->in_len, &h) != COCO_PROTO_INCOMPLETE)
				break;
		}
		judge(s);
		return;
	}
	if (s->st == S_CLOSE_WAIT) {
		char buf[256];

		for (;;) {
			ret = SSL_read(s->ssl, buf, sizeof(buf));
			if (ret > 0)
				continue;
			if (want(s, ret))
				return;
			break;
		}
		/* the server has closed: the handshake was done on its side too */
		n_ok++;
		done(s, 1);
	}
}

/* ------------------------------------------------------------ main */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double q)
{
	return n_lat ? 1e3 * lat[(size_t)ceil((double)n_lat * q) - 1] : NAN;
}

static int usage(void)
{
	fprintf(stderr, "usage: loadgen --connect IP:PORT --kind cocoboot|tang [--server-pid PID [--server-cpu N]]\n"
			"  (--concurrency C | --rate X) --requests R\n"
			"  cocoboot: --ca PEM --keys DIR --volume UUID --expect-key FILE\n"
			"            [--evidence good|bad-signature|unknown-volume|handshake-only]\n"
			"  tang: --tang-path /rec/KID --tang-body FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *connect_to = NULL, *ca = NULL, *keys = NULL, *expect = NULL, *tang_path = NULL, *tang_body = NULL;
	size_t conc = 0, nreq = 0, nslots;
	double rate = 0, *arrival = NULL, t_start, t_end, cpu0, cpu1, srv0 = -1, srv1 = -1, prep0;
	int server_pid = 0, server_cpu = -1;
	unsigned long long cb0 = 0, ct0 = 0, cb1 = 0, ct1 = 0;
	struct slot *slots;
	size_t next = 0, started = 0;

	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return usage();
		if (!strcmp(argv[i], "--connect")) connect_to = v;
		else if (!strcmp(argv[i], "--kind")) {
			if (!strcmp(v, "tang")) kind = KIND_TANG;
			else if (strcmp(v, "cocoboot")) return usage();
		} else if (!strcmp(argv[i], "--ca")) ca = v;
		else if (!strcmp(argv[i], "--keys")) keys = v;
		else if (!strcmp(argv[i], "--volume")) volume = v;
		else if (!strcmp(argv[i], "--expect-key")) expect = v;
		else if (!strcmp(argv[i], "--evidence")) {
			if (!strcmp(v, "bad-signature")) ev_kind = EVIDENCE_BAD_SIGNATURE;
			else if (!strcmp(v, "unknown-volume")) ev_kind = EVIDENCE_UNKNOWN_VOLUME;
			else if (!strcmp(v, "handshake-only")) ev_mode = EV_HANDSHAKE_ONLY;
			else if (strcmp(v, "good")) return usage();
		} else if (!strcmp(argv[i], "--tang-path")) tang_path = v;
		else if (!strcmp(argv[i], "--tang-body")) tang_body = v;
		else if (!strcmp(argv[i], "--concurrency")) conc = strtoul(v, NULL, 10);
		else if (!strcmp(argv[i], "--rate")) rate = atof(v);
		else if (!strcmp(argv[i], "--requests")) nreq = strtoul(v, NULL, 10);
		else if (!strcmp(argv[i], "--server-pid")) server_pid = atoi(v);
		else if (!strcmp(argv[i], "--server-cpu")) server_cpu = atoi(v);
		else return usage();
		i++;
	}
	if (!connect_to || !nreq || (!conc) == (rate <= 0))
		return usage();
	{
		char host[64];
		const char *colon = strrchr(connect_to, ':');
		if (!colon || (size_t)(colon - connect_to) >= sizeof(host))
			return usage();
		snprintf(host, sizeof(host), "%.*s", (int)(colon - connect_to), connect_to);
		addr.sin_family = AF_INET;
		addr.sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
			return usage();
	}

	/* ---- everything before the timed run */
	prep0 = now_s();
	if (kind == KIND_TANG) {
		char *body;
		size_t body_len;
		int h;

		if (!tang_path || !tang_body || read_file(tang_body, &body, &body_len))
			return usage();
		tang_req = malloc(body_len + 512);
		h = snprintf(tang_req, 512, "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/jwk+json\r\n"
					    "Content-Length: %zu\r\nConnection: close\r\n\r\n", tang_path, body_len);
		memcpy(tang_req + h, body, body_len);
		tang_req_len = (size_t)h + body_len;
		free(body);
	} else {
		FILE *f;

		if (!ca || !keys || !volume || !expect)
			return usage();
		if (!(f = fopen(expect, "rb")) || fread(expected_key, 1, 64, f) != 64) {
			perror(expect);
			return 2;
		}
		fclose(f);
		if (!(ctx = client_ctx(ca)) || !(ids = calloc(nreq, sizeof(*ids))))
			return 2;
		for (size_t i = 0; i < nreq; i++)
			if (make_identity(&ids[i])) {
				fprintf(stderr, "loadgen: client identity %zu failed\n", i);
				return 2;
			}
		/* a nonce per request and as many again for 503 retries (a storm against the
		 * broker's admission queue sees about one per two requests; more are made on the spot) */
		if (ev_mode == EV_REQUEST && !(evidence = evidence_new(keys, nreq + nreq / 2 + 16)))
			return 2;
	}
	nslots = conc ? conc : nreq < 4096 ? nreq : 4096;
	slots = calloc(nslots, sizeof(*slots));
	lat = calloc(nreq, sizeof(*lat));
	if (!slots || !lat)
		return 2;
	for (size_t i = 0; i < nslots; i++)
		slots[i].fd = -1;
	if (rate > 0) {
		double t = 0;

		srand48(1);
		arrival = calloc(nreq, sizeof(*arrival));
		if (!arrival)
			return 2;
		for (size_t i = 0; i < nreq; i++) {
			arrival[i] = t;
			t += -log(1 - drand48()) / rate;
		}
	}
	epfd = epoll_create1(0);
	prep0 = now_s() - prep0;

	/* ---- the timed run */
	if (server_pid)
		srv0 = proc_tree_cpu_seconds(server_pid);
	if (server_cpu >= 0)
		proc_cpu_ticks(server_cpu, &cb0, &ct0);
	cpu0 = own_cpu_s();
	t_start = now_s();
	while (n_done < nreq) {
		struct epoll_event ev[256];
		double t = now_s(), wait_s = 0.05;
		int n;

		if (t - t_start > PHASE_LIMIT_S) {
			note("gave up after seconds", PHASE_LIMIT_S);
			n_failed += nreq - n_done;
			break;
		}
		for (size_t i = 0; i < nslots; i++) {
			struct slot *s = &slots[i];
			if (s->st == S_RETRY) {
				if (t >= s->retry_at) {
					if (slot_connect(s))
						failed(s, "connect", errno);
				} else if (s->retry_at - t < wait_s)
					wait_s = s->retry_at - t;
			}
			if (s->st != S_FREE || started == nreq)
				continue;
			if (arrival) {
				if (t_start + arrival[next] > t) {
					if (t_start + arrival[next] - t < wait_s)
						wait_s = t_start + arrival[next] - t;
					continue;
				}
				start(s, next, t_start + arrival[next]);
			} else
				start(s, next, t);
			next++, started++;
		}
		n = epoll_wait(epfd, ev, 256, (int)ceil(wait_s * 1e3));
		for (int i = 0; i < n; i++)
			step(ev[i].data.ptr);
	}
	t_end = now_s();
	cpu1 = own_cpu_s();
	if (server_pid)
		srv1 = proc_tree_cpu_seconds(server_pid);
	if (server_cpu >= 0)
		proc_cpu_ticks(server_cpu, &cb1, &ct1);

	qsort(lat, n_lat, sizeof(*lat), cmp_double);
	{
		double wall = t_end - t_start, gen = cpu1 - cpu0, srv = srv0 >= 0 && srv1 >= 0 ? srv1 - srv0 : NAN;
		printf("requests=%zu ok=%zu wrong=%zu failed=%zu retried_503=%zu wall_s=%.3f rate=%.1f "
		       "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f gen_cpu_s=%.3f gen_busy=%.3f gen_cpu_ms_per_req=%.3f "
		       "server_cpu_s=%.3f server_cpu_ms_per_req=%.3f server_busy=%.3f prepare_s=%.2f late_nonces=%zu",
		       nreq, n_ok, n_wrong, n_failed, n_503, wall, (double)n_ok / wall, pct(0.5), pct(0.99),
		       n_lat ? 1e3 * lat[n_lat - 1] : NAN, gen, gen / wall, 1e3 * gen / (double)nreq, srv,
		       1e3 * srv / (double)nreq, srv / wall, prep0, evidence ? evidence_late_nonces(evidence) : 0);
		/* the server's core: busy at all, and the share the server itself used */
		if (ct1 > ct0)
			printf(" server_core_busy=%.3f", (double)(cb1 - cb0) / (double)(ct1 - ct0));
		if (first_error[0])
			printf(" first_error=\"%s\"", first_error);
		printf("\n");
	}
	return n_wrong || n_failed || n_ok != nreq ? 1 : 0;
}
