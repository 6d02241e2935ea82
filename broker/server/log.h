/*
 * JSON log lines on stderr, one object per line, written with a single
 * write() so lines from the event loop and the workers never interleave.
 *   log_event("info", "unlock", "volume", uuid, "decision", "release", NULL);
 * Arguments after the event are key/value string pairs, NULL-terminated.
 * Never pass secrets.
 */
#ifndef COCOBOOT_BROKER_LOG_H
#define COCOBOOT_BROKER_LOG_H

void log_event(const char *level, const char *event, ...) __attribute__((sentinel));

#endif
