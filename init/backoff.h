/*
 * Retry pacing: exponential backoff with jitter, so that a thousand guests
 * rebooting together after a power cut do not retry in lockstep.
 */
#ifndef COCOBOOT_BACKOFF_H
#define COCOBOOT_BACKOFF_H

#include <stdint.h>

struct cb_backoff {
	unsigned base_ms;   /* first ceiling */
	unsigned max_ms;    /* the ceiling stops doubling here */
	unsigned attempt;   /* failures so far */
};

void cb_backoff_init(struct cb_backoff *b, unsigned base_ms, unsigned max_ms);

/*
 * Delay before the next attempt: "equal jitter" — half the current ceiling
 * plus a uniformly random share of the other half (RANDOM supplies the
 * randomness), never above REMAINING_MS; at least RETRY_AFTER_MS when the
 * broker asked for that (503 Retry-After), still capped by REMAINING_MS.
 */
unsigned cb_backoff_next_ms(struct cb_backoff *b, uint32_t random, unsigned retry_after_ms, unsigned remaining_ms);

#endif
