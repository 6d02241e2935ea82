/*
 * The replay: RTMR[i] = SHA-384(RTMR[i] || digest) for each event of MR
 * index i + 1, in log order, from 48 zero bytes; EV_NO_ACTION events (TCG PC
 * Client PFP, 10.4.1) and events of MR index 0 (MRTD) are not extended.
 *
 * The log's event types and data are not covered by the RTMRs, only the
 * digests are: a host that boots an image of its own and a log that calls
 * its event something harmless would otherwise pass a check by label. So for
 * RTMR1 and RTMR2 (what the kernel/initrd/cmdline pins speak for) every event
 * must be accounted for: an application, one of the EFI stub's two tagged
 * events, or an event whose digest is checked against its own data here
 * (EV_EFI_ACTION text, EV_SEPARATOR, EV_EFI_GPT_EVENT). The first other one
 * is named in claims.unpinned_event and the policy refuses such a log.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/sha512.h>

#include "common/cc_eventlog.h"
#include "ccel.h"
#include "internal.h"

struct replay {
	uint8_t rtmr[4][48];
	cb_tdx_claims *c;
	const char *detail;
};

static void sha384(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[48])
{
	mbedtls_sha512_context s;
	mbedtls_sha512_init(&s);
	mbedtls_sha512_starts(&s, 1);
	mbedtls_sha512_update(&s, a, alen);
	mbedtls_sha512_update(&s, b, blen);
	mbedtls_sha512_finish(&s, out);
	mbedtls_sha512_free(&s);
}

/* The digest of a self-describing event is the SHA-384 of its data. */
static int digest_of_data(const struct cc_event *e)
{
	uint8_t d[48];
	sha384(e->data, e->data_len, NULL, 0, d);
	return memcmp(d, e->sha384, 48) == 0;
}

/* An EFI_ACTION string: printable ASCII (a PE image, the thing to hide, is not). */
static int printable(const struct cc_event *e)
{
	for (uint32_t i = 0; i < e->data_len; i++)
		if (e->data[i] < 0x20 || e->data[i] > 0x7e)
			return 0;
	return e->data_len > 0;
}

static void unpinned(cb_tdx_claims *c, const struct cc_event *e, const char *what)
{
	if (!c->unpinned_event[0])
		snprintf(c->unpinned_event, sizeof c->unpinned_event, "RTMR%u event %u (type 0x%08x): %s",
			 e->mr_index - 1, c->n_events, e->type, what);
}

static void tagged(cb_tdx_claims *c, const struct cc_event *e)
{
	uint32_t id = e->data_len >= 8 ? cb_le32(e->data) : 0;
	bool *has = id == CCEL_TAG_INITRD ? &c->has_initrd : id == CCEL_TAG_LOAD_OPTIONS ? &c->has_cmdline : NULL;
	uint8_t *slot = id == CCEL_TAG_INITRD ? c->initrd : c->cmdline;

	if (e->mr_index != 3 || !has || cb_le32(e->data + 4) != e->data_len - 8)
		return unpinned(c, e, "a tag other than the EFI stub's initrd and load options");
	if (*has)
		return unpinned(c, e, id == CCEL_TAG_INITRD ? "a second initrd event" : "a second load-options event");
	*has = true;
	memcpy(slot, e->sha384, 48);
}

/* What a kernel/initrd/cmdline policy can account for in RTMR1/RTMR2. */
static void classify(cb_tdx_claims *c, const struct cc_event *e)
{
	switch (e->type) {
	case CC_EV_EFI_BOOT_SERVICES_APPLICATION:
		if (e->mr_index != 2)
			return unpinned(c, e, "an EFI application outside RTMR1");
		if (c->n_apps >= CB_TDX_MAX_APPS)
			return unpinned(c, e, "more EFI applications than a policy lists");
		memcpy(c->apps[c->n_apps++], e->sha384, 48);
		return;
	case CC_EV_EVENT_TAG:
		return tagged(c, e);
	case CC_EV_EFI_ACTION:
		if (!printable(e) || !digest_of_data(e))
			return unpinned(c, e, "an EFI action whose digest is not that of its text");
		return;
	case CC_EV_SEPARATOR:
		if (e->data_len != 4 || !digest_of_data(e))
			return unpinned(c, e, "a separator whose digest is not that of its 4 bytes");
		return;
	case CC_EV_EFI_GPT_EVENT:
		if (e->data_len < 8 || memcmp(e->data, "EFI PART", 8) || !digest_of_data(e))
			return unpinned(c, e, "a GPT event whose digest is not that of its table");
		return;
	default:
		return unpinned(c, e, "an event type a kernel/initrd/cmdline policy cannot check");
	}
}

static int one_event(void *arg, const struct cc_event *e)
{
	struct replay *r = arg;

	/* MR index 0 is MRTD, fixed at build time: nothing extends it at run
	 * time, so such an event (the UEFI mapping of PCR 0) is logged only */
	if (e->type == CC_EV_NO_ACTION || e->mr_index == 0)
		return 0;
	if (e->mr_index > 4) {
		r->detail = "an event names an MR index above 4 (RTMR3)";
		return -1;
	}
	sha384(r->rtmr[e->mr_index - 1], 48, e->sha384, 48, r->rtmr[e->mr_index - 1]);
	r->c->n_events++;
	if (e->mr_index == 2 || e->mr_index == 3)
		classify(r->c, e);
	return 0;
}

/* No event claims: before the replay, and when it fails. */
static void forget(cb_tdx_claims *c)
{
	c->has_event_log = c->has_initrd = c->has_cmdline = false;
	c->n_events = c->n_apps = 0;
	c->unpinned_event[0] = 0;
}

int ccel_replay(const uint8_t *log, size_t len, cb_tdx_claims *c, cb_refusal *why)
{
	struct replay r = { .c = c };
	const char *detail = NULL;

	forget(c);
	long used = cc_eventlog_walk(log, len, one_event, &r, &detail);
	if (used < 0) {
		forget(c);
		return cb_refuse(why, CB_REASON_MALFORMED, "TDX event log: %s", used == -2 ? r.detail : detail);
	}
	/* the guest sends the events only; the rest of a log area is filler */
	for (size_t i = (size_t)used; i < len; i++)
		if (log[i] != log[used]) {
			forget(c);
			return cb_refuse(why, CB_REASON_MALFORMED, "TDX event log: bytes after its end that are not filler");
		}
	for (int i = 0; i < 4; i++)
		if (memcmp(r.rtmr[i], c->rtmr[i], 48)) {
			char got[97];
			hex_encode(got, r.rtmr[i], 48);
			forget(c);
			return cb_refuse(why, CB_REASON_EVENT_LOG_MISMATCH,
					 "the event log's replay gives RTMR%d %.16s..., not the quote's", i, got);
		}
	c->has_event_log = true;
	return 0;
}
