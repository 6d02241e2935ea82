/*
 * POST /v1/unlock, the decision (see unlock.h). Each step either passes or
 * fills the answer and ends the request:
 *   decode -> volume record -> evidence (signatures, chain, binding) ->
 *   policy -> key (opened under that policy) -> audit row -> release
 * A first boot from a shared image ("enrol": a fleet policy) has no volume
 * record yet:
 *   decode -> evidence -> the instance's id on the fleet's list -> the fleet
 *   policy with that id pinned -> key (new and stored pending, or the same
 *   pending one again) -> audit row -> release
 * and the volume's first normal unlock from that instance confirms it.
 */
#include "unlock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/platform_util.h>

#include "common/hex.h"
#include "proto/answer.h"
#include "proto/reasons.h"
#include "proto/request.h"
#include "proto/request_decode.h"
#include "broker/store/store.h"
#include "broker/verify/policy.h"
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
	int fleet_pending;           /* a first boot's volume, confirmed by this unlock */
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
	if (rc == STORE_PENDING && store_fleet_pending_policy(j->env->store, j->d.volume, &j->policy_json) == STORE_OK) {
		j->fleet_pending = 1;
		rc = STORE_OK;
	}
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
 * audit row, no key. The key is unwrapped straight into secret memory: the
 * tail of the answer's own buffer (KEY_SCRATCH), wiped once it is encoded.
 */
#define KEY_SCRATCH COCO_KEY_ANSWER_MAX

/* The key's place: the tail of one locked buffer whose head will carry the answer (release). */
static uint8_t *key_slot(struct unlock_job *j)
{
	struct secret *answer = &j->out->key_answer;

	if (!answer->data && secret_alloc(answer, KEY_SCRATCH + VOLUME_KEY_LEN))
		return NULL;
	return answer->data + KEY_SCRATCH;
}

static int open_key(struct unlock_job *j)
{
	uint8_t *key = key_slot(j);
	int rc, audited;

	if (!key)
		return refuse(j, 500, CB_REASON_INTERNAL, "no locked memory for the key");
	/* the instance that enrolled it booted again and met its policy: its first boot formatted the volume */
	if (j->fleet_pending) {
		rc = store_fleet_confirm(j->env->store, j->d.volume, "first unlock of the instance that enrolled it");
		if (rc == STORE_UNAVAILABLE || rc == STORE_ERROR) {
			log_event("error", "store", "detail", store_last_error(j->env->store), NULL);
			return unavailable(j);
		}
	}
	rc = store_volume_key(j->env->store, j->d.volume, j->policy_json, key);
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

/* {"key": ...} at the start of the secret buffer; the raw key behind it is wiped here. */
static void release(struct unlock_job *j)
{
	struct unlock_output *out = j->out;
	struct secret *answer = &out->key_answer;
	int rc = coco_answer_encode_key(answer->data + KEY_SCRATCH, VOLUME_KEY_LEN, (char *)answer->data, KEY_SCRATCH,
					&answer->len);

	mbedtls_platform_zeroize(answer->data + KEY_SCRATCH, VOLUME_KEY_LEN);
	if (rc) {
		unlock_error_body(out, 500, COCO_REASON_INTERNAL);
		return;
	}
	out->status = 200;
	log_event("info", "unlock", "volume", j->d.volume, "client_key", j->in->client_key, "provider", j->d.provider,
		  "measurement", j->measurement, "decision", "release", NULL);
}

/* The instance's launch identity as the store names it: SEV-SNP HOST_DATA, TDX MRCONFIGID (lowercase hex). */
static const char *instance_id(const struct unlock_job *j, char hex[97])
{
	if (j->claims.provider == CB_PROVIDER_SNP) {
		hex_encode(hex, j->claims.snp.host_data, sizeof(j->claims.snp.host_data));
		return "host_data";
	}
	hex_encode(hex, j->claims.tdx.mrconfigid, sizeof(j->claims.tdx.mrconfigid));
	return "mrconfigid";
}

/* The answer of the store to a first boot, as a refusal (-1) or 0. */
static int enrol_refusal(struct unlock_job *j, int rc)
{
	if (rc == STORE_OK)
		return 0;
	if (rc == STORE_NOT_FOUND)
		return refuse(j, 403, COCO_REASON_INSTANCE_REFUSED, store_last_error(j->env->store));
	if (rc == STORE_EXISTS)
		return refuse(j, 403, COCO_REASON_ALREADY_ENROLLED, store_last_error(j->env->store));
	if (rc == STORE_TAMPERED)
		return refuse(j, 403, COCO_REASON_STORE_TAMPERED, store_last_error(j->env->store));
	log_event("error", "store", "detail", store_last_error(j->env->store), NULL);
	return unavailable(j);
}

/*
 * A first boot: the evidence names the instance; the fleet policy must list
 * it, and its claims must meet the fleet policy with that id pinned (the
 * policy the volume will unlock under). Only then is a key made and stored
 * (pending) before it is released: exactly once per instance (store.h).
 */
static int enrol(struct unlock_job *j)
{
	uint8_t *key = key_slot(j);
	char hex[97];
	const char *kind;
	int rc, reused = 0, audited;

	if (!key)
		return refuse(j, 500, CB_REASON_INTERNAL, "no locked memory for the key");
	if (!j->in->has_client_cert)
		return refuse(j, 403, COCO_REASON_NO_CLIENT_CERT, "the client sent no certificate");
	if (check_evidence(j))
		return -1;
	kind = instance_id(j, hex);
	rc = store_fleet_enrol(j->env->store, j->d.enrol, j->d.volume, kind, hex, 0, &j->policy_json, key, &reused);
	metrics_store(rc != STORE_UNAVAILABLE && rc != STORE_ERROR);
	if (enrol_refusal(j, rc) || check_policy(j))
		return -1;
	rc = store_fleet_enrol(j->env->store, j->d.enrol, j->d.volume, kind, hex, 1, &j->policy_json, key, &reused);
	if (enrol_refusal(j, rc))
		return -1;
	log_event("info", "first-boot", "volume", j->d.volume, "fleet", j->d.enrol, "instance", hex, "key",
		  reused ? "the same pending key again" : "new, pending until the instance's first unlock", NULL);
	audit(j, "release", reused ? "first-boot-again" : "first-boot", &audited);
	return audited ? 0 : unavailable(j);
}

void unlock_handle(const struct unlock_env *env, const struct unlock_input *in,
		   struct unlock_output *out)
{
	struct unlock_job j = { .env = env, .in = in, .out = out };
	const char *detail;

	memset(out, 0, sizeof(*out));
	if (coco_request_decode(in->body, in->body_len, &j.d, &detail)) {
		log_event("info", "bad-request", "client_key", in->client_key, "detail", detail, NULL);
		unlock_error_body(out, 400, COCO_REASON_MALFORMED_REQUEST);
		return;
	}
	if (j.d.enrol[0] ? enrol(&j) == 0
			 : check_volume(&j) == 0 && check_evidence(&j) == 0 && check_policy(&j) == 0 && open_key(&j) == 0)
		release(&j);
	if (out->status != 200)
		secret_free(&out->key_answer);   /* a refusal after the key was opened: wiped now */
	free(j.policy_json);
	coco_request_fields_free(&j.d);
	mbedtls_platform_zeroize(&j.claims, sizeof(j.claims));
}
