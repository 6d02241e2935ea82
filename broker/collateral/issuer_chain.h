/*
 * Intel PCS answers carry the certificate chain that signed them in a
 * response header (TCB-Info-Issuer-Chain, SGX-Enclave-Identity-Issuer-Chain,
 * SGX-PCK-CRL-Issuer-Chain): PEM certificates, URL-encoded (RFC 3986 percent
 * encoding).  These parsers read untrusted bytes from the network: they are
 * fuzzed (broker/collateral/fuzz/fuzz-issuer-chain.c).
 */
#ifndef COCOBOOT_BROKER_COLLATERAL_ISSUER_CHAIN_H
#define COCOBOOT_BROKER_COLLATERAL_ISSUER_CHAIN_H

#include <stddef.h>
#include <stdint.h>

/* One raw header line ("Name: value\r\n") from the server: when its name is
 * NAME (case-insensitive), the value without surrounding blanks is copied
 * to a new string in *value (an earlier one is replaced: the last one
 * counts) and 1 is returned; 0 for another header; -1 when the line has no
 * colon, a name with characters a header name cannot have, a NUL, or a
 * value over max. */
int header_line_value(const char *line, size_t len, const char *name, size_t max, char **value);

/* Percent-decode s (no '+' to space: RFC 3986, as Intel encodes) into a new
 * buffer; 0 with *out, *outlen, or -1 when a '%' is not followed by two hex
 * digits or the result holds a NUL. */
int url_decode(const char *s, size_t len, uint8_t **out, size_t *outlen);

#endif
