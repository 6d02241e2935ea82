/*
 * Counters for /metrics (Prometheus text format 0.0.4). Updated with atomics
 * from the event loop and the workers; rendered by the event loop.
 */
#ifndef COCOBOOT_BROKER_METRICS_H
#define COCOBOOT_BROKER_METRICS_H

#include <stddef.h>

void metrics_request(int http_status);
void metrics_release(double seconds);
/* reason: a stable reason code; unknown codes are counted as "other" */
void metrics_refusal(const char *reason, double seconds);
void metrics_inflight(int delta);
void metrics_connections(int delta);
void metrics_handshake_failure(void);
void metrics_overload(void);
void metrics_timeout(void);

/* Render into buf; returns the length (truncated at cap-1). */
size_t metrics_render(char *buf, size_t cap);

#endif
