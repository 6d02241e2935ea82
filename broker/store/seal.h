/*
 * Integrity of the key store (schema 2): what binds a policy to its volume
 * key, and what chains the audit rows. Pure functions; the SQL lives in
 * store.c, audit.c and migrate.c.
 *
 *  - A volume's wrapped key is sealed (AES-GCM additional data, wrap.h) under
 *    the context "UUID;policy-sha256=HEX", HEX the SHA-256 of the exact policy
 *    text. A policy edited outside cocobroker makes the key unopenable.
 *  - Audit rows are chained with HMAC-SHA-256 under a key derived from the
 *    master key (HKDF-SHA-256, info "cocoboot-audit-chain-v1"), never the
 *    master key itself:
 *        mac(row) = HMAC(K, "cocoboot-audit-row-v1" || mac(previous row)
 *                           || id (8 bytes, big endian)
 *                           || for each of time, volume, client_key, provider,
 *                              measurement, decision, reason:
 *                              length (4 bytes, big endian) || bytes)
 *    with 32 zero bytes as the "previous" of the first row.
 *  - The chain head (meta row "audit_head") is id || mac of the last row ||
 *    HMAC(K, "cocoboot-audit-head-v1" || id || mac). Whoever deletes the last
 *    rows cannot write the head that would match the shorter chain.
 */
#ifndef COCOBOOT_BROKER_SEAL_H
#define COCOBOOT_BROKER_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "wrap.h"

#define AUDIT_KEY_LEN    32
#define AUDIT_MAC_LEN    32
#define AUDIT_FIELDS     7
#define AUDIT_HEAD_LEN   (8 + AUDIT_MAC_LEN + AUDIT_MAC_LEN)
/* "UUID;policy-sha256=" + 64 hex digits + NUL */
#define SEAL_CONTEXT_LEN 128

/* The audit chain key: HKDF-SHA-256 of the master key. 0, or -1. */
int seal_audit_key(const uint8_t master[MASTER_KEY_LEN], uint8_t key[AUDIT_KEY_LEN]);

/* The wrapping context that binds a volume key to its UUID and policy text. 0, or -1 if too long. */
int seal_volume_context(char out[SEAL_CONTEXT_LEN], const char *uuid, const char *policy, size_t policy_len);

/* mac of one audit row (fields in the order of the audit table). 0, or -1. */
int seal_audit_row(const uint8_t key[AUDIT_KEY_LEN], const uint8_t prev[AUDIT_MAC_LEN], int64_t id,
		   const char *const fields[AUDIT_FIELDS], const size_t lens[AUDIT_FIELDS],
		   uint8_t mac[AUDIT_MAC_LEN]);

/* The sealed chain head for (id, mac of row id) into head. 0, or -1. */
int seal_audit_head(const uint8_t key[AUDIT_KEY_LEN], int64_t id, const uint8_t mac[AUDIT_MAC_LEN],
		    uint8_t head[AUDIT_HEAD_LEN]);

/* Check a stored head; on success (0) fill id and mac. -1 if its length or tag is wrong. */
int seal_audit_head_open(const uint8_t key[AUDIT_KEY_LEN], const uint8_t *head, size_t len,
			 int64_t *id, uint8_t mac[AUDIT_MAC_LEN]);

#endif
