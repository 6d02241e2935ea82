/*
 * Wire protocol v1, POST /v1/unlock request body (design.md, "Wire protocol v1"):
 *   {"volume": "<LUKS UUID>", "provider": "sev_guest"|"tdx_guest",
 *    "outblob": "<base64>", "auxblob": "<base64>",        (auxblob optional)
 *    "event_log": "<base64>",                             (optional, TDX only: the CCEL log)
 *    "enrol": "<fleet policy name>"}                       (enrol optional)
 * With "enrol" the request is a first boot from a shared image: the volume
 * is not enrolled yet, and the broker enrols it under that fleet policy for
 * the instance the evidence names (docs/broker.md, "First boot from a golden
 * image"), answering with the new key as for an unlock.
 *
 * The encoder is the one implementation used by the guest and by the test
 * clients; it needs no JSON library (the guest is static musl), only
 * mbedtls_base64. The broker decodes the body with cJSON (request_decode.h).
 */
#ifndef COCOBOOT_PROTO_REQUEST_H
#define COCOBOOT_PROTO_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#define COCO_UNLOCK_PATH      "/v1/unlock"
#define COCO_MAX_BODY         (64 * 1024)
#define COCO_PROVIDER_SNP     "sev_guest"
#define COCO_PROVIDER_TDX     "tdx_guest"
/* a fleet policy's name: 1-40 of a-z 0-9 . _ - (broker/store/store.h) */
#define COCO_ENROL_NAME_MAX   40

struct coco_unlock_request {
	const char *volume;      /* LUKS UUID, 36 characters, either case (common/uuid.h) */
	const char *provider;    /* COCO_PROVIDER_SNP or COCO_PROVIDER_TDX */
	const uint8_t *outblob;
	size_t outblob_len;
	const uint8_t *auxblob;  /* NULL or empty: field omitted */
	size_t auxblob_len;
	const char *enrol;       /* NULL: an unlock; a fleet policy's name: a first boot */
	const uint8_t *event_log; /* TDX: the CCEL event log, at most CC_EVENTLOG_MAX bytes;
	                             NULL or empty: field omitted */
	size_t event_log_len;
};

enum coco_proto_error {
	COCO_PROTO_OK = 0,
	COCO_PROTO_BAD_INPUT = -1,   /* a field is missing or has a bad form */
	COCO_PROTO_TOO_LARGE = -2,   /* does not fit the buffer or the body limit */
	COCO_PROTO_INCOMPLETE = -3,  /* more bytes needed (HTTP parsing) */
	COCO_PROTO_MALFORMED = -4,   /* syntax error in what was received */
};

/* True for a fleet policy name the protocol carries (no character needs escaping). */
int coco_enrol_name_is_valid(const char *s);

/* True for the provider names of the protocol. */
int coco_provider_is_valid(const char *s);

/*
 * Encode the JSON body into buf (NUL-terminated). *len gets the length
 * without the NUL. Returns COCO_PROTO_OK or a negative coco_proto_error.
 */
int coco_request_encode(const struct coco_unlock_request *req,
			char *buf, size_t cap, size_t *len);

/* Upper bound of the encoded body for the given blob sizes. With an event
 * log, pass auxblob_len + event_log_len + 3 as auxblob_len (the fixed part
 * has room for the member's name; one base64 rounding per field). */
size_t coco_request_encoded_max(size_t outblob_len, size_t auxblob_len);

#endif
