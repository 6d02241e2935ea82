/*
 * Counters for /metrics (Prometheus text format 0.0.4). Updated with atomics
 * from the event loops and the workers of every serving process, in one
 * shared mapping; rendered by the process that accepted the scrape.
 */
#ifndef COCOBOOT_BROKER_METRICS_H
#define COCOBOOT_BROKER_METRICS_H

#include <stddef.h>

/* Before the serving processes start: counters in one shared mapping. 0 or -1. */
int metrics_share(void);
/* In serving process i (0-based): its gauges' slot, zeroed. */
void metrics_slot(int i);

void metrics_request(int http_status);
void metrics_release(double seconds);
/* reason: a stable reason code; unknown codes are counted as "other" */
void metrics_refusal(const char *reason, double seconds);
void metrics_inflight(int delta);
void metrics_connections(int delta);
void metrics_handshake_failure(void);
void metrics_overload(void);
void metrics_timeout(void);

/* The store answered (1) or failed (0) at the last request that used it. */
void metrics_store(int up);
/* Shown as cocobroker_build_info{version=,tls=} 1; call once at start. */
void metrics_set_build_info(const char *version, const char *tls);
/* GET /healthz on the metrics listener: 200 {"status":"ok"} while the store
 * answers (or was not needed yet), 503 {"status":"store-unavailable"} after a
 * request found it away. Writes the body, returns the HTTP status. */
int metrics_health(char *buf, size_t cap, size_t *len);

/* Render into buf; returns the length (truncated at cap-1). */
size_t metrics_render(char *buf, size_t cap);

#endif
