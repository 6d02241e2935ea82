/* The CA bundle pinned in the initramfs (/etc/cocoboot/ca.pem). */
#ifndef COCOBOOT_CA_BUNDLE_H
#define COCOBOOT_CA_BUNDLE_H

#include <mbedtls/x509_crt.h>

#include "errors.h"

/* Largest bundle accepted: a handful of PEM certificates. */
#define CA_BUNDLE_MAX (256 * 1024)

/* Load every PEM certificate of `path` into `ca`. Each must parse with the
 * guest's mbedTLS and follow the guest's rule (proto/guest_chain.h); the first
 * that does not is named in the CB_ERR_CA detail. The same call serves the
 * boot and `cocoboot check-ca`, so a build path's check is the boot's. */
int cb_ca_bundle_load(mbedtls_x509_crt *ca, const char *path, struct cb_err *err);

#endif
