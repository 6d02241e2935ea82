/*
 * JSON log lines on stderr, one object per line, written with a single
 * write() so lines from the event loop and the workers never interleave.
 *   log_event("info", "unlock", "volume", uuid, "decision", "release", NULL);
 * Arguments after the event are key/value string pairs, NULL-terminated.
 * Never pass secrets.
 */
#ifndef COCOBOOT_BROKER_LOG_H
#define COCOBOOT_BROKER_LOG_H

#include <stddef.h>

void log_event(const char *level, const char *event, ...) __attribute__((sentinel));

/*
 * The broker's one error shape, as the guest's cb_fail (init/errors.h): a
 * step that fails writes one line of detail into its caller's ERR buffer and
 * returns -1 (`return broker_fail(err, errlen, ...)`); the caller that
 * decides what the failure means reports it once, as
 * log_event("error", <event>, "detail", err, NULL) or on stderr.
 */
int broker_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
