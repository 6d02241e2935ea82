/* Shared helpers of the verification tests: test data files and vectors.json. */
#ifndef COCOBOOT_TESTS_VERIFY_TESTUTIL_H
#define COCOBOOT_TESTS_VERIFY_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "broker/verify/verify.h"

/* $COCOBOOT_TESTDATA or the compiled-in ../shared/testdata */
const char *testdata_dir(void);

/*
 * The larger real-evidence set (../shared/testdata) is optional: a clone
 * alone does not have it.  td_group(what) says whether a group of checks
 * reading it may run: 1 when vectors.json is there; 0 when it is absent (the
 * group is skipped, printed with the reason and counted once); -1 when
 * $COCOBOOT_TESTDATA names a directory without it (asked for, so a failure).
 * TD_GROUP(call) runs call under that rule, counting into check.h's totals.
 */
int td_group(const char *what);
#define TD_GROUP(call)                          \
	do {                                    \
		int td_state_ = td_group(#call); \
		if (td_state_ > 0)              \
			call;                   \
		else if (td_state_ == 0)        \
			check_skipped++;        \
		else                            \
			check_failed++;         \
	} while (0)
/* Read testdata_dir()/sub/name; aborts the test binary if missing. */
uint8_t *td_read(const char *sub, const char *name, size_t *len);
uint8_t *read_path(const char *path, size_t *len);
/* vectors.json, parsed; NULL (nothing to free) when the test data is absent,
 * so `cJSON_Delete(td_vectors())` at the end of a test is always safe */
cJSON *td_vectors(void);
/* "2022-09-24 00:55:28+00:00" -> time_t */
time_t td_time(const char *s);
/* lowercase hex of bytes, static buffer per call site not needed: caller buffer */
void hexs(char *out, const uint8_t *p, size_t n);
/* one shared trust store with the pinned vendor roots */
cb_trust *vendor_trust(void);

/* SNP vector -> evidence (report + signer certificate as --cert) at a time
 * inside the certificate's validity.  Buffers are owned by the struct. */
struct snp_case {
	uint8_t *report, *cert;
	size_t report_len, cert_len;
	cb_buf certs[1];
	cb_evidence ev;
};
void snp_case_load(struct snp_case *sc, const cJSON *vec);
void snp_case_free(struct snp_case *sc);

struct tdx_case {
	uint8_t *quote;
	size_t quote_len;
	cb_evidence ev;
};
void tdx_case_load(struct tdx_case *tc, const cJSON *vec);
void tdx_case_free(struct tdx_case *tc);

#endif
