/*
 * TDX event log (CCEL): the walker, the replay against the quote's RTMRs and
 * the policy's kernel/initrd/cmdline pins, on hand-built logs and quotes of
 * the simulated provider (tests/broker/sim_tdx.c, TEST keys) whose RTMRs are
 * the log's replay, computed here independently of broker/verify/ccel.c.
 * No real CCEL log with its quote is public in a form the tests may use
 * (docs/measure.md): the real-evidence half is a gap, said so in the output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/sha512.h>

#include "common/cc_eventlog.h"
#include "tests/broker/sim_tdx.h"
#include "broker/verify/ccel.h"
#include "tests/lib/check.h"
#include "broker/verify/internal.h"
#include "broker/verify/policy.h"

#define EV_PLATFORM_BLOB 0x8000000au

struct logb {
	uint8_t buf[CC_EVENTLOG_MAX + 4096];
	size_t n;
	uint8_t rtmr[4][48];
};

static void sha384(const void *a, size_t n, uint8_t out[48])
{
	mbedtls_sha512(a, n, out, 1);
}

static void put(struct logb *b, const void *p, size_t n)
{
	memcpy(b->buf + b->n, p, n);
	b->n += n;
}

static void put32(struct logb *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	put(b, x, 4);
}

static void spec_id(struct logb *b)
{
	static const uint8_t zero[20];
	memset(b, 0, sizeof *b);
	put32(b, 0);
	put32(b, CC_EV_NO_ACTION);
	put(b, zero, 20);
	put32(b, 33);
	put(b, "Spec ID Event03", 16);
	put32(b, 0);                              /* platform class */
	put(b, "\x00\x02\x00\x02", 4);            /* version 2.0, errata 0, uintn size 2 */
	put32(b, 1);                              /* one algorithm */
	put(b, "\x0c\x00\x30\x00", 4);            /* SHA-384, 48 bytes */
	put(b, "\x00", 1);                        /* no vendor info */
}

/* One TCG_PCR_EVENT2 with a SHA-384 digest; extended here as the TDX module would. */
static void event(struct logb *b, uint32_t mr, uint32_t type, const uint8_t d[48], const void *data, uint32_t len)
{
	put32(b, mr);
	put32(b, type);
	put32(b, 1);
	put(b, "\x0c\x00", 2);
	put(b, d, 48);
	put32(b, len);
	put(b, data, len);
	if (type != CC_EV_NO_ACTION) {
		uint8_t cat[96];
		memcpy(cat, b->rtmr[mr - 1], 48);
		memcpy(cat + 48, d, 48);
		sha384(cat, 96, b->rtmr[mr - 1]);
	}
}

static void text_event(struct logb *b, uint32_t mr, uint32_t type, const char *s, uint32_t len)
{
	uint8_t d[48];
	sha384(s, len, d);
	event(b, mr, type, d, s, len);
}

static void tag_event(struct logb *b, uint32_t id, const char *label, const uint8_t d[48])
{
	uint8_t data[64];
	uint32_t n = (uint32_t)strlen(label) + 1;
	memcpy(data, &id, 4); /* little-endian host (x86-64, as the log) */
	memcpy(data + 4, &n, 4);
	memcpy(data + 8, label, n);
	event(b, 3, CC_EV_EVENT_TAG, d, data, 8 + n);
}

static uint8_t K[48], K2[48], I[48], C[48], HOB[48];

/* A direct boot as OVMF and the Linux EFI stub log it: firmware data in
 * RTMR0, the boot-option action, a separator and the kernel in RTMR1, the
 * stub's initrd and load-options events in RTMR2; filler after it. */
static void boot_log(struct logb *b, const uint8_t kernel[48], int relabel)
{
	static const uint8_t zero[48], sep[4];
	spec_id(b);
	event(b, 1, EV_PLATFORM_BLOB, HOB, "TD HOB", 6);
	event(b, 1, CC_EV_NO_ACTION, zero, "StartupLocality\0\0", 17);
	text_event(b, 2, CC_EV_EFI_ACTION, "Calling EFI Application from Boot Option", 40);
	text_event(b, 2, CC_EV_SEPARATOR, (const char *)sep, 4);
	if (relabel) /* the image that ran, logged as something harmless; the pinned one extended after it */
		event(b, 2, CC_EV_EFI_ACTION, kernel, "Harmless", 8);
	event(b, 2, CC_EV_EFI_BOOT_SERVICES_APPLICATION, relabel ? K : kernel, "\x04\x04 path", 7);
	tag_event(b, CCEL_TAG_INITRD, "Linux initrd", I);
	tag_event(b, CCEL_TAG_LOAD_OPTIONS, "LOADED_IMAGE::LoadOptions", C);
}

static void filler(struct logb *b, size_t n)
{
	memset(b->buf + b->n, 0xff, n);
}

static mbedtls_entropy_context ent;
static mbedtls_ctr_drbg_context drbg;
static struct sim_tdx sim;
static cb_trust *trust;
static cb_policy *policy;

/* A quote reporting the RTMRs of log b (or of rtmr_from, when not NULL), verified with the log. */
static int verify(const struct logb *b, const struct logb *rtmr_from, cb_claims *c, cb_refusal *why)
{
	static uint8_t quote[24576];
	static const uint8_t rd[64];
	memcpy(sim.rtmr, (rtmr_from ? rtmr_from : b)->rtmr, sizeof sim.rtmr);
	size_t n = sim_tdx_quote(&sim, 0, rd, quote, sizeof quote, mbedtls_ctr_drbg_random, &drbg);
	cb_evidence ev = { .provider = "tdx_guest", .outblob = quote, .outblob_len = n,
			   .event_log = b ? b->buf : NULL, .event_log_len = b ? b->n : 0 };
	memset(why, 0, sizeof *why);
	return n ? cb_verify(trust, &ev, c, why) : -2;
}

/* Verified, then the policy: the reason code, or "accepted". */
static const char *admit(const struct logb *b, const struct logb *rtmr_from, cb_refusal *why)
{
	cb_claims c;
	if (verify(b, rtmr_from, &c, why))
		return why->code ? why->code : "no quote";
	return cb_policy_check(policy, &c, why) ? why->code : "accepted";
}

static void hex(char *out, const uint8_t *d)
{
	hex_encode(out, d, 48);
}

static int setup(void)
{
	cb_refusal why;
	char path[4096], k[97], i[97], c[97], json[1024];
	mbedtls_entropy_init(&ent);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, (const uint8_t *)"ccel", 4))
		return -1;
	snprintf(path, sizeof path, "%s/tdx/root.pem", COCOBOOT_TEST_KEYS);
	if (sim_tdx_load(&sim, COCOBOOT_TEST_KEYS, mbedtls_ctr_drbg_random, &drbg) ||
	    cb_trust_new(&trust, NULL, &why) || cb_trust_add_test_tdx(trust, path, &why))
		return -1;
	sha384("kernel", 6, K);
	sha384("another kernel", 14, K2);
	sha384("initrd", 6, I);
	sha384("cmdline", 7, C);
	sha384("hob", 3, HOB);
	hex(k, K), hex(i, I), hex(c, C);
	snprintf(json, sizeof json,
		 "{\"tdx\":{\"mrtd\":[\"%0*d\"],\"kernel\":[\"%s\"],\"initrd\":[\"%s\"],\"cmdline\":[\"%s\"],"
		 "\"allow_test_root\":true,\"allow_no_collateral\":true}}",
		 96, 0, k, i, c);
	memset(strstr(json, "[\"0") + 2, 'd', 96); /* SIM_TDX_MRTD_BYTE 0xd7, 48 times */
	for (char *p = strstr(json, "[\"d") + 2, *e = p + 96; p < e; p += 2)
		p[1] = '7';
	return cb_policy_parse(&policy, json, strlen(json), &why) ? (printf("policy: %s\n", why.detail), -1) : 0;
}

static void walker(void)
{
	static struct logb b;
	const char *detail = NULL;
	boot_log(&b, K, 0);
	size_t used = b.n;
	filler(&b, 200);
	CHECK(cc_eventlog_walk(b.buf, used + 200, NULL, NULL, &detail) == (long)used,
	      "the walk ends where the filler starts (the guest's trim): %s", detail);
	CHECK(cc_eventlog_walk(b.buf, used, NULL, NULL, &detail) == (long)used, "a trimmed log walks to its end");
	CHECK(cc_eventlog_walk(b.buf, used - 5, NULL, NULL, &detail) == -1 && strstr(detail, "cut off"),
	      "a cut log is refused: %s", detail);
	b.buf[used + 150] = 0x42;
	CHECK(cc_eventlog_walk(b.buf, used + 200, NULL, NULL, &detail) == (long)used,
	      "the walk does not look past the end marker (the guest sends the events only)");
	cb_tdx_claims tc;
	cb_refusal why;
	memset(&tc, 0, sizeof tc);
	memcpy(tc.rtmr, b.rtmr, sizeof tc.rtmr);
	CHECK(ccel_replay(b.buf, used + 200, &tc, &why) == -1 && !strcmp(why.code, CB_REASON_MALFORMED) &&
	      strstr(why.detail, "not filler"), "the broker refuses data after the end: %s", why.detail);
	b.buf[used + 150] = 0xff;
	CHECK(ccel_replay(b.buf, used + 200, &tc, &why) == 0 && tc.has_event_log, "and accepts filler after it: %s",
	      why.detail);
	CHECK(cc_eventlog_walk(b.buf + 1, used - 1, NULL, NULL, &detail) == -1 && strstr(detail, "Spec ID"),
	      "a log without its Spec ID event is refused: %s", detail);
	CHECK(cc_eventlog_walk(b.buf, CC_EVENTLOG_MAX + 1, NULL, NULL, &detail) == -1 && strstr(detail, "40 KiB"),
	      "a log over 40 KiB is refused: %s", detail);
	boot_log(&b, K, 0);
	b.buf[32 + 28] = 0x0b; /* the Spec ID event names SHA-256 only */
	CHECK(cc_eventlog_walk(b.buf, b.n, NULL, NULL, &detail) == -1 && strstr(detail, "SHA-384"),
	      "a log without SHA-384 is refused: %s", detail);
}

static void replay(void)
{
	static struct logb b, other;
	cb_claims c;
	cb_refusal why;
	boot_log(&b, K, 0);
	size_t used = b.n;
	filler(&b, 64);
	b.n += 64;
	int r = verify(&b, NULL, &c, &why);
	CHECK(r == 0, "a log whose replay gives the quote's RTMRs verifies: %s", why.detail);
	CHECK(c.tdx.has_event_log && c.tdx.n_events == 6 && c.tdx.n_apps == 1 && !memcmp(c.tdx.apps[0], K, 48) &&
	      c.tdx.has_initrd && !memcmp(c.tdx.initrd, I, 48) && c.tdx.has_cmdline && !memcmp(c.tdx.cmdline, C, 48) &&
	      !c.tdx.unpinned_event[0], "claims: kernel, initrd, cmdline (%u events, %s)", c.tdx.n_events,
	      c.tdx.unpinned_event);
	char *json = cb_claims_to_json(&c), k[97];
	hex(k, K);
	CHECK(json && strstr(json, "\"event_log\":{\"kernel\":[\"") && strstr(json, k), "claims JSON names the kernel");
	free(json);
	CHECK(!strcmp(admit(&b, NULL, &why), "accepted"), "the policy that pins kernel, initrd and cmdline admits it: %s",
	      why.detail);

	/* one digest changed: the replay no longer gives the quote's RTMR1 */
	other = b;
	uint8_t *kd = memmem(other.buf, used, K, 48);
	kd[0] ^= 1;
	CHECK(!strcmp(admit(&other, &b, &why), CB_REASON_EVENT_LOG_MISMATCH) && strstr(why.detail, "RTMR1"),
	      "tampered log: event-log-mismatch (%s)", why.detail);
	/* the quote of another launch, this log */
	boot_log(&other, K2, 0);
	CHECK(!strcmp(admit(&b, &other, &why), CB_REASON_EVENT_LOG_MISMATCH), "log of another launch: event-log-mismatch");
	/* consistent, but another kernel ran */
	CHECK(!strcmp(admit(&other, NULL, &why), CB_REASON_MEASUREMENT_MISMATCH) && strstr(why.detail, "kernel allowlist"),
	      "consistent log, kernel not pinned: measurement-mismatch (%s)", why.detail);
	/* no log at all */
	CHECK(!strcmp(admit(NULL, &b, &why), CB_REASON_EVENT_LOG_MISSING), "no log, events pinned: event-log-missing (%s)",
	      why.detail);
	/* the image that ran relabelled as an action, the pinned digest extended after it */
	boot_log(&other, K2, 1);
	CHECK(!strcmp(admit(&other, NULL, &why), CB_REASON_MEASUREMENT_MISMATCH) && strstr(why.detail, "EFI action"),
	      "an image disguised as an EFI action: measurement-mismatch (%s)", why.detail);
	/* a second initrd event */
	boot_log(&other, K, 0);
	tag_event(&other, CCEL_TAG_INITRD, "Linux initrd", I);
	CHECK(!strcmp(admit(&other, NULL, &why), CB_REASON_MEASUREMENT_MISMATCH) && strstr(why.detail, "second initrd"),
	      "two initrd events: measurement-mismatch (%s)", why.detail);
	/* another event type in RTMR2 (a boot loader's EV_IPL) */
	boot_log(&other, K, 0);
	text_event(&other, 3, 0x0000000du, "grub_cmd linux", 14);
	CHECK(!strcmp(admit(&other, NULL, &why), CB_REASON_MEASUREMENT_MISMATCH) && strstr(why.detail, "cannot check"),
	      "an event type the policy cannot check: measurement-mismatch (%s)", why.detail);
	/* an event of MRTD's index (PCR 0): logged, never extended */
	boot_log(&other, K, 0);
	text_event(&other, 1, EV_PLATFORM_BLOB, "x", 1);
	memset(other.buf + other.n - (4 + 4 + 4 + 2 + 48 + 4 + 1), 0, 4);
	CHECK(!strcmp(admit(&other, &b, &why), "accepted"), "an event of MR index 0 (MRTD) is not replayed (%s)",
	      why.detail);
	other.buf[other.n - (4 + 4 + 4 + 2 + 48 + 4 + 1)] = 5;
	CHECK(!strcmp(admit(&other, &b, &why), CB_REASON_MALFORMED) && strstr(why.detail, "MR index"),
	      "an event of MR index 5: malformed (%s)", why.detail);
	/* a TDX quote without a log and a policy of registers only: still admitted (no log needed) */
	cb_policy *regs;
	char json2[1024], r1[97], r2[97];
	hex(r1, b.rtmr[1]), hex(r2, b.rtmr[2]);
	snprintf(json2, sizeof json2, "{\"tdx\":{\"allow_any_measurement\":true,\"rtmr1\":[\"%s\"],\"rtmr2\":[\"%s\"],"
		 "\"allow_test_root\":true,\"allow_no_collateral\":true}}", r1, r2);
	CHECK(cb_policy_parse(&regs, json2, strlen(json2), &why) == 0, "register policy loads: %s", why.detail);
	CHECK(verify(NULL, &b, &c, &why) == 0 && cb_policy_check(regs, &c, &why) == 0,
	      "no log, RTMR registers pinned: admitted (%s)", why.detail);
	cb_policy_free(regs);
	/* SNP evidence with a log */
	cb_evidence ev = { .provider = "sev_guest", .outblob = b.buf, .outblob_len = 1184, .event_log = b.buf,
			   .event_log_len = b.n };
	CHECK(cb_verify(trust, &ev, &c, &why) != 0 && !strcmp(why.code, CB_REASON_MALFORMED) &&
	      strstr(why.detail, "TDX evidence only"), "an event log with SEV-SNP evidence: malformed (%s)", why.detail);
}

static void policy_parse(void)
{
	static const char *const bad[] = {
		"{\"tdx\":{\"mrtd\":[\"" "%s" "\"],\"kernel\":[\"%s\"]}}",
		"{\"tdx\":{\"kernel\":[\"%s\"],\"initrd\":[\"%s\"],\"cmdline\":[\"%s\"]}}",
		"{\"tdx\":{\"mrtd\":[\"%s\"],\"kernel\":\"%s\",\"initrd\":[\"%s\"],\"cmdline\":[\"%s\"]}}",
	};
	static const char *const why_bad[] = { "kernel without initrd and cmdline", "events without mrtd",
					      "kernel not a list" };
	char k[97], json[1024];
	cb_policy *p;
	cb_refusal why;
	hex(k, K);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(json, sizeof json, bad[i], k, k, k, k);
		CHECK(cb_policy_parse(&p, json, strlen(json), &why) != 0 && !strcmp(why.code, CB_REASON_MALFORMED),
		      "policy refused: %s (%s)", why_bad[i], why.detail);
	}
	snprintf(json, sizeof json, "{\"tdx\":{\"mrtd\":[\"%s\"],\"kernel\":[\"%s\"],\"initrd\":[\"%s\"],\"cmdline\":[\"%s\"]}}",
		 k, k, k, k);
	CHECK(cb_policy_parse(&p, json, strlen(json), &why) == 0, "mrtd + kernel + initrd + cmdline pin what runs: %s",
	      why.detail);
	cb_policy_free(p);
}

int main(void)
{
	if (setup()) {
		printf("FAIL: cannot load the TEST TDX keys from %s (make keys)\n0 passed, 1 failed\n", COCOBOOT_TEST_KEYS);
		return 1;
	}
	walker();
	replay();
	policy_parse();
	printf("skip: real evidence: no public CCEL log with its matching quote is available to the tests "
	       "(../shared/testdata and the Debian go-tdx-guest set have quotes only)\n");
	check_skipped++;
	cb_policy_free(policy);
	cb_trust_free(trust);
	sim_tdx_free(&sim);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&ent);
	return check_done();
}
