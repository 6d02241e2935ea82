#include "unlock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/base64.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/platform_util.h>

#include "../../proto/request.h"
#include "../store/store.h"
#include "../verify/policy.h"
#include "log.h"
#include "request_decode.h"

#define REASON_BINDING        "binding-mismatch"
#define REASON_UNKNOWN_VOLUME "unknown-volume"
#define REASON_NO_CLIENT_CERT "no-client-certificate"
#define REASON_MALFORMED_REQ  "malformed-request"
/* the volume's sealed record (policy + wrapped key) does not open: edited outside cocobroker */
#define REASON_STORE_TAMPERED "store-tampered"
/* added but never confirmed (cocobroker volume confirm): nobody proved the key is on the disk */
#define REASON_VOLUME_PENDING "volume-pending"

void unlock_error_body(struct unlock_output *out, int status, const char *code)
{
	out->status = status;
	snprintf(out->reason, sizeof(out->reason), "%s", code);
	out->body_len = (size_t)snprintf(out->body, sizeof(out->body), "{\"error\":\"%s\"}", code);
}

static void hex(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Audit and log a refusal, then fill the answer. */
static void refuse(const struct unlock_env *env, const struct unlock_input *in, const struct unlock_fields *d,
		   const char *measurement, int status, const char *code, const char *detail,
		   struct unlock_output *out)
{
	struct audit_record rec = {
		.time = time(NULL), .volume = d->volume, .client_key = in->client_key,
		.provider = d->provider, .measurement = measurement, .decision = "refuse", .reason = code,
	};

	if (store_audit_append(env->store, &rec) != STORE_OK)
		log_event("error", "audit-failed", "volume", d->volume, "detail", store_last_error(env->store), NULL);
	log_event("info", "unlock", "volume", d->volume, "client_key", in->client_key, "provider", d->provider,
		  "measurement", measurement, "decision", "refuse", "reason", code, "detail", detail, NULL);
	unlock_error_body(out, status, code);
}

void unlock_handle(const struct unlock_env *env, const struct unlock_input *in,
		   struct unlock_output *out)
{
	struct unlock_fields d;
	const char *detail;
	char *policy_json = NULL;
	cb_policy *policy = NULL;
	cb_refusal why = { 0 };
	cb_claims claims;
	cb_evidence ev;
	char measurement[97] = "";
	const uint8_t *report_data;
	uint8_t key[VOLUME_KEY_LEN];
	size_t olen;
	int rc;

	memset(out, 0, sizeof(*out));
	if (unlock_request_decode(in->body, in->body_len, &d, &detail)) {
		log_event("info", "bad-request", "client_key", in->client_key, "detail", detail, NULL);
		unlock_error_body(out, 400, REASON_MALFORMED_REQ);
		return;
	}
	if (!in->has_client_cert) {
		refuse(env, in, &d, "", 403, REASON_NO_CLIENT_CERT, "the client sent no certificate", out);
		goto done;
	}
	rc = store_volume_policy(env->store, d.volume, &policy_json);
	if (rc == STORE_NOT_FOUND) {
		refuse(env, in, &d, "", 404, REASON_UNKNOWN_VOLUME, "no such volume", out);
		goto done;
	}
	if (rc == STORE_TAMPERED) {
		refuse(env, in, &d, "", 403, REASON_STORE_TAMPERED, store_last_error(env->store), out);
		goto done;
	}
	if (rc == STORE_PENDING) {
		refuse(env, in, &d, "", 403, REASON_VOLUME_PENDING, store_last_error(env->store), out);
		goto done;
	}
	if (rc != STORE_OK) {
		log_event("error", "store", "detail", store_last_error(env->store), NULL);
		unlock_error_body(out, 503, "store-unavailable");
		out->retry_after = 1;
		goto done;
	}

	memset(&ev, 0, sizeof(ev));
	ev.provider = d.provider;
	ev.outblob = d.outblob;
	ev.outblob_len = d.outblob_len;
	ev.auxblob = d.auxblob;
	ev.auxblob_len = d.auxblob_len;
	ev.snp_cert_dir = env->snp_cert_dir;
	ev.collateral_dir = env->collateral_dir;
	/* report data is compared below, after the signature, with a code of our own */
	if (cb_verify(env->trust, &ev, &claims, &why)) {
		refuse(env, in, &d, "", 403, why.code ? why.code : CB_REASON_INTERNAL, why.detail, out);
		goto done;
	}
	if (claims.provider == CB_PROVIDER_SNP) {
		hex(measurement, claims.snp.measurement, sizeof(claims.snp.measurement));
		report_data = claims.snp.report_data;
	} else {
		hex(measurement, claims.tdx.mrtd, sizeof(claims.tdx.mrtd));
		report_data = claims.tdx.report_data;
	}
	if (mbedtls_ct_memcmp(report_data, in->inblob, COCO_INBLOB_LEN) != 0) {
		refuse(env, in, &d, measurement, 403, REASON_BINDING,
		       "report data is not bound to this TLS session and client key", out);
		goto done;
	}
	if (cb_policy_parse(&policy, policy_json, strlen(policy_json), &why)) {
		refuse(env, in, &d, measurement, 403, CB_REASON_NO_POLICY, "stored policy does not parse", out);
		goto done;
	}
	if (cb_policy_check(policy, &claims, &why)) {
		refuse(env, in, &d, measurement, 403, why.code ? why.code : CB_REASON_INTERNAL, why.detail, out);
		goto done;
	}
	/* the key opens only under the policy just evaluated: a policy changed since
	 * the read above (by anyone) never releases under the old decision */
	rc = store_volume_key(env->store, d.volume, policy_json, key);
	if (rc == STORE_UNAVAILABLE || rc == STORE_ERROR) {
		/* the store went away between the policy and the key: nothing decided, try again */
		log_event("error", "store", "detail", store_last_error(env->store), NULL);
		unlock_error_body(out, 503, "store-unavailable");
		out->retry_after = 1;
		goto done;
	}
	if (rc != STORE_OK) {
		refuse(env, in, &d, measurement, rc == STORE_TAMPERED || rc == STORE_PENDING ? 403 : 500,
		       rc == STORE_TAMPERED ? REASON_STORE_TAMPERED : rc == STORE_PENDING ? REASON_VOLUME_PENDING
		       : CB_REASON_INTERNAL, store_last_error(env->store), out);
		goto done;
	}
	{
		struct audit_record rec = {
			.time = time(NULL), .volume = d.volume, .client_key = in->client_key,
			.provider = d.provider, .measurement = measurement, .decision = "release", .reason = "",
		};
		/* no durable audit row, no key */
		if (store_audit_append(env->store, &rec) != STORE_OK) {
			mbedtls_platform_zeroize(key, sizeof(key));
			log_event("error", "audit-failed", "volume", d.volume, "detail",
				  store_last_error(env->store), NULL);
			unlock_error_body(out, 503, "store-unavailable");
			out->retry_after = 1;
			goto done;
		}
	}
	memcpy(out->body, "{\"key\":\"", 8);
	if (mbedtls_base64_encode((unsigned char *)out->body + 8, sizeof(out->body) - 10, &olen,
				  key, sizeof(key))) {
		mbedtls_platform_zeroize(key, sizeof(key));
		unlock_error_body(out, 500, CB_REASON_INTERNAL);
		goto done;
	}
	mbedtls_platform_zeroize(key, sizeof(key));
	memcpy(out->body + 8 + olen, "\"}", 3);
	out->body_len = 8 + olen + 2;
	out->status = 200;
	log_event("info", "unlock", "volume", d.volume, "client_key", in->client_key, "provider", d.provider,
		  "measurement", measurement, "decision", "release", NULL);
done:
	cb_policy_free(policy);
	free(policy_json);
	unlock_fields_free(&d);
	mbedtls_platform_zeroize(&claims, sizeof(claims));
}
