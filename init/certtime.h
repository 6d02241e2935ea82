/*
 * The certificate validity rule under a host-controlled clock (cocoboot(8),
 * SECURITY): "not yet valid" is ignored; "expired" is judged against the
 * later of the guest clock and FLOOR, the build time of the binary.
 */
#ifndef COCOBOOT_CERTTIME_H
#define COCOBOOT_CERTTIME_H

#include <stdint.h>

#include <mbedtls/x509_crt.h>

/* Seconds since the epoch of an X.509 time (UTC, proleptic Gregorian). */
long long cb_x509_time_seconds(const mbedtls_x509_time *t);

/* Adjust mbedTLS verification FLAGS for CRT according to the rule. */
void cb_cert_time_rule(const mbedtls_x509_crt *crt, long long floor, uint32_t *flags);

#endif
