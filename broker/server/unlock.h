/*
 * POST /v1/unlock, the decision: decode the body, find the volume, verify the
 * evidence and that its report data is the inblob of *this* session (one
 * check, inside cb_verify), apply the volume's policy, audit, release. Runs on a worker thread; everything it
 * touches is per worker (store) or thread-safe (trust store).
 */
#ifndef COCOBOOT_BROKER_UNLOCK_H
#define COCOBOOT_BROKER_UNLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "common/secret.h"
#include "proto/binding.h"
#include "broker/verify/verify.h"

struct store;

struct unlock_env {
	struct store *store;
	cb_trust *trust;
	const char *snp_cert_dir;
	const char *collateral_dir;
};

struct unlock_input {
	const char *body;
	size_t body_len;
	int has_client_cert;
	uint8_t inblob[COCO_INBLOB_LEN];  /* the broker's own view of the session */
	char client_key[COCO_CLIENT_KEY_ID_LEN + 1]; /* coco_client_key_id() */
};

struct unlock_output {
	int status;              /* HTTP status */
	int retry_after;         /* 1: send Retry-After */
	char reason[48];         /* reason code ("" on release) */
	char body[96];           /* the JSON error answer (proto/answer.h); never a key */
	size_t body_len;
	/*
	 * On release (status 200) the answer {"key": ...} is here, in secret
	 * memory (common/secret.h), and body is unused: the only copy of the key
	 * a worker hands on. Whoever takes the output frees it (secret_free),
	 * also when it is not sent.
	 */
	struct secret key_answer;
};

/* Fills out; the caller frees out->key_answer (a no-op unless status is 200). */
void unlock_handle(const struct unlock_env *env, const struct unlock_input *in,
		   struct unlock_output *out);

/* The JSON answer {"error": code} for status codes decided outside unlock_handle. */
void unlock_error_body(struct unlock_output *out, int status, const char *code);

#endif
