/*
 * TEST ONLY (make bench): the physical anchor. The least a server can do
 * per attestation, on the fastest TLS library here (OpenSSL 3), with the
 * same wire protocol as cocobroker: a TLS 1.3 handshake with a client
 * certificate on P-256, the HTTP request read (proto/http_server.h) and its
 * body decoded (proto/request_decode.h), the session binding recomputed and
 * compared, one ECDSA P-384 signature check of the SNP report against the
 * VCEK (known in advance, as the broker's chain cache knows it), one audit
 * row appended to a file and fsync'd before the answer, the key sent.
 * Nothing else: no policy, no key unwrapping, no database, no metrics.
 *
 *   anchor --listen IP:PORT --cert PEM --key PEM --vcek DER --volume UUID
 *          --key-file FILE --audit FILE [--fsync-per-row]
 *
 * One thread runs the event loop, a second one the fsyncs, so the loop
 * handshakes while the disk works (the broker's workers overlap them too).
 * Group commit: the rows queued while an fsync runs are written together and
 * share the next fsync; every answer still waits until its own row is on
 * disk. That is what the disk allows at best, which is what an anchor is
 * for (one fsync per row would measure this shared disk's latency instead:
 * --fsync-per-row does that). Runs until SIGTERM;
 * prints "anchor: listening" on stderr when ready, counts when it ends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "proto/answer.h"
#include "proto/binding.h"
#include "proto/http_server.h"
#include "proto/reasons.h"
#include "proto/request.h"
#include "proto/request_decode.h"

#define SNP_REPORT_LEN  0x4A0
#define REPORT_DATA_OFF 0x50
#define SIGNED_LEN      0x2A0
#define SIG_R_OFF       0x2A0
#define SIG_S_OFF       (0x2A0 + 72)

enum st { C_HANDSHAKE, C_READ, C_AUDIT, C_WRITE };

struct conn {
	enum st st;
	int fd;
	SSL *ssl;
	struct coco_http_request req;
	char row[256];                 /* the audit row, once decided */
	size_t row_len;
	char out[1024];
	size_t out_len, out_off;
	struct conn *next;             /* on the fsync queue or the done list */
};

static SSL_CTX *ctx;
static EVP_PKEY_CTX *vcek_verify;
static const char *volume;
static uint8_t volume_key[64];
static int epfd, wake_fd, audit_fd, group_commit = 1;
static volatile sig_atomic_t stop;
static unsigned long n_answers, n_fsyncs;

/* the fsync thread's queue and what it hands back */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct conn *queue_head, **queue_tail = &queue_head, *done_list;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* ------------------------------------------------------------ audit */

static void *fsync_thread(void *arg)
{
	(void)arg;
	for (;;) {
		struct conn *batch, *last, *c;
		char buf[65536];
		size_t len = 0;
		uint64_t one = 1;

		pthread_mutex_lock(&mu);
		while (!queue_head)
			pthread_cond_wait(&cv, &mu);
		batch = last = queue_head;
		/* one row, or (group commit) as many as are queued and fit */
		len = batch->row_len;
		while (group_commit && last->next && len + last->next->row_len <= sizeof(buf)) {
			last = last->next;
			len += last->row_len;
		}
		queue_head = last->next;
		if (!queue_head)
			queue_tail = &queue_head;
		last->next = NULL;
		pthread_mutex_unlock(&mu);

		len = 0;
		for (c = batch; c; c = c->next) {
			memcpy(buf + len, c->row, c->row_len);
			len += c->row_len;
		}
		if (write(audit_fd, buf, len) != (ssize_t)len || fsync(audit_fd)) {
			perror("anchor: audit append");
			exit(1);   /* no row, no answer */
		}
		n_fsyncs++;
		pthread_mutex_lock(&mu);
		last->next = done_list;
		done_list = batch;
		pthread_mutex_unlock(&mu);
		if (write(wake_fd, &one, sizeof(one)) != sizeof(one))
			exit(1);
	}
	return NULL;
}

static void queue_row(struct conn *c)
{
	struct epoll_event e = { .events = 0, .data.ptr = c };

	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);   /* quiet until the row is on disk */
	c->st = C_AUDIT;
	c->next = NULL;
	pthread_mutex_lock(&mu);
	*queue_tail = c;
	queue_tail = &c->next;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

/* ------------------------------------------------------------ the decision */

static void answer(struct conn *c, int status, const char *reason, const char *client_key)
{
	char body[512];
	size_t body_len = 0;
	int head;

	if (status == 200)
		coco_answer_encode_key(volume_key, sizeof(volume_key), body, sizeof(body), &body_len);
	else
		coco_answer_encode_error(reason, body, sizeof(body), &body_len);
	head = coco_http_response_head(c->out, sizeof(c->out), status, "application/json", body_len, 0);
	if (head < 0 || (size_t)head + body_len > sizeof(c->out)) {
		c->out_len = 0;
	} else {
		memcpy(c->out + head, body, body_len);
		c->out_len = (size_t)head + body_len;
	}
	OPENSSL_cleanse(body, sizeof(body));
	c->out_off = 0;
	c->row_len = (size_t)snprintf(c->row, sizeof(c->row), "%ld %s %s %s %s\n", (long)time(NULL),
				      client_key, volume, status == 200 ? "release" : "refuse", reason);
	if (c->row_len >= sizeof(c->row))
		c->row_len = sizeof(c->row) - 1;
	queue_row(c);
}

/* One P-384 signature check: R and S little-endian in 72-byte fields. */
static int report_signature_ok(const uint8_t *report)
{
	uint8_t digest[48], be[48], der[128], *p = der;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r, *s;
	int der_len, ok = 0;

	for (int i = 0; i < 48; i++)
		be[i] = report[SIG_R_OFF + 47 - i];
	r = BN_bin2bn(be, 48, NULL);
	for (int i = 0; i < 48; i++)
		be[i] = report[SIG_S_OFF + 47 - i];
	s = BN_bin2bn(be, 48, NULL);
	if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
		r = s = NULL;
		der_len = i2d_ECDSA_SIG(sig, &p);
		ok = der_len > 0 && EVP_Digest(report, SIGNED_LEN, digest, NULL, EVP_sha384(), NULL) &&
		     EVP_PKEY_verify(vcek_verify, der, (size_t)der_len, digest, sizeof(digest)) == 1;
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return ok;
}

static void decide(struct conn *c)
{
	static const unsigned char empty[1];
	struct coco_request_fields d;
	const char *detail;
	uint8_t ekm[COCO_EKM_LEN], inblob[COCO_INBLOB_LEN], spki[256], *p = spki;
	char client_key[COCO_CLIENT_KEY_ID_LEN + 1] = "none";
	X509 *peer = SSL_get0_peer_certificate(c->ssl);
	int spki_len = peer ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(peer), NULL) : -1;

	if (c->req.bad_target || c->req.bad_method) {
		answer(c, c->req.bad_target ? 404 : 405, COCO_REASON_MALFORMED_REQUEST, client_key);
		return;
	}
	if (spki_len <= 0 || (size_t)spki_len > sizeof(spki) ||
	    i2d_X509_PUBKEY(X509_get_X509_PUBKEY(peer), &p) != spki_len ||
	    coco_client_key_id(spki, (size_t)spki_len, client_key)) {
		answer(c, 403, COCO_REASON_NO_CLIENT_CERT, client_key);
		return;
	}
	if (coco_request_decode(c->req.body, c->req.body_len, &d, &detail)) {
		answer(c, 400, COCO_REASON_MALFORMED_REQUEST, client_key);
		return;
	}
	if (strcmp(d.volume, volume))
		answer(c, 404, COCO_REASON_UNKNOWN_VOLUME, client_key);
	else if (d.outblob_len != SNP_REPORT_LEN ||
		 SSL_export_keying_material(c->ssl, ekm, sizeof(ekm), COCO_EXPORTER_LABEL, strlen(COCO_EXPORTER_LABEL),
					    empty, 0, 1) != 1 ||
		 coco_binding_compute(spki, (size_t)spki_len, ekm, inblob) ||
		 CRYPTO_memcmp(inblob, d.outblob + REPORT_DATA_OFF, sizeof(inblob)))
		answer(c, 403, COCO_REASON_BINDING_MISMATCH, client_key);
	else if (!report_signature_ok(d.outblob))
		answer(c, 403, "signature-invalid", client_key);   /* verify.h CB_REASON_SIGNATURE_INVALID */
	else
		answer(c, 200, "", client_key);
	OPENSSL_cleanse(ekm, sizeof(ekm));
	coco_request_fields_free(&d);
}

/* ------------------------------------------------------------ connections */

static void conn_free(struct conn *c)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	SSL_free(c->ssl);
	coco_http_request_free(&c->req);
	OPENSSL_cleanse(c->out, sizeof(c->out));
	free(c);
}

static int want(struct conn *c, int ret)
{
	int e = SSL_get_error(c->ssl, ret);
	struct epoll_event ev = { .events = e == SSL_ERROR_WANT_WRITE ? EPOLLOUT : EPOLLIN, .data.ptr = c };

	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		return 0;
	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
	return 1;
}

static void step(struct conn *c)
{
	int ret;

	if (c->st == C_HANDSHAKE) {
		ret = SSL_accept(c->ssl);
		if (ret != 1) {
			if (!want(c, ret))
				conn_free(c);
			return;
		}
		c->st = C_READ;
	}
	if (c->st == C_READ) {
		char buf[16384];

		for (;;) {
			enum coco_http_feed f;

			ret = SSL_read(c->ssl, buf, sizeof(buf));
			if (ret <= 0) {
				if (!want(c, ret))
					conn_free(c);   /* closed before a whole request */
				return;
			}
			f = coco_http_request_feed(&c->req, buf, (size_t)ret);
			if (f == COCO_HTTP_FEED_MORE)
				continue;
			if (f == COCO_HTTP_FEED_COMPLETE)
				decide(c);
			else
				answer(c, f == COCO_HTTP_FEED_TOO_LARGE ? 413 : 400, COCO_REASON_MALFORMED_REQUEST, "none");
			return;
		}
	}
	if (c->st == C_WRITE) {
		while (c->out_off < c->out_len) {
			ret = SSL_write(c->ssl, c->out + c->out_off, (int)(c->out_len - c->out_off));
			if (ret <= 0) {
				if (!want(c, ret))
					conn_free(c);
				return;
			}
			c->out_off += (size_t)ret;
		}
		n_answers++;
		SSL_shutdown(c->ssl);
		conn_free(c);
	}
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
		struct conn *c;
		struct epoll_event e = { .events = EPOLLIN };

		if (fd < 0)
			return;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!(c = calloc(1, sizeof(*c))) || !(c->ssl = SSL_new(ctx)) || !SSL_set_fd(c->ssl, fd)) {
			if (c)
				SSL_free(c->ssl);
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->st = C_HANDSHAKE;
		coco_http_request_init(&c->req, COCO_UNLOCK_PATH, HTTP_POST);
		e.data.ptr = c;
		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
		step(c);
	}
}

/* the fsync thread's finished rows: their answers go out now */
static void drain_done(void)
{
	struct conn *c;
	uint64_t n;

	if (read(wake_fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&mu);
	c = done_list;
	done_list = NULL;
	pthread_mutex_unlock(&mu);
	while (c) {
		struct conn *next = c->next;
		struct epoll_event e = { .events = EPOLLOUT, .data.ptr = c };

		c->st = C_WRITE;
		epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
		step(c);
		c = next;
	}
}

/* ------------------------------------------------------------ set-up */

static int accept_any_client_cert(int preverified, X509_STORE_CTX *x)
{
	/* as the broker: the certificate is self-signed and chains to nothing;
	 * TLS proves its key is held, the evidence binds it */
	(void)preverified;
	(void)x;
	return 1;
}

static int load_vcek(const char *path)
{
	FILE *f = fopen(path, "rb");
	X509 *crt = f ? d2i_X509_fp(f, NULL) : NULL;
	EVP_PKEY *pk = crt ? X509_get_pubkey(crt) : NULL;

	if (f)
		fclose(f);
	vcek_verify = pk ? EVP_PKEY_CTX_new(pk, NULL) : NULL;
	EVP_PKEY_free(pk);
	X509_free(crt);
	return vcek_verify && EVP_PKEY_verify_init(vcek_verify) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *listen_at = NULL, *cert = NULL, *key = NULL, *vcek = NULL, *key_file = NULL, *audit = NULL;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct epoll_event e = { .events = EPOLLIN };
	pthread_t th;
	int lfd, one = 1;
	FILE *f;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(argv[i], "--listen")) listen_at = v, i++;
		else if (!strcmp(argv[i], "--cert")) cert = v, i++;
		else if (!strcmp(argv[i], "--key")) key = v, i++;
		else if (!strcmp(argv[i], "--vcek")) vcek = v, i++;
		else if (!strcmp(argv[i], "--volume")) volume = v, i++;
		else if (!strcmp(argv[i], "--key-file")) key_file = v, i++;
		else if (!strcmp(argv[i], "--audit")) audit = v, i++;
		else if (!strcmp(argv[i], "--fsync-per-row")) group_commit = 0;
		else {
			fprintf(stderr, "anchor: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (!listen_at || !cert || !key || !vcek || !volume || !key_file || !audit) {
		fprintf(stderr, "usage: anchor --listen IP:PORT --cert PEM --key PEM --vcek DER --volume UUID "
				"--key-file FILE --audit FILE [--fsync-per-row]\n");
		return 2;
	}
	if (!(f = fopen(key_file, "rb")) || fread(volume_key, 1, sizeof(volume_key), f) != sizeof(volume_key)) {
		perror(key_file);
		return 2;
	}
	fclose(f);
	if (load_vcek(vcek)) {
		fprintf(stderr, "anchor: %s: not a certificate with a P-384 key\n", vcek);
		return 2;
	}
	if ((audit_fd = open(audit, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
		perror(audit);
		return 2;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) || !SSL_CTX_set1_groups_list(ctx, "P-256:P-384") ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 2;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_client_cert);
	SSL_CTX_set_num_tickets(ctx, 0);   /* one connection per guest: no resumption */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

	{
		char host[64];
		const char *colon = strrchr(listen_at, ':');
		if (!colon || (size_t)(colon - listen_at) >= sizeof(host))
			return 2;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - listen_at), listen_at);
		sa.sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
			return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4096)) {
		perror(listen_at);
		return 2;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	e.data.ptr = &lfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &e);
	e.data.ptr = &wake_fd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, wake_fd, &e);
	if (pthread_create(&th, NULL, fsync_thread, NULL))
		return 2;
	fprintf(stderr, "anchor: listening on %s\n", listen_at);

	while (!stop) {
		struct epoll_event ev[256];
		int n = epoll_wait(epfd, ev, 256, 200);

		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &lfd)
				accept_all(lfd);
			else if (ev[i].data.ptr == &wake_fd)
				drain_done();
			else
				step(ev[i].data.ptr);
		}
	}
	fprintf(stderr, "anchor: %lu answers, %lu fsyncs\n", n_answers, n_fsyncs);
	OPENSSL_cleanse(volume_key, sizeof(volume_key));
	return 0;
}
