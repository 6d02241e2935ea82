#include "cc_eventlog.h"

#include <string.h>

#define ALG_SHA384 0x000cu
#define MAX_ALGS 8 /* the TCG registry has fewer that a firmware would log */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

struct algs {
	uint32_t n;
	uint16_t id[MAX_ALGS], size[MAX_ALGS];
};

/* The Spec ID event (TCG_EfiSpecIDEvent in a TCG_PCClientPCREvent): its
 * length, or 0 with *detail. */
static size_t spec_id(const uint8_t *log, size_t len, struct algs *a, const char **detail)
{
	static const uint8_t sig[16] = "Spec ID Event03";
	const uint8_t *d = log + 32;
	uint32_t size, have_sha384 = 0;

	*detail = "the event log does not start with a Spec ID event";
	if (len < 32 || le32(log + 4) != CC_EV_NO_ACTION || (size = le32(log + 28)) > len - 32 || size < 29 ||
	    memcmp(d, sig, 16))
		return 0;
	a->n = le32(d + 24);
	*detail = "the Spec ID event lists no, or too many, digest algorithms";
	if (a->n == 0 || a->n > MAX_ALGS || 28 + 4 * a->n + 1 > size)
		return 0;
	for (uint32_t i = 0; i < a->n; i++) {
		a->id[i] = le16(d + 28 + 4 * i);
		a->size[i] = le16(d + 30 + 4 * i);
		if (a->size[i] == 0 || a->size[i] > 64) {
			*detail = "the Spec ID event gives a digest size outside 1..64";
			return 0;
		}
		have_sha384 |= a->id[i] == ALG_SHA384 && a->size[i] == CC_SHA384_LEN;
	}
	*detail = "the Spec ID event's vendor info does not fill it exactly";
	if (28 + 4 * a->n + 1 + d[28 + 4 * a->n] != size)
		return 0;
	*detail = "the event log has no SHA-384 digests (the RTMRs are SHA-384)";
	return have_sha384 ? 32 + (size_t)size : 0;
}

/* True when p[0..n) is empty or one filler byte (0xff or 0x00) repeated. */
static int filler(const uint8_t *p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (p[i] != p[0])
			return 0;
	return n == 0 || p[0] == 0xff || p[0] == 0x00;
}

long cc_eventlog_walk(const uint8_t *log, size_t len, int (*fn)(void *arg, const struct cc_event *e), void *arg,
		      const char **detail)
{
	struct algs a;
	size_t off;

	if (len > CC_EVENTLOG_MAX) {
		*detail = "the event log is larger than 40 KiB";
		return -1;
	}
	if (!(off = spec_id(log, len, &a, detail)))
		return -1;
	for (;;) {
		struct cc_event e = { 0 };
		size_t rest = len - off;

		/* the end: the unused rest of the log area, or nothing (what
		 * lies after the end marker is not the log's: the guest sends the
		 * events only, the broker refuses anything after them) */
		if (rest < 8 || filler(log + off, 8)) {
			*detail = "an event is cut off by the end of the log";
			return filler(log + off, rest < 8 ? rest : 8) ? (long)off : -1;
		}
		*detail = "an event is cut off by the end of the log";
		if (rest < 12)
			return -1;
		e.mr_index = le32(log + off);
		e.type = le32(log + off + 4);
		uint32_t count = le32(log + off + 8);
		off += 12;
		if (count == 0 || count > a.n) {
			*detail = "an event has no digests, or more than the Spec ID event names";
			return -1;
		}
		for (uint32_t i = 0; i < count; i++) {
			uint32_t k;
			if (len - off < 2)
				return -1;
			uint16_t id = le16(log + off);
			for (k = 0; k < a.n && a.id[k] != id; k++)
				;
			if (k == a.n) {
				*detail = "an event has a digest of an algorithm the Spec ID event does not name";
				return -1;
			}
			if (len - off - 2 < a.size[k])
				return -1;
			if (id == ALG_SHA384) {
				if (e.sha384) {
					*detail = "an event has two SHA-384 digests";
					return -1;
				}
				e.sha384 = log + off + 2;
			}
			off += 2 + (size_t)a.size[k];
		}
		if (len - off < 4)
			return -1;
		e.data_len = le32(log + off);
		off += 4;
		if (e.data_len > len - off)
			return -1;
		e.data = log + off;
		off += e.data_len;
		if (!e.sha384) {
			*detail = "an event has no SHA-384 digest";
			return -1;
		}
		if (fn && fn(arg, &e))
			return -2;
	}
}
