/* Exponential backoff with equal jitter (see backoff.h). */
#include "backoff.h"

void cb_backoff_init(struct cb_backoff *b, unsigned base_ms, unsigned max_ms)
{
	b->base_ms = base_ms ? base_ms : 1;
	b->max_ms = max_ms < b->base_ms ? b->base_ms : max_ms;
	b->attempt = 0;
}

unsigned cb_backoff_next_ms(struct cb_backoff *b, uint32_t random, unsigned retry_after_ms, unsigned remaining_ms)
{
	unsigned long long ceiling = b->base_ms;
	unsigned long long delay;

	for (unsigned i = 0; i < b->attempt && ceiling < b->max_ms; i++)
		ceiling *= 2;
	if (ceiling > b->max_ms)
		ceiling = b->max_ms;
	if (b->attempt < 64)
		b->attempt++;
	delay = ceiling / 2 + random % (ceiling - ceiling / 2 + 1);
	if (delay < retry_after_ms)
		delay = retry_after_ms;
	if (delay > remaining_ms)
		delay = remaining_ms;
	return (unsigned)delay;
}
