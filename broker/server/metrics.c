#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "proto/reasons.h"
#include "broker/collateral/expiry.h"
#include "broker/verify/verify.h"

static const int statuses[] = { 200, 400, 403, 404, 405, 408, 413, 500, 503 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

/* Refusal reasons: the verification codes plus the broker's own. */
static const char *const reasons[] = {
	CB_REASON_MALFORMED, CB_REASON_UNSUPPORTED, CB_REASON_SIGNATURE_INVALID,
	CB_REASON_CHAIN_INVALID, CB_REASON_REVOKED, CB_REASON_COLLATERAL_INVALID,
	CB_REASON_TCB_MISMATCH, CB_REASON_PRODUCT_MISMATCH, CB_REASON_TCB_TOO_OLD,
	CB_REASON_MEASUREMENT_MISMATCH, CB_REASON_DEBUG_POLICY, CB_REASON_GUEST_POLICY,
	CB_REASON_IDENTITY_MISMATCH, CB_REASON_NO_POLICY, CB_REASON_INTERNAL,
	CB_REASON_EVENT_LOG_MISMATCH, CB_REASON_EVENT_LOG_MISSING,
	COCO_REASON_BINDING_MISMATCH, COCO_REASON_UNKNOWN_VOLUME, COCO_REASON_NO_CLIENT_CERT, "other",
};
#define NREASON (sizeof(reasons) / sizeof(reasons[0]))

/* Latency buckets of an unlock (request read -> answer ready), seconds. */
static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKET (sizeof(buckets) / sizeof(buckets[0]))

/*
 * Every serving process counts into one shared mapping (metrics_share,
 * before they are started), so /metrics, answered by whichever process
 * accepts the scrape, shows the whole broker. Counters are added up across
 * processes, restarts included; the gauges have a slot per process, zeroed
 * when a process is replaced, so a killed process's connections do not stay
 * counted.
 */
#define MAX_SLOTS 1024
struct shared_metrics {
	atomic_ulong requests[NSTATUS + 1];
	atomic_ulong releases, refusals[NREASON];
	atomic_ulong latency_bucket[NBUCKET + 1], latency_count;
	atomic_ullong latency_sum_us;
	atomic_ulong handshake_failures, overloads, timeouts;
	atomic_int store_up;
	atomic_long inflight[MAX_SLOTS], connections[MAX_SLOTS];
};
static struct shared_metrics local = { .store_up = 1 }, *m = &local;
static int slot;

int metrics_share(void)
{
	void *p = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memcpy(p, m, sizeof(*m));
	m = p;
	return 0;
}

void metrics_slot(int i)
{
	slot = i % MAX_SLOTS;
	atomic_store(&m->inflight[slot], 0);
	atomic_store(&m->connections[slot], 0);
}

static long gauge_sum(atomic_long *g)
{
	long sum = 0;

	for (int i = 0; i < MAX_SLOTS; i++)
		sum += atomic_load(&g[i]);
	return sum;
}

void metrics_request(int http_status)
{
	size_t i;

	for (i = 0; i < NSTATUS && statuses[i] != http_status; i++)
		;
	atomic_fetch_add(&m->requests[i], 1);
}

static void observe(double seconds)
{
	size_t i;

	for (i = 0; i < NBUCKET && seconds > buckets[i]; i++)
		;
	atomic_fetch_add(&m->latency_bucket[i], 1);
	atomic_fetch_add(&m->latency_count, 1);
	atomic_fetch_add(&m->latency_sum_us, (unsigned long long)(seconds * 1e6));
}

void metrics_release(double seconds)
{
	atomic_fetch_add(&m->releases, 1);
	observe(seconds);
}

void metrics_refusal(const char *reason, double seconds)
{
	size_t i;

	for (i = 0; i < NREASON - 1 && strcmp(reasons[i], reason); i++)
		;
	atomic_fetch_add(&m->refusals[i], 1);
	observe(seconds);
}

void metrics_inflight(int delta) { atomic_fetch_add(&m->inflight[slot], delta); }
void metrics_connections(int delta) { atomic_fetch_add(&m->connections[slot], delta); }
void metrics_handshake_failure(void) { atomic_fetch_add(&m->handshake_failures, 1); }
void metrics_overload(void) { atomic_fetch_add(&m->overloads, 1); }
void metrics_timeout(void) { atomic_fetch_add(&m->timeouts, 1); }

static char build_version[64] = "unknown", build_tls[64] = "unknown";

void metrics_store(int up) { atomic_store(&m->store_up, up ? 1 : 0); }

/* Label values: printable ASCII without quotes or backslashes (Prometheus escaping avoided). */
static void label_copy(char *dst, size_t cap, const char *src)
{
	size_t i = 0;

	for (; src && *src && i + 1 < cap; src++)
		dst[i++] = (*src > 0x20 && *src < 0x7f && *src != '"' && *src != '\\') ? *src : '_';
	dst[i] = '\0';
}

void metrics_set_build_info(const char *version, const char *tls)
{
	label_copy(build_version, sizeof(build_version), version);
	label_copy(build_tls, sizeof(build_tls), tls);
}

int metrics_health(char *buf, size_t cap, size_t *len)
{
	int up = atomic_load(&m->store_up);
	int n = snprintf(buf, cap, "{\"status\":\"%s\"}\n", up ? "ok" : "store-unavailable");

	*len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
	return up ? 200 : 503;
}

#define PUT(...)                                                                \
	do {                                                                    \
		if (pos < cap)                                                  \
			pos += (size_t)snprintf(buf + pos, cap - pos, __VA_ARGS__); \
	} while (0)

size_t metrics_render(char *buf, size_t cap)
{
	size_t pos = 0;
	unsigned long cumulative = 0;

	PUT("# HELP cocobroker_requests_total HTTP requests answered, by status.\n"
	    "# TYPE cocobroker_requests_total counter\n");
	for (size_t i = 0; i <= NSTATUS; i++) {
		if (i < NSTATUS)
			PUT("cocobroker_requests_total{code=\"%d\"} %lu\n", statuses[i], atomic_load(&m->requests[i]));
		else
			PUT("cocobroker_requests_total{code=\"other\"} %lu\n", atomic_load(&m->requests[i]));
	}
	PUT("# HELP cocobroker_releases_total Volume keys released.\n"
	    "# TYPE cocobroker_releases_total counter\n"
	    "cocobroker_releases_total %lu\n", atomic_load(&m->releases));
	PUT("# HELP cocobroker_refusals_total Unlock requests refused, by reason code.\n"
	    "# TYPE cocobroker_refusals_total counter\n");
	for (size_t i = 0; i < NREASON; i++)
		PUT("cocobroker_refusals_total{reason=\"%s\"} %lu\n", reasons[i], atomic_load(&m->refusals[i]));
	PUT("# HELP cocobroker_unlock_duration_seconds Time from a complete request to its answer.\n"
	    "# TYPE cocobroker_unlock_duration_seconds histogram\n");
	for (size_t i = 0; i < NBUCKET; i++) {
		cumulative += atomic_load(&m->latency_bucket[i]);
		PUT("cocobroker_unlock_duration_seconds_bucket{le=\"%g\"} %lu\n", buckets[i], cumulative);
	}
	cumulative += atomic_load(&m->latency_bucket[NBUCKET]);
	PUT("cocobroker_unlock_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cumulative);
	PUT("cocobroker_unlock_duration_seconds_sum %.6f\n", (double)atomic_load(&m->latency_sum_us) / 1e6);
	PUT("cocobroker_unlock_duration_seconds_count %lu\n", atomic_load(&m->latency_count));
	PUT("# HELP cocobroker_inflight Unlock requests queued or being verified.\n"
	    "# TYPE cocobroker_inflight gauge\n"
	    "cocobroker_inflight %ld\n", gauge_sum(m->inflight));
	PUT("# HELP cocobroker_connections Open TLS connections.\n"
	    "# TYPE cocobroker_connections gauge\n"
	    "cocobroker_connections %ld\n", gauge_sum(m->connections));
	PUT("# HELP cocobroker_handshake_failures_total TLS handshakes that failed.\n"
	    "# TYPE cocobroker_handshake_failures_total counter\n"
	    "cocobroker_handshake_failures_total %lu\n", atomic_load(&m->handshake_failures));
	PUT("# HELP cocobroker_overload_total Requests answered 503 because the work queue was full.\n"
	    "# TYPE cocobroker_overload_total counter\n"
	    "cocobroker_overload_total %lu\n", atomic_load(&m->overloads));
	PUT("# HELP cocobroker_timeouts_total Connections dropped by the handshake or idle timeout.\n"
	    "# TYPE cocobroker_timeouts_total counter\n"
	    "cocobroker_timeouts_total %lu\n", atomic_load(&m->timeouts));
	PUT("# HELP cocobroker_store_up 1 while the key store answers, 0 after a request found it away.\n"
	    "# TYPE cocobroker_store_up gauge\n"
	    "cocobroker_store_up %d\n", atomic_load(&m->store_up));
	PUT("# HELP cocobroker_build_info The running build: version and TLS library.\n"
	    "# TYPE cocobroker_build_info gauge\n"
	    "cocobroker_build_info{version=\"%s\",tls=\"%s\"} 1\n", build_version, build_tls);
	if (pos < cap)
		pos += expiry_metrics_render(buf + pos, cap - pos);
	if (pos >= cap)
		pos = cap - 1;
	return pos;
}
