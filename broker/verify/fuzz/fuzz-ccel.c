/* libFuzzer: the CCEL event log walker (common/cc_eventlog.c) and the replay
 * and event classification behind it (broker/verify/ccel.c). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "broker/verify/ccel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cb_tdx_claims c;
	cb_refusal why;
	memset(&c, 0, sizeof c);
	/* zero RTMRs: a log with extended events fails the comparison, after
	 * every event was parsed and classified, which is what is fuzzed */
	if (ccel_replay(data, size, &c, &why) == 0) {
		volatile uint8_t sink = c.n_apps ? c.apps[c.n_apps - 1][47] : 0;
		(void)sink;
	}
	return 0;
}
