/*
 * Wire protocol v1: the reason codes of the broker's own refusals, sent as
 * {"error": "<code>"} (answer.h). One table for both sides: the broker
 * answers with these, the guest shows them (cocoboot: error broker-refused:
 * <code>), tests and metrics name them. Stable: never rename, only append.
 *
 * A refusal of the evidence itself carries the verification library's code
 * (broker/verify/verify.h, CB_REASON_*: signature-invalid, tcb-too-old, ...),
 * passed through unchanged; verify/ keeps its codes and knows nothing of the
 * wire. The one exception is the session binding: verification compares the
 * report data with the broker's inblob and the broker answers
 * COCO_REASON_BINDING_MISMATCH for it (design.md, "Trust and binding").
 *
 *  status  code
 */
#ifndef COCOBOOT_PROTO_REASONS_H
#define COCOBOOT_PROTO_REASONS_H

/* 400: the body is not a request of the protocol; also bad HTTP framing */
#define COCO_REASON_MALFORMED_REQUEST  "malformed-request"
/* 403: the client sent no TLS certificate, so nothing can be bound */
#define COCO_REASON_NO_CLIENT_CERT     "no-client-certificate"
/* 403: the report data is not this session's inblob (binding.h) */
#define COCO_REASON_BINDING_MISMATCH   "binding-mismatch"
/* 403: the volume's sealed record does not open: edited outside cocobroker */
#define COCO_REASON_STORE_TAMPERED     "store-tampered"
/* 403: added but never confirmed (cocobroker volume confirm) */
#define COCO_REASON_VOLUME_PENDING     "volume-pending"
/* 403: a first boot ("enrol"): no such fleet policy, or it does not list this instance */
#define COCO_REASON_INSTANCE_REFUSED   "instance-not-allowed"
/* 403: a first boot for a volume or an instance that is enrolled already (never a second key) */
#define COCO_REASON_ALREADY_ENROLLED   "already-enrolled"
/* 404: no such volume (the guest shows it as broker-refused: unknown-volume) */
#define COCO_REASON_UNKNOWN_VOLUME     "unknown-volume"
/* 404: a path other than /v1/unlock (or /metrics on its listener) */
#define COCO_REASON_NOT_FOUND          "not-found"
/* 405: the path with another method */
#define COCO_REASON_METHOD_NOT_ALLOWED "method-not-allowed"
/* 413: a body over COCO_MAX_BODY */
#define COCO_REASON_TOO_LARGE          "too-large"
/* 500: a failure inside the broker (the same spelling as verify's CB_REASON_INTERNAL) */
#define COCO_REASON_INTERNAL           "internal"
/* 503 + Retry-After: the store cannot be read or the audit row not written */
#define COCO_REASON_STORE_UNAVAILABLE  "store-unavailable"
/* 503 + Retry-After: the worker queue is full */
#define COCO_REASON_OVERLOADED         "overloaded"

#endif
