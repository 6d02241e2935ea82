/*
 * The attested key request: TLS 1.3 to a broker (pinned CA, ephemeral client
 * key), session-bound report from configfs-tsm, POST /v1/unlock, answer. Tries
 * the configured URLs in turn with jittered exponential backoff until the
 * total timeout, stopping early only on a final answer (403, 404, 4xx).
 */
#ifndef COCOBOOT_BROKER_H
#define COCOBOOT_BROKER_H

#include "cmdline.h"
#include "errors.h"
#include "common/secret.h"

/* Get the 64-byte volume key of volume UUID into KEY (a locked secret buffer). */
int cb_broker_fetch_key(const struct cb_config *cfg, const char *uuid, unsigned long long deadline_ms,
			struct secret *key, struct cb_err *err);

/* The same as a first boot under the fleet policy cfg->enrol: the broker enrols volume UUID for this instance. */
int cb_broker_enrol_key(const struct cb_config *cfg, const char *uuid, unsigned long long deadline_ms,
			struct secret *key, struct cb_err *err);

#endif
