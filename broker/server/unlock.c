/*
 * POST /v1/unlock, the decision (see unlock.h). Each step either passes or
 * fills the answer and ends the request:
 *   decode -> volume record -> evidence (signatures, chain, binding) ->
 *   policy -> key (opened under that policy) -> audit row -> release
 */
#include "unlock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "../../common/hex.h"
#include "../../proto/answer.h"
#include "../../proto/reasons.h"
#include "../../proto/request.h"
#include "../../proto/request_decode.h"
#include "../store/store.h"
#include "../verify/policy.h"
#include "log.h"
#include "metrics.h"

/* One request on its way through the steps. */
struct unlock_job {
	const struct unlock_env *env;
	const struct unlock_input *in;
	struct unlock_output *out;
	struct coco_request_fields d;
	char measurement[97];        /* lowercase hex, "" until the evidence is verified */
	char *policy_json;
	cb_claims claims;
};

void unlock_error_body(struct unlock_output *out, int status, const char *code)
{
	out->status = status;
	snprintf(out->reason, sizeof(out->reason), "%s", code);
	if (coco_answer_encode_error(code, out->body, sizeof(out->body), &out->body_len) != COCO_PROTO_OK)
		out->body_len = 0;
}

static void audit(struct unlock_job *j, const char *decision, const char *reason, int *ok)
{
	struct audit_record rec = {
		.time = time(NULL), .volume = j->d.volume, .client_key = j->in->client_key,
		.provider = j->d.provider, .measurement = j->measurement, .decision = decision, .reason = reason,
	};

	*ok = store_audit_append(j->env->store, &rec) == STORE_OK;
	if (!*ok)
		log_event("error", "audit-failed", "volume", j->d.volume, "detail", store_last_error(j->env->store),
			  NULL);
}

/* Audit and log a refusal, then fill the answer. Returns -1 (the request ends). */
static int refuse(struct unlock_job *j, int status, const char *code, const char *detail)
{
	int audited;

	audit(j, "refuse", code, &audited);
	log_event("info", "unlock", "volume", j->d.volume, "client_key", j->in->client_key, "provider", j->d.provider,
		  "measurement", j->measurement, "decision", "refuse", "reason", code, "detail", detail, NULL);
	unlock_error_body(j->out, status, code);
	return -1;
}

/* 503 with Retry-After: the store failed, the guest tries again. Returns -1. */
static int unavailable(struct unlock_job *j)
{
	metrics_store(0);
	unlock_error_body(j->out, 503, COCO_REASON_STORE_UNAVAILABLE);
	j->out->retry_after = 1;
	return -1;
}

/* The store's answer for a volume as a refusal code, or NULL when it is not one. */
static const char *store_refusal(int rc)
{
	return rc == STORE_TAMPERED ? COCO_REASON_STORE_TAMPERED
	       : rc == STORE_PENDING ? COCO_REASON_VOLUME_PENDING : NULL;
}

static int check_volume(struct unlock_job *j)
{
	int rc;

	if (!j->in->has_client_cert)
		return refuse(j, 403, COCO_REASON_NO_CLIENT_CERT, "the client sent no certificate");
	rc = store_volume_policy(j->env->store, j->d.volume, &j->policy_json);
	metrics_store(rc == STORE_OK || rc == STORE_NOT_FOUND || store_refusal(rc));
	if (rc == STORE_NOT_FOUND)
		return refuse(j, 404, COCO_REASON_UNKNOWN_VOLUME, "no such volume");
	if (store_refusal(rc))
		return refuse(j, 403, store_refusal(rc), store_last_error(j->env->store));
	if (rc != STORE_OK) {
		log_event("error", "store", "detail", store_last_error(j->env->store), NULL);
		return unavailable(j);
	}
	return 0;
}

/*
 * Signatures, chain and the session binding in one call: the report data
 * must be the inblob of this session (the broker's own view, unlock.h),
 * compared inside cb_verify in constant time. On the wire that refusal is
 * binding-mismatch (reasons.h); every other code is verify's own.
 */
static int check_evidence(struct unlock_job *j)
{
	cb_evidence ev = {
		.provider = j->d.provider, .outblob = j->d.outblob, .outblob_len = j->d.outblob_len,
		.auxblob = j->d.auxblob, .auxblob_len = j->d.auxblob_len, .snp_cert_dir = j->env->snp_cert_dir,
		.collateral_dir = j->env->collateral_dir, .expected_report_data = j->in->inblob,
		.event_log = j->d.event_log, .event_log_len = j->d.event_log_len,
	};
	cb_refusal why = { 0 };

	if (cb_verify(j->env->trust, &ev, &j->claims, &why)) {
		if (why.code && !strcmp(why.code, CB_REASON_REPORT_DATA_MISMATCH))
			return refuse(j, 403, COCO_REASON_BINDING_MISMATCH,
				      "report data is not bound to this TLS session and client key");
		return refuse(j, 403, why.code ? why.code : CB_REASON_INTERNAL, why.detail);
	}
	if (j->claims.provider == CB_PROVIDER_SNP)
		hex_encode(j->measurement, j->claims.snp.measurement, sizeof(j->claims.snp.measurement));
	else
		hex_encode(j->measurement, j->claims.tdx.mrtd, sizeof(j->claims.tdx.mrtd));
	return 0;
}

static int check_policy(struct unlock_job *j)
{
	cb_policy *policy = NULL;
	cb_refusal why = { 0 };
	int ret = 0;

	if (cb_policy_parse(&policy, j->policy_json, strlen(j->policy_json), &why))
		ret = refuse(j, 403, CB_REASON_NO_POLICY, "stored policy does not parse");
	else if (cb_policy_check(policy, &j->claims, &why))
		ret = refuse(j, 403, why.code ? why.code : CB_REASON_INTERNAL, why.detail);
	cb_policy_free(policy);
	return ret;
}

/*
 * The key opens only under the policy just evaluated: a policy changed since
 * it was read (by anyone) never releases under the old decision. No durable
 * audit row, no key.
 */
static int open_key(struct unlock_job *j, uint8_t key[VOLUME_KEY_LEN])
{
	int rc = store_volume_key(j->env->store, j->d.volume, j->policy_json, key), audited;

	if (rc == STORE_UNAVAILABLE || rc == STORE_ERROR) {
		/* the store went away between the policy and the key: nothing decided, try again */
		log_event("error", "store", "detail", store_last_error(j->env->store), NULL);
		return unavailable(j);
	}
	if (rc != STORE_OK)
		return refuse(j, store_refusal(rc) ? 403 : 500,
			      store_refusal(rc) ? store_refusal(rc) : CB_REASON_INTERNAL, store_last_error(j->env->store));
	audit(j, "release", "", &audited);
	return audited ? 0 : unavailable(j);
}

static void release(struct unlock_job *j, const uint8_t key[VOLUME_KEY_LEN])
{
	struct unlock_output *out = j->out;

	if (coco_answer_encode_key(key, VOLUME_KEY_LEN, out->body, sizeof(out->body), &out->body_len)) {
		unlock_error_body(out, 500, COCO_REASON_INTERNAL);
		return;
	}
	out->status = 200;
	log_event("info", "unlock", "volume", j->d.volume, "client_key", j->in->client_key, "provider", j->d.provider,
		  "measurement", j->measurement, "decision", "release", NULL);
}

void unlock_handle(const struct unlock_env *env, const struct unlock_input *in,
		   struct unlock_output *out)
{
	struct unlock_job j = { .env = env, .in = in, .out = out };
	const char *detail;
	uint8_t key[VOLUME_KEY_LEN];

	memset(out, 0, sizeof(*out));
	if (coco_request_decode(in->body, in->body_len, &j.d, &detail)) {
		log_event("info", "bad-request", "client_key", in->client_key, "detail", detail, NULL);
		unlock_error_body(out, 400, COCO_REASON_MALFORMED_REQUEST);
		return;
	}
	if (check_volume(&j) == 0 && check_evidence(&j) == 0 && check_policy(&j) == 0 && open_key(&j, key) == 0)
		release(&j, key);
	mbedtls_platform_zeroize(key, sizeof(key));
	free(j.policy_json);
	coco_request_fields_free(&j.d);
	mbedtls_platform_zeroize(&j.claims, sizeof(j.claims));
}
