/* Unit tests: backoff growth, jitter bounds, caps, Retry-After and the deadline. */
#include <stdint.h>
#include <stdlib.h>

#include "tests/lib/check.h"
#include "init/backoff.h"

int main(void)
{
	struct cb_backoff b;
	unsigned d, lo, hi;

	/* Bounds per attempt: ceiling c = min(max, base * 2^n), delay in [c/2, c]. */
	cb_backoff_init(&b, 250, 8000);
	for (unsigned n = 0; n < 10; n++) {
		unsigned c = 250u << (n < 6 ? n : 6);

		if (c > 8000)
			c = 8000;
		lo = cb_backoff_next_ms(&(struct cb_backoff){ b.base_ms, b.max_ms, n }, 0, 0, 1u << 30);
		hi = cb_backoff_next_ms(&(struct cb_backoff){ b.base_ms, b.max_ms, n }, c - c / 2, 0, 1u << 30);
		CHECK(lo == c / 2, "attempt %u: minimum %u == %u", n, lo, c / 2);
		CHECK(hi == c, "attempt %u: maximum %u == %u", n, hi, c);
	}
	/* Randomness spreads the delays: many distinct values for one attempt. */
	{
		int seen[4001] = { 0 }, distinct = 0, out_of_range = 0;

		srand(1);
		for (int i = 0; i < 2000; i++) {
			d = cb_backoff_next_ms(&(struct cb_backoff){ 250, 8000, 5 }, (uint32_t)rand(), 0, 1u << 30);
			if (d < 4000 || d > 8000)
				out_of_range++;
			else if (!seen[d - 4000]++)
				distinct++;
		}
		CHECK(out_of_range == 0, "%d jittered delays outside [4000, 8000]", out_of_range);
		CHECK(distinct > 1000, "jitter spreads: %d distinct delays", distinct);
	}
	/* Growth is monotonic in the ceiling and stops at max. */
	cb_backoff_init(&b, 100, 1000);
	for (int i = 0; i < 20; i++)
		d = cb_backoff_next_ms(&b, UINT32_MAX, 0, 1u << 30);
	CHECK(d <= 1000 && d >= 500, "capped at max: %u", d);
	CHECK(b.attempt == 20, "attempts counted");
	/* Retry-After raises the delay, the deadline caps everything. */
	cb_backoff_init(&b, 100, 1000);
	CHECK(cb_backoff_next_ms(&b, 0, 5000, 1u << 30) == 5000, "Retry-After honoured");
	CHECK(cb_backoff_next_ms(&b, 0, 5000, 1200) == 1200, "Retry-After capped by the deadline");
	CHECK(cb_backoff_next_ms(&b, 12345, 0, 0) == 0, "no time left, no wait");
	cb_backoff_init(&b, 0, 0);
	CHECK(b.base_ms == 1 && b.max_ms == 1, "degenerate parameters sanitised");
	return check_done();
}
